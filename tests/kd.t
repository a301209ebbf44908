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

# Bad input is refused whole, with a message, and nothing is done: a line longer than the
# 255-character buffer (an ed whose value would be cut short), an expression ending in an
# operator, a value that is no expression, a line with a command of too many words (the
# line's other commands are not run either). ed writes at the address given, aligned or not.
my $block = 'poi(KdLastPoolAllocation)';
my $long = "ed $block 1" . ('0' x 300);
($status, $output) = boot(input => join('', map { "$_\n" }
    'poolalloc nonpaged 10 Tst1', "ed $block 11223344", "ed $block+4 55667788", $long,
    "dd $block L2", '? 1+', '? +', '? -', '? 1+-2', "ed $block+2 v", "ed $block+2 1+",
    "dd $block L2", "ed $block+2 aabbccdd", "dd $block L2", "dd $block+2 L1",
    "dd $block L2; ed " . join(' ', 1 .. 16), "dd $block L2", 'ed 0 1',
    '? ' . ('(' x 80) . '1' . (')' x 80), '? ' . ('-' x 240) . '1', 'poweroff'), timeout => 30);
my ($p) = $output =~ /^ExAllocatePoolWithTag\(NonPagedPool, 0x10, 'Tst1'\) = (\w{8})$/m;
my $q = sprintf('%08x', hex($p // 0) + 2);
like($output, qr/^kd> \Q${\ substr($long, 0, 255)}\E\nkd: line longer than 255 characters: nothing done$/m,
    'a line over 255 characters is refused');
unlike($output, qr/Evaluate expression: 1 = /, '? 1+ is not 1');
like($output, qr/^kd> \? 1\+\nSyntax error: '1\+' ends where an operand or '\)' is expected$/m,
    '? 1+ is a syntax error');
like($output, qr/^kd> \? \+\nSyntax error: /m, '? + is a syntax error');
like($output, qr/^kd> \? \({80}1\){80}\nSyntax error: nested more than 32 deep at '\({48}1/m,
    '80 parentheses are refused, not a stack overflow');
like($output, qr/^kd> \? -{240}1\nSyntax error: nested more than 32 deep at '-{208}1'$/m,
    '240 minus signs are refused');
unlike($output, qr/STOP/, '... and nothing stops');
like($output, qr/^kd> \? -\nSyntax error: /m, '? - is a syntax error');
like($output, qr/^kd> \? 1\+-2\nEvaluate expression: -1 = ffffffff$/m, 'a sign is still allowed');
like($output, qr/^kd> ed \Q$block\E\+2 v\nCouldn't resolve error at 'v'$/m, 'ed with a bad value');
like($output, qr/^kd> ed \Q$block\E\+2 1\+\nSyntax error: /m, 'ed with a value ending in +');
my @dumps = $output =~ /^$p  (\w{8} \w{8})$/mg;
is_deeply(\@dumps, ['11223344 55667788', '11223344 55667788', 'ccdd3344 5566aabb',
    'ccdd3344 5566aabb'], 'nothing written by the refused lines; ed at +2 wrote bytes 2-5 only');
like($output, qr/^$q  aabbccdd$/m, 'dd at the unaligned address reads it back');
like($output, qr/^kd: more than 16 words in a command: nothing done$/m,
    'a command of too many words is refused, with the line\'s other commands (no third dump)');
like($output, qr/^kd> ed 0 1\nMemory access error at '0'$/m, 'ed on an unmapped address says so');
is($status, 0, 'poweroff exits 0');

($status, $output) = boot(cmdline => 'test=rtl.glob nosuch=1 test', timeout => 30);
like($output, qr/unknown option: 'nosuch=1' ignored/, 'unknown option reported');
like($output, qr/needs a value: 'test' ignored/, 'a missing value is reported');
is($status, 0, 'the valid option still runs');

# A command line keeps 2047 characters: a long one keeps its last option; a longer one is
# refused whole, with a message, rather than cut short with its later options lost.
($status, $output) = boot(cmdline => 'pad=' . ('a' x 1900) . ' test=rtl.glob', timeout => 30);
like($output, qr/^ok 1 rtl\.glob$/m, 'a 1900-character command line keeps its last option');
is($status, 0, '... and the test passes');
($status, $output) = boot(cmdline => 'test=rtl.glob pad=' . ('a' x 2100), input => "poweroff\n",
    timeout => 30);
like($output, qr/^Command line: (\d+) characters, longer than the 2047 kept: ignored whole, no option is used$/m,
    'a longer command line is refused whole');
like($output, qr/^Command line: $/m, '... nothing of it is used');
unlike($output, qr/rtl\.glob$/m, '... not even its first option');
is($status, 0, '... and the kernel goes on to the prompt');

($status, $output) = boot(cmdline => 'test=no.such.test', timeout => 30);
like($output, qr/^1\.\.0$/m, 'a glob matching nothing plans nothing');
is($status, 1, '... and fails, so a typo cannot pass');

($status, $output) = boot(timeout => 3);
like($output, qr/tools\/boot: timeout after 3 s/, 'a kernel that never finishes is a timeout');
is($status, 2, 'timeout exits 2');

($status, $output) = boot(cmdline => 'crash=triplefault', timeout => 30);
like($output, qr/QEMU exited with status 0/, 'a triple fault resets the machine');
is($status, 2, 'a triple fault exits 2');

# An empty pagefile= is reported once and then is as if not given; !poolfind takes only the
# pool types it knows.
($status, $output) = boot(mem => 32, disks => [mkdisk('poolfind', 16)], cmdline => 'pagefile=',
    input => "!poolfind Thre 7\n!poolfind Thre -1\npoweroff\n", timeout => 30);
like($output, qr/^Command line: bad value: 'pagefile=' ignored$/m, 'pagefile= with no value is reported');
unlike($output, qr/^pagefile: /m, '... once, and not read afterwards');
like($output, qr/^Paging file 0: disk 0 from LBA 2048, /m, '... and the 0x82 partition is used');
like($output, qr/^kd> !poolfind Thre 7\nusage: !poolfind /m, '!poolfind with pool type 7: usage');
like($output, qr/^kd> !poolfind Thre -1\nusage: !poolfind /m, '!poolfind with pool type -1: usage');
is($status, 0, 'exits 0');
done_testing();
