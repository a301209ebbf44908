/*
 * kernel/benchrun.c: the benchmark runner (bench=<glob>): runs the matching benchmarks in name
 * order and prints their figures as BENCH lines, then "N benchmarks run".
 */
#include "kernel/ki.h"
#include "kernel/kbench.h"

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
        if (!RtlGlobListMatch(Globs, b->Name))
            continue;
        DbgPrint("# benchmark %s\n", b->Name);
        b->Function();
        count++;
    }
    DbgPrint("%u benchmarks run\n", count);
    return count > 0;
}
