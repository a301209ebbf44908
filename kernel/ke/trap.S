/*
 * kernel/ke/trap.S: the IDT's entry stubs and the common path that builds a KTRAP_FRAME.
 *
 * Each stub pushes a zero where the processor pushes no error code, then its vector, and jumps
 * to KiTrapCommon, which saves the rest of the frame (see KTRAP_FRAME in kernel/ke.h) and calls
 * KiDispatchTrap(TrapFrame). Interrupt gates: every handler starts with interrupts off.
 *
 * KiTrapCommon links the interrupted code into the frame-pointer chain (a fake frame holding
 * its ebp and eip) and describes that in CFI, so both the bugcheck backtrace and gdb continue
 * from a trap handler into the code that trapped.
 *
 * The double fault arrives through a task gate on its own TSS and stack (kernel/gdt.c) at
 * KiTrap08Entry, which never returns.
 */
#include "kernel/ke/trapvec.h"

    .cfi_sections .debug_frame

#define KGDT_R0_DATA    0x10
#define KGDT_R3_CODE_USER       0x1B
#define KGDT_R3_DATA_USER       0x23
#define EFLAGS_IF_BIT   0x200
#define EFLAGS_STATUS_FLAGS 0x8D5     /* CF PF AF ZF SF OF */
#define EFLAGS_RESERVED_1   0x002     /* always set */

/* The vectors where the processor pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)

/* Entry: leave \seg as it is when it holds a flat data selector (the kernel's, or user mode's
 * 0x23, what it holds on entry from ring 3 nearly always), else load the kernel's. A segment
 * load costs a descriptor check, so the common case makes none. Uses eax. */
.macro FLAT_DATA_SEGMENT seg
    movw \seg, %ax
    cmpw $KGDT_R0_DATA, %ax
    je 1f
    cmpw $KGDT_R3_DATA_USER, %ax
    je 1f
    movl $KGDT_R0_DATA, %eax
    movl %eax, \seg
1:
.endm

/* Exit: pop the frame's selector into \seg only when it differs from what \seg holds. */
.macro POP_SEGMENT_IF_CHANGED seg
    movw \seg, %ax
    cmpw (%esp), %ax
    je 1f
    movl (%esp), %eax
    movl %eax, \seg
1:  addl $4, %esp
    .cfi_adjust_cfa_offset -4
.endm

.macro TRAP_STUB vector
    .p2align 3
1:
.if !HAS_ERROR_CODE(\vector)
    pushl $0
.endif
    pushl $\vector
    jmp KiTrapCommon
    .pushsection .rodata
    .long 1b
    .popsection
.endm

    .section .rodata
    .p2align 2
    .globl KiTrapEntries
KiTrapEntries:                      /* entry address for each vector 0..KI_TRAP_VECTORS-1,
                                       filled in by the TRAP_STUB expansions below */
    .text
    .irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
    TRAP_STUB \vector
    .endr

    .p2align 4
    .globl KiTrapCommon
    .type KiTrapCommon, @function
KiTrapCommon:
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_undefined %eip
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    /* DS and ES both 0x23 (from ring 3) or both the kernel's: nothing to load. Each test is
     * a branch, and under QEMU's TCG each branch ends a block, so ring 3's case comes first
     * and takes two. */
    movw %ds, %ax
    movw %es, %dx
    cmpw %ax, %dx
    jne 2f
    cmpw $KGDT_R3_DATA_USER, %ax
    je 3f
    cmpw $KGDT_R0_DATA, %ax
    je 3f
2:  FLAT_DATA_SEGMENT %ds
    FLAT_DATA_SEGMENT %es
3:  movl %esp, %ebx                 /* the KTRAP_FRAME */

    pushl KTRAP_EIP(%ebx)           /* fake frame: return address = interrupted eip */
    pushl KTRAP_EBP(%ebx)
    movl %esp, %ebp
    .cfi_def_cfa %ebp, 8
    .cfi_offset %eip, -4
    .cfi_offset %ebp, -8
    cld
    pushl %ebx
    call KiDispatchTrap
    movl %ebx, %esp
    .cfi_def_cfa %esp, KTRAP_EIP + 4
    .cfi_offset %eip, -4
    .cfi_offset %ebp, -(KTRAP_EIP + 4 - KTRAP_EBP)

    .globl KiTrapExit
KiTrapExit:                         /* esp = a KTRAP_FRAME: restore it and return */
    /* GS, FS, ES and DS are loaded only when the frame's differ from what they hold (a
     * segment load costs a descriptor check), and all four are compared at once first, one
     * branch for the usual case. For FS that is enough because a switch to a thread loads FS
     * again when it writes the thread's TEB into the descriptor behind 0x3B
     * (KiSetTebDescriptor). */
    movw %gs, %ax
    xorw (%esp), %ax
    movw %fs, %dx
    xorw 4(%esp), %dx
    orw %dx, %ax
    movw %es, %dx
    xorw 8(%esp), %dx
    orw %dx, %ax
    movw %ds, %dx
    xorw 12(%esp), %dx
    orw %dx, %ax
    jnz 7f
    addl $16, %esp
    .cfi_adjust_cfa_offset -16
    jmp 8f
7:  .cfi_adjust_cfa_offset 16
    POP_SEGMENT_IF_CHANGED %gs
    POP_SEGMENT_IF_CHANGED %fs
    POP_SEGMENT_IF_CHANGED %es
    POP_SEGMENT_IF_CHANGED %ds
8:  cmpl $KI_FAST_CALL_MARKER, KTRAP_ERRCODE_AFTER_SEGS(%esp)
    .cfi_remember_state
    jne 5f
    cmpl $KI_FAST_SYSTEM_CALL_RET_VA, KTRAP_ERRCODE_AFTER_SEGS + 4(%esp)
    je 4f
5:
    popal
    .cfi_adjust_cfa_offset -32
    .cfi_undefined %ebp
    addl $8, %esp                   /* vector and error code */
    .cfi_adjust_cfa_offset -8
    iret
    /* A system service entered by sysenter goes back by sysexit to KiFastSystemCallRet with
     * the user's ESP (ECX and EDX are volatile across a service, as in NT), and sti's
     * one-instruction delay covering sysexit. EFLAGS is restored with interrupts still off,
     * unless the frame's holds nothing but IF and the status flags (volatile across a call,
     * and ring 3 called us): then the kernel's are left, which then hold nothing else either
     * (KiFastCallEntry cleans them when the caller's did not), and the popfl is saved (under
     * QEMU's TCG it ends a block and leaves the translated code, as sti and sysexit do). */
4:  .cfi_restore_state
    popal
    .cfi_adjust_cfa_offset -32
    .cfi_undefined %ebp
    movl 8(%esp), %edx
    movl 20(%esp), %ecx
    addl $16, %esp
    .cfi_adjust_cfa_offset -16
    testl $~(EFLAGS_STATUS_FLAGS | EFLAGS_IF_BIT | EFLAGS_RESERVED_1), (%esp)
    jnz 6f
    addl $4, %esp
    .cfi_adjust_cfa_offset -4
    sti
    sysexit
6:  .cfi_adjust_cfa_offset 4
    andl $~EFLAGS_IF_BIT, (%esp)
    popfl
    .cfi_adjust_cfa_offset -4
    sti
    sysexit
    .cfi_endproc
    .size KiTrapCommon, . - KiTrapCommon

/*
 * void KiExceptionExit(KTRAP_FRAME *TrapFrame): leave the kernel through TrapFrame, as the
 * end of a trap does; how a new user thread first enters ring 3 (its frame at the top of its
 * kernel stack) and how NtContinue resumes a context.
 */
    .globl KiExceptionExit
    .type KiExceptionExit, @function
KiExceptionExit:
    cli
    movl 4(%esp), %esp
    jmp KiTrapExit
    .size KiExceptionExit, . - KiExceptionExit

/*
 * NTSTATUS KiCallService(uintptr_t Service, uintptr_t Arguments, uint32_t Bytes): copy Bytes
 * (a multiple of 4, at most KI_MAXIMUM_ARGUMENT_BYTES) of the caller's arguments from
 * Arguments (checked against KeUserProbeAddress already for a caller in user mode) onto this
 * stack, as NT's KiSystemService does, call Service with them (stdcall or cdecl alike: the
 * frame is put back by ebp), and return its status; STATUS_ACCESS_VIOLATION, the service not
 * called, when the copy faults.
 */
#define STATUS_ACCESS_VIOLATION 0xC0000005

    .globl KiCallService
    .type KiCallService, @function
KiCallService:
    pushl %ebp
    movl %esp, %ebp
    pushl %esi
    pushl %edi
    movl 16(%ebp), %ecx
    subl %ecx, %esp
    movl 12(%ebp), %esi
    movl %esp, %edi
    shrl $2, %ecx
    cld
1:  rep movsl
    call *8(%ebp)
2:  leal -8(%ebp), %esp
    popl %edi
    popl %esi
    popl %ebp
    ret
3:  movl $STATUS_ACCESS_VIOLATION, %eax
    jmp 2b
    .size KiCallService, . - KiCallService
    .section .ex_table, "a"
    .long 1b, 3b
    .text

/*
 * KiFastCallEntry: sysenter's target (MSR_SYSENTER_EIP), with CS 0x08, SS 0x10, interrupts
 * off, ESP a scratch stack and EDX the user's ESP at KiFastSystemCall (syscall.c). It switches
 * to the thread's kernel stack (TSS.Esp0, as an interrupt from ring 3 would) and pushes what
 * `int 0x2E` would have: SS, ESP, EFLAGS (interrupts on, as they were in ring 3), CS, and EIP
 * = KiFastSystemCallRet in the shared page, error code 0, vector 0x2E; EDX becomes the
 * arguments' address (EDX + 8, past the two return addresses). KiTrapCommon does the rest, and
 * the way back is the ordinary iret.
 */
#define KTSS_ESP0               4

    .globl KiFastCallEntry
    .type KiFastCallEntry, @function
KiFastCallEntry:
    movl %ss:KiTss + KTSS_ESP0, %esp
    pushl $KGDT_R3_DATA_USER
    pushl %edx
    pushfl
    orl $EFLAGS_IF_BIT, (%esp)
    testl $~(EFLAGS_STATUS_FLAGS | EFLAGS_IF_BIT | EFLAGS_RESERVED_1), (%esp)
    jnz 2f
1:  pushl $KGDT_R3_CODE_USER
    pushl $KI_FAST_SYSTEM_CALL_RET_VA
    addl $8, %edx
    pushl $KI_FAST_CALL_MARKER
    pushl $0x2E
    jmp KiTrapCommon
    /* Ring 3 came with more than the status flags (NT, AC, DF, ID: sysenter clears only IF,
     * VM and RF): the kernel's flags are made clean, as NT's KiFastCallEntry makes them, the
     * frame keeping the caller's. An iret with NT set would be a task return through the
     * TSS's back link; and the way back by sysexit relies on the kernel's flags holding
     * nothing but status flags whenever the frame's do not. */
2:  pushl $EFLAGS_RESERVED_1
    popfl
    jmp 1b
    .size KiFastCallEntry, . - KiFastCallEntry

/* Entered by a task switch on the double-fault TSS, with its stack empty. */
    .globl KiTrap08Entry
    .type KiTrap08Entry, @function
KiTrap08Entry:
    xorl %ebp, %ebp
    call KiTrap08
1:  hlt
    jmp 1b
    .size KiTrap08Entry, . - KiTrap08Entry
