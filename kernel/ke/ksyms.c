/*
 * kernel/ke/ksyms.c: the running image's symbols, for backtraces and for the console's `?` and
 * `dd NAME`. tools/imgtab generates the table from a first link; linker.ld places it after
 * everything else so generating it moves no symbol. Offsets are from KiImageBase, so the table
 * stays right when the image is relocated (/3GB).
 */
#include "kernel/ke/ke.h"

typedef struct _KSYMBOL {
    uint32_t Offset;                /* from KiImageBase */
    uint32_t Name;                  /* offset into KiSymbolNames */
} KSYMBOL;

extern const uint32_t KiSymbolCount;
extern const KSYMBOL KiSymbolTable[];   /* sorted by Offset */
extern const char KiSymbolNames[];

/* The symbol at or below Address, or NULL outside the image. */
const char *KiLookupSymbol(uintptr_t Address, uintptr_t *Offset)
{
    uintptr_t base = (uintptr_t)KiImageBase;
    uint32_t low = 0, high = KiSymbolCount;

    if (Address < base || Address >= (uintptr_t)KiImageEnd || KiSymbolCount == 0)
        return NULL;
    while (high - low > 1) {
        uint32_t middle = (low + high) / 2;

        if (KiSymbolTable[middle].Offset <= Address - base)
            low = middle;
        else
            high = middle;
    }
    if (KiSymbolTable[low].Offset > Address - base)
        return NULL;
    *Offset = Address - base - KiSymbolTable[low].Offset;
    return &KiSymbolNames[KiSymbolTable[low].Name];
}

bool KiFindSymbol(const char *Name, uintptr_t *Address)
{
    for (uint32_t i = 0; i < KiSymbolCount; i++) {
        if (strcmp(&KiSymbolNames[KiSymbolTable[i].Name], Name) == 0) {
            *Address = (uintptr_t)KiImageBase + KiSymbolTable[i].Offset;
            return true;
        }
    }
    return false;
}

/* The Index'th symbol in address order and its address, or NULL past the last: for walking
 * the whole table (Tab completion at the kd> prompt). A name may occur more than once. */
const char *KiGetSymbol(uint32_t Index, uintptr_t *Address)
{
    if (Index >= KiSymbolCount)
        return NULL;
    *Address = (uintptr_t)KiImageBase + KiSymbolTable[Index].Offset;
    return &KiSymbolNames[KiSymbolTable[Index].Name];
}
