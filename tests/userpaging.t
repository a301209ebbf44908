#!/usr/bin/perl
# User processes paged out and back (user/tests/userpaging.c): four processes, each touching
# as much memory as the machine has with a pattern per process, page and word, on 32 MiB and
# on 16 MiB with a 256 MiB paging file: 0 bad words, each process's working set trimmed and
# its pages faulted back (more faults than pages, a peak working set below its memory), the
# paging file written and read, and their commitment and pool given back. Then teardown.exe
# with a paging file: 200 busy children whose pages went to it give back every slot.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $mem (32, 16) {
    my $disk = mkdisk("userpaging$mem", 256);
    my ($rc, $out) = boot(mem => $mem, disks => [$disk], timeout => 1200,
                          exes => ["$TOP/build/user/userpaging.exe"],
                          cmdline => 'run=userpaging.exe');
    like($out, qr/^Paging file 0: disk 0 from LBA 2048, 256 MB$/m, "$mem MiB: a paging file");
    my @children = $out =~ /^# child \d+: exit (\d+) \(bad words\), (\d+) faults for (\d+) pages/mg;
    is(scalar(@children), 12, "$mem MiB: four processes reported");
    while (my ($bad, $faults, $pages) = splice(@children, 0, 3)) {
        is($bad, 0, "$mem MiB: 0 bad words of $pages pages");
        cmp_ok($faults, '>', $pages, "$mem MiB: $faults faults for $pages pages");
    }
    my ($written, $read) = $out =~ /^# paging file: (\d+) pages written in \d+ writes, (\d+) read/m;
    cmp_ok($written // 0, '>', 0, "$mem MiB: pages written to the paging file");
    cmp_ok($read // 0, '>', 0, "$mem MiB: pages read back from it");
    like($out, qr/^ok 1 userpaging\.processes$/m, "$mem MiB: the case passed") or diag($out);
    like($out, qr/^ok 2 userpaging\.given_back$/m, "$mem MiB: commitment and pool given back")
        or diag($out);
    like($out, qr/^process userpaging\.exe exited with status 0x00000000$/m,
         "$mem MiB: exit status 0");
    is($rc, 0, "$mem MiB: tools/boot reports success");
}
{
    my $disk = mkdisk('teardown16', 256);
    my ($rc, $out) = boot(mem => 16, disks => [$disk], timeout => 600,
                          exes => ["$TOP/build/user/teardown.exe", "$TOP/build/user/nop.exe"],
                          cmdline => 'run=teardown.exe');
    my ($before, $after, $peak) =
        $out =~ /^# \d+ x teardown\.exe busy: .*\n# paging file 0: (\d+) -> (\d+) pages in use, peak (\d+)$/m;
    cmp_ok($peak // 0, '>', $before // 0, 'teardown: the busy children\'s pages went to the paging file');
    is($after, $before, 'teardown: ... and every slot came back');
    unlike($out, qr/^not ok/m, 'teardown with a paging file: every case passed') or diag($out);
    is($rc, 0, 'teardown with a paging file: tools/boot reports success');
}
done_testing();
