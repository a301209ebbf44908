/*
 * mm/procsup.c: kernel stacks. A stack is resident pages in system PTEs with one PTE left
 * invalid below them, so running off the bottom faults at once; on x86 that fault cannot
 * even be delivered on the exhausted stack and becomes a double fault, which has its own
 * stack and bugchecks UNEXPECTED_KERNEL_MODE_TRAP (8).
 *
 *     guard PTE (zero) | stack pages ... | <- MmCreateKernelStack returns this top
 */
#include "mm/mi.h"

#define MM_STACK_GUARD_PAGES    1

static uint32_t MiKernelStackPages(bool LargeStack)
{
    return (LargeStack ? KERNEL_LARGE_STACK_SIZE : KERNEL_STACK_SIZE) / PAGE_SIZE;
}

/* A new kernel stack; returns its top (the first esp), or NULL when PTEs, commitment or
 * resident available pages run out. Short of pages, a caller below DISPATCH_LEVEL waits for
 * them, as NT's does (bounded: MiWaitForAvailablePages); one above gets NULL. */
void *MmCreateKernelStack(bool LargeStack)
{
    uint32_t pages = MiKernelStackPages(LargeStack);
    MMPTE *pte;
    KIRQL oldIrql;

    if (!MiChargeCommitment(pages))
        return NULL;
    pte = MiReserveSystemPtes(pages + MM_STACK_GUARD_PAGES, SystemPteSpace);
    if (!pte) {
        MiReturnCommitment(pages);
        return NULL;
    }
    LOCK_PFN(oldIrql);
    if (!MiChargeResidentAvailable(pages)) {
        UNLOCK_PFN(oldIrql);
        MiReleaseSystemPtes(pte, pages + MM_STACK_GUARD_PAGES, SystemPteSpace);
        MiReturnCommitment(pages);
        return NULL;
    }
    while (MmAvailablePages < pages + MmMinimumFreePages) {
        UNLOCK_PFN(oldIrql);
        if (oldIrql >= DISPATCH_LEVEL) {
            LOCK_PFN(oldIrql);
            MiReturnResidentAvailable(pages);
            UNLOCK_PFN(oldIrql);
            MiReleaseSystemPtes(pte, pages + MM_STACK_GUARD_PAGES, SystemPteSpace);
            MiReturnCommitment(pages);
            return NULL;
        }
        MiWaitForAvailablePages(pages + MmMinimumFreePages);
        LOCK_PFN(oldIrql);
    }
    MiNoteAvailablePagesFound();
    for (uint32_t i = MM_STACK_GUARD_PAGES; i < pages + MM_STACK_GUARD_PAGES; i++) {
        uint32_t frame = MiRemoveKernelPage();

        pte[i].u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
        MiInitializePfn(frame, &pte[i], true);
        pte[i] = MiMakeValidKernelPte(frame);
    }
    UNLOCK_PFN(oldIrql);
    return MiGetVirtualAddressMappedByPte(pte + pages + MM_STACK_GUARD_PAGES);
}

/* Free a stack MmCreateKernelStack made; PointerKernelStack is the top it returned. */
void MmDeleteKernelStack(void *PointerKernelStack, bool LargeStack)
{
    uint32_t pages = MiKernelStackPages(LargeStack);
    MMPTE *pte = MiGetPteAddress(PointerKernelStack) - pages - MM_STACK_GUARD_PAGES;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (uint32_t i = MM_STACK_GUARD_PAGES; i < pages + MM_STACK_GUARD_PAGES; i++)
        MiDeleteSystemPte(&pte[i]);
    MiReturnResidentAvailable(pages);
    UNLOCK_PFN(oldIrql);
    MiReleaseSystemPtes(pte, pages + MM_STACK_GUARD_PAGES, SystemPteSpace);
    MiReturnCommitment(pages);
}

/*
 * Process address spaces, the parts that run in the process (NT's procsup.c).
 *
 * MmInitializeProcessAddressSpace, attached to the new process: its working-set list (NT's
 * defaults: 50 pages minimum, 345 maximum), an empty VAD tree, the page of KUSER_SHARED_DATA
 * mapped read-only for user mode at 0x7FFE0000, and — under /3GB, where user space goes on
 * past it — a reservation nobody can free from the shared page's 64 KB on: to 2 GB for a
 * LARGE_ADDRESS_AWARE image (so no allocation lands on the shared page), over everything
 * above for any other image, so that process sees NT's 2 GB.
 */
#define MI_DEFAULT_WS_MINIMUM   50
#define MI_DEFAULT_WS_MAXIMUM   345
#define MI_VAD_TAG              POOL_TAG('V', 'a', 'd', 'S')

LIST_ENTRY MmWorkingSetExpansionHead = { &MmWorkingSetExpansionHead, &MmWorkingSetExpansionHead };
KSPIN_LOCK MmExpansionLock;

NTSTATUS MmInitializeProcessAddressSpace(KPROCESS *KProcess, bool LargeAddressAware)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    KAPC_STATE apcState;
    NTSTATUS status = STATUS_SUCCESS;
    MMPTE *pte;
    KIRQL oldIrql;

    KeStackAttachProcess(KProcess, &apcState);
    MiInitializeProcessWorkingSetList(&process->Vm);
    process->Vm.MinimumWorkingSetSize = MI_DEFAULT_WS_MINIMUM;
    process->Vm.MaximumWorkingSetSize = MI_DEFAULT_WS_MAXIMUM;
    process->Vm.LastTrimTime = KeTickCount;
    MiInitializeAddressSpace(&process->AddressSpace);
    process->HighestUserAddress = MmHighestUserAddress;

    MiLockWorkingSet(&process->Vm);
    if (!NT_SUCCESS(MiChargePageTableCommitment(process, MM_SHARED_USER_DATA_VA,
                                                MM_SHARED_USER_DATA_VA)) ||
        !MiMakePdeExistAndMakeValid(process, MM_SHARED_USER_DATA_VA)) {
        status = STATUS_NO_MEMORY;
    } else {
        pte = MiGetPteAddress(MM_SHARED_USER_DATA_VA);
        pte->u.Long = (MmSharedUserDataFrame << PAGE_SHIFT) | MM_PTE_VALID_MASK |
                      MM_PTE_OWNER_MASK | MM_PTE_ACCESS_MASK;
        MiIncrementUsedPtes(process, MM_SHARED_USER_DATA_VA);
    }
    MiUnlockWorkingSet(&process->Vm);

    if (NT_SUCCESS(status) && MmHighestUserAddress > 0x7FFEFFFF) {
        MMVAD_SHORT *vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MI_VAD_TAG);

        if (vad) {
            RtlZeroMemory(vad, sizeof(*vad));
            vad->Node.StartingVpn = MM_SHARED_USER_DATA_VA >> PAGE_SHIFT;
            vad->Node.EndingVpn = (LargeAddressAware ? MM_KSEG0_BASE - 1 : MM_HIGHEST_VAD_ADDRESS)
                                  >> PAGE_SHIFT;
            vad->u.VadFlags.PrivateMemory = 1;
            vad->u.VadFlags.NoChange = 1;
            vad->u.VadFlags.Protection = MM_NOACCESS;
            vad->u.VadFlags.CommitCharge = MM_MAX_COMMIT;
            MiInsertVad(&process->AddressSpace, vad);
        } else {
            status = STATUS_NO_MEMORY;
        }
    }
    process->AddressSpaceInitialized = 2;
    KeAcquireSpinLock(&MmExpansionLock, &oldIrql);
    InsertTailList(&MmWorkingSetExpansionHead, &process->Vm.WorkingSetExpansionLinks);
    KeReleaseSpinLock(&MmExpansionLock, oldIrql);
    KeUnstackDetachProcess(&apcState);
    return status;
}

/*
 * At the last thread's exit, in the process: every VAD and what it holds (pages, paging-file
 * slots, page tables, commitment, write-watch views; a view's shares of its section's pages
 * and its reference to the section, which may go with it), the shared page's mapping, the
 * working-set list's extra pages, and the page tables' commitment. What is left for
 * MmDeleteProcessAddressSpace is the directory, the hyperspace table and the list's first page.
 * Pages a driver still holds locked for the process (MmProbeAndLockPages) could be written
 * after the process and its memory are gone: PROCESS_HAS_LOCKED_PAGES (0, process, locked
 * pages, 0), as NT stops.
 */
void MmCleanProcessAddressSpace(KPROCESS *KProcess)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    MMADDRESS_NODE *node;
    uint32_t listPages;
    KIRQL oldIrql;

    if (!process || process->AddressSpaceInitialized != 2 ||
        (process->Flags & PS_PROCESS_FLAGS_VM_DELETED))
        return;
    if (process->NumberOfLockedPages != 0)
        KeBugCheckEx(PROCESS_HAS_LOCKED_PAGES, 0, (uintptr_t)KProcess,
                     process->NumberOfLockedPages, 0);
    MiUnlinkWorkingSet(process);
    MiLockAddressSpace(&process->AddressSpace);
    process->Flags |= PS_PROCESS_FLAGS_VM_DELETED;
    while ((node = MiGetFirstNode(&process->AddressSpace.VadRoot)) != NULL) {
        MMVAD_SHORT *vad = CONTAINING_RECORD(node, MMVAD_SHORT, Node);
        uint32_t charge = vad->u.VadFlags.CommitCharge;

        if (!vad->u.VadFlags.PrivateMemory) {
            MiRemoveMappedView(process, (MMVAD *)vad);
            continue;
        }
        if (vad->u.VadFlags.VadType == VadDevicePhysicalMemory) {    /* a driver's mapping */
            process->VirtualSize -= (vad->Node.EndingVpn - vad->Node.StartingVpn + 1) * PAGE_SIZE;
            MiLockWorkingSet(&process->Vm);
            MiDeletePhysicalMappingVad(process, vad);
            MiUnlockWorkingSet(&process->Vm);
            continue;
        }

        MiLockWorkingSet(&process->Vm);
        if (vad->u.VadFlags.VadType == VadAwe)
            MiRemoveAweVad(process, vad);
        else if (vad->u.VadFlags.VadType == VadLargePages)
            MiRemoveLargePageVad(process, vad);
        else if (charge != MM_MAX_COMMIT)
            MiDeleteVirtualAddresses(process, vad->Node.StartingVpn << PAGE_SHIFT,
                                     (vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1),
                                     vad->u.VadFlags.MemCommit, false);
        if (vad->u.VadFlags.VadType == VadWriteWatch)
            MiRemoveWriteWatchView(process, vad);
        MiRemoveVad(&process->AddressSpace, vad);
        MiUnlockWorkingSet(&process->Vm);
        if (charge != MM_MAX_COMMIT)
            MiReturnProcessCommitment(process, charge);
        process->VirtualSize -= (vad->Node.EndingVpn - vad->Node.StartingVpn + 1) * PAGE_SIZE;
        ExFreePoolWithTag(vad, MI_VAD_TAG);
    }
    MiCleanPhysicalProcessPages(process);
    MiLockWorkingSet(&process->Vm);
    MiDeletePhysicalVadRoot(process);
    MiDeleteCloneRoot(process);
    /* Every page went with its VAD, locked ones too (deleting an entry unlocks it). */
    if (process->Vm.WorkingSetSize != 0 || process->Vm.VmWorkingSetList->FirstDynamic != 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_WSLE, (uintptr_t)KProcess,
                     process->Vm.WorkingSetSize, process->Vm.VmWorkingSetList->FirstDynamic);
    if (process->NumberOfPrivatePages != 0)        /* a page made or freed uncounted */
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_PRIVATE_PAGES, (uintptr_t)KProcess,
                     process->NumberOfPrivatePages, 0);
    MiGetPteAddress(MM_SHARED_USER_DATA_VA)->u.Long = MM_ZERO_PTE;
    MI_FLUSH_SINGLE_TB(MM_SHARED_USER_DATA_VA);
    MiDecrementUsedPtes(process, MM_SHARED_USER_DATA_VA);
    MiDeletePageTableIfUnused(process, MM_SHARED_USER_DATA_VA);
    for (uint32_t i = 0; i < MiGetPdeOffset(MmSystemRangeStart); i++) {
        if (process->UsedPageTableEntries[i] != 0 || ((MMPTE *)PDE_BASE)[i].u.Hard.Valid)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_PROCESS_COMMIT,
                         (uintptr_t)KProcess, i, process->UsedPageTableEntries[i]);
    }
    listPages = MiWorkingSetListPages(&process->Vm);
    LOCK_PFN(oldIrql);
    for (uint32_t i = 1; i < listPages; i++)
        MiDeleteSystemPte(MiGetPteAddress(MM_WORKING_SET_LIST + i * PAGE_SIZE));
    MiReturnResidentAvailable(listPages - 1);
    UNLOCK_PFN(oldIrql);
    MiUnlockWorkingSet(&process->Vm);
    MiReturnPageTableCommitment(process);
    MiUnlockAddressSpace(&process->AddressSpace);
}

/*
 * The PEB and the TEBs (NT's MiCreatePebOrTeb): committed read-write pages in a VAD of their
 * own that NtFreeVirtualMemory may not touch (NoChange), page-aligned rather than on the 64 KB
 * grain: the PEB at PreferredBase (0x7FFDF000) if free, a TEB at the highest free pages below
 * the shared data. The process is current; its commitment is charged.
 */
NTSTATUS MmCreatePebOrTeb(KPROCESS *KProcess, uint32_t Size, uintptr_t PreferredBase,
                          uintptr_t *Base)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    uint32_t pages = BYTES_TO_PAGES(Size);
    uintptr_t start = PreferredBase;
    MMVAD_SHORT *vad;
    NTSTATUS status = STATUS_SUCCESS;

    vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MI_VAD_TAG);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    MiLockAddressSpace(&process->AddressSpace);
    if (!start || MiCheckForConflictingVad(&process->AddressSpace, start,
                                           start + pages * PAGE_SIZE - 1))
        status = MiFindEmptyAddressRangeDown(&process->AddressSpace.VadRoot, pages * PAGE_SIZE,
                                             PAGE_SIZE, 0, MM_HIGHEST_VAD_ADDRESS, &start);
    if (NT_SUCCESS(status))
        status = MiChargePageTableCommitment(process, start, start + pages * PAGE_SIZE - 1);
    if (NT_SUCCESS(status))
        status = MiChargeProcessCommitment(process, pages);
    if (!NT_SUCCESS(status)) {
        MiUnlockAddressSpace(&process->AddressSpace);
        ExFreePoolWithTag(vad, MI_VAD_TAG);
        return status == STATUS_COMMITMENT_LIMIT ? status : STATUS_NO_MEMORY;
    }
    RtlZeroMemory(vad, sizeof(*vad));
    vad->Node.StartingVpn = start >> PAGE_SHIFT;
    vad->Node.EndingVpn = (start >> PAGE_SHIFT) + pages - 1;
    vad->u.VadFlags.PrivateMemory = 1;
    vad->u.VadFlags.MemCommit = 1;
    vad->u.VadFlags.NoChange = 1;
    vad->u.VadFlags.Protection = MM_READWRITE;
    vad->u.VadFlags.CommitCharge = pages;
    MiLockWorkingSet(&process->Vm);
    MiInsertVad(&process->AddressSpace, vad);
    MiUnlockWorkingSet(&process->Vm);
    process->VirtualSize += pages * PAGE_SIZE;
    process->PeakVirtualSize = MAX(process->PeakVirtualSize, process->VirtualSize);
    MiUnlockAddressSpace(&process->AddressSpace);
    *Base = start;
    return STATUS_SUCCESS;
}

/* A thread's TEB goes at its exit (the process is current). */
void MmDeleteTeb(KPROCESS *KProcess, uintptr_t Teb)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    MMVAD_SHORT *vad;

    MiLockAddressSpace(&process->AddressSpace);
    vad = MiLocateAddress(&process->AddressSpace, Teb);
    if (vad && vad->u.VadFlags.NoChange && (vad->Node.StartingVpn << PAGE_SHIFT) == Teb &&
        !(process->Flags & PS_PROCESS_FLAGS_VM_DELETED)) {
        MiLockWorkingSet(&process->Vm);
        MiDeleteVirtualAddresses(process, Teb, (vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1),
                                 true, false);
        MiRemoveVad(&process->AddressSpace, vad);
        MiUnlockWorkingSet(&process->Vm);
        MiReturnProcessCommitment(process, vad->u.VadFlags.CommitCharge);
        process->VirtualSize -= (vad->Node.EndingVpn - vad->Node.StartingVpn + 1) * PAGE_SIZE;
        ExFreePoolWithTag(vad, MI_VAD_TAG);
    }
    MiUnlockAddressSpace(&process->AddressSpace);
}
