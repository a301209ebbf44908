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

($status, $output) = boot(iso => 1, input => "help\npoweroff\n", timeout => 60);
like($output, qr/^Physical memory map from the loader:$/m, 'the memory map');
like($output, qr/^kd> help$/m, 'the prompt');
like($output, qr/poweroff\s+leave QEMU/, 'help lists the commands');
is($status, 0, 'poweroff exits 0');
done_testing();
