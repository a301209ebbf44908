#!/usr/bin/perl
# User mode: PE32 test programs built by `make user` run as the first process (run=), print
# their own KTAP, and end with their status, at 32, 16 and 8 MiB (8 MiB without a paging file):
#   vmbasic    the virtual memory services through kernel32, exceptions, guard pages, stack growth
#   vmalloc    the VM services' statuses, rounding and state transitions, as Windows returns them
#   except     faults, vectored and SEH handlers, unwinding, guard pages
#   vmmodel    10^5 random VM calls checked against a model of the VAD and PTE state
#   vmwatch    write watch: exact page lists after writes, resets, trims and replacement; statuses
#              (its paged-out case is skipped here, without a paging file: tests/vmwatch.t runs it)
#   syscall    sysenter and int 0x2E give the same statuses; the shared page's trampolines; EFLAGS
#              on the way back; FS on each thread's own TEB across switches
#   waits      Sleep(INFINITE), timed waits, GetTickCount against the processor's clock
#   vmmisc     write watch, lock, placement, system information, commit charge, process memory,
#              GlobalMemoryStatusEx, kernel32's Heap* calls (forwarded to ntdll)
#   vmlock     locking pages (statuses, the working-set minimum, surviving memory pressure),
#              tokens and SeLockMemoryPrivilege, reading and writing a child process's memory;
#              the soft working-set maximum and Server 2003's hard one
#   isolation  the same address in three processes, system space and other processes closed
#   robust     faulting children end with NT's codes while a bystander lives on; bad system-call
#              pointers and numbers return their statuses; races between threads and processes
#   teardown   1000 processes created and ended give back every page, commitment and pool byte
#   section    sections of the paging file: statuses, query fields, views shared in one process
#              and with a child, copy-on-write, SEC_RESERVE, protection, names, SEC_BASED,
#              SEC_LARGE_PAGES (SKIP where memory cannot hold two 4 MB runs)
#   vmawe      AWE: MEM_PHYSICAL regions and the map/free statuses, 64 pages through a 16-page
#              window and scatter maps, the privilege; large pages (SKIP where memory cannot
#              hold a 4 MB page); a child's pages, windows and large page given back at its exit
#   npx        IsProcessorFeaturePresent against CPUID; x87, MXCSR and XMM registers per thread
#              across switches, long kernel copies and demand-zero faults; SSE exceptions (SKIP:
#              TCG raises no #XM); CONTEXT_EXTENDED_REGISTERS to a filter and back, and into
#              a thread NtCreateThread makes
# and then syscall and vmbasic once more on a processor without sysenter (CPUID SEP clear):
# the stubs go through int 0x2E; and npx on a Pentium II (no FXSR or SSE: the x87 alone,
# saved with fnsave, and pages zeroed with integer stores) and on a processor that claims SSE
# without FXSR (SSE stays off: nothing could save its registers).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;

my %cases = (vmbasic => 7, vmalloc => 9, except => 11, vmmodel => 1, vmwatch => 16,
             syscall => 6, vmlock => 7, vmmisc => 9, waits => 4, isolation => 4, robust => 4,
             teardown => 3, section => 14, vmawe => 5, npx => 5);
# The other programs a program starts; they go in stripped (no debug information), so that two
# modules still leave an 8 MiB machine the 7 MB it needs.
my %modules = (teardown => ['nop.exe']);
my $stripped = tempdir(CLEANUP => 1);

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $program (sort keys %cases) {
    my @extra = map {
        system('i686-w64-mingw32-strip', '-o', "$stripped/$_", "build/user/$_") == 0
            or BAIL_OUT("strip $_ failed");
        "$stripped/$_"
    } @{ $modules{$program} // [] };
    my $exes = join(' ', map { "--exe $_" } "build/user/$program.exe", @extra);
    for my $mb (32, 16, 8) {
        my $out = `tools/boot --mem $mb --timeout 300 $exes -- run=$program.exe 2>&1`;
        my $rc = $? >> 8;
        my @cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
        is(scalar(@cases), $cases{$program}, "$program, $mb MiB: ran its $cases{$program} cases");
        my @bad = $out =~ /^not ok \d+ (\S+)/mg;
        is_deeply(\@bad, [], "$program, $mb MiB: every case passed") or diag($out);
        like($out, qr/^process \Q$program\E\.exe exited with status 0x00000000$/m,
             "$program, $mb MiB: exit status 0");
        is($rc, 0, "$program, $mb MiB: tools/boot reports success");
    }
}
for my $program ('syscall', 'vmbasic') {
    my $out = `tools/boot --mem 16 --timeout 300 --qemu-arg -cpu --qemu-arg qemu32,-sep --exe build/user/$program.exe -- run=$program.exe 2>&1`;
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is_deeply(\@bad, [], "$program without sysenter: every case passed") or diag($out);
    like($out, qr/^process \Q$program\E\.exe exited with status 0x00000000$/m,
         "$program without sysenter: exit status 0");
}
for my $cpu (['a Pentium II', 'pentium2'], ['SSE without FXSR', 'qemu32,-fxsr']) {
    my $npx = `tools/boot --mem 16 --timeout 300 --qemu-arg -cpu --qemu-arg $cpu->[1] --exe build/user/npx.exe -- run=npx.exe 2>&1`;
    like($npx, qr/^# the x87 only \(no SSE\)\nok 2 user\.npx\.threads_keep_state$/m,
         "npx on $cpu->[0]: the x87 state alone, kept per thread");
    like($npx, qr/^process npx\.exe exited with status 0x00000000$/m, "npx on $cpu->[0]: exit status 0")
        or diag($npx);
}
like(`tools/boot --mem 16 --timeout 300 --qemu-arg -cpu --qemu-arg qemu32,-sep --exe build/user/syscall.exe -- run=syscall.exe 2>&1`,
     qr/^ok 2 user\.syscall\.same_statuses # SKIP the processor has no sysenter/m,
     'without sysenter the sysenter half says SKIP');
done_testing();
