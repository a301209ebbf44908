/*
 * mm/mmsup.c: the page tables of user space and what is counted for them.
 *
 * A user page table is made when its first PTE is needed (a fault, a commit) and freed when
 * the last non-zero PTE in it goes (MiDeleteVirtualAddresses). Its non-zero PTEs are counted
 * in the process's UsedPageTableEntries[PDE index], NT's x86 place for the count. Departure
 * from NT: user page tables stay resident (they are not in the working set and are never
 * paged), so each is charged to resident-available memory while it exists.
 *
 * Commitment for page tables is charged when address space is reserved, once per 4 MB table,
 * with a bit per table in CommittedPageTables (NT's MiInsertVadCharges), and all returned at
 * process exit.
 */
#include "mm/mi.h"

#define MI_USER_PDE     (MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK | MM_PTE_OWNER_MASK | \
                         MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK)

bool MiMakePdeExistAndMakeValid(MMPROCESS *Process, uintptr_t Va)
{
    MMPTE *pde = MiGetPdeAddress(Va);
    uint32_t frame;
    KIRQL oldIrql;

    (void)Process;
    if (pde->u.Hard.Valid)
        return true;
    LOCK_PFN(oldIrql);
    if (MmAvailablePages < MmMinimumFreePages || !MiChargeResidentAvailable(1)) {
        UNLOCK_PFN(oldIrql);
        return false;
    }
    frame = MiRemoveZeroPage();
    pde->u.Long = MM_DEMAND_ZERO_WRITE_PTE;
    MiInitializePfn(frame, pde, true);
    pde->u.Long = (frame << PAGE_SHIFT) | MI_USER_PDE;
    UNLOCK_PFN(oldIrql);
    return true;
}

/* The page table for Va goes when no PTE in it is in use. Working-set mutex held. */
void MiDeletePageTableIfUnused(MMPROCESS *Process, uintptr_t Va)
{
    MMPTE *pde = MiGetPdeAddress(Va);
    KIRQL oldIrql;

    if (!pde->u.Hard.Valid || Process->UsedPageTableEntries[MiGetPdeOffset(Va)] != 0)
        return;
    LOCK_PFN(oldIrql);
    MiDeleteSystemPte(pde);
    MiReturnResidentAvailable(1);
    UNLOCK_PFN(oldIrql);
}

NTSTATUS MiChargeProcessCommitment(MMPROCESS *Process, uint32_t Pages)
{
    if (Pages == 0)
        return STATUS_SUCCESS;
    if (Process->CommitChargeLimit && Process->CommitCharge + Pages > Process->CommitChargeLimit)
        return STATUS_COMMITMENT_LIMIT;
    if (!MiChargeCommitment(Pages))
        return STATUS_COMMITMENT_LIMIT;
    Process->CommitCharge += Pages;
    Process->CommitChargePeak = MAX(Process->CommitChargePeak, Process->CommitCharge);
    return STATUS_SUCCESS;
}

void MiReturnProcessCommitment(MMPROCESS *Process, uint32_t Pages)
{
    if (Pages == 0)
        return;
    if (Pages > Process->CommitCharge)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_COMMIT_UNDERFLOW,
                     Process->CommitCharge, Pages, 1);
    Process->CommitCharge -= Pages;
    MiReturnCommitment(Pages);
}

NTSTATUS MiChargePageTableCommitment(MMPROCESS *Process, uintptr_t Start, uintptr_t End)
{
    uint32_t needed = 0;
    NTSTATUS status;

    for (uint32_t i = MiGetPdeOffset(Start); i <= MiGetPdeOffset(End); i++)
        needed += !(Process->CommittedPageTables[i / 32] & (1u << (i % 32)));
    status = MiChargeProcessCommitment(Process, needed);
    if (!NT_SUCCESS(status))
        return status;
    for (uint32_t i = MiGetPdeOffset(Start); i <= MiGetPdeOffset(End); i++)
        Process->CommittedPageTables[i / 32] |= 1u << (i % 32);
    Process->NumberOfCommittedPageTables += needed;
    return STATUS_SUCCESS;
}

void MiReturnPageTableCommitment(MMPROCESS *Process)
{
    MiReturnProcessCommitment(Process, Process->NumberOfCommittedPageTables);
    Process->NumberOfCommittedPageTables = 0;
    RtlZeroMemory(Process->CommittedPageTables, sizeof(Process->CommittedPageTables));
}
