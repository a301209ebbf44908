/*
 * kernel/ke/trap.c: the IDT and the C side of every trap.
 *
 * KiDispatchTrap receives each KTRAP_FRAME from kernel/trap.S. A page fault goes to KiTrap0E
 * and MmAccessFault; a device interrupt to its connected service routine; every other
 * exception is a bugcheck with the NT code that fits, since kernel mode has no exception
 * handlers to dispatch to:
 *
 *   NT turns these into exceptions, so kernel mode reports     0x1E KMODE_EXCEPTION_NOT_HANDLED
 *   them as unhandled: divide error, breakpoint (unless a        (code, eip, parameter,
 *   hook takes it), overflow, bound, invalid opcode, general     parameter)
 *   protection, alignment check
 *   NMI                                                        0x80 NMI_HARDWARE_FAILURE
 *   machine check                                              0x9C MACHINE_CHECK_EXCEPTION
 *   anything else, the double fault included                   0x7F UNEXPECTED_KERNEL_MODE_TRAP
 *                                                                (vector, 0, 0, 0)
 */
#include "kernel/ke/ki.h"
#include "kernel/ke/trapvec.h"
#include "kernel/inc/ntxcapi.h"
#include "mm/mm.h"
#include "hal/hal.h"

#define IDT_INTERRUPT_GATE  0x8E        /* present, ring 0, 32-bit interrupt gate */
#define IDT_USER_GATE       0xEE        /* the same, callable from ring 3 (int n) */
#define IDT_TASK_GATE       0x85        /* present, ring 0, task gate */
#define IDT_ENTRIES         256

#define VECTOR_DIVIDE       0x00
#define VECTOR_DEBUG        0x01
#define VECTOR_NMI          0x02
#define VECTOR_BREAKPOINT   0x03
#define VECTOR_OVERFLOW     0x04
#define VECTOR_BOUND        0x05
#define VECTOR_INVALID_OP   0x06
#define VECTOR_DOUBLE_FAULT 0x08
#define VECTOR_GP           0x0D
#define VECTOR_PAGE_FAULT   0x0E
#define VECTOR_ALIGNMENT    0x11
#define VECTOR_MACHINE_CHECK 0x12
#define VECTOR_NPX_ERROR    0x10
#define VECTOR_XMM_ERROR    0x13    /* #XM: an unmasked SIMD floating-point exception */
#define VECTOR_SYSTEM_SERVICE 0x2E

#define FSW_INVALID_OPERATION 0x0001     /* the x87 status word's exception flags */
#define FSW_DENORMAL        0x0002
#define FSW_ZERO_DIVIDE     0x0004
#define FSW_OVERFLOW        0x0008
#define FSW_UNDERFLOW       0x0010
#define FSW_PRECISION       0x0020
#define FSW_STACK_FAULT     0x0040
#define FSW_EXCEPTION_MASK  0x003F

#define KeErrorMask         1           /* FaultStatus bit 0: the access was a write */
#define IRQL_WITH_INTERRUPTS_OFF 0xFF   /* what KiTrap0E reports when IF was clear */

typedef struct _KIDTENTRY {
    uint16_t Offset;
    uint16_t Selector;
    uint16_t Access;
    uint16_t ExtendedOffset;
} KIDTENTRY;

_Static_assert(sizeof(KIDTENTRY) == 8, "IDT entry");

typedef struct _KEXCEPTION_TABLE_ENTRY {
    uint32_t FaultingEip;
    uint32_t ResumeEip;
} KEXCEPTION_TABLE_ENTRY;

extern const uint32_t KiTrapEntries[KI_TRAP_VECTORS];
extern const KEXCEPTION_TABLE_ENTRY KiExceptionTableStart[], KiExceptionTableEnd[];

static KIDTENTRY KiIdt[IDT_ENTRIES];
static KBREAKPOINT_HOOK KiBreakpointHook;

static struct {
    KSERVICE_ROUTINE Routine;
    void *Context;
} KiInterruptTable[HAL_IRQ_COUNT];

void KiInitializeIdt(void)
{
    struct __attribute__((packed)) { uint16_t Limit; uint32_t Base; } idtr;

    for (uint32_t vector = 0; vector < KI_TRAP_VECTORS; vector++) {
        KiIdt[vector].Offset = KiTrapEntries[vector] & 0xFFFF;
        KiIdt[vector].ExtendedOffset = KiTrapEntries[vector] >> 16;
        KiIdt[vector].Selector = KGDT_R0_CODE;
        KiIdt[vector].Access = IDT_INTERRUPT_GATE << 8;
    }
    KiIdt[VECTOR_DOUBLE_FAULT] = (KIDTENTRY){ .Selector = KGDT_DF_TSS,
                                              .Access = IDT_TASK_GATE << 8 };
    /* What ring 3 may raise itself, as NT's IDT allows: int3, into, and the system call. */
    KiIdt[VECTOR_BREAKPOINT].Access = IDT_USER_GATE << 8;
    KiIdt[VECTOR_OVERFLOW].Access = IDT_USER_GATE << 8;
    KiIdt[VECTOR_SYSTEM_SERVICE].Access = IDT_USER_GATE << 8;

    idtr.Limit = sizeof(KiIdt) - 1;
    idtr.Base = (uintptr_t)KiIdt;
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void KeSetBreakpointHook(KBREAKPOINT_HOOK Hook)
{
    KiBreakpointHook = Hook;
}

void KeConnectInterrupt(uint32_t Irq, KSERVICE_ROUTINE Routine, void *Context)
{
    KiInterruptTable[Irq].Routine = Routine;
    KiInterruptTable[Irq].Context = Context;
    HalEnableIrq(Irq);
}

static const KEXCEPTION_TABLE_ENTRY *KiFindExceptionHandler(uint32_t Eip)
{
    for (const KEXCEPTION_TABLE_ENTRY *e = KiExceptionTableStart; e < KiExceptionTableEnd; e++) {
        if (e->FaultingEip == Eip)
            return e;
    }
    return NULL;
}

/* True when the trap happened at one of the probe instructions of kernel/probe.S. */
bool KeInvalidAccessAllowed(const void *TrapInformation)
{
    const KTRAP_FRAME *trapFrame = TrapInformation;

    return trapFrame && KiTrapFrameMode(trapFrame) == KernelMode &&
           KiFindExceptionHandler(trapFrame->Eip) != NULL;
}

/* Resume a probe at its recovery point with Status as its return value. */
static bool KiResumeProbe(KTRAP_FRAME *TrapFrame, NTSTATUS Status)
{
    const KEXCEPTION_TABLE_ENTRY *entry;

    if (KiTrapFrameMode(TrapFrame) != KernelMode)
        return false;
    entry = KiFindExceptionHandler(TrapFrame->Eip);
    if (!entry)
        return false;
    TrapFrame->Eip = entry->ResumeEip;
    TrapFrame->Eax = (uint32_t)Status;
    return true;
}

/*
 * A fault user mode cannot continue from becomes an exception for the thread (NT's KiTrap0E
 * tail): access violations, guard pages and stack overflows carry [0] = 1 for a write, 0 for
 * a read, and [1] the address; anything else is STATUS_IN_PAGE_ERROR with [2] the real status.
 */
static void KiRaiseUserFault(KTRAP_FRAME *TrapFrame, NTSTATUS Status, uint32_t FaultStatus,
                             uint32_t Va)
{
    EXCEPTION_RECORD record = {
        .ExceptionCode = Status,
        .ExceptionAddress = TrapFrame->Eip,
        .NumberParameters = 2,
        .ExceptionInformation = { FaultStatus, Va },
    };

    if (Status != STATUS_ACCESS_VIOLATION && Status != STATUS_GUARD_PAGE_VIOLATION &&
        Status != STATUS_STACK_OVERFLOW) {
        record.ExceptionCode = STATUS_IN_PAGE_ERROR;
        record.NumberParameters = 3;
        record.ExceptionInformation[2] = (uint32_t)Status;
    }
    KiDispatchException(&record, TrapFrame, UserMode, true);
}

/*
 * The page fault, as NT's KiTrap0E: CR2 is read before interrupts come back on; a fault with
 * interrupts disabled is IRQL_NOT_LESS_OR_EQUAL with IRQL 0xFF; otherwise MmAccessFault
 * decides. A failure it returns (rather than bugchecking itself) resumes a probe, or is an
 * unhandled kernel-mode exception.
 */
__attribute__((noinline)) static void KiTrap0E(KTRAP_FRAME *TrapFrame)
{
    uint32_t va = __readcr2();
    uint32_t faultStatus = (TrapFrame->ErrCode >> 1) & KeErrorMask;
    NTSTATUS status;

    if (!(TrapFrame->EFlags & EFLAGS_INTERRUPT_MASK)) {
        if (KiResumeProbe(TrapFrame, STATUS_ACCESS_VIOLATION))
            return;
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, va, IRQL_WITH_INTERRUPTS_OFF, faultStatus,
                     TrapFrame->Eip);
    }
    _enable();
    status = MmAccessFault(faultStatus, (void *)(uintptr_t)va, KiTrapFrameMode(TrapFrame),
                           TrapFrame);
    if (!NT_SUCCESS(status) && KiTrapFrameMode(TrapFrame) == UserMode) {
        KiRaiseUserFault(TrapFrame, status, faultStatus, va);
        _disable();
        return;
    }
    _disable();
    if (NT_SUCCESS(status) || KiResumeProbe(TrapFrame, status))
        return;
    if (status == (STATUS_IN_PAGE_ERROR | 0x10000000))
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, va, KeGetCurrentIrql(), faultStatus, TrapFrame->Eip);
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (uint32_t)status, TrapFrame->Eip, faultStatus, va);
}

/* Exceptions NT raises as exceptions; in kernel mode nothing handles them. */
static NTSTATUS KiExceptionCode(uint32_t Vector)
{
    switch (Vector) {
    case VECTOR_DIVIDE: return STATUS_INTEGER_DIVIDE_BY_ZERO;
    case VECTOR_DEBUG: return STATUS_SINGLE_STEP;
    case VECTOR_BREAKPOINT: return STATUS_BREAKPOINT;
    case VECTOR_OVERFLOW: return STATUS_INTEGER_OVERFLOW;
    case VECTOR_BOUND: return STATUS_ARRAY_BOUNDS_EXCEEDED;
    case VECTOR_INVALID_OP: return STATUS_ILLEGAL_INSTRUCTION;
    case VECTOR_GP: return STATUS_ACCESS_VIOLATION;
    case VECTOR_ALIGNMENT: return STATUS_DATATYPE_MISALIGNMENT;
    case VECTOR_XMM_ERROR: return STATUS_FLOAT_MULTIPLE_TRAPS;
    default: return STATUS_SUCCESS;
    }
}

/* A #GP from ring 3 on an instruction only ring 0 may run (NT's KiTrap0D decodes them). */
static bool KiIsPrivilegedInstruction(uint32_t Eip)
{
    uint8_t op[2];

    if (Eip >= KeUserProbeAddress - 2 || !NT_SUCCESS(KeCopyMemorySafe(op, (void *)Eip, 2)))
        return false;
    switch (op[0]) {
    case 0xF4: case 0xFA: case 0xFB:                        /* hlt, cli, sti */
    case 0xE4: case 0xE5: case 0xE6: case 0xE7:             /* in, out imm8 */
    case 0xEC: case 0xED: case 0xEE: case 0xEF:             /* in, out dx */
    case 0x6C: case 0x6D: case 0x6E: case 0x6F:             /* ins, outs */
        return true;
    case 0x0F:
        return op[1] <= 0x01 || op[1] == 0x06 || op[1] == 0x08 || op[1] == 0x09 ||
               op[1] == 0x20 || op[1] == 0x22 || op[1] == 0x30 || op[1] == 0x32;
    default:
        return false;
    }
}

/* The x87 error #MF reports, from the unmasked exceptions pending in the status word, in
 * NT's order (KiTrap10); the exceptions are cleared so the dispatch itself can save the
 * state. */
static NTSTATUS KiFloatExceptionCode(void)
{
    uint16_t status, control, pending;

    __asm__ volatile("fnstsw %0\n\tfnstcw %1\n\tfnclex" : "=m"(status), "=m"(control));
    pending = status & ~control & FSW_EXCEPTION_MASK;
    if (pending & FSW_INVALID_OPERATION)
        return status & FSW_STACK_FAULT ? STATUS_FLOAT_STACK_CHECK : STATUS_FLOAT_INVALID_OPERATION;
    if (pending & FSW_ZERO_DIVIDE)
        return STATUS_FLOAT_DIVIDE_BY_ZERO;
    if (pending & FSW_DENORMAL)
        return STATUS_FLOAT_INVALID_OPERATION;
    if (pending & FSW_OVERFLOW)
        return STATUS_FLOAT_OVERFLOW;
    if (pending & FSW_UNDERFLOW)
        return STATUS_FLOAT_UNDERFLOW;
    return STATUS_FLOAT_INEXACT_RESULT;
}

/* An exception in ring 3 goes to the thread, as NT dispatches it. */
static void KiUserTrapException(KTRAP_FRAME *TrapFrame)
{
    uint32_t vector = TrapFrame->TrapNumber;
    EXCEPTION_RECORD record = { .ExceptionAddress = TrapFrame->Eip };

    _enable();
    switch (vector) {
    case VECTOR_BREAKPOINT:
        record.ExceptionCode = STATUS_BREAKPOINT;
        record.ExceptionAddress = TrapFrame->Eip - 1;
        record.NumberParameters = 1;            /* BREAKPOINT_BREAK */
        break;
    case VECTOR_GP:
        if (KiIsPrivilegedInstruction(TrapFrame->Eip)) {
            record.ExceptionCode = STATUS_PRIVILEGED_INSTRUCTION;
        } else {
            record.ExceptionCode = STATUS_ACCESS_VIOLATION;
            record.NumberParameters = 2;
            record.ExceptionInformation[1] = 0xFFFFFFFF;
        }
        break;
    case VECTOR_DEBUG:                          /* the trap flag: one step taken */
        record.ExceptionCode = STATUS_SINGLE_STEP;
        TrapFrame->EFlags &= ~EFLAGS_TRAP_MASK; /* as NT's KiTrap01: no second step */
        break;
    case VECTOR_NPX_ERROR:
        record.ExceptionCode = KiFloatExceptionCode();
        break;
    case VECTOR_XMM_ERROR:                      /* [0] 0, [1] MXCSR, as Windows has them */
        record.ExceptionCode = KiXmmExceptionCode(&record.ExceptionInformation[1]);
        record.NumberParameters = 2;
        break;
    default:
        record.ExceptionCode = KiExceptionCode(vector);
        if (record.ExceptionCode == STATUS_SUCCESS)
            record.ExceptionCode = STATUS_ILLEGAL_INSTRUCTION;
        break;
    }
    KiDispatchException(&record, TrapFrame, UserMode, true);
    _disable();
}

static void KiTrapException(KTRAP_FRAME *TrapFrame)
{
    uint32_t vector = TrapFrame->TrapNumber;
    NTSTATUS code = KiExceptionCode(vector);

    if (KiTrapFrameMode(TrapFrame) == UserMode && vector != VECTOR_NMI &&
        vector != VECTOR_MACHINE_CHECK && vector != VECTOR_DOUBLE_FAULT) {
        KiUserTrapException(TrapFrame);
        return;
    }
    if (vector == VECTOR_BREAKPOINT && KiBreakpointHook && KiBreakpointHook(TrapFrame))
        return;
    if (vector == VECTOR_DEBUG && TrapFrame->Eip == (uintptr_t)KiFastCallEntry) {
        /* sysenter from ring 3 with the trace flag set traps on its first kernel instruction,
         * still on the scratch stack: step no further (NT's KiTrap01 does the same). */
        TrapFrame->EFlags &= ~EFLAGS_TRAP_MASK;
        return;
    }
    if (vector == VECTOR_NMI)
        KeBugCheckEx(NMI_HARDWARE_FAILURE, 0, 0, 0, 0);
    if (vector == VECTOR_MACHINE_CHECK)
        KeBugCheckEx(MACHINE_CHECK_EXCEPTION, 0, 0, 0, 0);
    if (code == STATUS_ACCESS_VIOLATION)     /* a #GP: NT reports no faulting address */
        KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (uint32_t)code, TrapFrame->Eip, 0, 0xFFFFFFFF);
    if (code != STATUS_SUCCESS)
        KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (uint32_t)code, TrapFrame->Eip, 0, 0);
    KeBugCheckEx(UNEXPECTED_KERNEL_MODE_TRAP, vector, 0, 0, 0);
}

/*
 * A device interrupt: raise to the line's IRQL (masking it and every less urgent line),
 * acknowledge it at the PIC, and run its service routine with interrupts enabled so more
 * urgent devices can still interrupt.
 */
static void KiDispatchInterrupt(uint32_t Irq)
{
    KIRQL oldIrql;

    if (HalIsSpuriousIrq(Irq))
        return;
    oldIrql = KfRaiseIrql(HalIrqToIrql(Irq));
    HalEndOfInterrupt(Irq);
    if (KiInterruptTable[Irq].Routine) {
        _enable();
        KiInterruptTable[Irq].Routine(KiInterruptTable[Irq].Context);
        _disable();
    }
    KfLowerIrql(oldIrql);
}

void KiDispatchTrap(KTRAP_FRAME *TrapFrame)
{
    KTHREAD *thread = KeGetCurrentThread();
    KTRAP_FRAME *outer = thread->TrapFrame;
    uint32_t vector = TrapFrame->TrapNumber;

    thread->TrapFrame = TrapFrame;
    if (vector == VECTOR_PAGE_FAULT)
        KiTrap0E(TrapFrame);
    else if (vector >= PRIMARY_VECTOR_BASE && vector < PRIMARY_VECTOR_BASE + HAL_IRQ_COUNT)
        KiDispatchInterrupt(vector - PRIMARY_VECTOR_BASE);
    else if (vector == VECTOR_SYSTEM_SERVICE)
        KiSystemService(TrapFrame);
    else
        KiTrapException(TrapFrame);
    if (thread->TerminationPending && KiTrapFrameMode(TrapFrame) == UserMode)
        KiCheckUserReturn(TrapFrame);
    thread->TrapFrame = outer;
}

/*
 * The double fault, entered on KiDoubleFaultTss by a task switch. The state of the code that
 * faulted was saved in KiTss; it becomes the trap frame the STOP screen shows.
 */
void KiTrap08(void)
{
    static KTRAP_FRAME frame;

    frame = (KTRAP_FRAME){
        .Eax = KiTss.Eax, .Ebx = KiTss.Ebx, .Ecx = KiTss.Ecx, .Edx = KiTss.Edx,
        .Esi = KiTss.Esi, .Edi = KiTss.Edi, .Ebp = KiTss.Ebp, .TempEsp = KiTss.Esp,
        .Eip = KiTss.Eip, .EFlags = KiTss.EFlags, .SegCs = KiTss.Cs,
        .SegDs = KiTss.Ds, .SegEs = KiTss.Es, .SegFs = KiTss.Fs, .SegGs = KiTss.Gs,
        .TrapNumber = VECTOR_DOUBLE_FAULT,
    };
    KiBugCheckSetContext(&frame, KiTss.Esp);
    KeBugCheckEx(UNEXPECTED_KERNEL_MODE_TRAP, VECTOR_DOUBLE_FAULT, 0, 0, 0);
}

static void (*KiThreadExitRoutine)(NTSTATUS ExitStatus);

void KeSetThreadExitRoutine(void (*ExitRoutine)(NTSTATUS ExitStatus))
{
    KiThreadExitRoutine = ExitRoutine;
}

/*
 * On the way back to ring 3 (interrupts off): a thread asked to terminate does so now, as
 * NT's kernel APC would make it, at PASSIVE_LEVEL, through Ps's exit routine.
 */
void KiCheckUserReturn(KTRAP_FRAME *TrapFrame)
{
    KTHREAD *thread = KeGetCurrentThread();

    (void)TrapFrame;
    if (!thread->TerminationPending || !KiThreadExitRoutine || KeGetCurrentIrql() != PASSIVE_LEVEL)
        return;
    _enable();
    KiThreadExitRoutine(thread->TerminationStatus);
    KeBugCheckEx(APC_INDEX_MISMATCH, (uintptr_t)thread, 0, 0, 2);
}
