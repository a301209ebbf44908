/*
 * user/ntdll/ldrapi.c: the loader's interface (NT's ldrapi.c), each call under the loader lock.
 *
 *   LdrLoadDll              a DLL on the lists gets one more reference (none for a pinned one);
 *                           any other is loaded as a known DLL with its imports (ldrsnap.c);
 *                           then every DllMain not yet run. A DllMain returning FALSE is
 *                           STATUS_DLL_INIT_FAILED, and what the call loaded is unloaded again.
 *                           *DllCharacteristics with IMAGE_FILE_EXECUTABLE_IMAGE (kernel32's
 *                           DONT_RESOLVE_DLL_REFERENCES): only mapped. SearchPath is not used:
 *                           \KnownDlls is the one place DLLs come from.
 *   LdrUnloadDll            one reference less; at 0 the DLL is unloaded (ldrutil.c). A pinned
 *                           DLL (the program's imports, ntdll.dll) is never unloaded.
 *   LdrGetDllHandle         a DLL on the lists, no reference taken
 *   LdrGetProcedureAddress  an export by name or by ordinal, forwarders followed (a DLL they
 *                           load gets its DllMain)
 *   LdrLockLoaderLock       the loader lock for a caller that reads the lists (kernel32's
 *   LdrUnlockLoaderLock     GetModuleFileName); Flags 0 only (no try-only), the cookie the
 *                           thread's id
 *
 * Names as NT's LdrpLoadDll takes them: a name whose last component has no '.' gets ".dll",
 * one ending in '.' loses the '.' and gets nothing; a name with a directory is compared with
 * the modules' FullDllName and never loaded (files are not searched). Statuses: no such DLL
 * (or handle) STATUS_DLL_NOT_FOUND, no such export STATUS_ENTRYPOINT_NOT_FOUND, no such
 * ordinal STATUS_ORDINAL_NOT_FOUND, a missing argument (or ordinal 0 without a name)
 * STATUS_INVALID_PARAMETER, a name of MAX_PATH characters or more STATUS_NAME_TOO_LONG.
 */
#include <string.h>
#include "ldrp.h"

/* Name as the loader looks it up, in Buffer (LDRP_MAXIMUM_NAME characters). */
static NTSTATUS LdrpNormalizeName(const UNICODE_STRING *Name, WCHAR *Buffer, UNICODE_STRING *Result)
{
    ULONG length = Name->Length / sizeof(WCHAR);
    BOOLEAN extension = FALSE;

    if (length && !Name->Buffer)
        return STATUS_INVALID_PARAMETER;
    if (length + sizeof(LDRP_DLL_EXTENSION) / sizeof(WCHAR) > LDRP_MAXIMUM_NAME)
        return STATUS_NAME_TOO_LONG;
    for (ULONG i = 0; i < length; i++) {
        Buffer[i] = Name->Buffer[i];
        if (Buffer[i] == L'\\' || Buffer[i] == L'/')
            extension = FALSE;
        else if (Buffer[i] == L'.')
            extension = TRUE;
    }
    if (length && Buffer[length - 1] == L'.') {
        length--;
    } else if (!extension) {
        for (const WCHAR *p = LDRP_DLL_EXTENSION; *p; p++)
            Buffer[length++] = *p;
    }
    Result->Buffer = Buffer;
    Result->Length = Result->MaximumLength = (USHORT)(length * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI LdrLoadDll(PWSTR SearchPath, PULONG DllCharacteristics, PUNICODE_STRING DllName,
                          PVOID *DllHandle)
{
    BOOLEAN resolve = !(DllCharacteristics && (*DllCharacteristics & IMAGE_FILE_EXECUTABLE_IMAGE));
    WCHAR buffer[LDRP_MAXIMUM_NAME];
    UNICODE_STRING name;
    PLDR_DATA_TABLE_ENTRY entry;
    NTSTATUS status;

    (void)SearchPath;
    if (!DllName || !DllHandle)
        return STATUS_INVALID_PARAMETER;
    status = LdrpNormalizeName(DllName, buffer, &name);
    if (!NT_SUCCESS(status))
        return status;
    RtlpAcquireRecursiveLock(&LdrpLoaderLock);
    status = LdrpLoadDll(&name, FALSE, resolve, &entry);
    if (NT_SUCCESS(status)) {
        status = LdrpRunInitializeRoutines();
        if (NT_SUCCESS(status))
            *DllHandle = entry->DllBase;
        else
            LdrpDereferenceDll(entry);
    }
    RtlpReleaseRecursiveLock(&LdrpLoaderLock);
    return status;
}

NTSTATUS NTAPI LdrUnloadDll(PVOID DllHandle)
{
    PLDR_DATA_TABLE_ENTRY entry;
    NTSTATUS status = STATUS_SUCCESS;

    RtlpAcquireRecursiveLock(&LdrpLoaderLock);
    if (LdrpCheckForLoadedDllHandle(DllHandle, &entry))
        LdrpDereferenceDll(entry);
    else
        status = STATUS_DLL_NOT_FOUND;
    RtlpReleaseRecursiveLock(&LdrpLoaderLock);
    return status;
}

NTSTATUS NTAPI LdrGetDllHandle(PWSTR DllPath, PULONG DllCharacteristics, PUNICODE_STRING DllName,
                               PVOID *DllHandle)
{
    WCHAR buffer[LDRP_MAXIMUM_NAME];
    UNICODE_STRING name;
    PLDR_DATA_TABLE_ENTRY entry;
    NTSTATUS status;

    (void)DllPath;
    (void)DllCharacteristics;
    if (!DllName || !DllHandle)
        return STATUS_INVALID_PARAMETER;
    status = LdrpNormalizeName(DllName, buffer, &name);
    if (!NT_SUCCESS(status))
        return status;
    RtlpAcquireRecursiveLock(&LdrpLoaderLock);
    if (LdrpCheckForLoadedDll(&name, &entry))
        *DllHandle = entry->DllBase;
    else
        status = STATUS_DLL_NOT_FOUND;
    RtlpReleaseRecursiveLock(&LdrpLoaderLock);
    return status;
}

NTSTATUS NTAPI LdrGetProcedureAddress(PVOID DllHandle, PANSI_STRING ProcedureName,
                                      ULONG ProcedureNumber, PVOID *ProcedureAddress)
{
    const char *name = ProcedureName ? ProcedureName->Buffer : NULL;
    ULONG length = name ? (ULONG)strnlen(name, ProcedureName->Length) : 0;
    PLDR_DATA_TABLE_ENTRY entry;
    PVOID address = NULL;
    NTSTATUS status;

    if (!ProcedureAddress || (!ProcedureName && !ProcedureNumber) ||
        (ProcedureName && ProcedureName->Length && !name))
        return STATUS_INVALID_PARAMETER;
    if (ProcedureName && !name)
        name = "";
    RtlpAcquireRecursiveLock(&LdrpLoaderLock);
    if (!LdrpCheckForLoadedDllHandle(DllHandle, &entry)) {
        status = STATUS_DLL_NOT_FOUND;
    } else {
        status = LdrpGetProcedureAddress(entry->DllBase, name, length, ProcedureNumber, FALSE,
                                         &address);
        if (NT_SUCCESS(status))
            status = LdrpRunInitializeRoutines();
        if (NT_SUCCESS(status))
            *ProcedureAddress = address;
    }
    RtlpReleaseRecursiveLock(&LdrpLoaderLock);
    return status;
}

NTSTATUS NTAPI LdrLockLoaderLock(ULONG Flags, PULONG Disposition, PULONG_PTR Cookie)
{
    if (Flags != 0)
        return STATUS_INVALID_PARAMETER_1;
    if (!Cookie)
        return STATUS_INVALID_PARAMETER_3;
    RtlpAcquireRecursiveLock(&LdrpLoaderLock);
    if (Disposition)
        *Disposition = LDR_LOCK_LOADER_LOCK_DISPOSITION_LOCK_ACQUIRED;
    *Cookie = (ULONG_PTR)NtCurrentTeb()->ClientId.UniqueThread;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI LdrUnlockLoaderLock(ULONG Flags, ULONG_PTR Cookie)
{
    if (Flags != 0)
        return STATUS_INVALID_PARAMETER_1;
    if (Cookie != (ULONG_PTR)NtCurrentTeb()->ClientId.UniqueThread ||
        LdrpLoaderLock.Owner != NtCurrentTeb()->ClientId.UniqueThread)
        return STATUS_INVALID_PARAMETER_2;
    RtlpReleaseRecursiveLock(&LdrpLoaderLock);
    return STATUS_SUCCESS;
}
