/*
 * tests/kernel/ata.c: the ATA driver (hal/ata.c) through IoDiskTransfer and its own contract.
 * The disks are the images tools/mkdisk makes: one paging-file partition from sector 2048 (as
 * fdisk places it) to the end. Without disks the tests pass, saying so.
 *
 * They write only where Mm says nothing lives (MmIsDiskRegionFree: no paging file, no MBR, no
 * partition but a 0x82 one): on those images, the sectors before the partition, and on a disk
 * past 2^28 sectors, past the 4095 MB a paging file takes of the partition. A test whose
 * sectors are not free skips, saying where.
 *
 *      8 ..   39   readwrite: the first pages of the gap   (tests/ata.t reads LBA 8 back)
 *     64 ..  576   multipage: 64 pages, and one sector more
 *    640 ..  655   interrupt
 *    672 ..  703   polled
 *    768 ..  831   reset
 *    896 ..  959   channels
 *   1024 .. 1031   fault: tests/ata.t has blkdebug fail sector 1024
 *   1152 .. 1167   fault: a transfer after the faults
 *   2024 .. 2047   readwrite: the last pages of the gap
 */
#include "kernel/kd/ktest.h"
#include "kernel/io/io.h"
#include "mm/mi.h"
#include "hal/hal.h"

#define ATA_TEST_PAGES      64                  /* the largest transfer here: 512 sectors */
#define ATA_MULTI_PAGES     16
#define ATA_LBA28_LIMIT     (1ull << 28)
#define ATA_SCRATCH_START   8
#define ATA_GAP_END         2048                /* where tools/mkdisk starts the partition */
#define ATA_MULTI_LBA       64
#define ATA_INTERRUPT_LBA   640
#define ATA_POLLED_LBA      672
#define ATA_RESET_LBA       768
#define ATA_CHANNELS_LBA    896
#define ATA_FAULT_LBA       1024
#define ATA_AFTER_FAULT_LBA 1152
#define ATA_FAULT_DISK      0
#define ATA_POLL_MS         1000
#define ATA_FILL            0xDEADBEEFu

typedef struct _ATA_BUFFER {
    uint32_t *Words;
    uint32_t Frames[ATA_TEST_PAGES];
} ATA_BUFFER;

/* A place on a disk and how many pages go there. */
typedef struct _ATA_REGION {
    uint64_t Lba;
    uint32_t Pages;
} ATA_REGION;

static void RequireDisks(void)
{
    if (HalAtaDiskCount() == 0)
        KtSkip("no disk");
}

static void FreeBufferPages(void *Words)
{
    MiFreePoolPages(Words);
}

/* A buffer of nonpaged pages, given back by FreeBuffer or else by the test's cleanup. */
static void AllocateBuffer(ATA_BUFFER *Buffer)
{
    Buffer->Words = MiAllocatePoolPages(NonPagedPool, ATA_TEST_PAGES * PAGE_SIZE);
    KT_ASSERT(Buffer->Words != NULL);
    KtDefer(FreeBufferPages, Buffer->Words);
    for (uint32_t i = 0; i < ATA_TEST_PAGES; i++)     /* a PTE, or a large PDE (mminit.c) */
        Buffer->Frames[i] = (uint32_t)(MmGetPhysicalAddress((char *)Buffer->Words +
                                                            i * PAGE_SIZE) >> PAGE_SHIFT);
}

static void FreeBuffers(ATA_BUFFER *Write, ATA_BUFFER *Read)
{
    KtRelease(FreeBufferPages, Write->Words);
    KtRelease(FreeBufferPages, Read->Words);
}

/* The word that belongs at Index of the sector run starting at Lba on Disk. */
static uint32_t PatternWord(uint32_t Disk, uint64_t Lba, uint32_t Index)
{
    uint32_t x = (uint32_t)Lba * 2654435761u ^ (uint32_t)(Lba >> 32) ^ Disk << 28 ^ Index;

    return x * 1664525u + 1013904223u;
}

static void FillPattern(uint32_t *Words, uint32_t Disk, uint64_t Lba, uint32_t Pages)
{
    for (uint32_t p = 0; p < Pages; p++) {
        for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
            Words[p * PAGE_SIZE / 4 + i] = PatternWord(Disk, Lba + p * HAL_ATA_SECTORS_PER_PAGE, i);
    }
}

/* Compares every word with the pattern; reports the first difference. */
static void CheckPattern(const uint32_t *Words, uint32_t Disk, uint64_t Lba, uint32_t Pages)
{
    uint32_t bad = 0, first = 0;

    for (uint32_t p = 0; p < Pages; p++) {
        for (uint32_t i = 0; i < PAGE_SIZE / 4; i++) {
            uint32_t at = p * PAGE_SIZE / 4 + i;

            if (Words[at] != PatternWord(Disk, Lba + p * HAL_ATA_SECTORS_PER_PAGE, i) && bad++ == 0)
                first = at;
        }
    }
    if (bad)
        KtPrint("disk %u LBA %llu: %u bad words, the first at word %u", Disk,
                (unsigned long long)Lba, bad, first);
    KT_ASSERT_EQ(0, bad);
}

static void ReadBack(ATA_BUFFER *Read, uint32_t Disk, ATA_REGION Region)
{
    for (uint32_t i = 0; i < Region.Pages * PAGE_SIZE / 4; i++)
        Read->Words[i] = ATA_FILL;
    KT_ASSERT_STATUS(IoDiskTransfer(Disk, Region.Lba, Read->Frames, Region.Pages, false),
                     STATUS_SUCCESS);
    CheckPattern(Read->Words, Disk, Region.Lba, Region.Pages);
}

/* The region's pattern, in transfers of Chunk pages. */
static void WritePattern(ATA_BUFFER *Write, uint32_t Disk, ATA_REGION Region, uint32_t Chunk)
{
    FillPattern(Write->Words, Disk, Region.Lba, Region.Pages);
    for (uint32_t p = 0; p < Region.Pages; p += Chunk) {
        KT_ASSERT_STATUS(IoDiskTransfer(Disk, Region.Lba + p * HAL_ATA_SECTORS_PER_PAGE,
                                        Write->Frames + p, MIN(Chunk, Region.Pages - p), true),
                         STATUS_SUCCESS);
    }
}

/* The disk's first paging-file partition, or NULL (a disk with no partition table). */
static const DISK_PARTITION *PagingPartition(uint32_t Disk)
{
    uint32_t count;
    const DISK_PARTITION *partitions = IoDiskPartitions(Disk, &count);

    for (uint32_t i = 0; i < count; i++) {
        if (partitions[i].Type == PARTITION_PAGING_FILE)
            return &partitions[i];
    }
    return NULL;
}

/* Pages at Lba of Disk, when Mm says nothing lives there; otherwise the test skips, saying where. */
static ATA_REGION Scratch(uint32_t Disk, uint64_t Lba, uint32_t Pages)
{
    uint64_t sectors = (uint64_t)Pages * HAL_ATA_SECTORS_PER_PAGE;

    if (!MmIsDiskRegionFree(Disk, Lba, sectors))
        KtSkip("disk %u, LBA %llu to %llu: a paging file or a partition's data may be there",
               Disk, (unsigned long long)Lba, (unsigned long long)(Lba + sectors - 1));
    return (ATA_REGION){ Lba, Pages };
}

/*
 * Places to write on a disk: the first and last pages before sector 2048; on a disk past
 * 2^28 sectors, a run across that line (its first pages within LBA28's reach, the rest not),
 * the last pages of the disk, and the sectors 2^28 below those, which a driver that dropped
 * address bit 28 would write over. Those where something may live are left out, saying so.
 * tests/ata.t reads some back from the image files.
 */
static uint32_t TestRegions(uint32_t Disk, ATA_REGION Regions[5])
{
    uint64_t end = HalAtaDisk(Disk)->Sectors, last = end - 2 * HAL_ATA_SECTORS_PER_PAGE;
    ATA_REGION wanted[5] = {
        { ATA_SCRATCH_START, 4 }, { ATA_GAP_END - 3 * HAL_ATA_SECTORS_PER_PAGE, 3 },
        { ATA_LBA28_LIMIT - 3 * HAL_ATA_SECTORS_PER_PAGE, 6 }, { last, 2 },
        { last - ATA_LBA28_LIMIT, 2 },
    };
    uint32_t count = 0, candidates = end > ATA_LBA28_LIMIT + 64 ? 5 : 2;

    for (uint32_t i = 0; i < candidates; i++) {
        uint64_t sectors = (uint64_t)wanted[i].Pages * HAL_ATA_SECTORS_PER_PAGE;

        if (MmIsDiskRegionFree(Disk, wanted[i].Lba, sectors))
            Regions[count++] = wanted[i];
        else
            KtPrint("disk %u, LBA %llu to %llu left out: a paging file or a partition's data "
                    "may be there", Disk, (unsigned long long)wanted[i].Lba,
                    (unsigned long long)(wanted[i].Lba + sectors - 1));
    }
    return count;
}

/* Where a partition's room ends: at the next partition (build/disk0.img has C: after the
 * paging file's), or at the end of the disk. */
static uint64_t PartitionEnd(uint32_t Disk, const DISK_PARTITION *Partition)
{
    uint32_t count;
    const DISK_PARTITION *partitions = IoDiskPartitions(Disk, &count);
    uint64_t end = HalAtaDisk(Disk)->Sectors;

    for (uint32_t i = 0; i < count; i++) {
        if (partitions[i].StartingLba > Partition->StartingLba)
            end = MIN(end, partitions[i].StartingLba);
    }
    return end;
}

/* What QEMU reports for the images tools/mkdisk makes, and the order the driver numbers them. */
KTEST(TestAtaIdentify, "hal.ata.identify")
{
    uint32_t previous = 0;

    RequireDisks();
    KT_ASSERT_LE(HalAtaDiskCount(), HAL_ATA_MAX_DISKS);
    KT_ASSERT(HalAtaDisk(HalAtaDiskCount()) == NULL);
    KT_ASSERT_NE(0, HalAtaBusMasterBase());
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        const HAL_ATA_DISK *disk = HalAtaDisk(d);
        const DISK_PARTITION *partition = PagingPartition(d);
        uint32_t position = disk->Channel * 2 + disk->Drive + 1;

        KT_ASSERT_STREQ("QEMU HARDDISK", disk->Model);
        KT_ASSERT(disk->Dma);
        KT_ASSERT(disk->Lba48);
        if (partition) {
            KT_ASSERT_EQ(ATA_GAP_END, partition->StartingLba);
            KT_ASSERT_EQ((uint64_t)partition->StartingLba + partition->SectorCount,
                         PartitionEnd(d, partition));
        } else {
            KT_ASSERT_STATUS(IoDiskLayout(d)->TableStatus, STATUS_BAD_MASTER_BOOT_RECORD);
        }
        KT_ASSERT_GT(position, previous);
        previous = position;
    }
}

/*
 * Patterns written a page at a time to every region of every disk first, then each region read
 * back in one transfer and compared: across 2^28 the pages go with LBA28 and LBA48 commands
 * and come back with one LBA48 command.
 */
KTEST(TestAtaReadWrite, "hal.ata.readwrite")
{
    ATA_BUFFER write, read;
    ATA_REGION regions[HAL_ATA_MAX_DISKS][5];
    uint32_t counts[HAL_ATA_MAX_DISKS], total = 0;

    RequireDisks();
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        counts[d] = TestRegions(d, regions[d]);
        total += counts[d];
    }
    if (total == 0)
        KtSkip("no region of any disk is free");
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        for (uint32_t r = 0; r < counts[d]; r++)
            WritePattern(&write, d, regions[d][r], 1);
    }
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        for (uint32_t r = 0; r < counts[d]; r++)
            ReadBack(&read, d, regions[d][r]);
    }
    FreeBuffers(&write, &read);
}

/*
 * 64 pages written in 16-page transfers (LBA28 commands) read back in one (512 sectors: an
 * LBA48 command even at a low address); written over at the LBA28 limit, 32 pages at a time,
 * one sector further on (so every word changes); the pattern again in one 64-page transfer,
 * read back 16 pages at a time; and a read into the frames in reverse order, which puts each
 * page where its PRD says.
 */
KTEST(TestAtaMultiPage, "hal.ata.multipage")
{
    ATA_BUFFER write, read;
    uint32_t reversed[ATA_MULTI_PAGES];
    ATA_REGION region, shifted;

    RequireDisks();
    region = Scratch(0, ATA_MULTI_LBA, ATA_TEST_PAGES);
    shifted = Scratch(0, ATA_MULTI_LBA + 1, ATA_TEST_PAGES);
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    WritePattern(&write, 0, region, ATA_MULTI_PAGES);
    ReadBack(&read, 0, region);

    WritePattern(&write, 0, shifted, HAL_ATA_MAX_LBA28_PAGES);
    WritePattern(&write, 0, region, ATA_TEST_PAGES);
    for (uint32_t p = 0; p < ATA_TEST_PAGES; p += ATA_MULTI_PAGES) {
        uint64_t lba = region.Lba + p * HAL_ATA_SECTORS_PER_PAGE;

        ReadBack(&read, 0, (ATA_REGION){ lba, ATA_MULTI_PAGES });
    }

    for (uint32_t i = 0; i < ATA_MULTI_PAGES; i++)
        reversed[i] = read.Frames[ATA_MULTI_PAGES - 1 - i];
    KT_ASSERT_STATUS(IoDiskTransfer(0, region.Lba, reversed, ATA_MULTI_PAGES, false),
                     STATUS_SUCCESS);
    for (uint32_t i = 0; i < ATA_MULTI_PAGES; i++)
        CheckPattern(read.Words + (ATA_MULTI_PAGES - 1 - i) * PAGE_SIZE / 4, 0,
                     region.Lba + i * HAL_ATA_SECTORS_PER_PAGE, 1);
    FreeBuffers(&write, &read);
}

/* Requests the driver refuses before touching the device, each with NT's status; and the
 * last page of every disk, which it does not refuse (only read: it may be a paging file's). */
KTEST(TestAtaRange, "hal.ata.range")
{
    const HAL_ATA_DISK *disk;
    uint32_t interrupts, frames[HAL_ATA_MAX_TRANSFER_PAGES + 1] = { 0x100 };
    uint64_t end;

    RequireDisks();
    disk = HalAtaDisk(0);
    end = disk->Sectors;
    interrupts = IoDiskInterruptCount(disk->Channel);
    for (uint32_t i = 0; i < ARRAYSIZE(frames); i++)
        frames[i] = 0x100 + i;
    KT_ASSERT_STATUS(HalAtaStartTransfer(0, end - 7, frames, 1, false), STATUS_INVALID_PARAMETER);
    KT_ASSERT_STATUS(HalAtaStartTransfer(0, end, frames, 1, false), STATUS_INVALID_PARAMETER);
    KT_ASSERT_STATUS(HalAtaStartTransfer(0, ~0ull - 3, frames, 1, true), STATUS_INVALID_PARAMETER);
    KT_ASSERT_STATUS(HalAtaStartTransfer(0, 0, frames, 0, false), STATUS_INVALID_PARAMETER);
    KT_ASSERT_STATUS(HalAtaStartTransfer(0, 0, frames, HAL_ATA_MAX_TRANSFER_PAGES + 1, false),
                     STATUS_INVALID_PARAMETER);
    frames[0] = 0x100000;                       /* at 4 GiB: beyond a PRD's reach */
    KT_ASSERT_STATUS(HalAtaStartTransfer(0, 2048, frames, 1, false), STATUS_INVALID_PARAMETER);
    KT_ASSERT_STATUS(HalAtaStartTransfer(HalAtaDiskCount(), 2048, frames, 1, false),
                     STATUS_NO_SUCH_DEVICE);
    KT_ASSERT_STATUS(IoDiskTransfer(HAL_ATA_MAX_DISKS, 2048, frames, 1, false),
                     STATUS_NO_SUCH_DEVICE);
    KT_ASSERT_EQ(interrupts, IoDiskInterruptCount(disk->Channel));
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        uint64_t last = HalAtaDisk(d)->Sectors - HAL_ATA_SECTORS_PER_PAGE;
        ATA_BUFFER read;

        AllocateBuffer(&read);
        KT_ASSERT_STATUS(IoDiskTransfer(d, last, read.Frames, 1, false), STATUS_SUCCESS);
        KtRelease(FreeBufferPages, read.Words);
    }
}

/* Each transfer ends by exactly one interrupt, on its own channel; an idle channel's
 * interrupt is not taken for a completion. */
KTEST(TestAtaInterrupt, "hal.ata.interrupt")
{
    ATA_BUFFER write, read;
    ATA_REGION regions[HAL_ATA_MAX_DISKS];
    NTSTATUS status = 0x12345678;

    RequireDisks();
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        regions[d] = Scratch(d, ATA_INTERRUPT_LBA, 2);
    }
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    for (uint32_t d = 0; d < HalAtaDiskCount(); d++) {
        uint32_t channel = HalAtaDisk(d)->Channel;
        uint32_t mine = IoDiskInterruptCount(channel), other = IoDiskInterruptCount(1 - channel);
        ATA_REGION region = regions[d];

        WritePattern(&write, d, region, region.Pages);
        ReadBack(&read, d, region);
        KT_ASSERT_EQ(mine + 2, IoDiskInterruptCount(channel));
        KT_ASSERT_EQ(other, IoDiskInterruptCount(1 - channel));
        KT_ASSERT(!HalAtaCompleteInterrupt(channel, &status));
        KT_ASSERT_EQ(0x12345678, status);
    }
    KT_ASSERT(!HalAtaCompleteInterrupt(HAL_ATA_CHANNELS, &status));
    FreeBuffers(&write, &read);
}

/* Waits one clock tick with interrupts enabled, so any pending disk interrupt is taken. */
static void LetInterruptsIn(void)
{
    uint32_t start = KeTickCount;

    while (KeTickCount - start < 2)
        HalWaitForInterrupt();
}

/*
 * The start-up way: interrupts off, the transfer polled to its end; the channel refuses a
 * second transfer meanwhile, and the interrupt that follows is not counted twice. (Statuses
 * are checked once interrupts are back on: a failed assertion leaves the test at once.)
 */
KTEST(TestAtaPolled, "hal.ata.polled")
{
    ATA_BUFFER write, read;
    uint32_t channel, interrupts, flags = __readeflags();
    NTSTATUS status[5];
    ATA_REGION region;

    RequireDisks();
    region = Scratch(0, ATA_POLLED_LBA, 4);
    channel = HalAtaDisk(0)->Channel;
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    FillPattern(write.Words, 0, region.Lba, region.Pages);
    interrupts = IoDiskInterruptCount(channel);
    _disable();
    status[0] = HalAtaStartTransfer(0, region.Lba, write.Frames, region.Pages, true);
    status[1] = HalAtaStartTransfer(0, region.Lba, read.Frames, 1, false);
    status[2] = HalAtaWaitPolled(channel, ATA_POLL_MS);
    status[3] = HalAtaStartTransfer(0, region.Lba, read.Frames, region.Pages, false);
    status[4] = HalAtaWaitPolled(channel, ATA_POLL_MS);
    __writeeflags(flags);
    LetInterruptsIn();
    KT_ASSERT_STATUS(status[0], STATUS_PENDING);
    KT_ASSERT_STATUS(status[1], STATUS_DEVICE_BUSY);
    KT_ASSERT_STATUS(status[2], STATUS_SUCCESS);
    KT_ASSERT_STATUS(status[3], STATUS_PENDING);
    KT_ASSERT_STATUS(status[4], STATUS_SUCCESS);
    KT_ASSERT_EQ(interrupts, IoDiskInterruptCount(channel));
    CheckPattern(read.Words, 0, region.Lba, region.Pages);
    FreeBuffers(&write, &read);
}

/* A reset abandons the outstanding transfer (STATUS_IO_TIMEOUT) and leaves a working channel. */
KTEST(TestAtaReset, "hal.ata.reset")
{
    ATA_BUFFER write, read;
    uint32_t channel, flags = __readeflags();
    NTSTATUS status[3];
    ATA_REGION region;

    RequireDisks();
    region = Scratch(0, ATA_RESET_LBA, 8);
    channel = HalAtaDisk(0)->Channel;
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    KT_ASSERT_STATUS(HalAtaResetChannel(channel), STATUS_SUCCESS);
    _disable();
    status[0] = HalAtaStartTransfer(0, region.Lba, read.Frames, region.Pages, false);
    status[1] = HalAtaResetChannel(channel);
    status[2] = HalAtaWaitPolled(channel, ATA_POLL_MS);
    __writeeflags(flags);
    LetInterruptsIn();
    KT_ASSERT_STATUS(status[0], STATUS_PENDING);
    KT_ASSERT_STATUS(status[1], STATUS_SUCCESS);
    KT_ASSERT_STATUS(status[2], STATUS_IO_TIMEOUT);
    WritePattern(&write, 0, region, region.Pages);
    ReadBack(&read, 0, region);
    KT_ASSERT_STATUS(HalAtaResetChannel(HAL_ATA_CHANNELS), STATUS_INVALID_PARAMETER);
    FreeBuffers(&write, &read);
}

/* With a disk on each channel: a transfer outstanding on both at once, each polled to its end. */
KTEST(TestAtaChannels, "hal.ata.channels")
{
    ATA_BUFFER write, read;
    uint32_t last = HalAtaDiskCount() - 1, flags = __readeflags();
    NTSTATUS status[4];
    ATA_REGION first, second;

    RequireDisks();
    if (HalAtaDisk(0)->Channel == HalAtaDisk(last)->Channel)
        KtSkip("needs a disk on each channel");
    first = Scratch(0, ATA_CHANNELS_LBA, 8);
    second = Scratch(last, ATA_CHANNELS_LBA, 8);
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    FillPattern(write.Words, 0, first.Lba, 8);
    FillPattern(write.Words + 8 * PAGE_SIZE / 4, last, second.Lba, 8);
    _disable();
    status[0] = HalAtaStartTransfer(0, first.Lba, write.Frames, 8, true);
    status[1] = HalAtaStartTransfer(last, second.Lba, write.Frames + 8, 8, true);
    status[2] = HalAtaWaitPolled(HalAtaDisk(last)->Channel, ATA_POLL_MS);
    status[3] = HalAtaWaitPolled(HalAtaDisk(0)->Channel, ATA_POLL_MS);
    __writeeflags(flags);
    KT_ASSERT_STATUS(status[0], STATUS_PENDING);
    KT_ASSERT_STATUS(status[1], STATUS_PENDING);
    KT_ASSERT_STATUS(status[2], STATUS_SUCCESS);
    KT_ASSERT_STATUS(status[3], STATUS_SUCCESS);
    ReadBack(&read, 0, first);
    ReadBack(&read, last, second);
    FreeBuffers(&write, &read);
}

/*
 * Sectors tests/ata.t makes fail with blkdebug (EIO on reads, or on writes, at ATA_FAULT_LBA of
 * disk 0): each transfer's status is printed for the scenario to check; here, that a failure
 * is one the driver decodes, comes back without a hang, and leaves the disk usable.
 */
KTEST(TestAtaFault, "hal.ata.fault")
{
    ATA_BUFFER write, read;
    ATA_REGION fault, elsewhere;
    NTSTATUS status;

    RequireDisks();
    fault = Scratch(ATA_FAULT_DISK, ATA_FAULT_LBA, 1);
    elsewhere = Scratch(ATA_FAULT_DISK, ATA_AFTER_FAULT_LBA, 2);
    AllocateBuffer(&write);
    AllocateBuffer(&read);
    FillPattern(write.Words, ATA_FAULT_DISK, fault.Lba, 1);
    status = IoDiskTransfer(ATA_FAULT_DISK, fault.Lba, write.Frames, 1, true);
    KtPrint("write at LBA %u: status 0x%08x", ATA_FAULT_LBA, (uint32_t)status);
    KT_ASSERT(status == STATUS_SUCCESS || status == STATUS_IO_DEVICE_ERROR);
    status = IoDiskTransfer(ATA_FAULT_DISK, fault.Lba, read.Frames, 1, false);
    KtPrint("read at LBA %u: status 0x%08x", ATA_FAULT_LBA, (uint32_t)status);
    KT_ASSERT(status == STATUS_SUCCESS || status == STATUS_IO_DEVICE_ERROR);
    WritePattern(&write, ATA_FAULT_DISK, elsewhere, elsewhere.Pages);
    ReadBack(&read, ATA_FAULT_DISK, elsewhere);
    FreeBuffers(&write, &read);
}
