/* tests/host/test_glob.c: RtlGlobMatch and RtlGlobListMatch. */
#include <stdint.h>
#include "tests/host/tap.h"
#include "kernel/rtl/rtl.h"

int main(void)
{
    static const struct { const char *pattern, *name; int match; } cases[] = {
        { "*", "", 1 },
        { "*", "mm.pool.basic", 1 },
        { "mm.*", "mm.pool.basic", 1 },
        { "mm.*", "mm", 0 },
        { "*.basic", "mm.pool.basic", 1 },
        { "*pool*", "mm.pool.basic", 1 },
        { "m?.pool.*", "mm.pool.basic", 1 },
        { "?", "", 0 },
        { "a*b*c", "aXbYc", 1 },
        { "a*b*c", "aXbYcZ", 0 },
        { "a**c", "ac", 1 },
        { "*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
        { "boot.selfmap.pde", "boot.selfmap.pde", 1 },
        { "boot.selfmap.pd", "boot.selfmap.pde", 0 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_int(RtlGlobMatch(cases[i].pattern, cases[i].name), cases[i].match, "'%s' vs '%s'",
               cases[i].pattern, cases[i].name);

    is_int(RtlGlobListMatch("boot.*,rtl.*", "rtl.glob"), 1, "second of two patterns");
    is_int(RtlGlobListMatch("boot.*,rtl.*", "mm.pool"), 0, "neither pattern");
    is_int(RtlGlobListMatch("all", "x.y"), 1, "all matches everything");
    is_int(RtlGlobListMatch("ball", "all"), 0, "all is a whole word");
    is_int(RtlGlobListMatch("x,,y", ""), 1, "an empty pattern matches the empty name");
    is_int(RtlGlobListMatch("rtl.glob,", "rtl.glob"), 1, "trailing comma");
    return done_testing();
}
