/*
 * kernel/kd/kddisplay.c: WinDbg's display commands. Each takes an address (an expression;
 * none: go on where the last display stopped) and a count of units, L <n> or L<n>. A line is
 * the address as given (aligned or not), two spaces, the units; db and dc add the bytes as
 * ASCII, dps the symbol each dword names. A unit that is not mapped prints as ?s.
 *
 *   kd> db KiImageBase L10
 *   80100000  02 b0 ad 1b 03 00 01 00-fb 4f 52 e4 bc 00 00 2b  .........OR....+
 *   kd> dq KiImageBase L2
 *   80100000  00010003`1badb002 2b0000bc`e4524ffb
 */
#include "kernel/kd/kd.h"

#define KD_DISPLAY_MAXIMUM  0x10000     /* units in one display */
#define KD_LINE_BYTES       16
#define ASCII_FIRST_PRINTABLE 0x20
#define ASCII_LAST_PRINTABLE  0x7E
#define ANSI_CLEAR_SCREEN   "\033[2J\033[H"

typedef struct _KD_DISPLAY_FORMAT {
    const char *Name;
    uint32_t UnitSize;              /* bytes */
    uint32_t PerLine;               /* units */
    uint32_t DefaultCount;          /* units */
    bool Ascii;                     /* db, dc: the line's bytes as characters */
    bool Symbols;                   /* dps: the symbol each dword names */
} KD_DISPLAY_FORMAT;

static const KD_DISPLAY_FORMAT KdByteFormat = { "db", 1, 16, 128, true, false };
static const KD_DISPLAY_FORMAT KdWordFormat = { "dw", 2, 8, 64, false, false };
static const KD_DISPLAY_FORMAT KdDwordFormat = { "dd", 4, 4, 32, false, false };
static const KD_DISPLAY_FORMAT KdQuadwordFormat = { "dq", 8, 2, 16, false, false };
static const KD_DISPLAY_FORMAT KdCharacterFormat = { "dc", 4, 4, 32, true, false };
static const KD_DISPLAY_FORMAT KdPointerFormat = { "dps", 4, 1, 32, false, true };

static uint32_t KdNextDisplayAddress;

/* One unit: hex digits, or ?s when any byte is unmapped. */
static void KdPrintUnit(const KD_DISPLAY_FORMAT *Format, const uint8_t *Bytes, bool Valid)
{
    uint32_t low = 0, high = 0;

    if (!Valid) {
        DbgPrint("%s", Format->UnitSize == 1 ? "??" : Format->UnitSize == 2 ? "????" :
                       Format->UnitSize == 4 ? "????????" : "????????`????????");
        return;
    }
    memcpy(&low, Bytes, MIN(Format->UnitSize, 4u));
    if (Format->UnitSize == 8)
        memcpy(&high, Bytes + 4, 4);
    if (Format->UnitSize == 1)
        DbgPrint("%02x", low);
    else if (Format->UnitSize == 2)
        DbgPrint("%04x", low);
    else if (Format->UnitSize == 4)
        DbgPrint("%08x", low);
    else
        DbgPrint("%08x`%08x", high, low);
}

/* One line of Units units from Address: the units, then what the format adds. */
static void KdPrintLine(const KD_DISPLAY_FORMAT *Format, uint32_t Address, uint32_t Units)
{
    uint8_t bytes[KD_LINE_BYTES];
    bool valid[KD_LINE_BYTES];
    uint32_t size = Format->UnitSize;

    DbgPrint("%08x  ", Address);
    for (uint32_t i = 0; i < Units; i++) {
        valid[i] = KdReadMemory(Address + i * size, bytes + i * size, size);
        if (i > 0)
            DbgPrint(size == 1 && i == KD_LINE_BYTES / 2 ? "-" : " ");
        KdPrintUnit(Format, bytes + i * size, valid[i]);
    }
    if (Format->Symbols && valid[0]) {
        uintptr_t offset;
        uint32_t value;

        memcpy(&value, bytes, sizeof(value));
        if (KiLookupSymbol(value, &offset)) {       /* no blank at the end of a bare dword */
            DbgPutString(" ");
            KdPrintSymbol(value);
        }
    }
    if (Format->Ascii) {
        /* a missing unit's room: its digits and the separator before it */
        const char *blank = size == 1 ? "   " : "         ";

        for (uint32_t i = Units; i < Format->PerLine; i++)
            DbgPutString(blank);
        DbgPutString("  ");
        for (uint32_t i = 0; i < Units * size; i++) {
            char c = (char)bytes[i];

            if (!valid[i / size])
                c = '?';
            else if (bytes[i] < ASCII_FIRST_PRINTABLE || bytes[i] > ASCII_LAST_PRINTABLE)
                c = '.';
            DbgPrint("%c", c);
        }
    }
    DbgPutString("\n");
}

/* d? [address] [L <count>]: the arguments, then the lines. */
static void KdDisplay(const KD_DISPLAY_FORMAT *Format, int Argc, char **Argv)
{
    uint32_t address = KdNextDisplayAddress, count = Format->DefaultCount;
    int next = 1;

    if (Argc > next && Argv[next][0] != 'L' && Argv[next][0] != 'l') {
        if (!KdEvaluateWord(Argv[next], &address))
            return;
        next++;
    }
    if (Argc > next && (Argv[next][0] == 'L' || Argv[next][0] == 'l')) {
        const char *text = Argv[next][1] ? Argv[next] + 1 : Argc > next + 1 ? Argv[++next] : "";

        if (!KdEvaluateWord(text, &count))
            return;
        next++;
    }
    if (Argc != next) {
        DbgPrint("usage: %s [<address>] [L <count>]\n", Format->Name);
        return;
    }
    if (count == 0 || count > KD_DISPLAY_MAXIMUM) {
        DbgPrint("%s: the count must be 1 to 0x%x\n", Format->Name, KD_DISPLAY_MAXIMUM);
        return;
    }
    for (uint32_t done = 0; done < count; done += Format->PerLine)
        KdPrintLine(Format, address + done * Format->UnitSize, MIN(Format->PerLine, count - done));
    KdNextDisplayAddress = address + count * Format->UnitSize;
}

void KdCommandDisplayBytes(int Argc, char **Argv)
{
    KdDisplay(&KdByteFormat, Argc, Argv);
}

void KdCommandDisplayWords(int Argc, char **Argv)
{
    KdDisplay(&KdWordFormat, Argc, Argv);
}

void KdCommandDisplayDwords(int Argc, char **Argv)
{
    KdDisplay(&KdDwordFormat, Argc, Argv);
}

void KdCommandDisplayQuadwords(int Argc, char **Argv)
{
    KdDisplay(&KdQuadwordFormat, Argc, Argv);
}

void KdCommandDisplayCharacters(int Argc, char **Argv)
{
    KdDisplay(&KdCharacterFormat, Argc, Argv);
}

void KdCommandDisplayPointers(int Argc, char **Argv)
{
    KdDisplay(&KdPointerFormat, Argc, Argv);
}

/* .cls: clear the terminal (ANSI), as WinDbg clears its command window. */
void KdCommandClearScreen(int Argc, char **Argv)
{
    (void)Argc;
    (void)Argv;
    DbgPutString(ANSI_CLEAR_SCREEN);
}
