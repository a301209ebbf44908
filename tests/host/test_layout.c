/*
 * tests/host/test_layout.c: MiComputeSystemLayout over memory sizes from 16 MB to 4 GB, in
 * the default layout and with user space at 2.5 GB and 3 GB: NT's fixed addresses, sizes
 * that follow NT's formulas, and regions that never overlap.
 */
#include <stdlib.h>
#include "tests/host/tap.h"
#include "mm/mi.h"

#define MB(n) ((uint32_t)(n) << 20)

typedef struct { uint32_t start, end; const char *name; } REGION;   /* end exclusive */

static int CompareRegions(const void *a, const void *b)
{
    const REGION *l = a, *r = b;
    return l->start < r->start ? -1 : l->start > r->start;
}

/* The regions must be disjoint, and inside system space. */
static int CheckDisjoint(REGION *regions, int count, const char *label)
{
    qsort(regions, count, sizeof(REGION), CompareRegions);
    for (int i = 1; i < count; i++) {
        if (regions[i].start < regions[i - 1].end) {
            printf("# %s: %s [%08x,%08x) overlaps %s [%08x,%08x)\n", label, regions[i].name,
                   regions[i].start, regions[i].end, regions[i - 1].name, regions[i - 1].start,
                   regions[i - 1].end);
            return 0;
        }
    }
    return 1;
}

static void CheckLayout(uint32_t ramMb, uint32_t increase, uint32_t *pagedPoolOut)
{
    MI_LAYOUT_INPUT in = {
        .PhysicalPages = MB(ramMb) / PAGE_SIZE - 100,
        .FreePages = MB(ramMb) / PAGE_SIZE - 400,
        .HighestPhysicalPage = MB(ramMb) / PAGE_SIZE - 1,
        .UserVaIncrease = increase,
        .ImageEnd = 0x80140000,
    };
    MI_SYSTEM_LAYOUT l;
    char label[64];
    int good;

    snprintf(label, sizeof(label), "%u MB, +%u MB user", ramMb, increase >> 20);
    MiComputeSystemLayout(&in, &l);

    good = l.HighestUserAddress == MM_KSEG0_BASE + increase - 0x10001 &&
           l.UserProbeAddress == MM_KSEG0_BASE + increase - 0x10000 &&
           l.SystemRangeStart == MM_KSEG0_BASE + increase;
    ok(good, "%s: user space ends at %08x", label, l.HighestUserAddress);

    ok(l.PfnDatabaseBytes >= (in.HighestPhysicalPage + 1) * 24 &&
       l.PfnDatabaseBytes % PAGE_SIZE == 0, "%s: PFN database of %u KB holds every page",
       label, l.PfnDatabaseBytes >> 10);
    ok(l.SizeOfNonPagedPool >= (ramMb <= 255 ? MB(2) : MB(2)) &&
       l.SizeOfNonPagedPool <= MB(128) && l.MaximumNonPagedPool >= l.SizeOfNonPagedPool &&
       l.MaximumNonPagedPool <= (increase ? MB(128) + MB(4) : MB(256)),
       "%s: nonpaged pool %u KB initial, %u KB maximum", label, l.SizeOfNonPagedPool >> 10,
       l.MaximumNonPagedPool >> 10);
    ok(l.NonPagedSystemStart >= MM_LOWEST_NONPAGED_SYSTEM_START &&
       l.NonPagedSystemStart % MM_VA_MAPPED_BY_PDE == 0 && l.NumberOfSystemPtes >= 3000,
       "%s: %u system PTEs from %08x", label, l.NumberOfSystemPtes, l.NonPagedSystemStart);
    ok(l.PagedPoolStart == MM_DEFAULT_PAGED_POOL_START && l.PagedPoolEnd + 1 == l.NonPagedSystemStart &&
       l.SizeOfPagedPool >= MB(160), "%s: paged pool %u MB", label, l.SizeOfPagedPool >> 20);
    *pagedPoolOut = l.SizeOfPagedPool;

    {
        REGION r[16];
        int n = 0;
        uint32_t expansionEnd = MM_NONPAGED_POOL_END;

        r[n++] = (REGION){ 0, l.SystemRangeStart, "user space" };
        r[n++] = (REGION){ increase ? 0xE0000000 : MM_KSEG0_BASE,
                           (increase ? 0xE0000000 : MM_KSEG0_BASE) + l.BootImageSize, "image" };
        r[n++] = (REGION){ l.PfnDatabase, l.PfnDatabase + l.PfnDatabaseBytes, "PFN database" };
        r[n++] = (REGION){ l.NonPagedPoolStart, l.NonPagedPoolStart + l.SizeOfNonPagedPool,
                           "initial nonpaged pool" };
        r[n++] = (REGION){ l.SessionBase, l.SessionSpaceEnd, "session space" };
        r[n++] = (REGION){ PTE_BASE, HYPER_SPACE_END + 1, "page tables and hyperspace" };
        r[n++] = (REGION){ MM_SYSTEM_CACHE_WORKING_SET, MM_SYSTEM_CACHE_START, "cache WSL" };
        r[n++] = (REGION){ MM_SYSTEM_CACHE_START, l.SystemCacheEnd + 1, "system cache" };
        r[n++] = (REGION){ l.PagedPoolStart, l.PagedPoolEnd + 1, "paged pool" };
        r[n++] = (REGION){ l.NonPagedSystemStart,
                           l.NonPagedSystemStart + (l.NumberOfSystemPtes + 1) * PAGE_SIZE,
                           "system PTEs" };
        r[n++] = (REGION){ l.NonPagedPoolExpansionStart, expansionEnd, "expansion pool" };
        r[n++] = (REGION){ MM_CRASH_DUMP_VA, 0xFFFFFFFF, "crash dump and HAL" };
        if (l.SystemViewStart)
            r[n++] = (REGION){ l.SystemViewStart, l.SystemViewStart + MB(16), "system views" };
        if (l.SystemCacheStartExtra)
            r[n++] = (REGION){ l.SystemCacheStartExtra, l.SystemCacheEndExtra + 1, "extra cache" };
        ok(CheckDisjoint(r, n, label), "%s: no two regions overlap", label);
    }

    if (increase) {
        ok(l.SystemCacheStartExtra == 0 && l.SystemCacheEndExtra == 0 &&
           l.SessionSpaceEnd == 0xDF000000 && l.PfnDatabase % MM_VA_MAPPED_BY_PDE == 0 &&
           l.PfnDatabase > l.NonPagedSystemStart,
           "%s: no extra cache, session below the image, PFN database at the top", label);
    } else {
        ok(l.PfnDatabase == MM_KSEG0_BASE + MB(4) && l.NonPagedPoolStart == l.PfnDatabase +
           l.PfnDatabaseBytes && l.SessionBase == 0xA0000000 && l.SystemCacheEnd == 0xE0FFFFFF,
           "%s: PFN database and initial pool after the image in KSEG0", label);
    }
}

int main(void)
{
    static const uint32_t sizes[] = { 16, 32, 64, 128, 255, 256, 512, 1024, 2048, 3072, 4095 };
    static const uint32_t increases[] = { 0, MB(512), MB(1024) };
    uint32_t paged;

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (size_t j = 0; j < 3; j++)
            CheckLayout(sizes[i], increases[j], &paged);

    /* NT's numbers for a 64 MB machine: 2 MB initial nonpaged pool, 22000 PTEs requested. */
    {
        MI_LAYOUT_INPUT in = { .PhysicalPages = 16000, .FreePages = 15700,
                               .HighestPhysicalPage = 16351, .ImageEnd = 0x80140000 };
        MI_SYSTEM_LAYOUT l;

        MiComputeSystemLayout(&in, &l);
        is_int(l.SizeOfNonPagedPool, MB(2), "64 MB: initial nonpaged pool is 2 MB");
        is_int(l.MaximumNonPagedPool, ROUND_TO_PAGES(MB(1) + l.PfnDatabaseBytes + 57 * (400 << 10)),
               "64 MB: maximum is 1 MB + PFN database + 400 KB per MB over 4");
        ok(l.NumberOfSystemPtes >= 22000, "64 MB: at least the 22000 system PTEs NT asks for (%u)",
           l.NumberOfSystemPtes);
        ok(l.SizeOfPagedPool >= MB(128), "64 MB: paged pool can hold 128 MB (%u MB)",
           l.SizeOfPagedPool >> 20);
        in.SpecialPool = true;
        MiComputeSystemLayout(&in, &l);
        ok(l.NumberOfSystemPtes >= 47000, "special pool adds 25000 system PTEs (%u)",
           l.NumberOfSystemPtes);
    }
    CheckLayout(64, MB(1024), &paged);
    ok(paged >= MB(160), "3 GB layout: paged pool at least 160 MB (%u MB)", paged >> 20);
    return done_testing();
}
