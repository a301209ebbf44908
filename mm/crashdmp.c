/*
 * mm/crashdmp.c: the crash-dump area at MM_CRASH_DUMP_VA (0xFFBE0000). One page is mapped
 * there at start-up; KeBugCheckEx leaves the start of an NT DUMP_HEADER32 in it, so the STOP
 * code and parameters survive where a dump reader (or the gdb `bugcheck` helper) looks.
 */
#include "mm/mi.h"

#define DUMP_SIGNATURE          0x45474150      /* 'PAGE' */
#define DUMP_VALID_DUMP         0x504D5544      /* 'DUMP' */
#define IMAGE_FILE_MACHINE_I386 0x014C

typedef struct _DUMP_HEADER32 {
    uint32_t Signature;
    uint32_t ValidDump;
    uint32_t MajorVersion;
    uint32_t MinorVersion;
    uint32_t DirectoryTableBase;
    uint32_t PfnDataBase;
    uint32_t PsLoadedModuleList;
    uint32_t PsActiveProcessHead;
    uint32_t MachineImageType;
    uint32_t NumberProcessors;
    uint32_t BugCheckCode;
    uint32_t BugCheckParameter1;
    uint32_t BugCheckParameter2;
    uint32_t BugCheckParameter3;
    uint32_t BugCheckParameter4;
} DUMP_HEADER32;

_Static_assert(offsetof(DUMP_HEADER32, BugCheckCode) == 0x28, "DUMP_HEADER32 layout");
_Static_assert(offsetof(DUMP_HEADER32, BugCheckParameter4) == 0x38, "DUMP_HEADER32 layout");

static bool MiCrashDumpAreaReady;

void MiInitializeCrashDumpArea(void)
{
    MiMapBootPage(MM_CRASH_DUMP_VA, MxGetNextPage());
    RtlZeroMemory((void *)MM_CRASH_DUMP_VA, PAGE_SIZE);
    MiCrashDumpAreaReady = true;
}

void MmWriteCrashDumpHeader(const uint32_t BugCheckData[5])
{
    DUMP_HEADER32 *header = (DUMP_HEADER32 *)MM_CRASH_DUMP_VA;

    if (!MiCrashDumpAreaReady || !MmIsAddressValid(header))
        return;
    *header = (DUMP_HEADER32){
        .Signature = DUMP_SIGNATURE,
        .ValidDump = DUMP_VALID_DUMP,
        .DirectoryTableBase = KeGetCurrentProcess()->DirectoryTableBase[0],  /* not a borrowed one */
        .MachineImageType = IMAGE_FILE_MACHINE_I386,
        .NumberProcessors = 1,
        .BugCheckCode = BugCheckData[0],
        .BugCheckParameter1 = BugCheckData[1],
        .BugCheckParameter2 = BugCheckData[2],
        .BugCheckParameter3 = BugCheckData[3],
        .BugCheckParameter4 = BugCheckData[4],
    };
}
