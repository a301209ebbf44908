#!/usr/bin/perl
# Paging I/O on files of the FAT32 volume (IoPageReadFile / IoSynchronousPageWrite,
# kernel/io/iopaging.c; kernel/fs/fastfat/pagingio.c), by the in-kernel tests of
# tests/kernel/fatpaging.c on files the host made, in three boots:
#   1. a 64 MiB volume (512-byte clusters) and 2. a 300 MiB one (4 KB clusters), each with
#      PIO.BIN (5 pages + 1000 bytes), PIOW.BIN (3 pages + 100) and FRAG.BIN (6 pages + 300)
#      put in the holes left by deleting every other file of three clusters (FSInfo's
#      next-free hint set back, so mcopy fills them): fat.paging.* read pages at the start, in
#      the middle, across the end and past it, write pages back (trimmed at the end of file and
#      at the allocation), with the volume's lock held and with the PagingIoResource held,
#      racing ordinary writes of the file beside them through the volume's bounce window;
#      afterwards the host reads the files back with mtools byte for byte and fsck.fat -n
#      finds the volume clean.
#   3. the first sector of PIO.BIN failing on a blkdebug drive: fat.pagingerror.disk gets
#      STATUS_IO_DEVICE_ERROR for the paging read and write, not a STOP, and the rest reads.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use FatDisk;

my $missing = fat_tools_missing();
plan skip_all => $missing if $missing;

my $FAT_LBA = 2048;                             # the volume is the disk's first partition
my $OFFSET = $FAT_LBA * 512;
my %size = (read => 5 * 4096 + 1000, write => 3 * 4096 + 100, frag => 6 * 4096 + 300);

# Seed's pattern for the bytes [From, To) of a file.
sub part {
    my ($seed, $from, $to) = @_;
    return substr(pattern($seed, $to), $from);
}

# A volume of $mib MiB with the three files, FRAG.BIN in the holes of deleted files.
sub volume {
    my ($name, $mib, $cluster) = @_;
    my %fillers = map { (sprintf('f%02d.bin', $_) => chr(65 + $_) x (3 * $cluster)) } 0 .. 11;
    my $image = fat_disk($name, "0c:$mib", $mib + 8, 'pio.bin' => pattern(7, $size{read}),
                         'piow.bin' => pattern(8, $size{write}), %fillers);
    my @gone = map { sprintf('::/f%02d.bin', $_) } grep { $_ % 2 } 0 .. 11;
    system('mdel', '-i', "$image\@\@$OFFSET", @gone) == 0 or die 'mdel failed';
    open(my $fh, '+<:raw', $image) or die;             # FSInfo's next free cluster: 2
    seek($fh, $OFFSET + 0x30, 0);
    read($fh, my $fsinfo, 2);
    seek($fh, $OFFSET + unpack('v', $fsinfo) * 512 + 0x1EC, 0);
    print $fh pack('V', 2);
    close($fh);
    my $frag = "$image.frag";
    put($frag, pattern(9, $size{frag}));
    system('mcopy', '-i', "$image\@\@$OFFSET", $frag, '::/frag.bin') == 0 or die 'mcopy failed';
    return $image;
}

# The disk sector where a file's data starts.
sub first_sector {
    my ($image, $path) = @_;
    my $fat = `mshowfat -i $image\@\@$OFFSET ::/$path 2>&1`;
    my ($cluster) = $fat =~ /<(\d+)/ or die "mshowfat: $fat";
    open(my $fh, '<:raw', $image) or die;
    seek($fh, $OFFSET, 0);
    read($fh, my $boot, 512);
    close($fh);
    my ($spc, $reserved, $fats) = unpack('x13 C v C', $boot);
    my $spf = unpack('V', substr($boot, 0x24, 4));
    return $FAT_LBA + $reserved + $fats * $spf + ($cluster - 2) * $spc;
}

my @tests = map { "fat.paging.$_" } qw(read write fragmented volume_locked resource window);
for my $volume ([64, 512], [300, 4096]) {
    my ($mib, $cluster) = @$volume;
    my $label = "$cluster-byte clusters";
    my $image = volume("pio$cluster", $mib, $cluster);
    my ($status, $out) = boot(mem => 32, disks => [$image], timeout => 120,
                              cmdline => 'test=fat.paging.*');
    like($out, qr/^FAT32: C: is disk 0, partition 1: \d+ MB, \d+ clusters of $cluster bytes/m,
         "$label: C: mounted") or diag($out);
    my ($runs) = $out =~ /^# FRAG\.BIN: \d+ bytes, \d+ clusters of $cluster bytes in (\d+) runs$/m;
    cmp_ok($runs // 0, '>=', 3, "$label: FRAG.BIN lies in " . ($runs // '?') . ' runs');
    is(report_ktap($out, $label), scalar(@tests), "$label: the six tests ran");
    like($out, qr/^# 200 paging writes raced (\d+) ordinary read-modify-writes: 0 undone$/m,
         "$label: paging writes raced ordinary writes beside them, none undone");
    unlike($out, qr/STOP/, "$label: no STOP");
    is($status, 0, "$label: exits 0");

    is(mtype($image, $FAT_LBA, 'pio.bin'), pattern(7, $size{read}),
       "$label: PIO.BIN as the host made it (written back with its own bytes)");
    my $write = part(0x40, 0, 4096) . part(8, 4096, 8192) . part(0x40, 8192, $size{write});
    my $got = mtype($image, $FAT_LBA, 'piow.bin') // '';
    is(length($got), $size{write}, "$label: PIOW.BIN kept its size");
    ok($got eq $write, "$label: PIOW.BIN holds pages 0 and 2 written, page 1 as it was");
    my $frag = part(9, 0, 4096) . part(0x50, 4096, 8192) . part(9, 8192, 24576)
             . part(0x50, 24576, $size{frag});
    $got = mtype($image, $FAT_LBA, 'frag.bin') // '';
    is(length($got), $size{frag}, "$label: FRAG.BIN kept its size");
    ok($got eq $frag, "$label: FRAG.BIN holds pages 1 and 6 written, the rest as it was");
    for my $filler (grep { !($_ % 2) } 0 .. 11) {
        my $name = sprintf('f%02d.bin', $filler);
        is(mtype($image, $FAT_LBA, $name), chr(65 + $filler) x (3 * $cluster),
           "$label: $name, between FRAG.BIN's runs, untouched") if $filler < 4;
    }
    my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, $mib * 2048);
    is($fsck_status, 0, "$label: fsck.fat -n finds the volume clean") or diag($fsck);
}

# --- 3. a failing sector ------------------------------------------------------------------
{
    my $image = volume('pioerr', 64, 512);
    my $sector = first_sector($image, 'pio.bin');
    my $drive = blkdebug_drive($image, "[inject-error]\nevent = \"read_aio\"\n"
        . "errno = \"5\"\nsector = \"$sector\"\n\n[inject-error]\nevent = \"write_aio\"\n"
        . "errno = \"5\"\nsector = \"$sector\"\n");
    my ($status, $out) = boot(mem => 32, disks => [$drive], timeout => 120,
                              cmdline => 'test=fat.pagingerror.*');
    like($out, qr/^# paging read of page 0: status 0xc0000185$/m,
         "sector $sector failing: the paging read is STATUS_IO_DEVICE_ERROR") or diag($out);
    like($out, qr/^# paging write of page 0: status 0xc0000185$/m,
         '... and so is the paging write');
    is(report_ktap($out, 'failing sector'), 1, 'failing sector: the test ran');
    unlike($out, qr/STOP/, 'failing sector: no STOP');
    is($status, 0, 'failing sector: exits 0, no hang');
}
done_testing();
