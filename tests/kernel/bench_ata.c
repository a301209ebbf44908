/*
 * tests/kernel/bench_ata.c: bus-master DMA throughput through IoDiskTransfer (interrupt
 * completion) on disk 0: 64 KiB transfers one after the other, written and read in the sectors
 * tools/mkdisk leaves before the partition (no paging file is there), and random 4 KiB reads
 * over the paging-file partition, as hard page faults make them.
 */
#include "kernel/init/kbench.h"
#include "kernel/io/io.h"
#include "mm/mi.h"
#include "hal/hal.h"

#define ATA_BENCH_DISK          0
#define ATA_BENCH_PAGES         16                  /* 64 KiB */
#define ATA_BENCH_SECTORS       (ATA_BENCH_PAGES * HAL_ATA_SECTORS_PER_PAGE)
#define ATA_BENCH_TRANSFERS     512                 /* 32 MiB each way, each round */
#define ATA_BENCH_GAP_START     128                 /* after the MBR, before sector 2048 */
#define ATA_BENCH_RANDOM_READS  2048
#define ATA_BENCH_ROUNDS        3

static const DISK_PARTITION *BenchPartition(void)
{
    uint32_t count;
    const DISK_PARTITION *partitions = IoDiskPartitions(ATA_BENCH_DISK, &count);

    for (uint32_t i = 0; i < count; i++) {
        if (partitions[i].Type == PARTITION_PAGING_FILE)
            return &partitions[i];
    }
    return NULL;
}

/* ATA_BENCH_TRANSFERS transfers, sweeping the gap before Partition again and again, in KB/s:
 * the best of ATA_BENCH_ROUNDS rounds. */
static void BenchSequential(const char *Figure, const DISK_PARTITION *Partition,
                            const uint32_t *Frames, bool Write)
{
    uint32_t perSweep = (Partition->StartingLba - ATA_BENCH_GAP_START) / ATA_BENCH_SECTORS;
    uint64_t best = UINT64_MAX, frequency = 0;

    for (uint32_t round = 0; round < ATA_BENCH_ROUNDS; round++) {
        uint64_t start = KeQueryPerformanceCounter(NULL);

        for (uint32_t i = 0; i < ATA_BENCH_TRANSFERS; i++) {
            uint64_t lba = ATA_BENCH_GAP_START + (uint64_t)(i % perSweep) * ATA_BENCH_SECTORS;
            NTSTATUS status = IoDiskTransfer(ATA_BENCH_DISK, lba, Frames, ATA_BENCH_PAGES, Write);

            if (!NT_SUCCESS(status)) {
                DbgPrint("# %s: transfer %u failed with 0x%08x\n", Figure, i, (uint32_t)status);
                return;
            }
        }
        uint64_t elapsed = KeQueryPerformanceCounter(&frequency) - start;

        best = MIN(best, elapsed);
    }
    KbReport(Figure, best ? (uint64_t)ATA_BENCH_TRANSFERS * ATA_BENCH_PAGES * (PAGE_SIZE / 1024) *
                            frequency / best : 0, "KB/s");
}

/* Single pages at pseudo-random page offsets within the partition. */
static void BenchRandomReads(const DISK_PARTITION *Partition, const uint32_t *Frames)
{
    uint32_t pages = Partition->SectorCount / HAL_ATA_SECTORS_PER_PAGE, x = 12345;
    uint64_t start = KeQueryPerformanceCounter(NULL);

    for (uint32_t i = 0; i < ATA_BENCH_RANDOM_READS; i++) {
        uint64_t lba;

        x = x * 1664525u + 1013904223u;
        lba = Partition->StartingLba + (uint64_t)(x % pages) * HAL_ATA_SECTORS_PER_PAGE;
        if (!NT_SUCCESS(IoDiskTransfer(ATA_BENCH_DISK, lba, Frames, 1, false))) {
            DbgPrint("# ata_read_4k_random: a read failed\n");
            return;
        }
    }
    KbReportRate("ata_read_4k_random", ATA_BENCH_RANDOM_READS, start, "transfers/s");
}

KBENCH(BenchAtaDma, "hal.ata")
{
    const DISK_PARTITION *partition = BenchPartition();
    uint32_t frames[ATA_BENCH_PAGES];
    char *buffer;

    if (!partition || partition->StartingLba < ATA_BENCH_GAP_START + ATA_BENCH_SECTORS) {
        DbgPrint("# hal.ata: needs disk 0 made by tools/mkdisk\n");
        return;
    }
    if (!MmIsDiskRegionFree(ATA_BENCH_DISK, ATA_BENCH_GAP_START,
                            partition->StartingLba - ATA_BENCH_GAP_START)) {
        DbgPrint("# hal.ata: the sectors before the partition are not free (a paging file?)\n");
        return;
    }
    buffer = MiAllocatePoolPages(NonPagedPool, ATA_BENCH_PAGES * PAGE_SIZE);
    if (!buffer)
        return;
    for (uint32_t i = 0; i < ATA_BENCH_PAGES; i++)
        frames[i] = (uint32_t)(MmGetPhysicalAddress(buffer + i * PAGE_SIZE) >> PAGE_SHIFT);
    BenchSequential("ata_write_64k", partition, frames, true);
    BenchSequential("ata_read_64k", partition, frames, false);
    BenchRandomReads(partition, frames);
    MiFreePoolPages(buffer);
}
