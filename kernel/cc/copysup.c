/*
 * kernel/cc/copysup.c: the copy interface (NT's copysup.c and CcMapAndCopy): bytes between a
 * caller's buffer and the file's pages, through the cache's 256 KB views. A page not in memory
 * faults as the copy touches it, and Mm reads it (and the absent pages after it) from the
 * file; a write dirties the pages, which the lazy writer writes later (FO_WRITE_THROUGH: at
 * once, before the write returns). A fault on the caller's buffer is STATUS_ACCESS_VIOLATION;
 * one on the file's page, the in-page read's status (a failing disk). Copies are made with
 * KeCopyMemorySafe, so neither ever stops the system.
 */
#include "kernel/cc/ccp.h"

#define CC_WRITE_CHARGE_THRESHOLD   64      /* pages: NT's WRITE_CHARGE_THRESHOLD */

static NTSTATUS CcGetMaps(FILE_OBJECT *FileObject, SHARED_CACHE_MAP **Map)
{
    PRIVATE_CACHE_MAP *private = FileObject->PrivateCacheMap;

    if (!private)
        KeBugCheckEx(CACHE_MANAGER, (uintptr_t)FileObject, 0, 0, 1);
    *Map = private->SharedCacheMap;
    return STATUS_SUCCESS;
}

/* Count the pages of [Address, Address + Length) a copy will have to wait for. */
static uint32_t CcCountMisses(const uint8_t *Address, uint32_t Length)
{
    uint32_t misses = 0;

    for (uintptr_t va = (uintptr_t)PAGE_ALIGN(Address); va < (uintptr_t)Address + Length;
         va += PAGE_SIZE)
        misses += !MmIsCachedPageResident((const void *)va);
    return misses;
}

/*
 * NT's CcCopyRead: Length bytes of the file from Offset into Buffer (Mode's: a user buffer
 * is probed). The whole range lies inside the file's section (the file system keeps to
 * CcGetSectionSize). Read-ahead is scheduled from this read.
 */
NTSTATUS CcCopyRead(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, void *Buffer,
                    KPROCESSOR_MODE Mode)
{
    SHARED_CACHE_MAP *map;
    NTSTATUS status = CcGetMaps(FileObject, &map);
    uint32_t done = 0, misses = 0;

    if (NT_SUCCESS(status) && Mode == UserMode)
        status = ProbeForWrite(Buffer, Length, 1);
    if (!NT_SUCCESS(status))
        return status;
    CcScheduleReadAhead(FileObject, Offset, Length);
    while (done < Length) {
        uint32_t available, chunk, missed;
        uint8_t *address;
        VACB *vacb;

        status = CcGetVirtualAddress(map, Offset + done, &vacb, &address, &available);
        if (!NT_SUCCESS(status))
            break;
        chunk = MIN(available, Length - done);
        missed = CcCountMisses(address, chunk);
        misses += missed;
        if (missed)     /* a miss brings the rest of the chunk with it, in one transfer */
            MmSetPageFaultReadAhead(KeGetCurrentThread(), BYTES_TO_PAGES(
                ((uintptr_t)address & (PAGE_SIZE - 1)) + chunk) - 1);
        status = KeCopyMemorySafe((uint8_t *)Buffer + done, address, chunk);
        if (missed)
            MmSetPageFaultReadAhead(KeGetCurrentThread(), MM_DEFAULT_READ_AHEAD);
        CcFreeVirtualAddress(vacb);
        if (!NT_SUCCESS(status))
            break;
        done += chunk;
    }
    map->CopyReadPages += CC_PAGES(Length);
    map->CopyReadMisses += misses;
    __atomic_add_fetch(&CcStatistics.CopyReadWait, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&CcStatistics.CopyReadPages, CC_PAGES(Length), __ATOMIC_RELAXED);
    if (misses) {
        __atomic_add_fetch(&CcStatistics.CopyReadWaitMiss, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&CcStatistics.CopyReadMissPages, misses, __ATOMIC_RELAXED);
    }
    return status;
}

/* Copy (Buffer) or zero (Buffer NULL) [Offset, Offset + Length) of the file through its
 * views, the pages left dirty for the lazy writer, or written now for FO_WRITE_THROUGH. */
static NTSTATUS CcMapAndCopy(FILE_OBJECT *FileObject, SHARED_CACHE_MAP *Map, int64_t Offset,
                             uint32_t Length, const void *Buffer)
{
    NTSTATUS status = STATUS_SUCCESS;
    uint32_t done = 0;

    while (done < Length) {
        uint32_t available, chunk;
        uint8_t *address;
        VACB *vacb;

        status = CcGetVirtualAddress(Map, Offset + done, &vacb, &address, &available);
        if (!NT_SUCCESS(status))
            break;
        chunk = MIN(available, Length - done);
        status = Buffer ? KeCopyMemorySafe(address, (const uint8_t *)Buffer + done, chunk)
                        : KeZeroMemorySafe(address, chunk);
        /* Whatever was written is dirty, even when the copy stopped part way. */
        MmSetAddressRangeModified(address, chunk);
        ExAcquireFastMutex(&CcMasterLock);
        CcSetDirtyInMask(Map, Offset + done, chunk);
        ExReleaseFastMutex(&CcMasterLock);
        CcFreeVirtualAddress(vacb);
        if (!NT_SUCCESS(status))
            break;
        done += chunk;
    }
    if (NT_SUCCESS(status) && (FileObject->Flags & FO_WRITE_THROUGH))
        status = CcFlushCache(FileObject->SectionObjectPointer, &Offset, Length, NULL);
    return status;
}

/* NT's CcCopyWrite: Length bytes from Buffer (Mode's) into the file at Offset, inside its
 * section; the file system has grown the file (CcSetFileSizes) first. */
NTSTATUS CcCopyWrite(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, const void *Buffer,
                     KPROCESSOR_MODE Mode)
{
    SHARED_CACHE_MAP *map;
    NTSTATUS status = CcGetMaps(FileObject, &map);

    if (NT_SUCCESS(status) && Mode == UserMode)
        status = ProbeForRead(Buffer, Length, 1);
    if (!NT_SUCCESS(status))
        return status;
    return CcMapAndCopy(FileObject, map, Offset, Length, Buffer);
}

/* NT's CcZeroData: [Start, End) of the file zeroed in the cache (a file grown by a write
 * past its end, or by SetEndOfFile, gets zeroes between). */
NTSTATUS CcZeroData(FILE_OBJECT *FileObject, int64_t Start, int64_t End)
{
    SHARED_CACHE_MAP *map;
    NTSTATUS status = CcGetMaps(FileObject, &map);

    if (!NT_SUCCESS(status) || End <= Start)
        return status;
    return CcMapAndCopy(FileObject, map, Start, (uint32_t)(End - Start), NULL);
}

/*
 * NT's CcCanIWrite, with Wait: a write of BytesToWrite may dirty more pages only while the
 * cache's dirty pages stay under CcDirtyPageThreshold; above it the writer waits for the lazy
 * writer to bring them down (it writes the excess at once when someone waits). Write-through
 * file objects never wait.
 */
void CcCanIWrite(FILE_OBJECT *FileObject, uint32_t BytesToWrite)
{
    uint32_t pages = MIN(CC_PAGES(BytesToWrite), (uint32_t)CC_WRITE_CHARGE_THRESHOLD);

    if (FileObject->Flags & FO_WRITE_THROUGH)
        return;
    if (CcTotalDirtyPages + pages < CcDirtyPageThreshold)
        return;
    __atomic_add_fetch(&CcStatistics.ThrottledWrites, 1, __ATOMIC_RELAXED);
    CcWaitForDirtyPagesBelowThreshold(pages);
}
