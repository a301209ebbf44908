# tests/lib/FatDisk.pm: FAT32 disks for the tests, made and read back with the standard tools:
# tools/mkdisk (mkfs.fat, mcopy), mtools' mcopy to read a file, fsck.fat -n on the volume.
package FatDisk;
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use Mm386;

our @EXPORT = qw(fat_tools_missing pattern put slurp fat_disk mtype fsck);

$ENV{MTOOLS_SKIP_CHECK} = 1;
$ENV{PATH} .= ':/sbin:/usr/sbin';
my $dir = tempdir(CLEANUP => 1);

# Why FAT tests cannot run here, or undef.
sub fat_tools_missing {
    return 'needs mtools and dosfstools (tools/deps installs them)'
        unless grep({ -x "$_/mcopy" } split(/:/, $ENV{PATH})) &&
               grep({ -x "$_/fsck.fat" } split(/:/, $ENV{PATH}));
    return undef;
}

sub pattern {
    my ($seed, $size) = @_;
    return join('', map { chr(($_ * 31 + $seed + ($_ >> 8) * 7) & 0xFF) } 0 .. $size - 1);
}

sub put {
    my ($path, $data) = @_;
    open(my $fh, '>:raw', $path) or die "$path: $!";
    print $fh $data;
    close($fh);
}

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or return undef;
    local $/;
    my $data = <$fh>;
    close($fh);
    return $data;
}

# A FAT32 disk from tools/mkdisk holding the files of %files (path => contents).
sub fat_disk {
    my ($name, $table, $mib, %files) = @_;
    my $tree = "$dir/$name.tree";
    for my $path (sort keys %files) {
        (my $folder = "$tree/$path") =~ s{/[^/]+$}{};
        system('mkdir', '-p', $folder) == 0 or die;
        put("$tree/$path", $files{$path});
    }
    mkdir($tree);
    my $image = "$dir/$name.img";
    system("$Mm386::TOP/tools/mkdisk", '--table', $table, '--fat-files', $tree, $image, $mib) == 0
        or die "tools/mkdisk $name failed";
    return $image;
}

# The volume's bytes through mtools.
sub mtype {
    my ($image, $lba, $path) = @_;
    my $out = "$dir/mtype.out";
    unlink($out);
    open(my $stderr, '>&', \*STDERR) or die;
    open(STDERR, '>', '/dev/null') or die;
    my $copied = system('mcopy', '-n', '-i', "$image\@\@" . ($lba * 512), "::$path", $out) == 0;
    open(STDERR, '>&', $stderr) or die;
    return undef unless $copied;
    return slurp($out);
}

# fsck.fat -n on the volume of Sectors sectors at Lba: its exit status and what it said.
sub fsck {
    my ($image, $lba, $sectors) = @_;
    system('dd', "if=$image", "of=$dir/part.img", 'bs=512', "skip=$lba", "count=$sectors",
           'status=none') == 0 or die;
    my $out = `fsck.fat -n $dir/part.img 2>&1`;
    return ($? >> 8, $out);
}

1;
