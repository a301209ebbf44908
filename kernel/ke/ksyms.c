/*
 * kernel/ke/ksyms.c: the running image's symbols, for backtraces and for the console's `?` and
 * `dd NAME`, `x`, `ln`. tools/imgtab generates the table from a first link; linker.ld places it after
 * everything else so generating it moves no symbol. Offsets are from KiImageBase, so the table
 * stays right when the image is relocated (/3GB).
 */
#include "kernel/ke/ke.h"

typedef struct _KSYMBOL {
    uint32_t Offset;                /* from KiImageBase */
    uint32_t Name : 31;             /* offset into KiSymbolNames */
    uint32_t Code : 1;              /* in .text (nm type T or t) */
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

/* The Index-th symbol in address order, or NULL past the last: for listing and matching. */
const char *KiGetSymbol(uint32_t Index, uintptr_t *Address, bool *Code)
{
    if (Index >= KiSymbolCount)
        return NULL;
    *Address = (uintptr_t)KiImageBase + KiSymbolTable[Index].Offset;
    *Code = KiSymbolTable[Index].Code;
    return &KiSymbolNames[KiSymbolTable[Index].Name];
}
