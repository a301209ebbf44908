#!/usr/bin/perl
# Damaged programs (user/tests/pefuzz.c): 1000 mutations of nop.exe (tests/lib/PeMutate.pm,
# seeded, so each can be made again), 13 to a boot (the loader keeps 16 modules: the driver,
# ntdll.dll, kernel32.dll and 13), each refused with NT's status or run (a damaged import
# table ends the process at start-up, in ntdll's loader), never a bugcheck or a hang; every
# attempt gives back what it took, and a program still runs afterwards.
#
#   PEFUZZ_IMAGES=N  PEFUZZ_SEED=S  prove tests/pefuzz.t      (default 1000 images, seed 1)
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;
use PeMutate;

my $images = $ENV{PEFUZZ_IMAGES} // 1000;
my $seed = $ENV{PEFUZZ_SEED} // 1;
my $per_boot = 13;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
my $dir = tempdir(CLEANUP => 1);
system('i686-w64-mingw32-strip', '-o', "$dir/nop.exe", "$TOP/build/user/nop.exe") == 0
    or BAIL_OUT('strip failed');
open(my $in, '<:raw', "$dir/nop.exe") or die;
my $original = do { local $/; <$in> };
close($in);

my (%outcome, %status, $boots_ok, @failures);
for (my $first = 0; $first < $images; $first += $per_boot) {
    my $count = $images - $first < $per_boot ? $images - $first : $per_boot;
    my (@exes, %what);
    for my $index ($first .. $first + $count - 1) {
        my ($bytes, $what) = PeMutate::mutate($original, $seed, $index);
        my $name = sprintf('fz%04d.exe', $index);
        open(my $out, '>:raw', "$dir/$name") or die;
        print $out $bytes;
        close($out);
        push @exes, "$dir/$name";
        $what{$name} = $what;
    }
    my ($rc, $out) = boot(mem => 32, timeout => 300,
                          exes => ["$TOP/build/user/pefuzz.exe", @exes],
                          cmdline => "run=\"pefuzz.exe $first $count\"");
    my @lines = $out =~ /^# (fz\d+\.exe): (refused 0x[0-9A-F]+|ran, exit 0x[0-9A-F]+)$/mg;
    while (my ($name, $result) = splice(@lines, 0, 2)) {
        $outcome{$name} = $result;
        $status{$result =~ /^refused (\S+)/ ? "refused $1" : 'ran'}++;
    }
    if ($rc == 0 && $out =~ /^# 3 passed, 0 failed$/m) {
        $boots_ok++;
    } else {
        my ($stop) = $out =~ /(\*\*\* STOP: .*)/;
        push @failures, "fz$first+$count: " . ($stop // "exit $rc") . "\n" .
            join("\n", map { "  $_: $what{$_} -> " . ($outcome{$_} // 'no result') }
                 sort keys %what) . "\n" . join("\n", grep { /^(not ok|# )/ } split(/\n/, $out));
    }
}
my $boots = int(($images + $per_boot - 1) / $per_boot);
is($boots_ok, $boots, "$boots boots of $per_boot images: each ended with every case passed")
    or diag(join("\n\n", @failures));
is(scalar(keys %outcome), $images, "each of the $images images was refused or ran");
ok(($status{ran} // 0) > 0, 'some damaged images still run');
ok((grep { /^refused/ } keys %status) >= 2, 'images are refused for more than one reason');
diag(join(', ', map { "$_: $status{$_}" } sort keys %status));
done_testing();
