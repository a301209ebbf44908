/*
 * hal/x86.h: CPU intrinsics, named as the NT sources name them (MSVC intrinsics and the HAL's
 * port accessors), so code reads the same as the WRK's.
 */
#ifndef HAL_X86_H
#define HAL_X86_H

#include <stdint.h>
#include <stdbool.h>

#define EFLAGS_TRAP_MASK        0x00000100u     /* TF: #DB after each instruction */
#define EFLAGS_INTERRUPT_MASK   0x00000200u
#define CR0_PG                  0x80000000u
#define CR0_WP                  0x00010000u
#define CR4_PSE                 0x00000010u
#define CR4_PGE                 0x00000080u
#define CR4_OSFXSR              0x00000200u     /* fxsave/fxrstor hold the XMM state; SSE allowed */
#define CR4_OSXMMEXCPT          0x00000400u     /* unmasked SIMD exceptions are #XM, not #UD */

/* A compiler barrier (MSVC's intrinsic, as NT uses it): memory is read again after it. Code
 * that touches pageable memory and then looks at what the fault changed needs one, since
 * the compiler cannot know an access may run MmAccessFault. */
static inline void _ReadWriteBarrier(void)
{
    __asm__ volatile("" : : : "memory");
}

static inline uint8_t READ_PORT_UCHAR(uint16_t Port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(Port));
    return value;
}

static inline uint16_t READ_PORT_USHORT(uint16_t Port)
{
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(Port));
    return value;
}

static inline uint32_t READ_PORT_ULONG(uint16_t Port)
{
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(Port));
    return value;
}

static inline void WRITE_PORT_UCHAR(uint16_t Port, uint8_t Value)
{
    __asm__ volatile("outb %0, %1" : : "a"(Value), "Nd"(Port));
}

static inline void WRITE_PORT_USHORT(uint16_t Port, uint16_t Value)
{
    __asm__ volatile("outw %0, %1" : : "a"(Value), "Nd"(Port));
}

static inline void WRITE_PORT_ULONG(uint16_t Port, uint32_t Value)
{
    __asm__ volatile("outl %0, %1" : : "a"(Value), "Nd"(Port));
}

/* Count 16-bit words from Port into Buffer (ATA PIO data). */
static inline void READ_PORT_BUFFER_USHORT(uint16_t Port, uint16_t *Buffer, uint32_t Count)
{
    __asm__ volatile("cld; rep insw" : "+D"(Buffer), "+c"(Count) : "d"(Port) : "memory");
}

static inline void WRITE_PORT_BUFFER_USHORT(uint16_t Port, const uint16_t *Buffer, uint32_t Count)
{
    __asm__ volatile("cld; rep outsw" : "+S"(Buffer), "+c"(Count) : "d"(Port) : "memory");
}

static inline uint32_t __readcr0(void)
{
    uint32_t value;
    __asm__ volatile("movl %%cr0, %0" : "=r"(value));
    return value;
}

static inline uint32_t __readcr2(void)
{
    uint32_t value;
    __asm__ volatile("movl %%cr2, %0" : "=r"(value));
    return value;
}

static inline uint32_t __readcr3(void)
{
    uint32_t value;
    __asm__ volatile("movl %%cr3, %0" : "=r"(value));
    return value;
}

static inline void __writecr3(uint32_t Value)
{
    __asm__ volatile("movl %0, %%cr3" : : "r"(Value) : "memory");
}

static inline uint32_t __readcr4(void)
{
    uint32_t value;
    __asm__ volatile("movl %%cr4, %0" : "=r"(value));
    return value;
}

static inline void __writecr4(uint32_t Value)
{
    __asm__ volatile("movl %0, %%cr4" : : "r"(Value) : "memory");
}

static inline void __invlpg(const volatile void *Address)
{
    __asm__ volatile("invlpg (%0)" : : "r"(Address) : "memory");
}

static inline uint32_t __readeflags(void)
{
    uint32_t value;
    __asm__ volatile("pushfl; popl %0" : "=r"(value));
    return value;
}

static inline void __writeeflags(uint32_t Value)
{
    __asm__ volatile("pushl %0; popfl" : : "r"(Value) : "memory", "cc");
}

static inline void _disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}

static inline void _enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline void __halt(void)
{
    __asm__ volatile("hlt" : : : "memory");
}

/* Wait for the next interrupt with interrupts enabled, atomically (sti takes effect after hlt). */
static inline void HalWaitForInterrupt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}

static inline uint64_t __rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

static inline void __cpuid(uint32_t Info[4], uint32_t Leaf)
{
    __asm__ volatile("cpuid"
                     : "=a"(Info[0]), "=b"(Info[1]), "=c"(Info[2]), "=d"(Info[3])
                     : "a"(Leaf), "c"(0));
}

static inline uint32_t __readebp(void)
{
    uint32_t value;
    __asm__ volatile("movl %%ebp, %0" : "=r"(value));
    return value;
}

static inline uint32_t __readesp(void)
{
    uint32_t value;
    __asm__ volatile("movl %%esp, %0" : "=r"(value));
    return value;
}

#endif
