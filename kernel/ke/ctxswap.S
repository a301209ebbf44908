/*
 * kernel/ke/ctxswap.S: switching threads.
 *
 * void KiSwapContext(KTHREAD *OldThread, KTHREAD *NewThread)
 *
 * Saves the callee-saved registers and EFLAGS (so each thread keeps its own interrupt flag)
 * on the old thread's stack, records that stack pointer in OldThread->KernelStack, and
 * resumes NewThread from its saved stack pointer. Called at DISPATCH_LEVEL by KiSwapThread;
 * returns when someone switches back to OldThread. A new thread's stack is prepared so that
 * this return lands in KiThreadStartup.
 */
#define KTHREAD_KERNEL_STACK 32         /* offsetof(KTHREAD, KernelStack), checked in thread.c */

    .text
    .globl KiSwapContext
    .type KiSwapContext, @function
KiSwapContext:
    movl 4(%esp), %eax                  /* OldThread */
    movl 8(%esp), %edx                  /* NewThread */
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    pushfl
    movl %esp, KTHREAD_KERNEL_STACK(%eax)
    movl KTHREAD_KERNEL_STACK(%edx), %esp
    popfl
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
    .size KiSwapContext, . - KiSwapContext

/* A new thread's first instructions: no caller, a fresh frame chain, then C. */
    .globl KiThreadStartup
    .type KiThreadStartup, @function
KiThreadStartup:
    xorl %ebp, %ebp
    call KiStartThread
1:  hlt
    jmp 1b
    .size KiThreadStartup, . - KiThreadStartup
