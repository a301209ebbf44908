/*
 * kernel/ke/zeropage.c: KeZeroPages, NT's routine for zeroing whole pages (Mm's demand-zero
 * pages, the zero page thread's and nonpaged pool's expansion). NT's x86 picks the widest
 * stores the processor has (its KiXMMIZeroPage); under QEMU's TCG, which mm386 is measured
 * on, the widest are not the fastest: an MMX movq store goes through the emulated register
 * file, and borrowing the x87 registers costs an fnsave and an frstor a page. Sixteen 4-byte
 * stores a turn zero a megabyte in 0.68-0.84M cycles against 1.24-1.45M for movq with the
 * state saved (0.99-1.06M without saving it) and 0.72-0.95M for memset's eight a turn, each
 * measured back to back over 16 MB in one boot, 2026-11-29. No floating-point state is
 * touched, so it runs at the caller's IRQL, and a thread switch may come at any point of it.
 */
#include "kernel/ke/ki.h"

#define KI_ZERO_CHUNK           64          /* bytes a turn of the loop stores */

/* Zero NumberOfBytes at PageBase (whole pages, page-aligned). Any IRQL up to DISPATCH_LEVEL. */
void KeZeroPages(void *PageBase, uint32_t NumberOfBytes)
{
    uint32_t *words = PageBase;

    if (((uintptr_t)PageBase | NumberOfBytes) % KI_ZERO_CHUNK != 0) {
        RtlZeroMemory(PageBase, NumberOfBytes);
        return;
    }
    for (; NumberOfBytes != 0; NumberOfBytes -= KI_ZERO_CHUNK, words += KI_ZERO_CHUNK / 4) {
        words[0] = 0; words[1] = 0; words[2] = 0; words[3] = 0;
        words[4] = 0; words[5] = 0; words[6] = 0; words[7] = 0;
        words[8] = 0; words[9] = 0; words[10] = 0; words[11] = 0;
        words[12] = 0; words[13] = 0; words[14] = 0; words[15] = 0;
    }
}
