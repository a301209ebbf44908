/*
 * mm/wsmanage.c: the working-set manager, MmWorkingSetManager, which the balance set manager
 * thread runs every second and whenever memory runs short. It visits the system working set
 * and then every process's (those on MmWorkingSetExpansionHead, round robin), attached to the
 * process, since a process's list and PTEs are addressable only from inside it. Each visit ages
 * a quarter of the set (accessed pages restart at age 0, the rest grow older) and, when fewer
 * than MmPlentyFreePages pages are available, trims in NT's passes, oldest pages first: age 2
 * and up, then 1 and up three times. The system working set then gives any page (age 0); a
 * process keeps its minimum, and gives a quarter of what it holds above it at age 0 only when
 * memory is below MmMinimumFreePages (NT's ForceTrim at very low memory). A process that grew
 * past its (soft) maximum while memory was plentiful is trimmed back to it, in the same passes,
 * once fewer than MM_PLENTY_FREE_LIMIT pages are available. Trimmed pages go to
 * the standby and modified lists, and the modified page writer is woken to clean them.
 *
 * A process leaving (MmCleanProcessAddressSpace, through MiUnlinkWorkingSet) while its working
 * set is being visited waits for the visit to end, as NT's does: the address space outlives
 * every attach.
 */
#include "mm/mi.h"

#define MI_AGING_SHIFT          2

static const uint8_t MiSystemTrimAges[] = { 2, 1, 1, 1, 0 };
static const uint8_t MiProcessTrimAges[] = { 2, 1, 1, 1 };

static KEVENT MiWorkingSetVisitDone;    /* a leaving process's working set is free again */

void MiInitializeWorkingSetManager(void)
{
    KeInitializeEvent(&MiWorkingSetVisitDone, SynchronizationEvent, false);
}

/* Age Ws and, when memory is short, trim it by Ages; returns the pages taken. Ws locked. */
static uint32_t MiManageWorkingSet(MMSUPPORT *Ws, const uint8_t *Ages, size_t Passes,
                                   uint32_t Goal)
{
    uint32_t trimmed = 0;

    MiAgeWorkingSet(Ws, Ws->WorkingSetSize >> MI_AGING_SHIFT);
    if (Ws->IsProcess && Ws->WorkingSetSize > Ws->MaximumWorkingSetSize &&
        MmAvailablePages < MM_PLENTY_FREE_LIMIT)
        Goal = MAX(Goal, Ws->WorkingSetSize - Ws->MaximumWorkingSetSize);
    if (Goal == 0)
        return 0;
    for (size_t pass = 0; pass < Passes && trimmed < Goal; pass++)
        trimmed += MiTrimWorkingSet(Ws, Goal - trimmed, Ages[pass]);
    if (Ws->IsProcess && trimmed < Goal && MmAvailablePages < MmMinimumFreePages &&
        Ws->WorkingSetSize > Ws->MinimumWorkingSetSize)
        trimmed += MiTrimWorkingSet(Ws, MIN(Goal - trimmed,
                                            (Ws->WorkingSetSize - Ws->MinimumWorkingSetSize) / 4),
                                    0);
    Ws->LastTrimTime = KeTickCount;
    return trimmed;
}

/* The pages still wanted to bring available memory up to MmPlentyFreePages. */
static uint32_t MiTrimGoal(void)
{
    return MmAvailablePages < MmPlentyFreePages ? MmPlentyFreePages - MmAvailablePages : 0;
}

/* The next process working set to visit, taken off the list and marked, or NULL. */
static MMSUPPORT *MiTakeNextWorkingSet(void)
{
    MMSUPPORT *ws = NULL;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MmExpansionLock, &oldIrql);
    if (!IsListEmpty(&MmWorkingSetExpansionHead)) {
        ws = CONTAINING_RECORD(RemoveHeadList(&MmWorkingSetExpansionHead), MMSUPPORT,
                               WorkingSetExpansionLinks);
        ws->BeingTrimmed = true;
    }
    KeReleaseSpinLock(&MmExpansionLock, oldIrql);
    return ws;
}

/* A visited working set goes back to the end of the list, or to the process leaving. */
static void MiReturnWorkingSet(MMSUPPORT *Ws)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&MmExpansionLock, &oldIrql);
    Ws->BeingTrimmed = false;
    if (Ws->DeletePending)
        KeSetEvent(&MiWorkingSetVisitDone);
    else
        InsertTailList(&MmWorkingSetExpansionHead, &Ws->WorkingSetExpansionLinks);
    KeReleaseSpinLock(&MmExpansionLock, oldIrql);
}

/* Process is leaving: off the list, waiting for a visit in progress to end first. */
void MiUnlinkWorkingSet(MMPROCESS *Process)
{
    MMSUPPORT *ws = &Process->Vm;
    bool wait;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MmExpansionLock, &oldIrql);
    wait = ws->BeingTrimmed;
    if (wait)
        ws->DeletePending = true;
    else
        RemoveEntryList(&ws->WorkingSetExpansionLinks);
    KeReleaseSpinLock(&MmExpansionLock, oldIrql);
    if (wait)
        KeWaitForSingleObject(&MiWorkingSetVisitDone, Executive, KernelMode, false, NULL);
}

static uint32_t MiListedWorkingSets(void)
{
    uint32_t count = 0;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MmExpansionLock, &oldIrql);
    for (LIST_ENTRY *e = MmWorkingSetExpansionHead.Flink; e != &MmWorkingSetExpansionHead;
         e = e->Flink)
        count++;
    KeReleaseSpinLock(&MmExpansionLock, oldIrql);
    return count;
}

void MmWorkingSetManager(void)
{
    uint32_t processes;

    MiLockSystemWorkingSet();
    MiManageWorkingSet(&MmSystemCacheWs, MiSystemTrimAges, ARRAYSIZE(MiSystemTrimAges),
                       MiTrimGoal());
    MiUnlockSystemWorkingSet();

    processes = MiListedWorkingSets();
    for (uint32_t n = 0; n < processes; n++) {
        MMSUPPORT *ws = MiTakeNextWorkingSet();
        MMPROCESS *process;
        KAPC_STATE apcState;

        if (!ws)
            break;
        process = CONTAINING_RECORD(ws, MMPROCESS, Vm);
        KeStackAttachProcess(MiGetKProcess(process), &apcState);
        MiLockWorkingSet(ws);
        MiManageWorkingSet(ws, MiProcessTrimAges, ARRAYSIZE(MiProcessTrimAges), MiTrimGoal());
        MiUnlockWorkingSet(ws);
        KeUnstackDetachProcess(&apcState);
        MiReturnWorkingSet(ws);
    }
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
 * SetProcessWorkingSetSize (NtSetInformationProcess, ProcessQuotaLimits): a process's minimum
 * and maximum in bytes; both 0xFFFFFFFF empties the working set (but for its locked pages),
 * both 0 changes nothing. As NT: a minimum under 20 pages becomes 20; a maximum above the
 * system's (what was available at start-up less 512 pages, MmSystemCacheWs's) is cut to it
 * with the informational STATUS_WORKING_SET_LIMIT_RANGE; a maximum then below the minimum, or
 * within MM_FLUID_WORKING_SET pages of the locked ones, is STATUS_BAD_WORKING_SET_LIMIT; a
 * minimum that memory cannot hold is STATUS_WORKING_SET_QUOTA. A set above its new maximum is
 * trimmed down to it at once. Flags (QUOTA_LIMITS_EX's) make the maximum hard or soft again
 * and record the minimum's choice (a minimum is never trimmed into here, hard or not); an
 * ENABLE with its DISABLE, or an unknown flag, is STATUS_INVALID_PARAMETER.
 */
NTSTATUS MmAdjustWorkingSetSize(KPROCESS *KProcess, uint32_t Minimum, uint32_t Maximum,
                                uint32_t Flags)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    uint32_t minimum = Minimum / PAGE_SIZE, maximum = Maximum / PAGE_SIZE;
    NTSTATUS status = STATUS_SUCCESS;
    MMSUPPORT *ws;

    if (!process || (Flags & ~QUOTA_LIMITS_HARDWS_FLAGS) ||
        (Flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE && Flags & QUOTA_LIMITS_HARDWS_MIN_DISABLE) ||
        (Flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE && Flags & QUOTA_LIMITS_HARDWS_MAX_DISABLE))
        return STATUS_INVALID_PARAMETER;
    ws = &process->Vm;
    MiLockWorkingSet(ws);
    if (Flags & (QUOTA_LIMITS_HARDWS_MIN_ENABLE | QUOTA_LIMITS_HARDWS_MIN_DISABLE))
        ws->MinimumWorkingSetHard = (Flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) != 0;
    if (Flags & (QUOTA_LIMITS_HARDWS_MAX_ENABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE))
        ws->MaximumWorkingSetHard = (Flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE) != 0;
    if (Minimum == 0 && Maximum == 0) {
        MiUnlockWorkingSet(ws);
        return STATUS_SUCCESS;
    }
    if (Minimum == 0xFFFFFFFF && Maximum == 0xFFFFFFFF) {
        MiTrimWorkingSet(ws, ws->WorkingSetSize, 0);
        MiUnlockWorkingSet(ws);
        return STATUS_SUCCESS;
    }
    minimum = MAX(minimum, MM_MINIMUM_WORKING_SET_SIZE);
    if (maximum > MmSystemCacheWs.MaximumWorkingSetSize) {
        maximum = MmSystemCacheWs.MaximumWorkingSetSize;
        status = STATUS_WORKING_SET_LIMIT_RANGE;
    }
    if (maximum < minimum ||
        ws->VmWorkingSetList->FirstDynamic + MM_FLUID_WORKING_SET >= maximum) {
        status = STATUS_BAD_WORKING_SET_LIMIT;      /* or the locked pages would leave no room */
    } else if (minimum > MmAvailablePages) {
        status = STATUS_WORKING_SET_QUOTA;
    } else {
        ws->MinimumWorkingSetSize = minimum;
        ws->MaximumWorkingSetSize = maximum;
        if (ws->WorkingSetSize > maximum)
            MiTrimWorkingSet(ws, ws->WorkingSetSize - maximum, 0);
    }
    MiUnlockWorkingSet(ws);
    return status;
}

/* The QUOTA_LIMITS_HARDWS_ flags that describe KProcess's working-set limits now. */
uint32_t MmQueryWorkingSetFlags(KPROCESS *KProcess)
{
    const MMSUPPORT *ws = &MiGetProcess(KProcess)->Vm;

    return (ws->MinimumWorkingSetHard ? QUOTA_LIMITS_HARDWS_MIN_ENABLE
                                      : QUOTA_LIMITS_HARDWS_MIN_DISABLE) |
           (ws->MaximumWorkingSetHard ? QUOTA_LIMITS_HARDWS_MAX_ENABLE
                                      : QUOTA_LIMITS_HARDWS_MAX_DISABLE);
}

uint32_t MmNumberOfPhysicalPagesForUser(void)
{
    return MmNumberOfPhysicalPages;
}

uint32_t MmHighestPhysicalPageForUser(void)
{
    return MmHighestPhysicalPage;
}
