/*
 * kernel/ke/probe.S: one memory access that may fault. Each probe instruction has an entry in
 * the exception table (.ex_table: faulting eip, resume eip); KiTrap0E resumes a fault there
 * with MmAccessFault's status in eax, which the routine then returns.
 */
#define STATUS_SUCCESS 0

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
 * NTSTATUS KeCopyMemorySafe(void *Destination, const void *Source, uint32_t Length)
 * NTSTATUS KeZeroMemorySafe(void *Destination, uint32_t Length)
 * Four bytes at a time, then the last 0-3 (an emulator runs a string instruction an element
 * at a time: words move four times as fast as bytes). A fault in either string instruction
 * resumes at 2: with the status in eax.
 */
    .text
    .globl KeCopyMemorySafe
    .type KeCopyMemorySafe, @function
KeCopyMemorySafe:
    pushl %esi
    pushl %edi
    movl 12(%esp), %edi
    movl 16(%esp), %esi
    movl 20(%esp), %ecx
    movl %ecx, %edx
    shrl $2, %ecx
    cld
1:  rep movsl
    movl %edx, %ecx
    andl $3, %ecx
3:  rep movsb
    movl $STATUS_SUCCESS, %eax
2:  popl %edi
    popl %esi
    ret
    .size KeCopyMemorySafe, . - KeCopyMemorySafe
    .section .ex_table, "a"
    .long 1b, 2b
    .long 3b, 2b
    .text

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
