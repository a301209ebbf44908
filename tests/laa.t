#!/usr/bin/perl
# /3GB and IMAGE_FILE_LARGE_ADDRESS_AWARE (user/tests/laa.c): a process gets user space up to
# 0xBFFEFFFF only under /3GB and only when its image is large-address-aware. Three boots:
# /3GB with the LAA bit set in a copy of laa.exe (high), /3GB with the program as built (not
# LAA: everything above 2 GB reserved for good, "secured"), and the LAA copy without /3GB (low).
use strict;
use warnings;
use lib 'tests/lib';
use File::Temp qw(tempdir);
use Test::More;
use Mm386;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');

# The copy with IMAGE_FILE_LARGE_ADDRESS_AWARE (0x20) set in FileHeader.Characteristics.
my $dir = tempdir(CLEANUP => 1);
open(my $in, '<:raw', 'build/user/laa.exe') or die $!;
my $image = do { local $/; <$in> };
close($in);
my $pe = unpack('V', substr($image, 0x3C, 4));
is(substr($image, $pe, 4), "PE\0\0", 'laa.exe has its PE signature where e_lfanew says');
my $characteristics = unpack('v', substr($image, $pe + 4 + 18, 2));
is($characteristics & 0x20, 0, 'laa.exe is built without LARGE_ADDRESS_AWARE');
substr($image, $pe + 4 + 18, 2) = pack('v', $characteristics | 0x20);
mkdir("$dir/laa");
open(my $out, '>:raw', "$dir/laa/laa.exe") or die $!;
print $out $image;
close($out);

for my $case (["$dir/laa/laa.exe", '3gb', 'high'], ['build/user/laa.exe', '3gb', 'secured'],
              ["$dir/laa/laa.exe", '', 'low']) {
    my ($exe, $option, $expect) = @$case;
    my $out = `tools/boot --mem 32 --timeout 120 --exe $exe -- $option 'run=laa.exe $expect' 2>&1`;
    my $name = ($option ? '/3GB' : 'no /3GB') . ", $expect";
    my @cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
    is(scalar(@cases), 3, "$name: ran its 3 cases");
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is_deeply(\@bad, [], "$name: every case passed") or diag($out);
    my $aware = $exe eq 'build/user/laa.exe' ? 'is not' : 'is';
    like($out, qr/^# image $aware large-address-aware/m, "$name: the image is what the test made it");
    like($out, qr/^process laa\.exe exited with status 0x00000000$/m, "$name: exit status 0");
}
done_testing();
