/*
 * kernel/disk.c: the ATA disks as the kernel starts them, until the I/O manager exists. It
 * gives the driver (hal/ata.c) a PRD page per channel from nonpaged pool, connects IRQ 14 and
 * 15 to a service routine that records each ended transfer in a per-channel completion flag,
 * prints the disks, reads their MBR partition tables, and offers one synchronous transfer,
 * KiDiskTransfer, which halts until that flag is set. (With threads, the flag becomes a DPC
 * and an event, and the wait a KeWaitForSingleObject.)
 */
#include "kernel/ki.h"
#include "mm/mi.h"
#include "hal/hal.h"

#define KI_DISK_TIMEOUT_TICKS   (KI_DISK_TIMEOUT_MS * HAL_CLOCK_HZ / 1000)
#define KI_SECTORS_PER_MB       ((1024 * 1024) / DISK_SECTOR_SIZE)

typedef struct _KI_DISK_CHANNEL {
    volatile bool Done;                 /* the interrupt ended the channel's transfer */
    volatile NTSTATUS Status;           /* ... with this result */
    volatile uint32_t Interrupts;       /* transfers ended by the interrupt, ever */
} KI_DISK_CHANNEL;

static KI_DISK_CHANNEL KiDiskChannels[HAL_ATA_CHANNELS];
static DISK_PARTITION KiPartitions[HAL_ATA_MAX_DISKS][DISK_MBR_PARTITIONS];
static uint32_t KiPartitionCount[HAL_ATA_MAX_DISKS];

static const uint32_t KiDiskIrq[HAL_ATA_CHANNELS] = { HAL_IRQ_ATA_PRIMARY, HAL_IRQ_ATA_SECONDARY };
static const char *const KiChannelName[HAL_ATA_CHANNELS] = { "primary", "secondary" };
static const char *const KiDriveName[2] = { "master", "slave" };

/* IRQ 14/15, at the line's IRQL: Context is the channel number. */
static void KiDiskInterrupt(void *Context)
{
    uint32_t channel = (uint32_t)(uintptr_t)Context;
    NTSTATUS status;

    if (!HalAtaCompleteInterrupt(channel, &status))
        return;
    KiDiskChannels[channel].Status = status;
    KiDiskChannels[channel].Interrupts++;
    KiDiskChannels[channel].Done = true;
}

/* Halts until the channel's interrupt sets Done, checking with interrupts off so that the
 * interrupt cannot slip in between the check and the halt. */
static NTSTATUS KiWaitForDisk(uint32_t Channel)
{
    KI_DISK_CHANNEL *channel = &KiDiskChannels[Channel];
    uint32_t flags = __readeflags(), start = KeTickCount;
    bool done;

    for (;;) {
        _disable();
        done = channel->Done;
        if (done || KeTickCount - start >= KI_DISK_TIMEOUT_TICKS)
            break;
        HalWaitForInterrupt();
    }
    __writeeflags(flags);
    if (!done) {
        HalAtaResetChannel(Channel);
        return STATUS_IO_TIMEOUT;
    }
    return channel->Status;
}

NTSTATUS KiDiskTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                        uint32_t PageCount, bool Write)
{
    const HAL_ATA_DISK *disk = HalAtaDisk(Disk);
    NTSTATUS status;

    if (!disk)
        return STATUS_NO_SUCH_DEVICE;
    KiDiskChannels[disk->Channel].Done = false;
    status = HalAtaStartTransfer(Disk, Lba, PageFrames, PageCount, Write);
    if (status != STATUS_PENDING)
        return status;
    return KiWaitForDisk(disk->Channel);
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
