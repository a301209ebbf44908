/*
 * kernel/ke/trapvec.h: IDT vectors and KTRAP_FRAME offsets shared by kernel/trap.S and C.
 * Only #defines: it is included from assembly.
 */
#ifndef KERNEL_TRAPVEC_H
#define KERNEL_TRAPVEC_H

#define KI_TRAP_VECTORS         0x40    /* 0x00-0x1F exceptions, 0x30-0x3F the PIC's IRQs */

#define KTRAP_EBP               (6 * 4) /* offsetof(KTRAP_FRAME, Ebp) */
#define KTRAP_EIP               (14 * 4) /* offsetof(KTRAP_FRAME, Eip) */

/* The system-call trampolines' offset in KUSER_SHARED_DATA (syscall.c), and the user address
 * of KiFastSystemCallRet, 4 bytes in, where KiFastCallEntry returns. */
#define KI_SYSTEM_CALL_TRAMPOLINE   0xF00
#define KI_FAST_SYSTEM_CALL_RET_VA  (0x7FFE0000 + KI_SYSTEM_CALL_TRAMPOLINE + 4)

#endif
