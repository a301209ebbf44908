/*
 * kernel/ke/probe.S: one memory access that may fault. Each probe instruction has an entry in
 * the exception table (.ex_table: faulting eip, resume eip); KiTrap0E resumes a fault there
 * with MmAccessFault's status in eax, which the routine then returns.
 */
#include "kernel/ke/trapvec.h"

#define STATUS_SUCCESS 0
#define KI_XMM_COPY_MINIMUM 256         /* bytes: below this, saving two XMM registers costs more */

/* NTSTATUS KeProbeRead32(const volatile void *Address, uint32_t *Value) */
    .text
    .globl KeProbeRead32
    .type KeProbeRead32, @function
KeProbeRead32:
    movl 4(%esp), %edx
1:  movl (%edx), %eax
    movl 8(%esp), %ecx
    movl %eax, (%ecx)
    movl $STATUS_SUCCESS, %eax
2:  ret
    .size KeProbeRead32, . - KeProbeRead32
    .section .ex_table, "a"
    .long 1b, 2b
    .text

/* NTSTATUS KeProbeWrite32(volatile void *Address, uint32_t Value) */
    .globl KeProbeWrite32
    .type KeProbeWrite32, @function
KeProbeWrite32:
    movl 4(%esp), %edx
    movl 8(%esp), %ecx
1:  movl %ecx, (%edx)
    movl $STATUS_SUCCESS, %eax
2:  ret
    .size KeProbeWrite32, . - KeProbeWrite32
    .section .ex_table, "a"
    .long 1b, 2b

/* NTSTATUS KeProbeForWriteAccess(volatile void *Address) */
    .text
    .globl KeProbeForWriteAccess
    .type KeProbeForWriteAccess, @function
KeProbeForWriteAccess:
    movl 4(%esp), %edx
1:  lock orb $0, (%edx)
    movl $STATUS_SUCCESS, %eax
2:  ret
    .size KeProbeForWriteAccess, . - KeProbeForWriteAccess
    .section .ex_table, "a"
    .long 1b, 2b

/*
 * One instruction that may fault, with its exception-table entry: a fault in it resumes at the
 * routine's next 2: label (its exit), with the status in eax.
 */
.macro SAFE instruction:vararg
99: \instruction
    .pushsection .ex_table, "a"
    .long 99b, 2f
    .popsection
.endm

/* The same inside KeCopyMemorySafe's XMM loop, whose exit (3:) first gives the XMM registers
 * back. */
.macro SAFE_XMM instruction:vararg
99: \instruction
    .pushsection .ex_table, "a"
    .long 99b, 3f
    .popsection
.endm

/*
 * NTSTATUS KeCopyMemorySafe(void *Destination, const void *Source, uint32_t Length)
 * NTSTATUS KeZeroMemorySafe(void *Destination, uint32_t Length)
 * A fault in any access resumes at 2: with the status in eax. KeCopyMemorySafe moves 32 bytes
 * a turn, then the rest four bytes and one byte at a time by string instructions. The turn
 * goes through two XMM registers with SSE2's 8-byte movq where the processor has it and the
 * copy is long enough (the cache's copies to and from a caller's buffer), else through four
 * general registers. Under QEMU's TCG, a megabyte took 0.68-0.75M cycles by movq against
 * 1.04-1.07M by movl, 1.38-1.49M by rep movsl and 1.29-1.85M by 16-byte movups or movaps
 * (back to back in one boot, 2026-11-30). The XMM registers a caller had are put back, and
 * KernelXmmUse is counted meanwhile, so a switch while the copy waits for a page saves the
 * ones it holds, even on a system thread (sched.c).
 * KeZeroMemorySafe stores four bytes at a time (an emulator's words move four times as fast
 * as its bytes).
 */
    .text
    .globl KeCopyMemorySafe
    .type KeCopyMemorySafe, @function
KeCopyMemorySafe:
    pushl %esi
    pushl %edi
    pushl %ebx
    pushl %ebp
    movl 20(%esp), %edi
    movl 24(%esp), %esi
    movl 28(%esp), %ecx
    cmpl $KI_XMM_COPY_MINIMUM, %ecx
    jb 6f
    cmpb $0, KeI386XMMI64Present
    je 6f
    movl KiCurrentThread, %ebx
    incl KTHREAD_KERNEL_XMM_USE(%ebx)
    subl $32, %esp
    movups %xmm0, (%esp)
    movups %xmm1, 16(%esp)
7:  SAFE_XMM movq (%esi), %xmm0
    SAFE_XMM movq 8(%esi), %xmm1
    SAFE_XMM movq %xmm0, (%edi)
    SAFE_XMM movq %xmm1, 8(%edi)
    SAFE_XMM movq 16(%esi), %xmm0
    SAFE_XMM movq 24(%esi), %xmm1
    SAFE_XMM movq %xmm0, 16(%edi)
    SAFE_XMM movq %xmm1, 24(%edi)
    addl $32, %esi
    addl $32, %edi
    subl $32, %ecx
    cmpl $32, %ecx
    jae 7b
    movl $STATUS_SUCCESS, %eax
3:  movups (%esp), %xmm0
    movups 16(%esp), %xmm1
    addl $32, %esp
    decl KTHREAD_KERNEL_XMM_USE(%ebx)
    testl %eax, %eax
    jnz 2f
    jmp 5f
6:  cmpl $32, %ecx
    jb 5f
4:  SAFE movl (%esi), %eax
    SAFE movl 4(%esi), %ebx
    SAFE movl 8(%esi), %edx
    SAFE movl 12(%esi), %ebp
    SAFE movl %eax, (%edi)
    SAFE movl %ebx, 4(%edi)
    SAFE movl %edx, 8(%edi)
    SAFE movl %ebp, 12(%edi)
    SAFE movl 16(%esi), %eax
    SAFE movl 20(%esi), %ebx
    SAFE movl 24(%esi), %edx
    SAFE movl 28(%esi), %ebp
    SAFE movl %eax, 16(%edi)
    SAFE movl %ebx, 20(%edi)
    SAFE movl %edx, 24(%edi)
    SAFE movl %ebp, 28(%edi)
    addl $32, %esi
    addl $32, %edi
    subl $32, %ecx
    cmpl $32, %ecx
    jae 4b
5:  movl %ecx, %edx
    shrl $2, %ecx
    cld
    SAFE rep movsl
    movl %edx, %ecx
    andl $3, %ecx
    SAFE rep movsb
    movl $STATUS_SUCCESS, %eax
2:  popl %ebp
    popl %ebx
    popl %edi
    popl %esi
    ret
    .size KeCopyMemorySafe, . - KeCopyMemorySafe

    .globl KeZeroMemorySafe
    .type KeZeroMemorySafe, @function
KeZeroMemorySafe:
    pushl %edi
    movl 8(%esp), %edi
    movl 12(%esp), %ecx
    movl %ecx, %edx
    shrl $2, %ecx
    xorl %eax, %eax
    cld
1:  rep stosl
    movl %edx, %ecx
    andl $3, %ecx
3:  rep stosb
    movl $STATUS_SUCCESS, %eax
2:  popl %edi
    ret
    .size KeZeroMemorySafe, . - KeZeroMemorySafe
    .section .ex_table, "a"
    .long 1b, 2b
    .long 3b, 2b

/*
 * NTSTATUS KeCopyMemorySafePartial(void *Destination, const void *Source, uint32_t Length,
 *                                  uint32_t *Copied)
 * KeCopyMemorySafe that also says how far it got: a fault leaves in ecx the bytes rep movsb
 * had still to move, so *Copied is exactly the bytes that reached Destination.
 */
    .text
    .globl KeCopyMemorySafePartial
    .type KeCopyMemorySafePartial, @function
KeCopyMemorySafePartial:
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
    cld
1:  rep movsb
    movl $STATUS_SUCCESS, %eax
2:  movl 20(%esp), %edx
    subl %ecx, %edx
    movl 24(%esp), %ecx
    movl %edx, (%ecx)
    popl %edi
    popl %esi
    ret
    .size KeCopyMemorySafePartial, . - KeCopyMemorySafePartial
    .section .ex_table, "a"
    .long 1b, 2b
