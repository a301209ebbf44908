/*
 * tests/kernel/fatpaging.c: paging I/O on files of the FAT32 volume (IoPageReadFile and
 * IoSynchronousPageWrite, kernel/io/iopaging.c; FAT's side, kernel/fs/fastfat/pagingio.c), on
 * files the host made (tests/fatpaging.t: pattern bytes (i * 31 + seed + (i >> 8) * 7) & 0xFF,
 * FatDisk.pm's pattern()), opened from the kernel as pagefile.c opens a paging file:
 *
 *   fat.paging.read            pages of PIO.BIN (5 pages + 1000 bytes) at the start, in the
 *                              middle, straddling the end (the rest zeroed), past it
 *                              (STATUS_END_OF_FILE), misaligned (INVALID_PARAMETER)
 *   fat.paging.write           pages written to PIOW.BIN (3 pages + 100 bytes): trimmed at the
 *                              end of file rounded up to a page and at the clusters
 *                              allocated, nothing from past the end, the size kept;
 *                              an ordinary read sees them (the bounce window read again); the
 *                              host compares the file afterwards
 *   fat.paging.fragmented      FRAG.BIN in many runs of 512-byte clusters (pages spanning
 *                              runs): read whole, two pages written (the last one trimmed to
 *                              the clusters allocated), the host compares
 *   fat.paging.volume_locked   the volume's lock held, as an ordinary request holds it while
 *                              it copies into a buffer that may fault on a view of the file:
 *                              a paging read and write by the same thread (at APC_LEVEL, as
 *                              from a page fault) and by another thread both complete
 *   fat.paging.resource        the FCB's PagingIoResource: held exclusive (as truncation holds
 *                              it) a paging read waits; held shared, it goes on, and an
 *                              exclusive acquirer waits (holding back new shared ones)
 *   fat.paging.window          paging writes of FRAG.BIN's first page (in the hole of a
 *                              deleted file, beside F02.BIN) racing ordinary read-modify-
 *                              writes of F02.BIN through the volume's bounce window: no
 *                              paging write is ever undone by a stale window written back
 *   fat.pagingerror.disk       (tests/fatpaging.t's blkdebug boot only) a sector of PIO.BIN
 *                              failing: the paging read and write give STATUS_IO_DEVICE_ERROR,
 *                              no STOP; the rest of the file still reads
 *
 * Without C: or its files the tests skip.
 */
#include "kernel/kd/ktest.h"
#include "kernel/iomgr/iop.h"
#include "kernel/fs/fastfat/fatprocs.h"

#define FP_TAG              POOL_TAG('T', 'F', 'p', 'g')
#define FP_WAIT_MS          5000        /* a paging read that takes this long is stuck */

typedef struct _FP_FILE {
    const char *Name;
    uint32_t Size;
    uint32_t Seed;
} FP_FILE;

static const FP_FILE FpRead = { "PIO.BIN", 5 * PAGE_SIZE + 1000, 7 };
static const FP_FILE FpWrite = { "PIOW.BIN", 3 * PAGE_SIZE + 100, 8 };
static const FP_FILE FpFrag = { "FRAG.BIN", 6 * PAGE_SIZE + 300, 9 };
static const FP_FILE FpFiller = { "F02.BIN", 0, 'C' };     /* 3 clusters of 'C' */

#define FP_WRITE_SEED       0x40        /* what fat.paging.write writes */
#define FP_FRAG_SEED        0x50        /* what fat.paging.fragmented writes */

static uint8_t PatternByte(uint32_t Seed, uint32_t Index)
{
    return (uint8_t)(Index * 31 + Seed + (Index >> 8) * 7);
}

static void CloseFile(void *File)
{
    IopCleanupFile(File);
    ObDereferenceObject(File);
}

static FILE_OBJECT *OpenOrSkip(const FP_FILE *File)
{
    static const char prefix[] = "\\??\\C:\\";
    uint16_t name[40];
    uint32_t length = 0;
    IO_STATUS_BLOCK iosb;
    FILE_OBJECT *file;
    NTSTATUS status;

    for (const char *c = prefix; *c; c++)
        name[length++] = (uint16_t)*c;
    for (const char *c = File->Name; *c; c++)
        name[length++] = (uint16_t)*c;
    status = IopCreateFileObject(FILE_GENERIC_READ | FILE_GENERIC_WRITE, NULL,
                                 OBJ_CASE_INSENSITIVE, name, length, 0,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN,
                                 FILE_NON_DIRECTORY_FILE, &file, &iosb);
    if (!NT_SUCCESS(status))
        KtSkip("no C:\\%s (status 0x%08x): tests/fatpaging.t's volume", File->Name,
               (uint32_t)status);
    KtDefer(CloseFile, file);
    if (File->Size && ((FCB *)file->FsContext)->FileSize != File->Size)
        KtSkip("C:\\%s is not tests/fatpaging.t's (%u bytes)", File->Name,
               ((FCB *)file->FsContext)->FileSize);
    return file;
}

static void FreePages(void *Mdl)
{
    MmFreePagesFromMdl(Mdl);
    ExFreePool(Mdl);
}

/* Pages frames in an MDL of their own (not mapped: FAT maps what it zeroes itself). */
static MDL *NewPages(uint32_t Pages)
{
    MDL *mdl = MmAllocatePagesForMdl(0, 0xFFFFFFFFull, 0, Pages * PAGE_SIZE);

    KT_ASSERT(mdl != NULL);
    KtDefer(FreePages, mdl);
    KT_ASSERT_EQ(Pages * PAGE_SIZE, mdl->ByteCount);
    KT_ASSERT_EQ(0, mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    return mdl;
}

static uint8_t *MapPages(MDL *Mdl)
{
    uint8_t *va = MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, NULL, false,
                                               HighPagePriority);

    KT_ASSERT(va != NULL);
    return va;
}

/* The MDL's bytes set to Value, or to File's pattern with Seed from FileOffset on. */
static void FillPages(MDL *Mdl, uint8_t Value)
{
    uint8_t *va = MapPages(Mdl);

    memset(va, Value, Mdl->ByteCount);
    MmUnmapLockedPages(va, Mdl);
}

static void FillPattern(MDL *Mdl, uint32_t Seed, uint32_t FileOffset)
{
    uint8_t *va = MapPages(Mdl);

    for (uint32_t i = 0; i < Mdl->ByteCount; i++)
        va[i] = PatternByte(Seed, FileOffset + i);
    MmUnmapLockedPages(va, Mdl);
}

/*
 * The MDL's bytes [From, To) against Seed's pattern at FileOffset + i (Seed 0x100: zeros);
 * the first one that differs, or To.
 */
#define FP_ZEROS            0x100

static uint32_t FirstDifference(MDL *Mdl, uint32_t From, uint32_t To, uint32_t Seed,
                                uint32_t FileOffset)
{
    uint8_t *va = MapPages(Mdl);
    uint32_t i;

    for (i = From; i < To; i++) {
        uint8_t expected = Seed == FP_ZEROS ? 0 : PatternByte(Seed, FileOffset + i);

        if (va[i] != expected)
            break;
    }
    MmUnmapLockedPages(va, Mdl);
    return i;
}

/* A paging read of the MDL at Offset, prefilled with 0xCC: the status and the bytes moved. */
static NTSTATUS PagingRead(FILE_OBJECT *File, MDL *Mdl, int64_t Offset, uint32_t *Information)
{
    IO_STATUS_BLOCK iosb = { (NTSTATUS)0xDEADBEEF, 0xDEADBEEF };
    NTSTATUS status;

    FillPages(Mdl, 0xCC);
    status = IoPageReadFile(File, Mdl, Offset, &iosb);
    KT_ASSERT_STATUS(status, iosb.Status);
    KT_ASSERT_EQ(0, Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);   /* left as it came */
    *Information = iosb.Information;
    return status;
}

static NTSTATUS PagingWrite(FILE_OBJECT *File, MDL *Mdl, int64_t Offset, uint32_t *Information)
{
    IO_STATUS_BLOCK iosb = { (NTSTATUS)0xDEADBEEF, 0xDEADBEEF };
    NTSTATUS status = IoSynchronousPageWrite(File, Mdl, Offset, &iosb);

    KT_ASSERT_STATUS(status, iosb.Status);
    *Information = iosb.Information;
    return status;
}

/* An ordinary (not paging) kernel-mode read of Length bytes at Offset into Buffer. */
/*
 * An ordinary request's uncached transfer, through the volume's bounce window (what reads and
 * writes past a cache section, and the zeroing of a grown file, still use; cached requests go
 * through the cache, whose pages are Mm's, which these tests' raw paging writes go around),
 * under the volume's lock as a request holds it.
 */
static NTSTATUS BounceTransfer(FILE_OBJECT *File, void *Buffer, uint32_t Length, int64_t Offset,
                               FAT_IO Operation)
{
    FCB *fcb = File->FsContext;
    NTSTATUS status;

    ExAcquireFastMutex(&fcb->Vcb->Resource);
    status = FatFileIo(fcb, (uint32_t)Offset, Length, Buffer, KernelMode, Operation);
    ExReleaseFastMutex(&fcb->Vcb->Resource);
    return status;
}

static NTSTATUS OrdinaryRead(FILE_OBJECT *File, void *Buffer, uint32_t Length, int64_t Offset)
{
    return BounceTransfer(File, Buffer, Length, Offset, FatIoRead);
}

static NTSTATUS OrdinaryWrite(FILE_OBJECT *File, void *Buffer, uint32_t Length, int64_t Offset)
{
    return BounceTransfer(File, Buffer, Length, Offset, FatIoWrite);
}

KTEST(TestFatPagingRead, "fat.paging.read")
{
    FILE_OBJECT *file = OpenOrSkip(&FpRead);
    FCB *fcb = file->FsContext;
    MDL *one = NewPages(1), *two = NewPages(2);
    uint32_t size = FpRead.Size, seed = FpRead.Seed, moved;

    KtPrint("%s: %u bytes, %u clusters of %u bytes in %u runs", FpRead.Name, fcb->FileSize,
            fcb->AllocationClusters, fcb->Vcb->BytesPerCluster, fcb->Mcb.RunCount);
    KT_ASSERT_EQ(fcb->AllocationClusters, fcb->Mcb.Clusters);

    /* The first page. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, one, 0, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(one, 0, PAGE_SIZE, seed, 0));

    /* Two pages from the middle. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, two, 2 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(2 * PAGE_SIZE, moved);
    KT_ASSERT_EQ(2 * PAGE_SIZE, FirstDifference(two, 0, 2 * PAGE_SIZE, seed, 2 * PAGE_SIZE));

    /* A page straddling the end: 1000 bytes of the file, the rest zero. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, one, 5 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(1000, moved);
    KT_ASSERT_EQ(1000, FirstDifference(one, 0, 1000, seed, 5 * PAGE_SIZE));
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(one, 1000, PAGE_SIZE, FP_ZEROS, 0));

    /* Two pages whose second straddles the end. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, two, 4 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(PAGE_SIZE + 1000, moved);
    KT_ASSERT_EQ(PAGE_SIZE + 1000, FirstDifference(two, 0, PAGE_SIZE + 1000, seed, 4 * PAGE_SIZE));
    KT_ASSERT_EQ(2 * PAGE_SIZE, FirstDifference(two, PAGE_SIZE + 1000, 2 * PAGE_SIZE, FP_ZEROS, 0));

    /* Past the end: nothing read, the page zeroed. */
    KT_ASSERT_STATUS(STATUS_END_OF_FILE, PagingRead(file, one, 6 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(0, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(one, 0, PAGE_SIZE, FP_ZEROS, 0));

    /* Sector granularity: a 512-byte offset is served, an odd one refused. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, one, 512, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(one, 0, PAGE_SIZE, seed, 512));
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, PagingRead(file, one, 100, &moved));
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, PagingRead(file, one, -4096, &moved));

    KT_ASSERT_EQ(size, fcb->FileSize);                  /* reads never change the size */
}

KTEST(TestFatPagingWrite, "fat.paging.write")
{
    FILE_OBJECT *file = OpenOrSkip(&FpWrite);
    FCB *fcb = file->FsContext;
    uint32_t size = FpWrite.Size, seed = FpWrite.Seed, clusters = fcb->AllocationClusters, moved;
    MDL *one = NewPages(1), *two = NewPages(2), *four = NewPages(4);
    uint8_t *buffer = KtAllocatePool(NonPagedPool, 2 * PAGE_SIZE, FP_TAG);
    uint32_t paging = fcb->Vcb->PagingWrites;

    /* An ordinary read first: the volume's bounce window now holds the old bytes. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, OrdinaryRead(file, buffer, PAGE_SIZE, 0));
    KT_ASSERT_EQ(PatternByte(seed, 100), buffer[100]);

    /* Page 0. */
    FillPattern(one, FP_WRITE_SEED, 0);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, one, 0, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);
    KT_ASSERT_EQ(paging + 1, fcb->Vcb->PagingWrites);

    /* Two pages from page 2: the end of file (in page 3) rounded up to a page is the end of
     * page 3, but the clusters end before it with 512-byte clusters: 4608 bytes then. */
    FillPattern(two, FP_WRITE_SEED, 2 * PAGE_SIZE);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, two, 2 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(MIN(4 * PAGE_SIZE, clusters << fcb->Vcb->ClusterShift) - 2 * PAGE_SIZE, moved);
    KT_ASSERT_EQ(fcb->Vcb->BytesPerCluster == 512 ? 4608 : 2 * PAGE_SIZE, moved);

    /* From past the end of file (in its last page, and far beyond): nothing, successfully. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, one, 12800, &moved));
    KT_ASSERT_EQ(0, moved);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, one, 16 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(0, moved);
    KT_ASSERT_EQ(paging + 2, fcb->Vcb->PagingWrites);

    /* The file neither grew nor shrank. */
    KT_ASSERT_EQ(size, fcb->FileSize);
    KT_ASSERT_EQ(clusters, fcb->AllocationClusters);

    /* Read back by paging: new page 0, old page 1, new page 2 up to the end, zeros after. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, four, 0, &moved));
    KT_ASSERT_EQ(size, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(four, 0, PAGE_SIZE, FP_WRITE_SEED, 0));
    KT_ASSERT_EQ(2 * PAGE_SIZE, FirstDifference(four, PAGE_SIZE, 2 * PAGE_SIZE, seed, 0));
    KT_ASSERT_EQ(size, FirstDifference(four, 2 * PAGE_SIZE, size, FP_WRITE_SEED, 0));
    KT_ASSERT_EQ(4 * PAGE_SIZE, FirstDifference(four, size, 4 * PAGE_SIZE, FP_ZEROS, 0));

    /* ... and by an ordinary read, which must not answer from the stale bounce window. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, OrdinaryRead(file, buffer, 2 * PAGE_SIZE, 0));
    for (uint32_t i = 0; i < 2 * PAGE_SIZE; i++) {
        if (buffer[i] != PatternByte(i < PAGE_SIZE ? FP_WRITE_SEED : seed, i))
            KT_ASSERT_EQ(PatternByte(i < PAGE_SIZE ? FP_WRITE_SEED : seed, i), buffer[i]);
    }
}

KTEST(TestFatPagingFragmented, "fat.paging.fragmented")
{
    FILE_OBJECT *file = OpenOrSkip(&FpFrag);
    FCB *fcb = file->FsContext;
    uint32_t size = FpFrag.Size, seed = FpFrag.Seed, moved, allocated, tail;
    MDL *all = NewPages(7), *one = NewPages(1);

    allocated = fcb->AllocationClusters << fcb->Vcb->ClusterShift;
    KtPrint("%s: %u bytes, %u clusters of %u bytes in %u runs", FpFrag.Name, size,
            fcb->AllocationClusters, fcb->Vcb->BytesPerCluster, fcb->Mcb.RunCount);
    KT_ASSERT_GE(fcb->Mcb.RunCount, 3);   /* tests/fatpaging.t makes 7 or 3 */
    KT_ASSERT_EQ(fcb->AllocationClusters, fcb->Mcb.Clusters);

    /* The whole file in one request: runs end inside pages. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, all, 0, &moved));
    KT_ASSERT_EQ(size, moved);
    KT_ASSERT_EQ(size, FirstDifference(all, 0, size, seed, 0));
    KT_ASSERT_EQ(7 * PAGE_SIZE, FirstDifference(all, size, 7 * PAGE_SIZE, FP_ZEROS, 0));

    /* Page 1 written, then the last page: trimmed to the clusters allocated. */
    FillPattern(one, FP_FRAG_SEED, PAGE_SIZE);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, one, PAGE_SIZE, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);
    FillPattern(one, FP_FRAG_SEED, 6 * PAGE_SIZE);
    tail = MIN(allocated, 7 * PAGE_SIZE) - 6 * PAGE_SIZE;
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, one, 6 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(tail, moved);
    if (fcb->Vcb->BytesPerCluster == 512)
        KT_ASSERT_EQ(512, moved);                   /* 300 bytes: one cluster */
    KT_ASSERT_EQ(size, fcb->FileSize);

    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, all, 0, &moved));
    KT_ASSERT_EQ(size, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(all, 0, PAGE_SIZE, seed, 0));
    KT_ASSERT_EQ(2 * PAGE_SIZE, FirstDifference(all, PAGE_SIZE, 2 * PAGE_SIZE, FP_FRAG_SEED, 0));
    KT_ASSERT_EQ(6 * PAGE_SIZE, FirstDifference(all, 2 * PAGE_SIZE, 6 * PAGE_SIZE, seed, 0));
    KT_ASSERT_EQ(size, FirstDifference(all, 6 * PAGE_SIZE, size, FP_FRAG_SEED, 0));
}

/* A thread doing one paging read of page 1 of a file. */
typedef struct _FP_READER {
    FILE_OBJECT *File;
    MDL *Mdl;
    NTSTATUS Status;
    uint32_t Information;
    KIRQL Irql;
    volatile bool Done;
    KEVENT Finished;
} FP_READER;

static void ReaderThread(void *Context)
{
    FP_READER *reader = Context;
    IO_STATUS_BLOCK iosb;

    reader->Status = IoPageReadFile(reader->File, reader->Mdl, PAGE_SIZE, &iosb);
    reader->Information = iosb.Information;
    reader->Irql = KeGetCurrentIrql();
    reader->Done = true;
    KeSetEvent(&reader->Finished);
}

static void StartReader(FP_READER *Reader, FILE_OBJECT *File, MDL *Mdl, KTHREAD **Thread)
{
    memset(Reader, 0, sizeof(*Reader));
    Reader->File = File;
    Reader->Mdl = Mdl;
    Reader->Status = (NTSTATUS)0xDEADBEEF;
    KeInitializeEvent(&Reader->Finished, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(Thread, ReaderThread, Reader,
                                                          KI_DEFAULT_PRIORITY, "FatPagingReader"));
}

/* Waits Ms for the reader; STATUS_TIMEOUT if it is not done. */
static NTSTATUS WaitReader(FP_READER *Reader, uint32_t Ms)
{
    int64_t timeout = KI_MILLISECONDS(Ms);

    return KeWaitForSingleObject(&Reader->Finished, Executive, KernelMode, false, &timeout);
}

static void ReleaseVolume(void *Vcb)
{
    ExReleaseFastMutex(&((VCB *)Vcb)->Resource);
}

KTEST(TestFatPagingVolumeLocked, "fat.paging.volume_locked")
{
    FILE_OBJECT *file = OpenOrSkip(&FpRead);
    FCB *fcb = file->FsContext;
    VCB *vcb = fcb->Vcb;
    MDL *mine = NewPages(1), *theirs = NewPages(1);
    uint32_t moved, seed = FpRead.Seed;
    FP_READER reader;
    KTHREAD *thread;
    NTSTATUS waited;

    /* The volume's lock held, as FatFsdDispatch holds it around an ordinary read whose copy
     * to the caller's buffer faults. (Re-acquired by its owner, the fast mutex would stop
     * the system with MUTEX_LEVEL_NUMBER_VIOLATION: paging I/O must not take it.) */
    ExAcquireFastMutex(&vcb->Resource);
    KtDefer(ReleaseVolume, vcb);
    KT_ASSERT_EQ(APC_LEVEL, KeGetCurrentIrql());

    /* The same thread, at APC_LEVEL: the in-page read of a view of the same file. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, mine, 2 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(mine, 0, PAGE_SIZE, seed, 2 * PAGE_SIZE));
    /* ... and a paging write of the same bytes back (the file stays as the host made it). */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingWrite(file, mine, 2 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);

    /* Another thread, while this one holds the lock. */
    FillPages(theirs, 0xCC);
    StartReader(&reader, file, theirs, &thread);
    waited = WaitReader(&reader, FP_WAIT_MS);
    KT_ASSERT_STATUS(STATUS_SUCCESS, waited);
    KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
    KeDereferenceThread(thread);
    KT_ASSERT(reader.Done);
    KT_ASSERT_STATUS(STATUS_SUCCESS, reader.Status);
    KT_ASSERT_EQ(PAGE_SIZE, reader.Information);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(theirs, 0, PAGE_SIZE, seed, PAGE_SIZE));
    KT_ASSERT(vcb->Resource.Count <= 0);                /* still held, by this thread */
    KT_ASSERT_PTR_EQ(KeGetCurrentThread(), vcb->Resource.Owner);
    KtRelease(ReleaseVolume, vcb);
    KT_ASSERT_EQ(PASSIVE_LEVEL, KeGetCurrentIrql());
}

static void ReleasePaging(void *Fcb)
{
    FatReleaseResource(&((FCB *)Fcb)->PagingIoResource);
}

/* A thread taking a PagingIoResource exclusive and letting it go at once. */
typedef struct _FP_EXCLUSIVE {
    FCB *Fcb;
    KEVENT Finished;
} FP_EXCLUSIVE;

static void ExclusiveThread(void *Context)
{
    FP_EXCLUSIVE *exclusive = Context;

    FatAcquireResourceExclusive(&exclusive->Fcb->PagingIoResource, true);
    FatReleaseResource(&exclusive->Fcb->PagingIoResource);
    KeSetEvent(&exclusive->Finished);
}

static void StartExclusive(FP_EXCLUSIVE *Exclusive, FCB *Fcb, KTHREAD **Thread)
{
    Exclusive->Fcb = Fcb;
    KeInitializeEvent(&Exclusive->Finished, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(Thread, ExclusiveThread, Exclusive,
                                                          KI_DEFAULT_PRIORITY, "FatExclusive"));
}

static NTSTATUS WaitExclusive(FP_EXCLUSIVE *Exclusive, uint32_t Ms)
{
    int64_t timeout = KI_MILLISECONDS(Ms);

    return KeWaitForSingleObject(&Exclusive->Finished, Executive, KernelMode, false, &timeout);
}

KTEST(TestFatPagingResource, "fat.paging.resource")
{
    FILE_OBJECT *file = OpenOrSkip(&FpRead);
    FCB *fcb = file->FsContext;
    MDL *mdl = NewPages(1);
    uint32_t contention;
    FP_EXCLUSIVE exclusive;
    FP_READER reader;
    KTHREAD *thread;

    /* Exclusive (what a truncation or an MCB change holds): the paging read waits ... */
    KT_ASSERT(FatAcquireResourceExclusive(&fcb->PagingIoResource, true));
    KtDefer(ReleasePaging, fcb);
    KT_ASSERT(!FatAcquireResourceShared(&fcb->PagingIoResource, false));
    contention = fcb->PagingIoResource.Contention;
    FillPages(mdl, 0xCC);
    StartReader(&reader, file, mdl, &thread);
    KT_ASSERT_STATUS(STATUS_TIMEOUT, WaitReader(&reader, 300));
    KT_ASSERT(!reader.Done);
    /* ... until it is released. */
    KtRelease(ReleasePaging, fcb);
    KT_ASSERT_STATUS(STATUS_SUCCESS, WaitReader(&reader, FP_WAIT_MS));
    KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
    KeDereferenceThread(thread);
    KT_ASSERT_STATUS(STATUS_SUCCESS, reader.Status);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(mdl, 0, PAGE_SIZE, FpRead.Seed, PAGE_SIZE));
    KT_ASSERT_EQ(contention + 1, fcb->PagingIoResource.Contention);

    /* Shared (another paging I/O in progress): the paging read goes on at once. */
    KT_ASSERT(FatAcquireResourceShared(&fcb->PagingIoResource, true));
    KtDefer(ReleasePaging, fcb);
    KT_ASSERT(!FatAcquireResourceExclusive(&fcb->PagingIoResource, false));
    StartReader(&reader, file, mdl, &thread);
    KT_ASSERT_STATUS(STATUS_SUCCESS, WaitReader(&reader, FP_WAIT_MS));
    KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
    KeDereferenceThread(thread);
    KT_ASSERT_STATUS(STATUS_SUCCESS, reader.Status);
    KT_ASSERT_EQ(contention + 1, fcb->PagingIoResource.Contention);

    /* ... and an exclusive acquirer waits for it, holding back new shared owners. */
    StartExclusive(&exclusive, fcb, &thread);
    KT_ASSERT_STATUS(STATUS_TIMEOUT, WaitExclusive(&exclusive, 300));
    KT_ASSERT_EQ(1, fcb->PagingIoResource.ExclusiveWaiters);
    KT_ASSERT(!FatAcquireResourceShared(&fcb->PagingIoResource, false));
    KtRelease(ReleasePaging, fcb);
    KT_ASSERT_STATUS(STATUS_SUCCESS, WaitExclusive(&exclusive, FP_WAIT_MS));
    KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
    KeDereferenceThread(thread);
    KT_ASSERT_EQ(0, fcb->PagingIoResource.ActiveCount);
    KT_ASSERT_EQ(0, fcb->PagingIoResource.ExclusiveWaiters);
    KT_ASSERT_EQ(contention + 2, fcb->PagingIoResource.Contention);
}

/*
 * The racing paging writer: page 0 of FRAG.BIN written Rounds times, alternately FRAG.BIN's
 * own bytes and another pattern (its own last); before each write, a paging read checks that
 * the page still holds what it wrote last.
 */
#define FP_WINDOW_ROUNDS    200
#define FP_WINDOW_SEED      0x60

typedef struct _FP_WRITER {
    FILE_OBJECT *File;
    MDL *Mdl, *Check;
    NTSTATUS Status;
    uint32_t Undone;                    /* rounds that found the page not as written */
    KEVENT Finished;
} FP_WRITER;

static uint32_t WriterSeed(uint32_t Round)
{
    return (FP_WINDOW_ROUNDS - 1 - Round) % 2 ? FP_WINDOW_SEED : FpFrag.Seed;
}

static void WriterThread(void *Context)
{
    FP_WRITER *writer = Context;
    IO_STATUS_BLOCK iosb;

    writer->Status = STATUS_SUCCESS;
    for (uint32_t round = 0; round < FP_WINDOW_ROUNDS && NT_SUCCESS(writer->Status); round++) {
        uint8_t *va = MmMapLockedPagesSpecifyCache(writer->Mdl, KernelMode, MmCached, NULL,
                                                   false, HighPagePriority);
        uint8_t *check;

        if (!va) {
            writer->Status = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
        if (round) {
            writer->Status = IoPageReadFile(writer->File, writer->Check, 0, &iosb);
            check = MmMapLockedPagesSpecifyCache(writer->Check, KernelMode, MmCached, NULL,
                                                 false, HighPagePriority);
            if (check) {
                writer->Undone += memcmp(check, va, PAGE_SIZE) != 0;
                MmUnmapLockedPages(check, writer->Check);
            }
        }
        for (uint32_t i = 0; i < PAGE_SIZE; i++)
            va[i] = PatternByte(WriterSeed(round), i);
        MmUnmapLockedPages(va, writer->Mdl);
        if (NT_SUCCESS(writer->Status))
            writer->Status = IoSynchronousPageWrite(writer->File, writer->Mdl, 0, &iosb);
    }
    KeSetEvent(&writer->Finished);
}

KTEST(TestFatPagingWindow, "fat.paging.window")
{
    FILE_OBJECT *frag = OpenOrSkip(&FpFrag), *filler = OpenOrSkip(&FpFiller);
    uint32_t length = ((FCB *)filler->FsContext)->FileSize, rounds = 0;
    uint8_t *buffer = KtAllocatePool(NonPagedPool, length, FP_TAG);
    FP_WRITER writer = { .File = frag, .Status = (NTSTATUS)0xDEADBEEF };
    int64_t poll = KI_MILLISECONDS(0);
    KTHREAD *thread;

    writer.Mdl = NewPages(1);
    writer.Check = NewPages(1);
    KeInitializeEvent(&writer.Finished, NotificationEvent, false);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&thread, WriterThread, &writer,
                                                          KI_DEFAULT_PRIORITY, "FatPagingWriter"));
    /* F02.BIN read and written back whole (3 clusters: the window is read, then written)
     * until the writer is done. */
    do {
        KT_ASSERT_STATUS(STATUS_SUCCESS, OrdinaryRead(filler, buffer, length, 0));
        KT_ASSERT_STATUS(STATUS_SUCCESS, OrdinaryWrite(filler, buffer, length, 0));
        rounds++;
    } while (KeWaitForSingleObject(&writer.Finished, Executive, KernelMode, false, &poll) ==
             STATUS_TIMEOUT);
    KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
    KeDereferenceThread(thread);
    KtPrint("%u paging writes raced %u ordinary read-modify-writes: %u undone",
            FP_WINDOW_ROUNDS, rounds, writer.Undone);
    KT_ASSERT_STATUS(STATUS_SUCCESS, writer.Status);
    KT_ASSERT_EQ(0, writer.Undone);
    KT_ASSERT_GT(rounds, 10);

    /* FRAG.BIN's page 0 is its own bytes again, read by paging and ordinarily; F02.BIN is
     * all 'C' as it was. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, OrdinaryRead(frag, buffer, MIN(length, PAGE_SIZE), 0));
    for (uint32_t i = 0; i < MIN(length, PAGE_SIZE); i++) {
        if (buffer[i] != PatternByte(FpFrag.Seed, i))
            KT_ASSERT_EQ(PatternByte(FpFrag.Seed, i), buffer[i]);
    }
    KT_ASSERT_STATUS(STATUS_SUCCESS, OrdinaryRead(filler, buffer, length, 0));
    for (uint32_t i = 0; i < length; i++) {
        if (buffer[i] != FpFiller.Seed)
            KT_ASSERT_EQ(FpFiller.Seed, buffer[i]);
    }
}

KTEST(TestFatPagingDiskError, "fat.pagingerror.disk")
{
    FILE_OBJECT *file = OpenOrSkip(&FpRead);
    MDL *mdl = NewPages(1);
    uint32_t moved = 0xDEADBEEF;
    NTSTATUS status;

    status = PagingRead(file, mdl, 0, &moved);
    KtPrint("paging read of page 0: status 0x%08x", (uint32_t)status);
    KT_ASSERT_STATUS(STATUS_IO_DEVICE_ERROR, status);
    KT_ASSERT_EQ(0, moved);
    status = PagingWrite(file, mdl, 0, &moved);
    KtPrint("paging write of page 0: status 0x%08x", (uint32_t)status);
    KT_ASSERT_STATUS(STATUS_IO_DEVICE_ERROR, status);
    KT_ASSERT_EQ(0, moved);
    /* The disk goes on working for the rest of the file. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PagingRead(file, mdl, 2 * PAGE_SIZE, &moved));
    KT_ASSERT_EQ(PAGE_SIZE, moved);
    KT_ASSERT_EQ(PAGE_SIZE, FirstDifference(mdl, 0, PAGE_SIZE, FpRead.Seed, 2 * PAGE_SIZE));
}
