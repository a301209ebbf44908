/*
 * mm/pool.c: the executive pool, NT's ExAllocatePoolWithTag and ExFreePoolWithTag (ex/pool.c).
 * mm/pool.h draws the POOL_HEADER and a pool page.
 *
 * Allocation, in NT's order:
 *   1. a zero-byte request, a must-succeed pool type or a zero tag bugchecks BAD_POOL_CALLER
 *      (0, 0x9A, 0x9B); CacheAligned types are their base type; quota and session bits mean
 *      nothing here (no processes, no session space);
 *   2. special pool takes the request if MmUseSpecialPool says so (special.c);
 *   3. above APC_LEVEL for paged pool, or DISPATCH_LEVEL for nonpaged, BAD_POOL_CALLER 8;
 *   4. above POOL_BUDDY_MAX: whole pages from MiAllocatePoolPages, no header, recorded in the
 *      big-page table;
 *   5. otherwise n = (bytes + 8 + 7) / 8 units from the first non-empty ListHeads[n-1 ...]:
 *      a block that starts its page gives its front, any other its tail, and the rest goes
 *      back on the list for its size; with no free block, a fresh page is carved the same way.
 *
 * Freeing checks the block before touching it: a block whose page is no longer pool, or whose
 * header says free, is a double free (0xC2, 7: the header's contents if it is still mapped), a
 * header that disagrees with its page is BAD_POOL_HEADER; then the block merges with free
 * neighbours and a page that is free from end to end goes back to MiFreePoolPages.
 *
 * Tags: ExFreePoolWithTag compares the tag only for protected pool (PROTECTED_POOL set in
 * the allocation's tag or in the tag given), as NT does: a mismatch there is BAD_POOL_CALLER
 * 0xA, "another component's protected pool"; other tags are for accounting only.
 *
 * Locks: nonpaged pool under a spin lock; paged pool under a fast mutex, since its headers
 * live in pageable memory and may fault. Page-granular calls are made with neither held.
 */
#include "mm/pool.h"

#define EX_NONE_TAG     POOL_TAG('N', 'o', 'n', 'e')

POOL_DESCRIPTOR NonPagedPoolDescriptor, PagedPoolDescriptor;
POOL_DESCRIPTOR *const PoolVector[PagedPool + 1] = {
    [NonPagedPool] = &NonPagedPoolDescriptor,
    [PagedPool] = &PagedPoolDescriptor,
};
static KSPIN_LOCK NonPagedPoolLock;
static FAST_MUTEX ExpPagedPoolMutex;

static KIRQL ExpMaximumIrql(POOL_TYPE BaseType)
{
    return BaseType == PagedPool ? APC_LEVEL : DISPATCH_LEVEL;
}

static KIRQL ExpLockPool(POOL_DESCRIPTOR *PoolDesc)
{
    KIRQL oldIrql = PASSIVE_LEVEL;

    if (PoolDesc->PoolType == NonPagedPool)
        KeAcquireSpinLock(PoolDesc->LockAddress, &oldIrql);
    else
        ExAcquireFastMutex(PoolDesc->LockAddress);
    return oldIrql;
}

static void ExpUnlockPool(POOL_DESCRIPTOR *PoolDesc, KIRQL OldIrql)
{
    if (PoolDesc->PoolType == NonPagedPool)
        KeReleaseSpinLock(PoolDesc->LockAddress, OldIrql);
    else
        ExReleaseFastMutex(PoolDesc->LockAddress);
}

static void ExpInitializePoolDescriptor(POOL_DESCRIPTOR *PoolDesc, POOL_TYPE PoolType,
                                        void *Lock)
{
    RtlZeroMemory(PoolDesc, sizeof(*PoolDesc));
    PoolDesc->PoolType = PoolType;
    PoolDesc->LockAddress = Lock;
    for (uint32_t i = 0; i < POOL_LIST_HEADS; i++)
        InitializeListHead(&PoolDesc->ListHeads[i]);
}

/* Both pools empty and the tables clear; called once from MmInitSystem. */
void ExInitializePool(void)
{
    KeInitializeSpinLock(&NonPagedPoolLock);
    ExInitializeFastMutex(&ExpPagedPoolMutex);
    ExpInitializePoolDescriptor(&NonPagedPoolDescriptor, NonPagedPool, &NonPagedPoolLock);
    ExpInitializePoolDescriptor(&PagedPoolDescriptor, PagedPool, &ExpPagedPoolMutex);
    ExpInitializePoolTracking();
}

__attribute__((noreturn))
static void ExpBadPoolHeader(uint32_t Code, const void *P2, const void *P4)
{
    KeBugCheckEx(BAD_POOL_HEADER, Code, (uintptr_t)P2, 0, (uintptr_t)P4);
}

static LIST_ENTRY *ExpFreeBlockLinks(POOL_HEADER *Entry)
{
    return (LIST_ENTRY *)(Entry + 1);
}

/* Put a free block on the list for its size; a one-unit block has no room for links. */
static void ExpInsertFreeBlock(POOL_DESCRIPTOR *PoolDesc, POOL_HEADER *Entry)
{
    if (Entry->BlockSize > 1)
        InsertHeadList(&PoolDesc->ListHeads[Entry->BlockSize - 1], ExpFreeBlockLinks(Entry));
}

/* Take a free block off its list; links that do not point back are BAD_POOL_HEADER 3. */
static void ExpRemoveFreeBlock(POOL_HEADER *Entry)
{
    LIST_ENTRY *links = ExpFreeBlockLinks(Entry);

    if (Entry->BlockSize == 1)
        return;
    if (!RtlIsListEntryLinked(links))
        KeBugCheckEx(BAD_POOL_HEADER, EX_BAD_POOL_HEADER_LIST_LINKS, (uintptr_t)links,
                     (uintptr_t)links->Flink->Blink, (uintptr_t)links->Blink->Flink);
    RemoveEntryList(links);
}

/* Make Entry a free block of Units (not listed yet) whose neighbours know its size. */
static void ExpSetFreeBlock(POOL_DESCRIPTOR *PoolDesc, POOL_HEADER *Entry, uint32_t Units)
{
    POOL_HEADER *next = POOL_BLOCK_AT(Entry, Units);

    Entry->BlockSize = Units;
    Entry->PoolType = 0;
    Entry->PoolIndex = PoolDesc->PoolIndex;
    if (!PAGE_END(next))
        next->PreviousSize = Units;
}

/*
 * Carve Units out of the free block Entry, already off its list: the front when Entry
 * starts its page, otherwise the tail, so a partly used page fills from both ends. The rest
 * goes back on a list. Returns the block to hand out; pool lock held.
 */
static POOL_HEADER *ExpSplitFreeBlock(POOL_DESCRIPTOR *PoolDesc, POOL_HEADER *Entry,
                                      uint32_t Units)
{
    uint32_t remaining = Entry->BlockSize - Units;
    POOL_HEADER *block, *rest;

    if (remaining == 0)
        return Entry;
    if (Entry->PreviousSize == 0) {
        block = Entry;
        block->BlockSize = Units;
        rest = POOL_BLOCK_AT(block, Units);
        rest->PreviousSize = Units;
        rest->PoolTag = 0;
        ExpSetFreeBlock(PoolDesc, rest, remaining);
    } else {
        rest = Entry;
        ExpSetFreeBlock(PoolDesc, rest, remaining);
        block = POOL_BLOCK_AT(rest, remaining);
        block->BlockSize = Units;
        if (!PAGE_END(POOL_NEXT_BLOCK(block)))
            POOL_NEXT_BLOCK(block)->PreviousSize = Units;
    }
    ExpInsertFreeBlock(PoolDesc, rest);
    return block;
}

/* Units from the smallest free block that holds them, or NULL; pool lock held. */
static POOL_HEADER *ExpTakeFreeBlock(POOL_DESCRIPTOR *PoolDesc, uint32_t Units)
{
    for (uint32_t size = Units; size < POOL_PAGE_UNITS; size++) {
        LIST_ENTRY *head = &PoolDesc->ListHeads[size - 1];
        POOL_HEADER *entry;

        if (IsListEmpty(head))
            continue;
        entry = (POOL_HEADER *)head->Flink - 1;
        ExpRemoveFreeBlock(entry);
        return ExpSplitFreeBlock(PoolDesc, entry, Units);
    }
    return NULL;
}

/* A fresh page becomes one free block, of which Units are handed out; pool lock held. */
static POOL_HEADER *ExpCarvePoolPage(POOL_DESCRIPTOR *PoolDesc, POOL_HEADER *Page,
                                     uint32_t Units)
{
    POOL_HEADER *rest = POOL_BLOCK_AT(Page, Units);

    PoolDesc->TotalPages++;
    Page->PreviousSize = 0;
    Page->BlockSize = Units;
    rest->PreviousSize = Units;
    rest->PoolTag = 0;
    ExpSetFreeBlock(PoolDesc, rest, POOL_PAGE_UNITS - Units);
    ExpInsertFreeBlock(PoolDesc, rest);
    return Page;
}

static void *ExpAllocateSmallBlock(POOL_DESCRIPTOR *PoolDesc, size_t NumberOfBytes,
                                   uint32_t Tag)
{
    uint32_t units = POOL_UNITS_FOR_BYTES(NumberOfBytes);
    KIRQL oldIrql = ExpLockPool(PoolDesc);
    POOL_HEADER *entry = ExpTakeFreeBlock(PoolDesc, units);

    if (!entry) {
        void *page;

        ExpUnlockPool(PoolDesc, oldIrql);
        page = MiAllocatePoolPages(PoolDesc->PoolType, PAGE_SIZE);
        if (!page)
            return NULL;
        oldIrql = ExpLockPool(PoolDesc);
        entry = ExpCarvePoolPage(PoolDesc, page, units);
    }
    entry->PoolType = PoolDesc->PoolType + 1;
    entry->PoolIndex = PoolDesc->PoolIndex;
    entry->PoolTag = Tag;
    PoolDesc->RunningAllocs++;
    PoolDesc->TotalBytes += units << POOL_BLOCK_SHIFT;
    ExpUnlockPool(PoolDesc, oldIrql);
    ExpInsertPoolTracker(Tag, units << POOL_BLOCK_SHIFT, PoolDesc->PoolType);
    return entry + 1;
}

/* Whole pages, recorded with their tag; NULL when there is no room for them or their record. */
static void *ExpAllocateBigPool(POOL_DESCRIPTOR *PoolDesc, size_t NumberOfBytes, uint32_t Tag)
{
    uint32_t pages = BYTES_TO_PAGES(NumberOfBytes);
    void *va;
    KIRQL oldIrql;

    if (NumberOfBytes > SIZE_MAX - (PAGE_SIZE - 1))
        return NULL;                    /* no such run of pages, and the page count would wrap */
    va = MiAllocatePoolPages(PoolDesc->PoolType, NumberOfBytes);
    if (!va)
        return NULL;
    if (!ExpAddTagForBigPages(va, Tag, pages)) {
        MiFreePoolPages(va);
        return NULL;
    }
    oldIrql = ExpLockPool(PoolDesc);
    PoolDesc->RunningAllocs++;
    PoolDesc->TotalBigPages += pages;
    PoolDesc->TotalBytes += pages << PAGE_SHIFT;
    ExpUnlockPool(PoolDesc, oldIrql);
    ExpInsertPoolTracker(Tag, pages << PAGE_SHIFT, PoolDesc->PoolType);
    return va;
}

void *ExAllocatePoolWithTag(POOL_TYPE PoolType, size_t NumberOfBytes, uint32_t Tag)
{
    POOL_TYPE baseType = PoolType & BASE_POOL_TYPE_MASK;
    KIRQL irql = KeGetCurrentIrql();

    if (NumberOfBytes == 0)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_ZERO_BYTES, 0, PoolType, Tag);
    if (PoolType & POOL_MUST_SUCCEED_MASK)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_MUST_SUCCEED, PoolType, NumberOfBytes,
                     Tag);
    if ((Tag & ~PROTECTED_POOL) == 0)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_ZERO_TAG, PoolType, NumberOfBytes,
                     (uintptr_t)__builtin_return_address(0));
    if (MmUseSpecialPool(NumberOfBytes, Tag)) {
        void *block = MmAllocateSpecialPool(NumberOfBytes, Tag, baseType);

        if (block)
            return block;
    }
    if (irql > ExpMaximumIrql(baseType))
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_ALLOCATE_IRQL, irql, PoolType,
                     NumberOfBytes);
    if (NumberOfBytes > POOL_BUDDY_MAX)
        return ExpAllocateBigPool(PoolVector[baseType], NumberOfBytes, Tag);
    return ExpAllocateSmallBlock(PoolVector[baseType], NumberOfBytes, Tag);
}

void *ExAllocatePool(POOL_TYPE PoolType, size_t NumberOfBytes)
{
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, EX_NONE_TAG);
}

/*
 * The walk NT's CHECK_POOL_PAGE makes: from the page's first block, each header's
 * PreviousSize must match the block before, and the chain must arrive at Entry.
 */
static void ExpCheckPoolPage(POOL_HEADER *Entry)
{
    POOL_HEADER *block = PAGE_ALIGN(Entry), *previous = NULL;

    while (block < Entry) {
        if (block->BlockSize == 0)
            ExpBadPoolHeader(EX_BAD_POOL_HEADER_ZERO_SIZE, NULL, block);
        if (previous && block->PreviousSize != previous->BlockSize)
            ExpBadPoolHeader(EX_BAD_POOL_HEADER_NEIGHBOURS, previous, block);
        previous = block;
        block = POOL_NEXT_BLOCK(block);
    }
    if (block != Entry)
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_NOT_IN_PAGE, Entry, PAGE_ALIGN(Entry));
}

/*
 * NT's ExCheckPoolHeader for a block about to be freed: its sizes must fit in its page, its
 * neighbours must agree with it, and the page's chain must reach it. BAD_POOL_HEADER if not.
 */
static void ExpCheckPoolHeader(POOL_HEADER *Entry)
{
    uint32_t offset = BYTE_OFFSET(Entry);
    POOL_HEADER *next = POOL_NEXT_BLOCK(Entry);

    if (Entry->BlockSize == 0)
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_ZERO_SIZE, NULL, Entry);
    if (Entry->PreviousSize == 0 && offset != 0)
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_NOT_PAGE_START, NULL, Entry);
    if ((uint32_t)Entry->PreviousSize << POOL_BLOCK_SHIFT > offset)
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_PREVIOUS_SIZE, POOL_PREV_BLOCK(Entry), Entry);
    if (offset + ((uint32_t)Entry->BlockSize << POOL_BLOCK_SHIFT) > PAGE_SIZE)
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_BLOCK_SIZE, next, Entry);
    if (Entry->PreviousSize != 0 &&
        (POOL_PREV_BLOCK(Entry)->BlockSize != Entry->PreviousSize ||
         POOL_PREV_BLOCK(Entry)->PoolIndex != Entry->PoolIndex))
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_NEIGHBOURS, POOL_PREV_BLOCK(Entry), Entry);
    if (!PAGE_END(next) &&
        (next->PreviousSize != Entry->BlockSize || next->PoolIndex != Entry->PoolIndex))
        ExpBadPoolHeader(EX_BAD_POOL_HEADER_NEIGHBOURS, Entry, next);
    ExpCheckPoolPage(Entry);
}

/* Protected pool can only be freed with its own tag (BAD_POOL_CALLER 0xA). */
static void ExpCheckFreeTag(void *P, uint32_t BlockTag, uint32_t Tag)
{
    if (((BlockTag | Tag) & PROTECTED_POOL) && BlockTag != Tag)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_WRONG_TAG, (uintptr_t)P, BlockTag, Tag);
}

/*
 * Merge the newly freed Entry with free neighbours. Returns the page when all of it is now
 * free, for the caller to give back; otherwise lists the merged block and returns NULL.
 * Pool lock held.
 */
static void *ExpCoalesceFreeBlock(POOL_DESCRIPTOR *PoolDesc, POOL_HEADER *Entry)
{
    POOL_HEADER *next = POOL_NEXT_BLOCK(Entry);
    uint32_t units = Entry->BlockSize;

    if (!PAGE_END(next) && next->PoolType == 0) {
        ExpRemoveFreeBlock(next);
        units += next->BlockSize;
    }
    if (Entry->PreviousSize != 0 && POOL_PREV_BLOCK(Entry)->PoolType == 0) {
        Entry = POOL_PREV_BLOCK(Entry);
        ExpRemoveFreeBlock(Entry);
        units += Entry->BlockSize;
    }
    if (units == POOL_PAGE_UNITS) {
        PoolDesc->TotalPages--;
        return Entry;
    }
    ExpSetFreeBlock(PoolDesc, Entry, units);
    ExpInsertFreeBlock(PoolDesc, Entry);
    return NULL;
}

static void ExpFreeSmallBlock(POOL_DESCRIPTOR *PoolDesc, void *P, uint32_t Tag)
{
    POOL_HEADER *entry = (POOL_HEADER *)P - 1;
    KIRQL oldIrql = ExpLockPool(PoolDesc);
    uint32_t bytes, blockTag;
    void *emptyPage;

    if (!MiIsPoolPageAllocated(P))
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_ALREADY_FREE, 0,
                     MmIsAddressValid(entry) ? entry->Ulong1 : 0, (uintptr_t)P);
    if (entry->PoolType == 0)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_ALREADY_FREE, 0, entry->Ulong1,
                     (uintptr_t)P);
    if (((entry->PoolType - 1) & BASE_POOL_TYPE_MASK) != PoolDesc->PoolType)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_HEADER_TYPE, (uintptr_t)entry,
                     entry->Ulong1, 0);
    ExpCheckPoolHeader(entry);
    ExpCheckFreeTag(P, entry->PoolTag, Tag);

    blockTag = entry->PoolTag;
    bytes = (uint32_t)entry->BlockSize << POOL_BLOCK_SHIFT;
    PoolDesc->RunningDeAllocs++;
    PoolDesc->TotalBytes -= bytes;
    entry->PoolType = 0;
    emptyPage = ExpCoalesceFreeBlock(PoolDesc, entry);
    ExpUnlockPool(PoolDesc, oldIrql);

    ExpRemovePoolTracker(blockTag, bytes, PoolDesc->PoolType);
    if (emptyPage)
        MiFreePoolPages(emptyPage);
}

/* A page-aligned address is a big allocation or nothing (BAD_POOL_CALLER 0x99). */
static void ExpFreeBigPool(POOL_DESCRIPTOR *PoolDesc, void *P, uint32_t Tag)
{
    uint32_t blockTag, pages;
    KIRQL oldIrql;

    if (!ExpFindAndRemoveTagBigPages(P, &blockTag, &pages))
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_BAD_ADDRESS, (uintptr_t)P, 0, 0);
    ExpCheckFreeTag(P, blockTag, Tag);
    MiFreePoolPages(P);
    oldIrql = ExpLockPool(PoolDesc);
    PoolDesc->RunningDeAllocs++;
    PoolDesc->TotalBigPages -= pages;
    PoolDesc->TotalBytes -= pages << PAGE_SHIFT;
    ExpUnlockPool(PoolDesc, oldIrql);
    ExpRemovePoolTracker(blockTag, pages << PAGE_SHIFT, PoolDesc->PoolType);
}

/*
 * Free what ExAllocatePoolWithTag returned. An address in no pool is BAD_POOL_CALLER 0x40
 * (user space) or 0x42; a bad IRQL for its pool, 9.
 */
void ExFreePoolWithTag(void *P, uint32_t Tag)
{
    uintptr_t va = (uintptr_t)P;
    KIRQL irql = KeGetCurrentIrql();
    POOL_TYPE poolType;

    if (MmIsSpecialPoolAddress(P)) {
        MmFreeSpecialPool(P);
        return;
    }
    if (va < MmSystemRangeStart)
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_USER_ADDRESS, va, MmSystemRangeStart, 0);
    poolType = MmDeterminePoolType(P);
    if (poolType == MaxPoolType)
        KeBugCheckEx(BAD_POOL_CALLER, MI_BAD_POOL_CALLER_NOT_POOL, va, 0, 0);
    if (irql > ExpMaximumIrql(poolType))
        KeBugCheckEx(BAD_POOL_CALLER, EX_BAD_POOL_CALLER_FREE_IRQL, irql, poolType, va);
    if (BYTE_OFFSET(va) == 0)
        ExpFreeBigPool(PoolVector[poolType], P, Tag);
    else
        ExpFreeSmallBlock(PoolVector[poolType], P, Tag);
}

void ExFreePool(void *P)
{
    ExFreePoolWithTag(P, 0);
}
