/*
 * kernel/ke/ki.h: Ki-internal declarations shared among kernel/ke/ files: the TSS, the
 * dispatcher, and the handlers the trap stubs reach. Nothing outside kernel/ke/ includes it.
 */
#ifndef KERNEL_KE_KI_H
#define KERNEL_KE_KI_H

#include "kernel/ke/ke.h"

/* KTSS: the 32-bit task-state segment, as the processor defines it. */
typedef struct _KTSS {
    uint16_t Backlink, Reserved0;
    uint32_t Esp0;
    uint16_t Ss0, Reserved1;
    uint32_t Esp1;
    uint16_t Ss1, Reserved2;
    uint32_t Esp2;
    uint16_t Ss2, Reserved3;
    uint32_t Cr3, Eip, EFlags, Eax, Ecx, Edx, Ebx, Esp, Ebp, Esi, Edi;
    uint16_t Es, Reserved4, Cs, Reserved5, Ss, Reserved6, Ds, Reserved7;
    uint16_t Fs, Reserved8, Gs, Reserved9, LdtSelector, Reserved10;
    uint16_t TraceFlag, IoMapBase;
} KTSS;

_Static_assert(sizeof(KTSS) == 104, "KTSS is the processor's 32-bit TSS");

void KiFastCallEntry(void);            /* sysenter's target (trap.S) */

extern KTSS KiTss;
extern KTSS KiDoubleFaultTss;

/* The dispatcher (sched.c, thread.c, wait.c, dpc.c, ctxswap.S). All at DISPATCH_LEVEL. */
extern KTHREAD *KiIdleThread;
extern volatile bool KiDispatchPending;
void KiInitializeDispatcher(KTHREAD *InitialThread);
void KiReadyThread(KTHREAD *Thread);
void KiRemoveReadyThreadFromQueue(KTHREAD *Thread);
void KiSwapThread(void);
void KiSwapContext(KTHREAD *OldThread, KTHREAD *NewThread);
void KiDispatchSoftwareInterrupt(void);
void KiIdle(void);
void KiReapTerminatedThreads(void);
void KiWaitTest(DISPATCHER_HEADER *Object);
void KiCheckTimers(void);
void KiRetireDpcList(void);

/* Processes and user mode (gdt.c, procobj.c, syscall.c, exceptn.c, trap.S). */
void KiSetTebDescriptor(uintptr_t Teb);
void KiSwapProcess(KPROCESS *NewProcess);
/* A system thread that is not attached runs in whichever directory is loaded (procobj.c). */
static inline bool KiIsBorrowingDirectory(const KTHREAD *Thread)
{
    return !Thread->UserThread && Thread->ApcStateIndex == 0 &&
           Thread->ApcState.Process == &KeInitialSystemProcess;
}
void KiSystemService(KTRAP_FRAME *TrapFrame);
void KiDispatchException(struct _EXCEPTION_RECORD *ExceptionRecord, KTRAP_FRAME *TrapFrame,
                         KPROCESSOR_MODE PreviousMode, bool FirstChance);
void KiCheckUserReturn(KTRAP_FRAME *TrapFrame);
__attribute__((noreturn)) void KiExceptionExit(KTRAP_FRAME *TrapFrame);
NTSTATUS KiCallService(uintptr_t Service, uintptr_t Arguments, uint32_t Bytes);   /* trap.S */
extern volatile KIRQL KiCurrentIrql;                                   /* irql.c */

/* A user thread's numeric state (npx.c): where it is kept, how it is saved and restored. */
void KiInitializeNpx(void);
void KiInitializeThreadNpx(KTHREAD *Thread);
NTSTATUS KiXmmExceptionCode(uint32_t *Mxcsr);
#define KI_FXSAVE_MXCSR         24      /* offsets in fxsave's image */
#define KI_FXSAVE_MXCSR_MASK    28
extern uint32_t KiMxcsrMask;            /* the MXCSR bits this processor lets fxrstor load */
#define KI_ALIGN_NPX_AREA(Bytes)    ((void *)(((uintptr_t)(Bytes) + 15) & ~(uintptr_t)15))
static inline void *KiNpxSaveArea(KTHREAD *Thread)
{
    return KI_ALIGN_NPX_AREA(Thread->NpxState);
}
static inline void KiSaveNpxArea(void *Area)
{
    if (KeI386FxsrPresent)
        __asm__ volatile("fxsave %0" : "=m"(*(uint8_t (*)[KI_NPX_SAVE_AREA_SIZE])Area));
    else
        __asm__ volatile("fnsave %0" : "=m"(*(uint8_t (*)[108])Area));
}
static inline void KiRestoreNpxArea(const void *Area)
{
    if (KeI386FxsrPresent)
        __asm__ volatile("fxrstor %0" : : "m"(*(const uint8_t (*)[KI_NPX_SAVE_AREA_SIZE])Area));
    else
        __asm__ volatile("frstor %0" : : "m"(*(const uint8_t (*)[108])Area));
}

/* Bugcheck helpers used by the double-fault handler. */
void KiBugCheckSetContext(KTRAP_FRAME *TrapFrame, uint32_t Esp);  /* a frame not on a stack */
__attribute__((noreturn)) void KiTrap08(void);

#endif
