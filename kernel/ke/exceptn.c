/*
 * kernel/ke/exceptn.c: exceptions raised in user mode, dispatched as NT's KiDispatchException
 * does (ke/i386/exceptn.c), and the services that come back from them.
 *
 * First chance: the EXCEPTION_RECORD and a CONTEXT of the trap go onto the user stack,
 *
 *     (old esp & ~3) - sizeof(CONTEXT)      CONTEXT                       <- UserStack1
 *     UserStack1 - record length            EXCEPTION_RECORD (only the parameters used)
 *     UserStack2 - 4                        &CONTEXT
 *     UserStack2 - 8                        &EXCEPTION_RECORD             <- the new esp
 *
 * and the thread resumes in ring 3 at its process's KiUserExceptionDispatcher (ntdll), which
 * runs the vectored handlers and the SEH chain and ends in NtContinue or, if nobody handled
 * it, NtRaiseException(FirstChance = FALSE). A stack that cannot take the record (overflowed,
 * or no stack at all) turns it into STATUS_STACK_OVERFLOW once, as NT does, then into the
 * second chance.
 *
 * Runs with interrupts enabled at PASSIVE_LEVEL: copying to the user stack may fault pages in
 * (and grow the stack through its guard page).
 *
 * Second chance, or no dispatcher: the process ends with the exception code as its exit
 * status, through the routine Ps gave (it prints the one line about it).
 */
#include "kernel/ke/ki.h"
#include "kernel/inc/ntxcapi.h"
#include "hal/x86.h"

#define KI_EXCEPTION_INTERNAL   0x10000000
#define KI_LOWEST_USER_ADDRESS  0x00010000u     /* the first 64 KB are never mapped */
/* What user mode may set (NT's SANITIZE_FLAGS) but virtual-8086 mode, which NT lets only an
 * NTVDM process enter: mm386 has none, and an iret with VM set would leave ring 3's frame
 * behind (a V86 frame has four more selectors on the kernel stack). */
#define KI_USER_EFLAGS_MASK     0x003C0DD7u

static void (*KiProcessExceptionExit)(NTSTATUS, const EXCEPTION_RECORD *, uintptr_t);

void KeSetProcessExceptionExit(void (*Exit)(NTSTATUS, const EXCEPTION_RECORD *, uintptr_t))
{
    KiProcessExceptionExit = Exit;
}

/* The x87 state is live while the thread runs (kernel code never touches it). */
static void KiSaveNpx(FLOATING_SAVE_AREA *Area)
{
    __asm__ volatile("fnsave %0\n\tfrstor %0" : "=m"(*Area) : : "memory");
    Area->Cr0NpxState = 0;
}

/*
 * CONTEXT_EXTENDED_REGISTERS, where the processor has FXSR (npx.c turned SSE on): the
 * CONTEXT's ExtendedRegisters are fxsave's image of the live state (x87, MXCSR, XMM0-7), as
 * NT's KiDispatchException captures them for user mode, and a CONTEXT with the flag gives
 * them back through fxrstor, MXCSR's reserved bits cleared first (fxrstor would #GP on them).
 * fxsave wants 16-byte alignment, which a CONTEXT's field at 0xCC does not have, nor the
 * kernel's 4-byte-aligned stack without help.
 */
static void KiSaveExtendedRegisters(CONTEXT *Context)
{
    uint8_t raw[KI_NPX_SAVE_AREA_SIZE + 15];
    uint8_t *area = KI_ALIGN_NPX_AREA(raw);

    KiSaveNpxArea(area);
    RtlCopyMemory(Context->ExtendedRegisters, area, KI_NPX_SAVE_AREA_SIZE);
    Context->ContextFlags |= CONTEXT_EXTENDED_REGISTERS;
}

static void KiRestoreExtendedRegisters(const CONTEXT *Context)
{
    uint8_t raw[KI_NPX_SAVE_AREA_SIZE + 15];
    uint8_t *area = KI_ALIGN_NPX_AREA(raw);

    RtlCopyMemory(area, Context->ExtendedRegisters, KI_NPX_SAVE_AREA_SIZE);
    *(uint32_t *)(area + KI_FXSAVE_MXCSR) &= KiMxcsrMask;
    KiRestoreNpxArea(area);
}

static void KiContextFromTrapFrame(const KTRAP_FRAME *Frame, CONTEXT *Context)
{
    RtlZeroMemory(Context, sizeof(*Context));
    Context->ContextFlags = CONTEXT_FULL | CONTEXT_FLOATING_POINT;
    Context->SegGs = Frame->SegGs & 0xFFFF;
    Context->SegFs = Frame->SegFs & 0xFFFF;
    Context->SegEs = Frame->SegEs & 0xFFFF;
    Context->SegDs = Frame->SegDs & 0xFFFF;
    Context->Edi = Frame->Edi;
    Context->Esi = Frame->Esi;
    Context->Ebx = Frame->Ebx;
    Context->Edx = Frame->Edx;
    Context->Ecx = Frame->Ecx;
    Context->Eax = Frame->Eax;
    Context->Ebp = Frame->Ebp;
    Context->Eip = Frame->Eip;
    Context->SegCs = Frame->SegCs & 0xFFFF;
    Context->EFlags = Frame->EFlags;
    Context->Esp = Frame->HardwareEsp;
    Context->SegSs = Frame->HardwareSegSs & 0xFFFF;
    if (KeI386FxsrPresent)
        KiSaveExtendedRegisters(Context);
    KiSaveNpx(&Context->FloatSave);
}

/* A user CONTEXT into the trap frame, sanitized: ring 3 selectors, flags user mode may set,
 * interrupts on. */
static void KiContextToTrapFrame(const CONTEXT *Context, KTRAP_FRAME *Frame)
{
    uint32_t flags = Context->ContextFlags;

    if ((flags & CONTEXT_INTEGER) == CONTEXT_INTEGER) {
        Frame->Edi = Context->Edi;
        Frame->Esi = Context->Esi;
        Frame->Ebx = Context->Ebx;
        Frame->Edx = Context->Edx;
        Frame->Ecx = Context->Ecx;
        Frame->Eax = Context->Eax;
    }
    if ((flags & CONTEXT_CONTROL) == CONTEXT_CONTROL) {
        Frame->Ebp = Context->Ebp;
        Frame->Eip = Context->Eip;
        Frame->HardwareEsp = Context->Esp;
        Frame->EFlags = (Context->EFlags & KI_USER_EFLAGS_MASK) | EFLAGS_INTERRUPT_MASK | 0x2;
    }
    if ((flags & CONTEXT_EXTENDED_REGISTERS) == CONTEXT_EXTENDED_REGISTERS && KeI386FxsrPresent)
        KiRestoreExtendedRegisters(Context);            /* then FloatSave's x87, as NT's order */
    if ((flags & CONTEXT_FLOATING_POINT) == CONTEXT_FLOATING_POINT)   /* frstor waits: */
        __asm__ volatile("fnclex\n\tfrstor %0" : : "m"(Context->FloatSave));  /* no #MF here */
    Frame->SegCs = KGDT_R3_CODE_USER;
    Frame->HardwareSegSs = Frame->SegDs = Frame->SegEs = KGDT_R3_DATA_USER;
    Frame->SegFs = KGDT_R3_TEB_USER;
    Frame->SegGs = 0;
}

static bool KiUserRange(uintptr_t Address, uint32_t Length)
{
    return Address >= KI_LOWEST_USER_ADDRESS && Address + Length >= Address &&
           Address + Length <= KeUserProbeAddress;
}

/* The record and context onto the user stack; STATUS_SUCCESS or the fault's status. */
static NTSTATUS KiCopyExceptionToUserStack(const EXCEPTION_RECORD *Record, const CONTEXT *Context,
                                           KTRAP_FRAME *Frame, uintptr_t Dispatcher)
{
    uint32_t length = (sizeof(EXCEPTION_RECORD) -
                       (EXCEPTION_MAXIMUM_PARAMETERS - Record->NumberParameters) * 4 + 3) & ~3u;
    uintptr_t stack1 = (Context->Esp & ~3u) - sizeof(CONTEXT);
    uintptr_t stack2 = stack1 - length;
    uint32_t pointers[2] = { (uint32_t)stack2, (uint32_t)stack1 };
    NTSTATUS status;

    if (!KiUserRange(stack2 - 8, length + 8 + sizeof(CONTEXT)) || stack1 > Context->Esp)
        return STATUS_ACCESS_VIOLATION;
    status = KeCopyMemorySafe((void *)stack1, Context, sizeof(CONTEXT));
    if (NT_SUCCESS(status))
        status = KeCopyMemorySafe((void *)stack2, Record, length);
    if (NT_SUCCESS(status))
        status = KeCopyMemorySafe((void *)(stack2 - 8), pointers, sizeof(pointers));
    if (!NT_SUCCESS(status))
        return status;
    Frame->HardwareEsp = stack2 - 8;
    Frame->Eip = Dispatcher;
    Frame->SegCs = KGDT_R3_CODE_USER;
    Frame->HardwareSegSs = Frame->SegDs = Frame->SegEs = KGDT_R3_DATA_USER;
    Frame->SegFs = KGDT_R3_TEB_USER;
    Frame->SegGs = 0;
    Frame->EFlags &= ~EFLAGS_TRAP_MASK;         /* the dispatcher does not run single-stepped */
    return STATUS_SUCCESS;
}

void KiDispatchException(EXCEPTION_RECORD *ExceptionRecord, KTRAP_FRAME *TrapFrame,
                         KPROCESSOR_MODE PreviousMode, bool FirstChance)
{
    KPROCESS *process = KeGetCurrentThread()->Process;
    CONTEXT context;

    if (PreviousMode == KernelMode)
        KeBugCheckEx(KERNEL_MODE_EXCEPTION_NOT_HANDLED, (uint32_t)ExceptionRecord->ExceptionCode,
                     ExceptionRecord->ExceptionAddress, (uintptr_t)TrapFrame, 0);
    KiContextFromTrapFrame(TrapFrame, &context);
    if (ExceptionRecord->ExceptionCode == STATUS_BREAKPOINT)
        context.Eip--;
    if (FirstChance && process->UserExceptionDispatcher) {
        NTSTATUS status = KiCopyExceptionToUserStack(ExceptionRecord, &context, TrapFrame,
                                                     process->UserExceptionDispatcher);

        if (status == STATUS_STACK_OVERFLOW || status == STATUS_GUARD_PAGE_VIOLATION) {
            EXCEPTION_RECORD overflow = {
                .ExceptionCode = STATUS_STACK_OVERFLOW,
                .ExceptionAddress = ExceptionRecord->ExceptionAddress,
            };

            status = KiCopyExceptionToUserStack(&overflow, &context, TrapFrame,
                                                process->UserExceptionDispatcher);
            *ExceptionRecord = overflow;
        }
        if (NT_SUCCESS(status))
            return;
    }
    if (!KiProcessExceptionExit)
        KeBugCheckEx(KERNEL_MODE_EXCEPTION_NOT_HANDLED, (uint32_t)ExceptionRecord->ExceptionCode,
                     ExceptionRecord->ExceptionAddress, (uintptr_t)TrapFrame, 1);
    KiProcessExceptionExit(ExceptionRecord->ExceptionCode, ExceptionRecord, TrapFrame->Eip);
}

/* NtContinue: the thread resumes at the CONTEXT given (a user address). */
NTSTATUS KeContinue(const void *Context)
{
    KTHREAD *thread = KeGetCurrentThread();
    KTRAP_FRAME *frame = thread->TrapFrame;
    CONTEXT context;
    NTSTATUS status;

    if (thread->PreviousMode != UserMode || !frame || KiTrapFrameMode(frame) != UserMode)
        return STATUS_INVALID_PARAMETER;
    if (!KiUserRange((uintptr_t)Context, sizeof(CONTEXT)))
        return STATUS_ACCESS_VIOLATION;
    status = KeCopyMemorySafe(&context, Context, sizeof(context));
    if (!NT_SUCCESS(status))
        return STATUS_ACCESS_VIOLATION;
    KiContextToTrapFrame(&context, frame);
    thread->ContextReplaced = true;
    return STATUS_SUCCESS;
}

/* NtRaiseException: the CONTEXT becomes the thread's, and the record is dispatched from it. */
NTSTATUS KeRaiseUserException(const EXCEPTION_RECORD *Record, const void *Context,
                              bool FirstChance)
{
    KTHREAD *thread = KeGetCurrentThread();
    KTRAP_FRAME *frame = thread->TrapFrame;
    EXCEPTION_RECORD record;
    CONTEXT context;
    uint32_t parameters;

    if (thread->PreviousMode != UserMode || !frame || KiTrapFrameMode(frame) != UserMode)
        return STATUS_INVALID_PARAMETER;
    if (!KiUserRange((uintptr_t)Context, sizeof(CONTEXT)) ||
        !KiUserRange((uintptr_t)Record, offsetof(EXCEPTION_RECORD, ExceptionInformation)))
        return STATUS_ACCESS_VIOLATION;
    if (!NT_SUCCESS(KeCopyMemorySafe(&parameters, &Record->NumberParameters, 4)))
        return STATUS_ACCESS_VIOLATION;
    if (parameters > EXCEPTION_MAXIMUM_PARAMETERS)
        return STATUS_INVALID_PARAMETER;
    RtlZeroMemory(&record, sizeof(record));
    if (!KiUserRange((uintptr_t)Record, offsetof(EXCEPTION_RECORD, ExceptionInformation) +
                                        parameters * 4) ||
        !NT_SUCCESS(KeCopyMemorySafe(&record, Record, offsetof(EXCEPTION_RECORD,
                                     ExceptionInformation) + parameters * 4)) ||
        !NT_SUCCESS(KeCopyMemorySafe(&context, Context, sizeof(context))))
        return STATUS_ACCESS_VIOLATION;
    record.NumberParameters = parameters;
    record.ExceptionCode &= ~KI_EXCEPTION_INTERNAL;
    KiContextToTrapFrame(&context, frame);
    thread->ContextReplaced = true;
    KiDispatchException(&record, frame, UserMode, FirstChance);
    return STATUS_SUCCESS;
}

/*
 * A thread made by NtCreateThread enters ring 3 with every register from its CONTEXT: the
 * control and integer ones always, and the numeric state from the initial one changed by the
 * CONTEXT's FloatSave and ExtendedRegisters where its flags have them (NT's
 * KiInitializeContextThread; kernel32's CreateThread passes CONTEXT_FULL, so the defaults).
 */
void KeEnterUserModeWithContext(const void *Context)
{
    KTHREAD *thread = KeGetCurrentThread();
    KTRAP_FRAME *frame = (KTRAP_FRAME *)thread->InitialStack - 1;
    CONTEXT context = *(const CONTEXT *)Context;

    RtlZeroMemory(frame, sizeof(*frame));
    context.ContextFlags &= CONTEXT_FLOATING_POINT | CONTEXT_EXTENDED_REGISTERS;
    context.ContextFlags |= CONTEXT_CONTROL | CONTEXT_INTEGER;
    KfRaiseIrql(DISPATCH_LEVEL);                /* the registers are this thread's till it runs */
    KiTss.Esp0 = (uint32_t)(uintptr_t)thread->InitialStack;
    KiSetTebDescriptor(thread->Teb);
    KiRestoreNpxArea(KiNpxSaveArea(thread));
    KiContextToTrapFrame(&context, frame);
    _disable();
    KfLowerIrql(PASSIVE_LEVEL);
    KiExceptionExit(frame);
}
