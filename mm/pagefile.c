/*
 * mm/pagefile.c: paging files. MmPagingFile[n] is paging file n, the number a software PTE
 * carries in PageFileLow; PageFileHigh is the page's slot in it. A paging file is a run of
 * sectors on an ATA disk (inside a partition of type 0x82, pfregion.c says where); slot s
 * is the 4 KB at StartingLba + 8 s. A paging file may also be a file on a volume
 * (C:\pagefile.sys): its sectors are the runs its file system gave when it was opened, and
 * slot s is the file's bytes 4096 s .. 4096 s + 4095, wherever they lie; a slot whose sectors
 * are split between two runs is never used. Each file's bitmap has one bit per slot, set while
 * the slot holds a page (or after a write to it failed: a bad slot is never used again); slot
 * 0 is never used, so offset 0 in a PTE means "no copy in a paging file".
 */
#include "mm/mi.h"

#define MI_PAGING_FILE_TAG          0x67615046  /* 'FPag' */
#define MI_MAXIMUM_FAULT_TRANSFER   MAX(MM_SEQUENTIAL_READ_CLUSTER, \
                                        MAX(MM_MAXIMUM_READ_CLUSTER, MM_MAXIMUM_WRITE_CLUSTER))
#define MI_MAXIMUM_PAGING_TRANSFER  MAX(MI_MAXIMUM_FAULT_TRANSFER, MM_READ_AHEAD_CLUSTER)

/* A paging file's transfer is one disk request (IoPageRead / IoPageWrite do not split it):
 * a fault's or the writer's within what a disk without LBA48 takes; a read ahead is cut to
 * what its disk takes (MiReadAheadPageFile). */
_Static_assert(MI_MAXIMUM_FAULT_TRANSFER <= HAL_ATA_MAX_LBA28_PAGES, "paging transfer");

MMPAGING_FILE *MmPagingFile[MAX_PAGE_FILES];
uint32_t MmNumberOfPagingFiles;

bool MiOverlapsPagingFile(uint32_t Disk, uint64_t StartingLba, uint64_t Sectors)
{
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++) {
        const MMPAGING_FILE *file = MmPagingFile[i];

        for (uint32_t r = 0; file->Disk == Disk && r < file->RunCount; r++) {
            const MMPAGING_FILE_RUN *run = &file->Runs[r];
            uint64_t runSectors = (uint64_t)run->Slots * HAL_ATA_SECTORS_PER_PAGE;

            if (StartingLba < run->Lba + runSectors && run->Lba < StartingLba + Sectors)
                return true;
        }
    }
    return false;
}

/*
 * The slot runs of a file whose sectors are Runs (in the order of its bytes) into Slots (NULL:
 * only count them), no slot past SizeInPages; returns how many. A slot lies whole in a run or
 * is in none.
 */
static uint32_t MiSlotRunsOfSectors(const IO_SECTOR_RUN *Runs, uint32_t RunCount,
                                    uint32_t SizeInPages, MMPAGING_FILE_RUN *Slots)
{
    uint64_t fileSector = 0;
    uint32_t count = 0;

    for (uint32_t r = 0; r < RunCount; r++) {
        uint64_t first = ROUND_UP(fileSector, HAL_ATA_SECTORS_PER_PAGE) / HAL_ATA_SECTORS_PER_PAGE;
        uint64_t end = MIN((fileSector + Runs[r].Sectors) / HAL_ATA_SECTORS_PER_PAGE,
                           (uint64_t)SizeInPages);

        if (end > first) {
            if (Slots)
                Slots[count] = (MMPAGING_FILE_RUN){
                    (uint32_t)first, (uint32_t)(end - first),
                    Runs[r].Lba + first * HAL_ATA_SECTORS_PER_PAGE - fileSector };
            count++;
        }
        fileSector += Runs[r].Sectors;
    }
    return count;
}

/* The pages a file of those runs can hold as a paging file, at most SizeInPages. */
static uint32_t MiPagesOfSectorRuns(const IO_SECTOR_RUN *Runs, uint32_t RunCount, uint32_t SizeInPages)
{
    uint64_t sectors = 0;

    for (uint32_t r = 0; r < RunCount; r++)
        sectors += Runs[r].Sectors;
    return (uint32_t)MIN(sectors / HAL_ATA_SECTORS_PER_PAGE, (uint64_t)SizeInPages);
}

/*
 * A paging file made ready but not yet in use, once NtCreatePagingFile's checks pass
 * (MmCheckPagingFile, MmCheckPagingFileRuns: nothing is written otherwise): checked, its
 * structure allocated (the slot bitmap and the runs after it) and its first page zeroed, as
 * NT clears an old crash dump (the write that shows the disk takes writes). NULL with
 * *Status on failure.
 */
static MMPAGING_FILE *MiPreparePagingFile(const MM_PAGING_FILE_REQUEST *Request, NTSTATUS *Status)
{
    uint32_t size = Request->SizeInPages, runCount = 1, bitmapBytes, holes;
    struct { MDL Mdl; uint32_t Frame; } zero;
    NTSTATUS status;
    MMPAGING_FILE *file;
    KIRQL oldIrql;

    if (Request->Runs) {
        size = MiPagesOfSectorRuns(Request->Runs, Request->RunCount, Request->SizeInPages);
        status = MmCheckPagingFileRuns(Request->Disk, Request->Runs, Request->RunCount, size);
        if (NT_SUCCESS(status))
            runCount = MiSlotRunsOfSectors(Request->Runs, Request->RunCount, size, NULL);
    } else {
        status = MmCheckPagingFile(Request->Disk, Request->StartingLba, size);
    }
    *Status = status;
    if (!NT_SUCCESS(status))
        return NULL;
    bitmapBytes = ROUND_UP(size, 32) / 8;
    file = ExAllocatePoolWithTag(NonPagedPool, sizeof(*file) + bitmapBytes +
                                 runCount * sizeof(MMPAGING_FILE_RUN), MI_PAGING_FILE_TAG);
    if (!file) {
        *Status = STATUS_INSUFFICIENT_RESOURCES;
        return NULL;
    }
    RtlZeroMemory(file, sizeof(*file));
    file->Runs = (MMPAGING_FILE_RUN *)((uint8_t *)(file + 1) + bitmapBytes);
    if (Request->Runs) {
        file->RunCount = MiSlotRunsOfSectors(Request->Runs, Request->RunCount, size, file->Runs);
        for (uint32_t c = 0; Request->FileName && Request->FileName[c] &&
                             c < sizeof(file->FileName) - 1; c++)
            file->FileName[c] = Request->FileName[c];
    } else {
        file->RunCount = 1;
        file->Runs[0] = (MMPAGING_FILE_RUN){ 0, size, Request->StartingLba };
    }

    LOCK_PFN(oldIrql);
    zero.Frame = MiRemoveZeroPage();
    UNLOCK_PFN(oldIrql);
    MmInitializeMdl(&zero.Mdl, NULL, PAGE_SIZE);
    zero.Mdl.MdlFlags = MDL_PAGES_LOCKED;
    status = IoPageWrite(Request->Disk, file->Runs[0].Lba, &zero.Mdl);
    LOCK_PFN(oldIrql);
    MiInsertPageInList(&MmZeroedPageListHead, zero.Frame);
    UNLOCK_PFN(oldIrql);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(file, MI_PAGING_FILE_TAG);
        *Status = status;
        return NULL;
    }

    file->Size = file->MaximumSize = file->MinimumSize = size;
    file->Disk = Request->Disk;
    file->StartingLba = file->Runs[0].Lba - (uint64_t)file->Runs[0].FirstSlot *
                                            HAL_ATA_SECTORS_PER_PAGE;
    RtlInitializeBitMap(&file->Bitmap, (uint32_t *)(file + 1), size);
    RtlSetBits(&file->Bitmap, 0, size);
    for (uint32_t r = 0; r < file->RunCount; r++)
        RtlClearBits(&file->Bitmap, file->Runs[r].FirstSlot, file->Runs[r].Slots);
    RtlSetBits(&file->Bitmap, 0, 1);
    holes = RtlNumberOfSetBits(&file->Bitmap) - 1;
    file->BadSlots = holes;
    file->FreeSpace = size - 1 - holes;
    file->CurrentUsage = file->PeakUsage = 1 + holes;   /* slot 0, and the holes */
    return file;
}

/* A prepared file in use: numbered, listed, its slots added to the commit limit. */
static void MiInstallPagingFile(MMPAGING_FILE *File)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    File->PageFileNumber = MmNumberOfPagingFiles;
    MmPagingFile[MmNumberOfPagingFiles++] = File;
    UNLOCK_PFN(oldIrql);
    MiAdjustCommitLimit((int32_t)File->FreeSpace);
}

NTSTATUS MmCreatePagingFiles(MM_PAGING_FILE_REQUEST *Requests, uint32_t Count)
{
    MMPAGING_FILE *files[MAX_PAGE_FILES];
    NTSTATUS status = STATUS_SUCCESS;
    uint32_t prepared;

    if (Count > MAX_PAGE_FILES - MmNumberOfPagingFiles)
        return STATUS_TOO_MANY_PAGING_FILES;
    for (prepared = 0; prepared < Count; prepared++) {
        MM_PAGING_FILE_REQUEST *request = &Requests[prepared];

        files[prepared] = MiPreparePagingFile(request, &request->Status);
        if (!files[prepared]) {
            status = request->Status;
            break;
        }
    }
    if (!NT_SUCCESS(status)) {
        while (prepared > 0)
            ExFreePoolWithTag(files[--prepared], MI_PAGING_FILE_TAG);
        return status;
    }
    for (uint32_t i = 0; i < Count; i++)
        MiInstallPagingFile(files[i]);
    return STATUS_SUCCESS;
}

NTSTATUS MmCreatePagingFile(uint32_t Disk, uint64_t StartingLba, uint32_t SizeInPages)
{
    MM_PAGING_FILE_REQUEST request = { Disk, StartingLba, SizeInPages, STATUS_SUCCESS, NULL, 0,
                                       NULL };

    return MmCreatePagingFiles(&request, 1);
}

/*
 * The paging-file slot named by PteContents (a page's OriginalPte) is no longer needed.
 * Returns false when the PTE names no slot. PFN lock held.
 */
bool MiReleasePageFileSpace(MMPTE PteContents)
{
    uint32_t offset = GET_PAGING_FILE_OFFSET(PteContents);
    uint32_t number = GET_PAGING_FILE_NUMBER(PteContents);
    MMPAGING_FILE *file;

    if (PteContents.u.Soft.Prototype || PteContents.u.Soft.Transition || offset == 0 ||
        offset == MI_PTE_LOOKUP_NEEDED)
        return false;
    file = MmPagingFile[number];
    if (!file || offset >= file->Size || !RtlCheckBit(&file->Bitmap, offset))
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEFILE_SLOT, number, offset,
                     PteContents.u.Long);
    RtlClearBits(&file->Bitmap, offset, 1);
    file->FreeSpace++;
    file->CurrentUsage--;
    return true;
}

/* Up to Wanted consecutive free slots of File, reserved; returns how many (0: none). PFN
 * lock held. NT's order: the largest run that fits, shrinking one slot at a time. */
uint32_t MiReservePageFileSlots(MMPAGING_FILE *File, uint32_t Wanted, uint32_t *StartSlot)
{
    for (uint32_t count = MIN(Wanted, File->FreeSpace); count > 0; count--) {
        uint32_t start = RtlFindClearBitsAndSet(&File->Bitmap, count, File->WriteHint);

        if (start != 0xFFFFFFFF) {
            File->FreeSpace -= count;
            File->CurrentUsage += count;
            File->PeakUsage = MAX(File->PeakUsage, File->CurrentUsage);
            File->WriteHint = start + count;
            *StartSlot = start;
            return count;
        }
    }
    return 0;
}

/*
 * The pages Mdl describes to or from File's slots from Slot on: one transfer for each run they
 * lie in (MiReservePageFileSlots never hands out a slot that is in none), through a partial MDL
 * when there is more than one.
 */
static NTSTATUS MiTransferPagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl,
                                     bool Write)
{
    struct { MDL Mdl; uint32_t Frames[MI_MAXIMUM_PAGING_TRANSFER]; } part;
    uint32_t pageCount = MmGetMdlByteCount(Mdl) >> PAGE_SHIFT, done = 0, r = 0;
    NTSTATUS status = STATUS_SUCCESS;

    while (done < pageCount && NT_SUCCESS(status)) {
        const MMPAGING_FILE_RUN *run;
        uint32_t count;
        uint64_t lba;
        MDL *piece = Mdl;

        while (r < File->RunCount && Slot >= File->Runs[r].FirstSlot + File->Runs[r].Slots)
            r++;
        run = &File->Runs[r];
        if (r == File->RunCount || Slot < run->FirstSlot)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEFILE_SLOT,
                         File->PageFileNumber, Slot, pageCount);
        count = MIN(pageCount - done, run->FirstSlot + run->Slots - Slot);
        lba = run->Lba + (uint64_t)(Slot - run->FirstSlot) * HAL_ATA_SECTORS_PER_PAGE;
        if (count != pageCount) {
            MmInitializeMdl(&part.Mdl, NULL, MI_MAXIMUM_PAGING_TRANSFER * PAGE_SIZE);
            IoBuildPartialMdl(Mdl, &part.Mdl,
                              (uint8_t *)MmGetMdlVirtualAddress(Mdl) + done * PAGE_SIZE,
                              count * PAGE_SIZE);
            piece = &part.Mdl;
        }
        status = Write ? IoPageWrite(File->Disk, lba, piece) : IoPageRead(File->Disk, lba, piece);
        Slot += count;
        done += count;
    }
    return status;
}

NTSTATUS MiReadPagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl)
{
    return MiTransferPagingFile(File, Slot, Mdl, false);
}

NTSTATUS MiWritePagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl)
{
    return MiTransferPagingFile(File, Slot, Mdl, true);
}
