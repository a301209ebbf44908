/*
 * kernel/cc/lazyrite.c: the lazy writer (NT's lazyrite.c), a system thread. Every second while
 * anything is dirty (woken at once by a throttled writer or a map to close) it:
 *
 *   1. writes an eighth of the cache's dirty pages (all of them when there are 8 or fewer;
 *      LAZY_WRITER_MAX_AGE_TARGET), so dirty data reaches its file within about 8 seconds
 *      without a flush; more while writers wait at CcDirtyPageThreshold: everything above
 *      CcDirtyPageTarget. Maps are served in turn, each from where its last write stopped,
 *      in runs of neighbouring dirty pages;
 *   2. deletes closed maps (NT's lazy close): those of deleted files, the oldest beyond
 *      CC_MAXIMUM_CLOSED_MAPS, and every closed one when memory is short — each on a delayed
 *      worker thread, never holding up the scans.
 *
 * Thresholds, as NT's for a small system: CcDirtyPageThreshold an eighth of the physical
 * pages (at least 64), CcDirtyPageTarget three quarters of it.
 */
#include "kernel/cc/ccp.h"

#define LAZY_WRITER_IDLE_MS         1000
#define LAZY_WRITER_MAX_AGE_TARGET  8
#define CC_LOW_MEMORY_PAGES         256     /* fewer available: closed maps go */
#define CC_THROTTLE_WAIT_MS         1000
#define CC_THROTTLE_ROUNDS          30

uint32_t CcDirtyPageThreshold, CcDirtyPageTarget;
static KEVENT CcLazyWriterEvent;        /* synchronization: a scan now */
static KEVENT CcDirtyPagesLow;          /* notification: set while below the threshold */
static uint32_t CcThrottleWaiters;

void CcWakeLazyWriter(void)
{
    KeSetEvent(&CcLazyWriterEvent);
}

/* A throttled writer (CcCanIWrite): wait until the dirty pages, with Pages more, fit under
 * the threshold; the lazy writer writes the excess meanwhile. */
void CcWaitForDirtyPagesBelowThreshold(uint32_t Pages)
{
    int64_t timeout = KI_MILLISECONDS(CC_THROTTLE_WAIT_MS);

    __atomic_add_fetch(&CcThrottleWaiters, 1, __ATOMIC_SEQ_CST);
    /* (At most CC_THROTTLE_ROUNDS waits: dirty pages the lazy writer may not write — a file
     * without write-behind — never hold a writer for good.) */
    for (uint32_t round = 0; round < CC_THROTTLE_ROUNDS &&
                             CcTotalDirtyPages + Pages >= CcDirtyPageThreshold; round++) {
        KeClearEvent(&CcDirtyPagesLow);
        CcWakeLazyWriter();
        KeWaitForSingleObject(&CcDirtyPagesLow, Executive, KernelMode, false, &timeout);
        if (CcTotalDirtyPages <= Pages)
            break;                              /* the write alone is over: let it go */
    }
    __atomic_sub_fetch(&CcThrottleWaiters, 1, __ATOMIC_SEQ_CST);
}

/* Write up to Budget dirty pages, map after map. Returns how many were written. */
static uint32_t CcLazyWriteScan(uint32_t Budget)
{
    uint32_t total = 0;
    uint32_t maps = 0;

    ExAcquireFastMutex(&CcMasterLock);
    while (Budget && !IsListEmpty(&CcDirtySharedCacheMapList) && maps++ < 64) {
        SHARED_CACHE_MAP *map = CONTAINING_RECORD(CcDirtySharedCacheMapList.Flink,
                                                  SHARED_CACHE_MAP, SharedCacheMapLinks);
        uint32_t share = map->Flags & DISABLE_WRITE_BEHIND ? 0 : MIN(Budget, map->DirtyPages);

        while (share) {
            uint32_t first, written;
            uint32_t run = CcFindDirtyRun(map, map->LazyWriteCursor, MIN(share, 64u), &first);

            if (run == 0)
                break;
            if (!NT_SUCCESS(CcFlushMapLocked(map, first, run, &written)))
                CcClearDirtyInMask(map, first, run);    /* a failing disk: Mm keeps them */
            CcStatistics.LazyWriteIos++;
            CcStatistics.LazyWritePages += written;
            map->LazyWritePages += written;
            map->LazyWriteCursor = first + run;
            total += run;
            share -= MIN(share, run);
            Budget -= MIN(Budget, run);
        }
        /* The next map goes first next time. */
        if (map->DirtyPages) {
            RemoveEntryList(&map->SharedCacheMapLinks);
            InsertTailList(&CcDirtySharedCacheMapList, &map->SharedCacheMapLinks);
        }
    }
    ExReleaseFastMutex(&CcMasterLock);
    return total;
}

/* A detached map deleted on a delayed worker thread: letting go of its file object may close
 * it, and the close waits for the file system's lock, which a writer held at the dirty-page
 * threshold may hold while it waits for this thread's scans. */
typedef struct _CC_LAZY_CLOSE {
    WORK_QUEUE_ITEM Item;
    SHARED_CACHE_MAP *Map;
} CC_LAZY_CLOSE;

static void CcDeleteMapWorker(void *Parameter)
{
    CC_LAZY_CLOSE *work = Parameter;

    CcDeleteDetachedMap(work->Map);
    ExFreePoolWithTag(work, CC_WORK_TAG);
}

/* NT's lazy close: the closed maps that must go, detached under the lock, deleted outside. */
static void CcLazyClose(void)
{
    bool shortOfMemory = MmAvailablePages < CC_LOW_MEMORY_PAGES;

    for (;;) {
        SHARED_CACHE_MAP *victim = NULL;
        CC_LAZY_CLOSE *work;

        ExAcquireFastMutex(&CcMasterLock);
        for (LIST_ENTRY *e = CcClosedMapList.Flink; e != &CcClosedMapList; e = e->Flink) {
            SHARED_CACHE_MAP *map = CONTAINING_RECORD(e, SHARED_CACHE_MAP, ClosedLinks);

            if ((map->Flags & WAITING_FOR_TEARDOWN) || CcClosedMapCount > CC_MAXIMUM_CLOSED_MAPS ||
                shortOfMemory) {
                victim = map;
                break;
            }
        }
        work = victim ? ExAllocatePoolWithTag(NonPagedPool, sizeof(*work), CC_WORK_TAG) : NULL;
        if (work)
            CcDetachSharedCacheMap(victim);
        ExReleaseFastMutex(&CcMasterLock);
        if (!work)
            return;                             /* none, or no pool: the next scan tries again */
        work->Map = victim;
        ExInitializeWorkItem(&work->Item, CcDeleteMapWorker, work);
        ExQueueWorkItem(&work->Item, DelayedWorkQueue);
    }
}

static void CcLazyWriter(void *Context)
{
    int64_t idle = KI_MILLISECONDS(LAZY_WRITER_IDLE_MS);

    (void)Context;
    for (;;) {
        uint32_t dirty, budget;

        KeWaitForSingleObject(&CcLazyWriterEvent, Executive, KernelMode, false, &idle);
        dirty = CcTotalDirtyPages;
        budget = dirty > LAZY_WRITER_MAX_AGE_TARGET ? dirty / LAZY_WRITER_MAX_AGE_TARGET : dirty;
        if (CcThrottleWaiters && dirty > CcDirtyPageTarget)
            budget = MAX(budget, dirty - CcDirtyPageTarget);
        if (budget)
            CcLazyWriteScan(budget);
        if (CcTotalDirtyPages < CcDirtyPageThreshold)
            KeSetEvent(&CcDirtyPagesLow);
        CcLazyClose();
    }
}

void CcInitializeLazyWriter(void)
{
    NTSTATUS status;

    CcDirtyPageThreshold = MAX(MmNumberOfPhysicalPages / 8, 64u);
    CcDirtyPageTarget = CcDirtyPageThreshold / 4 * 3;
    KeInitializeEvent(&CcLazyWriterEvent, SynchronizationEvent, false);
    KeInitializeEvent(&CcDirtyPagesLow, NotificationEvent, true);
    status = PsCreateSystemThread(NULL, CcLazyWriter, NULL, LOW_REALTIME_PRIORITY, "LazyWriter");
    if (!NT_SUCCESS(status))
        KeBugCheckEx(CACHE_INITIALIZATION_FAILED, (uint32_t)status, 0, 0, 2);
}
