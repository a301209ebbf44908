/*
 * tests/host/win/windows.h: the little of mingw-w64's <windows.h> that the user-mode runtime's
 * pure parts (user/ntdll/heap.c, status.c, cmdline.c) need, so the host compiler builds them
 * for the host tests (gcc -m32: ULONG and pointers are 32 bits, as on Windows). The status and
 * error codes are mingw-w64's own <ntstatus.h> and <winerror.h> (the Makefile puts their
 * directory after the host's). Only what those files use is here.
 */
#ifndef TESTS_HOST_WIN_WINDOWS_H
#define TESTS_HOST_WIN_WINDOWS_H

#include <stddef.h>
#include <stdint.h>

#define WINAPI                  __attribute__((stdcall))
#define NTAPI                   __attribute__((stdcall))
#define CALLBACK                __attribute__((stdcall))
#define CONST                   const
#define VOID                    void

typedef unsigned char UCHAR, BOOLEAN, BYTE, *PUCHAR;
typedef char CHAR, CCHAR;
typedef unsigned short USHORT, WORD, WCHAR, *PWSTR;
typedef const WCHAR *LPCWSTR;
typedef long LONG;
typedef unsigned long ULONG, DWORD, *PULONG, *PDWORD, *LPDWORD;
typedef long LONG_PTR;
typedef unsigned long ULONG_PTR, *PULONG_PTR, SIZE_T, *PSIZE_T;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;
typedef int BOOL, WINBOOL;
typedef unsigned int UINT;
typedef void *PVOID, *HANDLE, **PHANDLE;
typedef ULONG ACCESS_MASK;
typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    LONGLONG QuadPart;
} __attribute__((aligned(8))) LARGE_INTEGER, *PLARGE_INTEGER;   /* 8-aligned, as MSVC's */

#define TRUE                    1
#define FALSE                   0

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink, *Blink;
} LIST_ENTRY;

#define EXCEPTION_MAXIMUM_PARAMETERS 15
typedef struct _EXCEPTION_RECORD {
    DWORD ExceptionCode;
    DWORD ExceptionFlags;
    struct _EXCEPTION_RECORD *ExceptionRecord;
    PVOID ExceptionAddress;
    DWORD NumberParameters;
    ULONG_PTR ExceptionInformation[EXCEPTION_MAXIMUM_PARAMETERS];
} EXCEPTION_RECORD, *PEXCEPTION_RECORD;

typedef struct _CONTEXT CONTEXT, *PCONTEXT;     /* only passed by pointer */
typedef struct _TOKEN_PRIVILEGES TOKEN_PRIVILEGES, *PTOKEN_PRIVILEGES;     /* the same */
typedef struct _EXCEPTION_POINTERS EXCEPTION_POINTERS, *PEXCEPTION_POINTERS;
typedef LONG (NTAPI *PVECTORED_EXCEPTION_HANDLER)(EXCEPTION_POINTERS *ExceptionInfo);

typedef struct _NT_TIB {
    struct _EXCEPTION_REGISTRATION_RECORD *ExceptionList;
    PVOID StackBase;
    PVOID StackLimit;
    PVOID SubSystemTib;
    PVOID FiberData;
    PVOID ArbitraryUserPointer;
    struct _NT_TIB *Self;
} NT_TIB;

#define PAGE_NOACCESS           0x01
#define PAGE_READONLY           0x02
#define PAGE_READWRITE          0x04
#define PAGE_GUARD              0x100
#define MEM_COMMIT              0x1000
#define MEM_RESERVE             0x2000
#define MEM_DECOMMIT            0x4000
#define MEM_RELEASE             0x8000

#define HEAP_NO_SERIALIZE       0x00000001
#define HEAP_GROWABLE           0x00000002
#define HEAP_GENERATE_EXCEPTIONS 0x00000004
#define HEAP_ZERO_MEMORY        0x00000008
#define HEAP_REALLOC_IN_PLACE_ONLY 0x00000010

#define EXCEPTION_NONCONTINUABLE 0x1

#define __MSABI_LONG(x)        x##l        /* as mingw-w64's _mingw.h has it */

#include <winerror.h>

#endif
