#!/usr/bin/perl
# The system address space in each layout: the default (the classic x86 map of
# nt-mm-facts.md section 2) at several memory sizes, /3GB, a 2.5 GB user space; the layout
# table on the console, the lab's four variables read with `dd` at the kd> prompt and found in
# the table, and the in-kernel layout and memory-manager tests.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $lab = "dd MmHighestUserAddress L1\ndd MmSystemRangeStart L1\ndd MiSystemCacheStartExtra L1\n"
    . "dd MiSystemCacheEndExtra L1\ndd MmNonPagedSystemStart L1\n";

# The table's rows: start, end, size, region and the variables that hold their bounds.
sub table {
    my ($output) = @_;
    my @rows;
    while ($output =~ /^  ([0-9a-f]{8})  ([0-9a-f]{8}) +(\d+ [KM]B)   (\S[^\n]*?)(?: {2,}(\S[^\n]*))?$/mg) {
        push @rows, { start => hex($1), end => hex($2), size => $3, name => $4,
                      vars => $5 // '' };
    }
    return @rows;
}

# What the table says a variable holds: a row's start, end, end + 1 or size.
sub from_table {
    my ($name, @rows) = @_;
    for my $row (@rows) {
        for (split /, /, $row->{vars}) {
            my ($what, $var) = split / /;
            next unless $var eq $name;
            return $row->{start} if $what eq 'start';
            return $row->{end} if $what eq 'end';
            return $row->{end} + 1 if $what eq 'end+1';
            return $row->{end} - $row->{start} + 1 if $what eq 'size';
        }
    }
    return undef;
}

# What `dd <name> L1` printed at the prompt.
sub dd {
    my ($output, $name) = @_;
    return $output =~ /^kd> dd $name L1\n[0-9a-f]{8}  ([0-9a-f]{8})$/m ? hex($1) : undef;
}

# The default layout at one memory size: the map's literal rows and the lab's variables.
sub check_default {
    my ($mem) = @_;
    my ($status, $output) = boot(mem => $mem, input => "${lab}poweroff\n", timeout => 60);
    my @rows = table($output);
    my ($kseg0) = grep { $_->{name} eq 'unused, no access' && $_->{start} < 0xa0000000 } @rows;

    like($output, qr/^  00000000  7ffeffff   2047 MB   user space +end MmHighestUserAddress$/m,
        "$mem MB: user space to 7ffeffff");
    like($output, qr/^  80000000  803fffff      4 MB   kernel image +start MmSystemRangeStart, size MmBootImageSize$/m,
        "$mem MB: system space starts with the image at 80000000");
    like($output, qr/^  80400000  [0-9a-f]{8} +\d+ [KM]B   PFN database +start MmPfnDatabase$/m,
        "$mem MB: PFN database at 80400000");
    like($output, qr/^  a0000000  a3ffffff     64 MB   session space +start MmSessionBase, end\+1 MiSessionSpaceEnd$/m,
        "$mem MB: session space a0000000-a3ffffff");
    like($output, qr/^  a4000000  bfffffff    448 MB   system PTE overflow, extra cache +start MiSystemCacheStartExtra, end\+1 MiSystemCacheEndExtra$/m,
        "$mem MB: system-PTE overflow and extra cache a4000000 up to the page tables");
    like($output, qr/^  c0000000  c03fffff      4 MB   page tables$/m, "$mem MB: page tables");
    like($output, qr/^  c1000000  e0ffffff    512 MB   system cache +start MmSystemCacheStart, end MmSystemCacheEnd$/m,
        "$mem MB: system cache");
    like($output, qr/^  e1000000  [0-9a-f]{8} +\d+ MB   paged pool/m, "$mem MB: paged pool at e1000000");
    like($output, qr/^  ffbe0000  ffbfffff    128 KB   crash dump area$/m, "$mem MB: crash dump area");
    ok($kseg0 && $kseg0->{end} == 0x9fffffff,
        "$mem MB: the rest of KSEG0 is unused, up to 9fffffff");
    my $covered = 1;
    for my $i (1 .. $#rows) {
        $covered = 0 unless $rows[$i]{start} == $rows[$i - 1]{end} + 1;
    }
    ok(@rows >= 18 && $rows[0]{start} == 0 && $rows[-1]{end} == 0xffffffff && $covered,
        "$mem MB: the rows cover all 4 GB in order");

    is(dd($output, 'MmHighestUserAddress'), 0x7ffeffff, "$mem MB: dd MmHighestUserAddress");
    is(dd($output, 'MmSystemRangeStart'), 0x80000000, "$mem MB: dd MmSystemRangeStart");
    is(dd($output, 'MiSystemCacheStartExtra'), 0xa4000000, "$mem MB: dd MiSystemCacheStartExtra");
    is(dd($output, 'MiSystemCacheEndExtra'), 0xc0000000, "$mem MB: dd MiSystemCacheEndExtra");
    ok(defined dd($output, 'MmNonPagedSystemStart') && dd($output, 'MmNonPagedSystemStart') >= 0xeb000000,
        "$mem MB: dd MmNonPagedSystemStart, never below eb000000");
    for my $name (qw(MmHighestUserAddress MmSystemRangeStart MiSystemCacheStartExtra
                     MiSystemCacheEndExtra MmNonPagedSystemStart)) {
        my $value = dd($output, $name);
        is(from_table($name, @rows), $value,
            sprintf("$mem MB: the table shows %s as dd reads it (%08x)", $name, $value // 0));
    }
    is($status, 0, "$mem MB: exits 0");
}

check_default($_) for (64, 8, 256, 1024, 3584);

my ($status, $output) = boot(cmdline => '3gb', input => "${lab}poweroff\n", timeout => 30);
my @rows = table($output);
like($output, qr/^  00000000  bffeffff   3071 MB   user space +end MmHighestUserAddress$/m,
    '3gb: user space to bffeffff');
like($output, qr/^  c0000000  c03fffff      4 MB   page tables +start MmSystemRangeStart$/m,
    '3gb: system space starts at the page tables');
like($output, qr/^  dc000000  deffffff     48 MB   session space +start MmSessionBase, end\+1 MiSessionSpaceEnd$/m,
    '3gb: 48 MB of session space below the views');
like($output, qr/^  e0000000  e0ffffff     16 MB   kernel image/m, '3gb: the image moved to e0000000');
unlike($output, qr/extra cache/, '3gb: no extra range');
is(dd($output, 'MmHighestUserAddress'), 0xbffeffff, '3gb: dd MmHighestUserAddress');
is(dd($output, 'MmSystemRangeStart'), 0xc0000000, '3gb: dd MmSystemRangeStart');
is(dd($output, 'MiSystemCacheStartExtra'), 0, '3gb: dd MiSystemCacheStartExtra reads 0');
is(dd($output, 'MiSystemCacheEndExtra'), 0, '3gb: dd MiSystemCacheEndExtra reads 0');
for my $name (qw(MmHighestUserAddress MmSystemRangeStart MmNonPagedSystemStart)) {
    is(from_table($name, @rows), dd($output, $name), "3gb: the table shows $name as dd reads it");
}
is($status, 0, '3gb: exits 0');

($status, $output) = boot(cmdline => '3gb test=mm.*,boot.*', timeout => 120);
my ($pagedStart, $pagedEnd) = $output =~ /^  (e1000000)  ([0-9a-f]{8}) +\d+ MB   paged pool/m;
ok(defined $pagedEnd && hex($pagedEnd) - hex($pagedStart) + 1 >= 160 << 20,
    '3gb: paged pool at least 160 MB');
report_ktap($output, '3gb', skip => [grep { /^(?:mm|boot)\./ }
                                      @NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS, @NO_MODULE_SKIPS]);
is($status, 0, '3gb: exits 0');

($status, $output) = boot(cmdline => 'increaseuserva=2560 test=mm.layout.*', timeout => 60);
like($output, qr/^  00000000  9ffeffff   2559 MB   user space/m, 'increaseuserva=2560');
like($output, qr/^  a0000000  bfffffff    512 MB   unused, no access +start MmSystemRangeStart$/m,
    'system space starts at a0000000, unused up to the page tables');
report_ktap($output, 'increaseuserva');
is($status, 0, 'exits 0');

($status, $output) = boot(cmdline => 'increaseuserva=4096 test=mm.layout.values', timeout => 60);
like($output, qr/bad value: 'increaseuserva=4096' ignored/, 'an out-of-range increaseuserva is reported');
like($output, qr/^  00000000  7ffeffff/m, '... and the default layout used');
is($status, 0, 'exits 0');

($status, $output) = boot(mem => 16, cmdline => 'test=all', timeout => 120);
like($output, qr/Virtual address space \(2048 MB of user space, 1[45] MB of RAM\)/, '16 MB machine');
report_ktap($output, '16 MB',
    skip => [@NO_DISK_SKIPS, @NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS, @NO_MODULE_SKIPS, @NO_FAT_FILES_SKIPS]);
is($status, 0, '16 MB: exits 0');
done_testing();
