#!/usr/bin/perl
# The copy sample (user/samples/copy.c: ReadFile / WriteFile in 64 KB chunks) on a FAT32
# volume made on the host (tools/mkdisk, mkfs.fat + mcopy), four boots on the same image:
#   1. a 3 MiB + 12345-byte file under a long name copied over a larger existing file
#      (CREATE_ALWAYS replaces it): 49 chunks, the last one short;
#   2. a file of exactly one chunk (65536 bytes: the second ReadFile returns 0);
#   3. an empty file;
#   4. a source that does not exist: status 1, ERROR_FILE_NOT_FOUND, no target made.
# Then the host reads every target back with mtools and compares it byte for byte with what
# it put there, finds the sources untouched, and fsck.fat -n finds the volume clean.
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
my %original = (
    'srcdir/LongSourceName.bin' => pattern(41, 3 * 1048576 + 12345),
    'dst/existing.bin' => pattern(42, 4 * 1048576),
    'chunk.bin' => pattern(43, 65536),
    'empty.dat' => '',
);
my $image = fat_disk('copy', '82:16,0c:64', 80, %original);

my @copies = (
    ['C:/srcdir/LongSourceName.bin', 'C:/dst/existing.bin', 'srcdir/LongSourceName.bin',
     'dst/existing.bin'],
    ['C:/chunk.bin', 'C:/dst/ChunkCopy.bin', 'chunk.bin', 'dst/ChunkCopy.bin'],
    ['C:\\empty.dat', 'C:\\EmptyCopy.dat', 'empty.dat', 'EmptyCopy.dat'],
);
for my $copy (@copies) {
    my ($from, $to, $source, $target) = @$copy;
    my $bytes = length($original{$source});
    my ($status, $out) = boot(mem => 32, timeout => 300, disks => [$image],
                              exes => ['build/user/copy.exe'],
                              cmdline => "run=\"copy.exe $from $to\"");
    like($out, qr/^copy: $bytes bytes from \Q$from\E to \Q$to\E in \d+\.\d{3} ms \(\d+ KB\/s\)$/m,
         "copy $from ($bytes bytes): the sample reports the bytes and the time") or diag($out);
    is($status, 0, "copy $from: exit status 0");
    unlike($out, qr/STOP/, "copy $from: no STOP");
    my $got = mtype($image, $FAT_LBA, "/$target");
    ok(defined $got && $got eq $original{$source},
       "the host reads $target back byte for byte ($bytes bytes)")
        or diag(defined $got ? 'length ' . length($got) : 'missing');
}

my ($status, $out) = boot(mem => 32, timeout => 300, disks => [$image],
                          exes => ['build/user/copy.exe'],
                          cmdline => 'run="copy.exe C:/nosuch.bin C:/never.bin"');
like($out, qr/^copy: CreateFile C:\/nosuch\.bin failed \(error 2\)$/m,
     'a missing source: CreateFile fails with ERROR_FILE_NOT_FOUND');
is($status, 1, 'a missing source: exit status 1');
ok(!defined mtype($image, $FAT_LBA, '/never.bin'), 'a missing source: no target is made');

for my $path ('srcdir/LongSourceName.bin', 'chunk.bin', 'empty.dat') {
    is(mtype($image, $FAT_LBA, "/$path"), $original{$path}, "the source $path is untouched");
}
my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 64 * 2048);
is($fsck_status, 0, 'fsck.fat -n finds the volume clean') or diag($fsck);
done_testing();
