/*
 * kernel/ps/psquery.c: what processes and threads tell about themselves (NT's psquery.c) and
 * the small services around waiting: NtQueryInformationProcess (basic information, quota
 * limits, VM counters), NtSetInformationProcess (the working-set limits), NtQueryInformation
 * Thread, NtQuerySystemInformation (basic information), the waits, NtDelayExecution,
 * NtYieldExecution, NtQueryPerformanceCounter, NtOpenProcess, NtDuplicateObject, NtClose.
 */
#include "kernel/ps/ps.h"

#define ProcessBasicInformation     0
#define ProcessQuotaLimits          1
#define ProcessVmCounters           3
#define ThreadBasicInformation      0
#define SystemBasicInformation      0

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

_Static_assert(sizeof(PROCESS_BASIC_INFORMATION) == 24, "PROCESS_BASIC_INFORMATION");
_Static_assert(sizeof(QUOTA_LIMITS) == 32 && offsetof(QUOTA_LIMITS, TimeLimit) == 24,
               "QUOTA_LIMITS is NT's 32 bytes on x86");
_Static_assert(sizeof(VM_COUNTERS) == 44, "VM_COUNTERS");
_Static_assert(sizeof(THREAD_BASIC_INFORMATION) == 28, "THREAD_BASIC_INFORMATION");
_Static_assert(sizeof(SYSTEM_BASIC_INFORMATION) == 44, "SYSTEM_BASIC_INFORMATION");

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
        status = ExReturnToMode(ExGetPreviousMode(), ReturnLength, &Size, 4, 4);
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
        QUOTA_LIMITS info = {
            .MinimumWorkingSetSize = process->Mm.Vm.MinimumWorkingSetSize * PAGE_SIZE,
            .MaximumWorkingSetSize = process->Mm.Vm.MaximumWorkingSetSize * PAGE_SIZE,
            .PagefileLimit = process->Mm.CommitChargeLimit ? process->Mm.CommitChargeLimit * PAGE_SIZE
                                                           : 0xFFFFFFFF,
            .PagedPoolLimit = 0xFFFFFFFF, .NonPagedPoolLimit = 0xFFFFFFFF, .TimeLimit = -1,
        };

        status = PspReturnInformation(Information, Length, ReturnLength, &info, sizeof(info));
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
 * the working set (SetProcessWorkingSetSize(-1, -1)). */
NTSTATUS NtSetInformationProcess(HANDLE ProcessHandle, uint32_t InformationClass,
                                 void *Information, uint32_t Length)
{
    QUOTA_LIMITS limits;
    EPROCESS *process;
    KAPC_STATE apcState;
    NTSTATUS status;

    if (InformationClass != ProcessQuotaLimits)
        return STATUS_INVALID_INFO_CLASS;
    if (Length != sizeof(limits))
        return STATUS_INFO_LENGTH_MISMATCH;
    status = ExCaptureFromMode(ExGetPreviousMode(), &limits, Information, sizeof(limits), 4);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_SET_QUOTA, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&process, NULL);
    if (!NT_SUCCESS(status))
        return status;
    KeStackAttachProcess(&process->Pcb, &apcState);
    status = MmAdjustWorkingSetSize(&process->Pcb, limits.MinimumWorkingSetSize,
                                    limits.MaximumWorkingSetSize);
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

NTSTATUS NtQuerySystemInformation(uint32_t InformationClass, void *Information, uint32_t Length,
                                  uint32_t *ReturnLength)
{
    SYSTEM_BASIC_INFORMATION info;

    if (InformationClass != SystemBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    /* The highest user address as NT reports it, MmHighestUserAddress (0x7FFEFFFF; 0xBFFEFFFF
     * under /3GB), not the last address a region may take (MM_HIGHEST_VAD_ADDRESS, 64 KB lower). */
    info = (SYSTEM_BASIC_INFORMATION){
        .TimerResolution = 100000, .PageSize = PAGE_SIZE,
        .NumberOfPhysicalPages = MmNumberOfPhysicalPagesForUser(),
        .LowestPhysicalPageNumber = 1,
        .HighestPhysicalPageNumber = MmHighestPhysicalPageForUser(),
        .AllocationGranularity = MM_ALLOCATION_GRANULARITY,
        .MinimumUserModeAddress = MM_LOWEST_USER_ADDRESS,
        .MaximumUserModeAddress = MmHighestUserAddress, .ActiveProcessorsAffinityMask = 1,
        .NumberOfProcessors = 1,
    };
    return PspReturnInformation(Information, Length, ReturnLength, &info, sizeof(info));
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
    int64_t zero = -1;

    KeDelayExecutionThread(KernelMode, false, &zero);
    return STATUS_SUCCESS;
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
