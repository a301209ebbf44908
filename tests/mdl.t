#!/usr/bin/perl
# MDLs (mm/mdlsup.c, mdlmap.c, mdlpages.c; issue 12 item 6):
#   1. the in-kernel tests mm.mdl.* on a 32 MiB machine with a paging file: kernel buffers
#      locked through an emptied working set and taken memory, nonpaged pool, a mapping
#      through system PTEs, MmAllocatePagesForMdl, partial MDLs, a buffer freed while locked,
#      a page mapped into the user space of a process made from nop.exe; and, in the same
#      boot, mm.fault.system_pde: a system PDE that process's directory lacks, copied by the
#      fault on the page table's own address, at DISPATCH_LEVEL too; mm.fault.around: the
#      pages a forward sweep's soft faults make valid around them; and ke.process.*: the
#      directory a system thread borrows from nop.exe's process, left for the System's when
#      the System process is attached and before the process's directory is freed;
#   2. user buffers: user/tests/mdlio.exe reads and writes a FAT file with
#      FILE_FLAG_NO_BUFFERING, which locks its buffers with MDLs (valid, untouched, paged out,
#      guard page, read-only, bad addresses);
#   3. the debugger: mdllock, !mdl, !pfn's reference counts through trimming and the unlock;
#   4. an MDL mapped into a process's user space (mdlmap at the prompt, in tests/programs/waiter.c):
#      the same bytes at a new address, a PhysicalMapping VAD the VM services refuse to change,
#      gone with mdlunmap, and taken by the process's end when left;
#   5. misuse stops the system with NT's codes: a process ending with pages locked
#      (PROCESS_HAS_LOCKED_PAGES, 0x76, with the process and the count), an MDL unlocked twice
#      (PFN_LIST_CORRUPT, 0x4E, 7 with the page and its share count).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;
use KdSession;

$ENV{MTOOLS_SKIP_CHECK} = 1;
$ENV{PATH} .= ':/sbin:/usr/sbin';
system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
my $dir = tempdir(CLEANUP => 1);

# --- 1. in-kernel --------------------------------------------------------------------------
{
    my $disk = mkdisk('mdlpf', 64);
    my ($status, $output) = boot(mem => 32, disks => [$disk], cmdline => 'test=mm.mdl.*,mm.fault.*,ke.process.*',
                                 exes => ['build/user/nop.exe'], timeout => 120);
    is(report_ktap($output, 'mm.mdl'), 14, 'the ten mm.mdl tests, mm.fault.system_pde, '
       . 'mm.fault.read_ahead_freed, mm.fault.around and ke.process.borrowed_directory ran');
    is($status, 0, 'in-kernel MDL tests: exit status 0');
}

# --- 2. user buffers through direct I/O ---------------------------------------------------
SKIP: {
    skip('needs mtools (tools/deps installs it)', 5)
        unless grep({ -x "$_/mcopy" } split(/:/, $ENV{PATH}));
    my $tree = "$dir/tree";
    mkdir($tree) or die;
    open(my $fh, '>:raw', "$tree/direct.bin") or die;
    print $fh join('', map { chr(($_ * 31 + 9 + ($_ >> 8) * 7) & 0xFF) } 0 .. 65535);
    close($fh);
    my $image = "$dir/fat.img";
    system("$TOP/tools/mkdisk", '--table', '82:16,0c:64', '--fat-files', $tree, $image, 80) == 0
        or die 'tools/mkdisk failed';
    my ($status, $output) = boot(mem => 32, disks => [$image], exes => ['build/user/mdlio.exe'],
                                 cmdline => 'run=mdlio.exe', timeout => 200);
    my @cases = $output =~ /^(?:ok|not ok) \d+ \S+/mg;
    is(scalar(@cases), 9, 'mdlio.exe ran its 9 cases');
    my @bad = $output =~ /^not ok \d+ (\S+)/mg;
    is_deeply(\@bad, [], 'every case passed') or diag($output);
    like($output, qr/^# \d+ pages pushed through; ([1-9]\d*) pages read from the paging files by the probe$/m,
         'the paged-out buffer came back from the paging file when it was locked');
    like($output, qr/^process mdlio\.exe exited with status 0x00000000$/m,
         'mdlio.exe ended with status 0, no pages left locked');
    unlike($output, qr/STOP/, 'no STOP');
}

# --- 3. the debugger ------------------------------------------------------------------------
{
    my $input = join("\n", 'poolalloc paged 3000 Tmdl', 'ed poi(KdLastPoolAllocation)+100 12345678',
                     'mdllock poi(KdLastPoolAllocation)+100 2e00 write', '!mdl poi(KdLastMdl)',
                     'dd poi(poi(KdLastMdl)+c) L1', '!vm', '!pfn poi(poi(KdLastMdl)+1c)', '!empty ws',
                     '!pfn poi(poi(KdLastMdl)+1c)', 'mdlunlock poi(KdLastMdl)',
                     'mdlunlock 80000000', 'mdllock 7fff0000 10', 'poweroff', '');
    my ($status, $output) = boot(mem => 32, input => $input, timeout => 60);
    my ($buffer) = $output =~ /= ([0-9a-f]{8})\n/;
    my ($mdl, $mapped) = $output =~
        /^MmProbeAndLockPages\(([0-9a-f]{8}), KernelMode, IoWriteAccess\) = 00000000, mapped at ([0-9a-f]{8})$/m;
    ok(defined $mdl, 'mdllock locks and maps') or diag($output);
    $mdl //= 'none';
    $mapped //= 'none';
    like($output, qr/^MDL $mdl\n  Next 00000000  Size 0028  MdlFlags 0083 \(MAPPED_TO_SYSTEM_VA PAGES_LOCKED WRITE_OPERATION\)\n  Process 00000000  MappedSystemVa $mapped  StartVa $buffer  ByteCount 2e00  ByteOffset 100\n  Pages: [0-9a-f]+ [0-9a-f]+ [0-9a-f]+\n/m,
         '!mdl: the fields, the flags by name, three pages');
    unlike($mapped, qr/^e1/, 'the mapping is not the paged pool address');
    like($output, qr/^\Q$mapped\E  12345678$/m, 'the system mapping reads what was written at the buffer');
    like($output, qr/^Locked for I\/O:    3 pages locked by MDLs, \d+ pages resident available$/m,
         '!vm: the three pages locked');
    like($output, qr/^kd> poweroff\n/m, 'the prompt came back');
    my @pfn = $output =~ /^kd> !pfn .*\n((?:    .*\n)+)/mg;
    is(scalar(@pfn), 2, '!pfn twice');
    like($pfn[0] // '', qr/reference count 0002 .*\n.*Active/, 'locked and valid: reference count 2, active');
    like($pfn[1] // '', qr/reference count 0001 .*\n.*\n.*\n    transition page on no list: held \(reference count 1\)/,
         'trimmed while locked: reference count 1, on no list');
    like($output, qr/^MmUnlockPages\($mdl\); the MDL is freed$/m, 'mdlunlock');
    like($output, qr/^mdlunlock: 80000000 is not the MDL mdllock made last$/m, 'mdlunlock of anything else is refused');
    like($output, qr/^MmProbeAndLockPages\([0-9a-f]{8}, KernelMode, IoReadAccess\) = c0000005$/m,
         'a user address in the System process: STATUS_ACCESS_VIOLATION');
    is($status, 0, 'poweroff');
}

# --- 4. user-space mappings -----------------------------------------------------------------
{
    my $program = "$TOP/build/programs/waiter.exe";
    system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program $TOP/tests/programs/waiter.c "
           . ">/dev/null") == 0 or BAIL_OUT('tools/mkexe waiter.exe failed');
    my $s = KdSession->start('--mem', 32, '--timeout', 120, '--exe', $program);
    ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');
    my $started = $s->command('start waiter.exe 0');
    my $line = $started =~ /^waiter: .*\n/m ? $& : $s->wait_for(qr/^waiter: .*\n/m) // '';
    my ($region) = $line =~ /region ([0-9A-Fa-f]+)/;
    ok(defined $region, 'waiter.exe runs and says where its region is') or diag($line);
    $region = lc($region // '0');
    my ($eprocess) = $s->command('!process 0 0 waiter.exe') =~ /^PROCESS ([0-9a-f]{8})/m;
    $s->command(".process $eprocess");
    my $locked = $s->command("mdllock $region 2000 write");
    my ($mdl) = $locked =~ /^MmProbeAndLockPages\(([0-9a-f]{8}), KernelMode, IoWriteAccess\) = 00000000/m;
    ok(defined $mdl, 'the region of waiter.exe locked') or diag($locked);
    like($s->command("!mdl $mdl"), qr/^  Process $eprocess /m, '!mdl: the MDL names the process');
    my $mapped = $s->command("mdlmap $mdl");
    my ($user) = $mapped =~ /^MmMapLockedPagesSpecifyCache\($mdl, UserMode\) = ([0-9a-f]{8})$/m;
    ok(defined $user, 'mapped into the process\'s user space') or diag($mapped);
    $user //= '00000000';
    like($user, qr/^[0-7][0-9a-f]{3}0000$/, 'at a 64 KB boundary in user space');
    like($s->command("dd $user L1"), qr/^$user  5a17c0de$/m, 'the new address reads the region\'s pattern');
    like($s->command("!vad $user 1"), qr/PhysicalMapping/, '!vad: a PhysicalMapping VAD');
    like($s->command("mdlmap $mdl"), qr/^mdlmap: already mapped at $user$/m, 'one user mapping at a time');
    like($s->command("mdlunmap $mdl"), qr/^MmUnmapLockedPages\($user, $mdl\)$/m, 'mdlunmap');
    like($s->command("dd $user L1"), qr/^$user  \?{8}$/m, 'the address reads nothing any more');
    unlike($s->command('!vad'), qr/PhysicalMapping/, 'and its VAD is gone');
    like($s->command("mdlunlock $mdl"), qr/^MmUnlockPages\($mdl\); the MDL is freed$/m, 'mdlunlock');

    # A process that ends with a user mapping left (its pages unlocked, as a careless driver
    # may leave it): the end takes the VAD and its PTEs.
    my ($pid) = $s->command('start waiter.exe exit 5 4000') =~ /started: pid (\d+)$/m;
    my $cid = sprintf('%04x', $pid // 0);
    my ($second, $peb) = $s->command('!process 0 0 waiter.exe') =~
        /^PROCESS ([0-9a-f]{8})  SessionId: none  Cid: $cid    Peb: ([0-9a-f]{8})/m;
    ok(defined $second, 'a second waiter.exe, which ends after 4 s');
    $s->command(".process $second");
    ($mdl) = $s->command("mdllock $peb 10") =~ /^MmProbeAndLockPages\(([0-9a-f]{8}),/m;
    like($s->command("mdlmap $mdl"), qr/^MmMapLockedPagesSpecifyCache\($mdl, UserMode\) = [0-7][0-9a-f]{3}0000$/m,
         'its PEB page locked and mapped again in its user space');
    $s->command("mdlunlock $mdl");
    $s->command('.process 0');
    ok(defined $s->wait_for(qr/^process waiter\.exe exited with status 0x00000005$/m),
       'the process ends with the mapping in place');
    my ($status, $output) = $s->finish('poweroff');
    is($status, 0, 'the machine powers off') or diag($output);
    unlike($output, qr/STOP/, 'no STOP: the locked pages were unlocked');
}

# --- 5. misuse ------------------------------------------------------------------------------
{
    my ($status, $output) = boot(mem => 32, exes => ['build/user/nop.exe'],
                                 cmdline => 'crash=lockedpages', timeout => 60);
    my ($process) = $output =~ /^crash: process ([0-9a-f]{8}) \(nop\.exe, pid \d+\): its PEB page 7ffdf000 locked/m;
    ok(defined $process, 'a page of the process is locked') or diag($output);
    $process = uc($process // 'none');
    like($output, qr/^\*\*\* STOP: 0x00000076 \(0x00000000,0x$process,0x00000001,0x00000000\)\nPROCESS_HAS_LOCKED_PAGES$/m,
         'the process ends: STOP 0x76 (0, process, 1 page, 0)');
    like($output, qr/MmCleanProcessAddressSpace\+/, 'raised by the address space\'s clean-up');
    is($status, 1, 'crash=lockedpages exits 1');

    ($status, $output) = boot(mem => 32, cmdline => 'crash=lockedpages', input => "poweroff\n",
                              timeout => 60);
    like($output, qr/^crash: 'lockedpages' needs a program \(tools\/boot --exe FILE\.exe\): not stopping$/m,
         'without a program it says what it needs');
    is($status, 0, 'and the system goes on');

    ($status, $output) = boot(mem => 32, cmdline => 'crash=mdlunlock', timeout => 60);
    my ($frame) = $output =~ /^crash: paged pool [0-9a-f]{8} locked with an MDL \(frame ([0-9a-f]+)\)/m;
    ok(defined $frame, 'a page locked and unlocked') or diag($output);
    $frame = sprintf('%08X', hex($frame // 0));
    like($output, qr/^\*\*\* STOP: 0x0000004E \(0x00000007,0x$frame,0x00000001,0x00000000\)\nPFN_LIST_CORRUPT$/m,
         'the second unlock: STOP 0x4E (7, page, share count 1, 0)');
    like($output, qr/MmUnlockPages\+/, 'raised by MmUnlockPages');
    is($status, 1, 'crash=mdlunlock exits 1');
}

done_testing();
