#!/usr/bin/perl
# Every self-test at machine sizes from 8 MiB to 3.5 GiB, without a disk (from test=all) and
# with a 256 MiB paging file (typed at the kd> prompt): each passes, or skips saying why, and
# the set that skips is exactly the one this machine cannot run; then, at 3.5 GiB, a program
# with its DLLs (image sections, whose subsection PTEs reach only 128 MB of nonpaged pool).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $PAGING_FILE_MB = 256;

for my $mem (8, 16, 64, 256, 1024, 3584) {
    my ($status, $output) = boot(mem => $mem, cmdline => 'test=all', timeout => 180);
    report_ktap($output, "$mem MiB",
        skip => [@NO_DISK_SKIPS, @NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS, @NO_MODULE_SKIPS, @NO_FAT_FILES_SKIPS]);
    is($status, 0, "$mem MiB: exits 0");

    # One disk, on the primary channel; three times RAM fits in the paging file up to 64 MiB.
    my $disk = mkdisk("sizes$mem", $PAGING_FILE_MB);
    ($status, $output) = boot(mem => $mem, disks => [$disk], input => "test all\npoweroff\n",
        timeout => 300);
    my @skip = ('hal.ata.channels', @NO_SPECIAL_POOL_SKIPS, @NO_MODULE_SKIPS, @NO_FAT_FILES_SKIPS);
    push @skip, 'mm.paging.three_times_ram' if 3 * $mem >= $PAGING_FILE_MB + $mem - 8;
    like($output, qr/^kd> test all$/m, "$mem MiB, disk: the tests run from the prompt");
    report_ktap($output, "$mem MiB, disk", skip => \@skip);
    is($status, 0, "$mem MiB, disk: exits 0");
}

# Image sections at the largest size: the subsections of ntdll's, kernel32's and the program's
# sections are in the initial nonpaged pool, which large pages round up to a 4 MB boundary; a
# subsection PTE reaches 128 MB from the pool's start, so the pool must end within that
# (MEMORY_MANAGEMENT 0x4128E at start-up before it did).
{
    my ($status, $output) = boot(mem => 3584, exes => ["$TOP/build/user/syscall.exe"],
                                 cmdline => 'run=syscall.exe', timeout => 180);
    like($output, qr/^\s+\w+\s+\w+\s+(\d+) MB\s+initial nonpaged pool/m,
         '3584 MiB, programs: the layout names the initial nonpaged pool');
    my ($pool) = $output =~ /^\s+\w+\s+\w+\s+(\d+) MB\s+initial nonpaged pool/m;
    ok(defined $pool && $pool <= 128, '3584 MiB, programs: initial nonpaged pool of at most 128 MB ('
       . ($pool // '?') . ' MB)');
    my @cases = $output =~ /^(?:ok|not ok) \d+ (\S+)/mg;
    my @bad = $output =~ /^not ok \d+ (\S+)/mg;
    ok(@cases > 0, '3584 MiB, programs: syscall.exe ran ' . scalar(@cases) . ' cases');
    is_deeply(\@bad, [], '3584 MiB, programs: every case passed') or diag($output);
    unlike($output, qr/\*\*\* STOP/, '3584 MiB, programs: no bugcheck');
    is($status, 0, '3584 MiB, programs: syscall.exe exits 0');
}
done_testing();
