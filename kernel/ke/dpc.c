/*
 * kernel/ke/dpc.c: deferred procedure calls. An interrupt service routine cannot touch the
 * dispatcher (it may have interrupted it), so it queues a DPC; the DPC runs at DISPATCH_LEVEL
 * when the processor next drops below it (KiDispatchSoftwareInterrupt), and there it may
 * signal events. The queue is guarded by disabling interrupts, since ISRs add to it.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

static LIST_ENTRY KiDpcListHead = { &KiDpcListHead, &KiDpcListHead };

void KeInitializeDpc(KDPC *Dpc, KDEFERRED_ROUTINE DeferredRoutine, void *DeferredContext)
{
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
    Dpc->Inserted = false;
}

/* Queue Dpc; false if it is already queued (it will run once). Any IRQL. */
bool KeInsertQueueDpc(KDPC *Dpc, void *SystemArgument1, void *SystemArgument2)
{
    uint32_t flags = __readeflags();
    bool inserted = false;

    _disable();
    if (!Dpc->Inserted) {
        Dpc->Inserted = true;
        Dpc->SystemArgument1 = SystemArgument1;
        Dpc->SystemArgument2 = SystemArgument2;
        InsertTailList(&KiDpcListHead, &Dpc->DpcListEntry);
        KiDispatchPending = true;
        inserted = true;
    }
    __writeeflags(flags);
    return inserted;
}

/* Run every queued DPC. DISPATCH_LEVEL, interrupts enabled. */
void KiRetireDpcList(void)
{
    for (;;) {
        KDPC *dpc;
        void *argument1, *argument2;

        _disable();
        if (IsListEmpty(&KiDpcListHead)) {
            _enable();
            return;
        }
        dpc = CONTAINING_RECORD(RemoveHeadList(&KiDpcListHead), KDPC, DpcListEntry);
        dpc->Inserted = false;
        argument1 = dpc->SystemArgument1;
        argument2 = dpc->SystemArgument2;
        _enable();
        dpc->DeferredRoutine(dpc, dpc->DeferredContext, argument1, argument2);
    }
}
