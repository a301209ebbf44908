/*
 * tests/kernel/cache.c: the cache manager (kernel/cc) on the FAT32 volume of tests/cache.t,
 * through ordinary read and write IRPs as NtReadFile / NtWriteFile send them:
 *
 *   cc.views_reused   C:\BIG.BIN, larger than the system cache's views all together, read
 *                     whole, every byte checked: VACBs were unmapped and reused, never more
 *                     views mapped than there are VACBs
 *   cc.lazy_writer    6 pages written to C:\LAZY.BIN and never flushed: the lazy writer writes
 *                     them within 5 seconds (the file's dirty pages 0, its lazy-write count up),
 *                     and the disk holds them (read around the cache, through the bounce window)
 *   cc.pin            CcPinRead of a range, changed in place, CcSetDirtyPinnedData, CcUnpinData,
 *                     CcFlushCache: the disk holds the change; CcMapData across a 256 KB view
 *                     boundary is STATUS_INVALID_PARAMETER
 *   cc.truncate       a cached file shrunk, then grown by a write past its end: the bytes
 *                     between are zeroes, not the old ones the cache held
 *   cc.directory      FAT's directory entries go through the pin interface: a file made in
 *                     the root maps (CcMapData) and pins (CcPinRead) entries of the root's
 *                     stream file object; once its cache is flushed, the disk holds the entry
 *   cc.no_write_behind   CcSetAdditionalCacheAttributes(DisableWriteBehind): 8 pages written,
 *                     the cache's working set emptied: they wait on Mm's modified-no-write
 *                     list, and 2 seconds later neither the lazy writer nor the mapped page
 *                     writer has written them (the disk has zeroes); read back through the
 *                     cache (transition faults from that list), then CcFlushCache writes them
 *   cc.read_ahead_again  the first 2 MB of C:\BIG.BIN read front to back, thrown out of the cache
 *                     (CcPurgeCacheSection), and read front to back again: the second pass is
 *                     read ahead too (the high-water mark of the first does not hold it back),
 *                     every byte right both times
 *   cc.sequential_faults  a view of C:\BIG.BIN touched page by page outside CcCopyRead (no
 *                     read-ahead asked for): the first fault reads Mm's 16 pages, a fault on the
 *                     page right after them continues the run and reads 32, and so does the
 *                     next; one transfer each, the bytes right
 *   cc.flush_waits    a flush waits for a write the mapped page writer has under way on the
 *                     file (simulated: a dirty page of C:\FLUSHW.BIN marked WriteInProgress, the
 *                     control area's write count raised) and, once it ends, writes the page
 *                     changed meanwhile: CcFlushCache on another thread has not returned 200 ms
 *                     later; it returns once the write ends, and the disk holds the page
 *   cc.fat            the FAT goes through the cache (allocsup.c): 64 KB written to a new
 *                     C:\FATC.BIN pin its FAT entries (CcPinRead) on the FAT's stream; once
 *                     FatFlushFat has written it, each FAT copy on the disk holds the entry the
 *                     cache holds, the file's second cluster
 *   cc.throttle       twice CcDirtyPageThreshold written as fast as writes go: writers were
 *                     held (CcCanIWrite) and the dirty pages never passed the threshold by more
 *                     than a write's charge
 *
 * Without C: or tests/cache.t's C:\BIG.BIN the tests skip (they write files: only on that
 * volume).
 */
#include "kernel/kd/ktest.h"
#include "kernel/iomgr/iop.h"
#include "kernel/fs/fastfat/fatprocs.h"
#include "mm/mi.h"
#include "tests/kernel/pageout.h"

#define CT_CHUNK            65536u
#define CT_BIG_SEED         60
#define CT_LAZY_SEED        61
#define CT_LAZY_PAGES       6
#define CT_LAZY_WAIT_MS     5000

static uint8_t PatternByte(uint32_t Seed, uint32_t Index)
{
    return (uint8_t)(Index * 31 + Seed + (Index >> 8) * 7);
}

static void CloseFile(void *File)
{
    IopCleanupFile(File);
    ObDereferenceObject(File);
}

/* C:\Name opened (Disposition: FILE_OPEN, or FILE_OVERWRITE_IF to make it empty), or a skip. */
static FILE_OBJECT *OpenOrSkip(const char *Name, uint32_t Disposition)
{
    static const char prefix[] = "\\??\\C:\\";
    uint16_t name[40];
    uint32_t length = 0;
    IO_STATUS_BLOCK iosb;
    FILE_OBJECT *file;
    NTSTATUS status;

    for (const char *c = prefix; *c; c++)
        name[length++] = (uint16_t)*c;
    for (const char *c = Name; *c; c++)
        name[length++] = (uint16_t)*c;
    status = IopCreateFileObject(FILE_GENERIC_READ | FILE_GENERIC_WRITE, NULL,
                                 OBJ_CASE_INSENSITIVE, name, length, 0,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE, Disposition,
                                 FILE_NON_DIRECTORY_FILE, &file, &iosb);
    if (!NT_SUCCESS(status))
        KtSkip("no C:\\%s (status 0x%08x): tests/cache.t's volume", Name, (uint32_t)status);
    KtDefer(CloseFile, file);
    return file;
}

/* On tests/cache.t's volume, or a skip (before anything is written to another one). */
static void RequireCacheVolume(void)
{
    OpenOrSkip("BIG.BIN", FILE_OPEN);
}

static NTSTATUS Transfer(FILE_OBJECT *File, uint8_t Major, void *Buffer, uint32_t Length,
                         int64_t Offset)
{
    IRP irp;

    IoInitializeIrp(&irp, Major, File, KernelMode);
    irp.UserBuffer = Buffer;
    irp.Stack.Parameters.Read.Length = Length;
    irp.Stack.Parameters.Read.ByteOffset = Offset;
    return IoCallDriver(File->DeviceObject, &irp);
}

/* What the disk holds, read around the cache (the volume's bounce window). */
static NTSTATUS DiskRead(FILE_OBJECT *File, void *Buffer, uint32_t Length, int64_t Offset)
{
    FCB *fcb = File->FsContext;
    NTSTATUS status;

    ExAcquireFastMutex(&fcb->Vcb->Resource);
    status = FatFileIo(fcb, (uint32_t)Offset, Length, Buffer, KernelMode, FatIoRead);
    ExReleaseFastMutex(&fcb->Vcb->Resource);
    return status;
}

static uint8_t *NewBuffer(uint32_t Bytes)
{
    uint8_t *buffer = ExAllocatePoolWithTag(NonPagedPool, Bytes, POOL_TAG('T', 'C', 'c', 't'));

    KT_ASSERT(buffer != NULL);
    KtDeferFreePool(buffer);
    return buffer;
}

static SHARED_CACHE_MAP *MapOf(FILE_OBJECT *File)
{
    return File->SectionObjectPointer->SharedCacheMap;
}

KTEST(TestCcViewsReused, "cc.views_reused")
{
    FILE_OBJECT *file = OpenOrSkip("BIG.BIN", FILE_OPEN);
    uint32_t size = ((FCB *)file->FsContext)->FileSize, reuses = CcStatistics.VacbReuses;
    uint8_t *buffer = NewBuffer(CT_CHUNK);
    uint32_t bad = 0, mapped, mostMapped = 0;

    if ((uint64_t)size <= (uint64_t)MmSystemCacheViewSlots() * VACB_MAPPING_GRANULARITY)
        KtSkip("C:\\BIG.BIN (%u bytes) fits in the system cache's %u views", size,
               MmSystemCacheViewSlots());
    KtPrint("BIG.BIN: %u bytes, %u VACBs over %u system cache slots", size, CcNumberVacbs,
            MmSystemCacheViewSlots());
    for (uint32_t offset = 0; offset < size; offset += CT_CHUNK) {
        uint32_t length = MIN(CT_CHUNK, size - offset);

        KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_READ, buffer, length, offset));
        for (uint32_t i = 0; i < length; i++)
            bad += buffer[i] != PatternByte(CT_BIG_SEED, offset + i);
        mapped = 0;
        for (uint32_t v = 0; v < CcNumberVacbs; v++)
            mapped += CcVacbs[v].SharedCacheMap != NULL;
        mostMapped = MAX(mostMapped, mapped);
    }
    KT_ASSERT_EQ(0, bad);
    KtPrint("%u views reused, at most %u mapped at once", CcStatistics.VacbReuses - reuses,
            mostMapped);
    KT_ASSERT(CcStatistics.VacbReuses - reuses >= (size >> VACB_OFFSET_SHIFT) - CcNumberVacbs);
    KT_ASSERT(mostMapped <= CcNumberVacbs);
}

#define CT_AGAIN_BYTES      (2u << 20)

/* One front-to-back pass over the first CT_AGAIN_BYTES; the pages the file's read-ahead
 * brought in meanwhile. */
static uint32_t SequentialPass(FILE_OBJECT *File, uint8_t *Buffer, uint32_t *Bad)
{
    uint32_t pages = MapOf(File) ? MapOf(File)->ReadAheadPages : 0;

    for (uint32_t offset = 0; offset < CT_AGAIN_BYTES; offset += CT_CHUNK) {
        KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(File, IRP_MJ_READ, Buffer, CT_CHUNK, offset));
        for (uint32_t i = 0; i < CT_CHUNK; i++)
            *Bad += Buffer[i] != PatternByte(CT_BIG_SEED, offset + i);
    }
    return MapOf(File)->ReadAheadPages - pages;
}

/* The file's read-ahead done (at most 5 s), then its cached pages thrown out. */
static void Purge(FILE_OBJECT *File)
{
    int64_t pause = KI_MILLISECONDS(10);

    for (uint32_t waited = 0; MapOf(File) && (MapOf(File)->Flags & READ_AHEAD_QUEUED) &&
                              waited < 500; waited++)
        KeDelayExecutionThread(KernelMode, false, &pause);
    KT_ASSERT(!MapOf(File) || !(MapOf(File)->Flags & READ_AHEAD_QUEUED));
    KT_ASSERT(CcPurgeCacheSection(File->SectionObjectPointer, 0, 0));
}

KTEST(TestCcReadAheadAgain, "cc.read_ahead_again")
{
    FILE_OBJECT *file = OpenOrSkip("BIG.BIN", FILE_OPEN);
    uint8_t *buffer = NewBuffer(CT_CHUNK);
    uint32_t bad = 0, first, second;

    Purge(file);
    first = SequentialPass(file, buffer, &bad);
    Purge(file);
    second = SequentialPass(file, buffer, &bad);
    KtPrint("pages read ahead: %u in the first pass, %u in the second", first, second);
    KT_ASSERT_EQ(0, bad);
    KT_ASSERT(first > 0);
    KT_ASSERT(second > 0);
}

static void ReleaseVolume(void *Vcb)
{
    ExReleaseFastMutex(&((VCB *)Vcb)->Resource);
}

KTEST(TestCcSequentialFaults, "cc.sequential_faults")
{
    static const uint32_t at[3] = { 0, MM_MAXIMUM_READ_CLUSTER,
                                    MM_MAXIMUM_READ_CLUSTER + MM_SEQUENTIAL_READ_CLUSTER };
    static const uint32_t expected[3] = { MM_MAXIMUM_READ_CLUSTER, MM_SEQUENTIAL_READ_CLUSTER,
                                          MM_SEQUENTIAL_READ_CLUSTER };
    FILE_OBJECT *file = OpenOrSkip("BIG.BIN", FILE_OPEN);
    uint32_t ios[3], pages[3], bad = 0;
    uint8_t byte;
    void *view;
    BCB *bcb;

    KtHoldBackgroundThreads();
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_READ, &byte, 1, 0));  /* cached */
    Purge(file);
    if (MmAvailablePages < 4 * MM_MAXIMUM_READ_AHEAD_CLUSTER)
        KtSkip("%u pages available: too few for long clusters", MmAvailablePages);
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcMapData(file, 0, VACB_MAPPING_GRANULARITY, &bcb, &view));
    MmSystemCacheWs.NextSequentialFault = 0;        /* no run before this test's */
    for (uint32_t i = 0; i < ARRAYSIZE(at); i++) {
        uint32_t reads = MmInfoCounters.PageReadCount, readIos = MmInfoCounters.PageReadIoCount;

        _ReadWriteBarrier();
        byte = ((volatile const uint8_t *)view)[at[i] * PAGE_SIZE];
        _ReadWriteBarrier();                        /* the counters read after the fault */
        ios[i] = MmInfoCounters.PageReadIoCount - readIos;
        pages[i] = MmInfoCounters.PageReadCount - reads;
        bad += byte != PatternByte(CT_BIG_SEED, at[i] * PAGE_SIZE);
    }
    CcUnpinData(bcb);
    KtPrint("pages read by the faults at pages %u, %u and %u: %u, %u, %u", at[0], at[1], at[2],
            pages[0], pages[1], pages[2]);
    KT_ASSERT_EQ(0, bad);
    for (uint32_t i = 0; i < ARRAYSIZE(at); i++) {
        KT_ASSERT_EQ(1, ios[i]);
        KT_ASSERT_EQ(expected[i], pages[i]);
    }
}

typedef struct _CT_FLUSHER {
    SECTION_OBJECT_POINTERS *Pointers;
    NTSTATUS Status;
    KEVENT Finished;
} CT_FLUSHER;

static void FlusherThread(void *Context)
{
    CT_FLUSHER *flusher = Context;

    flusher->Status = CcFlushCache(flusher->Pointers, NULL, 0, NULL);
    KeSetEvent(&flusher->Finished);
}

/* The page under a mapped-page-writer write, as MiClaimModifiedPage leaves it (On), or that
 * write ended with the page changed again meanwhile (Modified kept). */
static void SimulateWrite(CONTROL_AREA *Area, MMPFN *Pfn, bool On)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    Pfn->u3.e1.WriteInProgress = On;
    Area->ModifiedWriteCount += On ? 1 : -1;
    UNLOCK_PFN(oldIrql);
}

KTEST(TestCcFlushWaits, "cc.flush_waits")
{
    FILE_OBJECT *file;
    uint8_t *buffer = NewBuffer(PAGE_SIZE), *disk = NewBuffer(PAGE_SIZE);
    CT_FLUSHER flusher = { .Status = (NTSTATUS)0xDEADBEEF };
    NTSTATUS early, late;
    CONTROL_AREA *area;
    KTHREAD *thread;
    MMPFN *pfn;
    MMPTE pte;
    void *view;
    BCB *bcb;

    RequireCacheVolume();
    file = OpenOrSkip("FLUSHW.BIN", FILE_OVERWRITE_IF);
    memset(buffer, 0x5E, PAGE_SIZE);
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, PAGE_SIZE, 0));
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcMapData(file, 0, PAGE_SIZE, &bcb, &view));
    (void)*(volatile const uint8_t *)view;
    pte = *MiGetPteAddress(view);
    CcUnpinData(bcb);
    KT_ASSERT(pte.u.Hard.Valid);
    pfn = MI_PFN_ELEMENT(pte.u.Hard.PageFrameNumber);
    area = MapOf(file)->Section;
    KT_ASSERT(pfn->u3.e1.Modified);
    SimulateWrite(area, pfn, true);
    flusher.Pointers = file->SectionObjectPointer;
    KeInitializeEvent(&flusher.Finished, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&thread, FlusherThread, &flusher,
                                                          KI_DEFAULT_PRIORITY, "CcFlusher"));
    {
        int64_t timeout = KI_MILLISECONDS(200);

        early = KeWaitForSingleObject(&flusher.Finished, Executive, KernelMode, false, &timeout);
        SimulateWrite(area, pfn, false);
        timeout = KI_MILLISECONDS(10000);
        late = KeWaitForSingleObject(&flusher.Finished, Executive, KernelMode, false, &timeout);
    }
    KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
    KeDereferenceThread(thread);
    KT_ASSERT_STATUS(STATUS_TIMEOUT, early);
    KT_ASSERT_STATUS(STATUS_SUCCESS, late);
    KT_ASSERT_STATUS(STATUS_SUCCESS, flusher.Status);
    KT_ASSERT_STATUS(STATUS_SUCCESS, DiskRead(file, disk, PAGE_SIZE, 0));
    KT_ASSERT_EQ(0, memcmp(disk, buffer, PAGE_SIZE));
}

KTEST(TestCcFat, "cc.fat")
{
    FILE_OBJECT *file;
    uint8_t *buffer = NewBuffer(CT_CHUNK);
    uint32_t pins = CcStatistics.PinReadWait, cached = 0, second = 0, fats;
    uint32_t onDisk[4] = { 0 };
    VCB *vcb;
    FCB *fcb;
    void *entry;
    BCB *bcb;

    RequireCacheVolume();
    file = OpenOrSkip("FATC.BIN", FILE_OVERWRITE_IF);
    fcb = file->FsContext;
    vcb = fcb->Vcb;
    memset(buffer, 0x3C, CT_CHUNK);
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, CT_CHUNK, 0));
    KT_ASSERT(CcStatistics.PinReadWait > pins);
    KT_ASSERT(vcb->FatFile != NULL);
    KT_ASSERT(vcb->FatSectionObjectPointers.SharedCacheMap != NULL);
    KT_ASSERT(fcb->AllocationClusters >= 2);
    fats = MIN(vcb->NumberOfFats, ARRAYSIZE(onDisk));
    ExAcquireFastMutex(&vcb->Resource);
    KtDefer(ReleaseVolume, vcb);                    /* let go even when an assertion fails */
    KT_ASSERT_STATUS(STATUS_SUCCESS, FatFlushFat(vcb));
    KT_ASSERT_STATUS(STATUS_SUCCESS, FatLookupVcn(fcb, 1, &second, NULL));
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcMapData(vcb->FatFile, (int64_t)fcb->FirstCluster * 4, 4,
                                               &bcb, &entry));
    cached = *(const uint32_t *)entry;
    CcUnpinData(bcb);
    for (uint32_t fat = 0; fat < fats; fat++)
        KT_ASSERT_STATUS(STATUS_SUCCESS,
                         FatReadVolume(vcb, ((uint64_t)vcb->FatStart + (uint64_t)fat *
                                             vcb->SectorsPerFat) * FAT_SECTOR_SIZE +
                                            (uint64_t)fcb->FirstCluster * 4,
                                       4, &onDisk[fat], KernelMode));
    KtRelease(ReleaseVolume, vcb);
    KtPrint("FATC.BIN's first cluster %u: FAT entry %08x in the cache, %u FATs", fcb->FirstCluster,
            cached, fats);
    KT_ASSERT_EQ(second, cached & FAT32_ENTRY_MASK);
    for (uint32_t fat = 0; fat < fats; fat++)
        KT_ASSERT_EQ(cached, onDisk[fat]);
}

KTEST(TestCcLazyWriter, "cc.lazy_writer")
{
    FILE_OBJECT *file = (RequireCacheVolume(), OpenOrSkip("LAZY.BIN", FILE_OVERWRITE_IF));
    uint32_t bytes = CT_LAZY_PAGES * PAGE_SIZE, written = CcStatistics.LazyWritePages;
    uint8_t *buffer = NewBuffer(bytes), *disk = NewBuffer(bytes);
    int64_t pause = KI_MILLISECONDS(100);
    uint32_t waited = 0;

    for (uint32_t i = 0; i < bytes; i++)
        buffer[i] = PatternByte(CT_LAZY_SEED, i);
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, bytes, 0));
    KT_ASSERT(MapOf(file) != NULL);
    KT_ASSERT_EQ(CT_LAZY_PAGES, MapOf(file)->DirtyPages);
    while (MapOf(file)->DirtyPages && waited < CT_LAZY_WAIT_MS) {
        KeDelayExecutionThread(KernelMode, false, &pause);
        waited += 100;
    }
    KtPrint("the lazy writer wrote LAZY.BIN's %u pages after %u ms", CT_LAZY_PAGES, waited);
    KT_ASSERT_EQ(0, MapOf(file)->DirtyPages);
    KT_ASSERT(CcStatistics.LazyWritePages - written >= CT_LAZY_PAGES);
    RtlZeroMemory(disk, bytes);
    KT_ASSERT_STATUS(STATUS_SUCCESS, DiskRead(file, disk, bytes, 0));
    KT_ASSERT_EQ(0, memcmp(disk, buffer, bytes));
}

KTEST(TestCcPin, "cc.pin")
{
    FILE_OBJECT *file = (RequireCacheVolume(), OpenOrSkip("LAZY.BIN", FILE_OPEN));
    uint8_t *disk = NewBuffer(PAGE_SIZE);
    BCB *bcb;
    void *data;
    uint32_t written;

    if (((FCB *)file->FsContext)->FileSize < 2 * PAGE_SIZE)
        KtSkip("LAZY.BIN is cc.lazy_writer's: run it first");
    KT_ASSERT(FatInitializeCacheMap(file, file->FsContext));
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcPinRead(file, PAGE_SIZE + 100, 200, &bcb, &data));
    KT_ASSERT_EQ(PatternByte(CT_LAZY_SEED, PAGE_SIZE + 100), ((uint8_t *)data)[0]);
    memset(data, 0xC5, 200);
    CcSetDirtyPinnedData(bcb);
    CcUnpinData(bcb);
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcFlushCache(file->SectionObjectPointer, NULL, 0, &written));
    KT_ASSERT_EQ(1, written);
    KT_ASSERT_STATUS(STATUS_SUCCESS, DiskRead(file, disk, PAGE_SIZE, PAGE_SIZE));
    KT_ASSERT_EQ(PatternByte(CT_LAZY_SEED, PAGE_SIZE + 99), disk[99]);
    KT_ASSERT_EQ(0xC5, disk[100]);
    KT_ASSERT_EQ(0xC5, disk[299]);
    KT_ASSERT_EQ(PatternByte(CT_LAZY_SEED, PAGE_SIZE + 300), disk[300]);
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcMapData(file, 0, 16, &bcb, &data));
    KT_ASSERT_EQ(PatternByte(CT_LAZY_SEED, 0), ((uint8_t *)data)[0]);
    CcUnpinData(bcb);
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER,
                     CcMapData(file, VACB_MAPPING_GRANULARITY - 8, 16, &bcb, &data));
}

KTEST(TestCcTruncate, "cc.truncate")
{
    FILE_OBJECT *file = (RequireCacheVolume(), OpenOrSkip("TRUNC.BIN", FILE_OVERWRITE_IF));
    uint8_t *buffer = NewBuffer(3 * PAGE_SIZE);
    FILE_END_OF_FILE_INFORMATION eof = { 5000 };
    IO_STATUS_BLOCK iosb;

    memset(buffer, 0xEE, 3 * PAGE_SIZE);
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, 3 * PAGE_SIZE, 0));
    KT_ASSERT_STATUS(STATUS_SUCCESS, IopSetInformation(file, &eof, sizeof(eof),
                                                       FileEndOfFileInformation, &iosb));
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, 100, 10000));
    RtlZeroMemory(buffer, 3 * PAGE_SIZE);
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_READ, buffer, 10100, 0));
    KT_ASSERT_EQ(0xEE, buffer[4999]);
    for (uint32_t i = 5000; i < 10000; i++) {
        if (buffer[i] != 0)
            KT_ASSERT_EQ(0, buffer[i]);
    }
    KT_ASSERT_EQ(0xEE, buffer[10000]);
    KT_ASSERT_EQ(10100, ((FCB *)file->FsContext)->FileSize);
}

KTEST(TestCcThrottle, "cc.throttle")
{
    FILE_OBJECT *file = (RequireCacheVolume(), OpenOrSkip("THROTTLE.BIN", FILE_OVERWRITE_IF));
    uint32_t total = 2 * CcDirtyPageThreshold * PAGE_SIZE, throttled = CcStatistics.ThrottledWrites;
    uint8_t *buffer = NewBuffer(CT_CHUNK);
    uint32_t most = 0;

    memset(buffer, 0x77, CT_CHUNK);
    for (uint32_t offset = 0; offset < total; offset += CT_CHUNK) {
        KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, CT_CHUNK, offset));
        most = MAX(most, CcTotalDirtyPages);
    }
    KtPrint("%u KB written; %u writes held; at most %u dirty pages (threshold %u)", total >> 10,
            CcStatistics.ThrottledWrites - throttled, most, CcDirtyPageThreshold);
    KT_ASSERT(CcStatistics.ThrottledWrites > throttled);
    KT_ASSERT(most <= CcDirtyPageThreshold + CT_CHUNK / PAGE_SIZE);
}

KTEST(TestCcDirectory, "cc.directory")
{
    uint32_t maps = (RequireCacheVolume(), CcStatistics.MapDataWait);
    uint32_t pins = CcStatistics.PinReadWait;
    FILE_OBJECT *file = OpenOrSkip("DIRENT.BIN", FILE_OVERWRITE_IF);
    FCB *fcb = file->FsContext, *root = fcb->ParentDcb;
    VCB *vcb = fcb->Vcb;
    uint32_t lcn;
    DIRENT disk;

    KT_ASSERT(root->DirectoryFile != NULL);
    KT_ASSERT(root->SectionObjectPointers.SharedCacheMap != NULL);
    KtPrint("entries mapped %u times, pinned %u times", CcStatistics.MapDataWait - maps,
            CcStatistics.PinReadWait - pins);
    KT_ASSERT(CcStatistics.MapDataWait > maps);
    KT_ASSERT(CcStatistics.PinReadWait > pins);
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcFlushCache(&root->SectionObjectPointers, NULL, 0, NULL));
    KT_ASSERT_EQ(0, ((SHARED_CACHE_MAP *)root->SectionObjectPointers.SharedCacheMap)->DirtyPages);
    ExAcquireFastMutex(&vcb->Resource);
    KT_ASSERT_STATUS(STATUS_SUCCESS, FatLookupVcn(root, fcb->DirentOffset >> vcb->ClusterShift,
                                                  &lcn, NULL));
    KT_ASSERT_STATUS(STATUS_SUCCESS,
                     FatReadVolume(vcb, FatClusterOffset(vcb, lcn) +
                                        (fcb->DirentOffset & (vcb->BytesPerCluster - 1)),
                                   sizeof(disk), &disk, KernelMode));
    ExReleaseFastMutex(&vcb->Resource);
    KT_ASSERT_EQ(0, memcmp(disk.FileName, fcb->ShortName, sizeof(disk.FileName)));
}

KTEST(TestCcNoWriteBehind, "cc.no_write_behind")
{
    FILE_OBJECT *file = (RequireCacheVolume(), OpenOrSkip("NOWRITE.BIN", FILE_OVERWRITE_IF));
    uint32_t bytes = 8 * PAGE_SIZE, before, waited, written, bad = 0;
    uint8_t *buffer = NewBuffer(bytes), *disk = NewBuffer(bytes);
    int64_t pause = KI_MILLISECONDS(2000);

    for (uint32_t i = 0; i < bytes; i++)
        buffer[i] = PatternByte(62, i) | 1;     /* never zero */
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, PAGE_SIZE, 0));
    CcSetAdditionalCacheAttributes(file, false, true);
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcFlushCache(file->SectionObjectPointer, NULL, 0, NULL));
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_WRITE, buffer, bytes, 0));
    before = MmModifiedNoWritePageListHead.Total;
    MmEmptySystemWorkingSet();
    waited = MmModifiedNoWritePageListHead.Total - before;
    KtPrint("%u pages went to the modified-no-write list", waited);
    KT_ASSERT(waited >= 7);                     /* (the first page may have been written) */
    KeDelayExecutionThread(KernelMode, false, &pause);
    KT_ASSERT(MmModifiedNoWritePageListHead.Total >= before + waited);
    RtlZeroMemory(disk, bytes);
    KT_ASSERT_STATUS(STATUS_SUCCESS, DiskRead(file, disk, bytes, 0));
    KT_ASSERT(memcmp(disk + PAGE_SIZE, buffer + PAGE_SIZE, bytes - PAGE_SIZE) != 0);
    RtlZeroMemory(disk, bytes);
    KT_ASSERT_STATUS(STATUS_SUCCESS, Transfer(file, IRP_MJ_READ, disk, bytes, 0));
    for (uint32_t i = 0; i < bytes; i++)
        bad += disk[i] != buffer[i];
    KT_ASSERT_EQ(0, bad);                       /* back from the list, as written */
    KT_ASSERT_STATUS(STATUS_SUCCESS, CcFlushCache(file->SectionObjectPointer, NULL, 0, &written));
    CcSetAdditionalCacheAttributes(file, false, false);
    RtlZeroMemory(disk, bytes);
    KT_ASSERT_STATUS(STATUS_SUCCESS, DiskRead(file, disk, bytes, 0));
    KT_ASSERT_EQ(0, memcmp(disk, buffer, bytes));
}
