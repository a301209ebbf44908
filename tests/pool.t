#!/usr/bin/perl
# The executive pool and special pool seen from outside: each deliberate pool bugcheck in its
# own boot (the STOP code and every parameter that does not depend on the build), the special
# pool tests under specialpool=* and specialpool=<tag>, and the kd> pool commands.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

# Double free: BAD_POOL_CALLER (7, 0, the header now, the address).
my ($status, $output) = boot(cmdline => 'crash=pooldoublefree', timeout => 30);
is($status, 1, 'pooldoublefree exits 1');
my ($block, $header) =
    $output =~ /^crash: freeing pool block (\w{8}) again \(its header now reads (\w{8})\)$/m;
ok(defined $block, 'the crash names the block and its header');
like($output, qr/^\*\*\* STOP: 0x000000C2 \(0x00000007,0x00000000,0x\U$header\E,0x\U$block\E\)$/m,
    'STOP 0xC2 (7, 0, header contents, address)');
is(hex($header) >> 25, 0, '... the header says the block is free (PoolType 0)');
like($output, qr/^BAD_POOL_CALLER$/m, 'the NT name');
like($output, qr/ExFreePoolWithTag\+.*\n.*ExFreePool\+.*\n.*KdCrashPoolDoubleFree\+/,
    'backtrace: ExFreePool from the crash');

# ... also when the block's page went back with it, where its header is a free run's links
# (nonpaged: the page after a page still in use heads the run) or no longer mapped (paged).
for my $case (['nonpaged', 'poolalloc nonpaged ff0 Tst1', 'poolalloc nonpaged ff0 Tst1',
               'poolfree poi(KdLastPoolAllocation)+1000', 'poolfree poi(KdLastPoolAllocation)+1000'],
              ['paged', 'poolalloc paged ff0 Tst1', 'poolfree poi(KdLastPoolAllocation)',
               'poolfree poi(KdLastPoolAllocation)']) {
    my ($pool, @commands) = @$case;
    ($status, $output) = boot(input => join('', map { "$_\n" } @commands), timeout => 30);
    my @freed = $output =~ /^ExFreePool\((\w{8})\)$/mg;
    is(scalar(@freed), 1, "$pool block alone in its page: freed once");
    like($output, qr/^\*\*\* STOP: 0x000000C2 \(0x00000007,0x00000000,0x\w{8},0x\U$freed[0]\E\)$/m,
        "$pool: freed again, STOP 0xC2 (7, 0, header, address)");
    is($status, 1, "$pool: exits 1");
}

# An overwritten header: BAD_POOL_HEADER (5, the block's header, 0, the header it contradicts).
($status, $output) = boot(cmdline => 'crash=poolheader', timeout => 30);
is($status, 1, 'poolheader exits 1');
my ($entry, $next) =
    $output =~ /^crash: pool block \w{8} \(header (\w{8})\) overruns the next header at (\w{8})$/m;
ok(defined $entry, 'the crash names both headers');
like($output, qr/^\*\*\* STOP: 0x00000019 \(0x00000005,0x\U$entry\E,0x00000000,0x\U$next\E\)$/m,
    'STOP 0x19 (5, entry, 0, next entry)');
like($output, qr/^BAD_POOL_HEADER$/m, 'the NT name');

# Special pool: the byte after the allocation is in the guard page.
($status, $output) = boot(cmdline => 'specialpool=Crsh crash=specialoverrun', timeout => 30);
is($status, 1, 'specialoverrun exits 1');
like($output, qr/^Special pool: 12500 pages at \w{8}-\w{8} for tag 'Crsh'$/m,
    'the boot reports special pool for the tag');
my ($va) =
    $output =~ /^crash: writing byte 13 of the 13-byte special pool block \w{8}, at (\w{8})$/m;
ok(defined $va && hex($va) % 4096 == 0, 'the byte after a 13-byte allocation starts a page');
my ($eip) = $output =~ /^eip=(\w{8}) /m;
like($output, qr/^\*\*\* STOP: 0x000000CD \(0x\U$va\E,0x00000001,0x\U$eip\E,0x00000000\)$/m,
    'STOP 0xCD (address, write, the faulting eip as the trap frame has it, 0)');
like($output, qr/^PAGE_FAULT_BEYOND_END_OF_ALLOCATION$/m, 'the NT name');
like($output,
    qr/MiCheckSpecialPoolFault\+.*\n.*MmAccessFault\+.*\n.*KiTrap0E\+(?s:.*)\n #\d+\s+$eip  KdCrashSpecialOverrun\+/,
    'backtrace: the page fault, at the write in the crash');

# ... and a freed special pool page stays out of reach.
($status, $output) = boot(cmdline => 'specialpool=Crsh crash=specialfreed', timeout => 30);
is($status, 1, 'specialfreed exits 1');
($va) = $output =~ /^crash: reading special pool block (\w{8}) after freeing it$/m;
ok(defined $va, 'the crash names the block');
($eip) = $output =~ /^eip=(\w{8}) /m;
like($output, qr/^\*\*\* STOP: 0x000000CC \(0x\U$va\E,0x00000000,0x\U$eip\E,0x00000000\)$/m,
    'STOP 0xCC (address, read, the faulting eip as the trap frame has it, 0)');
like($output, qr/\n #\d+\s+$eip  KdCrashSpecialFreed\+/, '... which is in the crash');
like($output, qr/^PAGE_FAULT_IN_FREED_SPECIAL_POOL$/m, 'the NT name');

# ... and free checks the pattern in front of the allocation.
($status, $output) = boot(cmdline => 'specialpool=Crsh crash=specialunderrun', timeout => 30);
is($status, 1, 'specialunderrun exits 1');
my ($start, $before) = $output =~
    /^crash: writing the byte before special pool block (\w{8}), at (\w{8}), and freeing it$/m;
ok(defined $start, 'the crash names the block and the byte');
like($output, qr/^\*\*\* STOP: 0x000000C1 \(0x\U$start\E,0x\U$before\E,0x00000000,0x00000023\)$/m,
    'STOP 0xC1 (address, the changed byte, 0, 0x23)');

# Without specialpool= the special pool kinds say why they cannot crash (tests/crash.t has more).
($status, $output) = boot(cmdline => 'crash=specialoverrun', input => "poweroff\n", timeout => 30);
like($output, qr/needs special pool for tag 'Crsh' \(boot with specialpool=Crsh\): not stopping/,
    'specialoverrun without special pool explains itself');
is($status, 0, '... and does not stop the system');

# The special pool tests, with every tag and with one.
for my $option ('specialpool=*', 'specialpool=TstS') {
    ($status, $output) = boot(cmdline => "$option test=mm.specialpool.*", timeout => 60);
    is(report_ktap($output, $option), 3, "$option: the three special pool tests ran");
    is($status, 0, "$option: they pass");
}

($status, $output) = boot(cmdline => 'specialpool=toolong test=mm.specialpool.routing',
    timeout => 30);
like($output, qr/bad value: 'specialpool=toolong' ignored/, 'a tag must have 4 characters');
is($status, 0, '... and special pool stays off');

# The kd> commands on allocations made from the prompt.
($status, $output) = boot(input => join('', map { "$_\n" }
    'poolalloc paged 18 Tst1', 'poolalloc paged 38 Tst2', '!pool poi(KdLastPoolAllocation)',
    'poolalloc nonpaged 2000 Tst3', '!pool poi(KdLastPoolAllocation)+1234',
    'poolfree poi(KdLastPoolAllocation)', '!poolused', '!pool 80000000', 'poweroff'),
    timeout => 30);
my ($tst2) = $output =~ /^ExAllocatePoolWithTag\(PagedPool, 0x38, 'Tst2'\) = (\w{8})$/m;
ok(defined $tst2, 'poolalloc prints the address');
# The page Tst2 is on, block by block. Paged pool's first page also holds the object
# namespace's blocks, so the listing is checked for what it must be rather than for one
# layout: the blocks tile the page (each starts where the one before ends, its previous size
# that block's size), Tst2 is marked with * and sits at the tail of a free block (a block
# that does not start its page gives its tail), and Tst1, asked for first, right after it.
my $page = substr($tst2 // '', 0, 5);
my ($listing) = $output =~ /^(Pool page \Q${\ ($tst2 \/\/ '?')}\E region is Paged pool\n(?:[ *]\w{8} size: .*\n)+)/m;
my @blocks = ($listing // '') =~ /^([ *])(\w{8}) size: +(\w+) previous size: +(\w+)  \((\w+)\) +([* ])(\S+)$/mg;
my @rows;
my ($at, $previous, $tiled) = (hex("${page}000"), 0, 1);
while (my @row = splice(@blocks, 0, 7)) {
    push @rows, \@row;
    $tiled &&= hex($row[1]) == $at && hex($row[3]) == $previous;
    $at = hex($row[1]) + hex($row[2]);
    $previous = hex($row[2]);
}
ok($tiled && $at == hex("${page}000") + 0x1000 && @rows >= 3,
    '!pool: the blocks of the page tile it, each previous size the size before') or diag($output);
my ($mine) = grep { $rows[$_][6] eq 'Tst2' } 0 .. $#rows;
ok(defined $mine && $rows[$mine][0] eq '*' && $rows[$mine][5] eq '*' && $rows[$mine][4] eq 'Allocated'
   && $mine > 0 && $rows[$mine - 1][4] eq 'Free' && ($rows[$mine + 1] // [])->[6] eq 'Tst1',
    '!pool: * on the block asked for, carved from the tail of a free block, Tst1 after it');
my ($tst3) = $output =~ /^ExAllocatePoolWithTag\(NonPagedPool, 0x2000, 'Tst3'\) = (\w{8})$/m;
like($output, qr/^\*$tst3 : large page allocation, Tag is Tst3, size is 0x2000 bytes$/m,
    '!pool inside a big allocation: its start, tag and size');
like($output, qr/^ Tst1\s+0\s+0\s+0\s+1\s+0\s+32$/m, '!poolused: Tst1, one paged block of 0x20');
like($output, qr/^ Tst2\s+0\s+0\s+0\s+1\s+0\s+64$/m, '!poolused: Tst2');
like($output, qr/^ Tst3\s+1\s+1\s+0\s+0\s+0\s+0$/m, '!poolused: Tst3 allocated and freed');
like($output, qr/^Pool page 80000000 region is Unknown: not a pool address$/m,
    '!pool on an address in no pool');
is($status, 0, 'poweroff exits 0');

# !pool on special pool, live and freed.
($status, $output) = boot(cmdline => 'specialpool=Tst1', input => join('', map { "$_\n" }
    'poolalloc paged d Tst1', '!pool poi(KdLastPoolAllocation)+20',
    'poolfree poi(KdLastPoolAllocation)', '!pool poi(KdLastPoolAllocation)', 'poweroff'),
    timeout => 30);
my ($special) = $output =~ /^ExAllocatePoolWithTag\(PagedPool, 0xd, 'Tst1'\) = (\w{8})$/m;
ok(defined $special && hex($special) % 4096 == 4096 - 13, 'a 13-byte block ends at its page end');
my $guard = sprintf('%08x', hex($special) + 13);
like($output,
    qr/^\*$special size:    d  \(Allocated\) \*Tst1  special pool, paged, guard page $guard$/m,
    '!pool in the guard page names the allocation it guards');
like($output, qr/^\*${\ substr($special, 0, 5)}000: freed special pool/m, '!pool after the free');
done_testing();
