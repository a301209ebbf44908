/*
 * user/kernel32/virtual.c: the virtual memory calls (VirtualAlloc ... GetWriteWatch,
 * Read/WriteProcessMemory), each one system service but WriteProcessMemory (below). As
 * Windows' kernel32 does, VirtualAllocEx refuses a base below the 64 KB allocation granularity
 * itself (ERROR_INVALID_PARAMETER).
 */
#include "k32.h"

#define BASE_ALLOCATION_GRANULARITY 0x10000u

LPVOID WINAPI VirtualAllocEx(HANDLE Process, LPVOID Address, SIZE_T Size, DWORD Type,
                             DWORD Protect)
{
    PVOID base = Address;
    SIZE_T size = Size;
    NTSTATUS status;

    if (Address && (ULONG_PTR)Address < BASE_ALLOCATION_GRANULARITY) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    status = NtAllocateVirtualMemory(Process, &base, 0, &size, Type, Protect);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return base;
}

LPVOID WINAPI VirtualAlloc(LPVOID Address, SIZE_T Size, DWORD Type, DWORD Protect)
{
    return VirtualAllocEx(GetCurrentProcess(), Address, Size, Type, Protect);
}

WINBOOL WINAPI VirtualFreeEx(HANDLE Process, LPVOID Address, SIZE_T Size, DWORD Type)
{
    PVOID base = Address;
    SIZE_T size = Size;
    NTSTATUS status = NtFreeVirtualMemory(Process, &base, &size, Type);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI VirtualFree(LPVOID Address, SIZE_T Size, DWORD Type)
{
    return VirtualFreeEx(GetCurrentProcess(), Address, Size, Type);
}

/* The bytes written to Buffer (sizeof(MEMORY_BASIC_INFORMATION)), or 0 on failure. */
SIZE_T WINAPI VirtualQueryEx(HANDLE Process, LPCVOID Address, PMEMORY_BASIC_INFORMATION Buffer,
                             SIZE_T Length)
{
    SIZE_T returned = 0;
    NTSTATUS status = NtQueryVirtualMemory(Process, (PVOID)Address, MemoryBasicInformation,
                                           Buffer, Length, &returned);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return 0;
    }
    return returned;
}

SIZE_T WINAPI VirtualQuery(LPCVOID Address, PMEMORY_BASIC_INFORMATION Buffer, SIZE_T Length)
{
    return VirtualQueryEx(GetCurrentProcess(), Address, Buffer, Length);
}

WINBOOL WINAPI VirtualProtectEx(HANDLE Process, LPVOID Address, SIZE_T Size, DWORD Protect,
                                PDWORD OldProtect)
{
    PVOID base = Address;
    SIZE_T size = Size;
    NTSTATUS status = NtProtectVirtualMemory(Process, &base, &size, Protect, OldProtect);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI VirtualProtect(LPVOID Address, SIZE_T Size, DWORD Protect, PDWORD OldProtect)
{
    return VirtualProtectEx(GetCurrentProcess(), Address, Size, Protect, OldProtect);
}

WINBOOL WINAPI VirtualLock(LPVOID Address, SIZE_T Size)
{
    PVOID base = Address;
    SIZE_T size = Size;
    NTSTATUS status = NtLockVirtualMemory(GetCurrentProcess(), &base, &size, MAP_PROCESS);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI VirtualUnlock(LPVOID Address, SIZE_T Size)
{
    PVOID base = Address;
    SIZE_T size = Size;
    NTSTATUS status = NtUnlockVirtualMemory(GetCurrentProcess(), &base, &size, MAP_PROCESS);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

/* 0 on success; on failure ~0 with the last error set. */
UINT WINAPI GetWriteWatch(DWORD Flags, PVOID Base, SIZE_T Size, PVOID *Addresses,
                          ULONG_PTR *Count, LPDWORD Granularity)
{
    NTSTATUS status = NtGetWriteWatch(GetCurrentProcess(), Flags, Base, Size, Addresses, Count,
                                      Granularity);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return ~0u;
    }
    return 0;
}

UINT WINAPI ResetWriteWatch(LPVOID Base, SIZE_T Size)
{
    NTSTATUS status = NtResetWriteWatch(GetCurrentProcess(), Base, Size);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return ~0u;
    }
    return 0;
}

/* A partial copy fails (ERROR_PARTIAL_COPY) but still reports the bytes it did. */
WINBOOL WINAPI ReadProcessMemory(HANDLE Process, LPCVOID Base, LPVOID Buffer, SIZE_T Size,
                                 SIZE_T *Read)
{
    SIZE_T done = 0;
    NTSTATUS status = NtReadVirtualMemory(Process, (PVOID)Base, Buffer, Size, &done);

    if (Read)
        *Read = done;
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

/*
 * As Windows' kernel32 does it (which is why the handle needs PROCESS_VM_OPERATION as well as
 * PROCESS_VM_WRITE, and why a debugger can write into code): the pages are first made
 * PAGE_EXECUTE_READWRITE. Pages that were writable get their protection back before the
 * write; code pages (execute, execute-read) are written and then get it back; read-only and
 * no-access pages are not written at all (ERROR_NOACCESS). A range the protection change
 * refuses (not all committed, or no PROCESS_VM_OPERATION) fails with that change's error, and
 * *Written is left as it was.
 */
WINBOOL WINAPI WriteProcessMemory(HANDLE Process, LPVOID Base, LPCVOID Buffer, SIZE_T Size,
                                  SIZE_T *Written)
{
    const ULONG writable = PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE |
                           PAGE_EXECUTE_WRITECOPY;
    PVOID base = Base;
    SIZE_T region = Size, done = 0;
    ULONG old, ignored;
    NTSTATUS status;

    status = NtProtectVirtualMemory(Process, &base, &region, PAGE_EXECUTE_READWRITE, &old);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    if (old & writable) {
        NtProtectVirtualMemory(Process, &base, &region, old, &ignored);
        status = NtWriteVirtualMemory(Process, Base, Buffer, Size, &done);
    } else if (old & (PAGE_NOACCESS | PAGE_READONLY)) {
        NtProtectVirtualMemory(Process, &base, &region, old, &ignored);
        BaseSetLastNtError(STATUS_ACCESS_VIOLATION);
        return FALSE;
    } else {
        status = NtWriteVirtualMemory(Process, Base, Buffer, Size, &done);
        NtProtectVirtualMemory(Process, &base, &region, old, &ignored);
        if (!NT_SUCCESS(status))
            status = STATUS_ACCESS_VIOLATION;
    }
    if (Written)
        *Written = done;
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

/* One processor, coherent caches: nothing to flush. */
WINBOOL WINAPI FlushInstructionCache(HANDLE Process, LPCVOID Base, SIZE_T Size)
{
    (void)Process;
    (void)Base;
    (void)Size;
    return TRUE;
}
