/*
 * tests/kernel/bench_paging.c: demand paging, in the three workloads we measure on every
 * kernel (`make bench`: 64 MiB of RAM, a 256 MiB paging file on the primary master). Until
 * processes exist they run on paged pool.
 *
 *   W1 demand_zero_pages_per_s   2048 fresh pages, one write each; 5 repetitions (the memory
 *                                freed between), the best
 *   W2 thrash_*                  24576 pages (96 MiB, half again RAM): pass 1 writes word 0 =
 *                                i * 2654435761 and word 1023 = ~i of page i, passes 2 and 3
 *                                verify both; touches/s = 3 * 24576 / seconds, the words
 *                                found wrong, and the paging-file pages read and written
 *   W3 random_*                  20000 touches of the first 18432 of those pages, page =
 *                                x % 18432 with x = x * 1664525 + 1013904223 from 12345:
 *                                word 1 must be page + 1 if the page was touched before,
 *                                0 if not; then page + 1 is written
 */
#include "kernel/init/kbench.h"
#include "mm/mi.h"

#define BENCH_TAG               POOL_TAG('B', 'n', 'P', 'g')
#define W1_PAGES                2048
#define W1_REPETITIONS          5
#define W2_PAGES                24576
#define W2_PASSES               3
#define W3_PAGES                18432
#define W3_TOUCHES              20000
#define WORDS_PER_PAGE          (PAGE_SIZE / sizeof(uint32_t))

static uint8_t W3Touched[W3_PAGES / 8];

static volatile uint32_t *PageWords(void *Base, uint32_t Page)
{
    return (volatile uint32_t *)((char *)Base + (size_t)Page * PAGE_SIZE);
}

KBENCH(BenchDemandZero, "mm.paging.1_demand_zero")
{
    uint64_t best = 0;

    for (uint32_t rep = 0; rep < W1_REPETITIONS; rep++) {
        uint64_t start = KeQueryPerformanceCounter(NULL);
        void *memory = ExAllocatePoolWithTag(PagedPool, W1_PAGES * PAGE_SIZE, BENCH_TAG);

        if (!memory) {
            KbReport("demand_zero_pages_per_s", 0, "pages/s");
            return;
        }
        for (uint32_t page = 0; page < W1_PAGES; page++)
            PageWords(memory, page)[0] = page;
        best = MAX(best, KbRate(W1_PAGES, start));
        ExFreePoolWithTag(memory, BENCH_TAG);
    }
    KbReport("demand_zero_pages_per_s", best, "pages/s");
}

/* W2, then W3 on the same memory. */
KBENCH(BenchThrashAndRandom, "mm.paging.2_thrash")
{
    void *memory = ExAllocatePoolWithTag(PagedPool, (size_t)W2_PAGES * PAGE_SIZE, BENCH_TAG);
    uint32_t reads = MmInfoCounters.PageReadCount, writes = MmInfoCounters.DirtyPagesWriteCount;
    uint32_t bad = 0, x = 12345;
    uint64_t start;

    if (!memory) {
        KbReport("thrash_touches_per_s", 0, "touches/s");
        return;
    }
    start = KeQueryPerformanceCounter(NULL);
    for (uint32_t page = 0; page < W2_PAGES; page++) {
        volatile uint32_t *words = PageWords(memory, page);

        words[0] = page * 2654435761u;
        words[WORDS_PER_PAGE - 1] = ~page;
    }
    for (uint32_t pass = 1; pass < W2_PASSES; pass++) {
        for (uint32_t page = 0; page < W2_PAGES; page++) {
            volatile uint32_t *words = PageWords(memory, page);

            bad += words[0] != page * 2654435761u;
            bad += words[WORDS_PER_PAGE - 1] != ~page;
        }
    }
    KbReportRate("thrash_touches_per_s", W2_PASSES * W2_PAGES, start, "touches/s");
    KbReport("thrash_bad", bad, "words");
    KbReport("thrash_pagefile_reads", MmInfoCounters.PageReadCount - reads, "pages");
    KbReport("thrash_pagefile_writes", MmInfoCounters.DirtyPagesWriteCount - writes, "pages");

    bad = 0;
    RtlZeroMemory(W3Touched, sizeof(W3Touched));
    start = KeQueryPerformanceCounter(NULL);
    for (uint32_t touch = 0; touch < W3_TOUCHES; touch++) {
        uint32_t page, value;
        volatile uint32_t *words;

        x = x * 1664525u + 1013904223u;
        page = x % W3_PAGES;
        words = PageWords(memory, page);
        value = words[1];
        bad += value != (W3Touched[page / 8] & (1u << page % 8) ? page + 1 : 0);
        words[1] = page + 1;
        W3Touched[page / 8] |= 1u << page % 8;
    }
    KbReportRate("random_touches_per_s", W3_TOUCHES, start, "touches/s");
    KbReport("random_bad", bad, "touches");
    ExFreePoolWithTag(memory, BENCH_TAG);
}
