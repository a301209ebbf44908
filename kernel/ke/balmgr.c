/*
 * kernel/ke/balmgr.c: the balance set manager, NT's KeBalanceSetManager: a thread at
 * LOW_REALTIME_PRIORITY that runs the memory manager's working-set manager once a second,
 * and at once when Mm signals that memory is short. Start-up names the event and the work
 * (MmWorkingSetManagerEvent, MmWorkingSetManager), so Ke never calls up into Mm for them.
 */
#include "kernel/ke/ki.h"

typedef struct _KBALANCE_SET {
    KEVENT *WakeEvent;
    void (*Work)(void);
} KBALANCE_SET;

static KBALANCE_SET KiBalanceSet;

#define KI_BALANCE_PERIOD_MS    1000

static void KeBalanceSetManager(void *Context)
{
    const KBALANCE_SET *set = Context;
    int64_t period = KI_MILLISECONDS(KI_BALANCE_PERIOD_MS);

    for (;;) {
        KeWaitForSingleObject(set->WakeEvent, Executive, KernelMode, false, &period);
        set->Work();
    }
}

void KeStartBalanceSetManager(KEVENT *WakeEvent, void (*Work)(void))
{
    NTSTATUS status;

    KiBalanceSet.WakeEvent = WakeEvent;
    KiBalanceSet.Work = Work;
    status = PsCreateSystemThread(NULL, KeBalanceSetManager, &KiBalanceSet,
                                  LOW_REALTIME_PRIORITY, "BalanceSet");

    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 3, 0, 0);
}
