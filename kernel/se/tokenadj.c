/*
 * kernel/se/tokenadj.c: NtAdjustPrivilegesToken (NT's tokenadj.c), which AdjustTokenPrivileges
 * calls: enable, disable or remove privileges a token holds.
 *
 *   DisableAllPrivileges  every enabled privilege is disabled; NewState is not read
 *   NewState              for each privilege of the token named there (the first entry naming
 *                         it counts): SE_PRIVILEGE_REMOVED takes it out of the token for good,
 *                         otherwise SE_PRIVILEGE_ENABLED says whether it ends up enabled
 *   PreviousState         the privileges whose enabled state changed, with their attributes
 *                         before (a TOKEN_PRIVILEGES a later call can pass back to undo); it
 *                         needs TOKEN_QUERY as well as TOKEN_ADJUST_PRIVILEGES, and BufferLength
 *                         bytes for 4 + 12 per change, else nothing changes and the answer is
 *                         STATUS_BUFFER_TOO_SMALL; *ReturnLength gets the size either way
 *
 * A privilege named in NewState that the token does not hold is not an error: the others are
 * adjusted and the call returns STATUS_NOT_ALL_ASSIGNED, a success status (so kernel32's
 * AdjustTokenPrivileges returns TRUE with the last error ERROR_NOT_ALL_ASSIGNED).
 *
 * Checks, in NT's order: NewState NULL without DisableAllPrivileges (STATUS_INVALID_PARAMETER);
 * from user mode, NewState readable and PreviousState and ReturnLength writable (the probe's
 * status); more than SEP_MAX_PRIVILEGE_COUNT entries (STATUS_INVALID_PARAMETER); the entries
 * read; then the handle (STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH,
 * STATUS_ACCESS_DENIED).
 */
#include "kernel/se/se.h"

/* What NewState asks, as masks by LUID: the first entry naming each privilege decides. */
typedef struct _SEP_REQUEST {
    uint32_t Count;                     /* entries in NewState */
    uint64_t Named;                     /* named by an entry (LUIDs 0-63; others match nothing) */
    uint64_t Enable;                    /* ... with SE_PRIVILEGE_ENABLED */
    uint64_t Remove;                    /* ... with SE_PRIVILEGE_REMOVED */
} SEP_REQUEST;

/* Probe and read NewState (unless DisableAll) and probe the PreviousState side, as NT does. */
static NTSTATUS SepCaptureRequest(KPROCESSOR_MODE Mode, bool DisableAll,
                                  const TOKEN_PRIVILEGES *NewState, uint32_t BufferLength,
                                  TOKEN_PRIVILEGES *PreviousState, uint32_t *ReturnLength,
                                  SEP_REQUEST *Request)
{
    NTSTATUS status = STATUS_SUCCESS;
    uint32_t value;

    *Request = (SEP_REQUEST){ 0 };
    if (!DisableAll) {
        if (Mode != KernelMode)
            status = ProbeForRead(NewState, sizeof(TOKEN_PRIVILEGES), sizeof(uint32_t));
        if (NT_SUCCESS(status))
            status = ExCaptureFromMode(Mode, &Request->Count, &NewState->PrivilegeCount,
                                       sizeof(uint32_t), sizeof(uint32_t));
        if (NT_SUCCESS(status) && Mode != KernelMode)
            status = ProbeForRead(NewState, sizeof(TOKEN_PRIVILEGES) +
                                  (Request->Count - 1) * sizeof(LUID_AND_ATTRIBUTES),
                                  sizeof(uint32_t));
    }
    if (NT_SUCCESS(status) && PreviousState && Mode != KernelMode) {
        status = ProbeForWrite(PreviousState, BufferLength, sizeof(uint32_t));
        if (NT_SUCCESS(status))
            status = ExCaptureFromMode(Mode, &value, ReturnLength, sizeof(value), sizeof(value));
        if (NT_SUCCESS(status))
            status = ExReturnToMode(Mode, ReturnLength, &value, sizeof(value), sizeof(value));
    }
    if (!NT_SUCCESS(status) || DisableAll)
        return status;
    if (Request->Count > SEP_MAX_PRIVILEGE_COUNT)
        return STATUS_INVALID_PARAMETER;
    for (uint32_t i = 0; i < Request->Count; i++) {
        LUID_AND_ATTRIBUTES entry;
        uint64_t bit;

        status = ExCaptureFromMode(Mode, &entry, &NewState->Privileges[i], sizeof(entry),
                                   sizeof(uint32_t));
        if (!NT_SUCCESS(status))
            return status;
        if (entry.Luid.HighPart != 0 || entry.Luid.LowPart >= 64)
            continue;
        bit = 1ull << entry.Luid.LowPart;
        if (Request->Named & bit)
            continue;
        Request->Named |= bit;
        if (entry.Attributes & SE_PRIVILEGE_REMOVED)
            Request->Remove |= bit;
        else if (entry.Attributes & SE_PRIVILEGE_ENABLED)
            Request->Enable |= bit;
    }
    return STATUS_SUCCESS;
}

/* The attributes a privilege had in Privileges. */
static uint32_t SepAttributes(const SEP_TOKEN_PRIVILEGES *Privileges, uint32_t Luid)
{
    return (uint32_t)(((Privileges->EnabledByDefault >> Luid) & 1) ? SE_PRIVILEGE_ENABLED_BY_DEFAULT : 0) |
           (uint32_t)(((Privileges->Enabled >> Luid) & 1) ? SE_PRIVILEGE_ENABLED : 0);
}

/* PreviousState: the privileges in Changed, with their attributes in Old. */
static NTSTATUS SepReturnPreviousState(KPROCESSOR_MODE Mode, TOKEN_PRIVILEGES *PreviousState,
                                       const SEP_TOKEN_PRIVILEGES *Old, uint64_t Changed)
{
    uint32_t count = 0;
    NTSTATUS status = STATUS_SUCCESS;

    for (uint32_t luid = 0; luid < 64 && NT_SUCCESS(status); luid++) {
        LUID_AND_ATTRIBUTES entry = { { luid, 0 }, SepAttributes(Old, luid) };

        if (!((Changed >> luid) & 1))
            continue;
        status = ExReturnToMode(Mode, &PreviousState->Privileges[count++], &entry, sizeof(entry),
                                sizeof(uint32_t));
    }
    if (NT_SUCCESS(status))
        status = ExReturnToMode(Mode, &PreviousState->PrivilegeCount, &count, sizeof(count),
                                sizeof(count));
    return status;
}

static uint32_t SepCountBits(uint64_t Mask)
{
    return (uint32_t)__builtin_popcountll(Mask);
}

NTSTATUS NtAdjustPrivilegesToken(HANDLE TokenHandle, bool DisableAllPrivileges,
                                 const TOKEN_PRIVILEGES *NewState, uint32_t BufferLength,
                                 TOKEN_PRIVILEGES *PreviousState, uint32_t *ReturnLength)
{
    KPROCESSOR_MODE mode = ExGetPreviousMode();
    SEP_TOKEN_PRIVILEGES old, *privileges;
    uint64_t enabled, changed;
    uint32_t needed = 0;
    bool tooSmall = false;
    SEP_REQUEST request;
    TOKEN *token;
    KIRQL oldIrql;
    NTSTATUS status;

    if (!DisableAllPrivileges && !NewState)
        return STATUS_INVALID_PARAMETER;
    status = SepCaptureRequest(mode, DisableAllPrivileges, NewState, BufferLength, PreviousState,
                               ReturnLength, &request);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(TokenHandle, TOKEN_ADJUST_PRIVILEGES |
                                       (PreviousState ? TOKEN_QUERY : 0), &SeTokenType, mode,
                                       (void **)&token, NULL);
    if (!NT_SUCCESS(status))
        return status;

    KeAcquireSpinLock(&token->Lock, &oldIrql);
    privileges = &token->Privileges;
    old = *privileges;
    if (DisableAllPrivileges) {
        enabled = 0;
        changed = old.Enabled;
    } else {
        uint64_t adjusted = request.Named & ~request.Remove & old.Present;

        enabled = (old.Enabled & ~adjusted) | (request.Enable & adjusted);
        changed = (old.Enabled ^ enabled) & adjusted;
    }
    needed = sizeof(uint32_t) + SepCountBits(changed) * sizeof(LUID_AND_ATTRIBUTES);
    tooSmall = PreviousState && needed > BufferLength;
    if (!tooSmall) {
        uint64_t removed = DisableAllPrivileges ? 0 : request.Remove & old.Present;

        privileges->Enabled = enabled & ~removed;
        privileges->Present &= ~removed;
        privileges->EnabledByDefault &= ~removed;
    }
    KeReleaseSpinLock(&token->Lock, oldIrql);
    ObDereferenceObject(token);

    if (PreviousState) {
        status = ExReturnToMode(mode, ReturnLength, &needed, sizeof(needed), sizeof(needed));
        if (!NT_SUCCESS(status))
            return status;
        if (tooSmall)
            return STATUS_BUFFER_TOO_SMALL;
        status = SepReturnPreviousState(mode, PreviousState, &old, changed);
        if (!NT_SUCCESS(status))
            return status;
    }
    if (!DisableAllPrivileges && SepCountBits(request.Named & old.Present) < request.Count)
        return STATUS_NOT_ALL_ASSIGNED;
    return STATUS_SUCCESS;
}
