#!/usr/bin/perl
# Every in-kernel self-test, booted with -kernel on a 32 MiB machine.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($status, $output) = boot(mem => 32, cmdline => 'test=all', timeout => 120);
like($output, qr/^KTAP version 1$/m, 'KTAP version line');
like($output, qr/^1\.\.(\d+)$/m, 'KTAP plan');
my $count = report_ktap($output, 'kernel',
    skip => [@NO_DISK_SKIPS, @NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS, @NO_MODULE_SKIPS, @NO_FAT_FILES_SKIPS]);
cmp_ok($count, '>', 10, "ran the kernel's tests ($count)");
is($status, 0, 'tools/boot exits 0 when every test passes') or diag($output);

# Twice from the prompt in one boot: a test leaves nothing behind that the next run trips on.
($status, $output) = boot(mem => 32, input => "test all\ntest all\npoweroff\n", timeout => 180);
my @runs = split /^kd> test all\n/m, $output;
is(scalar(@runs), 3, 'the suite ran twice from the prompt');
for my $run (1 .. 2) {
    report_ktap($runs[$run] // '', "run $run",
        skip => [@NO_DISK_SKIPS, @NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS, @NO_MODULE_SKIPS, @NO_FAT_FILES_SKIPS]);
}
is($status, 0, 'twice: exits 0');
done_testing();
