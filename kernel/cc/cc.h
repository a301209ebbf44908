/*
 * kernel/cc/cc.h: the cache manager (NT's base/ntos/cache), what file systems call to keep a
 * file's data in the system cache and copy it to and from callers' buffers.
 *
 *   shared cache map   one per cached file (SectionObjectPointers->SharedCacheMap): the file's
 *                      data section (Mm's control area, shared with every mapped view of the
 *                      file, so ReadFile, WriteFile and views see one set of pages), the VACB
 *                      of each 256 KB of it that is mapped, a bitmap of the pages the copy
 *                      interface dirtied (NT's Mbcb) for the lazy writer
 *   private cache map  one per file object (FileObject->PrivateCacheMap): its last two reads,
 *                      from which read-ahead predicts the next, and its granularity
 *   VACB               a 256 KB view of a file in the system cache (MmMapViewInSystemCache),
 *                      from one global array; ActiveCount holds it while a copy uses it; the
 *                      least recently used idle one is unmapped and reused when none is free
 *
 * Life: CcInitializeCacheMap at a file object's first cached read or write, CcUninitializeCacheMap
 * at its cleanup. A map whose last file object went stays (the file's pages with it, for the
 * next open) until CC_MAXIMUM_CLOSED_MAPS closed maps are kept, the file is deleted, or memory
 * runs short; then the lazy writer deletes it (never a file system's request: deleting lets
 * go of the file object, whose close takes the volume's lock).
 *
 * Differences from NT: errors are returned, not raised; CcCopyRead/CcCopyWrite always wait
 * (every request is synchronous) and take the caller's mode for the buffer; the section is
 * Mm's control area itself, not a section object, extended as the file grows (should that
 * fail for want of pool, the part of the file past it is read and written around the cache:
 * CcGetSectionSize says where that is).
 */
#ifndef KERNEL_CC_CC_H
#define KERNEL_CC_CC_H

#include "kernel/io/io.h"
#include "kernel/ex/ex.h"

#define VACB_MAPPING_GRANULARITY        0x40000u
#define VACB_OFFSET_SHIFT               18
#define CC_MAXIMUM_CLOSED_MAPS          16
#define CC_DEFAULT_READ_AHEAD           0x10000u        /* 64 KB: what FAT asks for */
#define CC_SEQUENTIAL_READ_AHEAD        0x40000u        /* FILE_FLAG_SEQUENTIAL_SCAN */
#define CC_MAXIMUM_READ_AHEAD           (8u << 20)      /* MAX_READ_AHEAD */
#define CC_READ_AHEAD_STEP              0x40000u        /* a view: what the worker reads at most at a time */

/* Node type codes (NT's). */
#define CACHE_NTC_SHARED_CACHE_MAP      0x2FF
#define CACHE_NTC_PRIVATE_CACHE_MAP     0x2FE
#define CACHE_NTC_BCB                   0x2FD

/* SHARED_CACHE_MAP.Flags (NT's values). */
#define DISABLE_READ_AHEAD              0x0001
#define DISABLE_WRITE_BEHIND            0x0002
#define PIN_ACCESS                      0x0004
#define WRITE_QUEUED                    0x0020
#define ONLY_SEQUENTIAL_ONLY_SEEN       0x0040
#define RANDOM_ACCESS_SEEN              0x1000
#define READ_AHEAD_QUEUED               0x4000
#define WAITING_FOR_TEARDOWN            0x10000

struct _SHARED_CACHE_MAP;

typedef struct _VACB {
    void *BaseAddress;                  /* the 256 KB slot in the system cache */
    struct _SHARED_CACHE_MAP *SharedCacheMap;   /* NULL: free */
    int64_t FileOffset;                 /* a multiple of 256 KB */
    uint16_t ActiveCount;               /* copies using it now: not to be unmapped */
    LIST_ENTRY LruList;                 /* on CcVacbLru (idle, mapped) or CcVacbFree */
} VACB;

typedef struct _SHARED_CACHE_MAP {
    uint16_t NodeTypeCode;
    uint16_t NodeByteSize;
    uint32_t OpenCount;                 /* file objects that initialized it, read-ahead queued */
    int64_t FileSize;
    int64_t SectionSize;                /* what the section (and Vacbs) covers */
    VACB **Vacbs;                       /* SectionSize / 256 KB entries */
    uint32_t VacbCount;
    FILE_OBJECT *FileObject;            /* referenced while the map lives */
    SECTION_OBJECT_POINTERS *SectionObjectPointers;
    void *Section;                      /* Mm's control area, referenced */
    uint32_t Flags;
    uint32_t DirtyPages;                /* bits set in DirtyMask */
    uint32_t *DirtyMask;                /* a bit per page of SectionSize (NT's Mbcb's bitmap) */
    uint32_t LazyWriteCursor;           /* the page the lazy writer goes on from */
    LIST_ENTRY SharedCacheMapLinks;     /* on CcCleanSharedCacheMapList or ...Dirty... */
    LIST_ENTRY ClosedLinks;             /* on CcClosedMapList while OpenCount is 0 */
    bool Closed;
    /* Read-ahead (cachesub.c): while READ_AHEAD_QUEUED, the worker reads [ReadAheadNext,
     * ReadAheadEnd) a step at a time, and later reads move ReadAheadEnd on (CcMasterLock). */
    int64_t ReadAheadNext, ReadAheadEnd;
    WORK_QUEUE_ITEM ReadAheadWorkItem;
    /* Counters, for !filecache. */
    uint32_t CopyReadPages, CopyReadMisses, ReadAheadPages, LazyWritePages;
} SHARED_CACHE_MAP;

typedef struct _PRIVATE_CACHE_MAP {
    uint16_t NodeTypeCode;
    uint16_t Flags;                     /* PRIVATE_READ_AHEAD_ENABLED */
    uint32_t ReadAheadMask;             /* granularity - 1 */
    FILE_OBJECT *FileObject;
    SHARED_CACHE_MAP *SharedCacheMap;
    int64_t FileOffset1, BeyondLastByte1;       /* the read before last */
    int64_t FileOffset2, BeyondLastByte2;       /* the last read */
    int64_t ReadAheadOffset[2];
    uint32_t ReadAheadLength[2];
    int64_t SequentialStart;            /* where the present run of sequential reads began */
} PRIVATE_CACHE_MAP;

#define PRIVATE_READ_AHEAD_ENABLED      0x0002

/* A pinned or mapped range (CcMapData, CcPinRead): NT's BCB, reduced to what mm386 uses. */
typedef struct _BCB {
    uint16_t NodeTypeCode;
    bool Dirty;
    bool Pinned;
    uint32_t ByteLength;
    int64_t FileOffset;
    VACB *Vacb;
    SHARED_CACHE_MAP *SharedCacheMap;
    void *Buffer;
} BCB;

/* The whole cache's counters (NT's Cc* performance counters, in SYSTEM_PERFORMANCE_INFORMATION). */
typedef struct _CC_STATISTICS {
    uint32_t CopyReadWait, CopyReadWaitMiss;    /* CcCopyRead calls; those that waited for I/O */
    uint32_t CopyReadPages, CopyReadMissPages;  /* pages copied; ... that had to be read then */
    uint32_t ReadAheadIos, ReadAheadPages;
    uint32_t LazyWriteIos, LazyWritePages;
    uint32_t DataFlushes, DataPages;            /* CcFlushCache calls and pages they wrote */
    uint32_t MapDataWait, PinReadWait;
    uint32_t ThrottledWrites;                   /* CcCanIWrite waits */
    uint32_t VacbReuses;                        /* views unmapped to map another */
    uint32_t ClosedMapsDeleted;
} CC_STATISTICS;

extern CC_STATISTICS CcStatistics;
extern uint32_t CcTotalDirtyPages, CcDirtyPageThreshold, CcDirtyPageTarget;
extern uint32_t CcNumberVacbs;
extern VACB *CcVacbs;

/* fssup.c */
void CcInitializeCacheManager(void);
NTSTATUS CcInitializeCacheMap(FILE_OBJECT *FileObject, int64_t FileSize, uint32_t ReadAheadGranularity);
void CcUninitializeCacheMap(FILE_OBJECT *FileObject, const int64_t *TruncateSize);
void CcSetFileSizes(FILE_OBJECT *FileObject, int64_t FileSize);
int64_t CcGetSectionSize(FILE_OBJECT *FileObject);
void CcSetAdditionalCacheAttributes(FILE_OBJECT *FileObject, bool DisableReadAhead,
                                    bool DisableWriteBehind);
bool CcPurgeCacheSection(SECTION_OBJECT_POINTERS *SectionObjectPointer, int64_t Offset, int64_t Length);
static inline bool CcIsFileCached(const FILE_OBJECT *FileObject)
{
    return FileObject->PrivateCacheMap != NULL;
}

/* copysup.c: Mode says whose Buffer is (a user buffer is probed here). */
NTSTATUS CcCopyRead(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, void *Buffer,
                    KPROCESSOR_MODE Mode);
NTSTATUS CcCopyWrite(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, const void *Buffer,
                     KPROCESSOR_MODE Mode);
NTSTATUS CcZeroData(FILE_OBJECT *FileObject, int64_t Start, int64_t End);
void CcCanIWrite(FILE_OBJECT *FileObject, uint32_t BytesToWrite);

/* cachesub.c */
NTSTATUS CcFlushCache(SECTION_OBJECT_POINTERS *SectionObjectPointer, const int64_t *Offset,
                      uint32_t Length, uint32_t *Written);
void CcScheduleReadAhead(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length);
void CcFlushAllCaches(void);

/* pinsup.c: metadata access, a range inside one 256 KB view. */
NTSTATUS CcMapData(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, BCB **Bcb, void **Buffer);
NTSTATUS CcPinRead(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, BCB **Bcb, void **Buffer);
void CcSetDirtyPinnedData(BCB *Bcb);
void CcUnpinData(BCB *Bcb);

/* For the debugger: the maps alive (shared cache maps, closed ones included). */
uint32_t CcEnumerateSharedCacheMaps(SHARED_CACHE_MAP **Maps, uint32_t Maximum);

#endif
