/*
 * user/ntdll/seh.h: frame-based exception handling for C programs built with mingw-w64's gcc,
 * which has no __try/__except on i386. A SEH_FRAME on the stack is an
 * EXCEPTION_REGISTRATION_RECORD at fs:[0] plus a resume point, used like setjmp:
 *
 *     SEH_FRAME frame;
 *     if (SEH_TRY(&frame, Filter, FilterContext) == 0) {
 *         ... code that may raise an exception ...
 *         SehEnd(&frame);                     always, before leaving the block
 *     } else {
 *         ... handled: frame.Exception and frame.Context say what and where ...
 *     }
 *
 * Filter (NULL: every exception) is called as an __except filter is, with the exception's
 * pointers, and answers EXCEPTION_EXECUTE_HANDLER (unwind the frames above, resume at
 * SEH_TRY returning 1, the frame already unlinked), EXCEPTION_CONTINUE_SEARCH (the next
 * frame) or EXCEPTION_CONTINUE_EXECUTION (retry at the faulting context, which the filter
 * may have changed). The function that called SEH_TRY must not have returned when the
 * exception arrives, as with setjmp; locals it changed in the guarded block should be
 * volatile.
 */
#ifndef USER_NTDLL_SEH_H
#define USER_NTDLL_SEH_H

#include <windows.h>

typedef LONG (*SEH_FILTER)(EXCEPTION_POINTERS *Pointers, PVOID FilterContext);

typedef struct _SEH_FRAME {
    EXCEPTION_REGISTRATION_RECORD Record;   /* 0x00: linked at fs:[0] by SehTry */
    struct {
        ULONG Ebx, Esi, Edi, Ebp, Esp, Eip;
    } Resume;                               /* 0x08: SehTry's caller, as it returns */
    SEH_FILTER Filter;                      /* 0x20 */
    PVOID FilterContext;
    EXCEPTION_RECORD Exception;             /* what was handled */
    CONTEXT Context;                        /* where it happened */
} SEH_FRAME;

int SehTry(SEH_FRAME *Frame) __attribute__((returns_twice));
void SehEnd(SEH_FRAME *Frame);
EXCEPTION_DISPOSITION SehHandler(PEXCEPTION_RECORD Record, PVOID Frame, PCONTEXT Context,
                                 PVOID DispatcherContext);

#define SEH_TRY(Frame, FilterRoutine, Context) \
    ((Frame)->Filter = (FilterRoutine), (Frame)->FilterContext = (Context), SehTry(Frame))

#endif
