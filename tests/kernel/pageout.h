/*
 * tests/kernel/pageout.h: what the paging tests share: a page of a pageable buffer, its PTE
 * read afresh, and sending pages to the paging file as RAMMap's buttons do.
 */
#ifndef TESTS_KERNEL_PAGEOUT_H
#define TESTS_KERNEL_PAGEOUT_H

#include "kernel/kd/ktest.h"
#include "mm/mi.h"

#define KT_PAGE_OUT_TRIES   50

static inline volatile uint32_t *PageAt(void *Base, uint32_t Page)
{
    return (volatile uint32_t *)((char *)Base + (size_t)Page * PAGE_SIZE);
}

static inline MMPTE PteOf(void *Base, uint32_t Page)
{
    return (MMPTE){ .u.Long = ((volatile MMPTE *)MiGetPteAddress((const void *)PageAt(Base, Page)))->u.Long };
}

static inline bool IsPageFilePte(MMPTE Pte)
{
    return !Pte.u.Hard.Valid && !Pte.u.Soft.Prototype && !Pte.u.Soft.Transition &&
           Pte.u.Soft.PageFileHigh != 0;
}

/*
 * MmAvailablePages with the page the zero page thread holds off the lists while it zeroes it
 * counted in, read under the PFN lock: it changes only when something takes or frees pages,
 * so a test can compare it before and after what it does.
 */
static inline uint32_t KtAvailablePages(void)
{
    KIRQL oldIrql;
    uint32_t available;

    LOCK_PFN(oldIrql);
    available = MmAvailablePages + MiPagesBeingZeroed;
    UNLOCK_PFN(oldIrql);
    return available;
}

/*
 * Send Pages pages from Base to the paging file: the working set to the lists, the modified
 * pages written, the standby pages reused. The modified page writer may hold some in a write
 * of its own meanwhile, so this goes round until every PTE names a slot; if they never all
 * do, the test fails.
 */
void KtPageOut(void *Base, uint32_t Pages);

/*
 * Memory made short on purpose: KtHoldAvailablePages takes available pages (zeroed, free, then
 * standby, as any consumer would) onto the bad list's tail until fewer than Below are left,
 * with the PFN lock held, and returns how many it now holds; KtReleaseHeldPages (a KtDefer
 * routine; Context unused) gives them all back to the free list.
 */
uint32_t KtHoldAvailablePages(uint32_t Below);
void KtReleaseHeldPages(void *Context);

#endif
