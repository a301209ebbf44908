#!/usr/bin/perl
# The kd> prompt driven through COM1, and tools/boot's verdicts.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($status, $output) = boot(input => "help\nbogus\ntest rtl.glob\ncrash\npoweroff\n",
    timeout => 30);
like($output, qr/^kd> help$/m, 'prompt and echo');
like($output, qr/test <glob>\s+run the self-tests/, 'help');
like($output, qr/unknown command 'bogus'/, 'an unknown command is reported');
like($output, qr/^ok 1 rtl\.glob$/m, 'test runs from the prompt');
like($output, qr/usage: crash <kind>.*\n\s+nonpaged/, 'crash without a kind lists the kinds');
is($status, 0, 'poweroff exits 0');

($status, $output) = boot(input => "crash nonpaged\n", timeout => 30);
like($output, qr/^\*\*\* STOP: 0x00000050 /m, 'crash from the prompt');
is($status, 1, 'exits 1');

($status, $output) = boot(cmdline => 'test=rtl.glob nosuch=1 test', timeout => 30);
like($output, qr/unknown option: 'nosuch=1' ignored/, 'unknown option reported');
like($output, qr/needs a value: 'test' ignored/, 'a missing value is reported');
is($status, 0, 'the valid option still runs');

($status, $output) = boot(cmdline => 'test=no.such.test', timeout => 30);
like($output, qr/^1\.\.0$/m, 'a glob matching nothing plans nothing');
is($status, 1, '... and fails, so a typo cannot pass');

($status, $output) = boot(timeout => 3);
like($output, qr/tools\/boot: timeout after 3 s/, 'a kernel that never finishes is a timeout');
is($status, 2, 'timeout exits 2');

($status, $output) = boot(cmdline => 'crash=triplefault', timeout => 30);
like($output, qr/QEMU exited with status 0/, 'a triple fault resets the machine');
is($status, 2, 'a triple fault exits 2');
done_testing();
