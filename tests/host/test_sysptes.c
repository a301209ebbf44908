/*
 * tests/host/test_sysptes.c: the system PTE cluster list over a plain array of PTEs, checked
 * against a model (one flag per PTE) through thousands of random reserves and releases: no
 * two reservations overlap, the free count is exact, the list stays sorted and coalesced,
 * and freeing twice is caught.
 */
#include <stdlib.h>
#include "tests/host/tap.h"
#include "tests/host/kestubs.h"
#include "mm/mi.h"

#define TOTAL       4000
#define OFFSET      100             /* the range does not start at the base */
#define LIVE        200

static MMPTE Ptes[OFFSET + TOTAL + 2];
static bool InUse[TOTAL];

static uint32_t Walk(uint32_t *Clusters, int *Sorted)
{
    uint32_t free = 0;
    MMPTE *previousEnd = NULL;

    *Clusters = 0;
    *Sorted = 1;
    for (uint32_t i = MmFirstFreeSystemPte[SystemPteSpace].u.List.NextEntry; i != MM_EMPTY_PTE_LIST;) {
        MMPTE *cluster = MmSystemPteBase + i;
        uint32_t size = cluster->u.List.OneEntry ? 1 : cluster[1].u.List.NextEntry;

        if (previousEnd && cluster <= previousEnd)  /* touching clusters should have merged */
            *Sorted = 0;
        for (uint32_t j = 0; j < size; j++)
            if (InUse[cluster - Ptes - OFFSET + j])
                *Sorted = 0;
        previousEnd = cluster + size;
        free += size;
        (*Clusters)++;
        i = cluster->u.List.NextEntry;
    }
    return free;
}

int main(void)
{
    struct { MMPTE *pte; uint32_t count; } live[LIVE];
    uint32_t nlive = 0, seed = 12345, clusters, free, inUse = 0, overlaps = 0, walkErrors = 0;
    int sorted;

    MmSystemPteBase = Ptes;
    MiInitializeSystemPtes(Ptes + OFFSET, TOTAL, SystemPteSpace);
    is_int(MmTotalFreeSystemPtes[SystemPteSpace], TOTAL, "all %u PTEs free at first", TOTAL);
    free = Walk(&clusters, &sorted);
    ok(free == TOTAL && clusters == 1 && sorted, "one cluster");

    for (int step = 0; step < 20000; step++) {
        seed = seed * 1664525u + 1013904223u;
        if ((seed >> 28) < 9 && nlive < LIVE) {
            uint32_t count = 1 + (seed >> 8) % 40;
            MMPTE *pte = MiReserveSystemPtes(count, SystemPteSpace);

            if (!pte)
                continue;
            for (uint32_t j = 0; j < count; j++) {
                overlaps += InUse[pte - Ptes - OFFSET + j];
                InUse[pte - Ptes - OFFSET + j] = true;
                pte[j].u.Long = 0x1234 + j;     /* as a user of the PTEs would */
            }
            inUse += count;
            live[nlive].pte = pte;
            live[nlive++].count = count;
        } else if (nlive) {
            uint32_t i = (seed >> 8) % nlive;

            for (uint32_t j = 0; j < live[i].count; j++)
                InUse[live[i].pte - Ptes - OFFSET + j] = false;
            MiReleaseSystemPtes(live[i].pte, live[i].count, SystemPteSpace);
            inUse -= live[i].count;
            live[i] = live[--nlive];
        }
        free = Walk(&clusters, &sorted);
        walkErrors += free != TOTAL - inUse || !sorted ||
                      MmTotalFreeSystemPtes[SystemPteSpace] != TOTAL - inUse;
    }
    is_int(overlaps, 0, "no reservation overlaps a live one");
    is_int(walkErrors, 0, "after every step: list sorted, coalesced, free count exact");

    while (nlive) {
        nlive--;
        for (uint32_t j = 0; j < live[nlive].count; j++)
            InUse[live[nlive].pte - Ptes - OFFSET + j] = false;
        MiReleaseSystemPtes(live[nlive].pte, live[nlive].count, SystemPteSpace);
    }
    free = Walk(&clusters, &sorted);
    ok(free == TOTAL && clusters == 1 && sorted, "everything released: one cluster again");
    ok(HOST_BUGCHECKS(MiReleaseSystemPtes(Ptes + OFFSET + 10, 3, SystemPteSpace)) &&
       HostBugCheckData[0] == MEMORY_MANAGEMENT && HostBugCheckData[1] == 0x41286,
       "releasing free PTEs is MEMORY_MANAGEMENT (0x41286)");

    /* Exact fit, tail carving, and exhaustion. */
    {
        MMPTE *all = MiReserveSystemPtes(TOTAL, SystemPteSpace);
        ok(all == Ptes + OFFSET, "the whole range in one reservation");
        ok(MiReserveSystemPtes(1, SystemPteSpace) == NULL, "nothing left: NULL");
        MiReleaseSystemPtes(all, TOTAL, SystemPteSpace);
        MMPTE *tail = MiReserveSystemPtes(5, SystemPteSpace);
        ok(tail == Ptes + OFFSET + TOTAL - 5, "a reservation is carved from the cluster's tail");
        MiReleaseSystemPtes(tail, 5, SystemPteSpace);
        ok(HOST_BUGCHECKS(MiReserveSystemPtesMustSucceed(TOTAL + 1, SystemPteSpace)) &&
           HostBugCheckData[0] == NO_MORE_SYSTEM_PTES && HostBugCheckData[2] == TOTAL + 1,
           "must-succeed exhaustion is NO_MORE_SYSTEM_PTES (type, count, free, total)");
    }
    return done_testing();
}
