#!/usr/bin/perl
# Paging files only where nothing else lives: pagefile= regions must each lie in a partition of
# type 0x82 (or on a disk with no partition table at all), and the whole option is checked
# before a byte is written: one bad entry and none is made (start-up then uses the 0x82
# partitions, as without the option), every bad entry named with NT's status. A repeated
# option: only the first is read. A 0x82 partition of 4 GiB or more gives a paging file of
# 4095 MB. The ATA self-tests write only where no paging file and no partition's data can be.
# Each check reads the disk image from the host afterwards.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $SECTOR = 512;

sub read_sector {
    my ($image, $lba) = @_;
    open(my $fh, '<:raw', $image) or die "$image: $!";
    seek($fh, $lba * $SECTOR, 0) or die;
    read($fh, my $bytes, $SECTOR) == $SECTOR or die "short read from $image";
    close($fh);
    return $bytes;
}

sub write_sector {
    my ($image, $lba, $bytes) = @_;
    open(my $fh, '+<:raw', $image) or die "$image: $!";
    seek($fh, $lba * $SECTOR, 0) or die;
    print $fh $bytes;
    close($fh);
}

# The refusals start-up printed: [entry, status] pairs in order.
sub refusals {
    my ($output) = @_;
    my @pairs;
    while ($output =~ /^pagefile: '([^']*)' refused: .* \(status 0x([0-9a-f]{8})\)$/mg) {
        push @pairs, [$1, $2];
    }
    return \@pairs;
}

sub paging_files {
    my ($output) = @_;
    return [$output =~ /^Paging file \d+: (disk \d+ from LBA \d+, \d+ MB)$/mg];
}

# pagefile=0:0:8192 (the MBR and what follows): refused, the MBR intact.
{
    my $disk = mkdisk('mbr', 32);
    my $mbr = read_sector($disk, 0);
    my ($status, $output) = boot(mem => 32, disks => [$disk], cmdline => 'pagefile=0:0:8192',
        input => "poweroff\n", timeout => 60);
    is_deeply(refusals($output), [['0:0:8192', 'c00000ef']],
        'pagefile=0:0:8192: refused with STATUS_INVALID_PARAMETER_1');
    like($output, qr/^pagefile: '0:0:8192' refused: not inside a partition of type 0x82 /m,
        '... saying why');
    like($output, qr/^pagefile: nothing made from the option; the paging files are the 0x82 partitions$/m,
        '... and what start-up does instead');
    is_deeply(paging_files($output), ['disk 0 from LBA 2048, 32 MB'], '... the partition\'s file');
    ok(read_sector($disk, 0) eq $mbr, '... and the MBR on the image is intact');
    is($status, 0, 'pagefile=0:0:8192: exits 0');
}

# A disk with a Linux partition (0x83) before the 0x82 one, data in the Linux partition, and
# an option with every kind of bad entry and one good one: each bad entry named with its
# status, nothing made from the option, no byte of the data or the MBR written.
my $linux = mkdisk('linux', 48, '83:16,82');
my $data = 'EXT4DATA' x ($SECTOR / 8);
write_sector($linux, 2048, $data);
{
    my $mbr = read_sector($linux, 0);
    my @entries = ('9:34816:4096', '0:2048:4096', '0:0:8192', '0:34816:4100', '0:34816:2040',
        '0:34816:4096', '0:36000:4096', '0:99000:4096');
    my ($status, $output) = boot(mem => 32, disks => [$linux],
        cmdline => 'pagefile=' . join(',', @entries), input => "poweroff\n", timeout => 60);
    like($output, qr/^ATA: disk 0, partition 1: type 0x83, LBA 2048, 32768 sectors/m,
        'a Linux partition ...');
    like($output, qr/^ATA: disk 0, partition 2: type 0x82 \(paging file\), LBA 34816/m,
        '... and a paging-file partition');
    is_deeply(refusals($output), [['9:34816:4096', 'c000000e'], ['0:2048:4096', 'c00000ef'],
        ['0:0:8192', 'c00000ef'], ['0:34816:4100', 'c00000f0'], ['0:34816:2040', 'c00000f0'],
        ['0:36000:4096', 'c0000018'], ['0:99000:4096', 'c000007f']],
        'bad entries: STATUS_NO_SUCH_DEVICE, _INVALID_PARAMETER_1 (twice), _2 (twice), '
        . 'STATUS_CONFLICTING_ADDRESSES, STATUS_DISK_FULL');
    like($output, qr/^pagefile: '0:34816:4100' refused: 4100 sectors is not a whole number of pages/m,
        '... a size that is not whole pages is said so, not rounded');
    like($output, qr/^pagefile: '0:36000:4096' refused: overlaps '0:34816:4096'/m,
        '... an overlap names the entry it overlaps');
    is_deeply(paging_files($output), ['disk 0 from LBA 34816, 32 MB'],
        '... the good entry is not made either: only the 0x82 partition\'s file');
    ok(read_sector($linux, 2048) eq $data, '... the Linux partition\'s data is intact');
    ok(read_sector($linux, 0) eq $mbr, '... and the MBR');
    is($status, 0, 'bad entries: exits 0');
}

# A malformed entry after a good one: nothing made from the option.
{
    my ($status, $output) = boot(mem => 32, disks => [$linux],
        cmdline => 'pagefile=0:34816:4096,0:bad', input => "poweroff\n", timeout => 60);
    is_deeply(refusals($output), [['0:bad', 'c000000d']],
        'malformed after good: STATUS_INVALID_PARAMETER');
    like($output, qr/^pagefile: '0:bad' refused: not <disk>:<first sector>:<sectors> /m,
        '... saying what is expected');
    is_deeply(paging_files($output), ['disk 0 from LBA 34816, 32 MB'],
        '... and the good entry before it is not made');
    is($status, 0, 'malformed after good: exits 0');
}

# pagefile= twice: only the first is read; the second is named and ignored.
{
    my ($status, $output) = boot(mem => 32, disks => [$linux],
        cmdline => 'pagefile=0:34816:4096 pagefile=0:43008:4096', input => "poweroff\n",
        timeout => 60);
    like($output,
        qr/^Command line: repeated option: 'pagefile=0:43008:4096' ignored; only the first is read$/m,
        'pagefile= twice: the second is named and ignored');
    is_deeply(paging_files($output), ['disk 0 from LBA 34816, 2 MB'], '... the first is made');
    is($status, 0, 'pagefile= twice: exits 0');
}

# A 0x82 partition of 5000 MiB: a paging file of 4095 MB, as NT clamps it; a region of 4 GiB
# named by pagefile= is refused (STATUS_INVALID_PARAMETER_3), not clamped.
{
    my $big = mkdisk('big', 5000);
    my ($status, $output) = boot(mem => 32, disks => [$big], cmdline => 'pagefile=0:2048:8388608',
        input => "poweroff\n", timeout => 60);
    is_deeply(refusals($output), [['0:2048:8388608', 'c00000f1']],
        '4 GiB region: STATUS_INVALID_PARAMETER_3');
    is_deeply(paging_files($output), ['disk 0 from LBA 2048, 4095 MB'],
        '5000 MB partition: a paging file of 4095 MB');
    like($output, qr/^Paging file 0: partition 1 of disk 0 is 5000 MB; the file is clamped to 4095 MB$/m,
        '... saying so');
    is($status, 0, '5000 MB partition: exits 0');
}

# Paged pool paged out, then the ATA self-tests from the prompt, then the pool read back: the
# word written must come back (it came back as an ATA test pattern when the tests wrote into
# a paging file).
sub pool_across_ata_tests {
    my ($disk, $cmdline) = @_;
    my $p = 'poi(KdLastPoolAllocation)';
    my $input = join('', map { "$_\n" } ('poolalloc paged 2000 Tata', "ed $p 11111111",
        '!empty ws', '!empty modified', '!empty standby', "!pte $p", 'test hal.ata.*',
        "dd $p L1", 'poweroff'));
    return boot(mem => 32, disks => [$disk], cmdline => $cmdline, input => $input,
        timeout => 120);
}

# pagefile=0:64:4096, a region before the first partition: refused, so the tests' writes there
# touch no paging file.
{
    my ($status, $output) = pool_across_ata_tests(mkdisk('gap', 32), 'pagefile=0:64:4096');
    is_deeply(refusals($output), [['0:64:4096', 'c00000ef']],
        'pagefile=0:64:4096 before the partition: refused');
    is_deeply(paging_files($output), ['disk 0 from LBA 2048, 32 MB'], '... the partition\'s file made');
    like($output, qr/ PageFile:  0\n/, '... the pool page went to the partition\'s file');
    like($output, qr/^e1[0-9a-f]{6}  11111111$/m, '... and reads back intact after the ATA tests');
    report_ktap($output, 'region before the partition', skip => ['hal.ata.channels']);
    is($status, 0, 'region before the partition: exits 0');
}

# A disk with no partition table: pagefile=0:64:4096 is allowed there, and the ATA tests keep
# out of it, skipping what they cannot place elsewhere.
{
    my $bare = mkdisk('bare', 32, 'none');
    my ($status, $output) = pool_across_ata_tests($bare, 'pagefile=0:64:4096');
    like($output, qr/^ATA: disk 0: no partition table \(status 0xc00000a9\)$/m,
        'a disk with no partition table');
    is_deeply(paging_files($output), ['disk 0 from LBA 64, 2 MB'], '... takes pagefile=0:64:4096');
    like($output, qr/ PageFile:  0\n/, '... the pool page went to it');
    like($output, qr/^e1[0-9a-f]{6}  11111111$/m, '... and reads back intact after the ATA tests');
    like($output, qr/^ok \d+ hal\.ata\.multipage # SKIP disk 0, LBA 64 to 575: a paging file or a partition's data may be there$/m,
        '... which skip a region the paging file holds, saying so');
    like($output, qr/^# disk 0, LBA 2024 to 2047 left out: a paging file or a partition's data may be there$/m,
        '... or leave it out');
    report_ktap($output, 'no partition table', skip => [qw(hal.ata.channels hal.ata.fault
        hal.ata.interrupt hal.ata.multipage hal.ata.polled hal.ata.reset)]);
    is($status, 0, 'no partition table: exits 0');
}
# Every entry passes its checks, but the second's first page cannot be written: none of the
# option's files is made (the first is not left in use on its own), and start-up falls back
# to the partition.
{
    my $disk = blkdebug_drive(mkdisk('halfway', 16),
        "[inject-error]\nevent = \"write_aio\"\nerrno = \"5\"\nsector = \"16384\"\n");
    my ($status, $output) = boot(mem => 32, disks => [$disk],
        cmdline => 'pagefile=0:2048:8192,0:16384:8192 test=none', timeout => 60);
    like($output, qr/^pagefile: '0:16384:8192' not made: its first page could not be written \(status 0xc0000185\); none of the option's files is made$/m,
        'a write error on the second entry is reported');
    unlike($output, qr/^Paging file \d+: disk 0 from LBA 2048, 4 MB$/m, '... and the first entry is not made alone');
    is_deeply(paging_files($output), ['disk 0 from LBA 2048, 16 MB'], '... the partition\'s file instead');
}
done_testing();
