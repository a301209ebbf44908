#!/usr/bin/perl
# Programs reach the kernel as multiboot modules (tools/boot --exe): through QEMU's -initrd and
# through GRUB's module lines. The kernel lists each (name, size) at start-up, keeps its pages
# off the free lists and reads it back whole (boot.loader.*, tests/kernel/loader.c prints a
# hash of the bytes it read, compared here with the file's); run= arrives as typed. Also: no
# modules, too many modules, a name too long to keep, and 3gb with a larger module.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Temp qw(tempdir);
use Mm386;

my $dir = tempdir(CLEANUP => 1);

# Two small programs of different sizes, one with a comma in its name (QEMU's ",," escape).
sub mingw {
    my ($exe, $source) = @_;
    open(my $fh, '>', "$exe.c") or die;
    print $fh $source;
    close($fh);
    system('i686-w64-mingw32-gcc', '-nostdlib', '-Wl,--entry,__start', '-o', $exe, "$exe.c") == 0
        or die "i686-w64-mingw32-gcc $exe failed\n";
    return $exe;
}
my @exes = (mingw("$dir/hello.exe", "void _start(void) { for (;;) ; }\n"),
            mingw("$dir/big,table.exe", "int table[3000] = { 1 };\n"
                  . "int _start(void) { return table[0]; }\n"));

sub fnv1a {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or die "$file: $!";
    local $/;
    my $hash = 0x811C9DC5;
    $hash = (($hash ^ $_) * 0x01000193) & 0xFFFFFFFF for unpack('C*', <$fh>);
    return sprintf('0x%08x', $hash);
}

sub check_modules {
    my ($label, $output, $count, @files) = @_;
    for my $file (@files) {
        (my $name = $file) =~ s{.*/}{};
        my $size = -s $file;
        like($output, qr/^Module \Q$name\E +$size bytes at 0x[0-9a-f]{8}$/m,
             "$label: the banner lists $name, $size bytes");
        like($output, qr/^# module \Q$name\E size $size fnv1a ${\ fnv1a($file)}$/m,
             "$label: $name reads back byte for byte");
    }
    like($output, qr/^# $count modules$/m, "$label: $count modules");
}

my $tests = 'test=boot.loader.*';
my ($status, $output) = boot(mem => 32, no_dlls => 1, exes => \@exes, timeout => 60,
                             cmdline => qq{$tests run="hello.exe a  b"});
report_ktap($output, '-kernel');
check_modules('-kernel', $output, 2, @exes);
like($output, qr/^# run=\[hello\.exe a  b\]$/m, '-kernel: run= keeps its words and blanks');
is($status, 0, '-kernel: exits 0') or diag($output);

# Under 3gb the image moves (kernel/init/relocate.c) after the boot code copied the module
# list; and a module of 300 KB is read through many mapping windows.
open(my $blob, '>:raw', "$dir/blob.bin") or die;
print $blob pack('N*', map { ($_ * 2654435761) & 0xFFFFFFFF } 1 .. 75000);
close($blob);
($status, $output) = boot(mem => 32, no_dlls => 1, exes => [@exes, "$dir/blob.bin"], timeout => 60,
                          cmdline => "3gb $tests");
report_ktap($output, '3gb');
check_modules('3gb', $output, 3, @exes, "$dir/blob.bin");
is($status, 0, '3gb: exits 0') or diag($output);

($status, $output) = boot(mem => 32, no_dlls => 1, exes => \@exes, iso => 1, timeout => 90,
                          cmdline => qq{$tests run="hello.exe 'a'  \$b;c"});
report_ktap($output, 'GRUB');
check_modules('GRUB', $output, 2, @exes);
like($output, qr/^# run=\[hello\.exe 'a'  \$b;c\]$/m, 'GRUB: run= arrives as typed');
is($status, 0, 'GRUB: exits 0') or diag($output);

($status, $output) = boot(mem => 32, timeout => 60, cmdline => $tests);
report_ktap($output, 'none');
unlike($output, qr/^Module /m, 'none: no module lines');
like($output, qr/^# 0 modules$/m, 'none: 0 modules');
like($output, qr/^# run=\[\]$/m, 'none: no run=');
is($status, 0, 'none: exits 0');

# 17 modules, one with a name longer than the 63 characters kept: the 17th is reported and
# ignored, the long name cut, and the rest work.
my @many;
for my $i (1 .. 17) {
    my $name = $i == 2 ? ('n' x 70) . '.bin' : "m$i.bin";
    open(my $fh, '>', "$dir/$name") or die;
    print $fh 'MZ', 'x' x (100 * $i);
    close($fh);
    push @many, "$dir/$name";
}
($status, $output) = boot(mem => 32, no_dlls => 1, exes => \@many, timeout => 60, cmdline => $tests);
report_ktap($output, 'many');
like($output, qr/^Modules: 17 from the loader, only the first 16 are kept$/m, 'many: the excess reported');
like($output, qr/^Module 1: its name is longer than 63 characters: cut to '${\ ('n' x 63)}'$/m,
     'many: the long name reported');
check_modules('many', $output, 16, @many[0, 2 .. 15]);
unlike($output, qr/^Module m17\.bin/m, 'many: the 17th ignored');
is($status, 0, 'many: exits 0');
done_testing();
