#!/usr/bin/perl
# The processors mm386 runs on: QEMU's pentium and everything after it. Before the Pentium (no
# time-stamp counter, or no CPUID) the boot code stops with UNSUPPORTED_PROCESSOR naming what
# is missing, before any C code runs: never a triple fault.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($status, $output) = boot(qemu_args => ['-cpu', 'pentium'],
    cmdline => 'test=rtl.*,boot.*,mm.pool.*,ke.zero_pages', timeout => 60);
ok(report_ktap($output, 'pentium', skip => ['boot.trap.copy_safe_xmm']) > 3,
   'pentium: the tests ran (the XMM copy skipped: no SSE2)');
is($status, 0, 'pentium: they pass');
like($output, qr/^# zeroed with 4-byte integer stores$/m, 'pentium: no SSE, pages zeroed with integer stores');

for my $machine (['486', '-cpu', '486'], ['isapc', '-M', 'isapc']) {
    my ($name, @args) = @$machine;
    ($status, $output) = boot(qemu_args => \@args, cmdline => 'test=rtl.glob', timeout => 30);
    like($output, qr/^mm386: this processor has no time-stamp counter \(CPUID TSC, RDTSC\); mm386 needs a Pentium or later$/m,
        "$name: the missing feature is named");
    like($output, qr/^\*\*\* STOP: 0x0000005D \(0x00000486,0x00000010,0x[0-9A-F]{8},0x00000000\)\nUNSUPPORTED_PROCESSOR$/m,
        "$name: STOP 0x5D (a 486, TSC required, the features it has, 0)");
    my ($present) = $output =~ /STOP: 0x0000005D \(0x\w{8},0x\w{8},0x(\w{8})/;
    is(hex($present // 'ffffffff') & 0x10, 0, "$name: ... which lack the TSC");
    unlike($output, qr/NT-style virtual memory manager/, "$name: no C code ran (no banner)");
    is($status, 1, "$name: exits 1 (isa-debug-exit), not a triple fault");
}
done_testing();
