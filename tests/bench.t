#!/usr/bin/perl
# A short pass of the paging benchmarks (`make bench` runs them all): their figures are
# printed, and the data they check came back right: W2's words and W3's touches.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $disk = mkdisk('bench', 256);
my ($status, $output) = boot(mem => 64, disks => [$disk], cmdline => 'bench=mm.paging.*',
    timeout => 300);
my %figure = $output =~ /^BENCH (\S+) (\d+) \S+$/mg;
for my $name (qw(demand_zero_pages_per_s thrash_touches_per_s random_touches_per_s)) {
    cmp_ok($figure{$name} // 0, '>', 0, "$name is measured");
}
is($figure{thrash_bad}, 0, 'thrash_bad: every word of W2 read back as written');
is($figure{random_bad}, 0, 'random_bad: every touch of W3 found page + 1 or, untouched, 0');
cmp_ok($figure{thrash_pagefile_reads} // 0, '>', 0, 'W2 read pages from the paging file');
is($status, 0, 'exits 0') or diag($output);
done_testing();
