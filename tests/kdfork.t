#!/usr/bin/perl
# A fork's pages at the kd> prompt: `start` runs tests/programs/forker.c, which writes 16 pages
# and forks; the child reads them all and writes the last, the parent writes the one before.
# !pte in both processes names one physical page for each page neither wrote; !pfn of it says
# fork prototype PTE, its clone block and header (2 processes), CloneRefCount 2 and 2 mappers;
# the written pages are each process's own; !vad <address> 1 counts the region's pages in clone
# blocks in each process.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use KdSession;

my $program = "$TOP/build/programs/forker.exe";
system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program $TOP/tests/programs/forker.c "
       . ">/dev/null") == 0 or BAIL_OUT('tools/mkexe forker.exe failed');

my $s = KdSession->start('--mem', 32, '--timeout', 240, '--exe', $program);
ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');
my $started = $s->command('start forker.exe');
my $text = $started;
$text .= $s->wait_for(qr/^forker: child .*\n/m) // '' unless $text =~ /^forker: child /m;
my ($parent, $memory, $pages, $child) = $text =~ /^forker: parent (\d+) memory ([0-9A-Fa-f]+) pages (\d+) child (\d+)$/m;
my ($childSaid, $childMemory) = $text =~ /^forker: child (\d+) memory ([0-9A-Fa-f]+) pages/m;
ok(defined $parent && defined $childSaid, 'both processes ran') or BAIL_OUT("forker said: $text");
is($childSaid, $child, 'the child is the one the parent made');
is($childMemory, $memory, 'the child has the memory at the parent\'s address');
$memory = hex($memory);

my $all = $s->command('!process 0 0');
my %eprocess;
while ($all =~ /^PROCESS ([0-9a-f]{8}) .*Cid: ([0-9a-f]{4}) .*\n.*\n    Image: forker\.exe$/mg) {
    $eprocess{hex($2)} = $1;
}
ok(defined $eprocess{$parent} && defined $eprocess{$child}, '!process: both forker.exe') or diag($all);

sub page_in {
    my ($process, $va) = @_;
    $s->command(".process $eprocess{$process}");
    my $answer = $s->command(sprintf('!pte %x', $va));
    my @frames = $answer =~ /pfn ([0-9a-f]+) /g;
    return $frames[1];
}
my $p0 = page_in($parent, $memory);
ok(defined $p0, "!pte in the parent: its first page is valid (pfn ${\ ($p0 // '?')})");
is(page_in($child, $memory), $p0, '!pte in the child: the same physical page');
my $pfn = $s->command("!pfn $p0");
like($pfn, qr/blink \/ share count 00000002  pteaddress/, '!pfn: share count 2');
like($pfn, qr/Active +M? ?P$/m, '!pfn: active, flag P (a prototype page)');
like($pfn, qr/^    fork prototype PTE: clone block \d+ of clone header [0-9a-f]{8} \(\d+ blocks, 2 processes\), CloneRefCount 2; 2 process PTEs map it$/m,
     '!pfn: its clone block, the header shared by 2 processes, 2 references, 2 mappers') or diag($pfn);
unlike($pfn, qr/PTE in process/, '!pfn: the page belongs to neither process alone');

my $parentCopy = page_in($parent, $memory + ($pages - 2) * 4096);
my $childView = page_in($child, $memory + ($pages - 2) * 4096);
ok(defined $parentCopy && defined $childView && $parentCopy ne $childView,
   'the page the parent wrote: its own copy, the child still has the fork\'s');
like($s->command("!pfn $parentCopy"), qr/^    PTE in process $eprocess{$parent} \(forker\.exe/m,
     '!pfn: the parent\'s copy is the parent\'s private page');
like($s->command("!pfn $childView"),
     qr/clone header [0-9a-f]{8} \(\d+ blocks, 2 processes\), CloneRefCount 1; 1 process PTE maps it$/m,
     '!pfn: the child alone refers to that block now');

$s->command(".process $eprocess{$child}");
like($s->command(sprintf('!vad %x 1', $memory)),
     qr/^  Fork: ${\ ($pages - 1)} pages in clone blocks \(${\ ($pages - 1)} of them mapped\), \d+ clone descriptors$/m,
     '!vad in the child: all pages but its own copy in clone blocks, all mapped (it read them)');
$s->command(".process $eprocess{$parent}");
like($s->command(sprintf('!vad %x 1', $memory)),
     qr/^  Fork: ${\ ($pages - 1)} pages in clone blocks \(${\ ($pages - 1)} of them mapped\), \d+ clone descriptors$/m,
     '!vad in the parent: the same, less its own copy');

my ($status, $output) = $s->finish('poweroff');
is($status, 0, 'poweroff with the forked processes: exit 0');
unlike($output, qr/\*\*\* STOP/, 'no bugcheck');
done_testing();
