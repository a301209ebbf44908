#!/usr/bin/perl
# Expected bugchecks: each ends the run with the STOP line, a backtrace and exit status 1.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($status, $output) = boot(cmdline => 'crash=nonpaged', timeout => 30);
is($status, 1, 'crash=nonpaged exits 1');
like($output, qr/^\*\*\* STOP: 0x00000050 \(0xFFBFF000,0x00000000,0x[0-9A-F]{8},0x00000000\)$/m,
    'STOP 0x50 with the address as the first parameter and NT\'s "PTE is zero" reason');
like($output, qr/^PAGE_FAULT_IN_NONPAGED_AREA$/m, 'the NT name');
like($output, qr/MmAccessFault\+.*\n.*KiTrap0E\+/, 'backtrace: MmAccessFault called from KiTrap0E');
like($output, qr/KdCrashNonPaged\+/, 'backtrace reaches the code that faulted');
like($output, qr/cr2=ffbff000/, 'registers show CR2');

($status, $output) = boot(cmdline => 'crash=stack', timeout => 30);
is($status, 1, 'crash=stack exits 1');
like($output, qr/^\*\*\* STOP: 0x0000007F \(0x00000008,0x00000000,0x00000000,0x00000000\)$/m,
    'kernel stack overflow: double fault, STOP 0x7F with 8');
like($output, qr/^UNEXPECTED_KERNEL_MODE_TRAP$/m, 'the NT name');
like($output, qr/KdRecurse/, 'backtrace from the overflowed stack');
my ($stack) = $output =~ /kernel stack at ([0-9a-f]+)/;
my ($cr2) = $output =~ /cr2=([0-9a-f]{8})/;
ok(defined $stack && defined $cr2 && hex($cr2) < hex($stack) && hex($cr2) >= hex($stack) - 4096,
    'the fault was in the guard page just below the system-PTE stack (cr2 ' . ($cr2 // '?') . ')');

($status, $output) = boot(cmdline => 'crash=manual', timeout => 30);
is($status, 1, 'crash=manual exits 1');
like($output, qr/^\*\*\* STOP: 0x000000E2 /m, 'STOP 0xE2');

($status, $output) = boot(cmdline => 'crash=nosuchkind', input => "poweroff\n", timeout => 30);
like($output, qr/crash: unknown kind 'nosuchkind'/, 'an unknown kind is reported');
is($status, 0, '... and the kernel goes on to the prompt');
done_testing();
