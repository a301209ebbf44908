#!/usr/bin/perl
# The system address space in each layout: the default, /3GB, a 2.5 GB user space, a small
# machine; the layout table on the console, the variables read from the kd> prompt, and the
# in-kernel layout and memory-manager tests in each.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my ($status, $output) = boot(input => "dd MmHighestUserAddress L1\n? poi(MmSystemRangeStart)\n"
    . "dd MmNonPagedPoolEnd l1\npoweroff\n", timeout => 30);
like($output, qr/^\s+00000000  7ffeffff\s+2047 MB\s+user space/m, 'default: user space to 7ffeffff');
like($output, qr/^\s+80000000  803fffff\s+4 MB\s+kernel image/m, 'default: the image in KSEG0');
like($output, qr/^\s+80400000  [0-9a-f]{8}\s+\d+ KB\s+PFN database/m, 'PFN database after it');
like($output, qr/^\s+a0000000  bfffffff\s+512 MB\s+session space/m, 'session space at a0000000');
like($output, qr/^\s+c0c00000  c0ffffff\s+4 MB\s+system cache working set list/m, 'cache WSL');
like($output, qr/^\s+e1000000  [0-9a-f]{8}\s+\d+ MB\s+paged pool/m, 'paged pool at e1000000');
like($output, qr/^\s+ffbe0000  ffbfffff\s+128 KB\s+crash dump area/m, 'crash dump area');
like($output, qr/^kd> dd MmHighestUserAddress L1\n[0-9a-f]{8}  7ffeffff$/m,
    'dd MmHighestUserAddress L1 shows 7ffeffff');
like($output, qr/^Evaluate expression: -2147483648 = 80000000$/m, '? poi(MmSystemRangeStart)');
like($output, qr/^[0-9a-f]{8}  ffbe0000$/m, 'dd MmNonPagedPoolEnd l1 shows ffbe0000');
is($status, 0, 'exits 0');

($status, $output) = boot(cmdline => '3gb test=mm.*,boot.*', timeout => 120);
like($output, qr/^\s+00000000  bffeffff\s+3071 MB\s+user space/m, '3gb: user space to bffeffff');
like($output, qr/^\s+e0000000  e0ffffff\s+16 MB\s+kernel image/m, '3gb: the image moved to e0000000');
unlike($output, qr/system cache \(extra\)/, '3gb: no extra system cache');
my ($pagedStart, $pagedEnd) = $output =~ /^\s+(e1000000)  ([0-9a-f]{8})\s+\d+ MB\s+paged pool/m;
ok(defined $pagedEnd && hex($pagedEnd) - hex($pagedStart) + 1 >= 160 << 20,
    '3gb: paged pool at least 160 MB');
report_ktap($output, '3gb', skip => [@NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS]);
is($status, 0, '3gb: exits 0');

($status, $output) = boot(cmdline => 'increaseuserva=2560 test=mm.layout.*', timeout => 60);
like($output, qr/^\s+00000000  9ffeffff\s+2559 MB\s+user space/m, 'increaseuserva=2560');
like($output, qr/^\s+a0000000  bfffffff\s+512 MB\s+unused system space/m,
    'the rest of the old session space is unused system space');
report_ktap($output, 'increaseuserva');
is($status, 0, 'exits 0');

($status, $output) = boot(cmdline => 'increaseuserva=4096 test=mm.layout.values', timeout => 60);
like($output, qr/bad value: 'increaseuserva=4096' ignored/, 'an out-of-range increaseuserva is reported');
like($output, qr/^\s+00000000  7ffeffff/m, '... and the default layout used');
is($status, 0, 'exits 0');

($status, $output) = boot(mem => 16, cmdline => 'test=all', timeout => 120);
like($output, qr/Virtual address space \(2048 MB of user space, 1[45] MB of RAM\)/, '16 MB machine');
report_ktap($output, '16 MB',
    skip => [@NO_DISK_SKIPS, @NO_PAGING_FILE_SKIPS, @NO_SPECIAL_POOL_SKIPS]);
is($status, 0, '16 MB: exits 0');
done_testing();
