/* tests/kernel/boot.c: start-up state: the loader block, symbols, the clock, bugcheck names. */
#include "kernel/kd/ktest.h"
#include "kernel/init/init.h"
#include "hal/hal.h"

extern void KiSystemStartup(uint32_t Magic);

KTEST(TestLoaderMemoryMap, "boot.loader.memorymap")
{
    uint64_t available = 0;

    KT_ASSERT_GT(KeLoaderBlock.MemoryDescriptorCount, 0);
    for (uint32_t i = 0; i < KeLoaderBlock.MemoryDescriptorCount; i++) {
        const MEMORY_DESCRIPTOR *d = &KeLoaderBlock.MemoryDescriptors[i];

        KT_ASSERT_NE(0, d->Length);
        if (i > 0)
            KT_ASSERT_LE(KeLoaderBlock.MemoryDescriptors[i - 1].Base +
                                  KeLoaderBlock.MemoryDescriptors[i - 1].Length, d->Base);
        if (d->Type == MemoryFree)
            available += d->Length;
    }
    /* The image (at 1 MiB) lies in available memory. */
    KT_ASSERT_GT(available, 1024 * 1024);
}

/* The command line the loader passed is the one the options came from: test= is there exactly
 * when the self-tests were started by it (not from the kd> prompt), with the same value.
 * QEMU puts the image path before the options, GRUB does not. */
KTEST(TestLoaderCommandLine, "boot.loader.cmdline")
{
    const char *line = KeLoaderBlock.CommandLine, *test = strstr(line, "test=");

    if (!KeBootOptions.Test) {
        KT_ASSERT(test == NULL);
        return;
    }
    KT_ASSERT(test != NULL);
    KT_ASSERT(test == line || strstr(line, "mm386.elf "));
    KT_ASSERT_EQ(0, strncmp(test + 5, KeBootOptions.Test, strlen(KeBootOptions.Test)));
}

KTEST(TestSymbols, "boot.symbols")
{
    uintptr_t offset = 99, address = 0;
    const char *name = KiLookupSymbol((uintptr_t)KiSystemStartup, &offset);

    KT_ASSERT(name != NULL);
    KT_ASSERT_STREQ("KiSystemStartup", name);
    KT_ASSERT_EQ(0, offset);
    name = KiLookupSymbol((uintptr_t)KiSystemStartup + 5, &offset);
    KT_ASSERT_STREQ("KiSystemStartup", name);
    KT_ASSERT_EQ(5, offset);
    KT_ASSERT(KiFindSymbol("KeTickCount", &address));
    KT_ASSERT_PTR_EQ(&KeTickCount, address);
    KT_ASSERT(!KiFindSymbol("NoSuchSymbolAnywhere", &address));
    KT_ASSERT(KiLookupSymbol(0x1000, &offset) == NULL);
}

KTEST(TestClockTicks, "boot.clock.ticks")
{
    uint32_t start = KeTickCount;

    KT_ASSERT(__readeflags() & EFLAGS_INTERRUPT_MASK);
    while (KeTickCount - start < 3)
        HalWaitForInterrupt();
    KT_ASSERT_GE(KeTickCount, start + 3);
    KT_ASSERT_GT(HalTscFrequency(), 0);
}

KTEST(TestBugCheckNames, "boot.bugcheck.names")
{
    KT_ASSERT_STREQ("PAGE_FAULT_IN_NONPAGED_AREA", KiBugCheckName(0x50));
    KT_ASSERT_STREQ("UNEXPECTED_KERNEL_MODE_TRAP", KiBugCheckName(0x7F));
    KT_ASSERT_STREQ("BAD_POOL_CALLER", KiBugCheckName(0xC2));
    KT_ASSERT_STREQ("UNKNOWN_BUGCHECK_CODE", KiBugCheckName(0x12345));
    KT_ASSERT_EQ(0, KiBugCheckData[0]);
}
