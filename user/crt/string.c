/*
 * user/crt/string.c: the <string.h> functions programs and the runtime use. Byte at a time:
 * GCC calls memcpy and memset for structure copies too, so these must not call themselves
 * (see -fno-builtin below and in the Makefile).
 */
#include <stddef.h>
#include <string.h>

void *__cdecl memcpy(void *Destination, const void *Source, size_t Length)
{
    unsigned char *to = Destination;
    const unsigned char *from = Source;

    while (Length--)
        *to++ = *from++;
    return Destination;
}

void *__cdecl memmove(void *Destination, const void *Source, size_t Length)
{
    unsigned char *to = Destination;
    const unsigned char *from = Source;

    if (to <= from || to >= from + Length)
        return memcpy(Destination, Source, Length);
    while (Length--)
        to[Length] = from[Length];
    return Destination;
}

void *__cdecl memset(void *Destination, int Value, size_t Length)
{
    unsigned char *to = Destination;

    while (Length--)
        *to++ = (unsigned char)Value;
    return Destination;
}

int __cdecl memcmp(const void *Left, const void *Right, size_t Length)
{
    const unsigned char *l = Left, *r = Right;

    for (; Length; Length--, l++, r++)
        if (*l != *r)
            return *l - *r;
    return 0;
}

void *__cdecl memchr(const void *Memory, int Value, size_t Length)
{
    const unsigned char *at = Memory;

    for (; Length; Length--, at++)
        if (*at == (unsigned char)Value)
            return (void *)at;
    return NULL;
}

size_t __cdecl strlen(const char *Text)
{
    size_t length = 0;

    while (Text[length])
        length++;
    return length;
}

size_t __cdecl strnlen(const char *Text, size_t Maximum)
{
    size_t length = 0;

    while (length < Maximum && Text[length])
        length++;
    return length;
}

char *__cdecl strcpy(char *Destination, const char *Source)
{
    return memcpy(Destination, Source, strlen(Source) + 1);
}

char *__cdecl strncpy(char *Destination, const char *Source, size_t Length)
{
    size_t copied = strnlen(Source, Length);

    memcpy(Destination, Source, copied);
    memset(Destination + copied, 0, Length - copied);
    return Destination;
}

char *__cdecl strcat(char *Destination, const char *Source)
{
    strcpy(Destination + strlen(Destination), Source);
    return Destination;
}

char *__cdecl strncat(char *Destination, const char *Source, size_t Length)
{
    char *end = Destination + strlen(Destination);
    size_t copied = strnlen(Source, Length);

    memcpy(end, Source, copied);
    end[copied] = 0;
    return Destination;
}

int __cdecl strcmp(const char *Left, const char *Right)
{
    for (; *Left && *Left == *Right; Left++, Right++)
        ;
    return (unsigned char)*Left - (unsigned char)*Right;
}

int __cdecl strncmp(const char *Left, const char *Right, size_t Length)
{
    for (; Length && *Left && *Left == *Right; Length--, Left++, Right++)
        ;
    return Length ? (unsigned char)*Left - (unsigned char)*Right : 0;
}

char *__cdecl strchr(const char *Text, int C)
{
    for (;; Text++) {
        if (*Text == (char)C)
            return (char *)Text;
        if (!*Text)
            return NULL;
    }
}

char *__cdecl strrchr(const char *Text, int C)
{
    const char *found = NULL;

    for (;; Text++) {
        if (*Text == (char)C)
            found = Text;
        if (!*Text)
            return (char *)found;
    }
}

char *__cdecl strstr(const char *Text, const char *Word)
{
    size_t length = strlen(Word);

    for (; *Text; Text++)
        if (!strncmp(Text, Word, length))
            return (char *)Text;
    return length ? NULL : (char *)Text;
}
