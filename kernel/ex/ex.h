/*
 * kernel/ex/ex.h: executive support above Ke: fast mutexes and work items. (The pool front-ends,
 * ExAllocatePoolWithTag and ExFreePoolWithTag, are built on Mm's pool pages and live in mm/pool.c,
 * declared in mm/mm.h.)
 */
#ifndef KERNEL_EX_EX_H
#define KERNEL_EX_EX_H

#include "kernel/ke/ke.h"

/* Fast mutexes (fmutex.c): the owner runs at APC_LEVEL, so it may still take page faults. */
typedef struct _FAST_MUTEX {
    int32_t Count;                  /* 1: free; 0: held; below 0: held, with waiters */
    KTHREAD *Owner;
    uint32_t Contention;
    KEVENT Gate;
    KIRQL OldIrql;
} FAST_MUTEX;

void ExInitializeFastMutex(FAST_MUTEX *FastMutex);
void ExAcquireFastMutex(FAST_MUTEX *FastMutex);
void ExReleaseFastMutex(FAST_MUTEX *FastMutex);

/*
 * User buffers (probe.c): NT's ProbeForRead/ProbeForWrite, returning the status NT would raise
 * (STATUS_DATATYPE_MISALIGNMENT, STATUS_ACCESS_VIOLATION), and capturing to or returning from a
 * buffer of the previous mode: user buffers are probed and copied with KeCopyMemorySafe,
 * kernel ones copied as they are. ExUserProbeAddress is MmUserProbeAddress (Mm sets both).
 */
extern uintptr_t ExUserProbeAddress;
NTSTATUS ProbeForRead(const void *Address, uint32_t Length, uint32_t Alignment);
NTSTATUS ProbeForWrite(void *Address, uint32_t Length, uint32_t Alignment);
NTSTATUS ExCaptureFromMode(KPROCESSOR_MODE Mode, void *Destination, const void *Source,
                           uint32_t Length, uint32_t Alignment);
NTSTATUS ExReturnToMode(KPROCESSOR_MODE Mode, void *Destination, const void *Source,
                        uint32_t Length, uint32_t Alignment);
/*
 * One object of the previous mode: a structure is probed for its alignment and its range, as
 * NT's ProbeForReadSmallStructure does; a scalar (a ULONG, a pointer, a handle, a
 * LARGE_INTEGER) for its range alone, as NT's x86 ProbeForWriteUlong, ProbeForWritePointer,
 * ProbeForReadLargeInteger ... do: a misaligned scalar is read as it is, and one at
 * 0x7FFFFFFE is STATUS_ACCESS_VIOLATION.
 */
#define EX_RECORD_TYPE_CLASS    12      /* __builtin_classify_type of a structure */
#define EX_PROBE_ALIGNMENT(Object) \
    (__builtin_classify_type(Object) == EX_RECORD_TYPE_CLASS ? __alignof__(Object) : 1)
#define ExCapture(Destination, Source) \
    ExCaptureFromMode(ExGetPreviousMode(), (Destination), (Source), sizeof(*(Destination)), \
                      EX_PROBE_ALIGNMENT(*(Destination)))
#define ExReturn(Destination, Source) \
    ExReturnToMode(ExGetPreviousMode(), (Destination), (Source), sizeof(*(Source)), \
                   EX_PROBE_ALIGNMENT(*(Source)))

/*
 * Work items (worker.c): WorkerRoutine(Parameter) called at PASSIVE_LEVEL by a system worker
 * thread. ExQueueWorkItem may be called up to DISPATCH_LEVEL; the item is the worker's from
 * then until its routine is called (the routine may free it or queue it again); queueing it
 * twice is WORKER_INVALID (0, item, queue type, 0). NT's layout.
 */
typedef enum _WORK_QUEUE_TYPE {
    CriticalWorkQueue,
    DelayedWorkQueue,
    HyperCriticalWorkQueue,
    MaximumWorkQueue,
} WORK_QUEUE_TYPE;

typedef void WORKER_THREAD_ROUTINE(void *Parameter);

typedef struct _WORK_QUEUE_ITEM {
    LIST_ENTRY List;                /* Flink NULL while not queued */
    WORKER_THREAD_ROUTINE *WorkerRoutine;
    void *Parameter;
} WORK_QUEUE_ITEM;

_Static_assert(sizeof(WORK_QUEUE_ITEM) == 16, "NT x86's WORK_QUEUE_ITEM");

static inline void ExInitializeWorkItem(WORK_QUEUE_ITEM *Item, WORKER_THREAD_ROUTINE *Routine,
                                        void *Parameter)
{
    Item->List.Flink = NULL;
    Item->WorkerRoutine = Routine;
    Item->Parameter = Parameter;
}

void ExQueueWorkItem(WORK_QUEUE_ITEM *WorkItem, WORK_QUEUE_TYPE QueueType);
void ExInitializeWorkerThreads(void);       /* phase 1, once Mm can make kernel stacks */

#endif
