/*
 * kernel/fs/fastfat/namesup.c: names on FAT. A file has a short name (8.3, upper case, in the
 * OEM set; Windows NT keeps an all-lower-case base or extension as a flag, NtByte) and, when
 * that cannot hold its name, a long name of up to 255 UTF-16 characters in LFN entries tied to
 * the short one by a checksum. Lookups compare without regard to case (upper-casing ASCII and
 * Latin-1, as far as mm386's RtlUpcaseUnicodeChar goes); patterns take * and ?.
 */
#include "kernel/fs/fastfat/fatprocs.h"

#define FAT_SHORT_BASE  8

uint16_t FatUpcase(uint16_t Character)
{
    if (Character >= 'a' && Character <= 'z')
        return Character - ('a' - 'A');
    if (Character >= 0xE0 && Character <= 0xFE && Character != 0xF7)
        return Character - 0x20;
    return Character;
}

static uint16_t FatDowncase(uint16_t Character)
{
    return Character >= 'A' && Character <= 'Z' ? Character + ('a' - 'A') : Character;
}

bool FatNamesEqual(const uint16_t *Left, uint32_t LeftLength, const uint16_t *Right,
                   uint32_t RightLength)
{
    if (LeftLength != RightLength)
        return false;
    for (uint32_t i = 0; i < LeftLength; i++) {
        if (FatUpcase(Left[i]) != FatUpcase(Right[i]))
            return false;
    }
    return true;
}

/* A long name FAT can hold: 1-255 characters, no control characters, none of "*:<>?\|/,
 * not "." or "..", not ending in a blank or a dot (Win32 strips those; FAT keeps none). */
bool FatIsNameValid(const uint16_t *Name, uint32_t Length)
{
    if (Length == 0 || Length > FAT_MAXIMUM_NAME)
        return false;
    for (uint32_t i = 0; i < Length; i++) {
        uint16_t c = Name[i];

        if (c < 0x20 || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' || c == '>' ||
            c == '?' || c == '\\' || c == '|')
            return false;
    }
    return Name[Length - 1] != ' ' && Name[Length - 1] != '.';
}

/* Name against Expression (* any run, ? any one character), case-insensitive. */
bool FatIsNameInExpression(const uint16_t *Expression, uint32_t ExpressionLength,
                           const uint16_t *Name, uint32_t NameLength)
{
    uint32_t e = 0, n = 0, starE = UINT32_MAX, starN = 0;

    while (n < NameLength) {
        if (e < ExpressionLength && Expression[e] == '*') {
            starE = e++;
            starN = n;
        } else if (e < ExpressionLength &&
                   (Expression[e] == '?' || FatUpcase(Expression[e]) == FatUpcase(Name[n]))) {
            e++;
            n++;
        } else if (starE != UINT32_MAX) {
            e = starE + 1;
            n = ++starN;
        } else {
            return false;
        }
    }
    while (e < ExpressionLength && Expression[e] == '*')
        e++;
    return e == ExpressionLength;
}

uint8_t FatShortNameChecksum(const uint8_t ShortName[11])
{
    uint8_t sum = 0;

    for (uint32_t i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + ShortName[i]);
    return sum;
}

uint32_t FatShortNameToUnicode(const uint8_t ShortName[11], uint8_t NtByte, uint16_t *Name)
{
    uint32_t length = 0, base = FAT_SHORT_BASE, extension = 3;

    while (base && ShortName[base - 1] == ' ')
        base--;
    while (extension && ShortName[FAT_SHORT_BASE + extension - 1] == ' ')
        extension--;
    for (uint32_t i = 0; i < base; i++) {
        uint16_t c = i == 0 && ShortName[0] == FAT_DIRENT_REALLY_0E5 ? 0xE5 : ShortName[i];

        Name[length++] = (NtByte & FAT_DIRENT_NT_BYTE_8_LOWER_CASE) ? FatDowncase(c) : c;
    }
    if (extension)
        Name[length++] = '.';
    for (uint32_t i = 0; i < extension; i++) {
        uint16_t c = ShortName[FAT_SHORT_BASE + i];

        Name[length++] = (NtByte & FAT_DIRENT_NT_BYTE_3_LOWER_CASE) ? FatDowncase(c) : c;
    }
    return length;
}

/* A character a short name may hold as it is (upper-cased): letters, digits and these. */
static bool FatIsShortCharacter(uint16_t Character)
{
    static const char others[] = "$%'-_@~`!(){}^#&";

    if ((Character >= 'A' && Character <= 'Z') || (Character >= 'a' && Character <= 'z') ||
        (Character >= '0' && Character <= '9'))
        return true;
    for (const char *o = others; *o; o++) {
        if (Character == (uint8_t)*o)
            return true;
    }
    return false;
}

/* One part of an 8.3 name: all its letters one case; which, in *Lower. */
static bool FatPartFits(const uint16_t *Part, uint32_t Length, uint32_t Maximum, uint8_t *Out,
                        bool *Lower)
{
    bool upper = false, lower = false;

    if (Length > Maximum)
        return false;
    for (uint32_t i = 0; i < Length; i++) {
        if (!FatIsShortCharacter(Part[i]))
            return false;
        upper |= Part[i] >= 'A' && Part[i] <= 'Z';
        lower |= Part[i] >= 'a' && Part[i] <= 'z';
        Out[i] = (uint8_t)FatUpcase(Part[i]);
    }
    *Lower = lower;
    return !(upper && lower);
}

bool FatFitsShortName(const uint16_t *Name, uint32_t Length, uint8_t ShortName[11],
                      uint8_t *NtByte)
{
    uint32_t dot = Length;
    bool lowerBase, lowerExtension = false;

    for (uint32_t i = 0; i < Length; i++) {
        if (Name[i] == '.') {
            if (dot != Length)
                return false;
            dot = i;
        }
    }
    memset(ShortName, ' ', 11);
    if (dot == 0 || !FatPartFits(Name, dot, FAT_SHORT_BASE, ShortName, &lowerBase))
        return false;
    if (dot < Length && (dot + 1 == Length ||
        !FatPartFits(Name + dot + 1, Length - dot - 1, 3, ShortName + FAT_SHORT_BASE,
                     &lowerExtension)))
        return false;
    *NtByte = (lowerBase ? FAT_DIRENT_NT_BYTE_8_LOWER_CASE : 0) |
              (lowerExtension ? FAT_DIRENT_NT_BYTE_3_LOWER_CASE : 0);
    return true;
}

/* The basis of a generated short name: up to 8 characters of the name before its last dot and
 * 3 after, upper case, blanks and dots dropped, others not allowed in a short name as '_'. */
void FatShortNameBase(const uint16_t *Name, uint32_t Length, uint8_t ShortName[11])
{
    uint32_t dot = Length, base = 0, extension = 0;

    for (uint32_t i = 0; i < Length; i++) {
        if (Name[i] == '.')
            dot = i;
    }
    memset(ShortName, ' ', 11);
    for (uint32_t i = 0; i < dot && base < FAT_SHORT_BASE; i++) {
        if (Name[i] != ' ' && Name[i] != '.')
            ShortName[base++] = FatIsShortCharacter(Name[i]) ? (uint8_t)FatUpcase(Name[i]) : '_';
    }
    if (base == 0)
        ShortName[base++] = '_';
    for (uint32_t i = dot + 1; i < Length && extension < 3; i++) {
        if (Name[i] != ' ')
            ShortName[FAT_SHORT_BASE + extension++] =
                FatIsShortCharacter(Name[i]) ? (uint8_t)FatUpcase(Name[i]) : '_';
    }
}

/* "~Number" into the base, after as much of the basis as still fits. */
void FatShortNameSetTail(uint8_t ShortName[11], uint32_t Number)
{
    char digits[12];
    uint32_t count = 0, base = FAT_SHORT_BASE, at;

    do {
        digits[count++] = (char)('0' + Number % 10);
        Number /= 10;
    } while (Number);
    while (base && ShortName[base - 1] == ' ')
        base--;
    at = MIN(base, FAT_SHORT_BASE - count - 1);
    ShortName[at++] = '~';
    while (count)
        ShortName[at++] = (uint8_t)digits[--count];
    while (at < FAT_SHORT_BASE)
        ShortName[at++] = ' ';
}
