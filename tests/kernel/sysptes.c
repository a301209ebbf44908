/* tests/kernel/sysptes.c: system PTEs, MmMapIoSpace and kernel stacks. */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "mm/mi.h"

#define RUNS            64
#define VGA_TEXT_BUFFER 0xB8000u

static uint32_t NextRandom(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

/* The free clusters of a pool: sorted, apart from each other, adding up to the free count. */
static uint32_t CountClusters(MMSYSTEM_PTE_POOL_TYPE Type)
{
    uint32_t clusters = 0, free = 0;
    MMPTE *previousEnd = NULL;

    for (uint32_t index = MmFirstFreeSystemPte[Type].u.List.NextEntry; index != MM_EMPTY_PTE_LIST;) {
        MMPTE *cluster = MmSystemPteBase + index;
        uint32_t size = cluster->u.List.OneEntry ? 1 : cluster[1].u.List.NextEntry;

        KT_ASSERT(previousEnd == NULL || cluster > previousEnd);
        KT_ASSERT(cluster >= MiGetPteAddress(Type == SystemPteSpace ? MmNonPagedSystemStart :
                                                                      MmNonPagedPoolExpansionStart));
        previousEnd = cluster + size;
        free += size;
        clusters++;
        index = cluster->u.List.NextEntry;
    }
    KT_ASSERT_EQ(MmTotalFreeSystemPtes[Type], free);
    return clusters;
}

KTEST(TestSystemPtesReserve, "mm.sysptes.reserve")
{
    uint32_t free = MmTotalFreeSystemPtes[SystemPteSpace];
    uint32_t clusters = CountClusters(SystemPteSpace);
    static const uint32_t sizes[] = { 1, 2, 7, 100 };
    MMPTE *ptes[ARRAYSIZE(sizes)];

    KT_ASSERT_GE(MmTotalSystemPtes[SystemPteSpace], MmNumberOfSystemPtes - 64);
    for (size_t i = 0; i < ARRAYSIZE(sizes); i++) {
        ptes[i] = MiReserveSystemPtes(sizes[i], SystemPteSpace);
        KT_ASSERT(ptes[i] != NULL);
        for (uint32_t j = 0; j < sizes[i]; j++)
            KT_ASSERT_EQ(0, ptes[i][j].u.Long);
        KT_ASSERT_GE((uintptr_t)MiGetVirtualAddressMappedByPte(ptes[i]), MmNonPagedSystemStart);
        KT_ASSERT_LT((uintptr_t)MiGetVirtualAddressMappedByPte(ptes[i] + sizes[i]) - 1, MmNonPagedPoolExpansionStart);
        free -= sizes[i];
        KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    }
    KT_ASSERT(MiReserveSystemPtes(MmTotalFreeSystemPtes[SystemPteSpace] + 1, SystemPteSpace) == NULL);
    KT_ASSERT(MiReserveSystemPtes(0, SystemPteSpace) == NULL);
    for (size_t i = 0; i < ARRAYSIZE(sizes); i++)
        MiReleaseSystemPtes(ptes[i], sizes[i], SystemPteSpace);
    KT_ASSERT_EQ(clusters, CountClusters(SystemPteSpace));
}

/* Random runs released in a scrambled order fragment the list, then coalesce back to it. */
KTEST(TestSystemPtesFragmentation, "mm.sysptes.fragmentation")
{
    uint32_t free = MmTotalFreeSystemPtes[SystemPteSpace];
    uint32_t clusters = CountClusters(SystemPteSpace);
    uint32_t seed = 99, sizes[RUNS], order[RUNS];
    MMPTE *runs[RUNS];

    for (uint32_t i = 0; i < RUNS; i++) {
        sizes[i] = 1 + NextRandom(&seed) % 24;
        runs[i] = MiReserveSystemPtes(sizes[i], SystemPteSpace);
        KT_ASSERT(runs[i] != NULL);
        order[i] = i;
    }
    for (uint32_t i = 0; i < RUNS; i += 2)
        MiReleaseSystemPtes(runs[i], sizes[i], SystemPteSpace);
    KT_ASSERT_LE(CountClusters(SystemPteSpace), clusters + RUNS / 2);
    KT_ASSERT_GE(CountClusters(SystemPteSpace), clusters + 2);
    for (uint32_t i = RUNS - 1; i > 0; i--) {
        uint32_t j = NextRandom(&seed) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < RUNS; i++) {
        if (order[i] % 2)
            MiReleaseSystemPtes(runs[order[i]], sizes[order[i]], SystemPteSpace);
    }
    KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    KT_ASSERT_EQ(clusters, CountClusters(SystemPteSpace));
}

/* The VGA text buffer, mapped uncached: what is written there reads back, then unmapped. */
KTEST(TestMapIoSpace, "mm.sysptes.mapiospace")
{
    uint32_t free = MmTotalFreeSystemPtes[SystemPteSpace], value;
    volatile uint16_t *text = MmMapIoSpace(VGA_TEXT_BUFFER + 2, 80 * 25 * 2, MmNonCached);
    MMPTE *pte;

    KT_ASSERT(text != NULL);
    KT_ASSERT_EQ(2, BYTE_OFFSET(text));
    pte = MiGetPteAddress(text);
    KT_ASSERT_EQ(VGA_TEXT_BUFFER >> PAGE_SHIFT, pte->u.Hard.PageFrameNumber);
    KT_ASSERT_EQ(1, pte->u.Hard.CacheDisable);
    KT_ASSERT_EQ(1, pte->u.Hard.Write);
    KT_ASSERT_EQ(free - 1, MmTotalFreeSystemPtes[SystemPteSpace]);
    text[0] = 0x0741;                                 /* 'A', light grey on black */
    text[79] = 0x1F42;
    KT_ASSERT_EQ(0x0741, text[0]);
    KT_ASSERT_EQ(0x1F42, text[79]);
    MmUnmapIoSpace((void *)text, 80 * 25 * 2);
    KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32((void *)text, &value));
    KT_ASSERT(MmMapIoSpace(0, 0, MmCached) == NULL);
    KT_ASSERT(MmMapIoSpace(0xFFFFF000ull, 0x2000, MmCached) == NULL);
}

static uint32_t UseStack(void *Context)
{
    volatile uint8_t frame[8192];
    uint32_t sum = 0;

    for (uint32_t i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)(i + (uintptr_t)Context);
    for (uint32_t i = 0; i < sizeof(frame); i++)
        sum += frame[i];
    return sum + (uint32_t)(uintptr_t)__builtin_frame_address(0);
}

/* A kernel stack: resident pages in system PTEs, an invalid guard PTE below, usable. */
KTEST(TestKernelStack, "mm.sysptes.kernelstack")
{
    uint32_t available, free = MmTotalFreeSystemPtes[SystemPteSpace];
    uint8_t *top;
    MMPTE *guard;
    uint32_t result, expected = 0, value;

    KtHoldBackgroundThreads();
    available = KtAvailablePages();
    top = MmCreateKernelStack(false);

    KT_ASSERT(top != NULL);
    KT_ASSERT_EQ(0, BYTE_OFFSET(top));
    guard = MiGetPteAddress(top - KERNEL_STACK_SIZE) - 1;
    KT_ASSERT_EQ(MM_ZERO_PTE, guard->u.Long);
    for (uint32_t i = 1; i <= KERNEL_STACK_SIZE / PAGE_SIZE; i++)
        KT_ASSERT_EQ(1, guard[i].u.Hard.Valid);
    /* Its pages come zeroed (MiRemoveKernelPage: no code the emulator translated is left
     * under a page written only near its top). */
    for (uint32_t i = 0; i < KERNEL_STACK_SIZE / sizeof(uint32_t); i++)
        KT_ASSERT_EQ(0, ((const uint32_t *)(top - KERNEL_STACK_SIZE))[i]);
    KT_ASSERT_EQ(available - KERNEL_STACK_SIZE / PAGE_SIZE, KtAvailablePages());
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION,
                     KeProbeRead32(top - KERNEL_STACK_SIZE - PAGE_SIZE, &value));

    result = KeCallOnStack(top, UseStack, (void *)3);
    for (uint32_t i = 0; i < 8192; i++)
        expected += (uint8_t)(i + 3);
    KT_ASSERT_GT(result - expected, (uintptr_t)top - KERNEL_STACK_SIZE);
    KT_ASSERT_LT(result - expected, (uintptr_t)top);

    MmDeleteKernelStack(top, false);
    KT_ASSERT_EQ(available, KtAvailablePages());
    KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(top - 4, &value));
}

static void *ExhaustStacks[4096];
static uint32_t ExhaustCount;

static void DeleteExhaustStacks(void *Unused)
{
    (void)Unused;
    while (ExhaustCount)
        MmDeleteKernelStack(ExhaustStacks[--ExhaustCount], true);
}

/* Until it runs out: NULL, and everything back afterwards. */
KTEST(TestKernelStacksExhaust, "mm.sysptes.exhaust")
{
    void **stacks = ExhaustStacks;
    uint32_t count, free = MmTotalFreeSystemPtes[SystemPteSpace];
    int32_t resident = MmResidentAvailablePages;

    KtDefer(DeleteExhaustStacks, NULL);
    while (ExhaustCount < ARRAYSIZE(ExhaustStacks) &&
           (stacks[ExhaustCount] = MmCreateKernelStack(true)) != NULL)
        ExhaustCount++;
    count = ExhaustCount;
    KT_ASSERT_LT(count, ARRAYSIZE(ExhaustStacks));
    KT_ASSERT_GT(count, 10);
    /* It stopped for one of its three reasons: PTEs, commitment, or pages that may still be
     * made nonpageable (with a paging file, commitment reaches far past RAM). */
    KT_ASSERT(MmTotalFreeSystemPtes[SystemPteSpace] < KERNEL_LARGE_STACK_SIZE / PAGE_SIZE + 1 ||
              MmTotalCommittedPages + KERNEL_LARGE_STACK_SIZE / PAGE_SIZE > MmTotalCommitLimit ||
              MmResidentAvailablePages - KERNEL_LARGE_STACK_SIZE / PAGE_SIZE <
                  MM_RESIDENT_AVAILABLE_MINIMUM);
    KT_ASSERT_EQ(resident - (int32_t)(count * (KERNEL_LARGE_STACK_SIZE / PAGE_SIZE)),
                 MmResidentAvailablePages);
    KtRelease(DeleteExhaustStacks, NULL);
    KT_ASSERT_EQ(free, MmTotalFreeSystemPtes[SystemPteSpace]);
    KT_ASSERT_EQ(resident, MmResidentAvailablePages);
}
