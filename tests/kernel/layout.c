/*
 * tests/kernel/layout.c: the system address space this boot laid out (default, 2.5 GB or
 * /3GB user space) against the reference map's literal addresses, and the layout table.
 */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"

#define MAX_REGIONS 32

/* The reference map's addresses (nt-mm-facts.md section 2) for the user-space settings. */
typedef struct _LAYOUT_EXPECTED {
    uint32_t UserVaIncrease;
    uint32_t HighestUserAddress, UserProbeAddress, SystemRangeStart;
    uint32_t SessionBase, SessionSpaceEnd, SystemViewStart;
    uint32_t SystemCacheStartExtra, SystemCacheEndExtra, SystemCacheEnd;
    uint32_t ImageBase, VirtualBias;
} LAYOUT_EXPECTED;

static const LAYOUT_EXPECTED ExpectedLayouts[] = {
    { 0, 0x7FFEFFFF, 0x7FFF0000, 0x80000000, 0xA0000000, 0xA4000000, 0,
      0xA4000000, 0xC0000000, 0xE0FFFFFF, 0x80100000, 0 },
    { 512u << 20, 0x9FFEFFFF, 0x9FFF0000, 0xA0000000, 0xDC000000, 0xDF000000, 0xDF000000,
      0, 0, 0xDBFFFFFF, 0xE0100000, 0x60000000 },
    { 1024u << 20, 0xBFFEFFFF, 0xBFFF0000, 0xC0000000, 0xDC000000, 0xDF000000, 0xDF000000,
      0, 0, 0xDBFFFFFF, 0xE0100000, 0x60000000 },
};

/* The layout this boot's user-space setting gives: literals for 2 GB, 2.5 GB and 3 GB. */
KTEST(TestLayoutValues, "mm.layout.values")
{
    const LAYOUT_EXPECTED *e = NULL;

    for (uint32_t i = 0; i < ARRAYSIZE(ExpectedLayouts); i++) {
        if (ExpectedLayouts[i].UserVaIncrease == KeBootOptions.UserVaIncrease)
            e = &ExpectedLayouts[i];
    }
    KT_ASSERT_EQ(0xC07FFFFF, MmHyperSpaceEnd);
    KT_ASSERT_EQ(0xC0C00000, MmSystemCacheWorkingSetList);
    KT_ASSERT_EQ(0xC1000000, MmSystemCacheStart);
    KT_ASSERT_EQ(0xE1000000, MmPagedPoolStart);
    KT_ASSERT_EQ(MmNonPagedSystemStart - 1, MmPagedPoolEnd);
    KT_ASSERT_LE(0xEB000000, MmNonPagedSystemStart);
    KT_ASSERT_EQ(0, MmNonPagedSystemStart % 0x400000);
    KT_ASSERT_EQ(0xFFBE0000, MmNonPagedPoolEnd);
    KT_ASSERT_LE(MmNonPagedPoolEnd - MmNonPagedPoolExpansionStart, MmMaximumNonPagedPoolInBytes);
    if (e == NULL) {
        /* Another increaseuserva: only the relation to the setting can be checked. */
        KT_ASSERT_EQ(0x80000000u + KeBootOptions.UserVaIncrease, MmSystemRangeStart);
        KT_ASSERT_EQ(MmSystemRangeStart - 0x10001, MmHighestUserAddress);
        KT_ASSERT_EQ(0, MiSystemCacheEndExtra);
        return;
    }
    KT_ASSERT_EQ(e->HighestUserAddress, MmHighestUserAddress);
    KT_ASSERT_EQ(e->UserProbeAddress, MmUserProbeAddress);
    KT_ASSERT_EQ(e->SystemRangeStart, MmSystemRangeStart);
    KT_ASSERT_EQ(e->SessionBase, MmSessionBase);
    KT_ASSERT_EQ(e->SessionSpaceEnd, MiSessionSpaceEnd);
    KT_ASSERT_EQ(e->SystemViewStart, MiSystemViewStart);
    KT_ASSERT_EQ(e->SystemCacheStartExtra, MiSystemCacheStartExtra);
    KT_ASSERT_EQ(e->SystemCacheEndExtra, MiSystemCacheEndExtra);
    KT_ASSERT_EQ(e->SystemCacheEnd, MmSystemCacheEnd);
    KT_ASSERT_EQ(e->ImageBase, (uintptr_t)KiImageBase);
    KT_ASSERT_EQ(e->VirtualBias, KeLoaderBlock.VirtualBias);
    if (KeBootOptions.UserVaIncrease) {
        KT_ASSERT_LE(160u << 20, MmSizeOfPagedPoolInBytes);
        KT_ASSERT_LE(MmSystemRangeStart, (uintptr_t)MmPfnDatabase);
    } else {
        KT_ASSERT_EQ(0x80400000, (uintptr_t)MmPfnDatabase);
        KT_ASSERT_EQ(0x80400000 + ROUND_TO_PAGES((MmHighestPhysicalPage + 1) * 24),
                     MmNonPagedPoolStart);
        KT_ASSERT_LE(MmNonPagedPoolEnd0, 0xA0000000);
        KT_ASSERT_LE(128u << 20, MmSizeOfPagedPoolInBytes);
    }
}

/* The rows cover all 4 GB in address order, each starting where the one before ends. */
KTEST(TestLayoutRows, "mm.layout.rows")
{
    MM_SYSTEM_REGION regions[MAX_REGIONS];
    uint32_t count = MmGetSystemRegions(regions, MAX_REGIONS);

    KT_ASSERT_LE(16, count);
    KT_ASSERT_LT(count, MAX_REGIONS);
    KT_ASSERT_EQ(0, regions[0].Start);
    KT_ASSERT_EQ(0xFFFFFFFF, regions[count - 1].End);
    for (uint32_t i = 0; i < count; i++) {
        KT_ASSERT_LE(regions[i].Start, regions[i].End);
        if (i > 0)
            KT_ASSERT_EQ(regions[i - 1].End + 1, regions[i].Start);
    }
}

static uint32_t ReadVariable(const char *Name)
{
    uintptr_t address = 0;

    if (!KiFindSymbol(Name, &address))
        KtFail(__FILE__, __LINE__, "%s: no such symbol", Name);
    return address ? *(const uint32_t *)address : 0;
}

/*
 * What `dd <variable> L1` reads is what the table shows: each variable a row names holds its
 * start, its end (or end + 1 where NT's end is exclusive) or its size; the lab's four
 * variables are all in the table (MiSystemCacheEndExtra only where there is an extra range).
 */
KTEST(TestLayoutVariables, "mm.layout.variables")
{
    static const char *const lab[] = { "MmHighestUserAddress", "MmSystemRangeStart",
                                       "MmNonPagedSystemStart", "MiSystemCacheEndExtra" };
    MM_SYSTEM_REGION regions[MAX_REGIONS];
    uint32_t count = MmGetSystemRegions(regions, MAX_REGIONS);
    uint32_t found = 0;

    for (uint32_t i = 0; i < count; i++) {
        const MM_SYSTEM_REGION *r = &regions[i];

        if (r->StartVariable)
            KT_ASSERT_EQ(r->Start, ReadVariable(r->StartVariable));
        if (r->EndVariable)
            KT_ASSERT_EQ(r->EndIsExclusive ? r->End + 1 : r->End, ReadVariable(r->EndVariable));
        if (r->SizeVariable)
            KT_ASSERT_EQ(r->End - r->Start + 1, ReadVariable(r->SizeVariable));
        for (uint32_t j = 0; j < ARRAYSIZE(lab); j++) {
            if ((r->StartVariable && strcmp(r->StartVariable, lab[j]) == 0) ||
                (r->EndVariable && strcmp(r->EndVariable, lab[j]) == 0))
                found |= 1u << j;
        }
    }
    KT_ASSERT_EQ(KeBootOptions.UserVaIncrease ? 0x7 : 0xF, found);
}

/*
 * Nothing of the kernel is mapped in user space: every PDE below MmSystemRangeStart is
 * invalid, which under /3GB is what moving the image bought.
 */
KTEST(TestLayoutUserSpaceEmpty, "mm.layout.userspace")
{
    for (uint32_t pde = 0; pde < MiGetPdeOffset(MmSystemRangeStart); pde++)
        KT_ASSERT_EQ(0, ((MMPTE *)PDE_BASE)[pde].u.Long);
    KT_ASSERT_LT(MmHighestUserAddress, (uintptr_t)KiImageBase);
    KT_ASSERT_LT(MmHighestUserAddress, (uintptr_t)MmPfnDatabase);
    KT_ASSERT_LT(MmHighestUserAddress, MmNonPagedPoolStart);
}

/*
 * Each region's PTEs are where the self-map says, and the resident regions are mapped:
 * every page of the image, the PFN database and the initial nonpaged pool is valid and
 * active in the PFN database with that PTE.
 */
static void CheckResident(uintptr_t Start, uintptr_t End, const char *Name)
{
    for (uintptr_t va = Start; va < End; va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);
        MMPFN *pfn;

        KT_ASSERT_EQ(PTE_BASE + (va >> 12) * 4, (uintptr_t)pte);
        if (MI_IS_PHYSICAL_ADDRESS(va)) {           /* on a large page: no PTE */
            pfn = MI_PFN_ELEMENT(MI_CONVERT_PHYSICAL_TO_PFN(va));
            KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
            continue;
        }
        if (va == (uintptr_t)KiImageBase - 0 && !pte->u.Hard.Valid)
            KtFail(__FILE__, __LINE__, "%s: %08x not mapped", Name, (uint32_t)va);
        if (!pte->u.Hard.Valid)
            continue;
        pfn = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber);
        KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
    }
}

KTEST(TestLayoutMappings, "mm.layout.mappings")
{
    uintptr_t pfnEnd = (uintptr_t)MmPfnDatabase + ROUND_TO_PAGES((MmHighestPhysicalPage + 1) *
                                                                 sizeof(MMPFN));
    uint32_t valid = 0;

    CheckResident((uintptr_t)KiImageBase, (uintptr_t)KiImageEnd, "image");
    CheckResident((uintptr_t)MmPfnDatabase, pfnEnd, "PFN database");
    CheckResident(MmNonPagedPoolStart, MmNonPagedPoolEnd0, "initial nonpaged pool");
    for (uintptr_t va = (uintptr_t)MmPfnDatabase; va < MmNonPagedPoolEnd0; va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);

        if (MI_IS_PHYSICAL_ADDRESS(va)) {           /* the PDE is its frames' PTE */
            KT_ASSERT_PTR_EQ(MiGetPdeAddress(va),
                             MI_PFN_ELEMENT(MI_CONVERT_PHYSICAL_TO_PFN(va))->PteAddress);
            valid++;
            continue;
        }
        KT_ASSERT_EQ(1, pte->u.Hard.Valid);
        KT_ASSERT_PTR_EQ(pte, MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->PteAddress);
        valid++;
    }
    KT_ASSERT_EQ((MmNonPagedPoolEnd0 - (uintptr_t)MmPfnDatabase) / PAGE_SIZE, valid);

    /* The system PTE and expansion ranges have their page tables; reserved regions none. */
    for (uintptr_t va = MmNonPagedSystemStart; va < MmNonPagedPoolEnd; va += MM_VA_MAPPED_BY_PDE)
        KT_ASSERT_EQ(1, MiGetPdeAddress(va)->u.Hard.Valid);
    KT_ASSERT_EQ(0, MiGetPdeAddress(MmSessionBase)->u.Long);
    /* The system cache's page tables are made as views are first mapped there (mapcache.c),
     * and counted: none unless a volume is mounted (the FAT's metadata is cached). Read
     * around the scan, since read-ahead may map a view meanwhile. */
    uint32_t cacheTablesBefore = MiSystemCachePageTables, cacheTables = 0;

    for (uintptr_t va = MmSystemCacheStart; va - 1 < MmSystemCacheEnd; va += MM_VA_MAPPED_BY_PDE)
        cacheTables += MiGetPdeAddress(va)->u.Long != 0;
    KT_ASSERT_LE(cacheTablesBefore, cacheTables);
    KT_ASSERT_LE(cacheTables, MiSystemCachePageTables);
    if (!KeBootOptions.UserVaIncrease) {
        uintptr_t kseg0Used = (MmNonPagedPoolEnd0 + MM_VA_MAPPED_BY_PDE - 1) & ~PAGE_DIRECTORY_MASK;

        for (uintptr_t va = kseg0Used; va < 0xC0000000; va += MM_VA_MAPPED_BY_PDE)
            KT_ASSERT_EQ(0, MiGetPdeAddress(va)->u.Long);
    }
    KT_ASSERT_EQ(1, MiGetPdeAddress(HYPER_SPACE)->u.Hard.Valid);
    KT_ASSERT_EQ(1, MiGetPdeAddress(MM_CRASH_DUMP_VA)->u.Hard.Valid);
}

/*
 * The PFN database and the initial nonpaged pool on 4 MB pages (mminit.c), when they are:
 * [MmPfnDatabase, MmNonPagedPoolEnd0) is whole 4 MB pages from a 4 MB boundary, each one
 * kernel PDE with PS set (0xE3; 0x1E3, global, with CR4.PGE) over 1024 contiguous frames
 * from MiLargeSystemFrame, in the system's directory too; every frame active with that PDE for its PTE; what reads PTEs sees
 * through the PDE instead (MmIsAddressValid, MmGetPhysicalAddress, an MDL of initial pool built
 * and locked, the pool's own frees). Without them no PDE there is large. Either way the image
 * stays on 4 KB pages, its code read-only. Large pages are expected with PSE and more RAM than
 * MmLargePageMinimum (largepageminimum=); from 16 MB up there is always 4 MB-aligned memory.
 */
KTEST(TestLayoutLargePages, "mm.layout.largepages")
{
    bool expected = MiLargePagesSupported && MmNumberOfPhysicalPages > MmLargePageMinimum;
    uintptr_t start = (uintptr_t)MmPfnDatabase;
    uint32_t offset, frames[2];
    uint8_t *block;
    MDL *built, *locked;

    KT_ASSERT(!MI_IS_PHYSICAL_ADDRESS(KiImageBase));
    KT_ASSERT_EQ(1, MiGetPteAddress(KiImageBase)->u.Hard.Valid);
    KT_ASSERT_EQ(0, MiGetPteAddress(KiImageBase)->u.Hard.Write);
    if (MiLargeSystemPages == 0) {
        KT_ASSERT(!expected || MmNumberOfPhysicalPages < (15u << 20) / PAGE_SIZE);
        for (uintptr_t va = start; va < MmNonPagedPoolEnd0; va += PAGE_SIZE)
            KT_ASSERT(!MI_IS_PHYSICAL_ADDRESS(va));
        return;
    }
    KT_ASSERT(expected);
    KT_ASSERT_EQ(0, start % MM_VA_MAPPED_BY_PDE);
    KT_ASSERT_EQ(0, MmNonPagedPoolEnd0 % MM_VA_MAPPED_BY_PDE);
    KT_ASSERT_EQ((MmNonPagedPoolEnd0 - start) / MM_VA_MAPPED_BY_PDE, MiLargeSystemPages);
    KT_ASSERT_EQ(0, MiLargeSystemFrame % PTE_PER_PAGE);
    for (uint32_t i = 0; i < MiLargeSystemPages; i++) {
        uintptr_t va = start + i * MM_VA_MAPPED_BY_PDE;
        MMPTE *pde = MiGetPdeAddress(va);
        uint32_t first = MiLargeSystemFrame + i * PTE_PER_PAGE;

        KT_ASSERT_EQ((first << PAGE_SHIFT) | 0xE3 | ((__readcr4() & CR4_PGE) ? 0x100 : 0),
                     pde->u.Long);
        KT_ASSERT_EQ(pde->u.Long, MmSystemPagePtes[MiGetPdeOffset(va)].u.Long);
        for (uint32_t j = 0; j < PTE_PER_PAGE; j++) {
            MMPFN *pfn = MI_PFN_ELEMENT(first + j);

            KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
            KT_ASSERT_PTR_EQ(pde, pfn->PteAddress);
            KT_ASSERT_EQ(1, pfn->u2.ShareCount);
            KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);
            KT_ASSERT_EQ(first + j, MI_CONVERT_PHYSICAL_TO_PFN(va + j * PAGE_SIZE));
        }
    }
    KT_ASSERT(MmIsAddressValid((void *)(MmNonPagedPoolEnd0 - 1)));
    offset = MmNonPagedPoolStart + 0x123 - start;
    KT_ASSERT_EQ(((uint64_t)MiLargeSystemFrame << PAGE_SHIFT) + offset,
                 MmGetPhysicalAddress((void *)(MmNonPagedPoolStart + 0x123)));

    /* Initial pool is handed out first: its frames come from the PDE, for MDLs as for frees. */
    block = KtAllocatePool(NonPagedPool, 2 * PAGE_SIZE, POOL_TAG('T', 't', 'L', 'p'));
    KT_ASSERT(MI_IS_PHYSICAL_ADDRESS(block));
    frames[0] = MI_CONVERT_PHYSICAL_TO_PFN(block);
    frames[1] = MI_CONVERT_PHYSICAL_TO_PFN(block + PAGE_SIZE);
    KT_ASSERT_EQ(frames[0] + 1, frames[1]);
    built = MmCreateMdl(NULL, block, 2 * PAGE_SIZE);
    KT_ASSERT(built != NULL);
    KtDeferFreePool(built);
    MmBuildMdlForNonPagedPool(built);
    KT_ASSERT_EQ(frames[0], MmGetMdlPfnArray(built)[0]);
    KT_ASSERT_EQ(frames[1], MmGetMdlPfnArray(built)[1]);
    locked = MmCreateMdl(NULL, block + 8, PAGE_SIZE);
    KT_ASSERT(locked != NULL);
    KtDeferFreePool(locked);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmProbeAndLockPages(locked, KernelMode, IoWriteAccess));
    KT_ASSERT_EQ(frames[0], MmGetMdlPfnArray(locked)[0]);
    KT_ASSERT_EQ(frames[1], MmGetMdlPfnArray(locked)[1]);
    KT_ASSERT_EQ(2, MI_PFN_ELEMENT(frames[0])->u3.e2.ReferenceCount);
    MmUnlockPages(locked);
    KT_ASSERT_EQ(1, MI_PFN_ELEMENT(frames[0])->u3.e2.ReferenceCount);
    KT_ASSERT(MiIsPoolPageAllocated(block));
    KtFreePool(block);
    KT_ASSERT(!MiIsPoolPageAllocated(block));
}
