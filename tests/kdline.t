#!/usr/bin/perl
# The kd> line editor (kernel/kd/kdline.c) driven by piped input, as a terminal sends its keys:
# history (ESC [ A, ESC [ B), Ctrl-U, Ctrl-W, both backspaces, Tab completion of commands and
# symbols. Each check looks at what the edited line did when it ran, not only at its echo.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($up, $down, $right, $tab) = ("\e[A", "\e[B", "\e[C", "\t");
my ($ctrl_u, $ctrl_w, $bs, $del) = ("\x15", "\x17", "\x08", "\x7f");
my @lines = (
    '? 0n1001',                                 # history: run three times
    $up,
    '? 0n1002',
    "$up$up",                                   # two back: 1001 again
    "$up$up$up$down",                           # down from 1001 (then 1002): 1002
    "? 0n999$ctrl_u? 0n1003",                   # Ctrl-U: 999 is never evaluated
    "nosuch command$ctrl_w$ctrl_w? 0n1004",     # Ctrl-W twice: both words gone
    "? 0n1005 more $ctrl_w",                    # Ctrl-W takes the blank and the word
    "? 0n1016$bs${del}07",                      # both backspaces: ? 0n1007
    "$right? 0n1008\eOD",                       # other sequences are ignored
    "dd MmHighestUs${tab} L1",                  # a unique symbol prefix
    "dd nt!MmSystemRangeSt${tab} L1",           # after nt!: the echo is checked
    "hel${tab}",                                # a unique command
    "!poo$tab$tab$ctrl_u",                      # extends to !pool, then lists the three
    "powerof$tab");
my ($status, $output) = boot(input => join('', map { "$_\n" } @lines), timeout => 60);

my @values = $output =~ /^Evaluate expression: (\d+) = /mg;
is_deeply(\@values, [1001, 1001, 1002, 1001, 1002, 1003, 1004, 1005, 1007, 1008],
    'history recalls, Ctrl-U, Ctrl-W, backspaces and ignored sequences ran the edited lines');
like($output, qr/^kd> \? 0n1001$/m, 'piped input echoes byte for byte');
unlike($output, qr/unknown command 'nosuch'/, 'Ctrl-W erased the words before the command');

my %nm;
for (`${\ ($ENV{CROSS} // 'i686-linux-gnu-')}nm $TOP/build/mm386.elf`) {
    $nm{$2} = lc($1) if /^(\w{8}) \w (\w+)$/;
}
my $address = $nm{MmHighestUserAddress} // 'missing';
like($output, qr/^kd> dd MmHighestUserAddress L1\n$address  7ffeffff$/m,
    "Tab completed MmHighestUserAddress, and dd showed it at its address from nm ($address)");
like($output, qr/^kd> dd nt!MmSystemRangeStart L1$/m, 'Tab completed a symbol after nt!');
like($output, qr/^kd> help \n(.*\n)*?  test <glob>/m, 'Tab completed help and added a blank');
like($output, qr/^kd> !pool\n  !pool\n  !poolused\n  !poolfind\nkd> !pool/m,
    'an ambiguous command extends to what the matches share, then lists them');
like($output, qr/^kd> poweroff \nPowering off\.$/m, 'Tab completed poweroff');
is($status, 0, 'poweroff exits 0');
done_testing();
