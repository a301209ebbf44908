/*
 * kernel/rtl/crt.c: the C library routines the compiler may call and the kernel uses. Not built
 * for host tests: the host's C library provides them there.
 */
#include "kernel/rtl/rtl.h"

void *memcpy(void *Destination, const void *Source, size_t Length)
{
    unsigned char *d = Destination;
    const unsigned char *s = Source;

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
