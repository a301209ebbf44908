/*
 * user/kernel32/k32.h: what kernel32's files share. kernel32 is a thin layer over ntdll: each
 * call maps its arguments to a system service and, when the service fails, records the NT
 * status in the TEB, sets the thread's last error from it (RtlNtStatusToDosError) and returns
 * the value Windows returns on failure.
 */
#ifndef USER_KERNEL32_K32_H
#define USER_KERNEL32_K32_H

#include "user/ntdll/ntdll.h"

/* Record a failed service's status as the thread's last error. */
static inline void BaseSetLastNtError(NTSTATUS Status)
{
    NtCurrentTeb()->LastStatusValue = (ULONG)Status;
    NtCurrentTeb()->LastErrorValue = RtlNtStatusToDosError(Status);
}

/* The byte offset an OVERLAPPED names, for NtReadFile/NtWriteFile; NULL without one (the file
 * pointer). Synchronous I/O only: the OVERLAPPED's event is not used. */
static inline PLARGE_INTEGER BaseOverlappedOffset(PLARGE_INTEGER Offset, LPOVERLAPPED Overlapped)
{
    if (!Overlapped)
        return NULL;
    Offset->LowPart = Overlapped->Offset;
    Offset->HighPart = (LONG)Overlapped->OffsetHigh;
    return Offset;
}

/* A Win32 timeout in milliseconds as an NT relative timeout; NULL for INFINITE. */
static inline PLARGE_INTEGER BaseFormatTimeOut(PLARGE_INTEGER Timeout, DWORD Milliseconds)
{
    if (Milliseconds == INFINITE)
        return NULL;
    Timeout->QuadPart = -(LONGLONG)Milliseconds * 10000;
    return Timeout;
}

/* The NT name (\\??\\C:\\...) of a Win32 path into Buffer (BASEP_MAXIMUM_PATH + 8 characters),
 * as RtlDosPathNameToNtPathName_U makes it; false when it is empty or too long, the last error
 * set (file.c). */
#define BASEP_MAXIMUM_PATH      1024
BOOL BasepNtPath(LPCWSTR Path, WCHAR *Buffer, UNICODE_STRING *Name);

#endif
