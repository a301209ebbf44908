/*
 * user/ntdll/lasterr.c: the calling thread's last error (TEB LastErrorValue), which ntdll's
 * own functions set when kernel32 exports them as forwarders (RtlFreeHeap as HeapFree), as
 * NT's ntdll does; kernel32's GetLastError and SetLastError read and write the same field.
 */
#include "ntdll.h"

VOID NTAPI RtlSetLastWin32Error(ULONG Error)
{
    NtCurrentTeb()->LastErrorValue = Error;
}
