/*
 * user/ntdll/seh.c: the handler behind seh.h's SEH_FRAME (SehTry, in dispatch.S, links it).
 */
#include "ntdll.h"
#include "seh.h"

_Static_assert(__builtin_offsetof(SEH_FRAME, Resume) == 8 &&
               __builtin_offsetof(SEH_FRAME, Filter) == 0x20, "dispatch.S's SehTry");

/* Unlink Frame, which must be the newest: the guarded block ended normally. */
void SehEnd(SEH_FRAME *Frame)
{
    NtCurrentTeb()->NtTib.ExceptionList = Frame->Record.Next;
}

EXCEPTION_DISPOSITION SehHandler(PEXCEPTION_RECORD Record, PVOID Establisher,
                                 PCONTEXT Context, PVOID DispatcherContext)
{
    SEH_FRAME *frame = Establisher;
    EXCEPTION_POINTERS pointers = { Record, Context };
    LONG verdict = EXCEPTION_EXECUTE_HANDLER;

    (void)DispatcherContext;
    if (Record->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND))
        return ExceptionContinueSearch;
    if (frame->Filter)
        verdict = frame->Filter(&pointers, frame->FilterContext);
    if (verdict == EXCEPTION_CONTINUE_EXECUTION)
        return ExceptionContinueExecution;
    if (verdict != EXCEPTION_EXECUTE_HANDLER)
        return ExceptionContinueSearch;

    frame->Exception = *Record;
    frame->Context = *Context;
    RtlUnwind(&frame->Record, NULL, Record, NULL);
    NtCurrentTeb()->NtTib.ExceptionList = frame->Record.Next;
    /* Continue as SehTry's second return; a noncontinuable exception may resume here too. */
    Record->ExceptionFlags &= ~EXCEPTION_NONCONTINUABLE;
    Context->Ebx = frame->Resume.Ebx;
    Context->Esi = frame->Resume.Esi;
    Context->Edi = frame->Resume.Edi;
    Context->Ebp = frame->Resume.Ebp;
    Context->Esp = frame->Resume.Esp;
    Context->Eip = frame->Resume.Eip;
    Context->Eax = 1;
    return ExceptionContinueExecution;
}
