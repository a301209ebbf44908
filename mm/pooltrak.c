/*
 * mm/pooltrak.c: the executive pool's two tables, NT's PoolTrackTable and PoolBigPageTable,
 * both in nonpaged memory under spin locks so either pool can use them at any IRQL it
 * allows.
 *
 * PoolTrackTable counts allocations, frees and bytes per tag and pool. It is open addressing
 * on a hash of the tag; a tag is never removed, and when the table is full the last entry
 * (tagged 'Ovfl') takes the counts of every new tag, as NT's overflow entry does.
 *
 *   [hash(tag)] -> { Key 'Tst1', NonPagedAllocs 3, NonPagedFrees 1, NonPagedBytes 0x40, ... }
 *
 * PoolBigPageTable records each allocation of whole pages: its address, tag and length, which
 * a header would hold for a small block. Open addressing on the page number, with linear
 * probing; a removal moves later entries of the same run back into the hole, so a search can
 * stop at the first empty slot. It starts in the image and doubles into nonpaged pool pages
 * when half full.
 */
#include "mm/pool.h"

POOL_TRACKER_TABLE PoolTrackTable[POOL_TRACK_TABLE_SIZE];
static KSPIN_LOCK ExpTaggedPoolLock;

static POOL_TRACKER_BIG_PAGES ExpInitialBigPageTable[POOL_BIG_TABLE_INITIAL_SIZE];
POOL_TRACKER_BIG_PAGES *PoolBigPageTable;
uint32_t PoolBigPageTableSize;          /* entries, a power of two */
static uint32_t ExpBigPagesInUse;
static KSPIN_LOCK ExpLargePoolTableLock;

#define EXP_HASH_MULTIPLIER     0x9E3779B1u     /* 2^32 / golden ratio: spreads close keys */

void ExpInitializePoolTracking(void)
{
    KeInitializeSpinLock(&ExpTaggedPoolLock);
    KeInitializeSpinLock(&ExpLargePoolTableLock);
    RtlZeroMemory(PoolTrackTable, sizeof(PoolTrackTable));
    PoolTrackTable[POOL_TRACK_TABLE_SIZE - 1].Key = POOL_TRACK_OVERFLOW_TAG;
    RtlZeroMemory(ExpInitialBigPageTable, sizeof(ExpInitialBigPageTable));
    PoolBigPageTable = ExpInitialBigPageTable;
    PoolBigPageTableSize = POOL_BIG_TABLE_INITIAL_SIZE;
    ExpBigPagesInUse = 0;
}

/*
 * Key's entry, claimed if new; when the table is full, the overflow entry ('Ovfl', which
 * that tag also names). NULL if absent and Create is false. Tracker lock held.
 */
static POOL_TRACKER_TABLE *ExpFindTracker(uint32_t Key, bool Create)
{
    const uint32_t slots = POOL_TRACK_TABLE_SIZE - 1;
    uint32_t hash = Key * EXP_HASH_MULTIPLIER;

    if (Key == POOL_TRACK_OVERFLOW_TAG)
        return &PoolTrackTable[slots];
    for (uint32_t i = 0; i < slots; i++) {
        POOL_TRACKER_TABLE *entry = &PoolTrackTable[(hash + i) % slots];

        if (entry->Key == Key)
            return entry;
        if (entry->Key == 0) {
            if (!Create)
                return NULL;
            entry->Key = Key;
            return entry;
        }
    }
    return Create ? &PoolTrackTable[slots] : NULL;
}

/* A block of NumberOfBytes was allocated under Tag in PoolType's pool. */
void ExpInsertPoolTracker(uint32_t Key, uint32_t NumberOfBytes, POOL_TYPE PoolType)
{
    POOL_TRACKER_TABLE *entry;
    KIRQL oldIrql;

    KeAcquireSpinLock(&ExpTaggedPoolLock, &oldIrql);
    entry = ExpFindTracker(Key & ~PROTECTED_POOL, true);
    if (PoolType == PagedPool) {
        entry->PagedAllocs++;
        entry->PagedBytes += NumberOfBytes;
    } else {
        entry->NonPagedAllocs++;
        entry->NonPagedBytes += NumberOfBytes;
    }
    KeReleaseSpinLock(&ExpTaggedPoolLock, oldIrql);
}

/* The block ExpInsertPoolTracker counted was freed (from the overflow entry if it went there). */
void ExpRemovePoolTracker(uint32_t Key, uint32_t NumberOfBytes, POOL_TYPE PoolType)
{
    POOL_TRACKER_TABLE *entry;
    KIRQL oldIrql;

    KeAcquireSpinLock(&ExpTaggedPoolLock, &oldIrql);
    entry = ExpFindTracker(Key & ~PROTECTED_POOL, true);
    if (PoolType == PagedPool) {
        entry->PagedFrees++;
        entry->PagedBytes -= NumberOfBytes;
    } else {
        entry->NonPagedFrees++;
        entry->NonPagedBytes -= NumberOfBytes;
    }
    KeReleaseSpinLock(&ExpTaggedPoolLock, oldIrql);
}

/* A copy of Key's counts, or false when nothing was ever allocated under it. */
bool ExpQueryPoolTracker(uint32_t Key, POOL_TRACKER_TABLE *Entry)
{
    POOL_TRACKER_TABLE *entry;
    KIRQL oldIrql;

    KeAcquireSpinLock(&ExpTaggedPoolLock, &oldIrql);
    entry = ExpFindTracker(Key & ~PROTECTED_POOL, false);
    if (entry)
        *Entry = *entry;
    KeReleaseSpinLock(&ExpTaggedPoolLock, oldIrql);
    return entry != NULL;
}

/* NT's ExGetPoolTagInfo: the tracker's entries in table order, the overflow entry among
 * them once something went there. */
uint32_t ExGetPoolTagInfo(SYSTEM_POOLTAG *Tags, uint32_t Count)
{
    uint32_t total = 0;
    KIRQL oldIrql;

    KeAcquireSpinLock(&ExpTaggedPoolLock, &oldIrql);
    for (uint32_t i = 0; i < POOL_TRACK_TABLE_SIZE; i++) {
        const POOL_TRACKER_TABLE *entry = &PoolTrackTable[i];

        if (entry->Key == 0 || (entry->PagedAllocs == 0 && entry->NonPagedAllocs == 0))
            continue;
        if (total < Count)
            Tags[total] = (SYSTEM_POOLTAG){
                .TagUlong = entry->Key,
                .PagedAllocs = entry->PagedAllocs, .PagedFrees = entry->PagedFrees,
                .PagedUsed = entry->PagedBytes,
                .NonPagedAllocs = entry->NonPagedAllocs, .NonPagedFrees = entry->NonPagedFrees,
                .NonPagedUsed = entry->NonPagedBytes,
            };
        total++;
    }
    KeReleaseSpinLock(&ExpTaggedPoolLock, oldIrql);
    return total;
}

static uint32_t ExpBigPageHome(const void *Va)
{
    return ((uintptr_t)Va >> PAGE_SHIFT) & (PoolBigPageTableSize - 1);
}

static uint32_t ExpBigPageNext(uint32_t Slot)
{
    return (Slot + 1) & (PoolBigPageTableSize - 1);
}

/* Va's slot, or the empty slot where it would go. Big-page lock held. */
static POOL_TRACKER_BIG_PAGES *ExpBigPageSlot(const void *Va)
{
    uint32_t slot = ExpBigPageHome(Va);

    while (PoolBigPageTable[slot].Va && PoolBigPageTable[slot].Va != Va)
        slot = ExpBigPageNext(slot);
    return &PoolBigPageTable[slot];
}

/* Double the table into nonpaged pool pages; without pages it stays as it is. Lock held. */
static void ExpExpandBigPageTable(void)
{
    POOL_TRACKER_BIG_PAGES *old = PoolBigPageTable;
    uint32_t oldSize = PoolBigPageTableSize;
    uint32_t bytes = 2 * oldSize * sizeof(POOL_TRACKER_BIG_PAGES);
    POOL_TRACKER_BIG_PAGES *table = MiAllocatePoolPages(NonPagedPool, bytes);

    if (!table)
        return;
    RtlZeroMemory(table, bytes);
    PoolBigPageTable = table;
    PoolBigPageTableSize = 2 * oldSize;
    for (uint32_t i = 0; i < oldSize; i++) {
        if (old[i].Va)
            *ExpBigPageSlot(old[i].Va) = old[i];
    }
    if (old != ExpInitialBigPageTable)
        MiFreePoolPages(old);
}

/* Record a big allocation; false only when the table is full and cannot grow. */
bool ExpAddTagForBigPages(void *Va, uint32_t Key, uint32_t NumberOfPages)
{
    KIRQL oldIrql;
    bool added = false;

    KeAcquireSpinLock(&ExpLargePoolTableLock, &oldIrql);
    if (2 * (ExpBigPagesInUse + 1) > PoolBigPageTableSize)
        ExpExpandBigPageTable();
    if (ExpBigPagesInUse + 1 < PoolBigPageTableSize) {
        *ExpBigPageSlot(Va) = (POOL_TRACKER_BIG_PAGES){ Va, Key, NumberOfPages };
        ExpBigPagesInUse++;
        added = true;
    }
    KeReleaseSpinLock(&ExpLargePoolTableLock, oldIrql);
    return added;
}

/*
 * Empty Hole, then move back each later entry of its run that a search starting at its home
 * slot would no longer reach (Knuth's deletion for linear probing). Lock held.
 */
static void ExpCloseBigPageHole(uint32_t Hole)
{
    for (uint32_t slot = ExpBigPageNext(Hole); PoolBigPageTable[slot].Va;
         slot = ExpBigPageNext(slot)) {
        uint32_t home = ExpBigPageHome(PoolBigPageTable[slot].Va);
        bool reachable = Hole <= slot ? (home > Hole && home <= slot)
                                      : (home > Hole || home <= slot);

        if (!reachable) {
            PoolBigPageTable[Hole] = PoolBigPageTable[slot];
            Hole = slot;
        }
    }
    PoolBigPageTable[Hole].Va = NULL;
}

/* Forget the big allocation at Va, returning its tag and length; false if there is none. */
bool ExpFindAndRemoveTagBigPages(void *Va, uint32_t *Key, uint32_t *NumberOfPages)
{
    POOL_TRACKER_BIG_PAGES *entry;
    KIRQL oldIrql;
    bool found;

    KeAcquireSpinLock(&ExpLargePoolTableLock, &oldIrql);
    entry = ExpBigPageSlot(Va);
    found = entry->Va != NULL;
    if (found) {
        *Key = entry->Key;
        *NumberOfPages = entry->NumberOfPages;
        ExpCloseBigPageHole((uint32_t)(entry - PoolBigPageTable));
        ExpBigPagesInUse--;
    }
    KeReleaseSpinLock(&ExpLargePoolTableLock, oldIrql);
    return found;
}
