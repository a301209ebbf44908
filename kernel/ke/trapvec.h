/*
 * kernel/ke/trapvec.h: IDT vectors and KTRAP_FRAME offsets shared by kernel/trap.S and C.
 * Only #defines: it is included from assembly.
 */
#ifndef KERNEL_TRAPVEC_H
#define KERNEL_TRAPVEC_H

#define KI_TRAP_VECTORS         0x40    /* 0x00-0x1F exceptions, 0x30-0x3F the PIC's IRQs */

#define KTRAP_EBP               (6 * 4) /* offsetof(KTRAP_FRAME, Ebp) */
#define KTHREAD_KERNEL_XMM_USE  40      /* offsetof(KTHREAD, KernelXmmUse), checked in thread.c */
#define KTRAP_EIP               (14 * 4) /* offsetof(KTRAP_FRAME, Eip) */

/* The system-call trampolines' offset in KUSER_SHARED_DATA (syscall.c), and the user address
 * of KiFastSystemCallRet, 4 bytes in, where KiFastCallEntry returns. */
#define KI_SYSTEM_CALL_TRAMPOLINE   0xF00
#define KI_FAST_SYSTEM_CALL_RET_VA  (0x7FFE0000 + KI_SYSTEM_CALL_TRAMPOLINE + 4)

/* The error code KiFastCallEntry puts in its frame: such a frame goes back by sysexit, unless
 * the service replaced the context (KiSystemService clears the mark then). */
#define KI_FAST_CALL_MARKER         0x45535953  /* 'SYSE' */
#define KTRAP_ERRCODE_AFTER_SEGS    (9 * 4)     /* offsetof(KTRAP_FRAME, ErrCode) - 4 * 4 */

#endif
