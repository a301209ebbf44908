/* tests/kernel/selfmap.c: the self-map and the PTE formats, checked through real page tables. */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"
#include "boot/boot.h"

#define SCRATCH_VA      0xFFC10000u     /* in the HAL's 4 MiB, whose page table boot.S made */
#define SCRATCH_VA2     0xFFC11000u

static uint8_t SelfMapBuffer[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static uint32_t NextRandom(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State;
}

static void MapScratch(uintptr_t Va, uint32_t Pfn)
{
    *MiGetPteAddress(Va) = MiMakeValidKernelPte(Pfn);
    __invlpg((void *)Va);
}

static void UnmapScratch(uintptr_t Va)
{
    MiGetPteAddress(Va)->u.Long = MM_ZERO_PTE;
    __invlpg((void *)Va);
}

KTEST(TestSelfMapPde, "boot.selfmap.pde")
{
    MMPTE *pde = MiGetPdeAddress(PTE_BASE);

    KT_ASSERT_PTR_EQ(0xC0300C00, pde);
    KT_ASSERT_EQ(1, pde->u.Hard.Valid);
    KT_ASSERT_EQ(__readcr3() >> PAGE_SHIFT, pde->u.Hard.PageFrameNumber);
    KT_ASSERT_PTR_EQ(pde, MiGetPteAddress(PDE_BASE));
    KT_ASSERT_PTR_EQ(PDE_BASE, MiGetPteAddress(PTE_BASE));
    /* Nothing of the boot identity map is left. */
    KT_ASSERT_EQ(0, MiGetPdeAddress(0)->u.Long);
}

/* Where the PTE and the PDE of an address are, worked out by hand (not by the formula under
 * test): the first and last addresses of user space, of the image, of the page tables, of
 * the page directory, of paged pool and of the address space, and one anywhere. */
static const struct { uint32_t Va, Pte, Pde; } SelfMapAddresses[] = {
    { 0x00000000, 0xC0000000, 0xC0300000 },
    { 0x7FFEFFFF, 0xC01FFFBC, 0xC03007FC },
    { 0x80100000, 0xC0200400, 0xC0300800 },
    { 0xC0000000, 0xC0300000, 0xC0300C00 },
    { 0xC0300000, 0xC0300C00, 0xC0300C00 },
    { 0xE1012344, 0xC0384048, 0xC0300E10 },
    { 0xFFFFFFFF, 0xC03FFFFC, 0xC0300FFC },
    { 0x12345678, 0xC0048D14, 0xC0300120 },
};

KTEST(TestSelfMapAddresses, "boot.selfmap.addresses")
{
    for (uint32_t i = 0; i < ARRAYSIZE(SelfMapAddresses); i++) {
        KT_ASSERT_EQ(SelfMapAddresses[i].Pte, (uintptr_t)MiGetPteAddress(SelfMapAddresses[i].Va));
        KT_ASSERT_EQ(SelfMapAddresses[i].Pde, (uintptr_t)MiGetPdeAddress(SelfMapAddresses[i].Va));
    }
}

/* The self-map identities, over addresses spread across all 4 GiB. */
KTEST(TestSelfMapFormulas, "boot.selfmap.formulas")
{
    uint32_t seed = 0x5EED;

    for (uint32_t i = 0; i < 4096; i++) {
        uint32_t va = i < 1024 ? i * MM_VA_MAPPED_BY_PDE + i * 4 : NextRandom(&seed);
        MMPTE *pte = MiGetPteAddress(va);
        MMPTE *pde = MiGetPdeAddress(va);

        KT_ASSERT_PTR_EQ(pde, MiGetPteAddress(pte));
        KT_ASSERT_EQ(va & ~(PAGE_SIZE - 1), (uintptr_t)MiGetVirtualAddressMappedByPte(pte));
        KT_ASSERT_EQ(va & ~PAGE_DIRECTORY_MASK, (uintptr_t)MiGetVirtualAddressMappedByPde(pde));
        KT_ASSERT_EQ(va >> 12, (MiGetPdeOffset(va) << 10) | MiGetPteOffset(va));
        if (pde->u.Hard.Valid)
            KT_ASSERT(MiIsPteOnPdeBoundary(MiGetPteAddress(va & ~PAGE_DIRECTORY_MASK)));
    }
}

/* Every page of the image reads back through PTE_BASE at its load address. */
KTEST(TestSelfMapImage, "boot.selfmap.image")
{
    extern char KiBootStackGuard[];
    uint32_t pfn = (KI_IMAGE_LINK_BASE - KSEG0_BASE) >> PAGE_SHIFT;

    for (uintptr_t va = (uintptr_t)KiImageBase; va < (uintptr_t)KiImageEnd; va += PAGE_SIZE) {
        MMPTE pte = *MiGetPteAddress(va);

        if (va == (uintptr_t)KiBootStackGuard) {
            KT_ASSERT_EQ(MM_ZERO_PTE, pte.u.Long);
        } else {
            KT_ASSERT_EQ(1, pte.u.Hard.Valid);
            KT_ASSERT_EQ(pfn, pte.u.Hard.PageFrameNumber);
            KT_ASSERT_EQ(0, pte.u.Hard.Owner);
        }
        pfn++;
    }
}

/*
 * A PTE written through the self-map maps the page, the processor sets Accessed and Dirty in
 * it, and the same word is in the page-table page that the PDE names. The PTE is read through
 * a volatile pointer: the processor, not this code, changes it.
 */
KTEST(TestSelfMapAlias, "boot.selfmap.alias")
{
    volatile uint32_t *alias = (volatile uint32_t *)SCRATCH_VA;
    uint32_t pfn = MiGetPteAddress(SelfMapBuffer)->u.Hard.PageFrameNumber;
    volatile MMPTE *pte = MiGetPteAddress(SCRATCH_VA);
    uint32_t tablePfn = MiGetPdeAddress(SCRATCH_VA)->u.Hard.PageFrameNumber;
    MMPTE *table = (MMPTE *)SCRATCH_VA2;

    KT_ASSERT_EQ(1, MiGetPdeAddress(SCRATCH_VA)->u.Hard.Valid);
    ((volatile uint32_t *)SelfMapBuffer)[7] = 0xCAFEF00D;

    pte->u.Long = (pfn << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK;
    __invlpg((void *)SCRATCH_VA);
    KT_ASSERT_EQ(0, pte->u.Hard.Accessed);
    KT_ASSERT_EQ(0xCAFEF00D, alias[7]);
    KT_ASSERT_EQ(1, pte->u.Hard.Accessed);
    KT_ASSERT_EQ(0, pte->u.Hard.Dirty);
    alias[9] = 0x0BADC0DE;
    KT_ASSERT_EQ(1, pte->u.Hard.Dirty);
    KT_ASSERT_EQ(0x0BADC0DE, ((volatile uint32_t *)SelfMapBuffer)[9]);
    KT_ASSERT_EQ(pfn, pte->u.Hard.PageFrameNumber);

    MapScratch(SCRATCH_VA2, tablePfn);
    KT_ASSERT_EQ(pte->u.Long, table[MiGetPteOffset(SCRATCH_VA)].u.Long);
    UnmapScratch(SCRATCH_VA2);

    UnmapScratch(SCRATCH_VA);
    uint32_t value;
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(alias, &value));
}

/* Each software format decodes from a word written through the self-map, as NT lays it out. */
KTEST(TestPteFormats, "boot.pte.formats")
{
    MMPTE *pte = MiGetPteAddress(SCRATCH_VA);
    uint32_t value;

    pte->u.Long = (0xABCDEu << 12) | (MM_READWRITE << 5) | (7 << 1);         /* paging file */
    KT_ASSERT_EQ(0, pte->u.Soft.Valid);
    KT_ASSERT_EQ(7, pte->u.Soft.PageFileLow);
    KT_ASSERT_EQ(MM_READWRITE, pte->u.Soft.Protection);
    KT_ASSERT_EQ(0, pte->u.Soft.Prototype);
    KT_ASSERT_EQ(0, pte->u.Soft.Transition);
    KT_ASSERT_EQ(0xABCDE, pte->u.Soft.PageFileHigh);
    KT_ASSERT_EQ(7, GET_PAGING_FILE_NUMBER(*pte));
    KT_ASSERT_EQ(0xABCDE, GET_PAGING_FILE_OFFSET(*pte));
    KT_ASSERT(IS_PTE_NOT_DEMAND_ZERO(*pte));

    pte->u.Long = MM_DEMAND_ZERO_WRITE_PTE;
    KT_ASSERT_EQ(0x80, pte->u.Long);
    KT_ASSERT_EQ(MM_READWRITE, pte->u.Soft.Protection);
    KT_ASSERT(!IS_PTE_NOT_DEMAND_ZERO(*pte));

    pte->u.Long = (0x1234u << 12) | MM_PTE_TRANSITION_MASK | (MM_READONLY << 5) | MM_PTE_WRITE_MASK;
    KT_ASSERT_EQ(1, pte->u.Trans.Transition);
    KT_ASSERT_EQ(0x1234, pte->u.Trans.PageFrameNumber);
    KT_ASSERT_EQ(MM_READONLY, pte->u.Trans.Protection);
    KT_ASSERT_EQ(1, pte->u.Trans.Write);
    KT_ASSERT_EQ(0, pte->u.Trans.Valid);

    pte->u.Long = 0xFFFFF800u | MM_PTE_PROTOTYPE_MASK | 0x100 | 0xFE;          /* prototype */
    KT_ASSERT_EQ(1, pte->u.Proto.Prototype);
    KT_ASSERT_EQ(1, pte->u.Proto.ReadOnly);
    KT_ASSERT_EQ(0x7F, pte->u.Proto.ProtoAddressLow);
    KT_ASSERT_EQ(0x1FFFFF, pte->u.Proto.ProtoAddressHigh);
    KT_ASSERT_EQ(0, pte->u.Proto.WhichPool);

    pte->u.Long = (0x54321u << 12) | 0x2;                /* list */
    KT_ASSERT_EQ(1, pte->u.List.OneEntry);
    KT_ASSERT_EQ(0x54321, pte->u.List.NextEntry);
    KT_ASSERT_EQ(0, pte->u.List.Prototype);

    pte->u.Long = 0x12345867;                                                    /* hardware */
    KT_ASSERT_EQ(1, pte->u.Hard.Valid);
    KT_ASSERT_EQ(1, pte->u.Hard.Write);
    KT_ASSERT_EQ(1, pte->u.Hard.Owner);
    KT_ASSERT_EQ(0, pte->u.Hard.WriteThrough);
    KT_ASSERT_EQ(0, pte->u.Hard.CacheDisable);
    KT_ASSERT_EQ(1, pte->u.Hard.Accessed);
    KT_ASSERT_EQ(1, pte->u.Hard.Dirty);
    KT_ASSERT_EQ(0, pte->u.Hard.LargePage);
    KT_ASSERT_EQ(0, pte->u.Hard.Global);
    KT_ASSERT_EQ(0, pte->u.Hard.CopyOnWrite);
    KT_ASSERT_EQ(0, pte->u.Hard.Prototype);
    KT_ASSERT_EQ(1, pte->u.Hard.reserved);
    KT_ASSERT_EQ(0x12345, pte->u.Hard.PageFrameNumber);

    /* A no-access PTE faults with the reason NT gives; a probe sees an access violation. */
    pte->u.Long = MM_KERNEL_NOACCESS_PTE;
    KT_ASSERT_EQ(MM_NOACCESS, pte->u.Soft.Protection);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32((void *)SCRATCH_VA, &value));
    UnmapScratch(SCRATCH_VA);
}

/*
 * Touching a demand-zero paged-pool PTE brings in a page of zeroes, accounted in the PFN
 * database and in the system working set.
 */
KTEST(TestDemandZeroFault, "boot.pte.demandzero")
{
    uint8_t *page = KtAllocatePool(PagedPool, PAGE_SIZE, POOL_TAG('T', 't', 'D', 'z'));
    volatile MMPTE *pte = MiGetPteAddress(page);
    uint32_t value = 0xFFFFFFFF, size = MmSystemCacheWs.WorkingSetSize;
    const MMWSLE *wsle;
    MMPFN *pfn;

    KT_ASSERT_EQ(MM_KERNEL_DEMAND_ZERO_PTE, pte->u.Long);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeRead32(page, &value));
    KT_ASSERT_EQ(0, value);
    KT_ASSERT_EQ(1, pte->u.Hard.Valid);
    KT_ASSERT_EQ(1, pte->u.Hard.Write);
    pfn = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber);
    KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
    KT_ASSERT_PTR_EQ(pte, pfn->PteAddress);
    KT_ASSERT_EQ(MM_KERNEL_DEMAND_ZERO_PTE, pfn->OriginalPte.u.Long);
    KT_ASSERT_EQ(1, pfn->u2.ShareCount);
    KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);
    KT_ASSERT_EQ(1, pfn->u3.e1.Modified);
    KT_ASSERT_EQ(MiGetPdeAddress(page)->u.Hard.PageFrameNumber, pfn->u4.PteFrame);
    KT_ASSERT_EQ(size + 1, MmSystemCacheWs.WorkingSetSize);
    wsle = &MmSystemCacheWs.VmWorkingSetList->Wsle[pfn->u1.WsIndex];
    KT_ASSERT_EQ(1, wsle->u1.e1.Valid);
    KT_ASSERT_EQ((uintptr_t)page >> PAGE_SHIFT, wsle->u1.e1.VirtualPageNumber);

    KtFreePool(page);
    KT_ASSERT_EQ(0, pte->u.Long);
    KT_ASSERT_EQ(size, MmSystemCacheWs.WorkingSetSize);
    KT_ASSERT_EQ(FreePageList, pfn->u3.e1.PageLocation);
}
