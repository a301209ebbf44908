#!/usr/bin/perl
# The ATA driver: disks on all four IDE positions (one of 200 GiB, past LBA28's reach), what the
# kernel wrote read back from the image files, blkdebug I/O errors on reads and on writes, a
# disk too slow to answer in time, slaves without masters, and no disks at all.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $EIO = 5;
my $FAULT_LBA = 1024;           # ATA_FAULT_LBA in tests/kernel/ata.c
my $LBA28_LIMIT = 1 << 28;

# PatternWord in tests/kernel/ata.c: what the kernel writes at word $index of the page at $lba.
sub mul32 {
    my ($a, $b) = @_;
    return ($a * ($b & 0xFFFF) + ((($a * ($b >> 16)) & 0xFFFF) << 16)) & 0xFFFFFFFF;
}

sub pattern_word {
    my ($disk, $lba, $index) = @_;
    my $x = mul32($lba & 0xFFFFFFFF, 2654435761) ^ ($lba >> 32) ^ (($disk << 28) & 0xFFFFFFFF)
        ^ $index;
    return (mul32($x, 1664525) + 1013904223) & 0xFFFFFFFF;
}

# The words of the page at $lba in the image file that differ from the kernel's pattern.
sub bad_words_on_host {
    my ($image, $disk, $lba) = @_;
    open(my $fh, '<:raw', $image) or die "$image: $!";
    seek($fh, $lba * 512, 0) or die;
    read($fh, my $page, 4096) == 4096 or die "short read from $image";
    close($fh);
    my @words = unpack('V1024', $page);
    return scalar grep { $words[$_] != pattern_word($disk, $lba, $_) } 0 .. 1023;
}

# A blkdebug drive failing $iotype requests (read or write) that touch $FAULT_LBA with EIO.
# The rule is armed by the event, then applies to every request of its iotype (all types when
# iotype is left out).
sub blkdebug_disk {
    my ($image, $event, $iotype) = @_;
    return blkdebug_drive($image, "[inject-error]\nevent = \"$event\"\niotype = \"$iotype\"\n"
        . "errno = \"$EIO\"\nsector = \"$FAULT_LBA\"\n");
}

# Four disks: primary master and slave, secondary master (200 GiB, sparse) and slave.
my @sizes = (32, 16, 200 * 1024, 8);
my @disks = map { mkdisk("disk$_", $sizes[$_]) } 0 .. 3;
my ($status, $output) = boot(disks => \@disks, cmdline => 'test=hal.ata.*', timeout => 120);
like($output, qr/^ATA: bus-master IDE registers at I\/O 0x[0-9a-f]+$/m,
    'the bus-master controller');
my @positions = ('primary master', 'primary slave', 'secondary master', 'secondary slave');
for my $d (0 .. 3) {
    my $sectors = (-s $disks[$d]) / 512;
    my $mb = int($sectors / 2048);
    my $partition = $sizes[$d] * 2048;
    like($output,
        qr/^ATA: disk $d, $positions[$d]: QEMU HARDDISK, $sectors sectors \($mb MB\), LBA48, DMA$/m,
        "disk $d: $positions[$d], $sectors sectors");
    like($output,
        qr/^ATA: disk $d, partition 1: type 0x82 \(paging file\), LBA 2048, $partition sectors/m,
        "disk $d: its paging-file partition");
}
report_ktap($output, 'four disks');
is($status, 0, 'four disks: exits 0');
is(bad_words_on_host($disks[0], 0, 8), 0, 'disk 0, LBA 8: the pattern is in the image file');
is(bad_words_on_host($disks[2], 2, $LBA28_LIMIT - 8), 0,
    'disk 2, LBA 2^28 - 8 (an LBA48 write): the pattern is in the image file');
is(bad_words_on_host($disks[2], 2, $LBA28_LIMIT), 0,
    'disk 2, LBA 2^28: the pattern is in the image file');
cmp_ok(-s $disks[2], '>', 200 << 30, 'the 200 GiB image ...');
cmp_ok((stat($disks[2]))[12] * 512, '<', 16 << 20, '... stays sparse');

# An I/O error on the image: QEMU aborts the command (ABRT), the driver says
# STATUS_IO_DEVICE_ERROR (0xC0000185), and the disk goes on working.
my $image = mkdisk('faulty', 16);
($status, $output) = boot(disks => [blkdebug_disk($image, 'read_aio', 'read')],
    cmdline => 'test=hal.ata.fault', timeout => 60);
like($output, qr/^# write at LBA $FAULT_LBA: status 0x00000000$/m,
    'read faults: the write succeeds');
like($output, qr/^# read at LBA $FAULT_LBA: status 0xc0000185$/m,
    '... the read is STATUS_IO_DEVICE_ERROR');
report_ktap($output, 'read faults');
is($status, 0, 'read faults: exits 0, no hang');

($status, $output) = boot(disks => [blkdebug_disk($image, 'write_aio', 'write')],
    cmdline => 'test=hal.ata.fault', timeout => 60);
like($output, qr/^# write at LBA $FAULT_LBA: status 0xc0000185$/m,
    'write faults: the write is STATUS_IO_DEVICE_ERROR');
like($output, qr/^# read at LBA $FAULT_LBA: status 0x00000000$/m, '... the read succeeds');
report_ktap($output, 'write faults');
is($status, 0, 'write faults: exits 0, no hang');

# A disk that does not answer in time: disks 1 and 2 share a throttle group of 512 bytes/s, so
# after disk 1's partition table is read, disk 2's waits about 8 s. IoDiskTransfer gives up
# after 5 s, resets the secondary channel, and start-up goes on; disk 0 is unaffected.
my $slow = 'format=raw,throttling.bps-total=512,throttling.group=slow';
my @slow = (mkdisk('fast', 16), "file=" . mkdisk('slow1', 8) . ",$slow",
    "file=" . mkdisk('slow2', 8) . ",$slow");
($status, $output) = boot(disks => \@slow, cmdline => 'test=hal.ata.multipage,hal.ata.polled',
    timeout => 60);
like($output, qr/^ATA: disk 1, partition 1: type 0x82/m,
    'slow disks: the first read is not held back');
like($output, qr/^ATA: disk 2: no partition table \(status 0xc00000b5\)$/m,
    '... the second ends in STATUS_IO_TIMEOUT');
report_ktap($output, 'slow disks');
is($status, 0, 'slow disks: exits 0');

# Slaves without masters: each master position answers IDENTIFY with an abort, and is passed over.
my @slaves = map { ('-drive', "if=ide,index=$_->[0],media=disk,format=raw,file=$_->[1]") }
    ([1, mkdisk('slave1', 16)], [3, mkdisk('slave3', 8)]);
($status, $output) = boot(qemu_args => \@slaves, cmdline => 'test=hal.ata.*', timeout => 60);
like($output, qr/^ATA: disk 0, primary slave: QEMU HARDDISK, 34816 sectors/m,
    'slaves only: disk 0 is the primary slave');
like($output, qr/^ATA: disk 1, secondary slave: QEMU HARDDISK, 18432 sectors/m,
    '... disk 1 the secondary slave');
unlike($output, qr/^ATA: disk 2/m, '... and there are no others');
report_ktap($output, 'slaves only');
is($status, 0, 'slaves only: exits 0');

# No disks: start-up says so and the tests pass, skipping.
($status, $output) = boot(cmdline => 'test=hal.ata.*', timeout => 60);
like($output, qr/^ATA: no disks$/m, 'no disks: said at start-up');
like($output, qr/^ok \d+ hal\.ata\.identify # SKIP no disk$/m, '... the tests skip, saying why');
report_ktap($output, 'no disks', skip => \@NO_DISK_SKIPS);
is($status, 0, 'no disks: exits 0');
done_testing();
