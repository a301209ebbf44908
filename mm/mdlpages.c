/*
 * mm/mdlpages.c: MmAllocatePagesForMdl and MmFreePagesFromMdl (NT's iosup.c): physical pages
 * for a driver, described by an MDL and mapped by nobody until the driver maps them
 * (MmMapLockedPagesSpecifyCache). Each page is taken off the zeroed, free or standby list —
 * a standby page's old PTE first gets back what it held before, as for any reuse — zeroed if
 * it was not, and made active with one reference and one share but no PTE: its PteAddress is
 * NT's X64K marker and its PteFrame NT's MI_MAGIC_AWE_PTEFRAME, so nothing that follows a
 * PFN to its PTE (trimming, the modified writer, standby reuse) ever finds it. The pages are
 * nonpageable: each is charged to MmResidentAvailablePages.
 *
 * The MDL is sized for the request and says in ByteCount how much it got, which may be less
 * (NULL when nothing): the allocation stops at the physical range's end or when no page is
 * left above MmMinimumFreePages or resident available memory. The MDL has no flags: it is
 * not locked (never MmUnlockPages it) and not mapped.
 */
#include "mm/mi.h"

#define MI_MDL_PAGES_TAG            POOL_TAG('M', 'd', 'l', 'P')
#define MI_PFN_NOT_MAPPED_PTE       ((MMPTE *)(uintptr_t)0x10000)   /* NT's X64K */
#define MI_MAGIC_AWE_PTEFRAME       0x1FFEDCB
#define MI_MDL_MAXIMUM_PAGES        ((0x7FFF - sizeof(MDL)) / sizeof(uint32_t))  /* Size is 16 bits */

/* Take Frame off its list for a driver, if it is available. PFN lock held. */
static bool MiTakeAvailablePage(uint32_t Frame)
{
    MMPFN *pfn = MI_PFN_ELEMENT(Frame);
    MMLISTS list = pfn->u3.e1.PageLocation;

    if (list > StandbyPageList || pfn->u3.e2.ReferenceCount != 0 || pfn->u3.e1.RemovalRequested)
        return false;
    MiUnlinkPageFromList(pfn);
    if (list == StandbyPageList)
        MiRestoreTransitionPte(Frame);
    if (list != ZeroedPageList)
        MiZeroPhysicalPage(Frame);
    pfn->PteAddress = MI_PFN_NOT_MAPPED_PTE;
    pfn->OriginalPte.u.Long = MM_ZERO_PTE;
    pfn->u3.e2.ReferenceCount = 1;
    pfn->u2.ShareCount = 1;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    pfn->u3.e1.Modified = 0;
    pfn->u3.e1.PrototypePte = 0;
    pfn->u3.e1.StartOfAllocation = 1;
    pfn->u3.e1.EndOfAllocation = 1;
    pfn->u4.InPageError = 0;
    pfn->u4.PteFrame = MI_MAGIC_AWE_PTEFRAME;
    return true;
}

/* Up to Wanted available frames in [First, Last] into Frames; returns how many. PFN lock
 * held. */
static uint32_t MiTakePagesInRange(uint32_t First, uint32_t Last, uint32_t *Frames,
                                   uint32_t Wanted)
{
    uint32_t got = 0;

    First = MAX(First, MmLowestPhysicalPage);
    Last = MIN(Last, MmHighestPhysicalPage);
    for (uint32_t frame = First; frame <= Last && got < Wanted; frame++) {
        if (!MiIsPhysicalMemory(frame) || MmAvailablePages <= MmMinimumFreePages)
            continue;
        if (!MiChargeResidentAvailable(1))
            break;
        if (MiTakeAvailablePage(frame))
            Frames[got++] = frame;
        else
            MiReturnResidentAvailable(1);
    }
    return got;
}

/*
 * Pages from [LowAddress, HighAddress], then from the same range moved up by SkipBytes again
 * and again while it lies in memory, until TotalBytes (rounded up to pages) are found.
 * PASSIVE_LEVEL (the pages are zeroed here).
 */
MDL *MmAllocatePagesForMdl(uint64_t LowAddress, uint64_t HighAddress, uint64_t SkipBytes,
                           uint32_t TotalBytes)
{
    uint32_t wanted = (uint32_t)(PAGE_ALIGN_UP((uint64_t)TotalBytes) >> PAGE_SHIFT);
    uint64_t low = LowAddress >> PAGE_SHIFT, high = HighAddress >> PAGE_SHIFT;
    uint64_t skip = SkipBytes >> PAGE_SHIFT;
    uint32_t got = 0, *frames;
    KIRQL oldIrql;
    MDL *mdl;

    if (wanted == 0 || high < low || (SkipBytes & (PAGE_SIZE - 1)))
        return NULL;
    wanted = MIN(wanted, (uint32_t)MI_MDL_MAXIMUM_PAGES);
    mdl = MmCreateMdl(NULL, NULL, wanted << PAGE_SHIFT);
    if (!mdl)
        return NULL;
    frames = MmGetMdlPfnArray(mdl);
    LOCK_PFN(oldIrql);
    while (got < wanted && low <= MmHighestPhysicalPage) {
        got += MiTakePagesInRange((uint32_t)low, (uint32_t)MIN(high, (uint64_t)0xFFFFFFFF),
                                  frames + got, wanted - got);
        if (skip == 0)
            break;
        low += skip;
        high += skip;
    }
    UNLOCK_PFN(oldIrql);
    if (got == 0) {
        ExFreePool(mdl);
        return NULL;
    }
    mdl->ByteCount = got << PAGE_SHIFT;
    return mdl;
}

/*
 * The pages back to the free list, each once nothing else holds it (a lock taken through a
 * mapping of them lasts until its unlock). A mapping the MDL still has is undone first.
 * The MDL itself is the caller's to free.
 */
void MmFreePagesFromMdl(MDL *Mdl)
{
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages = MmGetMdlPageCount(Mdl);
    KIRQL oldIrql;

    if (Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)
        MmUnmapLockedPages(Mdl->MappedSystemVa, Mdl);
    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < pages && frames[i] != MM_EMPTY_LIST; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frames[i]);

        if (pfn->PteAddress != MI_PFN_NOT_MAPPED_PTE || pfn->u4.PteFrame != MI_MAGIC_AWE_PTEFRAME)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_MDL_MISUSE, (uintptr_t)Mdl,
                         (uint16_t)Mdl->MdlFlags, frames[i]);
        pfn->u3.e1.StartOfAllocation = 0;
        pfn->u3.e1.EndOfAllocation = 0;
        MI_SET_PFN_DELETED(pfn);
        MiDecrementShareCount(frames[i]);
        MiReturnResidentAvailable(1);
        frames[i] = MM_EMPTY_LIST;
    }
    UNLOCK_PFN(oldIrql);
    Mdl->ByteCount = 0;
}
