/*
 * mm/zeropage.c: the zero page thread. At the lowest priority, so only when nothing else
 * wants the processor, it takes pages from the free list, zeroes them through hyperspace and
 * puts them on the zeroed list, so a demand-zero fault finds its page ready. Each page is
 * done under the PFN lock, so no page is ever seen half-way.
 */
#include "mm/mi.h"

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
            MiZeroPhysicalPage(frame);
            MiInsertPageInList(&MmZeroedPageListHead, frame);
            UNLOCK_PFN(oldIrql);
        }
    }
}

void MiStartZeroPageThread(void)
{
    NTSTATUS status = PsCreateSystemThread(NULL, MiZeroPageThread, NULL, LOW_PRIORITY, "ZeroPage");

    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 2, 0, 0);
}

/* Wait (polling, up to Milliseconds) until the zero page thread has zeroed every free page;
 * returns how many free pages are left. The benchmarks start from this settled state. */
uint32_t MmWaitForZeroedMemory(uint32_t Milliseconds)
{
    int64_t poll = KI_MILLISECONDS(10);

    for (uint32_t waited = 0; MmFreePageListHead.Total != 0 && waited < Milliseconds; waited += 10)
        KeDelayExecutionThread(KernelMode, false, &poll);
    return MmFreePageListHead.Total;
}
