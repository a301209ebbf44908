/*
 * tests/host/tap.h: a minimal TAP producer for the host tests (plain C, one header).
 *   ok(condition, name...), is_int(got, expected, name...), is_str(got, expected, name...),
 *   done_testing() prints the plan and returns the exit status.
 */
#ifndef TESTS_HOST_TAP_H
#define TESTS_HOST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define TAP_FUNCTION static __attribute__((unused))

static void tap_result(int pass, const char *format, va_list arguments)
{
    tap_count++;
    if (!pass)
        tap_failed++;
    printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
    vprintf(format, arguments);
    printf("\n");
}

__attribute__((format(printf, 2, 3)))
TAP_FUNCTION int ok(int pass, const char *format, ...)
{
    va_list arguments;

    va_start(arguments, format);
    tap_result(pass, format, arguments);
    va_end(arguments);
    return pass;
}

__attribute__((format(printf, 3, 4)))
TAP_FUNCTION int is_int(long long got, long long expected, const char *format, ...)
{
    va_list arguments;

    va_start(arguments, format);
    tap_result(got == expected, format, arguments);
    va_end(arguments);
    if (got != expected)
        printf("#   got %lld (0x%llx), expected %lld (0x%llx)\n", got, got, expected, expected);
    return got == expected;
}

__attribute__((format(printf, 3, 4)))
TAP_FUNCTION int is_str(const char *got, const char *expected, const char *format, ...)
{
    va_list arguments;
    int pass = got && expected ? strcmp(got, expected) == 0 : got == expected;

    va_start(arguments, format);
    tap_result(pass, format, arguments);
    va_end(arguments);
    if (!pass)
        printf("#   got \"%s\", expected \"%s\"\n", got ? got : "(null)",
               expected ? expected : "(null)");
    return pass;
}

static int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed != 0;
}

#endif
