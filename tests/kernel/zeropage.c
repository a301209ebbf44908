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

/*
 * KeZeroPages (kernel/ke/zeropage.c) zeroes exactly the pages asked for and leaves the
 * numeric state alone: two values on the x87 stack, a control word of this test's own and,
 * where the processor has SSE (and KeZeroPages stores with XMM0), XMM0 and XMM1 come back
 * unchanged. At DISPATCH_LEVEL throughout, so that no thread switch touches the registers
 * meanwhile (system threads' numeric state is not saved), and the level is as it was after.
 * A range that is not whole 64-byte pieces is zeroed the plain way, byte-exact.
 */
KTEST(TestKeZeroPages, "ke.zero_pages")
{
    const uint16_t control = 0x0E7F;         /* round toward zero, 64-bit, all masked */
    const uint64_t first = 0x400A000000000000ull;   /* 3.25 */
    const uint64_t second = 0xD4B249AD2594C37Dull;  /* -1.0e100 */
    uint8_t *p = KtAllocatePool(NonPagedPool, 4 * PAGE_SIZE, ZP_TAG);
    uint8_t *page = (uint8_t *)ROUND_UP((uintptr_t)p + 1, PAGE_SIZE);     /* page[-1] is p's */
    const uint32_t xmm[8] = { 0x01234567, 0x89ABCDEF, 0xDEADBEEF, 0x0BADF00D,
                              0x11111111, 0x22222222, 0x33333333, 0x44444444 };
    uint32_t xmmAfter[8] = { 0 };
    uint16_t controlAfter;
    uint64_t top, below;
    uint32_t wrong = 0;
    KIRQL oldIrql;

    memset(p, 0xA5, 4 * PAGE_SIZE);
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
    __asm__ volatile("fninit\n\tfldcw %0\n\tfldl %1\n\tfldl %2"
                     : : "m"(control), "m"(first), "m"(second));
    if (KeI386XMMIPresent)
        __asm__ volatile("movups %0, %%xmm0\n\tmovups %1, %%xmm1" : : "m"(xmm[0]), "m"(xmm[4]));
    KeZeroPages(page, 2 * PAGE_SIZE);
    if (KeI386XMMIPresent)
        __asm__ volatile("movups %%xmm0, %0\n\tmovups %%xmm1, %1\n\txorps %%xmm0, %%xmm0\n\t"
                         "xorps %%xmm1, %%xmm1" : "=m"(xmmAfter[0]), "=m"(xmmAfter[4]));
    KT_ASSERT_EQ(DISPATCH_LEVEL, KeGetCurrentIrql());
    __asm__ volatile("fnstcw %0\n\tfstpl %1\n\tfstpl %2\n\tfninit"
                     : "=m"(controlAfter), "=m"(top), "=m"(below));
    KeLowerIrql(oldIrql);
    KT_ASSERT_EQ(control, controlAfter);
    KT_ASSERT_EQ(second, top);
    KT_ASSERT_EQ(first, below);
    KtPrint("zeroed with %s stores", KeI386XMMIPresent ? "16-byte XMM" : "4-byte integer");
    for (uint32_t i = 0; KeI386XMMIPresent && i < 8; i++)
        KT_ASSERT_EQ(xmm[i], xmmAfter[i]);
    for (uint32_t i = 0; i < 2 * PAGE_SIZE; i++)
        wrong += page[i] != 0;
    KT_ASSERT_EQ(0, wrong);
    KT_ASSERT_EQ(0xA5, page[-1]);
    KT_ASSERT_EQ(0xA5, page[2 * PAGE_SIZE]);

    KeZeroPages(page + 2 * PAGE_SIZE + 8, 100);     /* not whole pieces: memset's way */
    for (uint32_t i = 0; i < 100; i++)
        wrong += page[2 * PAGE_SIZE + 8 + i] != 0;
    KT_ASSERT_EQ(0, wrong);
    KT_ASSERT_EQ(0xA5, page[2 * PAGE_SIZE + 7]);
    KT_ASSERT_EQ(0xA5, page[2 * PAGE_SIZE + 108]);
    KeZeroPages(page + 2 * PAGE_SIZE, 0);            /* nothing */
    KT_ASSERT_EQ(0xA5, page[2 * PAGE_SIZE]);
    KtFreePool(p);
}
