/*
 * kernel/ke/wait.c: waiting. A thread waits for one dispatcher object (an event, a thread) with
 * an optional timeout, or just for time to pass. Waiting puts its wait block on the object's
 * list (and the thread on the timer list if the wait is timed) and switches to another
 * thread; KiWaitTest, called whenever an object becomes signaled, readies the waiters the
 * object's state satisfies. Timeouts are counted in clock ticks (10 ms), rounded up, so a
 * wait never ends early. There are no APCs, so no wait is alertable.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

#define KI_100NS_PER_TICK   (10000000 / HAL_CLOCK_HZ)

static LIST_ENTRY KiTimerListHead = { &KiTimerListHead, &KiTimerListHead };

/* Take Thread out of its wait and make it ready, with WaitStatus. DISPATCH_LEVEL. */
static void KiUnwaitThread(KTHREAD *Thread, NTSTATUS WaitStatus)
{
    if (Thread->WaitBlock.Object) {
        RemoveEntryList(&Thread->WaitBlock.WaitListEntry);
        Thread->WaitBlock.Object = NULL;
    }
    if (Thread->WaitTimed) {
        RemoveEntryList(&Thread->TimerListEntry);
        Thread->WaitTimed = false;
    }
    Thread->WaitStatus = WaitStatus;
    KiReadyThread(Thread);
}

/* Ready the waiters Object's state satisfies: all of them, or one for a synchronization
 * event, which it resets. DISPATCH_LEVEL. */
void KiWaitTest(DISPATCHER_HEADER *Object)
{
    while (Object->SignalState > 0 && !IsListEmpty(&Object->WaitListHead)) {
        KWAIT_BLOCK *block = CONTAINING_RECORD(Object->WaitListHead.Flink, KWAIT_BLOCK,
                                               WaitListEntry);

        if (Object->Type == EventSynchronizationObject)
            Object->SignalState = 0;
        KiUnwaitThread(block->Thread, STATUS_SUCCESS);
    }
}

/* Timed waits whose deadline has passed end with STATUS_TIMEOUT. DISPATCH_LEVEL. */
void KiCheckTimers(void)
{
    LIST_ENTRY *entry = KiTimerListHead.Flink;

    while (entry != &KiTimerListHead) {
        KTHREAD *thread = CONTAINING_RECORD(entry, KTHREAD, TimerListEntry);

        entry = entry->Flink;
        if ((int32_t)(KeTickCount - thread->WaitDeadline) >= 0)
            KiUnwaitThread(thread, thread->WaitBlock.Object ? STATUS_TIMEOUT : STATUS_SUCCESS);
    }
}

/* The tick a timeout ends on: relative (negative) from now, absolute (positive) from boot. */
static uint32_t KiTimeoutToDeadline(int64_t Timeout)
{
    if (Timeout < 0)
        return KeTickCount + (uint32_t)((-Timeout + KI_100NS_PER_TICK - 1) / KI_100NS_PER_TICK) + 1;
    return (uint32_t)(Timeout / KI_100NS_PER_TICK);
}

/* Block the current thread until KiUnwaitThread; returns its wait status. DISPATCH_LEVEL. */
static NTSTATUS KiWait(DISPATCHER_HEADER *Object, const int64_t *Timeout)
{
    KTHREAD *thread = KeGetCurrentThread();

    thread->WaitBlock.Thread = thread;
    thread->WaitBlock.Object = Object;
    if (Object)
        InsertTailList(&Object->WaitListHead, &thread->WaitBlock.WaitListEntry);
    if (Timeout) {
        thread->WaitDeadline = KiTimeoutToDeadline(*Timeout);
        thread->WaitTimed = true;
        InsertTailList(&KiTimerListHead, &thread->TimerListEntry);
    }
    thread->State = Waiting;
    KiSwapThread();
    return thread->WaitStatus;
}

/* Waiting above APC_LEVEL would stop the processor for good, unless it does not wait. */
static void KiCheckWaitIrql(const void *Object, const int64_t *Timeout, uintptr_t Caller)
{
    KIRQL irql = KeGetCurrentIrql();

    if (irql > DISPATCH_LEVEL || (irql == DISPATCH_LEVEL && !(Timeout && *Timeout == 0)))
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (uintptr_t)Object, irql, 0, Caller);
}

NTSTATUS KeWaitForSingleObject(void *Object, uint32_t WaitReason, KPROCESSOR_MODE WaitMode,
                               bool Alertable, const int64_t *Timeout)
{
    DISPATCHER_HEADER *header = Object;
    NTSTATUS status;
    KIRQL oldIrql;

    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    KiCheckWaitIrql(Object, Timeout, (uintptr_t)__builtin_return_address(0));
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    if (header->SignalState > 0) {
        if (header->Type == EventSynchronizationObject)
            header->SignalState = 0;
        status = STATUS_SUCCESS;
    } else if (Timeout && *Timeout == 0) {
        status = STATUS_TIMEOUT;
    } else {
        status = KiWait(header, Timeout);
    }
    KfLowerIrql(oldIrql);
    return status;
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, bool Alertable, const int64_t *Interval)
{
    KIRQL oldIrql;
    NTSTATUS status = STATUS_SUCCESS;

    (void)WaitMode;
    (void)Alertable;
    KiCheckWaitIrql(NULL, Interval, (uintptr_t)__builtin_return_address(0));
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    if (*Interval != 0)
        status = KiWait(NULL, Interval);
    KfLowerIrql(oldIrql);
    return status;
}
