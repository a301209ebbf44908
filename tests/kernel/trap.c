/* tests/kernel/trap.c: trap frames and probes. */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"
#include "hal/x86.h"

static KTRAP_FRAME BreakpointFrame;
static uint32_t BreakpointEsp;
static uint32_t BreakpointCount;

static bool RecordBreakpoint(KTRAP_FRAME *TrapFrame)
{
    BreakpointFrame = *TrapFrame;
    BreakpointEsp = KiTrapFrameEsp(TrapFrame);
    BreakpointCount++;
    return true;
}

/* int3 with known registers: the handler sees them all, and execution resumes after it. */
KTEST(TestTrapBreakpoint, "boot.trap.breakpoint")
{
    uint32_t resumeEip, esp, resumed = 0;

    BreakpointCount = 0;
    KeSetBreakpointHook(RecordBreakpoint);
    __asm__ volatile("movl $0x11111111, %%eax\n\t"
                     "movl $0x22222222, %%ebx\n\t"
                     "movl $0x33333333, %%ecx\n\t"
                     "movl $0x44444444, %%edx\n\t"
                     "movl $0x55555555, %%esi\n\t"
                     "movl $0x66666666, %%edi\n\t"
                     "movl %%esp, %1\n\t"
                     "int3\n"
                     "1:\n\t"
                     "movl $1b, %0\n\t"
                     "incl %2"
                     : "=m"(resumeEip), "=m"(esp), "+m"(resumed)
                     :
                     : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory");
    KeSetBreakpointHook(NULL);

    KT_ASSERT_EQ(1, BreakpointCount);
    KT_ASSERT_EQ(1, resumed);
    KT_ASSERT_EQ(3, BreakpointFrame.TrapNumber);
    KT_ASSERT_EQ(resumeEip, BreakpointFrame.Eip);
    KT_ASSERT_EQ(esp, BreakpointEsp);
    KT_ASSERT_EQ(0x11111111, BreakpointFrame.Eax);
    KT_ASSERT_EQ(0x22222222, BreakpointFrame.Ebx);
    KT_ASSERT_EQ(0x33333333, BreakpointFrame.Ecx);
    KT_ASSERT_EQ(0x44444444, BreakpointFrame.Edx);
    KT_ASSERT_EQ(0x55555555, BreakpointFrame.Esi);
    KT_ASSERT_EQ(0x66666666, BreakpointFrame.Edi);
    KT_ASSERT_PTR_EQ(__builtin_frame_address(0), BreakpointFrame.Ebp);
    KT_ASSERT_EQ(KGDT_R0_CODE, BreakpointFrame.SegCs);
    KT_ASSERT_EQ(KGDT_R0_DATA, BreakpointFrame.SegDs);
    KT_ASSERT_EQ(0, BreakpointFrame.ErrCode);
    KT_ASSERT(BreakpointFrame.EFlags & EFLAGS_INTERRUPT_MASK);
    KT_ASSERT_EQ(KernelMode, KiTrapFrameMode(&BreakpointFrame));
}

KTEST(TestTrapProbe, "boot.trap.probe")
{
    static volatile uint32_t word;
    uint32_t value = 0;

    word = 0x600DF00D;                  /* afresh each run: the test also runs from the prompt */
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeRead32(&word, &value));
    KT_ASSERT_EQ(0x600DF00D, value);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeWrite32(&word, 0x12345678));
    KT_ASSERT_EQ(0x12345678, word);

    /* An unmapped system address, a never-used user address, and the first page. */
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32((void *)MM_DEBUG_VA, &value));
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeWrite32((void *)MM_DEBUG_VA, 1));
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32((void *)0x10000, &value));
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(NULL, &value));
    KT_ASSERT(!MmIsAddressValid((void *)MM_DEBUG_VA));
    KT_ASSERT(MmIsAddressValid((const void *)&word));
}

/*
 * KeCopyMemorySafe: every length from 0 to 100 between every alignment of source and
 * destination (its 32-byte turns, its words and its bytes) moves exactly those bytes, and a
 * copy that runs into an unmapped page, read or written, in a turn, in its words or in its
 * bytes, returns
 * STATUS_ACCESS_VIOLATION. The page is a system PTE mapped with nothing after it.
 */
#define COPY_SAFE_SPAN  100

/* Two system PTEs, the first mapping a page; unmapped and given back by ReleaseCopyWindow. */
static MMPTE *CopyWindow;

static void ReleaseCopyWindow(void *Context)
{
    (void)Context;
    CopyWindow[0].u.Long = 0;
    MI_FLUSH_SINGLE_TB(MiGetVirtualAddressMappedByPte(CopyWindow));
    MiReleaseSystemPtes(CopyWindow, 2, SystemPteSpace);
}

KTEST(TestTrapCopySafe, "boot.trap.copy_safe")
{
    static uint8_t source[COPY_SAFE_SPAN + 8], destination[COPY_SAFE_SPAN + 16];
    uint8_t *page = KtAllocatePool(NonPagedPool, PAGE_SIZE, POOL_TAG('C', 'y', 's', 't'));
    uint8_t *mapped;

    for (uint32_t i = 0; i < sizeof(source); i++)
        source[i] = (uint8_t)(i * 7 + 1);
    for (uint32_t from = 0; from < 4; from++) {
        for (uint32_t to = 0; to < 4; to++) {
            for (uint32_t length = 0; length <= COPY_SAFE_SPAN; length++) {
                memset(destination, 0xEE, sizeof(destination));
                KT_ASSERT_STATUS(STATUS_SUCCESS,
                                 KeCopyMemorySafe(destination + to, source + from, length));
                for (uint32_t i = 0; i < sizeof(destination); i++) {
                    uint8_t expected = i >= to && i < to + length ? source[from + i - to] : 0xEE;

                    if (destination[i] != expected)
                        KtFail(__FILE__, __LINE__, "from +%u to +%u, %u bytes: byte %u is "
                               "0x%02x, not 0x%02x", from, to, length, i, destination[i],
                               expected);
                }
            }
        }
    }

    CopyWindow = MiReserveSystemPtes(2, SystemPteSpace);
    KT_ASSERT(CopyWindow != NULL);
    CopyWindow[0] = MiMakeValidKernelPte((uint32_t)(MmGetPhysicalAddress(page) >> PAGE_SHIFT));
    KtDefer(ReleaseCopyWindow, NULL);
    mapped = MiGetVirtualAddressMappedByPte(CopyWindow);
    KT_ASSERT(!MmIsAddressValid(mapped + PAGE_SIZE));
    for (uint32_t before = 1; before <= 70; before += 23) {
        uint8_t *edge = mapped + PAGE_SIZE - before;

        KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeCopyMemorySafe(destination, edge, 80));
        KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeCopyMemorySafe(edge, source, 80));
        KT_ASSERT_STATUS(STATUS_SUCCESS, KeCopyMemorySafe(edge, source, before));
        KT_ASSERT_EQ(source[before - 1], edge[before - 1]);
        KT_ASSERT_EQ(source[0], page[PAGE_SIZE - before]);
    }
    /* 83 bytes with 81 mapped: the turns and the words pass, the tail's second byte faults. */
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION,
                     KeCopyMemorySafe(destination, mapped + PAGE_SIZE - 81, 83));
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION,
                     KeCopyMemorySafe(mapped + PAGE_SIZE - 81, source, 83));
    KT_ASSERT_EQ(source[80], mapped[PAGE_SIZE - 1]);
}

/*
 * KeCopyMemorySafe's long copies (KI_XMM_COPY_MINIMUM bytes and more, where the processor has
 * SSE2) go through XMM0 and XMM1 8 bytes at a time: every length around the threshold and
 * longer ones, at every alignment, copy exactly; the caller's XMM0 and XMM1 come back as they
 * were, after a fault too (300 bytes from or to a page with 200 of them mapped), and the
 * thread's KernelXmmUse is 0 again.
 */
#define COPY_XMM_LONGEST    4099

static void LoadXmmPattern(const uint32_t *Pattern)
{
    __asm__ volatile("movups %0, %%xmm0\n\tmovups %1, %%xmm1" : : "m"(Pattern[0]), "m"(Pattern[4]));
}

static void StoreXmmPattern(uint32_t *Pattern)
{
    __asm__ volatile("movups %%xmm0, %0\n\tmovups %%xmm1, %1" : "=m"(Pattern[0]), "=m"(Pattern[4]));
}

KTEST(TestTrapCopySafeXmm, "boot.trap.copy_safe_xmm")
{
    static const uint32_t lengths[] = { 255, 256, 257, 263, 288, 289, 1000, 4096, COPY_XMM_LONGEST };
    static const uint32_t pattern[8] = { 0x01234567, 0x89ABCDEF, 0xFEDCBA98, 0x76543210,
                                         0x0F1E2D3C, 0x4B5A6978, 0x8796A5B4, 0xC3D2E1F0 };
    uint8_t *source = KtAllocatePool(NonPagedPool, 2 * COPY_XMM_LONGEST + 16, POOL_TAG('C', 'y', 's', 'x'));
    uint8_t *destination = source + COPY_XMM_LONGEST + 8, *mapped;
    uint8_t *page = KtAllocatePool(NonPagedPool, PAGE_SIZE, POOL_TAG('C', 'y', 's', 'x'));
    uint32_t after[8], wrong = 0;
    KIRQL oldIrql;

    if (!KeI386XMMI64Present) {
        KtSkip("the processor has no SSE2: every copy goes through general registers");
        return;
    }
    for (uint32_t i = 0; i < COPY_XMM_LONGEST + 4; i++)
        source[i] = (uint8_t)(i * 13 + 5);
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);      /* no switch may touch XMM meanwhile */
    for (uint32_t l = 0; l < ARRAYSIZE(lengths); l++) {
        for (uint32_t from = 0; from < 4; from++) {
            for (uint32_t to = 0; to < 4; to++) {
                uint32_t length = lengths[l];

                memset(destination, 0xEE, COPY_XMM_LONGEST + 8);
                LoadXmmPattern(pattern);
                wrong += KeCopyMemorySafe(destination + to, source + from, length) != STATUS_SUCCESS;
                StoreXmmPattern(after);
                wrong += memcmp(after, pattern, sizeof(after)) != 0;
                for (uint32_t i = 0; i < length + 8 && i < COPY_XMM_LONGEST + 8; i++)
                    wrong += destination[i] != (i >= to && i < to + length ? source[from + i - to]
                                                                          : 0xEE);
            }
        }
    }
    KeLowerIrql(oldIrql);
    KT_ASSERT_EQ(0, wrong);
    KT_ASSERT_EQ(0, KeGetCurrentThread()->KernelXmmUse);

    CopyWindow = MiReserveSystemPtes(2, SystemPteSpace);
    KT_ASSERT(CopyWindow != NULL);
    CopyWindow[0] = MiMakeValidKernelPte((uint32_t)(MmGetPhysicalAddress(page) >> PAGE_SHIFT));
    KtDefer(ReleaseCopyWindow, NULL);
    mapped = MiGetVirtualAddressMappedByPte(CopyWindow);
    memset(page, 0xEE, PAGE_SIZE);
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
    LoadXmmPattern(pattern);
    wrong += KeCopyMemorySafe(destination, mapped + PAGE_SIZE - 200, 300) != STATUS_ACCESS_VIOLATION;
    wrong += KeCopyMemorySafe(mapped + PAGE_SIZE - 200, source, 300) != STATUS_ACCESS_VIOLATION;
    StoreXmmPattern(after);
    KeLowerIrql(oldIrql);
    KT_ASSERT_EQ(0, wrong);
    KT_ASSERT_EQ(0, memcmp(after, pattern, sizeof(after)));
    KT_ASSERT_EQ(0, KeGetCurrentThread()->KernelXmmUse);
    /* The turns before the fault were made, and the faulting turn's first 8 bytes */
    KT_ASSERT_EQ(0, memcmp(mapped + PAGE_SIZE - 200, source, 200));
}

/* The bugcheck record survives in the crash-dump area, where gdb and dump readers look. */
KTEST(TestCrashDumpArea, "boot.crashdump.mapped")
{
    KT_ASSERT(MmIsAddressValid((void *)MM_CRASH_DUMP_VA));
    KT_ASSERT_EQ(0, *(volatile uint32_t *)MM_CRASH_DUMP_VA);
}
