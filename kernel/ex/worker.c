/*
 * kernel/ex/worker.c: work items, NT's ExQueueWorkItem. Code that runs where it may not do a
 * job (at DISPATCH_LEVEL, holding a spin lock) queues a WORK_QUEUE_ITEM, and a system worker
 * thread calls the item's routine at PASSIVE_LEVEL, in queueing order. NT keeps a pool of
 * critical, delayed and hypercritical workers; mm386 has two threads: one for the critical and
 * hypercritical queues (the cache's read-ahead), at NT's critical workers' priority, and one
 * for the delayed queue (the cache's lazy close, which may wait for a file system's lock), at
 * NT's delayed workers' priority, so that a delayed item that waits never holds up a critical
 * one.
 */
#include "kernel/ex/ex.h"

#define EX_CRITICAL_WORK_PRIORITY   13
#define EX_DELAYED_WORK_PRIORITY    12

typedef struct _EX_WORK_QUEUE {
    LIST_ENTRY Queue;
    KSPIN_LOCK Lock;
    KEVENT Event;                       /* synchronization: set when an item is queued */
} EX_WORK_QUEUE;

static EX_WORK_QUEUE ExpCriticalQueue, ExpDelayedQueue;

static EX_WORK_QUEUE *ExpQueueFor(WORK_QUEUE_TYPE QueueType)
{
    return QueueType == DelayedWorkQueue ? &ExpDelayedQueue : &ExpCriticalQueue;
}

void ExQueueWorkItem(WORK_QUEUE_ITEM *WorkItem, WORK_QUEUE_TYPE QueueType)
{
    EX_WORK_QUEUE *queue = ExpQueueFor(QueueType);
    KIRQL oldIrql;

    KeAcquireSpinLock(&queue->Lock, &oldIrql);
    if (WorkItem->List.Flink != NULL)
        KeBugCheckEx(WORKER_INVALID, 0, (uintptr_t)WorkItem, QueueType, 0);
    InsertTailList(&queue->Queue, &WorkItem->List);
    KeReleaseSpinLock(&queue->Lock, oldIrql);
    KeSetEvent(&queue->Event);
}

static void ExpWorkerThread(void *Context)
{
    EX_WORK_QUEUE *queue = Context;

    for (;;) {
        WORK_QUEUE_ITEM *item = NULL;
        KIRQL oldIrql;

        KeAcquireSpinLock(&queue->Lock, &oldIrql);
        if (!IsListEmpty(&queue->Queue)) {
            item = CONTAINING_RECORD(RemoveHeadList(&queue->Queue), WORK_QUEUE_ITEM, List);
            item->List.Flink = NULL;        /* the item may be queued again from here on */
        }
        KeReleaseSpinLock(&queue->Lock, oldIrql);
        if (!item) {
            KeWaitForSingleObject(&queue->Event, Executive, KernelMode, false, NULL);
            continue;
        }
        item->WorkerRoutine(item->Parameter);
        if (KeGetCurrentIrql() != PASSIVE_LEVEL)
            KeBugCheckEx(WORKER_THREAD_RETURNED_AT_BAD_IRQL, (uintptr_t)item->WorkerRoutine,
                         KeGetCurrentIrql(), (uintptr_t)item->Parameter, (uintptr_t)item);
    }
}

static void ExpStartWorker(EX_WORK_QUEUE *Queue, KPRIORITY Priority, const char *Name)
{
    NTSTATUS status;

    InitializeListHead(&Queue->Queue);
    KeInitializeSpinLock(&Queue->Lock);
    KeInitializeEvent(&Queue->Event, SynchronizationEvent, false);
    status = PsCreateSystemThread(NULL, ExpWorkerThread, Queue, Priority, Name);
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 4, 0, 0);
}

/* Phase 1 of start-up, once Mm can make kernel stacks. */
void ExInitializeWorkerThreads(void)
{
    ExpStartWorker(&ExpCriticalQueue, EX_CRITICAL_WORK_PRIORITY, "Worker");
    ExpStartWorker(&ExpDelayedQueue, EX_DELAYED_WORK_PRIORITY, "DelayedWorker");
}
