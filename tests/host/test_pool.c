/*
 * tests/host/test_pool.c: the executive pool's block logic (mm/pool.c, mm/pooltrak.c) over
 * the fake layer below it (fakemm.h), under ASan and UBSan: the split rule, coalescing, big
 * allocations and their table, tags, the requests that fail, every bugcheck the pool raises
 * (KeBugCheckEx long-jumps back with the parameters), and a long seeded mix with the pages
 * checked for consistency as it goes.
 */
#include <stdlib.h>
#include "tests/host/tap.h"
#include "tests/host/fakemm.h"

#define TEST_TAG        POOL_TAG('T', 's', 't', '1')
#define OTHER_TAG       POOL_TAG('T', 's', 't', '2')

/* A fresh system: empty arenas and pools, passive level. */
static void ResetPool(void)
{
    ResetArenas();
    FakeIrql = PASSIVE_LEVEL;
    MmSystemRangeStart = 0;
    ExInitializePool();
}

/* Run Statement, which must bugcheck with Code and the four parameters; then start afresh. */
#define EXPECT_STOP(Statement, Code, P1, P2, P3, P4, ...)                                   \
    do {                                                                                    \
        uint32_t expected_[5] = { (Code), (uint32_t)(P1), (uint32_t)(P2), (uint32_t)(P3),   \
                                  (uint32_t)(P4) };                                         \
        memset(HostBugCheckData, 0, sizeof(HostBugCheckData));                              \
        HOST_BUGCHECKS(Statement);                                                          \
        CheckStop(expected_, __VA_ARGS__);                                                  \
        ResetPool();                                                                        \
    } while (0)

__attribute__((format(printf, 2, 3)))
static void CheckStop(const uint32_t Expected[5], const char *Format, ...)
{
    const uint32_t *stop = HostBugCheckData;
    char name[200];
    va_list arguments;

    va_start(arguments, Format);
    vsnprintf(name, sizeof(name), Format, arguments);
    va_end(arguments);
    if (!ok(memcmp(Expected, stop, 5 * sizeof(uint32_t)) == 0, "%s", name))
        printf("#   STOP 0x%X (0x%X,0x%X,0x%X,0x%X), expected 0x%X (0x%X,0x%X,0x%X,0x%X)\n",
               stop[0], stop[1], stop[2], stop[3], stop[4], Expected[0], Expected[1],
               Expected[2], Expected[3], Expected[4]);
}

static POOL_HEADER *HeaderOf(void *P)
{
    return (POOL_HEADER *)P - 1;
}

static uint32_t TrackedBytes(uint32_t Tag, POOL_TYPE PoolType)
{
    POOL_TRACKER_TABLE entry;

    if (!ExpQueryPoolTracker(Tag, &entry))
        return 0;
    return PoolType == PagedPool ? entry.PagedBytes : entry.NonPagedBytes;
}

/* A fresh page: the first block takes the front, later ones the tail of the free block. */
static void TestSplitRule(void)
{
    uint8_t *a, *b, *c, *page;
    POOL_HEADER *rest;

    ResetPool();
    a = ExAllocatePoolWithTag(PagedPool, 0x18, TEST_TAG);
    page = PAGE_ALIGN(a);
    is_int(a - page, 8, "first block of a fresh page: right after its header at the page start");
    is_int(HeaderOf(a)->Ulong1, (4u << 16) | ((PagedPool + 1u) << 25),
           "Ulong1: BlockSize 4 at bit 16, PoolType PagedPool+1 at bit 25, sizes 0 below");
    is_int(HeaderOf(a)->PoolTag, TEST_TAG, "PoolTag");
    rest = POOL_BLOCK_AT(page, 4);
    ok(rest->PoolType == 0 && rest->BlockSize == 508 && rest->PreviousSize == 4,
       "the rest of the page is one free block of 508 units after it");
    ok(PagedPoolDescriptor.ListHeads[507].Flink == (LIST_ENTRY *)(rest + 1),
       "... listed on ListHeads[507], its links right after its header");

    b = ExAllocatePoolWithTag(PagedPool, 0x38, OTHER_TAG);
    is_int(b - page, 0xFC8, "second block: the tail of the free block (not at the page start)");
    ok(HeaderOf(b)->BlockSize == 8 && HeaderOf(b)->PreviousSize == 500 && rest->BlockSize == 500,
       "... 8 units after the 500 left free, PreviousSize says so");
    c = ExAllocatePoolWithTag(PagedPool, 0x38, OTHER_TAG);
    is_int(c - page, 0xF88, "third block: again the tail, just before the second");
    is_int(HeaderOf(b)->PreviousSize, 8, "the second block's PreviousSize follows");
    is_int(PagedPoolDescriptor.TotalPages, 1, "TotalPages 1");
    is_int(PagedPoolDescriptor.TotalBytes, 0x20 + 0x40 + 0x40, "TotalBytes counts whole blocks");

    ExFreePool(b);
    ok(HeaderOf(c)->BlockSize == 8 && POOL_NEXT_BLOCK(HeaderOf(c))->BlockSize == 8 &&
       POOL_NEXT_BLOCK(HeaderOf(c))->PoolType == 0, "freeing the last block leaves it free");
    ExFreePool(c);
    ok(rest->BlockSize == 508 && rest->PoolType == 0,
       "freeing the middle block merges it with the free blocks on both sides");
    ok(PagedPoolDescriptor.ListHeads[507].Flink == (LIST_ENTRY *)(rest + 1) &&
       IsListEmpty(&PagedPoolDescriptor.ListHeads[7]), "... one listed block of 508 units");
    ExFreePool(a);
    is_int(PagesInUse, 0, "freeing the last block gives the page back");
    ok(PagedPoolDescriptor.TotalPages == 0 && PagedPoolDescriptor.TotalBytes == 0 &&
       PagedPoolDescriptor.RunningAllocs == 3 && PagedPoolDescriptor.RunningDeAllocs == 3,
       "descriptor counters: 3 allocations, 3 frees, nothing in use");
    ok(FakeIrql == PASSIVE_LEVEL && ((FAST_MUTEX *)PagedPoolDescriptor.LockAddress)->Count == 1,
       "every lock was released");
}

/* A one-unit remainder has no room for links: free but on no list, and it still merges. */
static void TestOneUnitBlock(void)
{
    uint8_t *a, *page;
    POOL_HEADER *crumb;

    ResetPool();
    a = ExAllocatePoolWithTag(NonPagedPool, POOL_BUDDY_MAX, TEST_TAG);
    page = PAGE_ALIGN(a);
    crumb = POOL_BLOCK_AT(page, 511);
    ok(HeaderOf(a)->BlockSize == 511 && crumb->BlockSize == 1 && crumb->PoolType == 0 &&
       crumb->PreviousSize == 511, "POOL_BUDDY_MAX takes 511 units and leaves a free unit");
    ok(IsListEmpty(&NonPagedPoolDescriptor.ListHeads[0]), "... which is on no list");
    ExFreePool(a);
    is_int(PagesInUse, 0, "freeing the block merges the unit and gives the page back");
}

/* The smallest free block that fits is used first. */
static void TestSmallestFit(void)
{
    void *keep[4], *small, *got;

    ResetPool();
    keep[0] = ExAllocatePoolWithTag(NonPagedPool, 0x100, TEST_TAG);   /* page front */
    keep[1] = ExAllocatePoolWithTag(NonPagedPool, 0x18, TEST_TAG);    /* tail */
    small = ExAllocatePoolWithTag(NonPagedPool, 0x48, TEST_TAG);      /* 10 units, before it */
    keep[2] = ExAllocatePoolWithTag(NonPagedPool, 0x18, TEST_TAG);    /* before that */
    ExFreePool(small);
    is_int(HeaderOf(small)->BlockSize, 10, "a freed block of 10 units between two live ones");
    got = ExAllocatePoolWithTag(NonPagedPool, 0x38, OTHER_TAG);       /* 8 units */
    ok((uint8_t *)got == (uint8_t *)small + 0x10,
       "an 8-unit request takes the tail of the 10-unit block, not the big free block");
    ok(HeaderOf(small)->BlockSize == 2 && HeaderOf(small)->PoolType == 0 &&
       NonPagedPoolDescriptor.ListHeads[1].Flink == (LIST_ENTRY *)HeaderOf(small) + 1,
       "... leaving 2 units on ListHeads[1]");
    keep[3] = got;
    for (int i = 0; i < 4; i++)
        ExFreePool(keep[i]);
    is_int(PagesInUse, 0, "all freed: the page is back");
}

static void TestBigAllocations(void)
{
    void *blocks[700];
    uint32_t key, pages;
    uint8_t *big;

    ResetPool();
    big = ExAllocatePoolWithTag(PagedPool, 3 * PAGE_SIZE + 1, TEST_TAG);
    ok(big && BYTE_OFFSET(big) == 0, "a 3-page-and-a-byte request is page aligned");
    is_int(PagesInUse, 4, "... and takes 4 whole pages");
    is_int(big[0] + big[4 * PAGE_SIZE - 1], 0, "... all of them usable");
    ok(PagedPoolDescriptor.TotalBigPages == 4 && PagedPoolDescriptor.TotalPages == 0,
       "TotalBigPages 4, no small-block pages");
    is_int(TrackedBytes(TEST_TAG, PagedPool), 4 * PAGE_SIZE, "the tracker counts its pages");
    ExFreePoolWithTag(big, TEST_TAG);
    ok(PagesInUse == 0 && PagedPoolDescriptor.TotalBigPages == 0 &&
       TrackedBytes(TEST_TAG, PagedPool) == 0, "freed: pages, counters and tracker back to 0");
    ok(!ExpFindAndRemoveTagBigPages(big, &key, &pages), "... and its record is gone");

    big = ExAllocatePoolWithTag(NonPagedPool, POOL_BUDDY_MAX + 1, TEST_TAG);
    ok(BYTE_OFFSET(big) == 0 && PagesInUse == 1, "POOL_BUDDY_MAX + 1 bytes: one whole page");
    ExFreePool(big);

    for (int i = 0; i < 700; i++)
        blocks[i] = ExAllocatePoolWithTag(i % 2 ? PagedPool : NonPagedPool, PAGE_SIZE, TEST_TAG);
    ok(PoolBigPageTableSize == 4 * POOL_BIG_TABLE_INITIAL_SIZE,
       "700 big allocations: the big-page table doubled at 256 and 512 (%u)",
       PoolBigPageTableSize);
    for (int i = 0; i < 700; i += 3)
        ExFreePool(blocks[i]);
    for (int i = 1; i < 700; i += 3)
        ExFreePool(blocks[i]);
    for (int i = 2; i < 700; i += 3)
        ExFreePool(blocks[i]);
    is_int(PagesInUse, 2048 * sizeof(POOL_TRACKER_BIG_PAGES) / PAGE_SIZE,
           "every one found and freed, out of order; only the table's own pages remain");
}

/* The big-page table cannot grow: it fills up, then big requests fail cleanly. */
static void TestBigTableFull(void)
{
    int made = 0;

    ResetPool();
    FailRequestsOfPages = 3;            /* the table's doubling needs 3 pages */
    while (made < POOL_BIG_TABLE_INITIAL_SIZE &&
           ExAllocatePoolWithTag(NonPagedPool, 2 * PAGE_SIZE, TEST_TAG))
        made++;
    is_int(made, POOL_BIG_TABLE_INITIAL_SIZE - 1,
           "with no pages to grow it, the table takes all but one entry");
    ok(PagesInUse == 2u * made && NonPagedPoolDescriptor.RunningAllocs == (uint32_t)made,
       "the failed request gave its pages back and counted nothing");
}

static void TestRequestsThatFail(void)
{
    ResetPool();
    ok(!ExAllocatePoolWithTag(PagedPool, (ARENA_PAGES + 1) * PAGE_SIZE, TEST_TAG),
       "more pages than the pool has: NULL");
    ok(!ExAllocatePoolWithTag(NonPagedPool, SIZE_MAX, TEST_TAG),
       "SIZE_MAX bytes: NULL, no wrap to a small request");
    FailRequestsOfPages = 1;
    ok(!ExAllocatePoolWithTag(NonPagedPool, 16, TEST_TAG), "no page for a small block: NULL");
    ok(NonPagedPoolDescriptor.RunningAllocs == 0 && TrackedBytes(TEST_TAG, NonPagedPool) == 0 &&
       !ExpQueryPoolTracker(TEST_TAG, &(POOL_TRACKER_TABLE){ 0 }),
       "failed requests are not counted anywhere");
    ok(FakeIrql == PASSIVE_LEVEL && *(KSPIN_LOCK *)NonPagedPoolDescriptor.LockAddress == 0,
       "... and left no lock held");
}

static void TestTypesAndTags(void)
{
    POOL_TRACKER_TABLE entry;
    void *p;

    ResetPool();
    p = ExAllocatePool(PagedPool, 10);
    is_int(HeaderOf(p)->PoolTag, POOL_TAG('N', 'o', 'n', 'e'), "ExAllocatePool tags 'None'");
    ExFreePool(p);
    p = ExAllocatePoolWithTag(NonPagedPoolCacheAligned, 10, TEST_TAG);
    ok(MmDeterminePoolType(p) == NonPagedPool && HeaderOf(p)->PoolType == NonPagedPool + 1,
       "NonPagedPoolCacheAligned is nonpaged pool");
    ExFreePool(p);
    p = ExAllocatePoolWithTag(PagedPoolCacheAligned, 10, TEST_TAG);
    ok(MmDeterminePoolType(p) == PagedPool && HeaderOf(p)->PoolType == PagedPool + 1,
       "PagedPoolCacheAligned is paged pool");
    ExFreePool(p);
    ok(ExpQueryPoolTracker(TEST_TAG, &entry) && entry.NonPagedAllocs == 1 &&
       entry.NonPagedFrees == 1 && entry.PagedAllocs == 1 && entry.PagedFrees == 1 &&
       entry.NonPagedBytes == 0 && entry.PagedBytes == 0, "the tracker counted both pools");

    p = ExAllocatePoolWithTag(PagedPool, 10, TEST_TAG | PROTECTED_POOL);
    is_int(HeaderOf(p)->PoolTag, TEST_TAG | PROTECTED_POOL, "a protected tag is kept whole");
    is_int(TrackedBytes(TEST_TAG, PagedPool), 24, "... and counted under the plain tag");
    ExFreePoolWithTag(p, TEST_TAG | PROTECTED_POOL);
    ok(PagesInUse == 0, "its owner frees it with the protected tag");
    p = ExAllocatePoolWithTag(PagedPool, 10, TEST_TAG);
    ExFreePoolWithTag(p, OTHER_TAG);
    ok(PagesInUse == 0, "an ordinary tag is not compared on free, as in NT");

    /* 'None' and 'Tst1' hold two of the 511 entries; 12 more tags than fit. */
    for (uint32_t i = 0; i < POOL_TRACK_TABLE_SIZE - 1 - 2 + 12; i++)
        ExFreePool(ExAllocatePoolWithTag(NonPagedPool, 8,
                                         POOL_TAG('T', 'g', '0' + (i >> 7), i & 0x7F)));
    ok(ExpQueryPoolTracker(POOL_TRACK_OVERFLOW_TAG, &entry) && entry.NonPagedAllocs == 12 &&
       entry.NonPagedFrees == 12 && entry.NonPagedBytes == 0,
       "tags beyond the table's 511 entries go to the overflow entry ('Ovfl')");
}

/* ExGetPoolTagInfo (NtQuerySystemInformation's SystemPoolTagInformation): every tag used, with
 * its counts and bytes; as many as fit copied, the total returned. */
static void TestPoolTagInfo(void)
{
    SYSTEM_POOLTAG tags[8], *test = NULL;
    void *paged, *nonpaged;
    uint32_t count;

    ResetPool();
    is_int(ExGetPoolTagInfo(NULL, 0), 0, "no tag before the first allocation");
    paged = ExAllocatePoolWithTag(PagedPool, 40, TEST_TAG);
    nonpaged = ExAllocatePoolWithTag(NonPagedPool, 100, TEST_TAG);
    ExFreePool(ExAllocatePoolWithTag(NonPagedPool, 8, OTHER_TAG));
    count = ExGetPoolTagInfo(tags, 8);
    is_int(count, 2, "two tags used, two reported");
    is_int(ExGetPoolTagInfo(tags, 1), 2, "a buffer for one still learns of both");
    count = ExGetPoolTagInfo(tags, 8);
    for (uint32_t i = 0; i < count; i++)
        if (tags[i].TagUlong == TEST_TAG)
            test = &tags[i];
    ok(test && test->PagedAllocs == 1 && test->PagedFrees == 0 && test->PagedUsed == 48 &&
       test->NonPagedAllocs == 1 && test->NonPagedFrees == 0 && test->NonPagedUsed == 112,
       "a tag's allocations, frees and bytes in each pool (headers included)");
    ExFreePool(paged);
    ExFreePool(nonpaged);
    count = ExGetPoolTagInfo(tags, 8);
    test = NULL;
    for (uint32_t i = 0; i < count; i++)
        if (tags[i].TagUlong == TEST_TAG)
            test = &tags[i];
    ok(test && test->PagedFrees == 1 && test->NonPagedFrees == 1 && test->PagedUsed == 0 &&
       test->NonPagedUsed == 0, "freed: the bytes back to 0, the tag still listed");
}

/* Freeing checks the block itself and its neighbours; allocating checks the list links. */
static void TestHeaderChecks(void)
{
    uint8_t *a, *b;
    POOL_HEADER *h;

    ResetPool();
    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);   /* page start, 7 units */
    ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);       /* page end: keeps the page */
    ExFreePool(a);
    h = HeaderOf(a);
    EXPECT_STOP(ExFreePool(a), BAD_POOL_CALLER, 7, 0, h->Ulong1, a,
                "double free: BAD_POOL_CALLER (7, 0, Ulong1, address)");

    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);   /* alone: its page goes back */
    ExFreePool(a);
    EXPECT_STOP(ExFreePool(a), BAD_POOL_CALLER, 7, 0, 0, a,
                "double free of a block whose page went back: BAD_POOL_CALLER (7, 0, 0, address)");
    a = ExAllocatePoolWithTag(PagedPool, 0x30, TEST_TAG);
    ExFreePool(a);
    EXPECT_STOP(ExFreePool(a), BAD_POOL_CALLER, 7, 0, 0, a,
                "... in paged pool too");

    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    h = HeaderOf(a);
    memset(POOL_NEXT_BLOCK(h), 'A', sizeof(POOL_HEADER));
    EXPECT_STOP(ExFreePool(a), BAD_POOL_HEADER, 5, h, 0, POOL_NEXT_BLOCK(h),
                "the next header overwritten: BAD_POOL_HEADER (5, entry, 0, next)");

    ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    b = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);   /* page end */
    HeaderOf(b)->PreviousSize = 7;
    EXPECT_STOP(ExFreePool(b), BAD_POOL_HEADER, 5, HeaderOf(b) - 7, 0, HeaderOf(b),
                "PreviousSize disagrees with the block before: (5, previous, 0, entry)");

    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    h = POOL_NEXT_BLOCK(HeaderOf(a));   /* the free rest of the page */
    ((LIST_ENTRY *)(h + 1))->Flink = (LIST_ENTRY *)(h + 1);
    EXPECT_STOP(ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG), BAD_POOL_HEADER, 3, h + 1,
                &NonPagedPoolDescriptor.ListHeads[h->BlockSize - 1], h + 1,
                "a free block's links broken: (3, links, Flink->Blink, Blink->Flink)");

    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    HeaderOf(a)->PoolType = PagedPool + 1;
    EXPECT_STOP(ExFreePool(a), BAD_POOL_CALLER, 1, HeaderOf(a), HeaderOf(a)->Ulong1, 0,
                "a header naming the other pool: BAD_POOL_CALLER (1, header, Ulong1, 0)");
}

/* A header's sizes must fit its page, and the page's chain must reach it. */
static void TestHeaderSizes(void)
{
    uint8_t *a, *b, *c;

    ResetPool();
    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    HeaderOf(a)->BlockSize = 0;
    EXPECT_STOP(ExFreePool(a), BAD_POOL_HEADER, 8, 0, 0, HeaderOf(a),
                "BlockSize 0: (8, 0, 0, entry)");

    ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    b = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    HeaderOf(b)->PreviousSize = 0;
    EXPECT_STOP(ExFreePool(b), BAD_POOL_HEADER, 7, 0, 0, HeaderOf(b),
                "PreviousSize 0 away from the page start: (7, 0, 0, entry)");

    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    HeaderOf(a)->PreviousSize = 2;
    EXPECT_STOP(ExFreePool(a), BAD_POOL_HEADER, 6, HeaderOf(a) - 2, 0, HeaderOf(a),
                "PreviousSize reaching before the page: (6, where it points, 0, entry)");

    ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    b = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);
    HeaderOf(b)->BlockSize = 9;
    EXPECT_STOP(ExFreePool(b), BAD_POOL_HEADER, 9, HeaderOf(b) + 9, 0, HeaderOf(b),
                "BlockSize reaching past the page: (9, where it ends, 0, entry)");

    a = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);   /* page start */
    ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);       /* page end */
    c = ExAllocatePoolWithTag(NonPagedPool, 0x30, TEST_TAG);   /* just before it */
    HeaderOf(a)->BlockSize = 500;       /* the chain jumps over c */
    EXPECT_STOP(ExFreePool(c), BAD_POOL_HEADER, 0xA, HeaderOf(c), 0, PAGE_ALIGN(c),
                "the page's chain never reaches the block: (0xA, entry, 0, page)");
}

/* A zero tag: BAD_POOL_CALLER 0x9B, whose last parameter is the caller's address. */
static void CheckZeroTag(void)
{
    const uint32_t *stop = HostBugCheckData;

    memset(HostBugCheckData, 0, sizeof(HostBugCheckData));
    HOST_BUGCHECKS(ExAllocatePoolWithTag(PagedPool, 8, PROTECTED_POOL));
    ok(stop[0] == BAD_POOL_CALLER && stop[1] == 0x9B && stop[2] == PagedPool && stop[3] == 8 &&
       stop[4] != 0,
       "a tag of zero (PROTECTED_POOL aside): BAD_POOL_CALLER (0x9B, type, bytes, caller)");
    ResetPool();
}

static void TestBadCallers(void)
{
    uint8_t *p;
    uintptr_t user;

    ResetPool();
    EXPECT_STOP(ExAllocatePoolWithTag(PagedPool, 0, TEST_TAG), BAD_POOL_CALLER, 0, 0, PagedPool,
                TEST_TAG, "zero bytes: BAD_POOL_CALLER (0, 0, type, tag)");
    EXPECT_STOP(ExAllocatePoolWithTag(NonPagedPoolMustSucceed, 8, TEST_TAG), BAD_POOL_CALLER,
                0x9A, NonPagedPoolMustSucceed, 8, TEST_TAG,
                "must-succeed pool: BAD_POOL_CALLER (0x9A, type, bytes, tag)");
    EXPECT_STOP(ExAllocatePoolWithTag(NonPagedPoolCacheAlignedMustS, 8, TEST_TAG),
                BAD_POOL_CALLER, 0x9A, NonPagedPoolCacheAlignedMustS, 8, TEST_TAG,
                "... and its cache-aligned variant");
    CheckZeroTag();

    FakeIrql = DISPATCH_LEVEL;
    p = ExAllocatePoolWithTag(NonPagedPool, 8, TEST_TAG);
    ok(p != NULL, "nonpaged pool at DISPATCH_LEVEL");
    ExFreePool(p);
    ok(FakeIrql == DISPATCH_LEVEL && PagesInUse == 0, "... freed there too");
    EXPECT_STOP(ExAllocatePoolWithTag(PagedPool, 8, TEST_TAG), BAD_POOL_CALLER, 8,
                DISPATCH_LEVEL, PagedPool, 8, "paged pool above APC_LEVEL: (8, IRQL, type, bytes)");
    FakeIrql = DISPATCH_LEVEL + 1;
    EXPECT_STOP(ExAllocatePoolWithTag(NonPagedPool, 5000, TEST_TAG), BAD_POOL_CALLER, 8,
                DISPATCH_LEVEL + 1, NonPagedPool, 5000,
                "nonpaged pool above DISPATCH_LEVEL: (8, IRQL, type, bytes)");
    p = ExAllocatePoolWithTag(PagedPool, 8, TEST_TAG);
    FakeIrql = DISPATCH_LEVEL;
    EXPECT_STOP(ExFreePool(p), BAD_POOL_CALLER, 9, DISPATCH_LEVEL, PagedPool, p,
                "paged pool freed above APC_LEVEL: (9, IRQL, type, address)");

    p = ExAllocatePoolWithTag(PagedPool, 8, TEST_TAG | PROTECTED_POOL);
    EXPECT_STOP(ExFreePool(p), BAD_POOL_CALLER, 0xA, p, TEST_TAG | PROTECTED_POOL, 0,
                "protected pool freed without its tag: (0xA, address, its tag, tag given)");
    p = ExAllocatePoolWithTag(PagedPool, 8, TEST_TAG);
    EXPECT_STOP(ExFreePoolWithTag(p, OTHER_TAG | PROTECTED_POOL), BAD_POOL_CALLER, 0xA, p,
                TEST_TAG, OTHER_TAG | PROTECTED_POOL, "... or with another protected tag");
    p = ExAllocatePoolWithTag(NonPagedPool, 3 * PAGE_SIZE, TEST_TAG | PROTECTED_POOL);
    EXPECT_STOP(ExFreePool(p), BAD_POOL_CALLER, 0xA, p, TEST_TAG | PROTECTED_POOL, 0,
                "... also for a big allocation");

    user = (uintptr_t)Arenas[NonPagedPool].Base - PAGE_SIZE;
    MmSystemRangeStart = (uintptr_t)Arenas[NonPagedPool].Base;
    EXPECT_STOP(ExFreePool((void *)user), BAD_POOL_CALLER, 0x40, user,
                Arenas[NonPagedPool].Base, 0,
                "a user-space address: (0x40, address, MmSystemRangeStart, 0)");
    EXPECT_STOP(ExFreePool(&user), BAD_POOL_CALLER, 0x42, &user, 0, 0,
                "an address in no pool: (0x42, address, 0, 0)");
    p = ExAllocatePoolWithTag(NonPagedPool, 8, TEST_TAG);
    EXPECT_STOP(ExFreePool(PAGE_ALIGN(p)), BAD_POOL_CALLER, 0x99, PAGE_ALIGN(p), 0, 0,
                "a small-block page's start: no big allocation there (0x99, address, 0, 0)");
}

static uint32_t NextRandom(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

typedef struct {
    uint8_t *Va;
    uint32_t Bytes;
    uint8_t Fill;
    POOL_TYPE Type;
} LIVE_BLOCK;

static bool IsBigAllocation(const void *Va)
{
    for (uint32_t i = 0; i < PoolBigPageTableSize; i++) {
        if (PoolBigPageTable[i].Va == Va)
            return true;
    }
    return false;
}

/* Every small-block page of both pools: chained end to end, no two free blocks touching,
 * each free block (but one-unit ones) on its list; returns false at the first fault. */
static bool CheckPools(uint32_t *ListedFree)
{
    uint32_t pages[PagedPool + 1] = { 0 };

    *ListedFree = 0;
    for (int p = NonPagedPool; p <= PagedPool; p++) {
        for (uint32_t i = 0; i < ARENA_PAGES; i++) {
            POOL_HEADER *h = (POOL_HEADER *)(Arenas[p].Base + (size_t)i * PAGE_SIZE);
            uint32_t units = 0, previous = 0;
            bool previousFree = false;

            if (Arenas[p].RunPages[i] != 1 || IsBigAllocation(h))
                continue;
            pages[p]++;
            for (; units < POOL_PAGE_UNITS; h = POOL_NEXT_BLOCK(h)) {
                bool free = h->PoolType == 0;

                if (h->BlockSize == 0 || h->PreviousSize != previous || (free && previousFree) ||
                    (!free && h->PoolType != p + 1))
                    return false;
                if (free && h->BlockSize > 1) {
                    if (!RtlIsListEntryLinked((LIST_ENTRY *)(h + 1)))
                        return false;
                    ++*ListedFree;
                }
                previous = h->BlockSize;
                previousFree = free;
                units += h->BlockSize;
            }
            if (units != POOL_PAGE_UNITS)
                return false;
        }
    }
    return pages[NonPagedPool] == NonPagedPoolDescriptor.TotalPages &&
           pages[PagedPool] == PagedPoolDescriptor.TotalPages;
}

static uint32_t ListedBlocks(void)
{
    uint32_t count = 0;

    for (int p = NonPagedPool; p <= PagedPool; p++) {
        for (uint32_t i = 0; i < POOL_LIST_HEADS; i++) {
            for (LIST_ENTRY *e = PoolVector[p]->ListHeads[i].Flink;
                 e != &PoolVector[p]->ListHeads[i]; e = e->Flink)
                count++;
        }
    }
    return count;
}

/* A long seeded mix over both pools; every byte checked before its block is freed. */
static void TestRandomSequence(void)
{
    static LIVE_BLOCK live[300];
    uint32_t seed = 0xC0FFEE, count = 0, badBytes = 0, badPages = 0, listed;

    ResetPool();
    for (int op = 0; op < 40000; op++) {
        uint32_t r = NextRandom(&seed);

        if (count < ARRAYSIZE(live) && (count == 0 || r % 100 < 55)) {
            LIVE_BLOCK *b = &live[count];

            b->Type = r & 1 ? PagedPool : NonPagedPool;
            b->Bytes = 1 + NextRandom(&seed) % 6000;
            b->Fill = (uint8_t)op | 1;
            b->Va = ExAllocatePoolWithTag(b->Type, b->Bytes, POOL_TAG('R', 'n', 'd', '0' + r % 4));
            if (!b->Va)
                break;
            memset(b->Va, b->Fill, b->Bytes);
            count++;
        } else {
            LIVE_BLOCK *b = &live[r % count];

            for (uint32_t i = 0; i < b->Bytes; i++)
                badBytes += b->Va[i] != b->Fill;
            ExFreePool(b->Va);
            *b = live[--count];
        }
        if (op % 1000 == 0) {
            badPages += !CheckPools(&listed);
            badPages += listed != ListedBlocks();
        }
    }
    is_int(badPages, 0, "every 1000 operations the pages are consistent and fully coalesced");
    is_int(badBytes, 0, "every byte of every block held its pattern until freed");
    while (count)
        ExFreePool(live[--count].Va);
    ok(PagesInUse == 0 && NonPagedPoolDescriptor.TotalPages == 0 &&
       PagedPoolDescriptor.TotalPages == 0 && NonPagedPoolDescriptor.TotalBigPages == 0 &&
       PagedPoolDescriptor.TotalBigPages == 0 && NonPagedPoolDescriptor.TotalBytes == 0 &&
       PagedPoolDescriptor.TotalBytes == 0, "all freed: every page back, counters at 0");
    ok(NonPagedPoolDescriptor.RunningAllocs == NonPagedPoolDescriptor.RunningDeAllocs &&
       PagedPoolDescriptor.RunningAllocs == PagedPoolDescriptor.RunningDeAllocs &&
       NonPagedPoolDescriptor.RunningAllocs + PagedPoolDescriptor.RunningAllocs > 15000,
       "allocations equal frees (%u + %u)", NonPagedPoolDescriptor.RunningAllocs,
       PagedPoolDescriptor.RunningAllocs);
    ok(ListedBlocks() == 0 && TrackedBytes(POOL_TAG('R', 'n', 'd', '0'), PagedPool) == 0 &&
       TrackedBytes(POOL_TAG('R', 'n', 'd', '3'), NonPagedPool) == 0,
       "no free block listed, no bytes tracked");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    TestSplitRule();
    TestOneUnitBlock();
    TestSmallestFit();
    TestBigAllocations();
    TestBigTableFull();
    TestRequestsThatFail();
    TestTypesAndTags();
    TestPoolTagInfo();
    TestHeaderChecks();
    TestHeaderSizes();
    TestBadCallers();
    TestRandomSequence();
    return done_testing();
}
