/* tests/kernel/hyperspace.c: hyperspace windows. */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"

/* A page taken for a test, back to the free list when the test ends. */
static void FreePage(void *Page)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    MiInsertPageInList(&MmFreePageListHead, (uint32_t)(uintptr_t)Page);
    UNLOCK_PFN(oldIrql);
}

static uint32_t TakePage(void)
{
    uint32_t page;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    page = MiRemoveAnyPage();
    UNLOCK_PFN(oldIrql);
    KtDefer(FreePage, (void *)(uintptr_t)page);
    return page;
}

static void UnmapSystemPage(void *Va)
{
    MmUnmapIoSpace(Va, PAGE_SIZE);
}

/* A page written through one mapping (a system PTE) reads back through hyperspace. What the
 * window showed is checked once it is unmapped: the hyperspace lock is a spin lock. */
KTEST(TestHyperSpaceReadBack, "mm.hyperspace.readback")
{
    uint32_t page = TakePage(), *window, windowPfn, badWord = PAGE_SIZE / 4;
    volatile uint32_t *system;
    KIRQL hyperIrql, mappedIrql;

    system = MmMapIoSpace((uint64_t)page << PAGE_SHIFT, PAGE_SIZE, MmCached);
    KT_ASSERT(system != NULL);
    KtDefer(UnmapSystemPage, (void *)system);
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
        system[i] = page * 0x10001u + i;

    window = MiMapPageInHyperSpace(page, &hyperIrql);
    mappedIrql = KeGetCurrentIrql();
    windowPfn = MiGetPteAddress(window)->u.Hard.PageFrameNumber;
    for (uint32_t i = 0; i < PAGE_SIZE / 4 && badWord == PAGE_SIZE / 4; i++) {
        if (window[i] != page * 0x10001u + i)
            badWord = i;
    }
    window[5] = 0x5A5A5A5A;
    MiUnmapPageInHyperSpace(window, hyperIrql);

    KT_ASSERT_EQ(DISPATCH_LEVEL, mappedIrql);
    KT_ASSERT_GE((uintptr_t)window, HYPER_SPACE + PAGE_SIZE);
    KT_ASSERT_LE((uintptr_t)window, HYPER_SPACE + 255 * PAGE_SIZE);
    KT_ASSERT_EQ(page, windowPfn);
    KT_ASSERT_EQ(PAGE_SIZE / 4, badWord);
    KT_ASSERT_EQ(PASSIVE_LEVEL, KeGetCurrentIrql());
    KT_ASSERT_EQ(0x5A5A5A5A, system[5]);
    KT_ASSERT_EQ(0, MiGetPteAddress(window)->u.Long);
}

/* The windows are used top down and reused only after the count wraps (one TB flush per 255). */
KTEST(TestHyperSpaceWindows, "mm.hyperspace.windows")
{
    uintptr_t previous = 0;
    uint32_t wraps = 0, page = TakePage();

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
}
