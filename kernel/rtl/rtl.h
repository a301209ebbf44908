/*
 * kernel/rtl/rtl.h: the runtime library. Pure code with no machine or kernel state, usable by
 * every layer and compiled for the host too (tests/host), so it never assumes 32-bit pointers.
 */
#ifndef KERNEL_RTL_RTL_H
#define KERNEL_RTL_RTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/inc/ntstatus.h"
#include "kernel/rtl/list.h"

#define ARRAYSIZE(a)            (sizeof(a) / sizeof((a)[0]))
#define ROUND_UP(x, n)          (((x) + (n) - 1) / (n) * (n))
#define MIN(a, b)               ((a) < (b) ? (a) : (b))
#define MAX(a, b)               ((a) > (b) ? (a) : (b))
#define CONTAINING_RECORD(address, type, field) \
    ((type *)((char *)(address) - offsetof(type, field)))

/* crt.c: what the compiler may call; string.c: NT's helpers and names for the same. */
void *memcpy(void *Destination, const void *Source, size_t Length);
void *memmove(void *Destination, const void *Source, size_t Length);
void *memset(void *Destination, int Fill, size_t Length);
int memcmp(const void *Left, const void *Right, size_t Length);
size_t strlen(const char *String);
int strcmp(const char *Left, const char *Right);
int strncmp(const char *Left, const char *Right, size_t Length);
char *strchr(const char *String, int Character);
char *strstr(const char *String, const char *Pattern);
#define RtlCopyMemory(d, s, n)  memcpy((d), (s), (n))
#define RtlMoveMemory(d, s, n)  memmove((d), (s), (n))
#define RtlZeroMemory(d, n)     memset((d), 0, (n))
#define RtlFillMemory(d, n, f)  memset((d), (f), (n))
size_t RtlCompareMemory(const void *Left, const void *Right, size_t Length);
void RtlCopyString(char *Destination, const char *Source, size_t Size);

/*
 * format.c: printf-style formatting into a buffer. Understands %d %i %u %x %X %o %c %s %p %%
 * with flags - 0 + space #, width and precision (digits or *), and the h hh l ll z length
 * modifiers. Always NUL-terminates when Size > 0; returns the length the full output would
 * have had, like vsnprintf.
 */
int RtlStringVPrintf(char *Buffer, size_t Size, const char *Format, va_list Arguments);
int RtlStringPrintf(char *Buffer, size_t Size, const char *Format, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cmdline.c: splitting a command line into options. Line is modified in place: each option
 * becomes a NUL-terminated Name and, for name=value, a NUL-terminated Value (NULL for a bare
 * name). Words are separated by blanks; a value may be written in double quotes to hold blanks.
 * Returns STATUS_BUFFER_OVERFLOW (with *Count = MaximumCount) when there are more options than
 * fit, STATUS_INVALID_PARAMETER for an option with an empty name or an unterminated quote.
 */
typedef struct _RTL_OPTION {
    const char *Name;
    const char *Value;
} RTL_OPTION;

NTSTATUS RtlSplitCommandLine(char *Line, RTL_OPTION *Options, uint32_t MaximumCount,
                             uint32_t *Count);

/* Numbers in option values and console commands: decimal, or hex with 0x (or a bare hex word
 * when Base is 16). False on an empty string, a bad digit or overflow past 32 bits. */
bool RtlStringToUlong(const char *String, uint32_t Base, uint32_t *Value);

/*
 * bitmap.c: RTL_BITMAP. Buffer holds ROUND_UP(SizeOfBitMap, 32) / 32 words. The Find routines
 * return the first bit of the run found, or 0xFFFFFFFF; RtlFindClearBits looks from HintIndex
 * to the end first, then from the start.
 */
typedef struct _RTL_BITMAP {
    uint32_t SizeOfBitMap;
    uint32_t *Buffer;
} RTL_BITMAP;

void RtlInitializeBitMap(RTL_BITMAP *BitMapHeader, uint32_t *BitMapBuffer, uint32_t SizeOfBitMap);
void RtlSetBits(RTL_BITMAP *BitMapHeader, uint32_t StartingIndex, uint32_t NumberToSet);
void RtlClearBits(RTL_BITMAP *BitMapHeader, uint32_t StartingIndex, uint32_t NumberToClear);
void RtlClearAllBits(RTL_BITMAP *BitMapHeader);
bool RtlCheckBit(const RTL_BITMAP *BitMapHeader, uint32_t BitNumber);
uint32_t RtlFindClearBits(const RTL_BITMAP *BitMapHeader, uint32_t NumberToFind,
                          uint32_t HintIndex);
uint32_t RtlFindClearBitsAndSet(RTL_BITMAP *BitMapHeader, uint32_t NumberToFind,
                                uint32_t HintIndex);
uint32_t RtlNumberOfSetBits(const RTL_BITMAP *BitMapHeader);

/* glob.c: shell-style matching with * and ?, and a comma-separated list of such patterns. */
bool RtlGlobMatch(const char *Pattern, const char *String);
bool RtlGlobListMatch(const char *Patterns, const char *String);

#endif
