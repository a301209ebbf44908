#!/usr/bin/perl
# Views of files (data file sections, mm/datasec.c) on a FAT32 volume the host made with
# tools/mkdisk, by user/tests/mapfile.exe (its comment lists the files and cases):
#   1. at 32, 16 and 8 MiB: map.bin read byte for byte through a view (zeroes past its end);
#      wr.bin written through a view and flushed (ReadFile sees it at once); nf.bin written
#      and never flushed; a write-copy view of cw.bin; shr.bin shared with a child process
#      (one physical page: ShareCount 2 in both); CreateFileMapping's errors and a mapping
#      growing grow.bin; coh.bin written by WriteFile and through a view, each seen by the
#      other at once (map.coherent); ext.bin grown while mapped, its segment extended
#      (map.extend). Afterwards the host reads every file back with mtools byte for byte
#      and fsck.fat -n finds the volume clean.
#   1b. the mapcount sample counts a text file's lines and words through a view, as perl does,
#      run from the volume itself (run="C:/bin/count.exe ...": an image section of a file,
#      mm/imagefile.c; no module but the DLLs).
#   2. at 8 MiB with a 16 MiB paging-file partition: big.bin, 12 MiB (more than the memory),
#      mapped read/write, every byte checked and complemented; the paging file's use may not
#      grow by more than a sixteenth of the file; ReadFile then sees the complement unflushed
#      and WriteFile's blocks are seen through the view (coherency under memory pressure); the
#      host finds both; again with no paging file at all, the mapped page writer alone making
#      room.
#   2b. bad.bin's first sector failing (blkdebug): a read through a view raises
#      STATUS_IN_PAGE_ERROR carrying STATUS_IO_DEVICE_ERROR, and again; its last page reads.
#      badimg.exe (imgfile.exe) with the sector of its entry point failing: started from C:\
#      twice, it ends with STATUS_IN_PAGE_ERROR each time.
#   3. the kd> prompt while `mapfile.exe hold` keeps map.bin and shr.bin mapped: !filecache
#      after the copy sample copied map.bin (both files cached, map.bin in the control area its
#      view uses; copy.bin written by poweroff), !vm's system cache line; !ca lists the
#      two data files' control areas (flag File), and !ca <ca> names the file and shows its one
#      subsection (49 pages, 1234 bytes in the last), the pages read and prototype PTEs: shr.bin's
#      second page came in with its first (a read cluster) and waits on the standby list;
#      `poweroff` with the views still mapped writes shr.bin's written page to the file.
#      Then programs from C:\ (user/tests/imgfile.exe, its comment lists the cases): `start
#      C:\bin\imgfile.exe` passes its 6 cases (two instances sharing .text, what is no program,
#      NtCreateSection(SEC_IMAGE)'s checks, the file kept from writers while its image lives,
#      NtCreateProcess with a section); `start C:\bin\imgfile.exe hold`, and !ca shows its
#      image's control area: flags Image File, the file named, the pages read from it.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;
use FatDisk;
use KdSession;

my $missing = fat_tools_missing();
plan skip_all => $missing if $missing;

my $FAT_LBA = 2048 + 16 * 2048;                 # after the 16 MiB paging-file partition
my $MAP_SIZE = 3 * 65536 + 1234;
my $PAGE = 4096;

sub pat { return pattern(@_) }

my %original = (
    'map.bin' => pat(11, $MAP_SIZE), 'wr.bin' => pat(12, 20000), 'nf.bin' => pat(14, 10000),
    'cw.bin' => pat(15, 8192), 'shr.bin' => pat(16, 8192), 'grow.bin' => pat(18, 100),
    'empty.dat' => '',
);
my $imgfile = slurp("$TOP/build/user/imgfile.exe") // die 'no build/user/imgfile.exe';
my %programs = (
    'bin/imgfile.exe' => $imgfile, 'bin/again.exe' => $imgfile,
    'bin/notpe.exe' => "this is not a program\r\n", 'bin/badpe.exe' => 'MZ' . ("\0" x 1022),
    'bin/empty.exe' => '',
);

# The volume's sector holding byte Offset of the file Path (a FAT32 volume at $FAT_LBA).
sub file_sector {
    my ($image, $path, $offset) = @_;
    my $fat = `mshowfat -i $image\@\@${\ ($FAT_LBA * 512)} ::$path 2>&1`;
    open(my $fh, '<:raw', $image) or die;
    seek($fh, $FAT_LBA * 512, 0);
    read($fh, my $boot, 512);
    close($fh);
    my ($spc, $reserved, $fats) = unpack('x13 C v C', $boot);
    my $spf = unpack('V', substr($boot, 0x24, 4));
    my $index = int($offset / ($spc * 512));
    my $cluster;
    for my $run ($fat =~ /<(\d+(?:-\d+)?)>/g) {
        my ($first, $last) = split(/-/, $run);
        $last //= $first;
        if ($index <= $last - $first) {
            $cluster = $first + $index;
            last;
        }
        $index -= $last - $first + 1;
    }
    return undef unless defined $cluster;
    return $FAT_LBA + $reserved + $fats * $spf + ($cluster - 2) * $spc + int(($offset % ($spc * 512)) / 512);
}

# The file offset of a PE image's entry point.
sub entry_offset {
    my ($pe) = @_;
    my $nt = unpack('V', substr($pe, 0x3C, 4));
    my ($sections, $optional) = unpack('v x12 v', substr($pe, $nt + 6, 16));
    my $entry = unpack('V', substr($pe, $nt + 24 + 16, 4));
    for my $i (0 .. $sections - 1) {
        my ($size, $va, $rawsize, $raw) = unpack('V4', substr($pe, $nt + 24 + $optional + 40 * $i + 8, 16));
        return $raw + $entry - $va if $entry >= $va && $entry < $va + $rawsize;
    }
    return undef;
}

for my $mib (32, 16, 8) {
    my $image = fat_disk("mapfile$mib", '82:16,0c:64', 90, %original);
    my ($status, $out) = boot(mem => $mib, timeout => 240, disks => [$image],
                              exes => ['build/user/mapfile.exe'], cmdline => 'run=mapfile.exe');
    my @ok = $out =~ /^ok \d+ (map\.\S+)$/mg;
    is(scalar(@ok), 8, "$mib MiB: mapfile.exe passed its 8 cases") or diag($out);
    is($status, 0, "$mib MiB: mapfile.exe exited with status 0");
    my %expected = (
        %original,
        'wr.bin' => pat(12, $PAGE) . substr(pat(13, 3 * $PAGE), $PAGE) . substr(pat(12, 20000), 3 * $PAGE),
        'nf.bin' => pat(17, $PAGE) . substr(pat(14, 10000), $PAGE),
        'shr.bin' => "\x5A\xA5" . substr(pat(16, 8192), 2),
        'grow.bin' => pat(18, 100) . ("\0" x (3 * $PAGE - 101)) . "\x77",
        'coh.bin' => substr(pat(22, 3 * $PAGE), 0, $PAGE + 7) . 'ABC'
                     . substr(pat(22, 3 * $PAGE), $PAGE + 10, $PAGE - 10 + 5) . "\xE1"
                     . substr(pat(22, 3 * $PAGE), 2 * $PAGE + 6),
        'ext.bin' => substr(pat(23, 20 * $PAGE), 0, 5) . "\x51"
                     . substr(pat(23, 20 * $PAGE), 6, 17 * $PAGE + 3 - 6) . "\xA7"
                     . substr(pat(23, 20 * $PAGE), 17 * $PAGE + 4) . ("\0" x (20 * $PAGE)),
    );
    for my $path (sort keys %expected) {
        my $got = mtype($image, $FAT_LBA, "/$path");
        ok(defined $got && $got eq $expected{$path},
           "$mib MiB: the host reads $path back byte for byte (" . length($expected{$path}) . ' bytes)')
            or diag(defined $got ? 'got ' . length($got) . ' bytes' : 'missing');
    }
    my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 64 * 2048);
    is($fsck_status, 0, "$mib MiB: fsck.fat -n finds the volume clean") or diag($fsck);
}

# --- 1b. the mapcount sample --------------------------------------------------------------
{
    my $text = join('', map { join(' ', ("word$_") x ($_ % 7 + 1)) . ($_ % 3 ? "\n" : "\t\r\n") }
                        1 .. 3000);
    my $image = fat_disk('mapcount', '82:16,0c:64', 90, 'words.txt' => $text,
                         'bin/count.exe' => slurp("$TOP/build/user/mapcount.exe"));
    my ($lines, $words) = (scalar(() = $text =~ /\n/g), scalar(() = $text =~ /[^ \t\r\n]+/g));
    my ($status, $out) = boot(mem => 16, timeout => 120, disks => [$image],
                              exes => ['build/user/ntdll.dll', 'build/user/kernel32.dll'],
                              cmdline => 'run="C:/bin/count.exe C:\\words.txt"');
    like($out, qr/^process C:\/bin\/count\.exe started: pid \d+$/m,
         'run=C:/bin/count.exe: a program started from the volume (no such module)');
    like($out, qr/^mapcount: C:\\words\.txt: $lines lines, $words words, ${\ length($text)} bytes$/m,
         "mapcount counts words.txt through a view: $lines lines, $words words") or diag($out);
    is($status, 0, 'mapcount exited with status 0');
}

# --- 2. a file larger than memory -------------------------------------------------------------
for my $table ('82:16,0c:64', '0c:64') {
    my $mib = 12;
    my $label = $table =~ /82/ ? '8 MiB' : '8 MiB, no paging file';
    my $lba = $table =~ /82/ ? $FAT_LBA : 2048;
    my $image = fat_disk('mapbig', $table, 90, 'big.bin' => pat(19, $mib << 20));
    my ($status, $out) = boot(mem => 8, timeout => 400, disks => [$image],
                              exes => ['build/user/mapfile.exe'],
                              cmdline => "run=\"mapfile.exe big $mib\"");
    like($out, qr/^ok 1 map\.big$/m, "$label: a $mib MiB file mapped, read, complemented") or diag($out);
    my ($before, $most) = $out =~ /^# big\.bin: $mib MiB mapped, paging files in use (\d+) pages before, at most (\d+)$/m;
    ok(defined $most && $most - $before < ($mib << 20) / $PAGE / 16,
       "$label: the paging file's use grew by " . (defined $most ? $most - $before : '?')
       . ' pages: the file\'s pages went to the file');
    is($status, 0, "$label: mapfile.exe big exited with status 0");
    my $got = mtype($image, $lba, '/big.bin');
    my $plain = pat(19, $mib << 20);
    my $want = $plain ^ ("\xFF" x ($mib << 20));
    for (my $block = 0; $block < ($mib << 4); $block += 2) {     # WriteFile's blocks
        substr($want, $block * 65536, 65536) = substr($plain, $block * 65536, 65536);
    }
    ok(defined $got && $got eq $want,
       "$label: the host reads the $mib MiB back as the view and WriteFile left it")
        or diag(defined $got ? 'got ' . length($got) . ' bytes' : 'missing');
}

# --- 2b. a sector of the file failing ------------------------------------------------------
{
    # a.bin first, so that bad.bin's sectors are far from the directory's (FAT reads metadata
    # a page at a time).
    my $image = fat_disk('mapbad', '82:16,0c:64', 90, 'a.bin' => pat(21, 65536),
                         'bad.bin' => pat(20, 3 * $PAGE), 'badimg.exe' => $imgfile);
    my $fat = `mshowfat -i $image\@\@${\ ($FAT_LBA * 512)} ::/bad.bin 2>&1`;
    my ($cluster) = $fat =~ /<(\d+)/;
    open(my $fh, '<:raw', $image) or die;
    seek($fh, $FAT_LBA * 512, 0);
    read($fh, my $boot, 512);
    close($fh);
    my ($spc, $reserved, $fats) = unpack('x13 C v C', $boot);
    my $spf = unpack('V', substr($boot, 0x24, 4));
    my $sector = $FAT_LBA + $reserved + $fats * $spf + (($cluster // 2) - 2) * $spc;
    # badimg.exe's entry point, past the first 8 KB the image's header read takes.
    my $entry = entry_offset($imgfile) // 0;
    my $entry_sector = file_sector($image, '/badimg.exe', $entry) // 0;
    ok($entry >= 0x2000 + 512 && $entry_sector > $sector,
       "imgfile.exe's entry point at file offset $entry, sector $entry_sector: past its headers' read");
    my $drive = blkdebug_drive($image, join('', map { "[inject-error]\nevent = \"read_aio\"\n"
                                                      . "errno = \"5\"\nsector = \"$_\"\n" }
                                                  $sector, $entry_sector));
    my ($status, $out) = boot(mem => 32, timeout => 120, disks => [$drive],
                              exes => ['build/user/mapfile.exe'], cmdline => 'run="mapfile.exe inpage"');
    like($out, qr/^ok 1 map\.inpage_error$/m, "sector $sector of bad.bin failing: "
         . 'STATUS_IN_PAGE_ERROR with the disk\'s status, twice; the third page reads') or diag($out);
    like($out, qr/^# bad\.bin: 0xC0000006, disk status 0xC0000185$/m, '... as the program saw it');
    like($out, qr/^ok 2 map\.image_inpage_error$/m, "sector $entry_sector of badimg.exe failing: "
         . 'the program ends with STATUS_IN_PAGE_ERROR, twice') or diag($out);
    is(scalar(() = $out =~ /^# badimg\.exe: exit status 0xC0000006$/mg), 2, '... as its parent saw it');
    unlike($out, qr/STOP/, '... no STOP');
    is($status, 0, '... exit status 0');
}

# --- 3. !ca ----------------------------------------------------------------------------------
{
    my $image = fat_disk('mapkd', '82:16,0c:64', 90, %original, %programs);
    my $s = KdSession->start('--mem', 32, '--timeout', 240, '--disk', $image,
                             '--exe', 'build/user/mapfile.exe', '--exe', 'build/user/copy.exe');
    ok(defined $s->wait_for(qr/kd> /), 'the prompt') or BAIL_OUT('no kd> prompt');
    my $started = $s->command('start mapfile.exe hold');
    my $line = $started =~ /^mapfile: holding .*\n/m ? $& : ($s->wait_for(qr/^mapfile: holding .*\n/m) // '');
    like($line, qr/^mapfile: holding map [0-9a-f]+ shr [0-9a-f]+ sum \d+$/m, 'mapfile.exe hold runs');
    my $list = $s->command('!ca');
    my @files = $list =~ /^([0-9a-f]{8})     [0-9a-f]{8}         1      1      2  +(\d+)  File$/mg;
    my %ca = reverse @files;                        # PTEs => control area
    # (the root directory's stream is a cached data file too: FAT's entries go through the cache)
    ok(defined $ca{49} && defined $ca{2}, '!ca: map.bin and shr.bin, each 1 section, 1 view, 2 users')
        or diag($list);
    my $map = $ca{49} // '0';
    my $area = $s->command("!ca $map");
    like($area, qr/^  Flags \([0-9a-f]{8}\) File$/m, '!ca map.bin: flag File');
    like($area, qr/^Mapped data file  File Object [0-9a-f]{8}  \\map\.bin$/mi, '!ca map.bin: names the file');
    like($area, qr/^  File size $MAP_SIZE bytes when mapped; 49 pages read, 0 written to the file$/m,
         '!ca map.bin: its size, each page read once, nothing written');
    like($area, qr/^  Subsection 1 \@ [0-9a-f]{8}  Starting page        0  Ptes 49 at [0-9a-f]{8}\n +Full pages 48  End offset 1234$/m,
         '!ca map.bin: one subsection, 48 full pages and 1234 bytes');
    like($area, qr/^  Prototype PTEs at [0-9a-f]{8}: 49 valid, 0 transition, 0 paging file,$/m,
         '!ca map.bin: the 49 pages read are valid');
    my $shr = $ca{2} // '0';
    my $shr_area = $s->command("!ca $shr");
    like($shr_area, qr/^  File size 8192 bytes when mapped; 2 pages read, 0 written to the file$/m,
         '!ca shr.bin: both pages read by one fault (a cluster), nothing written yet');
    like($shr_area, qr/^  Prototype PTEs at [0-9a-f]{8}: 1 valid, 1 transition, 0 paging file,\n    0 demand zero, 0 not committed$/m,
         '!ca shr.bin: the page written is valid, the one read with it on the standby list');
    # !filecache: map.bin copied by ReadFile / WriteFile (the copy sample), both files cached
    # (closed now), map.bin's control area the same one its view uses.
    $s->command('start copy.exe C:/map.bin C:/copy.bin');
    $s->wait_for(qr/^process copy\.exe exited with status 0x00000000\n/m);
    my $cache = $s->command('!filecache');
    like($cache, qr/^  Views: \d+ VACBs of 256 KB, [1-9]\d* mapped \(0 in use by a copy\), \d+ system cache slots$/m,
         '!filecache: views mapped, none in use') or diag($cache);
    like($cache, qr/^\Q$map\E +${\ int($MAP_SIZE \/ 1024)} +\d+ +1 +196 +0 +0  \\map\.bin  \(closed\)$/mi,
         '!filecache: map.bin in its one control area (the view\'s), 1 view, 196 KB valid, closed');
    like($cache, qr/^[0-9a-f]{8} +${\ int($MAP_SIZE \/ 1024)} +\d+ +1 +196 +\d+ +0  \\copy\.bin  \(closed\)$/mi,
         '!filecache: copy.bin written through the cache');
    like($s->command('!vm'), qr/^System cache: +\d+ pages resident in views, \d+ of \d+ view slots mapped/m,
         '!vm: the system cache line');
    # Programs from C:\ (mm/imagefile.c).
    my $ran = $s->command('start C:\\bin\\imgfile.exe');
    my $end = $s->wait_for(qr/^process C:\\bin\\imgfile\.exe exited with status 0x[0-9A-F]{8}$/m) // '';
    my $run = $ran . $end;
    my @imgfile = $run =~ /^(?:kd> )?ok \d+ (imgfile\.\S+)$/mg;
    is(scalar(@imgfile), 6, 'start C:\\bin\\imgfile.exe: its 6 cases passed') or diag($run);
    like($run, qr/^imgfile: from a section, as \\bin\\imgfile\.exe, at 00400000$/m,
         '... NtCreateProcess with its section: the process ran, its imports resolved');
    like($end, qr/exited with status 0x00000000$/, '... and exited with status 0');
    $s->command('start C:\\bin\\imgfile.exe hold');
    ok(defined $s->wait_for(qr/^imgfile: holding$/m), 'imgfile.exe hold runs');
    my $images = $s->command('!ca');
    my ($exe) = $images =~ /^([0-9a-f]{8})     [0-9a-f]{8}         0      1      1  +\d+  Image File$/m;
    ok(defined $exe, '!ca: the running program\'s image: no section, 1 view, flags Image File')
        or diag($images);
    my $exe_area = $s->command('!ca ' . ($exe // '0'));
    like($exe_area, qr/^Image file  File Object [0-9a-f]{8}  \\bin\\imgfile\.exe$/mi,
         '!ca of it: an image file, named');
    my ($size, $read) = $exe_area =~ /^  File size (\d+) bytes; (\d+) pages read from the file$/m;
    ok(defined $read && $size == length($imgfile) && $read > 0,
       '!ca of it: the file\'s size, and ' . ($read // '?') . ' pages read from the file')
        or diag($exe_area);
    my ($status) = $s->finish('poweroff');
    is($status, 0, 'poweroff');
    my $copied = mtype($image, $FAT_LBA, '/copy.bin');
    ok(defined $copied && $copied eq $original{'map.bin'}, 'poweroff wrote copy.bin from the cache');
    my $shr_after = mtype($image, $FAT_LBA, '/shr.bin');
    ok(defined $shr_after && $shr_after eq "\x42" . substr(pat(16, 8192), 1),
       'poweroff with shr.bin still mapped wrote the page mapfile.exe had written');
    my ($fsck_status, $fsck) = fsck($image, $FAT_LBA, 64 * 2048);
    is($fsck_status, 0, 'fsck.fat -n finds the volume clean after poweroff') or diag($fsck);
}

done_testing();
