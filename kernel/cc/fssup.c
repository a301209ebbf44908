/*
 * kernel/cc/fssup.c: what a file system calls to start and stop caching a file (NT's
 * fssup.c): CcInitializeCacheMap, CcUninitializeCacheMap, CcSetFileSizes,
 * CcPurgeCacheSection, and the cache manager's start-up.
 *
 * A shared cache map's section covers the file rounded up (NT's rule: to 1 MB if the file
 * object may write, else to 256 KB). A file growing past it gets a new, larger section
 * (twice as large at least) when nothing but the cache holds the old one: the old one's dirty
 * pages are written first and its pages go with it. A file shrinking has its pages past the
 * new end thrown away (they must not come back if it grows again).
 */
#include "kernel/cc/ccp.h"

#define CC_WRITE_SECTION_MODULO     (1u << 20)     /* DEFAULT_CREATE_MODULO */

FAST_MUTEX CcMasterLock;
LIST_ENTRY CcCleanSharedCacheMapList, CcDirtySharedCacheMapList, CcClosedMapList;
uint32_t CcClosedMapCount;
CC_STATISTICS CcStatistics;

void CcInitializeCacheManager(void)
{
    ExInitializeFastMutex(&CcMasterLock);
    InitializeListHead(&CcCleanSharedCacheMapList);
    InitializeListHead(&CcDirtySharedCacheMapList);
    InitializeListHead(&CcClosedMapList);
    CcInitializeVacbs();
    CcInitializeLazyWriter();
}

/* Map's section (none) made or remade for at least FileSize bytes, with its VACB array and
 * dirty mask. Master lock held; Map's VACBs all unmapped and its mask clean. */
static NTSTATUS CcCreateSection(SHARED_CACHE_MAP *Map, int64_t Size, int64_t FileSize)
{
    uint32_t vacbs = (uint32_t)((Size + VACB_MAPPING_GRANULARITY - 1) >> VACB_OFFSET_SHIFT);
    uint32_t maskWords = (CC_PAGES(Size) + 31) / 32;
    VACB **array = ExAllocatePoolWithTag(NonPagedPool, vacbs * sizeof(VACB *), CC_MAP_TAG);
    uint32_t *mask = ExAllocatePoolWithTag(NonPagedPool, maskWords * 4, CC_MAP_TAG);
    NTSTATUS status = array && mask ? MmCreateCacheSection(Map->FileObject, Size, FileSize,
                                                           &Map->Section)
                                    : STATUS_INSUFFICIENT_RESOURCES;

    if (!NT_SUCCESS(status)) {
        if (array)
            ExFreePoolWithTag(array, CC_MAP_TAG);
        if (mask)
            ExFreePoolWithTag(mask, CC_MAP_TAG);
        Map->Section = NULL;
        Map->SectionSize = 0;
        Map->VacbCount = 0;
        return status;
    }
    RtlZeroMemory(array, vacbs * sizeof(VACB *));
    RtlZeroMemory(mask, maskWords * 4);
    Map->Vacbs = array;
    Map->VacbCount = vacbs;
    Map->DirtyMask = mask;
    Map->SectionSize = MmGetCacheSectionSize(Map->Section);
    return STATUS_SUCCESS;
}

static void CcFreeSectionArrays(SHARED_CACHE_MAP *Map)
{
    if (Map->Vacbs)
        ExFreePoolWithTag(Map->Vacbs, CC_MAP_TAG);
    if (Map->DirtyMask)
        ExFreePoolWithTag(Map->DirtyMask, CC_MAP_TAG);
    Map->Vacbs = NULL;
    Map->DirtyMask = NULL;
    Map->VacbCount = 0;
}

static int64_t CcRoundSectionSize(int64_t Size, bool Write)
{
    uint32_t modulo = Write ? CC_WRITE_SECTION_MODULO : VACB_MAPPING_GRANULARITY;

    return (MAX(Size, (int64_t)1) + modulo - 1) & ~(int64_t)(modulo - 1);
}

/*
 * NT's CcInitializeCacheMap: FileObject's data cached from now on (again, if it was: no-op),
 * the file being FileSize bytes; ReadAheadGranularity (a power of two, at least a page) is how
 * far read-ahead reads past a sequential reader. STATUS_INSUFFICIENT_RESOURCES, or a section's
 * failure, leave the file uncached: the file system reads and writes around the cache.
 */
NTSTATUS CcInitializeCacheMap(FILE_OBJECT *FileObject, int64_t FileSize, uint32_t ReadAheadGranularity)
{
    SECTION_OBJECT_POINTERS *pointers = FileObject->SectionObjectPointer;
    PRIVATE_CACHE_MAP *private;
    SHARED_CACHE_MAP *map;
    NTSTATUS status;

    if (FileObject->PrivateCacheMap)
        return STATUS_SUCCESS;
    private = ExAllocatePoolWithTag(NonPagedPool, sizeof(*private), CC_PRIVATE_TAG);
    if (!private)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(private, sizeof(*private));
    private->NodeTypeCode = CACHE_NTC_PRIVATE_CACHE_MAP;
    private->FileObject = FileObject;
    if (FileObject->Flags & FO_SEQUENTIAL_ONLY)
        ReadAheadGranularity = MAX(ReadAheadGranularity, CC_SEQUENTIAL_READ_AHEAD);
    private->ReadAheadMask = ReadAheadGranularity - 1;
    ExAcquireFastMutex(&CcMasterLock);
    map = pointers->SharedCacheMap;
    if (!map) {
        map = ExAllocatePoolWithTag(NonPagedPool, sizeof(*map), CC_MAP_TAG);
        if (!map) {
            ExReleaseFastMutex(&CcMasterLock);
            ExFreePoolWithTag(private, CC_PRIVATE_TAG);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        RtlZeroMemory(map, sizeof(*map));
        map->NodeTypeCode = CACHE_NTC_SHARED_CACHE_MAP;
        map->NodeByteSize = sizeof(*map);
        map->FileObject = FileObject;
        map->FileSize = FileSize;
        map->SectionObjectPointers = pointers;
        if (FileObject->Flags & FO_RANDOM_ACCESS)
            map->Flags |= RANDOM_ACCESS_SEEN;
        status = CcCreateSection(map, CcRoundSectionSize(FileSize, FileObject->WriteAccess),
                                 FileSize);
        if (!NT_SUCCESS(status)) {
            ExReleaseFastMutex(&CcMasterLock);
            ExFreePoolWithTag(map, CC_MAP_TAG);
            ExFreePoolWithTag(private, CC_PRIVATE_TAG);
            return status;
        }
        ObReferenceObject(FileObject);
        InsertTailList(&CcCleanSharedCacheMapList, &map->SharedCacheMapLinks);
        pointers->SharedCacheMap = map;
    } else if (map->Closed) {
        RemoveEntryList(&map->ClosedLinks);
        map->Closed = false;
        CcClosedMapCount--;
    }
    map->OpenCount++;
    private->SharedCacheMap = map;
    FileObject->PrivateCacheMap = private;
    ExReleaseFastMutex(&CcMasterLock);
    return STATUS_SUCCESS;
}

/*
 * The file's pages from Offset on thrown away, with their dirt: its views reaching there
 * unmapped first. False if some page stayed (a view or an active copy maps it). Master lock
 * held.
 */
static bool CcPurgeLocked(SHARED_CACHE_MAP *Map, int64_t Offset, int64_t Length)
{
    uint32_t first = (uint32_t)(((uint64_t)Offset + PAGE_SIZE - 1) >> PAGE_SHIFT);
    uint32_t pages = CC_PAGES(Map->SectionSize);
    bool all = CcUnmapVacbs(Map, Offset);

    if (!Map->Section)
        return true;
    if (first < pages)
        CcClearDirtyInMask(Map, first, Length ? MIN(pages - first, CC_PAGES(Length)) : pages - first);
    if (first >= pages)
        return all;
    /* Whole pages only: the page holding Offset keeps its bytes before it. */
    return MmPurgeSection(Map->Section, (int64_t)first << PAGE_SHIFT,
                          Length ? Offset + Length - ((int64_t)first << PAGE_SHIFT)
                                 : Map->SectionSize - ((int64_t)first << PAGE_SHIFT)) && all;
}

/* One open of Map less (a file object's, or a queued read-ahead's): at none the map is closed,
 * kept for the next open. True when the lazy writer should delete closed maps now. Master
 * lock held. */
bool CcDereferenceOpenLocked(SHARED_CACHE_MAP *Map)
{
    if (--Map->OpenCount != 0)
        return false;
    Map->Closed = true;
    InsertTailList(&CcClosedMapList, &Map->ClosedLinks);
    return ++CcClosedMapCount > CC_MAXIMUM_CLOSED_MAPS || (Map->Flags & WAITING_FOR_TEARDOWN);
}

/*
 * NT's CcUninitializeCacheMap, at a file object's cleanup: its private map goes, and the
 * shared one loses an open; TruncateSize (the file deleted: 0) throws the pages past it away.
 * The last open's map stays, closed, for the next open, or is deleted by the lazy writer.
 */
void CcUninitializeCacheMap(FILE_OBJECT *FileObject, const int64_t *TruncateSize)
{
    PRIVATE_CACHE_MAP *private = FileObject->PrivateCacheMap;
    SHARED_CACHE_MAP *map;
    bool wake = false;

    ExAcquireFastMutex(&CcMasterLock);
    map = FileObject->SectionObjectPointer ? FileObject->SectionObjectPointer->SharedCacheMap : NULL;
    if (map && TruncateSize) {
        map->FileSize = MIN(map->FileSize, *TruncateSize);
        CcPurgeLocked(map, *TruncateSize, 0);
        if (*TruncateSize == 0)
            map->Flags |= WAITING_FOR_TEARDOWN;
    }
    if (private) {
        FileObject->PrivateCacheMap = NULL;
        wake = CcDereferenceOpenLocked(map);
    }
    ExReleaseFastMutex(&CcMasterLock);
    if (private)
        ExFreePoolWithTag(private, CC_PRIVATE_TAG);
    if (wake)
        CcWakeLazyWriter();
}

/*
 * Map's section made to cover FileSize (NT's MmExtendSection from CcSetFileSizes): the segment
 * extended, views and pages staying where they are, and the VACB array and dirty mask grown
 * to the new size. False, nothing changed, when there is no pool for it. Master lock held.
 */
bool CcResizeSectionLocked(SHARED_CACHE_MAP *Map, int64_t FileSize)
{
    int64_t size;
    uint32_t vacbs, maskWords, oldWords;
    VACB **array;
    uint32_t *mask;

    if (!Map->Section || !MmSetCacheSectionFileSize(Map->Section, FileSize))
        return false;
    size = MmGetCacheSectionSize(Map->Section);
    if (size <= Map->SectionSize)
        return true;
    vacbs = (uint32_t)((size + VACB_MAPPING_GRANULARITY - 1) >> VACB_OFFSET_SHIFT);
    maskWords = (CC_PAGES(size) + 31) / 32;
    oldWords = (CC_PAGES(Map->SectionSize) + 31) / 32;
    array = ExAllocatePoolWithTag(NonPagedPool, vacbs * sizeof(VACB *), CC_MAP_TAG);
    mask = ExAllocatePoolWithTag(NonPagedPool, maskWords * 4, CC_MAP_TAG);
    if (!array || !mask) {
        if (array)
            ExFreePoolWithTag(array, CC_MAP_TAG);
        if (mask)
            ExFreePoolWithTag(mask, CC_MAP_TAG);
        return false;                           /* past the old size, around the cache */
    }
    RtlZeroMemory(array, vacbs * sizeof(VACB *));
    RtlZeroMemory(mask, maskWords * 4);
    memcpy(array, Map->Vacbs, Map->VacbCount * sizeof(VACB *));
    memcpy(mask, Map->DirtyMask, oldWords * 4);
    CcFreeSectionArrays(Map);
    Map->Vacbs = array;
    Map->VacbCount = vacbs;
    Map->DirtyMask = mask;
    Map->SectionSize = size;
    return true;
}

/*
 * NT's CcSetFileSizes: the file is FileSize bytes now. Shrunk: its pages past the end are
 * thrown away. Grown past the section: a larger section if it can be had (else the part past
 * it is read and written around the cache: CcGetSectionSize).
 */
void CcSetFileSizes(FILE_OBJECT *FileObject, int64_t FileSize)
{
    SHARED_CACHE_MAP *map;

    if (!FileObject->SectionObjectPointer)
        return;
    ExAcquireFastMutex(&CcMasterLock);
    map = FileObject->SectionObjectPointer->SharedCacheMap;
    if (map) {
        int64_t old = map->FileSize;

        map->FileSize = FileSize;
        if (FileSize < old)
            CcPurgeLocked(map, FileSize, 0);
        if (FileSize > map->SectionSize)
            CcResizeSectionLocked(map, FileSize);
        else if (map->Section)
            MmSetCacheSectionFileSize(map->Section, FileSize);
    }
    ExReleaseFastMutex(&CcMasterLock);
}

/*
 * NT's CcSetAdditionalCacheAttributes: read-ahead and write-behind turned off (or on again)
 * for the cached file. Without write-behind the lazy writer leaves the file's dirty pages
 * alone, and so does the mapped page writer once they leave the cache's working set (Mm's
 * modified-no-write list): only CcFlushCache writes them (NT's log files).
 */
void CcSetAdditionalCacheAttributes(FILE_OBJECT *FileObject, bool DisableReadAhead,
                                    bool DisableWriteBehind)
{
    SHARED_CACHE_MAP *map;

    ExAcquireFastMutex(&CcMasterLock);
    map = FileObject->SectionObjectPointer->SharedCacheMap;
    if (map) {
        map->Flags = (map->Flags & ~(DISABLE_READ_AHEAD | DISABLE_WRITE_BEHIND)) |
                     (DisableReadAhead ? DISABLE_READ_AHEAD : 0) |
                     (DisableWriteBehind ? DISABLE_WRITE_BEHIND : 0);
    }
    ExReleaseFastMutex(&CcMasterLock);
    if (!map)
        return;
    if (DisableWriteBehind)
        MmDisableModifiedWriteOfSection(FileObject->SectionObjectPointer);
    else
        MmEnableModifiedWriteOfSection(FileObject->SectionObjectPointer);
}

/* Where the cached part of FileObject's file ends (its section's size; 0: not cached). */
int64_t CcGetSectionSize(FILE_OBJECT *FileObject)
{
    SHARED_CACHE_MAP *map = FileObject->SectionObjectPointer
                            ? FileObject->SectionObjectPointer->SharedCacheMap : NULL;

    return map && map->Section ? map->SectionSize : 0;
}

/* NT's CcPurgeCacheSection: [Offset, Offset + Length) (Length 0: to the end) thrown away.
 * False if some page stayed. */
bool CcPurgeCacheSection(SECTION_OBJECT_POINTERS *SectionObjectPointer, int64_t Offset, int64_t Length)
{
    SHARED_CACHE_MAP *map;
    bool purged = true;

    ExAcquireFastMutex(&CcMasterLock);
    map = SectionObjectPointer->SharedCacheMap;
    if (map)
        purged = CcPurgeLocked(map, Offset, Length);
    ExReleaseFastMutex(&CcMasterLock);
    return purged;
}

/* A closed map taken out of every list and its file's pointers (master lock held): nobody
 * finds it any more. Its views are unmapped now; the rest is CcDeleteDetachedMap's. */
void CcDetachSharedCacheMap(SHARED_CACHE_MAP *Map)
{
    CcUnmapVacbs(Map, 0);
    RemoveEntryList(&Map->SharedCacheMapLinks);
    if (Map->Closed) {
        RemoveEntryList(&Map->ClosedLinks);
        CcClosedMapCount--;
    }
    CcTotalDirtyPages -= Map->DirtyPages;
    Map->DirtyPages = 0;
    Map->SectionObjectPointers->SharedCacheMap = NULL;
}

/* A detached map deleted: its dirty pages written, its section and file object let go. No
 * lock held: letting go of the file may close it, and closing takes the file system's lock. */
void CcDeleteDetachedMap(SHARED_CACHE_MAP *Map)
{
    if (Map->Section) {
        uint32_t written;

        if (!(Map->Flags & WAITING_FOR_TEARDOWN))
            MmFlushSection(Map->Section, 0, 0, &written);
        MmDeleteCacheSection(Map->Section);
    }
    CcFreeSectionArrays(Map);
    ObDereferenceObject(Map->FileObject);
    ExFreePoolWithTag(Map, CC_MAP_TAG);
    CcStatistics.ClosedMapsDeleted++;
}

uint32_t CcEnumerateSharedCacheMaps(SHARED_CACHE_MAP **Maps, uint32_t Maximum)
{
    uint32_t count = 0;

    for (LIST_ENTRY *list = &CcDirtySharedCacheMapList; ; list = &CcCleanSharedCacheMapList) {
        for (LIST_ENTRY *e = list->Flink; e != list && count < Maximum; e = e->Flink)
            Maps[count++] = CONTAINING_RECORD(e, SHARED_CACHE_MAP, SharedCacheMapLinks);
        if (list == &CcCleanSharedCacheMapList)
            break;
    }
    return count;
}
