/*
 * tests/host/fakemm.c: what the executive pool calls below it, faked for the host tests (see
 * fakemm.h): the page supply, the pool-type lookup, the IRQL and fast mutexes, and special
 * pool (off).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include "tests/host/fakemm.h"

ARENA Arenas[PagedPool + 1];
uint32_t FailRequestsOfPages;
uint32_t PagesInUse;

uintptr_t MmSystemRangeStart;

void ResetArenas(void)
{
    for (int p = NonPagedPool; p <= PagedPool; p++) {
        ARENA *a = &Arenas[p];

        if (!a->Base)
            a->Base = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
        ASAN_POISON_MEMORY_REGION(a->Base, ARENA_PAGES * PAGE_SIZE);
        memset(a->RunPages, 0, sizeof(a->RunPages));
        memset(a->InUse, 0, sizeof(a->InUse));
    }
    PagesInUse = 0;
    FailRequestsOfPages = 0;
}

static ARENA *ArenaOf(const void *Va, uint32_t *Page)
{
    for (int p = NonPagedPool; p <= PagedPool; p++) {
        uintptr_t base = (uintptr_t)Arenas[p].Base;

        if ((uintptr_t)Va >= base && (uintptr_t)Va < base + ARENA_PAGES * PAGE_SIZE) {
            *Page = (uint32_t)(((uintptr_t)Va - base) >> PAGE_SHIFT);
            return &Arenas[p];
        }
    }
    return NULL;
}

POOL_TYPE MmDeterminePoolType(const void *VirtualAddress)
{
    uint32_t page;
    ARENA *a = ArenaOf(VirtualAddress, &page);

    return a ? (POOL_TYPE)(a - Arenas) : MaxPoolType;
}

/* Paged pool pages arrive zeroed (demand zero), nonpaged ones with stale bytes. */
void *MiAllocatePoolPages(POOL_TYPE PoolType, size_t SizeInBytes)
{
    ARENA *a = &Arenas[PoolType & BASE_POOL_TYPE_MASK];
    uint32_t pages = BYTES_TO_PAGES(SizeInBytes);

    if (pages == 0 || pages > ARENA_PAGES || (FailRequestsOfPages && pages >= FailRequestsOfPages))
        return NULL;
    for (uint32_t start = 0; start + pages <= ARENA_PAGES; start++) {
        uint32_t i = 0;
        uint8_t *va = a->Base + (size_t)start * PAGE_SIZE;

        while (i < pages && !a->InUse[start + i])
            i++;
        if (i < pages) {
            start += i;
            continue;
        }
        memset(&a->InUse[start], 1, pages);
        a->RunPages[start] = pages;
        PagesInUse += pages;
        ASAN_UNPOISON_MEMORY_REGION(va, (size_t)pages * PAGE_SIZE);
        memset(va, (PoolType & BASE_POOL_TYPE_MASK) == PagedPool ? 0 : 0xCC,
               (size_t)pages * PAGE_SIZE);
        return va;
    }
    return NULL;
}

uint32_t MiFreePoolPages(void *StartingAddress)
{
    uint32_t page, pages;
    ARENA *a = ArenaOf(StartingAddress, &page);

    if (!a || BYTE_OFFSET(StartingAddress) || !a->RunPages[page]) {
        printf("# MiFreePoolPages(%p): not an allocation\n", StartingAddress);
        abort();
    }
    pages = a->RunPages[page];
    a->RunPages[page] = 0;
    memset(&a->InUse[page], 0, pages);
    PagesInUse -= pages;
    memset(StartingAddress, 0xDD, (size_t)pages * PAGE_SIZE);
    ASAN_POISON_MEMORY_REGION(StartingAddress, (size_t)pages * PAGE_SIZE);
    return pages;
}

bool MiIsPoolPageAllocated(const void *VirtualAddress)
{
    uint32_t page;
    ARENA *a = ArenaOf(VirtualAddress, &page);

    return a && a->RunPages[page] != 0;
}

/* A freed page is poisoned: as good as unmapped. */
bool MmIsAddressValid(const void *VirtualAddress)
{
    uint32_t page;
    ARENA *a = ArenaOf(VirtualAddress, &page);

    return a && a->InUse[page];
}

/* The IRQL, which fast mutexes raise to APC_LEVEL; taking a held one, or freeing a free one,
 * ends the run. (Spin locks are kestubs.c's.) */
KIRQL FakeIrql;

KIRQL KeGetCurrentIrql(void)
{
    return FakeIrql;
}

void KeInitializeSpinLock(KSPIN_LOCK *SpinLock)
{
    *SpinLock = 0;
}

void ExInitializeFastMutex(FAST_MUTEX *FastMutex)
{
    FastMutex->Count = 1;
}

void ExAcquireFastMutex(FAST_MUTEX *FastMutex)
{
    if (FastMutex->Count != 1 || FakeIrql > APC_LEVEL)
        abort();
    FastMutex->Count = 0;
    FastMutex->OldIrql = FakeIrql;
    FakeIrql = APC_LEVEL;
}

void ExReleaseFastMutex(FAST_MUTEX *FastMutex)
{
    if (FastMutex->Count != 0)
        abort();
    FastMutex->Count = 1;
    FakeIrql = FastMutex->OldIrql;
}

/* Special pool is off in these tests. */
bool MmUseSpecialPool(size_t NumberOfBytes, uint32_t Tag)
{
    (void)NumberOfBytes;
    (void)Tag;
    return false;
}

void *MmAllocateSpecialPool(size_t NumberOfBytes, uint32_t Tag, POOL_TYPE PoolType)
{
    (void)NumberOfBytes;
    (void)Tag;
    (void)PoolType;
    abort();
}

bool MmIsSpecialPoolAddress(const void *VirtualAddress)
{
    (void)VirtualAddress;
    return false;
}

void MmFreeSpecialPool(void *P)
{
    (void)P;
    abort();
}
