/*
 * mm/zeropage.c: the zero page thread. At the lowest priority, so only when nothing else
 * wants the processor, it takes pages from the free list, zeroes them and puts them on the
 * zeroed list, so a demand-zero fault finds its page ready.
 *
 * As NT's, it zeroes through a mapping of its own (a system PTE no one else uses) with no
 * lock held: the PFN lock is taken only to take a page off the free list and to put it on
 * the zeroed list, so neither faults nor the clock wait for the zeroing (a thread switch may
 * come in the middle of a page, before the page is on the list). Meanwhile the page
 * is on no list and held by no one (TransitionPage, no references), where nobody else can
 * find it.
 */
#include "mm/mi.h"

static MMPTE *MiZeroingPte;
volatile uint32_t MiPagesBeingZeroed;

/* Zero PageFrameIndex through the zeroing PTE, at PASSIVE_LEVEL; the mapping is gone after. */
static void MiZeroPageThroughZeroingPte(uint32_t PageFrameIndex)
{
    void *va = MiGetVirtualAddressMappedByPte(MiZeroingPte);

    *MiZeroingPte = MiMakeValidKernelPte(PageFrameIndex);
    KeZeroPages(va, PAGE_SIZE);
    _ReadWriteBarrier();
    MiZeroingPte->u.Long = MM_ZERO_PTE;
    MI_FLUSH_SINGLE_TB(va);
}

static void MiZeroPageThread(void *Context)
{
    (void)Context;
    for (;;) {
        KeWaitForSingleObject(&MmZeroingPageEvent, Executive, KernelMode, false, NULL);
        for (;;) {
            KIRQL oldIrql;
            uint32_t frame;

            LOCK_PFN(oldIrql);
            if (MmFreePageListHead.Total == 0) {
                UNLOCK_PFN(oldIrql);
                break;
            }
            frame = MiRemoveAnyPage();
            MiPagesBeingZeroed = 1;
            UNLOCK_PFN(oldIrql);

            MiZeroPageThroughZeroingPte(frame);

            LOCK_PFN(oldIrql);
            MiInsertPageInList(&MmZeroedPageListHead, frame);
            MiPagesBeingZeroed = 0;
            UNLOCK_PFN(oldIrql);
        }
    }
}

void MiStartZeroPageThread(void)
{
    NTSTATUS status;

    MiZeroingPte = MiReserveSystemPtesMustSucceed(1, SystemPteSpace);
    status = PsCreateSystemThread(NULL, MiZeroPageThread, NULL, LOW_PRIORITY, "ZeroPage");
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 2, 0, 0);
}

/* Wait (polling, up to Milliseconds) until the zero page thread has zeroed every free page;
 * returns how many free pages are left (a page being zeroed counts). The benchmarks start
 * from this settled state. */
uint32_t MmWaitForZeroedMemory(uint32_t Milliseconds)
{
    int64_t poll = KI_MILLISECONDS(10);

    for (uint32_t waited = 0; MmFreePageListHead.Total + MiPagesBeingZeroed != 0 &&
                              waited < Milliseconds; waited += 10)
        KeDelayExecutionThread(KernelMode, false, &poll);
    return MmFreePageListHead.Total + MiPagesBeingZeroed;
}
