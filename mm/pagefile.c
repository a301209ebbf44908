/*
 * mm/pagefile.c: paging files. MmPagingFile[n] is paging file n, the number a software PTE
 * carries in PageFileLow; PageFileHigh is the page's slot in it. A paging file is a run of
 * sectors on an ATA disk (inside a partition of type 0x82, pfregion.c says where); slot s
 * is the 4 KB at StartingLba + 8 s. Each file's bitmap has one bit per slot, set while the
 * slot holds a page (or after a write to it failed: a bad slot is never used again); slot 0
 * is never used, so offset 0 in a PTE means "no copy in a paging file".
 */
#include "mm/mi.h"

#define MI_PAGING_FILE_TAG          0x67615046  /* 'FPag' */

MMPAGING_FILE *MmPagingFile[MAX_PAGE_FILES];
uint32_t MmNumberOfPagingFiles;

bool MiOverlapsPagingFile(uint32_t Disk, uint64_t StartingLba, uint64_t Sectors)
{
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++) {
        const MMPAGING_FILE *file = MmPagingFile[i];
        uint64_t fileSectors = (uint64_t)file->Size * HAL_ATA_SECTORS_PER_PAGE;

        if (file->Disk == Disk && StartingLba < file->StartingLba + fileSectors &&
            file->StartingLba < StartingLba + Sectors)
            return true;
    }
    return false;
}

/*
 * Make SizeInPages pages of Disk from StartingLba a paging file, once NtCreatePagingFile's
 * checks pass (MmCheckPagingFile: nothing is written otherwise). The first page is zeroed, as
 * NT clears an old crash dump, and the slots join the commit limit.
 */
/*
 * A paging file made ready but not yet in use: checked, its structure allocated and its slot
 * 0 written (the write that shows the region takes writes). NULL with *Status on failure.
 */
static MMPAGING_FILE *MiPreparePagingFile(uint32_t Disk, uint64_t StartingLba,
                                          uint32_t SizeInPages, NTSTATUS *Status)
{
    NTSTATUS status = MmCheckPagingFile(Disk, StartingLba, SizeInPages);
    struct { MDL Mdl; uint32_t Frame; } zero;
    MMPAGING_FILE *file;
    KIRQL oldIrql;

    *Status = status;
    if (!NT_SUCCESS(status))
        return NULL;
    file = ExAllocatePoolWithTag(NonPagedPool, sizeof(*file) + ROUND_UP(SizeInPages, 32) / 8,
                                 MI_PAGING_FILE_TAG);
    if (!file) {
        *Status = STATUS_INSUFFICIENT_RESOURCES;
        return NULL;
    }
    LOCK_PFN(oldIrql);
    zero.Frame = MiRemoveZeroPage();
    UNLOCK_PFN(oldIrql);
    MmInitializeMdl(&zero.Mdl, NULL, PAGE_SIZE);
    zero.Mdl.MdlFlags = MDL_PAGES_LOCKED;
    status = IoPageWrite(Disk, StartingLba, &zero.Mdl);
    LOCK_PFN(oldIrql);
    MiInsertPageInList(&MmZeroedPageListHead, zero.Frame);
    UNLOCK_PFN(oldIrql);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(file, MI_PAGING_FILE_TAG);
        *Status = status;
        return NULL;
    }

    RtlZeroMemory(file, sizeof(*file));
    file->Size = file->MaximumSize = file->MinimumSize = SizeInPages;
    file->FreeSpace = SizeInPages - 1;
    file->CurrentUsage = file->PeakUsage = 1;           /* slot 0 */
    file->Disk = Disk;
    file->StartingLba = StartingLba;
    RtlInitializeBitMap(&file->Bitmap, (uint32_t *)(file + 1), SizeInPages);
    RtlClearAllBits(&file->Bitmap);
    RtlSetBits(&file->Bitmap, 0, 1);
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

        files[prepared] = MiPreparePagingFile(request->Disk, request->StartingLba,
                                              request->SizeInPages, &request->Status);
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
    MM_PAGING_FILE_REQUEST request = { Disk, StartingLba, SizeInPages, STATUS_SUCCESS };

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

NTSTATUS MiReadPagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl)
{
    return IoPageRead(File->Disk, File->StartingLba + (uint64_t)Slot * HAL_ATA_SECTORS_PER_PAGE,
                      Mdl);
}

NTSTATUS MiWritePagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl)
{
    return IoPageWrite(File->Disk, File->StartingLba + (uint64_t)Slot * HAL_ATA_SECTORS_PER_PAGE,
                       Mdl);
}
