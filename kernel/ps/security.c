/*
 * kernel/ps/security.c: a process's primary token, as Ps hands it out (NT's ps/security.c):
 * NtOpenProcessToken, which OpenProcessToken calls. The process handle needs
 * PROCESS_QUERY_INFORMATION; the new handle to the token gets DesiredAccess (mapped through
 * the Token type's generic mapping: mm386 has no security descriptors to refuse it).
 */
#include "kernel/ps/ps.h"

NTSTATUS NtOpenProcessToken(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, HANDLE *TokenHandle)
{
    HANDLE handle = NULL;
    EPROCESS *process;
    TOKEN *token;
    NTSTATUS status;

    status = ExReturn(TokenHandle, &handle);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_QUERY_INFORMATION, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&process, NULL);
    if (!NT_SUCCESS(status))
        return status;
    token = process->Token;
    ObReferenceObject(token);
    ObDereferenceObject(process);
    status = ObOpenObjectByPointer(token, DesiredAccess, 0, NULL, &handle);
    ObDereferenceObject(token);
    if (!NT_SUCCESS(status))
        return status;
    return ExReturn(TokenHandle, &handle);
}
