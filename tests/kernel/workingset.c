/*
 * tests/kernel/workingset.c: the working-set clock on a list of the test's own, where what the
 * scan sees can be arranged exactly.
 */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"

#define WS_TAG          POOL_TAG('T', 'W', 's', 'l')
#define WS_ENTRIES      3

/*
 * A scan where every page stays accessed: the list's valid entries name the very page the
 * list lives in, so each step of the scan, reading the list after the previous entry's TB
 * entry was flushed, sets the accessed bit again. The clock finds no candidate and must still
 * pick a page of the set, never the free entry between (whose link, read as an address, names
 * 0xFFFFF000). The page needs a PTE for the scan to read: initial nonpaged pool on a 4 MB
 * page (mminit.c) has none, and then paged pool, faulted in by the zeroing, is used instead.
 */
KTEST(TestReplaceAllAccessed, "mm.ws.replace_all_accessed")
{
    MMWSL *wsl = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, WS_TAG);
    MMSUPPORT ws = { 0 };
    uintptr_t self;
    uint32_t index, ages;
    MMWSLE chosen;

    KT_ASSERT(wsl != NULL);
    if (MI_IS_PHYSICAL_ADDRESS(wsl)) {
        ExFreePoolWithTag(wsl, WS_TAG);
        wsl = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, WS_TAG);
        KT_ASSERT(wsl != NULL);
    }
    self = (uintptr_t)wsl;
    if (self & (PAGE_SIZE - 1)) {
        ExFreePoolWithTag(wsl, WS_TAG);
        KtFail(__FILE__, __LINE__, "a page of nonpaged pool at %p, not page-aligned", wsl);
    }
    RtlZeroMemory(wsl, PAGE_SIZE);
    wsl->Wsle = (MMWSLE *)(wsl + 1);
    wsl->FirstDynamic = 0;
    wsl->NextNewEntry = WS_ENTRIES;
    wsl->LastInitializedWsle = (PAGE_SIZE - sizeof(MMWSL)) / sizeof(MMWSLE);
    wsl->NextSlot = 0;
    wsl->Wsle[0].u1.Long = self | 1;
    wsl->Wsle[1].u1.Long = WSLE_NULL_INDEX << MM_FREE_WSLE_SHIFT;
    wsl->Wsle[2].u1.Long = self | 1;
    wsl->Wsle[0].u1.e1.Age = MI_MAXIMUM_AGE;
    wsl->Wsle[2].u1.e1.Age = MI_MAXIMUM_AGE;
    wsl->FirstFree = 1;
    ws.VmWorkingSetList = wsl;
    ws.WorkingSetSize = 2;

    index = MiFindReplacementEntry(&ws);
    chosen = index < WS_ENTRIES ? wsl->Wsle[index] : (MMWSLE){ 0 };
    ages = wsl->Wsle[0].u1.e1.Age + wsl->Wsle[2].u1.e1.Age;
    ExFreePoolWithTag(wsl, WS_TAG);

    KtPrint("chose entry %u (%08x)", index, chosen.u1.Long);
    /* The premise: each page was found accessed at every look (its age went back to 0). */
    KT_ASSERT_EQ(0, ages);
    KT_ASSERT_LT(index, WS_ENTRIES);
    KT_ASSERT_EQ(1, chosen.u1.e1.Valid);
    KT_ASSERT_EQ(self, chosen.u1.Long & ~(PAGE_SIZE - 1));
}

/*
 * Locked entries (the front of the list, below FirstDynamic) are never chosen, whatever their
 * age, and not aged; with every entry locked there is nothing to replace. The list is the
 * test's own, its entries naming the page it lives in, as above.
 */
KTEST(TestReplaceSkipsLocked, "mm.ws.replace_skips_locked")
{
    MMWSL *wsl = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, WS_TAG);
    MMSUPPORT ws = { 0 };
    uintptr_t self;
    uint32_t chosen[4], none, lockedAge;

    KT_ASSERT(wsl != NULL);
    if (MI_IS_PHYSICAL_ADDRESS(wsl)) {          /* no PTE for the scan to read: as above */
        ExFreePoolWithTag(wsl, WS_TAG);
        wsl = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, WS_TAG);
        KT_ASSERT(wsl != NULL);
    }
    self = (uintptr_t)wsl;
    if (self & (PAGE_SIZE - 1)) {
        ExFreePoolWithTag(wsl, WS_TAG);
        KtFail(__FILE__, __LINE__, "a page of nonpaged pool at %p, not page-aligned", wsl);
    }
    RtlZeroMemory(wsl, PAGE_SIZE);
    wsl->Wsle = (MMWSLE *)(wsl + 1);
    wsl->FirstDynamic = 2;
    wsl->NextNewEntry = WS_ENTRIES;
    wsl->LastInitializedWsle = (PAGE_SIZE - sizeof(MMWSL)) / sizeof(MMWSLE);
    wsl->FirstFree = WSLE_NULL_INDEX;
    for (uint32_t i = 0; i < WS_ENTRIES; i++) {
        wsl->Wsle[i].u1.Long = self | 1 | (i < 2 ? MI_WSLE_LOCKED_IN_WS : 0);
        wsl->Wsle[i].u1.e1.Age = MI_MAXIMUM_AGE;
    }
    ws.VmWorkingSetList = wsl;
    ws.WorkingSetSize = WS_ENTRIES;

    for (uint32_t i = 0; i < ARRAYSIZE(chosen); i++) {
        wsl->NextSlot = i;                      /* the scan may start anywhere, even below */
        chosen[i] = MiFindReplacementEntry(&ws);
    }
    MiAgeWorkingSet(&ws, 2 * WS_ENTRIES);
    lockedAge = wsl->Wsle[0].u1.e1.Age + wsl->Wsle[1].u1.e1.Age;
    wsl->FirstDynamic = WS_ENTRIES;             /* all locked */
    none = MiFindReplacementEntry(&ws);
    ExFreePoolWithTag(wsl, WS_TAG);

    for (uint32_t i = 0; i < ARRAYSIZE(chosen); i++)
        KT_ASSERT_EQ(2, chosen[i]);
    KT_ASSERT_EQ(2 * MI_MAXIMUM_AGE, lockedAge);
    KT_ASSERT_EQ(WSLE_NULL_INDEX, none);
}
