/*
 * tests/kernel/zeropage.c: the zero page thread: it zeroes every free page while the
 * processor is otherwise idle, and it does so outside the PFN lock, so it can be caught
 * between taking a page and putting it on the zeroed list.
 */
#include "hal/hal.h"
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "mm/mi.h"

#define ZP_TAG                  POOL_TAG('T', 'Z', 'e', 'r')
#define ZP_ZEROING_ROUNDS       50      /* ticks the preemptible-zeroing test may look */
#define ZP_ZEROING_WATCH        8192    /* pages at the head of the free list it watches */
#define ZP_ZEROING_PHASES       20      /* points in a tick it goes to sleep at, in turn */
#define ZP_100NS_PER_TICK       (10000000 / HAL_CLOCK_HZ)

/* Frames the zero-page test took off the zeroed list; its cleanup frees them. */
static uint32_t ZpZeroedFrames[8];

static void FreeZeroedFrames(void *Unused)
{
    KIRQL oldIrql;

    (void)Unused;
    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < ARRAYSIZE(ZpZeroedFrames); i++) {
        if (ZpZeroedFrames[i])
            MiInsertPageInList(&MmFreePageListHead, ZpZeroedFrames[i]);
        ZpZeroedFrames[i] = 0;
    }
    UNLOCK_PFN(oldIrql);
}

/* Wait while the zero page thread makes progress (it zeroes at its own pace, and a large
 * machine has a great many free pages); returns how many free pages are left. */
static uint32_t WaitForZeroedMemory(void)
{
    uint32_t left = MmFreePageListHead.Total, before;

    do {
        before = left;
        left = MmWaitForZeroedMemory(1000);
    } while (left != 0 && left < before);
    return left;
}

/* While the processor is otherwise idle, the zero page thread zeroes every free page and
 * moves it to the zeroed list; the pages there are all zeroes. */
KTEST(TestZeroPageThread, "mm.paging.zero_page_thread")
{
    void *p = KtAllocatePool(PagedPool, 64 * PAGE_SIZE, ZP_TAG);
    uint32_t nonZero = 0;
    KIRQL oldIrql;

    for (uint32_t page = 0; page < 64; page++)
        FillPage(PageAt(p, page), page);
    KtFreePool(p);
    KT_ASSERT_GE(MmFreePageListHead.Total, 64);
    KT_ASSERT_EQ(0, WaitForZeroedMemory());

    KtDefer(FreeZeroedFrames, NULL);
    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < ARRAYSIZE(ZpZeroedFrames); i++)
        ZpZeroedFrames[i] = MiRemoveZeroPageIfAny();
    UNLOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < ARRAYSIZE(ZpZeroedFrames); i++) {
        const uint32_t *words;

        KT_ASSERT_NE(0, ZpZeroedFrames[i]);
        words = MiMapPageInHyperSpace(ZpZeroedFrames[i], &oldIrql);
        for (uint32_t w = 0; w < WORDS_PER_PAGE; w++)
            nonZero += words[w] != 0;
        MiUnmapPageInHyperSpace((void *)words, oldIrql);
    }
    KT_ASSERT_EQ(0, nonZero);
}

/*
 * The zero page thread zeroes with no lock held, so a thread the clock wakes runs at once,
 * even in the middle of a page, and a fault is never held up by the zeroing. Each round
 * gives the thread zeroed pages to do again, notes the pages at the head of the free list
 * (the next it will take), sleeps until the next tick and looks, under the PFN lock, whether
 * one of them is off every list and held by no one: the page being zeroed. Were the zeroing
 * done under the PFN lock, no other thread could ever see such a page. A small machine's
 * pages are all zeroed in less than a tick, so each round goes to sleep a twentieth of a tick
 * later than the last (spinning meanwhile, which keeps the zero page thread off the
 * processor): some round wakes with the zeroing under way, however fast the machine.
 */
KTEST(TestZeroingIsPreemptible, "mm.paging.zeroing_preemptible")
{
    static uint32_t watch[ZP_ZEROING_WATCH];
    uint64_t tickTsc = HalTscFrequency() / HAL_CLOCK_HZ;
    uint32_t round, zeroing = 0;

    for (round = 0; round < ZP_ZEROING_ROUNDS && zeroing == 0; round++) {
        uint64_t start = __rdtsc();
        uint64_t spin = tickTsc * (round % ZP_ZEROING_PHASES) / ZP_ZEROING_PHASES;
        uint32_t count = 0, frame;
        int64_t nextTick;
        KIRQL oldIrql;

        LOCK_PFN(oldIrql);
        while (MmFreePageListHead.Total < ZP_ZEROING_WATCH &&
               (frame = MiRemoveZeroPageIfAny()) != 0)
            MiInsertPageInList(&MmFreePageListHead, frame);
        for (frame = MmFreePageListHead.Flink; frame != MM_EMPTY_LIST && count < ZP_ZEROING_WATCH;
             frame = MI_PFN_ELEMENT(frame)->u1.Flink)
            watch[count++] = frame;
        UNLOCK_PFN(oldIrql);
        while (__rdtsc() - start < spin)
            ;
        KeSetEvent(&MmZeroingPageEvent);
        nextTick = (int64_t)(KeTickCount + 1) * ZP_100NS_PER_TICK;
        KeDelayExecutionThread(KernelMode, false, &nextTick);

        LOCK_PFN(oldIrql);
        for (uint32_t i = 0; i < count; i++) {
            MMPFN *pfn = MI_PFN_ELEMENT(watch[i]);

            zeroing += pfn->u3.e1.PageLocation == TransitionPage && pfn->u3.e2.ReferenceCount == 0;
        }
        UNLOCK_PFN(oldIrql);
    }
    KtPrint("%u page(s) seen being zeroed after %u round(s)", zeroing, round);
    KT_ASSERT_EQ(1, zeroing);
}
