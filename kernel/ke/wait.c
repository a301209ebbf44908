/*
 * kernel/ke/wait.c: waiting. A thread waits for one or several dispatcher objects (events,
 * threads, processes), any or all of them, with an optional timeout, or just for time to pass.
 * Waiting puts one wait block per object on the objects' lists (and the thread on the timer
 * list if the wait is timed) and switches to another thread; KiWaitTest, called whenever an
 * object becomes signaled, readies the waiters its state satisfies. Timeouts are counted in
 * clock ticks (10 ms), rounded up, so a wait never ends early.
 *
 * There are no APCs; what NT's kernel APC does to a user-mode wait — end it so the thread can
 * be terminated — KeRequestTermination does directly: a wait with WaitMode = UserMode ends with
 * STATUS_KERNEL_APC.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

#define KI_100NS_PER_TICK   (10000000 / HAL_CLOCK_HZ)

static LIST_ENTRY KiTimerListHead = { &KiTimerListHead, &KiTimerListHead };

/* Take Thread out of its wait and make it ready, with WaitStatus. DISPATCH_LEVEL. */
static void KiUnwaitThread(KTHREAD *Thread, NTSTATUS WaitStatus)
{
    for (uint32_t i = 0; i < Thread->WaitBlockCount; i++) {
        KWAIT_BLOCK *block = &Thread->WaitBlockList[i];

        if (block->Object) {
            RemoveEntryList(&block->WaitListEntry);
            block->Object = NULL;
        }
    }
    Thread->WaitBlockCount = 0;
    if (Thread->WaitTimed) {
        RemoveEntryList(&Thread->TimerListEntry);
        Thread->WaitTimed = false;
    }
    Thread->WaitStatus = WaitStatus;
    KiReadyThread(Thread);
}

/* Taking a signaled object satisfies the wait: a synchronization event resets. */
static void KiWaitSatisfy(DISPATCHER_HEADER *Object)
{
    if (Object->Type == EventSynchronizationObject)
        Object->SignalState = 0;
}

/* Every object of Thread's WaitAll is signaled now. */
static bool KiAllSignaled(const KTHREAD *Thread)
{
    for (uint32_t i = 0; i < Thread->WaitBlockCount; i++) {
        if (Thread->WaitBlockList[i].Object->SignalState <= 0)
            return false;
    }
    return true;
}

/* Ready the waiters Object's state satisfies: all of them, or one for a synchronization
 * event, which it resets. DISPATCH_LEVEL. */
void KiWaitTest(DISPATCHER_HEADER *Object)
{
    LIST_ENTRY *entry = Object->WaitListHead.Flink;

    while (Object->SignalState > 0 && entry != &Object->WaitListHead) {
        KWAIT_BLOCK *block = CONTAINING_RECORD(entry, KWAIT_BLOCK, WaitListEntry);
        KTHREAD *thread = block->Thread;

        if (block->WaitType == WaitAny) {
            KiWaitSatisfy(Object);
            KiUnwaitThread(thread, STATUS_WAIT_0 + block->WaitKey);
        } else if (KiAllSignaled(thread)) {
            for (uint32_t i = 0; i < thread->WaitBlockCount; i++)
                KiWaitSatisfy(thread->WaitBlockList[i].Object);
            KiUnwaitThread(thread, STATUS_WAIT_0);
        } else {
            entry = entry->Flink;
            continue;
        }
        entry = Object->WaitListHead.Flink;     /* the list changed: start again */
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
            KiUnwaitThread(thread, thread->WaitBlockCount ? STATUS_TIMEOUT : STATUS_SUCCESS);
    }
}

/*
 * The tick a timeout ends on: relative (negative) from now, absolute (positive) from boot.
 * False when it lies beyond what the 32-bit tick clock can tell apart from the past (2^31
 * ticks ahead): such a wait never times out. That includes the most negative interval, NT's
 * "forever" (what kernel32's Sleep(INFINITE) passes).
 */
#define KI_MAXIMUM_TIMEOUT_TICKS    0x7FFFFFF0u

static bool KiTimeoutToDeadline(int64_t Timeout, uint32_t *Deadline)
{
    uint64_t ticks;

    if (Timeout < 0) {
        ticks = ((uint64_t)0 - (uint64_t)Timeout + KI_100NS_PER_TICK - 1) / KI_100NS_PER_TICK + 1;
        if (ticks > KI_MAXIMUM_TIMEOUT_TICKS)
            return false;
        *Deadline = KeTickCount + (uint32_t)ticks;
        return true;
    }
    ticks = (uint64_t)Timeout / KI_100NS_PER_TICK;
    if (ticks > KeTickCount && ticks - KeTickCount > KI_MAXIMUM_TIMEOUT_TICKS)
        return false;
    *Deadline = (uint32_t)ticks;
    return true;
}

/* Block the current thread on its wait blocks until KiUnwaitThread; returns its wait status.
 * DISPATCH_LEVEL. */
static NTSTATUS KiWait(KWAIT_BLOCK *Blocks, uint32_t Count, KPROCESSOR_MODE WaitMode,
                       const int64_t *Timeout)
{
    KTHREAD *thread = KeGetCurrentThread();

    if (WaitMode == UserMode && thread->TerminationPending)
        return STATUS_KERNEL_APC;
    thread->WaitMode = WaitMode;
    thread->WaitBlockList = Blocks;
    thread->WaitBlockCount = Count;
    for (uint32_t i = 0; i < Count; i++)
        InsertTailList(&Blocks[i].Object->WaitListHead, &Blocks[i].WaitListEntry);
    if (Timeout && KiTimeoutToDeadline(*Timeout, &thread->WaitDeadline)) {
        thread->WaitTimed = true;
        InsertTailList(&KiTimerListHead, &thread->TimerListEntry);
    }
    thread->State = Waiting;
    KiSwapThread();
    thread->WaitMode = KernelMode;
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
    KTHREAD *thread = KeGetCurrentThread();
    NTSTATUS status;
    KIRQL oldIrql;

    (void)WaitReason;
    (void)Alertable;
    KiCheckWaitIrql(Object, Timeout, (uintptr_t)__builtin_return_address(0));
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    if (header->SignalState > 0) {
        KiWaitSatisfy(header);
        status = STATUS_SUCCESS;
    } else if (Timeout && *Timeout == 0) {
        status = STATUS_TIMEOUT;
    } else {
        thread->WaitBlock = (KWAIT_BLOCK){ .Thread = thread, .Object = header, .WaitType = WaitAny };
        status = KiWait(&thread->WaitBlock, 1, WaitMode, Timeout);
    }
    KfLowerIrql(oldIrql);
    return status;
}

NTSTATUS KeWaitForMultipleObjects(uint32_t Count, void *Object[], WAIT_TYPE WaitType,
                                  uint32_t WaitReason, KPROCESSOR_MODE WaitMode, bool Alertable,
                                  const int64_t *Timeout, KWAIT_BLOCK *WaitBlockArray)
{
    KTHREAD *thread = KeGetCurrentThread();
    KWAIT_BLOCK *blocks = WaitBlockArray ? WaitBlockArray : thread->WaitBlocks;
    NTSTATUS status = STATUS_TIMEOUT;
    bool all = true;
    KIRQL oldIrql;

    (void)WaitReason;
    (void)Alertable;
    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS ||
        (!WaitBlockArray && Count > THREAD_WAIT_OBJECTS))
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, Count, KeGetCurrentIrql(), 1,
                     (uintptr_t)__builtin_return_address(0));
    KiCheckWaitIrql(Object, Timeout, (uintptr_t)__builtin_return_address(0));
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    for (uint32_t i = 0; i < Count; i++) {
        DISPATCHER_HEADER *header = Object[i];

        if (WaitType == WaitAny && header->SignalState > 0) {
            KiWaitSatisfy(header);
            KfLowerIrql(oldIrql);
            return STATUS_WAIT_0 + (NTSTATUS)i;
        }
        all = all && header->SignalState > 0;
        blocks[i] = (KWAIT_BLOCK){ .Thread = thread, .Object = header, .WaitKey = (uint16_t)i,
                                   .WaitType = (uint16_t)WaitType };
    }
    if (WaitType == WaitAll && all) {
        for (uint32_t i = 0; i < Count; i++)
            KiWaitSatisfy(Object[i]);
        status = STATUS_WAIT_0;
    } else if (!(Timeout && *Timeout == 0)) {
        status = KiWait(blocks, Count, WaitMode, Timeout);
    }
    KfLowerIrql(oldIrql);
    return status;
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, bool Alertable, const int64_t *Interval)
{
    KIRQL oldIrql;
    NTSTATUS status = STATUS_SUCCESS;

    (void)Alertable;
    KiCheckWaitIrql(NULL, Interval, (uintptr_t)__builtin_return_address(0));
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    if (*Interval != 0)
        status = KiWait(NULL, 0, WaitMode, Interval);
    KfLowerIrql(oldIrql);
    return status;
}

void KeRequestTermination(KTHREAD *Thread, NTSTATUS ExitStatus)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);

    if (!Thread->TerminationPending) {
        Thread->TerminationStatus = ExitStatus;
        Thread->TerminationPending = true;
    }
    if (Thread->State == Waiting && Thread->WaitMode == UserMode)
        KiUnwaitThread(Thread, STATUS_KERNEL_APC);
    KfLowerIrql(oldIrql);
}
