/*
 * user/tests/ktap.h: KTAP v1 for mm386's user-mode test programs, printed by the program
 * itself. A program lists its cases and ends with KTAP_MAIN:
 *
 *     static void TestReserve(void) { KT_EQ(status, STATUS_SUCCESS); ... }
 *     static const KTAP_CASE Cases[] = { { "vm.reserve", TestReserve }, ... };
 *     KTAP_MAIN(Cases)
 *
 * Output: "KTAP version 1", "1..N", then "ok N name" or "not ok N name" per case, each failed
 * check first as a "# file:line: ..." diagnostic with the values in hex; "# SKIP reason" for
 * a case that cannot run. The exit status is 0 exactly when every case passed.
 */
#ifndef USER_TESTS_KTAP_H
#define USER_TESTS_KTAP_H

#include <windows.h>
#include <stdio.h>

typedef struct {
    const char *Name;
    void (*Run)(void);
} KTAP_CASE;

static int KtapFailures;                        /* of the running case */
static const char *KtapSkipReason;

static void KtapFail(const char *File, int Line, const char *Text, unsigned long long Got,
                     unsigned long long Expected, int Compared)
{
    KtapFailures++;
    if (Compared)
        printf("# %s:%d: %s: got 0x%llX, expected 0x%llX\n", File, Line, Text, Got, Expected);
    else
        printf("# %s:%d: %s is false\n", File, Line, Text);
}

/* A check that fails the case but lets it go on (so it gives back what it took). */
#define KT_EXPECT(Condition)                                                            \
    do {                                                                                \
        if (!(Condition))                                                               \
            KtapFail(__FILE__, __LINE__, #Condition, 0, 0, 0);                          \
    } while (0)

#define KT_EQ(Got, Expected)                                                            \
    do {                                                                                \
        unsigned long long got_ = (unsigned long long)(ULONG_PTR)(Got);                 \
        unsigned long long expected_ = (unsigned long long)(ULONG_PTR)(Expected);       \
        if (got_ != expected_)                                                          \
            KtapFail(__FILE__, __LINE__, #Got " == " #Expected, got_, expected_, 1);    \
    } while (0)

/* A status (or a Win32 error) compared as the 32-bit value it is. */
#define KT_STATUS(Got, Expected)    KT_EQ((ULONG)(Got), (ULONG)(Expected))

#define KT_SKIP(Reason)             (KtapSkipReason = (Reason))

static int KtapRun(const KTAP_CASE *Cases, int Count)
{
    int index, failed = 0;

    printf("KTAP version 1\n1..%d\n", Count);
    for (index = 0; index < Count; index++) {
        KtapFailures = 0;
        KtapSkipReason = NULL;
        Cases[index].Run();
        if (KtapSkipReason)
            printf("ok %d %s # SKIP %s\n", index + 1, Cases[index].Name, KtapSkipReason);
        else
            printf("%s %d %s\n", KtapFailures ? "not ok" : "ok", index + 1, Cases[index].Name);
        failed += KtapFailures != 0 && !KtapSkipReason;
    }
    printf("# %d passed, %d failed\n", Count - failed, failed);
    return failed != 0;
}

#define KTAP_MAIN(Cases)                                                                \
    int main(void)                                                                      \
    {                                                                                   \
        return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));                 \
    }

#endif
