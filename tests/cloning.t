#!/usr/bin/perl
# Address-space cloning (POSIX fork as NT does it; user/tests/cloning.c): cloning.exe's cases
# (statuses, page-by-page divergence, share count 2 for a page neither process wrote, commit
# charged once, a thread writing while its process forks, write watch, 100 fork/exit cycles
# leaking nothing) at 32, 16 and 8 MiB, at 8 MiB once more with a paging file, at 32 MiB under
# /3GB; a large-address-aware forker under /3GB (its memory above 2 GB the child's too); and its
# paging scenario: memory larger than half the machine written,
# forked, half of it rewritten by the child, every word checked by both while the machine
# pages (clone blocks holding paging-file and transition PTEs), then rewritten by the parent
# alone (its pages taken back) and checked again, 0 bad words.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;

my $CASES = 11;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
for my $mb (32, 16, 8) {
    my ($status, $out) = boot(mem => $mb, exes => ["$TOP/build/user/cloning.exe"],
                              cmdline => 'run=cloning.exe', timeout => 300);
    my @cases = $out =~ /^(?:ok|not ok) \d+ \S+/mg;
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is(scalar(@cases), $CASES, "$mb MiB: cloning.exe ran its $CASES cases");
    is_deeply(\@bad, [], "$mb MiB: every case passed") or diag($out);
    like($out, qr/^# attributes: before 0x43, parent shared 0x8045, child shared 0x8045, child copy 0x43, parent after 0x8043$/m,
         "$mb MiB: one physical page, share count 2, until the child's write");
    like($out, qr/^process cloning\.exe exited with status 0x00000000$/m, "$mb MiB: exit status 0");
    is($status, 0, "$mb MiB: tools/boot reports success");
}
{
    my $disk = mkdisk('cloningcases', 64);
    my ($status, $out) = boot(mem => 8, disks => [$disk], exes => ["$TOP/build/user/cloning.exe"],
                              cmdline => 'run=cloning.exe', timeout => 300);
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is(scalar(() = $out =~ /^(?:ok|not ok) \d+ \S+/mg), $CASES, '8 MiB with a paging file: all cases ran');
    is_deeply(\@bad, [], '8 MiB with a paging file: every case passed') or diag($out);
    is($status, 0, '8 MiB with a paging file: exit status 0');
}
{
    # Under /3GB the shared user data page lies inside a reservation VAD: the clone leaves it
    # (the child makes its own) and the system's page is never a fork's.
    my ($status, $out) = boot(mem => 32, exes => ["$TOP/build/user/cloning.exe"],
                              cmdline => '3gb run=cloning.exe', timeout => 300);
    my @bad = $out =~ /^not ok \d+ (\S+)/mg;
    is(scalar(() = $out =~ /^(?:ok|not ok) \d+ \S+/mg), $CASES, '/3GB: all cases ran');
    is_deeply(\@bad, [], '/3GB: every case passed') or diag($out);
    is($status, 0, '/3GB: exit status 0');
}
{
    # A large-address-aware process under /3GB (tests/programs/forkhigh.c, the bit patched into
    # a copy): the child's address space is made as large, and the memory above 2 GB is its too.
    my $program = "$TOP/build/programs/forkhigh.exe";
    system("mkdir -p $TOP/build/programs && $TOP/tools/mkexe $program "
           . "$TOP/tests/programs/forkhigh.c >/dev/null") == 0 or BAIL_OUT('tools/mkexe forkhigh.exe failed');
    open(my $in, '<:raw', $program) or die $!;
    my $image = do { local $/; <$in> };
    close($in);
    my $pe = unpack('V', substr($image, 0x3C, 4));
    substr($image, $pe + 22, 2) = pack('v', unpack('v', substr($image, $pe + 22, 2)) | 0x20);
    my $dir = tempdir(CLEANUP => 1);
    open(my $out, '>:raw', "$dir/forkhigh.exe") or die $!;
    print $out $image;
    close($out);
    my ($status, $text) = boot(mem => 32, exes => ["$dir/forkhigh.exe"],
                               cmdline => '3gb run=forkhigh.exe', timeout => 120);
    like($text, qr/^forkhigh: memory at A0000000, the child found 0 pages wrong$/m,
         '/3GB, large-address-aware: the child has the memory above 2 GB') or diag($text);
    is($status, 0, '/3GB, large-address-aware: exit status 0');
}
for my $run ([32, 24], [16, 12], [8, 6]) {
    my ($mb, $size) = @$run;
    my $disk = mkdisk("cloningpaging$mb", 128);
    my ($status, $out) = boot(mem => $mb, disks => [$disk], exes => ["$TOP/build/user/cloning.exe"],
                              cmdline => "run=\"cloning.exe paging $size\"", timeout => 900);
    like($out, qr/^Paging file 0: disk 0 from LBA 2048, 128 MB$/m, "$mb MiB: a paging file");
    like($out, qr/^fork paging: $size MB, child 0 bad words, parent 0 bad words$/m,
         "$mb MiB, $size MB forked: 0 bad words in the child and the parent") or diag($out);
    my ($written, $read) = $out =~ /^fork paging: (\d+) pages written to the paging file, (\d+) read$/m;
    cmp_ok($written // 0, '>', 0, "$mb MiB: the forked memory went to the paging file");
    cmp_ok($read // 0, '>', 0, "$mb MiB: and came back");
    like($out, qr/^process cloning\.exe exited with status 0x00000000$/m, "$mb MiB: exit status 0");
}
done_testing();
