/*
 * kernel/rtl/crt.c: the C library routines the compiler may call and the kernel uses. Not built
 * for host tests: the host's C library provides them there.
 */
#include "kernel/rtl/rtl.h"

/*
 * memcpy and memset move 32 bytes per turn once the destination is aligned: zeroing and
 * copying pages is most of what they do, and under QEMU's TCG each guest instruction costs
 * the same whatever its width, so fewer and wider stores are what make them fast.
 */
void *memcpy(void *Destination, const void *Source, size_t Length)
{
    unsigned char *d = Destination;
    const unsigned char *s = Source;

    for (; Length && ((uintptr_t)d & 3); Length--)
        *d++ = *s++;
    if (((uintptr_t)s & 3) == 0) {
        uint32_t *dw = (uint32_t *)d;
        const uint32_t *sw = (const uint32_t *)s;

        for (; Length >= 32; Length -= 32, dw += 8, sw += 8) {
            dw[0] = sw[0]; dw[1] = sw[1]; dw[2] = sw[2]; dw[3] = sw[3];
            dw[4] = sw[4]; dw[5] = sw[5]; dw[6] = sw[6]; dw[7] = sw[7];
        }
        for (; Length >= 4; Length -= 4)
            *dw++ = *sw++;
        d = (unsigned char *)dw;
        s = (const unsigned char *)sw;
    }
    while (Length--)
        *d++ = *s++;
    return Destination;
}

void *memmove(void *Destination, const void *Source, size_t Length)
{
    unsigned char *d = Destination;
    const unsigned char *s = Source;

    if (d <= s || d >= s + Length)
        return memcpy(Destination, Source, Length);
    while (Length--)
        d[Length] = s[Length];
    return Destination;
}

void *memset(void *Destination, int Fill, size_t Length)
{
    unsigned char *d = Destination;
    uint32_t word = (unsigned char)Fill * 0x01010101u;
    uint32_t *dw;

    for (; Length && ((uintptr_t)d & 3); Length--)
        *d++ = (unsigned char)Fill;
    dw = (uint32_t *)d;
    for (; Length >= 32; Length -= 32, dw += 8) {
        dw[0] = word; dw[1] = word; dw[2] = word; dw[3] = word;
        dw[4] = word; dw[5] = word; dw[6] = word; dw[7] = word;
    }
    for (; Length >= 4; Length -= 4)
        *dw++ = word;
    d = (unsigned char *)dw;
    while (Length--)
        *d++ = (unsigned char)Fill;
    return Destination;
}

int memcmp(const void *Left, const void *Right, size_t Length)
{
    const unsigned char *l = Left, *r = Right;

    for (; Length; Length--, l++, r++) {
        if (*l != *r)
            return *l < *r ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *String)
{
    size_t length = 0;

    while (String[length])
        length++;
    return length;
}

int strcmp(const char *Left, const char *Right)
{
    while (*Left && *Left == *Right) {
        Left++;
        Right++;
    }
    return (unsigned char)*Left - (unsigned char)*Right;
}

int strncmp(const char *Left, const char *Right, size_t Length)
{
    for (; Length; Length--, Left++, Right++) {
        if (*Left != *Right || !*Left)
            return (unsigned char)*Left - (unsigned char)*Right;
    }
    return 0;
}

char *strchr(const char *String, int Character)
{
    for (;; String++) {
        if (*String == (char)Character)
            return (char *)String;
        if (!*String)
            return NULL;
    }
}

char *strstr(const char *String, const char *Pattern)
{
    size_t length = strlen(Pattern);

    for (; *String; String++) {
        if (strncmp(String, Pattern, length) == 0)
            return (char *)String;
    }
    return length == 0 ? (char *)String : NULL;
}
