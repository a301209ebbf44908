/*
 * tests/kernel/bench_vad.c: vad_lookup_ns, the cost of finding the VAD that holds an address
 * (MiLocateAddressInTree, what every user fault and VM service does first) in a tree of 10^4
 * live regions: one page every 64 KB, as 10^4 VirtualAlloc reservations would sit. 10^6
 * lookups of addresses drawn by x = x * 1664525 + 1013904223 from 12345, so the hint (the
 * last VAD found) helps no more than it would for scattered faults; the figure is the mean
 * time per lookup. Every lookup's answer is checked.
 */
#include "kernel/init/kbench.h"
#include "mm/mi.h"

#define VAD_BENCH_TAG       POOL_TAG('B', 'n', 'V', 'd')
#define VAD_BENCH_REGIONS   10000
#define VAD_BENCH_LOOKUPS   1000000
#define VAD_BENCH_SPACING   16          /* pages: one region per 64 KB */
#define VAD_BENCH_FIRST_VPN 0x10

KBENCH(BenchVadLookup, "mm.vad")
{
    MMADDRESS_NODE *nodes = ExAllocatePoolWithTag(NonPagedPool,
                                                  VAD_BENCH_REGIONS * sizeof(MMADDRESS_NODE),
                                                  VAD_BENCH_TAG);
    uint64_t frequency, start, elapsed;
    uint32_t x = 12345, wrong = 0;
    MM_AVL_TABLE table;

    if (!nodes) {
        KbReport("vad_lookup_ns", 0, "ns");
        return;
    }
    MiInitializeAvlTable(&table);
    for (uint32_t i = 0; i < VAD_BENCH_REGIONS; i++) {
        RtlZeroMemory(&nodes[i], sizeof(nodes[i]));
        nodes[i].StartingVpn = VAD_BENCH_FIRST_VPN + i * VAD_BENCH_SPACING;
        nodes[i].EndingVpn = nodes[i].StartingVpn;
        MiInsertNode(&nodes[i], &table);
    }
    start = KeQueryPerformanceCounter(&frequency);
    for (uint32_t i = 0; i < VAD_BENCH_LOOKUPS; i++) {
        uint32_t region;

        x = x * 1664525u + 1013904223u;
        region = (x >> 8) % VAD_BENCH_REGIONS;
        wrong += MiLocateAddressInTree(VAD_BENCH_FIRST_VPN + region * VAD_BENCH_SPACING,
                                       &table) != &nodes[region];
    }
    elapsed = KeQueryPerformanceCounter(NULL) - start;
    KbReport("vad_lookup_ns", wrong ? 0 : elapsed * 1000000000ull / frequency / VAD_BENCH_LOOKUPS,
             "ns");
    KbReport("vad_lookup_wrong", wrong, "lookups");
    for (uint32_t i = 0; i < VAD_BENCH_REGIONS; i++)
        MiRemoveNode(&nodes[i], &table);
    ExFreePoolWithTag(nodes, VAD_BENCH_TAG);
}
