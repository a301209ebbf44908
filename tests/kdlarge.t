#!/usr/bin/perl
# A large page and an AWE page at the kd> prompt: `start` runs tests/programs/largepage.c
# (built with tools/mkexe), which allocates one 4 MB MEM_LARGE_PAGES region, writes
# PATTERN + i at the start of its pages, maps an AWE page into a MEM_PHYSICAL region, maps a
# 4 MB SEC_LARGE_PAGES section, says where everything is and sleeps. Checked: the section's
# view is a PS PDE too, its frames prototype pages of the section (!pfn) and its VAD
# LargePageSection (!vad); !pte of the large region shows one PDE with PS set
# (flag L, valid user read-write) and no PTE, the same PDE for its first and last pages, its
# frame 4 MB-aligned; dd reads what the program wrote through it; !pfn of a frame in it;
# !pte of the AWE window shows the AWE page's frame in a valid PTE, and a zero PTE where
# nothing is mapped; !pfn of the AWE page (one share, its PTE, NT's AWE PteFrame); !vad
# (the large region's 1024 pages charged, LargePages; the AWE region UserPhysicalPages, none
# charged); !address (committed read-write private memory, and reserved where unmapped).
# Then the kernel's own large pages: with largepageminimum=0 the PFN database and the initial
# nonpaged pool are one 4 MB page (start-up line, layout, !pte, !pfn, mm.layout.largepages);
# without PSE (-cpu qemu32,-pse) they stay on page tables and start-up says why.
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
$w{$_} = hex($w{$_}) for qw(large awe frame pattern section);
is($w{large} % 0x400000, 0, 'the large region is 4 MB-aligned');
is($w{section} % 0x400000, 0, 'the SEC_LARGE_PAGES section\'s view is 4 MB-aligned');

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

# The SEC_LARGE_PAGES section's view (mm/largesec.c): a PS PDE on the section's frames,
# which are prototype pages held by the section and the one view.
my $spdeva = sprintf('%08X', 0xC0300000 + ($w{section} >> 22) * 4);
my $spte = $s->command(sprintf('!pte %x', $w{section} + 0x7000));
my ($spde) = $spte =~ /^PDE at $spdeva +\(a large page: no PTE\)\ncontains ([0-9A-F]{8}) *\n/m;
ok(defined $spde, "!pte: the section view's PDE at $spdeva maps a large page, no PTE") or diag($spte);
$spde = hex($spde // 0);
is($spde & 0xFFF, 0x0E7, '!pte: the section view\'s PDE is valid, writable, user, accessed, dirty and PS');
my $sframe = $spde >> 12;
is($sframe % 0x400, 0, '!pte: the section\'s frame is 4 MB-aligned');
like($s->command(sprintf('dd %x L1', $w{section} + 0x7000)),
     qr/^${\ sprintf('%08x', $w{section} + 0x7000)}  5ec10007/m,
     'dd: what the program wrote in the section\'s page 7, through the large page');
my $spfn = $s->command(sprintf('!pfn %x', $sframe + 7));
like($spfn,
     qr/share count 00000002  pteaddress E[0-9A-F]{7}\n.*\n +restore pte 00000080 .*Active +M P\n(.|\n)*prototype PTE 7 of segment [0-9a-f]{8}, control area [0-9a-f]{8}; a large page of the section, 1 view maps it/,
     '!pfn: a frame of the section, prototype page 7, the section\'s share and the view\'s')
    or diag($spfn);
my ($sectionvad) = $s->command('!vad') =~ /^([0-9a-f]{8}) \( ?\d\) +${\ sprintf('%x', $w{section} >> 12)} +${\ sprintf('%x', ($w{section} >> 12) + 0x3ff)} +0 Mapped +READWRITE$/m;
ok(defined $sectionvad, '!vad: the section\'s view, mapped, nothing charged');
like($s->command('!vad ' . ($sectionvad // 0) . ' 1'), qr/^ +LargePageSection READWRITE$/m,
     '!vad <vad> 1: LargePageSection');

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

# The PFN database and the initial nonpaged pool on 4 MB pages (mm/mminit.c): forced at 64 MiB
# with largepageminimum=0 (NT's default asks for more than 255 MB of RAM), then the same
# without PSE (QEMU's -cpu without pse), where they fall back to 4 KB pages.
sub system_large_pages {
    my ($label, @args) = @_;
    my $s = KdSession->start('--mem', 64, '--timeout', 120, @args);
    my $boot = $s->wait_for(qr/kd> /);
    ok(defined $boot, "$label: the prompt") or return;
    return ($s, $boot);
}

my ($k, $boot) = system_large_pages('large', '--', 'largepageminimum=0');
my ($first) = $boot =~ /^Large pages: 80400000-807fffff \(PFN database, initial nonpaged pool\) on 1 4 MB page from frame ([0-9a-f]+)$/m;
ok(defined $first, 'start-up: the PFN database and initial pool on one 4 MB page') or diag($boot);
$first = hex($first // 0);
is($first % 0x400, 0, 'start-up: its first frame is 4 MB-aligned');
like($boot, qr/^  80460000  807fffff   3712 KB   initial nonpaged pool /m,
     'the layout: the initial pool grown to the end of the large page');
like($k->command('dd MmPfnDatabase L1'), qr/^[0-9a-f]{8}  80400000$/m, 'dd MmPfnDatabase: 80400000');
my $largepde = sprintf('%08X', ($first << 12) | 0x1E3);
for my $va ('80400000', '80460000', '807ff000') {
    like($k->command("!pte $va"),
         qr/^PDE at C0300804 +\(a large page: no PTE\)\ncontains $largepde *\npfn ${\ sprintf('%-5x', $first)}  -GLDA--KWEV *$/m,
         "!pte $va: the large PDE ($largepde: valid, kernel, writable, PS, global), no PTE");
}
like($k->command('!pte 80100000'), qr/^PDE at C0300800 +PTE at C0200400$/m,
     '!pte 80100000: the image stays on 4 KB pages');
like($k->command('!pte 80100000'), qr/pfn 100 +-+A--KREV/, '... its code read-only');
like($k->command(sprintf('!pfn %x', $first + 0x61)),
     qr/share count 00000001  pteaddress C0300804\n(.|\n)*Active/,
     '!pfn of a frame of the large page: active, the PDE for its PTE');
like($k->command('!vm'), qr/^Physical memory: /m, '!vm');
my $test = $k->command('test mm.layout.*');
like($test, qr/^ok \d+ mm\.layout\.largepages$/m, 'mm.layout.largepages passes at the prompt');
unlike($test, qr/^not ok/m, 'every mm.layout test passes');
($status, $output) = $k->finish('poweroff');
is($status, 0, 'large: exit 0');

($k, $boot) = system_large_pages('no PSE', '--qemu-arg', '-cpu', '--qemu-arg', 'qemu32,-pse',
                                 '--', 'largepageminimum=0');
like($boot, qr/^Large pages: none for the PFN database and initial nonpaged pool \(the processor has no PSE\)$/m,
     'no PSE: start-up says why there are none');
like($boot, qr/^  80400000  [0-9a-f]{8} +\d+ KB   PFN database /m, 'no PSE: the PFN database at 80400000');
like($k->command('!pte 80400000'), qr/^PDE at C0300804 +PTE at C0201000\ncontains [0-9A-F]{8} +contains [0-9A-F]{8}\n/m,
     'no PSE: !pte 80400000 shows a page table and its PTE');
$test = $k->command('test mm.layout.*');
like($test, qr/^ok \d+ mm\.layout\.largepages$/m, 'no PSE: mm.layout.largepages passes (no large PDE)');
unlike($test, qr/^not ok/m, 'no PSE: every mm.layout test passes');
($status, $output) = $k->finish('poweroff');
is($status, 0, 'no PSE: exit 0');
done_testing();
