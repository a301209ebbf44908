/*
 * tests/kernel/bench_pool.c: how fast the executive pool allocates. Each figure,
 * pool_alloc_free_<size>_<pool>, is ExAllocatePoolWithTag + ExFreePoolWithTag pairs per second
 * for one size in one pool, measured for a tenth of a second.
 *
 * One block of the same size stays allocated meanwhile, as in a pool in use, so a small size
 * measures carving and coalescing rather than a page coming and going on every pair (NT
 * keeps per-size lookaside lists for that; mm386 has none). A 4000-byte block still fills
 * most of a page, so each pair takes a fresh page and gives it back; 4096 bytes is a big
 * allocation, whole pages from MiAllocatePoolPages and a big-page table entry.
 */
#include "kernel/init/kbench.h"
#include "mm/mm.h"

#define BENCH_TAG           POOL_TAG('B', 'n', 'c', 'h')
#define BENCH_BATCH         64
#define BENCH_PERIODS       10      /* each figure runs for 1 / BENCH_PERIODS s */

static void BenchAllocFree(POOL_TYPE PoolType, const char *PoolName, size_t Bytes)
{
    uint64_t frequency, start = KeQueryPerformanceCounter(&frequency), pairs = 0;
    void *resident = ExAllocatePoolWithTag(PoolType, Bytes, BENCH_TAG);
    char figure[48];

    do {
        for (uint32_t i = 0; i < BENCH_BATCH; i++)
            ExFreePoolWithTag(ExAllocatePoolWithTag(PoolType, Bytes, BENCH_TAG), BENCH_TAG);
        pairs += BENCH_BATCH;
    } while (KeQueryPerformanceCounter(NULL) - start < frequency / BENCH_PERIODS);
    RtlStringPrintf(figure, sizeof(figure), "pool_alloc_free_%u_%s", (uint32_t)Bytes, PoolName);
    KbReportRate(figure, pairs, start, "pairs/s");
    ExFreePoolWithTag(resident, BENCH_TAG);
}

KBENCH(BenchPoolAllocFree, "mm.pool.alloc_free")
{
    static const size_t sizes[] = { 16, 64, 256, 1024, 4000, PAGE_SIZE };

    for (uint32_t i = 0; i < ARRAYSIZE(sizes); i++) {
        BenchAllocFree(NonPagedPool, "nonpaged", sizes[i]);
        BenchAllocFree(PagedPool, "paged", sizes[i]);
    }
}
