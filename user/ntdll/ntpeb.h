/*
 * user/ntdll/ntpeb.h: the PEB, the TEB, the process parameters and KUSER_SHARED_DATA as user
 * mode sees them, at NT's offsets (Server 2003 x86). The kernel's side of the same layouts is
 * kernel/inc/ntpeb.h; both carry the same _Static_asserts, so they cannot drift apart. Only
 * the fields mm386 fills are named. The loader's module lists (PEB_LDR_DATA and its
 * LDR_DATA_TABLE_ENTRYs, at XP's x86 offsets, which Server 2003 keeps) are user mode's alone:
 * ntdll's loader makes them and points PEB.Ldr at them (user/ntdll/ldrinit.c). Needs <windows.h> first; mingw-w64 declares `struct _TEB`
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

/*
 * The loader's lists. Each module has one LDR_DATA_TABLE_ENTRY, on three lists at once:
 *
 *   PEB_LDR_DATA                        LDR_DATA_TABLE_ENTRY (program, ntdll.dll, kernel32.dll..)
 *     InLoadOrderModuleList -------->     InLoadOrderLinks           (mapped order: the
 *     InMemoryOrderModuleList ------>     InMemoryOrderLinks          program, then ntdll.dll)
 *     InInitializationOrderModuleList ->  InInitializationOrderLinks (DLLs only, each after
 *                                                                     the DLLs it imports)
 *
 * A list walk takes CONTAINING_RECORD of the link it followed.
 */
typedef struct _PEB_LDR_DATA {
    ULONG Length;                       /* 0x00: sizeof(PEB_LDR_DATA) */
    BOOLEAN Initialized;                /* 0x04: TRUE once the process's imports are loaded */
    PVOID SsHandle;                     /* 0x08 */
    LIST_ENTRY InLoadOrderModuleList;   /* 0x0C */
    LIST_ENTRY InMemoryOrderModuleList; /* 0x14 */
    LIST_ENTRY InInitializationOrderModuleList; /* 0x1C */
    PVOID EntryInProgress;              /* 0x24: the module whose DllMain is running */
} PEB_LDR_DATA, *PPEB_LDR_DATA;

/* LDR_DATA_TABLE_ENTRY.Flags (NT's LDRP_*). */
#define LDRP_STATIC_LINK                0x00000002  /* loaded for the program's imports */
#define LDRP_IMAGE_DLL                  0x00000004  /* a DLL whose imports and entry are used */
#define LDRP_LOAD_IN_PROGRESS           0x00001000  /* mapped, its DllMain not yet taken up */
#define LDRP_UNLOAD_IN_PROGRESS         0x00002000
#define LDRP_ENTRY_PROCESSED            0x00004000  /* its initialization is done (or none) */
#define LDRP_PROCESS_ATTACH_CALLED      0x00080000  /* DllMain(DLL_PROCESS_ATTACH) returned TRUE */
#define LDRP_IMAGE_NOT_AT_BASE          0x00200000  /* relocated */

#define LDRP_PINNED_LOAD_COUNT          0xFFFF      /* never unloaded: the program, its imports */

typedef struct _LDR_DATA_TABLE_ENTRY {
    LIST_ENTRY InLoadOrderLinks;        /* 0x00 */
    LIST_ENTRY InMemoryOrderLinks;      /* 0x08 */
    LIST_ENTRY InInitializationOrderLinks; /* 0x10 */
    PVOID DllBase;                      /* 0x18: the module's handle */
    PVOID EntryPoint;                   /* 0x1C: NULL for none */
    ULONG SizeOfImage;                  /* 0x20 */
    UNICODE_STRING FullDllName;         /* 0x24 */
    UNICODE_STRING BaseDllName;         /* 0x2C: the name without a directory */
    ULONG Flags;                        /* 0x34: LDRP_* */
    USHORT LoadCount;                   /* 0x38: LDRP_PINNED_LOAD_COUNT or the references */
    USHORT TlsIndex;                    /* 0x3A */
    LIST_ENTRY HashLinks;               /* 0x3C: the loader's hash of BaseDllName */
    ULONG TimeDateStamp;                /* 0x44: the image's file header's */
    PVOID EntryPointActivationContext;  /* 0x48 */
    PVOID PatchInformation;             /* 0x4C */
} LDR_DATA_TABLE_ENTRY, *PLDR_DATA_TABLE_ENTRY;

typedef struct _PEB {
    BOOLEAN InheritedAddressSpace;      /* 0x00 */
    BOOLEAN ReadImageFileExecOptions;
    BOOLEAN BeingDebugged;
    BOOLEAN SpareBool;
    HANDLE Mutant;                      /* 0x04 */
    PVOID ImageBaseAddress;             /* 0x08 */
    PPEB_LDR_DATA Ldr;                  /* 0x0C: the loader's lists */
    PRTL_USER_PROCESS_PARAMETERS ProcessParameters; /* 0x10 */
    PVOID SubSystemData;                /* 0x14 */
    HANDLE ProcessHeap;                 /* 0x18: set by the loader when it makes the heap */
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
    UCHAR ProcessorFeatures[64];        /* 0x274: IsProcessorFeaturePresent's, by PF_ index */
    UCHAR Reserved2[0x2E8 - 0x2B4];
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
_Static_assert(sizeof(PEB_LDR_DATA) == 0x28 &&
               __builtin_offsetof(PEB_LDR_DATA, InLoadOrderModuleList) == 0x0C &&
               __builtin_offsetof(PEB_LDR_DATA, InMemoryOrderModuleList) == 0x14 &&
               __builtin_offsetof(PEB_LDR_DATA, InInitializationOrderModuleList) == 0x1C &&
               __builtin_offsetof(PEB_LDR_DATA, EntryInProgress) == 0x24, "PEB_LDR_DATA offsets");
_Static_assert(sizeof(LDR_DATA_TABLE_ENTRY) == 0x50 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, InMemoryOrderLinks) == 0x08 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, InInitializationOrderLinks) == 0x10 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, DllBase) == 0x18 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, EntryPoint) == 0x1C &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, SizeOfImage) == 0x20 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, FullDllName) == 0x24 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, BaseDllName) == 0x2C &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, Flags) == 0x34 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, LoadCount) == 0x38 &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, TlsIndex) == 0x3A &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, HashLinks) == 0x3C &&
               __builtin_offsetof(LDR_DATA_TABLE_ENTRY, TimeDateStamp) == 0x44,
               "LDR_DATA_TABLE_ENTRY offsets");
_Static_assert(__builtin_offsetof(PEB, ImageBaseAddress) == 0x08 &&
               __builtin_offsetof(PEB, Ldr) == 0x0C &&
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
               __builtin_offsetof(KUSER_SHARED_DATA, ProcessorFeatures) == 0x274 &&
               __builtin_offsetof(KUSER_SHARED_DATA, NumberOfPhysicalPages) == 0x2E8 &&
               __builtin_offsetof(KUSER_SHARED_DATA, SystemCall) == 0x300 &&
               __builtin_offsetof(KUSER_SHARED_DATA, TickCount) == 0x320,
               "KUSER_SHARED_DATA offsets");

#endif
