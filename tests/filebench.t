#!/usr/bin/perl
# The file benchmarks of `make bench` (user/bench/ubench.c fileread, filewrite, filemap) once
# each, as make bench runs them: two fresh boots on tools/benchdisk's image. Their figures are
# measured (a short read or a wrong word would make them 0), the 64 MiB the write benchmark
# wrote reads back right on the host (mtools: word 0 of page p is ~(p * 2654435761), the rest
# 0x5A5A5A5A) and fsck.fat -n finds the volume clean; the mapped read is measured, or skipped
# with its reason while CreateFileMapping of a file fails.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;
use FatDisk;

my $missing = fat_tools_missing();
plan skip_all => $missing if $missing;
system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');

my $FAT_LBA = 2048 + 256 * 2048;                # after the 256 MiB paging-file partition
my $image = tempdir(CLEANUP => 1) . '/benchdisk.img';

system("$TOP/tools/benchdisk", $image) == 0 or BAIL_OUT('tools/benchdisk failed');
my ($status, $out) = boot(mem => 64, timeout => 600, disks => [$image],
                          exes => ['build/user/ubench.exe'],
                          cmdline => 'run="ubench.exe fileread filewrite"');
my %figure = $out =~ /^BENCH (\S+) (\d+) MB\/s$/mg;
for my $name (qw(file_read_cold_mb_per_s file_read_warm_mb_per_s file_write_flush_mb_per_s)) {
    cmp_ok($figure{$name} // 0, '>', 0, "$name is measured ($figure{$name} MB/s)")
        or diag($out);
}
is($status, 0, 'fileread filewrite: exit status 0');
unlike($out, qr/STOP/, 'fileread filewrite: no STOP');

my $written = mtype($image, $FAT_LBA, '/write.bin');
my ($pages, $bad) = (0, 0);
if (defined $written) {
    $pages = length($written) / 4096;
    for my $page (0 .. $pages - 1) {
        my $expected = pack('V', ~($page * 2654435761) & 0xFFFFFFFF) . ("\x5A" x 4092);
        $bad++ if substr($written, $page * 4096, 4096) ne $expected;
    }
}
is($pages, 16384, 'write.bin is 64 MiB on the host');
is($bad, 0, '... every page as the benchmark wrote it');
is(mtype($image, $FAT_LBA, '/bench.bin'), slurp("$image.bench.bin"), 'bench.bin is untouched');
my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 300 * 2048);
is($fsck_status, 0, 'fsck.fat -n finds the volume clean') or diag($fsck);

system("$TOP/tools/benchdisk", $image) == 0 or BAIL_OUT('tools/benchdisk failed');
($status, $out) = boot(mem => 64, timeout => 600, disks => [$image],
                       exes => ['build/user/ubench.exe'], cmdline => 'run="ubench.exe filemap"');
if ($out =~ /^# SKIP mapped_read_cold_mb_per_s: (.*)$/m) {
    note("mapped_read_cold_mb_per_s skipped: $1");
    like($1, qr/^CreateFileMapping of C:\\bench\.bin failed \(error \d+\)/,
         'mapped_read_cold_mb_per_s: skipped only when CreateFileMapping of the file fails');
    unlike($out, qr/^BENCH mapped_read_cold_mb_per_s/m, '... with no figure');
} else {
    like($out, qr/^BENCH mapped_read_cold_mb_per_s [1-9]\d* MB\/s$/m,
         'mapped_read_cold_mb_per_s is measured, every word right') or diag($out);
    pass('(no skip)');
}
is($status, 0, 'filemap: exit status 0');
done_testing();
