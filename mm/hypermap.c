/*
 * mm/hypermap.c: hyperspace mappings. The page table at HYPER_SPACE (0xC0400000) gives 255
 * one-page windows for mapping any physical page briefly: to zero it, copy it, or reach a
 * page table of another address space.
 *
 *   0xC0400000  FIRST_MAPPING_PTE: not a window. Its PFN field counts down the windows not
 *               yet used since the last TB flush (255 .. 0)
 *   0xC0401000  window 1
 *   ...
 *   0xC04FF000  window 255 (LAST_MAPPING_PTE)
 *
 * Unmapping only zeroes the PTE. The stale TB entry is harmless because the window is not
 * handed out again until the count wraps, and the wrap flushes the whole TB: one flush per
 * 255 mappings instead of one per mapping. The mapping is held under HyperSpaceLock at
 * DISPATCH_LEVEL, so it must be short.
 */
#include "mm/mi.h"

#define FIRST_MAPPING_PTE       HYPER_SPACE
#define NUMBER_OF_MAPPING_PTES  255

static KSPIN_LOCK MiHyperSpaceLock;

#define MmFirstReservedMappingPte   MiGetPteAddress(FIRST_MAPPING_PTE)

/* Map PageFrameIndex in a hyperspace window; returns with the hyperspace lock held. */
void *MiMapPageInHyperSpace(uint32_t PageFrameIndex, KIRQL *OldIrql)
{
    volatile MMPTE *counter = MmFirstReservedMappingPte;
    uint32_t offset;

    KeAcquireSpinLock(&MiHyperSpaceLock, OldIrql);
    offset = counter->u.Hard.PageFrameNumber;
    if (offset == 0) {
        offset = NUMBER_OF_MAPPING_PTES;
        MI_FLUSH_ENTIRE_TB();
    }
    counter->u.Hard.PageFrameNumber = offset - 1;
    counter[offset].u.Long = MiMakeValidKernelPte(PageFrameIndex).u.Long;
    return (void *)(uintptr_t)(FIRST_MAPPING_PTE + offset * PAGE_SIZE);
}

void MiUnmapPageInHyperSpace(void *VirtualAddress, KIRQL OldIrql)
{
    MiGetPteAddress(VirtualAddress)->u.Long = MM_ZERO_PTE;
    KeReleaseSpinLock(&MiHyperSpaceLock, OldIrql);
}

void MiZeroPhysicalPage(uint32_t PageFrameIndex)
{
    KIRQL oldIrql;
    void *va = MiMapPageInHyperSpace(PageFrameIndex, &oldIrql);

    KeZeroPages(va, PAGE_SIZE);
    MiUnmapPageInHyperSpace(va, oldIrql);
}

/* With the hyperspace page table in place (mminit.c), a count of 0 makes the first mapping
 * flush and start at window 255. */
void MiInitializeHyperSpace(void)
{
    MmFirstReservedMappingPte->u.Long = 0;
}
