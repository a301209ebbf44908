/*
 * kernel/kd/ktest.h: in-kernel self-tests. A test is a function registered under a dotted name:
 *
 *     KTEST(TestSelfMapPde, "boot.selfmap.pde")
 *     {
 *         KT_ASSERT_EQ(__readcr3() >> 12, MiGetPdeAddress(PTE_BASE)->u.Hard.PageFrameNumber);
 *     }
 *
 * The runner (kernel/kd/testrun.c) runs the tests whose names match test=<glob> in name order
 * and prints KTAP. A failed assertion prints "# file:line: ..." with both values in hex and
 * ends the test at once (it long-jumps back to the runner), so assertions also work inside
 * helper functions. Assert only on the test's own thread, and never holding a spin lock or
 * a mutex (the lock would stay held).
 *
 * A test that cannot run in this boot (no disk, too little memory) calls KtSkip with the
 * reason: the runner prints "ok N name # SKIP reason", as KTAP has it.
 *
 * What a test takes (pool, pages, threads) it gives back even when an assertion fails: it
 * registers the giving back with KtDefer as soon as it holds the thing, and the runner runs
 * the test's cleanups, the last registered first, when the test ends, however it ends.
 * KtRelease runs one of them early, for a test that looks at what giving back does.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/ke/ke.h"
#include "mm/mm.h"

typedef struct _KTEST_CASE {
    const char *Name;
    void (*Function)(void);
} KTEST_CASE;

#define KTEST(Function, Name)                                                               \
    static void Function(void);                                                             \
    static const KTEST_CASE Function##Case                                                  \
        __attribute__((used, aligned(4), section(".ktests." Name))) = { Name, Function };   \
    static void Function(void)

__attribute__((noreturn, format(printf, 3, 4)))
void KtFail(const char *File, int Line, const char *Format, ...);
__attribute__((noreturn))
void KtFailCompare(const char *File, int Line, const char *Operator, const char *LeftText,
                   uint64_t Left, const char *RightText, uint64_t Right);
void KtPrint(const char *Format, ...) __attribute__((format(printf, 1, 2)));   /* a # line */
__attribute__((noreturn, format(printf, 1, 2)))
void KtSkip(const char *Format, ...);

typedef void KTEST_CLEANUP(void *Context);

#define KT_MAXIMUM_CLEANUPS 64

void KtDefer(KTEST_CLEANUP *Routine, void *Context);
void KtRelease(KTEST_CLEANUP *Routine, void *Context);

/* Pool that the runner frees if the test does not: never NULL (a NULL fails the test). */
#define KtAllocatePool(type, bytes, tag) KtAllocatePoolAt(__FILE__, __LINE__, type, bytes, tag)
void *KtAllocatePoolAt(const char *File, int Line, POOL_TYPE PoolType, size_t Bytes,
                       uint32_t Tag);
void KtDeferFreePool(void *P);                  /* ExFreePool(P) when the test ends */
void KtFreePool(void *P);                       /* ExFreePool(P) now, and not at the end */

#define KT_ASSERT(condition)                                                                \
    do {                                                                                    \
        if (!(condition))                                                                   \
            KtFail(__FILE__, __LINE__, "assertion failed: %s", #condition);                 \
    } while (0)

#define KT_COMPARE(op, left, right, leftText, rightText)                                   \
    do {                                                                                    \
        uint64_t left_ = (left), right_ = (right);                                          \
        if (!(left_ op right_))                                                             \
            KtFailCompare(__FILE__, __LINE__, #op, leftText, left_, rightText, right_);     \
    } while (0)

/* KT_ASSERT_xx(a, b) holds when a xx b; for EQ write the expected value first. */
#define KT_ASSERT_EQ(a, b)      KT_COMPARE(==, (uint64_t)(a), (uint64_t)(b), #a, #b)
#define KT_ASSERT_NE(a, b)      KT_COMPARE(!=, (uint64_t)(a), (uint64_t)(b), #a, #b)
#define KT_ASSERT_LT(a, b)      KT_COMPARE(<, (uint64_t)(a), (uint64_t)(b), #a, #b)
#define KT_ASSERT_LE(a, b)      KT_COMPARE(<=, (uint64_t)(a), (uint64_t)(b), #a, #b)
#define KT_ASSERT_GT(a, b)      KT_COMPARE(>, (uint64_t)(a), (uint64_t)(b), #a, #b)
#define KT_ASSERT_GE(a, b)      KT_COMPARE(>=, (uint64_t)(a), (uint64_t)(b), #a, #b)
#define KT_ASSERT_PTR_EQ(a, b)  KT_COMPARE(==, (uintptr_t)(a), (uintptr_t)(b), #a, #b)
#define KT_ASSERT_STATUS(a, b)  KT_COMPARE(==, (uint32_t)(a), (uint32_t)(NTSTATUS)(b), #a, #b)

#define KT_ASSERT_STREQ(expected, actual)                                                   \
    do {                                                                                    \
        const char *expected_ = (expected), *actual_ = (actual);                            \
        if (strcmp(expected_, actual_) != 0)                                                \
            KtFail(__FILE__, __LINE__, "expected \"%s\" (%s), got \"%s\" (%s)", expected_,  \
                   #expected, actual_, #actual);                                            \
    } while (0)

#endif
