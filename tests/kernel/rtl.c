/* tests/kernel/rtl.c: the runtime library as the kernel runs it (tests/host covers more). */
#include "kernel/kd/ktest.h"

static const char *Format(const char *format, ...)
{
    static char buffer[128];
    va_list arguments;

    va_start(arguments, format);
    RtlStringVPrintf(buffer, sizeof(buffer), format, arguments);
    va_end(arguments);
    return buffer;
}

KTEST(TestFormatNumbers, "rtl.format.numbers")
{
    KT_ASSERT_STREQ("42 -7 4294967295", Format("%d %i %u", 42, -7, 0xFFFFFFFFu));
    KT_ASSERT_STREQ("deadbeef DEADBEEF", Format("%x %X", 0xDEADBEEFu, 0xDEADBEEFu));
    KT_ASSERT_STREQ("00000050", Format("%08X", 0x50));
    KT_ASSERT_STREQ("0x1f 17", Format("%#x %o", 31, 15));
    KT_ASSERT_STREQ("-2147483648", Format("%d", (int)0x80000000));
    KT_ASSERT_STREQ("123456789012 fffffffff", Format("%llu %llx", 123456789012ull, 0xFFFFFFFFFull));
    KT_ASSERT_STREQ("80100000", Format("%p", (void *)0x80100000));
}

KTEST(TestFormatWidths, "rtl.format.widths")
{
    KT_ASSERT_STREQ("[   42][42   ][00042][+42][ 42]",
                    Format("[%5d][%-5d][%05d][%+d][% d]", 42, 42, 42, 42, 42));
    KT_ASSERT_STREQ("[  abc][abc  ][ab][c]", Format("[%5s][%-5s][%.2s][%c]", "abc", "abc", "abc", 'c'));
    KT_ASSERT_STREQ("[ 0042][   7]", Format("[%5.4d][%*d]", 42, 4, 7));
    KT_ASSERT_STREQ("100%", Format("%d%%", 100));
}

KTEST(TestFormatTruncates, "rtl.format.truncates")
{
    char small[6];

    KT_ASSERT_EQ(11, RtlStringPrintf(small, sizeof(small), "hello %s", "world"));
    KT_ASSERT_STREQ("hello", small);
    KT_ASSERT_EQ(3, RtlStringPrintf(small, 1, "abc"));
    KT_ASSERT_EQ(0, small[0]);
}

KTEST(TestCommandLineSplit, "rtl.cmdline.split")
{
    char line[] = "/boot/mm386.elf test=mm.* 3gb  pagefile=\"a b\" x=";
    RTL_OPTION options[8];
    uint32_t count;

    KT_ASSERT_STATUS(STATUS_SUCCESS, RtlSplitCommandLine(line, options, 8, &count));
    KT_ASSERT_EQ(5, count);
    KT_ASSERT_STREQ("/boot/mm386.elf", options[0].Name);
    KT_ASSERT(options[0].Value == NULL);
    KT_ASSERT_STREQ("test", options[1].Name);
    KT_ASSERT_STREQ("mm.*", options[1].Value);
    KT_ASSERT_STREQ("3gb", options[2].Name);
    KT_ASSERT(options[2].Value == NULL);
    KT_ASSERT_STREQ("pagefile", options[3].Name);
    KT_ASSERT_STREQ("a b", options[3].Value);
    KT_ASSERT_STREQ("x", options[4].Name);
    KT_ASSERT_STREQ("", options[4].Value);
}

KTEST(TestCommandLineErrors, "rtl.cmdline.errors")
{
    char tooMany[] = "a b c";
    char unterminated[] = "a=\"open";
    char noName[] = "=value";
    RTL_OPTION options[2];
    uint32_t count, value;

    KT_ASSERT_STATUS(STATUS_BUFFER_OVERFLOW, RtlSplitCommandLine(tooMany, options, 2, &count));
    KT_ASSERT_EQ(2, count);
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, RtlSplitCommandLine(unterminated, options, 2, &count));
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, RtlSplitCommandLine(noName, options, 2, &count));
    KT_ASSERT(RtlStringToUlong("3072", 10, &value));
    KT_ASSERT_EQ(3072, value);
    KT_ASSERT(RtlStringToUlong("0xFFBE0000", 10, &value));
    KT_ASSERT_EQ(0xFFBE0000, value);
    KT_ASSERT(!RtlStringToUlong("12a", 10, &value));
    KT_ASSERT(!RtlStringToUlong("4294967296", 10, &value));
    KT_ASSERT(!RtlStringToUlong("", 10, &value));
}

KTEST(TestGlob, "rtl.glob")
{
    KT_ASSERT(RtlGlobMatch("mm.*", "mm.pool.basic"));
    KT_ASSERT(RtlGlobMatch("*.pool.*", "mm.pool.basic"));
    KT_ASSERT(RtlGlobMatch("boot.?elfmap.pde", "boot.selfmap.pde"));
    KT_ASSERT(!RtlGlobMatch("mm.*", "boot.selfmap.pde"));
    KT_ASSERT(!RtlGlobMatch("mm", "mm.pool"));
    KT_ASSERT(RtlGlobListMatch("boot.*,rtl.*", "rtl.glob"));
    KT_ASSERT(RtlGlobListMatch("all", "anything.at.all"));
    KT_ASSERT(!RtlGlobListMatch("boot.*,rtl.x", "rtl.glob"));
}
