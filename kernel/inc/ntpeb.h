/*
 * kernel/inc/ntpeb.h: what the kernel and user mode both read in a process's address space,
 * at NT's offsets (Server 2003 x86): the PEB, the TEB, the process parameters and
 * KUSER_SHARED_DATA. Only the fields mm386 fills are named; the rest is padding, so every
 * named field sits where WinDbg's `dt ntdll!_PEB` shows it. User mode (mingw-w64, whose own
 * headers define some of these types) mirrors the layouts in user/ntdll/ntpeb.h with the same
 * _Static_asserts.
 *
 *   0x7FFE0000  KUSER_SHARED_DATA (read-only to user mode; the kernel writes it at 0xFFDF0000)
 *   0x7FFDF000  PEB
 *   0x7FFDE000  TEB of the first thread, then each further thread's a page lower
 *
 * How a process starts (kernel/ps/): the kernel maps the image, makes the PEB and the
 * parameters (CommandLine and ImagePathName point into the same pages, after the structure),
 * reserves and commits the first thread's stack from the image's SizeOfStackReserve/Commit (a
 * guard page below the committed part), makes its TEB, and enters ring 3 at the image's
 * AddressOfEntryPoint with ESP at the stack's top (a zero return address there), EAX = the
 * entry point, EBX = the PEB, FS = 0x3B (the TEB). Threads made by NtCreateThread start with
 * every register from the CONTEXT they are given.
 *
 * User exceptions enter ring 3 at the function the image exports as
 * KiUserExceptionDispatcher (ntdll is linked into each program until DLLs exist), with
 * [esp] = &EXCEPTION_RECORD and [esp+4] = &CONTEXT, both on the user stack, as NT does.
 */
#ifndef KERNEL_INC_NTPEB_H
#define KERNEL_INC_NTPEB_H

#include <stdint.h>

#define MM_PEB_VA               0x7FFDF000u
#define MM_FIRST_TEB_VA         0x7FFDE000u
#define MM_SHARED_USER_DATA_USER_VA 0x7FFE0000u
#define MM_SHARED_USER_DATA_KERNEL_VA 0xFFDF0000u

typedef struct _NT_UNICODE_STRING {     /* UNICODE_STRING */
    uint16_t Length;                    /* bytes, without the terminating zero */
    uint16_t MaximumLength;
    uint32_t Buffer;                    /* a user address */
} NT_UNICODE_STRING;

typedef struct _NT_CLIENT_ID {
    uint32_t UniqueProcess;
    uint32_t UniqueThread;
} NT_CLIENT_ID;

typedef struct _NT_RTL_USER_PROCESS_PARAMETERS {
    uint32_t MaximumLength;             /* 0x00 */
    uint32_t Length;                    /* 0x04 */
    uint32_t Flags;                     /* 0x08: 1 = normalized (pointers, not offsets) */
    uint32_t DebugFlags;                /* 0x0C */
    uint32_t ConsoleHandle;             /* 0x10 */
    uint32_t ConsoleFlags;              /* 0x14 */
    uint32_t StandardInput;             /* 0x18: handles to the console */
    uint32_t StandardOutput;            /* 0x1C */
    uint32_t StandardError;             /* 0x20 */
    NT_UNICODE_STRING CurrentDirectoryPath; /* 0x24 */
    uint32_t CurrentDirectoryHandle;    /* 0x2C */
    NT_UNICODE_STRING DllPath;          /* 0x30 */
    NT_UNICODE_STRING ImagePathName;    /* 0x38 */
    NT_UNICODE_STRING CommandLine;      /* 0x40 */
    uint32_t Environment;               /* 0x48 */
} NT_RTL_USER_PROCESS_PARAMETERS;

typedef struct _NT_PEB {
    uint8_t InheritedAddressSpace;      /* 0x00 */
    uint8_t ReadImageFileExecOptions;
    uint8_t BeingDebugged;
    uint8_t SpareBool;
    uint32_t Mutant;                    /* 0x04 */
    uint32_t ImageBaseAddress;          /* 0x08 */
    uint32_t Ldr;                       /* 0x0C: ntdll's loader sets it (PEB_LDR_DATA) */
    uint32_t ProcessParameters;         /* 0x10: NT_RTL_USER_PROCESS_PARAMETERS * */
    uint32_t SubSystemData;             /* 0x14 */
    uint32_t ProcessHeap;               /* 0x18: ntdll's loader sets it when it makes the heap */
    uint8_t Reserved1[0x64 - 0x1C];
    uint32_t NumberOfProcessors;        /* 0x64 */
    uint32_t NtGlobalFlag;              /* 0x68 */
    uint32_t Reserved2;
    int64_t CriticalSectionTimeout;     /* 0x70 */
    uint32_t HeapSegmentReserve;        /* 0x78: from the image's SizeOfHeapReserve */
    uint32_t HeapSegmentCommit;         /* 0x7C: SizeOfHeapCommit */
    uint8_t Reserved3[0xA4 - 0x80];
    uint32_t OSMajorVersion;            /* 0xA4: 5 */
    uint32_t OSMinorVersion;            /* 0xA8: 2 */
    uint16_t OSBuildNumber;             /* 0xAC: 3790 */
    uint16_t OSCSDVersion;
    uint32_t OSPlatformId;              /* 0xB0: 2 (VER_PLATFORM_WIN32_NT) */
    uint32_t ImageSubsystem;            /* 0xB4 */
    uint32_t ImageSubsystemMajorVersion;/* 0xB8 */
    uint32_t ImageSubsystemMinorVersion;/* 0xBC */
} NT_PEB;

typedef struct _NT_TEB {
    uint32_t ExceptionList;             /* 0x00: NT_TIB, the SEH chain; 0xFFFFFFFF ends it */
    uint32_t StackBase;                 /* 0x04: the top of the stack */
    uint32_t StackLimit;                /* 0x08: the lowest committed address */
    uint32_t SubSystemTib;              /* 0x0C */
    uint32_t FiberData;                 /* 0x10 */
    uint32_t ArbitraryUserPointer;      /* 0x14 */
    uint32_t Self;                      /* 0x18: the TEB's own address (NtCurrentTeb) */
    uint32_t EnvironmentPointer;        /* 0x1C */
    NT_CLIENT_ID ClientId;              /* 0x20 */
    uint32_t ActiveRpcHandle;           /* 0x28 */
    uint32_t ThreadLocalStoragePointer; /* 0x2C */
    uint32_t ProcessEnvironmentBlock;   /* 0x30 */
    uint32_t LastErrorValue;            /* 0x34 */
    uint8_t Reserved1[0xBF4 - 0x38];
    uint32_t LastStatusValue;           /* 0xBF4 */
    uint8_t Reserved2[0xE0C - 0xBF8];
    uint32_t DeallocationStack;         /* 0xE0C: the bottom of the stack's reserve */
    uint8_t Reserved3[0xF78 - 0xE10];
    uint32_t GuaranteedStackBytes;      /* 0xF78 */
} NT_TEB;

typedef struct _NT_KSYSTEM_TIME {
    uint32_t LowPart;
    int32_t High1Time;
    int32_t High2Time;
} NT_KSYSTEM_TIME;

typedef struct _NT_KUSER_SHARED_DATA {
    uint32_t TickCountLowDeprecated;    /* 0x00 */
    uint32_t TickCountMultiplier;       /* 0x04: ms = (ticks * this) >> 24 */
    NT_KSYSTEM_TIME InterruptTime;      /* 0x08: 100 ns since start-up */
    NT_KSYSTEM_TIME SystemTime;         /* 0x14: 100 ns since 1601 */
    NT_KSYSTEM_TIME TimeZoneBias;       /* 0x20 */
    uint16_t ImageNumberLow, ImageNumberHigh; /* 0x2C: 0x14C, 0x14C */
    uint16_t NtSystemRoot[260];         /* 0x30 */
    uint8_t Reserved1[0x244 - 0x238];
    uint32_t LargePageMinimum;          /* 0x244: 4 MB with PSE, else 0 (Vista's field) */
    uint8_t Reserved1b[0x26C - 0x248];
    uint32_t NtMajorVersion;            /* 0x26C */
    uint32_t NtMinorVersion;            /* 0x270 */
    uint8_t ProcessorFeatures[64];      /* 0x274: by winnt.h's PF_ index (npx.c) */
    uint8_t Reserved2[0x2E8 - 0x2B4];
    uint32_t NumberOfPhysicalPages;     /* 0x2E8 */
    uint8_t Reserved3[0x300 - 0x2EC];
    uint32_t SystemCall;                /* 0x300 */
    uint32_t SystemCallReturn;          /* 0x304 */
    uint8_t Reserved4[0x320 - 0x308];
    NT_KSYSTEM_TIME TickCount;          /* 0x320: clock ticks since start-up */
} NT_KUSER_SHARED_DATA;

_Static_assert(sizeof(NT_UNICODE_STRING) == 8, "UNICODE_STRING");
_Static_assert(__builtin_offsetof(NT_RTL_USER_PROCESS_PARAMETERS, StandardOutput) == 0x1C &&
               __builtin_offsetof(NT_RTL_USER_PROCESS_PARAMETERS, ImagePathName) == 0x38 &&
               __builtin_offsetof(NT_RTL_USER_PROCESS_PARAMETERS, CommandLine) == 0x40,
               "RTL_USER_PROCESS_PARAMETERS offsets");
_Static_assert(__builtin_offsetof(NT_PEB, ImageBaseAddress) == 0x08 &&
               __builtin_offsetof(NT_PEB, Ldr) == 0x0C &&
               __builtin_offsetof(NT_PEB, ProcessParameters) == 0x10 &&
               __builtin_offsetof(NT_PEB, ProcessHeap) == 0x18 &&
               __builtin_offsetof(NT_PEB, NumberOfProcessors) == 0x64 &&
               __builtin_offsetof(NT_PEB, HeapSegmentReserve) == 0x78 &&
               __builtin_offsetof(NT_PEB, OSMajorVersion) == 0xA4 &&
               __builtin_offsetof(NT_PEB, ImageSubsystem) == 0xB4, "PEB offsets");
_Static_assert(__builtin_offsetof(NT_TEB, Self) == 0x18 &&
               __builtin_offsetof(NT_TEB, ClientId) == 0x20 &&
               __builtin_offsetof(NT_TEB, ProcessEnvironmentBlock) == 0x30 &&
               __builtin_offsetof(NT_TEB, LastErrorValue) == 0x34 &&
               __builtin_offsetof(NT_TEB, LastStatusValue) == 0xBF4 &&
               __builtin_offsetof(NT_TEB, DeallocationStack) == 0xE0C &&
               __builtin_offsetof(NT_TEB, GuaranteedStackBytes) == 0xF78, "TEB offsets");
_Static_assert((1000ull << 24) / 100 == 0x0A000000, "NT's TickCountMultiplier for a 10 ms tick");
_Static_assert(__builtin_offsetof(NT_KUSER_SHARED_DATA, SystemTime) == 0x14 &&
               __builtin_offsetof(NT_KUSER_SHARED_DATA, NtMajorVersion) == 0x26C &&
               __builtin_offsetof(NT_KUSER_SHARED_DATA, LargePageMinimum) == 0x244 &&
               __builtin_offsetof(NT_KUSER_SHARED_DATA, ProcessorFeatures) == 0x274 &&
               __builtin_offsetof(NT_KUSER_SHARED_DATA, NumberOfPhysicalPages) == 0x2E8 &&
               __builtin_offsetof(NT_KUSER_SHARED_DATA, SystemCall) == 0x300 &&
               __builtin_offsetof(NT_KUSER_SHARED_DATA, TickCount) == 0x320,
               "KUSER_SHARED_DATA offsets");

#endif
