/* tests/host/test_bitmap.c: RTL_BITMAP against a plain array of booleans, over random use. */
#include <stdint.h>
#include <stdlib.h>
#include "tests/host/tap.h"
#include "kernel/rtl/rtl.h"

#define BITS 1000

static bool model[BITS];

static uint32_t ModelFindClear(uint32_t count, uint32_t hint)
{
    for (int pass = 0; pass < 2; pass++) {
        uint32_t from = pass == 0 ? hint : 0;
        uint32_t to = pass == 0 ? BITS : MIN(BITS, hint + count - 1);
        if (pass == 1 && hint == 0)
            break;
        for (uint32_t start = from; start + count <= to; start++) {
            uint32_t i = 0;
            while (i < count && !model[start + i])
                i++;
            if (i == count)
                return start;
        }
    }
    return 0xFFFFFFFF;
}

int main(void)
{
    uint32_t buffer[(BITS + 31) / 32 + 1];
    RTL_BITMAP map;
    uint32_t seed = 7, mismatches = 0, finds = 0, setCount;

    buffer[(BITS + 31) / 32] = 0xA5A5A5A5;      /* guard word past the end */
    RtlInitializeBitMap(&map, buffer, BITS);
    RtlClearAllBits(&map);
    is_int(RtlNumberOfSetBits(&map), 0, "cleared map has no set bits");
    is_int(RtlFindClearBits(&map, BITS, 0), 0, "the whole map is one clear run");
    is_int(RtlFindClearBits(&map, BITS + 1, 0), 0xFFFFFFFF, "a run longer than the map");
    RtlSetBits(&map, 0, BITS);
    is_int(RtlNumberOfSetBits(&map), BITS, "set map");
    is_int(RtlFindClearBits(&map, 1, 0), 0xFFFFFFFF, "nothing clear in a full map");
    RtlClearAllBits(&map);

    RtlSetBits(&map, 30, 5);
    ok(!RtlCheckBit(&map, 29) && RtlCheckBit(&map, 30) && RtlCheckBit(&map, 34) &&
       !RtlCheckBit(&map, 35), "set bits 30-34 across a word boundary");
    is_int(RtlFindClearBits(&map, 31, 0), 35, "first clear run of 31 skips the set bits");
    is_int(RtlFindClearBits(&map, 10, 990), 990, "a run that ends at the last bit");
    is_int(RtlFindClearBits(&map, 11, 990), 0, "wrap to the start when the hint's run is short");
    RtlClearBits(&map, 30, 5);

    for (int i = 0; i < 20000; i++) {
        uint32_t count, hint, got, want;

        seed = seed * 1664525u + 1013904223u;
        count = 1 + (seed >> 8) % 40;
        hint = (seed >> 16) % BITS;
        if ((seed & 3) != 0) {
            got = RtlFindClearBitsAndSet(&map, count, hint);
            want = ModelFindClear(count, hint);
            mismatches += got != want;
            if (want != 0xFFFFFFFF) {
                finds++;
                for (uint32_t b = 0; b < count; b++)
                    model[want + b] = true;
            }
        } else {
            uint32_t start = hint;
            uint32_t n = MIN(count * 3, BITS - start);
            RtlClearBits(&map, start, n);
            for (uint32_t b = 0; b < n; b++)
                model[start + b] = false;
        }
    }
    for (uint32_t b = 0; b < BITS; b++)
        mismatches += RtlCheckBit(&map, b) != model[b];
    setCount = 0;
    for (uint32_t b = 0; b < BITS; b++)
        setCount += model[b];
    is_int(mismatches, 0, "20000 random finds, sets and clears agree with the model");
    ok(finds > 1000, "the random run found many runs (%u)", finds);
    is_int(RtlNumberOfSetBits(&map), setCount, "RtlNumberOfSetBits");
    is_int(buffer[(BITS + 31) / 32], 0xA5A5A5A5, "nothing written past the map");
    return done_testing();
}
