#!/usr/bin/perl
# The layers of the tree (README, "The tree"): each folder includes only from folders below it,
# so the include graph between folders has no circles but the one NT itself has and keeps thin:
# Ke's trap, thread and bugcheck code calling MmAccessFault, the kernel stacks and the
# crash-dump hook through mm/mm.h alone. Reads every #include of the kernel's sources.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use File::Find;
use Mm386;

# Lowest first. rtl and inc sit beside every layer (hal included); tests are above all.
my @order = qw(boot hal kernel/ke kernel/ex kernel/io mm kernel/ob kernel/se kernel/iomgr kernel/cc kernel/fs/fastfat
               kernel/ps kernel/kd kernel/init);
my %rank = map { $order[$_] => $_ } 0 .. $#order;
my %beside = map { $_ => 1 } qw(kernel/rtl kernel/inc);
my %upcall = map { $_ => 1 } qw(kernel/ke/trap.c kernel/ke/thread.c kernel/ke/bugcheck.c);

my @files;
find(sub { push @files, $File::Find::name if /\.(c|h|S)$/ }, grep { -d } map { "$TOP/$_" } @order,
     'kernel/rtl', 'kernel/inc');
my (%edges, @bad);
for my $path (sort @files) {
    (my $file = $path) =~ s{^\Q$TOP\E/}{};
    (my $folder = $file) =~ s{/[^/]+$}{};
    open(my $in, '<', $path) or die "$path: $!";
    while (<$in>) {
        next unless /^\s*#\s*include\s+"([^"]+)"/;
        my $header = $1;
        (my $to = $header) =~ s{/[^/]+$}{};
        next if $to eq $folder;
        $edges{"$folder -> $to"}++;
        my $ok;
        if ($beside{$to}) {
            $ok = 1;
        } elsif ($beside{$folder}) {
            $ok = $beside{$to};
        } elsif ($folder eq 'kernel/ke' && $to eq 'mm') {
            $ok = $upcall{$file} && $header eq 'mm/mm.h';
        } else {
            $ok = defined $rank{$to} && defined $rank{$folder} && $rank{$to} < $rank{$folder};
        }
        push @bad, "$file includes $header" unless $ok;
    }
}
ok(@files > 50, 'read the sources (' . scalar(@files) . ' files)');
is_deeply(\@bad, [], 'every include points down the layers') or diag(join("\n", @bad));
ok($edges{'mm -> kernel/ke'} && $edges{'kernel/init -> mm'}, 'the graph has its expected edges');
ok(!$edges{'kernel/io -> mm'} && !$edges{'kernel/kd -> kernel/init'},
   'Io does not reach into Mm; kd does not reach into init');
done_testing();
