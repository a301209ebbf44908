/*
 * user/kernel32/misc.c: last error, the console (GetStdHandle, WriteFile, WriteConsoleA),
 * time (GetTickCount from KUSER_SHARED_DATA, the performance counter) and exceptions
 * (vectored handlers, RaiseException).
 */
#include "k32.h"

DWORD WINAPI GetLastError(void)
{
    return NtCurrentTeb()->LastErrorValue;
}

VOID WINAPI SetLastError(DWORD Error)
{
    NtCurrentTeb()->LastErrorValue = Error;
}

HANDLE WINAPI GetStdHandle(DWORD Which)
{
    PRTL_USER_PROCESS_PARAMETERS parameters = NtCurrentPeb()->ProcessParameters;

    switch (Which) {
    case STD_INPUT_HANDLE:
        return parameters->StandardInput;
    case STD_OUTPUT_HANDLE:
        return parameters->StandardOutput;
    case STD_ERROR_HANDLE:
        return parameters->StandardError;
    }
    SetLastError(ERROR_INVALID_HANDLE);
    return INVALID_HANDLE_VALUE;
}

/* Synchronous writes only: an OVERLAPPED's offset is passed on, its event is not used. */
WINBOOL WINAPI WriteFile(HANDLE File, LPCVOID Buffer, DWORD Length, LPDWORD Written,
                         LPOVERLAPPED Overlapped)
{
    IO_STATUS_BLOCK io = { { 0 }, 0 };
    LARGE_INTEGER offset, *at = BaseOverlappedOffset(&offset, Overlapped);
    NTSTATUS status;

    if (Written)
        *Written = 0;
    status = NtWriteFile(File, NULL, NULL, NULL, &io, Buffer, Length, at, NULL);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    if (Written)
        *Written = (DWORD)io.Information;
    return TRUE;
}

WINBOOL WINAPI WriteConsoleA(HANDLE Console, CONST VOID *Buffer, DWORD Length, LPDWORD Written,
                             LPVOID Reserved)
{
    (void)Reserved;
    return WriteFile(Console, Buffer, Length, Written, NULL);
}

/* Milliseconds since start-up: the clock's tick count times TickCountMultiplier / 2^24. */
ULONGLONG WINAPI GetTickCount64(void)
{
    const volatile KUSER_SHARED_DATA *shared = USER_SHARED_DATA;
    ULONG low;
    LONG high;

    do {
        high = shared->TickCount.High1Time;
        low = shared->TickCount.LowPart;
    } while (high != shared->TickCount.High2Time);
    return (((ULONGLONG)(ULONG)high << 32 | low) * shared->TickCountMultiplier) >> 24;
}

DWORD WINAPI GetTickCount(void)
{
    return (DWORD)GetTickCount64();
}

WINBOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *Counter)
{
    NTSTATUS status = NtQueryPerformanceCounter(Counter, NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *Frequency)
{
    LARGE_INTEGER counter;
    NTSTATUS status = NtQueryPerformanceCounter(&counter, Frequency);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

PVOID WINAPI AddVectoredExceptionHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler)
{
    return RtlAddVectoredExceptionHandler(First, Handler);
}

ULONG WINAPI RemoveVectoredExceptionHandler(PVOID Handle)
{
    return RtlRemoveVectoredExceptionHandler(Handle);
}

/* Raise a software exception with up to EXCEPTION_MAXIMUM_PARAMETERS arguments. */
VOID WINAPI RaiseException(DWORD Code, DWORD Flags, DWORD Count, const ULONG_PTR *Arguments)
{
    EXCEPTION_RECORD record = { 0 };
    DWORD index;

    record.ExceptionCode = Code;
    record.ExceptionFlags = Flags & EXCEPTION_NONCONTINUABLE;
    if (Arguments) {
        record.NumberParameters = Count < EXCEPTION_MAXIMUM_PARAMETERS ? Count
                                                                      : EXCEPTION_MAXIMUM_PARAMETERS;
        for (index = 0; index < record.NumberParameters; index++)
            record.ExceptionInformation[index] = Arguments[index];
    }
    RtlRaiseException(&record);
}
