# tests/lib/Mm386.pm: what the scenario scripts (tests/*.t) share: booting through tools/boot
# and reading what the kernel printed.
package Mm386;
use strict;
use warnings;
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Temp qw(tempfile tempdir);
use IO::Select;
use IO::Socket::UNIX;
use Test::More;

our @EXPORT = qw(boot boot_with_monitor report_ktap mkdisk blkdebug_drive @NO_DISK_SKIPS
    @NO_PAGING_FILE_SKIPS @NO_SPECIAL_POOL_SKIPS @NO_MODULE_SKIPS @NO_FAT_FILES_SKIPS $TOP);
our $TOP = dirname(dirname(dirname(__FILE__)));

# The self-tests that skip in a boot without a disk, without a paging file, and without
# specialpool= (the ones that look at special pool's pages)
our @NO_DISK_SKIPS = map { "hal.ata.$_" }
    qw(channels fault identify interrupt multipage polled range readwrite reset);
our @NO_PAGING_FILE_SKIPS = ((map { "mm.paging.$_" }
    qw(collided create_checks hard_fault read_ahead_error read_ahead_rescue sequential_cluster
       three_times_ram xmm_copy_waits)),
    map { "mm.pagefail.$_" } qw(cluster_round_trip rescue));
our @NO_SPECIAL_POOL_SKIPS = ('mm.specialpool.freed', 'mm.specialpool.layout');
# ... and those that run a user program, skipped in a boot without its module.
our @NO_MODULE_SKIPS = ('mm.section.paging', 'mm.mdl.user_mapping', 'mm.fault.system_pde',
    'mm.fault.read_ahead_freed', 'mm.fault.around', 'ke.process.borrowed_directory');
# ... and those that need tests/fatpaging.t's (or tests/cache.t's) files on C:.
our @NO_FAT_FILES_SKIPS = ((map { "fat.paging.$_" } qw(fragmented read resource volume_locked window write)),
    'fat.pagingerror.disk', (map { "cc.$_" } qw(directory fat flush_waits lazy_writer no_write_behind pin read_ahead_again sequential_faults throttle truncate views_reused)));

# boot(cmdline => '...', mem => MiB, iso => 1, disks => [...], exes => [...], timeout => S,
#      input => "kd commands\n", qemu_args => [...], no_dlls => 1)
# (no_dlls: tools/boot --no-dlls, the exes without ntdll.dll and kernel32.dll.)
# Returns (exit status of tools/boot, everything it printed, stdout and stderr together).
sub boot {
    my %o = @_;
    my @argv = ("$TOP/tools/boot", '--timeout', $o{timeout} // 60);
    push @argv, ('--mem', $o{mem}) if $o{mem};
    push @argv, '--iso' if $o{iso};
    push @argv, ('--disk', $_) for @{ $o{disks} // [] };
    push @argv, ('--exe', $_) for @{ $o{exes} // [] };
    push @argv, ('--qemu-arg', $_) for @{ $o{qemu_args} // [] };
    push @argv, '--no-dlls' if $o{no_dlls};
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

# boot_with_monitor(boot's options, when => qr/.../, monitor => [commands], input => "...")
# boots as boot() does, with QEMU's monitor on a socket; once the kernel has printed what
# `when` matches, sends each monitor command (waiting for the monitor's prompt after it),
# then types `input` at the kernel. Returns (exit status, output, what the monitor said).
sub boot_with_monitor {
    my %o = @_;
    my $socket = tempdir(CLEANUP => 1) . '/monitor';
    my @argv = ("$TOP/tools/boot", '--timeout', $o{timeout} // 60, '--monitor', $socket);
    push @argv, ('--mem', $o{mem}) if $o{mem};
    push @argv, ('--disk', $_) for @{ $o{disks} // [] };
    push @argv, ('--qemu-arg', $_) for @{ $o{qemu_args} // [] };
    push @argv, '--no-dlls' if $o{no_dlls};
    push @argv, ('--', $o{cmdline}) if defined $o{cmdline};

    pipe(my $in_reader, my $in_writer) or die "pipe: $!";
    pipe(my $out_reader, my $out_writer) or die "pipe: $!";
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        close($in_writer);
        close($out_reader);
        open(STDIN, '<&', $in_reader) or die;
        open(STDOUT, '>&', $out_writer) or die;
        open(STDERR, '>&', $out_writer) or die;
        exec(@argv) or die "exec tools/boot: $!";
    }
    close($in_reader);
    close($out_writer);
    my ($output, $said, $sent) = ('', '', 0);
    while (sysread($out_reader, my $chunk, 65536)) {
        $output .= $chunk;
        next if $sent || $output !~ $o{when};
        $sent = 1;
        my $monitor = IO::Socket::UNIX->new(Peer => $socket) or die "monitor $socket: $!";
        for my $command ('', @{ $o{monitor} // [] }) {
            print $monitor "$command\n" if $command ne '';
            my $reply = '';
            while ($reply !~ /\(qemu\) $/ && sysread($monitor, my $bytes, 4096)) {
                $reply .= $bytes;
            }
            $said .= $reply;
        }
        close($monitor);
        syswrite($in_writer, $o{input} // '');
        close($in_writer);
    }
    close($out_reader);
    waitpid($pid, 0);
    return ($? >> 8, $output, $said);
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
# check the summary line. skip => [names] is the exact set of tests this boot expects to skip
# ("ok N name # SKIP reason"); none when it is left out. Returns the number of kernel tests seen.
sub report_ktap {
    my ($output, $label, %o) = @_;
    my ($seen, @diagnostics, @skipped) = (0);
    for my $line (split /\n/, $output) {
        if ($line =~ /^# (.*)/) {
            push @diagnostics, $1;
        } elsif ($line =~ /^(not )?ok \d+ (\S+)(?: # SKIP (.*))?$/) {
            $seen++;
            if (defined $3 && !$1) {
                push @skipped, $2;
                note("$label: $2 skipped: $3");
            } else {
                ok(!$1, "$label: $2") or diag(join("\n", @diagnostics));
            }
            @diagnostics = ();
        }
    }
    is(join(' ', sort @skipped), join(' ', sort @{ $o{skip} // [] }),
        "$label: the tests skipped are the ones expected");
    my ($passed, $failed, $skips) = $output =~ /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m;
    ok(defined $passed && $failed == 0 && ($skips // 0) == @skipped
        && $passed + @skipped == $seen,
        "$label: summary line agrees (" . ($passed // '?') . " passed, " . ($failed // '?')
        . " failed, " . ($skips // '?') . " skipped)");
    return $seen;
}

1;
