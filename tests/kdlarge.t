#!/usr/bin/perl
# A large page and an AWE page at the kd> prompt: `start` runs tests/programs/largepage.c
# (built with tools/mkexe), which allocates one 4 MB MEM_LARGE_PAGES region, writes
# PATTERN + i at the start of its pages, maps an AWE page into a MEM_PHYSICAL region, says
# where everything is and sleeps. Checked: !pte of the large region shows one PDE with PS set
# (flag L, valid user read-write) and no PTE, the same PDE for its first and last pages, its
# frame 4 MB-aligned; dd reads what the program wrote through it; !pfn of a frame in it;
# !pte of the AWE window shows the AWE page's frame in a valid PTE, and a zero PTE where
# nothing is mapped; !pfn of the AWE page (one share, its PTE, NT's AWE PteFrame); !vad
# (the large region's 1024 pages charged, LargePages; the AWE region UserPhysicalPages, none
# charged); !address (committed read-write private memory, and reserved where unmapped).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use KdSession;

my $program = "$TOP/build/programs/largepage.exe";
system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program $TOP/tests/programs/largepage.c "
       . ">/dev/null") == 0 or BAIL_OUT('tools/mkexe largepage.exe failed');

my $s = KdSession->start('--mem', 32, '--timeout', 240, '--exe', $program);
ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');

my $started = $s->command('start largepage.exe');
my ($pid) = $started =~ /^process largepage\.exe started: pid (\d+)$/m;
ok(defined $pid, 'start largepage.exe: started') or BAIL_OUT('largepage did not start');
my $line = $started =~ /^largepage: .*\n/m ? $& : ($s->wait_for(qr/^largepage: .*\n/m) // '');
my %w = $line =~ /(\w+) ([0-9A-Fa-f]+)/g;
is($w{pid}, $pid, 'the program ran') or BAIL_OUT("largepage said: $line");
$w{$_} = hex($w{$_}) for qw(large awe frame pattern);
is($w{large} % 0x400000, 0, 'the large region is 4 MB-aligned');

my $all = $s->command('!process 0 0');
my ($eprocess) = $all =~ /^PROCESS ([0-9a-f]{8}) .*\n.*\n    Image: largepage\.exe$/m;
like($s->command(".process $eprocess"), qr/^Implicit process is now $eprocess$/m,
     '.process largepage');

my $pdeva = sprintf('%08X', 0xC0300000 + ($w{large} >> 22) * 4);
my $pte = $s->command(sprintf('!pte %x', $w{large} + 0x5000));
my ($pde) = $pte =~ /^PDE at $pdeva +\(a large page: no PTE\)\ncontains ([0-9A-F]{8}) *\n/m;
ok(defined $pde, "!pte: the PDE at $pdeva maps a large page, no PTE") or diag($pte);
$pde = hex($pde // 0);
is($pde & 0xFFF, 0x0E7, '!pte: the PDE is valid, writable, user, accessed, dirty and PS (0xE7)');
my $frame = $pde >> 12;
is($frame % 0x400, 0, '!pte: its frame is 4 MB-aligned (1024 contiguous frames)');
like($pte, qr/^pfn ${\ sprintf('%-5x', $frame)}  --LDA--UWEV *$/m, '!pte: flag L');
like($s->command(sprintf('!pte %x', $w{large} + 0x3FF000)),
     qr/^PDE at $pdeva +\(a large page: no PTE\)\ncontains ${\ sprintf('%08X', $pde)}/m,
     '!pte: the last page, the same PDE');
like($s->command(sprintf('dd %x L1', $w{large} + 0x5000)),
     qr/^${\ sprintf('%08x', $w{large} + 0x5000)}  ${\ sprintf('%08x', $w{pattern} + 5)}/m,
     'dd: what the program wrote in page 5, through the large page');
like($s->command(sprintf('!pfn %x', $frame + 5)),
     qr/share count 00000001  pteaddress $pdeva\n(.|\n)*Active/,
     '!pfn: a frame of the large page, active, its PTE address the PDE');

my $awe = $s->command(sprintf('!pte %x', $w{awe} + 0x3000));
my ($awepte) = $awe =~ /PTE at ([0-9A-F]{8})\n.*contains ([0-9A-F]{8})/;
like($awe, qr/contains ${\ sprintf('%08X', ($w{frame} << 12) | 0x67)}\n.*pfn ${\ sprintf('%-5x', $w{frame})}  ---DA--UWEV/,
     '!pte: the AWE window\'s page 3 maps the AWE frame, valid user read-write dirty');
like($s->command(sprintf('!pte %x', $w{awe} + 0x4000)),
     qr/contains 00000000 *\n.* not valid/,
     '!pte: page 4 of the window maps nothing: a zero PTE');
$awepte //= 'none';
like($s->command(sprintf('!pfn %x', $w{frame})),
     qr/share count 00000001  pteaddress $awepte\n(.|\n)*restore pte 00000000  containing page +1FFEDCB  Active/,
     '!pfn: the AWE page: one share, its PTE, AWE\'s PteFrame, active');

my $vads = $s->command('!vad');
my ($largevad) = $vads =~ /^([0-9a-f]{8}) \( ?\d\) +${\ sprintf('%x', $w{large} >> 12)} +${\ sprintf('%x', ($w{large} >> 12) + 0x3ff)} +1024 Private +READWRITE$/m;
ok(defined $largevad, '!vad: the large region, 1024 pages charged') or diag($vads);
my ($awevad) = $vads =~ /^([0-9a-f]{8}) \( ?\d\) +${\ sprintf('%x', $w{awe} >> 12)} +${\ sprintf('%x', ($w{awe} >> 12) + 15)} +0 Private +READWRITE$/m;
ok(defined $awevad, '!vad: the AWE region, nothing charged') or diag($vads);
like($s->command('!vad ' . ($largevad // 0) . ' 1'), qr/ PrivateMemory MemCommit LargePages READWRITE/,
     '!vad <vad> 1: LargePages');
like($s->command('!vad ' . ($awevad // 0) . ' 1'), qr/ PrivateMemory UserPhysicalPages READWRITE/,
     '!vad <vad> 1: UserPhysicalPages');
my $address = $s->command(sprintf('!address %x', $w{large}));
like($address, qr/^Region Size: +00400000 /m, '!address: the large region, 4 MB in one run');
like($address, qr/^State: +00001000 +MEM_COMMIT\nProtect: +00000004 +PAGE_READWRITE\nType: +00020000 +MEM_PRIVATE$/m,
     '!address: committed read-write private memory');
like($s->command(sprintf('!address %x', $w{awe})), qr/^State: +00002000 +MEM_RESERVE$/m,
     '!address: the AWE window, reserved where nothing is mapped');

my ($status, $output) = $s->finish('poweroff');
is($status, 0, 'poweroff with a large page and an AWE page held: exit 0');
unlike($output, qr/\*\*\* STOP/, 'no bugcheck');
done_testing();
