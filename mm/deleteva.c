/*
 * mm/deleteva.c: deleting pageable system virtual memory (paged pool being freed). Each PTE
 * in the range is in one of NT's states, and whatever it holds is released:
 *
 *   valid       the page leaves the working set and is freed
 *   transition  a page on a list is freed (and its paging-file copy); a page under I/O is
 *               marked deleted, and the end of the I/O frees it
 *   paging file the slot is released
 *   demand zero nothing was ever there
 *
 * and the PTE becomes zero. Called with the system working-set mutex held.
 */
#include "mm/mi.h"

static void MiDeleteTransitionPte(MMPTE *PointerPte)
{
    uint32_t frame = PointerPte->u.Trans.PageFrameNumber;
    MMPFN *pfn = MI_PFN_ELEMENT(frame);

    MI_SET_PFN_DELETED(pfn);
    MiDecrementShareCount(pfn->u4.PteFrame);
    if (pfn->u3.e2.ReferenceCount != 0)
        return;
    MiUnlinkPageFromList(pfn);
    MiReleasePageFileSpace(pfn->OriginalPte);
    pfn->u3.e1.PageLocation = TransitionPage;
    pfn->u3.e1.Modified = 0;
    MiInsertPageInList(&MmFreePageListHead, frame);
}

void MiDeleteSystemPageableVm(MMPTE *PointerPte, uint32_t NumberOfPtes)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < NumberOfPtes; i++) {
        MMPTE *pte = &PointerPte[i];

        if (pte->u.Hard.Valid) {
            MiRemoveSystemWorkingSetEntry(MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->u1.WsIndex);
            MiDeleteSystemPte(pte);
        } else if (pte->u.Soft.Transition && !pte->u.Soft.Prototype) {
            MiDeleteTransitionPte(pte);
        } else if (pte->u.Soft.Prototype || pte->u.Soft.Protection == 0) {
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEABLE_PTE,
                         (uintptr_t)pte, pte->u.Long, 0);
        } else {
            MiReleasePageFileSpace(*pte);
        }
        pte->u.Long = MM_ZERO_PTE;
    }
    UNLOCK_PFN(oldIrql);
}
