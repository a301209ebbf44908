/*
 * kernel/ke/thread.c: kernel threads. A thread is a KTHREAD from nonpaged pool and a kernel stack
 * from system PTEs (with its guard page). It starts in KiThreadStartup/KiStartThread, runs its
 * start routine at PASSIVE_LEVEL and ends in PsTerminateSystemThread, which signals the
 * thread object (so others can wait for it) and leaves the stack to be freed by the next
 * thread to run: no thread can free the stack it stands on.
 *
 * The initial thread is the one that runs KiSystemStartup on the boot stack; the idle thread
 * runs when nothing else is ready. Neither is ever freed.
 */
#include "kernel/ke/ki.h"
#include "kernel/ke/trapvec.h"
#include "mm/mm.h"
#include "hal/hal.h"

#define KI_THREAD_TAG       0x65726854      /* 'Thre' */
#define KI_INITIAL_EFLAGS   0x00000002      /* interrupts off: KiStartThread enables them */

_Static_assert(offsetof(KTHREAD, KernelStack) == 32, "KTHREAD_KERNEL_STACK in kernel/ctxswap.S");
_Static_assert(offsetof(KTHREAD, KernelXmmUse) == KTHREAD_KERNEL_XMM_USE, "kernel/ke/trapvec.h");

KTHREAD *KiIdleThread;
static KTHREAD KiInitialThread;
static KTHREAD KiIdleThreadObject;
static LIST_ENTRY KiThreadListHead;
static LIST_ENTRY KiTerminatedThreadListHead;
static uint32_t KiNextThreadId;

extern char KiBootStackTop[];
extern void KiThreadStartup(void);

static void (*KiThreadDeleteRoutine)(KTHREAD *Thread);

static void KiInitializeThreadObject(KTHREAD *Thread, void *StackTop, KPRIORITY Priority,
                                     const char *Name, KPROCESS *Process)
{
    RtlZeroMemory(Thread, sizeof(*Thread));
    Thread->Process = Process;
    Thread->ApcState.Process = Process;
    InsertTailList(&Process->ThreadListHead, &Thread->ProcessThreadListEntry);
    Process->ActiveThreads++;
    Thread->Header.Type = ThreadObject;
    InitializeListHead(&Thread->Header.WaitListHead);
    Thread->InitialStack = StackTop;
    Thread->Priority = Priority;
    Thread->ReferenceCount = 1;
    Thread->UniqueThread = ++KiNextThreadId;
    RtlCopyString(Thread->Name, Name, sizeof(Thread->Name));
    InsertTailList(&KiThreadListHead, &Thread->ThreadListEntry);
}

/* The thread after Previous on the list of every thread (the first when Previous is NULL),
 * NULL after the last: for the debugger, which reads the list at the prompt. */
KTHREAD *KeGetNextThread(KTHREAD *Previous)
{
    LIST_ENTRY *next = Previous ? Previous->ThreadListEntry.Flink : KiThreadListHead.Flink;

    return next == &KiThreadListHead ? NULL : CONTAINING_RECORD(next, KTHREAD, ThreadListEntry);
}

/* The first frame KiSwapContext pops for a new thread: registers, EFLAGS, KiThreadStartup. */
static void KiInitializeContext(KTHREAD *Thread)
{
    uint32_t *stack = Thread->InitialStack;

    *--stack = (uint32_t)(uintptr_t)KiThreadStartup;
    for (int i = 0; i < 4; i++)
        *--stack = 0;                           /* ebp, ebx, esi, edi */
    *--stack = KI_INITIAL_EFLAGS;
    Thread->KernelStack = (uint32_t)(uintptr_t)stack;
}

/* Start-up, before anything can trap: the code running now becomes the initial thread. */
void KiInitializeThreads(void)
{
    InitializeListHead(&KiThreadListHead);
    InitializeListHead(&KiTerminatedThreadListHead);
    KeInitializeProcess(&KeInitialSystemProcess, __readcr3(), 0);
    KiInitializeNpx();
    KiInitializeThreadObject(&KiInitialThread, KiBootStackTop, KI_DEFAULT_PRIORITY, "Initial",
                             &KeInitialSystemProcess);
    KiInitialThread.State = Running;
    KiInitializeDispatcher(&KiInitialThread);
}

static void KiIdleLoop(void *Context)
{
    (void)Context;
    for (;;)
        KiIdle();
}

/* Once kernel stacks can be made: the thread that runs when nothing else is ready. */
void KiStartIdleThread(void)
{
    void *stack = MmCreateKernelStack(false);

    if (!stack)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, STATUS_INSUFFICIENT_RESOURCES, 0, 0, 0);
    KiInitializeThreadObject(&KiIdleThreadObject, stack, LOW_PRIORITY, "Idle",
                             &KeInitialSystemProcess);
    KiIdleThreadObject.StartRoutine = KiIdleLoop;
    KiInitializeContext(&KiIdleThreadObject);
    KiIdleThread = &KiIdleThreadObject;
}

NTSTATUS PsCreateSystemThread(KTHREAD **Thread, KSTART_ROUTINE StartRoutine, void *StartContext,
                              KPRIORITY Priority, const char *Name)
{
    KTHREAD *thread = ExAllocatePoolWithTag(NonPagedPool, sizeof(KTHREAD), KI_THREAD_TAG);
    void *stack;
    KIRQL oldIrql;

    if (Priority < LOW_PRIORITY || Priority > HIGH_PRIORITY)
        return STATUS_INVALID_PARAMETER;
    if (!thread)
        return STATUS_INSUFFICIENT_RESOURCES;
    stack = MmCreateKernelStack(false);
    if (!stack) {
        ExFreePoolWithTag(thread, KI_THREAD_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KiInitializeThreadObject(thread, stack, Priority, Name, &KeInitialSystemProcess);
    thread->StartRoutine = StartRoutine;
    thread->StartContext = StartContext;
    if (Thread) {
        thread->ReferenceCount++;
        *Thread = thread;
    }
    KiInitializeContext(thread);
    KiReadyThread(thread);
    KfLowerIrql(oldIrql);
    return STATUS_SUCCESS;
}

/* Where a new thread begins, at DISPATCH_LEVEL as the switch left it. */
void KiStartThread(void)
{
    KTHREAD *thread = KeGetCurrentThread();

    KiReapTerminatedThreads();
    KfLowerIrql(PASSIVE_LEVEL);
    _enable();
    thread->StartRoutine(thread->StartContext);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/*
 * A thread of a process (Ps's ETHREAD.Tcb, memory the caller owns): a kernel stack, and the
 * first switch to it runs StartRoutine(StartContext). It is not ready until KeReadyThread.
 */
NTSTATUS KeInitializeThread(KTHREAD *Thread, KSTART_ROUTINE StartRoutine, void *StartContext,
                            KPRIORITY Priority, const char *Name, KPROCESS *Process)
{
    void *stack = MmCreateKernelStack(false);
    KIRQL oldIrql;

    if (!stack)
        return STATUS_INSUFFICIENT_RESOURCES;
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KiInitializeThreadObject(Thread, stack, Priority, Name, Process);
    Thread->StartRoutine = StartRoutine;
    Thread->StartContext = StartContext;
    Thread->UserThread = true;
    KiInitializeThreadNpx(Thread);
    KiInitializeContext(Thread);
    KfLowerIrql(oldIrql);
    return STATUS_SUCCESS;
}

void KeReadyThread(KTHREAD *Thread)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);

    KiReadyThread(Thread);
    KfLowerIrql(oldIrql);
}

void KeSetThreadDeleteRoutine(void (*DeleteRoutine)(KTHREAD *Thread))
{
    KiThreadDeleteRoutine = DeleteRoutine;
}

/*
 * Enter ring 3 for the first time: a trap frame at the top of this thread's kernel stack (where
 * every later trap from ring 3 will build its own) with NT's user selectors, interrupts
 * enabled, and the registers given; then leave through it.
 */
void KeEnterUserMode(uintptr_t Eip, uintptr_t Esp, uint32_t Eax, uint32_t Ebx)
{
    KTHREAD *thread = KeGetCurrentThread();
    KTRAP_FRAME *frame = (KTRAP_FRAME *)thread->InitialStack - 1;

    RtlZeroMemory(frame, sizeof(*frame));
    frame->SegCs = KGDT_R3_CODE_USER;
    frame->SegDs = frame->SegEs = frame->HardwareSegSs = KGDT_R3_DATA_USER;
    frame->SegFs = KGDT_R3_TEB_USER;
    frame->Eip = Eip;
    frame->HardwareEsp = Esp;
    frame->EFlags = EFLAGS_INTERRUPT_MASK | 0x2;
    frame->Eax = Eax;
    frame->Ebx = Ebx;
    KfRaiseIrql(DISPATCH_LEVEL);
    KiTss.Esp0 = (uint32_t)(uintptr_t)thread->InitialStack;
    KiSetTebDescriptor(thread->Teb);
    KiRestoreNpxArea(KiNpxSaveArea(thread));
    _disable();
    KfLowerIrql(PASSIVE_LEVEL);
    KiExceptionExit(frame);
}

void PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    KeTerminateThread(ExitStatus);
}

/* The current thread ends: signaled, off its process's list, its stack freed by the next. */
void KeTerminateThread(NTSTATUS ExitStatus)
{
    KTHREAD *thread = KeGetCurrentThread();

    KfRaiseIrql(DISPATCH_LEVEL);
    if (thread == &KiInitialThread || thread == KiIdleThread)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, (uintptr_t)thread, (uint32_t)ExitStatus, 0, 0);
    if (thread->ApcStateIndex != 0)
        KeBugCheckEx(APC_INDEX_MISMATCH, (uintptr_t)thread, thread->ApcStateIndex, 0, 0);
    RemoveEntryList(&thread->ProcessThreadListEntry);
    thread->Process->ActiveThreads--;
    thread->State = Terminated;
    thread->WaitStatus = ExitStatus;
    thread->Header.SignalState = 1;
    KiWaitTest(&thread->Header);
    InsertTailList(&KiTerminatedThreadListHead, &thread->WaitListEntry);
    KiSwapThread();
    KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, (uintptr_t)thread, 0, 0, 1);
}

/* Free the stacks of threads that have terminated (never the running one). DISPATCH_LEVEL. */
void KiReapTerminatedThreads(void)
{
    while (!IsListEmpty(&KiTerminatedThreadListHead)) {
        KTHREAD *thread = CONTAINING_RECORD(RemoveHeadList(&KiTerminatedThreadListHead), KTHREAD,
                                            WaitListEntry);

        MmDeleteKernelStack(thread->InitialStack, thread->LargeStack);
        thread->InitialStack = NULL;
        RemoveEntryList(&thread->ThreadListEntry);
        if (thread->UserThread && KiThreadDeleteRoutine)
            KiThreadDeleteRoutine(thread);
        else
            KeDereferenceThread(thread);
    }
}

/* The references are the running thread's own and the creator's, if it asked for the object. */
void KeDereferenceThread(KTHREAD *Thread)
{
    KIRQL oldIrql;
    bool free;

    if (Thread->Header.Type != ThreadObject)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, (uintptr_t)Thread, Thread->Header.Type, 0, 2);
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    free = --Thread->ReferenceCount == 0;
    KfLowerIrql(oldIrql);
    if (free)
        ExFreePoolWithTag(Thread, KI_THREAD_TAG);
}

KPRIORITY KeSetPriorityThread(KTHREAD *Thread, KPRIORITY Priority)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KPRIORITY old = Thread->Priority;

    if (Thread->State == Ready) {
        KiRemoveReadyThreadFromQueue(Thread);
        Thread->Priority = Priority;
        KiReadyThread(Thread);
    } else {
        Thread->Priority = Priority;
        if (Thread == KeGetCurrentThread())
            KiDispatchPending = true;
    }
    KfLowerIrql(oldIrql);
    return old;
}
