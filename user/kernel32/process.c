/*
 * user/kernel32/process.c: the process calls: identity, exit, creation by program name or
 * path (C:\dir\prog.exe), opening by id, exit codes, memory counters, working-set limits,
 * GetSystemInfo and IsProcessorFeaturePresent.
 */
#include "k32.h"
#include <psapi.h>

#define BASE_PAGE_SIZE              0x1000u
#define BASE_ALLOCATION_GRANULARITY 0x10000u
#define BASE_LOWEST_USER_ADDRESS    0x10000u
#define BASE_HIGHEST_USER_ADDRESS   0x7FFEFFFFu     /* when the kernel does not say */

HANDLE WINAPI GetCurrentProcess(void)
{
    return NtCurrentProcess();
}

DWORD WINAPI GetCurrentProcessId(void)
{
    return (DWORD)(ULONG_PTR)NtCurrentTeb()->ClientId.UniqueProcess;
}

/* 0 (and the last error) when the handle lacks PROCESS_QUERY_INFORMATION. */
DWORD WINAPI GetProcessId(HANDLE Process)
{
    PROCESS_BASIC_INFORMATION information;
    NTSTATUS status = NtQueryInformationProcess(Process, ProcessBasicInformation, &information,
                                                sizeof(information), NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return 0;
    }
    return (DWORD)information.UniqueProcessId;
}

VOID WINAPI ExitProcess(UINT ExitCode)
{
    for (;;)
        NtTerminateProcess(NtCurrentProcess(), (NTSTATUS)ExitCode);
}

WINBOOL WINAPI TerminateProcess(HANDLE Process, UINT ExitCode)
{
    NTSTATUS status = NtTerminateProcess(Process, (NTSTATUS)ExitCode);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

/* STILL_ACTIVE (STATUS_PENDING) while the process runs. */
WINBOOL WINAPI GetExitCodeProcess(HANDLE Process, LPDWORD ExitCode)
{
    PROCESS_BASIC_INFORMATION information;
    NTSTATUS status = NtQueryInformationProcess(Process, ProcessBasicInformation, &information,
                                                sizeof(information), NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    *ExitCode = (DWORD)information.ExitStatus;
    return TRUE;
}

HANDLE WINAPI OpenProcess(DWORD DesiredAccess, WINBOOL InheritHandle, DWORD ProcessId)
{
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, NULL,
                                     InheritHandle ? OBJ_INHERIT : 0, NULL, NULL };
    CLIENT_ID client = { (HANDLE)(ULONG_PTR)ProcessId, NULL };
    HANDLE process = NULL;
    NTSTATUS status = NtOpenProcess(&process, DesiredAccess, &attributes, &client);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return process;
}

/*
 * The program a CreateProcess call names, into Name: the first word of the command line (or
 * the whole application name), without its quotes. A name with a drive or a directory in it
 * is a file: its NT name (\??\C:\dir\prog.exe, a relative path taken from the current
 * directory); a bare name is a program the loader brought as a module (mm386's stand-in for
 * Windows' search of the system directory). 0 when there is none or the path is too long.
 */
static ULONG BaseImageName(LPCWSTR Application, LPCWSTR CommandLine, WCHAR *Name)
{
    LPCWSTR from = Application ? Application : CommandLine, end;
    WCHAR word[BASEP_MAXIMUM_PATH];
    UNICODE_STRING path;
    BOOL isPath = FALSE;
    ULONG length = 0;
    WCHAR stop = ' ';

    while (*from == ' ' || *from == '\t')
        from++;
    if (!Application && *from == '"')
        stop = *from++;
    for (end = from; *end && (Application || (*end != stop && *end != '\t')); end++)
        ;
    while (from < end && length < BASEP_MAXIMUM_PATH - 1) {
        isPath |= *from == '\\' || *from == '/' || *from == ':';
        word[length++] = *from++;
    }
    word[length] = 0;
    if (!isPath) {
        memcpy(Name, word, (length + 1) * sizeof(WCHAR));
        return length;
    }
    if (!BasepNtPath(word, Name, &path))
        return 0;
    Name[path.Length / sizeof(WCHAR)] = 0;
    return path.Length / sizeof(WCHAR);
}

WINBOOL WINAPI CreateProcessW(LPCWSTR ApplicationName, LPWSTR CommandLine,
                              LPSECURITY_ATTRIBUTES ProcessAttributes,
                              LPSECURITY_ATTRIBUTES ThreadAttributes, WINBOOL InheritHandles,
                              DWORD CreationFlags, LPVOID Environment, LPCWSTR CurrentDirectory,
                              LPSTARTUPINFOW StartupInfo, LPPROCESS_INFORMATION Information)
{
    WCHAR name[BASEP_MAXIMUM_PATH + 8];
    UNICODE_STRING image, line;
    CLIENT_ID client = { 0 };
    HANDLE process, thread;
    ULONG length = 0;
    NTSTATUS status;

    (void)ProcessAttributes;
    (void)ThreadAttributes;
    (void)InheritHandles;
    (void)CreationFlags;
    (void)Environment;
    (void)CurrentDirectory;
    (void)StartupInfo;
    if ((!ApplicationName && !CommandLine) || !Information) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    image.Length = (USHORT)(BaseImageName(ApplicationName, CommandLine, name) * sizeof(WCHAR));
    image.MaximumLength = image.Length + sizeof(WCHAR);
    image.Buffer = name;
    if (!image.Length) {
        SetLastError(ERROR_FILE_NOT_FOUND);
        return FALSE;
    }
    if (CommandLine)
        while (CommandLine[length])
            length++;
    line.Length = (USHORT)(length * sizeof(WCHAR));
    line.MaximumLength = line.Length + sizeof(WCHAR);
    line.Buffer = CommandLine;
    status = NtCreateUserProcess(&process, &thread, PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS,
                                 &image, CommandLine ? &line : NULL, 0, &client);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    Information->hProcess = process;
    Information->hThread = thread;
    Information->dwProcessId = (DWORD)(ULONG_PTR)client.UniqueProcess;
    Information->dwThreadId = (DWORD)(ULONG_PTR)client.UniqueThread;
    return TRUE;
}

/* 8-bit text widened character by character into a heap buffer (NULL stays NULL). */
static LPWSTR BaseWiden(LPCSTR Text, BOOL *Failed)
{
    SIZE_T length = 0, index;
    LPWSTR wide;

    if (!Text)
        return NULL;
    while (Text[length])
        length++;
    wide = RtlAllocateHeap(GetProcessHeap(), 0, (length + 1) * sizeof(WCHAR));
    if (!wide) {
        *Failed = TRUE;
        return NULL;
    }
    for (index = 0; index <= length; index++)
        wide[index] = (UCHAR)Text[index];
    return wide;
}

WINBOOL WINAPI CreateProcessA(LPCSTR ApplicationName, LPSTR CommandLine,
                              LPSECURITY_ATTRIBUTES ProcessAttributes,
                              LPSECURITY_ATTRIBUTES ThreadAttributes, WINBOOL InheritHandles,
                              DWORD CreationFlags, LPVOID Environment, LPCSTR CurrentDirectory,
                              LPSTARTUPINFOA StartupInfo, LPPROCESS_INFORMATION Information)
{
    BOOL failed = FALSE;
    LPWSTR application = BaseWiden(ApplicationName, &failed);
    LPWSTR line = BaseWiden(CommandLine, &failed);
    WINBOOL created = FALSE;

    (void)StartupInfo;
    (void)CurrentDirectory;
    if (failed)
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    else
        created = CreateProcessW(application, line, ProcessAttributes, ThreadAttributes,
                                 InheritHandles, CreationFlags, Environment, NULL, NULL,
                                 Information);
    RtlFreeHeap(GetProcessHeap(), 0, application);
    RtlFreeHeap(GetProcessHeap(), 0, line);
    return created;
}

/* PSAPI's counters from the process's VM_COUNTERS (PagefileUsage is its commit charge). */
WINBOOL WINAPI K32GetProcessMemoryInfo(HANDLE Process, PPROCESS_MEMORY_COUNTERS Counters,
                                       DWORD Size)
{
    VM_COUNTERS vm;
    NTSTATUS status;

    if (Size < sizeof(PROCESS_MEMORY_COUNTERS)) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return FALSE;
    }
    status = NtQueryInformationProcess(Process, ProcessVmCounters, &vm, sizeof(vm), NULL);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    Counters->cb = Size < sizeof(PROCESS_MEMORY_COUNTERS_EX) ? sizeof(PROCESS_MEMORY_COUNTERS)
                                                             : sizeof(PROCESS_MEMORY_COUNTERS_EX);
    Counters->PageFaultCount = vm.PageFaultCount;
    Counters->PeakWorkingSetSize = vm.PeakWorkingSetSize;
    Counters->WorkingSetSize = vm.WorkingSetSize;
    Counters->QuotaPeakPagedPoolUsage = vm.QuotaPeakPagedPoolUsage;
    Counters->QuotaPagedPoolUsage = vm.QuotaPagedPoolUsage;
    Counters->QuotaPeakNonPagedPoolUsage = vm.QuotaPeakNonPagedPoolUsage;
    Counters->QuotaNonPagedPoolUsage = vm.QuotaNonPagedPoolUsage;
    Counters->PagefileUsage = vm.PagefileUsage;
    Counters->PeakPagefileUsage = vm.PeakPagefileUsage;
    if (Counters->cb == sizeof(PROCESS_MEMORY_COUNTERS_EX))
        ((PPROCESS_MEMORY_COUNTERS_EX)Counters)->PrivateUsage = vm.PagefileUsage;
    return TRUE;
}

/* The same under PSAPI version 1's name (psapi.h maps it to K32GetProcessMemoryInfo). */
#undef GetProcessMemoryInfo
WINBOOL WINAPI GetProcessMemoryInfo(HANDLE Process, PPROCESS_MEMORY_COUNTERS Counters,
                                    DWORD Size)
{
    return K32GetProcessMemoryInfo(Process, Counters, Size);
}

/* PSAPI's QueryWorkingSetEx: NtQueryVirtualMemory's MemoryWorkingSetExInformation over the
 * caller's array of PSAPI_WORKING_SET_EX_INFORMATION. */
WINBOOL WINAPI K32QueryWorkingSetEx(HANDLE Process, PVOID Buffer, DWORD Size)
{
    NTSTATUS status = NtQueryVirtualMemory(Process, NULL, 4 /* MemoryWorkingSetExInformation */,
                                           Buffer, Size, NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

#undef QueryWorkingSetEx
WINBOOL WINAPI QueryWorkingSetEx(HANDLE Process, PVOID Buffer, DWORD Size)
{
    return K32QueryWorkingSetEx(Process, Buffer, Size);
}

/* Both (SIZE_T)-1: empty the working set. Flags (QUOTA_LIMITS_HARDWS_): Server 2003's hard
 * limits; 0 leaves them as they are. */
WINBOOL WINAPI SetProcessWorkingSetSizeEx(HANDLE Process, SIZE_T Minimum, SIZE_T Maximum,
                                          DWORD Flags)
{
    QUOTA_LIMITS_EX limits = { 0 };
    NTSTATUS status;

    if (!Minimum || !Maximum) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    limits.MinimumWorkingSetSize = Minimum;
    limits.MaximumWorkingSetSize = Maximum;
    limits.Flags = Flags;
    status = NtSetInformationProcess(Process, ProcessQuotaLimits, &limits,
                                     Flags ? sizeof(limits) : sizeof(QUOTA_LIMITS));
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI SetProcessWorkingSetSize(HANDLE Process, SIZE_T Minimum, SIZE_T Maximum)
{
    return SetProcessWorkingSetSizeEx(Process, Minimum, Maximum, 0);
}

WINBOOL WINAPI GetProcessWorkingSetSizeEx(HANDLE Process, PSIZE_T Minimum, PSIZE_T Maximum,
                                          PDWORD Flags)
{
    QUOTA_LIMITS_EX limits;
    NTSTATUS status = NtQueryInformationProcess(Process, ProcessQuotaLimits, &limits,
                                                sizeof(limits), NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    *Minimum = limits.MinimumWorkingSetSize;
    *Maximum = limits.MaximumWorkingSetSize;
    *Flags = limits.Flags;
    return TRUE;
}

WINBOOL WINAPI GetProcessWorkingSetSize(HANDLE Process, PSIZE_T Minimum, PSIZE_T Maximum)
{
    DWORD flags;

    return GetProcessWorkingSetSizeEx(Process, Minimum, Maximum, &flags);
}

/*
 * Memory as the system and this process have it now: physical pages (total, available), the
 * commit limit and what is left of it (the "page file" figures, as Windows reports them), and
 * the user address space less what this process has reserved. dwMemoryLoad is the share of
 * physical memory in use, in percent.
 */
WINBOOL WINAPI GlobalMemoryStatusEx(LPMEMORYSTATUSEX Buffer)
{
    SYSTEM_BASIC_INFORMATION basic;
    SYSTEM_PERFORMANCE_INFORMATION performance;
    VM_COUNTERS vm;
    NTSTATUS status;

    if (Buffer->dwLength != sizeof(*Buffer)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    status = NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic), NULL);
    if (NT_SUCCESS(status))
        status = NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                          sizeof(performance), NULL);
    if (NT_SUCCESS(status))
        status = NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &vm, sizeof(vm),
                                           NULL);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    Buffer->ullTotalPhys = (ULONGLONG)basic.NumberOfPhysicalPages * BASE_PAGE_SIZE;
    Buffer->ullAvailPhys = (ULONGLONG)performance.AvailablePages * BASE_PAGE_SIZE;
    Buffer->dwMemoryLoad = basic.NumberOfPhysicalPages
        ? (DWORD)(100 - (ULONGLONG)performance.AvailablePages * 100 / basic.NumberOfPhysicalPages)
        : 0;
    Buffer->ullTotalPageFile = (ULONGLONG)performance.CommitLimit * BASE_PAGE_SIZE;
    Buffer->ullAvailPageFile = performance.CommitLimit > performance.CommittedPages
        ? (ULONGLONG)(performance.CommitLimit - performance.CommittedPages) * BASE_PAGE_SIZE : 0;
    Buffer->ullTotalVirtual = (ULONGLONG)basic.MaximumUserModeAddress + 1 - BASE_LOWEST_USER_ADDRESS;
    Buffer->ullAvailVirtual = Buffer->ullTotalVirtual > vm.VirtualSize
        ? Buffer->ullTotalVirtual - vm.VirtualSize : 0;
    Buffer->ullAvailExtendedVirtual = 0;
    return TRUE;
}

static SIZE_T BaseClamp(ULONGLONG Value)
{
    return Value > 0xFFFFFFFFull ? 0xFFFFFFFF : (SIZE_T)Value;
}

/* The same in 32-bit fields, each clamped to 4 GB - 1 as Windows does. */
VOID WINAPI GlobalMemoryStatus(LPMEMORYSTATUS Buffer)
{
    MEMORYSTATUSEX status;

    ZeroMemory(&status, sizeof(status));
    status.dwLength = sizeof(status);
    GlobalMemoryStatusEx(&status);
    Buffer->dwLength = sizeof(*Buffer);
    Buffer->dwMemoryLoad = status.dwMemoryLoad;
    Buffer->dwTotalPhys = BaseClamp(status.ullTotalPhys);
    Buffer->dwAvailPhys = BaseClamp(status.ullAvailPhys);
    Buffer->dwTotalPageFile = BaseClamp(status.ullTotalPageFile);
    Buffer->dwAvailPageFile = BaseClamp(status.ullAvailPageFile);
    Buffer->dwTotalVirtual = BaseClamp(status.ullTotalVirtual);
    Buffer->dwAvailVirtual = BaseClamp(status.ullAvailVirtual);
}

VOID WINAPI GetSystemInfo(LPSYSTEM_INFO Information)
{
    SYSTEM_BASIC_INFORMATION basic;
    NTSTATUS status = NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic),
                                               NULL);

    if (!NT_SUCCESS(status)) {
        basic.MaximumUserModeAddress = BASE_HIGHEST_USER_ADDRESS;
        basic.ActiveProcessorsAffinityMask = 1;
        basic.NumberOfProcessors = 1;
    }
    Information->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_INTEL;
    Information->wReserved = 0;
    Information->dwPageSize = BASE_PAGE_SIZE;
    Information->lpMinimumApplicationAddress = (LPVOID)BASE_LOWEST_USER_ADDRESS;
    Information->lpMaximumApplicationAddress = (LPVOID)basic.MaximumUserModeAddress;
    Information->dwActiveProcessorMask = basic.ActiveProcessorsAffinityMask;
    Information->dwNumberOfProcessors = (DWORD)basic.NumberOfProcessors;
    Information->dwProcessorType = PROCESSOR_INTEL_PENTIUM;
    Information->dwAllocationGranularity = BASE_ALLOCATION_GRANULARITY;
    Information->wProcessorLevel = 5;
    Information->wProcessorRevision = 0;
}

/* What KUSER_SHARED_DATA's ProcessorFeatures says (kernel/ke/npx.c fills it from CPUID):
 * PF_XMMI_INSTRUCTIONS_AVAILABLE when ring 3 may use SSE, and so on. */
WINBOOL WINAPI IsProcessorFeaturePresent(DWORD ProcessorFeature)
{
    if (ProcessorFeature >= sizeof(USER_SHARED_DATA->ProcessorFeatures))
        return FALSE;
    return USER_SHARED_DATA->ProcessorFeatures[ProcessorFeature] != 0;
}
