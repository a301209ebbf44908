/*
 * kernel/ps/services.c: the system-service table (NT's KiServiceTable), built from
 * kernel/inc/ntservices.h so its numbers are the ones ntdll's stubs use: each entry is the
 * service and its argument bytes.
 */
#include "kernel/ps/ps.h"
#include "kernel/inc/ntservices.h"

NTSTATUS PsNtClose(HANDLE Handle);
NTSTATUS NtContinue(const CONTEXT *Context, bool TestAlert);
NTSTATUS NtRaiseException(const EXCEPTION_RECORD *ExceptionRecord, const CONTEXT *Context,
                          bool FirstChance);
NTSTATUS NtDelayExecution(bool Alertable, const int64_t *Interval);
NTSTATUS NtDuplicateObject(HANDLE SourceProcessHandle, HANDLE SourceHandle,
                           HANDLE TargetProcessHandle, HANDLE *TargetHandle,
                           ACCESS_MASK DesiredAccess, uint32_t HandleAttributes, uint32_t Options);
NTSTATUS NtOpenProcess(HANDLE *ProcessHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                       const NT_CLIENT_ID *ClientId);
NTSTATUS NtQueryInformationProcess(HANDLE, uint32_t, void *, uint32_t, uint32_t *);
NTSTATUS NtQueryInformationThread(HANDLE, uint32_t, void *, uint32_t, uint32_t *);
NTSTATUS NtQueryPerformanceCounter(int64_t *Counter, int64_t *Frequency);
NTSTATUS NtQuerySystemInformation(uint32_t, void *, uint32_t, uint32_t *);
NTSTATUS NtSetInformationProcess(HANDLE, uint32_t, void *, uint32_t);
NTSTATUS NtWaitForMultipleObjects(uint32_t, const HANDLE *, uint32_t, bool, const int64_t *);
NTSTATUS NtWaitForSingleObject(HANDLE Handle, bool Alertable, const int64_t *Timeout);
NTSTATUS NtYieldExecution(void);

#define NtClose                     PsNtClose

#define NT_SERVICE(Name, ArgumentDwords) (uintptr_t)Name,
static const uintptr_t PspServiceTable[] = { NT_SERVICES };
#undef NT_SERVICE
#define NT_SERVICE(Name, ArgumentDwords) (ArgumentDwords) * 4,
static const uint8_t PspArgumentTable[] = { NT_SERVICES };
#undef NT_SERVICE

uint32_t PspServiceCount[ARRAYSIZE(PspServiceTable)];

/* The system calls made so far (SYSTEM_PERFORMANCE_INFORMATION's SystemCalls). */
uint32_t PspSystemCallCount(void)
{
    uint32_t total = 0;

    for (uint32_t i = 0; i < ARRAYSIZE(PspServiceCount); i++)
        total += PspServiceCount[i];
    return total;
}

void PspInitializeServiceTable(void)
{
    if (!KeAddSystemServiceTable(PspServiceTable, PspServiceCount, ARRAYSIZE(PspServiceTable),
                                 PspArgumentTable, 0))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_INVALID_PARAMETER, 0, 0, 4);
}
