#!/usr/bin/perl
# The cache manager (kernel/cc) at 8 MiB, with a paging file, on a FAT32 volume the host made:
#   1. the seqread sample (user/samples/seqread.c) reads three 2 MiB files through the cache:
#      front to back (read ahead: few reads wait for the disk), with FILE_FLAG_SEQUENTIAL_SCAN
#      (read ahead from the first read) and scattered with FILE_FLAG_RANDOM_ACCESS (no
#      read-ahead: every read waits);
#   2. then, in the same boot, the in-kernel tests cc.* (tests/kernel/cache.c): a 20 MiB file,
#      more than the 16 MB of views the cache has at 8 MiB, read whole through reused views;
#      dirty pages written by the lazy writer within 5 seconds without a flush; the pin
#      interface; truncation; writers held at CcDirtyPageThreshold; FAT's directory entries
#      through the pin interface; a file without write-behind whose dirty pages wait on Mm's
#      modified-no-write list until a flush;
#   3. after poweroff the host reads what cc.* wrote with mtools, and fsck.fat -n finds the
#      volume clean.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use FatDisk;

my $missing = fat_tools_missing();
plan skip_all => $missing if $missing;
system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');

my $FAT_LBA = 2048 + 16 * 2048;                 # after a 16 MiB paging-file partition

# FatDisk's pattern, made a 256-byte block at a time (20 MiB of it byte by byte is slow).
sub fast_pattern {
    my ($seed, $size) = @_;
    my @block = map { my $k = $_; join('', map { chr(($_ * 31 + $k) & 0xFF) } 0 .. 255) } 0 .. 255;
    my $data = join('', map { $block[($seed + $_ * 7) & 0xFF] } 0 .. int(($size + 255) / 256) - 1);
    return substr($data, 0, $size);
}

my %files = (
    'seq1.bin' => fast_pattern(1, 2 << 20),
    'seq2.bin' => fast_pattern(2, 2 << 20),
    'seq3.bin' => fast_pattern(3, 2 << 20),
    'BIG.BIN' => fast_pattern(60, 20 << 20),
);
is(substr($files{'seq1.bin'}, 0, 70000), pattern(1, 70000), 'the fast pattern is the pattern');
my $image = fat_disk('cache', '82:16,0c:64', 81, %files);
my ($status, $out) = boot(mem => 8, timeout => 600, disks => [$image],
                          exes => ['build/user/seqread.exe'],
                          cmdline => 'run="seqread.exe C:/seq1.bin C:/seq2.bin C:/seq3.bin" '
                                     . 'aftertest="cc.*"');
my %read;
while ($out =~ /^seqread: C:\/(\S+) \(([^)]+)\): (\d+) bytes in (\d+) reads, (\d+) waited for the disk, (\d+) read-ahead I\/Os$/mg) {
    $read{$1} = { bytes => $3, reads => $4, waited => $5, ahead => $6 };
}
is(scalar(keys %read), 3, 'seqread read the three files') or diag($out);
my ($seq, $scan, $random) = map { $read{$_} // {} } qw(seq1.bin seq2.bin seq3.bin);
is($seq->{bytes}, 2 << 20, 'sequential: every byte');
cmp_ok($seq->{ahead} // 0, '>', 0, 'sequential: the cache read ahead');
# Read-ahead runs beside the reader, on a worker thread, and its disk reads end when the host
# has done them: a read may still catch up with one (1 of 32 on an idle host, more on a busy
# one). What must hold is that it avoided most of the misses every read of the random pass has.
cmp_ok($seq->{waited} // 99, '<', 8, 'sequential: fewer than a quarter of 32 reads waited for the disk');
cmp_ok($scan->{ahead} // 0, '>', 0, 'FILE_FLAG_SEQUENTIAL_SCAN: the cache read ahead');
cmp_ok($scan->{waited} // 99, '<', 8, 'FILE_FLAG_SEQUENTIAL_SCAN: fewer than a quarter waited');
is($random->{ahead}, 0, 'FILE_FLAG_RANDOM_ACCESS: no read-ahead');
is($random->{waited}, 32, 'FILE_FLAG_RANDOM_ACCESS: every read waited for the disk');
like($out, qr/^process seqread\.exe exited with status 0x00000000$/m, 'seqread exited with 0');

for my $case (qw(cc.views_reused cc.read_ahead_again cc.sequential_faults cc.flush_waits cc.fat cc.lazy_writer cc.pin cc.truncate cc.throttle cc.directory
                  cc.no_write_behind)) {
    like($out, qr/^ok \d+ \Q$case\E$/m, "$case passed") or diag($out);
}
like($out, qr/^# \d+ views reused, at most \d+ mapped at once$/m, 'views were reused');
unlike($out, qr/STOP/, 'no STOP');
is($status, 0, 'exit status 0');

my $lazy = join('', map { chr(($_ * 31 + 61 + ($_ >> 8) * 7) & 0xFF) } 0 .. 6 * 4096 - 1);
substr($lazy, 4096 + 100, 200) = "\xC5" x 200;
is(mtype($image, $FAT_LBA, '/LAZY.BIN'), $lazy, 'the host reads LAZY.BIN as cc.* left it');
my $trunc = ("\xEE" x 5000) . ("\0" x 5000) . ("\xEE" x 100);
is(mtype($image, $FAT_LBA, '/TRUNC.BIN'), $trunc, 'the host reads TRUNC.BIN with its zeroes');
my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 64 * 2048);
is($fsck_status, 0, 'fsck.fat -n finds the volume clean') or diag($fsck);
done_testing();
