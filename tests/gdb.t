#!/usr/bin/perl
# gdb through QEMU's stub: a breakpoint on MmAccessFault is hit from KiTrap0E, and the
# project's helpers decode PTEs (a large PDE of the PFN database too), name NTSTATUS values and report the bugcheck; with a program
# running, they list the processes, walk its VAD tree and decode its pages' PFN entries, and
# show a section's control area, segment and prototype PTEs; then tools/debug (make debug) as a
# user drives it: Ctrl-C to the terminal's process group interrupts the guest and QEMU
# survives, the kd> prompt answers on its socket while gdb is attached, and a STOP stops in gdb.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use IO::Socket::INET;
use IO::Socket::UNIX;
use IO::Select;
use POSIX qw(setpgid);
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
    my ($kernel) = map { /^file (\S+)$/ ? $1 : () } @commands;
    my @symbols = $offset ? ('exec-file build/mm386.elf', "symbol-file -o $offset build/mm386.elf")
        : $kernel ? () : ('file build/mm386.elf');
    return gdb_session(['--kernel', "$TOP/" . ($kernel // 'build/mm386.elf'), '--',
                        "$extra crash=nonpaged"], \@symbols, \@commands);
}

# tools/boot with the stub and Boot (its arguments); gdb loads Symbols, attaches and runs
# Commands. Returns what gdb printed; the console goes to build/gdb-scenario-console.log.
sub gdb_session {
    my ($boot, $symbols, $commands) = @_;
    my $pid = fork() // die;
    if ($pid == 0) {
        open(STDOUT, '>', "$TOP/build/gdb-scenario-console.log") or die;
        open(STDERR, '>&', STDOUT) or die;
        open(STDIN, '<', '/dev/null') or die;
        exec("$TOP/tools/boot", '--gdb', $port, '--timeout', 120, @$boot);
    }
    my $gdb = join(' ', 'gdb -batch -nx', "-x $TOP/tools/gdb/mm386.gdb",
        map({ "-ex '$_'" } @$symbols, "target remote 127.0.0.1:$port", @$commands), '2>&1');
    my $output = `cd $TOP && timeout 120 $gdb`;
    waitpid($pid, 0);
    return $output;
}

# The breakpoint on MmAccessFault waits for crash=nonpaged's address: paged pool faults first
# (the object namespace is made in it).
my $output = run_gdb('', 0, 'break PsCreateSystemThread', 'continue', 'finish', 'ntstatus 0xc0000005',
    'delete 2', 'break MmAccessFault if VirtualAddress == (void *)0xffbff000', 'continue', 'bt',
    'pte 0xffbff000', 'pte KiImageBase', 'bugcheck', 'continue', 'bugcheck', 'bt 3', 'kill');

like($output, qr/^mm386: a STOP stops at breakpoint 1 \(HalExitToHost/m,
    'loading the symbols sets the breakpoint on the bugcheck path');
like($output, qr/^Value returned is \$1 = 0\nNTSTATUS returned: STATUS_SUCCESS \(0x00000000\)$/m,
    'finish out of PsCreateSystemThread names the NTSTATUS it returned');
like($output, qr/^STATUS_ACCESS_VIOLATION \(0xC0000005\)$/m, 'ntstatus names a value');
like($output, qr/Breakpoint 3, .*MmAccessFault/, 'the breakpoint on MmAccessFault is hit');
like($output, qr/^#0\s+.*MmAccessFault .*\n#1\s+.*KiTrap0E /m,
    'the backtrace shows KiTrap0E below MmAccessFault');
like($output, qr/^#\d+\s+.*KdCrashNonPaged .*\n(#.*\n)*#\d+\s+.*KiSystemStartup /m,
    '... and unwinds through the trap into the code that faulted, down to KiSystemStartup');
like($output, qr/PDE at C0300FF8\s+PTE at C03FEFFC\ncontains [0-9A-F]{8}\s+contains 00000000\npfn [0-9a-f]+\s+[-A-Z]{11}\s+not valid/,
    'pte decodes an unmapped address under a valid PDE');
like($output, qr/PDE at C0300800\s+PTE at C0200400\ncontains [0-9A-F]{8}\s+contains 00100[0-9A-F]{3}\npfn [0-9a-f]+\s+[-A-Z]{11}\s+pfn 100\s+[-GDA]{5}--KREV/,
    'pte decodes the first page of the image: pfn 100, kernel, read-only, valid');
like($output, qr/No bugcheck has been raised\./, 'bugcheck before the STOP');
like($output, qr/Breakpoint 1, HalExitToHost .*\n.*\n\*\*\* STOP: 0x00000050 \(0xFFBFF000,0x00000000,0x[0-9A-F]{8},0x00000000\)\nPAGE_FAULT_IN_NONPAGED_AREA\nThe dump header at FFBE0000 records the same STOP\./,
    'the STOP stops in gdb, and bugcheck reads it, with the crash-dump header');
like($output, qr/^#1\s+.*KeBugCheckEx .*\n(.*\n)*#2\s+.*MiBadSystemAddress/m,
    'bt on the STOP: KeBugCheckEx called from MmAccessFault\'s path');

# The PFN database and the initial nonpaged pool on a 4 MB page (largepageminimum=0, mm/mminit.c):
# pte shows the large PDE and no PTE; the image stays on a page table.
$output = run_gdb('largepageminimum=0', 0,
    'break MmAccessFault if VirtualAddress == (void *)0xffbff000', 'continue', 'pte 0x80400000',
    'pte MmNonPagedPoolEnd0 - 1', 'pte KiImageBase', 'kill');
like($output, qr/PDE at C0300804\s+\(a large page: no PTE\)\ncontains [0-9A-F]{5}1E3\s*\npfn [0-9a-f]+\s+-GLDA--KWEV\n(.*\n)*?\s+VA 807fffff\nPDE at C0300804\s+\(a large page: no PTE\)/,
    'largepageminimum=0: pte of the PFN database and of the pool\'s last byte, one large PDE, no PTE');
like($output, qr/PDE at C0300800\s+PTE at C0200400\n/, 'largepageminimum=0: the image keeps its page table');

# Under /3GB the image runs relocated by 0x60000000 (kernel/relocate.c): gdb takes the symbols
# at that offset (as `make debug CMDLINE=3gb` does), and a hardware breakpoint, which needs no
# mapping when it is set, is hit at the relocated MmAccessFault.
# Software breakpoints need no hbreak there: QEMU's TCG keeps them by virtual address and writes
# nothing into memory, so one set before the move is hit; code that runs before the move does
# so at the link address, where a breakpoint by address catches it.
$output = run_gdb('3gb', '0x60000000', 'break *((char *)KiSystemStartup - 0x60000000)', 'continue',
    'p/x $pc', 'break MmAccessFault', 'continue', 'bt', 'p/x MmSystemRangeStart',
    'pte KiImageBase', 'kill');
like($output, qr/^\$1 = 0x801[0-9a-f]{5}$/m,
    '3gb: a breakpoint at the link address catches KiSystemStartup before the move');
like($output, qr/Breakpoint 3, .*MmAccessFault/,
    '3gb: a software breakpoint on the relocated MmAccessFault, set before the move, is hit');
like($output, qr/^#0\s+MmAccessFault .*\n#1\s+0xe01[0-9a-f]{5} in KiTrap0E /m,
    '3gb: the backtrace shows the relocated addresses, KiTrap0E below MmAccessFault');
like($output, qr/^\$2 = 0xc0000000$/m, '3gb: MmSystemRangeStart reads 0xc0000000');
like($output, qr/PDE at C0300E00\s+PTE at C0380400/, '3gb: pte finds the image at 0xe0100000');
unlike($output, qr/warning/i, '3gb: no warnings');

# A process: run= the waiter program (tests/programs/waiter.c), stopped in its first Sleep
# (NtDelayExecution, in its own address space). process lists it as the prompt's !process 0 0
# does, vad walks its tree, pfn decodes its directory's entry and its image page's (a page of
# the image section, whose PTE is a prototype PTE); each
# checked against what gdb reads of the structures and registers directly.
{
    my $program = "$TOP/build/programs/waiter.exe";
    system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program "
           . "$TOP/tests/programs/waiter.c >/dev/null") == 0 or die "tools/mkexe waiter.exe failed\n";
    $output = gdb_session(['--mem', 32, '--exe', $program, '--', 'run=waiter.exe'],
        ['file build/mm386.elf'],
        ['break NtDelayExecution', 'continue', 'process', 'vad', 'p/x $cr3',
         'p/x (unsigned int)KiCurrentThread->ApcState.Process',
         'p ((EPROCESS *)KiCurrentThread->ApcState.Process)->UniqueProcessId',
         'p ((EPROCESS *)KiCurrentThread->ApcState.Process)->Mm.AddressSpace.VadRoot.NumberGenericTableElements',
         'pfn $cr3 >> 12', 'pfn *(unsigned int *)0xC0001000 >> 12', 'vad &KeInitialSystemProcess',
         'vad 0x1234', 'pfn 0xfffff', 'kill']);
    my ($cr3, $eprocess, $cid, $count) = $output =~
        /^\$1 = (0x[0-9a-f]+)\n\$2 = 0x([0-9a-f]+)\n\$3 = (\d+)\n\$4 = (\d+)$/m;
    ok(defined $count, "process: stopped in the program's NtDelayExecution (EPROCESS "
        . ($eprocess // '?') . ", Cid " . ($cid // '?') . ")") or diag($output);
    $cr3 = hex($cr3 // 0);
    like($output, qr/^\*\*\*\* NT ACTIVE PROCESS DUMP \*\*\*\*\nPROCESS [0-9a-f]{8}  SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000\n    DirBase: [0-9a-f]{8}  ObjectTable: [0-9a-f]{8}  HandleCount: \d+\.\n    Image: System$/m,
        'process: the System process first');
    like($output, qr/^PROCESS \Q${\ ($eprocess \/\/ '?')}\E  SessionId: none  Cid: ${\ sprintf('%04x', $cid \/\/ 0)}    Peb: 7ffdf000  ParentCid: 0000\n    DirBase: ${\ sprintf('%08x', $cr3)}  ObjectTable: [0-9a-f]{8}  HandleCount: [1-9]\d*\.\n    Image: waiter\.exe$/m,
        'process: the program, its Cid, its PEB, and the CR3 it runs with as DirBase');
    my @vads = $output =~ /^([0-9a-f]{8}) \( ?\d+\) +[0-9a-f]+ +[0-9a-f]+ +\d+ (?:Private|Mapped) /mg;
    is(scalar(@vads), $count // -1, 'vad: as many VADs as the tree counts');
    my $last = sprintf('%x', 0x400 + image_pages($program) - 1);
    like($output, qr/^[0-9a-f]{8} \( ?\d+\) +400 +$last +\d+ Mapped +Exe +EXECUTE_WRITECOPY$/m,
        "vad: the image at VPN 400 to $last (its SizeOfImage), a view of its image section");
    like($output, qr/^Total VADs: +${\ ($count \/\/ '?')}  average level: +\d+  maximum depth: \d+$/m,
        'vad: the totals line');
    like($output, qr/^    PFN ${\ sprintf('%08X', $cr3 >> 12)} at address [0-9A-F]{8}\n    flink +[0-9A-F]{8}  blink \/ share count [0-9A-F]{8}  pteaddress C0300C00\n.*\n    restore pte [0-9A-F]{8}  containing page +${\ sprintf('%06X', $cr3 >> 12)}  Active /m,
        'pfn of the directory: its PTE is its own PDE[0x300], it contains itself, active');
    like($output, qr/^    PFN [0-9A-F]{8} at address [0-9A-F]{8}\n    flink +[0-9A-F]{8}  blink \/ share count [0-9A-F]{8}  pteaddress E[0-9A-F]{7}\n.*\n    restore pte [0-9A-F]{8}  containing page +[0-9A-F]{6}  Active /m,
        'pfn of the image\'s first page: its PTE a prototype PTE in paged pool, active');
    like($output, qr/^vad: the System process has no VADs$/m, 'vad of the System process');
    like($output, qr/^vad: 00001234 is not a process/m, 'vad of something that is no process');
    like($output, qr/^pfn: page fffff is past the PFN database/m, 'pfn past the database');
}

# A system thread on a process's directory: with the waiter asleep, the balance set manager's
# MmWorkingSetManager runs on the directory the waiter left loaded (system threads borrow it:
# kernel/ke/procobj.c). vad without an argument says so and walks that process's tree, and pte
# of a user address names the directory it read, so the two agree on whose space they show.
{
    my $program = "$TOP/build/programs/waiter.exe";
    $output = gdb_session(['--mem', 32, '--exe', $program, '--', 'run=waiter.exe'],
        ['file build/mm386.elf'],
        ['break NtDelayExecution', 'continue', 'delete',
         'break MmWorkingSetManager if $cr3 != KeInitialSystemProcess.DirectoryTableBase[0]',
         'continue', 'process', 'p/x (unsigned int)KiCurrentThread->ApcState.Process',
         'p/x (unsigned int)&KeInitialSystemProcess', 'vad', 'pte 0x400000', 'pte KiImageBase',
         'kill']);
    my ($current, $system) = $output =~ /^\$1 = (0x[0-9a-f]+)\n\$2 = (0x[0-9a-f]+)$/m;
    ok(defined $system && $current eq $system,
        'borrowed: stopped in a System thread (MmWorkingSetManager) on another directory')
        or diag($output);
    my ($owner) = $output =~ /^vad: a system thread, on waiter\.exe's directory \(EPROCESS ([0-9a-f]{8})\), which it borrows: waiter\.exe's VADs$/m;
    ok(defined $owner, 'borrowed: vad names the process whose directory is loaded') or diag($output);
    my ($listed) = $output =~ /^PROCESS ([0-9a-f]{8})  SessionId: none  Cid: [0-9a-f]{4}    Peb: 7ffdf000  ParentCid: 0000\n    DirBase: [0-9a-f]{8}  ObjectTable: [0-9a-f]{8}  HandleCount: [1-9]\d*\.\n    Image: waiter\.exe$/m;
    is($owner // '?', $listed // '-', 'borrowed: ... the waiter\'s EPROCESS, as process lists it');
    like($output, qr/^[0-9a-f]{8} \( ?\d+\) +400 +[0-9a-f]+ +\d+ Mapped +Exe +EXECUTE_WRITECOPY$/m,
        'borrowed: ... and walks its tree (the image at VPN 400)');
    like($output, qr/^user address, in the directory loaded \(CR3\): waiter\.exe's, EPROCESS ${\ ($owner \/\/ '?')}$/m,
        'borrowed: pte of a user address names the same process');
    my @owners = $output =~ /^user address, in the directory loaded/mg;
    is(scalar(@owners), 1, 'borrowed: pte of a system address names no process');
}

# A section: run= the sharer program (tests/programs/sharer.c), stopped in its Sleep with its
# 16-page page-file section mapped three times and pages 0-3 written. section lists the
# control areas as the prompt's !ca does, and decodes one, from its control area and from its
# segment, with its prototype PTEs; pfn of prototype PTE 0's page agrees (two mappers, its
# PTE address the prototype PTE).
{
    my $program = "$TOP/build/programs/sharer.exe";
    system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program "
           . "$TOP/tests/programs/sharer.c >/dev/null") == 0 or die "tools/mkexe sharer.exe failed\n";
    # The page-file section's control area: the last made (the known DLLs' and sharer.exe's
    # image sections come first).
    my $ca = '((CONTROL_AREA *)((unsigned int)MiControlAreaList.Blink - '
           . '(unsigned int)&((MI_PAGEFILE_CONTROL_AREA *)0)->Links))';
    $output = gdb_session(['--mem', 32, '--exe', $program, '--', 'run=sharer.exe'],
        ['file build/mm386.elf'],
        ['break NtDelayExecution', 'continue', 'section', "p/x (unsigned int)$ca",
         "p/x (unsigned int)$ca->Segment", "section (unsigned int)$ca",
         "section (unsigned int)$ca->Segment", "pfn $ca->Segment->ThePtes[0].u.Long >> 12",
         'section 0x1234', 'kill']);
    my ($area, $segment) = $output =~ /^\$1 = 0x([0-9a-f]+)\n\$2 = 0x([0-9a-f]+)$/m;
    ok(defined $segment, "section: stopped in sharer's Sleep (control area "
        . ($area // '?') . ", segment " . ($segment // '?') . ")") or diag($output);
    ($area, $segment) = map { sprintf('%08x', hex($_ // 0)) } $area, $segment;
    like($output, qr/^ControlArea  Segment   Sections  Views  Users      Ptes  Flags\n(?:[0-9a-f]{8} .*\n)*$area     $segment         1      3      4        16 Commit\n\d+ control areas$/m,
        'section: the list has the page-file section: 1 section, 3 views, 4 users, 16 PTEs');
    my $protos = sprintf('%08x', hex($segment) + 0x38);
    my $dump = qr/  Segment      $segment  Section Ref        1  Mapped Views        3  User Ref        4\n  Flags \(00082000\) Commit FilePointerNull\nSegment \@ $segment\n  ControlArea  $area  Total Ptes       16  Segment Size 00010000  Committed       16  Template 00000080\n  Prototype PTEs at $protos:\n((?:    +[0-9a-f]+  [0-9a-f]{8}  [0-9a-f]{8}  .*\n){16})  4 valid, 0 transition, 0 paging file, 12 demand zero, 0 not committed$/m;
    my ($ptes) = $output =~ /^ControlArea  \@ $area  \(from the control area\)\n$dump/m;
    ok(defined $ptes, 'section <control area>: its counts, flags, segment, and 16 prototype PTEs '
        . 'by state: the 4 written valid, the rest demand zero') or diag($output);
    my @valid = ($ptes // '') =~ /^ +([0-3])  [0-9a-f]{8}  [0-9a-f]{8}  pfn ([0-9a-f]+) +---DA--KWEV$/mg;
    is(scalar(@valid), 8, 'section: prototype PTEs 0-3 valid, each with its frame');
    like($ptes // '', qr/^ +f  ${\ sprintf('%08x', hex($protos) + 60)}  00000080  not valid DemandZero Protect: 4 - ReadWrite$/m,
        'section: the last prototype PTE, at its address, demand zero read/write');
    like($output, qr/^ControlArea  \@ $area  \(from the segment\)\n$dump/m,
        'section <segment>: the same control area');
    my $frame0 = sprintf('%08X', hex($valid[1] // 0));
    like($output, qr/^    PFN $frame0 at address [0-9A-F]{8}\n    flink +[0-9A-F]{8}  blink \/ share count 00000002  pteaddress \U$protos\E$/m,
        'pfn of prototype PTE 0\'s page: two mappers, its PTE the prototype PTE');
    like($output, qr/^section: 00001234 is no page-file section's control area, segment or section object/m,
        'section of something that is no section');
}

# make O=0: the same image unoptimised (build/O0), for gdb: a bugcheck's arguments are all there.
{
    system("cd $TOP && make -s --no-print-directory O=0 all >/dev/null 2>&1") == 0
        or die "make O=0 all failed\n";
    $output = run_gdb('', 0, "file build/O0/mm386.elf", 'break KeBugCheckEx', 'continue', 'bt 1',
        'kill');
    like($output, qr/^#0\s+KeBugCheckEx \(BugCheckCode=80, P1=4290768896, P2=0, P3=\d+, P4=0\)/m,
        'O=0: KeBugCheckEx shows every argument, none <optimized out>');
    unlike($output, qr/optimized out/, 'O=0: nothing <optimized out> in the frame');
}

# tools/debug, as `make debug` runs it, in a process group of its own as a terminal's foreground
# job would be, gdb's input and output on pipes, the kd> prompt on the COM1 socket.
{
    my $session = DebugSession->start($port, "$TOP/build/debug-com1.sock");
    ok($session->gdb_waits_for(qr/^Remote debugging using/m), 'tools/debug: gdb attached');
    $session->connect_console();
    $session->gdb("continue");
    ok($session->console_waits_for(qr/kd> $/), 'tools/debug: the kd> prompt on the COM1 socket');
    $session->interrupt();
    ok($session->gdb_waits_for(qr/Program received signal SIGINT/),
        'Ctrl-C (SIGINT to the process group) interrupts the guest');
    $session->gdb("p/x KiBugCheckData[0]", "continue");
    ok($session->gdb_waits_for(qr/\$1 = 0x0\n.*Continuing\./s),
        '... gdb reads it (no STOP yet) and continues it');
    $session->console("? 0n40+2\r");
    ok($session->console_waits_for(qr/Evaluate expression: 42 = 0000002a/),
        'QEMU survived the Ctrl-C: the prompt answers while gdb is attached');
    $session->console("crash manual\r");
    ok($session->gdb_waits_for(qr/Breakpoint 1, HalExitToHost/), 'a STOP stops in gdb');
    $session->gdb("bugcheck", "bt", "kill", "quit");
    my $rest = $session->finish();
    like($rest, qr/\*\*\* STOP: 0x000000E2 \(0x00000000,0x00000000,0x00000000,0x00000000\)\nMANUALLY_INITIATED_CRASH\nThe dump header at FFBE0000 records the same STOP\./,
        'bugcheck reads the STOP');
    like($rest, qr/^#1\s+.*KeBugCheckEx .*\n(.*\n)*#\d+\s+.*KdCrashManual /m, 'bt shows the crash');
    ok(!-e "$TOP/build/debug-com1.sock", 'quitting gdb ended QEMU (the socket is gone)');
}

# The pages of a PE32 image's SizeOfImage (optional header offset 56).
sub image_pages {
    my ($path) = @_;
    open(my $in, '<:raw', $path) or die "$path: $!";
    my $image = do { local $/; <$in> };
    my $pe = unpack('V', substr($image, 0x3C, 4));
    return int((unpack('V', substr($image, $pe + 24 + 56, 4)) + 4095) / 4096);
}

done_testing();

# A tools/debug session: gdb's input and output on pipes, the console on its socket, every wait
# bounded.
package DebugSession;

use constant WAIT_SECONDS => 90;

sub start {
    my ($class, $port, $socket) = @_;
    my $self = bless { gdb_output => '', console_output => '', socket_path => $socket }, $class;
    pipe(my $to_gdb_read, $self->{to_gdb}) or die;
    pipe($self->{from_gdb}, my $from_gdb_write) or die;
    $self->{pid} = fork() // die;
    if ($self->{pid} == 0) {
        POSIX::setpgid(0, 0);
        open(STDIN, '<&', $to_gdb_read) or die;
        open(STDOUT, '>&', $from_gdb_write) or die;
        open(STDERR, '>&', STDOUT) or die;
        close($self->{to_gdb});
        close($self->{from_gdb});
        exec("$Mm386::TOP/tools/debug", '--port', $port, '--gdb-arg', '-nx') or die;
    }
    close($to_gdb_read);
    close($from_gdb_write);
    $self->{to_gdb}->autoflush(1);
    return $self;
}

sub gdb {
    my ($self, @commands) = @_;
    print { $self->{to_gdb} } map { "$_\n" } @commands;
}

# Ctrl-C at a terminal: SIGINT to the foreground process group (tools/debug and gdb).
sub interrupt {
    my ($self) = @_;
    kill('INT', -$self->{pid});
}

sub console {
    my ($self, $text) = @_;
    $self->connect_console();
    syswrite($self->{console}, $text);
}

sub connect_console {
    my ($self) = @_;
    for (my $i = 0; !$self->{console} && $i < 100; $i++) {
        $self->{console} = IO::Socket::UNIX->new(Peer => $self->{socket_path});
        select(undef, undef, undef, 0.1) unless $self->{console};
    }
    die "no console socket\n" unless $self->{console};
}

# Read what arrives from gdb and from the console until Pattern matches what arrived in Key
# since its last match; true if it did within WAIT_SECONDS. The console is read all along:
# QEMU writes COM1 a byte at a time, so a socket nobody reads fills after a few hundred bytes
# and the guest waits for its UART.
sub wait_for {
    my ($self, $key, $pattern) = @_;
    my %buffer = ($self->{from_gdb} => 'gdb_output');
    $buffer{$self->{console}} = 'console_output' if $self->{console};
    my $select = IO::Select->new(grep { defined } $self->{from_gdb}, $self->{console});
    my $deadline = time + WAIT_SECONDS;
    while (time < $deadline) {
        if ($self->{$key} =~ $pattern) {
            $self->{$key} = substr($self->{$key}, $+[0]);
            return 1;
        }
        for my $handle ($select->can_read(1)) {
            my $n = sysread($handle, my $chunk, 65536);
            if (!$n) {
                $select->remove($handle);
                next;
            }
            $self->{"all_$buffer{$handle}"} .= $chunk;
            $self->{$buffer{$handle}} .= $chunk;
        }
    }
    Test::More::diag("waited for $pattern in:\n" . ($self->{"all_$key"} // ''));
    return 0;
}

sub gdb_waits_for {
    my ($self, $pattern) = @_;
    return $self->wait_for('gdb_output', $pattern);
}

sub console_waits_for {
    my ($self, $pattern) = @_;
    $self->connect_console();
    return $self->wait_for('console_output', $pattern);
}

# Close gdb's input, read the rest of its output, wait for tools/debug.
sub finish {
    my ($self) = @_;
    close($self->{to_gdb});
    my $select = IO::Select->new($self->{from_gdb});
    my ($rest, $deadline) = ($self->{gdb_output}, time + WAIT_SECONDS);
    while (time < $deadline) {
        next unless $select->can_read(1);
        my $n = sysread($self->{from_gdb}, my $chunk, 65536);
        last unless $n;
        $rest .= $chunk;
    }
    for (my $i = 0; waitpid($self->{pid}, POSIX::WNOHANG()) == 0; $i++) {
        if ($i == WAIT_SECONDS) {
            Test::More::diag("tools/debug did not end: stopping it");
            kill('KILL', -$self->{pid});
        }
        sleep(1);
    }
    return $rest;
}
