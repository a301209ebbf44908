/*
 * mm/modwrite.c: the modified page writer, a thread at LOW_REALTIME_PRIORITY + 1. Modified
 * pages (dirty, no longer in a working set) must reach a paging file before their memory can
 * be reused. When woken (the modified list grew while memory is short, or a fault is waiting
 * for pages), the writer takes the run of modified pages around the list's first in memory,
 * up to 16, gives them consecutive slots in one paging file (the files taken in turn), and
 * writes them in one disk request, NT's MiGatherPagefilePages:
 *
 *   each page: off the list, one more reference, Modified = 0, WriteInProgress = 1,
 *              OriginalPte = its slot
 *
 * When the write completes, each page goes to the standby list — or back to the modified
 * list if it was written to meanwhile (its new slot is released) or if the write failed.
 *
 * A write that fails (an error or a timeout) is tried again in halves, down to single pages,
 * and only a slot that fails alone is marked bad: never used again, and taken out of the
 * commit limit; its page is written elsewhere. A disk that is gone — no device, a single page
 * that times out, or MI_BAD_SLOTS_TO_RETIRE bad slots in a row — has its file retired
 * (MiRetirePagingFile): nothing more is written there, its slots leave the commit limit, and
 * the pages whose only copy on disk it held are marked modified, to be written elsewhere.
 *
 * A data file's modified page (MiIsMappedFilePage) is never written here: the gathering
 * passes over it, and the writer wakes the mapped page writer (datasec.c), which writes it to
 * its file.
 */
#include "mm/mi.h"

#define MI_WRITER_IDLE_MS       1000
#define MI_BAD_SLOTS_TO_RETIRE  32

static uint32_t MiNextPagingFileToWrite;
NTSTATUS MiLastModifiedWriteError;      /* the status of the last write that failed */

static bool MiShouldWriteModifiedPages(void)
{
    return MmModifiedPageListHead.Total != 0 && MmNumberOfPagingFiles != 0 &&
           (MmAvailablePages < MM_PLENTY_FREE_LIMIT ||
            MmModifiedPageListHead.Total >= MmModifiedPageMaximum);
}

/* The next paging file, in turn, with a free slot; NULL if none has one. PFN lock held. */
static MMPAGING_FILE *MiChoosePagingFile(void)
{
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++) {
        MMPAGING_FILE *file = MmPagingFile[(MiNextPagingFileToWrite + i) % MmNumberOfPagingFiles];

        if (file->FreeSpace && !file->Retired) {
            MiNextPagingFileToWrite = (file->PageFileNumber + 1) % MmNumberOfPagingFiles;
            return file;
        }
    }
    return NULL;
}

/* The frame whose transition PTE is Pte (read through View, where it is mapped now), if that
 * page waits on the modified list; else 0. */
static uint32_t MiModifiedPageAt(const MMPTE *View, MMPTE *Pte)
{
    MMPTE contents = *View;
    MMPFN *pfn;

    if (contents.u.Hard.Valid || contents.u.Soft.Prototype || !contents.u.Soft.Transition)
        return 0;
    pfn = MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber);
    if (pfn->u3.e1.PageLocation != ModifiedPageList || pfn->PteAddress != Pte ||
        MiIsMappedFilePage(pfn))                /* a data file's: the mapped writer's */
        return 0;
    return contents.u.Trans.PageFrameNumber;
}

/*
 * The pages to write next, in address order: the run of modified pages in the page table
 * that holds the modified list's first, from the run's start, at most Wanted. Neighbours in
 * memory thus get neighbouring slots, in the same runs whichever page of them left the
 * working set first, and a fault reads them back in one request. A user page's table may
 * belong to any process: it is read through hyperspace. A shared page's PTE is its prototype
 * PTE, in paged pool, and its "table" the pool page of prototypes: the run is the neighbouring
 * pages of the same section, read back in one request too. PFN lock held.
 */
static uint32_t MiGatherNeighbours(uint32_t First, uint32_t Wanted, uint32_t *Frames)
{
    MMPFN *firstPfn = MI_PFN_ELEMENT(First);
    MMPTE *pte = firstPfn->PteAddress;
    uint32_t count = 0, frame = First, previous;
    KIRQL hyperIrql = PASSIVE_LEVEL;
    void *mapped = NULL;
    intptr_t shift = 0;                 /* from a PTE's address to where it can be read */

    if (MiIsUserPteAddress(pte) || !MmIsAddressValid(pte)) {
        mapped = MiMapPageInHyperSpace(firstPfn->u4.PteFrame, &hyperIrql);
        shift = (intptr_t)mapped - (intptr_t)PAGE_ALIGN(pte);
    }
#define VIEW(p) ((const MMPTE *)((intptr_t)(p) + shift))
    if (MiModifiedPageAt(VIEW(pte), pte) != First) {
        Frames[count++] = First;
        goto done;
    }
    while (!MiIsPteOnPdeBoundary(pte) && (previous = MiModifiedPageAt(VIEW(pte - 1), pte - 1)) != 0) {
        pte--;
        frame = previous;
    }
    do {
        Frames[count++] = frame;
        pte++;
    } while (count < Wanted && !MiIsPteOnPdeBoundary(pte) &&
             (frame = MiModifiedPageAt(VIEW(pte), pte)) != 0);
#undef VIEW
done:
    if (mapped)
        MiUnmapPageInHyperSpace(mapped, hyperIrql);
    return count;
}

/* Modified pages for one write, slots reserved; returns how many. PFN lock held. */
static uint32_t MiGatherPagefilePages(MMPAGING_FILE **File, uint32_t *StartSlot, uint32_t *Frames)
{
    MMPAGING_FILE *file = MiChoosePagingFile();
    uint32_t count, first = MmModifiedPageListHead.Flink;

    /* A data file's modified pages go to their file (the mapped page writer, datasec.c). */
    while (first != MM_EMPTY_LIST && MiIsMappedFilePage(MI_PFN_ELEMENT(first)))
        first = MI_PFN_ELEMENT(first)->u1.Flink;
    if (!file || first == MM_EMPTY_LIST)        /* emptied since Needed() looked */
        return 0;
    count = MiGatherNeighbours(first, MmModifiedWriteClusterSize, Frames);
    count = MiReservePageFileSlots(file, count, StartSlot);
    for (uint32_t i = 0; i < count; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(Frames[i]);

        MiUnlinkPageFromList(pfn);
        pfn->u3.e2.ReferenceCount++;
        pfn->u3.e1.PageLocation = TransitionPage;
        pfn->u3.e1.Modified = 0;
        pfn->u3.e1.WriteInProgress = 1;
        pfn->OriginalPte.u.Long = (pfn->OriginalPte.u.Long & CLEAR_FOR_PAGE_FILE) |
                                  (file->PageFileNumber << 1) | ((*StartSlot + i) << PAGE_SHIFT);
    }
    *File = file;
    return count;
}

/*
 * The resident pages whose only copy on disk is in File (clean, active or standby) are marked
 * modified and their slots released, so the writer puts them elsewhere; returns how many.
 * PFN lock held.
 */
uint32_t MiRescuePagesOfFile(const MMPAGING_FILE *File)
{
    uint32_t rescued = 0;

    for (uint32_t frame = 0; frame <= MmHighestPhysicalPage; frame++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frame);
        MMPTE original = pfn->OriginalPte;
        uint32_t location = pfn->u3.e1.PageLocation;
        uint32_t offset = GET_PAGING_FILE_OFFSET(original);

        if ((location != ActiveAndValid && location != StandbyPageList) || pfn->u3.e1.Modified ||
            original.u.Soft.Prototype || original.u.Soft.Transition ||
            GET_PAGING_FILE_NUMBER(original) != File->PageFileNumber || offset == 0 ||
            offset >= File->Size || !RtlCheckBit(&File->Bitmap, offset))
            continue;
        MiSetModified(pfn);
        if (location == StandbyPageList) {
            MiUnlinkPageFromList(pfn);
            pfn->u3.e1.PageLocation = TransitionPage;
            MiInsertPageInList(&MmModifiedPageListHead, frame);
        }
        rescued++;
    }
    return rescued;
}

/*
 * File's disk is gone: nothing more is written to it, its slots leave the commit limit (as
 * far as the commitment already granted allows; the rest is owed), and the pages it alone
 * held are written elsewhere. Reads of what it holds are still tried.
 */
static void MiRetirePagingFile(MMPAGING_FILE *File, NTSTATUS Status)
{
    uint32_t rescued;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    if (File->Retired) {
        UNLOCK_PFN(oldIrql);
        return;
    }
    File->Retired = true;
    rescued = MiRescuePagesOfFile(File);
    UNLOCK_PFN(oldIrql);
    MiAdjustCommitLimit(-(int32_t)(File->Size - 1 - File->BadSlots));
    DbgPrint("Paging file %u retired: disk %u does not take writes (status 0x%08x, %u bad slots); "
             "%u pages to be written elsewhere\n", File->PageFileNumber, File->Disk,
             (uint32_t)Status, File->BadSlots, rescued);
}

/* Whether a write that failed with Status says File's disk is gone. */
static bool MiIsPagingFileGone(const MMPAGING_FILE *File, NTSTATUS Status, uint32_t Count)
{
    return Status == STATUS_NO_SUCH_DEVICE || (Status == STATUS_IO_TIMEOUT && Count == 1) ||
           File->BadSlotsInARow >= MI_BAD_SLOTS_TO_RETIRE;
}

/*
 * The write of Count pages is over (NT's MiWriteComplete), Statuses[i] saying how it went for
 * page i. A page whose write failed stays modified, to be written elsewhere: its slot is bad
 * from now on (and out of the commit limit), or just released if the file was retired, which
 * took all its slots out of the limit at once. PFN lock held.
 */
static void MiWriteComplete(MMPAGING_FILE *File, const uint32_t *Frames, const NTSTATUS *Statuses,
                            uint32_t Count)
{
    for (uint32_t i = 0; i < Count; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(Frames[i]);

        pfn->u3.e1.WriteInProgress = 0;
        if (!NT_SUCCESS(Statuses[i])) {
            if (File->Retired) {
                MiReleasePageFileSpace(pfn->OriginalPte);
            } else {
                File->BadSlots++;
                MiAdjustCommitLimit(-1);
            }
            pfn->OriginalPte.u.Soft.PageFileHigh = 0;
            pfn->u3.e1.Modified = 1;
        } else {
            MmInfoCounters.DirtyPagesWriteCount++;
            if (pfn->u3.e1.Modified) {              /* written to meanwhile: stale already */
                MiReleasePageFileSpace(pfn->OriginalPte);
                pfn->OriginalPte.u.Soft.PageFileHigh = 0;
            }
        }
        MiDecrementReferenceCount(Frames[i]);
    }
}

/* NT's MMMOD_WRITER_MDL_ENTRY, the part mm386 needs: an MDL and its page array. The pages are
 * held by the writer's reference meanwhile (MiGatherPagefilePages). */
typedef struct _MMMOD_WRITER_MDL {
    MDL Mdl;
    uint32_t Page[MM_MAXIMUM_WRITE_CLUSTER];
} MMMOD_WRITER_MDL;

static NTSTATUS MiWritePages(MMPAGING_FILE *File, uint32_t StartSlot, const uint32_t *Frames,
                            uint32_t Count)
{
    MMMOD_WRITER_MDL writer;

    MmInitializeMdl(&writer.Mdl, NULL, Count * PAGE_SIZE);
    writer.Mdl.MdlFlags = MDL_PAGES_LOCKED;
    memcpy(writer.Page, Frames, Count * sizeof(uint32_t));
    return MiWritePagingFile(File, StartSlot, &writer.Mdl);
}

/*
 * Write Count pages to File's slots from StartSlot; if that fails, each half again, down to
 * single pages (a smaller transfer has a shorter timeout, which a slow disk may meet), so
 * only a slot that fails alone is called bad. Once the file is found gone nothing more is
 * tried. Returns how each page went in Statuses.
 */
static void MiWriteCluster(MMPAGING_FILE *File, uint32_t StartSlot, const uint32_t *Frames,
                           uint32_t Count, NTSTATUS *Statuses)
{
    NTSTATUS status = File->Retired ? STATUS_NO_SUCH_DEVICE
                                    : MiWritePages(File, StartSlot, Frames, Count);
    uint32_t half = Count / 2;

    if (!File->Retired) {
        MmInfoCounters.DirtyWriteIoCount++;
        if (NT_SUCCESS(status)) {
            File->BadSlotsInARow = 0;
        } else {
            MmInfoCounters.WriteErrorCount++;
            MiLastModifiedWriteError = status;
            File->BadSlotsInARow += Count == 1;
            if (MiIsPagingFileGone(File, status, Count))
                MiRetirePagingFile(File, status);
        }
    }
    if (NT_SUCCESS(status) || Count == 1 || File->Retired || !MiIsRetryableIoError(status)) {
        for (uint32_t i = 0; i < Count; i++)
            Statuses[i] = status;
        return;
    }
    MiWriteCluster(File, StartSlot, Frames, half, Statuses);
    MiWriteCluster(File, StartSlot + half, Frames + half, Count - half, Statuses + half);
}

/* Write clusters while Needed says so and something can be written. */
static void MiWriteModifiedPages(bool (*Needed)(void))
{
    uint32_t frames[MM_MAXIMUM_WRITE_CLUSTER];
    NTSTATUS statuses[MM_MAXIMUM_WRITE_CLUSTER];

    while (Needed()) {
        MMPAGING_FILE *file = NULL;
        uint32_t start = 0, count;
        KIRQL oldIrql;

        LOCK_PFN(oldIrql);
        count = MiGatherPagefilePages(&file, &start, frames);
        UNLOCK_PFN(oldIrql);
        if (count == 0)
            return;
        MiWriteCluster(file, start, frames, count, statuses);
        LOCK_PFN(oldIrql);
        MiWriteComplete(file, frames, statuses, count);
        UNLOCK_PFN(oldIrql);
    }
}

static void MiModifiedPageWriter(void *Context)
{
    int64_t idle = KI_MILLISECONDS(MI_WRITER_IDLE_MS);

    (void)Context;
    for (;;) {
        KeWaitForSingleObject(&MmModifiedPageWriterEvent, Executive, KernelMode, false, &idle);
        if (MmModifiedPageListHead.Total != 0)
            MiWakeMappedPageWriter();
        MiWriteModifiedPages(MiShouldWriteModifiedPages);
    }
}

static bool MiModifiedPagesLeft(void)
{
    return MmModifiedPageListHead.Total != 0 && MmNumberOfPagingFiles != 0;
}

/* Write every modified page now, on the caller's thread; returns how many are left (those no
 * paging file could take). */
uint32_t MmEmptyModifiedPageList(void)
{
    MiWriteMappedModifiedPages();
    MiWriteModifiedPages(MiModifiedPagesLeft);
    return MmModifiedPageListHead.Total;
}

void MiStartModifiedPageWriter(void)
{
    NTSTATUS status = PsCreateSystemThread(NULL, MiModifiedPageWriter, NULL,
                                           LOW_REALTIME_PRIORITY + 1, "ModWriter");

    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 1, 0, 0);
}
