# tests/lib/KdSession.pm: the kd> prompt driven from a test (tests/kdprocess.t, tests/kdsection.t).
# tools/boot with its input and output on pipes: a command is typed when the last answer has
# ended, and its answer is what came between its echo and the next prompt.
package KdSession;

use strict;
use warnings;
use Mm386;

use IO::Select;
use constant WAIT_SECONDS => 60;

sub start {
    my ($class, @args) = @_;
    my $self = bless { output => '', seen => 0 }, $class;
    pipe(my $in_reader, $self->{in}) or die;
    pipe($self->{out}, my $out_writer) or die;
    $self->{pid} = fork() // die;
    if ($self->{pid} == 0) {
        close($self->{in});
        close($self->{out});
        open(STDIN, '<&', $in_reader) or die;
        open(STDOUT, '>&', $out_writer) or die;
        open(STDERR, '>&', $out_writer) or die;
        exec("$Mm386::TOP/tools/boot", @args) or die;
    }
    close($in_reader);
    close($out_writer);
    $self->{in}->autoflush(1);
    return $self;
}

# Read until Pattern matches what came after the last match; the text up to the match's end,
# or undef after WAIT_SECONDS.
sub wait_for {
    my ($self, $pattern) = @_;
    my $select = IO::Select->new($self->{out});
    my $deadline = time + WAIT_SECONDS;
    while (1) {
        my $rest = substr($self->{output}, $self->{seen});
        if ($rest =~ $pattern) {
            $self->{seen} += $+[0];
            return substr($rest, 0, $+[0]);
        }
        if (time > $deadline) {
            Test::More::diag("waited for $pattern in:\n$rest");
            return undef;
        }
        next unless $select->can_read(1);
        my $n = sysread($self->{out}, my $chunk, 65536);
        if (!$n) {
            Test::More::diag("tools/boot ended; waited for $pattern in:\n$rest");
            return undef;
        }
        $self->{output} .= $chunk;
    }
}

# Type Line; its answer.
sub command {
    my ($self, $line) = @_;
    print { $self->{in} } "$line\n";
    my $text = $self->wait_for(qr/\Q$line\E\n((?:.|\n)*?)kd> /);
    return '' unless defined $text;
    $text =~ s/\A(?:.|\n)*?\Q$line\E\n//;
    $text =~ s/kd> \z//;
    return $text;
}

sub finish {
    my ($self, $line) = @_;
    print { $self->{in} } "$line\n";
    close($self->{in});
    my $select = IO::Select->new($self->{out});
    while ($select->can_read(WAIT_SECONDS)) {
        my $n = sysread($self->{out}, my $chunk, 65536);
        last unless $n;
        $self->{output} .= $chunk;
    }
    waitpid($self->{pid}, 0);
    return ($? >> 8, $self->{output});
}

1;
