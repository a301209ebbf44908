/* tests/kernel/hyperspace.c: hyperspace windows. */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"

/* A page written through one mapping (a system PTE) reads back through hyperspace. */
KTEST(TestHyperSpaceReadBack, "mm.hyperspace.readback")
{
    uint32_t page, *window;
    volatile uint32_t *system;
    KIRQL oldIrql, hyperIrql;

    LOCK_PFN(oldIrql);
    page = MiRemoveAnyPage();
    UNLOCK_PFN(oldIrql);

    system = MmMapIoSpace((uint64_t)page << PAGE_SHIFT, PAGE_SIZE, MmCached);
    KT_ASSERT(system != NULL);
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
        system[i] = page * 0x10001u + i;

    window = MiMapPageInHyperSpace(page, &hyperIrql);
    KT_ASSERT_EQ(DISPATCH_LEVEL, KeGetCurrentIrql());
    KT_ASSERT_GE((uintptr_t)window, HYPER_SPACE + PAGE_SIZE);
    KT_ASSERT_LE((uintptr_t)window, HYPER_SPACE + 255 * PAGE_SIZE);
    KT_ASSERT_EQ(page, MiGetPteAddress(window)->u.Hard.PageFrameNumber);
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++) {
        if (window[i] != page * 0x10001u + i) {
            MiUnmapPageInHyperSpace(window, hyperIrql);
            KT_ASSERT_EQ(page * 0x10001u + i, window[i]);
        }
    }
    window[5] = 0x5A5A5A5A;
    MiUnmapPageInHyperSpace(window, hyperIrql);
    KT_ASSERT_EQ(PASSIVE_LEVEL, KeGetCurrentIrql());
    KT_ASSERT_EQ(0x5A5A5A5A, system[5]);
    KT_ASSERT_EQ(0, MiGetPteAddress(window)->u.Long);

    MmUnmapIoSpace((void *)system, PAGE_SIZE);
    LOCK_PFN(oldIrql);
    MiInsertPageInList(&MmFreePageListHead, page);
    UNLOCK_PFN(oldIrql);
}

/* The windows are used top down and reused only after the count wraps (one TB flush per 255). */
KTEST(TestHyperSpaceWindows, "mm.hyperspace.windows")
{
    uintptr_t previous = 0;
    uint32_t wraps = 0, page;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    page = MiRemoveAnyPage();
    UNLOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < 600; i++) {
        KIRQL hyperIrql;
        uintptr_t window = (uintptr_t)MiMapPageInHyperSpace(page, &hyperIrql);

        *(volatile uint32_t *)window = i;
        MiUnmapPageInHyperSpace((void *)window, hyperIrql);
        if (previous && window != previous - PAGE_SIZE) {
            KT_ASSERT_EQ(HYPER_SPACE + PAGE_SIZE, previous);
            KT_ASSERT_EQ(HYPER_SPACE + 255 * PAGE_SIZE, window);
            wraps++;
        }
        previous = window;
    }
    KT_ASSERT_LE(wraps, 3);
    KT_ASSERT_GE(wraps, 2);
    LOCK_PFN(oldIrql);
    MiInsertPageInList(&MmFreePageListHead, page);
    UNLOCK_PFN(oldIrql);
}
