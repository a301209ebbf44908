/*
 * mm/wrtfault.c: copy-on-write (NT's MiCopyOnWrite). A view mapped PAGE_WRITECOPY or
 * PAGE_EXECUTE_WRITECOPY maps the section's shared pages read-only with the CopyOnWrite bit;
 * the first write to one faults here, and the process gets a page of its own:
 *
 *   a new page, a copy of the shared one      the PTE maps it writable and dirty: an ordinary
 *   (through a hyperspace window)             private page from now on, PAGE_READWRITE (or
 *                                             EXECUTE_READWRITE), trimmed and paged as one
 *   the shared page loses this process's      other processes keep seeing the original
 *   share
 *
 * The working-set entry stays where it is and becomes the private page's. The commitment was
 * charged for the whole view when it was mapped (mapview.c), so the copy charges nothing. A
 * page a fork shares (forksup.c) is copied the same way, and its clone block loses this
 * process's reference; the fork charged the child for it, so the copy charges nothing either.
 * One that no other process refers to any more is taken back without a copy
 * (MiTakeOverForkPage).
 * Called from MmAccessFault with the working-set mutex held; returns
 * STATUS_PAGE_FAULT_COPY_ON_WRITE, or STATUS_REFAULT when the PTE changed or pages were short.
 */
#include "mm/mi.h"

#define MI_COPY_RESERVE         16      /* pages left for the system, as the other resolvers */

/*
 * A fork's page that this process alone still refers to (the block's count 1, this PTE its one
 * mapper, no I/O on it) needs no copy: the page becomes this process's private page again, in
 * place — its PFN names the PTE and the page table, the block is emptied and its descriptor
 * loses the reference — and the PTE is made writable and dirty. PFN lock held.
 */
static void MiTakeOverForkPage(MMPROCESS *Process, uintptr_t VirtualAddress, MMPTE *PointerPte,
                               uint32_t Index, uint32_t Protection, MMCLONE_DESCRIPTOR *Clone,
                               MMCLONE_BLOCK *Block, KIRQL *OldIrql)
{
    uint32_t frame = PointerPte->u.Hard.PageFrameNumber;
    MMPFN *pfn = MI_PFN_ELEMENT(frame);
    uint32_t poolFrame = pfn->u4.PteFrame;
    MMWSLE *wsle = &Process->Vm.VmWorkingSetList->Wsle[Index];

    Block->ProtoPte.u.Long = MM_ZERO_PTE;
    Block->CloneRefCount = 0;
    pfn->PteAddress = PointerPte;
    pfn->u3.e1.PrototypePte = 0;
    pfn->u4.PteFrame = MiGetPteAddress(PointerPte)->u.Hard.PageFrameNumber;
    pfn->OriginalPte.u.Soft.Protection = Protection;
    MiSetModified(pfn);                         /* written now: its paging-file copy is stale */
    pfn->u1.WsIndex = Index;
    wsle->u1.e1.Direct = 1;
    wsle->u1.e1.Protection = 0;
    MiDecrementShareCount(poolFrame);           /* the block's pool page held it */
    Process->NumberOfPrivatePages++;
    PointerPte->u.Long = (frame << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                         MM_PTE_DIRTY_MASK | MM_PTE_OWNER_MASK | MiProtectToPteMask(Protection);
    MI_FLUSH_SINGLE_TB(VirtualAddress);
    MiReleaseCloneDescriptorReference(Process, Clone, OldIrql);
}

NTSTATUS MiCopyOnWrite(MMPROCESS *Process, uintptr_t VirtualAddress, MMPTE *PointerPte)
{
    MMSUPPORT *ws = &Process->Vm;
    MMPTE old = *PointerPte;
    uint32_t index = MiLocateWsle(ws, VirtualAddress), frame, protection;
    MMPFN *oldPfn = MI_PFN_ELEMENT(old.u.Hard.PageFrameNumber), *pfn;
    MMWSLE *wsle;
    MMCLONE_DESCRIPTOR *clone = NULL;
    MMPTE *proto = NULL;
    KIRQL oldIrql, hyperIrql;
    void *copy;

    if (index == WSLE_NULL_INDEX)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_WSLE, VirtualAddress,
                     old.u.Long, 0);
    wsle = &ws->VmWorkingSetList->Wsle[index];
    LOCK_PFN(oldIrql);
    if (PointerPte->u.Long != old.u.Long) {
        UNLOCK_PFN(oldIrql);
        return STATUS_REFAULT;
    }
    if (MmAvailablePages < MI_COPY_RESERVE) {
        UNLOCK_PFN(oldIrql);
        MmInfoCounters.PageWaitCount++;
        MiUnlockWorkingSet(ws);
        MiWaitForAvailablePages(MmMinimumFreePages);
        MiLockWorkingSet(ws);
        return STATUS_REFAULT;
    }
    MiNoteAvailablePagesFound();
    if (oldPfn->u3.e1.PrototypePte) {          /* a fork's page: its clone block, if it is one */
        proto = oldPfn->PteAddress;
        clone = MiLocateCloneDescriptor(Process, proto);
    }
    protection = MiMakeProtectNotWriteCopy(wsle->u1.e1.Protection ? wsle->u1.e1.Protection
                                                                   : oldPfn->OriginalPte.u.Soft.Protection);
    if (clone && MmIsAddressValid(proto) && ((MMCLONE_BLOCK *)proto)->CloneRefCount == 1 &&
        oldPfn->u2.ShareCount == 1 && oldPfn->u3.e2.ReferenceCount == 1) {
        MiTakeOverForkPage(Process, VirtualAddress, PointerPte, index, protection, clone,
                           (MMCLONE_BLOCK *)proto, &oldIrql);
        UNLOCK_PFN(oldIrql);
        MmInfoCounters.CopyOnWriteCount++;
        return STATUS_PAGE_FAULT_COPY_ON_WRITE;
    }
    frame = MiRemoveAnyPage();
    copy = MiMapPageInHyperSpace(frame, &hyperIrql);
    RtlCopyMemory(copy, PAGE_ALIGN(VirtualAddress), PAGE_SIZE);
    MiUnmapPageInHyperSpace(copy, hyperIrql);

    /* NT's MiInitializeCopyOnWritePfn: the page table keeps the one share this PTE holds. */
    pfn = MI_PFN_ELEMENT(frame);
    pfn->PteAddress = PointerPte;
    pfn->OriginalPte.u.Long = protection << MM_PROTECT_FIELD_SHIFT;
    pfn->u3.e2.ReferenceCount = 1;
    pfn->u2.ShareCount = 1;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    pfn->u3.e1.Modified = 1;
    pfn->u3.e1.PrototypePte = 0;
    pfn->u4.PteFrame = MiGetPteAddress(PointerPte)->u.Hard.PageFrameNumber;
    pfn->u1.WsIndex = index;
    wsle->u1.e1.Direct = 1;
    wsle->u1.e1.Protection = 0;

    PointerPte->u.Long = (frame << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                         MM_PTE_DIRTY_MASK | MM_PTE_OWNER_MASK | MiProtectToPteMask(protection);
    MI_FLUSH_SINGLE_TB(VirtualAddress);
    MiDecrementShareCount(old.u.Hard.PageFrameNumber);
    Process->NumberOfPrivatePages++;
    if (clone)
        MiDeleteForkReference(Process, clone, (MMCLONE_BLOCK *)proto, &oldIrql);
    UNLOCK_PFN(oldIrql);
    MmInfoCounters.CopyOnWriteCount++;
    return STATUS_PAGE_FAULT_COPY_ON_WRITE;
}
