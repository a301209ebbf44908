/*
 * tests/kernel/specialpool.c: special pool, in whichever configuration the boot chose. With
 * specialpool=<tag> or specialpool=* (tests/pool.t boots both) the layout, guard pages, freed
 * pages and routing are checked; without it, that special pool is off and takes nothing.
 */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "mm/pool.h"

#define TEST_TAG        POOL_TAG('T', 's', 't', 'S')
#define OTHER_TAG       POOL_TAG('T', 's', 't', 'O')
#define FIFO_ROUNDS     64

/*
 * The tag special pool serves in this boot, or 0 when it is off, which must be only because
 * no specialpool= was given.
 */
static uint32_t SpecialTag(void)
{
    if (KeBootOptions.SpecialPoolTag == 0) {
        KT_ASSERT_EQ(0, MmSpecialPoolStart);
        KT_ASSERT_EQ(0, MmSpecialPoolEnd);
        return 0;
    }
    KT_ASSERT_EQ(KeBootOptions.SpecialPoolTag, MmSpecialPoolTag);
    KT_ASSERT_EQ(MM_SPECIAL_POOL_PTES * PAGE_SIZE, MmSpecialPoolEnd - MmSpecialPoolStart);
    return MmSpecialPoolTag == MI_SPECIAL_POOL_ALL_TAGS ? TEST_TAG : MmSpecialPoolTag;
}

static bool IsSpecial(POOL_TYPE PoolType, size_t Bytes, uint32_t Tag)
{
    void *p = KtAllocatePool(PoolType, Bytes, Tag);
    bool special = MmIsSpecialPoolAddress(p);

    KtFreePool(p);
    return special;
}

/* Which requests go to special pool: the tag (or every tag), up to a page less a header. */
KTEST(TestSpecialPoolRouting, "mm.specialpool.routing")
{
    uint32_t tag = SpecialTag();

    if (tag == 0) {
        KT_ASSERT(!IsSpecial(NonPagedPool, 16, TEST_TAG));
        KT_ASSERT(!IsSpecial(PagedPool, 16, TEST_TAG));
        return;
    }
    for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
        KT_ASSERT(IsSpecial(type, 1, tag));
        KT_ASSERT(IsSpecial(type, MI_SPECIAL_POOL_MAXIMUM, tag));
        KT_ASSERT(IsSpecial(type, 16, tag | PROTECTED_POOL));
        KT_ASSERT(!IsSpecial(type, MI_SPECIAL_POOL_MAXIMUM + 1, tag));
        KT_ASSERT(!IsSpecial(type, 3 * PAGE_SIZE, tag));
        KT_ASSERT_EQ(MmSpecialPoolTag == MI_SPECIAL_POOL_ALL_TAGS,
                     IsSpecial(type, 16, OTHER_TAG));
    }
}

/*
 * The allocation ends where its page ends, the page after it is a no-access guard, and the
 * page starts with the header and the pattern; the page is resident and counted.
 */
KTEST(TestSpecialPoolLayout, "mm.specialpool.layout")
{
    static const size_t sizes[] = { 1, 8, 13, 100, 2049, MI_SPECIAL_POOL_MAXIMUM };
    uint32_t tag = SpecialTag();

    if (tag == 0)
        KtSkip("no specialpool= in this boot");
    KtHoldBackgroundThreads();
    for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
        for (uint32_t i = 0; i < ARRAYSIZE(sizes); i++) {
            uint32_t inUse = MmSpecialPagesInUse, available = KtAvailablePages(), value;
            uint32_t committed = MmTotalCommittedPages;
            uint8_t *p = KtAllocatePool(type, sizes[i], tag);
            POOL_HEADER *header = PAGE_ALIGN(p);
            uint8_t *guard = (uint8_t *)header + PAGE_SIZE;

            KT_ASSERT(MmIsSpecialPoolAddress(p));
            KT_ASSERT_EQ((uintptr_t)guard, (uintptr_t)p + sizes[i]);
            KT_ASSERT_EQ((uintptr_t)header, MiSpecialPoolDataPage((uintptr_t)p));
            KT_ASSERT_EQ(0, ((uintptr_t)header - MmSpecialPoolStart) % (2 * PAGE_SIZE));
            KT_ASSERT_EQ(1, MiGetPteAddress(header)->u.Hard.Valid);
            KT_ASSERT_EQ(MM_KERNEL_NOACCESS_PTE, MiGetPteAddress(guard)->u.Long);
            KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(guard, &value));
            KT_ASSERT_EQ(sizes[i] | (type == PagedPool ? MI_SPECIAL_POOL_PAGEABLE : 0),
                         header->Ulong1);
            KT_ASSERT_EQ(tag, header->PoolTag);
            KT_ASSERT_NE(0, MiSpecialPoolPattern(p));
            for (uint8_t *b = (uint8_t *)(header + 1); b < p; b++)
                KT_ASSERT_EQ(MiSpecialPoolPattern(p), *b);
            KT_ASSERT_EQ(inUse + 1, MmSpecialPagesInUse);
            KT_ASSERT_EQ(available - 1, KtAvailablePages());
            KT_ASSERT_EQ(committed + 1, MmTotalCommittedPages);
            RtlFillMemory(p, sizes[i], 0xE7);
            KtFreePool(p);
            KT_ASSERT_EQ(inUse, MmSpecialPagesInUse);
            KT_ASSERT_EQ(available, KtAvailablePages());
            KT_ASSERT_EQ(committed, MmTotalCommittedPages);
        }
    }
}

/*
 * A freed page stays out of reach: its PTE is a no-access PTE, a probe of it fails, and the
 * pair is reused only after every other free pair (FIFO).
 */
KTEST(TestSpecialPoolFreed, "mm.specialpool.freed")
{
    uint8_t *pages[FIFO_ROUNDS];
    uint32_t tag = SpecialTag(), value;

    if (tag == 0)
        KtSkip("no specialpool= in this boot");
    for (uint32_t i = 0; i < FIFO_ROUNDS; i++) {
        uint8_t *p = KtAllocatePool(i % 2 ? PagedPool : NonPagedPool, 24, tag);
        MMPTE pte;

        pages[i] = PAGE_ALIGN(p);
        for (uint32_t j = 0; j < i; j++)
            KT_ASSERT_NE((uintptr_t)pages[j], (uintptr_t)pages[i]);
        KtFreePool(p);
        pte = *MiGetPteAddress(p);
        KT_ASSERT_EQ(0, pte.u.Hard.Valid);
        KT_ASSERT_EQ(MM_NOACCESS, pte.u.Soft.Protection);
        KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(p, &value));
        KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(pages[i], &value));
    }
}
