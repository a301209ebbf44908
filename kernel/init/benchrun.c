/*
 * kernel/init/benchrun.c: the benchmark runner (bench=<glob>): runs the matching benchmarks in name
 * order and prints their figures as BENCH lines, then "N benchmarks run".
 *
 * Each starts on a settled system, as one would measure a freshly booted NT after it has gone
 * idle: the zero page thread has had its turn at the free memory (at most KI_BENCH_SETTLE_MS),
 * so no benchmark pays for the pages an earlier one left unzeroed.
 */
#include "kernel/init/init.h"
#include "kernel/init/kbench.h"
#include "mm/mm.h"

#define KI_BENCH_SETTLE_MS  10000

extern const KBENCH_CASE KiBenchCasesStart[], KiBenchCasesEnd[];

void KbReport(const char *Figure, uint64_t Value, const char *Unit)
{
    DbgPrint("BENCH %s %llu %s\n", Figure, (unsigned long long)Value, Unit);
}

uint64_t KbRate(uint64_t Count, uint64_t Start)
{
    uint64_t frequency, elapsed = KeQueryPerformanceCounter(&frequency) - Start;

    return elapsed ? Count * frequency / elapsed : 0;
}

void KbReportRate(const char *Figure, uint64_t Count, uint64_t Start, const char *Unit)
{
    KbReport(Figure, KbRate(Count, Start), Unit);
}

bool KiRunBenchmarks(const char *Globs)
{
    uint32_t count = 0;

    for (const KBENCH_CASE *b = KiBenchCasesStart; b < KiBenchCasesEnd; b++) {
        uint64_t frequency, start;
        uint32_t left;

        if (!RtlGlobListMatch(Globs, b->Name))
            continue;
        start = KeQueryPerformanceCounter(&frequency);
        left = MmWaitForZeroedMemory(KI_BENCH_SETTLE_MS);
        DbgPrint("# benchmark %s (settled in %u ms, %u free pages not yet zeroed)\n", b->Name,
                 (uint32_t)((KeQueryPerformanceCounter(NULL) - start) * 1000 / frequency), left);
        b->Function();
        count++;
    }
    DbgPrint("%u benchmarks run\n", count);
    return count > 0;
}
