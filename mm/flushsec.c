/*
 * mm/flushsec.c: NtFlushVirtualMemory (NT's flushsec.c): the modified pages of a view of a
 * data file go back to the file at once. A view of a page-file-backed section has no file:
 * NT answers STATUS_NOT_MAPPED_DATA, and kernel32's FlushViewOfFile takes that as success.
 * The checks, in NT's order: the pointers, the range inside user space
 * (STATUS_INVALID_PARAMETER_2), then an address in no view, or a range running past it,
 * STATUS_NOT_MAPPED_VIEW. A size of 0 flushes to the view's end. The dirty bits of this
 * process's PTEs over the range are moved into the pages' PFNs first (NT does the same, and
 * like NT does not see pages dirtied only through another process's PTEs), then every
 * modified page of the range's prototypes is written (MiFlushDataSection, datasec.c). The
 * IO_STATUS_BLOCK gets the status and the bytes written.
 */
#include "mm/mi.h"

typedef struct _MI_IO_STATUS_BLOCK {
    NTSTATUS Status;
    uint32_t Information;
} MI_IO_STATUS_BLOCK;

/*
 * The view Vad of Process (attached, address space locked) over [Start, End]: the dirty bits
 * of the process's PTEs moved into the shared pages' PFNs, then the range's modified pages
 * written to the file.
 */
static NTSTATUS MiFlushView(MMPROCESS *Process, MMVAD *Vad, uintptr_t Start, uintptr_t End,
                            uint32_t *Written)
{
    MMPTE *first = MiGetProtoPteAddress(Vad, Start), *last = MiGetProtoPteAddress(Vad, End);
    KIRQL oldIrql;

    if (!first)
        return STATUS_SUCCESS;
    if (!last)                                  /* past the segment: to its end */
        last = MiDataFilePrototype(Vad->ControlArea,
                                   Vad->ControlArea->Segment->TotalNumberOfPtes - 1, NULL);
    MiLockWorkingSet(&Process->Vm);
    for (uintptr_t va = Start & ~(uintptr_t)(PAGE_SIZE - 1); va <= End; va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);
        MMPFN *pfn;

        if (!MiGetPdeAddress(va)->u.Hard.Valid || !pte->u.Hard.Valid || !pte->u.Hard.Dirty)
            continue;
        pfn = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber);
        if (!pfn->u3.e1.PrototypePte)
            continue;                           /* a private copy (write-copy view) */
        LOCK_PFN(oldIrql);
        pte->u.Long &= ~MM_PTE_DIRTY_MASK;
        MI_FLUSH_SINGLE_TB(va);
        MiSetModified(pfn);
        UNLOCK_PFN(oldIrql);
        if (va + PAGE_SIZE < va)
            break;
    }
    MiUnlockWorkingSet(&Process->Vm);
    return MiFlushDataFilePages(Vad->ControlArea, MiDataFilePageOfProto(Vad->ControlArea, first),
                                MiDataFilePageOfProto(Vad->ControlArea, last), Written);
}

NTSTATUS NtFlushVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                              void *IoStatus)
{
    uintptr_t base, end;
    uint32_t size;
    MI_VM_CALL call;
    MMVAD_SHORT *vad;
    uint32_t written = 0;
    NTSTATUS status;

    status = ExCapture(&base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExCapture(&size, RegionSize);
    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode)
        status = ProbeForWrite(IoStatus, sizeof(MI_IO_STATUS_BLOCK), 4);
    if (!NT_SUCCESS(status))
        return status;
    if (base > MmHighestUserAddress || MmHighestUserAddress - base < size)
        return STATUS_INVALID_PARAMETER_2;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    vad = MiLocateAddress(&call.Process->AddressSpace, base);
    end = size ? ((base + size - 1) | (PAGE_SIZE - 1)) : base;
    if (!vad || vad->u.VadFlags.PrivateMemory || (end >> PAGE_SHIFT) > vad->Node.EndingVpn)
        status = STATUS_NOT_MAPPED_VIEW;
    else if (!MiIsDataControlArea(((MMVAD *)vad)->ControlArea))
        status = STATUS_NOT_MAPPED_DATA;
    else
        status = MiFlushView(call.Process, (MMVAD *)vad, base, size ? end
                             : (vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1), &written);
    MiDetachVmProcess(&call);
    if (NT_SUCCESS(status) || written) {
        MI_IO_STATUS_BLOCK iosb = { status, written * PAGE_SIZE };
        NTSTATUS returned = ExReturnToMode(ExGetPreviousMode(), IoStatus, &iosb, sizeof(iosb), 4);

        if (NT_SUCCESS(status) && !NT_SUCCESS(returned))
            status = returned;
    }
    return status;
}
