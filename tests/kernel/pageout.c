/* tests/kernel/pageout.c: sending a test's pages to the paging file (pageout.h). */
#include "tests/kernel/pageout.h"

void KtPageOut(void *Base, uint32_t Pages)
{
    int64_t pause = KI_MILLISECONDS(10);

    for (uint32_t attempt = 0; attempt < KT_PAGE_OUT_TRIES; attempt++) {
        uint32_t inFile = 0;

        MmEmptySystemWorkingSet();
        MmEmptyModifiedPageList();
        MmPurgeStandbyList();
        for (uint32_t page = 0; page < Pages; page++)
            inFile += IsPageFilePte(PteOf(Base, page));
        if (inFile == Pages)
            return;
        KeDelayExecutionThread(KernelMode, false, &pause);
    }
    KtFail(__FILE__, __LINE__, "the pages at %p did not all reach the paging file", Base);
}

static uint32_t KtHeldPages;

uint32_t KtHoldAvailablePages(uint32_t Below)
{
    for (; MmAvailablePages >= Below; KtHeldPages++)
        MiInsertPageInList(&MmBadPageListHead, MiRemoveAnyPage());
    return KtHeldPages;
}

void KtReleaseHeldPages(void *Context)
{
    KIRQL oldIrql;

    (void)Context;
    LOCK_PFN(oldIrql);
    for (; KtHeldPages; KtHeldPages--) {
        uint32_t page = MmBadPageListHead.Blink;
        MMPFN *pfn = MI_PFN_ELEMENT(page);

        MiUnlinkPageFromList(pfn);
        pfn->u3.e1.PageLocation = TransitionPage;
        MiInsertPageInList(&MmFreePageListHead, page);
    }
    UNLOCK_PFN(oldIrql);
}
