/*
 * mm/protect.c: NtProtectVirtualMemory (NT's protect.c). Only committed pages change, all in
 * one region; the old protection of the first page is returned. A valid page keeps its frame and
 * gets new PTE bits (and its TB entry flushed); a page not yet touched, in transition or in the
 * paging file keeps the new protection in its PTE (and its PFN's OriginalPte), so the fault that
 * brings it back uses it. PAGE_GUARD is set and cleared like any other protection. A valid
 * page keeps its dirty bit, or, leaving the working set for a guard or no-access protection,
 * hands it to write watch (wrtwatch.c): a protection change does not change what was written.
 *
 * In a view (NT's MiSetProtectionOnSection) the new protection must be one the view's own
 * allows (STATUS_SECTION_PROTECTION); a view of a section that cannot be written turns
 * read/write into write-copy. The protection is this process's only: a page still shared is
 * taken out of the working set and its PTE points at the prototype again, in the lookup-needed
 * form that carries the new protection; a private copy changes as private memory does (and
 * write-copy is read/write for it). Making a view write-copy charges its pages' commitment,
 * once, since each may now become a copy.
 */
#include "mm/mi.h"

/* The protection of the page at Va in a view of the current process; Pte its PTE's contents
 * (0 without a page table). */
static uint32_t MiQueryViewPageProtection(const MMVAD *Vad, uintptr_t Va, MMPTE Pte)
{
    MMPFN *pfn;

    if (Pte.u.Long == MM_ZERO_PTE && Vad->Core.u.VadFlags.VadType == VadImageMap)
        return MiImageViewPageProtection((MMVAD *)Vad, MiGetProtoPteAddress(Vad, Va));
    if (Pte.u.Long == MM_ZERO_PTE)
        return Vad->Core.u.VadFlags.Protection;
    if (MiIsLookupNeeded(Pte))
        return Pte.u.Soft.Protection;
    if (!Pte.u.Hard.Valid && Pte.u.Soft.Prototype)
        return MiProtoPteProtection(*MiPteToProto(Pte));
    if (!Pte.u.Hard.Valid)
        return Pte.u.Soft.Protection;
    pfn = MI_PFN_ELEMENT(Pte.u.Hard.PageFrameNumber);
    if (pfn->u3.e1.PrototypePte) {
        MMSUPPORT *ws = MiWorkingSetOf(Va);
        uint32_t index = MiLocateWsle(ws, Va);

        if (index != WSLE_NULL_INDEX && ws->VmWorkingSetList->Wsle[index].u1.e1.Protection)
            return ws->VmWorkingSetList->Wsle[index].u1.e1.Protection;
    }
    return pfn->OriginalPte.u.Soft.Protection;
}

/* The MM_* protection of a committed page at Va; 0 when it is not committed. Working-set mutex
 * held. */
uint32_t MiQueryPageProtection(const MMVAD_SHORT *Vad, uintptr_t Va)
{
    MMPTE pte = { .u.Long = MM_ZERO_PTE };

    if (Vad->u.VadFlags.VadType == VadDevicePhysicalMemory)
        return Vad->u.VadFlags.Protection;
    if (!MiIsPageCommitted(Vad, Va))
        return 0;
    if (Vad->u.VadFlags.VadType == VadLargePages || Vad->u.VadFlags.VadType == VadLargePageSection)
        return Vad->u.VadFlags.Protection;
    if (Vad->u.VadFlags.VadType == VadAwe)
        return MiQueryAwePageProtection(Va);
    if (MiGetPdeAddress(Va)->u.Hard.Valid)
        pte = *MiGetPteAddress(Va);
    if (!Vad->u.VadFlags.PrivateMemory)
        return MiQueryViewPageProtection((const MMVAD *)Vad, Va, pte);
    if (pte.u.Long == MM_ZERO_PTE)
        return Vad->u.VadFlags.Protection;
    if (pte.u.Hard.Valid)
        return MiMakeProtectNotWriteCopy(MI_PFN_ELEMENT(pte.u.Hard.PageFrameNumber)->OriginalPte.u.Soft.Protection);
    if (pte.u.Soft.Prototype)               /* a fork's page: write-copy is read/write to it */
        return MiMakeProtectNotWriteCopy(MiProtoPteProtection(*MiPteToProto(pte)));
    return pte.u.Soft.Protection;
}

/* A private page's PTE (not zero) gets Protection. PFN lock held, working-set mutex too. */
static void MiSetPrivatePageProtection(MMPROCESS *Process, uintptr_t Va, MMPTE *Pte,
                                       uint32_t Protection)
{
    if (Pte->u.Hard.Valid) {
        MMPFN *pfn = MI_PFN_ELEMENT(Pte->u.Hard.PageFrameNumber);

        pfn->OriginalPte.u.Soft.Protection = Protection;
        if (MI_IS_GUARD(Protection) || Protection == MM_NOACCESS) {
            /* Not expressible in a valid PTE: the page leaves the working set first. */
            MMPTE old = *Pte;

            MiRemoveWorkingSetEntry(&Process->Vm, pfn->u1.WsIndex);
            *Pte = MiMakeTransitionFromValidPte(old, Protection);
            MI_FLUSH_SINGLE_TB(Va);
            if (old.u.Hard.Dirty) {
                MiSetModified(pfn);
                MiCaptureWriteWatchDirtyBit(Process, Va);
            }
            MiDecrementShareCount(old.u.Hard.PageFrameNumber);
        } else {
            Pte->u.Long = (Pte->u.Long & ~(MM_PTE_WRITE_MASK | MM_PTE_COPY_ON_WRITE_MASK |
                                           MM_PTE_CACHE_DISABLE_MASK)) |
                          MiProtectToPteMask(Protection);
            MI_FLUSH_SINGLE_TB(Va);
        }
    } else if (Pte->u.Soft.Transition) {
        Pte->u.Trans.Protection = Protection;
        MI_PFN_ELEMENT(Pte->u.Trans.PageFrameNumber)->OriginalPte.u.Soft.Protection = Protection;
    } else {
        Pte->u.Soft.Protection = Protection;
    }
}

/* A view's page at Va gets Protection for this process. Working-set mutex held. */
static NTSTATUS MiSetViewPageProtection(MMPROCESS *Process, uintptr_t Va, uint32_t Protection)
{
    MMPTE *pte = MiGetPteAddress(Va);
    KIRQL oldIrql;

    if (!MiMakePdeExistAndMakeValid(Process, Va))
        return STATUS_NO_MEMORY;
    if (Process->CloneRoot && MiIsForkPte(Process, *pte)) {
        /* A private copy a fork shares: this process's own copy takes the protection. */
        MiMakeForkPagePrivate(Process, Va);
        if (MiIsForkPte(Process, *pte))
            return STATUS_NO_MEMORY;
    }
    if (pte->u.Hard.Valid && MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->u3.e1.PrototypePte)
        MiEvictWsle(&Process->Vm, MiLocateWsle(&Process->Vm, Va));
    LOCK_PFN(oldIrql);
    if (pte->u.Long == MM_ZERO_PTE || (!pte->u.Hard.Valid && pte->u.Soft.Prototype)) {
        if (pte->u.Long == MM_ZERO_PTE)
            MiIncrementUsedPtes(Process, Va);
        *pte = MiMakeLookupNeededPte(Protection);
    } else {
        MiSetPrivatePageProtection(Process, Va, pte, MiMakeProtectNotWriteCopy(Protection));
    }
    UNLOCK_PFN(oldIrql);
    return STATUS_SUCCESS;
}

NTSTATUS MiSetProtectionOnPages(MMPROCESS *Process, MMVAD_SHORT *Vad, uintptr_t Start,
                                uintptr_t End, uint32_t Protection, uint32_t *OldProtection)
{
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL oldIrql;

    MiLockWorkingSet(&Process->Vm);
    for (uintptr_t va = Start; va <= End && va >= Start; va += PAGE_SIZE) {
        if (!MiIsPageCommitted(Vad, va)) {
            MiUnlockWorkingSet(&Process->Vm);
            return STATUS_NOT_COMMITTED;
        }
    }
    if (OldProtection)
        *OldProtection = MiQueryPageProtection(Vad, Start);
    for (uintptr_t va = Start; va <= End && va >= Start && NT_SUCCESS(status); va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);

        if (!Vad->u.VadFlags.PrivateMemory) {
            status = MiSetViewPageProtection(Process, va, Protection);
            continue;
        }
        if (!MiMakePdeExistAndMakeValid(Process, va)) {
            status = STATUS_NO_MEMORY;
            break;
        }
        if (Process->CloneRoot && MiIsForkPte(Process, *pte)) {
            /* A page a fork shares: this process's own copy takes the protection. */
            MiMakeForkPagePrivate(Process, va);
            if (MiIsForkPte(Process, *pte)) {
                status = STATUS_NO_MEMORY;
                break;
            }
        }
        LOCK_PFN(oldIrql);
        if (pte->u.Long == MM_ZERO_PTE) {
            MiIncrementUsedPtes(Process, va);
            pte->u.Long = Protection << MM_PROTECT_FIELD_SHIFT;
        } else {
            MiSetPrivatePageProtection(Process, va, pte, Protection);
        }
        UNLOCK_PFN(oldIrql);
    }
    MiUnlockWorkingSet(&Process->Vm);
    return status;
}

/* The checks and charges of a view's protection change, then the change. */
static NTSTATUS MiProtectView(MMPROCESS *Process, MMVAD *Vad, uintptr_t Start, uintptr_t End,
                              uint32_t Protection, uint32_t NewProtect, uint32_t *OldProtection)
{
    uint32_t pages = Vad->Core.Node.EndingVpn - Vad->Core.Node.StartingVpn + 1;
    NTSTATUS status;

    /* An image view's page may be made writable: it is write-copy (NT turns read/write into
     * write-copy for images before it checks, so hooks can patch code in their own copy). */
    if (Vad->Core.u.VadFlags.VadType == VadImageMap && (NewProtect & PAGE_READWRITE))
        NewProtect = (NewProtect & ~(uint32_t)PAGE_READWRITE) | PAGE_WRITECOPY;
    if (Vad->Core.u.VadFlags.VadType == VadImageMap && (NewProtect & PAGE_EXECUTE_READWRITE))
        NewProtect = (NewProtect & ~(uint32_t)PAGE_EXECUTE_READWRITE) | PAGE_EXECUTE_WRITECOPY;
    if (!MiIsProtectionCompatible(Vad->Core.u.VadFlags.Protection, NewProtect))
        return STATUS_SECTION_PROTECTION;
    if (Vad->u2.VadFlags2.CopyOnWrite && (Protection & 7) == MM_READWRITE)
        Protection = (Protection & ~7u) | MM_WRITECOPY;
    else if (Vad->u2.VadFlags2.CopyOnWrite && (Protection & 7) == MM_EXECUTE_READWRITE)
        Protection = (Protection & ~7u) | MM_EXECUTE_WRITECOPY;
    if (MI_IS_COPY_ON_WRITE(Protection) && Vad->Core.u.VadFlags.CommitCharge < pages) {
        status = MiChargeProcessCommitment(Process, pages - Vad->Core.u.VadFlags.CommitCharge);
        if (!NT_SUCCESS(status))
            return status;
        Vad->Core.u.VadFlags.CommitCharge = pages;
    }
    return MiSetProtectionOnPages(Process, &Vad->Core, Start, End, Protection, OldProtection);
}

/* A large-page region or view keeps the one protection it was made with (NT's protect.c). */
static NTSTATUS MiProtectLargePageRegion(const MMVAD_SHORT *Vad, uint32_t Protection,
                                         uint32_t *OldProtection)
{
    if (Protection != Vad->u.VadFlags.Protection)
        return STATUS_CONFLICTING_ADDRESSES;
    *OldProtection = Protection;
    return STATUS_SUCCESS;
}

NTSTATUS NtProtectVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                                uint32_t NewProtect, uint32_t *OldProtect)
{
    uint32_t protection = MiMakeProtectionMask(NewProtect), size, old = 0;
    uintptr_t base, start, end;
    MI_VM_CALL call;
    MMPROCESS *process;
    MMVAD_SHORT *vad;
    NTSTATUS status;

    if (protection == MM_INVALID_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    status = ExCapture(&base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExCapture(&size, RegionSize);
    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode)
        status = ProbeForWrite(OldProtect, 4, 1);
    if (!NT_SUCCESS(status))
        return status;
    if (base > MmHighestUserAddress)
        return STATUS_INVALID_PARAMETER_2;
    if (MmHighestUserAddress - base < size || size == 0)
        return STATUS_INVALID_PARAMETER_3;
    start = base & ~(uintptr_t)(PAGE_SIZE - 1);
    end = (base + size - 1) | (PAGE_SIZE - 1);
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    process = call.Process;
    vad = MiLocateVadForRange(&process->AddressSpace, start, end);
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else if (!vad || vad->u.VadFlags.VadType == VadDevicePhysicalMemory)
        status = STATUS_CONFLICTING_ADDRESSES;
    else if (vad->u.VadFlags.VadType == VadLargePages)     /* one protection throughout */
        status = MiProtectLargePageRegion(vad, protection, &old);
    else if (vad->u.VadFlags.VadType == VadAwe)
        status = MiProtectAweRegion(process, start, end, protection, &old);
    else if (vad->u.VadFlags.NoChange)
        status = STATUS_INVALID_PAGE_PROTECTION;
    else if (vad->u.VadFlags.VadType == VadLargePageSection)
        status = MiProtectLargePageRegion(vad, protection, &old);
    else if (!vad->u.VadFlags.PrivateMemory)
        status = MiProtectView(process, (MMVAD *)vad, start, end, protection, NewProtect, &old);
    else if (MI_IS_COPY_ON_WRITE(protection))
        status = STATUS_INVALID_PARAMETER_4;
    else
        status = MiSetProtectionOnPages(process, vad, start, end, protection, &old);
    MiDetachVmProcess(&call);
    if (!NT_SUCCESS(status))
        return status;
    size = (uint32_t)(end - start + 1);
    old = MiProtectToWin32(old);
    status = ExReturn((uintptr_t *)BaseAddress, &start);
    if (NT_SUCCESS(status))
        status = ExReturn(RegionSize, &size);
    if (NT_SUCCESS(status))
        status = ExReturn(OldProtect, &old);
    return status;
}
