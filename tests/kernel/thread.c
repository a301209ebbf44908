/* tests/kernel/thread.c: threads, the dispatcher, waits, events, DPCs, fast mutexes, IRQL. */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "kernel/ke/ki.h"
#include "mm/mi.h"
#include "hal/hal.h"

typedef struct _WORKER {
    KEVENT Started;
    KEVENT Go;
    volatile uint32_t Counter;
    volatile bool Stop;
    FAST_MUTEX *Mutex;
    volatile uint32_t *Shared;
} WORKER;

static void SignalStarted(void *Context)
{
    WORKER *worker = Context;

    worker->Counter = 0x600D;
    KeSetEvent(&worker->Started);
}

/* A thread runs its routine, signals, terminates; its object is signaled; it is freed. */
KTEST(TestThreadCreate, "ke.thread.create")
{
    WORKER worker = { 0 };
    KTHREAD *thread;
    uint32_t free = MmTotalFreeSystemPtes[SystemPteSpace];

    KeInitializeEvent(&worker.Started, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&thread, SignalStarted, &worker,
                                                          KI_DEFAULT_PRIORITY, "Test"));
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeWaitForSingleObject(&worker.Started, Executive, KernelMode,
                                                           false, NULL));
    KT_ASSERT_EQ(0x600D, worker.Counter);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL));
    KT_ASSERT_EQ(Terminated, thread->State);
    KT_ASSERT_STREQ("Test", thread->Name);
    KeDereferenceThread(thread);

    /* The stack went back once another thread ran: wait a tick to be sure one has. */
    int64_t tick = KI_MILLISECONDS(20);
    KeDelayExecutionThread(KernelMode, false, &tick);
    KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, PsCreateSystemThread(NULL, SignalStarted, &worker,
                                                                    32, "Bad"));
}

/* A higher priority thread runs at once, before PsCreateSystemThread returns. */
KTEST(TestThreadPreempt, "ke.thread.preempt")
{
    WORKER worker = { 0 };

    KeInitializeEvent(&worker.Started, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(NULL, SignalStarted, &worker,
                                                          KI_DEFAULT_PRIORITY + 2, "High"));
    KT_ASSERT_EQ(0x600D, worker.Counter);
    KT_ASSERT_EQ(1, KeReadStateEvent(&worker.Started));
}

static void Spin(void *Context)
{
    WORKER *worker = Context;

    KeSetEvent(&worker->Started);
    while (!worker->Stop)
        worker->Counter++;
}

/* Threads of equal priority share the processor by quanta (this one too, once it wakes). */
KTEST(TestThreadRoundRobin, "ke.thread.roundrobin")
{
    WORKER a = { 0 }, b = { 0 };
    KTHREAD *ta, *tb;
    int64_t interval = KI_MILLISECONDS(200);

    KeInitializeEvent(&a.Started, NotificationEvent, false);
    KeInitializeEvent(&b.Started, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&ta, Spin, &a, KI_DEFAULT_PRIORITY, "A"));
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&tb, Spin, &b, KI_DEFAULT_PRIORITY, "B"));
    KeDelayExecutionThread(KernelMode, false, &interval);
    a.Stop = b.Stop = true;
    KeWaitForSingleObject(ta, Executive, KernelMode, false, NULL);    /* before a failure can */
    KeWaitForSingleObject(tb, Executive, KernelMode, false, NULL);    /* take a and b away */
    KeDereferenceThread(ta);
    KeDereferenceThread(tb);
    KT_ASSERT_GT(a.Counter, 1000);
    KT_ASSERT_GT(b.Counter, 1000);
    KT_ASSERT_LT(a.Counter, b.Counter * 4);
    KT_ASSERT_LT(b.Counter, a.Counter * 4);
}

/* Timeouts end waits on time, not before; a zero timeout only looks. */
KTEST(TestWaitTimeout, "ke.wait.timeout")
{
    KEVENT event;
    int64_t timeout = KI_MILLISECONDS(50), zero = 0;
    uint32_t start;

    KeInitializeEvent(&event, SynchronizationEvent, false);
    start = KeTickCount;
    KT_ASSERT_STATUS(STATUS_TIMEOUT, KeWaitForSingleObject(&event, Executive, KernelMode, false, &timeout));
    KT_ASSERT_GE(KeTickCount - start, 5);
    KT_ASSERT_LT(KeTickCount - start, 50);
    KT_ASSERT_STATUS(STATUS_TIMEOUT, KeWaitForSingleObject(&event, Executive, KernelMode, false, &zero));
    KeSetEvent(&event);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeWaitForSingleObject(&event, Executive, KernelMode, false, &zero));
    KT_ASSERT_EQ(0, KeReadStateEvent(&event));  /* a synchronization event resets itself */

    start = KeTickCount;
    timeout = KI_MILLISECONDS(30);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeDelayExecutionThread(KernelMode, false, &timeout));
    KT_ASSERT_GE(KeTickCount - start, 3);
}

static void WaitThenCount(void *Context)
{
    WORKER *worker = Context;

    KeWaitForSingleObject(&worker->Go, Executive, KernelMode, false, NULL);
    __atomic_add_fetch(&worker->Counter, 1, __ATOMIC_SEQ_CST);
}

/* A notification event releases every waiter; a synchronization event one at a time. */
static uint32_t ReleaseWaiters(EVENT_TYPE Type, uint32_t Sets)
{
    WORKER worker = { 0 };
    KTHREAD *threads[4];
    int64_t settle = KI_MILLISECONDS(30);

    KeInitializeEvent(&worker.Go, Type, false);
    for (int i = 0; i < 4; i++)
        KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&threads[i], WaitThenCount, &worker,
                                                              KI_DEFAULT_PRIORITY + 1, "Waiter"));
    for (uint32_t i = 0; i < Sets; i++)
        KeSetEvent(&worker.Go);
    KeDelayExecutionThread(KernelMode, false, &settle);
    uint32_t released = worker.Counter;
    while (worker.Counter < 4)
        KeSetEvent(&worker.Go);
    for (int i = 0; i < 4; i++) {
        KeWaitForSingleObject(threads[i], Executive, KernelMode, false, NULL);
        KeDereferenceThread(threads[i]);
    }
    return released;
}

KTEST(TestEventKinds, "ke.event.kinds")
{
    KT_ASSERT_EQ(4, ReleaseWaiters(NotificationEvent, 1));
    KT_ASSERT_EQ(2, ReleaseWaiters(SynchronizationEvent, 2));
}

static void CountUnderMutex(void *Context)
{
    WORKER *worker = Context;
    int64_t yield = KI_MILLISECONDS(1);

    for (int i = 0; i < 20; i++) {
        ExAcquireFastMutex(worker->Mutex);
        uint32_t seen = *worker->Shared;
        KeDelayExecutionThread(KernelMode, false, &yield);     /* hold it across a wait */
        *worker->Shared = seen + 1;
        ExReleaseFastMutex(worker->Mutex);
    }
}

/* Three threads increment one counter under a fast mutex, sleeping while holding it. */
KTEST(TestFastMutexContention, "ke.fastmutex.contention")
{
    FAST_MUTEX mutex;
    volatile uint32_t shared = 0;
    WORKER worker = { .Mutex = &mutex, .Shared = &shared };
    KTHREAD *threads[3];

    ExInitializeFastMutex(&mutex);
    for (int i = 0; i < 3; i++)
        KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&threads[i], CountUnderMutex, &worker,
                                                              KI_DEFAULT_PRIORITY, "Counter"));
    for (int i = 0; i < 3; i++) {
        KeWaitForSingleObject(threads[i], Executive, KernelMode, false, NULL);
        KeDereferenceThread(threads[i]);
    }
    KT_ASSERT_EQ(60, shared);
    KT_ASSERT_GT(mutex.Contention, 0);
    KT_ASSERT_EQ(1, mutex.Count);
    ExAcquireFastMutex(&mutex);
    KT_ASSERT_EQ(APC_LEVEL, KeGetCurrentIrql());
    ExReleaseFastMutex(&mutex);
    KT_ASSERT_EQ(PASSIVE_LEVEL, KeGetCurrentIrql());
}

static void CountDpc(KDPC *Dpc, void *Context, void *Argument1, void *Argument2)
{
    (void)Dpc;
    (void)Argument2;
    *(uint32_t *)Context += (uint32_t)(uintptr_t)Argument1;
    KT_ASSERT_EQ(DISPATCH_LEVEL, KeGetCurrentIrql());
}

/* A DPC queued at raised IRQL runs once, when the IRQL drops below DISPATCH_LEVEL. */
KTEST(TestDpc, "ke.dpc")
{
    uint32_t count = 0;
    KDPC dpc;
    KIRQL oldIrql;

    KeInitializeDpc(&dpc, CountDpc, &count);
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KT_ASSERT(KeInsertQueueDpc(&dpc, (void *)5, NULL));
    KT_ASSERT(!KeInsertQueueDpc(&dpc, (void *)7, NULL));
    KT_ASSERT_EQ(0, count);
    KfLowerIrql(oldIrql);
    KT_ASSERT_EQ(5, count);
}

/* Above DISPATCH_LEVEL the clock's line is masked; lowering lets the ticks through again. */
KTEST(TestIrqlMasksClock, "ke.irql.masks")
{
    uint64_t frequency, start;
    uint32_t ticks;
    KIRQL oldIrql;

    KeQueryPerformanceCounter(&frequency);
    oldIrql = KfRaiseIrql(CLOCK2_LEVEL);
    ticks = KeTickCount;
    start = KeQueryPerformanceCounter(NULL);
    while (KeQueryPerformanceCounter(NULL) - start < frequency / 20)
        ;
    KT_ASSERT_EQ(ticks, KeTickCount);
    KfLowerIrql(oldIrql);
    start = KeQueryPerformanceCounter(NULL);
    while (KeTickCount == ticks && KeQueryPerformanceCounter(NULL) - start < frequency)
        ;
    KT_ASSERT_NE(ticks, KeTickCount);
}

static void Nothing(void *Context)
{
    (void)Context;
}

/* Hundreds of threads come and go: stacks, objects and PTEs all come back. */
KTEST(TestThreadChurn, "ke.thread.churn")
{
    uint32_t free = MmTotalFreeSystemPtes[SystemPteSpace], available = KtAvailablePages();
    int64_t settle = KI_MILLISECONDS(20);

    for (int i = 0; i < 300; i++) {
        KTHREAD *thread;

        KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&thread, Nothing, NULL,
                                                              KI_DEFAULT_PRIORITY, "Churn"));
        KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
        KeDereferenceThread(thread);
    }
    KeDelayExecutionThread(KernelMode, false, &settle);
    KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    /* Signed: pages may also have come back meanwhile (the zero page thread holds one off
     * every list while it zeroes it). */
    KT_ASSERT_LT((int32_t)(available - KtAvailablePages()), 4);
}
