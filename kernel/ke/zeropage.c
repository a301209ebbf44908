/*
 * kernel/ke/zeropage.c: KeZeroPages, NT's routine for zeroing whole pages (Mm's demand-zero
 * pages and the zero page thread's). NT's x86 picks the widest stores the processor has (its
 * KiXMMIZeroPage); here that is MMX's 8-byte movq where the processor has MMX. Under QEMU's TCG
 * every guest store costs about the same whatever its width, so half as many stores zero a
 * page in about half the time (a 4 KB page took 8.1 us with 4-byte stores in W2's first pass,
 * 2026-11-29).
 *
 * The MMX registers are the x87 registers, which hold the current thread's floating-point
 * state (saved only when a user thread is switched out, sched.c): it is saved before (fnsave)
 * and put back after (frstor) each page, at DISPATCH_LEVEL so that no switch comes in between
 * (a page takes microseconds; a thread switch may come between pages).
 */
#include "kernel/ke/ki.h"
#include "hal/x86.h"

#define CPUID_EDX_MMX           (1u << 23)
#define KI_ZERO_CHUNK           64          /* bytes a turn of the loop stores */
#define KI_ZERO_PIECE           4096        /* bytes zeroed at DISPATCH_LEVEL at a time (a page) */

static int8_t KiZeroWithMmx = -1;           /* -1: not asked yet */

static bool KiHasMmx(void)
{
    if (KiZeroWithMmx < 0) {
        uint32_t info[4];

        __cpuid(info, 1);
        KiZeroWithMmx = (info[3] & CPUID_EDX_MMX) != 0;
    }
    return KiZeroWithMmx;
}

/* One piece of at most a page, at DISPATCH_LEVEL: a thread switch may come between pieces. */
static void KiZeroPieceWithMmx(void *PageBase, uint32_t NumberOfBytes)
{
    uint8_t npx[KI_NPX_SAVE_AREA_SIZE] __attribute__((aligned(4)));
    KIRQL oldIrql = KfRaiseIrql(MAX(KeGetCurrentIrql(), (KIRQL)DISPATCH_LEVEL));

    __asm__ volatile("fnsave %0" : "=m"(npx));
    __asm__ volatile("pxor %%mm0, %%mm0\n"
                     "1:\n\t"
                     "movq %%mm0, 0(%0)\n\t"
                     "movq %%mm0, 8(%0)\n\t"
                     "movq %%mm0, 16(%0)\n\t"
                     "movq %%mm0, 24(%0)\n\t"
                     "movq %%mm0, 32(%0)\n\t"
                     "movq %%mm0, 40(%0)\n\t"
                     "movq %%mm0, 48(%0)\n\t"
                     "movq %%mm0, 56(%0)\n\t"
                     "addl $64, %0\n\t"
                     "subl $64, %1\n\t"
                     "jnz 1b\n\t"
                     "emms"
                     : "+r"(PageBase), "+r"(NumberOfBytes) : : "memory");
    __asm__ volatile("frstor %0" : : "m"(npx));
    KfLowerIrql(oldIrql);
}

/* Zero NumberOfBytes at PageBase (whole pages, page-aligned), a page at a time at
 * DISPATCH_LEVEL. Any IRQL up to DISPATCH_LEVEL. */
void KeZeroPages(void *PageBase, uint32_t NumberOfBytes)
{
    if (!KiHasMmx() || ((uintptr_t)PageBase | NumberOfBytes) % KI_ZERO_CHUNK != 0) {
        RtlZeroMemory(PageBase, NumberOfBytes);
        return;
    }
    while (NumberOfBytes != 0) {
        uint32_t piece = MIN(NumberOfBytes, (uint32_t)KI_ZERO_PIECE);

        KiZeroPieceWithMmx(PageBase, piece);
        PageBase = (uint8_t *)PageBase + piece;
        NumberOfBytes -= piece;
    }
}
