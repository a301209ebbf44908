/*
 * mm/protect.c: NtProtectVirtualMemory (NT's protect.c). Only committed pages change, all in
 * one region; the old protection of the first page is returned. A valid page keeps its frame and
 * gets new PTE bits (and its TB entry flushed); a page not yet touched, in transition or in the
 * paging file keeps the new protection in its PTE (and its PFN's OriginalPte), so the fault that
 * brings it back uses it. PAGE_GUARD is set and cleared like any other protection. A valid
 * page keeps its dirty bit, or, leaving the working set for a guard or no-access protection,
 * hands it to write watch (wrtwatch.c): a protection change does not change what was written.
 */
#include "mm/mi.h"

/* The MM_* protection of a committed page at Va; 0 when it is not committed. Working-set mutex
 * held. */
uint32_t MiQueryPageProtection(const MMVAD_SHORT *Vad, uintptr_t Va)
{
    MMPTE *pte;

    if (!MiIsPageCommitted(Vad, Va))
        return 0;
    if (!MiGetPdeAddress(Va)->u.Hard.Valid)
        return Vad->u.VadFlags.Protection;
    pte = MiGetPteAddress(Va);
    if (pte->u.Long == MM_ZERO_PTE)
        return Vad->u.VadFlags.Protection;
    if (pte->u.Hard.Valid)
        return MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->OriginalPte.u.Soft.Protection;
    return pte->u.Soft.Protection;
}

NTSTATUS MiSetProtectionOnPages(MMPROCESS *Process, MMVAD_SHORT *Vad, uintptr_t Start,
                                uintptr_t End, uint32_t Protection, uint32_t *OldProtection)
{
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
    for (uintptr_t va = Start; va <= End && va >= Start; va += PAGE_SIZE) {
        MMPTE *pte;

        if (!MiMakePdeExistAndMakeValid(Process, va)) {
            MiUnlockWorkingSet(&Process->Vm);
            return STATUS_NO_MEMORY;
        }
        pte = MiGetPteAddress(va);
        LOCK_PFN(oldIrql);
        if (pte->u.Long == MM_ZERO_PTE) {
            MiIncrementUsedPtes(Process, va);
            pte->u.Long = Protection << MM_PROTECT_FIELD_SHIFT;
        } else if (pte->u.Hard.Valid) {
            MMPFN *pfn = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber);

            pfn->OriginalPte.u.Soft.Protection = Protection;
            if (MI_IS_GUARD(Protection) || Protection == MM_NOACCESS) {
                /* Not expressible in a valid PTE: the page leaves the working set first. */
                MMPTE old = *pte;

                MiRemoveWorkingSetEntry(&Process->Vm, pfn->u1.WsIndex);
                *pte = MiMakeTransitionFromValidPte(old, Protection);
                MI_FLUSH_SINGLE_TB(va);
                if (old.u.Hard.Dirty) {
                    MiSetModified(pfn);
                    MiCaptureWriteWatchDirtyBit(Process, va);
                }
                MiDecrementShareCount(old.u.Hard.PageFrameNumber);
            } else {
                pte->u.Long = (pte->u.Long & ~(MM_PTE_WRITE_MASK | MM_PTE_COPY_ON_WRITE_MASK |
                                               MM_PTE_CACHE_DISABLE_MASK)) |
                              MiProtectToPteMask(Protection);
                MI_FLUSH_SINGLE_TB(va);
            }
        } else if (pte->u.Soft.Transition) {
            pte->u.Trans.Protection = Protection;
            MI_PFN_ELEMENT(pte->u.Trans.PageFrameNumber)->OriginalPte.u.Soft.Protection = Protection;
        } else {
            pte->u.Soft.Protection = Protection;
        }
        UNLOCK_PFN(oldIrql);
    }
    MiUnlockWorkingSet(&Process->Vm);
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
    else if (!vad)
        status = STATUS_CONFLICTING_ADDRESSES;
    else if (vad->u.VadFlags.NoChange)
        status = STATUS_INVALID_PAGE_PROTECTION;
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
