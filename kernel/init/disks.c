/*
 * kernel/init/disks.c: the disks at start-up, from above both Io and Mm: the nonpaged pages
 * the disk layer needs (Io never calls Mm), then the paging files, as SMSS makes them: every
 * partition of type 0x82 (mm386's paging-file type; at most 4095 MB of each), or the regions
 * the pagefile= option names instead, all of them or, when any is refused, none.
 */
#include "kernel/init/init.h"
#include "kernel/init/pfoption.h"
#include "kernel/io/io.h"
#include "mm/mm.h"

#define KI_MAXIMUM_PAGING_FILE_MB   4095u       /* SMSS's largest paging file on x86 */
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

static void KiPrintPagingFile(uint32_t Number, uint32_t Disk, uint64_t StartingLba,
                              uint64_t Sectors)
{
    DbgPrint("Paging file %u: disk %u from LBA %llu, %llu MB\n", Number, Disk,
             (unsigned long long)StartingLba, (unsigned long long)(Sectors / DISK_SECTORS_PER_MB));
}

static NTSTATUS KiCreatePagingFile(uint32_t Disk, uint64_t StartingLba, uint64_t Sectors)
{
    NTSTATUS status = MmCreatePagingFile(Disk, StartingLba,
                                         (uint32_t)(Sectors / HAL_ATA_SECTORS_PER_PAGE));

    if (NT_SUCCESS(status))
        KiPrintPagingFile(MmNumberOfPagingFiles - 1, Disk, StartingLba, Sectors);
    else
        DbgPrint("Paging file on disk %u at LBA %llu not made: status 0x%08x\n", Disk,
                 (unsigned long long)StartingLba, (uint32_t)status);
    return status;
}

/* Why Entry (of Entries) is refused, in words, into Buffer. */
static void KiDescribeRefusal(const KPAGING_FILE_ENTRY *Entries, const KPAGING_FILE_ENTRY *Entry,
                              char *Buffer, size_t Size)
{
    const KPAGING_FILE_ENTRY *other = &Entries[Entry->Overlaps];

    switch (Entry->Status) {
    case STATUS_INVALID_PARAMETER:
        RtlStringPrintf(Buffer, Size, "not <disk>:<first sector>:<sectors> (decimal, or hex "
                        "with 0x)");
        break;
    case STATUS_INVALID_PARAMETER_1:
        RtlStringPrintf(Buffer, Size, "not inside a partition of type 0x82 of disk %u, nor on a "
                        "disk with no partition table", Entry->Disk);
        break;
    case STATUS_INVALID_PARAMETER_2:
        if (Entry->Sectors % HAL_ATA_SECTORS_PER_PAGE != 0)
            RtlStringPrintf(Buffer, Size, "%u sectors is not a whole number of pages (%u sectors "
                            "each)", Entry->Sectors, HAL_ATA_SECTORS_PER_PAGE);
        else
            RtlStringPrintf(Buffer, Size, "less than 1 MB");
        break;
    case STATUS_INVALID_PARAMETER_3:
        RtlStringPrintf(Buffer, Size, "more than a paging file can address (4 GB less a page)");
        break;
    case STATUS_NO_SUCH_DEVICE:
        RtlStringPrintf(Buffer, Size, "there is no disk %u", Entry->Disk);
        break;
    case STATUS_DISK_FULL:
        RtlStringPrintf(Buffer, Size, "past the end of disk %u (%llu sectors)", Entry->Disk,
                        (unsigned long long)IoDiskSectors(Entry->Disk));
        break;
    case STATUS_CONFLICTING_ADDRESSES:
        RtlStringPrintf(Buffer, Size, "overlaps '%.*s'", (int)other->Length, other->Text);
        break;
    case STATUS_TOO_MANY_PAGING_FILES:
        RtlStringPrintf(Buffer, Size, "more than %u paging files", MAX_PAGE_FILES);
        break;
    default:
        RtlStringPrintf(Buffer, Size, "refused by Mm");
        break;
    }
}

/*
 * The entries, all checked: made all together (MmCreatePagingFiles), so a write that fails on
 * one leaves none of them made; false then, having said which and why.
 */
static bool KiCreateCheckedPagingFiles(const KPAGING_FILE_ENTRY *Entries, uint32_t Count)
{
    MM_PAGING_FILE_REQUEST requests[MAX_PAGE_FILES];
    NTSTATUS status;

    for (uint32_t i = 0; i < Count; i++)
        requests[i] = (MM_PAGING_FILE_REQUEST){ Entries[i].Disk, Entries[i].StartingLba,
                                                (uint32_t)(Entries[i].Sectors /
                                                           HAL_ATA_SECTORS_PER_PAGE),
                                                STATUS_SUCCESS };
    status = MmCreatePagingFiles(requests, Count);
    for (uint32_t i = 0; i < Count; i++) {
        const KPAGING_FILE_ENTRY *entry = &Entries[i];

        if (!NT_SUCCESS(status) && !NT_SUCCESS(requests[i].Status))
            DbgPrint("pagefile: '%.*s' not made: its first page could not be written "
                     "(status 0x%08x); none of the option's files is made\n", (int)entry->Length,
                     entry->Text, (uint32_t)requests[i].Status);
        else if (NT_SUCCESS(status))
            KiPrintPagingFile(MmNumberOfPagingFiles - Count + i, entry->Disk, entry->StartingLba,
                              entry->Sectors);
    }
    return NT_SUCCESS(status);
}

/*
 * pagefile=<disk>:<first sector>:<sectors>[,...]: every entry is checked, alone, beside the
 * others and against the disks (MmCheckPagingFile), and every refusal printed, before any file
 * is made; false, with nothing made, when any entry is refused.
 */
static bool KiCreateNamedPagingFiles(const char *Option)
{
    KPAGING_FILE_ENTRY entries[MAX_PAGE_FILES + 1];
    uint32_t count = KiParsePagingFileOption(Option, entries, MAX_PAGE_FILES);
    bool good = true;
    char reason[128];

    for (uint32_t i = 0; i < count; i++) {
        KPAGING_FILE_ENTRY *entry = &entries[i];

        if (entry->Status == STATUS_SUCCESS)
            entry->Status = MmCheckPagingFile(entry->Disk, entry->StartingLba,
                                              entry->Sectors / HAL_ATA_SECTORS_PER_PAGE);
    }
    KiFindOverlappingEntries(entries, count);
    for (uint32_t i = 0; i < count; i++) {
        const KPAGING_FILE_ENTRY *entry = &entries[i];

        if (entry->Status == STATUS_SUCCESS)
            continue;
        KiDescribeRefusal(entries, entry, reason, sizeof(reason));
        DbgPrint("pagefile: '%.*s' refused: %s (status 0x%08x)\n", (int)entry->Length,
                 entry->Text, reason, (uint32_t)entry->Status);
        good = false;
    }
    if (!good)
        return false;
    return KiCreateCheckedPagingFiles(entries, count);
}

/* A paging file on a whole 0x82 partition, clamped to the largest SMSS makes on x86. */
static void KiCreatePartitionPagingFile(uint32_t Disk, const DISK_PARTITION *Partition)
{
    uint64_t sectors = MIN(Partition->SectorCount, KI_MAXIMUM_PAGING_FILE_MB * DISK_SECTORS_PER_MB);

    if (NT_SUCCESS(KiCreatePagingFile(Disk, Partition->StartingLba, sectors)) &&
        sectors < Partition->SectorCount)
        DbgPrint("Paging file %u: partition %u of disk %u is %u MB; the file is clamped to "
                 "%u MB\n", MmNumberOfPagingFiles - 1, Partition->Number, Disk,
                 Partition->SectorCount / DISK_SECTORS_PER_MB, KI_MAXIMUM_PAGING_FILE_MB);
}

/*
 * The paging files: the regions pagefile= names, none for pagefile=none, or else every
 * partition of type 0x82. With none the system runs on RAM alone (commit limit = RAM). A
 * pagefile= with any entry refused is as if not given.
 */
void KiCreatePagingFiles(void)
{
    const char *option = KeBootOptions.PagingFiles;

    if (option && strcmp(option, "none") == 0)
        return;
    if (option) {
        if (KiCreateNamedPagingFiles(option))
            return;
        DbgPrint("pagefile: nothing made from the option; the paging files are the 0x82 "
                 "partitions\n");
    }
    for (uint32_t d = 0; d < IoDiskCount(); d++) {
        uint32_t count;
        const DISK_PARTITION *partitions = IoDiskPartitions(d, &count);

        for (uint32_t i = 0; i < count; i++) {
            if (partitions[i].Type == PARTITION_PAGING_FILE)
                KiCreatePartitionPagingFile(d, &partitions[i]);
        }
    }
}
