#!/usr/bin/perl
# gdb through QEMU's stub: a breakpoint on MmAccessFault is hit from KiTrap0E, and the
# project's helpers decode PTEs and report the bugcheck.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use IO::Socket::INET;
use Mm386;

# A free TCP port for the stub.
my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
    or die "no free port: $!";
my $port = $probe->sockport;
close($probe);

my $pid = fork() // die;
if ($pid == 0) {
    open(STDOUT, '>', "$TOP/build/gdb-scenario-console.log") or die;
    open(STDERR, '>&', STDOUT) or die;
    open(STDIN, '<', '/dev/null') or die;
    exec("$TOP/tools/boot", '--gdb', $port, '--timeout', 120, '--', 'crash=nonpaged');
}

my @commands = (
    "target remote 127.0.0.1:$port",
    'break MmAccessFault',
    'continue',
    'bt',
    'pte 0xffbff000',
    'pte KiImageBase',
    'bugcheck',
    'break HalExitToHost',
    'continue',
    'bugcheck',
    'kill',
);
my $gdb = join(' ', 'gdb -batch -nx', "-x $TOP/tools/gdb/mm386.gdb",
    map({ "-ex '$_'" } @commands), "$TOP/build/mm386.elf 2>&1");
my $output = `cd $TOP && timeout 120 $gdb`;
waitpid($pid, 0);

like($output, qr/Breakpoint 1, .*MmAccessFault/, 'the breakpoint on MmAccessFault is hit');
like($output, qr/^#0\s+.*MmAccessFault .*\n#1\s+.*KiTrap0E /m,
    'the backtrace shows KiTrap0E below MmAccessFault');
like($output, qr/^#\d+\s+.*KdCrashNonPaged .*\n(#.*\n)*#\d+\s+.*KiSystemStartup /m,
    '... and unwinds through the trap into the code that faulted, down to KiSystemStartup');
like($output, qr/PDE at C0300FF8\s+PTE at C03FEFFC\ncontains [0-9A-F]{8}\s+contains 00000000\npfn [0-9a-f]+\s+[-A-Z]{11}\s+not valid/,
    'pte decodes an unmapped address under a valid PDE');
like($output, qr/PDE at C0300800\s+PTE at C0200400\ncontains [0-9A-F]{8}\s+contains 00100[0-9A-F]{3}\npfn [0-9a-f]+\s+[-A-Z]{11}\s+pfn 100\s+[-GDA]{5}--KWEV/,
    'pte decodes the first page of the image: pfn 100, kernel, writable, valid');
like($output, qr/No bugcheck has been raised\./, 'bugcheck before the STOP');
like($output, qr/\*\*\* STOP: 0x00000050 \(0xFFBFF000,0x00000000,0x[0-9A-F]{8},0x00000000\)\nPAGE_FAULT_IN_NONPAGED_AREA\nThe dump header at FFBE0000 records the same STOP\./,
    'bugcheck after the STOP, with the crash-dump header');
done_testing();
