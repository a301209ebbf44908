/*
 * npx.exe: the numeric processor's state as a thread sees it (kernel/ke/npx.c). What
 * IsProcessorFeaturePresent says agrees with CPUID (SSE only with FXSR, which the kernel needs
 * to save the registers); each thread keeps its own x87 registers
 * and (with SSE) XMM0-7 and MXCSR across yields, the clock's preemptions, system calls and page faults
 * (whose demand-zero pages the kernel zeroes with an XMM register, and so does the zero page
 * thread, which runs while these threads sleep); and an unmasked SSE exception arrives as
 * Windows raises it on x86 (STATUS_FLOAT_MULTIPLE_TRAPS for a divide by zero,
 * STATUS_FLOAT_MULTIPLE_FAULTS for an overflow, MXCSR in the second parameter).
 */
#include <ntdll.h>
#include <seh.h>
#include "catch.h"
#include "ktap.h"

#define CPUID_EDX_TSC           (1u << 4)
#define CPUID_EDX_CX8           (1u << 8)
#define CPUID_EDX_MMX           (1u << 23)
#define CPUID_EDX_FXSR          (1u << 24)
#define CPUID_EDX_SSE           (1u << 25)
#define CPUID_EDX_SSE2          (1u << 26)

#define MXCSR_DEFAULT           0x1F80      /* every exception masked */
#define MXCSR_ZERO_DIVIDE_MASK  0x0200
#define MXCSR_OVERFLOW_MASK     0x0400
#define MXCSR_ZERO_DIVIDE       0x0004
#define MXCSR_OVERFLOW          0x0008
#define MXCSR_PRECISION         0x0020

static ULONG CpuidEdx(void)
{
    ULONG eax = 1, ebx, ecx = 0, edx;

    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return edx;
}

/* SSE usable in ring 3: the kernel turns it on only with FXSR, which saves the registers. */
static BOOL HaveSse(void)
{
    return (CpuidEdx() & (CPUID_EDX_SSE | CPUID_EDX_FXSR)) == (CPUID_EDX_SSE | CPUID_EDX_FXSR);
}

static void TestFeatures(void)
{
    ULONG edx = CpuidEdx();

    KT_EQ(IsProcessorFeaturePresent(PF_XMMI_INSTRUCTIONS_AVAILABLE), HaveSse());
    KT_EQ(IsProcessorFeaturePresent(PF_XMMI64_INSTRUCTIONS_AVAILABLE),
          HaveSse() && (edx & CPUID_EDX_SSE2));
    KT_EQ(IsProcessorFeaturePresent(PF_MMX_INSTRUCTIONS_AVAILABLE), (edx & CPUID_EDX_MMX) != 0);
    KT_EQ(IsProcessorFeaturePresent(PF_RDTSC_INSTRUCTION_AVAILABLE), (edx & CPUID_EDX_TSC) != 0);
    KT_EQ(IsProcessorFeaturePresent(PF_COMPARE_EXCHANGE_DOUBLE), (edx & CPUID_EDX_CX8) != 0);
    KT_EQ(IsProcessorFeaturePresent(PF_PAE_ENABLED), FALSE);      /* two-level paging */
    KT_EQ(IsProcessorFeaturePresent(PF_FLOATING_POINT_EMULATED), FALSE);
    KT_EQ(IsProcessorFeaturePresent(64), FALSE);                  /* past the array */
    KT_EQ(IsProcessorFeaturePresent(0xFFFFFFFF), FALSE);
}

/*
 * Three threads, each with XMM0-7 and MXCSR's rounding (where the processor has SSE) and the
 * x87's control word and two stack values of its own, check them after every page of 256 KB
 * they commit, touch and release, yielding, calling the kernel and sleeping between pages
 * (the x87 at the end); 0 registers may come back wrong. One of the calls at each page is a
 * query whose answer (312 bytes) the kernel copies through XMM0 and XMM1 (KeCopyMemorySafe's
 * long copies) into the end of that page and the start of the next, not yet touched: the
 * copy takes a demand-zero fault half-way, and the caller's registers must come back.
 */
#define STATE_THREADS       3
#define STATE_ROUNDS        12
#define STATE_REGION        0x40000
#define STATE_PAGES         (STATE_REGION / 0x1000)

static ULONG XmmWanted[STATE_THREADS][8][4] __attribute__((aligned(16)));
static LONG StateWrong[STATE_THREADS], StateChecks[STATE_THREADS];
static BOOL StateXmm;

static void LoadXmm(const ULONG (*Values)[4])
{
    __asm__ volatile("movups 0(%0), %%xmm0\n\tmovups 16(%0), %%xmm1\n\t"
                     "movups 32(%0), %%xmm2\n\tmovups 48(%0), %%xmm3\n\t"
                     "movups 64(%0), %%xmm4\n\tmovups 80(%0), %%xmm5\n\t"
                     "movups 96(%0), %%xmm6\n\tmovups 112(%0), %%xmm7"
                     : : "r"(Values) : "memory");
}

static void StoreXmm(ULONG (*Values)[4])
{
    __asm__ volatile("movups %%xmm0, 0(%0)\n\tmovups %%xmm1, 16(%0)\n\t"
                     "movups %%xmm2, 32(%0)\n\tmovups %%xmm3, 48(%0)\n\t"
                     "movups %%xmm4, 64(%0)\n\tmovups %%xmm5, 80(%0)\n\t"
                     "movups %%xmm6, 96(%0)\n\tmovups %%xmm7, 112(%0)"
                     : : "r"(Values) : "memory");
}

static ULONG ReadMxcsr(void)
{
    ULONG mxcsr;

    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    return mxcsr;
}

static void WriteMxcsr(ULONG Mxcsr)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(Mxcsr));
}

static DWORD WINAPI StateKeeper(LPVOID Argument)
{
    ULONG me = (ULONG)(ULONG_PTR)Argument;
    ULONG mxcsr = MXCSR_DEFAULT | ((me + 1) % 4) << 13;     /* a rounding mode of its own */
    USHORT control = (USHORT)(0x037F ^ (me + 1) << 10), controlAfter;
    double first = 1.5 + me, second = -1e100 * (me + 1), top, below;
    ULONG got[8][4] __attribute__((aligned(16)));

    for (ULONG r = 0; r < 8; r++)
        for (ULONG w = 0; w < 4; w++)
            XmmWanted[me][r][w] = (me + 1) * 0x9E3779B9u ^ (r << 8 | w) * 0x01000193u;
    __asm__ volatile("fninit\n\tfldcw %0\n\tfldl %1\n\tfldl %2"
                     : : "m"(control), "m"(first), "m"(second));
    if (StateXmm) {
        WriteMxcsr(mxcsr);
        LoadXmm(XmmWanted[me]);
    }
    for (ULONG round = 0; round < STATE_ROUNDS; round++) {
        volatile UCHAR *region = VirtualAlloc(NULL, STATE_REGION, MEM_COMMIT, PAGE_READWRITE);

        if (!region) {
            StateWrong[me]++;
            break;
        }
        for (ULONG page = 0; page < STATE_PAGES; page++) {
            region[page * 0x1000 + me] = (UCHAR)page;       /* a demand-zero fault */
            if (page % 4 == 1)
                SwitchToThread();
            else if (page % 4 == 3)
                NtClose(NULL);
            if (page + 1 < STATE_PAGES)
                StateWrong[me] += !NT_SUCCESS(NtQuerySystemInformation(
                    SystemPerformanceInformation, (PVOID)(region + (page + 1) * 0x1000 - 128),
                    sizeof(SYSTEM_PERFORMANCE_INFORMATION), NULL));
            StateChecks[me]++;
            if (StateXmm) {
                StoreXmm(got);
                StateWrong[me] += memcmp(got, XmmWanted[me], sizeof(got)) != 0;
                StateWrong[me] += ReadMxcsr() != mxcsr;
            }
        }
        VirtualFree((PVOID)region, 0, MEM_RELEASE);
        Sleep(1);                       /* the zero page thread zeroes what was released */
    }
    __asm__ volatile("fnstcw %0\n\tfstpl %1\n\tfstpl %2\n\tfninit"
                     : "=m"(controlAfter), "=m"(top), "=m"(below));
    StateWrong[me] += controlAfter != control;
    StateWrong[me] += memcmp(&top, &second, sizeof(top)) != 0;
    StateWrong[me] += memcmp(&below, &first, sizeof(below)) != 0;
    if (StateXmm)
        WriteMxcsr(MXCSR_DEFAULT);
    return 0;
}

static void TestThreadsKeepState(void)
{
    HANDLE threads[STATE_THREADS];

    StateXmm = HaveSse();
    printf("# %s\n", StateXmm ? "x87, MXCSR and XMM0-7" : "the x87 only (no SSE)");
    for (ULONG i = 0; i < STATE_THREADS; i++) {
        threads[i] = CreateThread(NULL, 0, StateKeeper, (LPVOID)(ULONG_PTR)i, 0, NULL);
        KT_EXPECT(threads[i] != NULL);
        if (!threads[i])
            return;
    }
    KT_EQ(WaitForMultipleObjects(STATE_THREADS, threads, TRUE, 120000), WAIT_OBJECT_0);
    for (ULONG i = 0; i < STATE_THREADS; i++) {
        KT_EQ(StateWrong[i], 0);
        KT_EQ(StateChecks[i], STATE_ROUNDS * STATE_PAGES);
        CloseHandle(threads[i]);
    }
}

/* The faulting instructions, at labels the records are compared with. */
extern char SseDivideAt[], SseOverflowAt[];
static const float One = 1.0f, Zero = 0.0f, Huge = 3.0e38f;

__attribute__((noinline)) static void SseDivide(void)
{
    WriteMxcsr(MXCSR_DEFAULT & ~MXCSR_ZERO_DIVIDE_MASK);
    __asm__ volatile("movss %0, %%xmm1\n\t"
                     ".globl _SseDivideAt\n_SseDivideAt: divss %1, %%xmm1"
                     : : "m"(One), "m"(Zero) : "memory");
}

__attribute__((noinline)) static void SseOverflow(void)
{
    WriteMxcsr(MXCSR_DEFAULT & ~MXCSR_OVERFLOW_MASK);
    __asm__ volatile("movss %0, %%xmm1\n\t"
                     ".globl _SseOverflowAt\n_SseOverflowAt: mulss %0, %%xmm1"
                     : : "m"(Huge) : "memory");
}

static void TestSseExceptions(void)
{
    DWORD code;
    ULONG mxcsr;

    if (!HaveSse()) {
        KT_SKIP("no SSE in ring 3: the processor has none, or no FXSR to save it");
        return;
    }
    code = Catch(SseDivide);
    mxcsr = ReadMxcsr();
    WriteMxcsr(MXCSR_DEFAULT);
    if (code == 0 && (mxcsr & MXCSR_ZERO_DIVIDE)) {
        /* QEMU's TCG (7.2, Debian 12's) sets the flags but never raises #XM */
        KT_SKIP("the processor set MXCSR's flag and raised no #XM (this emulator has none)");
        return;
    }
    KT_STATUS(code, STATUS_FLOAT_MULTIPLE_TRAPS);
    KT_EQ(Caught.ExceptionAddress, SseDivideAt);
    KT_EQ(CaughtContext.Eip, SseDivideAt);
    KT_EQ(Caught.NumberParameters, 2);
    KT_EQ(Caught.ExceptionInformation[0], 0);
    KT_EQ(Caught.ExceptionInformation[1],
          (MXCSR_DEFAULT & ~MXCSR_ZERO_DIVIDE_MASK) | MXCSR_ZERO_DIVIDE);

    code = Catch(SseOverflow);
    WriteMxcsr(MXCSR_DEFAULT);
    KT_STATUS(code, STATUS_FLOAT_MULTIPLE_FAULTS);
    KT_EQ(Caught.ExceptionAddress, SseOverflowAt);
    KT_EQ(Caught.NumberParameters, 2);
    KT_EQ(Caught.ExceptionInformation[1] & ~MXCSR_PRECISION,
          (MXCSR_DEFAULT & ~MXCSR_OVERFLOW_MASK) | MXCSR_OVERFLOW);
}

/*
 * CONTEXT_EXTENDED_REGISTERS: the CONTEXT the kernel hands a filter for a fault (an int3 here;
 * RaiseException's is captured in ring 3) holds fxsave's image (MXCSR at byte 24, XMM0-7 from
 * byte 160) of the registers the thread had; a filter that changes XMM1 and MXCSR there and
 * continues (past the int3) gets them back changed through NtContinue, XMM0 and the rest as
 * they were; and an MXCSR with reserved bits set there is loaded without them instead of
 * faulting in the kernel (fxrstor would #GP).
 */
#define FXSAVE_MXCSR            24
#define FXSAVE_XMM0             160

typedef struct {
    ULONG Flags, Mxcsr, Xmm[8][4];
    ULONG NewMxcsr, NewXmm1[4];
} EXTENDED_SEEN;

static LONG ExtendedFilter(EXCEPTION_POINTERS *Pointers, PVOID Context)
{
    EXTENDED_SEEN *seen = Context;
    PUCHAR extended = Pointers->ContextRecord->ExtendedRegisters;

    if (Pointers->ExceptionRecord->ExceptionCode != (DWORD)STATUS_BREAKPOINT)
        return EXCEPTION_CONTINUE_SEARCH;
    Pointers->ContextRecord->Eip++;                         /* past the int3 */
    seen->Flags = Pointers->ContextRecord->ContextFlags;
    memcpy(&seen->Mxcsr, extended + FXSAVE_MXCSR, 4);
    memcpy(seen->Xmm, extended + FXSAVE_XMM0, sizeof(seen->Xmm));
    memcpy(extended + FXSAVE_MXCSR, &seen->NewMxcsr, 4);
    memcpy(extended + FXSAVE_XMM0 + 16, seen->NewXmm1, 16);
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Raise, with XMM0-7 and MXCSR loaded from Wanted and WantedMxcsr; what they are after. */
static void RaiseWithXmm(EXTENDED_SEEN *Seen, const ULONG (*Wanted)[4], ULONG WantedMxcsr,
                         ULONG (*After)[4], ULONG *AfterMxcsr)
{
    SEH_FRAME frame;

    if (SEH_TRY(&frame, ExtendedFilter, Seen) == 0) {
        WriteMxcsr(WantedMxcsr);
        LoadXmm(Wanted);
        __asm__ volatile("int3" ::: "memory");
        StoreXmm(After);
        *AfterMxcsr = ReadMxcsr();
        WriteMxcsr(MXCSR_DEFAULT);
        SehEnd(&frame);
    } else {
        KT_EXPECT(!"the int3 was not continued");
    }
}

static void TestContextExtended(void)
{
    static ULONG wanted[8][4] __attribute__((aligned(16)));
    ULONG after[8][4] __attribute__((aligned(16)));
    const ULONG mxcsr = MXCSR_DEFAULT | 0x6000;            /* round toward zero */
    EXTENDED_SEEN seen = { .NewMxcsr = MXCSR_DEFAULT | 0x2000,
                           .NewXmm1 = { 0xCAFEF00D, 0x0BADC0DE, 0x12345678, 0x9ABCDEF0 } };
    ULONG afterMxcsr = 0;

    if (!HaveSse()) {
        KT_SKIP("no SSE in ring 3: the processor has none, or no FXSR to save it");
        return;
    }
    for (ULONG r = 0; r < 8; r++)
        for (ULONG w = 0; w < 4; w++)
            wanted[r][w] = 0x11111111u * (r + 1) ^ w << 24;
    RaiseWithXmm(&seen, wanted, mxcsr, after, &afterMxcsr);
    KT_EQ(seen.Flags & CONTEXT_EXTENDED_REGISTERS, CONTEXT_EXTENDED_REGISTERS);
    KT_EQ(seen.Mxcsr, mxcsr);
    KT_EQ(memcmp(seen.Xmm, wanted, sizeof(wanted)), 0);
    KT_EQ(afterMxcsr, seen.NewMxcsr);
    KT_EQ(memcmp(after[1], seen.NewXmm1, 16), 0);
    KT_EQ(memcmp(after[0], wanted[0], 16), 0);
    KT_EQ(memcmp(after[2], wanted[2], 6 * 16), 0);

    seen.NewMxcsr = 0xFFFFFFFF;                             /* reserved bits set */
    RaiseWithXmm(&seen, wanted, mxcsr, after, &afterMxcsr);
    KT_EQ(afterMxcsr & 0xFFFF0000, 0);                      /* loaded without them */
    KT_EQ(afterMxcsr & 0xFFBF, 0xFFBF);                     /* and with every other bit */
}

/*
 * A thread made by NtCreateThread with CONTEXT_FLOATING_POINT and CONTEXT_EXTENDED_REGISTERS
 * starts with the x87 control word of its FloatSave and the XMM registers and MXCSR of its
 * ExtendedRegisters (NT's KiInitializeContextThread), reserved MXCSR bits dropped; one made
 * with CONTEXT_FULL alone starts with the defaults (MXCSR 0x1F80, x87 control word 0x37F).
 */
static ULONG NewThreadXmm[8][4] __attribute__((aligned(16)));
static ULONG NewThreadMxcsr;
static USHORT NewThreadControl;
static ULONG NewThreadStack[1024];

__attribute__((noreturn)) static void NewThreadStart(void)
{
    StoreXmm(NewThreadXmm);
    NewThreadMxcsr = ReadMxcsr();
    __asm__ volatile("fnstcw %0" : "=m"(NewThreadControl));
    NtTerminateThread(NtCurrentThread(), 0);
    for (;;)
        ;
}

static NTSTATUS RunThreadWithContext(const CONTEXT *Context)
{
    INITIAL_TEB teb = { NULL, NULL, &NewThreadStack[1024], &NewThreadStack[0], &NewThreadStack[0] };
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, NULL, 0, NULL, NULL };
    CLIENT_ID client;
    HANDLE thread;
    NTSTATUS status = NtCreateThread(&thread, THREAD_ALL_ACCESS, &attributes, NtCurrentProcess(),
                                     &client, (PCONTEXT)Context, &teb, FALSE);

    if (!NT_SUCCESS(status))
        return status;
    if (WaitForSingleObject(thread, 60000) != WAIT_OBJECT_0)
        status = STATUS_TIMEOUT;
    CloseHandle(thread);
    return status;
}

static void TestNewThreadContext(void)
{
    static CONTEXT context;
    static ULONG wanted[8][4];
    const ULONG mxcsr = MXCSR_DEFAULT | 0x4000;             /* round up */
    const ULONG badMxcsr = 0xFFFF0000 | MXCSR_DEFAULT | 0x2000;

    if (!HaveSse()) {
        KT_SKIP("no SSE in ring 3: the processor has none, or no FXSR to save it");
        return;
    }
    for (ULONG r = 0; r < 8; r++)
        for (ULONG w = 0; w < 4; w++)
            wanted[r][w] = 0x01010101u * (r + 0x40) + w;
    memset(&context, 0, sizeof(context));
    context.ContextFlags = CONTEXT_FULL | CONTEXT_FLOATING_POINT | CONTEXT_EXTENDED_REGISTERS;
    context.Eip = (DWORD)(ULONG_PTR)NewThreadStart;
    context.Esp = (DWORD)(ULONG_PTR)&NewThreadStack[1000];
    context.EFlags = 0x202;
    context.SegCs = 0x1B;
    context.SegDs = context.SegEs = context.SegSs = 0x23;
    context.SegFs = 0x3B;
    context.FloatSave.ControlWord = 0xFFFF0E7F;              /* round toward zero, 64-bit */
    context.FloatSave.TagWord = 0xFFFFFFFF;                  /* empty */
    *(USHORT *)&context.ExtendedRegisters[0] = 0x037F;       /* fxsave's FCW, FloatSave's wins */
    memcpy(&context.ExtendedRegisters[FXSAVE_MXCSR], &mxcsr, 4);
    memcpy(&context.ExtendedRegisters[FXSAVE_XMM0], wanted, sizeof(wanted));
    KT_STATUS(RunThreadWithContext(&context), STATUS_SUCCESS);
    KT_EQ(memcmp(NewThreadXmm, wanted, sizeof(wanted)), 0);
    KT_EQ(NewThreadMxcsr, mxcsr);
    KT_EQ(NewThreadControl, 0x0E7F);

    memcpy(&context.ExtendedRegisters[FXSAVE_MXCSR], &badMxcsr, 4);
    KT_STATUS(RunThreadWithContext(&context), STATUS_SUCCESS);
    KT_EQ(NewThreadMxcsr, MXCSR_DEFAULT | 0x2000);            /* the reserved bits dropped */

    context.ContextFlags = CONTEXT_FULL;
    KT_STATUS(RunThreadWithContext(&context), STATUS_SUCCESS);
    KT_EQ(NewThreadMxcsr, MXCSR_DEFAULT);
    KT_EQ(NewThreadControl, 0x037F);
    KT_EQ(NewThreadXmm[1][0], 0);
}

static const KTAP_CASE Cases[] = {
    { "user.npx.features", TestFeatures },
    { "user.npx.threads_keep_state", TestThreadsKeepState },
    { "user.npx.sse_exceptions", TestSseExceptions },
    { "user.npx.context_extended", TestContextExtended },
    { "user.npx.new_thread_context", TestNewThreadContext },
};

KTAP_MAIN(Cases)
