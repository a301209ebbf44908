/*
 * mm/mi.h: Mm-internal declarations shared among mm/ files.
 */
#ifndef MM_MI_H
#define MM_MI_H

#include "mm/mm.h"
#include "hal/x86.h"

/* Boot-time physical pages, before the PFN database exists (mminit.c). */
uint32_t MxGetNextPage(void);
void MiMapBootPage(uintptr_t VirtualAddress, uint32_t PageFrameIndex);
void MiInitializeCrashDumpArea(void);

/* A valid kernel PTE for PageFrameIndex, read/write. */
static inline MMPTE MiMakeValidKernelPte(uint32_t PageFrameIndex)
{
    MMPTE pte;

    pte.u.Long = (PageFrameIndex << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK |
                 MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK;
    return pte;
}

#endif
