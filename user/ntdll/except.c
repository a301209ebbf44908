/*
 * user/ntdll/except.c: user-mode exception dispatch, as NT's ntdll does it on x86.
 *
 * KiUserExceptionDispatcher (dispatch.S) calls RtlDispatchException with the record and
 * context the kernel copied to the stack. The vectored handlers (AddVectoredExceptionHandler)
 * come first, in list order; then the frame-based chain at fs:[0]:
 *
 *     fs:[0] -> EXCEPTION_REGISTRATION_RECORD { Next, Handler } -> ... -> 0xFFFFFFFF
 *
 * each record on this thread's stack, newest first, checked against the TEB's stack bounds.
 * A handler answers ExceptionContinueExecution (resume at the context: TRUE), ContinueSearch
 * (the next record), or NestedException (it was called for an exception raised inside an
 * earlier handler). A handler runs under a frame of our own whose handler reports such nested
 * exceptions, so an exception inside a handler does not run the same handler again unmarked.
 * RtlUnwind calls the handlers from fs:[0] down to a target frame with EXCEPTION_UNWINDING and
 * unlinks them; RtlRaiseException raises a software exception through the same dispatch.
 */
#include "ntdll.h"
#include "rtlp.h"

#define EXCEPTION_CHAIN_END     ((PEXCEPTION_REGISTRATION_RECORD)(LONG_PTR)-1)

EXCEPTION_DISPOSITION RtlpCallHandler(PEXCEPTION_RECORD Record, PVOID EstablisherFrame,
                                      PCONTEXT Context, PVOID DispatcherContext,
                                      PEXCEPTION_ROUTINE Handler);
void RtlpRaiseException(PEXCEPTION_RECORD Record, PCONTEXT Context);

/* The frame RtlpExecuteHandler puts under a handler: the record, and whose handler runs. */
typedef struct _NESTED_FRAME {
    EXCEPTION_REGISTRATION_RECORD Record;
    PEXCEPTION_REGISTRATION_RECORD Establisher;
} NESTED_FRAME;

typedef struct _VECTORED_HANDLER {
    struct _VECTORED_HANDLER *Next;
    PVECTORED_EXCEPTION_HANDLER Handler;
} VECTORED_HANDLER;

static VECTORED_HANDLER *RtlpVectoredHandlers;
static RTL_SPIN_LOCK RtlpVectoredLock;

static PEXCEPTION_REGISTRATION_RECORD RtlpGetRegistrationHead(void)
{
    return (PEXCEPTION_REGISTRATION_RECORD)NtCurrentTeb()->NtTib.ExceptionList;
}

static void RtlpSetRegistrationHead(PEXCEPTION_REGISTRATION_RECORD Record)
{
    NtCurrentTeb()->NtTib.ExceptionList = (struct _EXCEPTION_REGISTRATION_RECORD *)Record;
}

/* Raise Status as a noncontinuable exception caused by Cause (which it chains). */
static void RtlpRaiseNoncontinuable(NTSTATUS Status, PEXCEPTION_RECORD Cause)
{
    EXCEPTION_RECORD record = { 0 };

    record.ExceptionCode = (DWORD)Status;
    record.ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    record.ExceptionRecord = Cause;
    RtlRaiseException(&record);
}

/* A record lies wholly within the stack, aligned: the chain is not a wild pointer. */
static BOOLEAN RtlpIsValidFrame(PEXCEPTION_REGISTRATION_RECORD Record)
{
    ULONG_PTR low = (ULONG_PTR)NtCurrentTeb()->NtTib.StackLimit;
    ULONG_PTR high = (ULONG_PTR)NtCurrentTeb()->NtTib.StackBase;
    ULONG_PTR at = (ULONG_PTR)Record;

    return at >= low && at + sizeof(*Record) <= high && (at & 3) == 0;
}

/* The handler of the frame under each handler call: an exception raised inside a handler
 * reports which handler's frame it came from; an unwind passes over it. */
static EXCEPTION_DISPOSITION RtlpNestedHandler(PEXCEPTION_RECORD Record, PVOID Frame,
                                               PCONTEXT Context, PVOID DispatcherContext)
{
    (void)Context;
    if (Record->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND))
        return ExceptionContinueSearch;
    *(PVOID *)DispatcherContext = ((NESTED_FRAME *)Frame)->Establisher;
    return ExceptionNestedException;
}

/* Call Registration's handler for Record under a nested-exception frame. */
static EXCEPTION_DISPOSITION RtlpExecuteHandler(PEXCEPTION_RECORD Record,
                                                PEXCEPTION_REGISTRATION_RECORD Registration,
                                                PCONTEXT Context, PVOID *DispatcherContext)
{
    NESTED_FRAME nested;
    EXCEPTION_DISPOSITION disposition;

    nested.Record.Next = RtlpGetRegistrationHead();
    nested.Record.Handler = (PEXCEPTION_ROUTINE)RtlpNestedHandler;
    nested.Establisher = Registration;
    RtlpSetRegistrationHead(&nested.Record);
    disposition = RtlpCallHandler(Record, Registration, Context, DispatcherContext,
                                  Registration->Handler);
    /* A handler that unwound (RtlUnwind) has already taken our frame off the chain. */
    if (RtlpGetRegistrationHead() == &nested.Record)
        RtlpSetRegistrationHead(nested.Record.Next);
    return disposition;
}

/* Offer the exception to the vectored handlers: TRUE when one says continue execution. */
static BOOLEAN RtlpCallVectoredHandlers(PEXCEPTION_RECORD Record, PCONTEXT Context)
{
    EXCEPTION_POINTERS pointers = { Record, Context };
    VECTORED_HANDLER *entry;
    BOOLEAN handled = FALSE;

    RtlpAcquireRecursiveLock(&RtlpVectoredLock);
    for (entry = RtlpVectoredHandlers; entry && !handled; entry = entry->Next)
        handled = entry->Handler(&pointers) == EXCEPTION_CONTINUE_EXECUTION;
    RtlpReleaseRecursiveLock(&RtlpVectoredLock);
    return handled;
}

/* Find a handler for Record: TRUE when one asks to continue at Context. */
BOOLEAN NTAPI RtlDispatchException(PEXCEPTION_RECORD Record, PCONTEXT Context)
{
    PEXCEPTION_REGISTRATION_RECORD registration, nested = NULL;
    PVOID dispatcherContext;

    if (RtlpCallVectoredHandlers(Record, Context))
        return TRUE;
    for (registration = RtlpGetRegistrationHead(); registration != EXCEPTION_CHAIN_END;
         registration = registration->Next) {
        if (!RtlpIsValidFrame(registration)) {
            Record->ExceptionFlags |= EXCEPTION_STACK_INVALID;
            return FALSE;
        }
        dispatcherContext = NULL;
        switch (RtlpExecuteHandler(Record, registration, Context, &dispatcherContext)) {
        case ExceptionContinueExecution:
            if (Record->ExceptionFlags & EXCEPTION_NONCONTINUABLE)
                RtlpRaiseNoncontinuable(STATUS_NONCONTINUABLE_EXCEPTION, Record);
            return TRUE;
        case ExceptionContinueSearch:
            break;
        case ExceptionNestedException:
            Record->ExceptionFlags |= EXCEPTION_NESTED_CALL;
            if ((ULONG_PTR)dispatcherContext > (ULONG_PTR)nested)
                nested = dispatcherContext;
            break;
        default:
            RtlpRaiseNoncontinuable(STATUS_INVALID_DISPOSITION, Record);
            break;
        }
        if (registration == nested) {
            Record->ExceptionFlags &= ~EXCEPTION_NESTED_CALL;
            nested = NULL;
        }
    }
    return FALSE;
}

/* The second half of RtlRaiseException (dispatch.S captured the context): dispatch here,
 * resume at the context when handled, otherwise the kernel's second chance. */
void RtlpRaiseException(PEXCEPTION_RECORD Record, PCONTEXT Context)
{
    NTSTATUS status;

    if (RtlDispatchException(Record, Context))
        status = NtContinue(Context, FALSE);
    else
        status = NtRaiseException(Record, Context, FALSE);
    RtlpRaiseNoncontinuable(status, Record);
}

VOID NTAPI RtlRaiseStatus(NTSTATUS Status)
{
    RtlpRaiseNoncontinuable(Status, NULL);
}

/*
 * Unwind the chain down to TargetFrame (NULL: all of it, an exit unwind): each handler above
 * it is called with EXCEPTION_UNWINDING and taken off fs:[0]; TargetFrame stays. Returns to
 * the caller (mm386 resumes there whatever TargetIp is; ReturnValue is not used).
 */
VOID NTAPI RtlUnwind(PVOID TargetFrame, PVOID TargetIp, PEXCEPTION_RECORD ExceptionRecord,
                     PVOID ReturnValue)
{
    EXCEPTION_RECORD local = { 0 };
    CONTEXT context = { 0 };
    PEXCEPTION_REGISTRATION_RECORD registration;
    PVOID dispatcherContext;

    (void)TargetIp;
    (void)ReturnValue;
    if (!ExceptionRecord) {
        local.ExceptionCode = (DWORD)STATUS_UNWIND;
        local.ExceptionAddress = __builtin_return_address(0);
        ExceptionRecord = &local;
    }
    ExceptionRecord->ExceptionFlags |= EXCEPTION_UNWINDING;
    if (!TargetFrame)
        ExceptionRecord->ExceptionFlags |= EXCEPTION_EXIT_UNWIND;
    context.ContextFlags = CONTEXT_FULL;
    for (registration = RtlpGetRegistrationHead();
         registration != EXCEPTION_CHAIN_END && registration != TargetFrame;
         registration = registration->Next) {
        if (TargetFrame && (ULONG_PTR)TargetFrame < (ULONG_PTR)registration)
            RtlpRaiseNoncontinuable(STATUS_INVALID_UNWIND_TARGET, ExceptionRecord);
        if (!RtlpIsValidFrame(registration))
            RtlpRaiseNoncontinuable(STATUS_BAD_STACK, ExceptionRecord);
        dispatcherContext = NULL;
        switch (RtlpCallHandler(ExceptionRecord, registration, &context, &dispatcherContext,
                                registration->Handler)) {
        case ExceptionContinueSearch:
        case ExceptionCollidedUnwind:
            break;
        default:
            RtlpRaiseNoncontinuable(STATUS_INVALID_DISPOSITION, ExceptionRecord);
            break;
        }
        RtlpSetRegistrationHead(registration->Next);
    }
}

/* Add Handler to the vectored list, first or last; the entry is the handle to remove it. */
PVOID NTAPI RtlAddVectoredExceptionHandler(ULONG First, PVECTORED_EXCEPTION_HANDLER Handler)
{
    VECTORED_HANDLER *entry, **link;

    entry = RtlAllocateHeap(NtCurrentPeb()->ProcessHeap, 0, sizeof(*entry));
    if (!entry)
        return NULL;
    entry->Handler = Handler;
    RtlpAcquireRecursiveLock(&RtlpVectoredLock);
    link = &RtlpVectoredHandlers;
    if (!First)
        while (*link)
            link = &(*link)->Next;
    entry->Next = *link;
    *link = entry;
    RtlpReleaseRecursiveLock(&RtlpVectoredLock);
    return entry;
}

/* Remove a vectored handler: nonzero when Handle was in the list. */
ULONG NTAPI RtlRemoveVectoredExceptionHandler(PVOID Handle)
{
    VECTORED_HANDLER **link;
    VECTORED_HANDLER *found = NULL;

    RtlpAcquireRecursiveLock(&RtlpVectoredLock);
    for (link = &RtlpVectoredHandlers; *link; link = &(*link)->Next)
        if (*link == Handle) {
            found = *link;
            *link = found->Next;
            break;
        }
    RtlpReleaseRecursiveLock(&RtlpVectoredLock);
    if (found)
        RtlFreeHeap(NtCurrentPeb()->ProcessHeap, 0, found);
    return found != NULL;
}

/* The vectored list's lock: a thread whose handler raises again may take it again. */
void RtlpAcquireRecursiveLock(RTL_SPIN_LOCK *Lock)
{
    HANDLE self = NtCurrentTeb()->ClientId.UniqueThread;

    if (Lock->Locked && Lock->Owner == self) {
        Lock->Recursion++;
        return;
    }
    RtlpAcquireSpinLock(Lock);
    Lock->Owner = self;
    Lock->Recursion = 1;
}

void RtlpReleaseRecursiveLock(RTL_SPIN_LOCK *Lock)
{
    if (--Lock->Recursion == 0) {
        Lock->Owner = NULL;
        RtlpReleaseSpinLock(Lock);
    }
}
