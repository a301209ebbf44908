/* tests/kernel/bench_pfn.c: taking a page off the lists and putting it back. */
#include "kernel/init/kbench.h"
#include "mm/mi.h"

#define PFN_BENCH_PAGES 100000

/* pfn_alloc_free: MiRemoveAnyPage and MiInsertPageInList pairs, each under the PFN lock. */
KBENCH(BenchPfnAllocFree, "mm.pfn")
{
    uint64_t start = KeQueryPerformanceCounter(NULL);

    for (uint32_t i = 0; i < PFN_BENCH_PAGES; i++) {
        KIRQL oldIrql;
        uint32_t page;

        LOCK_PFN(oldIrql);
        page = MiRemoveAnyPage();
        MiInsertPageInList(&MmFreePageListHead, page);
        UNLOCK_PFN(oldIrql);
    }
    KbReportRate("pfn_alloc_free", PFN_BENCH_PAGES, start, "pages/s");
}
