/*
 * kernel/rtl/bitmap.c: RTL_BITMAP, NT's bitmap of SizeOfBitMap bits in 32-bit words (bit n
 * is bit n % 32 of word n / 32). The paged-pool allocation map and the paging-file slot maps
 * are RTL_BITMAPs. Searches skip whole words where they can.
 */
#include "kernel/rtl/rtl.h"

#define BITS_PER_WORD 32

static bool TestBit(const RTL_BITMAP *BitMap, uint32_t Bit)
{
    return (BitMap->Buffer[Bit / BITS_PER_WORD] >> (Bit % BITS_PER_WORD)) & 1;
}

void RtlInitializeBitMap(RTL_BITMAP *BitMapHeader, uint32_t *BitMapBuffer, uint32_t SizeOfBitMap)
{
    BitMapHeader->SizeOfBitMap = SizeOfBitMap;
    BitMapHeader->Buffer = BitMapBuffer;
}

static void FillBits(RTL_BITMAP *BitMap, uint32_t Start, uint32_t Count, bool Set)
{
    while (Count > 0) {
        uint32_t word = Start / BITS_PER_WORD, bit = Start % BITS_PER_WORD;
        uint32_t span = MIN(Count, BITS_PER_WORD - bit);
        uint32_t mask = (span == BITS_PER_WORD ? 0xFFFFFFFFu : ((1u << span) - 1)) << bit;

        if (Set)
            BitMap->Buffer[word] |= mask;
        else
            BitMap->Buffer[word] &= ~mask;
        Start += span;
        Count -= span;
    }
}

void RtlSetBits(RTL_BITMAP *BitMapHeader, uint32_t StartingIndex, uint32_t NumberToSet)
{
    FillBits(BitMapHeader, StartingIndex, NumberToSet, true);
}

void RtlClearBits(RTL_BITMAP *BitMapHeader, uint32_t StartingIndex, uint32_t NumberToClear)
{
    FillBits(BitMapHeader, StartingIndex, NumberToClear, false);
}

void RtlClearAllBits(RTL_BITMAP *BitMapHeader)
{
    FillBits(BitMapHeader, 0, BitMapHeader->SizeOfBitMap, false);
}

bool RtlCheckBit(const RTL_BITMAP *BitMapHeader, uint32_t BitNumber)
{
    return TestBit(BitMapHeader, BitNumber);
}

/*
 * Length of the run of bits equal to Set that starts at Start, counted no further than Limit
 * bits (nor past the end): a word at a time, the run's end found with one bit scan.
 */
static uint32_t RunLength(const RTL_BITMAP *BitMap, uint32_t Start, bool Set, uint32_t Limit)
{
    uint32_t bit = Start, end = BitMap->SizeOfBitMap - Start > Limit ? Start + Limit
                                                                    : BitMap->SizeOfBitMap;

    while (bit < end) {
        uint32_t differ = (Set ? ~BitMap->Buffer[bit / BITS_PER_WORD]
                               : BitMap->Buffer[bit / BITS_PER_WORD]) >> (bit % BITS_PER_WORD);

        if (differ) {
            bit += (uint32_t)__builtin_ctz(differ);
            break;
        }
        bit += BITS_PER_WORD - bit % BITS_PER_WORD;
    }
    return MIN(bit, end) - Start;
}

/* First run of Count bits equal to Set within [From, To); 0xFFFFFFFF if none. */
static uint32_t FindRun(const RTL_BITMAP *BitMap, uint32_t Count, uint32_t From, uint32_t To,
                        bool Set)
{
    uint32_t bit = From;

    while (bit < To && To - bit >= Count) {
        uint32_t run = RunLength(BitMap, bit, Set, Count);

        if (run >= Count)
            return bit;
        bit += run;
        bit += RunLength(BitMap, bit, !Set, To - bit);  /* skip the run that ended it */
    }
    return 0xFFFFFFFF;
}

/* A run of NumberToFind clear bits at or after HintIndex, else anywhere; 0xFFFFFFFF if none. */
uint32_t RtlFindClearBits(const RTL_BITMAP *BitMapHeader, uint32_t NumberToFind,
                          uint32_t HintIndex)
{
    uint32_t size = BitMapHeader->SizeOfBitMap;
    uint32_t found;

    if (NumberToFind == 0 || NumberToFind > size)
        return 0xFFFFFFFF;
    if (HintIndex >= size)
        HintIndex = 0;
    found = FindRun(BitMapHeader, NumberToFind, HintIndex, size, false);
    if (found == 0xFFFFFFFF && HintIndex != 0)
        found = FindRun(BitMapHeader, NumberToFind, 0, MIN(size, HintIndex + NumberToFind - 1),
                        false);
    return found;
}

uint32_t RtlFindClearBitsAndSet(RTL_BITMAP *BitMapHeader, uint32_t NumberToFind,
                                uint32_t HintIndex)
{
    uint32_t found = RtlFindClearBits(BitMapHeader, NumberToFind, HintIndex);

    if (found != 0xFFFFFFFF)
        RtlSetBits(BitMapHeader, found, NumberToFind);
    return found;
}

uint32_t RtlNumberOfSetBits(const RTL_BITMAP *BitMapHeader)
{
    uint32_t count = 0;

    for (uint32_t bit = 0; bit < BitMapHeader->SizeOfBitMap; bit++)
        count += TestBit(BitMapHeader, bit);
    return count;
}
