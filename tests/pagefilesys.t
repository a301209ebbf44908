#!/usr/bin/perl
# A paging file that is a file on the FAT32 volume, C:\pagefile.sys (kernel/iomgr/pagefile.c,
# the runs FAT hands over in kernel/fs/fastfat/fsctlpf.c, mm/pagefile.c), in three parts:
#   1. A 300 MiB volume (4 KB clusters), no paging-file partition: pagefile=C:\pagefile.sys:128
#      creates it, the paging tests run on it at 16 MiB (three times RAM paged, 0 bad words);
#      the host finds a 128 MiB hidden system file and fsck.fat -n a clean volume. Booted
#      again without the option, the file is found at start-up and used; user/tests/
#      pagefilesys.exe finds nothing can open it to read, write or delete it.
#   2. A 64 MiB volume (512-byte clusters) made full of files on the host, every other one then
#      deleted: the paging file lies in many runs, pages split between two runs are never
#      used, and the paging tests pass on it at 8 MiB; the files kept are intact afterwards.
#   3. Entries refused with NT's statuses, the 0x82 partition used instead.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use FatDisk;

my $missing = fat_tools_missing();
plan skip_all => $missing if $missing;
system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');

my $FAT_LBA = 2048;                             # the volume is the disk's first partition

# The paging file's line at start-up: (megabytes, runs, pages never used).
sub made {
    my ($out) = @_;
    return $out =~ /^Paging file 0: C:\\pagefile\.sys, (\d+) MB in (\d+) runs? on disk 0(?:, (\d+) pages split between runs never used)?$/m;
}

# --- 1. a paging file made on a clean volume, then found ----------------------------------
{
    my $image = fat_disk('big', '0c:300', 320);
    my ($rc, $out) = boot(mem => 16, disks => [$image], timeout => 600,
                          cmdline => 'pagefile=C:\\pagefile.sys:128 test=mm.paging.*');
    my ($mb, $runs) = made($out);
    is($mb, 128, 'made: C:\pagefile.sys is paging file 0, 128 MB') or diag($out);
    is($runs, 1, '... in one run on a clean volume');
    unlike($out, qr/^Paging file 1:/m, '... and the only one (no 0x82 partition)');
    like($out, qr/^# \d+ pages \(RAM \d+\):/m, 'three times RAM was paged through it');
    report_ktap($out, 'made');
    is($rc, 0, 'made: exits 0');

    my $listing = `mdir -a -i $image\@\@@{[$FAT_LBA * 512]} ::/ 2>&1`;
    like($listing, qr/^pagefile sys\s+134217728 /mi, 'the host lists PAGEFILE.SYS, 128 MiB')
        or diag($listing);
    my $attributes = `mattrib -i $image\@\@@{[$FAT_LBA * 512]} ::/pagefile.sys 2>&1`;
    like($attributes, qr/\bSH\s+::\/pagefile\.sys$/m, '... hidden and system')
        or diag($attributes);
    my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 300 * 2048);
    is($fsck_status, 0, 'fsck.fat -n finds the volume clean') or diag($fsck);

    ($rc, $out) = boot(mem => 16, disks => [$image], timeout => 300,
                       exes => ["$TOP/build/user/pagefilesys.exe"],
                       cmdline => 'run="pagefilesys.exe 128"');
    ($mb, $runs) = made($out);
    is($mb, 128, 'found: C:\pagefile.sys used at start-up without the option') or diag($out);
    for my $case (qw(listed no_open no_delete)) {
        like($out, qr/^ok \d+ pagefilesys\.$case$/m, "found: pagefilesys.$case") or diag($out);
    }
    like($out, qr/^process pagefilesys\.exe exited with status 0x00000000$/m,
         'found: pagefilesys.exe exits 0');
    is($rc, 0, 'found: tools/boot reports success');
}

# --- 2. a paging file in the holes of a fragmented volume ---------------------------------
{
    my %files = map { (sprintf('f%02d.bin', $_) => chr(65 + $_ % 26) x (1048576 + 1024 * $_ + 512)) }
                0 .. 55;
    my $image = fat_disk('frag', '0c:64', 70, %files);
    my @gone = grep { /f(\d+)/ && $1 % 2 } sort keys %files;
    system('mdel', '-i', "$image\@\@" . ($FAT_LBA * 512), map { "::/$_" } @gone) == 0
        or die 'mdel failed';
    my ($rc, $out) = boot(mem => 8, disks => [$image], timeout => 600,
                          cmdline => 'pagefile=C:\\pagefile.sys:30 test=mm.paging.*');
    my ($mb, $runs, $split) = made($out);
    is($mb, 30, 'fragmented: a 30 MB paging file') or diag($out);
    cmp_ok($runs // 0, '>', 10, "fragmented: ... in @{[$runs // 0]} runs");
    cmp_ok($split // 0, '>', 0, "fragmented: ... @{[$split // 0]} pages split between runs, unused");
    report_ktap($out, 'fragmented');
    is($rc, 0, 'fragmented: exits 0');
    my %deleted = map { ($_ => 1) } @gone;
    my @wrong = grep { !$deleted{$_} && (mtype($image, $FAT_LBA, $_) // '') ne $files{$_} }
                sort keys %files;
    is_deeply(\@wrong, [], 'fragmented: the files kept are intact');
    my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 64 * 2048);
    is($fsck_status, 0, 'fragmented: fsck.fat -n finds the volume clean') or diag($fsck);
}

# --- 3. refusals --------------------------------------------------------------------------
{
    my $image = mkdisk('refuse', 340, '82:16,0c:300');
    my %refusals = (
        'C:\\pagefile.sys:0' => 'less than 1 MB \(status 0xc00000f0\)',
        'C:\\pagefile.sys:5000' => 'more than a paging file can address \(4095 MB\) \(status 0xc00000f1\)',
        'Q:\\pagefile.sys:8' => 'no such volume or directory \(status 0xc000003a\)',
        'C:\\pagefile.sys:400' => 'no room for it on the volume \(status 0xc000007f\)',
        'C:\\pagefile.sys' => 'not X:\\\\path:<megabytes> \(status 0xc000000d\)',
    );
    for my $entry (sort keys %refusals) {
        my ($rc, $out) = boot(mem => 16, disks => [$image], timeout => 60,
                              cmdline => "pagefile=$entry", input => "poweroff\n");
        like($out, qr/^pagefile: '\Q$entry\E' refused: $refusals{$entry}$/m, "pagefile=$entry refused")
            or diag($out);
        like($out, qr/^Paging file 0: disk 0 from LBA 2048, 16 MB$/m, '... the partition used instead');
    }
    my ($rc, $out) = boot(mem => 16, disks => [$image], timeout => 60,
                          cmdline => 'pagefile=C:\\a.sys:8,c:/A.SYS:8', input => "poweroff\n");
    like($out, qr/^pagefile: 'c:\/A\.SYS:8' refused: the same file as 'C:\\a\.sys:8' \(status 0xc0000018\)$/m,
         'one file named twice is refused') or diag($out);
    my ($fsck_status, $fsck) = fsck($image, 2048 + 16 * 2048, 300 * 2048);
    is($fsck_status, 0, 'refusals: fsck.fat -n finds the volume clean') or diag($fsck);
}
done_testing();
