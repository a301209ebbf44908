/*
 * boot/cpu.S: is this processor one mm386 runs on? Called first thing from _start, with paging
 * off, at physical addresses, before any C code (which may use any instruction of the build's
 * -march) and before anything is printed.
 *
 * mm386 is built for the Pentium (-march=pentium): besides the 486's instructions (BSWAP,
 * XADD, INVLPG, CR0.WP) it needs CPUID and the time-stamp counter (RDTSC, which the HAL
 * calibrates against the PIT and every timeout reads). A processor without them stops here, as
 * NT stops on a processor it does not support, with
 *
 *   *** STOP: 0x0000005D (family, features required, features present, 0)
 *   UNSUPPORTED_PROCESSOR
 *
 * on COM1 after a line naming what is missing, and leaves QEMU with the failure status the way
 * KeBugCheckEx does (isa-debug-exit), or halts: never a triple fault. The family is 0x386,
 * 0x486, 0x586..., as NT names processors ((CPUID family << 8) | 0x86; without CPUID, 0x386 when
 * EFLAGS.AC cannot be set, else 0x486); the features are CPUID leaf 1's EDX bits.
 */
#include "boot/boot.h"

#define EFLAGS_AC               (1 << 18)   /* settable on a 486 and later */
#define EFLAGS_ID               (1 << 21)   /* settable when CPUID exists */
#define CPUID_EDX_TSC           (1 << 4)
#define KI_REQUIRED_FEATURES    CPUID_EDX_TSC

#define UNSUPPORTED_PROCESSOR   0x5D
#define COM1                    0x3F8
#define UART_LSR                5
#define LSR_THR_EMPTY           0x20
#define ISA_DEBUG_EXIT_PORT     0xF4
#define HAL_EXIT_FAILURE        0x11        /* hal/hal.h: QEMU exit status 35 */

/* EAX = nonzero when the EFLAGS bit Flag can be changed; EFLAGS restored; EDX clobbered. */
.macro TOGGLES_FLAG Flag
    pushfl
    popl %eax
    movl %eax, %edx
    xorl $\Flag, %eax
    pushl %eax
    popfl
    pushfl
    popl %eax
    pushl %edx
    popfl
    xorl %edx, %eax
    andl $\Flag, %eax
.endm

    .section .text.boot, "ax"
    .globl KiCheckProcessor
    .type KiCheckProcessor, @function
KiCheckProcessor:
    pushal
    TOGGLES_FLAG EFLAGS_ID
    testl %eax, %eax
    jz 2f

    xorl %eax, %eax
    cpuid
    xorl %edx, %edx                     /* no leaf 1: no features */
    movl $0x486, %ebx
    cmpl $1, %eax
    jb 1f
    movl $1, %eax
    cpuid
    shrl $8, %eax
    andl $0xF, %eax
    shll $8, %eax
    orl $0x86, %eax
    movl %eax, %ebx
1:  movl %edx, %ebp                     /* EBX family, EBP features present */
    andl $KI_REQUIRED_FEATURES, %edx
    cmpl $KI_REQUIRED_FEATURES, %edx
    jne 3f
    popal
    ret

2:  TOGGLES_FLAG EFLAGS_AC
    movl $0x386, %ebx
    testl %eax, %eax
    jz 0f
    movl $0x486, %ebx
0:  xorl %ebp, %ebp
    movl $PHYS(KiNoCpuidMessage), %esi
    jmp 4f
3:  movl $PHYS(KiNoTscMessage), %esi

4:  call KiBootPutString
    movl $PHYS(KiStopMessage), %esi
    call KiBootPutString
    movl %ebx, %eax
    call KiBootPutHex
    movl $PHYS(KiComma), %esi
    call KiBootPutString
    movl $KI_REQUIRED_FEATURES, %eax
    call KiBootPutHex
    movl $PHYS(KiComma), %esi
    call KiBootPutString
    movl %ebp, %eax
    call KiBootPutHex
    movl $PHYS(KiStopEnd), %esi
    call KiBootPutString

    movl $HAL_EXIT_FAILURE, %eax
    movw $ISA_DEBUG_EXIT_PORT, %dx
    outl %eax, %dx
5:  hlt
    jmp 5b
    .size KiCheckProcessor, . - KiCheckProcessor

/* Write the character in AL to COM1 (as the loader left it set up: QEMU's needs nothing).
 * Clobbers AH, EDX. */
KiBootPutChar:
    movb %al, %ah
    movw $(COM1 + UART_LSR), %dx
1:  inb %dx, %al
    testb $LSR_THR_EMPTY, %al
    jz 1b
    movw $COM1, %dx
    movb %ah, %al
    outb %al, %dx
    ret

/* Write the NUL-terminated string at ESI. Clobbers EAX, EDX, ESI. */
KiBootPutString:
    lodsb
    testb %al, %al
    jz 1f
    call KiBootPutChar
    jmp KiBootPutString
1:  ret

/* Write EAX as "0x" and 8 upper-case hex digits. Clobbers EAX, ECX, EDX, ESI, EDI. */
KiBootPutHex:
    movl %eax, %edi
    movl $PHYS(KiHexPrefix), %esi
    call KiBootPutString
    movl $8, %ecx
1:  roll $4, %edi
    movl %edi, %eax
    andl $0xF, %eax
    movb PHYS(KiHexDigits)(%eax), %al
    call KiBootPutChar
    loop 1b
    ret

    .section .rodata
KiNoCpuidMessage:
    .asciz "\nmm386: this processor has no CPUID instruction; mm386 needs a Pentium or later\n"
KiNoTscMessage:
    .asciz "\nmm386: this processor has no time-stamp counter (CPUID TSC, RDTSC); mm386 needs a Pentium or later\n"
KiStopMessage:
    .asciz "\n*** STOP: 0x0000005D ("
KiComma:
    .asciz ","
KiStopEnd:
    .asciz ",0x00000000)\nUNSUPPORTED_PROCESSOR\n"
KiHexPrefix:
    .asciz "0x"
KiHexDigits:
    .ascii "0123456789ABCDEF"

