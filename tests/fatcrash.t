#!/usr/bin/perl
# The FAT32 volume across a crash (kernel/fs/fastfat: NT's dirty volume, FAT[1]'s clean-shutdown
# bit). A program writes a file and flushes it; the machine then stops at the kd> prompt
# (`crash manual`, STOP 0xE2) with the volume in use. On the host: the flushed file is there
# byte for byte, the files already there are intact, and fsck.fat -n finds the volume dirty
# (not shut down cleanly) and nothing else wrong but FSInfo's free count, which only shutdown
# writes. The next boot says the volume was not shut down cleanly and leaves it dirty through a
# clean poweroff (only a check may clear it), as NT leaves it for autochk. A volume shut down
# cleanly is clean.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use FatDisk;
use KdSession;

my $missing = fat_tools_missing();
plan skip_all => $missing if $missing;
my $program = "$TOP/build/programs/fatwrite.exe";
system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program $TOP/tests/programs/fatwrite.c "
       . ">/dev/null") == 0 or BAIL_OUT('tools/mkexe fatwrite.exe failed');

my $LBA = 2048;
my $SIZE = 300 * 1024 + 123;
my %files = ('keep.bin' => pattern(9, 70000), 'dir/keep2.txt' => "still here\n");
my $image = fat_disk('crash', '0c:64', 70, %files);

# fsck.fat's findings, without its banner, the file count and the no-change notes.
sub findings {
    my ($text) = @_;
    return join("\n", grep { !/^fsck\.fat |^\s*$|files, \d+\/\d+ clusters|Leaving filesystem unchanged|Automatically removing dirty bit|Auto-correcting/ }
                      split(/\n/, $text));
}

my $s = KdSession->start('--mem', 32, '--timeout', 240, '--disk', $image, '--exe', $program);
ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');
$s->command('start fatwrite.exe');
ok(defined $s->wait_for(qr/^fatwrite: flushed $SIZE bytes$/m), 'fatwrite.exe wrote and flushed');
$s->finish('crash manual');
like($s->{output}, qr/\*\*\* STOP: 0x000000E2 /, 'crash manual: STOP 0xE2 with the volume in use');

is(mtype($image, $LBA, 'flushed.bin'), pattern(5, $SIZE), 'the flushed file is intact on the host');
for my $path (sort keys %files) {
    is(mtype($image, $LBA, $path), $files{$path}, "$path is intact");
}
my ($status, $out) = fsck($image, $LBA, 64 * 2048);
like($out, qr/Dirty bit is set/, 'fsck.fat: the volume is dirty (not shut down cleanly)') or diag($out);
is(findings($out) =~ s/^Dirty bit is set.*$//mr =~ s/^Free cluster summary wrong.*$//mr =~ s/\n+//gr, '',
   '... and nothing else is wrong but the free count') or diag($out);

# The next boot: dirty at mount, and dirty after a clean poweroff.
my ($rc, $boot) = boot(mem => 32, disks => [$image], timeout => 60, input => "poweroff\n");
like($boot, qr/^FAT32: the volume was not shut down cleanly \(FAT\[1\] says dirty\): it stays dirty until checked \(fsck\.fat\)$/m,
     'the next boot: not shut down cleanly');
($status, $out) = fsck($image, $LBA, 64 * 2048);
like($out, qr/Dirty bit is set/, '... still dirty after its clean poweroff') or diag($out);

# A volume shut down cleanly is clean, though it was written (run= shuts down at the end).
my $clean = fat_disk('clean', '0c:64', 70, %files);
($rc, $boot) = boot(mem => 32, disks => [$clean], timeout => 120, exes => [$program],
                    cmdline => 'run="fatwrite.exe exit"');
($status, $out) = fsck($clean, $LBA, 64 * 2048);
unlike($out, qr/Dirty bit is set/, 'written and shut down: clean') or diag($out);
done_testing();
