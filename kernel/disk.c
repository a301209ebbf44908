/*
 * kernel/disk.c: the ATA disks for the rest of the kernel, and paging I/O for Mm. It gives the
 * driver (hal/ata.c) a PRD page per channel from nonpaged pool, prints the disks, reads their
 * MBR partition tables, and moves pages:
 *
 *   KiDiskTransfer / IoPageRead / IoPageWrite
 *     take the channel's fast mutex (the driver runs one transfer per channel),
 *     start the transfer, and wait on the channel's event while other threads run;
 *   IRQ 14/15, at the line's IRQL
 *     HalAtaCompleteInterrupt says the transfer ended and how; a DPC is queued;
 *   the DPC, at DISPATCH_LEVEL
 *     sets the event, and the waiting thread goes on with the status.
 *
 * A transfer that has not ended in time (KI_DISK_TIMEOUT_MS, and KI_DISK_TIMEOUT_PER_PAGE_MS
 * more for each page it moves, so a slow disk is not taken for a dead one) has its channel
 * reset and fails with STATUS_IO_TIMEOUT: a disk never hangs the system.
 *
 * At start-up it also makes the paging files: every partition of type 0x82 (mm386's paging
 * file type), or the regions the pagefile= option names instead.
 */
#include "kernel/ki.h"
#include "mm/mi.h"
#include "hal/hal.h"

#define KI_SECTORS_PER_MB       ((1024 * 1024) / DISK_SECTOR_SIZE)
#define KI_MAX_PAGEFILE_OPTIONS 16

typedef struct _KI_DISK_CHANNEL {
    FAST_MUTEX Lock;                    /* one transfer at a time */
    KEVENT Done;                        /* set by the DPC when the transfer has ended */
    KDPC Dpc;
    volatile NTSTATUS Status;           /* ... with this result */
    volatile uint32_t Interrupts;       /* transfers ended by the interrupt, ever */
} KI_DISK_CHANNEL;

static KI_DISK_CHANNEL KiDiskChannels[HAL_ATA_CHANNELS];
static DISK_PARTITION KiPartitions[HAL_ATA_MAX_DISKS][DISK_MBR_PARTITIONS];
static uint32_t KiPartitionCount[HAL_ATA_MAX_DISKS];

static const uint32_t KiDiskIrq[HAL_ATA_CHANNELS] = { HAL_IRQ_ATA_PRIMARY, HAL_IRQ_ATA_SECONDARY };
static const char *const KiChannelName[HAL_ATA_CHANNELS] = { "primary", "secondary" };
static const char *const KiDriveName[2] = { "master", "slave" };

static void KiDiskDpc(KDPC *Dpc, void *Context, void *Argument1, void *Argument2)
{
    (void)Dpc;
    (void)Argument1;
    (void)Argument2;
    KeSetEvent(&((KI_DISK_CHANNEL *)Context)->Done);
}

/* IRQ 14/15, at the line's IRQL: Context is the channel number. */
static void KiDiskInterrupt(void *Context)
{
    uint32_t channel = (uint32_t)(uintptr_t)Context;
    NTSTATUS status;

    if (!HalAtaCompleteInterrupt(channel, &status))
        return;
    KiDiskChannels[channel].Status = status;
    KiDiskChannels[channel].Interrupts++;
    KeInsertQueueDpc(&KiDiskChannels[channel].Dpc, NULL, NULL);
}

NTSTATUS KiDiskTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                        uint32_t PageCount, bool Write)
{
    const HAL_ATA_DISK *disk = HalAtaDisk(Disk);
    int64_t timeout = KI_MILLISECONDS(KI_DISK_TIMEOUT_MS + PageCount * KI_DISK_TIMEOUT_PER_PAGE_MS);
    KI_DISK_CHANNEL *channel;
    NTSTATUS status;

    if (!disk)
        return STATUS_NO_SUCH_DEVICE;
    channel = &KiDiskChannels[disk->Channel];
    ExAcquireFastMutex(&channel->Lock);
    KeClearEvent(&channel->Done);
    status = HalAtaStartTransfer(Disk, Lba, PageFrames, PageCount, Write);
    if (status == STATUS_PENDING) {
        if (KeWaitForSingleObject(&channel->Done, Executive, KernelMode, false, &timeout) ==
                STATUS_TIMEOUT && !KeReadStateEvent(&channel->Done)) {
            HalAtaResetChannel(disk->Channel);      /* (an end that slips in after the test */
            status = STATUS_IO_TIMEOUT;             /* is reported as a timeout all the same) */
        } else {
            status = channel->Status;
        }
    }
    ExReleaseFastMutex(&channel->Lock);
    return status;
}

uint32_t IoDiskCount(void)
{
    return HalAtaDiskCount();
}

uint64_t IoDiskSectors(uint32_t Disk)
{
    return Disk < HalAtaDiskCount() ? HalAtaDisk(Disk)->Sectors : 0;
}

NTSTATUS IoPageRead(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames, uint32_t PageCount)
{
    return KiDiskTransfer(Disk, Lba, PageFrames, PageCount, false);
}

NTSTATUS IoPageWrite(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames, uint32_t PageCount)
{
    return KiDiskTransfer(Disk, Lba, PageFrames, PageCount, true);
}

uint32_t KiDiskInterruptCount(uint32_t Channel)
{
    return Channel < HAL_ATA_CHANNELS ? KiDiskChannels[Channel].Interrupts : 0;
}

const DISK_PARTITION *KiDiskPartitions(uint32_t Disk, uint32_t *Count)
{
    *Count = Disk < HalAtaDiskCount() ? KiPartitionCount[Disk] : 0;
    return *Count ? KiPartitions[Disk] : NULL;
}

/* Sector 0 of the disk into Page (a nonpaged page), then its partitions, printed. */
static void KiReadPartitionTable(uint32_t Disk, void *Page)
{
    uint32_t frame = MiGetPteAddress(Page)->u.Hard.PageFrameNumber;
    NTSTATUS status = KiDiskTransfer(Disk, 0, &frame, 1, false);

    if (NT_SUCCESS(status))
        status = KiParsePartitionTable(Page, HalAtaDisk(Disk)->Sectors, KiPartitions[Disk],
                                       &KiPartitionCount[Disk]);
    if (!NT_SUCCESS(status)) {
        DbgPrint("ATA: disk %u: no partition table (status 0x%08x)\n", Disk, (uint32_t)status);
        return;
    }
    for (uint32_t i = 0; i < KiPartitionCount[Disk]; i++) {
        const DISK_PARTITION *p = &KiPartitions[Disk][i];

        DbgPrint("ATA: disk %u, partition %u: type 0x%02x%s, LBA %u, %u sectors (%u MB)\n", Disk,
                 p->Number, p->Type, p->Type == PARTITION_PAGING_FILE ? " (paging file)" : "",
                 p->StartingLba, p->SectorCount, p->SectorCount / KI_SECTORS_PER_MB);
    }
}

static void KiPrintDisk(uint32_t Disk)
{
    const HAL_ATA_DISK *disk = HalAtaDisk(Disk);

    DbgPrint("ATA: disk %u, %s %s: %s, %llu sectors (%llu MB), %s, %s\n", Disk,
             KiChannelName[disk->Channel], KiDriveName[disk->Drive], disk->Model,
             (unsigned long long)disk->Sectors,
             (unsigned long long)(disk->Sectors / KI_SECTORS_PER_MB),
             disk->Lba48 ? "LBA48" : "LBA28", disk->Dma ? "DMA" : "no DMA");
}

/* A nonpaged pool page; start-up cannot go on without one. */
static void *KiAllocateDiskPage(void)
{
    void *page = MiAllocatePoolPages(NonPagedPool, PAGE_SIZE);

    if (!page)
        KeBugCheckEx(NO_PAGES_AVAILABLE, MmAvailablePages, 0, 0, 0);
    return page;
}

void KiInitializeDisks(void)
{
    uint32_t physical[HAL_ATA_CHANNELS], disks;
    void *prd[HAL_ATA_CHANNELS], *page;

    for (uint32_t c = 0; c < HAL_ATA_CHANNELS; c++) {
        ExInitializeFastMutex(&KiDiskChannels[c].Lock);
        KeInitializeEvent(&KiDiskChannels[c].Done, NotificationEvent, false);
        KeInitializeDpc(&KiDiskChannels[c].Dpc, KiDiskDpc, &KiDiskChannels[c]);
        prd[c] = KiAllocateDiskPage();
        physical[c] = MiGetPteAddress(prd[c])->u.Hard.PageFrameNumber << PAGE_SHIFT;
    }
    disks = HalAtaInitialize(physical, prd);
    if (HalAtaBusMasterBase())
        DbgPrint("ATA: bus-master IDE registers at I/O 0x%x\n", HalAtaBusMasterBase());
    else
        DbgPrint("ATA: no bus-master IDE controller: disk transfers are refused\n");
    if (disks == 0)
        DbgPrint("ATA: no disks\n");
    for (uint32_t d = 0; d < disks; d++)
        KeConnectInterrupt(KiDiskIrq[HalAtaDisk(d)->Channel], KiDiskInterrupt,
                           (void *)(uintptr_t)HalAtaDisk(d)->Channel);
    page = KiAllocateDiskPage();
    for (uint32_t d = 0; d < disks; d++) {
        KiPrintDisk(d);
        if (HalAtaDisk(d)->Dma)
            KiReadPartitionTable(d, page);
    }
    MiFreePoolPages(page);
}

static void KiCreatePagingFile(uint32_t Disk, uint64_t StartingLba, uint64_t Sectors)
{
    NTSTATUS status = MmCreatePagingFile(Disk, StartingLba, (uint32_t)(Sectors / DISK_SECTORS_PER_PAGE));

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
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        for (uint32_t i = 0; i < KiPartitionCount[d]; i++) {
            const DISK_PARTITION *p = &KiPartitions[d][i];

            if (p->Type == PARTITION_PAGING_FILE)
                KiCreatePagingFile(d, p->StartingLba, p->SectorCount);
        }
    }
}
