/* kernel/rtl/glob.c: shell-style patterns (* and ?) for choosing tests and benchmarks. */
#include "kernel/rtl/rtl.h"

/* Matches Pattern[0..PatternLength) against all of String. Iterative: a '*' remembers where
 * to resume, so the cost stays linear-ish and recursion depth is nil. */
static bool GlobMatchN(const char *Pattern, size_t PatternLength, const char *String)
{
    size_t p = 0, s = 0;
    size_t starP = SIZE_MAX, starS = 0;

    while (String[s]) {
        if (p < PatternLength && (Pattern[p] == '?' || Pattern[p] == String[s])) {
            p++;
            s++;
        } else if (p < PatternLength && Pattern[p] == '*') {
            starP = p++;
            starS = s;
        } else if (starP != SIZE_MAX) {
            p = starP + 1;
            s = ++starS;
        } else {
            return false;
        }
    }
    while (p < PatternLength && Pattern[p] == '*')
        p++;
    return p == PatternLength;
}

bool RtlGlobMatch(const char *Pattern, const char *String)
{
    return GlobMatchN(Pattern, strlen(Pattern), String);
}

/* "all" is a synonym for "*", as test=all and bench=all read best. */
bool RtlGlobListMatch(const char *Patterns, const char *String)
{
    const char *start = Patterns;

    for (;;) {
        const char *end = strchr(start, ',');
        size_t length = end ? (size_t)(end - start) : strlen(start);

        if ((length == 3 && strncmp(start, "all", 3) == 0) || GlobMatchN(start, length, String))
            return true;
        if (!end)
            return false;
        start = end + 1;
    }
}
