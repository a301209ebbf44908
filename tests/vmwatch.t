#!/usr/bin/perl
# Write watch with a paging file: user/tests/vmwatch.exe at 16 and 8 MiB with a 64 MiB
# paging-file disk, so its paged-out case runs (a write-watch region half as large again as
# memory, every third page written: GetWriteWatch lists exactly those pages after they went
# to the paging file, and reading them back writes nothing). tests/user.t runs the same
# program without a disk, where that case is skipped.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $mb (16, 8) {
    my $disk = mkdisk("vmwatch$mb", 64);
    my ($status, $out) = boot(mem => $mb, disks => [$disk], exes => ['build/user/vmwatch.exe'],
        cmdline => 'run=vmwatch.exe', timeout => 300);
    like($out, qr/^Paging file 0: disk 0 from LBA 2048, 64 MB$/m, "$mb MiB: the paging file is made");
    my @cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
    is(scalar(@cases), 16, "$mb MiB: ran its 16 cases");
    like($out, qr/^ok \d+ user\.watch\.paged_out$/m, "$mb MiB: the paged-out case ran and passed");
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    my @skipped = $out =~ /^ok \d+ (\S+) # SKIP/mg;
    is_deeply(\@bad, [], "$mb MiB: every case passed") or diag($out);
    is_deeply(\@skipped, [], "$mb MiB: none skipped");
    is($status, 0, "$mb MiB: exit status 0");
}
done_testing();
