/*
 * kernel/ke/gdt.c: the GDT with NT's selectors, the TSS, and the double-fault TSS.
 *
 *   0x00  null
 *   0x08  KGDT_R0_CODE   flat 4 GiB, ring 0 code
 *   0x10  KGDT_R0_DATA   flat 4 GiB, ring 0 data
 *   0x18  KGDT_R3_CODE   flat 4 GiB, ring 3 code
 *   0x20  KGDT_R3_DATA   flat 4 GiB, ring 3 data
 *   0x28  KGDT_TSS       KiTss: where the processor saves state on a task switch; Esp0 is
 *                        the running thread's kernel stack, for traps from ring 3
 *   0x38  KGDT_R3_TEB    ring 3 data, one page at the running thread's TEB (user FS = 0x3B)
 *   0x50  KGDT_DF_TSS    KiDoubleFaultTss: the double fault's own stack, so a kernel stack
 *                        overflow still reaches KiTrap08 and a bugcheck
 */
#include "kernel/ke/ke.h"
#include "kernel/ke/ki.h"
#include "hal/x86.h"

#define KI_DOUBLE_FAULT_STACK_SIZE  0x2000

#define SEG_CODE_R0     0x9A        /* present, ring 0, code, readable */
#define SEG_DATA_R0     0x92        /* present, ring 0, data, writable */
#define SEG_CODE_R3     0xFA
#define SEG_DATA_R3     0xF2
#define SEG_TSS32       0x89        /* present, ring 0, 32-bit TSS (available) */
#define SEG_FLAT_FLAGS  0xC         /* 4 KiB granularity, 32-bit */
#define SEG_BYTE_FLAGS  0x4         /* byte granularity, 32-bit */
#define PAGE_SIZE_BYTES 0x1000

typedef struct _KGDTENTRY {
    uint16_t LimitLow;
    uint16_t BaseLow;
    uint8_t BaseMid;
    uint8_t Access;
    uint8_t LimitHighFlags;
    uint8_t BaseHigh;
} KGDTENTRY;

_Static_assert(sizeof(KGDTENTRY) == 8, "GDT entry");

KTSS KiTss;
KTSS KiDoubleFaultTss;
static KGDTENTRY KiGdt[KGDT_NUMBER];
static uint8_t KiDoubleFaultStack[KI_DOUBLE_FAULT_STACK_SIZE] __attribute__((aligned(16)));

extern void KiTrap08Entry(void);

static void KiSetGdtEntry(uint32_t Selector, uintptr_t Base, uint32_t Limit, uint8_t Access,
                          uint8_t Flags)
{
    KGDTENTRY *entry = &KiGdt[Selector / sizeof(KGDTENTRY)];

    entry->LimitLow = Limit & 0xFFFF;
    entry->BaseLow = Base & 0xFFFF;
    entry->BaseMid = (Base >> 16) & 0xFF;
    entry->Access = Access;
    entry->LimitHighFlags = (uint8_t)(((Limit >> 16) & 0xF) | (Flags << 4));
    entry->BaseHigh = (Base >> 24) & 0xFF;
}

void KiInitializeGdt(void)
{
    struct __attribute__((packed)) { uint16_t Limit; uint32_t Base; } gdtr;

    KiSetGdtEntry(KGDT_R0_CODE, 0, 0xFFFFF, SEG_CODE_R0, SEG_FLAT_FLAGS);
    KiSetGdtEntry(KGDT_R0_DATA, 0, 0xFFFFF, SEG_DATA_R0, SEG_FLAT_FLAGS);
    KiSetGdtEntry(KGDT_R3_CODE, 0, 0xFFFFF, SEG_CODE_R3, SEG_FLAT_FLAGS);
    KiSetGdtEntry(KGDT_R3_DATA, 0, 0xFFFFF, SEG_DATA_R3, SEG_FLAT_FLAGS);
    KiSetGdtEntry(KGDT_TSS, (uintptr_t)&KiTss, sizeof(KTSS) - 1, SEG_TSS32, 0);
    KiSetGdtEntry(KGDT_R3_TEB, 0, PAGE_SIZE_BYTES - 1, SEG_DATA_R3, SEG_BYTE_FLAGS);
    KiSetGdtEntry(KGDT_DF_TSS, (uintptr_t)&KiDoubleFaultTss, sizeof(KTSS) - 1, SEG_TSS32, 0);

    KiTss.Ss0 = KGDT_R0_DATA;
    KiTss.IoMapBase = sizeof(KTSS);

    KiDoubleFaultTss.Eip = (uintptr_t)KiTrap08Entry;
    KiDoubleFaultTss.Esp = (uintptr_t)(KiDoubleFaultStack + sizeof(KiDoubleFaultStack));
    KiDoubleFaultTss.Esp0 = KiDoubleFaultTss.Esp;
    KiDoubleFaultTss.Ss0 = KGDT_R0_DATA;
    KiDoubleFaultTss.Cs = KGDT_R0_CODE;
    KiDoubleFaultTss.Ds = KiDoubleFaultTss.Es = KiDoubleFaultTss.Ss = KGDT_R0_DATA;
    KiDoubleFaultTss.Fs = KiDoubleFaultTss.Gs = KGDT_R0_DATA;
    KiDoubleFaultTss.Cr3 = __readcr3();
    KiDoubleFaultTss.EFlags = 0x2;
    KiDoubleFaultTss.IoMapBase = sizeof(KTSS);

    gdtr.Limit = sizeof(KiGdt) - 1;
    gdtr.Base = (uintptr_t)KiGdt;
    __asm__ volatile(
        "lgdt %0\n\t"
        "ljmp %1, $1f\n"
        "1:\n\t"
        "movl %2, %%eax\n\t"
        "movl %%eax, %%ds\n\t"
        "movl %%eax, %%es\n\t"
        "movl %%eax, %%ss\n\t"
        "movl %%eax, %%fs\n\t"
        "xorl %%eax, %%eax\n\t"
        "movl %%eax, %%gs\n\t"
        "movw %3, %%ax\n\t"
        "ltr %%ax"
        :
        : "m"(gdtr), "i"(KGDT_R0_CODE), "i"(KGDT_R0_DATA), "i"(KGDT_TSS)
        : "eax", "memory");
}

/* Load \seg again (the same selector, so its hidden base is read from the GDT anew) when it
 * names the TEB descriptor with any RPL: ring 3 may load it as 0x38-0x3B (DPL 3). */
#define KI_RELOAD_IF_TEB(seg)                                                               \
    __asm__ volatile("movw %%" seg ", %%ax\n\t"                                            \
                     "movw %%ax, %%dx\n\t"                                                  \
                     "andw %0, %%dx\n\t"                                                    \
                     "cmpw %1, %%dx\n\t"                                                    \
                     "jne 1f\n\t"                                                           \
                     "movw %%ax, %%" seg "\n"                                               \
                     "1:"                                                                   \
                     : : "i"(~SELECTOR_RPL_MASK & 0xFFFF), "i"(KGDT_R3_TEB)                 \
                     : "eax", "edx", "memory")

/*
 * The running thread's TEB becomes the segment behind 0x3B (at each switch to a thread). The
 * kernel runs with the FS and GS it entered with, so either is loaded again here when it names
 * that descriptor: its hidden base is then the new thread's TEB, and the way back to ring 3
 * (KiTrapExit) need not load FS or GS when the trap frame's selector is the one it holds.
 */
void KiSetTebDescriptor(uintptr_t Teb)
{
    KiSetGdtEntry(KGDT_R3_TEB, Teb, PAGE_SIZE_BYTES - 1, SEG_DATA_R3, SEG_BYTE_FLAGS);
    KI_RELOAD_IF_TEB("fs");
    KI_RELOAD_IF_TEB("gs");
}
