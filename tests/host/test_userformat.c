/*
 * tests/host/test_userformat.c: user mode's printf engine (user/crt/format.c) against the host
 * C library's snprintf for what the C standard fixes (integers, strings, characters with every
 * flag, width and precision, 10^4 random combinations), plus the Microsoft-specific parts
 * (%p as 8 hex digits, I64), truncation and the returned length, and floating point.
 */
#include <stdint.h>
#include <stdlib.h>
#include "tests/host/tap.h"
#include "user/crt/format.h"

#define RANDOM_CASES            10000

static char Ours[256], Theirs[256];
static const char *volatile NullString;

/* Not format-checked: it takes Microsoft forms (I64) the host compiler does not know. */
static int Format(const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = CrtFormat(Ours, sizeof(Ours), Format, arguments);
    va_end(arguments);
    return length;
}

/* Both formatters agree on Format with these arguments (text and length). */
#define SAME(...)                                                                   \
    do {                                                                            \
        int ours_ = Format(__VA_ARGS__);                                            \
        int theirs_ = snprintf(Theirs, sizeof(Theirs), __VA_ARGS__);                \
        if (!is_str(Ours, Theirs, "%s", #__VA_ARGS__))                              \
            ;                                                                       \
        else if (ours_ != theirs_)                                                  \
            printf("#   length %d, expected %d\n", ours_, theirs_);                 \
    } while (0)

static uint32_t Random(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

static void TestFixed(void)
{
    SAME("plain text");
    SAME("%d %i %u", -42, 42, 42u);
    SAME("%x %X %o", 0xBEEFu, 0xBEEFu, 8u);
    SAME("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
    SAME("[%.3d] [%8.3d] [%-8.3d]", 7, 7, 7);
    SAME("[%#x] [%#X] [%#o] [%#x]", 255u, 255u, 8u, 0u);
    SAME("[%.0d] [%.0x]", 0, 0u);
    SAME("%d %d", INT32_MIN, INT32_MAX);
    SAME("%lld %llu %llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, 0x123456789ABCDEFull);
    SAME("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535, (signed char)-3, (unsigned char)255);
    SAME("%ld %lu %zu", -5L, 5UL, (size_t)77);
    SAME("[%s] [%10s] [%-10s] [%.2s]", "abc", "abc", "abc", "abc");
    SAME("[%c] [%3c] [%-3c]", 'x', 'y', 'z');
    SAME("[%*d] [%-*d] [%.*d]", 6, 1, 6, 2, 3, 3);
    SAME("100%%");
    SAME("%f %f %f", 3.25, -0.5, 0.0);
    SAME("%.2f %.0f %10.3f %-10.1f|", 3.14159, 2.5001, 1.0005, -7.26);
    SAME("%g %g %.3g %g", 100000.0, 0.0001, 3.14159, 0.0);
}

static void TestMicrosoft(void)
{
    is_int(Format("%p", (void *)0x401000), 8, "%%p is 8 characters");
    is_str(Ours, "00401000", "%%p prints 8 uppercase hex digits, as Windows");
    Format("%I64d %I64x %I32d", -1LL, 0xFFFFFFFF1ull, 5);
    is_str(Ours, "-1 ffffffff1 5", "I64 and I32 lengths");
    Format("%e %.3E %g %G", 12345.678, 0.00012, 1000000.0, 1e20);
    is_str(Ours, "1.234568e+004 1.200E-004 1e+006 1E+020",
           "exponents have three digits, as the Microsoft runtime (msvcrt) prints them");
    Format("%s", NullString);
    is_str(Ours, "(null)", "a NULL string prints (null)");
}

static int Truncated(char *Buffer, size_t Size, const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = CrtFormat(Buffer, Size, Format, arguments);
    va_end(arguments);
    return length;
}

static void TestLengths(void)
{
    char small[8];

    memset(small, '#', sizeof(small));
    is_int(Truncated(small, 5, "hello %s", "world"), 11, "the length of the whole output is returned");
    is_str(small, "hell", "the output is cut to the size and terminated");
    is_int(small[5], '#', "nothing is written past the size");
    is_int(Truncated(small, 0, "abc"), 3, "size 0 writes nothing and still counts");
    is_int(small[0], 'h', "the buffer is untouched with size 0");
}

static void TestRandom(void)
{
    static const char *flags[] = { "", "-", "+", " ", "#", "0", "-+", "0 ", "#0", "-#" };
    static const char conversions[] = "diuxXo";
    uint32_t state = 2024, index;
    char format[32], precision[8];
    int passed = 0, ours, theirs;
    long long value;

    for (index = 0; index < RANDOM_CASES; index++) {
        int wide = Random(&state) % 2, digits = (int)(Random(&state) % 14) - 2;

        snprintf(precision, sizeof(precision), digits >= 0 ? ".%d" : "", digits);
        snprintf(format, sizeof(format), "[%%%s%u%s%s%c]", flags[Random(&state) % 10],
                 Random(&state) % 14, precision, wide ? "ll" : "", conversions[Random(&state) % 6]);
        value = (long long)(((uint64_t)Random(&state) << 40) ^ ((uint64_t)Random(&state) << 16) ^
                            Random(&state));
        if (Random(&state) % 4 == 0)
            value = (long long)(Random(&state) % 3) - 1;
        if (wide) {
            ours = Format(format, value);
            theirs = snprintf(Theirs, sizeof(Theirs), format, value);
        } else {
            ours = Format(format, (int)value);
            theirs = snprintf(Theirs, sizeof(Theirs), format, (int)value);
        }
        if (strcmp(Ours, Theirs) == 0 && ours == theirs)
            passed++;
        else if (index - (uint32_t)passed < 5)
            printf("#   %s: \"%s\", expected \"%s\"\n", format, Ours, Theirs);
    }
    is_int(passed, RANDOM_CASES, "10^4 random integer conversions agree with the C library");
}

int main(void)
{
    TestFixed();
    TestMicrosoft();
    TestLengths();
    TestRandom();
    return done_testing();
}
