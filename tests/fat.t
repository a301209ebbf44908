#!/usr/bin/perl
# The FAT32 volume and files (kernel/fs/fastfat, kernel/iomgr, user/kernel32/file.c), against
# the standard tools, in six boots:
#   1. tools/mkdisk puts known files on a FAT32 partition beside a paging-file partition (twice:
#      64 MiB with 512-byte clusters, 300 MiB with 4 KB ones);
#      user/tests/files.exe reads every byte of them, writes, extends, truncates, deletes,
#      renames, makes and removes directories; after it ends the host reads the volume back
#      with mtools byte for byte, finds what was deleted gone and the new files dated from the
#      guest's clock, and fsck.fat -n finds nothing wrong.
#   2. A volume damaged on the host (a FAT chain that loops, two chains cross-linked, clusters
#      out of range, a size past the chain, a directory whose chain loops): files.exe corrupt
#      gets STATUS_FILE_CORRUPT_ERROR for each damaged file and the rest still works.
#   3. Boot sectors broken one way each (no signature, 3 sectors a cluster, more sectors than
#      the partition) and a good volume whose FSInfo miscounts the free clusters: each broken
#      one is refused at start-up with its reason and NT's status, the good one mounted and its
#      count corrected, and `poweroff` at the kd> prompt writes FSInfo back.
#   3b. A volume whose root directory's FAT entry points out of the volume: refused with
#      STATUS_DISK_CORRUPT_ERROR after its FAT was read through the cache (the FAT's stream let
#      go and closed before the VCB is freed), the next volume mounted.
#   4. Boot sectors fuzzed with random bytes and FSInfo's signature broken: refused or mounted,
#      never a STOP or a hang.
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

# --- 1. reading and writing -------------------------------------------------------------
my %original = (
    'small.txt' => "hello, mm386\n",
    'empty.dat' => '',
    'seq.bin' => pattern(1, 100000),
    'big.bin' => pattern(2, 1048699),
    'A Long File Name With Spaces.txt' => "long names work\n",
    'sub/deep/nested.bin' => pattern(3, 5000),
    'ren_src.txt' => "rename me\n",
);
# A 64 MiB volume (mkfs.fat's 512-byte clusters) and a 300 MiB one (4 KB clusters: clusters
# of 8 sectors lying across the disk's page windows).
for my $volume ([64, 62, 129022, 512], [300, 299, 76643, 4096]) {
    my ($mib, $size, $clusters, $bytes) = @$volume;
    note("$mib MiB volume, $bytes-byte clusters");
    my $image = fat_disk("files$mib", "82:16,0c:$mib", $mib + 16, %original);
    my ($status, $out) = boot(mem => 32, timeout => 300, disks => [$image],
                              exes => ['build/user/files.exe'],
                              cmdline => "run=\"files.exe $bytes\"");
    like($out, qr/^FAT32: C: is disk 0, partition 2: $size MB, $clusters clusters of $bytes bytes, \d+ free$/m,
         "$mib MiB: the FAT32 partition is mounted as C:");
    like($out, qr/^Paging file 0: disk 0 from LBA 2048, 16 MB$/m,
         "$mib MiB: the paging file beside it too");
    my @cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
    is(scalar(@cases), 17, "$mib MiB: files.exe ran its 17 cases");
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is_deeply(\@bad, [], "$mib MiB: every case passed") or diag($out);
    is($status, 0, "$mib MiB: files.exe exited with status 0");
    unlike($out, qr/STOP/, "$mib MiB: no STOP");

    my $seq = $original{'seq.bin'};
    substr($seq, 5000, 1000) = "\xAB" x 1000;
    my %expected = (
        'small.txt' => $original{'small.txt'},
        'big.bin' => $original{'big.bin'},
        'sub/deep/nested.bin' => $original{'sub/deep/nested.bin'},
        'A Long File Name With Spaces.txt' => $original{'A Long File Name With Spaces.txt'},
        'new.txt' => "created by files.exe\n",
        'seq.bin' => $seq,
        'ext.bin' => pattern(5, 3000) . ("\0" x 7000) . pattern(6, 500),
        'trunc.bin' => pattern(7, 1234),
        'newdir/Inner Long Name.dat' => pattern(8, 777),
        'newdir/renamed.txt' => "rename me\n",
        'many/file number 39.txt' => 'C:\\many\\file number 39.txt',
        'exitkeep.txt' => "left open\n",                 # its handle closed by the process's exit
    );
    for my $path (sort keys %expected) {
        my $got = mtype($image, $FAT_LBA, "/$path");
        ok(defined $got && $got eq $expected{$path},
           "$mib MiB: the host reads $path back byte for byte (" . length($expected{$path})
           . ' bytes)');
    }
    for my $path ('empty.dat', 'temp.txt', 'ren_src.txt', 'gone', 'pending.txt', 'held.txt',
                  'opened.tmp', 'disp.txt', 'stamp.txt', 'exitdel.tmp', 'ntdel.txt') {
        ok(!defined mtype($image, $FAT_LBA, "/$path"), "$mib MiB: $path is gone");
    }
    my $listing = `mdir -i $image\@\@@{[$FAT_LBA * 512]} ::/ 2>&1`;
    like($listing, qr/^new\s+txt\s+21 2026-01-01\s+0:0\d\s*$/m,
         "$mib MiB: new.txt is dated by the guest clock (2026-01-01, just after start-up)");
    like(`mdir -i $image\@\@@{[$FAT_LBA * 512]} ::/many 2>&1`, qr/^\s+46 files/m,
         "$mib MiB: the directory of 44 files (and . and ..) grew past its first cluster");
    {
        open(my $fh, '<:raw', $image) or die;
        seek($fh, $FAT_LBA * 512, 0);
        read($fh, my $boot, 512);
        my ($reserved, $fats, $spf) = (unpack('x14 v C', $boot), unpack('x36 V', $boot));
        my @copies;
        for my $copy (0 .. $fats - 1) {
            seek($fh, ($FAT_LBA + $reserved + $copy * $spf) * 512, 0);
            read($fh, $copies[$copy], $spf * 512);
        }
        close($fh);
        ok($fats == 2 && $copies[0] eq $copies[1],
           "$mib MiB: the two FATs are the same, byte for byte");
    }
    for my $writer (0 .. 3) {
        is(mtype($image, $FAT_LBA, "/many/writer$writer.bin"), pattern(20 + $writer, 40000),
           "$mib MiB: writer$writer.bin, written by one of four threads at once, reads back");
    }
    my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, $mib * 2048);
    is($fsck_status, 0, "$mib MiB: fsck.fat -n finds the volume clean") or diag($fsck);
    unlike($fsck, qr/differ|wrong|invalid|Free cluster summary/i,
           "$mib MiB: ... with nothing to report") or diag($fsck);
}

# --- 2. damaged files ---------------------------------------------------------------------
my ($status, $out, @cases, @bad, $fsck_status, $fsck);
# The volume's layout from its boot sector, and its FAT and root directory, on the host.
sub volume {
    my ($image, $lba) = @_;
    open(my $fh, '+<:raw', $image) or die;
    seek($fh, $lba * 512, 0);
    read($fh, my $boot, 512);
    my ($spc, $reserved, $fats) = unpack('x13 C v C', $boot);
    my ($spf, $root) = unpack('x36 V x4 V', $boot);
    return { fh => $fh, base => $lba * 512, spc => $spc, fat => $reserved, fats => $fats,
             spf => $spf, root => $root, data => $reserved + $fats * $spf };
}

sub fat_get {
    my ($v, $cluster) = @_;
    seek($v->{fh}, $v->{base} + $v->{fat} * 512 + $cluster * 4, 0);
    read($v->{fh}, my $entry, 4);
    return unpack('V', $entry) & 0x0FFFFFFF;
}

sub fat_set {
    my ($v, $cluster, $value) = @_;
    for my $copy (0 .. $v->{fats} - 1) {
        seek($v->{fh}, $v->{base} + ($v->{fat} + $copy * $v->{spf}) * 512 + $cluster * 4, 0);
        print { $v->{fh} } pack('V', $value);
    }
}

sub chain {
    my ($v, $first) = @_;
    my @chain = ($first);
    push @chain, fat_get($v, $chain[-1]) while fat_get($v, $chain[-1]) < 0x0FFFFFF8 && @chain < 100;
    return @chain;
}

# The short entry named NAME (11 characters, 8.3 blank-padded) in the root: its byte position
# in the image and its first cluster.
sub entry {
    my ($v, $name) = @_;
    for my $cluster (chain($v, $v->{root})) {
        my $at = $v->{base} + ($v->{data} + ($cluster - 2) * $v->{spc}) * 512;
        seek($v->{fh}, $at, 0);
        read($v->{fh}, my $bytes, $v->{spc} * 512);
        for (my $i = 0; $i < length($bytes); $i += 32) {
            next unless substr($bytes, $i, 11) eq $name;
            my ($hi, $lo) = unpack('x20 v x4 v', substr($bytes, $i, 32));
            return ($at + $i, $hi << 16 | $lo);
        }
    }
    die "no entry $name";
}

my $damaged = fat_disk('damaged', '82:16,0c:64', 80, 'ok.bin' => pattern(9, 20000),
    (map { ("$_.bin" => pattern(10, 3000)) } qw(loop crossa crossb range past badnext)),
    'baddir/inner.txt' => "inside\n");
my $v = volume($damaged, $FAT_LBA);
my (undef, $loop) = entry($v, 'LOOP    BIN');
fat_set($v, (chain($v, $loop))[-1], $loop);                     # the last cluster back to the first
my (undef, $crossa) = entry($v, 'CROSSA  BIN');
my (undef, $crossb) = entry($v, 'CROSSB  BIN');
fat_set($v, (chain($v, $crossa))[-1], (chain($v, $crossb))[1]);  # a's end into b's middle
my ($range_at) = entry($v, 'RANGE   BIN');
seek($v->{fh}, $range_at + 20, 0);
print { $v->{fh} } pack('v', 0x0FFF);                           # first cluster far past the end
my ($past_at) = entry($v, 'PAST    BIN');
seek($v->{fh}, $past_at + 28, 0);
print { $v->{fh} } pack('V', 100000);                           # a size past its 6 clusters
my (undef, $badnext) = entry($v, 'BADNEXT BIN');
fat_set($v, $badnext, 0x0FFFFFF0);                              # next cluster out of range
my (undef, $baddir) = entry($v, 'BADDIR     ');
fat_set($v, $baddir, $baddir);                                  # a directory chained to itself
close($v->{fh});
($status, $out) = boot(mem => 32, timeout => 300, disks => [$damaged],
                       exes => ['build/user/files.exe'], cmdline => 'run="files.exe corrupt"');
like($out, qr/^FAT32: C: is disk 0/m, 'the damaged volume mounts (the damage is in files)');
@cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
is(scalar(@cases), 2, 'files.exe corrupt ran its 2 cases');
@bad = $out =~ /^not ok \d+ (\S+)/mg;
is_deeply(\@bad, [], 'each damaged file is refused with STATUS_FILE_CORRUPT_ERROR; the rest works')
    or diag($out);
is($status, 0, 'exit status 0');
unlike($out, qr/STOP/, 'no STOP');
is(mtype($damaged, $FAT_LBA, '/after.txt'), "still writable\n",
   'a file written next to the damage reads back on the host');

# --- 3. broken boot sectors, FSInfo corrected at poweroff --------------------------------
sub patch {
    my ($image, $offset, $bytes) = @_;
    open(my $fh, '+<:raw', $image) or die;
    seek($fh, $offset, 0);
    print $fh $bytes;
    close($fh);
}

my $fat1 = 2048;                                # a disk of one FAT32 partition: 0c:40
my @broken = map { fat_disk("broken$_", '0c:40', 40, 'x.txt' => "x\n") } 0 .. 3;
patch($broken[0], $fat1 * 512 + 510, "\0\0");                  # no 0xAA55
patch($broken[1], $fat1 * 512 + 13, "\x03");                   # 3 sectors a cluster
patch($broken[2], $fat1 * 512 + 32, pack('V', 40 * 2048 + 1)); # one sector past the partition
patch($broken[3], ($fat1 + 1) * 512 + 0x1E8, pack('V', 12345));    # FSInfo's free count wrong
($status, $out) = boot(mem => 32, timeout => 120, disks => \@broken, input => "poweroff\n");
like($out, qr/^FAT32: disk 0, partition 1 not mounted: no 0xAA55 signature \(status 0xc000014f\)$/m,
     'no signature: STATUS_UNRECOGNIZED_VOLUME');
like($out, qr/^FAT32: disk 1, partition 1 not mounted: bad sectors per cluster \(status 0xc000014f\)$/m,
     '3 sectors a cluster: STATUS_UNRECOGNIZED_VOLUME');
like($out, qr/^FAT32: disk 2, partition 1 not mounted: its size does not fit the partition \(status 0xc0000032\)$/m,
     'larger than its partition: STATUS_DISK_CORRUPT_ERROR');
like($out, qr/^FAT32: FSInfo said 12345 clusters were free; (\d+) are: corrected$/m,
     'a wrong free count in FSInfo is counted again');
like($out, qr/^FAT32: C: is disk 3, partition 1:/m, 'the good volume after them is C:');
is($status, 0, 'poweroff at the prompt ends the boot with status 0');
($fsck_status, $fsck) = fsck($broken[3], $fat1, 40 * 2048);
is($fsck_status, 0, 'poweroff wrote FSInfo back: fsck.fat -n finds the volume clean') or diag($fsck);
unlike($fsck, qr/Free cluster summary/i, '... and the free count right') or diag($fsck);

# --- 3b. a root directory whose chain is broken: refused after the FAT's stream was opened ---
# (the mount reads the FAT through the cache; a mount that fails after that lets the stream go
# and waits for its close before the VCB is freed)
{
    my @pair = map { fat_disk("rootchain$_", '0c:40', 40, 'x.txt' => "x\n") } 0 .. 1;
    open(my $fh, '<:raw', $pair[0]) or die;
    seek($fh, $fat1 * 512 + 14, 0);
    read($fh, my $reserved, 2);
    close($fh);
    patch($pair[0], ($fat1 + unpack('v', $reserved)) * 512 + 2 * 4, pack('V', 0x00FFFFFF));
    ($status, $out) = boot(mem => 32, timeout => 120, disks => \@pair, input => "poweroff\n");
    like($out, qr/^FAT32: disk 0, partition 1 not mounted: the root directory's chain is broken \(status 0xc0000032\)$/m,
         "the root's FAT entry pointing out of the volume: STATUS_DISK_CORRUPT_ERROR") or diag($out);
    unlike($out, qr/its VCB is kept/, "the FAT's stream of the refused volume was closed");
    like($out, qr/^FAT32: C: is disk 1, partition 1:/m, 'the good volume after it is C:');
    unlike($out, qr/STOP/, 'no STOP');
    is($status, 0, 'poweroff ends the boot with status 0');
}

# --- 4. fuzzed boot sectors ---------------------------------------------------------------
srand(11);
my @fuzzed = map { fat_disk("fuzz$_", '0c:40', 40, 'x.txt' => "x\n") } 0 .. 3;
for my $disk (@fuzzed[0 .. 2]) {
    patch($disk, $fat1 * 512 + int(rand(0x50)) + 0x0B, chr(int(rand(256)))) for 1 .. 6;
}
patch($fuzzed[3], ($fat1 + 1) * 512, 'XXXX');                  # FSInfo's lead signature
patch($fuzzed[$_], $fat1 * 512 + 0x0B, pack('v', 512)) for 0 .. 2;     # keep them FAT-like
($status, $out) = boot(mem => 32, timeout => 120, disks => \@fuzzed, input => "poweroff\n");
my $said = () = $out =~ /^FAT32: (?:disk \d, partition 1 not mounted: .* \(status 0x[0-9a-f]{8}\)|C: is disk \d)/mg;
ok($said >= 1, "every fuzzed volume looked at is refused with a status or mounted ($said said)")
    or diag($out);
like($out, qr/^FAT32: disk 3, partition 1 not mounted: FSInfo's signatures are wrong \(status 0xc0000032\)$|^FAT32: C: is disk [012]/m,
     'a broken FSInfo signature is STATUS_DISK_CORRUPT_ERROR (unless a fuzzed disk mounted first)');
unlike($out, qr/STOP/, 'no STOP');
is($status, 0, 'the boot reaches the prompt and powers off');
done_testing();
