/*
 * kernel/kd/kdpool.c: the kd> pool commands, in WinDbg's manner.
 *
 *   kd> !pool e1000fc8                 the pool page holding an address, block by block
 *   Pool page e1000fc8 region is Paged pool
 *    e1000000 size:   20 previous size:    0  (Allocated)  Tst1
 *    e1000020 size:  fa0 previous size:   20  (Free)       ....
 *   *e1000fc0 size:   40 previous size:  fa0  (Allocated) *Tst2
 *
 * Sizes are bytes, in hex; `*` marks the block holding the address. A big allocation (whole
 * pages, no header) is found in PoolBigPageTable and special pool says what its page holds.
 * !poolused lists the tag tracker: allocations, frees and bytes in use per tag in each pool.
 * poolalloc and poolfree call ExAllocatePoolWithTag and ExFreePool from the prompt, so there
 * is something to look at; the last address poolalloc returned is in KdLastPoolAllocation:
 *
 *   kd> poolalloc paged 38 Tst2
 *   kd> !pool poi(KdLastPoolAllocation)
 *
 * Headers are read through KeProbeRead32, so an address that is not mapped prints an error
 * instead of faulting.
 */
#include "kernel/kd/kd.h"
#include "kernel/kd/kd.h"
#include "mm/pool.h"

void *KdLastPoolAllocation;

/* A tag as WinDbg prints it: four characters, the unprintable ones as dots. */
void KdFormatTag(uint32_t Tag, char Text[KD_TAG_LENGTH + 1])
{
    for (int i = 0; i < KD_TAG_LENGTH; i++) {
        char c = (char)(Tag >> (8 * i));

        Text[i] = c >= ' ' && c <= '~' ? c : '.';
    }
    Text[KD_TAG_LENGTH] = '\0';
}

bool KdReadPoolHeader(uintptr_t Va, POOL_HEADER *Header)
{
    return NT_SUCCESS(KeProbeRead32((const void *)Va, &Header->Ulong1)) &&
           NT_SUCCESS(KeProbeRead32((const void *)(Va + 4), &Header->PoolTag));
}

/* The big allocation holding Address, read from PoolBigPageTable as WinDbg does; or NULL. */
const POOL_TRACKER_BIG_PAGES *KdFindBigPage(uintptr_t Address)
{
    for (uint32_t i = 0; i < PoolBigPageTableSize; i++) {
        const POOL_TRACKER_BIG_PAGES *entry = &PoolBigPageTable[i];
        uintptr_t va = (uintptr_t)entry->Va;

        if (va && Address >= va && Address - va < entry->NumberOfPages * PAGE_SIZE)
            return entry;
    }
    return NULL;
}

/* Walk the blocks of the pool page holding Address, until a header that cannot be right. */
static void KdDumpPoolPage(uintptr_t Address)
{
    uintptr_t page = (uintptr_t)PAGE_ALIGN(Address);
    uint32_t previousSize = 0;

    for (uintptr_t va = page; va < page + PAGE_SIZE;) {
        POOL_HEADER header;
        uint32_t size;
        bool holds;
        char tag[KD_TAG_LENGTH + 1];

        if (!KdReadPoolHeader(va, &header)) {
            DbgPrint("%08x: the pool header cannot be read (not mapped)\n", va);
            return;
        }
        size = (uint32_t)header.BlockSize << POOL_BLOCK_SHIFT;
        if (size == 0 || va + size > page + PAGE_SIZE) {
            DbgPrint("%08x: bad pool header %08x %08x: its size leaves the page\n", va,
                     header.Ulong1, header.PoolTag);
            return;
        }
        holds = Address >= va && Address < va + size;
        KdFormatTag(header.PoolTag, tag);
        DbgPrint("%c%08x size: %4x previous size: %4x  %-12s%c%s\n", holds ? '*' : ' ', va,
                 size, (uint32_t)header.PreviousSize << POOL_BLOCK_SHIFT,
                 header.PoolType ? "(Allocated)" : "(Free)", holds ? '*' : ' ', tag);
        if (header.PreviousSize != previousSize)
            DbgPrint("%08x: previous size should be %x\n", va, previousSize << POOL_BLOCK_SHIFT);
        previousSize = header.BlockSize;
        va += size;
    }
}

/* The special pool allocation whose data or guard page holds Address. */
static void KdDumpSpecialPool(uintptr_t Address)
{
    uintptr_t page = MiSpecialPoolDataPage(Address);
    POOL_HEADER header;
    uint32_t bytes;
    char tag[KD_TAG_LENGTH + 1];

    if (!KdReadPoolHeader(page, &header)) {
        DbgPrint("*%08x: freed special pool (the page is gone, its PTE no-access)\n", page);
        return;
    }
    bytes = header.Ulong1 & MI_SPECIAL_POOL_SIZE_MASK;
    KdFormatTag(header.PoolTag, tag);
    DbgPrint("*%08x size: %4x  (Allocated) *%s  special pool, %s, guard page %08x\n",
             page + PAGE_SIZE - bytes, bytes, tag,
             (header.Ulong1 & MI_SPECIAL_POOL_PAGEABLE) ? "paged" : "nonpaged", page + PAGE_SIZE);
}

/* !pool address */
void KdCommandPool(int Argc, char **Argv)
{
    const POOL_TRACKER_BIG_PAGES *big;
    uint32_t address;
    POOL_TYPE type;
    char tag[KD_TAG_LENGTH + 1];

    if (Argc != 2) {
        DbgPrint("usage: !pool <address>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &address))
        return;
    if (MmIsSpecialPoolAddress((void *)(uintptr_t)address)) {
        DbgPrint("Pool page %08x region is Special pool\n", address);
        KdDumpSpecialPool(address);
        return;
    }
    type = MmDeterminePoolType((void *)(uintptr_t)address);
    if (type == MaxPoolType) {
        DbgPrint("Pool page %08x region is Unknown: not a pool address\n", address);
        return;
    }
    DbgPrint("Pool page %08x region is %s pool\n", address,
             type == PagedPool ? "Paged" : "Nonpaged");
    big = KdFindBigPage(address);
    if (!big) {
        KdDumpPoolPage(address);
        return;
    }
    KdFormatTag(big->Key, tag);
    DbgPrint("*%08x : large page allocation, Tag is %s, size is 0x%x bytes\n",
             (uint32_t)(uintptr_t)big->Va, tag, big->NumberOfPages * PAGE_SIZE);
}

/* Tags sort as their characters read, first character first. */
static uint32_t KdTagOrder(uint32_t Tag)
{
    return __builtin_bswap32(Tag);
}

/* The used tracker entry after Previous in tag order, or NULL. */
static const POOL_TRACKER_TABLE *KdNextTracker(const POOL_TRACKER_TABLE *Previous)
{
    const POOL_TRACKER_TABLE *next = NULL;

    for (uint32_t i = 0; i < POOL_TRACK_TABLE_SIZE; i++) {
        const POOL_TRACKER_TABLE *entry = &PoolTrackTable[i];

        if (entry->NonPagedAllocs + entry->PagedAllocs == 0 ||
            (Previous && KdTagOrder(entry->Key) <= KdTagOrder(Previous->Key)))
            continue;
        if (!next || KdTagOrder(entry->Key) < KdTagOrder(next->Key))
            next = entry;
    }
    return next;
}

/* !poolused */
void KdCommandPoolUsed(int Argc, char **Argv)
{
    (void)Argc;
    (void)Argv;
    DbgPrint(" Sorting by Tag\n\n");
    DbgPrint("              NonPaged                          Paged\n");
    DbgPrint(" Tag      Allocs     Frees      Used      Allocs     Frees      Used\n");
    for (const POOL_TRACKER_TABLE *t = KdNextTracker(NULL); t; t = KdNextTracker(t)) {
        char tag[KD_TAG_LENGTH + 1];

        KdFormatTag(t->Key, tag);
        DbgPrint(" %s %9u %9u %9u   %9u %9u %9u\n", tag, t->NonPagedAllocs, t->NonPagedFrees,
                 t->NonPagedBytes, t->PagedAllocs, t->PagedFrees, t->PagedBytes);
    }
}

/* poolalloc paged|nonpaged <bytes> <tag> */
void KdCommandPoolAlloc(int Argc, char **Argv)
{
    POOL_TYPE type = MaxPoolType;
    uint32_t bytes, tag;

    if (Argc == 4 && strcmp(Argv[1], "paged") == 0)
        type = PagedPool;
    else if (Argc == 4 && strcmp(Argv[1], "nonpaged") == 0)
        type = NonPagedPool;
    if (type == MaxPoolType || strlen(Argv[3]) != KD_TAG_LENGTH) {
        DbgPrint("usage: poolalloc paged|nonpaged <bytes> <4-character tag>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[2], &bytes))
        return;
    tag = POOL_TAG(Argv[3][0], Argv[3][1], Argv[3][2], Argv[3][3]);
    KdLastPoolAllocation = ExAllocatePoolWithTag(type, bytes, tag);
    DbgPrint("ExAllocatePoolWithTag(%s, 0x%x, '%s') = %08x\n",
             type == PagedPool ? "PagedPool" : "NonPagedPool", bytes, Argv[3],
             (uint32_t)(uintptr_t)KdLastPoolAllocation);
}

/* poolfree <address> */
void KdCommandPoolFree(int Argc, char **Argv)
{
    uint32_t address;

    if (Argc != 2) {
        DbgPrint("usage: poolfree <address>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &address))
        return;
    ExFreePool((void *)(uintptr_t)address);
    DbgPrint("ExFreePool(%08x)\n", address);
}
