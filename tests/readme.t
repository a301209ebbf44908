#!/usr/bin/perl
# The README's kd> walkthroughs (the blocks after <!-- walkthrough NAME --> markers), each
# typed into a fresh boot as a user pasting it would, the transcript diffed with the README.
# tools/walkthrough does the typing and masks what differs between two boots of one image: the
# zeroed and free page counts and the page frame numbers (with the PFN entries and the `!pfn`
# typed after `!pte`) that the zero page thread's progress decides. `tools/walkthrough`
# without --check rewrites the README from fresh boots.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

open(my $readme, '<', "$TOP/README.md") or die;
my %seen;
my @names = grep { !$seen{$_}++ } map { /^<!-- walkthrough (\S+) -->$/ ? $1 : () } <$readme>;
ok(scalar(@names) >= 4, 'the README has its walkthroughs (' . join(', ', @names) . ')');
ok($seen{page} && $seen{pfn}, '... among them a page through every state and !pfn');

for my $name (@names) {
    my $diff = `$TOP/tools/walkthrough --check --name $name 2>&1`;
    is($? >> 8, 0, "walkthrough $name: the README's transcript is what a fresh boot prints")
        or diag($diff);
}
done_testing();
