/*
 * user/crt/stdio.c: the printf family, puts and putchar, written straight to the console
 * through WriteFile (no buffering: what a program printed is out when it faults). stdout and
 * stderr are mingw-w64's FILE objects from __acrt_iob_func; the __mingw_* and __ms_* names
 * are what mingw-w64's <stdio.h> calls, depending on __USE_MINGW_ANSI_STDIO. This file does
 * not include <stdio.h>, whose inline definitions of the same functions would clash; FILE is
 * mingw-w64's struct _iobuf (msvcrt layout), of which only _file is used.
 */
#include <windows.h>
#include "format.h"

#define EOF                     (-1)

typedef struct _iobuf {
    char *_ptr;
    int _cnt;
    char *_base;
    int _flag;
    int _file;                          /* 0 stdin, 1 stdout, 2 stderr */
    int _charbuf;
    int _bufsiz;
    char *_tmpfname;
} FILE;

#define stdout                  (&CrtStreams[1])

#define CRT_LINE                512     /* formatted in pieces of at most this on the stack */

static FILE CrtStreams[3] = { { ._file = 0 }, { ._file = 1 }, { ._file = 2 } };

FILE *__cdecl __acrt_iob_func(unsigned Index)
{
    return &CrtStreams[Index < 3 ? Index : 1];
}

static HANDLE CrtHandle(FILE *Stream)
{
    return GetStdHandle(Stream && Stream->_file == 2 ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
}

static int CrtWrite(FILE *Stream, const char *Text, size_t Length)
{
    DWORD written;

    if (!WriteFile(CrtHandle(Stream), Text, (DWORD)Length, &written, NULL))
        return EOF;
    return (int)written;
}

int __cdecl vsnprintf(char *Buffer, size_t Size, const char *Format, va_list Arguments)
{
    return CrtFormat(Buffer, Size, Format, Arguments);
}

int __cdecl vsprintf(char *Buffer, const char *Format, va_list Arguments)
{
    return CrtFormat(Buffer, (size_t)-1 / 2, Format, Arguments);
}

int __cdecl vfprintf(FILE *Stream, const char *Format, va_list Arguments)
{
    char line[CRT_LINE], *text = line;
    int length = CrtFormat(line, sizeof(line), Format, Arguments);

    if (length >= (int)sizeof(line)) {
        text = HeapAlloc(GetProcessHeap(), 0, (SIZE_T)length + 1);
        if (!text)
            return -1;
        CrtFormat(text, (size_t)length + 1, Format, Arguments);
    }
    if (CrtWrite(Stream, text, (size_t)length) == EOF)
        length = -1;
    if (text != line)
        HeapFree(GetProcessHeap(), 0, text);
    return length;
}

int __cdecl vprintf(const char *Format, va_list Arguments)
{
    return vfprintf(stdout, Format, Arguments);
}

int __cdecl printf(const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = vfprintf(stdout, Format, arguments);
    va_end(arguments);
    return length;
}

int __cdecl fprintf(FILE *Stream, const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = vfprintf(Stream, Format, arguments);
    va_end(arguments);
    return length;
}

int __cdecl sprintf(char *Buffer, const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = vsprintf(Buffer, Format, arguments);
    va_end(arguments);
    return length;
}

int __cdecl snprintf(char *Buffer, size_t Size, const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = CrtFormat(Buffer, Size, Format, arguments);
    va_end(arguments);
    return length;
}

/* The Microsoft flavour: -1 when the output did not fit. */
int __cdecl _vsnprintf(char *Buffer, size_t Size, const char *Format, va_list Arguments)
{
    int length = CrtFormat(Buffer, Size, Format, Arguments);

    return length < (int)Size ? length : -1;
}

int __cdecl fputs(const char *Text, FILE *Stream)
{
    size_t length = 0;

    while (Text[length])
        length++;
    return CrtWrite(Stream, Text, length) == EOF ? EOF : 0;
}

int __cdecl puts(const char *Text)
{
    if (fputs(Text, stdout) == EOF)
        return EOF;
    return CrtWrite(stdout, "\n", 1) == EOF ? EOF : 0;
}

int __cdecl fputc(int C, FILE *Stream)
{
    char c = (char)C;

    return CrtWrite(Stream, &c, 1) == EOF ? EOF : (unsigned char)c;
}

int __cdecl putc(int C, FILE *Stream)
{
    return fputc(C, Stream);
}

int __cdecl putchar(int C)
{
    return fputc(C, stdout);
}

int __cdecl fflush(FILE *Stream)
{
    (void)Stream;
    return 0;
}

int __cdecl __mingw_vfprintf(FILE *, const char *, va_list) __attribute__((alias("vfprintf")));
int __cdecl __mingw_vprintf(const char *, va_list) __attribute__((alias("vprintf")));
int __cdecl __mingw_vsprintf(char *, const char *, va_list) __attribute__((alias("vsprintf")));
int __cdecl __mingw_vsnprintf(char *, size_t, const char *, va_list)
    __attribute__((alias("vsnprintf")));
int __cdecl __ms_vsnprintf(char *, size_t, const char *, va_list)
    __attribute__((alias("vsnprintf")));
int __cdecl __mingw_printf(const char *, ...) __attribute__((alias("printf")));
int __cdecl __mingw_fprintf(FILE *, const char *, ...) __attribute__((alias("fprintf")));
int __cdecl __mingw_sprintf(char *, const char *, ...) __attribute__((alias("sprintf")));
int __cdecl __mingw_snprintf(char *, size_t, const char *, ...)
    __attribute__((alias("snprintf")));
