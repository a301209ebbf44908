#!/usr/bin/perl
# Sections with a paging file: the in-kernel test mm.section.paging (tests/kernel/section.c) runs
# user/tests/section.exe's paging scenario at 32, 16 and 8 MiB with a 128 MiB paging-file disk:
# a section 8 MB larger than memory, shared by two processes mapping it at different
# addresses, every word written by one and checked by the other, trimmed from both working
# sets, paged out and faulted back (0 bad words); then, the processes gone, no segment, no
# prototype page and no shared commitment is left, the commitment is what it was before, and
# every paging-file slot in use is held by something that still exists. Then section.exe's own
# cases once more at 8 MiB, where a paging file lets its views be paged out between touches.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $mb (32, 16, 8) {
    my $disk = mkdisk("sectionpaging$mb", 128);
    my ($status, $out) = boot(mem => $mb, disks => [$disk], exes => ['build/user/section.exe'],
        cmdline => 'test=mm.section.paging', timeout => 600);
    like($out, qr/^Paging file 0: disk 0 from LBA 2048, 128 MB$/m, "$mb MiB: the paging file is made");
    like($out, qr/^# child: 0 bad words of \d+ after the parent's writes$/m,
         "$mb MiB: the child read every word the parent wrote");
    like($out, qr/^# parent: 0 bad words of \d+, read twice$/m,
         "$mb MiB: the parent read every word, the child's too, twice");
    my ($written, $read) = $out =~ /^# (\d+) pages written to the paging file, (\d+) read back$/m;
    cmp_ok($written // 0, '>', 0, "$mb MiB: the section went to the paging file");
    cmp_ok($read // 0, '>', 0, "$mb MiB: and came back from it");
    like($out, qr/^ok 1 mm\.section\.paging$/m,
         "$mb MiB: every page, slot and charge came back") or diag($out);
    is($status, 0, "$mb MiB: exit status 0");
}
{
    my $disk = mkdisk('sectioncases', 64);
    my ($status, $out) = boot(mem => 8, disks => [$disk], exes => ['build/user/section.exe'],
        cmdline => 'run=section.exe', timeout => 300);
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    my @cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
    is(scalar(@cases), 14, '8 MiB with a paging file: section.exe ran its 14 cases');
    is_deeply(\@bad, [], '8 MiB with a paging file: every case passed') or diag($out);
    is($status, 0, '8 MiB with a paging file: exit status 0');
}
done_testing();
