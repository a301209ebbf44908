/*
 * kernel/io/disk.c: the ATA disks for the rest of the kernel, and paging I/O for Mm. It gives
 * the driver (hal/ata.c) the PRD page per channel start-up hands it, prints the disks, reads
 * their MBR partition tables, and moves pages:
 *
 *   IoDiskTransfer / IoDiskTransferSectors / IoPageRead / IoPageWrite
 *     take the channel's fast mutex (the driver runs one transfer per channel),
 *     start the transfer, and wait on the channel's event while other threads run;
 *   IRQ 14/15, at the line's IRQL
 *     HalAtaCompleteInterrupt says the transfer ended and how; a DPC is queued;
 *   the DPC, at DISPATCH_LEVEL
 *     sets the event, and the waiting thread goes on with the status.
 *
 * A transfer that has not ended in time (IO_DISK_TIMEOUT_MS, and IO_DISK_TIMEOUT_PER_PAGE_MS
 * more for each page it moves, so a slow disk is not taken for a dead one) has its channel
 * reset and fails with STATUS_IO_TIMEOUT: a disk never hangs the system.
 */
#include "kernel/io/io.h"


typedef struct _IOP_DISK_CHANNEL {
    FAST_MUTEX Lock;                    /* one transfer at a time */
    KEVENT Done;                        /* set by the DPC when the transfer has ended */
    KDPC Dpc;
    volatile NTSTATUS Status;           /* ... with this result */
    volatile uint32_t Interrupts;       /* transfers ended by the interrupt, ever */
} IOP_DISK_CHANNEL;

static IOP_DISK_CHANNEL IopDiskChannels[HAL_ATA_CHANNELS];
static DISK_LAYOUT IopDiskLayouts[HAL_ATA_MAX_DISKS];

static const uint32_t IopDiskIrq[HAL_ATA_CHANNELS] = { HAL_IRQ_ATA_PRIMARY, HAL_IRQ_ATA_SECONDARY };
static const char *const IopChannelName[HAL_ATA_CHANNELS] = { "primary", "secondary" };
static const char *const IopDriveName[2] = { "master", "slave" };

static void IopDiskDpc(KDPC *Dpc, void *Context, void *Argument1, void *Argument2)
{
    (void)Dpc;
    (void)Argument1;
    (void)Argument2;
    KeSetEvent(&((IOP_DISK_CHANNEL *)Context)->Done);
}

/* IRQ 14/15, at the line's IRQL: Context is the channel number. */
static void IopDiskInterrupt(void *Context)
{
    uint32_t channel = (uint32_t)(uintptr_t)Context;
    NTSTATUS status;

    if (!HalAtaCompleteInterrupt(channel, &status))
        return;
    IopDiskChannels[channel].Status = status;
    IopDiskChannels[channel].Interrupts++;
    KeInsertQueueDpc(&IopDiskChannels[channel].Dpc, NULL, NULL);
}

NTSTATUS IoDiskTransferSectors(uint32_t Disk, uint64_t Lba, uint32_t Sectors,
                               const uint32_t *PageFrames, uint32_t ByteOffset, bool Write)
{
    const HAL_ATA_DISK *disk = HalAtaDisk(Disk);
    uint32_t pages = (Sectors + HAL_ATA_SECTORS_PER_PAGE - 1) / HAL_ATA_SECTORS_PER_PAGE;
    int64_t timeout = KI_MILLISECONDS(IO_DISK_TIMEOUT_MS + pages * IO_DISK_TIMEOUT_PER_PAGE_MS);
    IOP_DISK_CHANNEL *channel;
    NTSTATUS status;

    if (!disk)
        return STATUS_NO_SUCH_DEVICE;
    channel = &IopDiskChannels[disk->Channel];
    ExAcquireFastMutex(&channel->Lock);
    KeClearEvent(&channel->Done);
    status = HalAtaStartTransferSectors(Disk, Lba, Sectors, PageFrames, ByteOffset, Write);
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

NTSTATUS IoDiskTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                        uint32_t PageCount, bool Write)
{
    uint32_t sectors = PageCount > HAL_ATA_MAX_TRANSFER_PAGES
                       ? UINT32_MAX                             /* refused as too many */
                       : PageCount * HAL_ATA_SECTORS_PER_PAGE;

    return IoDiskTransferSectors(Disk, Lba, sectors, PageFrames, 0, Write);
}

uint32_t IoDiskCount(void)
{
    return HalAtaDiskCount();
}

uint64_t IoDiskSectors(uint32_t Disk)
{
    return Disk < HalAtaDiskCount() ? HalAtaDisk(Disk)->Sectors : 0;
}

/* The most sectors one IoDiskTransferSectors may move (the HAL's limit). */
uint32_t IoDiskMaximumTransferSectors(uint32_t Disk)
{
    if (Disk >= HalAtaDiskCount())
        return 0;
    return HalAtaMaximumTransferPages(HalAtaDisk(Disk)) * HAL_ATA_SECTORS_PER_PAGE;
}

NTSTATUS IoPageRead(uint32_t Disk, uint64_t Lba, MDL *Mdl)
{
    return IoDiskTransfer(Disk, Lba, MmGetMdlPfnArray(Mdl), MmGetMdlPageCount(Mdl), false);
}

NTSTATUS IoPageWrite(uint32_t Disk, uint64_t Lba, MDL *Mdl)
{
    return IoDiskTransfer(Disk, Lba, MmGetMdlPfnArray(Mdl), MmGetMdlPageCount(Mdl), true);
}

uint32_t IoDiskInterruptCount(uint32_t Channel)
{
    return Channel < HAL_ATA_CHANNELS ? IopDiskChannels[Channel].Interrupts : 0;
}

const DISK_PARTITION *IoDiskPartitions(uint32_t Disk, uint32_t *Count)
{
    *Count = Disk < HalAtaDiskCount() ? IopDiskLayouts[Disk].PartitionCount : 0;
    return *Count ? IopDiskLayouts[Disk].Partitions : NULL;
}

const DISK_LAYOUT *IoDiskLayout(uint32_t Disk)
{
    return Disk < HalAtaDiskCount() ? &IopDiskLayouts[Disk] : NULL;
}

/*
 * Sector 0 of the disk into Page (a nonpaged page, frame Frame), then its partitions, printed.
 * A disk whose sector 0 cannot be read keeps the read's status: nothing is known of it.
 */
static void IopReadPartitionTable(uint32_t Disk, void *Page, uint32_t Frame)
{
    DISK_LAYOUT *layout = &IopDiskLayouts[Disk];
    NTSTATUS status = IoDiskTransfer(Disk, 0, &Frame, 1, false);

    if (NT_SUCCESS(status))
        status = IoParsePartitionTable(Page, layout->Sectors, layout->Partitions,
                                       &layout->PartitionCount);
    layout->TableStatus = status;
    if (!NT_SUCCESS(status)) {
        DbgPrint("ATA: disk %u: no partition table (status 0x%08x)\n", Disk, (uint32_t)status);
        return;
    }
    for (uint32_t i = 0; i < layout->PartitionCount; i++) {
        const DISK_PARTITION *p = &layout->Partitions[i];

        DbgPrint("ATA: disk %u, partition %u: type 0x%02x%s, LBA %u, %u sectors (%u MB)\n", Disk,
                 p->Number, p->Type, p->Type == PARTITION_PAGING_FILE ? " (paging file)" : "",
                 p->StartingLba, p->SectorCount, p->SectorCount / DISK_SECTORS_PER_MB);
    }
}

static void IopPrintDisk(uint32_t Disk)
{
    const HAL_ATA_DISK *disk = HalAtaDisk(Disk);

    DbgPrint("ATA: disk %u, %s %s: %s, %llu sectors (%llu MB), %s, %s\n", Disk,
             IopChannelName[disk->Channel], IopDriveName[disk->Drive], disk->Model,
             (unsigned long long)disk->Sectors,
             (unsigned long long)(disk->Sectors / DISK_SECTORS_PER_MB),
             disk->Lba48 ? "LBA48" : "LBA28", disk->Dma ? "DMA" : "no DMA");
}

void IoInitializeDisks(const IO_DISK_PAGES *Pages)
{
    uint32_t disks;

    for (uint32_t c = 0; c < HAL_ATA_CHANNELS; c++) {
        ExInitializeFastMutex(&IopDiskChannels[c].Lock);
        KeInitializeEvent(&IopDiskChannels[c].Done, NotificationEvent, false);
        KeInitializeDpc(&IopDiskChannels[c].Dpc, IopDiskDpc, &IopDiskChannels[c]);
    }
    disks = HalAtaInitialize(Pages->PrdPhysical, Pages->Prd);
    if (HalAtaBusMasterBase())
        DbgPrint("ATA: bus-master IDE registers at I/O 0x%x\n", HalAtaBusMasterBase());
    else
        DbgPrint("ATA: no bus-master IDE controller: disk transfers are refused\n");
    if (disks == 0)
        DbgPrint("ATA: no disks\n");
    for (uint32_t d = 0; d < disks; d++)
        KeConnectInterrupt(IopDiskIrq[HalAtaDisk(d)->Channel], IopDiskInterrupt,
                           (void *)(uintptr_t)HalAtaDisk(d)->Channel);
    for (uint32_t d = 0; d < disks; d++) {
        IopDiskLayouts[d].Sectors = HalAtaDisk(d)->Sectors;
        IopDiskLayouts[d].TableStatus = STATUS_DEVICE_NOT_READY;    /* unread without DMA */
        IopPrintDisk(d);
        if (HalAtaDisk(d)->Dma)
            IopReadPartitionTable(d, Pages->Scratch, Pages->ScratchFrame);
    }
}
