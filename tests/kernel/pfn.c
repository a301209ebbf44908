/* tests/kernel/pfn.c: the PFN database and its page lists. */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "mm/mi.h"

#define PFN_TEST_PAGES  256
#define SCRATCH_VA      0xFFC12000u     /* a HAL-area page nothing else uses */
#define PFN_4_GIB       0x100000ull     /* the first page a 32-bit PTE cannot map */

static uint32_t PfnTestPages[PFN_TEST_PAGES], PfnHeld;

/* The pages the random test still holds go back to the free list. */
static void FreeHeldPages(void *Unused)
{
    KIRQL oldIrql;

    (void)Unused;
    LOCK_PFN(oldIrql);
    while (PfnHeld)
        MiInsertPageInList(&MmFreePageListHead, PfnTestPages[--PfnHeld]);
    UNLOCK_PFN(oldIrql);
}

static uint32_t NextRandom(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

/* Walk a list from its head, checking every link both ways; returns how many pages it holds. */
static uint32_t WalkList(const MMPFNLIST *List)
{
    uint32_t count = 0, previous = MM_EMPTY_LIST;

    for (uint32_t index = List->Flink; index != MM_EMPTY_LIST; index = MI_PFN_ELEMENT(index)->u1.Flink) {
        MMPFN *pfn = MI_PFN_ELEMENT(index);

        KT_ASSERT(MiIsPhysicalMemory(index));
        KT_ASSERT_EQ(List->ListName, pfn->u3.e1.PageLocation);
        KT_ASSERT_EQ(previous, pfn->u2.Blink);
        KT_ASSERT_EQ(0, pfn->u3.e2.ReferenceCount);
        previous = index;
        KT_ASSERT_LE(++count, MmNumberOfPhysicalPages);
    }
    KT_ASSERT_EQ(previous, List->Blink);
    return count;
}

/*
 * Every RAM page is on exactly one list, active, or held by this test or by the zero page
 * thread, which zeroes with no lock held (TransitionPage, Held of them and its one): the
 * totals add up to the memory map. The zero page thread cannot run meanwhile: it has the
 * lowest priority, and this never waits.
 */
static void CheckTotals(uint32_t Held)
{
    uint32_t listed = 0, active = 0, held = 0, ram = 0;

    for (MMLISTS list = ZeroedPageList; list <= BadPageList; list++) {
        uint32_t count = WalkList(MmPageLocationList[list]);

        KT_ASSERT_EQ(MmPageLocationList[list]->Total, count);
        listed += count;
    }
    for (uint32_t i = 0; i <= MmHighestPhysicalPage; i++) {
        if (!MiIsPhysicalMemory(i))
            continue;
        ram++;
        if (MI_PFN_ELEMENT(i)->u3.e1.PageLocation == ActiveAndValid)
            active++;
        else if (MI_PFN_ELEMENT(i)->u3.e1.PageLocation == TransitionPage)
            held++;
    }
    KT_ASSERT_EQ(MmNumberOfPhysicalPages, ram);
    KT_ASSERT_EQ(Held + MiPagesBeingZeroed, held);
    KT_ASSERT_EQ(MmNumberOfPhysicalPages, listed + active + held);
    KT_ASSERT_EQ(MmZeroedPageListHead.Total + MmFreePageListHead.Total + MmStandbyPageListHead.Total,
                 MmAvailablePages);
}

/* The RAM runs are the loader's available memory below 4 GB, less page 0. */
KTEST(TestPfnMemoryMap, "mm.pfn.memorymap")
{
    uint64_t fromLoader = 0;

    for (uint32_t i = 0; i < KeLoaderBlock.MemoryDescriptorCount; i++) {
        const MEMORY_DESCRIPTOR *d = &KeLoaderBlock.MemoryDescriptors[i];

        uint64_t end = MIN(d->Base + d->Length, PFN_4_GIB << PAGE_SHIFT);

        if (d->Type == MemoryFree && d->Base < end)
            fromLoader += (end >> PAGE_SHIFT) - ((d->Base + PAGE_SIZE - 1) >> PAGE_SHIFT);
    }
    KT_ASSERT_EQ(fromLoader - 1, MmNumberOfPhysicalPages);
    KT_ASSERT(!MiIsPhysicalMemory(0));
    KT_ASSERT(MiIsPhysicalMemory(0x100));
    KT_ASSERT_EQ(ActiveAndValid, MI_PFN_ELEMENT(0x100)->u3.e1.PageLocation);
    KT_ASSERT_EQ(ActiveAndValid, MI_PFN_ELEMENT(__readcr3() >> PAGE_SHIFT)->u3.e1.PageLocation);
    CheckTotals(0);
}

/* The image, the directory and the PFN database itself are active, mapped where NT says. */
KTEST(TestPfnBootPages, "mm.pfn.bootpages")
{
    uint32_t directory = __readcr3() >> PAGE_SHIFT;
    MMPFN *pfn = MI_PFN_ELEMENT(directory);
    MMPTE *pte = MiGetPteAddress(MmPfnDatabase);

    KT_ASSERT_PTR_EQ(MiGetPdeAddress(PTE_BASE), pfn->PteAddress);
    KT_ASSERT_EQ(directory, pfn->u4.PteFrame);
    KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);

    if (MI_IS_PHYSICAL_ADDRESS(MmPfnDatabase)) {
        /* On a large page (mminit.c): no page table, each frame mapped by the PDE itself. */
        MMPTE *pde = MiGetPdeAddress(MmPfnDatabase);

        pfn = MI_PFN_ELEMENT(MI_CONVERT_PHYSICAL_TO_PFN(MmPfnDatabase));
        KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
        KT_ASSERT_PTR_EQ(pde, pfn->PteAddress);
        KT_ASSERT_EQ(directory, pfn->u4.PteFrame);
        KT_ASSERT_EQ(1, pfn->u2.ShareCount);
        KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);
        return;
    }
    pfn = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber);
    KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
    KT_ASSERT_PTR_EQ(pte, pfn->PteAddress);
    KT_ASSERT_EQ(MiGetPdeAddress(MmPfnDatabase)->u.Hard.PageFrameNumber, pfn->u4.PteFrame);
    KT_ASSERT_EQ(1, pfn->u2.ShareCount);

    /* A page table has one share for its PDE and one per valid PTE. */
    {
        MMPTE *pde = MiGetPdeAddress(MmPfnDatabase);
        MMPTE *table = MiGetPteAddress((uintptr_t)MmPfnDatabase & ~PAGE_DIRECTORY_MASK);
        uint32_t valid = 0;

        for (uint32_t i = 0; i < PTE_PER_PAGE; i++)
            valid += table[i].u.Hard.Valid;
        KT_ASSERT_EQ(valid + 1, MI_PFN_ELEMENT(pde->u.Hard.PageFrameNumber)->u2.ShareCount);
        KT_ASSERT_PTR_EQ(pde, MI_PFN_ELEMENT(pde->u.Hard.PageFrameNumber)->PteAddress);
    }
}

/* Zeroed pages go in at the head, every other list at the tail. (What the lists said is
 * checked after the PFN lock is released: an assertion must not leave it held.) */
KTEST(TestPfnInsertRules, "mm.pfn.insertrules")
{
    uint32_t a, b, freeTail, zeroedHead, zeroedLocation, removed, removedLocation;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    a = MiRemoveAnyPage();
    b = MiRemoveAnyPage();
    MiInsertPageInList(&MmFreePageListHead, a);
    freeTail = MmFreePageListHead.Blink;
    MiZeroPhysicalPage(b);
    MiInsertPageInList(&MmZeroedPageListHead, b);
    zeroedHead = MmZeroedPageListHead.Flink;
    zeroedLocation = MI_PFN_ELEMENT(b)->u3.e1.PageLocation;
    removed = MiRemoveZeroPageIfAny();
    removedLocation = MI_PFN_ELEMENT(removed)->u3.e1.PageLocation;
    MiInsertPageInList(&MmFreePageListHead, removed);
    UNLOCK_PFN(oldIrql);
    KT_ASSERT_EQ(a, freeTail);
    KT_ASSERT_EQ(b, zeroedHead);
    KT_ASSERT_EQ(ZeroedPageList, zeroedLocation);
    KT_ASSERT_EQ(b, removed);
    KT_ASSERT_EQ(TransitionPage, removedLocation);
    CheckTotals(0);
}

/* A seeded mix of removals and inserts: the totals add up after every step. */
KTEST(TestPfnRandom, "mm.pfn.random")
{
    uint32_t seed = 0x1234, available;
    KIRQL oldIrql;

    KtHoldBackgroundThreads();
    available = KtAvailablePages();

    KtDefer(FreeHeldPages, NULL);
    for (uint32_t step = 0; step < 2000; step++) {
        uint32_t choice = NextRandom(&seed) % 4;

        LOCK_PFN(oldIrql);
        if (PfnHeld < PFN_TEST_PAGES && choice < 2) {
            PfnTestPages[PfnHeld++] = choice ? MiRemoveAnyPage() : MiRemoveZeroPage();
        } else if (PfnHeld > 0) {
            uint32_t i = NextRandom(&seed) % PfnHeld;
            uint32_t page = PfnTestPages[i];

            PfnTestPages[i] = PfnTestPages[--PfnHeld];
            if (choice == 3) {
                MiZeroPhysicalPage(page);
                MiInsertPageInList(&MmZeroedPageListHead, page);
            } else {
                MiInsertPageInList(&MmFreePageListHead, page);
            }
        }
        UNLOCK_PFN(oldIrql);
        KT_ASSERT_EQ(available - PfnHeld, KtAvailablePages());
        if (step % 250 == 0)
            CheckTotals(PfnHeld);
    }
    KtRelease(FreeHeldPages, NULL);
    KT_ASSERT_EQ(available, KtAvailablePages());
    CheckTotals(0);
}

/* Move every page of From1 and From2 to To (PFN lock held); returns how many moved. */
static uint32_t MoveAvailablePages(MMPFNLIST *From1, MMPFNLIST *From2, MMPFNLIST *To)
{
    uint32_t moved = 0;

    for (MMPFNLIST *from = From1; from; from = from == From1 ? From2 : NULL) {
        while (from->Total) {
            uint32_t page = from->Flink;
            MMPFN *pfn = MI_PFN_ELEMENT(page);

            MiUnlinkPageFromList(pfn);
            pfn->u3.e1.PageLocation = TransitionPage;
            MiInsertPageInList(To, page);
            moved++;
        }
    }
    return moved;
}

/*
 * Remove (MiRemoveZeroPage, MiRemoveKernelPage) hands out zeroes even when it has to zero a
 * dirty free page itself: with every other available page held aside on the bad list, the
 * only page left is a dirty one.
 */
static void CheckZeroesFromDirtyPage(uint32_t (*Remove)(void))
{
    uint32_t page, got, value = 0, held, standby = MmStandbyPageListHead.Total;
    uint32_t *va;
    KIRQL oldIrql, hyperIrql;

    KT_ASSERT_EQ(0, standby);
    LOCK_PFN(oldIrql);
    page = MiRemoveAnyPage();
    held = MoveAvailablePages(&MmZeroedPageListHead, &MmFreePageListHead, &MmBadPageListHead);
    va = MiMapPageInHyperSpace(page, &hyperIrql);
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
        va[i] = 0xDEADBEEF;
    MiUnmapPageInHyperSpace(va, hyperIrql);
    MiInsertPageInList(&MmFreePageListHead, page);

    got = Remove();
    va = MiMapPageInHyperSpace(got, &hyperIrql);
    for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
        value |= va[i];
    MiUnmapPageInHyperSpace(va, hyperIrql);
    MiInsertPageInList(&MmZeroedPageListHead, got);
    MoveAvailablePages(&MmBadPageListHead, NULL, &MmFreePageListHead);
    UNLOCK_PFN(oldIrql);

    KT_ASSERT_GT(held, 1000);
    KT_ASSERT_EQ(page, got);
    KT_ASSERT_EQ(0, value);
    CheckTotals(0);
}

KTEST(TestPfnZeroPage, "mm.pfn.zeropage")
{
    CheckZeroesFromDirtyPage(MiRemoveZeroPage);
}

/* Kernel stacks' and nonpaged pool's pages come zeroed too (pfnlist.c says why). */
KTEST(TestPfnKernelPage, "mm.pfn.kernelpage")
{
    CheckZeroesFromDirtyPage(MiRemoveKernelPage);
}

/* Reference and share counts send a page where NT sends it when the last mapping goes. */
KTEST(TestPfnReferenceCounts, "mm.pfn.refcounts")
{
    MMPTE *pte = MiGetPteAddress(SCRATCH_VA);
    uint32_t tableFrame = MiGetPdeAddress(SCRATCH_VA)->u.Hard.PageFrameNumber;
    uint32_t tableShares = MI_PFN_ELEMENT(tableFrame)->u2.ShareCount;
    static const struct { bool Modified, Deleted, RemovalRequested; MMLISTS Expected; } cases[] = {
        { false, false, false, StandbyPageList },
        { true, false, false, ModifiedPageList },
        { true, true, false, FreePageList },
        { false, false, true, BadPageList },
    };

    for (size_t c = 0; c < ARRAYSIZE(cases); c++) {
        KIRQL oldIrql;
        uint32_t page;
        MMPFN *pfn, mapped;
        uint32_t mappedTableShares, location, references;

        LOCK_PFN(oldIrql);
        page = MiRemoveAnyPage();
        pfn = MI_PFN_ELEMENT(page);
        pte->u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
        MiInitializePfn(page, pte, cases[c].Modified);
        mapped = *pfn;
        mappedTableShares = MI_PFN_ELEMENT(tableFrame)->u2.ShareCount;
        pfn->u3.e1.RemovalRequested = cases[c].RemovalRequested;
        if (cases[c].Deleted)
            MI_SET_PFN_DELETED(pfn);
        MiDecrementShareCount(page);
        MiDecrementShareCount(tableFrame);
        location = pfn->u3.e1.PageLocation;
        references = pfn->u3.e2.ReferenceCount;

        /* Give the page back as a plain free page. */
        MiUnlinkPageFromList(pfn);
        pfn->u3.e1.PageLocation = TransitionPage;
        pfn->u3.e1.Modified = 0;
        pfn->u3.e1.RemovalRequested = 0;
        pfn->PteAddress = NULL;
        MiInsertPageInList(&MmFreePageListHead, page);
        pte->u.Long = MM_ZERO_PTE;
        UNLOCK_PFN(oldIrql);

        KT_ASSERT_EQ(tableShares + 1, mappedTableShares);
        KT_ASSERT_EQ(1, mapped.u3.e2.ReferenceCount);
        KT_ASSERT_EQ(1, mapped.u2.ShareCount);
        KT_ASSERT_EQ(MM_KERNEL_DEMAND_ZERO_PTE, mapped.OriginalPte.u.Long);
        KT_ASSERT_EQ(cases[c].Expected, location);
        KT_ASSERT_EQ(0, references);
    }
    KT_ASSERT_EQ(tableShares, MI_PFN_ELEMENT(tableFrame)->u2.ShareCount);
    CheckTotals(0);
}
