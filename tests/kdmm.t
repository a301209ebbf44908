#!/usr/bin/perl
# The memory manager's kd> extensions, each answer checked against the same thing read another
# way: the image's symbol table (nm), the PFN database, list heads and counters read with dd,
# the PTEs of the system PTE clusters read with dd, and the addresses poolalloc returned.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $PFN_SIZE = 0x18;
my $PTE_BASE = 0xC0000000;
my @LOCATIONS = qw(Zeroed Free Standby Modified ModNoWrt Bad Active Trans);

my %symbol;
for (`${\($ENV{CROSS} // 'i686-linux-gnu-')}nm $TOP/build/mm386.elf`) {
    $symbol{$2} = hex($1) if /^([0-9a-f]{8}) \w (\w+)$/;
}
ok(exists $symbol{MmPfnDatabase} && exists $symbol{KiImageBase}, 'nm lists the symbols');

sub pte_of { my ($va) = @_; return $PTE_BASE + ($va >> 12) * 4 }

# What each command printed: the text between its echo and the next prompt, in order.
sub transcript {
    my ($output) = @_;
    my @answers;
    while ($output =~ /^kd> (.*)\n((?:(?!kd> ).*\n)*)/mg) {
        push @answers, [$1, $2];
    }
    return @answers;
}

# dd's dwords at the start of an answer.
sub dwords {
    my ($text) = @_;
    my @values;
    for my $line (split /\n/, $text) {
        next unless $line =~ /^[0-9a-f]{8}\s+((?:\s*[0-9a-f?]{8})+)/;
        push @values, map { hex } split ' ', $1;
    }
    return @values;
}

# One dd over both list heads (nm says where each is), so the zero page thread, which moves
# pages from the free list to the zeroed list, cannot move many between the two reads.
sub zeroed_and_free {
    my ($zeroed, $free) = @symbol{qw(MmZeroedPageListHead MmFreePageListHead)};
    my $first = $zeroed < $free ? 'MmZeroedPageListHead' : 'MmFreePageListHead';
    return sprintf('dd %s L%x', $first, abs($zeroed - $free) / 4 + 1);
}

sub zeroed_plus_free {
    my ($text) = @_;
    my @values = dwords($text);
    return $values[0] + $values[-1];
}

my $disk = mkdisk('kdmm', 64);
my $image_page = ($symbol{KiImageBase} - 0x80000000) >> 12;
my $pfndb_page = ($symbol{MmPfnDatabase} - 0x80000000) >> 12;
my @commands = (
    '!pfn ' . sprintf('%x', $image_page),                                         # 0
    sprintf('dd poi(MmPfnDatabase)+%x L6', $image_page * $PFN_SIZE),               # 1
    '!pfn ' . sprintf('%x', $pfndb_page),                                         # 2
    'poolalloc paged 2000 Tkd1',                                                  # 3
    'ed poi(KdLastPoolAllocation) 12345678',                                      # 4
    '!pte poi(KdLastPoolAllocation)',                                             # 5
    '!pte poi(KdLastPoolAllocation) poi(KdLastPoolAllocation)+1fff',              # 6
    '!pte poi(KdLastPoolAllocation)+1000',                                        # 7
    '!empty ws',                                                                  # 8
    '!vm',                                                                        # 9
    '!empty modified',                                                            # 10
    '!empty standby',                                                             # 11
    'dd poi(KdLastPoolAllocation) L1',                                            # 12
    '!vm',                                                                        # 13
    'dd MmInfoCounters L1',                                                       # 14
    '!memusage',                                                                  # 15
    zeroed_and_free(),                                                            # 16
    'dd MmFreePageListHead L1',                                                   # 17
    'dd MmStandbyPageListHead L1',                                                # 18
    'dd MmModifiedPageListHead L1',                                               # 19
    'dd MmNumberOfPhysicalPages L1',                                              # 20
    '!sysptes 1',                                                                 # 21
    'dd MmTotalSystemPtes L2',                                                    # 22
    'dd MmTotalFreeSystemPtes L2',                                                # 23
    'dd MmFirstFreeSystemPte L2',                                                 # 24
    'dd MmNonPagedSystemStart L1',                                                # 25
    'poolalloc paged 18 Tkd2',                                                    # 26
    'poolalloc nonpaged 30 Tkd2',                                                 # 27
    'poolalloc paged 3000 Tkd2',                                                  # 28
    '!poolfind Tkd2',                                                             # 29
    '!poolfind Tkd2 1',                                                           # 30
    '!poolfind Tkd?',                                                             # 31
);
my ($status, $output) = boot(mem => 64, disks => [$disk], timeout => 180,
    input => join('', map { "$_\n" } @commands, 'poweroff'));
is($status, 0, 'the session ends with poweroff');
my @answers = transcript($output);
is(scalar(@answers), @commands + 1, 'every command answered') or diag($output);
my @a = map { $_->[1] } @answers;

# !pfn against the PFN database read with dd, and against nm.
{
    my @pfn = dwords($a[1]);
    my ($address, $flink, $share, $pte) = $a[0] =~
        /PFN [0-9A-F]{8} at address ([0-9A-F]{8})\n\s+flink\s+([0-9A-F]{8})\s+blink \/ share count ([0-9A-F]{8})\s+pteaddress ([0-9A-F]{8})/;
    my ($refs) = $a[0] =~ /reference count ([0-9A-F]{4})/;
    my ($restore, $frame, $location) = $a[0] =~ /restore pte ([0-9A-F]{8})\s+containing page\s+([0-9A-F]{6})\s+(\w+)/;
    my ($database) = $a[1] =~ /^([0-9a-f]{8})/;
    is(hex($address // 0), hex($database // 1), '!pfn: the entry is where dd finds MmPfnDatabase + page * 0x18');
    is(hex($flink // 1), $pfn[0], '!pfn: flink is u1');
    is(hex($pte // 0), $pfn[1], '!pfn: pteaddress is PteAddress');
    is(hex($share // 0), $pfn[2], '!pfn: blink / share count is u2');
    is(hex($refs // 0), $pfn[3] & 0xFFFF, '!pfn: the reference count');
    is(hex($restore // 1), $pfn[4], '!pfn: restore pte is OriginalPte');
    is(hex($frame // 0), $pfn[5] & 0x1FFFFFF, '!pfn: containing page is PteFrame');
    is($location, $LOCATIONS[($pfn[3] >> 24) & 7], "!pfn: the location ($location) is PageLocation");
    is(hex($pte // 0), pte_of($symbol{KiImageBase}), "!pfn: the image's first page is mapped by KiImageBase's PTE (nm)");
    my ($pte2) = $a[2] =~ /pteaddress ([0-9A-F]{8})/;
    is(hex($pte2 // 0), pte_of($symbol{MmPfnDatabase}), "!pfn: the page holding MmPfnDatabase, by its PTE (nm)");
}

# A paged pool page: valid and modified, then (after !empty ws) on the modified list.
my ($pool) = $a[3] =~ /= ([0-9a-f]{8})$/m;
{
    my ($frame) = $a[5] =~ /^pfn [0-9a-f]+\s+\S+\s+pfn ([0-9a-f]+)/m;
    ok(defined $frame, "the written pool page is valid (pfn " . ($frame // '?') . ')');
    my @blocks = $a[6] =~ /^\s+VA ([0-9a-f]{8})$/mg;
    is("@blocks", sprintf('%s %08x', $pool, hex($pool) + 0x1000), '!pte start end: each page of the range');
    my ($second) = $a[6] =~ /^( +VA ${\sprintf('%08x', hex($pool) + 0x1000)}\n(?:.*\n)*)/m;
    is($second, $a[7], "!pte start end: a page's lines are !pte's for that page");
    my ($trimmed, $before, $after) = $a[8] =~ /^ws: (\d+) pages left the system working set: standby list \d+ -> \d+, modified list (\d+) -> (\d+)$/m;
    ok(defined $trimmed && $trimmed >= 1, "!empty ws says how many pages left ($trimmed)");
    is($after - $before, $trimmed, '!empty ws: the written pages went to the modified list');
    my ($written, $modified_before, $modified_after) = $a[10] =~ /^modified: (\d+) pages written in \d+ writes \(0 failed\), modified list (\d+) -> (\d+)/m;
    is($written, $modified_before - $modified_after, '!empty modified: the pages written left the modified list');
    like($a[11], qr/^standby: \d+ pages went back to their paging-file slots: standby list \d+ -> 0,/m,
        '!empty standby says what it purged');
    is(join(' ', dwords($a[12])), hex('12345678'), 'the page reads back through a hard fault');
}

# !vm's fault counters add up, and the total is MmInfoCounters.PageFaultCount read with dd.
for my $i (9, 13) {
    my ($total, $dz, $tr, $cow, $hard, $coll, $retried, $spurious, $probe, $failed) = $a[$i] =~
        /^Faults:\s+(\d+) = (\d+) demand zero \+ (\d+) transition \+ (\d+) copy-on-write \+ (\d+) hard \+ (\d+) collided\n\s+\+ (\d+) retried \+ (\d+) spurious \+ (\d+) probe \+ (\d+) failed$/m;
    ok(defined $total, "!vm prints the fault counters") or next;
    is($dz + $tr + $cow + $hard + $coll + $retried + $spurious + $probe + $failed, $total,
        "!vm: the fault counters add up to $total");
    cmp_ok($dz, '>=', 1, '!vm: the write was a demand-zero fault');
    cmp_ok($hard, '>=', 1, '!vm: the read back was a hard fault') if $i == 13;
}
{
    my ($total) = $a[13] =~ /^Faults:\s+(\d+)/m;
    is((dwords($a[14]))[0], $total, '!vm: the total is MmInfoCounters.PageFaultCount (dd)');
}

# !memusage against the list heads and MmNumberOfPhysicalPages read with dd.
{
    my %count = $a[15] =~ /^\s+([\w\/]+):\s+(\d+) \(/mg;
    my ($standby, $modified, $pages) = map { (dwords($a[$_]))[0] } 18 .. 20;
    is($count{TOTAL}, $pages, '!memusage: TOTAL is MmNumberOfPhysicalPages');
    is($count{Standby}, $standby, '!memusage: Standby is MmStandbyPageListHead.Total');
    is($count{Modified}, $modified, '!memusage: Modified is MmModifiedPageListHead.Total');
    # The zero page thread may hold one page between the lists.
    cmp_ok(abs($count{Zeroed} + $count{Free} - zeroed_plus_free($a[16])), '<=', 1,
        '!memusage: Zeroed + Free are the two lists\' totals');
    my $sum = 0;
    $sum += $count{$_} for grep { $_ ne 'TOTAL' } keys %count;
    is($sum, $count{TOTAL}, '!memusage: the lines add up to TOTAL');
    my ($image) = $a[15] =~ /^\s+(\d+)(?:\s+\d+){4}\s+kernel image$/m;
    # The boot page directory and tables are image pages, but a PDE maps them: page tables.
    my @tables = grep { exists $symbol{$_} } qw(KiBootPageDirectory KiBootPageTable KiBootHalPageTable);
    my $image_pages = (($symbol{KiImageEnd} - $symbol{KiImageBase}) >> 12) - 1 - @tables;
    is($image, $image_pages, "!memusage: the kernel image's valid pages (nm: KiImageBase to KiImageEnd, less the boot stack's guard page and the boot page tables)");
    like($a[15], qr/^\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+paged pool$/m, '!memusage: paged pool is in use');
}

# !sysptes against the totals and the free clusters' PTEs read with dd.
{
    my ($total) = $a[21] =~ /Total System Ptes (\d+)/;
    my ($start) = $a[21] =~ /starting PTE: ([0-9a-f]{8})/;
    my ($system) = split /Nonpaged Pool Expansion/, $a[21];
    my @clusters = $system =~ /free ptes: ([0-9a-f]{8})   number free: (\d+)\./g;
    my ($blocks, $free) = $system =~ /free blocks: (\d+)   total free: (\d+)/;
    my @totals = dwords($a[22]);
    my @frees = dwords($a[23]);
    my @first = dwords($a[24]);
    is($total, $totals[0], '!sysptes: Total System Ptes is MmTotalSystemPtes[SystemPteSpace]');
    is($free, $frees[0], '!sysptes: total free is MmTotalFreeSystemPtes[SystemPteSpace]');
    is(hex($start), pte_of((dwords($a[25]))[0]), '!sysptes: the first PTE maps MmNonPagedSystemStart');
    is(hex($clusters[0]), $PTE_BASE + ($first[0] >> 12) * 4,
        '!sysptes: the first free cluster is MmFirstFreeSystemPte\'s NextEntry');
    my $sum = 0;
    for (my $i = 1; $i < @clusters; $i += 2) { $sum += $clusters[$i] }
    is($sum, $free, '!sysptes: the clusters add up to the total free');
    is($blocks, @clusters / 2, '!sysptes: free blocks counts the clusters listed');
}

# !poolfind finds the three Tkd2 allocations: their headers 8 bytes before the small blocks,
# the big one at its own address.
{
    my @addresses = map { /= ([0-9a-f]{8})$/m ? hex($1) : 0 } @a[26 .. 28];
    like($a[29], qr/^${\sprintf('%08x', $addresses[0] - 8)} size:\s+20 previous size:\s+[0-9a-f]+  \(Allocated\) Tkd2$/m,
        '!poolfind: the paged block');
    like($a[29], qr/^${\sprintf('%08x', $addresses[1] - 8)} size:\s+38 previous size:\s+[0-9a-f]+  \(Allocated\) Tkd2$/m,
        '!poolfind: the nonpaged block');
    like($a[29], qr/^${\sprintf('%08x', $addresses[2])} : large page allocation, Tag is Tkd2, size is 0x3000 bytes, Paged pool$/m,
        '!poolfind: the big allocation');
    like($a[29], qr/^3 found$/m, '!poolfind: three in all');
    like($a[30], qr/^2 found$/m, '!poolfind Tkd2 1: only the paged ones');
    unlike($a[30], qr/Searching NonPaged/, '... and no nonpaged pool searched');
    like($a[31], qr/^4 found$/m, '!poolfind Tkd?: the wildcard also finds Tkd1');
}
done_testing();
