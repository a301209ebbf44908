/*
 * user/crt/stdlib.c: malloc and friends on the process heap, number parsing, the Microsoft
 * C runtime's rand, exit and abort, and <ctype.h>'s classification for ASCII.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <limits.h>
#include "format.h"

#define CRT_ABORT_STATUS        3       /* what the Microsoft runtime's abort() exits with */
#define CRT_RAND_MULTIPLIER     214013u
#define CRT_RAND_INCREMENT      2531011u

static unsigned CrtRandSeed = 1;

void *__cdecl malloc(size_t Size)
{
    return HeapAlloc(GetProcessHeap(), 0, Size);
}

void *__cdecl calloc(size_t Count, size_t Size)
{
    if (Size && Count > (size_t)-1 / Size)
        return NULL;
    return HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, Count * Size);
}

void *__cdecl realloc(void *Memory, size_t Size)
{
    if (!Memory)
        return malloc(Size);
    if (!Size) {
        free(Memory);
        return NULL;
    }
    return HeapReAlloc(GetProcessHeap(), 0, Memory, Size);
}

void __cdecl free(void *Memory)
{
    HeapFree(GetProcessHeap(), 0, Memory);
}

char *__cdecl strdup(const char *Text)
{
    size_t length = strlen(Text) + 1;
    char *copy = malloc(length);

    return copy ? memcpy(copy, Text, length) : NULL;
}

char *__cdecl _strdup(const char *Text)
{
    return strdup(Text);
}

int __cdecl isspace(int C)
{
    return C == ' ' || (C >= '\t' && C <= '\r');
}

int __cdecl isdigit(int C)
{
    return C >= '0' && C <= '9';
}

int __cdecl isupper(int C)
{
    return C >= 'A' && C <= 'Z';
}

int __cdecl islower(int C)
{
    return C >= 'a' && C <= 'z';
}

int __cdecl isalpha(int C)
{
    return isupper(C) || islower(C);
}

int __cdecl isalnum(int C)
{
    return isalpha(C) || isdigit(C);
}

int __cdecl isxdigit(int C)
{
    return isdigit(C) || (C >= 'a' && C <= 'f') || (C >= 'A' && C <= 'F');
}

int __cdecl isprint(int C)
{
    return C >= ' ' && C < 0x7F;
}

int __cdecl toupper(int C)
{
    return islower(C) ? C - 'a' + 'A' : C;
}

int __cdecl tolower(int C)
{
    return isupper(C) ? C - 'A' + 'a' : C;
}

/* strtoul's digits: Base 0 means by prefix (0x hex, 0 octal); stops at the first non-digit,
 * saturating at ULONG_MAX. */
unsigned long __cdecl strtoul(const char *Text, char **End, int Base)
{
    const char *at = Text;
    unsigned long value = 0, digit;
    int negative = 0, any = 0, overflow = 0;

    while (isspace((unsigned char)*at))
        at++;
    if (*at == '+' || *at == '-')
        negative = *at++ == '-';
    if ((Base == 0 || Base == 16) && at[0] == '0' && (at[1] == 'x' || at[1] == 'X') &&
        isxdigit((unsigned char)at[2])) {
        at += 2;
        Base = 16;
    } else if (Base == 0) {
        Base = *at == '0' ? 8 : 10;
    }
    for (;; at++, any = 1) {
        if (isdigit((unsigned char)*at))
            digit = (unsigned long)(*at - '0');
        else if (isalpha((unsigned char)*at))
            digit = (unsigned long)(tolower((unsigned char)*at) - 'a' + 10);
        else
            break;
        if (digit >= (unsigned long)Base)
            break;
        if (value > (ULONG_MAX - digit) / (unsigned long)Base)
            overflow = 1;
        value = value * (unsigned long)Base + digit;
    }
    if (End)
        *End = (char *)(any ? at : Text);
    if (overflow)
        return ULONG_MAX;
    return negative ? -value : value;
}

long __cdecl strtol(const char *Text, char **End, int Base)
{
    const char *at = Text;
    unsigned long magnitude;
    int negative;

    while (isspace((unsigned char)*at))
        at++;
    negative = *at == '-';
    magnitude = strtoul(at, End, Base);
    if (End && *End == at)
        *End = (char *)Text;
    if (negative)
        magnitude = -magnitude;
    if (!negative && magnitude > (unsigned long)LONG_MAX)
        return LONG_MAX;
    if (negative && magnitude > (unsigned long)LONG_MAX + 1)
        return LONG_MIN;
    return negative ? -(long)(magnitude - 1) - 1 : (long)magnitude;
}

int __cdecl atoi(const char *Text)
{
    return (int)strtol(Text, NULL, 10);
}

long __cdecl atol(const char *Text)
{
    return strtol(Text, NULL, 10);
}

int __cdecl abs(int Value)
{
    return Value < 0 ? -Value : Value;
}

long __cdecl labs(long Value)
{
    return Value < 0 ? -Value : Value;
}

/* The Microsoft runtime's generator: the same sequence for the same seed as on Windows. */
int __cdecl rand(void)
{
    CrtRandSeed = CrtRandSeed * CRT_RAND_MULTIPLIER + CRT_RAND_INCREMENT;
    return (int)((CrtRandSeed >> 16) & RAND_MAX);
}

void __cdecl srand(unsigned Seed)
{
    CrtRandSeed = Seed;
}

void __cdecl exit(int Status)
{
    ExitProcess((UINT)Status);
}

void __cdecl _exit(int Status)
{
    ExitProcess((UINT)Status);
}

void __cdecl abort(void)
{
    ExitProcess(CRT_ABORT_STATUS);
}

static int CrtPrint(char *Buffer, size_t Size, const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = CrtFormat(Buffer, Size, Format, arguments);
    va_end(arguments);
    return length;
}

/* <assert.h>'s failure: the message, then abort. */
void __cdecl _assert(const char *Message, const char *File, unsigned Line)
{
    char text[256];
    DWORD written;
    int length = CrtPrint(text, sizeof(text), "Assertion failed: %s, file %s, line %u\n",
                          Message, File, Line);

    if (length >= (int)sizeof(text))
        length = sizeof(text) - 1;
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), text, (DWORD)length, &written, NULL);
    abort();
}

/* GCC calls this at the top of main for global constructors; C programs have none. */
void __cdecl __main(void)
{
}
