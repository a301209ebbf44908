#!/usr/bin/perl
# Image sections (user/tests/image.c): programs are mapped from image sections as NT maps them.
#   image.regions     every page of the program MEM_IMAGE, the headers read-only, .text
#                     execute-read, .rdata read-only, .data write-copy until written, .bss zero
#   image.share_text  two instances hold one physical copy of .text (ShareCount 2 in both,
#                     from MemoryWorkingSetExInformation) and a .data each
#   image.relocated   imagereloc.exe (linked at 0x80000000 with relocations) runs relocated
#   image.dlls        the program's imports resolved into kernel32.dll (0x7C800000) and
#                     ntdll.dll (0x7C900000), both MEM_IMAGE views
#   image.missing     missingdll.exe exits with STATUS_DLL_NOT_FOUND, noexport.exe with
#                     STATUS_ENTRYPOINT_NOT_FOUND
#   image.dll_moved   imagek32.exe (linked at 0x7C7F0000, over kernel32.dll's base) runs with
#                     kernel32.dll relocated by ntdll's loader
#   image.patch_code  .text made PAGE_EXECUTE_READWRITE is execute-write-copy, written privately
#   image.known_dll   \KnownDlls\kernel32.dll queried (basic and image information) and mapped
#                     a second time: STATUS_IMAGE_NOT_AT_BASE, the same physical code pages
#   image.loader      ldr.exe as a child (user/tests/ldr.c, its 10 ldr.* cases counted here
#                     too): PEB.Ldr's lists; LoadLibrary, GetProcAddress and FreeLibrary of
#                     testdll.dll and testdep.dll, known DLLs through --exe; load counts,
#                     DllMain calls and their order, DONT_RESOLVE_DLL_REFERENCES, a failing
#                     DllMain, a relocated load, two threads loading at once
# at 32 and 16 MiB. Then at the kd> prompt: `image.exe reread` empties its working set; the
# prompt's `!empty standby` takes its clean image pages out of memory (their prototypes become
# subsection PTEs again, !ca counts them), and the program reads them again, from the image,
# byte for byte as they were.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;
use KdSession;

system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');
my $dir = tempdir(CLEANUP => 1);
my @exes = ('image.exe', 'imagereloc.exe', 'missingdll.exe', 'noexport.exe', 'imagek32.exe',
            'ldr.exe', 'testdll.dll', 'testdep.dll');
for my $exe (@exes) {
    system('i686-w64-mingw32-strip', '-o', "$dir/$exe", "build/user/$exe") == 0
        or BAIL_OUT("strip $exe failed");
}
for my $mb (32, 16) {
    my $modules = join(' ', map { "--exe $dir/$_" } @exes);
    my $out = `tools/boot --mem $mb --timeout 300 $modules -- run=image.exe 2>&1`;
    my @cases = $out =~ /^(ok \d+ image\.\S+)$/mg;
    my @ldr = $out =~ /^(ok \d+ ldr\.\S+)$/mg;
    is(scalar(@cases), 9, "$mb MiB: the 9 cases passed") or diag($out);
    is(scalar(@ldr), 10, "$mb MiB: ldr.exe's 10 cases passed") or diag($out);
    like($out, qr/^imagereloc\.exe mapped at 0x(?!80000000)[0-9a-f]{4}0000$/m,
         "$mb MiB: imagereloc.exe relocated below 2 GB");
    like($out, qr/^kernel32\.dll relocated to (?!7C800000)[0-9A-F]{4}0000$/m,
         "$mb MiB: kernel32.dll relocated away from its taken base");
    like($out, qr/^process image\.exe exited with status 0x00000000$/m, "$mb MiB: exit status 0");
}

my $s = KdSession->start('--mem', 32, '--timeout', 240, map { ('--exe', "$dir/$_") } @exes);
ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');
$s->command('start image.exe reread');
my $trimmed = $s->wait_for(qr/^# reread: trimmed .*\n/m) // '';
like($trimmed, qr/\(\.rdata page valid 1 -> 0\)/, 'reread: the working set emptied');
my ($ca) = $s->command('!ca') =~ /^([0-9a-f]{8}) +[0-9a-f]{8} +0 +1 +\d+ +\d+  Image$/m;
ok(defined $ca, 'reread: the program\'s image control area (no section object, one view)');
$ca //= '0';
my ($in_file) = $s->command("!ca $ca") =~ /^    (\d+) in the image file only/m;
my ($purged) = $s->command('!empty standby') =~ /^standby: (\d+) pages went back/m;
cmp_ok($purged // 0, '>', 0, 'reread: !empty standby took the clean pages out of memory');
my ($in_file_after) = $s->command("!ca $ca") =~ /^    (\d+) in the image file only/m;
cmp_ok($in_file_after // 0, '>', $in_file // 0,
       'reread: more of its prototypes are subsection PTEs again ('
       . ($in_file // 0) . ' -> ' . ($in_file_after // 0) . ')');
my $reread = $s->wait_for(qr/^# reread: .*\n/m) // '';
like($reread, qr/^# reread: \.text sum ([0-9a-f]{8}) -> \1, \.rdata sum 24, \.rdata page valid 1$/m,
     'reread: .text and .rdata read again from the image, as they were');
like($s->wait_for(qr/^process image\.exe exited with status 0x[0-9A-F]{8}\n/m) // '',
     qr/status 0x00000000/, 'reread: exit status 0');
$s->finish('poweroff');
done_testing();
