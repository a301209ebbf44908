/*
 * kernel/ke/npx.c: the numeric processor. Every processor mm386 runs on has an x87; where
 * CPUID also reports FXSR and SSE (QEMU's CPUs do), start-up turns on CR4.OSFXSR and
 * CR4.OSXMMEXCPT as NT does: ring 3 may use the XMM registers, a user thread's state is saved
 * on switches with fxsave (x87, MXCSR and XMM0-7) instead of fnsave, and an unmasked SIMD
 * floating-point exception arrives as #XM (vector 19), which trap.c raises as NT's
 * STATUS_FLOAT_MULTIPLE_TRAPS or _FAULTS. Kernel code keeps off the x87; it uses XMM registers
 * in KeZeroPages (zeropage.c) and KeCopyMemorySafe (probe.S), which put back the registers they
 * borrow and count KernelXmmUse meanwhile, so that a switch saves them for a system thread too.
 * KUSER_SHARED_DATA's ProcessorFeatures says what user mode may use (IsProcessorFeaturePresent).
 */
#include "kernel/ke/ki.h"
#include "kernel/inc/ntpeb.h"
#include "hal/x86.h"

#define CPUID_EDX_TSC           (1u << 4)
#define CPUID_EDX_PAE           (1u << 6)
#define CPUID_EDX_CX8           (1u << 8)
#define CPUID_EDX_MMX           (1u << 23)
#define CPUID_EDX_FXSR          (1u << 24)
#define CPUID_EDX_SSE           (1u << 25)
#define CPUID_EDX_SSE2          (1u << 26)
#define CPUID_ECX_SSE3          (1u << 0)

#define MXCSR_DEFAULT           0x1F80      /* every exception masked, round to nearest */
#define MXCSR_DEFAULT_MASK      0xFFBF      /* when fxsave reports none (Intel's rule) */

/* winnt.h's PF_ indexes into ProcessorFeatures */
#define PF_COMPARE_EXCHANGE_DOUBLE          2
#define PF_MMX_INSTRUCTIONS_AVAILABLE       3
#define PF_XMMI_INSTRUCTIONS_AVAILABLE      6
#define PF_RDTSC_INSTRUCTION_AVAILABLE      8
#define PF_PAE_ENABLED                      9
#define PF_XMMI64_INSTRUCTIONS_AVAILABLE    10
#define PF_SSE3_INSTRUCTIONS_AVAILABLE      13

bool KeI386FxsrPresent;         /* fxsave/fxrstor, and CR4.OSFXSR on */
bool KeI386XMMIPresent;         /* SSE: the XMM registers */
bool KeI386XMMI64Present;       /* SSE2 too: KeCopyMemorySafe's 8-byte movq (probe.S) */

/* What a new user thread starts with: the x87 as fninit leaves it, MXCSR and XMM as at reset. */
static uint8_t KiNpxInitialState[KI_NPX_SAVE_AREA_SIZE] __attribute__((aligned(16)));

static uint32_t KiCpuidEdx, KiCpuidEcx;
uint32_t KiMxcsrMask = MXCSR_DEFAULT_MASK;

/* Start-up, before the first thread is made. */
void KiInitializeNpx(void)
{
    uint32_t info[4];

    __cpuid(info, 0);
    if (info[0] >= 1) {
        __cpuid(info, 1);
        KiCpuidEcx = info[2];
        KiCpuidEdx = info[3];
    }
    if ((KiCpuidEdx & CPUID_EDX_FXSR) && (KiCpuidEdx & CPUID_EDX_SSE)) {
        __writecr4(__readcr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
        KeI386FxsrPresent = KeI386XMMIPresent = true;
        KeI386XMMI64Present = (KiCpuidEdx & CPUID_EDX_SSE2) != 0;
    }
    __asm__ volatile("fninit");
    if (KeI386XMMIPresent) {
        uint32_t mxcsr = MXCSR_DEFAULT;

        __asm__ volatile("ldmxcsr %0\n\t"
                         "xorps %%xmm0, %%xmm0\n\txorps %%xmm1, %%xmm1\n\t"
                         "xorps %%xmm2, %%xmm2\n\txorps %%xmm3, %%xmm3\n\t"
                         "xorps %%xmm4, %%xmm4\n\txorps %%xmm5, %%xmm5\n\t"
                         "xorps %%xmm6, %%xmm6\n\txorps %%xmm7, %%xmm7" : : "m"(mxcsr));
    }
    KiSaveNpxArea(KiNpxInitialState);
    if (KeI386FxsrPresent) {
        KiMxcsrMask = *(uint32_t *)(KiNpxInitialState + KI_FXSAVE_MXCSR_MASK);
        if (KiMxcsrMask == 0)
            KiMxcsrMask = MXCSR_DEFAULT_MASK;
    }
}

/* A new user thread's state, before it first runs. */
void KiInitializeThreadNpx(KTHREAD *Thread)
{
    RtlCopyMemory(KiNpxSaveArea(Thread), KiNpxInitialState, sizeof(KiNpxInitialState));
}

/*
 * The code #XM raises, as Windows on x86 reports SSE exceptions: STATUS_FLOAT_MULTIPLE_TRAPS
 * when an unmasked invalid-operation, denormal or divide-by-zero flag is pending (a divss by
 * zero), STATUS_FLOAT_MULTIPLE_FAULTS for overflow, underflow and precision (NT's KiTrap13).
 * *Mxcsr is MXCSR, which the exception's second parameter carries as later Windows reports it
 * (XP's KiTrap13 gave one parameter, 0); the CONTEXT's ExtendedRegisters hold it too, and a
 * handler may change it there before continuing. The flags stay set: the handler decides.
 */
NTSTATUS KiXmmExceptionCode(uint32_t *Mxcsr)
{
    uint32_t mxcsr, pending;

    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    *Mxcsr = mxcsr;
    pending = mxcsr & ~(mxcsr >> 7) & 0x3F;
    return pending & 0x07 ? STATUS_FLOAT_MULTIPLE_TRAPS : STATUS_FLOAT_MULTIPLE_FAULTS;
}

/* KUSER_SHARED_DATA's ProcessorFeatures, once Mm has made the page (NT's KiInitializeKernel). */
void KeSetProcessorFeatures(void)
{
    volatile uint8_t *features = KeUserSharedData->ProcessorFeatures;

    features[PF_COMPARE_EXCHANGE_DOUBLE] = !!(KiCpuidEdx & CPUID_EDX_CX8);
    features[PF_MMX_INSTRUCTIONS_AVAILABLE] = !!(KiCpuidEdx & CPUID_EDX_MMX);
    features[PF_RDTSC_INSTRUCTION_AVAILABLE] = !!(KiCpuidEdx & CPUID_EDX_TSC);
    features[PF_PAE_ENABLED] = 0;                   /* two-level paging: no PAE */
    features[PF_XMMI_INSTRUCTIONS_AVAILABLE] = KeI386XMMIPresent;
    features[PF_XMMI64_INSTRUCTIONS_AVAILABLE] = KeI386XMMIPresent && (KiCpuidEdx & CPUID_EDX_SSE2);
    features[PF_SSE3_INSTRUCTIONS_AVAILABLE] = KeI386XMMIPresent && (KiCpuidEcx & CPUID_ECX_SSE3);
}
