/*
 * user/kernel32/thread.c: threads (CreateThread and its stack, ExitThread, exit codes), waits,
 * Sleep and handles.
 *
 * A new thread's stack, as Windows' kernel32 builds it:
 *
 *   AllocatedStackBase                        StackLimit                     StackBase
 *   | reserved ..................... | guard | committed (Commit bytes) ...... |
 *                                     PAGE_GUARD                          ESP ^ (top - 4)
 *
 * The reserve and commit come from the image header (SizeOfStackReserve/Commit) unless the
 * caller gives a size; the thread starts in BaseThreadStartThunk (thunk.S) with EAX = the
 * start routine and EBX = its parameter.
 */
#include "k32.h"

#define BASE_PAGE_SIZE              0x1000u
#define BASE_ALLOCATION_GRANULARITY 0x10000u
#define BASE_DEFAULT_STACK_RESERVE  0x100000u
#define BASE_USER_CODE_SELECTOR     0x1B
#define BASE_USER_DATA_SELECTOR     0x23
#define BASE_TEB_SELECTOR           0x3B
#define BASE_INITIAL_EFLAGS         0x202       /* IF */

void BaseThreadStartThunk(void);

static SIZE_T RoundUp(SIZE_T Value, SIZE_T Alignment)
{
    return (Value + Alignment - 1) & ~(Alignment - 1);
}

/* The image's stack reserve and commit (the PE optional header). */
static void BaseImageStackSizes(SIZE_T *Reserve, SIZE_T *Commit)
{
    PIMAGE_DOS_HEADER dos = NtCurrentPeb()->ImageBaseAddress;
    PIMAGE_NT_HEADERS32 nt;

    *Reserve = BASE_DEFAULT_STACK_RESERVE;
    *Commit = BASE_PAGE_SIZE;
    if (!dos || dos->e_magic != IMAGE_DOS_SIGNATURE)
        return;
    nt = (PIMAGE_NT_HEADERS32)((PUCHAR)dos + dos->e_lfanew);
    if (nt->Signature != IMAGE_NT_SIGNATURE)
        return;
    if (nt->OptionalHeader.SizeOfStackReserve)
        *Reserve = nt->OptionalHeader.SizeOfStackReserve;
    if (nt->OptionalHeader.SizeOfStackCommit)
        *Commit = nt->OptionalHeader.SizeOfStackCommit;
}

/* Reserve a stack, commit its top and put a guard page below; fills Teb. */
static NTSTATUS BaseCreateStack(SIZE_T Reserve, SIZE_T Commit, PINITIAL_TEB Teb)
{
    PVOID base = NULL, bottom;
    SIZE_T size, reserve = RoundUp(Reserve, BASE_ALLOCATION_GRANULARITY);
    SIZE_T commit = RoundUp(Commit, BASE_PAGE_SIZE);
    ULONG old;
    NTSTATUS status;

    if (commit + BASE_PAGE_SIZE >= reserve)
        reserve = RoundUp(commit + BASE_PAGE_SIZE, BASE_DEFAULT_STACK_RESERVE);
    size = reserve;
    status = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE,
                                     PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    bottom = (PUCHAR)base + reserve - commit - BASE_PAGE_SIZE;
    size = commit + BASE_PAGE_SIZE;
    status = NtAllocateVirtualMemory(NtCurrentProcess(), &bottom, 0, &size, MEM_COMMIT,
                                     PAGE_READWRITE);
    if (NT_SUCCESS(status)) {
        size = BASE_PAGE_SIZE;
        status = NtProtectVirtualMemory(NtCurrentProcess(), &bottom, &size,
                                        PAGE_READWRITE | PAGE_GUARD, &old);
    }
    if (!NT_SUCCESS(status)) {
        size = 0;
        NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
        return status;
    }
    Teb->OldStackBase = Teb->OldStackLimit = NULL;
    Teb->StackBase = (PUCHAR)base + reserve;
    Teb->StackLimit = (PUCHAR)base + reserve - commit;
    Teb->AllocatedStackBase = base;
    return STATUS_SUCCESS;
}

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES Attributes, SIZE_T StackSize,
                           LPTHREAD_START_ROUTINE StartAddress, LPVOID Parameter,
                           DWORD CreationFlags, LPDWORD ThreadId)
{
    INITIAL_TEB teb;
    CONTEXT context = { 0 };
    CLIENT_ID client = { 0 };
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, NULL, 0, NULL, NULL };
    SIZE_T reserve, commit, size = 0;
    HANDLE thread = NULL;
    NTSTATUS status;

    BaseImageStackSizes(&reserve, &commit);
    if (CreationFlags & STACK_SIZE_PARAM_IS_A_RESERVATION)
        reserve = StackSize ? StackSize : reserve;
    else if (StackSize)
        commit = StackSize;
    status = BaseCreateStack(reserve, commit, &teb);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    if (Attributes && Attributes->bInheritHandle)
        attributes.Attributes = OBJ_INHERIT;
    context.ContextFlags = CONTEXT_FULL;
    context.SegCs = BASE_USER_CODE_SELECTOR;
    context.SegDs = context.SegEs = context.SegSs = BASE_USER_DATA_SELECTOR;
    context.SegFs = BASE_TEB_SELECTOR;
    context.EFlags = BASE_INITIAL_EFLAGS;
    context.Eip = (ULONG_PTR)BaseThreadStartThunk;
    context.Eax = (ULONG_PTR)StartAddress;
    context.Ebx = (ULONG_PTR)Parameter;
    context.Esp = (ULONG_PTR)teb.StackBase - sizeof(PVOID);
    status = NtCreateThread(&thread, THREAD_ALL_ACCESS, &attributes, NtCurrentProcess(),
                            &client, &context, &teb, (CreationFlags & CREATE_SUSPENDED) != 0);
    if (!NT_SUCCESS(status)) {
        NtFreeVirtualMemory(NtCurrentProcess(), &teb.AllocatedStackBase, &size, MEM_RELEASE);
        BaseSetLastNtError(status);
        return NULL;
    }
    if (ThreadId)
        *ThreadId = (DWORD)(ULONG_PTR)client.UniqueThread;
    return thread;
}

VOID WINAPI ExitThread(DWORD ExitCode)
{
    for (;;)
        NtTerminateThread(NtCurrentThread(), (NTSTATUS)ExitCode);
}

HANDLE WINAPI GetCurrentThread(void)
{
    return NtCurrentThread();
}

DWORD WINAPI GetCurrentThreadId(void)
{
    return (DWORD)(ULONG_PTR)NtCurrentTeb()->ClientId.UniqueThread;
}

/* STILL_ACTIVE (STATUS_PENDING) while the thread runs. */
/* The thread ends with ExitCode when it next runs (THREAD_TERMINATE on the handle). */
WINBOOL WINAPI TerminateThread(HANDLE Thread, DWORD ExitCode)
{
    NTSTATUS status = NtTerminateThread(Thread, (NTSTATUS)ExitCode);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI GetExitCodeThread(HANDLE Thread, LPDWORD ExitCode)
{
    THREAD_BASIC_INFORMATION information;
    NTSTATUS status = NtQueryInformationThread(Thread, ThreadBasicInformation, &information,
                                               sizeof(information), NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    *ExitCode = (DWORD)information.ExitStatus;
    return TRUE;
}

/* WAIT_OBJECT_0, WAIT_TIMEOUT or WAIT_ABANDONED as the service returns them; WAIT_FAILED
 * with the last error set. */
DWORD WINAPI WaitForSingleObject(HANDLE Handle, DWORD Milliseconds)
{
    LARGE_INTEGER timeout;
    NTSTATUS status = NtWaitForSingleObject(Handle, FALSE,
                                            BaseFormatTimeOut(&timeout, Milliseconds));

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return WAIT_FAILED;
    }
    return (DWORD)status;
}

DWORD WINAPI WaitForMultipleObjects(DWORD Count, const HANDLE *Handles, WINBOOL WaitAll,
                                    DWORD Milliseconds)
{
    LARGE_INTEGER timeout;
    NTSTATUS status = NtWaitForMultipleObjects(Count, Handles,
                                               WaitAll ? WaitAllObject : WaitAnyObject, FALSE,
                                               BaseFormatTimeOut(&timeout, Milliseconds));

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return WAIT_FAILED;
    }
    return (DWORD)status;
}

VOID WINAPI Sleep(DWORD Milliseconds)
{
    LARGE_INTEGER interval;

    if (Milliseconds == INFINITE)
        interval.QuadPart = (LONGLONG)0x8000000000000000ull;  /* NT's "forever" */
    else
        interval.QuadPart = -(LONGLONG)Milliseconds * 10000;
    NtDelayExecution(FALSE, &interval);
}

WINBOOL WINAPI SwitchToThread(void)
{
    return NtYieldExecution() == STATUS_SUCCESS;
}

WINBOOL WINAPI CloseHandle(HANDLE Handle)
{
    NTSTATUS status = NtClose(Handle);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI DuplicateHandle(HANDLE SourceProcess, HANDLE Source, HANDLE TargetProcess,
                               LPHANDLE Target, DWORD DesiredAccess, WINBOOL InheritHandle,
                               DWORD Options)
{
    NTSTATUS status = NtDuplicateObject(SourceProcess, Source, TargetProcess, Target,
                                        DesiredAccess, InheritHandle ? OBJ_INHERIT : 0, Options);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}
