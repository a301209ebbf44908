/*
 * kernel/balmgr.c: the balance set manager, NT's KeBalanceSetManager: a thread at
 * LOW_REALTIME_PRIORITY that runs the memory manager's working-set manager once a second,
 * and at once when Mm signals that memory is short.
 */
#include "kernel/ki.h"
#include "mm/mm.h"

#define KI_BALANCE_PERIOD_MS    1000

static void KeBalanceSetManager(void *Context)
{
    int64_t period = KI_MILLISECONDS(KI_BALANCE_PERIOD_MS);

    (void)Context;
    for (;;) {
        KeWaitForSingleObject(MmWorkingSetManagerEventObject(), Executive, KernelMode, false,
                              &period);
        MmWorkingSetManager();
    }
}

void KiStartBalanceSetManager(void)
{
    NTSTATUS status = PsCreateSystemThread(NULL, KeBalanceSetManager, NULL,
                                           LOW_REALTIME_PRIORITY, "BalanceSet");

    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 3, 0, 0);
}
