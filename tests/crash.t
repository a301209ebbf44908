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
# Kinds that need what the boot lacks say so, before doing anything, and do not stop: from
# the prompt (which stays), and as crash= (the kernel goes on to the prompt).
my @unready = ('specialoverrun', 'specialfreed', 'specialunderrun', 'inpage');
($status, $output) = boot(input => join('', map { "crash $_\n" } @unready) . "poweroff\n",
    timeout => 30);
for my $kind (@unready) {
    my $needs = $kind eq 'inpage' ? qr/a paging file \([^)]*\)/
        : qr/special pool for tag 'Crsh' \(boot with specialpool=Crsh\)/;
    like($output, qr/^kd> crash $kind\ncrash: '$kind' needs $needs: not stopping\nkd> /m,
        "crash $kind without its setup says what it needs, first, and returns to the prompt");
}
unlike($output, qr/STOP:|did not stop/, '... nothing stopped, nothing was tried');
is($status, 0, 'poweroff exits 0');
($status, $output) = boot(cmdline => 'crash=specialfreed', input => "poweroff\n", timeout => 30);
like($output, qr/^crash: 'specialfreed' needs special pool .*: not stopping$/m,
    'crash=specialfreed without specialpool= says so');
is($status, 0, '... and the kernel goes on to the prompt');

# The image's code and read-only data are read-only (CR0.WP on): a stray write is
# ATTEMPTED_WRITE_TO_READONLY_MEMORY (address, PTE, trap frame, 11), or 10 above APC_LEVEL.
for my $case (['writecode', qr/writing into the code of KdCrashManual at (\w{8}) \(PTE (\w{8})\)/, 0xB],
              ['writerodata', qr/writing read-only data at (\w{8}) \(PTE (\w{8})\) at DISPATCH_LEVEL/, 0xA]) {
    my ($kind, $said, $code) = @$case;
    ($status, $output) = boot(cmdline => "crash=$kind", timeout => 30);
    is($status, 1, "crash=$kind exits 1");
    my ($va, $pte) = $output =~ $said;
    ok(defined $pte && (hex($pte) & 3) == 1, "$kind: the PTE is valid and not writable (" . ($pte // '?') . ')');
    my ($frame) = $output =~ /^Trap frame at (\w{8}) /m;
    my $stop = sprintf('*** STOP: 0x000000BE (0x%s,0x%s,0x%s,0x%08X)', uc($va // ''), uc($pte // ''),
        uc($frame // ''), $code);
    like($output, qr/^\Q$stop\E\nATTEMPTED_WRITE_TO_READONLY_MEMORY$/m, "$kind: $stop");
}

# ... while the debugger's ed still patches code and read-only data, which stay read-only.
($status, $output) = boot(input => join('', map { "$_\n" } '!pte 80100000', '!pte KiBugCheckNames',
    'ed KdCrashManual+1 90909090', 'dd KdCrashManual+1 L1', 'ed KiBugCheckNames 12345678',
    'dd KiBugCheckNames L1', '!pte KdCrashManual', 'poweroff'), timeout => 30);
my @ptes = $output =~ /^pfn \w+\s+\S+\s+pfn \w+\s+(\S+)$/mg;
is_deeply(\@ptes, ['----A--KREV', '----A--KREV', '----A--KREV'],
    '!pte: the image\'s code and read-only data are not writable (before and after ed)');
like($output, qr/^\w{8}  90909090\nkd> ed KiBugCheckNames/m, 'ed patched code, unaligned');
like($output, qr/^\w{8}  12345678\nkd> !pte KdCrashManual/m, 'ed patched read-only data');
is($status, 0, 'poweroff exits 0');

# Too little RAM: INSTALL_MORE_MEMORY (pages, lowest page, highest page, 0) at once, at every
# size below the 7 MB minimum; 8 MiB starts.
for my $mib (2 .. 7) {
    ($status, $output) = boot(mem => $mib, cmdline => 'test=rtl.glob', timeout => 30);
    is($status, 1, "$mib MiB exits 1");
    my ($kib) = $output =~ /^  (\d+) KiB available$/m;
    my ($pages, $lowest, $highest, $zero) =
        $output =~ /^\*\*\* STOP: 0x0000007D \(0x(\w{8}),0x(\w{8}),0x(\w{8}),0x(\w{8})\)$/m;
    ok(defined $pages, "$mib MiB: STOP 0x7D INSTALL_MORE_MEMORY");
    is(hex($pages // 0), int(($kib // 0) / 4) - 1, "$mib MiB: the pages of RAM (page 0 aside)");
    ok(hex($pages // 0) < 7 * 256, "$mib MiB: fewer than 7 MB of pages");
    is(hex($lowest // 1) . '/' . hex($zero // 1), '1/0', "$mib MiB: lowest page 1, and 0");
    ok(hex($highest // 0) < $mib * 256 && hex($highest // 0) >= hex($pages // 0),
        "$mib MiB: the highest page");
}
($status, $output) = boot(mem => 8, cmdline => 'test=rtl.glob', timeout => 30);
is($status, 0, '8 MiB starts and runs a test');
done_testing();
