/*
 * kernel/kd/testrun.c: the self-test runner. Prints KTAP v1: the version line, the plan, one
 * result line per test with "# " diagnostics before a failure's result, then "N passed,
 * N failed" alone on a line. A glob that matches no test is a failure, so a typo cannot pass.
 */
#include "kernel/kd/kd.h"
#include "kernel/kd/ktest.h"

typedef struct _KJUMP_BUFFER {
    uint32_t Ebx, Esi, Edi, Ebp, Esp, Eip;
} KJUMP_BUFFER;

__attribute__((returns_twice)) int KiSetJump(KJUMP_BUFFER *Buffer);
__attribute__((noreturn)) void KiLongJump(KJUMP_BUFFER *Buffer, int Value);

extern const KTEST_CASE KiTestCasesStart[], KiTestCasesEnd[];

static KJUMP_BUFFER KiTestJump;

void KtPrint(const char *Format, ...)
{
    va_list arguments;

    DbgPutString("# ");
    va_start(arguments, Format);
    DbgPrintV(Format, arguments);
    va_end(arguments);
    DbgPutString("\n");
}

void KtFail(const char *File, int Line, const char *Format, ...)
{
    va_list arguments;

    DbgPrint("# %s:%d: ", File, Line);
    va_start(arguments, Format);
    DbgPrintV(Format, arguments);
    va_end(arguments);
    DbgPutString("\n");
    KiLongJump(&KiTestJump, 1);
}

/* Values that fit in 32 bits (sign-extended or not) print as 8 hex digits. */
static void KtPrintValue(uint64_t Value)
{
    uint32_t high = (uint32_t)(Value >> 32);

    if (high == 0 || high == 0xFFFFFFFF)
        DbgPrint("0x%08x", (uint32_t)Value);
    else
        DbgPrint("0x%016llx", (unsigned long long)Value);
}

/* "expected a < b, but a = 0x..., b = 0x..." */
void KtFailCompare(const char *File, int Line, const char *Operator, const char *LeftText,
                   uint64_t Left, const char *RightText, uint64_t Right)
{
    DbgPrint("# %s:%d: expected %s %s %s, but %s = ", File, Line, LeftText, Operator, RightText,
             LeftText);
    KtPrintValue(Left);
    DbgPrint(", %s = ", RightText);
    KtPrintValue(Right);
    DbgPutString("\n");
    KiLongJump(&KiTestJump, 1);
}

/* Runs one test; a failed assertion comes back here through KiLongJump. */
static bool KiRunTest(const KTEST_CASE *Test)
{
    if (KiSetJump(&KiTestJump) != 0)
        return false;
    Test->Function();
    return true;
}

bool KdRunTests(const char *Globs)
{
    uint32_t planned = 0, number = 0, passed = 0;

    for (const KTEST_CASE *t = KiTestCasesStart; t < KiTestCasesEnd; t++)
        planned += RtlGlobListMatch(Globs, t->Name);

    DbgPrint("KTAP version 1\n1..%u\n", planned);
    if (planned == 0)
        DbgPrint("# no test matches '%s'\n", Globs);

    for (const KTEST_CASE *t = KiTestCasesStart; t < KiTestCasesEnd; t++) {
        bool ok;

        if (!RtlGlobListMatch(Globs, t->Name))
            continue;
        number++;
        ok = KiRunTest(t);
        KeSetBreakpointHook(NULL);
        passed += ok;
        DbgPrint("%s %u %s\n", ok ? "ok" : "not ok", number, t->Name);
    }
    DbgPrint("%u passed, %u failed\n", passed, number - passed);
    return planned > 0 && passed == number;
}
