/*
 * mm/freevm.c: NtFreeVirtualMemory (NT's freevm.c): MEM_DECOMMIT gives back committed pages
 * inside one region (their frames, paging-file slots and commitment; the PTEs become
 * decommitted, or zero outside a MEM_COMMIT reservation), MEM_RELEASE gives back address space:
 * the whole region (Base its start and size 0, or exactly its extent), or its front, its back,
 * or a middle part (the VAD is split) — but a write-watch region only whole, as NT
 * (STATUS_FREE_VM_NOT_AT_BASE). Empty page tables go with the pages (deleteva.c).
 */
#include "mm/mi.h"

#define MI_VAD_TAG  POOL_TAG('V', 'a', 'd', 'S')

static NTSTATUS MiRelease(MMPROCESS *Process, MMVAD_SHORT *Vad, uintptr_t *Start, uintptr_t *End,
                          uint32_t Size)
{
    uintptr_t vadStart = Vad->Node.StartingVpn << PAGE_SHIFT;
    uintptr_t vadEnd = (Vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
    MMVAD_SHORT *tail = NULL;
    uint32_t committed;

    if (Size == 0) {
        if (*Start != vadStart)
            return STATUS_FREE_VM_NOT_AT_BASE;
        *End = vadEnd;
    }
    if ((Vad->u.VadFlags.VadType == VadWriteWatch || MiIsPhysicalVad(Vad)) &&
        (*Start != vadStart || *End != vadEnd))
        return STATUS_FREE_VM_NOT_AT_BASE;
    if (*Start != vadStart && *End != vadEnd) {
        tail = ExAllocatePoolWithTag(NonPagedPool, sizeof(*tail), MI_VAD_TAG);
        if (!tail)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    MiLockWorkingSet(&Process->Vm);
    if (tail) {
        uint32_t tailCommitted = 0;

        for (uintptr_t va = *End + 1; va < vadEnd; va += PAGE_SIZE)
            tailCommitted += MiIsPageCommitted(Vad, va);
        *tail = *Vad;
        tail->u.VadFlags.CommitCharge = MIN(tailCommitted, Vad->u.VadFlags.CommitCharge);
        Vad->u.VadFlags.CommitCharge -= tail->u.VadFlags.CommitCharge;
    }
    if (Vad->u.VadFlags.VadType == VadAwe) {
        MiRemoveAweVad(Process, Vad);           /* its pages stay the process's */
        committed = 0;
    } else if (Vad->u.VadFlags.VadType == VadLargePages) {
        MiRemoveLargePageVad(Process, Vad);     /* the VAD's charge goes back below */
        committed = 0;
    } else {
        committed = MiDeleteVirtualAddresses(Process, *Start, *End, Vad->u.VadFlags.MemCommit,
                                             false);
    }
    if (*Start == vadStart && *End == vadEnd) {
        if (Vad->u.VadFlags.VadType == VadWriteWatch)
            MiRemoveWriteWatchView(Process, Vad);
        MiRemoveVad(&Process->AddressSpace, Vad);
    } else if (*Start == vadStart) {
        Vad->Node.StartingVpn = (*End + 1) >> PAGE_SHIFT;
    } else if (*End == vadEnd) {
        Vad->Node.EndingVpn = (*Start >> PAGE_SHIFT) - 1;
    } else {
        tail->Node.StartingVpn = (*End + 1) >> PAGE_SHIFT;
        Vad->Node.EndingVpn = (*Start >> PAGE_SHIFT) - 1;
        MiInsertVad(&Process->AddressSpace, tail);
    }
    MiUnlockWorkingSet(&Process->Vm);
    /* The commitment the region held for these pages (a split's tail took its own share). */
    committed = MIN(committed, Vad->u.VadFlags.CommitCharge);
    Vad->u.VadFlags.CommitCharge -= committed;
    MiReturnProcessCommitment(Process, committed);
    Process->VirtualSize -= (uint32_t)(*End - *Start + 1);
    if (*Start == vadStart && *End == vadEnd) {
        MiReturnProcessCommitment(Process, Vad->u.VadFlags.CommitCharge);
        ExFreePoolWithTag(Vad, MI_VAD_TAG);
    }
    return STATUS_SUCCESS;
}

static NTSTATUS MiDecommit(MMPROCESS *Process, MMVAD_SHORT *Vad, uintptr_t *Start, uintptr_t *End,
                           uint32_t Size)
{
    uintptr_t vadStart = Vad->Node.StartingVpn << PAGE_SHIFT;
    uint32_t committed;

    if (Size == 0) {
        if (*Start != vadStart)
            return STATUS_FREE_VM_NOT_AT_BASE;
        *End = (Vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
    }
    MiLockWorkingSet(&Process->Vm);
    committed = MiDeleteVirtualAddresses(Process, *Start, *End, Vad->u.VadFlags.MemCommit, true);
    MiUnlockWorkingSet(&Process->Vm);
    committed = MIN(committed, Vad->u.VadFlags.CommitCharge);
    Vad->u.VadFlags.CommitCharge -= committed;
    MiReturnProcessCommitment(Process, committed);
    return STATUS_SUCCESS;
}

NTSTATUS NtFreeVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                             uint32_t FreeType)
{
    uintptr_t base, start, end;
    uint32_t size;
    MI_VM_CALL call;
    MMPROCESS *process;
    MMVAD_SHORT *vad;
    NTSTATUS status;

    if ((FreeType & ~(MEM_DECOMMIT | MEM_RELEASE)) || !FreeType ||
        FreeType == (MEM_DECOMMIT | MEM_RELEASE))
        return STATUS_INVALID_PARAMETER_4;
    status = ExCapture(&base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExCapture(&size, RegionSize);
    if (!NT_SUCCESS(status))
        return status;
    if (base > MmHighestUserAddress)
        return STATUS_INVALID_PARAMETER_2;
    if (MmHighestUserAddress - base < size)
        return STATUS_INVALID_PARAMETER_3;
    start = base & ~(uintptr_t)(PAGE_SIZE - 1);
    end = (base + size - 1) | (PAGE_SIZE - 1);
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    process = call.Process;
    vad = MiLocateAddress(&process->AddressSpace, start);
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else if (!vad)
        status = STATUS_MEMORY_NOT_ALLOCATED;
    else if (size != 0 && vad->Node.EndingVpn < (end >> PAGE_SHIFT))
        status = STATUS_UNABLE_TO_FREE_VM;
    else if (!vad->u.VadFlags.PrivateMemory ||
             vad->u.VadFlags.VadType == VadDevicePhysicalMemory)
        status = STATUS_UNABLE_TO_DELETE_SECTION;
    else if (vad->u.VadFlags.NoChange)
        status = STATUS_INVALID_PAGE_PROTECTION;
    else if (FreeType == MEM_RELEASE)
        status = MiRelease(process, vad, &start, &end, size);
    else if (MiIsPhysicalVad(vad))
        status = STATUS_MEMORY_NOT_ALLOCATED;   /* AWE and large pages are never decommitted */
    else
        status = MiDecommit(process, vad, &start, &end, size);
    MiDetachVmProcess(&call);
    if (!NT_SUCCESS(status))
        return status;
    size = (uint32_t)(end - start + 1);
    status = ExReturn((uintptr_t *)BaseAddress, &start);
    if (NT_SUCCESS(status))
        status = ExReturn(RegionSize, &size);
    return status;
}
