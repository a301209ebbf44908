/*
 * tests/host/test_fatname.c: the FAT file system's pure parts: which names fit 8.3 as they are
 * (and with which NtByte case flags), the short names made for long ones (compared with what
 * mtools makes for the same names: ALONGF~1.TXT, FILEN~36.TXT), patterns, valid names, and
 * FAT's dates and times against NT time (hand-computed values, a leap day, a round trip over
 * FAT's whole range).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/tap.h"
#include "kernel/fs/fastfat/fatprocs.h"

#define NT_2026_01_01   0x01DC7AB192810000ll    /* 2026-01-01 00:00:00 UTC */

int64_t KeQuerySystemTime(void)
{
    return NT_2026_01_01;
}

/* ASCII to UTF-16 in a static buffer; its length in *Length. */
static const uint16_t *Wide(const char *Text, uint32_t *Length)
{
    static uint16_t buffers[4][300];
    static int next;
    uint16_t *wide = buffers[next++ % 4];

    *Length = (uint32_t)strlen(Text);
    for (uint32_t i = 0; i < *Length; i++)
        wide[i] = (uint8_t)Text[i];
    return wide;
}

static void CheckFits(const char *Name, const char *Short, int NtByte)
{
    uint32_t length;
    const uint16_t *name = Wide(Name, &length);
    uint8_t shortName[11];
    uint8_t ntByte = 0xEE;
    int fits = FatFitsShortName(name, length, shortName, &ntByte);

    if (!Short) {
        ok(!fits, "'%s' needs a long name", Name);
        return;
    }
    ok(fits && memcmp(shortName, Short, 11) == 0 && ntByte == NtByte,
       "'%s' is the short name '%.11s' with NtByte 0x%02x", Name, Short, NtByte);
}

static void CheckGenerated(const char *Name, uint32_t Number, const char *Short)
{
    uint32_t length;
    const uint16_t *name = Wide(Name, &length);
    uint8_t shortName[11];

    FatShortNameBase(name, length, shortName);
    FatShortNameSetTail(shortName, Number);
    ok(memcmp(shortName, Short, 11) == 0, "'%s' ~%u is '%.11s' (got '%.11s')", Name, Number,
       Short, shortName);
}

static int Valid(const char *Name)
{
    uint32_t length;
    const uint16_t *name = Wide(Name, &length);

    return FatIsNameValid(name, length);
}

static void CheckPattern(const char *Pattern, const char *Name, int Match)
{
    uint32_t patternLength, nameLength;
    const uint16_t *pattern = Wide(Pattern, &patternLength);
    const uint16_t *name = Wide(Name, &nameLength);

    ok(FatIsNameInExpression(pattern, patternLength, name, nameLength) == Match,
       "'%s' %s '%s'", Pattern, Match ? "matches" : "does not match", Name);
}

static void CheckTime(int64_t Nt, uint16_t Date, uint16_t Time, uint8_t Ten)
{
    uint16_t date, time;
    uint8_t ten;

    FatNtToTime(Nt, &date, &time, &ten);
    ok(date == Date && time == Time && ten == Ten,
       "NT time 0x%llx is FAT date 0x%04x time 0x%04x, %u0 ms (got 0x%04x 0x%04x %u0)",
       (unsigned long long)Nt, Date, Time, Ten, date, time, ten);
    is_int(FatTimeToNt(Date, Time, Ten), Nt - Nt % 100000, "... and back");
}

int main(void)
{
    char longest[300];

    CheckFits("FOO.TXT", "FOO     TXT", 0);
    CheckFits("foo.txt", "FOO     TXT", 0x18);
    CheckFits("foo.TXT", "FOO     TXT", 0x08);
    CheckFits("README", "README     ", 0);
    CheckFits("a$b_c~1.x", "A$B_C~1 X  ", 0x18);
    CheckFits("Foo.txt", NULL, 0);
    CheckFits("a.b.c", NULL, 0);
    CheckFits("toolongname.txt", NULL, 0);
    CheckFits(".hidden", NULL, 0);
    CheckFits("x.tool", NULL, 0);
    CheckFits("a+b.txt", NULL, 0);
    CheckFits("with space", NULL, 0);
    CheckFits("trail.", NULL, 0);

    CheckGenerated("A Long File Name With Spaces.txt", 1, "ALONGF~1TXT");
    CheckGenerated("file number 35.txt", 36, "FILEN~36TXT");
    CheckGenerated("Inner Long Name.dat", 1, "INNERL~1DAT");
    CheckGenerated("a+b;c=d.text", 2, "A_B_C_~2TEX");
    CheckGenerated("...", 1, "_~1        ");
    CheckGenerated("x", 123456, "X~123456   ");
    CheckGenerated("abcdefgh", 1234567, "~1234567   ");

    CheckPattern("*.bin", "big.bin", 1);
    CheckPattern("*.bin", "BIG.BIN", 1);
    CheckPattern("*.bin", "bin", 0);
    CheckPattern("*.bin", "a.bin.txt", 0);
    CheckPattern("s?all.*", "small.txt", 1);
    CheckPattern("s?all.*", "sall.txt", 0);
    CheckPattern("a*b*c", "aXbYc", 1);
    CheckPattern("a*b*c", "aXbY", 0);
    CheckPattern("*", "anything at all", 1);
    CheckPattern("**x", "x", 1);
    CheckPattern("nested.bin", "NESTED.BIN", 1);

    ok(Valid("ok name.txt"), "'ok name.txt' is a valid name");
    ok(!Valid("a*b"), "'a*b' is not");
    ok(!Valid("a:b"), "'a:b' is not");
    ok(!Valid("trail."), "'trail.' is not");
    ok(!Valid("trail "), "'trail ' is not");
    ok(!Valid(""), "'' is not");
    memset(longest, 'n', 255);
    longest[255] = 0;
    ok(Valid(longest), "255 characters are valid");
    longest[255] = 'n';
    longest[256] = 0;
    ok(!Valid(longest), "256 are not");
    {
        uint32_t left, right;
        const uint16_t *a = Wide("Mixed Case.Txt", &left), *b = Wide("mIXED cASE.tXT", &right);

        ok(FatNamesEqual(a, left, b, right), "names equal but for case are equal");
        b = Wide("Mixed Case.Txt2", &right);
        ok(!FatNamesEqual(a, left, b, right), "names of different lengths differ");
    }

    /* 2026-01-01 00:00:00: year 46, month 1, day 1. */
    CheckTime(NT_2026_01_01, 46 << 9 | 1 << 5 | 1, 0, 0);
    /* 2024-02-29 12:34:57.25 (odd second: the 10 ms field keeps it). */
    CheckTime(NT_2026_01_01 - (672ll * 86400 - (12 * 3600 + 34 * 60 + 57)) * 10000000 + 2500000,
              44 << 9 | 2 << 5 | 29, 12 << 11 | 34 << 5 | 28, 125);
    /* 1980-01-01 00:00:00, FAT's first moment; before it, FAT's first moment too. */
    CheckTime(119600064000000000ll, 0 << 9 | 1 << 5 | 1, 0, 0);
    {
        uint16_t date, time;
        uint8_t ten;

        FatNtToTime(119600064000000000ll - 10000000, &date, &time, &ten);
        ok(date == (1 << 5 | 1) && time == 0, "a time before 1980 is 1980-01-01 00:00");
    }
    srand(7);
    for (int i = 0, bad = 0; i <= 1000; i++) {
        int64_t seconds = (int64_t)((double)rand() / RAND_MAX * 127.0 * 365 * 86400) & ~1ll;
        int64_t nt = 119600064000000000ll + seconds * 10000000;
        uint16_t date, time;
        uint8_t ten;

        FatNtToTime(nt, &date, &time, &ten);
        bad += FatTimeToNt(date, time, ten) != nt || ten != 0;
        if (i == 1000)
            is_int(bad, 0, "1000 even-second times from 1980 to 2107 come back exactly");
    }
    return done_testing();
}
