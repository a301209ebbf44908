/*
 * kernel/init/disks.c: the disks at start-up, from above both Io and Mm: the nonpaged pages
 * the disk layer needs (Io never calls Mm), then the paging files, as SMSS makes them: every
 * partition of type 0x82 (mm386's paging-file type; at most 4095 MB of each) and a
 * \pagefile.sys found at the root of C:, or the regions and files the pagefile= option names
 * instead, all of them or, when any is refused, none.
 */
#define KI_FOUND_PAGING_FILE    "C:\\pagefile.sys"
#include "kernel/init/init.h"
#include "kernel/init/pfoption.h"
#include "kernel/io/io.h"
#include "kernel/iomgr/iomgr.h"
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

static void KiPrintFilePagingFile(uint32_t Number, const char *Name, uint32_t NameLength,
                                  const IO_PAGING_FILE_RUNS *Runs)
{
    MM_PAGING_FILE_USAGE usage = { 0 };
    uint64_t sectors = 0;

    for (uint32_t r = 0; r < Runs->RunCount; r++)
        sectors += Runs->Runs[r].Sectors;
    DbgPrint("Paging file %u: %.*s, %llu MB in %u run%s on disk %u", Number, (int)NameLength,
             Name, (unsigned long long)(sectors / DISK_SECTORS_PER_MB), Runs->RunCount,
             Runs->RunCount == 1 ? "" : "s", Runs->Disk);
    if (MmQueryPagingFile(Number, &usage) && usage.TotalInUse > 1)   /* slot 0, and ... */
        DbgPrint(", %u pages split between runs never used", usage.TotalInUse - 1);
    DbgPrint("\n");
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

/* Why a file entry is refused, in words, into Buffer. */
static void KiDescribeFileRefusal(const KPAGING_FILE_ENTRY *Entry, const KPAGING_FILE_ENTRY *Other,
                                  char *Buffer, size_t Size)
{
    switch (Entry->Status) {
    case STATUS_INVALID_PARAMETER:
        RtlStringPrintf(Buffer, Size, "not X:\\path:<megabytes>");
        break;
    case STATUS_INVALID_PARAMETER_2:
        RtlStringPrintf(Buffer, Size, "less than 1 MB");
        break;
    case STATUS_INVALID_PARAMETER_3:
        RtlStringPrintf(Buffer, Size, "more than a paging file can address (4095 MB)");
        break;
    case STATUS_CONFLICTING_ADDRESSES:
        RtlStringPrintf(Buffer, Size, "the same file as '%.*s'", (int)Other->Length, Other->Text);
        break;
    case STATUS_OBJECT_PATH_NOT_FOUND:
    case STATUS_OBJECT_NAME_INVALID:
    case STATUS_OBJECT_PATH_SYNTAX_BAD:
        RtlStringPrintf(Buffer, Size, "no such volume or directory");
        break;
    case STATUS_DISK_FULL:
        RtlStringPrintf(Buffer, Size, "no room for it on the volume");
        break;
    case STATUS_SHARING_VIOLATION:
    case STATUS_ACCESS_DENIED:
        RtlStringPrintf(Buffer, Size, "the file is in use or cannot be written");
        break;
    default:
        RtlStringPrintf(Buffer, Size, "its volume refused it");
        break;
    }
}

/* Why Entry (of Entries) is refused, in words, into Buffer. */
static void KiDescribeRefusal(const KPAGING_FILE_ENTRY *Entries, const KPAGING_FILE_ENTRY *Entry,
                              char *Buffer, size_t Size)
{
    const KPAGING_FILE_ENTRY *other = &Entries[Entry->Overlaps];

    if (Entry->IsFile && Entry->Status != STATUS_TOO_MANY_PAGING_FILES) {
        KiDescribeFileRefusal(Entry, other, Buffer, Size);
        return;
    }
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
static bool KiCreateCheckedPagingFiles(const KPAGING_FILE_ENTRY *Entries, uint32_t Count,
                                       IO_PAGING_FILE_RUNS *const *Runs)
{
    MM_PAGING_FILE_REQUEST requests[MAX_PAGE_FILES];
    char names[MAX_PAGE_FILES][64];
    NTSTATUS status;

    for (uint32_t i = 0; i < Count; i++) {
        const KPAGING_FILE_ENTRY *entry = &Entries[i];

        requests[i] = (MM_PAGING_FILE_REQUEST){ entry->Disk, entry->StartingLba,
                                                entry->Sectors / HAL_ATA_SECTORS_PER_PAGE,
                                                STATUS_SUCCESS, NULL, 0, NULL };
        if (entry->IsFile) {
            RtlStringPrintf(names[i], sizeof(names[i]), "%.*s", (int)entry->PathLength,
                            entry->Text);
            requests[i] = (MM_PAGING_FILE_REQUEST){ Runs[i]->Disk, 0, entry->SizeMb *
                                                    (DISK_SECTORS_PER_MB /
                                                     HAL_ATA_SECTORS_PER_PAGE),
                                                    STATUS_SUCCESS, Runs[i]->Runs,
                                                    Runs[i]->RunCount, names[i] };
        }
    }
    status = MmCreatePagingFiles(requests, Count);
    for (uint32_t i = 0; i < Count; i++) {
        const KPAGING_FILE_ENTRY *entry = &Entries[i];
        uint32_t number = MmNumberOfPagingFiles - Count + i;

        if (!NT_SUCCESS(status) && !NT_SUCCESS(requests[i].Status))
            DbgPrint("pagefile: '%.*s' not made: %s (status 0x%08x); none of the option's "
                     "files is made\n", (int)entry->Length, entry->Text,
                     requests[i].Status == STATUS_INVALID_PARAMETER_2 ? "under 1 MB in whole pages"
                     : "its first page could not be written", (uint32_t)requests[i].Status);
        else if (NT_SUCCESS(status) && entry->IsFile)
            KiPrintFilePagingFile(number, entry->Text, entry->PathLength, Runs[i]);
        else if (NT_SUCCESS(status))
            KiPrintPagingFile(number, entry->Disk, entry->StartingLba, entry->Sectors);
    }
    return NT_SUCCESS(status);
}

/*
 * The option's files opened (created or resized: the only writes made before every entry
 * is known good), their runs in Runs; a refusal goes into the entry's Status. False when any
 * is refused.
 */
static bool KiOpenPagingFiles(KPAGING_FILE_ENTRY *Entries, uint32_t Count,
                              IO_PAGING_FILE_RUNS **Runs)
{
    bool good = true;

    for (uint32_t i = 0; i < Count; i++) {
        KPAGING_FILE_ENTRY *entry = &Entries[i];
        FILE_OBJECT *file;

        Runs[i] = NULL;
        if (!entry->IsFile || !good)
            continue;
        entry->Status = IoOpenPagingFile(entry->Text, entry->PathLength,
                                         (uint64_t)entry->SizeMb << 20, &file, &Runs[i]);
        if (NT_SUCCESS(entry->Status)) {
            entry->FileObject = file;
            entry->Status = MmCheckPagingFileRuns(Runs[i]->Disk, Runs[i]->Runs,
                                                  Runs[i]->RunCount, entry->SizeMb * 256);
        }
        good = NT_SUCCESS(entry->Status);
    }
    return good;
}

/* The files KiOpenPagingFiles opened given back: made paging files keep theirs. */
static void KiCloseOpenedFiles(KPAGING_FILE_ENTRY *Entries, uint32_t Count,
                               IO_PAGING_FILE_RUNS **Runs, bool Made)
{
    for (uint32_t i = 0; i < Count; i++) {
        if (Entries[i].FileObject && !Made)
            IoClosePagingFile(Entries[i].FileObject);
        if (Runs[i])
            ExFreePoolWithTag(Runs[i], IO_PAGING_FILE_RUNS_TAG);
    }
}

/*
 * pagefile=<disk>:<first sector>:<sectors>[,...]: every entry is checked, alone, beside the
 * others and against the disks (MmCheckPagingFile), and every refusal printed, before any file
 * is made; false, with nothing made, when any entry is refused.
 */
static bool KiCreateNamedPagingFiles(const char *Option)
{
    KPAGING_FILE_ENTRY entries[MAX_PAGE_FILES + 1];
    IO_PAGING_FILE_RUNS *runs[MAX_PAGE_FILES + 1];
    uint32_t count = KiParsePagingFileOption(Option, entries, MAX_PAGE_FILES);
    bool good = true, made = false;
    char reason[128];

    for (uint32_t i = 0; i < count; i++) {
        KPAGING_FILE_ENTRY *entry = &entries[i];

        runs[i] = NULL;
        if (entry->Status == STATUS_SUCCESS && !entry->IsFile)
            entry->Status = MmCheckPagingFile(entry->Disk, entry->StartingLba,
                                              entry->Sectors / HAL_ATA_SECTORS_PER_PAGE);
    }
    KiFindOverlappingEntries(entries, count);
    for (uint32_t i = 0; i < count; i++)
        good = good && entries[i].Status == STATUS_SUCCESS;
    if (good)
        good = KiOpenPagingFiles(entries, count, runs);
    for (uint32_t i = 0; i < count; i++) {
        const KPAGING_FILE_ENTRY *entry = &entries[i];

        if (entry->Status == STATUS_SUCCESS)
            continue;
        KiDescribeRefusal(entries, entry, reason, sizeof(reason));
        DbgPrint("pagefile: '%.*s' refused: %s (status 0x%08x)\n", (int)entry->Length,
                 entry->Text, reason, (uint32_t)entry->Status);
    }
    if (good)
        made = KiCreateCheckedPagingFiles(entries, count, runs);
    KiCloseOpenedFiles(entries, count, runs, made);
    return made;
}

/* A \pagefile.sys at the root of C: at start-up, as it is: a paging file too. */
static void KiCreateFoundPagingFile(void)
{
    KPAGING_FILE_ENTRY entry = { .Text = KI_FOUND_PAGING_FILE, .IsFile = true,
                                 .PathLength = sizeof(KI_FOUND_PAGING_FILE) - 1 };
    IO_PAGING_FILE_RUNS *runs = NULL;
    uint64_t sectors = 0;
    FILE_OBJECT *file;
    bool made;

    entry.Length = entry.PathLength;
    if (!NT_SUCCESS(IoOpenPagingFile(entry.Text, entry.PathLength, 0, &file, &runs)))
        return;                                     /* none there, or no C: */
    entry.FileObject = file;
    for (uint32_t r = 0; r < runs->RunCount; r++)
        sectors += runs->Runs[r].Sectors;
    entry.SizeMb = (uint32_t)MIN(sectors / DISK_SECTORS_PER_MB, 4095u);
    made = KiCreateCheckedPagingFiles(&entry, 1, &runs);
    KiCloseOpenedFiles(&entry, 1, &runs, made);
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
 * The paging files: the regions and files pagefile= names, none for pagefile=none, or else
 * every partition of type 0x82 and C:\pagefile.sys if there is one. With none the system runs on RAM alone (commit limit = RAM). A
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
    KiCreateFoundPagingFile();
}
