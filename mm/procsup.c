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
        uint32_t frame = MiRemoveAnyPage();

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
