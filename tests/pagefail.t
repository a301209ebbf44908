#!/usr/bin/perl
# Paging when the paging files cannot be written: every write failing, one dead disk of two
# (with the good file big enough, and full), a disk removed at run time (the QEMU monitor's
# drive_del), a slow but working disk (QEMU's throttling), and a thread made while no page is
# available. Nothing hangs: the work finishes with its data intact, or the system stops with
# NO_PAGES_AVAILABLE after NT's seven minutes, the commitment never above the limit.
#
# The boots that must wait out the seven minutes run QEMU with -icount sleep=off: the guest's
# clock then jumps over the time when every thread waits, so those minutes pass in seconds.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $EIO = 5;
my $STATUS_IO_DEVICE_ERROR = 'C0000185';
my @FAST_CLOCK = ('-icount', 'shift=0,sleep=off');

# blkdebug rules: the first $good writes succeed (the first is the paging file's first page,
# zeroed when it is made), every later one fails with EIO; reads go on working.
sub writes_fail_after {
    my ($good) = @_;
    my $rules = join('', map { "[set-state]\nevent = \"write_aio\"\nstate = \"$_\"\nnew_state = \""
        . ($_ + 1) . "\"\n\n" } 1 .. $good);
    return $rules . "[inject-error]\nevent = \"write_aio\"\niotype = \"write\"\nstate = \""
        . ($good + 1) . "\"\nerrno = \"$EIO\"\n";
}
my $WRITES_FAIL_AFTER_FIRST = writes_fail_after(1);

# The file is retired, once, after at most 32 bad slots, and the writes that failed are few.
sub retired {
    my ($output, $label, $file) = @_;
    my @retired = $output =~ /^Paging file $file retired: disk $file does not take writes \(status 0x([0-9a-f]{8}), (\d+) bad slots\); \d+ pages to be written elsewhere$/mg;
    is(scalar(@retired), 2, "$label: paging file $file retired, once");
    cmp_ok($retired[1] // 99, '<=', 32, "$label: ... after " . ($retired[1] // '?') . ' bad slots');
}

# NO_PAGES_AVAILABLE after seven minutes, NT's parameters (modified pages, those bound for a
# paging file, nonpaged pool left, the last write's status), the commitment within the limit.
sub no_pages_available {
    my ($status, $output, $label) = @_;
    my ($modified, $committed, $limit) =
        $output =~ /^Mm: no pages for 420 s: \d+ available, (\d+) modified, commitment (\d+) of (\d+) pages/m;
    ok(defined $committed, "$label: threads waited seven minutes for pages");
    cmp_ok($committed // 1, '<=', $limit // 0, "$label: commitment (" . ($committed // '?')
        . ") never above the limit (" . ($limit // '?') . ')');
    my $hex = sprintf('%08X', $modified // 0);
    like($output, qr/^\*\*\* STOP: 0x0000004D \(0x$hex,0x$hex,0x[0-9A-F]{8},0x$STATUS_IO_DEVICE_ERROR\)$/m,
        "$label: STOP 0x4D (modified, for the paging file, nonpaged pool left, write status)");
    like($output, qr/^NO_PAGES_AVAILABLE$/m, "$label: ... named");
    is($status, 1, "$label: exits 1, no hang");
}

# The counters mm.paging.three_times_ram prints for paging file N.
sub file_counts {
    my ($output, $n) = @_;
    return $output =~ /^# paging file $n: peak usage \d+ pages, (\d+) bad slots, (\d+) failed writes/m;
}

# Every write fails: the file is retired and, with three times RAM committed and nowhere to
# write it, the system stops instead of waiting for pages forever.
{
    my $disk = blkdebug_drive(mkdisk('allfail', 64), $WRITES_FAIL_AFTER_FIRST);
    my ($status, $output) = boot(mem => 16, disks => [$disk], qemu_args => \@FAST_CLOCK,
        cmdline => 'test=mm.paging.three_times_ram', timeout => 120);
    retired($output, 'every write fails', 0);
    no_pages_available($status, $output, 'every write fails');
}

# One dead disk of two, the good file big enough: the dead file is retired and everything is
# written to the good one, every word read back.
{
    my @disks = (mkdisk('good64', 64), blkdebug_drive(mkdisk('dead16', 16), $WRITES_FAIL_AFTER_FIRST));
    my ($status, $output) = boot(mem => 16, disks => \@disks,
        cmdline => 'test=mm.paging.three_times_ram', timeout => 120);
    retired($output, 'dead disk of two', 1);
    my ($bad, $failed) = file_counts($output, 1);
    cmp_ok($failed // 999, '<', 100, 'dead disk of two: ' . ($failed // '?') . ' failed writes');
    report_ktap($output, 'dead disk of two');
    is($status, 0, 'dead disk of two: exits 0, nothing lost');
}

# One disk of two stops taking writes after 40 (reads go on): its file is retired, the pages
# resident whose only copy on disk it held are written to the other, and every word is read
# back, from either disk.
{
    my @disks = (mkdisk('stays64', 64), blkdebug_drive(mkdisk('dies16', 16), writes_fail_after(40)));
    my ($status, $output) = boot(mem => 16, disks => \@disks,
        cmdline => 'test=mm.paging.three_times_ram', timeout => 120);
    retired($output, 'disk dies later', 1);
    # How many of its pages are still resident when it retires is a race with their reuse
    # (0 happens); mm.pagefail.rescue checks the rescue itself on pages it arranges.
    my ($rescued) = $output =~ /^Paging file 1 retired: .* (\d+) pages to be written elsewhere$/m;
    ok(defined $rescued, 'disk dies later: the retirement says how many resident pages it held go elsewhere ('
        . ($rescued // '?') . ')');
    my ($bad, $failed) = file_counts($output, 1);
    cmp_ok($failed // 999, '<', 100, 'disk dies later: ' . ($failed // '?') . ' failed writes');
    report_ktap($output, 'disk dies later');
    is($status, 0, 'disk dies later: exits 0, nothing lost');
}

# One dead disk of two while the good file is too small for what was committed: a stop.
{
    my @disks = (mkdisk('good16', 16), blkdebug_drive(mkdisk('dead64', 64), $WRITES_FAIL_AFTER_FIRST));
    my ($status, $output) = boot(mem => 16, disks => \@disks, qemu_args => \@FAST_CLOCK,
        cmdline => 'test=mm.paging.three_times_ram', timeout => 120);
    retired($output, 'dead disk, good file full', 1);
    no_pages_available($status, $output, 'dead disk, good file full');
}

# A disk removed at run time, at the prompt: its file is retired (not marked bad slot by
# slot) and the work goes to the other disk, every word read back.
{
    my @disks = (mkdisk('stay64', 64), mkdisk('removed16', 16));
    my ($status, $output, $monitor) = boot_with_monitor(mem => 16, disks => \@disks, timeout => 120,
        when => qr/^kd> /m, monitor => ['drive_del ide0-hd1'],
        input => "!vm\ntest mm.paging.three_times_ram\n!vm\npoweroff\n");
    unlike($monitor, qr/error|not found/i, 'drive_del: the monitor removed disk 1');
    retired($output, 'drive_del', 1);
    my ($bad, $failed) = file_counts($output, 1);
    cmp_ok($failed // 999, '<', 100, 'drive_del: ' . ($failed // '?') . ' failed writes');
    like($output, qr/^ok 1 mm\.paging\.three_times_ram$/m, 'drive_del: three times RAM, every word read back');
    like($output, qr/^Paging file 1: .*, retired$/m, 'drive_del: !vm shows paging file 1 retired');
    my @limits = $output =~ /^Commitment: +\d+ of (\d+) pages/mg;
    is(($limits[0] // 0) - ($limits[1] // 0), 4095, 'drive_del: its 4095 slots left the commit limit ('
        . join(' to ', @limits) . ')');
    is($status, 0, 'drive_del: poweroff exits 0');
}

# A slow disk (8 KB/s): two full clusters go out and come back. Each transfer has time in
# proportion to its size, and none is taken for a failure.
{
    my $disk = mkdisk('slow', 16) . ',format=raw,throttling.bps-total=8192';
    my ($status, $output) = boot(mem => 32, disks => ["file=$disk"],
        cmdline => 'test=mm.pagefail.cluster_round_trip', timeout => 90);
    like($output, qr/^# 32 pages written in 2 writes \(0 failed\), read in 2 reads, \d+ ms, 0 bad slots$/m,
        'slow disk: 32 pages out in two writes and back in two reads, nothing failed');
    report_ktap($output, 'slow disk');
    is($status, 0, 'slow disk: exits 0');
}

# The round trip on an ordinary disk, and a thread made while no page is available.
{
    my ($status, $output) = boot(mem => 32, disks => [mkdisk('plain', 16)], cmdline => 'test=mm.pagefail.*',
        timeout => 60);
    like($output, qr/^# \d+ pages taken, \d+ left available; PsCreateSystemThread returned 0x00000000$/m,
        'no page available: the thread is made, its stack waited');
    report_ktap($output, 'pagefail tests');
    is($status, 0, 'pagefail tests: exit 0');
}

done_testing();
