#!/usr/bin/perl
# Demand paging with paging files on ATA disks: the paging tests on 32 and 16 MiB machines,
# paged pool past 128 MiB on 64 MiB, two paging files on two disks, disks that fail writes and reads (QEMU's blkdebug), a fault
# on paged pool at DISPATCH_LEVEL, and each PTE state as the kd> prompt's !pte shows it.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $EIO = 5;
my $PARTITION_LBA = 2048;       # where tools/mkdisk starts the paging-file partition
my $STATUS_IO_DEVICE_ERROR = 'c0000185';

# The counters mm.paging.three_times_ram prints.
sub paging_counts {
    my ($output) = @_;
    my %c;
    @c{qw(pages ram dz soft read reads written writes)} = $output =~
        /^# (\d+) pages \(RAM (\d+)\): (\d+) demand zero, (\d+) soft, (\d+) read in (\d+) reads, (\d+) written in (\d+) writes/m;
    return \%c;
}

# The paging tests on 32 MiB, and again on 16 MiB, with a 256 MiB paging file.
for my $mem (32, 16) {
    my $disk = mkdisk("disk$mem", 256);
    my ($status, $output) = boot(mem => $mem, disks => [$disk], cmdline => 'test=mm.paging.*',
        timeout => 300);
    like($output, qr/^Paging file 0: disk 0 from LBA $PARTITION_LBA, 256 MB$/m,
        "$mem MiB: the partition became paging file 0");
    my $c = paging_counts($output);
    cmp_ok($c->{pages} // 0, '>=', 3 * ($c->{ram} // 1), "$mem MiB: three times RAM was paged");
    report_ktap($output, "$mem MiB");
    is($status, 0, "$mem MiB: exits 0");
}

# 64 MiB with a 256 MiB paging file: paged pool takes more than 128 MiB, up to the commit limit.
{
    my $disk = mkdisk('disk64', 256);
    my ($status, $output) = boot(mem => 64, disks => [$disk],
        cmdline => 'test=mm.paging.commit_limit', timeout => 120);
    my ($chunks, $pages) = $output =~ /^# (\d+) chunks of (\d+) pages/m;
    cmp_ok(($chunks // 0) * ($pages // 0), '>=', 32768,
        '64 MiB: paged pool held ' . (($chunks // 0) * ($pages // 0)) . ' pages before the commit limit');
    report_ktap($output, '64 MiB');
    is($status, 0, '64 MiB: exits 0');
}

# Two paging files on two disks: the writer takes them in turn, so both hold pages.
{
    my @disks = (mkdisk('two0', 64), mkdisk('two1', 64));
    my ($status, $output) = boot(mem => 32, disks => \@disks,
        cmdline => 'test=mm.paging.three_times_ram', timeout => 300);
    like($output, qr/^Paging file 1: disk 1 from LBA $PARTITION_LBA, 64 MB$/m,
        'two disks: two paging files');
    for my $n (0, 1) {
        my ($peak) = $output =~ /^# paging file $n: peak usage (\d+) pages/m;
        cmp_ok($peak // 0, '>', 1000, "two disks: paging file $n held pages (peak $peak)");
    }
    report_ktap($output, 'two disks');
    is($status, 0, 'two disks: exits 0');
}

# pagefile= names the regions instead of the partitions: sixteen of them on one disk make
# sixteen paging files (MAX_PAGE_FILES); a seventeenth is refused, and with it the whole option
# (tests/pagefile.t has the other refusals); pagefile=none makes none.
{
    my $disk = mkdisk('named', 256);
    my @regions = map { "0:" . (2048 + $_ * 4096) . ":4096" } 0 .. 16;
    my ($status, $output) = boot(mem => 32, disks => [$disk],
        cmdline => 'pagefile=' . join(',', @regions[0 .. 15]) . ' test=mm.paging.hard_fault',
        timeout => 120);
    my @made = $output =~ /^Paging file (\d+): disk 0 from LBA \d+, 2 MB$/mg;
    is_deeply(\@made, [0 .. 15], 'pagefile=: sixteen paging files, 0 to 15');
    report_ktap($output, 'pagefile=');
    is($status, 0, 'pagefile=: exits 0');

    ($status, $output) = boot(mem => 32, disks => [$disk], cmdline => 'pagefile=' . join(',', @regions),
        timeout => 60, input => "poweroff\n");
    like($output, qr/^pagefile: '0:67584:4096' refused: more than 16 paging files \(status 0xc0000097\)$/m,
        'pagefile= seventeen: STATUS_TOO_MANY_PAGING_FILES');
    is_deeply([$output =~ /^Paging file \d+: (.*)$/mg], ['disk 0 from LBA 2048, 256 MB'],
        '... and none made from the option: the partition\'s file instead');

    ($status, $output) = boot(mem => 32, disks => [$disk], cmdline => 'pagefile=none test=mm.paging.hard_fault',
        timeout => 60);
    unlike($output, qr/^Paging file/m, 'pagefile=none: no paging file');
    like($output, qr/^ok 1 mm\.paging\.hard_fault # SKIP no paging file$/m,
        '... so the paging-file tests skip, saying why');
    is($status, 0, 'pagefile=none: exits 0');
}

# Writes that fail: every write touching slot 100's first sector. The writer's cluster
# there fails, is written again in halves down to single pages, and only slot 100 is marked bad; its page stays
# modified and goes elsewhere; no word of the data is lost.
{
    my $sector = $PARTITION_LBA + 8 * 100;
    my $disk = blkdebug_drive(mkdisk('wfail', 256),
        "[inject-error]\nevent = \"write_aio\"\nerrno = \"$EIO\"\nsector = \"$sector\"\n");
    my ($status, $output) = boot(mem => 32, disks => [$disk],
        cmdline => 'test=mm.paging.three_times_ram', timeout => 300);
    my ($bad, $failed) = $output =~ /^# paging file 0: peak usage \d+ pages, (\d+) bad slots, (\d+) failed writes/m;
    is($bad, 1, 'write errors: only the failing slot is marked bad');
    cmp_ok($failed // 0, '>=', 2, 'write errors: the cluster and then the page alone failed ('
        . ($failed // '?') . ')');
    report_ktap($output, 'write errors');
    is($status, 0, 'write errors: exits 0, nothing lost');
}

# Reads that fail. First every read once the paging file exists (its first write): a probe
# of a paged-out page gets STATUS_IN_PAGE_ERROR; a plain read is KERNEL_DATA_INPAGE_ERROR
# with NT's parameters (PTE, status, address, PTE contents). Then only the sector of the
# second page's slot: the fault on the first reads the pair, fails, and reads its own page
# alone; the second stays in the paging file and its read is the STOP.
sub inpage {
    my ($label, $rules) = @_;
    my $image = mkdisk($label, 256);
    my $disk = blkdebug_drive($image, $rules);
    my ($status, $output) = boot(mem => 32, disks => [$disk], cmdline => 'crash=inpage',
        timeout => 120);
    my @pages = $output =~
        /^crash: paged pool ([0-9a-f]{8}) is in paging file (\d+), slot ([0-9a-f]+) \(PTE ([0-9A-F]{8})\)$/mg;
    is(scalar(@pages), 8, "$label: both pages went to the paging file");
    # The slot each PTE names holds the page: its first word, 'A', is on the disk there.
    for my $page (0, 1) {
        my $slot = hex($pages[4 * $page + 2] // 0);
        open(my $fh, '<:raw', $image) or die "$image: $!";
        seek($fh, ($PARTITION_LBA + 8 * $slot) * 512, 0) or die;
        read($fh, my $word, 4);
        close($fh);
        is(unpack('V', $word // ''), ord('A'), "$label: ... page $page is in slot $slot on the disk");
    }
    is(hex($pages[6] // 0), hex($pages[2] // 0) + 1, "$label: ... neighbouring slots");
    my ($va, $pte_address) = (uc($pages[4] // ''), sprintf('%08X', 0xC0000000 + (hex($pages[4] // 0) >> 12) * 4));
    like($output, qr/^crash: a probe reading the second returns c0000006$/m,
        "$label: a probe of the second gets STATUS_IN_PAGE_ERROR");
    like($output,
        qr/^\*\*\* STOP: 0x0000007A \(0x$pte_address,0x\U$STATUS_IO_DEVICE_ERROR\E,0x$va,0x[0-9A-F]{8}\)$/m,
        "$label: STOP 0x7A (PTE, STATUS_IO_DEVICE_ERROR, address, PTE contents)");
    like($output, qr/^KERNEL_DATA_INPAGE_ERROR$/m, "$label: ... named");
    is($status, 1, "$label: exits 1, no hang");
    return ($output, $pages[2]);
}

my ($output, $slot) = inpage('rfail', "[set-state]\nevent = \"write_aio\"\nstate = \"1\"\n"
    . "new_state = \"2\"\n\n[inject-error]\nevent = \"read_aio\"\niotype = \"read\"\nstate = \"2\"\n"
    . "errno = \"$EIO\"\n");
like($output, qr/^crash: a probe reading the first returns c0000006 /m,
    'rfail: a probe of the first gets STATUS_IN_PAGE_ERROR too');

# At start-up nothing else is paged out, so the pair takes slots 1 and 2 (as above).
my $sector = $PARTITION_LBA + 8 * (hex($slot // 1) + 1);
($output) = inpage('r2fail', "[inject-error]\nevent = \"read_aio\"\niotype = \"read\"\n"
    . "errno = \"$EIO\"\nsector = \"$sector\"\n");
like($output, qr/^crash: a probe reading the first returns 00000000 \(00000041\)$/m,
    "r2fail: the first page reads, alone, with its data");

# A read ahead that fails (mm.paging.read_ahead_error): reads of slot 62 fail, which lies in
# the pages the test reads ahead (pages 48 to 111 of a run that takes slots from 1 or 2, as
# nothing else, or one page, is paged out before it). The pages being read go back to their
# slots; the good ones read, the bad one is STATUS_IN_PAGE_ERROR to a probe; no STOP.
{
    my $sector = $PARTITION_LBA + 8 * 62;
    my $disk = blkdebug_drive(mkdisk('rafail', 256), "[inject-error]\nevent = \"read_aio\"\n"
        . "iotype = \"read\"\nerrno = \"$EIO\"\nsector = \"$sector\"\n");
    my ($status, $output) = boot(mem => 32, disks => [$disk],
        cmdline => 'test=mm.paging.read_ahead_error', timeout => 120);
    my ($first) = $output =~ /^# the run's first slot is (\d+)$/m;
    ok(defined $first && $first + 48 <= 62 && 62 < $first + 112,
        'read-ahead error: slot 62 is read ahead (the run starts at ' . ($first // '?') . ')');
    like($output, qr/^# the read ahead failed$/m, 'read-ahead error: the read ahead failed');
    like($output, qr/^# 1 pages of the read ahead could not be read \(page \d+\)$/m,
        'read-ahead error: ... one page lost, the others read with their data');
    report_ktap($output, 'read-ahead error');
    unlike($output, qr/\*\*\* STOP/, 'read-ahead error: no STOP');
    is($status, 0, 'read-ahead error: exits 0');
}

# Paged pool touched at DISPATCH_LEVEL: IRQL_NOT_LESS_OR_EQUAL (address, IRQL 2, read).
{
    my ($status, $output) = boot(mem => 32, cmdline => 'crash=irql', timeout => 60);
    my ($va) = $output =~ /^crash: reading paged pool ([0-9a-f]{8})/m;
    like($output, qr/^\*\*\* STOP: 0x0000000A \(0x\U$va\E,0x00000002,0x00000000,0x[0-9A-F]{8}\)$/m,
        'paged pool at DISPATCH_LEVEL: STOP 0xA (address, 2, 0, eip)');
    is($status, 1, '... exits 1');
}

# Each state of one page's PTE through the prompt: demand zero, valid, transition, paging
# file, and valid again by a hard fault with the data intact.
{
    my $disk = mkdisk('kd', 256);
    my $p = 'poi(KdLastPoolAllocation)';
    my $input = join('', map { "$_\n" } ('poolalloc paged 2000 Tpte', "!pte $p",
        "ed $p 12345678", "!pte $p", '!empty ws', "!pte $p", '!empty modified',
        '!empty standby', "!pte $p", "dd $p L1", "!pte $p", '!vm', 'poweroff'));
    my ($status, $output) = boot(mem => 32, disks => [$disk], input => $input, timeout => 60);
    my @states = split /kd> !pte/, $output;
    like($states[1] // '', qr/ DemandZero\n.* Protect: 4 - ReadWrite/,
        '!pte: a fresh page is demand zero, read/write');
    like($states[2] // '', qr/pfn [0-9a-f]+ +---DA--KWEV/, '!pte: written, it is valid and dirty');
    like($states[3] // '', qr/ Transition: [0-9a-f]+\n.* Protect: 4 - ReadWrite/,
        '!pte: out of the working set, it is in transition');
    like($states[4] // '', qr/ PageFile:  0\n.* Offset: [0-9a-f]+\n.* Protect: 4 - ReadWrite/,
        '!pte: written and reused, it is in paging file 0');
    like($output, qr/^e1[0-9a-f]{6}  12345678$/m, 'dd reads the word back through a hard fault');
    like($states[5] // '', qr/pfn [0-9a-f]+ +----A--KWEV/, '!pte: valid again, clean');
    like($output, qr/^Paging I\/O: [1-9]\d* pages read in [1-9]\d* reads/m, '!vm counts the read');
    is($status, 0, 'kd: poweroff exits 0');
}

done_testing();
