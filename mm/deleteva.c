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

void MiDeleteTransitionPte(MMPTE *PointerPte)
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

/*
 * A process PTE (or a system cache PTE) that maps a section's page (its PFN is a prototype
 * page) stops mapping it: the page loses this share and its page table the one this PTE held;
 * a dirty PTE leaves the page modified. The working-set entry must be gone already
 * (MiRemoveSharedWsles). PFN lock held.
 */
void MiDeleteSharedPte(MMPTE *PointerPte)
{
    MMPTE old = *PointerPte;

    PointerPte->u.Long = MM_ZERO_PTE;
    MI_FLUSH_SINGLE_TB(MiGetVirtualAddressMappedByPte(PointerPte));
    if (old.u.Hard.Dirty)
        MiSetModified(MI_PFN_ELEMENT(old.u.Hard.PageFrameNumber));
    MiDecrementShareCount(MiGetPteAddress(PointerPte)->u.Hard.PageFrameNumber);
    MiDecrementShareCount(old.u.Hard.PageFrameNumber);
}

/*
 * User space (NT's MiDeleteVirtualAddresses and, with Decommit, MiDecommitPages): every page
 * of [StartingAddress, EndingAddress] in the current process gives back what it holds, as
 * above, and its PTE becomes zero — or, decommitting inside a region reserved with MEM_COMMIT
 * (VadMemCommit, where a zero PTE means committed), the decommitted PTE (0x200). A page table
 * left with no PTE in use is freed. A decommitted page that was written keeps its mark in its
 * write-watch region, if it has one, until the region is reset. Returns how many of the pages
 * were committed, so the caller can return their commitment. In a view, a PTE pointing at a
 * prototype holds nothing and a shared page only a share (MiDeleteSharedPte); private copies
 * go as private pages do. A fork's page (forksup.c) gives back its share and its reference to
 * its clone block, which the last reference frees. Address-creation lock and working-set mutex held.
 */
uint32_t MiDeleteVirtualAddresses(MMPROCESS *Process, uintptr_t StartingAddress,
                                  uintptr_t EndingAddress, bool VadMemCommit, bool Decommit)
{
    uint32_t committed = 0;
    uintptr_t va = StartingAddress & ~(PAGE_SIZE - 1);
    MMPTE fresh = { .u.Long = (Decommit && VadMemCommit) ? MM_DECOMMITTED_PTE : MM_ZERO_PTE };
    MMCLONE_DESCRIPTOR *clone = NULL;       /* the last fork descriptor met: neighbours share it */
    KIRQL oldIrql;

    /* A fork's shared pages in a private region have entries that are not direct. */
    if (Process->CloneRoot)
        MiRemoveSharedWsles(&Process->Vm, StartingAddress & ~(PAGE_SIZE - 1), EndingAddress);
    while (va <= EndingAddress && va >= StartingAddress - BYTE_OFFSET(StartingAddress)) {
        MMPTE *pde = MiGetPdeAddress(va);
        uintptr_t tableEnd = (va | (MM_VA_MAPPED_BY_PDE - 1));

        if (!pde->u.Hard.Valid) {
            /* No table: every PTE zero. Committed only in a MEM_COMMIT region. */
            uintptr_t last = MIN(tableEnd, EndingAddress);

            if (VadMemCommit)
                committed += (uint32_t)((last - va) / PAGE_SIZE + 1);
            if (fresh.u.Long != MM_ZERO_PTE) {
                if (!MiMakePdeExistAndMakeValid(Process, va))
                    KeBugCheckEx(NO_PAGES_AVAILABLE, MmAvailablePages, 0, 0, 2);
                continue;                       /* again, with the table */
            }
            if (last == 0xFFFFFFFF)
                break;
            va = last + 1;
            continue;
        }
        uintptr_t blockPage = 0;            /* a page of clone blocks resident since the lock */

        LOCK_PFN(oldIrql);
        for (; va <= MIN(tableEnd, EndingAddress); va += PAGE_SIZE) {
            MMPTE *pte = MiGetPteAddress(va);
            MMPTE old = *pte;

            if (clone && fresh.u.Long == MM_ZERO_PTE && old.u.Soft.Prototype &&
                !old.u.Hard.Valid && !MiIsLookupNeeded(old)) {
                /* The common case of a fork's child: a run of pages it never touched, whose
                 * blocks others still refer to — counts only. */
                uintptr_t runLast = MIN(tableEnd, EndingAddress);
                MMPTE next = old;
                uint32_t run = 0;

                for (;;) {
                    MMCLONE_BLOCK *block = (MMCLONE_BLOCK *)MiPteToProto(next);

                    if (((uintptr_t)block & ~(uintptr_t)(PAGE_SIZE - 1)) != blockPage ||
                        (uintptr_t)block < clone->Node.StartingVpn ||
                        (uintptr_t)block > clone->Node.EndingVpn ||
                        block->CloneRefCount <= 1 || clone->NumberOfReferences <= 1)
                        break;
                    block->CloneRefCount--;
                    clone->NumberOfReferences--;
                    pte[run].u.Long = MM_ZERO_PTE;
                    run++;
                    if (va + run * PAGE_SIZE > runLast)
                        break;
                    next = pte[run];
                    if (!next.u.Soft.Prototype || next.u.Hard.Valid || MiIsLookupNeeded(next))
                        break;
                }
                if (run) {
                    committed += run;
                    Process->UsedPageTableEntries[MiGetPdeOffset(va)] -= run;
                    va += (run - 1) * PAGE_SIZE;    /* the last one done; the loop moves on */
                    if (va == 0xFFFFF000)
                        break;
                    continue;
                }
            }
            if (old.u.Long == MM_ZERO_PTE)
                committed += VadMemCommit;
            else if (old.u.Long != MM_DECOMMITTED_PTE)
                committed++;
            if (old.u.Hard.Valid && MI_PFN_ELEMENT(old.u.Hard.PageFrameNumber)->u3.e1.PrototypePte) {
                MMPTE *proto = MI_PFN_ELEMENT(old.u.Hard.PageFrameNumber)->PteAddress;

                MiDeleteSharedPte(pte);
                if (Process->CloneRoot && (!clone || (uintptr_t)proto < clone->Node.StartingVpn ||
                                           (uintptr_t)proto > clone->Node.EndingVpn))
                    clone = MiLocateCloneDescriptor(Process, proto);
                if (clone && MiDeleteForkReference(Process, clone, (MMCLONE_BLOCK *)proto, &oldIrql))
                    clone = NULL;               /* a fork's page: its block loses a reference */
                blockPage = 0;
            } else if (old.u.Hard.Valid) {
                MMPFN *pfn = MI_PFN_ELEMENT(old.u.Hard.PageFrameNumber);

                if (Decommit && old.u.Hard.Dirty)
                    MiCaptureWriteWatchDirtyBit(Process, va);
                MiRemoveWorkingSetEntry(&Process->Vm, pfn->u1.WsIndex);
                MiDeleteSystemPte(pte);
                Process->NumberOfPrivatePages--;
            } else if (old.u.Soft.Transition && !old.u.Soft.Prototype) {
                MiDeleteTransitionPte(pte);
                Process->NumberOfPrivatePages--;
            } else if (old.u.Soft.Prototype) {
                /* A view's PTE pointing at its prototype: nothing of its own to free; a fork's
                 * prototype loses this reference. */
                MMPTE *proto = MiIsLookupNeeded(old) ? NULL : MiPteToProto(old);

                if (proto && Process->CloneRoot &&
                    (!clone || (uintptr_t)proto < clone->Node.StartingVpn ||
                     (uintptr_t)proto > clone->Node.EndingVpn))
                    clone = MiLocateCloneDescriptor(Process, proto);
                if (proto && clone) {
                    MMCLONE_BLOCK *block = (MMCLONE_BLOCK *)proto;

                    if (((uintptr_t)block & ~(uintptr_t)(PAGE_SIZE - 1)) == blockPage &&
                        block->CloneRefCount > 1 && clone->NumberOfReferences > 1) {
                        /* Others still refer to the block, and to the header: counts only. */
                        block->CloneRefCount--;
                        clone->NumberOfReferences--;
                    } else {
                        if (MiDeleteForkReference(Process, clone, block, &oldIrql))
                            clone = NULL;           /* and its blocks may be gone */
                        blockPage = clone && MmIsAddressValid(block)
                                    ? (uintptr_t)block & ~(uintptr_t)(PAGE_SIZE - 1) : 0;
                    }
                }
            } else if (old.u.Soft.PageFileHigh != 0) {
                MiReleasePageFileSpace(old);
                Process->NumberOfPrivatePages--;
            }
            pte->u.Long = fresh.u.Long;
            if (old.u.Long == MM_ZERO_PTE && fresh.u.Long != MM_ZERO_PTE)
                MiIncrementUsedPtes(Process, va);
            else if (old.u.Long != MM_ZERO_PTE && fresh.u.Long == MM_ZERO_PTE)
                MiDecrementUsedPtes(Process, va);
            if (va == 0xFFFFF000)
                break;
        }
        UNLOCK_PFN(oldIrql);
        MiDeletePageTableIfUnused(Process, va - PAGE_SIZE);
        if (va - PAGE_SIZE >= EndingAddress || va == 0)
            break;
    }
    return committed;
}
