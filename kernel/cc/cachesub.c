/*
 * kernel/cc/cachesub.c: the dirty-page mask, flushing, and read-ahead (NT's cachesub.c).
 *
 *   dirt        CcCopyWrite sets a bit per page it wrote in the map's DirtyMask (NT keeps it in
 *               the Mbcb) and counts it in DirtyPages and CcTotalDirtyPages; the map moves to
 *               the dirty list. A flush clears the bits of what it writes. The pages themselves
 *               are Modified in their PFNs (MmSetAddressRangeModified): a bit says only that
 *               the cache has not written them yet (the mapped page writer may have).
 *   read-ahead  each cached read is compared with the file object's two before it (NT's
 *               CcScheduleReadAhead): a read that starts where the last ended, after one that
 *               did the same (or the first read, at offset 0), is sequential, and the two
 *               reads after it are read ahead, in granules (64 KB; two views once the run
 *               is a view long; 256 KB granules, two ahead from the first read, with
 *               FILE_FLAG_SEQUENTIAL_SCAN); a constant stride predicts the next stride's read.
 *               FILE_FLAG_RANDOM_ACCESS turns it off. One read-ahead per file at a time, on a
 *               critical worker thread, a view at most a step: each page not in memory is
 *               touched through the cache's view after MmSetPageFaultReadAhead, and Mm's
 *               in-page reads the rest of the step with it (up to 64 pages) in one transfer.
 *               Reads that come while it works extend its range rather than wait for it to
 *               end, so it keeps the disk busy while the reader copies what it read before.
 */
#include "kernel/cc/ccp.h"

#define CC_NOISE_BITS           7       /* NT's: offsets compared without their low bits */

uint32_t CcTotalDirtyPages;

void CcSetDirtyInMask(SHARED_CACHE_MAP *Map, int64_t Offset, uint32_t Length)
{
    uint32_t first = (uint32_t)(Offset >> PAGE_SHIFT);
    uint32_t last = (uint32_t)((Offset + Length - 1) >> PAGE_SHIFT);

    for (uint32_t page = first; page <= last; page++) {
        uint32_t bit = 1u << (page & 31);

        if (!(Map->DirtyMask[page / 32] & bit)) {
            Map->DirtyMask[page / 32] |= bit;
            Map->DirtyPages++;
            CcTotalDirtyPages++;
        }
    }
    if (Map->DirtyPages && !(Map->Flags & WRITE_QUEUED)) {
        RemoveEntryList(&Map->SharedCacheMapLinks);
        InsertTailList(&CcDirtySharedCacheMapList, &Map->SharedCacheMapLinks);
        Map->Flags |= WRITE_QUEUED;
    }
}

void CcClearDirtyInMask(SHARED_CACHE_MAP *Map, uint32_t FirstPage, uint32_t Pages)
{
    for (uint32_t page = FirstPage; page < FirstPage + Pages; page++) {
        uint32_t bit = 1u << (page & 31);

        if (Map->DirtyMask[page / 32] & bit) {
            Map->DirtyMask[page / 32] &= ~bit;
            Map->DirtyPages--;
            CcTotalDirtyPages--;
        }
    }
    if (Map->DirtyPages == 0 && (Map->Flags & WRITE_QUEUED)) {
        RemoveEntryList(&Map->SharedCacheMapLinks);
        InsertTailList(&CcCleanSharedCacheMapList, &Map->SharedCacheMapLinks);
        Map->Flags &= ~WRITE_QUEUED;
    }
}

/* The first run of dirty pages at or after FromPage (wrapping to 0), at most MaximumPages
 * long: its length (0: none), its start in *FirstPage. Master lock held. */
uint32_t CcFindDirtyRun(SHARED_CACHE_MAP *Map, uint32_t FromPage, uint32_t MaximumPages,
                        uint32_t *FirstPage)
{
    uint32_t pages = CC_PAGES(Map->SectionSize), words = (pages + 31) / 32;

    if (Map->DirtyPages == 0 || pages == 0)
        return 0;
    if (FromPage >= pages)
        FromPage = 0;
    for (uint32_t n = 0; n <= words; n++) {
        uint32_t word = (FromPage / 32 + n) % words;
        uint32_t bits = Map->DirtyMask[word];
        uint32_t start, length = 0;

        if (n == 0)
            bits &= ~0u << (FromPage & 31);
        if (!bits)
            continue;
        start = word * 32 + (uint32_t)__builtin_ctz(bits);
        while (start + length < pages && length < MaximumPages &&
               (Map->DirtyMask[(start + length) / 32] & (1u << ((start + length) & 31))))
            length++;
        *FirstPage = start;
        return length;
    }
    return 0;
}

/* Pages [FirstPage, FirstPage + Pages) of Map written to the file and their bits cleared (set
 * again if the write failed). Master lock held. */
NTSTATUS CcFlushMapLocked(SHARED_CACHE_MAP *Map, uint32_t FirstPage, uint32_t Pages,
                          uint32_t *Written)
{
    NTSTATUS status;

    *Written = 0;
    if (!Map->Section || Pages == 0)
        return STATUS_SUCCESS;
    Pages = MIN(Pages, CC_PAGES(Map->SectionSize) - MIN(FirstPage, CC_PAGES(Map->SectionSize)));
    if (Pages == 0)
        return STATUS_SUCCESS;
    CcClearDirtyInMask(Map, FirstPage, Pages);
    status = MmFlushSection(Map->Section, (int64_t)FirstPage << PAGE_SHIFT,
                            (int64_t)Pages << PAGE_SHIFT, Written);
    if (!NT_SUCCESS(status))
        CcSetDirtyInMask(Map, (int64_t)FirstPage << PAGE_SHIFT, Pages << PAGE_SHIFT);
    return status;
}

/*
 * NT's CcFlushCache: the cached file's dirty pages of [*Offset, *Offset + Length) (Offset
 * NULL: all of them) written to it; waits for the writes. *Written (may be NULL) counts them.
 */
NTSTATUS CcFlushCache(SECTION_OBJECT_POINTERS *SectionObjectPointer, const int64_t *Offset,
                      uint32_t Length, uint32_t *Written)
{
    SHARED_CACHE_MAP *map;
    NTSTATUS status = STATUS_SUCCESS;
    uint32_t written = 0;

    ExAcquireFastMutex(&CcMasterLock);
    map = SectionObjectPointer->SharedCacheMap;
    if (map && map->Section) {
        uint32_t first = Offset ? (uint32_t)(*Offset >> PAGE_SHIFT) : 0;
        uint32_t pages = Offset ? CC_PAGES((*Offset & (PAGE_SIZE - 1)) + Length)
                                : CC_PAGES(map->SectionSize);

        status = CcFlushMapLocked(map, first, pages, &written);
        CcStatistics.DataFlushes++;
        CcStatistics.DataPages += written;
    }
    ExReleaseFastMutex(&CcMasterLock);
    if (Written)
        *Written = written;
    return status;
}

/* Every cached file's dirty pages written (shutdown, before the file systems'). */
void CcFlushAllCaches(void)
{
    ExAcquireFastMutex(&CcMasterLock);
    while (!IsListEmpty(&CcDirtySharedCacheMapList)) {
        SHARED_CACHE_MAP *map = CONTAINING_RECORD(CcDirtySharedCacheMapList.Flink,
                                                  SHARED_CACHE_MAP, SharedCacheMapLinks);
        uint32_t written;

        if (!NT_SUCCESS(CcFlushMapLocked(map, 0, CC_PAGES(map->SectionSize), &written)))
            CcClearDirtyInMask(map, 0, CC_PAGES(map->SectionSize));     /* the disk failed */
    }
    ExReleaseFastMutex(&CcMasterLock);
}

/* ---- read-ahead ------------------------------------------------------------------------- */

/* Read [Offset, End) of the file ahead: each page not in memory touched through the view, Mm
 * told to bring the rest of the range with it (one in-page read for the page and the absent
 * pages after it, within the view). False if a read failed. */
static bool CcReadAheadRange(SHARED_CACHE_MAP *Map, int64_t Offset, int64_t End)
{
    while (Offset < End) {
        uint32_t available;
        uint8_t *address;
        VACB *vacb;
        bool failed = false;

        if (!NT_SUCCESS(CcGetVirtualAddress(Map, Offset, &vacb, &address, &available)))
            return false;
        available = (uint32_t)MIN((int64_t)available, End - Offset);
        for (uint32_t done = 0; done < available; done += PAGE_SIZE) {
            if (!MmIsCachedPageResident(address + done)) {
                __atomic_add_fetch(&CcStatistics.ReadAheadPages, 1, __ATOMIC_RELAXED);
                Map->ReadAheadPages++;
            }
        }
        for (uint32_t done = 0; done < available && !failed; done += PAGE_SIZE) {
            uint8_t byte;

            if (MmIsCachedPageResident(address + done))
                continue;
            __atomic_add_fetch(&CcStatistics.ReadAheadIos, 1, __ATOMIC_RELAXED);
            MmSetPageFaultReadAhead(KeGetCurrentThread(), BYTES_TO_PAGES(
                ((uintptr_t)(address + done) & (PAGE_SIZE - 1)) + available - done) - 1);
            failed = !NT_SUCCESS(KeCopyMemorySafe(&byte, address + done, 1));
        }
        MmSetPageFaultReadAhead(KeGetCurrentThread(), MM_DEFAULT_READ_AHEAD);
        CcFreeVirtualAddress(vacb);
        if (failed)
            return false;                       /* a reader will see the failure */
        Offset += available;
    }
    return true;
}

/*
 * NT's CcPerformReadAhead, on a critical worker thread: one step (CC_READ_AHEAD_STEP at most)
 * of the map's read-ahead range, taken from the map. Reads that come meanwhile move the end
 * on, and if anything is left the work item goes to the back of the queue again (still
 * READ_AHEAD_QUEUED, the map still referenced): the disk stays busy while the reader copies
 * what was read before, and the queue's other items (another file's read-ahead, deferred
 * deletions) get their turns. When nothing is left, the map is let go (READ_AHEAD_QUEUED
 * cleared, its reference dropped) and the work item is free.
 */
static void CcPerformReadAhead(void *Parameter)
{
    SHARED_CACHE_MAP *map = Parameter;
    int64_t offset, end;
    bool wake, failed;

    ExAcquireFastMutex(&CcMasterLock);
    offset = map->ReadAheadNext;
    end = MIN(map->ReadAheadEnd, map->FileSize);
    if (offset < end) {
        end = MIN(end, (offset + CC_READ_AHEAD_STEP) & ~(int64_t)(CC_READ_AHEAD_STEP - 1));
        map->ReadAheadNext = end;
        ExReleaseFastMutex(&CcMasterLock);
        failed = !CcReadAheadRange(map, offset, end);
        ExAcquireFastMutex(&CcMasterLock);
        if (failed)
            map->ReadAheadNext = map->ReadAheadEnd;     /* a reader will see the failure */
        if (map->ReadAheadNext < MIN(map->ReadAheadEnd, map->FileSize)) {
            ExReleaseFastMutex(&CcMasterLock);
            ExQueueWorkItem(&map->ReadAheadWorkItem, CriticalWorkQueue);
            return;
        }
    }
    map->Flags &= ~READ_AHEAD_QUEUED;
    wake = CcDereferenceOpenLocked(map);
    ExReleaseFastMutex(&CcMasterLock);
    if (wake)
        CcWakeLazyWriter();
}

/*
 * NT's CcScheduleReadAhead, after a cached read of [Offset, Offset + Length): the file
 * object's history moves on, and the read predicted from it (if any, and if not done already)
 * is queued.
 */
void CcScheduleReadAhead(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length)
{
    PRIVATE_CACHE_MAP *private = FileObject->PrivateCacheMap;
    SHARED_CACHE_MAP *map = private->SharedCacheMap;
    int64_t mask = private->ReadAheadMask, end = Offset + Length, next = -1;
    int64_t covered = private->ReadAheadOffset[1] + private->ReadAheadLength[1];
    uint32_t length = 0;
    bool sequential = false;

    if ((map->Flags & (RANDOM_ACCESS_SEEN | DISABLE_READ_AHEAD)) || Length < 256) {
        private->FileOffset1 = private->FileOffset2;
        private->BeyondLastByte1 = private->BeyondLastByte2;
        private->FileOffset2 = Offset;
        private->BeyondLastByte2 = end;
        private->SequentialStart = Offset;
        return;
    }
    if (FileObject->Flags & FO_SEQUENTIAL_ONLY) {
        /* Case 0: two granules ahead of the reader, always, less what was read ahead already
         * (the high-water mark counts only while the reader is below it). */
        int64_t target = (end + 2 * (mask + 1)) & ~mask;

        next = end & ~mask;
        if (next >= private->ReadAheadOffset[1] && next < covered)
            next = covered;
        if (next < target)
            length = (uint32_t)(target - next);
    } else if ((Offset & ~(int64_t)CC_NOISE_BITS) == (private->BeyondLastByte2 & ~(int64_t)CC_NOISE_BITS) &&
               ((private->FileOffset2 & ~(int64_t)CC_NOISE_BITS) ==
                    (private->BeyondLastByte1 & ~(int64_t)CC_NOISE_BITS) ||
                Offset == 0)) {
        /* Case 1: sequential. The granule(s) after this read and as many again (so that the
         * disk reads the read after next while the reader copies the next), less what was
         * read ahead already. Once the run of sequential reads is a view long, two views
         * ahead, asked for a view at a time: the disk then moves a view per transfer, and
         * stays ahead of a reader that copies as fast as it reads. */
        uint32_t size = (uint32_t)((Length + mask) & ~mask);
        bool longRun = end - private->SequentialStart >= CC_READ_AHEAD_STEP;
        int64_t window = longRun ? MAX(2 * (int64_t)size, 2 * CC_READ_AHEAD_STEP) : 2 * (int64_t)size;
        int64_t target = ((end + mask) & ~mask) + window;

        sequential = true;
        next = (end + mask) & ~mask;
        if (next >= private->ReadAheadOffset[1] && next < covered)
            next = covered;
        if (target - next >= (longRun ? CC_READ_AHEAD_STEP : 1))
            length = (uint32_t)(target - next);
    } else if (private->FileOffset2 - private->FileOffset1 == Offset - private->FileOffset2 &&
               Offset != private->FileOffset2) {
        /* Case 2: a constant stride. */
        next = (2 * Offset - private->FileOffset2) & ~(int64_t)(PAGE_SIZE - 1);
        length = Length;
    }
    private->FileOffset1 = private->FileOffset2;
    private->BeyondLastByte1 = private->BeyondLastByte2;
    private->FileOffset2 = Offset;
    private->BeyondLastByte2 = end;
    if (!sequential)
        private->SequentialStart = Offset;
    if (length == 0 || next < 0 || next >= map->FileSize)
        return;
    length = (uint32_t)MIN((int64_t)MIN(length, CC_MAXIMUM_READ_AHEAD), map->FileSize - next);
    private->ReadAheadOffset[1] = next;
    private->ReadAheadLength[1] = length;
    ExAcquireFastMutex(&CcMasterLock);
    if (map->Flags & READ_AHEAD_QUEUED) {
        /* The worker is at it: a range that goes on from what it holds extends it, any other
         * replaces what it has not started (the reader has moved elsewhere). */
        if (next >= map->ReadAheadNext && next <= map->ReadAheadEnd)
            map->ReadAheadEnd = MAX(map->ReadAheadEnd, next + length);
        else {
            map->ReadAheadNext = next;
            map->ReadAheadEnd = next + length;
        }
        ExReleaseFastMutex(&CcMasterLock);
        return;
    }
    map->Flags |= READ_AHEAD_QUEUED;
    map->OpenCount++;
    map->ReadAheadNext = next;
    map->ReadAheadEnd = next + length;
    ExReleaseFastMutex(&CcMasterLock);
    ExInitializeWorkItem(&map->ReadAheadWorkItem, CcPerformReadAhead, map);
    ExQueueWorkItem(&map->ReadAheadWorkItem, CriticalWorkQueue);
}
