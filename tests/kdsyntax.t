#!/usr/bin/perl
# WinDbg's syntax and display commands at the kd> prompt, each answer checked against the same
# value read another way: the symbol table from nm, memory and control registers from QEMU's
# monitor (xp, info registers), expressions computed here, memory through dd against db, dw,
# dq and dc, the memory map the kernel printed at boot.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Mm386;

my $elf = "$TOP/build/mm386.elf";
my $cross = $ENV{CROSS} // 'i686-linux-gnu-';

# The symbols as tools/imgtab keeps them: nm's order, the image's code and data only.
my @symbols;
{
    my @nm = map { [split] } `${cross}nm -n --defined-only $elf`;
    my ($base) = map { hex $_->[0] } grep { $_->[2] eq 'KiImageBase' } @nm;
    my ($end) = map { hex $_->[0] } grep { $_->[2] eq 'KiBssEnd' } @nm;
    @symbols = map { +{ address => hex $_->[0], name => $_->[2], code => ($_->[1] =~ /^[Tt]$/ ? 1 : 0) } }
        grep { $_->[1] =~ /^[TtDdBbRr]$/ && $_->[2] !~ /^\./ && hex $_->[0] >= $base &&
               hex $_->[0] < $end } @nm;
}
die "no symbols from nm" unless @symbols;
my %symbol = map { $_->{name} => $_->{address} } @symbols;
my ($image_end) = map { hex((split)[0]) } grep { /\sKiImageEnd$/ } `${cross}nm $elf`;
my $base = $symbol{KiImageBase};

# nt!Name+0xoffset as KdPrintSymbol prints it: the last symbol (in nm's order) at or below.
sub symbolize {
    my ($value) = @_;
    my $found;
    for (@symbols) {
        last if $_->{address} > $value;
        $found = $_;
    }
    return undef unless $found;
    my $offset = $value - $found->{address};
    return "nt!$found->{name}" . ($offset ? sprintf('+0x%x', $offset) : '');
}

# What each command printed: the text after its echoed line, up to the next prompt.
sub answers {
    my ($output) = @_;
    my %answer;
    for my $chunk (split /^kd> /m, $output) {
        my ($command, $text) = $chunk =~ /\A([^\n]*)\n(.*)\z/s or next;
        $answer{$command} = $text;
    }
    return %answer;
}

my $phys_image = $base - 0x80000000;
my @commands = (
    '? (MmSystemRangeStart - MmHighestUserAddress) / 0n1024',
    '? (poi(MmSystemRangeStart) - poi(nt!MmHighestUserAddress)) / 0n1024',
    '? nt!MmAccessFault + 0y1010 * 3 - 0x10 % 7',
    '? -(MmAccessFault - nt) / 0n16',
    '? wo(nt+2) + by(nt) * 0n100',
    '? 8010`0000 + 0t10',
    '? 1/0',
    '? nosuch + 1',
    'dd nt!MmHighestUserAddress L1',
    'DD NT!mmhighestuseraddress l1; $$ a comment; Dd MmSystemRangeStart L1 ; $$ another',
    '* a comment line; dd MmSystemRangeStart L1',
    'dd nt L8', 'db nt L20', 'dw nt L10', 'dq nt L4', 'dc nt L8', 'dd nt+2 L3', 'db nt+3 L5',
    'dd', 'dps KdCommands L8',
    'x nt!MmHighest*', 'x nt!mm*physical*', 'x nt!KiSystemStart?p', 'x other!Mm*',
    'ln MmAccessFault+3', 'ln nt!MmHighestUserAddress', 'lm',
    'r', 'r cr0 cr3 cr4', 'R CR3', 'r nosuch', 'k',
    '!thread', '!thread *', '!running',
    'dd MmLowestPhysicalPage L1', 'dd MmHighestPhysicalPage L1', 'dd MmNumberOfSystemPtes L1',
    'dd MmSystemPtesStart L2', 'dd MmSystemPtesEnd L2', 'dd MmPlentyFreePages L1',
    'dd MmMinimumFreePages L1', 'dd MmResidentAvailablePages L1', '!sysptes',
    '.cls', 'poweroff');
my ($status, $output, $monitor) = boot_with_monitor(mem => 64, timeout => 60,
    when => qr/^kd> /m,
    monitor => ['info registers', sprintf('xp /8wx 0x%x', $phys_image)],
    input => join('', map { "$_\n" } @commands));
is($status, 0, 'poweroff exits 0');
my %answer = answers($output);

# Expressions, computed here from nm's addresses and what dd shows.
sub evaluates {
    my ($command, $value, $name) = @_;
    $value &= 0xffffffff;
    my $signed = $value >= 0x80000000 ? $value - 4294967296 : $value;
    is($answer{$command}, sprintf("Evaluate expression: %d = %08x\n", $signed, $value), $name);
}
evaluates('? (MmSystemRangeStart - MmHighestUserAddress) / 0n1024',
    int(($symbol{MmSystemRangeStart} - $symbol{MmHighestUserAddress}) / 1024),
    'symbols are addresses; - ( ) / and 0n, signed as WinDbg');
evaluates('? (poi(MmSystemRangeStart) - poi(nt!MmHighestUserAddress)) / 0n1024',
    int((0x80000000 - 0x7ffeffff) / 1024), 'poi reads the variables');
evaluates('? nt!MmAccessFault + 0y1010 * 3 - 0x10 % 7', $symbol{MmAccessFault} + 30 - 2,
    'precedence: * and % before + and -');
evaluates('? -(MmAccessFault - nt) / 0n16', -int(($symbol{MmAccessFault} - $base) / 16),
    'unary minus of a parenthesis; nt is the image base');
my ($xp) = $monitor =~ /^0*\Q${\ sprintf('%x', $phys_image)}\E:((?: 0x\w{8}){4})/m;
my @image = map { hex } split ' ', ($xp // '');
my @image_bytes = map { my $d = $_; map { ($d >> 8 * $_) & 0xff } 0 .. 3 } @image;
evaluates('? wo(nt+2) + by(nt) * 0n100', ($image_bytes[2] | $image_bytes[3] << 8) +
    $image_bytes[0] * 100, 'wo and by read QEMU\'s bytes') if @image_bytes;
evaluates('? 8010`0000 + 0t10', 0x80100008, 'backquote separators and 0t');
like($answer{'? 1/0'}, qr/^Divide by zero error at '\/0'$/, 'division by zero is an error');
like($answer{'? nosuch + 1'}, qr/^Couldn't resolve error at 'nosuch \+ 1'$/,
    'an unknown symbol is an error');

# nt!, case, ; and $$.
is($answer{'dd nt!MmHighestUserAddress L1'},
    sprintf("%08x  7ffeffff\n", $symbol{MmHighestUserAddress}), 'dd nt!Symbol L1');
is($answer{'DD NT!mmhighestuseraddress l1; $$ a comment; Dd MmSystemRangeStart L1 ; $$ another'},
    sprintf("%08x  7ffeffff\n%08x  80000000\n", $symbol{MmHighestUserAddress},
        $symbol{MmSystemRangeStart}), 'any case; ; separates commands; $$ comments');
is($answer{'* a comment line; dd MmSystemRangeStart L1'}, '', 'a * line is all comment');

# The display commands against QEMU's xp of the image's first 32 bytes.
ok(@image == 4, 'xp read the image') or diag($monitor);
$xp = join('', $monitor =~ /^0*\Q${\ sprintf('%x', $phys_image + 16)}\E:((?: 0x\w{8}){4})/m);
push @image, map { hex } split ' ', $xp;
@image_bytes = map { my $d = $_; map { ($d >> 8 * $_) & 0xff } 0 .. 3 } @image;
my $line = sub { sprintf('%08x  ', $base + $_[0]) };
is($answer{'dd nt L8'}, join('', map { $line->(16 * $_) . join(' ', map { sprintf '%08x', $_ }
    @image[4 * $_ .. 4 * $_ + 3]) . "\n" } 0, 1), 'dd: four dwords a line, as xp reads them');
my $ascii = sub { join('', map { $_ >= 0x20 && $_ <= 0x7e ? chr : '.' } @_) };
is($answer{'db nt L20'}, join('', map {
    my @b = @image_bytes[16 * $_ .. 16 * $_ + 15];
    $line->(16 * $_) . join(' ', map { sprintf '%02x', $_ } @b[0 .. 7]) . '-' .
        join(' ', map { sprintf '%02x', $_ } @b[8 .. 15]) . '  ' . $ascii->(@b) . "\n" } 0, 1),
    'db: 16 bytes, - after the 8th, the ASCII column');
my @words = map { $image_bytes[2 * $_] | $image_bytes[2 * $_ + 1] << 8 } 0 .. 15;
is($answer{'dw nt L10'}, join('', map { $line->(16 * $_) . join(' ', map { sprintf '%04x', $_ }
    @words[8 * $_ .. 8 * $_ + 7]) . "\n" } 0, 1), 'dw: eight words a line');
is($answer{'dq nt L4'}, join('', map { $line->(16 * $_) . sprintf("%08x`%08x %08x`%08x\n",
    @image[4 * $_ + 1, 4 * $_, 4 * $_ + 3, 4 * $_ + 2]) } 0, 1), 'dq: two quadwords a line, high`low');
is($answer{'dc nt L8'}, join('', map { $line->(16 * $_) . join(' ', map { sprintf '%08x', $_ }
    @image[4 * $_ .. 4 * $_ + 3]) . '  ' . $ascii->(@image_bytes[16 * $_ .. 16 * $_ + 15]) .
    "\n" } 0, 1), 'dc: dwords and their ASCII');
my $dword_at = sub { my $o = $_[0]; my $v = 0; $v |= $image_bytes[$o + $_] << 8 * $_ for 0 .. 3; $v };
is($answer{'dd nt+2 L3'}, $line->(2) . join(' ', map { sprintf '%08x', $dword_at->(2 + 4 * $_) }
    0 .. 2) . "\n", 'dd at an unaligned address: the address as given, the dwords from it');
is($answer{'db nt+3 L5'}, $line->(3) . join(' ', map { sprintf '%02x', $image_bytes[$_] } 3 .. 7) .
    (' ' x (3 * 11)) . '  ' . $ascii->(@image_bytes[3 .. 7]) . "\n",
    'db at an unaligned address, a short line padded to the ASCII column');
like($answer{'dd'}, qr/^\Q${\ $line->(3 + 5)}\E\w{8} \w{8} \w{8} \w{8}\n/,
    'dd with no address goes on where the last display stopped');

# dps: each dword of KdCommands with the symbol nm places it in.
my @dps = ($answer{'dps KdCommands L8'} // '') =~ /^(\w{8})  (\w{8})(?: (\S+))?$/mg;
is(scalar(@dps), 24, 'dps: one dword a line');
for (my $i = 0; $i < @dps; $i += 3) {
    my $expected = symbolize(hex $dps[$i + 1]);
    is($dps[$i + 2], $expected, "dps names $dps[$i + 1] as nm places it");
}
like($answer{'dps KdCommands L8'}, qr/ nt!KdCommandHelp$/m, 'dps: the help handler by name');

# x, ln, lm against nm.
sub x_lines {
    my ($re) = @_;
    join('', map { sprintf("%08x          nt!%s%s\n", $_->{address}, $_->{name},
        $_->{code} ? ' (<no parameter info>)' : ' = <no type information>') }
        grep { $_->{name} =~ $re } @symbols);
}
is($answer{'x nt!MmHighest*'}, x_lines(qr/^MmHighest/), 'x nt!MmHighest*: nm\'s symbols');
is($answer{'x nt!mm*physical*'}, x_lines(qr/^mm.*physical/i), 'x matches in any case');
is($answer{'x nt!KiSystemStart?p'}, x_lines(qr/^KiSystemStart.p$/), 'x with ?: a function');
is($answer{'x other!Mm*'}, '', 'x of another module: nothing');
my ($next) = grep { $_->{address} > $symbol{MmAccessFault} } @symbols;
is($answer{'ln MmAccessFault+3'}, sprintf("(%08x)   nt!MmAccessFault+0x3   |  (%08x)   nt!%s\n",
    $symbol{MmAccessFault}, $next->{address}, $next->{name}), 'ln: the symbols either side');
like($answer{'ln nt!MmHighestUserAddress'},
    qr/^\(\Q${\ sprintf('%08x', $symbol{MmHighestUserAddress})}\E\)   nt!MmHighestUserAddress   \|.*\nExact matches:\n    nt!MmHighestUserAddress = <no type information>\n\z/,
    'ln of a variable: the exact match');
is($answer{'lm'}, sprintf("start    end        module name\n%08x %08x   nt         (export symbols)       mm386.elf\n",
    $base, $image_end // 0), 'lm: the image from KiImageBase to KiImageEnd');

# Registers: the control registers as QEMU's monitor reads them.
my %cr = $monitor =~ /\b(CR[034])=(\w{8})/g;
is($answer{'r cr0 cr3 cr4'}, sprintf("cr0=%s cr3=%s cr4=%s\n", map { lc($cr{$_} // '?') }
    qw(CR0 CR3 CR4)), 'r cr0 cr3 cr4: as info registers shows them');
is($answer{'R CR3'}, sprintf("CR3=%s\n", lc($cr{CR3} // '?')), 'r in any case');
like($answer{'r nosuch'}, qr/Bad register error at 'nosuch'/, 'r of no register');
like($answer{r}, qr/\Aeax=\w{8} ebx=\w{8} ecx=\w{8} edx=\w{8} esi=\w{8} edi=\w{8}\neip=(\w{8}) esp=\w{8} ebp=\w{8} iopl=0 {9}(?:nv|ov) (?:up|dn) ei (?:pl|ng) (?:nz|zr) (?:na|ac) (?:pe|po) (?:nc|cy)\ncs=0008  ss=0010  ds=0010  es=0010  fs=0010  gs=0000 {13}efl=\w{8}\nnt!KdCommandRegisters\+0x\w+:\n\z/,
    'r: WinDbg\'s three lines and where eip is');
my ($eip) = ($answer{r} // '') =~ /eip=(\w{8})/;
my ($where) = ($answer{r} // '') =~ /^(nt!\S+):$/m;
is($where, symbolize(hex($eip // 0)), 'r: eip\'s symbol as nm places it');

# k: each frame's return address is in the function the next line names (nm).
my @k = ($answer{k} // '') =~ /^(\w{8}) (\w{8}) (\S+)$/mg;
like($answer{k}, qr/\AChildEBP RetAddr  \n\w{8} \w{8} nt!KdCommandStack\+0x\w+\n\w{8} \w{8} nt!KdShell\+/,
    'k: from the command up through the shell');
for (my $i = 0; $i + 3 < @k; $i += 3) {
    is($k[$i + 5], symbolize(hex $k[$i + 1]), "k: return address $k[$i + 1] is in the next frame");
}

# The threads: !thread * lists each, !thread is the one running, !running says the same.
my @threads = ($answer{'!thread *'} // '') =~ /^THREAD (\w{8})  Cid 0004\.\w{4} /mg;
my @names = ($answer{'!thread *'} // '') =~ /^Thread Name +(\S+)$/mg;
ok(@threads >= 4, '!thread *: every system thread') or diag($answer{'!thread *'});
ok((grep { $_ eq 'ZeroPage' } @names) && (grep { $_ eq 'ModWriter' } @names),
    '!thread *: the zero page thread and the modified page writer among them');
my ($current) = ($answer{'!thread'} // '') =~ /^THREAD (\w{8}) .* RUNNING on processor 0$/m;
ok($current && grep({ $_ eq $current } @threads), '!thread: the running one, of the list');
like($answer{'!running'}, qr/^  0    --------          \Q${\ ($current \/\/ '?')}\E      \( 8\)/m,
    '!running: the same thread on processor 0');
like($answer{'!thread *'}, qr/^Start Address +nt!MiZeroPageThread\n.*\nPriority 0 .*\nChildEBP RetAddr  \n(?:\w{8} \w{8} nt!\S+\n)+/m,
    '!thread: a waiting or ready thread\'s stack from its saved frame');
like($output, qr/^kd> \.cls\n\e\[2J\e\[Hkd> poweroff$/m, '.cls clears the terminal');

# NT's variables, against the boot's memory map, !sysptes and NT's values.
my @available = $output =~ /^  (\w{16}) - (\w{16})  available$/mg;
my ($lowest, $highest) = (1e9, 0);
for (my $i = 0; $i < @available; $i += 2) {
    my ($first, $last) = ((hex($available[$i]) + 4095) >> 12, (hex($available[$i + 1]) + 1) >> 12);
    $first = 1 if $first < 1;
    next if $last <= $first || $first >= 1 << 20;
    $lowest = $first if $first < $lowest;
    $highest = $last - 1 if $last - 1 > $highest;
}
my $value = sub { my ($a) = ($answer{"dd $_[0] L$_[1]"} // '') =~ /^\w{8}  (.*)$/m; $a // '' };
is($value->('MmLowestPhysicalPage', 1), sprintf('%08x', $lowest), 'MmLowestPhysicalPage: the memory map\'s');
is($value->('MmHighestPhysicalPage', 1), sprintf('%08x', $highest), 'MmHighestPhysicalPage: the memory map\'s');
my @sysptes = ($answer{'!sysptes'} // '') =~ /Total (?:System|Expansion) Ptes (\d+)\n  starting PTE: (\w{8})\n  ending PTE:   (\w{8})/g;
is(hex $value->('MmNumberOfSystemPtes', 1), $sysptes[0] // -1, 'MmNumberOfSystemPtes: !sysptes\'s total');
is($value->('MmSystemPtesStart', 2), join(' ', @sysptes[1, 4]), 'MmSystemPtesStart: each pool\'s first PTE');
is($value->('MmSystemPtesEnd', 2), join(' ', @sysptes[2, 5]), 'MmSystemPtesEnd: each pool\'s last PTE');
is($value->('MmPlentyFreePages', 1), sprintf('%08x', 400), 'MmPlentyFreePages');
is($value->('MmMinimumFreePages', 1), sprintf('%08x', 32), 'MmMinimumFreePages');
like($value->('MmResidentAvailablePages', 1), qr/^\w{8}$/, 'MmResidentAvailablePages');
done_testing();
