/*
 * kernel/ke/sched.c: the dispatcher: which thread runs. One processor, priorities 0-31, a FIFO
 * ready queue per priority; the highest priority ready thread runs, and threads of equal
 * priority take turns when a quantum (KI_QUANTUM_TICKS clock ticks) runs out. The idle thread
 * runs when nothing is ready.
 *
 * Everything here runs at DISPATCH_LEVEL, which on one processor is the dispatcher lock.
 * Interrupts never touch these structures: they only set KiDispatchPending (the clock every
 * tick, a device through a DPC), and the work is done when the IRQL next drops below
 * DISPATCH_LEVEL (irql.c calls KiDispatchSoftwareInterrupt): DPCs, timed-out waits, quantum
 * end, and switching to a better thread. A switch happens inside that call, on the old
 * thread's stack, and that thread continues from there when it is chosen again.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

#define KI_QUANTUM_TICKS    3

KTHREAD *KiCurrentThread;
volatile bool KiDispatchPending;
static LIST_ENTRY KiDispatcherReadyListHead[HIGH_PRIORITY + 1];
static uint32_t KiReadySummary;             /* bit n: queue n not empty */
static uint32_t KiLastQuantumTick;

void KiInitializeDispatcher(KTHREAD *InitialThread)
{
    for (uint32_t i = 0; i <= HIGH_PRIORITY; i++)
        InitializeListHead(&KiDispatcherReadyListHead[i]);
    KiCurrentThread = InitialThread;
    KiLastQuantumTick = KeTickCount;
}

static void KiInsertReadyQueue(KTHREAD *Thread, bool AtHead)
{
    LIST_ENTRY *queue = &KiDispatcherReadyListHead[Thread->Priority];

    Thread->State = Ready;
    if (AtHead)
        InsertHeadList(queue, &Thread->WaitListEntry);
    else
        InsertTailList(queue, &Thread->WaitListEntry);
    KiReadySummary |= 1u << Thread->Priority;
}

static KPRIORITY KiHighestReadyPriority(void)
{
    return KiReadySummary ? (KPRIORITY)(31 - __builtin_clz(KiReadySummary)) : -1;
}

/* The running thread's priority for comparisons; the idle thread is below everything. */
static KPRIORITY KiCurrentPriority(void)
{
    return KiCurrentThread == KiIdleThread ? -1 : KiCurrentThread->Priority;
}

/* Thread becomes ready; if it outranks the running thread, a switch is due. DISPATCH_LEVEL. */
void KiReadyThread(KTHREAD *Thread)
{
    KiInsertReadyQueue(Thread, false);
    if (Thread->Priority > KiCurrentPriority())
        KiDispatchPending = true;
}

/* Take a Ready thread out of its queue (to change its priority). DISPATCH_LEVEL. */
void KiRemoveReadyThreadFromQueue(KTHREAD *Thread)
{
    RemoveEntryList(&Thread->WaitListEntry);
    if (IsListEmpty(&KiDispatcherReadyListHead[Thread->Priority]))
        KiReadySummary &= ~(1u << Thread->Priority);
}

static KTHREAD *KiRemoveReadyThread(void)
{
    KPRIORITY priority = KiHighestReadyPriority();
    KTHREAD *thread;

    if (priority < 0)
        return KiIdleThread;
    thread = CONTAINING_RECORD(RemoveHeadList(&KiDispatcherReadyListHead[priority]), KTHREAD,
                               WaitListEntry);
    if (IsListEmpty(&KiDispatcherReadyListHead[priority]))
        KiReadySummary &= ~(1u << priority);
    return thread;
}

/*
 * What else changes with the thread: the address space (when the next thread is in another
 * process, unless it is a system thread that is not attached: procobj.c), the stack ring 3
 * traps arrive on, the TEB FS names, and the numeric state, x87 and XMM, of user threads and of
 * a system thread in the middle of KeZeroPages or an XMM copy (KernelXmmUse: a copy may wait
 * for a page there). Kernel code never touches the x87, and KeZeroPages and KeCopyMemorySafe
 * put back the XMM registers they borrow (npx.c). DISPATCH_LEVEL.
 */
static void KiSwapThreadState(KTHREAD *Old, KTHREAD *Next)
{
    if ((Old->UserThread && Old->State != Terminated) || Old->KernelXmmUse)
        KiSaveNpxArea(KiNpxSaveArea(Old));
    else if (Old->UserThread)           /* nothing pending may reach the next frstor */
        __asm__ volatile("fninit");
    if (!KiIsBorrowingDirectory(Next))
        KiSwapProcess(Next->ApcState.Process);          /* (a compare when it is loaded) */
    KiTss.Esp0 = (uint32_t)(uintptr_t)Next->InitialStack;
    if (Next->UserThread)
        KiSetTebDescriptor(Next->Teb);
    if (Next->UserThread || Next->KernelXmmUse)
        KiRestoreNpxArea(KiNpxSaveArea(Next));
}

/*
 * Give the processor to the best ready thread. The caller has already put the current thread
 * where it belongs (waiting, ready again, or terminated). DISPATCH_LEVEL; returns when this
 * thread runs again.
 */
void KiSwapThread(void)
{
    KTHREAD *old = KiCurrentThread;
    KTHREAD *next = KiRemoveReadyThread();

    next->State = Running;
    if (next == old)
        return;
    if (next->Quantum <= 0)
        next->Quantum = KI_QUANTUM_TICKS;
    KiCurrentThread = next;
    KiSwapThreadState(old, next);
    KiSwapContext(old, next);
    KiReapTerminatedThreads();
}

/* Charge the ticks since last time to the running thread; at the end of its quantum, a thread
 * of equal priority gets its turn. */
static bool KiQuantumEnd(void)
{
    uint32_t now = KeTickCount, elapsed = now - KiLastQuantumTick;

    KiLastQuantumTick = now;
    if (KiCurrentThread == KiIdleThread)
        return false;
    KiCurrentThread->Quantum -= (int8_t)MIN(elapsed, 127u);
    if (KiCurrentThread->Quantum > 0)
        return false;
    KiCurrentThread->Quantum = KI_QUANTUM_TICKS;
    return KiHighestReadyPriority() >= KiCurrentThread->Priority;
}

bool KeYieldExecution(void)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KTHREAD *current = KiCurrentThread;
    bool yield = current != KiIdleThread && KiHighestReadyPriority() >= current->Priority;

    if (yield) {
        current->Quantum = KI_QUANTUM_TICKS;
        KiInsertReadyQueue(current, false);     /* behind the others at its priority */
        KiSwapThread();
    }
    KfLowerIrql(oldIrql);
    return yield;
}

/* The DISPATCH_LEVEL work, with interrupts enabled. */
void KiDispatchSoftwareInterrupt(void)
{
    KTHREAD *current;
    bool quantumEnd;

    KiRetireDpcList();
    KiCheckTimers();
    quantumEnd = KiQuantumEnd();
    current = KiCurrentThread;
    if (current == KiIdleThread) {
        if (KiReadySummary)
            KiSwapThread();
    } else if (quantumEnd) {
        KiInsertReadyQueue(current, false);
        KiSwapThread();
    } else if (KiHighestReadyPriority() > current->Priority) {
        KiInsertReadyQueue(current, true);      /* preempted: first in line at its priority */
        KiSwapThread();
    }
}

/* One turn of the idle thread: halt until an interrupt, or let a ready thread run. */
void KiIdle(void)
{
    KIRQL oldIrql;

    _disable();
    if (!KiReadySummary && !KiDispatchPending) {
        HalWaitForInterrupt();
        return;
    }
    _enable();
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KiDispatchPending = true;
    KfLowerIrql(oldIrql);
}
