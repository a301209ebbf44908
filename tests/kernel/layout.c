/* tests/kernel/layout.c: the system address space this boot laid out (default or /3GB). */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"

#define MAX_REGIONS 32

/* NT's values: the fixed ones always, the user-space ones for this boot's setting. */
KTEST(TestLayoutValues, "mm.layout.values")
{
    uint32_t userSpace = 0x80000000u + KeBootOptions.UserVaIncrease;

    KT_ASSERT_EQ(userSpace - 0x10001, MmHighestUserAddress);
    KT_ASSERT_EQ(userSpace - 0x10000, MmUserProbeAddress);
    KT_ASSERT_EQ(userSpace, MmSystemRangeStart);
    KT_ASSERT_EQ(0xC07FFFFF, MmHyperSpaceEnd);
    KT_ASSERT_EQ(0xC0C00000, MmSystemCacheWorkingSetList);
    KT_ASSERT_EQ(0xC1000000, MmSystemCacheStart);
    KT_ASSERT_EQ(0xE1000000, MmPagedPoolStart);
    KT_ASSERT_EQ(MmNonPagedSystemStart - 1, MmPagedPoolEnd);
    KT_ASSERT_LE(0xEB000000, MmNonPagedSystemStart);
    KT_ASSERT_EQ(0xFFBE0000, MmNonPagedPoolEnd);
    KT_ASSERT_LE(MmNonPagedPoolEnd - MmNonPagedPoolExpansionStart, MmMaximumNonPagedPoolInBytes);
    if (KeBootOptions.UserVaIncrease) {
        KT_ASSERT_EQ(0, MiSystemCacheStartExtra);
        KT_ASSERT_EQ(0, MiSystemCacheEndExtra);
        KT_ASSERT_EQ(0xDBFFFFFF, MmSystemCacheEnd);
        KT_ASSERT_LE(160u << 20, MmSizeOfPagedPoolInBytes);
        KT_ASSERT_EQ(0xE0100000, (uintptr_t)KiImageBase);
        KT_ASSERT_EQ(0x60000000, KeLoaderBlock.VirtualBias);
        KT_ASSERT_LE(MmSystemRangeStart, (uintptr_t)MmPfnDatabase);
    } else {
        KT_ASSERT_EQ(0xA0000000, MmSessionBase);
        KT_ASSERT_EQ(0xC0000000, MiSessionSpaceEnd);
        KT_ASSERT_EQ(0xE0FFFFFF, MmSystemCacheEnd);
        KT_ASSERT_EQ(0x80100000, (uintptr_t)KiImageBase);
        KT_ASSERT_EQ(0x80400000, (uintptr_t)MmPfnDatabase);
        KT_ASSERT_EQ((uintptr_t)MmPfnDatabase +
                     ROUND_TO_PAGES((MmHighestPhysicalPage + 1) * sizeof(MMPFN)),
                     MmNonPagedPoolStart);
        KT_ASSERT_LE(128u << 20, MmSizeOfPagedPoolInBytes);
    }
}

/* The regions are in order and no two overlap. */
KTEST(TestLayoutNoOverlap, "mm.layout.nooverlap")
{
    MM_SYSTEM_REGION regions[MAX_REGIONS];
    uint32_t count = MmGetSystemRegions(regions, MAX_REGIONS);

    KT_ASSERT_LE(14, count);
    KT_ASSERT_EQ(0, regions[0].Start);
    KT_ASSERT_EQ(0xFFFFFFFF, regions[count - 1].End);
    for (uint32_t i = 0; i < count; i++) {
        KT_ASSERT_LE(regions[i].Start, regions[i].End);
        if (i > 0)
            KT_ASSERT_LT(regions[i - 1].End, regions[i].Start);
    }
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

        KT_ASSERT_EQ(1, pte->u.Hard.Valid);
        KT_ASSERT_PTR_EQ(pte, MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->PteAddress);
        valid++;
    }
    KT_ASSERT_EQ((MmNonPagedPoolEnd0 - (uintptr_t)MmPfnDatabase) / PAGE_SIZE, valid);

    /* The system PTE and expansion ranges have their page tables; reserved regions none. */
    for (uintptr_t va = MmNonPagedSystemStart; va < MmNonPagedPoolEnd; va += MM_VA_MAPPED_BY_PDE)
        KT_ASSERT_EQ(1, MiGetPdeAddress(va)->u.Hard.Valid);
    KT_ASSERT_EQ(0, MiGetPdeAddress(MmSystemCacheStart)->u.Long);
    KT_ASSERT_EQ(0, MiGetPdeAddress(MmSessionBase)->u.Long);
    KT_ASSERT_EQ(1, MiGetPdeAddress(HYPER_SPACE)->u.Hard.Valid);
    KT_ASSERT_EQ(1, MiGetPdeAddress(MM_CRASH_DUMP_VA)->u.Hard.Valid);
}
