# tests/lib/PeMutate.pm: damaged copies of a PE32 program, for tests/pefuzz.t. Each copy
# comes from (seed, index) alone, so any one of them can be made again to look at:
#
#   my ($bytes, $what) = PeMutate::mutate($original, $seed, $index);
#
# One to four mutations each, chosen and placed by a generator of its own (the same on every
# perl): a header field (DOS, file, optional, data directory or section header) set to an edge
# value (0, 1, all ones, the sign bit, off by one, doubled, halved, random), the image base
# moved where the image cannot stay (so it is relocated), bytes of the headers flipped, bytes
# of the relocations or the export directory overwritten, random bytes anywhere, or the file
# cut short. $what lists what was done, for the test's diagnostics.
package PeMutate;
use strict;
use warnings;

my $state;

sub next_random {
    $state = ($state * 1103515245 + 12345) % 4294967296;
    return ($state >> 16) | ($state & 0xFFFF0000);
}

sub pick { my ($n) = @_; return next_random() % $n; }

sub u16 { my ($b, $o) = @_; return $o + 2 <= length($$b) ? unpack('v', substr($$b, $o, 2)) : 0; }
sub u32 { my ($b, $o) = @_; return $o + 4 <= length($$b) ? unpack('V', substr($$b, $o, 4)) : 0; }

sub put {
    my ($b, $offset, $size, $value) = @_;
    return if $offset + $size > length($$b);
    substr($$b, $offset, $size) = pack($size == 2 ? 'v' : $size == 1 ? 'C' : 'V',
                                       $value & ($size == 4 ? 0xFFFFFFFF : $size == 2 ? 0xFFFF : 0xFF));
}

# Every field of the headers as [name, file offset, size].
sub fields {
    my ($b) = @_;
    my @f = (['e_magic', 0, 2], ['e_lfanew', 0x3C, 4]);
    my $pe = u32($b, 0x3C);
    return @f if $pe + 24 > length($$b);
    push @f, ['Signature', $pe, 4];
    my $fh = $pe + 4;
    push @f, map { ["FileHeader.$_->[0]", $fh + $_->[1], $_->[2]] }
        (['Machine', 0, 2], ['NumberOfSections', 2, 2], ['SizeOfOptionalHeader', 16, 2],
         ['Characteristics', 18, 2]);
    my $opt = $fh + 20;
    push @f, map { ["Optional.$_->[0]", $opt + $_->[1], $_->[2]] }
        (['Magic', 0, 2], ['AddressOfEntryPoint', 16, 4], ['ImageBase', 28, 4],
         ['SectionAlignment', 32, 4], ['FileAlignment', 36, 4], ['SizeOfImage', 56, 4],
         ['SizeOfHeaders', 60, 4], ['Subsystem', 68, 2], ['DllCharacteristics', 70, 2],
         ['SizeOfStackReserve', 72, 4], ['SizeOfStackCommit', 76, 4],
         ['SizeOfHeapReserve', 80, 4], ['SizeOfHeapCommit', 84, 4],
         ['NumberOfRvaAndSizes', 92, 4]);
    for my $d (0 .. 15) {
        push @f, ["Directory[$d].VirtualAddress", $opt + 96 + 8 * $d, 4],
                 ["Directory[$d].Size", $opt + 100 + 8 * $d, 4];
    }
    my $sections = $opt + u16($b, $fh + 16);
    for my $s (0 .. u16($b, $fh + 2) - 1) {
        my $at = $sections + 40 * $s;
        last if $at + 40 > length($$b) || $s >= 16;
        push @f, map { ["Section[$s].$_->[0]", $at + $_->[1], 4] }
            (['VirtualSize', 8], ['VirtualAddress', 12], ['SizeOfRawData', 16],
             ['PointerToRawData', 20], ['Characteristics', 36]);
    }
    return @f;
}

# The file offset of an RVA, through the section table; undef when no section holds it.
sub file_offset {
    my ($b, $rva) = @_;
    my $pe = u32($b, 0x3C);
    my $fh = $pe + 4;
    my $sections = $fh + 20 + u16($b, $fh + 16);
    for my $s (0 .. u16($b, $fh + 2) - 1) {
        my $at = $sections + 40 * $s;
        last if $at + 40 > length($$b);
        my ($va, $raw, $ptr) = (u32($b, $at + 12), u32($b, $at + 16), u32($b, $at + 20));
        return $ptr + $rva - $va if $rva >= $va && $rva < $va + $raw;
    }
    return undef;
}

sub edge_value {
    my ($old, $size) = @_;
    my $all = $size == 4 ? 0xFFFFFFFF : $size == 2 ? 0xFFFF : 0xFF;
    my @values = (0, 1, 2, $all, ($all >> 1) + 1, $all >> 1, $old + 1, $old - 1, $old * 2,
                  int($old / 2), $old + 0x1000, $old + 0x10000, 0x1000, 0x10000, next_random());
    return $values[pick(scalar @values)] & $all;
}

# Bytes of the directory $index (1..) overwritten: relocations (5) or exports (0).
sub garble_directory {
    my ($b, $index, $what) = @_;
    my $pe = u32($b, 0x3C);
    my $dir = $pe + 24 + 96 + 8 * $index;
    my ($rva, $size) = (u32($b, $dir), u32($b, $dir + 4));
    my $at = file_offset($b, $rva);
    return unless defined $at && $size;
    for (1 .. 1 + pick(8)) {
        my $offset = $at + pick($size);
        put($b, $offset, 1, pick(256));
    }
    push @$what, "directory $index garbled";
}

sub mutate_once {
    my ($b, $what) = @_;
    my $kind = pick(100);
    return unless length($$b);
    if ($kind < 45) {
        my @f = fields($b);
        my $f = $f[pick(scalar @f)];
        my $value = edge_value(($f->[2] == 4 ? u32($b, $f->[1]) : u16($b, $f->[1])), $f->[2]);
        put($b, $f->[1], $f->[2], $value);
        push @$what, sprintf('%s=0x%X', $f->[0], $value);
    } elsif ($kind < 52) {
        my @bases = (0x80000000, 0x7FFF0000, 0xFFFF0000, 0x00010000, 0x7FFD0000, 0x10000000);
        my $base = $bases[pick(scalar @bases)];
        put($b, u32($b, 0x3C) + 24 + 28, 4, $base);
        push @$what, sprintf('ImageBase=0x%X', $base);
    } elsif ($kind < 65) {
        my $limit = u32($b, u32($b, 0x3C) + 24 + 60) || 0x400;
        $limit = length($$b) if $limit > length($$b) || $limit == 0;
        for (1 .. 1 + pick(4)) {
            my $offset = pick($limit);
            put($b, $offset, 1, ord(substr($$b, $offset, 1)) ^ (1 << pick(8)));
            push @$what, sprintf('bit flipped at 0x%X', $offset);
        }
    } elsif ($kind < 75) {
        garble_directory($b, 5, $what);
    } elsif ($kind < 83) {
        garble_directory($b, 0, $what);
    } elsif ($kind < 92) {
        for (1 .. 1 + pick(8)) {
            my $offset = pick(length($$b));
            put($b, $offset, 1, pick(256));
        }
        push @$what, 'random bytes';
    } else {
        my $length = pick(100) < 50 ? pick(0x400) : pick(length($$b));
        substr($$b, $length) = '' if $length < length($$b);
        push @$what, "cut to $length bytes";
    }
}

sub mutate {
    my ($original, $seed, $index) = @_;
    my $bytes = $original;
    my @what;
    $state = ($seed * 7919 + $index * 104729 + 1) % 4294967296;
    next_random() for 1 .. 4;
    mutate_once(\$bytes, \@what) for 1 .. 1 + pick(4);
    return ($bytes, join(', ', @what));
}

1;
