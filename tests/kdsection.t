#!/usr/bin/perl
# A section's pages at the kd> prompt: `start` runs tests/programs/sharer.c (built with
# tools/mkexe), which maps a 16-page section twice read/write and once copy-on-write, writes
# four pages, reads two of them through its second view, copies one, says where its views are
# and sleeps. Each command's answer is checked against that and against the others: !vm's
# Sections line; !ca's list and the control area's counts, segment and prototype PTEs by state;
# !pte of both views naming one page; !pfn of it (flag P, its prototype PTE, two mappers), of a
# page one view maps (one mapper) and of the copied page (private, in the process); !memusage's
# prototype pages; !vad's mapped VADs and their control area; !address's MEM_MAPPED.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use KdSession;

my $program = "$TOP/build/programs/sharer.exe";
system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program $TOP/tests/programs/sharer.c "
       . ">/dev/null") == 0 or BAIL_OUT('tools/mkexe sharer.exe failed');

my $s = KdSession->start('--mem', 32, '--timeout', 240, '--exe', $program);
ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');

my $started = $s->command('start sharer.exe');
my ($pid) = $started =~ /^process sharer\.exe started: pid (\d+)$/m;
ok(defined $pid, 'start sharer.exe: started') or BAIL_OUT('sharer did not start');
my $line = $started =~ /^sharer: .*\n/m ? $& : ($s->wait_for(qr/^sharer: .*\n/m) // '');
my %w = $line =~ /(\w+) ([0-9A-Fa-f]+)/g;
$w{$_} = hex($w{$_}) for qw(one two copy pattern sum);
is($w{pid}, $pid, 'the program ran') or BAIL_OUT("sharer said: $line");
is($w{sum}, (2 * $w{pattern} + 1) & 0xffffffff, 'view two read what view one wrote');
my $pages = $w{pages};

# Besides the program's section: the image sections of sharer.exe, ntdll.dll and kernel32.dll.
my ($in_memory) = $s->command('!vm') =~
    /^Sections:          4 segments, (\d+) pages in memory, $pages pages of shared commitment$/m;
ok(defined $in_memory && $in_memory > 4,
   "!vm: four segments (the section, three images), ${\ ($in_memory // '?')} pages in memory, "
   . "the section's $pages pages the shared commitment");

my $list = $s->command('!ca');
my ($ca, $segment) = $list =~
    /^([0-9a-f]{8})     ([0-9a-f]{8})         1      3      4  +$pages  Commit$/m;
ok(defined $ca, '!ca: one control area: 1 section, 3 views, 4 users (the handle and the views)')
    or diag($list);
like($list, qr/^4 control areas$/m, '!ca: four control areas');
is(scalar(() = $list =~ /^[0-9a-f]{8}     [0-9a-f]{8} .* Image$/mg), 3,
   '!ca: the other three are images (sharer.exe, ntdll.dll, kernel32.dll)');
$ca //= '0';
$segment //= '0';
my $area = $s->command("!ca $ca");
like($area, qr/^ControlArea  \@ $ca\n  Segment      $segment  /m, '!ca <ca>: its segment');
like($area, qr/^  Section Ref         1  Pfn Ref           0  Mapped Views        3$/m,
     '!ca <ca>: 1 section reference, no PFN references (a page-file section), 3 views');
like($area, qr/^  User Ref            4  /m, '!ca <ca>: 4 user references');
like($area, qr/^  Flags \([0-9a-f]{8}\) Commit FilePointerNull$/m, '!ca <ca>: SEC_COMMIT, no file');
like($area, qr/^  ControlArea  $ca  ExtendInfo    00000000$/m, '!ca <ca>: the segment points back');
like($area, qr/^  Total Ptes   +$pages  NonExtendPtes +$pages$/m, "!ca <ca>: $pages PTEs");
like($area, qr/^  Segment Size ${\ sprintf('%08x', $pages * 4096)}  Committed +$pages  Template 00000080$/m,
     '!ca <ca>: its size, all committed, read/write demand zero template');
my ($protos) = $area =~ /^  Prototype PTEs at ([0-9a-f]{8}): 4 valid, 0 transition, 0 paging file,\n    ${\ ($pages - 4)} demand zero, 0 not committed$/m;
ok(defined $protos, '!ca <ca>: its prototype PTEs: the 4 written valid, the rest demand zero')
    or diag($area);
$protos = hex($protos // 0);
is($protos, hex($segment) + 0x38, 'the prototype PTEs are the segment\'s ThePtes, at 0x38');

my $all = $s->command('!process 0 0');
my ($eprocess) = $all =~ /^PROCESS ([0-9a-f]{8}) .*\n.*\n    Image: sharer\.exe$/m;
like($s->command(".process $eprocess"), qr/^Implicit process is now $eprocess$/m, '.process sharer');

sub page_of {
    my ($va) = @_;
    my $answer = $s->command(sprintf('!pte %x', $va));
    my @frames = $answer =~ /pfn ([0-9a-f]+) /g;
    return $frames[1];
}
my $p0 = page_of($w{one});
ok(defined $p0, "!pte: view one's first page is valid (pfn ${\ ($p0 // '?')})");
is(page_of($w{two}), $p0, '!pte: view two maps the same page');
my $pfn = $s->command("!pfn $p0");
like($pfn, qr/^    flink       [0-9A-F]{8}  blink \/ share count 00000002  pteaddress ${\ sprintf('%08X', $protos)}$/m,
     '!pfn: share count 2 (both views), its PTE address the prototype PTE');
like($pfn, qr/^    restore pte 00000080  containing page        [0-9A-F]{6}  Active   M P$/m,
     '!pfn: active, modified, flag P');
like($pfn, qr/^    prototype PTE 0 of segment $segment, control area $ca; 2 process PTEs map it$/m,
     '!pfn: which prototype PTE and section');
unlike($pfn, qr/PTE in process/, '!pfn: a section\'s page belongs to no process');

my $p3 = page_of($w{one} + 0x3000);
like($s->command("!pfn $p3"),
     qr/pteaddress ${\ sprintf('%08X', $protos + 12)}$(.|\n)*^    prototype PTE 3 of segment $segment, control area $ca; 1 process PTE maps it$/m,
     '!pfn: page 3, mapped by view one only');

my $copied = page_of($w{copy} + 0x2000);
my $original = page_of($w{one} + 0x2000);
ok(defined $copied && defined $original && $copied ne $original,
   'the copy-on-write view\'s written page is a page of its own');
my $copy = $s->command("!pfn $copied");
like($copy, qr/^    PTE in process $eprocess \(sharer\.exe, Cid ${\ sprintf('%04x', $pid)}\), mapping ${\ sprintf('%08x', $w{copy} + 0x2000)}$/m,
     '!pfn: the copy is the process\'s page');
unlike($copy, qr/prototype|Active   M P/, '!pfn: the copy is not a prototype page');

my $section_pages = $in_memory // -1;
like($s->command('!memusage'),
     qr/^ +\d+ +\d+ +\d+ +\d+ +$section_pages  sections \(prototype PTEs\)$/m,
     '!memusage: the sections\' pages, as many as !vm counts (the section\'s 4 and the images\')');

my $vads = $s->command('!vad');
like($vads, qr/^[0-9a-f]{8} \( ?\d\) +${\ sprintf('%x', $w{one} >> 12)} +${\ sprintf('%x', ($w{one} >> 12) + $pages - 1)} +0 Mapped +READWRITE$/m,
     '!vad: view one, mapped, nothing charged');
like($vads, qr/^[0-9a-f]{8} \( ?\d\) +${\ sprintf('%x', $w{copy} >> 12)} +${\ sprintf('%x', ($w{copy} >> 12) + $pages - 1)} +$pages Mapped +WRITECOPY$/m,
     '!vad: the copy-on-write view, every page charged when it was mapped');
like($s->command(sprintf('!vad %x 1', $w{two})),
     qr/Control Area:  $ca\n  First ProtoPte: ${\ sprintf('%08x', $protos)}  /,
     '!vad <view two> 1: its control area and first prototype PTE');
my $address = $s->command(sprintf('!address %x', $w{copy}));
like($address, qr/^Type:                   00040000          MEM_MAPPED$/m, '!address: MEM_MAPPED');
like($address, qr/^Allocation Base:        ${\ sprintf('%08x', $w{copy})}$/m,
     '!address: the view\'s base');

my ($status, $output) = $s->finish('poweroff');
is($status, 0, 'poweroff with the section mapped: exit 0');
unlike($output, qr/\*\*\* STOP/, 'no bugcheck');
done_testing();
