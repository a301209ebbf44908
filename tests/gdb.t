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

# Boot with the stub and crash=nonpaged (and Extra), run gdb with the helpers and Commands,
# return what gdb printed. Symbols come from the image, at Offset when it runs relocated.
sub run_gdb {
    my ($extra, $offset, @commands) = @_;
    my $pid = fork() // die;
    if ($pid == 0) {
        open(STDOUT, '>', "$TOP/build/gdb-scenario-console.log") or die;
        open(STDERR, '>&', STDOUT) or die;
        open(STDIN, '<', '/dev/null') or die;
        exec("$TOP/tools/boot", '--gdb', $port, '--timeout', 120, '--', "$extra crash=nonpaged");
    }
    my @symbols = $offset ? ("symbol-file -o $offset build/mm386.elf") : ('file build/mm386.elf');
    my $gdb = join(' ', 'gdb -batch -nx', "-x $TOP/tools/gdb/mm386.gdb",
        map({ "-ex '$_'" } @symbols, "target remote 127.0.0.1:$port", @commands), '2>&1');
    my $output = `cd $TOP && timeout 120 $gdb`;
    waitpid($pid, 0);
    return $output;
}

my $output = run_gdb('', 0, 'break MmAccessFault', 'continue', 'bt', 'pte 0xffbff000',
    'pte KiImageBase', 'bugcheck', 'break HalExitToHost', 'continue', 'bugcheck', 'kill');

like($output, qr/Breakpoint 1, .*MmAccessFault/, 'the breakpoint on MmAccessFault is hit');
like($output, qr/^#0\s+.*MmAccessFault .*\n#1\s+.*KiTrap0E /m,
    'the backtrace shows KiTrap0E below MmAccessFault');
like($output, qr/^#\d+\s+.*KdCrashNonPaged .*\n(#.*\n)*#\d+\s+.*KiSystemStartup /m,
    '... and unwinds through the trap into the code that faulted, down to KiSystemStartup');
like($output, qr/PDE at C0300FF8\s+PTE at C03FEFFC\ncontains [0-9A-F]{8}\s+contains 00000000\npfn [0-9a-f]+\s+[-A-Z]{11}\s+not valid/,
    'pte decodes an unmapped address under a valid PDE');
like($output, qr/PDE at C0300800\s+PTE at C0200400\ncontains [0-9A-F]{8}\s+contains 00100[0-9A-F]{3}\npfn [0-9a-f]+\s+[-A-Z]{11}\s+pfn 100\s+[-GDA]{5}--KREV/,
    'pte decodes the first page of the image: pfn 100, kernel, read-only, valid');
like($output, qr/No bugcheck has been raised\./, 'bugcheck before the STOP');
like($output, qr/\*\*\* STOP: 0x00000050 \(0xFFBFF000,0x00000000,0x[0-9A-F]{8},0x00000000\)\nPAGE_FAULT_IN_NONPAGED_AREA\nThe dump header at FFBE0000 records the same STOP\./,
    'bugcheck after the STOP, with the crash-dump header');


# Under /3GB the image runs relocated by 0x60000000 (kernel/relocate.c): gdb takes the symbols
# at that offset (as `make debug CMDLINE=3gb` does), and a hardware breakpoint, which needs no
# mapping when it is set, is hit at the relocated MmAccessFault.
$output = run_gdb('3gb', '0x60000000', 'hbreak MmAccessFault', 'continue', 'bt', 'p/x MmSystemRangeStart',
    'pte KiImageBase', 'kill');
like($output, qr/Breakpoint 1, .*MmAccessFault/, '3gb: the breakpoint on the relocated MmAccessFault is hit');
like($output, qr/^#0\s+MmAccessFault .*\n#1\s+0xe01[0-9a-f]{5} in KiTrap0E /m,
    '3gb: the backtrace shows the relocated addresses, KiTrap0E below MmAccessFault');
like($output, qr/^\$1 = 0xc0000000$/m, '3gb: MmSystemRangeStart reads 0xc0000000');
like($output, qr/PDE at C0300E00\s+PTE at C0380400/, '3gb: pte finds the image at 0xe0100000');
done_testing();
