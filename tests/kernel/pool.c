/*
 * tests/kernel/pool.c: the executive pool in the running kernel: block sizes, alignment and
 * headers as NT lays them out, the tag tracker, big allocations, paged pool's demand-zero
 * pages, the requests that fail, and a long seeded mix over both pools that must leave every
 * counter where it found it. (The block logic's corner cases and the bugchecks are tested on
 * the host, tests/host/test_pool.c.)
 */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "mm/pool.h"

#define TEST_TAG        POOL_TAG('T', 's', 't', 'P')
#define BIG_TAG         POOL_TAG('T', 's', 't', 'B')
#define RANDOM_TAG      POOL_TAG('T', 's', 't', 'R')
#define RANDOM_OPS      20000
#define RANDOM_LIVE     200
#define RANDOM_MAX_SIZE 6000

/* These tests look at ordinary pool: special pool must not take their tags. */
static void RequireOrdinaryPool(uint32_t Tag)
{
    if (MmUseSpecialPool(1, Tag))
        KtFail(__FILE__, __LINE__, "special pool serves tag %08x in this boot", Tag);
}

static POOL_HEADER *HeaderOf(void *P)
{
    return (POOL_HEADER *)P - 1;
}

static POOL_TRACKER_TABLE Tracker(uint32_t Tag)
{
    POOL_TRACKER_TABLE entry = { 0 };

    ExpQueryPoolTracker(Tag, &entry);
    return entry;
}

/* The big-page table's record of Va, read as !pool reads it; NULL if there is none. */
static const POOL_TRACKER_BIG_PAGES *BigPageRecord(const void *Va)
{
    for (uint32_t i = 0; i < PoolBigPageTableSize; i++) {
        if (PoolBigPageTable[i].Va == Va)
            return &PoolBigPageTable[i];
    }
    return NULL;
}

/* A small block as NT lays it out: 8-byte units, its header's fields, neighbours agreeing. */
static void CheckSmallBlock(uint8_t *P, size_t Bytes, POOL_TYPE PoolType, uint32_t Tag)
{
    POOL_HEADER *h = HeaderOf(P);
    uint32_t units = (uint32_t)(Bytes + 8 + 7) / 8;

    KT_ASSERT_EQ(0, (uintptr_t)P % 8);
    KT_ASSERT_NE(0, BYTE_OFFSET(P));
    KT_ASSERT_EQ(PoolType, MmDeterminePoolType(P));
    KT_ASSERT_EQ(units, h->BlockSize);
    KT_ASSERT_EQ(PoolType + 1, h->PoolType);
    KT_ASSERT_EQ(0, h->PoolIndex);
    KT_ASSERT_EQ(Tag, h->PoolTag);
    KT_ASSERT_EQ(h->PreviousSize | (h->PoolIndex << 9) | (units << 16) | ((PoolType + 1) << 25),
                 h->Ulong1);
    KT_ASSERT_EQ(h->PreviousSize == 0, BYTE_OFFSET(h) == 0);
    if (h->PreviousSize)
        KT_ASSERT_EQ(h->PreviousSize, POOL_PREV_BLOCK(h)->BlockSize);
    if (!PAGE_END(POOL_NEXT_BLOCK(h)))
        KT_ASSERT_EQ(units, POOL_NEXT_BLOCK(h)->PreviousSize);
    RtlFillMemory(P, Bytes, 0x5A);
}

/* Every size to 300 bytes, then every 7th to POOL_BUDDY_MAX (the last of them); the last
 * GRANULARITY_LIVE of each pool stay allocated beside the new one (all of them would not fit
 * in the commitment of an 8 MiB machine without a paging file). */
#define GRANULARITY_DENSE       300
#define GRANULARITY_STEP        7
#define GRANULARITY_SIZES \
    (GRANULARITY_DENSE + (POOL_BUDDY_MAX - GRANULARITY_DENSE) / GRANULARITY_STEP)
#define GRANULARITY_LIVE        64

static uint8_t *GranularityBlocks[PagedPool + 1][GRANULARITY_LIVE];

static void FreeGranularityBlocks(void *Unused)
{
    (void)Unused;
    for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
        for (uint32_t i = 0; i < GRANULARITY_LIVE; i++) {
            if (GranularityBlocks[type][i])
                ExFreePoolWithTag(GranularityBlocks[type][i], TEST_TAG);
            GranularityBlocks[type][i] = NULL;
        }
    }
}

/* Sizes up to POOL_BUDDY_MAX in both pools: 8-byte units, header filled in as NT's. */
KTEST(TestPoolGranularity, "mm.pool.granularity")
{
    uint32_t count = 0;
    uint8_t *last = NULL;

    RequireOrdinaryPool(TEST_TAG);
    KtDefer(FreeGranularityBlocks, NULL);
    for (size_t bytes = 1; count < GRANULARITY_SIZES; count++) {
        bytes = count < GRANULARITY_DENSE ? count + 1 : bytes + GRANULARITY_STEP;
        for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
            uint8_t **slot = &GranularityBlocks[type][count % GRANULARITY_LIVE];

            if (*slot)
                ExFreePoolWithTag(*slot, TEST_TAG);
            *slot = last = ExAllocatePoolWithTag(type, bytes, TEST_TAG);
            KT_ASSERT(*slot != NULL);
            CheckSmallBlock(*slot, bytes, type, TEST_TAG);
        }
    }
    KT_ASSERT_EQ(POOL_BUDDY_MAX,
                 GRANULARITY_DENSE + (count - GRANULARITY_DENSE) * GRANULARITY_STEP);
    KT_ASSERT_EQ(511, HeaderOf(last)->BlockSize);
}

static void FreeProtected(void *P)
{
    ExFreePoolWithTag(P, TEST_TAG | PROTECTED_POOL);
}

/* The tracker counts allocations, frees and whole blocks' bytes per tag and pool. */
KTEST(TestPoolTags, "mm.pool.tags")
{
    static const size_t sizes[] = { 10, 100, 1000, 5000, 9000 };
    POOL_TRACKER_TABLE before = Tracker(TEST_TAG), after;
    void *blocks[ARRAYSIZE(sizes)][2];
    uint32_t nonPagedBytes = 0, pagedBytes = 0;

    RequireOrdinaryPool(TEST_TAG);
    for (uint32_t i = 0; i < ARRAYSIZE(sizes); i++) {
        uint32_t bytes = sizes[i] > POOL_BUDDY_MAX ? ROUND_TO_PAGES(sizes[i])
                                                   : (sizes[i] + 15) / 8 * 8;

        blocks[i][0] = KtAllocatePool(NonPagedPool, sizes[i], TEST_TAG);
        nonPagedBytes += bytes;
        if (i < 3) {
            blocks[i][1] = ExAllocatePoolWithTag(PagedPool, sizes[i], TEST_TAG | PROTECTED_POOL);
            KT_ASSERT(blocks[i][1] != NULL);
            KtDefer(FreeProtected, blocks[i][1]);
            pagedBytes += bytes;
        }
    }
    after = Tracker(TEST_TAG);
    KT_ASSERT_EQ(before.NonPagedAllocs + 5, after.NonPagedAllocs);
    KT_ASSERT_EQ(before.NonPagedBytes + nonPagedBytes, after.NonPagedBytes);
    KT_ASSERT_EQ(before.PagedAllocs + 3, after.PagedAllocs);
    KT_ASSERT_EQ(before.PagedBytes + pagedBytes, after.PagedBytes);
    KT_ASSERT_EQ(TEST_TAG | PROTECTED_POOL, HeaderOf(blocks[0][1])->PoolTag);

    for (uint32_t i = 0; i < ARRAYSIZE(sizes); i++) {
        KtFreePool(blocks[i][0]);
        if (i < 3)
            KtRelease(FreeProtected, blocks[i][1]);
    }
    after = Tracker(TEST_TAG);
    KT_ASSERT_EQ(before.NonPagedFrees + 5, after.NonPagedFrees);
    KT_ASSERT_EQ(before.PagedFrees + 3, after.PagedFrees);
    KT_ASSERT_EQ(before.NonPagedBytes, after.NonPagedBytes);
    KT_ASSERT_EQ(before.PagedBytes, after.PagedBytes);
}

/* ExAllocatePool tags 'None'; CacheAligned types come from their base type's pool. */
KTEST(TestPoolTypes, "mm.pool.types")
{
    uint32_t none = Tracker(POOL_TAG('N', 'o', 'n', 'e')).PagedAllocs;
    void *p;

    RequireOrdinaryPool(POOL_TAG('N', 'o', 'n', 'e'));
    p = ExAllocatePool(PagedPool, 24);
    KT_ASSERT(p != NULL);
    KtDeferFreePool(p);
    KT_ASSERT_EQ(POOL_TAG('N', 'o', 'n', 'e'), HeaderOf(p)->PoolTag);
    KT_ASSERT_EQ(none + 1, Tracker(POOL_TAG('N', 'o', 'n', 'e')).PagedAllocs);
    KtFreePool(p);
    p = KtAllocatePool(NonPagedPoolCacheAligned, 24, TEST_TAG);
    KT_ASSERT_EQ(NonPagedPool, MmDeterminePoolType(p));
    KT_ASSERT_EQ(NonPagedPool + 1, HeaderOf(p)->PoolType);
    KtFreePool(p);
    p = KtAllocatePool(PagedPoolCacheAligned, 24, TEST_TAG);
    KT_ASSERT_EQ(PagedPool, MmDeterminePoolType(p));
    KT_ASSERT_EQ(PagedPool + 1, HeaderOf(p)->PoolType);
    KtFreePool(p);
}

/* Above POOL_BUDDY_MAX: whole pages, page aligned, recorded with their tag and length. */
KTEST(TestPoolBigAllocations, "mm.pool.big")
{
    static const size_t sizes[] = { POOL_BUDDY_MAX + 1, PAGE_SIZE, PAGE_SIZE + 1,
                                    3 * PAGE_SIZE + 1, 20000 };

    RequireOrdinaryPool(BIG_TAG);
    for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
        for (uint32_t i = 0; i < ARRAYSIZE(sizes); i++) {
            POOL_DESCRIPTOR *desc = PoolVector[type];
            uint32_t pages = BYTES_TO_PAGES(sizes[i]), bigPages = desc->TotalBigPages;
            uint32_t nonPaged = MmAllocatedNonPagedPool;
            uint32_t paged = MmPagedPoolInfo.AllocatedPagedPool;
            const POOL_TRACKER_BIG_PAGES *record;
            uint8_t *p = KtAllocatePool(type, sizes[i], BIG_TAG);

            KT_ASSERT_EQ(0, BYTE_OFFSET(p));
            KT_ASSERT_EQ(type, MmDeterminePoolType(p));
            record = BigPageRecord(p);
            KT_ASSERT(record != NULL);
            KT_ASSERT_EQ(BIG_TAG, record->Key);
            KT_ASSERT_EQ(pages, record->NumberOfPages);
            KT_ASSERT_EQ(bigPages + pages, desc->TotalBigPages);
            KT_ASSERT_EQ(nonPaged + (type == NonPagedPool ? pages : 0), MmAllocatedNonPagedPool);
            KT_ASSERT_EQ(paged + (type == PagedPool ? pages : 0),
                         MmPagedPoolInfo.AllocatedPagedPool);
            RtlFillMemory(p, sizes[i], 0xB1);
            KtFreePool(p);
            KT_ASSERT(BigPageRecord(p) == NULL);
            KT_ASSERT_EQ(bigPages, desc->TotalBigPages);
            KT_ASSERT_EQ(nonPaged, MmAllocatedNonPagedPool);
            KT_ASSERT_EQ(paged, MmPagedPoolInfo.AllocatedPagedPool);
        }
    }
}

/*
 * Paged pool is demand zero: a big allocation's pages are not there until touched, and the
 * first touch brings in a zeroed page. Nonpaged pool is resident from the start.
 */
KTEST(TestPoolDemandZero, "mm.pool.demandzero")
{
    uint8_t *paged, *nonPaged;
    uint32_t available;

    RequireOrdinaryPool(BIG_TAG);
    paged = KtAllocatePool(PagedPool, 3 * PAGE_SIZE, BIG_TAG);
    nonPaged = KtAllocatePool(NonPagedPool, 3 * PAGE_SIZE, BIG_TAG);
    KtHoldBackgroundThreads();
    available = KtAvailablePages();
    for (uint32_t i = 0; i < 3; i++) {
        KT_ASSERT(!MmIsAddressValid(paged + i * PAGE_SIZE));
        KT_ASSERT_EQ(MM_KERNEL_DEMAND_ZERO_PTE, MiGetPteAddress(paged + i * PAGE_SIZE)->u.Long);
        KT_ASSERT(MmIsAddressValid(nonPaged + i * PAGE_SIZE));
    }
    KT_ASSERT_EQ(0, ((volatile uint8_t *)paged)[PAGE_SIZE + 5]);
    KT_ASSERT(MmIsAddressValid(paged + PAGE_SIZE));
    KT_ASSERT(!MmIsAddressValid(paged));
    KT_ASSERT_EQ(available - 1, KtAvailablePages());
    for (uint32_t i = 0; i < PAGE_SIZE; i += 4)
        KT_ASSERT_EQ(0, *(volatile uint32_t *)(paged + PAGE_SIZE + i));
    KtFreePool(paged);
    KT_ASSERT_EQ(available, KtAvailablePages());
}

/* Paged pool at APC_LEVEL, where its headers may still fault; nonpaged at DISPATCH_LEVEL. */
KTEST(TestPoolIrql, "mm.pool.irql")
{
    KIRQL oldIrql;
    void *blocks[40];

    RequireOrdinaryPool(TEST_TAG);
    KeRaiseIrql(APC_LEVEL, &oldIrql);
    for (uint32_t i = 0; i < ARRAYSIZE(blocks); i++)
        blocks[i] = KtAllocatePool(PagedPool, 3000, TEST_TAG);          /* a page each */
    for (uint32_t i = 0; i < ARRAYSIZE(blocks); i++)
        KtFreePool(blocks[i]);
    KeLowerIrql(oldIrql);

    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
    for (uint32_t i = 0; i < ARRAYSIZE(blocks); i++)
        blocks[i] = KtAllocatePool(NonPagedPool, 100 * i + 1, TEST_TAG);
    for (uint32_t i = 0; i < ARRAYSIZE(blocks); i++)
        KtFreePool(blocks[i]);
    KT_ASSERT_EQ(DISPATCH_LEVEL, KeGetCurrentIrql());
    KeLowerIrql(oldIrql);
}

/* An allocation that must fail; one that succeeds is freed before the test fails. */
static void ExpectNoPool(POOL_TYPE PoolType, size_t Bytes)
{
    void *p = ExAllocatePoolWithTag(PoolType, Bytes, BIG_TAG);

    if (p) {
        ExFreePool(p);
        KtFail(__FILE__, __LINE__, "ExAllocatePoolWithTag(%u, 0x%x) succeeded", PoolType,
               (uint32_t)Bytes);
    }
}

/* Where NT returns NULL: more than the pool can ever hold. Nothing is counted. */
KTEST(TestPoolRequestsThatFail, "mm.pool.null")
{
    uint32_t available, nonPagedAllocs, pagedAllocs;

    KtHoldBackgroundThreads();
    available = KtAvailablePages();
    nonPagedAllocs = NonPagedPoolDescriptor.RunningAllocs;
    pagedAllocs = PagedPoolDescriptor.RunningAllocs;

    RequireOrdinaryPool(BIG_TAG);
    ExpectNoPool(PagedPool, MmSizeOfPagedPoolInBytes + PAGE_SIZE);
    ExpectNoPool(NonPagedPool, MmMaximumNonPagedPoolInBytes + PAGE_SIZE);
    ExpectNoPool(PagedPool, SIZE_MAX);
    ExpectNoPool(NonPagedPool, SIZE_MAX - PAGE_SIZE);
    KT_ASSERT_EQ(available, KtAvailablePages());
    KT_ASSERT_EQ(nonPagedAllocs, NonPagedPoolDescriptor.RunningAllocs);
    KT_ASSERT_EQ(pagedAllocs, PagedPoolDescriptor.RunningAllocs);
}

/* What the pools and the memory under them hold, to compare before and after. */
typedef struct _POOL_SNAPSHOT {
    uint32_t TotalPages[2], TotalBigPages[2], TotalBytes[2], InUse[2];
    uint32_t AvailablePages, AllocatedNonPagedPool, FreeNonPagedPool;
    uint32_t AllocatedPagedPool, PagedPoolPageTables, BigPageTableSize;
} POOL_SNAPSHOT;

static void TakeSnapshot(POOL_SNAPSHOT *s)
{
    for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
        s->TotalPages[type] = PoolVector[type]->TotalPages;
        s->TotalBigPages[type] = PoolVector[type]->TotalBigPages;
        s->TotalBytes[type] = PoolVector[type]->TotalBytes;
        s->InUse[type] = PoolVector[type]->RunningAllocs - PoolVector[type]->RunningDeAllocs;
    }
    s->AvailablePages = MmAvailablePages;
    s->AllocatedNonPagedPool = MmAllocatedNonPagedPool;
    s->FreeNonPagedPool = MmNumberOfFreeNonPagedPool;
    s->AllocatedPagedPool = MmPagedPoolInfo.AllocatedPagedPool;
    s->PagedPoolPageTables = MmPagedPoolInfo.PageTablePages;
    s->BigPageTableSize = PoolBigPageTableSize;
}

typedef struct _LIVE_BLOCK {
    uint8_t *Va;
    uint32_t Bytes;
    uint8_t Fill;
} LIVE_BLOCK;

static uint32_t NextRandom(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

static LIVE_BLOCK RandomLive[RANDOM_LIVE];
static uint32_t RandomLiveCount;

static void FreeRandomBlocks(void *Unused)
{
    (void)Unused;
    while (RandomLiveCount)
        ExFreePool(RandomLive[--RandomLiveCount].Va);
}

/* Frees the block, then fails if a byte of it was not its fill. */
static void FreeCheckedBlock(const LIVE_BLOCK *Block)
{
    uint32_t i = 0;
    uint8_t found;

    while (i < Block->Bytes && Block->Va[i] == Block->Fill)
        i++;
    found = i < Block->Bytes ? Block->Va[i] : Block->Fill;
    ExFreePool(Block->Va);
    if (i < Block->Bytes)
        KtFail(__FILE__, __LINE__, "byte %u of the %u-byte block %p is %02x, not %02x", i,
               Block->Bytes, (void *)Block->Va, found, Block->Fill);
}

/*
 * A seeded mix of allocations (1 to 6000 bytes, both pools) and frees, every byte of every
 * block written and checked before it is freed. Afterwards the pools' counters, the tag's
 * bytes and the page-granular counters are where they started. Physical pages may have gone
 * only to new paged pool page tables and to expansion pool pages kept on the free lists.
 */
KTEST(TestPoolRandom, "mm.pool.random")
{
    LIVE_BLOCK *live = RandomLive;
    uint32_t seed = 0x5EED2024, allocations = 0;
    POOL_SNAPSHOT before, after;

    RequireOrdinaryPool(RANDOM_TAG);
    TakeSnapshot(&before);
    KtDefer(FreeRandomBlocks, NULL);
    for (uint32_t op = 0; op < RANDOM_OPS; op++) {
        uint32_t r = NextRandom(&seed);

        if (RandomLiveCount < RANDOM_LIVE && (RandomLiveCount == 0 || r % 100 < 55)) {
            LIVE_BLOCK *b = &live[RandomLiveCount];

            b->Bytes = 1 + NextRandom(&seed) % RANDOM_MAX_SIZE;
            b->Fill = (uint8_t)(op * 7) | 1;
            b->Va = ExAllocatePoolWithTag(r & 1 ? PagedPool : NonPagedPool, b->Bytes, RANDOM_TAG);
            KT_ASSERT(b->Va != NULL);
            RandomLiveCount++;
            KT_ASSERT_EQ(0, (uintptr_t)b->Va % 8);
            RtlFillMemory(b->Va, b->Bytes, b->Fill);
            allocations++;
        } else {
            uint32_t victim = r % RandomLiveCount;
            LIVE_BLOCK block = live[victim];

            live[victim] = live[--RandomLiveCount];
            FreeCheckedBlock(&block);
        }
    }
    while (RandomLiveCount) {
        LIVE_BLOCK block = live[--RandomLiveCount];

        FreeCheckedBlock(&block);
    }
    TakeSnapshot(&after);

    KT_ASSERT_GT(allocations, RANDOM_OPS / 2);
    KT_ASSERT_EQ(before.BigPageTableSize, after.BigPageTableSize);
    for (POOL_TYPE type = NonPagedPool; type <= PagedPool; type++) {
        KT_ASSERT_EQ(before.TotalPages[type], after.TotalPages[type]);
        KT_ASSERT_EQ(before.TotalBigPages[type], after.TotalBigPages[type]);
        KT_ASSERT_EQ(before.TotalBytes[type], after.TotalBytes[type]);
        KT_ASSERT_EQ(before.InUse[type], after.InUse[type]);
    }
    KT_ASSERT_EQ(0, Tracker(RANDOM_TAG).NonPagedBytes);
    KT_ASSERT_EQ(0, Tracker(RANDOM_TAG).PagedBytes);
    KT_ASSERT_EQ(Tracker(RANDOM_TAG).NonPagedAllocs, Tracker(RANDOM_TAG).NonPagedFrees);
    KT_ASSERT_EQ(before.AllocatedNonPagedPool, after.AllocatedNonPagedPool);
    KT_ASSERT_EQ(before.AllocatedPagedPool, after.AllocatedPagedPool);
    KT_ASSERT_EQ(before.AvailablePages - (after.PagedPoolPageTables - before.PagedPoolPageTables) -
                 (after.FreeNonPagedPool - before.FreeNonPagedPool), after.AvailablePages);
}
