#!/usr/bin/perl
# A user page the paging file cannot give back (user/tests/inpage.c): reads of the paging
# file's first slots fail (QEMU's blkdebug), so the first read of a page that went out there is
# an in-page error. The thread gets STATUS_IN_PAGE_ERROR with NT's three parameters (read or
# write, the address, the disk's status), again on a second try, and the system lives on: the
# process exits normally and the machine powers off, never a STOP. On 32 MiB, 48 MiB written with a 64-page working
# set.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $EIO = 5;
system('make', '-s', 'user') == 0 or BAIL_OUT('make user failed');

# Reads of the paging file's slots 1 to 64 fail (EIO), whenever they come: the first pages
# written out are the program's (nothing else is paged out before it fills memory, and all its
# other pages are locked), so only its pages are lost, never the system's (a system page that
# cannot be read is KERNEL_DATA_INPAGE_ERROR, tests/paging.t).
my $rules = join('', map { "[inject-error]\nevent = \"read_aio\"\niotype = \"read\"\nerrno = \"$EIO\"\n"
                           . "sector = \"" . (2048 + 8 * $_) . "\"\n\n" } 1 .. 64);
my $disk = blkdebug_drive(mkdisk('inpage', 128), $rules);
my ($rc, $out) = boot(mem => 32, disks => [$disk], timeout => 600,
                      exes => ["$TOP/build/user/inpage.exe"], cmdline => 'run=inpage.exe');
like($out, qr/^Paging file 0: disk 0 from LBA 2048, 128 MB$/m, 'a paging file');
for my $case (qw(read write)) {
    like($out, qr/^ok \d+ inpage\.$case$/m, "inpage.$case") or diag($out);
}
like($out, qr/^# read of [0-9A-Fa-f]+: 0xC0000006, disk status 0xC0000185$/m,
     'the read: STATUS_IN_PAGE_ERROR with STATUS_IO_DEVICE_ERROR');
unlike($out, qr/\*\*\* STOP/, 'no STOP');
like($out, qr/^process inpage\.exe exited with status 0x00000000$/m, 'exit status 0');
is($rc, 0, 'tools/boot reports success');
done_testing();
