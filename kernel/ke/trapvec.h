/*
 * kernel/ke/trapvec.h: IDT vectors and KTRAP_FRAME offsets shared by kernel/trap.S and C.
 * Only #defines: it is included from assembly.
 */
#ifndef KERNEL_TRAPVEC_H
#define KERNEL_TRAPVEC_H

#define KI_TRAP_VECTORS         0x40    /* 0x00-0x1F exceptions, 0x30-0x3F the PIC's IRQs */

#define KTRAP_EBP               (6 * 4) /* offsetof(KTRAP_FRAME, Ebp) */
#define KTRAP_EIP               (14 * 4) /* offsetof(KTRAP_FRAME, Eip) */

#endif
