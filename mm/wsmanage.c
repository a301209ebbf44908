/*
 * mm/wsmanage.c: the working-set manager, MmWorkingSetManager, which the balance set manager
 * thread runs every second and whenever memory runs short. It ages the system working set (a
 * quarter of it a time: accessed pages restart at age 0, the rest grow older) and, when fewer
 * than MmPlentyFreePages pages are available, trims it in NT's passes, oldest pages first:
 * age 2 and up, then 1 and up three times, then any. Trimmed pages go to the standby and
 * modified lists, and the modified page writer is woken to clean them.
 */
#include "mm/mi.h"

#define MI_AGING_SHIFT          2

/* Trimming to empty ignores the minimum the working set otherwise keeps. */

static const uint8_t MiTrimAges[] = { 2, 1, 1, 1, 0 };

void MmWorkingSetManager(void)
{
    MMSUPPORT *ws = &MmSystemCacheWs;
    uint32_t trimmed = 0;

    MiLockSystemWorkingSet();
    MiAgeWorkingSet(ws, ws->WorkingSetSize >> MI_AGING_SHIFT);
    if (MmAvailablePages < MmPlentyFreePages) {
        uint32_t goal = MmPlentyFreePages - MmAvailablePages;

        for (size_t pass = 0; pass < ARRAYSIZE(MiTrimAges) && trimmed < goal; pass++)
            trimmed += MiTrimWorkingSet(ws, goal - trimmed, MiTrimAges[pass]);
        ws->LastTrimTime = KeTickCount;
    }
    MiUnlockSystemWorkingSet();
    if (MmModifiedPageListHead.Total && MmAvailablePages < MM_PLENTY_FREE_LIMIT)
        KeSetEvent(&MmModifiedPageWriterEvent);
}

/* Every page of the system working set goes to the standby or modified list; returns how many. */
uint32_t MmEmptySystemWorkingSet(void)
{
    uint32_t trimmed;

    MiLockSystemWorkingSet();
    trimmed = MiTrimWorkingSet(&MmSystemCacheWs, MmSystemCacheWs.WorkingSetSize, 0);
    MiUnlockSystemWorkingSet();
    return trimmed;
}
