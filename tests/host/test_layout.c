/*
 * tests/host/test_layout.c: MiComputeSystemLayout over memory sizes from 8 MB to 4 GB, in
 * the default layout and with user space at 2.5 GB and 3 GB: the reference map's fixed
 * addresses (literals, nt-mm-facts.md section 2), sizes that follow NT's formulas, and
 * regions that never overlap.
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

/* The reference map's fixed addresses for one user-space setting, as literals. */
typedef struct {
    uint32_t increase;
    uint32_t highestUser, userProbe, systemRangeStart;
} USER_SPACE;

static const USER_SPACE userSpaces[] = {
    { 0, 0x7FFEFFFF, 0x7FFF0000, 0x80000000 },
    { MB(512), 0x9FFEFFFF, 0x9FFF0000, 0xA0000000 },
    { MB(1024), 0xBFFEFFFF, 0xBFFF0000, 0xC0000000 },
};

static void ComputeLayout(uint32_t ramMb, uint32_t increase, bool specialPool,
                          MI_SYSTEM_LAYOUT *l)
{
    MI_LAYOUT_INPUT in = {
        .PhysicalPages = MB(ramMb) / PAGE_SIZE - 100,
        .FreePages = MB(ramMb) / PAGE_SIZE - 400,
        .HighestPhysicalPage = MB(ramMb) / PAGE_SIZE - 1,
        .UserVaIncrease = increase,
        .ImageEnd = 0x80140000,
        .SpecialPool = specialPool,
    };

    MiComputeSystemLayout(&in, l);
}

static void CheckLayout(uint32_t ramMb, const USER_SPACE *user, uint32_t *pagedPoolOut)
{
    uint32_t increase = user->increase;
    MI_SYSTEM_LAYOUT l;
    char label[64];

    snprintf(label, sizeof(label), "%u MB, +%u MB user", ramMb, increase >> 20);
    ComputeLayout(ramMb, increase, false, &l);

    ok(l.HighestUserAddress == user->highestUser && l.UserProbeAddress == user->userProbe &&
       l.SystemRangeStart == user->systemRangeStart,
       "%s: user space ends at %08x, system space starts at %08x", label, l.HighestUserAddress,
       l.SystemRangeStart);
    ok(l.PfnDatabaseBytes >= MB(ramMb) / PAGE_SIZE * 24 && l.PfnDatabaseBytes % PAGE_SIZE == 0,
       "%s: PFN database of %u KB holds every page", label, l.PfnDatabaseBytes >> 10);
    ok(l.SizeOfNonPagedPool >= MB(2) && l.SizeOfNonPagedPool <= MB(128) &&
       l.MaximumNonPagedPool >= l.SizeOfNonPagedPool &&
       l.MaximumNonPagedPool <= (increase ? MB(128) + MB(4) : MB(256)),
       "%s: nonpaged pool %u KB initial, %u KB maximum", label, l.SizeOfNonPagedPool >> 10,
       l.MaximumNonPagedPool >> 10);
    ok(l.NonPagedSystemStart >= 0xEB000000 && l.NonPagedSystemStart % MB(4) == 0 &&
       l.NumberOfSystemPtes >= 3000,
       "%s: %u system PTEs from %08x", label, l.NumberOfSystemPtes, l.NonPagedSystemStart);
    ok(l.PagedPoolStart == 0xE1000000 && l.PagedPoolEnd + 1 == l.NonPagedSystemStart &&
       l.SizeOfPagedPool >= MB(160), "%s: paged pool %u MB", label, l.SizeOfPagedPool >> 20);
    *pagedPoolOut = l.SizeOfPagedPool;

    {
        REGION r[16];
        int n = 0;
        uint32_t image = increase ? 0xE0000000 : 0x80000000;

        r[n++] = (REGION){ 0, l.SystemRangeStart, "user space" };
        r[n++] = (REGION){ image, image + l.BootImageSize, "image" };
        r[n++] = (REGION){ l.PfnDatabase, l.PfnDatabase + l.PfnDatabaseBytes, "PFN database" };
        r[n++] = (REGION){ l.NonPagedPoolStart, l.NonPagedPoolStart + l.SizeOfNonPagedPool,
                           "initial nonpaged pool" };
        r[n++] = (REGION){ l.SessionBase, l.SessionSpaceEnd, "session space" };
        r[n++] = (REGION){ 0xC0000000, 0xC0800000, "page tables and hyperspace" };
        r[n++] = (REGION){ 0xC0C00000, 0xC1000000, "cache WSL" };
        r[n++] = (REGION){ 0xC1000000, l.SystemCacheEnd + 1, "system cache" };
        r[n++] = (REGION){ l.PagedPoolStart, l.PagedPoolEnd + 1, "paged pool" };
        r[n++] = (REGION){ l.NonPagedSystemStart,
                           l.NonPagedSystemStart + (l.NumberOfSystemPtes + 1) * PAGE_SIZE,
                           "system PTEs" };
        r[n++] = (REGION){ l.NonPagedPoolExpansionStart, 0xFFBE0000, "expansion pool" };
        r[n++] = (REGION){ 0xFFBE0000, 0xFFFFFFFF, "crash dump and HAL" };
        if (l.SystemViewStart)
            r[n++] = (REGION){ l.SystemViewStart, l.SystemViewStart + MB(16), "system views" };
        if (l.SystemCacheStartExtra)
            r[n++] = (REGION){ l.SystemCacheStartExtra, l.SystemCacheEndExtra, "extra range" };
        ok(CheckDisjoint(r, n, label), "%s: no two regions overlap", label);
    }

    if (increase) {
        ok(l.SystemCacheStartExtra == 0 && l.SystemCacheEndExtra == 0 &&
           l.SessionBase == 0xDC000000 && l.SessionSpaceEnd == 0xDF000000 &&
           l.SystemViewStart == 0xDF000000 && l.SystemCacheEnd == 0xDBFFFFFF &&
           l.PfnDatabase % MB(4) == 0 && l.PfnDatabase > l.NonPagedSystemStart,
           "%s: no extra range, session at dc000000 below the image, PFN database at the top",
           label);
    } else {
        ok(l.SessionBase == 0xA0000000 && l.SessionSpaceEnd == 0xA4000000,
           "%s: session space a0000000 up to a4000000 (%08x, %08x)", label, l.SessionBase,
           l.SessionSpaceEnd);
        ok(l.SystemCacheStartExtra == 0xA4000000 && l.SystemCacheEndExtra == 0xC0000000,
           "%s: the extra range a4000000 up to the page tables at c0000000 (%08x, %08x)", label,
           l.SystemCacheStartExtra, l.SystemCacheEndExtra);
        ok(l.PfnDatabase == 0x80400000 && l.NonPagedPoolStart == l.PfnDatabase +
           l.PfnDatabaseBytes && l.NonPagedPoolStart + l.SizeOfNonPagedPool <= 0xA0000000 &&
           l.SystemViewStart == 0 && l.SystemCacheEnd == 0xE0FFFFFF,
           "%s: PFN database at 80400000 and initial pool after it, inside KSEG0", label);
    }
}

/*
 * The default layout needs no system-PTE overflow: NT's request (7000, 11000 or 22000, and
 * 25000 more for special pool) fits above eb000000 at every size.
 */
static void CheckSystemPtesFit(uint32_t ramMb, bool specialPool)
{
    uint32_t wanted = ramMb < 19 ? 7000 : ramMb <= 32 ? 11000 : 22000;
    MI_SYSTEM_LAYOUT l;

    ComputeLayout(ramMb, 0, specialPool, &l);
    wanted += specialPool ? 25000 : 0;
    ok(l.NumberOfSystemPtes >= wanted && l.NonPagedSystemStart > 0xEB000000,
       "%u MB%s: %u system PTEs from %08x, %u asked for", ramMb,
       specialPool ? ", special pool" : "", l.NumberOfSystemPtes, l.NonPagedSystemStart, wanted);
}

/*
 * Large pages (In->LargePages): the PFN database and the initial pool become whole 4 MB pages
 * from a 4 MB boundary, the pool no smaller and the expansion no smaller than without, and
 * still nothing overlaps.
 */
static void CheckLargePages(uint32_t ramMb, const USER_SPACE *user)
{
    MI_LAYOUT_INPUT in = {
        .PhysicalPages = MB(ramMb) / PAGE_SIZE - 100,
        .FreePages = MB(ramMb) / PAGE_SIZE - 400,
        .HighestPhysicalPage = MB(ramMb) / PAGE_SIZE - 1,
        .UserVaIncrease = user->increase,
        .ImageEnd = 0x80140000,
    };
    MI_SYSTEM_LAYOUT small, large;
    uint32_t end;

    MiComputeSystemLayout(&in, &small);
    in.LargePages = true;
    MiComputeSystemLayout(&in, &large);
    end = large.NonPagedPoolStart + large.SizeOfNonPagedPool;
    ok(large.PfnDatabase % MB(4) == 0 && end % MB(4) == 0 &&
       large.NonPagedPoolStart == large.PfnDatabase + large.PfnDatabaseBytes &&
       end - large.PfnDatabase < small.PfnDatabaseBytes + small.SizeOfNonPagedPool + MB(4) &&
       large.SizeOfNonPagedPool <= MB(128) &&
       (large.SizeOfNonPagedPool >= small.SizeOfNonPagedPool ||
        small.SizeOfNonPagedPool + MB(4) > MB(128)),
       "%u MB, +%u MB user, large pages: PFN database and initial pool %08x-%08x, 4 MB pages",
       ramMb, user->increase >> 20, large.PfnDatabase, end - 1);
    ok(0xFFBE0000 - large.NonPagedPoolExpansionStart >=
       0xFFBE0000 - small.NonPagedPoolExpansionStart &&
       large.NonPagedPoolExpansionStart >= end &&
       large.MaximumNonPagedPool - large.SizeOfNonPagedPool >=
       small.MaximumNonPagedPool - small.SizeOfNonPagedPool &&
       large.NonPagedSystemStart + (large.NumberOfSystemPtes + 1) * PAGE_SIZE <=
       (user->increase ? large.PfnDatabase : large.NonPagedPoolExpansionStart) &&
       large.NumberOfSystemPtes >= 3000,
       "%u MB, +%u MB user, large pages: expansion from %08x, %u system PTEs", ramMb,
       user->increase >> 20, large.NonPagedPoolExpansionStart, large.NumberOfSystemPtes);
}

int main(void)
{
    static const uint32_t sizes[] = { 8, 16, 32, 64, 128, 255, 256, 512, 1024, 2048, 3072, 3584,
                                      4095 };
    uint32_t paged;

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t j = 0; j < sizeof(userSpaces) / sizeof(userSpaces[0]); j++)
            CheckLayout(sizes[i], &userSpaces[j], &paged);
        for (size_t j = 0; j < sizeof(userSpaces) / sizeof(userSpaces[0]); j++)
            CheckLargePages(sizes[i], &userSpaces[j]);
        CheckSystemPtesFit(sizes[i], false);
        CheckSystemPtesFit(sizes[i], true);
    }

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
    CheckLayout(64, &userSpaces[2], &paged);
    ok(paged >= MB(160), "3 GB layout: paged pool at least 160 MB (%u MB)", paged >> 20);
    return done_testing();
}
