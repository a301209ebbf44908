/*
 * kernel/ke/zeropage.c: KeZeroPages, NT's routine for zeroing whole pages (Mm's demand-zero
 * pages, the zero page thread's and nonpaged pool's expansion). NT's x86 picks the widest
 * stores the processor has (its KiXMMIZeroPage), and so does this: under QEMU's TCG, which
 * mm386 is measured on, a 16-byte movaps store is two 8-byte accesses to guest memory where
 * a 4-byte store is one: a megabyte zeroed in 0.27-0.28M cycles against 0.48M (back to back
 * in one boot), and W1's demand-zero faults (ubench w1, 64 MiB, three alternating boots)
 * went from 296-307k to 336-458k pages/s cold and 335-369k to 388-422k settled, 2026-11-30.
 * MMX's movq is no use there (each MMX instruction calls into the emulator: 1.24-1.45M
 * cycles a megabyte against 0.68-0.84M for 4-byte stores, measured 2026-11-29), and
 * processors without SSE get sixteen 4-byte stores a turn.
 * The XMM register borrowed is put back, and KernelXmmUse is counted meanwhile, as
 * KeCopyMemorySafe does (probe.S): a thread switch may come at any point of it and saves the
 * register with the thread's numeric state (sched.c), and an interrupt that zeroes pages
 * meanwhile puts it back too. The x87 is not touched.
 */
#include "kernel/ke/ki.h"

#define KI_ZERO_CHUNK           64          /* bytes a turn of the loop stores */

/* Whole 64-byte pieces with movaps; XMM0 is as it was after. */
static void KiZeroPagesXmm(void *Base, uint32_t NumberOfBytes)
{
    KTHREAD *thread = KeGetCurrentThread();
    uint8_t saved[16];

    thread->KernelXmmUse++;
    __asm__ volatile("movups %%xmm0, %0\n\t"
                     "xorps %%xmm0, %%xmm0\n"
                     "1:\tmovaps %%xmm0, (%1)\n\t"
                     "movaps %%xmm0, 16(%1)\n\t"
                     "movaps %%xmm0, 32(%1)\n\t"
                     "movaps %%xmm0, 48(%1)\n\t"
                     "addl $64, %1\n\t"
                     "subl $64, %2\n\t"
                     "jnz 1b\n\t"
                     "movups %0, %%xmm0"
                     : "=m"(saved), "+r"(Base), "+r"(NumberOfBytes) : : "memory", "cc");
    thread->KernelXmmUse--;
}

/* Zero NumberOfBytes at PageBase (whole pages, page-aligned). Any IRQL up to DISPATCH_LEVEL. */
void KeZeroPages(void *PageBase, uint32_t NumberOfBytes)
{
    uint32_t *words = PageBase;

    if (((uintptr_t)PageBase | NumberOfBytes) % KI_ZERO_CHUNK != 0) {
        RtlZeroMemory(PageBase, NumberOfBytes);
        return;
    }
    if (KeI386XMMIPresent) {
        if (NumberOfBytes != 0)
            KiZeroPagesXmm(PageBase, NumberOfBytes);
        return;
    }
    for (; NumberOfBytes != 0; NumberOfBytes -= KI_ZERO_CHUNK, words += KI_ZERO_CHUNK / 4) {
        words[0] = 0; words[1] = 0; words[2] = 0; words[3] = 0;
        words[4] = 0; words[5] = 0; words[6] = 0; words[7] = 0;
        words[8] = 0; words[9] = 0; words[10] = 0; words[11] = 0;
        words[12] = 0; words[13] = 0; words[14] = 0; words[15] = 0;
    }
}
