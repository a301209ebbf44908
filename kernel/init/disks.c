/*
 * kernel/init/disks.c: the disks at start-up, from above both Io and Mm: the nonpaged pages
 * the disk layer needs (Io never calls Mm), then the paging files: every partition of type
 * 0x82 (mm386's paging-file type), or the regions the pagefile= option names instead.
 */
#include "kernel/init/init.h"
#include "kernel/io/io.h"
#include "mm/mm.h"

#define KI_SECTORS_PER_MB       ((1024 * 1024) / HAL_ATA_SECTOR_SIZE)
#define KI_DISK_TAG             POOL_TAG('D', 'i', 's', 'k')

/* A nonpaged pool page and its frame; start-up cannot go on without one. */
static void *KiAllocateDiskPage(uint32_t *PhysicalAddress)
{
    void *page = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, KI_DISK_TAG);

    if (!page)
        KeBugCheckEx(NO_PAGES_AVAILABLE, 0, 0, 0, 0);
    *PhysicalAddress = (uint32_t)MmGetPhysicalAddress(page);
    return page;
}

void KiInitializeDisks(void)
{
    IO_DISK_PAGES pages;
    uint32_t scratch;

    for (uint32_t c = 0; c < HAL_ATA_CHANNELS; c++)
        pages.Prd[c] = KiAllocateDiskPage(&pages.PrdPhysical[c]);
    pages.Scratch = KiAllocateDiskPage(&scratch);
    pages.ScratchFrame = scratch >> PAGE_SHIFT;
    IoInitializeDisks(&pages);
    ExFreePoolWithTag(pages.Scratch, KI_DISK_TAG);
}

static void KiCreatePagingFile(uint32_t Disk, uint64_t StartingLba, uint64_t Sectors)
{
    NTSTATUS status = MmCreatePagingFile(Disk, StartingLba, (uint32_t)(Sectors / HAL_ATA_SECTORS_PER_PAGE));

    if (NT_SUCCESS(status))
        DbgPrint("Paging file %u: disk %u from LBA %llu, %llu MB\n", MmNumberOfPagingFiles - 1,
                 Disk, (unsigned long long)StartingLba,
                 (unsigned long long)(Sectors / KI_SECTORS_PER_MB));
    else
        DbgPrint("Paging file on disk %u at LBA %llu not made: status 0x%08x\n", Disk,
                 (unsigned long long)StartingLba, (uint32_t)status);
}

/* pagefile=<disk>:<first sector>:<sectors>[,...] (numbers decimal or 0x); false if malformed. */
static bool KiCreateNamedPagingFiles(const char *Option)
{
    char text[sizeof(KeLoaderBlock.CommandLine)], *region = text;

    RtlCopyString(text, Option, sizeof(text));
    while (region && *region) {
        char *next = strchr(region, ',');
        char *second, *third;
        uint32_t disk, start, sectors;

        if (next)
            *next++ = '\0';
        second = strchr(region, ':');
        third = second ? strchr(second + 1, ':') : NULL;
        if (!third)
            return false;
        *second++ = '\0';
        *third++ = '\0';
        if (!RtlStringToUlong(region, 10, &disk) || !RtlStringToUlong(second, 10, &start) ||
            !RtlStringToUlong(third, 10, &sectors))
            return false;
        KiCreatePagingFile(disk, start, sectors);
        region = next;
    }
    return true;
}

/*
 * The paging files: the regions pagefile= names, none for pagefile=none, or else every
 * partition of type 0x82. With none the system runs on RAM alone (commit limit = RAM).
 */
void KiCreatePagingFiles(void)
{
    const char *option = KeBootOptions.PagingFiles;

    if (option) {
        if (strcmp(option, "none") != 0 && !KiCreateNamedPagingFiles(option))
            DbgPrint("pagefile: '%s' is not <disk>:<first sector>:<sectors>[,...]\n", option);
        return;
    }
    for (uint32_t d = 0; d < IoDiskCount(); d++) {
        uint32_t count;
        const DISK_PARTITION *partitions = IoDiskPartitions(d, &count);

        for (uint32_t i = 0; i < count; i++) {
            const DISK_PARTITION *p = &partitions[i];

            if (p->Type == PARTITION_PAGING_FILE)
                KiCreatePagingFile(d, p->StartingLba, p->SectorCount);
        }
    }
}
