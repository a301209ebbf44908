/*
 * user/ntdll/rtlstr.c: counted strings. RtlInitUnicodeString and RtlInitAnsiString point a
 * UNICODE_STRING or an ANSI_STRING at a zero-terminated string, as NT's: Length the bytes
 * before the zero, MaximumLength with it; NULL gives the empty string.
 */
#include "ntdll.h"

VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING Destination, PCWSTR Source)
{
    SIZE_T length = 0;

    Destination->Buffer = (PWSTR)Source;
    Destination->Length = Destination->MaximumLength = 0;
    if (!Source)
        return;
    while (Source[length])
        length++;
    Destination->Length = (USHORT)(length * sizeof(WCHAR));
    Destination->MaximumLength = (USHORT)(Destination->Length + sizeof(WCHAR));
}

VOID NTAPI RtlInitAnsiString(PANSI_STRING Destination, const char *Source)
{
    SIZE_T length = 0;

    Destination->Buffer = (char *)Source;
    Destination->Length = Destination->MaximumLength = 0;
    if (!Source)
        return;
    while (Source[length])
        length++;
    Destination->Length = (USHORT)length;
    Destination->MaximumLength = (USHORT)(length + 1);
}
