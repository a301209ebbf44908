/*
 * kernel/ps/psquery.c: what processes and threads tell about themselves (NT's psquery.c) and
 * the small services around waiting: NtQueryInformationProcess (basic information, quota
 * limits, VM counters), NtSetInformationProcess (the working-set limits), NtQueryInformation
 * Thread, NtQuerySystemInformation (basic information), the waits, NtDelayExecution,
 * NtYieldExecution, NtQueryPerformanceCounter, NtOpenProcess, NtDuplicateObject, NtClose.
 */
#include "kernel/ps/ps.h"
#include "kernel/cc/cc.h"

#define ProcessBasicInformation     0
#define ProcessQuotaLimits          1
#define ProcessVmCounters           3
#define ThreadBasicInformation      0
#define SystemBasicInformation      0
#define SystemPerformanceInformation 2
#define SystemPageFileInformation   18
#define SystemPoolTagInformation    22

typedef struct _PROCESS_BASIC_INFORMATION {
    NTSTATUS ExitStatus;
    uint32_t PebBaseAddress;
    uint32_t AffinityMask;
    int32_t BasePriority;
    uint32_t UniqueProcessId;
    uint32_t InheritedFromUniqueProcessId;
} PROCESS_BASIC_INFORMATION;

typedef struct _QUOTA_LIMITS {
    uint32_t PagedPoolLimit, NonPagedPoolLimit;
    uint32_t MinimumWorkingSetSize, MaximumWorkingSetSize;
    uint32_t PagefileLimit;
    int64_t TimeLimit __attribute__((aligned(8)));     /* a LARGE_INTEGER: 8-aligned on NT x86 */
} QUOTA_LIMITS;

/* Server 2003's: QUOTA_LIMITS, then the hard working-set flags (and fields mm386 keeps 0). */
typedef struct _QUOTA_LIMITS_EX {
    QUOTA_LIMITS Limits;
    uint32_t WorkingSetLimit;
    uint32_t Reserved2, Reserved3, Reserved4;
    uint32_t Flags;                     /* QUOTA_LIMITS_HARDWS_ */
    uint32_t CpuRateLimit;
} QUOTA_LIMITS_EX;

typedef struct _VM_COUNTERS {
    uint32_t PeakVirtualSize, VirtualSize, PageFaultCount;
    uint32_t PeakWorkingSetSize, WorkingSetSize;
    uint32_t QuotaPeakPagedPoolUsage, QuotaPagedPoolUsage;
    uint32_t QuotaPeakNonPagedPoolUsage, QuotaNonPagedPoolUsage;
    uint32_t PagefileUsage, PeakPagefileUsage;
} VM_COUNTERS;

typedef struct _THREAD_BASIC_INFORMATION {
    NTSTATUS ExitStatus;
    uint32_t TebBaseAddress;
    NT_CLIENT_ID ClientId;
    uint32_t AffinityMask;
    int32_t Priority, BasePriority;
} THREAD_BASIC_INFORMATION;

typedef struct _SYSTEM_BASIC_INFORMATION {
    uint32_t Reserved, TimerResolution, PageSize, NumberOfPhysicalPages;
    uint32_t LowestPhysicalPageNumber, HighestPhysicalPageNumber, AllocationGranularity;
    uint32_t MinimumUserModeAddress, MaximumUserModeAddress, ActiveProcessorsAffinityMask;
    uint8_t NumberOfProcessors;
} SYSTEM_BASIC_INFORMATION;

/* NT's classic x86 layout (NT 5.x), 0x138 bytes; later fields, added since, are not sent. */
typedef struct _SYSTEM_PERFORMANCE_INFORMATION {
    int64_t IdleProcessTime;
    int64_t IoReadTransferCount, IoWriteTransferCount, IoOtherTransferCount;
    uint32_t IoReadOperationCount, IoWriteOperationCount, IoOtherOperationCount;
    uint32_t AvailablePages, CommittedPages, CommitLimit, PeakCommitment;
    uint32_t PageFaultCount, CopyOnWriteCount, TransitionCount, CacheTransitionCount;
    uint32_t DemandZeroCount, PageReadCount, PageReadIoCount, CacheReadCount, CacheIoCount;
    uint32_t DirtyPagesWriteCount, DirtyWriteIoCount, MappedPagesWriteCount, MappedWriteIoCount;
    uint32_t PagedPoolPages, NonPagedPoolPages;
    uint32_t PagedPoolAllocs, PagedPoolFrees, NonPagedPoolAllocs, NonPagedPoolFrees;
    uint32_t FreeSystemPtes, ResidentSystemCodePage, TotalSystemDriverPages, TotalSystemCodePages;
    uint32_t NonPagedPoolLookasideHits, PagedPoolLookasideHits, AvailablePagedPoolPages;
    uint32_t ResidentSystemCachePage, ResidentPagedPoolPage, ResidentSystemDriverPage;
    uint32_t CcFastReadNoWait, CcFastReadWait, CcFastReadResourceMiss;
    uint32_t CcFastReadNotPossible, CcFastMdlReadNoWait, CcFastMdlReadWait;
    uint32_t CcFastMdlReadResourceMiss, CcFastMdlReadNotPossible, CcMapDataNoWait;
    uint32_t CcMapDataWait, CcMapDataNoWaitMiss, CcMapDataWaitMiss;
    uint32_t CcPinMappedDataCount, CcPinReadNoWait, CcPinReadWait;
    uint32_t CcPinReadNoWaitMiss, CcPinReadWaitMiss, CcCopyReadNoWait;
    uint32_t CcCopyReadWait, CcCopyReadNoWaitMiss, CcCopyReadWaitMiss;
    uint32_t CcMdlReadNoWait, CcMdlReadWait, CcMdlReadNoWaitMiss;
    uint32_t CcMdlReadWaitMiss, CcReadAheadIos, CcLazyWriteIos;
    uint32_t CcLazyWritePages, CcDataFlushes, CcDataPages;
    uint32_t ContextSwitches, FirstLevelTbFills, SecondLevelTbFills, SystemCalls;
} __attribute__((packed, aligned(4))) SYSTEM_PERFORMANCE_INFORMATION;

typedef struct _SYSTEM_POOLTAG_INFORMATION {
    uint32_t Count;
    SYSTEM_POOLTAG TagInfo[1];
} SYSTEM_POOLTAG_INFORMATION;

typedef struct _SYSTEM_PAGEFILE_INFORMATION {
    uint32_t NextEntryOffset;
    uint32_t TotalSize, TotalInUse, PeakUsage;
    NT_UNICODE_STRING PageFileName;
} SYSTEM_PAGEFILE_INFORMATION;

#define PSP_QUERY_TAG               POOL_TAG('P', 's', 'Q', 'y')
#define PSP_PAGEFILE_NAME_CHARS     64
#define PSP_PAGEFILE_ENTRY_SIZE     (sizeof(SYSTEM_PAGEFILE_INFORMATION) + 2 * PSP_PAGEFILE_NAME_CHARS)

_Static_assert(sizeof(PROCESS_BASIC_INFORMATION) == 24, "PROCESS_BASIC_INFORMATION");
_Static_assert(sizeof(QUOTA_LIMITS) == 32 && offsetof(QUOTA_LIMITS, TimeLimit) == 24,
               "QUOTA_LIMITS is NT's 32 bytes on x86");
_Static_assert(sizeof(QUOTA_LIMITS_EX) == 56 && offsetof(QUOTA_LIMITS_EX, Flags) == 48,
               "QUOTA_LIMITS_EX is NT's 56 bytes on x86");
_Static_assert(sizeof(VM_COUNTERS) == 44, "VM_COUNTERS");
_Static_assert(sizeof(THREAD_BASIC_INFORMATION) == 28, "THREAD_BASIC_INFORMATION");
_Static_assert(sizeof(SYSTEM_BASIC_INFORMATION) == 44, "SYSTEM_BASIC_INFORMATION");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, AvailablePages) == 0x2C, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, CommittedPages) == 0x30, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, CommitLimit) == 0x34, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, PeakCommitment) == 0x38, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, PageFaultCount) == 0x3C, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, PagedPoolPages) == 0x70, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, NonPagedPoolPages) == 0x74, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, FreeSystemPtes) == 0x88, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, CcFastReadNoWait) == 0xB0, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, CcCopyReadWait) == 0xF8, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, CcReadAheadIos) == 0x114, "NT's offset");
_Static_assert(offsetof(SYSTEM_PERFORMANCE_INFORMATION, ContextSwitches) == 0x128, "NT's offset");
_Static_assert(sizeof(SYSTEM_PERFORMANCE_INFORMATION) == 0x138, "NT's classic x86 size");
_Static_assert(offsetof(SYSTEM_POOLTAG_INFORMATION, TagInfo) == 4, "Count, then the tags");
_Static_assert(sizeof(SYSTEM_PAGEFILE_INFORMATION) == 24, "NT's x86 SYSTEM_PAGEFILE_INFORMATION");

/* Copy Size bytes of Data to the caller's Information (Length checked: exactly NT's rule that
 * the length must equal the structure's for these classes) and *ReturnLength. */
static NTSTATUS PspReturnInformation(void *Information, uint32_t Length, uint32_t *ReturnLength,
                                     const void *Data, uint32_t Size)
{
    NTSTATUS status;

    if (Length != Size)
        return STATUS_INFO_LENGTH_MISMATCH;
    status = ExReturnToMode(ExGetPreviousMode(), Information, Data, Size, 4);
    if (NT_SUCCESS(status) && ReturnLength)
        status = ExReturnToMode(ExGetPreviousMode(), ReturnLength, &Size, 4, 1);
    return status;
}

NTSTATUS NtQueryInformationProcess(HANDLE ProcessHandle, uint32_t InformationClass,
                                   void *Information, uint32_t Length, uint32_t *ReturnLength)
{
    EPROCESS *process;
    NTSTATUS status;

    if (InformationClass != ProcessBasicInformation && InformationClass != ProcessQuotaLimits &&
        InformationClass != ProcessVmCounters)
        return STATUS_INVALID_INFO_CLASS;
    status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_QUERY_INFORMATION, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&process, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (InformationClass == ProcessBasicInformation) {
        PROCESS_BASIC_INFORMATION info = {
            .ExitStatus = process->ExitStatus, .PebBaseAddress = (uint32_t)process->Peb,
            .AffinityMask = 1, .BasePriority = KI_DEFAULT_PRIORITY,
            .UniqueProcessId = process->UniqueProcessId,
            .InheritedFromUniqueProcessId = process->InheritedFromUniqueProcessId,
        };

        status = PspReturnInformation(Information, Length, ReturnLength, &info, sizeof(info));
    } else if (InformationClass == ProcessQuotaLimits) {
        QUOTA_LIMITS_EX info = { .Limits = {
            .MinimumWorkingSetSize = process->Mm.Vm.MinimumWorkingSetSize * PAGE_SIZE,
            .MaximumWorkingSetSize = process->Mm.Vm.MaximumWorkingSetSize * PAGE_SIZE,
            .PagefileLimit = process->Mm.CommitChargeLimit ? process->Mm.CommitChargeLimit * PAGE_SIZE
                                                           : 0xFFFFFFFF,
            .PagedPoolLimit = 0xFFFFFFFF, .NonPagedPoolLimit = 0xFFFFFFFF, .TimeLimit = -1,
        }, .Flags = MmQueryWorkingSetFlags(&process->Pcb) };

        /* QUOTA_LIMITS, or the whole QUOTA_LIMITS_EX when the caller gave room for it. */
        status = PspReturnInformation(Information, Length, ReturnLength, &info,
                                      Length == sizeof(info) ? sizeof(info) : sizeof(info.Limits));
    } else {
        VM_COUNTERS info = {
            .PeakVirtualSize = process->Mm.PeakVirtualSize,
            .VirtualSize = process->Mm.VirtualSize,
            .PageFaultCount = process->Mm.Vm.PageFaultCount,
            .PeakWorkingSetSize = process->Mm.Vm.PeakWorkingSetSize * PAGE_SIZE,
            .WorkingSetSize = process->Mm.Vm.WorkingSetSize * PAGE_SIZE,
            .PagefileUsage = process->Mm.CommitCharge * PAGE_SIZE,
            .PeakPagefileUsage = process->Mm.CommitChargePeak * PAGE_SIZE,
        };

        status = PspReturnInformation(Information, Length, ReturnLength, &info, sizeof(info));
    }
    ObDereferenceObject(process);
    return status;
}

/* ProcessQuotaLimits: the working set's minimum and maximum, in bytes; both 0xFFFFFFFF empties
 * the working set (SetProcessWorkingSetSize(-1, -1)). A QUOTA_LIMITS, or a QUOTA_LIMITS_EX
 * whose Flags make the limits hard or soft (SetProcessWorkingSetSizeEx). */
NTSTATUS NtSetInformationProcess(HANDLE ProcessHandle, uint32_t InformationClass,
                                 void *Information, uint32_t Length)
{
    QUOTA_LIMITS_EX limits = { 0 };
    EPROCESS *process;
    KAPC_STATE apcState;
    NTSTATUS status;

    if (InformationClass != ProcessQuotaLimits)
        return STATUS_INVALID_INFO_CLASS;
    if (Length != sizeof(limits) && Length != sizeof(limits.Limits))
        return STATUS_INFO_LENGTH_MISMATCH;
    status = ExCaptureFromMode(ExGetPreviousMode(), &limits, Information, Length, 4);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_SET_QUOTA, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&process, NULL);
    if (!NT_SUCCESS(status))
        return status;
    KeStackAttachProcess(&process->Pcb, &apcState);
    status = MmAdjustWorkingSetSize(&process->Pcb, limits.Limits.MinimumWorkingSetSize,
                                    limits.Limits.MaximumWorkingSetSize, limits.Flags);
    KeUnstackDetachProcess(&apcState);
    ObDereferenceObject(process);
    return status;
}

NTSTATUS NtQueryInformationThread(HANDLE ThreadHandle, uint32_t InformationClass,
                                  void *Information, uint32_t Length, uint32_t *ReturnLength)
{
    THREAD_BASIC_INFORMATION info;
    ETHREAD *thread;
    NTSTATUS status;

    if (InformationClass != ThreadBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    status = ObReferenceObjectByHandle(ThreadHandle, THREAD_QUERY_INFORMATION, &PsThreadType,
                                       ExGetPreviousMode(), (void **)&thread, NULL);
    if (!NT_SUCCESS(status))
        return status;
    info = (THREAD_BASIC_INFORMATION){
        .ExitStatus = thread->ExitStatus, .TebBaseAddress = (uint32_t)thread->Tcb.Teb,
        .ClientId = thread->Cid, .AffinityMask = 1, .Priority = thread->Tcb.Priority,
        .BasePriority = KI_DEFAULT_PRIORITY,
    };
    status = PspReturnInformation(Information, Length, ReturnLength, &info, sizeof(info));
    ObDereferenceObject(thread);
    return status;
}

/* SystemPerformanceInformation, filled from Mm's and Cc's counters and the service count. Cc
 * has no fast I/O, MDL reads or no-wait calls: those counters stay 0. */
static void PspQueryPerformance(SYSTEM_PERFORMANCE_INFORMATION *Info)
{
    MM_SYSTEM_COUNTERS mm;

    MmQuerySystemCounters(&mm);
    *Info = (SYSTEM_PERFORMANCE_INFORMATION){
        .AvailablePages = mm.AvailablePages, .CommittedPages = mm.CommittedPages,
        .CommitLimit = mm.CommitLimit, .PeakCommitment = mm.PeakCommitment,
        .PageFaultCount = mm.PageFaultCount, .TransitionCount = mm.TransitionCount,
        .DemandZeroCount = mm.DemandZeroCount, .PageReadCount = mm.PageReadCount,
        .PageReadIoCount = mm.PageReadIoCount, .DirtyPagesWriteCount = mm.DirtyPagesWriteCount,
        .DirtyWriteIoCount = mm.DirtyWriteIoCount, .PagedPoolPages = mm.PagedPoolPages,
        .NonPagedPoolPages = mm.NonPagedPoolPages, .PagedPoolAllocs = mm.PagedPoolAllocs,
        .PagedPoolFrees = mm.PagedPoolFrees, .NonPagedPoolAllocs = mm.NonPagedPoolAllocs,
        .NonPagedPoolFrees = mm.NonPagedPoolFrees, .FreeSystemPtes = mm.FreeSystemPtes,
        .AvailablePagedPoolPages = mm.AvailablePagedPoolPages,
        .ResidentPagedPoolPage = mm.ResidentPagedPoolPages,
        .ResidentSystemCachePage = mm.ResidentSystemCachePages,
        .CcMapDataWait = CcStatistics.MapDataWait, .CcPinReadWait = CcStatistics.PinReadWait,
        .CcCopyReadWait = CcStatistics.CopyReadWait,
        .CcCopyReadWaitMiss = CcStatistics.CopyReadWaitMiss,
        .CcReadAheadIos = CcStatistics.ReadAheadIos, .CcLazyWriteIos = CcStatistics.LazyWriteIos,
        .CcLazyWritePages = CcStatistics.LazyWritePages, .CcDataFlushes = CcStatistics.DataFlushes,
        .CcDataPages = CcStatistics.DataPages,
        .SystemCalls = PspSystemCallCount(),
    };
}

/*
 * SystemPoolTagInformation: Count, then one SYSTEM_POOLTAG per tag. A buffer too small for
 * them all gets Count and the entries that fit, STATUS_INFO_LENGTH_MISMATCH, and the length
 * needed in *ReturnLength; one too small for Count gets only the mismatch.
 */
static NTSTATUS PspQueryPoolTags(void *Information, uint32_t Length, uint32_t *Needed)
{
    const uint32_t header = offsetof(SYSTEM_POOLTAG_INFORMATION, TagInfo);
    SYSTEM_POOLTAG *tags = NULL;
    uint32_t count = ExGetPoolTagInfo(NULL, 0), room, fit;
    NTSTATUS status;

    do {                                /* tags are never removed: the count only grows */
        if (tags)
            ExFreePoolWithTag(tags, PSP_QUERY_TAG);
        room = count + 8;
        tags = ExAllocatePoolWithTag(NonPagedPool, room * sizeof(*tags), PSP_QUERY_TAG);
        if (!tags)
            return STATUS_INSUFFICIENT_RESOURCES;
        count = ExGetPoolTagInfo(tags, room);
    } while (count > room);
    *Needed = header + count * (uint32_t)sizeof(*tags);
    if (Length < header) {
        status = STATUS_INFO_LENGTH_MISMATCH;
    } else {
        fit = MIN(count, (Length - header) / (uint32_t)sizeof(*tags));
        status = ExReturnToMode(ExGetPreviousMode(), Information, &count, sizeof(count), 4);
        if (NT_SUCCESS(status))
            status = ExReturnToMode(ExGetPreviousMode(), (uint8_t *)Information + header, tags,
                                    fit * (uint32_t)sizeof(*tags), 4);
        if (NT_SUCCESS(status) && fit < count)
            status = STATUS_INFO_LENGTH_MISMATCH;
    }
    ExFreePoolWithTag(tags, PSP_QUERY_TAG);
    return status;
}

/*
 * SystemPageFileInformation: one SYSTEM_PAGEFILE_INFORMATION per paging file, each followed
 * by its name (the whole disk as NT names it, Partition0, and the sector the file starts at),
 * linked by NextEntryOffset; nothing (length 0) without a paging file. Sizes in pages.
 */
static NTSTATUS PspQueryPagingFiles(void *Information, uint32_t Length, uint32_t *Needed)
{
    uint8_t *buffer = ExAllocatePoolWithTag(PagedPool, MAX_PAGE_FILES * PSP_PAGEFILE_ENTRY_SIZE,
                                            PSP_QUERY_TAG);
    SYSTEM_PAGEFILE_INFORMATION *last = NULL;
    MM_PAGING_FILE_USAGE usage;
    uint32_t total = 0;
    NTSTATUS status = STATUS_SUCCESS;

    if (!buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (uint32_t i = 0; i < MAX_PAGE_FILES && MmQueryPagingFile(i, &usage); i++) {
        SYSTEM_PAGEFILE_INFORMATION *entry = (SYSTEM_PAGEFILE_INFORMATION *)(buffer + total);
        uint16_t *name = (uint16_t *)(entry + 1);
        char text[PSP_PAGEFILE_NAME_CHARS];
        uint32_t chars = (uint32_t)RtlStringPrintf(text, sizeof(text),
                                                   "\\Device\\Harddisk%u\\Partition0+%llu", usage.Disk,
                                                   (unsigned long long)usage.StartingLba);

        chars = MIN(chars, (uint32_t)sizeof(text) - 1);

        for (uint32_t c = 0; c <= chars; c++)
            name[c] = (uint8_t)text[c];
        *entry = (SYSTEM_PAGEFILE_INFORMATION){
            .TotalSize = usage.TotalSize, .TotalInUse = usage.TotalInUse,
            .PeakUsage = usage.PeakUsage,
            .PageFileName = { .Length = (uint16_t)(chars * 2), .MaximumLength = (uint16_t)(chars * 2 + 2),
                              .Buffer = (uint32_t)((uintptr_t)Information + total + sizeof(*entry)) },
        };
        if (last)
            last->NextEntryOffset = (uint32_t)((uint8_t *)entry - (uint8_t *)last);
        last = entry;
        total += (uint32_t)ROUND_UP(sizeof(*entry) + chars * 2 + 2, 4);
    }
    *Needed = total;
    if (Length < total)
        status = STATUS_INFO_LENGTH_MISMATCH;
    else if (total)
        status = ExReturnToMode(ExGetPreviousMode(), Information, buffer, total, 4);
    ExFreePoolWithTag(buffer, PSP_QUERY_TAG);
    return status;
}

/*
 * NT's checks in NT's order: the buffer probed (STATUS_ACCESS_VIOLATION,
 * STATUS_DATATYPE_MISALIGNMENT) and ReturnLength (its range), then the class (STATUS_INVALID_INFO_CLASS), then its length:
 * exactly the structure's for basic information, at least it for performance information,
 * what the list needs for pool tags and paging files (STATUS_INFO_LENGTH_MISMATCH, with the
 * length needed in *ReturnLength for those two).
 */
NTSTATUS NtQuerySystemInformation(uint32_t InformationClass, void *Information, uint32_t Length,
                                  uint32_t *ReturnLength)
{
    SYSTEM_BASIC_INFORMATION basic;
    SYSTEM_PERFORMANCE_INFORMATION performance;
    uint32_t needed = 0;
    NTSTATUS status = STATUS_SUCCESS;

    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(Information, Length, 4);
        if (NT_SUCCESS(status) && ReturnLength)
            status = ProbeForWrite(ReturnLength, sizeof(*ReturnLength), 1);
        if (!NT_SUCCESS(status))
            return status;
    }
    switch (InformationClass) {
    case SystemBasicInformation:
        /* The highest user address as NT reports it, MmHighestUserAddress (0x7FFEFFFF;
         * 0xBFFEFFFF under /3GB), not the last address a region may take
         * (MM_HIGHEST_VAD_ADDRESS, 64 KB lower). */
        basic = (SYSTEM_BASIC_INFORMATION){
            .TimerResolution = 100000, .PageSize = PAGE_SIZE,
            .NumberOfPhysicalPages = MmNumberOfPhysicalPagesForUser(),
            .LowestPhysicalPageNumber = 1,
            .HighestPhysicalPageNumber = MmHighestPhysicalPageForUser(),
            .AllocationGranularity = MM_ALLOCATION_GRANULARITY,
            .MinimumUserModeAddress = MM_LOWEST_USER_ADDRESS,
            .MaximumUserModeAddress = MmHighestUserAddress, .ActiveProcessorsAffinityMask = 1,
            .NumberOfProcessors = 1,
        };
        return PspReturnInformation(Information, Length, ReturnLength, &basic, sizeof(basic));
    case SystemPerformanceInformation:
        if (Length < sizeof(performance))
            return STATUS_INFO_LENGTH_MISMATCH;
        PspQueryPerformance(&performance);
        return PspReturnInformation(Information, sizeof(performance), ReturnLength,
                                    &performance, sizeof(performance));
    case SystemPageFileInformation:
        status = PspQueryPagingFiles(Information, Length, &needed);
        break;
    case SystemPoolTagInformation:
        status = PspQueryPoolTags(Information, Length, &needed);
        break;
    default:
        return STATUS_INVALID_INFO_CLASS;
    }
    if ((NT_SUCCESS(status) || status == STATUS_INFO_LENGTH_MISMATCH) && ReturnLength) {
        NTSTATUS returned = ExReturnToMode(ExGetPreviousMode(), ReturnLength, &needed,
                                           sizeof(needed), 1);

        if (!NT_SUCCESS(returned))
            status = returned;
    }
    return status;
}

/* The dispatcher object behind a handle to a process or a thread (both begin with one). */
static NTSTATUS PspReferenceWaitable(HANDLE Handle, void **Object)
{
    NTSTATUS status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, NULL, ExGetPreviousMode(),
                                                Object, NULL);
    OBJECT_TYPE *type;

    if (!NT_SUCCESS(status))
        return status;
    type = ObGetObjectType(*Object);
    if (type != &PsProcessType && type != &PsThreadType) {
        ObDereferenceObject(*Object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS PspCaptureTimeout(const int64_t *Timeout, int64_t *Captured, const int64_t **Use)
{
    NTSTATUS status;

    *Use = NULL;
    if (!Timeout)
        return STATUS_SUCCESS;
    status = ExCapture(Captured, Timeout);
    if (NT_SUCCESS(status))
        *Use = Captured;
    return status;
}

NTSTATUS NtWaitForSingleObject(HANDLE Handle, bool Alertable, const int64_t *Timeout)
{
    const int64_t *timeout;
    int64_t captured;
    void *object;
    NTSTATUS status = PspCaptureTimeout(Timeout, &captured, &timeout);

    if (!NT_SUCCESS(status))
        return status;
    status = PspReferenceWaitable(Handle, &object);
    if (!NT_SUCCESS(status))
        return status;
    status = KeWaitForSingleObject(object, Executive, UserMode, Alertable, timeout);
    ObDereferenceObject(object);
    return status;
}

NTSTATUS NtWaitForMultipleObjects(uint32_t Count, const HANDLE *Handles, uint32_t WaitType,
                                  bool Alertable, const int64_t *Timeout)
{
    HANDLE handles[MAXIMUM_WAIT_OBJECTS];
    void *objects[MAXIMUM_WAIT_OBJECTS];
    KWAIT_BLOCK *blocks;
    const int64_t *timeout;
    int64_t captured;
    uint32_t referenced = 0;
    NTSTATUS status;

    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS)
        return STATUS_INVALID_PARAMETER_1;
    if (WaitType != 0 && WaitType != 1)         /* NT's WaitAll = 0, WaitAny = 1 */
        return STATUS_INVALID_PARAMETER_3;
    status = ExCaptureFromMode(ExGetPreviousMode(), handles, Handles, Count * sizeof(HANDLE), 4);
    if (NT_SUCCESS(status))
        status = PspCaptureTimeout(Timeout, &captured, &timeout);
    if (!NT_SUCCESS(status))
        return status;
    blocks = ExAllocatePoolWithTag(NonPagedPool, Count * sizeof(KWAIT_BLOCK),
                                   POOL_TAG('W', 'a', 'i', 't'));
    if (!blocks)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (; referenced < Count; referenced++) {
        status = PspReferenceWaitable(handles[referenced], &objects[referenced]);
        if (!NT_SUCCESS(status))
            break;
        for (uint32_t j = 0; j < referenced && WaitType == 0; j++) {
            if (objects[j] == objects[referenced])
                status = STATUS_INVALID_PARAMETER_MIX;
        }
        if (!NT_SUCCESS(status)) {
            referenced++;
            break;
        }
    }
    if (NT_SUCCESS(status))
        status = KeWaitForMultipleObjects(Count, objects, WaitType == 0 ? WaitAll : WaitAny,
                                          Executive, UserMode, Alertable, timeout, blocks);
    while (referenced)
        ObDereferenceObject(objects[--referenced]);
    ExFreePoolWithTag(blocks, POOL_TAG('W', 'a', 'i', 't'));
    return status;
}

NTSTATUS NtDelayExecution(bool Alertable, const int64_t *Interval)
{
    int64_t interval;
    NTSTATUS status = ExCapture(&interval, Interval);

    if (!NT_SUCCESS(status))
        return status;
    return KeDelayExecutionThread(UserMode, Alertable, &interval);
}

NTSTATUS NtYieldExecution(void)
{
    return KeYieldExecution() ? STATUS_SUCCESS : STATUS_NO_YIELD_PERFORMED;
}

NTSTATUS NtQueryPerformanceCounter(int64_t *Counter, int64_t *Frequency)
{
    uint64_t frequency, counter = KeQueryPerformanceCounter(&frequency);
    NTSTATUS status = ExReturn(Counter, (int64_t *)&counter);

    if (NT_SUCCESS(status) && Frequency)
        status = ExReturn(Frequency, (int64_t *)&frequency);
    return status;
}

NTSTATUS NtOpenProcess(HANDLE *ProcessHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                       const NT_CLIENT_ID *ClientId)
{
    NT_CLIENT_ID cid;
    EPROCESS *process;
    HANDLE handle = NULL;
    NTSTATUS status;

    (void)ObjectAttributes;
    status = ExReturn(ProcessHandle, &handle);
    if (NT_SUCCESS(status))
        status = ExCapture(&cid, ClientId);
    if (!NT_SUCCESS(status))
        return status;
    process = PsLookupProcessById(cid.UniqueProcess);
    if (!process)
        return STATUS_INVALID_CID;
    status = ObOpenObjectByPointer(process, DesiredAccess, 0, NULL, &handle);
    ObDereferenceObject(process);
    if (!NT_SUCCESS(status))
        return status;
    return ExReturn(ProcessHandle, &handle);
}

NTSTATUS NtDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                           HANDLE TargetProcessHandle, HANDLE *TargetHandle,
                           ACCESS_MASK DesiredAccess, uint32_t HandleAttributes, uint32_t Options)
{
    EPROCESS *source, *target = NULL;
    HANDLE handle = NULL;
    NTSTATUS status;

    status = ObReferenceObjectByHandle(SourceProcessHandle, PROCESS_DUP_HANDLE, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&source, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (TargetProcessHandle) {
        status = ObReferenceObjectByHandle(TargetProcessHandle, PROCESS_DUP_HANDLE, &PsProcessType,
                                           ExGetPreviousMode(), (void **)&target, NULL);
        if (!NT_SUCCESS(status)) {
            ObDereferenceObject(source);
            return status;
        }
    }
    if (!source->ObjectTable || (target && !target->ObjectTable))
        status = STATUS_PROCESS_IS_TERMINATING;
    else
        status = ObDuplicateObject(source->ObjectTable, SourceHandle,
                                   target ? target->ObjectTable : NULL,
                                   TargetHandle ? &handle : NULL, DesiredAccess, HandleAttributes,
                                   Options);
    if (target)
        ObDereferenceObject(target);
    ObDereferenceObject(source);
    if (NT_SUCCESS(status) && TargetHandle)
        status = ExReturn(TargetHandle, &handle);
    return status;
}

NTSTATUS PsNtClose(HANDLE Handle)
{
    return ObCloseHandle(Handle, ExGetPreviousMode());
}

NTSTATUS NtContinue(const CONTEXT *Context, bool TestAlert)
{
    (void)TestAlert;
    return KeContinue(Context);
}

NTSTATUS NtRaiseException(const EXCEPTION_RECORD *ExceptionRecord, const CONTEXT *Context,
                          bool FirstChance)
{
    return KeRaiseUserException(ExceptionRecord, Context, FirstChance);
}
