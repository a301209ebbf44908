/*
 * kernel/kd/ktest.h: in-kernel self-tests. A test is a function registered under a dotted name:
 *
 *     KTEST(TestSelfMapPde, "boot.selfmap.pde")
 *     {
 *         KT_ASSERT_EQ(__readcr3() >> 12, MiGetPdeAddress(PTE_BASE)->u.Hard.PageFrameNumber);
 *     }
 *
 * The runner (kernel/testrun.c) runs the tests whose names match test=<glob> in name order
 * and prints KTAP. A failed assertion prints "# file:line: ..." with both values in hex and
 * ends the test at once (it long-jumps back to the runner), so assertions also work inside
 * helper functions. Assert only on the test's own thread.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/ke/ke.h"

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
