/*
 * mm/procx86.c: a process's page directory, made and unmade (NT's i386/procx86.c and the end of
 * procsup.c's MmDeleteProcessAddressSpace). Three zeroed pages:
 *
 *   the page directory      PDEs 0 .. user top        zero: user page tables come on demand
 *                           system PDEs               copied from the system's directory (system
 *                                                     space is the same in all of them; later
 *                                                     ones arrive through MiCheckPdeForPagedPool)
 *                           PDE[0x300]                the directory itself (the self-map)
 *                           PDE[0x301]                the hyperspace page table
 *   the hyperspace table    0xC0400000 ..             the 255 mapping windows (per process)
 *                           0xC0502000                the working-set list's first page
 *   the working-set list    MMWSL, then MMWSLE[]
 *
 * Departure from NT: no VAD bitmap page (0xC0501000), whose only use is a fast "is anything
 * reserved here" test; so MM_PROCESS_COMMIT_CHARGE is 3 here, not 4.
 *
 * PFN bookkeeping as NT's: the directory's PteAddress is its own self-map entry and its
 * PteFrame itself; each page below counts as a share of the page table that maps it.
 */
#include "mm/mi.h"

#define MM_PROCESS_COMMIT_CHARGE    3
#define MI_VALID_PDE_PDE            (MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK | MM_PTE_ACCESS_MASK | \
                                     MM_PTE_DIRTY_MASK)

LIST_ENTRY MmProcessList = { &MmProcessList, &MmProcessList };
uint32_t MmProcessCommit;
static KSPIN_LOCK MiProcessListLock;

/* A page Mm owns for a process's address space, mapped by the PTE at PteAddress (a VA in the
 * new process's own self-map) in the table PteFrame. PFN lock held. */
static void MiInitializeProcessPfn(uint32_t Frame, uintptr_t PteAddress, uint32_t PteFrame)
{
    MMPFN *pfn = MI_PFN_ELEMENT(Frame);

    pfn->PteAddress = (MMPTE *)PteAddress;
    pfn->OriginalPte.u.Long = MM_DEMAND_ZERO_WRITE_PTE;
    pfn->u3.e2.ReferenceCount = 1;
    pfn->u2.ShareCount = 1;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    pfn->u3.e1.Modified = 1;
    pfn->u4.PteFrame = PteFrame;
    if (PteFrame != Frame)
        MI_PFN_ELEMENT(PteFrame)->u2.ShareCount++;
}

bool MmCreateProcessAddressSpace(MMPROCESS *Process, uint32_t DirectoryTableBase[2])
{
    uint32_t directory, hyperSpace, workingSetList;
    MMPTE *mapped;
    KIRQL oldIrql, listIrql;

    if (!MiChargeCommitment(MM_PROCESS_COMMIT_CHARGE))
        return false;
    LOCK_PFN(oldIrql);
    if (MmAvailablePages < MM_PROCESS_COMMIT_CHARGE + MmMinimumFreePages ||
        !MiChargeResidentAvailable(MM_PROCESS_COMMIT_CHARGE)) {
        UNLOCK_PFN(oldIrql);
        MiReturnCommitment(MM_PROCESS_COMMIT_CHARGE);
        return false;
    }
    directory = MiRemoveZeroPage();
    hyperSpace = MiRemoveZeroPage();
    workingSetList = MiRemoveZeroPage();
    MiInitializeProcessPfn(directory, PDE_BASE + MM_SELFMAP_PDE_INDEX * sizeof(MMPTE), directory);
    MiInitializeProcessPfn(hyperSpace, (uintptr_t)MiGetPdeAddress(HYPER_SPACE), directory);
    MiInitializeProcessPfn(workingSetList, (uintptr_t)MiGetPteAddress(MM_WORKING_SET_LIST),
                           hyperSpace);
    UNLOCK_PFN(oldIrql);

    mapped = MiMapPageInHyperSpace(hyperSpace, &oldIrql);
    mapped[MiGetPteOffset(MM_WORKING_SET_LIST)].u.Long =
        (workingSetList << PAGE_SHIFT) | MI_VALID_PDE_PDE;
    MiUnmapPageInHyperSpace(mapped, oldIrql);

    KeAcquireSpinLock(&MiProcessListLock, &listIrql);
    InsertTailList(&MmProcessList, &Process->MmProcessLinks);
    mapped = MiMapPageInHyperSpace(directory, &oldIrql);
    for (uint32_t i = MiGetPdeOffset(MmSystemRangeStart); i < PDE_PER_PAGE; i++)
        mapped[i] = MmSystemPagePtes[i];
    mapped[MM_SELFMAP_PDE_INDEX].u.Long = (directory << PAGE_SHIFT) | MI_VALID_PDE_PDE;
    mapped[MiGetPdeOffset(HYPER_SPACE)].u.Long = (hyperSpace << PAGE_SHIFT) | MI_VALID_PDE_PDE;
    MiUnmapPageInHyperSpace(mapped, oldIrql);
    KeReleaseSpinLock(&MiProcessListLock, listIrql);

    Process->PageDirectoryFrame = directory;
    Process->HyperSpaceFrame = hyperSpace;
    Process->WorkingSetPage = workingSetList;
    Process->AddressSpaceInitialized = 1;
    MmProcessCommit += MM_PROCESS_COMMIT_CHARGE;
    DirectoryTableBase[0] = directory << PAGE_SHIFT;
    DirectoryTableBase[1] = hyperSpace << PAGE_SHIFT;
    return true;
}

/* Free one of the three pages, as NT's share-count path does. PFN lock held. */
static void MiFreeProcessPage(uint32_t Frame)
{
    MMPFN *pfn = MI_PFN_ELEMENT(Frame);
    uint32_t table = pfn->u4.PteFrame;

    MI_SET_PFN_DELETED(pfn);
    if (table != Frame)
        MiDecrementShareCount(table);
    MiDecrementShareCount(Frame);
}

void MmDeleteProcessAddressSpace(KPROCESS *KProcess)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    KIRQL oldIrql;

    if (!process || process->AddressSpaceInitialized == 0)
        return;
    KeAcquireSpinLock(&MiProcessListLock, &oldIrql);
    RemoveEntryList(&process->MmProcessLinks);
    KeReleaseSpinLock(&MiProcessListLock, oldIrql);
    if (process->CommitCharge != 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_PROCESS_COMMIT,
                     (uintptr_t)KProcess, process->CommitCharge, 0);
    KeReleaseAddressSpace(KProcess);    /* a system thread may still run in it */
    LOCK_PFN(oldIrql);
    MiFreeProcessPage(process->WorkingSetPage);
    MiFreeProcessPage(process->HyperSpaceFrame);
    if (MI_PFN_ELEMENT(process->PageDirectoryFrame)->u2.ShareCount != 1)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_PROCESS_COMMIT, (uintptr_t)KProcess,
                     process->PageDirectoryFrame,
                     MI_PFN_ELEMENT(process->PageDirectoryFrame)->u2.ShareCount);
    MiFreeProcessPage(process->PageDirectoryFrame);
    MiReturnResidentAvailable(MM_PROCESS_COMMIT_CHARGE);
    UNLOCK_PFN(oldIrql);
    MiReturnCommitment(MM_PROCESS_COMMIT_CHARGE);
    MmProcessCommit -= MM_PROCESS_COMMIT_CHARGE;
    process->AddressSpaceInitialized = 0;
}
