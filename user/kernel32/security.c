/*
 * user/kernel32/security.c: the advapi32 calls a program needs to drop or take back a
 * privilege: OpenProcessToken, AdjustTokenPrivileges, LookupPrivilegeValueA/W. They live in
 * kernel32's library rather than an advapi32 of their own: mm386 links every program
 * statically with all of its runtime, so a second library would only add a name to the link
 * line. (_ADVAPI32_ makes <windows.h> declare them without dllimport while they are defined.)
 *
 * LookupPrivilegeValue knows the well-known privilege names and their LUIDs (2 to 35, as NT
 * numbers them), in any case, for the local system only (lpSystemName NULL or empty); advapi32
 * asks the LSA, which has the same table.
 */
#define _ADVAPI32_
#include "k32.h"

/* NT's well-known privileges, by LUID: SE_MIN_WELL_KNOWN_PRIVILEGE (2) first. */
static const char *const BasePrivilegeNames[] = {
    "SeCreateTokenPrivilege", "SeAssignPrimaryTokenPrivilege", "SeLockMemoryPrivilege",
    "SeIncreaseQuotaPrivilege", "SeMachineAccountPrivilege", "SeTcbPrivilege",
    "SeSecurityPrivilege", "SeTakeOwnershipPrivilege", "SeLoadDriverPrivilege",
    "SeSystemProfilePrivilege", "SeSystemtimePrivilege", "SeProfileSingleProcessPrivilege",
    "SeIncreaseBasePriorityPrivilege", "SeCreatePagefilePrivilege", "SeCreatePermanentPrivilege",
    "SeBackupPrivilege", "SeRestorePrivilege", "SeShutdownPrivilege", "SeDebugPrivilege",
    "SeAuditPrivilege", "SeSystemEnvironmentPrivilege", "SeChangeNotifyPrivilege",
    "SeRemoteShutdownPrivilege", "SeUndockPrivilege", "SeSyncAgentPrivilege",
    "SeEnableDelegationPrivilege", "SeManageVolumePrivilege", "SeImpersonatePrivilege",
    "SeCreateGlobalPrivilege", "SeTrustedCredManAccessPrivilege", "SeRelabelPrivilege",
    "SeIncreaseWorkingSetPrivilege", "SeTimeZonePrivilege", "SeCreateSymbolicLinkPrivilege",
};

#define BASE_FIRST_PRIVILEGE    2

static WCHAR BaseLower(WCHAR Character)
{
    return Character >= 'A' && Character <= 'Z' ? Character - 'A' + 'a' : Character;
}

/* Name (Wide or not) against a privilege's name, in any case. */
static BOOL BaseSameName(const void *Name, BOOL Wide, const char *Privilege)
{
    for (ULONG i = 0;; i++) {
        WCHAR c = Wide ? ((const WCHAR *)Name)[i] : (WCHAR)(UCHAR)((const char *)Name)[i];

        if (BaseLower(c) != BaseLower((WCHAR)(UCHAR)Privilege[i]))
            return FALSE;
        if (c == 0)
            return TRUE;
    }
}

static WINBOOL BaseLookupPrivilegeValue(const void *SystemName, const void *Name, BOOL Wide,
                                        PLUID Luid)
{
    BOOL local = !SystemName || (Wide ? *(const WCHAR *)SystemName == 0
                                      : *(const char *)SystemName == 0);

    if (!local) {
        SetLastError(RPC_S_SERVER_UNAVAILABLE);     /* no other machine to ask */
        return FALSE;
    }
    for (ULONG i = 0; i < sizeof(BasePrivilegeNames) / sizeof(BasePrivilegeNames[0]); i++) {
        if (BaseSameName(Name, Wide, BasePrivilegeNames[i])) {
            Luid->LowPart = BASE_FIRST_PRIVILEGE + i;
            Luid->HighPart = 0;
            return TRUE;
        }
    }
    SetLastError(ERROR_NO_SUCH_PRIVILEGE);
    return FALSE;
}

WINBOOL WINAPI LookupPrivilegeValueA(LPCSTR SystemName, LPCSTR Name, PLUID Luid)
{
    return BaseLookupPrivilegeValue(SystemName, Name, FALSE, Luid);
}

WINBOOL WINAPI LookupPrivilegeValueW(LPCWSTR SystemName, LPCWSTR Name, PLUID Luid)
{
    return BaseLookupPrivilegeValue(SystemName, Name, TRUE, Luid);
}

WINBOOL WINAPI OpenProcessToken(HANDLE Process, DWORD DesiredAccess, PHANDLE Token)
{
    NTSTATUS status = NtOpenProcessToken(Process, DesiredAccess, Token);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

/* As advapi32's: the last error is set on success too, the only way to say
 * STATUS_NOT_ALL_ASSIGNED (ERROR_NOT_ALL_ASSIGNED, with TRUE returned). */
WINBOOL WINAPI AdjustTokenPrivileges(HANDLE Token, WINBOOL DisableAllPrivileges,
                                     PTOKEN_PRIVILEGES NewState, DWORD BufferLength,
                                     PTOKEN_PRIVILEGES PreviousState, PDWORD ReturnLength)
{
    NTSTATUS status = NtAdjustPrivilegesToken(Token, (BOOLEAN)(DisableAllPrivileges != 0),
                                              NewState, BufferLength, PreviousState,
                                              ReturnLength);

    BaseSetLastNtError(status);
    return NT_SUCCESS(status);
}
