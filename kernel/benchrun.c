/*
 * kernel/benchrun.c: the benchmark runner (bench=<glob>): runs the matching benchmarks in name
 * order and prints their figures as BENCH lines, then "N benchmarks run".
 *
 * They start on a settled system, as one would measure a freshly booted NT after it has gone
 * idle: the zero page thread has had its turn at the free memory (at most KI_BENCH_SETTLE_MS).
 */
#include "kernel/ki.h"
#include "kernel/kbench.h"
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
    uint64_t frequency, start = KeQueryPerformanceCounter(&frequency);
    uint32_t count = 0, left = MmWaitForZeroedMemory(KI_BENCH_SETTLE_MS);

    DbgPrint("# settled in %u ms, %u free pages not yet zeroed\n",
             (uint32_t)((KeQueryPerformanceCounter(NULL) - start) * 1000 / frequency), left);
    for (const KBENCH_CASE *b = KiBenchCasesStart; b < KiBenchCasesEnd; b++) {
        if (!RtlGlobListMatch(Globs, b->Name))
            continue;
        DbgPrint("# benchmark %s\n", b->Name);
        b->Function();
        count++;
    }
    DbgPrint("%u benchmarks run\n", count);
    return count > 0;
}
