/*
 * mm/pfregion.c: where on a disk a paging file may be, and where nothing lives. A paging file
 * is a region inside one partition of type 0x82, or anywhere on a disk with no partition table
 * (IoIsPagingFileRegion); nothing else is ever written by Mm. A region is free when it lies
 * outside every paging file and holds nothing a partition table claims (IoIsRegionUnclaimed):
 * the only place a disk test may write.
 */
#include "mm/mi.h"

#define MINIMUM_PAGE_FILE_SIZE      256         /* pages: 1 MB */
#define MI_MAXIMUM_PAGEFILE_SIZE    0xFFFFFu    /* what PageFileHigh can name */

/*
 * NtCreatePagingFile's checks, in its order, with its statuses, before anything is written:
 * no more than MAX_PAGE_FILES (STATUS_TOO_MANY_PAGING_FILES), at least 1 MB
 * (STATUS_INVALID_PARAMETER_2), at most what a PTE can address (_3), on a disk that exists
 * (STATUS_NO_SUCH_DEVICE), within it (STATUS_DISK_FULL), not over another paging file
 * (STATUS_CONFLICTING_ADDRESSES), and where a paging file may be: inside a 0x82 partition or
 * on a disk with no partition table (STATUS_INVALID_PARAMETER_1, the file's name in NT).
 */
/* The checks every paging file passes first: the count, its size, its disk (*Layout). */
static NTSTATUS MiCheckPagingFileSize(uint32_t Disk, uint32_t SizeInPages,
                                      const DISK_LAYOUT **Layout)
{
    *Layout = IoDiskLayout(Disk);
    if (MmNumberOfPagingFiles == MAX_PAGE_FILES)
        return STATUS_TOO_MANY_PAGING_FILES;
    if (SizeInPages < MINIMUM_PAGE_FILE_SIZE)
        return STATUS_INVALID_PARAMETER_2;
    if (SizeInPages > MI_MAXIMUM_PAGEFILE_SIZE)
        return STATUS_INVALID_PARAMETER_3;
    return *Layout ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE;
}

/* Sectors from Lba lie on the disk (STATUS_DISK_FULL) and under no paging file
 * (STATUS_CONFLICTING_ADDRESSES). */
static NTSTATUS MiCheckPagingFileSectors(uint32_t Disk, const DISK_LAYOUT *Layout, uint64_t Lba,
                                         uint64_t Sectors)
{
    if (Lba >= Layout->Sectors || Sectors > Layout->Sectors - Lba)
        return STATUS_DISK_FULL;
    if (MiOverlapsPagingFile(Disk, Lba, Sectors))
        return STATUS_CONFLICTING_ADDRESSES;
    return STATUS_SUCCESS;
}

NTSTATUS MmCheckPagingFile(uint32_t Disk, uint64_t StartingLba, uint32_t SizeInPages)
{
    uint64_t sectors = (uint64_t)SizeInPages * HAL_ATA_SECTORS_PER_PAGE;
    const DISK_LAYOUT *layout;
    NTSTATUS status = MiCheckPagingFileSize(Disk, SizeInPages, &layout);

    if (NT_SUCCESS(status))
        status = MiCheckPagingFileSectors(Disk, layout, StartingLba, sectors);
    if (NT_SUCCESS(status) && !IoIsPagingFileRegion(layout, StartingLba, sectors))
        status = STATUS_INVALID_PARAMETER_1;
    return status;
}

/* True when Sectors sectors of Disk from Lba hold no paging file and no partition's data. */
bool MmIsDiskRegionFree(uint32_t Disk, uint64_t Lba, uint64_t Sectors)
{
    const DISK_LAYOUT *layout = IoDiskLayout(Disk);

    return layout && IoIsRegionUnclaimed(layout, Lba, Sectors) &&
           !MiOverlapsPagingFile(Disk, Lba, Sectors);
}

/*
 * The same checks for a paging file that is a file on a volume: SizeInPages the pages its
 * runs hold. The file system owns those sectors and said where they are, so they need not be
 * in a 0x82 partition; each must be on the disk and under no other paging file.
 */
NTSTATUS MmCheckPagingFileRuns(uint32_t Disk, const IO_SECTOR_RUN *Runs, uint32_t RunCount,
                               uint32_t SizeInPages)
{
    const DISK_LAYOUT *layout;
    NTSTATUS status = MiCheckPagingFileSize(Disk, SizeInPages, &layout);

    for (uint32_t r = 0; r < RunCount && NT_SUCCESS(status); r++)
        status = MiCheckPagingFileSectors(Disk, layout, Runs[r].Lba, Runs[r].Sectors);
    return status;
}
