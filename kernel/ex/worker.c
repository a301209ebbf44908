/*
 * kernel/ex/worker.c: work items, NT's ExQueueWorkItem. Code that runs where it may not do a
 * job (at DISPATCH_LEVEL, holding a spin lock) queues a WORK_QUEUE_ITEM, and a system worker
 * thread calls the item's routine at PASSIVE_LEVEL, in queueing order. NT keeps a pool of
 * critical, delayed and hypercritical workers; mm386 has one thread, at the priority of NT's
 * critical workers, serving every queue type.
 */
#include "kernel/ex/ex.h"

#define EX_CRITICAL_WORK_PRIORITY   13

static LIST_ENTRY ExpWorkQueue;
static KSPIN_LOCK ExpWorkQueueLock;
static KEVENT ExpWorkQueueEvent;        /* synchronization: set when an item is queued */

void ExQueueWorkItem(WORK_QUEUE_ITEM *WorkItem, WORK_QUEUE_TYPE QueueType)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&ExpWorkQueueLock, &oldIrql);
    if (WorkItem->List.Flink != NULL)
        KeBugCheckEx(WORKER_INVALID, 0, (uintptr_t)WorkItem, QueueType, 0);
    InsertTailList(&ExpWorkQueue, &WorkItem->List);
    KeReleaseSpinLock(&ExpWorkQueueLock, oldIrql);
    KeSetEvent(&ExpWorkQueueEvent);
}

static void ExpWorkerThread(void *Context)
{
    (void)Context;
    for (;;) {
        WORK_QUEUE_ITEM *item = NULL;
        KIRQL oldIrql;

        KeAcquireSpinLock(&ExpWorkQueueLock, &oldIrql);
        if (!IsListEmpty(&ExpWorkQueue)) {
            item = CONTAINING_RECORD(RemoveHeadList(&ExpWorkQueue), WORK_QUEUE_ITEM, List);
            item->List.Flink = NULL;        /* the item may be queued again from here on */
        }
        KeReleaseSpinLock(&ExpWorkQueueLock, oldIrql);
        if (!item) {
            KeWaitForSingleObject(&ExpWorkQueueEvent, Executive, KernelMode, false, NULL);
            continue;
        }
        item->WorkerRoutine(item->Parameter);
        if (KeGetCurrentIrql() != PASSIVE_LEVEL)
            KeBugCheckEx(WORKER_THREAD_RETURNED_AT_BAD_IRQL, (uintptr_t)item->WorkerRoutine,
                         KeGetCurrentIrql(), (uintptr_t)item->Parameter, (uintptr_t)item);
    }
}

/* Phase 1 of start-up, once Mm can make kernel stacks. */
void ExInitializeWorkerThreads(void)
{
    NTSTATUS status;

    InitializeListHead(&ExpWorkQueue);
    KeInitializeSpinLock(&ExpWorkQueueLock);
    KeInitializeEvent(&ExpWorkQueueEvent, SynchronizationEvent, false);
    status = PsCreateSystemThread(NULL, ExpWorkerThread, NULL, EX_CRITICAL_WORK_PRIORITY,
                                  "Worker");
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 4, 0, 0);
}
