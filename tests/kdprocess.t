#!/usr/bin/perl
# The debugger's view of processes at the kd> prompt: `start` runs tests/programs/waiter.c (built
# with tools/mkexe) in the background; it prints where its memory is and sleeps. Each command's
# answer is checked against what the program says of itself and against the same thing read
# another way: !process against its pid, PEB, TEB and threads; DirBase against the directory's
# self-map entry read through .process and !pte; dd of its memory before and after .process;
# !vad against the regions it made; !address's summary against its own region lines; !pfn of
# its pages against !pte; !vm's process line against !process. Then a program that exits with
# a status, one that ends while it is the implicit process (kept by .process's reference until
# .process moves on), and one that does not exist.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use KdSession;

my $program = "$TOP/build/programs/waiter.exe";
system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program $TOP/tests/programs/waiter.c "
       . ">/dev/null") == 0 or BAIL_OUT('tools/mkexe waiter.exe failed');

my $s = KdSession->start('--mem', 32, '--timeout', 240, '--exe', $program);
ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');

like($s->command('start bogus.exe'), qr/^process bogus\.exe not started: status 0xC0000034$/m,
    'start of a module that is not there: STATUS_OBJECT_NAME_NOT_FOUND');
like($s->command('start'), qr/^usage: start <program>/m, 'start alone: its usage');
# What a started program prints comes when it runs: after the prompt, or before it.
sub started_output {
    my ($answer, $pattern) = @_;
    return $answer =~ $pattern ? $& : $s->wait_for($pattern);
}
my $started = $s->command('start waiter.exe');
my ($pid) = $started =~ /^process waiter\.exe started: pid (\d+)$/m;
ok(defined $pid, 'start waiter.exe: started, with its pid') or BAIL_OUT('waiter did not start');
my $line = started_output($started, qr/^waiter: .*\n/m) // '';
my %w = $line =~ /(\w+) ([0-9A-Fa-f]+)/g;
$w{$_} = hex($w{$_}) for grep { !/^(pid|tid|thread2)$/ } keys %w;
is($w{pid}, $pid, 'the program runs, in the process start named') or BAIL_OUT("waiter said: $line");

# !process 0 0: System first, then the program.
my $all = $s->command('!process 0 0');
like($all, qr/^\*\*\*\* NT ACTIVE PROCESS DUMP \*\*\*\*\nPROCESS ([0-9a-f]{8})  SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000\n    DirBase: [0-9a-f]{8}  ObjectTable: [0-9a-f]{8}  HandleCount: \d+\.\n    Image: System\n/,
    '!process 0 0: the System process first, Cid 4');
my ($system) = $all =~ /^PROCESS ([0-9a-f]{8}) .*\n.*\n    Image: System$/m;
my $cid = sprintf('%04x', $pid);
my ($eprocess, $peb, $dirbase, $handles) = $all =~
    /^PROCESS ([0-9a-f]{8})  SessionId: none  Cid: $cid    Peb: ([0-9a-f]{8})  ParentCid: 0000\n    DirBase: ([0-9a-f]{8})  ObjectTable: [0-9a-f]{8}  HandleCount: (\d+)\.\n    Image: waiter\.exe$/m;
ok(defined $eprocess, "!process 0 0: waiter.exe with Cid $cid") or diag($all);
is(hex($peb // 0), $w{peb}, '... its PEB where the program finds it');
like($dirbase // '', qr/^[0-9a-f]{5}000$/, '... a page-aligned DirBase');
ok($handles >= 2, "... its handles ($handles: the console and its own process)");
my $dir = hex($dirbase // 0);

# !process <cid>: the details and the threads.
my $one = $s->command(sprintf('!process %x', $pid));
like($one, qr/^Searching for Process with Cid == \Q${\ sprintf('%x', $pid)}\E\nPROCESS $eprocess /m,
    '!process <cid> finds the same EPROCESS');
my ($vadroot, $vads, $private, $modified, $locked) =
    $one =~ /^    VadRoot ([0-9a-f]{8}) Vads (\d+) Clone 0 Private (\d+)\. Modified (\d+)\. Locked (\d+)\.$/m;
ok(defined $vadroot, "!process: VadRoot $vadroot, $vads VADs") or diag($one);
my ($wsnow, $wsmin, $wsmax) = $one =~ /^    Working Set Sizes \(now,min,max\)  \((\d+), (\d+), (\d+)\) \(\d+KB, \d+KB, \d+KB\)$/m;
ok(defined $wsnow && $wsnow > 0 && $wsmin == 50 && $wsmax == 345,
    "!process: working set $wsnow pages, NT's default limits 50 and 345");
my ($commit) = $one =~ /^    CommitCharge\s+(\d+)$/m;
ok(defined $commit && $commit >= 2 + 1, "!process: CommitCharge $commit pages");
ok(defined $private && $private > 0 && $private <= $commit,
   "!process: Private $private pages, each committed");
is($locked, 0, '!process: Locked 0 (no MDL holds its pages)');
like($one, qr/^    PageFaultCount\s+[1-9]\d*$/m, '!process: its page faults');
my $main = sprintf('%04x.%04x', $pid, $w{tid});
my $second = sprintf('%04x.%04x', $pid, $w{thread2});
like($one, qr/^        THREAD [0-9a-f]{8}  Cid \Q$main\E  Teb: \Q${\ sprintf('%08x', $w{teb})}\E Win32Thread: 00000000 WAIT: \(Executive\) UserMode Non-Alertable$/m,
    '!process: the main thread, its TEB, sleeping in user mode');
like($one, qr/^        THREAD [0-9a-f]{8}  Cid \Q$second\E  Teb: [0-9a-f]{8} Win32Thread: 00000000 WAIT: .*\n            $eprocess  ProcessObject$/m,
    '!process: the second thread, waiting for its own process');
like($s->command("!process $eprocess 0"), qr/\A(?:PROCESS $eprocess .*\n.*\n    Image: waiter\.exe\n\n)\z/,
    '!process <eprocess> 0: the three lines only');
like($s->command('!process'), qr/^PROCESS $system .*\n(.*\n)*    Image: System$/m,
    '!process alone: the implicit process, at first the System process');
like($s->command('!process 0 0 wait*'), qr/\A\*\*\*\* NT ACTIVE PROCESS DUMP \*\*\*\*\nPROCESS $eprocess [^\n]*\n[^\n]*\n    Image: waiter\.exe\n\n\z/,
    '!process 0 0 <image>: only the processes of that name');

# .process: the implicit process, and what dd and !pte read.
my $region = sprintf('%x', $w{region});
like($s->command('.process'), qr/^Implicit process is $system$/m, '.process: the System process');
like($s->command("dd $region L1"), qr/^0*$region  \?{8}$/m,
    'dd of the program\'s region from the System process: not mapped');
like($s->command(".process $eprocess"), qr/^Implicit process is now $eprocess$/m,
    ".process $eprocess");
like($s->command("dd $region L1"), qr/^0*$region  5a17c0de$/m,
    '... then dd reads the pattern the program wrote in its region');
like($s->command('!pte c0300000'),
    qr/^PDE at C0300C00\s+PTE at C0300C00\ncontains ${\ sprintf('%08X', $dir | 0x63)}\s+contains ${\ sprintf('%08X', $dir | 0x63)}\npfn ${\ sprintf('%x', $dir >> 12)}\s/m,
    '... and the self-map: its PDE[0x300] names its own directory, DirBase');
like($s->command('!process'), qr/^PROCESS $eprocess /m, '!process alone: now the implicit process');

# !vad: the regions the program and its creation made.
my $tree = $s->command('!vad');
my @vads = map { [ /^([0-9a-f]{8}) \( ?(\d+)\) +([0-9a-f]+) +([0-9a-f]+) +(\d+) (Private|Mapped) +(?:Exe +)?(\S+)$/ ] }
    grep { /^[0-9a-f]{8} \(/ } split /\n/, $tree;
is(scalar(@vads), $vads, "!vad: $vads VADs, as !process counts them");
like($tree, qr/^Total VADs: +$vads  average level: +\d+  maximum depth: \d+$/m, '!vad: the totals line');
my @roots = grep { $_->[1] == 0 } @vads;
is(scalar(@roots) == 1 ? $roots[0][0] : '', $vadroot, '!vad: one VAD at level 0, the VadRoot');
my @starts = map { hex($_->[2]) } @vads;
is_deeply(\@starts, [sort { $a <=> $b } @starts], '!vad: in ascending order of VPN');
my %by_start = map { (hex($_->[2]) => $_) } @vads;
my $image = $by_start{0x400};
ok($image && $image->[4] > 0, "!vad: the image at VPN 400, ${\ ($image // [0,0,0,0,0])->[4]} pages committed");
is_deeply($image ? [@$image[5, 6]] : [], ['Mapped', 'EXECUTE_WRITECOPY'],
    '!vad: the image is a view of its image section (Mapped Exe), execute-write-copy');
like($tree, qr/^[0-9a-f]{8} \( ?\d+\) +7c900 +[0-9a-f]+ +\d+ Mapped +Exe +EXECUTE_WRITECOPY$/m,
    '!vad: ntdll.dll\'s image view at 7c900000');
my $r = $by_start{$w{region} >> 12};
is_deeply($r ? [hex($r->[3]), $r->[4], $r->[5], $r->[6]] : [],
    [($w{region} >> 12) + 0x3f, 2, 'Private', 'READWRITE'],
    '!vad: the 256 KB region, 2 pages committed, private, read-write');
my $st = $by_start{$w{stack} >> 12};
ok($st && hex($st->[3]) == ($w{stack} >> 12) + 0xff, '!vad: the main thread\'s 1 MB stack');
ok($by_start{$w{teb} >> 12} && $by_start{$w{peb} >> 12}, '!vad: the TEB and the PEB pages');
is($s->command("!vad $vadroot"), $tree, '!vad <VadRoot>: the same tree');
my ($region_vad) = map { $_->[0] } grep { hex($_->[2]) == $w{region} >> 12 } @vads;
my $detail = $s->command("!vad $region_vad 1");
like($detail, qr/^VAD \@ $region_vad\n  Start VPN: +${\ sprintf('%x', $w{region} >> 12)}  End VPN: +${\ sprintf('%x', ($w{region} >> 12) + 0x3f)}  Control Area:  00000000\n.*Commit Charge +2 \(2\.\)\n   PrivateMemory READWRITE$/m,
    '!vad <vad> 1: that VAD\'s fields and flags');
is($s->command("!vad $region 1"), $detail, '!vad <address> 1: the VAD holding the address');

# !address: the regions from 0 to the top of user space, and the summaries that add them up.
my $map = $s->command('!address');
my (@regions, %usage_sum, %state_sum, %type_sum);
for (split /\n/, $map) {
    my @f = /^([+ ]) *([0-9a-f]+) +([0-9a-f]+) +([0-9a-f]+) (MEM_PRIVATE|MEM_MAPPED |MEM_IMAGE  | {11}) (MEM_COMMIT|MEM_RESERVE|MEM_FREE) +(PAGE_\w+(?: \| PAGE_\w+)*)? +(\S+)(?: +(\[.*\]))?$/
        or next;
    my %r;
    @r{qw(plus base end size type state protect usage detail)} = map { $_ // '' } @f;
    $r{$_} = hex($r{$_}) for qw(base end size);
    $r{type} =~ s/ //g;
    push @regions, \%r;
    $usage_sum{$r{usage}}[0]++;
    $usage_sum{$r{usage}}[1] += $r{size};
    $state_sum{$r{state}}[0]++;
    $state_sum{$r{state}}[1] += $r{size};
    if ($r{type}) { $type_sum{$r{type}}[0]++; $type_sum{$r{type}}[1] += $r{size}; }
}
ok(@regions > 10, scalar(@regions) . ' regions listed');
my ($next, $gaps) = (0, 0);
for my $reg (@regions) {
    $gaps++ if $reg->{base} != $next || $reg->{end} != $reg->{base} + $reg->{size};
    $next = $reg->{end};
}
is($gaps, 0, '!address: each region starts where the last ended');
is($next, 0x7fff0000, '!address: the regions cover user space up to MmHighestUserAddress');
sub summary {
    my ($section) = @_;
    my ($text) = $map =~ /^--- \Q$section\E[^\n]*\n((?:[^\n]+\n)*)/m;
    my %sum;
    for (split /\n/, $text // '') {
        $sum{$1} = [$2, hex($3)] if /^(.+?) +(\d+) +([0-9a-f]+) \(/;
    }
    return \%sum;
}
is_deeply(summary('State Summary'), \%state_sum, '!address: the State Summary adds up the regions');
is_deeply(summary('Usage Summary'), \%usage_sum, '!address: the Usage Summary adds up the regions');
is_deeply(summary('Type Summary'), \%type_sum, '!address: the Type Summary adds up the busy regions');
my ($at_region) = grep { $_->{base} == $w{region} } @regions;
is_deeply($at_region ? [@$at_region{qw(plus size state protect)}] : [],
    ['+', 0x2000, 'MEM_COMMIT', 'PAGE_READWRITE'], '!address: the region\'s committed pages');
my ($reserved) = grep { $_->{base} == $w{region} + 0x2000 } @regions;
is_deeply($reserved ? [@$reserved{qw(plus size state)}] : [], [' ', 0x3e000, 'MEM_RESERVE'],
    '... then its reserved rest, in the same allocation');
my %usage_at = map { ($_->{base} => $_->{usage}) } grep { $_->{plus} eq '+' } @regions;
is_deeply([@usage_at{0x400000, $w{stack}, $w{teb}, $w{peb}, $w{heap}, 0x7ffe0000}],
    ['Image', 'Stack', 'TEB', 'PEB', 'Heap', 'Other'],
    '!address: the usage of the image, stack, TEB, PEB, heap and shared data');
like($map, qr/^\+ +${\ sprintf('%x', $w{stack})} .* Stack +\[~0; ${\ sprintf('%x.%x', $pid, $w{tid})}\]$/m,
    '!address: the stack names its thread');
my $one_region = $s->command("!address $region");
like($one_region, qr/^Usage: +<unknown>\nBase Address: +0*$region\nEnd Address: +0*${\ sprintf('%x', $w{region} + 0x2000)}\nRegion Size: +00002000 \(   8\.000 kB\)\nState: +00001000 +MEM_COMMIT\nProtect: +00000004 +PAGE_READWRITE\nType: +00020000 +MEM_PRIVATE\nAllocation Base: +0*$region\n/m,
    '!address <address>: that region, field by field');
like($s->command(sprintf('!address %x', $w{region} + 0x5123)),
    qr/^Usage: +<unknown>\nBase Address: +0*${\ sprintf('%x', $w{region} + 0x2000)}\nEnd Address: +0*${\ sprintf('%x', $w{region} + 0x40000)}\nRegion Size: +0003e000 .*\nState: +00002000 +MEM_RESERVE\n/m,
    '!address inside a run of pages: the whole run, from where it starts');
like($s->command('!address 400000'), qr/^Usage: +Image\n(.*\n)*More info: +\[waiter; "waiter\.exe"\]$/m,
    '!address 400000: the image');
like($s->command('!address e1000000'), qr/^Usage: +paged pool\nBase Address: +e1000000\n/m,
    '!address <system address>: its region of the layout');

# !pfn of the program's pages: the PTE addresses are in its self-map.
my ($image_frame) = $s->command('!pte 400000') =~ /^pfn [0-9a-f]+\s+\S+\s+pfn ([0-9a-f]+) /m;
ok(defined $image_frame, "!pte 400000 in the program: frame $image_frame");
my $pfn = $s->command("!pfn $image_frame");
like($pfn, qr/pteaddress E[0-9A-F]{7}\n/,
    '!pfn of the image page: its PTE is a prototype PTE, in paged pool (an image section)');
like($pfn, qr/^    restore pte [0-9A-F]{8}  containing page +[0-9A-F]{6}  Active +P/m, '... active');
like($pfn, qr/^    prototype PTE 0 of segment [0-9a-f]{8}, control area [0-9a-f]{8}; 1 process PTE maps it$/m,
    '... the image section\'s first prototype PTE, mapped by the program\'s process');
my $dir_pfn = $s->command(sprintf('!pfn %x', $dir >> 12));
like($dir_pfn, qr/pteaddress C0300C00\n(.*\n)*    restore pte [0-9A-F]{8}  containing page +${\ sprintf('%06X', $dir >> 12)}  Active/,
    '!pfn of DirBase: the directory maps itself (PTE at C0300C00, containing page itself)');
like($dir_pfn, qr/^    PTE in process $eprocess \(waiter\.exe, Cid $cid\), mapping c0300000$/mi,
    '... in the program\'s process');

like($s->command('.process 0'), qr/^Implicit process is now $system$/m, '.process 0: System again');
like($s->command("dd $region L1"), qr/^0*$region  \?{8}$/m, '... and its region is not mapped');
like($s->command('.process 80000000'), qr/^80000000 is not a process/m, '.process of no process');

# !vm: the process line agrees with !process.
my $vm = $s->command('!vm');
my $after = $s->command(sprintf('!process %x 1', $pid));
my ($ws2) = $after =~ /Working Set Sizes \(now,min,max\)  \((\d+),/;
my ($commit2) = $after =~ /^    CommitCharge\s+(\d+)$/m;
like($vm, qr/^ +$cid  waiter\.exe +$ws2 +\d+ +$commit2 +\d+ +\d+$/m,
    "!vm: the program's line, working set $ws2 and commit $commit2 as !process says");

# A program that ends: its status, and the prompt goes on.
$started = $s->command('start waiter.exe exit 7');
my ($pid2) = $started =~ /started: pid (\d+)$/m;
ok(defined $pid2 && $pid2 != $pid, 'start waiter.exe exit 7: another process');
ok(defined started_output($started, qr/^process waiter\.exe exited with status 0x00000007$/m),
    '... its end reported with its status, without powering off');

# The implicit process ends: the reference .process holds keeps its EPROCESS and directory
# until .process moves on, as WinDbg's would; then it goes.
$started = $s->command('start waiter.exe exit 5 3000');
my ($pid3) = $started =~ /started: pid (\d+)$/m;
my $cid3 = sprintf('%04x', $pid3 // 0);
my ($eprocess3, $dir3) = $s->command('!process 0 0') =~
    /^PROCESS ([0-9a-f]{8})  SessionId: none  Cid: $cid3 .*\n    DirBase: ([0-9a-f]{8}) /m;
ok(defined $eprocess3, "a program that sleeps 3 s and exits: Cid $cid3");
like($s->command(".process $eprocess3"), qr/^Implicit process is now $eprocess3$/m,
    '.process to it while it runs');
ok(defined started_output($started, qr/^process waiter\.exe exited with status 0x00000005$/m),
    '... it exits with 5');
my $zombie = $s->command("!process $eprocess3 1");
like($zombie, qr/^    DirBase: $dir3  ObjectTable: 00000000  HandleCount: 0\.\n    Image: waiter\.exe\n    Exited with status 0x00000005\n    VadRoot 00000000 Vads 0 Clone 0 Private 0\. Modified \d+\. Locked 0\.$/m,
    '!process of the ended process: no handles, no VADs, its exit status');
like($zombie, qr/^    CommitCharge\s+0$/m, '... and no commitment left');
like($s->command('!vad'), qr/^Total VADs: +0  /m, '!vad: an empty tree');
like($s->command('!address'), qr/^!address: the process has ended; its address space is gone$/m,
    '!address: the ended process has no address space (STATUS_PROCESS_IS_TERMINATING, as NT)');
like($s->command('!pte c0300000'), qr/^contains ${\ uc(substr(($dir3 \/\/ '0'), 0, 5))}063 /m,
    '!pte c0300000: its directory still maps itself, held by the reference');
like($s->command('.process 0'), qr/^Implicit process is now $system$/m, '.process 0 lets it go');
my $gone;
for (1 .. 20) {
    last if $gone = $s->command('!process 0 0') !~ /Cid: $cid3 /;
    select(undef, undef, undef, 0.25);
}
ok($gone, '... and it is deleted: no longer on the list');
like($s->command('!process 0 0'), qr/^PROCESS $eprocess .*\n.*\n    Image: waiter\.exe$/m,
    'the first program still runs');
my ($status, $output) = $s->finish('poweroff');
is($status, 0, 'poweroff with a process running: exit 0');
unlike($output, qr/\*\*\* STOP/, 'no bugcheck');
done_testing();
