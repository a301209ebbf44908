/*
 * kernel/kd/setjmp.S: a non-local return for the self-test runner (a failed assertion returns to
 * the runner from any depth). KJUMP_BUFFER holds ebx, esi, edi, ebp, esp, eip.
 */
/* int KiSetJump(KJUMP_BUFFER *Buffer): 0 now, the KiLongJump value later. */
    .text
    .globl KiSetJump
    .type KiSetJump, @function
KiSetJump:
    movl 4(%esp), %eax
    movl %ebx, 0(%eax)
    movl %esi, 4(%eax)
    movl %edi, 8(%eax)
    movl %ebp, 12(%eax)
    leal 4(%esp), %ecx              /* esp once KiSetJump has returned */
    movl %ecx, 16(%eax)
    movl (%esp), %ecx               /* its return address */
    movl %ecx, 20(%eax)
    xorl %eax, %eax
    ret
    .size KiSetJump, . - KiSetJump

/* void KiLongJump(KJUMP_BUFFER *Buffer, int Value): KiSetJump returns Value (never 0). */
    .globl KiLongJump
    .type KiLongJump, @function
KiLongJump:
    movl 4(%esp), %edx
    movl 8(%esp), %eax
    movl 0(%edx), %ebx
    movl 4(%edx), %esi
    movl 8(%edx), %edi
    movl 12(%edx), %ebp
    movl 16(%edx), %esp
    jmp *20(%edx)
    .size KiLongJump, . - KiLongJump
