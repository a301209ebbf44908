/*
 * tests/host/test_fatmcb.c: FAT's map of a file's clusters (kernel/fs/fastfat/mcbsup.c), against
 * a plain array of the same clusters: contiguous clusters merged into one run, a gap starting a
 * new one, the array growing past its first size, every cluster and the length of its run found
 * again by the binary search, truncation inside a run and at a run's edge, nothing found past
 * the end, and an empty map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/tap.h"
#include "kernel/fs/fastfat/fatprocs.h"

#define CLUSTERS    3000

static uint32_t Allocations;

void *ExAllocatePoolWithTag(POOL_TYPE PoolType, size_t NumberOfBytes, uint32_t Tag)
{
    (void)PoolType;
    (void)Tag;
    Allocations++;
    return malloc(NumberOfBytes);
}

void ExFreePoolWithTag(void *P, uint32_t Tag)
{
    (void)Tag;
    free(P);
}

/* The run length the array says for Vcn: contiguous clusters from it. */
static uint32_t ArrayRun(const uint32_t *Lcns, uint32_t Count, uint32_t Vcn)
{
    uint32_t run = 1;

    while (Vcn + run < Count && Lcns[Vcn + run] == Lcns[Vcn] + run)
        run++;
    return run;
}

/* Every cluster of the map against the array; the number that differ. */
static uint32_t Mismatches(const FAT_MCB *Mcb, const uint32_t *Lcns, uint32_t Count)
{
    uint32_t bad = 0, lcn, run;

    for (uint32_t vcn = 0; vcn < Count; vcn++) {
        if (!FatMcbLookup(Mcb, vcn, &lcn, &run) || lcn != Lcns[vcn] ||
            run != ArrayRun(Lcns, Count, vcn))
            bad++;
    }
    return bad;
}

int main(void)
{
    static uint32_t lcns[CLUSTERS];
    uint32_t lcn = 0xEEEE, run = 0xEEEE, runs = 0, next = 100;
    FAT_MCB mcb;

    FatInitializeMcb(&mcb);
    ok(!FatMcbLookup(&mcb, 0, &lcn, &run), "an empty map finds nothing");
    is_int(lcn, 0xEEEE, "... and writes nothing");

    /* Runs of 1 to 7 clusters, each after a gap of 1 to 3 (a fragmented file). */
    srand(1);
    for (uint32_t vcn = 0; vcn < CLUSTERS;) {
        uint32_t length = 1 + rand() % 7;

        next += 1 + rand() % 3;
        runs++;
        for (uint32_t i = 0; i < length && vcn < CLUSTERS; i++, vcn++)
            lcns[vcn] = next++;
    }
    for (uint32_t vcn = 0; vcn < CLUSTERS; vcn++) {
        if (!NT_SUCCESS(FatMcbAppend(&mcb, lcns[vcn])))
            break;
    }
    is_int(mcb.Clusters, CLUSTERS, "%u clusters appended", CLUSTERS);
    is_int(mcb.RunCount, runs, "... in %u runs: contiguous ones merged", runs);
    ok(mcb.MaximumRuns >= runs && mcb.MaximumRuns < 2 * runs + FAT_MCB_INITIAL_RUNS,
       "the array grew by doubling (%u entries)", mcb.MaximumRuns);
    is_int(Mismatches(&mcb, lcns, CLUSTERS), 0, "every cluster and its run found again");
    ok(!FatMcbLookup(&mcb, CLUSTERS, &lcn, &run), "nothing past the end");

    /* Cut inside a run, then at a run's first cluster. */
    uint32_t cut = CLUSTERS / 2;
    while (cut > 0 && lcns[cut] != lcns[cut - 1] + 1)
        cut--;                              /* a cluster inside a run */
    FatMcbTruncate(&mcb, cut);
    is_int(mcb.Clusters, cut, "truncated inside a run to %u clusters", cut);
    is_int(Mismatches(&mcb, lcns, cut), 0, "... the rest found, the last run shortened");
    ok(!FatMcbLookup(&mcb, cut, &lcn, &run), "... and nothing from the cut on");
    uint32_t start = mcb.Runs[mcb.RunCount - 1].Vcn, before = mcb.RunCount;
    FatMcbTruncate(&mcb, start);
    is_int(mcb.RunCount, before - 1, "truncated at a run's start: the run is gone");
    is_int(Mismatches(&mcb, lcns, start), 0, "... the rest found");

    /* Appending again after a cut: a cluster right after the last run extends it. */
    FatMcbAppend(&mcb, mcb.Runs[mcb.RunCount - 1].Lcn + mcb.Runs[mcb.RunCount - 1].Clusters);
    is_int(mcb.RunCount, before - 1, "a contiguous cluster after a cut extends the last run");
    FatMcbTruncate(&mcb, 0);
    is_int(mcb.RunCount, 0, "truncated to nothing: no runs");
    ok(!FatMcbLookup(&mcb, 0, &lcn, &run), "... and nothing found");
    FatMcbAppend(&mcb, 5000);
    ok(FatMcbLookup(&mcb, 0, &lcn, &run) && lcn == 5000 && run == 1,
       "a first cluster again: Vcn 0 at 5000, a run of 1");
    FatUninitializeMcb(&mcb);
    ok(mcb.Runs == NULL && mcb.RunCount == 0, "uninitialized: nothing left");
    ok(Allocations > 1, "the array was allocated %u times", Allocations);
    return done_testing();
}
