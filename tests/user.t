#!/usr/bin/perl
# User mode: PE32 programs built by `make user` run as processes (run=), print their own KTAP,
# and end with their status: user/tests/vmbasic.exe (the virtual memory services through
# kernel32, exceptions, guard pages, stack growth) at 32 MiB and at 16 MiB (at 8 MiB without a paging file the commit limit refuses the process today: a known gap).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $mb (32, 16) {
    my $out = `tools/boot --mem $mb --timeout 120 --exe build/user/vmbasic.exe -- run=vmbasic.exe 2>&1`;
    my $rc = $? >> 8;
    my @cases = $out =~ /^(ok|not ok) \d+ (\S+)/mg;
    is(scalar(@cases) / 2, 7, "$mb MiB: vmbasic ran its 7 cases");
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is_deeply(\@bad, [], "$mb MiB: every case passed") or diag($out);
    like($out, qr/^process vmbasic\.exe exited with status 0x00000000$/m, "$mb MiB: exit status 0");
    is($rc, 0, "$mb MiB: tools/boot reports success");
}
done_testing();
