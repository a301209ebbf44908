/*
 * user/kernel32/module.c: modules (NT's kernel32 module.c), over ntdll's loader (ldrapi.c).
 *
 *   LoadLibrary(Ex)A/W  LdrLoadDll, the name's trailing spaces dropped (as XP's). Flags: 0;
 *                       DONT_RESOLVE_DLL_REFERENCES (mapped only: no imports, no DllMain; a
 *                       later LoadLibrary of it finds it so, as on Windows);
 *                       LOAD_WITH_ALTERED_SEARCH_PATH and LOAD_IGNORE_CODE_AUTHZ_LEVEL, which
 *                       change nothing here (DLLs come from \KnownDlls only);
 *                       LOAD_LIBRARY_AS_DATAFILE: a module already loaded gives its handle,
 *                       as XP's, and no other can be mapped as data (DLLs have no files):
 *                       ERROR_FILE_NOT_FOUND. Any other flag, or a file handle:
 *                       ERROR_INVALID_PARAMETER (Server 2003's).
 *   FreeLibrary         LdrUnloadDll
 *   GetModuleHandleA/W  NULL: the program (PEB.ImageBaseAddress); else LdrGetDllHandle, no
 *                       reference taken
 *   GetModuleFileNameA/W  the module's FullDllName (NULL: the program's), as XP and Server
 *                       2003 give it: a buffer too small gets nSize characters without a
 *                       terminating zero and nSize is returned, the last error left alone;
 *                       nSize 0 returns 0
 *   GetProcAddress      LdrGetProcedureAddress: by ordinal when the name's high word is 0
 *                       (MAKEINTRESOURCE), else by name; NULL is the program
 *
 * Failures set the last error from NT's status: no such module ERROR_MOD_NOT_FOUND (126), no
 * such export ERROR_PROC_NOT_FOUND (127), no such ordinal ERROR_INVALID_ORDINAL (182), a
 * DllMain that returned FALSE ERROR_DLL_INIT_FAILED. ANSI names are Latin-1, as elsewhere here.
 */
#include "k32.h"

#define BASEP_LOAD_LIBRARY_FLAGS    (DONT_RESOLVE_DLL_REFERENCES | LOAD_LIBRARY_AS_DATAFILE | \
                                     LOAD_WITH_ALTERED_SEARCH_PATH | LOAD_IGNORE_CODE_AUTHZ_LEVEL)

/* An ANSI module name as UTF-16 in Wide (MAX_PATH characters); FALSE, with the last error
 * set, when it does not fit. NULL stays NULL. */
static BOOL BasepWideName(LPCSTR Name, WCHAR *Wide, LPCWSTR *Result)
{
    DWORD i = 0;

    *Result = NULL;
    if (!Name)
        return TRUE;
    for (; Name[i]; i++) {
        if (i == MAX_PATH - 1) {
            SetLastError(ERROR_FILENAME_EXCED_RANGE);
            return FALSE;
        }
        Wide[i] = (UCHAR)Name[i];
    }
    Wide[i] = 0;
    *Result = Wide;
    return TRUE;
}

HMODULE WINAPI LoadLibraryExW(LPCWSTR Name, HANDLE File, DWORD Flags)
{
    ULONG characteristics = (Flags & DONT_RESOLVE_DLL_REFERENCES) ? IMAGE_FILE_EXECUTABLE_IMAGE : 0;
    UNICODE_STRING name;
    PVOID base = NULL;
    NTSTATUS status;

    if (File || (Flags & ~BASEP_LOAD_LIBRARY_FLAGS)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    RtlInitUnicodeString(&name, Name);
    while (name.Length && name.Buffer[name.Length / sizeof(WCHAR) - 1] == L' ')
        name.Length -= sizeof(WCHAR);
    if (Flags & LOAD_LIBRARY_AS_DATAFILE) {
        if (NT_SUCCESS(LdrGetDllHandle(NULL, NULL, &name, &base)))
            return base;
        SetLastError(ERROR_FILE_NOT_FOUND);
        return NULL;
    }
    status = LdrLoadDll(NULL, &characteristics, &name, &base);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return base;
}

HMODULE WINAPI LoadLibraryExA(LPCSTR Name, HANDLE File, DWORD Flags)
{
    WCHAR wide[MAX_PATH];
    LPCWSTR name;

    return BasepWideName(Name, wide, &name) ? LoadLibraryExW(name, File, Flags) : NULL;
}

HMODULE WINAPI LoadLibraryW(LPCWSTR Name)
{
    return LoadLibraryExW(Name, NULL, 0);
}

HMODULE WINAPI LoadLibraryA(LPCSTR Name)
{
    return LoadLibraryExA(Name, NULL, 0);
}

WINBOOL WINAPI FreeLibrary(HMODULE Module)
{
    NTSTATUS status = LdrUnloadDll(Module);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

HMODULE WINAPI GetModuleHandleW(LPCWSTR Name)
{
    UNICODE_STRING name;
    PVOID base = NULL;
    NTSTATUS status;

    if (!Name)
        return NtCurrentPeb()->ImageBaseAddress;
    RtlInitUnicodeString(&name, Name);
    status = LdrGetDllHandle(NULL, NULL, &name, &base);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return base;
}

HMODULE WINAPI GetModuleHandleA(LPCSTR Name)
{
    WCHAR wide[MAX_PATH];
    LPCWSTR name;

    return BasepWideName(Name, wide, &name) ? GetModuleHandleW(name) : NULL;
}

/* GetModuleFileName into Wide or, Wide NULL, into Ansi; 0 with the last error when Module is
 * not loaded. */
static DWORD BasepGetModuleFileName(HMODULE Module, LPWSTR Wide, LPSTR Ansi, DWORD Size)
{
    PVOID base = Module ? (PVOID)Module : NtCurrentPeb()->ImageBaseAddress;
    PLIST_ENTRY head = &NtCurrentPeb()->Ldr->InLoadOrderModuleList;
    const UNICODE_STRING *found = NULL;
    ULONG_PTR cookie;
    DWORD length = 0;

    LdrLockLoaderLock(0, NULL, &cookie);
    for (PLIST_ENTRY link = head->Flink; link != head && !found; link = link->Flink) {
        PLDR_DATA_TABLE_ENTRY entry = CONTAINING_RECORD(link, LDR_DATA_TABLE_ENTRY, InLoadOrderLinks);

        if (entry->DllBase == base)
            found = &entry->FullDllName;
    }
    if (found) {
        length = found->Length / sizeof(WCHAR);
        if (length > Size)
            length = Size;
        for (DWORD i = 0; i < length; i++) {
            if (Wide)
                Wide[i] = found->Buffer[i];
            else
                Ansi[i] = found->Buffer[i] < 0x100 ? (CHAR)found->Buffer[i] : '?';
        }
        if (length < Size) {
            if (Wide)
                Wide[length] = 0;
            else
                Ansi[length] = 0;
        }
    }
    LdrUnlockLoaderLock(0, cookie);
    if (!found)
        BaseSetLastNtError(STATUS_DLL_NOT_FOUND);
    return length;
}

DWORD WINAPI GetModuleFileNameW(HMODULE Module, LPWSTR FileName, DWORD Size)
{
    return BasepGetModuleFileName(Module, FileName, NULL, Size);
}

DWORD WINAPI GetModuleFileNameA(HMODULE Module, LPSTR FileName, DWORD Size)
{
    return BasepGetModuleFileName(Module, NULL, FileName, Size);
}

FARPROC WINAPI GetProcAddress(HMODULE Module, LPCSTR ProcName)
{
    PVOID base = Module ? (PVOID)Module : NtCurrentPeb()->ImageBaseAddress;
    PVOID address = NULL;
    ANSI_STRING name;
    NTSTATUS status;

    if ((ULONG_PTR)ProcName >> 16) {
        RtlInitAnsiString(&name, ProcName);
        status = LdrGetProcedureAddress(base, &name, 0, &address);
    } else {
        status = LdrGetProcedureAddress(base, NULL, (ULONG)(ULONG_PTR)ProcName, &address);
    }
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return (FARPROC)address;
}
