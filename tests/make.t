#!/usr/bin/perl
# What a newcomer types first: make help lists every target and variable, make without the
# cross compiler says to run tools/deps, make run adds no "Error 1" under a STOP.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

open(my $makefile, '<', "$TOP/Makefile") or die;
my $text = do { local $/; <$makefile> };
my ($phony) = $text =~ /^\.PHONY:(.*)$/m;
my @targets = grep { $_ ne 'FORCE' } split(' ', $phony);
my @variables = ((grep { $_ ne 'BUILD' } $text =~ /^(\w+)\s*\?=/mg), 'O', 'V');

my $help = `cd $TOP && make --no-print-directory help 2>&1`;
for my $target (@targets) {
    like($help, qr/^  make (\[\Q$target\E\]|\Q$target\E) /m, "make help lists $target");
}
for my $variable (@variables) {
    like($help, qr/\b\Q$variable\E=/, "make help lists $variable=");
}
like($help, qr/prove -v tests\/kd\.t/, 'make help says how to run one scenario verbosely');

my $missing = `cd $TOP && make --no-print-directory CROSS=nosuch- all 2>&1`;
like($missing, qr/nosuch-gcc is missing: run tools\/deps/, 'make without the toolchain says to run tools/deps');
isnt($? >> 8, 0, '... and fails');

my $run = `cd $TOP && make --no-print-directory run CMDLINE=crash=manual </dev/null 2>&1`;
my $status = $? >> 8;
like($run, qr/^\*\*\* STOP: 0x000000E2 /m, 'make run CMDLINE=crash=manual stops');
unlike($run, qr/Error \d/, '... and make prints no Error under the STOP');
is($status, 0, '... and succeeds');
done_testing();
