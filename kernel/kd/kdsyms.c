/*
 * kernel/kd/kdsyms.c: the image's symbols at the kd> prompt, as WinDbg shows a module's. The
 * image is one module, nt; its symbol table (kernel/ke/ksyms.c, from nm) has names and
 * addresses, no types, so x says <no type information> of data and <no parameter info> of code.
 * Names match in any case, an exact match first, as WinDbg's symbol options do by default.
 *
 *   kd> x nt!MmHighest*
 *   80127c3c          nt!MmHighestUserAddress = <no type information>
 *   kd> ln MmAccessFault+12
 *   (8010a3f0)   nt!MmAccessFault+0x12   |  (8010a6b0)   nt!MiFoo
 */
#include "kernel/kd/kd.h"

#define KD_MODULE_NAME      "nt"
#define KD_IMAGE_FILE       "mm386.elf"

static char KdLower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool KdEqualNoCase(const char *Left, const char *Right)
{
    while (*Left && KdLower(*Left) == KdLower(*Right)) {
        Left++;
        Right++;
    }
    return KdLower(*Left) == KdLower(*Right);
}

/* Lowercase Source into Destination (Size bytes, Source cut to fit). */
static void KdCopyLower(char *Destination, const char *Source, size_t Size)
{
    size_t i = 0;

    for (; Source[i] && i + 1 < Size; i++)
        Destination[i] = KdLower(Source[i]);
    Destination[i] = '\0';
}

bool KdFindSymbol(const char *Name, uintptr_t *Address)
{
    const char *name;
    bool code;

    if (KiFindSymbol(Name, Address))
        return true;
    for (uint32_t i = 0; (name = KiGetSymbol(i, Address, &code)); i++) {
        if (KdEqualNoCase(name, Name))
            return true;
    }
    return false;
}

uintptr_t KdModuleBase(void)
{
    return (uintptr_t)KiImageBase;
}

bool KdPrintSymbol(uint32_t Address)
{
    uintptr_t offset;
    const char *name = KiLookupSymbol(Address, &offset);

    if (!name)
        return false;
    if (offset)
        DbgPrint(KD_MODULE_NAME "!%s+0x%x", name, (uint32_t)offset);
    else
        DbgPrint(KD_MODULE_NAME "!%s", name);
    return true;
}

static void KdPrintSymbolType(bool Code)
{
    DbgPutString(Code ? " (<no parameter info>)\n" : " = <no type information>\n");
}

/* x [nt!]pattern: every symbol matching (* and ?, any case), in address order. */
void KdCommandExamineSymbols(int Argc, char **Argv)
{
    char pattern[KD_TOKEN_LENGTH], lower[KD_TOKEN_LENGTH];
    const char *bang, *name, *symbols;
    uintptr_t address;
    bool code;

    if (Argc != 2) {
        DbgPrint("usage: x [nt!]<pattern>   (* and ? allowed)\n");
        return;
    }
    bang = strchr(Argv[1], '!');
    symbols = bang ? bang + 1 : Argv[1];
    if (bang) {
        KdCopyLower(pattern, Argv[1], MIN((size_t)(bang - Argv[1]) + 1, sizeof(pattern)));
        if (!RtlGlobMatch(pattern, KD_MODULE_NAME))
            return;                 /* another module: WinDbg prints nothing either */
    }
    KdCopyLower(pattern, symbols, sizeof(pattern));
    for (uint32_t i = 0; (name = KiGetSymbol(i, &address, &code)); i++) {
        KdCopyLower(lower, name, sizeof(lower));
        if (!RtlGlobMatch(pattern, lower))
            continue;
        DbgPrint("%08x          " KD_MODULE_NAME "!%s", (uint32_t)address, name);
        KdPrintSymbolType(code);
    }
}

/* ln address: the symbols either side of an address in the image, and the exact match. */
void KdCommandListNearest(int Argc, char **Argv)
{
    uint32_t value;
    uintptr_t address = 0, nextAddress = 0, offset;
    const char *name, *below = NULL, *above = NULL;
    bool code, belowCode = false;

    if (Argc != 2) {
        DbgPrint("usage: ln <address>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &value))
        return;
    if (!KiLookupSymbol(value, &offset))
        return;                     /* outside the image: WinDbg prints nothing */
    for (uint32_t i = 0; (name = KiGetSymbol(i, &address, &code)); i++) {
        if (address <= value) {
            below = name;
            belowCode = code;
        } else {
            above = name;
            nextAddress = address;
            break;
        }
    }
    if (!below)
        return;
    DbgPrint("(%08x)   ", value - (uint32_t)offset);
    KdPrintSymbol(value);
    if (above)
        DbgPrint("   |  (%08x)   " KD_MODULE_NAME "!%s", (uint32_t)nextAddress, above);
    DbgPutString("\n");
    if (offset == 0) {
        DbgPrint("Exact matches:\n    " KD_MODULE_NAME "!%s", below);
        KdPrintSymbolType(belowCode);
    }
}

/* lm: the one module, the image, from its first byte to past its last. */
void KdCommandListModules(int Argc, char **Argv)
{
    (void)Argc;
    (void)Argv;
    DbgPrint("start    end        module name\n");
    DbgPrint("%08x %08x   %-10s (export symbols)       %s\n", (uint32_t)(uintptr_t)KiImageBase,
             (uint32_t)(uintptr_t)KiImageEnd, KD_MODULE_NAME, KD_IMAGE_FILE);
}
