# tests/lib/Mm386.pm: what the scenario scripts (tests/*.t) share: booting through tools/boot
# and reading what the kernel printed.
package Mm386;
use strict;
use warnings;
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Temp qw(tempfile tempdir);
use Test::More;

our @EXPORT = qw(boot report_ktap mkdisk blkdebug_drive $TOP);
our $TOP = dirname(dirname(dirname(__FILE__)));

# boot(cmdline => '...', mem => MiB, iso => 1, disks => [...], timeout => S,
#      input => "kd commands\n", qemu_args => [...])
# Returns (exit status of tools/boot, everything it printed, stdout and stderr together).
sub boot {
    my %o = @_;
    my @argv = ("$TOP/tools/boot", '--timeout', $o{timeout} // 60);
    push @argv, ('--mem', $o{mem}) if $o{mem};
    push @argv, '--iso' if $o{iso};
    push @argv, ('--disk', $_) for @{ $o{disks} // [] };
    push @argv, ('--qemu-arg', $_) for @{ $o{qemu_args} // [] };
    push @argv, ('--', $o{cmdline}) if defined $o{cmdline};

    my ($in, $input_file) = tempfile(UNLINK => 1);
    print $in ($o{input} // '');
    close($in);
    my $pid = open(my $out, '-|') // die "fork: $!";
    if ($pid == 0) {
        open(STDIN, '<', $input_file) or die;
        open(STDERR, '>&', STDOUT) or die;
        exec(@argv) or die "exec tools/boot: $!";
    }
    local $/;
    my $output = <$out> // '';
    close($out);
    return ($? >> 8, $output);
}

# mkdisk(name, MiB[, table]): a disk image from tools/mkdisk in a directory removed at exit:
# an MBR with one paging-file partition (type 0x82) from sector 2048 to the end, the file
# 1 MiB longer; or the partitions table names (tools/mkdisk --table: '83:16,82', 'none').
# Returns its path.
my $disk_dir;
sub mkdisk {
    my ($name, $mib, $table) = @_;
    $disk_dir //= tempdir(CLEANUP => 1);
    my $image = "$disk_dir/$name.img";
    my @table = defined $table ? ('--table', $table) : ();
    system("$TOP/tools/mkdisk", @table, $image, $mib) == 0
        or die "tools/mkdisk @table $image $mib failed\n";
    return $image;
}

# blkdebug_drive(image, rules): a --disk argument for QEMU's blkdebug over the image, with
# the rules (the text of its config file, beside the image), reporting I/O errors to the
# guest on reads and on writes (QEMU's default for writes would pause the VM).
sub blkdebug_drive {
    my ($image, $rules) = @_;
    my $config = "$image.blkdebug.conf";
    open(my $fh, '>', $config) or die "$config: $!";
    print $fh $rules;
    close($fh);
    return "file=blkdebug:$config:$image,format=raw,werror=report,rerror=report";
}

# Turn the KTAP the kernel printed into this script's own results, one per kernel test, and
# check the summary line. Returns the number of kernel tests seen.
sub report_ktap {
    my ($output, $label) = @_;
    my ($seen, @diagnostics) = (0);
    for my $line (split /\n/, $output) {
        if ($line =~ /^# (.*)/) {
            push @diagnostics, $1;
        } elsif ($line =~ /^(not )?ok \d+ (\S+)/) {
            $seen++;
            ok(!$1, "$label: $2") or diag(join("\n", @diagnostics));
            @diagnostics = ();
        }
    }
    my ($passed, $failed) = $output =~ /^(\d+) passed, (\d+) failed$/m;
    ok(defined $passed && $failed == 0 && $passed == $seen,
        "$label: summary line agrees (" . ($passed // '?') . " passed, " . ($failed // '?')
        . " failed)");
    return $seen;
}

1;
