#!/usr/bin/perl
# Random system calls from user mode (user/tests/sysfuzz.c): 10^5 calls by int 0x2E (or by
# sysenter with random EFLAGS bits, for some whose arguments are on the stack) with
# random numbers and random or typed arguments, each coming back with an NT status, the
# caller's memory unchanged where no call was pointed, and a program still starting
# afterwards; then, in the same boot (aftertest=), self-tests that walk the PFN lists, the
# pools, the system PTEs and the handle tables check the system the calls left behind. Five
# seeds: two on 32 MiB, one on 8 MiB, one on 32 MiB with a paging file, and one on 64 MiB under
# /3GB (where sysfuzz.exe, not large-address-aware, has one reserved region above 0x7FFE1000).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $after = 'mm.pfn.random,mm.pfn.refcounts,mm.pool.random,mm.sysptes.reserve,ob.handle.*';

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $run ([1, 32, 0, ''], [2, 32, 0, ''], [3, 8, 0, ''], [4, 32, 1, ''], [5, 64, 0, '3gb ']) {
    my ($seed, $mem, $paging, $options) = @$run;
    my $label = "seed $seed, $mem MiB" . ($paging ? ', paging file' : '') . ($options ? ', /3GB' : '');
    my @disks = $paging ? (mkdisk("sysfuzz$seed", 64)) : ();
    my ($rc, $out) = boot(mem => $mem, disks => \@disks, timeout => 600,
                          exes => ["$TOP/build/user/sysfuzz.exe"],
                          cmdline => "${options}run=\"sysfuzz.exe 100000 $seed\" aftertest=$after");
    unlike($out, qr/\*\*\* STOP/, "$label: no bugcheck");
    like($out, qr/^# 100000 calls$/m, "$label: 10^5 calls made");
    like($out, qr/^ok 1 sysfuzz\.random_calls$/m, "$label: every status an NT status, "
         . 'nothing written where no call pointed') or diag($out);
    like($out, qr/^ok 2 sysfuzz\.still_works$/m, "$label: a program still runs afterwards");
    like($out, qr/^process sysfuzz\.exe exited with status 0x00000000$/m, "$label: exit status 0");
    my ($passed, $failed) = $out =~ /^(\d+) passed, (\d+) failed/m;
    ok(($passed // 0) >= 5 && defined $failed && $failed == 0,
       "$label: the self-tests afterwards passed (" . ($passed // '?') . ')') or diag($out);
    is($rc, 0, "$label: tools/boot reports success");
}
done_testing();
