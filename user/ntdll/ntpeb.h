/*
 * user/ntdll/ntpeb.h: the PEB, the TEB, the process parameters and KUSER_SHARED_DATA as user
 * mode sees them, at NT's offsets (Server 2003 x86). The kernel's side of the same layouts is
 * kernel/inc/ntpeb.h; both carry the same _Static_asserts, so they cannot drift apart. Only
 * the fields mm386 fills are named. Needs <windows.h> first; mingw-w64 declares `struct _TEB`
 * (NtCurrentTeb) without defining it, and this header defines it. Do not mix with winternl.h.
 */
#ifndef USER_NTDLL_NTPEB_H
#define USER_NTDLL_NTPEB_H

#define MM_PEB_VA                   0x7FFDF000u
#define MM_SHARED_USER_DATA_USER_VA 0x7FFE0000u

typedef struct _UNICODE_STRING {
    USHORT Length;                      /* bytes, without the terminating zero */
    USHORT MaximumLength;
    PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

typedef struct _RTL_USER_PROCESS_PARAMETERS {
    ULONG MaximumLength;                /* 0x00 */
    ULONG Length;                       /* 0x04 */
    ULONG Flags;                        /* 0x08 */
    ULONG DebugFlags;                   /* 0x0C */
    HANDLE ConsoleHandle;               /* 0x10 */
    ULONG ConsoleFlags;                 /* 0x14 */
    HANDLE StandardInput;               /* 0x18 */
    HANDLE StandardOutput;              /* 0x1C */
    HANDLE StandardError;               /* 0x20 */
    UNICODE_STRING CurrentDirectoryPath;/* 0x24 */
    HANDLE CurrentDirectoryHandle;      /* 0x2C */
    UNICODE_STRING DllPath;             /* 0x30 */
    UNICODE_STRING ImagePathName;       /* 0x38 */
    UNICODE_STRING CommandLine;         /* 0x40 */
    PVOID Environment;                  /* 0x48 */
} RTL_USER_PROCESS_PARAMETERS, *PRTL_USER_PROCESS_PARAMETERS;

typedef struct _PEB {
    BOOLEAN InheritedAddressSpace;      /* 0x00 */
    BOOLEAN ReadImageFileExecOptions;
    BOOLEAN BeingDebugged;
    BOOLEAN SpareBool;
    HANDLE Mutant;                      /* 0x04 */
    PVOID ImageBaseAddress;             /* 0x08 */
    PVOID Ldr;                          /* 0x0C */
    PRTL_USER_PROCESS_PARAMETERS ProcessParameters; /* 0x10 */
    PVOID SubSystemData;                /* 0x14 */
    HANDLE ProcessHeap;                 /* 0x18: set by the start-up when it makes the heap */
    UCHAR Reserved1[0x64 - 0x1C];
    ULONG NumberOfProcessors;           /* 0x64 */
    ULONG NtGlobalFlag;                 /* 0x68 */
    ULONG Reserved2;
    LARGE_INTEGER CriticalSectionTimeout; /* 0x70 */
    ULONG HeapSegmentReserve;           /* 0x78: the image's SizeOfHeapReserve */
    ULONG HeapSegmentCommit;            /* 0x7C: SizeOfHeapCommit */
    UCHAR Reserved3[0xA4 - 0x80];
    ULONG OSMajorVersion;               /* 0xA4 */
    ULONG OSMinorVersion;               /* 0xA8 */
    USHORT OSBuildNumber;               /* 0xAC */
    USHORT OSCSDVersion;
    ULONG OSPlatformId;                 /* 0xB0 */
    ULONG ImageSubsystem;               /* 0xB4 */
    ULONG ImageSubsystemMajorVersion;   /* 0xB8 */
    ULONG ImageSubsystemMinorVersion;   /* 0xBC */
} PEB, *PPEB;

struct _TEB {
    NT_TIB NtTib;                       /* 0x00: ExceptionList, StackBase, StackLimit, ... Self */
    PVOID EnvironmentPointer;           /* 0x1C */
    CLIENT_ID ClientId;                 /* 0x20 */
    PVOID ActiveRpcHandle;              /* 0x28 */
    PVOID ThreadLocalStoragePointer;    /* 0x2C */
    PPEB ProcessEnvironmentBlock;       /* 0x30 */
    ULONG LastErrorValue;               /* 0x34 */
    UCHAR Reserved1[0xBF4 - 0x38];
    ULONG LastStatusValue;              /* 0xBF4 */
    UCHAR Reserved2[0xE0C - 0xBF8];
    PVOID DeallocationStack;            /* 0xE0C: the bottom of the stack's reserve */
    UCHAR Reserved3[0xF78 - 0xE10];
    ULONG GuaranteedStackBytes;         /* 0xF78 */
};
typedef struct _TEB TEB, *PTEB;

typedef struct _KSYSTEM_TIME {
    ULONG LowPart;
    LONG High1Time;
    LONG High2Time;
} KSYSTEM_TIME;

typedef struct _KUSER_SHARED_DATA {
    ULONG TickCountLowDeprecated;       /* 0x00 */
    ULONG TickCountMultiplier;          /* 0x04: ms = (ticks * this) >> 24 */
    KSYSTEM_TIME InterruptTime;         /* 0x08 */
    KSYSTEM_TIME SystemTime;            /* 0x14 */
    KSYSTEM_TIME TimeZoneBias;          /* 0x20 */
    USHORT ImageNumberLow, ImageNumberHigh; /* 0x2C */
    WCHAR NtSystemRoot[260];            /* 0x30 */
    UCHAR Reserved1[0x244 - 0x238];
    ULONG LargePageMinimum;             /* 0x244: GetLargePageMinimum's value */
    UCHAR Reserved1b[0x26C - 0x248];
    ULONG NtMajorVersion;               /* 0x26C */
    ULONG NtMinorVersion;               /* 0x270 */
    UCHAR Reserved2[0x2E8 - 0x274];
    ULONG NumberOfPhysicalPages;        /* 0x2E8 */
    UCHAR Reserved3[0x300 - 0x2EC];
    ULONG SystemCall;                   /* 0x300 */
    ULONG SystemCallReturn;             /* 0x304 */
    UCHAR Reserved4[0x320 - 0x308];
    volatile KSYSTEM_TIME TickCount;    /* 0x320: clock ticks since start-up */
} KUSER_SHARED_DATA;

#define USER_SHARED_DATA ((const volatile KUSER_SHARED_DATA *)MM_SHARED_USER_DATA_USER_VA)

_Static_assert(sizeof(UNICODE_STRING) == 8, "UNICODE_STRING");
_Static_assert(__builtin_offsetof(RTL_USER_PROCESS_PARAMETERS, StandardOutput) == 0x1C &&
               __builtin_offsetof(RTL_USER_PROCESS_PARAMETERS, ImagePathName) == 0x38 &&
               __builtin_offsetof(RTL_USER_PROCESS_PARAMETERS, CommandLine) == 0x40,
               "RTL_USER_PROCESS_PARAMETERS offsets");
_Static_assert(__builtin_offsetof(PEB, ImageBaseAddress) == 0x08 &&
               __builtin_offsetof(PEB, ProcessParameters) == 0x10 &&
               __builtin_offsetof(PEB, ProcessHeap) == 0x18 &&
               __builtin_offsetof(PEB, NumberOfProcessors) == 0x64 &&
               __builtin_offsetof(PEB, HeapSegmentReserve) == 0x78 &&
               __builtin_offsetof(PEB, OSMajorVersion) == 0xA4 &&
               __builtin_offsetof(PEB, ImageSubsystem) == 0xB4, "PEB offsets");
_Static_assert(__builtin_offsetof(TEB, NtTib.Self) == 0x18 &&
               __builtin_offsetof(TEB, ClientId) == 0x20 &&
               __builtin_offsetof(TEB, ProcessEnvironmentBlock) == 0x30 &&
               __builtin_offsetof(TEB, LastErrorValue) == 0x34 &&
               __builtin_offsetof(TEB, LastStatusValue) == 0xBF4 &&
               __builtin_offsetof(TEB, DeallocationStack) == 0xE0C &&
               __builtin_offsetof(TEB, GuaranteedStackBytes) == 0xF78, "TEB offsets");
_Static_assert(__builtin_offsetof(KUSER_SHARED_DATA, SystemTime) == 0x14 &&
               __builtin_offsetof(KUSER_SHARED_DATA, NtMajorVersion) == 0x26C &&
               __builtin_offsetof(KUSER_SHARED_DATA, LargePageMinimum) == 0x244 &&
               __builtin_offsetof(KUSER_SHARED_DATA, NumberOfPhysicalPages) == 0x2E8 &&
               __builtin_offsetof(KUSER_SHARED_DATA, SystemCall) == 0x300 &&
               __builtin_offsetof(KUSER_SHARED_DATA, TickCount) == 0x320,
               "KUSER_SHARED_DATA offsets");

#endif
