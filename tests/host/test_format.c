/* tests/host/test_format.c: RtlStringVPrintf against the host's own snprintf. */
#include <stdint.h>
#include <stdlib.h>
#include "tests/host/tap.h"
#include "kernel/rtl/rtl.h"

#define CHECK(...)                                                                       \
    do {                                                                                 \
        char mine[256], host[256];                                                       \
        int mineLength = RtlStringPrintf(mine, sizeof(mine), __VA_ARGS__);               \
        int hostLength = snprintf(host, sizeof(host), __VA_ARGS__);                      \
        is_str(mine, host, "format %s", #__VA_ARGS__);                                   \
        is_int(mineLength, hostLength, "length of %s", #__VA_ARGS__);                    \
    } while (0)

int main(void)
{
    char small[8];

    CHECK("%d %i %u", 42, -7, 4294967295u);
    CHECK("%d", (int)0x80000000);
    CHECK("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
    CHECK("%#x %#X %#o %#x", 31u, 31u, 8u, 0u);
    CHECK("[%5d][%-5d][%05d][%+d][% d][%+d]", 42, 42, 42, 42, 42, -42);
    CHECK("[%08X][%-8x][%8.3x]", 0x50u, 0xabu, 0xfu);
    CHECK("[%.0d][%.3d][%5.0d]", 0, 7, 0);
    CHECK("[%5s][%-5s][%.2s][%s]", "abc", "abc", "abc", "");
    CHECK("[%*d][%-*d][%.*s]", 6, 1, 6, 2, 2, "xyz");
    CHECK("[%c][%3c][%-3c]", 'a', 'b', 'c');
    CHECK("%lld %llu %llx", -1234567890123ll, 18446744073709551615ull, 0x123456789abcdefull);
    CHECK("%hd %hu %hhd %hhu", 70000, 70000, 300, 300);
    CHECK("%ld %lu %zu %zx", -5l, 5ul, (size_t)12345, (size_t)0xabc);
    CHECK("100%% %s", "done");
    CHECK("no conversions at all");

    is_int(RtlStringPrintf(small, sizeof(small), "%s", "truncated text"), 14,
           "returns the full length when truncating");
    is_str(small, "truncat", "keeps Size - 1 characters and a NUL");
    is_int(RtlStringPrintf(small, 1, "abc"), 3, "Size 1 still counts");
    is_int(small[0], 0, "Size 1 leaves an empty string");
    is_int(RtlStringPrintf(NULL, 0, "%d", 12345), 5, "Size 0 writes nothing");

    {
        char buffer[32];
        RtlStringPrintf(buffer, sizeof(buffer), "%p", (void *)(uintptr_t)0x80100000);
        ok(strstr(buffer, "80100000") != NULL && strlen(buffer) == 2 * sizeof(void *),
           "%%p is zero-padded hex of pointer width: %s", buffer);
    }
    return done_testing();
}
