/*
 * kernel/kd/testrun.c: the self-test runner. Prints KTAP v1: the version line, the plan, one
 * result line per test with "# " diagnostics before a failure's result ("ok N name # SKIP
 * reason" for a test that could not run), then "N passed, N failed, N skipped" alone on a
 * line (skipped tests are not counted as passed). A glob that matches no test is a failure,
 * so a typo cannot pass. After each test its cleanups run, at PASSIVE_LEVEL, however it ended.
 */
#include "kernel/kd/kd.h"
#include "kernel/kd/ktest.h"
#include "kernel/cc/cc.h"

typedef struct _KJUMP_BUFFER {
    uint32_t Ebx, Esi, Edi, Ebp, Esp, Eip;
} KJUMP_BUFFER;

__attribute__((returns_twice)) int KiSetJump(KJUMP_BUFFER *Buffer);
__attribute__((noreturn)) void KiLongJump(KJUMP_BUFFER *Buffer, int Value);

extern const KTEST_CASE KiTestCasesStart[], KiTestCasesEnd[];

typedef enum _KTEST_RESULT {
    KtPassed,
    KtFailed,
    KtSkipped,
} KTEST_RESULT;

typedef struct _KTEST_CLEANUP_ENTRY {
    KTEST_CLEANUP *Routine;
    void *Context;
} KTEST_CLEANUP_ENTRY;

static KJUMP_BUFFER KiTestJump;
static char KiSkipReason[128];
static KTEST_CLEANUP_ENTRY KiCleanups[KT_MAXIMUM_CLEANUPS];
static uint32_t KiCleanupCount;

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

void KtSkip(const char *Format, ...)
{
    va_list arguments;

    va_start(arguments, Format);
    RtlStringVPrintf(KiSkipReason, sizeof(KiSkipReason), Format, arguments);
    va_end(arguments);
    KiLongJump(&KiTestJump, KtSkipped);
}

void KtDefer(KTEST_CLEANUP *Routine, void *Context)
{
    if (KiCleanupCount == KT_MAXIMUM_CLEANUPS) {
        Routine(Context);
        KtFail(__FILE__, __LINE__, "more than %u cleanups", KT_MAXIMUM_CLEANUPS);
    }
    KiCleanups[KiCleanupCount++] = (KTEST_CLEANUP_ENTRY){ Routine, Context };
}

void KtRelease(KTEST_CLEANUP *Routine, void *Context)
{
    for (uint32_t i = KiCleanupCount; i-- > 0;) {
        if (KiCleanups[i].Routine == Routine && KiCleanups[i].Context == Context) {
            KiCleanups[i] = KiCleanups[--KiCleanupCount];
            Routine(Context);
            return;
        }
    }
    KtFail(__FILE__, __LINE__, "no cleanup %p(%p) to release", (void *)Routine, Context);
}

static void KtFreePoolCleanup(void *P)
{
    ExFreePool(P);
}

void KtDeferFreePool(void *P)
{
    KtDefer(KtFreePoolCleanup, P);
}

void *KtAllocatePoolAt(const char *File, int Line, POOL_TYPE PoolType, size_t Bytes,
                       uint32_t Tag)
{
    void *p = ExAllocatePoolWithTag(PoolType, Bytes, Tag);

    if (!p)
        KtFail(File, Line, "ExAllocatePoolWithTag(%u, 0x%x, %08x) returned NULL", PoolType,
               (uint32_t)Bytes, Tag);
    KtDeferFreePool(p);
    return p;
}

void KtFreePool(void *P)
{
    KtRelease(KtFreePoolCleanup, P);
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

/* Runs one test; a failed assertion or a skip comes back here through KiLongJump. */
static KTEST_RESULT KiRunTest(const KTEST_CASE *Test)
{
    KTEST_RESULT result = (KTEST_RESULT)KiSetJump(&KiTestJump);

    if (result != KtPassed)
        return result;
    Test->Function();
    return KtPassed;
}

/* Back to PASSIVE_LEVEL. A failed assertion may leave the IRQL raised; code that did not
 * fail and still left it raised is wrong: then this says so and returns false. */
static bool KiRestoreIrql(bool Failed)
{
    KIRQL irql = KeGetCurrentIrql();

    if (irql == PASSIVE_LEVEL)
        return true;
    KfLowerIrql(PASSIVE_LEVEL);
    if (!Failed)
        KtPrint("the test ended at IRQL %u", irql);
    return Failed;
}

/* One cleanup; false if it failed an assertion. */
static bool KiRunCleanup(const KTEST_CLEANUP_ENTRY *Entry)
{
    if (KiSetJump(&KiTestJump) != 0)
        return false;
    Entry->Routine(Entry->Context);
    return true;
}

/* The test's cleanups, last first; false if one of them failed. */
static bool KiRunCleanups(void)
{
    bool ok = true;

    while (KiCleanupCount) {
        KTEST_CLEANUP_ENTRY entry = KiCleanups[--KiCleanupCount];
        bool cleaned = KiRunCleanup(&entry);

        ok &= KiRestoreIrql(!cleaned) && cleaned;
    }
    return ok;
}

bool KdRunTests(const char *Globs)
{
    uint32_t planned = 0, number = 0, passed = 0, skipped = 0;

    for (const KTEST_CASE *t = KiTestCasesStart; t < KiTestCasesEnd; t++)
        planned += RtlGlobListMatch(Globs, t->Name);

    DbgPrint("KTAP version 1\n1..%u\n", planned);
    if (planned == 0)
        DbgPrint("# no test matches '%s'\n", Globs);

    for (const KTEST_CASE *t = KiTestCasesStart; t < KiTestCasesEnd; t++) {
        KTEST_RESULT result;

        if (!RtlGlobListMatch(Globs, t->Name))
            continue;
        number++;
        /* Files' dirty pages written first, so that no writer moves pages between the lists
         * while a test counts what it took and gave back (the cache's dirty pages reach the
         * modified list when trimmed, and the mapped page writer puts them on standby). */
        CcFlushAllCaches();
        MmFlushAllDataSections();
        result = KiRunTest(t);
        if (!KiRestoreIrql(result == KtFailed))
            result = KtFailed;
        KeSetBreakpointHook(NULL);
        if (!KiRunCleanups())
            result = KtFailed;
        passed += result == KtPassed;
        skipped += result == KtSkipped;
        if (result == KtSkipped)
            DbgPrint("ok %u %s # SKIP %s\n", number, t->Name, KiSkipReason);
        else
            DbgPrint("%s %u %s\n", result == KtPassed ? "ok" : "not ok", number, t->Name);
    }
    DbgPrint("%u passed, %u failed, %u skipped\n", passed, number - passed - skipped, skipped);
    return planned > 0 && passed + skipped == number;
}
