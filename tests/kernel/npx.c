/*
 * tests/kernel/npx.c: the code an #XM from ring 3 raises (kernel/ke/npx.c's
 * KiXmmExceptionCode), from MXCSR as the processor leaves it: QEMU's TCG never raises #XM
 * (user.npx.sse_exceptions says SKIP), so the decision is checked here on MXCSR values loaded
 * by hand. Loading flags and masks raises nothing; only an SSE instruction would.
 */
#include "kernel/kd/ktest.h"
#include "kernel/ke/ki.h"
#include "kernel/inc/ntstatus.h"

#define MXCSR_DEFAULT           0x1F80
#define MXCSR_IE                0x0001  /* flags; each one's mask is 7 bits higher */
#define MXCSR_DE                0x0002
#define MXCSR_ZE                0x0004
#define MXCSR_OE                0x0008
#define MXCSR_UE                0x0010
#define MXCSR_PE                0x0020
#define MXCSR_MASK_OF(flag)     ((flag) << 7)

KTEST(TestXmmExceptionCode, "ke.npx.xmm_exception_code")
{
    static const struct {
        uint32_t Mxcsr;
        NTSTATUS Code;
    } cases[] = {
        /* a divss by zero: Windows reports STATUS_FLOAT_MULTIPLE_TRAPS */
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_ZE)) | MXCSR_ZE, STATUS_FLOAT_MULTIPLE_TRAPS },
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_IE)) | MXCSR_IE, STATUS_FLOAT_MULTIPLE_TRAPS },
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_DE)) | MXCSR_DE, STATUS_FLOAT_MULTIPLE_TRAPS },
        /* an overflow (with precision lost): STATUS_FLOAT_MULTIPLE_FAULTS */
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_OE)) | MXCSR_OE | MXCSR_PE,
          STATUS_FLOAT_MULTIPLE_FAULTS },
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_UE)) | MXCSR_UE, STATUS_FLOAT_MULTIPLE_FAULTS },
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_PE)) | MXCSR_PE, STATUS_FLOAT_MULTIPLE_FAULTS },
        /* a masked divide-by-zero flag left over does not count: the unmasked overflow does */
        { (MXCSR_DEFAULT & ~MXCSR_MASK_OF(MXCSR_OE)) | MXCSR_OE | MXCSR_ZE,
          STATUS_FLOAT_MULTIPLE_FAULTS },
    };
    uint32_t saved, mxcsr, seen[ARRAYSIZE(cases)], got[ARRAYSIZE(cases)];
    KIRQL oldIrql;

    if (!KeI386XMMIPresent) {
        KtSkip("the processor has no SSE (or no FXSR): no #XM to decide");
        return;
    }
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);      /* MXCSR is the thread's: no switch meanwhile */
    __asm__ volatile("stmxcsr %0" : "=m"(saved));
    for (uint32_t i = 0; i < ARRAYSIZE(cases); i++) {
        mxcsr = cases[i].Mxcsr;
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
        got[i] = (uint32_t)KiXmmExceptionCode(&seen[i]);
    }
    __asm__ volatile("ldmxcsr %0" : : "m"(saved));
    KeLowerIrql(oldIrql);
    for (uint32_t i = 0; i < ARRAYSIZE(cases); i++) {
        KT_ASSERT_EQ((uint32_t)cases[i].Code, got[i]);
        KT_ASSERT_EQ(cases[i].Mxcsr, seen[i]);
    }
}
