/*
 * kernel/init/kbench.h: in-kernel benchmarks. A benchmark is a function registered under a dotted
 * name, like a test:
 *
 *     KBENCH(BenchPool, "mm.pool")
 *     {
 *         uint64_t start = KeQueryPerformanceCounter(NULL);
 *         ... do Count operations ...
 *         KbReportRate("pool_alloc_free_16", Count, start, "pairs/s");
 *     }
 *
 * bench=<glob> runs the matching ones in name order; each figure is printed as one line,
 * "BENCH <figure> <value> <unit>", which `make bench` collects into build/bench.txt.
 * Rates use the TSC, calibrated against the PIT at start-up.
 */
#ifndef KERNEL_KBENCH_H
#define KERNEL_KBENCH_H

#include "kernel/ke/ke.h"

typedef struct _KBENCH_CASE {
    const char *Name;
    void (*Function)(void);
} KBENCH_CASE;

#define KBENCH(Function, Name)                                                              \
    static void Function(void);                                                             \
    static const KBENCH_CASE Function##Case                                                 \
        __attribute__((used, aligned(4), section(".kbench." Name))) = { Name, Function };   \
    static void Function(void)

/* One figure: BENCH <Figure> <Value> <Unit>. */
void KbReport(const char *Figure, uint64_t Value, const char *Unit);

/* Count operations since Start (a KeQueryPerformanceCounter value), as a rate per second. */
void KbReportRate(const char *Figure, uint64_t Count, uint64_t Start, const char *Unit);
uint64_t KbRate(uint64_t Count, uint64_t Start);

#endif
