/*
 * mm/umapview.c: NtUnmapViewOfSection (NT's umapview.c) and the removal of a view, which a
 * process's exit uses too. Any address inside the view names it; one above user space, or
 * one in private memory or in none, is STATUS_NOT_MAPPED_VIEW.
 *
 * Removing a view: its shared pages leave the working set (one pass over the list: their
 * entries are not in their PFNs), every PTE is taken down — a shared page loses this
 * process's share (the last share turns its prototype PTE to transition, and the page goes to
 * the standby or modified list), a private copy is freed with its slot — the page tables left
 * empty go, the VAD's charges are returned, and the control area loses the view; the last
 * view of a section whose handles are all closed takes the segment with it (section.c). A
 * large-page view has no working-set entries and no PTEs: its PS PDEs go (largesec.c).
 */
#include "mm/mi.h"

#define MI_VIEW_VAD_TAG     POOL_TAG('V', 'a', 'd', ' ')

void MiRemoveMappedView(MMPROCESS *Process, MMVAD *Vad)
{
    uintptr_t start = Vad->Core.Node.StartingVpn << PAGE_SHIFT;
    uintptr_t end = (Vad->Core.Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
    CONTROL_AREA *controlArea = Vad->ControlArea;

    MiLockWorkingSet(&Process->Vm);
    if (Vad->Core.u.VadFlags.VadType == VadLargePageSection) {
        MiUnmapLargePageView(Vad);
    } else {
        MiRemoveSharedWsles(&Process->Vm, start, end);
        MiDeleteVirtualAddresses(Process, start, end, false, false);
    }
    MiRemoveVad(&Process->AddressSpace, &Vad->Core);
    MiUnlockWorkingSet(&Process->Vm);
    MiReturnProcessCommitment(Process, Vad->Core.u.VadFlags.CommitCharge);
    Process->VirtualSize -= (uint32_t)(end - start + 1);
    ExFreePoolWithTag(Vad, MI_VIEW_VAD_TAG);
    MiRemoveMappedViewReference(controlArea);
}

NTSTATUS NtUnmapViewOfSection(void *ProcessHandle, void *BaseAddress)
{
    uintptr_t base = (uintptr_t)BaseAddress;
    MI_VM_CALL call;
    MMVAD_SHORT *vad;
    NTSTATUS status;

    if (ExGetPreviousMode() == UserMode && base > MmHighestUserAddress)
        return STATUS_NOT_MAPPED_VIEW;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    vad = MiLocateAddress(&call.Process->AddressSpace, base);
    if (call.Process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else if (!vad || vad->u.VadFlags.PrivateMemory)
        status = STATUS_NOT_MAPPED_VIEW;
    else
        MiRemoveMappedView(call.Process, (MMVAD *)vad);
    MiDetachVmProcess(&call);
    return status;
}
