#!/usr/bin/perl
# The GRUB path: the ISO boots, the command line arrives, and without one the prompt answers.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($status, $output) = boot(iso => 1, cmdline => 'test=boot.loader.* bogus', timeout => 60);
like($output, qr/Booting `mm386'/, 'GRUB boots the menu entry');
like($output, qr/^mm386: NT-style virtual memory manager/m, 'the banner');
like($output, qr/^Command line: test=boot\.loader\.\* bogus$/m, 'the command line arrived');
like($output, qr/unknown option: 'bogus' ignored/, 'an unknown option is reported');
report_ktap($output, 'iso');
is($status, 0, 'exits 0');

# Through grub.cfg byte for byte: $ is not expanded, ; does not end the command, quotes,
# backslashes, a tab and a double blank stay as they were.
my $cmdline = qq{test=boot.loader.* x=\$root a=1;b=2 q="y z"  w=it's\tbs=a\\b};
($status, $output) = boot(iso => 1, cmdline => $cmdline, timeout => 60);
like($output, qr/^Command line: \Q$cmdline\E$/m, 'the command line arrived byte for byte');
like($output, qr/unknown option: 'a=1;b=2' ignored/, '... a=1;b=2 is one option');
report_ktap($output, 'iso quoted');
is($status, 0, 'exits 0');

# An unbalanced quote reaches the kernel too (GRUB no longer waits for the rest of it), which
# refuses the whole line.
$cmdline = 'test=boot.loader.* u="open';
($status, $output) = boot(iso => 1, cmdline => $cmdline, input => "poweroff\n", timeout => 60);
like($output, qr/^Command line: \Q$cmdline\E$/m, 'an unbalanced quote arrives as typed');
like($output, qr/^Command line: malformed at word 2: ignored whole, no option is used$/m,
    '... and the kernel uses none of the line');
unlike($output, qr/^ok \d+ boot\.loader/m, '... not even the test= before it');
is($status, 0, 'poweroff exits 0');

($status, $output) = boot(iso => 1, input => "help\npoweroff\n", timeout => 60);
like($output, qr/^Physical memory map from the loader:$/m, 'the memory map');
like($output, qr/^kd> help$/m, 'the prompt');
like($output, qr/poweroff\s+leave QEMU/, 'help lists the commands');
is($status, 0, 'poweroff exits 0');
done_testing();
