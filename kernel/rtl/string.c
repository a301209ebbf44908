/* kernel/rtl/string.c: NT's Rtl string and memory helpers. */
#include "kernel/rtl/rtl.h"

/* The number of leading bytes that are equal, as NT's RtlCompareMemory returns. */
size_t RtlCompareMemory(const void *Left, const void *Right, size_t Length)
{
    const unsigned char *l = Left, *r = Right;
    size_t same = 0;

    while (same < Length && l[same] == r[same])
        same++;
    return same;
}

/* Copy at most Size - 1 characters and always terminate (Size > 0). */
void RtlCopyString(char *Destination, const char *Source, size_t Size)
{
    size_t i;

    for (i = 0; i + 1 < Size && Source[i]; i++)
        Destination[i] = Source[i];
    Destination[i] = '\0';
}
