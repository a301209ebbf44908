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

/*
 * SetProcessWorkingSetSize (NtSetInformationProcess, ProcessQuotaLimits): the current process's
 * minimum and maximum in bytes; both 0xFFFFFFFF empties the working set. NT's checks: the
 * maximum not below the minimum, at least 20 pages minimum, and the maximum within what memory
 * allows (STATUS_INVALID_PARAMETER otherwise, STATUS_WORKING_SET_QUOTA when the pages to lock
 * would not fit), and a maximum above the locked pages by more than MM_FLUID_WORKING_SET
 * (STATUS_BAD_WORKING_SET_LIMIT). Emptying the working set leaves its locked pages.
 */
NTSTATUS MmAdjustWorkingSetSize(KPROCESS *KProcess, uint32_t Minimum, uint32_t Maximum)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    MMSUPPORT *ws;
    uint32_t minimum = Minimum / PAGE_SIZE, maximum = Maximum / PAGE_SIZE;

    if (!process)
        return STATUS_INVALID_PARAMETER;
    ws = &process->Vm;
    MiLockWorkingSet(ws);
    if (Minimum == 0xFFFFFFFF && Maximum == 0xFFFFFFFF) {
        MiTrimWorkingSet(ws, ws->WorkingSetSize, 0);
        MiUnlockWorkingSet(ws);
        return STATUS_SUCCESS;
    }
    if (Minimum == 0 && Maximum == 0) {
        MiUnlockWorkingSet(ws);
        return STATUS_SUCCESS;
    }
    if (minimum < 20 || maximum < minimum || maximum > MmNumberOfPhysicalPages ||
        maximum > (MM_PROCESS_WSL_END - MM_WORKING_SET_LIST) / sizeof(MMWSLE)) {
        MiUnlockWorkingSet(ws);
        return minimum > MmAvailablePages ? STATUS_WORKING_SET_QUOTA : STATUS_INVALID_PARAMETER;
    }
    if (ws->VmWorkingSetList->FirstDynamic + MM_FLUID_WORKING_SET >= maximum) {
        MiUnlockWorkingSet(ws);
        return STATUS_BAD_WORKING_SET_LIMIT;        /* the locked pages would leave no room */
    }
    ws->MinimumWorkingSetSize = minimum;
    ws->MaximumWorkingSetSize = maximum;
    if (ws->WorkingSetSize > maximum)
        MiTrimWorkingSet(ws, ws->WorkingSetSize - maximum, 0);
    MiUnlockWorkingSet(ws);
    return STATUS_SUCCESS;
}

uint32_t MmNumberOfPhysicalPagesForUser(void)
{
    return MmNumberOfPhysicalPages;
}

uint32_t MmHighestPhysicalPageForUser(void)
{
    return MmHighestPhysicalPage;
}
