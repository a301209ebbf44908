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
