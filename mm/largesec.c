/*
 * mm/largesec.c: page-file sections on large pages (SEC_LARGE_PAGES; nt-mm-facts-2 §4.2 and §8,
 * NT's MiCreatePagingFileMap and MiUpdateLargeProtoPfns in creasect.c, MiMapLargePageSection
 * in mapview.c, the VadLargePageSection cases of umapview.c and sectsup.c's MiSegmentDelete).
 *
 * Creation. SEC_COMMIT, SeLockMemoryPrivilege (section.c checks both), a processor with PSE
 * (STATUS_NOT_SUPPORTED) and a size that is a multiple of 4 MB (STATUS_INVALID_PARAMETER_4);
 * the commitment is charged as for any SEC_COMMIT section. Each 4 MB of the section is then one
 * run of 1024 contiguous, 4 MB-aligned, zeroed frames (physical.c; none free:
 * STATUS_INSUFFICIENT_RESOURCES), charged to resident-available memory, and every prototype
 * PTE is made valid at once on its frame:
 *
 *   SEGMENT.ThePtes[i]   valid, frame = run + i % 1024      MMPFN of that frame
 *   (paged pool)                                            PteAddress = &ThePtes[i]
 *                                                           PrototypePte, ShareCount 1 (the
 *                                                           section's own), ReferenceCount 1
 *                                                           OriginalPte demand zero
 *
 * That one share never goes while the segment lives, so no view's unmapping or trimming takes
 * a page below it: the memory is nonpaged. The paged pool page holding the prototypes has a
 * share per valid prototype, which pins it in the system working set (wslist.c).
 *
 * Views. A view whose offset and size are multiples of 4 MB, at a 4 MB-aligned base (one is
 * looked for first when no base is given), not MEM_RESERVE, not guard, no-access or
 * copy-on-write, is a VadLargePageSection VAD mapped by PS PDEs on the runs, each frame gaining
 * the view's share: no page tables, no working-set entries. Its protection cannot change (a
 * different one: STATUS_CONFLICTING_ADDRESSES) and nothing is committed in it
 * (STATUS_INVALID_PAGE_PROTECTION). Any other view of the section is an ordinary one on
 * small pages, each fault finding its prototype valid.
 *
 * Departure from NT: NT asks only the view's base and size to be 4 MB multiples and asserts
 * the rest; here an offset that is not one maps on small pages too.
 */
#include "mm/mi.h"

#define MM_PAGES_PER_LARGE_PAGE (MM_VA_MAPPED_BY_PDE / PAGE_SIZE)

/* What section.c asks before it makes a large-page segment of Pages pages. */
NTSTATUS MiCheckLargePageSection(uint32_t Pages)
{
    if (!MiLargePagesSupported)
        return STATUS_NOT_SUPPORTED;
    if (Pages % MM_PAGES_PER_LARGE_PAGE)
        return STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}

/* Proto (still its demand-zero PTE) becomes valid on the next frame of the run. PFN lock
 * held, Proto resident. */
static void MiMakeLargePrototype(MMPTE *Proto, void *Context)
{
    uint32_t *frame = Context;
    uint32_t protection = Proto->u.Soft.Protection;

    MiInitializePfn(*frame, Proto, true);
    Proto->u.Long = (*frame << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                    MiProtectToPteMask(protection) | MiPteOwnerMask(Proto) |
                    (MI_IS_WRITABLE_PROTECTION(protection) ? MM_PTE_DIRTY_MASK : 0);
    (*frame)++;
}

static void MiDeleteLargePrototypeVisit(MMPTE *Proto, void *Context)
{
    (void)Context;
    MiDeleteLargePagePrototype(Proto);
}

/*
 * Segment's prototypes (demand zero, SEC_COMMIT) made valid on large pages, one run per 4 MB;
 * STATUS_INSUFFICIENT_RESOURCES (and every prototype as it was) when a run cannot be had.
 * PASSIVE_LEVEL.
 */
NTSTATUS MiCreateLargePageSegment(SEGMENT *Segment)
{
    uint32_t runs = Segment->TotalNumberOfPtes / MM_PAGES_PER_LARGE_PAGE, done;

    for (done = 0; done < runs; done++) {
        MMPTE *first = &Segment->ThePtes[done * MM_PAGES_PER_LARGE_PAGE];
        uint32_t frame = MiAllocateLargeZeroPage();

        if (frame == 0)
            break;
        MiForEachPrototypePte(first, first + MM_PAGES_PER_LARGE_PAGE - 1, MiMakeLargePrototype,
                              &frame);
    }
    if (done == runs) {
        Segment->SegmentFlags.LargePages = 1;
        return STATUS_SUCCESS;
    }
    if (done)
        MiForEachPrototypePte(Segment->ThePtes,
                              &Segment->ThePtes[done * MM_PAGES_PER_LARGE_PAGE - 1],
                              MiDeleteLargePrototypeVisit, NULL);
    for (uint32_t i = 0; i < done * MM_PAGES_PER_LARGE_PAGE; i++)
        Segment->ThePtes[i] = Segment->SegmentPteTemplate;
    return STATUS_INSUFFICIENT_RESOURCES;
}

/*
 * A valid prototype of a large-page segment being deleted (no view maps its page any more:
 * only the segment's share is left): the frame goes back to the free list with its
 * resident-available charge, the page of prototypes loses its share, the prototype becomes
 * zero. PFN lock held.
 */
void MiDeleteLargePagePrototype(MMPTE *Proto)
{
    uint32_t frame = Proto->u.Hard.PageFrameNumber;
    MMPFN *pfn = MI_PFN_ELEMENT(frame);

    if (pfn->u2.ShareCount != 1 || pfn->PteAddress != Proto || !pfn->u3.e1.PrototypePte)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE, (uintptr_t)Proto,
                     Proto->u.Long, pfn->u2.ShareCount);
    MiDecrementShareCount(pfn->u4.PteFrame);
    pfn->u3.e1.PrototypePte = 0;
    MiFreeAwePage(frame);
    Proto->u.Long = MM_ZERO_PTE;
}

/* Does a view of Segment at Offset of Size bytes with Protection (MM_*) and AllocationType go
 * on large pages (NT's TryLargePages, less the base, which the caller checks)? */
bool MiIsLargePageView(const SEGMENT *Segment, uint64_t Offset, uint32_t Size,
                       uint32_t AllocationType, uint32_t Protection)
{
    return Segment->SegmentFlags.LargePages && MiLargePagesSupported &&
           (Offset % MM_VA_MAPPED_BY_PDE) == 0 && Size != 0 && (Size % MM_VA_MAPPED_BY_PDE) == 0 &&
           !(AllocationType & MEM_RESERVE) && !MI_IS_GUARD(Protection) &&
           Protection != MM_NOACCESS && !MI_IS_COPY_ON_WRITE(Protection);
}

/*
 * The large-page view Vad (not yet inserted; its range 4 MB-aligned and free) mapped by PS
 * PDEs on its prototypes' runs, each frame gaining the view's share (NT's
 * MiMapLargePageSection). Address-creation lock held, working-set mutex not.
 */
void MiMapLargePageView(MMPROCESS *Process, MMVAD *Vad)
{
    uintptr_t start = Vad->Core.Node.StartingVpn << PAGE_SHIFT;
    uintptr_t end = (Vad->Core.Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
    MMPTE *proto = Vad->FirstPrototypePte;
    KIRQL oldIrql;

    Vad->Core.u.VadFlags.VadType = VadLargePageSection;
    for (uintptr_t va = start; va <= end && va >= start;
         va += MM_VA_MAPPED_BY_PDE, proto += MM_PAGES_PER_LARGE_PAGE) {
        MMPTE contents;

        LOCK_PFN(oldIrql);
        MiMakeSystemAddressValidPfn(proto, &oldIrql);
        contents = *proto;
        if (!contents.u.Hard.Valid || contents.u.Hard.PageFrameNumber % MM_PAGES_PER_LARGE_PAGE)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE,
                         (uintptr_t)proto, contents.u.Long, va);
        for (uint32_t i = 0; i < MM_PAGES_PER_LARGE_PAGE; i++)
            MI_PFN_ELEMENT(contents.u.Hard.PageFrameNumber + i)->u2.ShareCount++;
        UNLOCK_PFN(oldIrql);
        MiLockWorkingSet(&Process->Vm);
        MiPrepareLargePde(Process, va);
        *MiGetPdeAddress(va) = MiMakeLargeUserPde(contents.u.Hard.PageFrameNumber,
                                                  Vad->Core.u.VadFlags.Protection);
        MiUnlockWorkingSet(&Process->Vm);
    }
}

/* The large-page view Vad taken down: its PDEs go and each frame loses the view's share (the
 * segment's stays). Working-set mutex held. */
void MiUnmapLargePageView(MMVAD *Vad)
{
    uintptr_t start = Vad->Core.Node.StartingVpn << PAGE_SHIFT;
    uintptr_t end = (Vad->Core.Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
    KIRQL oldIrql;

    for (uintptr_t va = start; va <= end && va >= start; va += MM_VA_MAPPED_BY_PDE) {
        MMPTE *pde = MiGetPdeAddress(va);
        uint32_t base = pde->u.Hard.PageFrameNumber;

        if (!pde->u.Hard.Valid || !pde->u.Hard.LargePage)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE, va, pde->u.Long,
                         (uintptr_t)Vad);
        pde->u.Long = MM_ZERO_PTE;
        MI_FLUSH_SINGLE_TB(va);
        LOCK_PFN(oldIrql);
        for (uint32_t i = 0; i < MM_PAGES_PER_LARGE_PAGE; i++) {
            MMPFN *pfn = MI_PFN_ELEMENT(base + i);

            if (pfn->u2.ShareCount < 2)
                KeBugCheckEx(PFN_LIST_CORRUPT, PFN_LIST_CORRUPT_SHARE_STATE, base + i,
                             pfn->u2.ShareCount, (uintptr_t)Vad);
            pfn->u2.ShareCount--;
        }
        UNLOCK_PFN(oldIrql);
    }
}
