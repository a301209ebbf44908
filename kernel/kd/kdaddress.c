/*
 * kernel/kd/kdaddress.c: !address, a process's address space region by region as WinDbg's
 * !address shows it, and a summary:
 *
 *   kd> !address
 *     BaseAddr EndAddr+1  RgnSize Type        State       Protect              ...   Usage
 *   ---------------------------------------------------------------------------- ...
 *   +        0    10000    10000             MEM_FREE    PAGE_NOACCESS        ...   Free
 *   +    10000    11000     1000 MEM_PRIVATE MEM_COMMIT  PAGE_READWRITE       ...   Other ...
 *   ...
 *   +   400000   401000     1000 MEM_PRIVATE MEM_COMMIT  PAGE_READONLY        ...   Image ...
 *       401000   408000     7000 MEM_PRIVATE MEM_COMMIT  PAGE_EXECUTE_READ    ...   Image ...
 *   ...
 *   --- Usage Summary ---------------- RgnCount ----------- Total Size -------- %ofBusy %ofTotal
 *   Free                                     4          7fc5c000 (   1.996 GB)           99.82%
 *   ...
 *
 *   (the usage's detail follows it: [waiter; "waiter.exe"], [~0; 8.c] for a thread's stack.)
 *
 * The regions are NtQueryVirtualMemory's (Mm's own query, called as the kernel calls a service,
 * on NtCurrentProcess() while the command runs attached to the implicit process), from 0 to
 * MmHighestUserAddress: a run of pages with one state, protection and type; + marks the first
 * region of an allocation. The usage comes from what the process says of itself: its image
 * base (Image), PEB, each thread's TEB and stack (the TEB's DeallocationStack), the process
 * heap (PEB ProcessHeap), the process parameters and KUSER_SHARED_DATA (Other); anything
 * else is <unknown>. The image is private memory here (there are no image sections yet), so
 * its Type is MEM_PRIVATE though its usage is Image.
 *
 * !address <address>: the region holding it, field by field; in system space, the region of
 * the layout table (MmGetSystemRegions) holding it.
 */
#include "kernel/kd/kd.h"
#include "kernel/ps/ps.h"
#include "kernel/inc/ntpeb.h"

#define KD_MAXIMUM_MAP_THREADS  32
#define KD_MAXIMUM_PROTECTS     16
#define KD_DETAIL_LENGTH        64
#define KD_SIZE_LENGTH          24
#define MemoryBasicInformation  0

typedef enum _KD_USAGE {
    KdUsageFree, KdUsageImage, KdUsageStack, KdUsageTeb, KdUsagePeb, KdUsageHeap, KdUsageOther,
    KdUsageUnknown, KdUsageCount,
} KD_USAGE;

static const char *const KdUsageNames[KdUsageCount] = {
    "Free", "Image", "Stack", "TEB", "PEB", "Heap", "Other", "<unknown>",
};

/* What the process says of its own address space. */
typedef struct _KD_PROCESS_MAP {
    char ImageFileName[16];
    uint32_t ProcessId, ImageBase, Peb, Heap, Parameters;
    uint32_t ThreadCount;
    struct {
        uint32_t ThreadId, Teb, Stack;      /* Stack: the TEB's DeallocationStack */
    } Threads[KD_MAXIMUM_MAP_THREADS];
} KD_PROCESS_MAP;

typedef struct _KD_TALLY {
    uint32_t Regions;
    uint64_t Bytes;
} KD_TALLY;

typedef struct _KD_ADDRESS_SUMMARY {
    KD_TALLY Usage[KdUsageCount], Private, Mapped, Image, Commit, Reserve, Free;
    KD_TALLY Protect[KD_MAXIMUM_PROTECTS];
    uint32_t ProtectValue[KD_MAXIMUM_PROTECTS], Protects;
    uint32_t LargestBase[KdUsageCount], LargestSize[KdUsageCount];
    uint64_t Total;
} KD_ADDRESS_SUMMARY;

static KD_PROCESS_MAP KdMap;
static KD_ADDRESS_SUMMARY KdSummary;

/* The process's image base, PEB and threads (under Ps's lock), then, attached, what its PEB
 * and TEBs say of the heap, the parameters and the stacks. */
static void KdBuildProcessMap(EPROCESS *Process, KD_PROCESS_MAP *Map)
{
    KIRQL oldIrql;

    RtlZeroMemory(Map, sizeof(*Map));
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    RtlCopyString(Map->ImageFileName, Process->ImageFileName, sizeof(Map->ImageFileName));
    Map->ProcessId = Process->UniqueProcessId;
    Map->ImageBase = (uint32_t)Process->SectionBaseAddress;
    Map->Peb = (uint32_t)Process->Peb;
    for (LIST_ENTRY *e = Process->ThreadListHead.Flink;
         e != &Process->ThreadListHead && Map->ThreadCount < KD_MAXIMUM_MAP_THREADS; e = e->Flink) {
        ETHREAD *thread = CONTAINING_RECORD(e, ETHREAD, ThreadListEntry);

        Map->Threads[Map->ThreadCount].ThreadId = thread->Cid.UniqueThread;
        Map->Threads[Map->ThreadCount++].Teb = (uint32_t)thread->Tcb.Teb;
    }
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    if (Map->Peb) {
        KdReadMemory(Map->Peb + offsetof(NT_PEB, ProcessHeap), &Map->Heap, sizeof(Map->Heap));
        KdReadMemory(Map->Peb + offsetof(NT_PEB, ProcessParameters), &Map->Parameters,
                     sizeof(Map->Parameters));
    }
    for (uint32_t i = 0; i < Map->ThreadCount; i++)
        KdReadMemory(Map->Threads[i].Teb + offsetof(NT_TEB, DeallocationStack),
                     &Map->Threads[i].Stack, sizeof(Map->Threads[i].Stack));
}

/* The usage of a region, and WinDbg's bracketed detail for it. */
static KD_USAGE KdClassifyRegion(const MEMORY_BASIC_INFORMATION *Info, char *Detail)
{
    uint32_t base = Info->AllocationBase;

    Detail[0] = '\0';
    if (Info->State == MEM_FREE)
        return KdUsageFree;
    if (Info->BaseAddress == MM_SHARED_USER_DATA_VA) {
        RtlCopyString(Detail, "[User Shared Data]", KD_DETAIL_LENGTH);
        return KdUsageOther;
    }
    if (base == KdMap.ImageBase) {
        char module[16];
        char *dot;

        RtlCopyString(module, KdMap.ImageFileName, sizeof(module));
        if ((dot = strchr(module, '.')))
            *dot = '\0';
        RtlStringPrintf(Detail, KD_DETAIL_LENGTH, "[%s; \"%s\"]", module, KdMap.ImageFileName);
        return KdUsageImage;
    }
    if (base == KdMap.Peb) {
        RtlStringPrintf(Detail, KD_DETAIL_LENGTH, "[%x]", KdMap.ProcessId);
        return KdUsagePeb;
    }
    for (uint32_t i = 0; i < KdMap.ThreadCount; i++) {
        if (base == KdMap.Threads[i].Teb || (base && base == KdMap.Threads[i].Stack)) {
            RtlStringPrintf(Detail, KD_DETAIL_LENGTH, "[~%u; %x.%x]", i, KdMap.ProcessId,
                            KdMap.Threads[i].ThreadId);
            return base == KdMap.Threads[i].Teb ? KdUsageTeb : KdUsageStack;
        }
    }
    if (base && base == KdMap.Heap) {
        RtlStringPrintf(Detail, KD_DETAIL_LENGTH, "[ID: 0; Handle: %08x; Type: Segment]", base);
        return KdUsageHeap;
    }
    if (base && base == KdMap.Parameters) {
        RtlCopyString(Detail, "[Process Parameters]", KD_DETAIL_LENGTH);
        return KdUsageOther;
    }
    return KdUsageUnknown;
}

/* PAGE_* as WinDbg writes them: the base protection, then | PAGE_GUARD and the like. */
static void KdFormatProtect(uint32_t Protect, char *Text, size_t Size)
{
    static const char *const bases[8] = {
        "PAGE_NOACCESS", "PAGE_READONLY", "PAGE_READWRITE", "PAGE_WRITECOPY", "PAGE_EXECUTE",
        "PAGE_EXECUTE_READ", "PAGE_EXECUTE_READWRITE", "PAGE_EXECUTE_WRITECOPY",
    };
    size_t length = 0;

    Text[0] = '\0';
    for (uint32_t i = 0; i < ARRAYSIZE(bases); i++) {
        if (Protect & (1u << i))
            length += RtlStringPrintf(Text + length, Size - length, "%s", bases[i]);
    }
    if (Protect & PAGE_GUARD)
        length += RtlStringPrintf(Text + length, Size - length, " | PAGE_GUARD");
    if (Protect & PAGE_NOCACHE)
        length += RtlStringPrintf(Text + length, Size - length, " | PAGE_NOCACHE");
    if (Protect & PAGE_WRITECOMBINE)
        RtlStringPrintf(Text + length, Size - length, " | PAGE_WRITECOMBINE");
}

static const char *KdStateName(uint32_t State)
{
    return State == MEM_COMMIT ? "MEM_COMMIT" : State == MEM_RESERVE ? "MEM_RESERVE" : "MEM_FREE";
}

static const char *KdTypeName(uint32_t Type)
{
    return Type == MEM_PRIVATE ? "MEM_PRIVATE" : Type == MEM_MAPPED ? "MEM_MAPPED" :
           Type == MEM_IMAGE ? "MEM_IMAGE" : "";
}

/* "(   1.998 GB)": a size in the unit that keeps it under 1024, with three decimals. */
static void KdFormatSize(uint64_t Bytes, char *Text)
{
    static const char *const units[] = { "B", "kB", "MB", "GB" };
    uint64_t scale = 1;
    uint32_t unit = 0;

    while (unit + 1 < ARRAYSIZE(units) && Bytes >= scale * 1024) {
        scale *= 1024;
        unit++;
    }
    RtlStringPrintf(Text, KD_SIZE_LENGTH, "(%4u.%03u %s)", (uint32_t)(Bytes / scale),
                    (uint32_t)(Bytes % scale * 1000 / scale), units[unit]);
}

/* One query through Mm's service, as the kernel calls it (attached to the process). */
static NTSTATUS KdQueryRegion(uint32_t Va, MEMORY_BASIC_INFORMATION *Info)
{
    return PSP_KERNEL_CALL(NtQueryVirtualMemory(NtCurrentProcess(), (void *)(uintptr_t)Va,
                                                MemoryBasicInformation, Info, sizeof(*Info),
                                                NULL));
}

static void KdTally(KD_TALLY *Tally, uint32_t Bytes)
{
    Tally->Regions++;
    Tally->Bytes += Bytes;
}

static void KdCountRegion(const MEMORY_BASIC_INFORMATION *Info, KD_USAGE Usage)
{
    KD_ADDRESS_SUMMARY *s = &KdSummary;

    KdTally(&s->Usage[Usage], Info->RegionSize);
    s->Total += Info->RegionSize;
    if (Info->RegionSize > s->LargestSize[Usage]) {
        s->LargestSize[Usage] = Info->RegionSize;
        s->LargestBase[Usage] = Info->BaseAddress;
    }
    KdTally(Info->State == MEM_COMMIT ? &s->Commit : Info->State == MEM_RESERVE ? &s->Reserve
                                                                                 : &s->Free,
            Info->RegionSize);
    if (Info->Type == MEM_PRIVATE)
        KdTally(&s->Private, Info->RegionSize);
    else if (Info->Type == MEM_MAPPED)
        KdTally(&s->Mapped, Info->RegionSize);
    else if (Info->Type == MEM_IMAGE)
        KdTally(&s->Image, Info->RegionSize);
    if (Info->State == MEM_COMMIT) {
        uint32_t i = 0;

        while (i < s->Protects && s->ProtectValue[i] != Info->Protect)
            i++;
        if (i == s->Protects && s->Protects < KD_MAXIMUM_PROTECTS)
            s->ProtectValue[s->Protects++] = Info->Protect;
        if (i < s->Protects)
            KdTally(&s->Protect[i], Info->RegionSize);
    }
}

/* A percentage with two decimals; blank when there is nothing to divide by. */
static void KdFormatPercent(uint64_t Part, uint64_t Whole, char *Text)
{
    uint32_t hundredths = Whole ? (uint32_t)(Part * 10000 / Whole) : 0;

    if (Whole)
        RtlStringPrintf(Text, 8, "%u.%02u%%", hundredths / 100, hundredths % 100);
    else
        Text[0] = '\0';
}

static void KdPrintTally(const char *Name, const KD_TALLY *Tally, bool Busy)
{
    uint64_t busy = KdSummary.Total - KdSummary.Free.Bytes;
    char size[KD_SIZE_LENGTH], ofBusy[8], ofTotal[8];

    if (Tally->Regions == 0)
        return;
    KdFormatSize(Tally->Bytes, size);
    KdFormatPercent(Tally->Bytes, Busy ? busy : 0, ofBusy);
    KdFormatPercent(Tally->Bytes, KdSummary.Total, ofTotal);
    DbgPrint("%-32s %9u %17llx %s %7s %8s\n", Name, Tally->Regions,
             (unsigned long long)Tally->Bytes, size, ofBusy, ofTotal);
}

static void KdPrintSummary(void)
{
    const KD_ADDRESS_SUMMARY *s = &KdSummary;
    char protect[64];

    DbgPrint("\n--- Usage Summary ---------------- RgnCount ----------- Total Size -------- "
             "%%ofBusy %%ofTotal\n");
    for (uint32_t i = 0; i < KdUsageCount; i++)
        KdPrintTally(KdUsageNames[i], &s->Usage[i], i != KdUsageFree);
    DbgPrint("\n--- Type Summary (for busy) ------ RgnCount ----------- Total Size -------- "
             "%%ofBusy %%ofTotal\n");
    KdPrintTally("MEM_PRIVATE", &s->Private, true);
    KdPrintTally("MEM_MAPPED", &s->Mapped, true);
    KdPrintTally("MEM_IMAGE", &s->Image, true);
    DbgPrint("\n--- State Summary ---------------- RgnCount ----------- Total Size -------- "
             "%%ofBusy %%ofTotal\n");
    KdPrintTally("MEM_FREE", &s->Free, false);
    KdPrintTally("MEM_COMMIT", &s->Commit, true);
    KdPrintTally("MEM_RESERVE", &s->Reserve, true);
    DbgPrint("\n--- Protect Summary (for commit) - RgnCount ----------- Total Size -------- "
             "%%ofBusy %%ofTotal\n");
    for (uint32_t i = 0; i < s->Protects; i++) {
        KdFormatProtect(s->ProtectValue[i], protect, sizeof(protect));
        KdPrintTally(protect, &s->Protect[i], true);
    }
    DbgPrint("\n--- Largest Region by Usage ----------- Base Address -------- Region Size "
             "----------\n");
    for (uint32_t i = 0; i < KdUsageCount; i++) {
        char size[KD_SIZE_LENGTH];

        if (s->Usage[i].Regions == 0)
            continue;
        KdFormatSize(s->LargestSize[i], size);
        DbgPrint("%-32s %17x %17x %s\n", KdUsageNames[i], s->LargestBase[i], s->LargestSize[i],
                 size);
    }
}

/* Why a query failed: an ended process (NT's STATUS_PROCESS_IS_TERMINATING: its address
 * space is gone though the object lives on), or the status as it is. */
static void KdPrintQueryFailure(uint32_t Va, NTSTATUS Status)
{
    if (Status == STATUS_PROCESS_IS_TERMINATING)
        DbgPrint("!address: the process has ended; its address space is gone\n");
    else
        DbgPrint("!address: NtQueryVirtualMemory(%08x) failed: status 0x%08X\n", Va,
                 (uint32_t)Status);
}

/* Every region from 0 to the top of user space, then the summary. */
static void KdListRegions(void)
{
    MEMORY_BASIC_INFORMATION info;
    char detail[KD_DETAIL_LENGTH], protect[64];
    NTSTATUS status = STATUS_SUCCESS;
    uint32_t va = 0;

    RtlZeroMemory(&KdSummary, sizeof(KdSummary));
    DbgPrint("  BaseAddr EndAddr+1  RgnSize Type        State       Protect                  "
             "          Usage\n");
    DbgPrint("---------------------------------------------------------------------------------"
             "---------------\n");
    while (va <= MmHighestUserAddress && NT_SUCCESS(status = KdQueryRegion(va, &info)) &&
           info.RegionSize != 0) {
        KD_USAGE usage = KdClassifyRegion(&info, detail);

        KdFormatProtect(info.Protect, protect, sizeof(protect));
        DbgPrint("%c%9x %8x %8x %-11s %-11s %-34s %-*s%s\n",
                 info.State == MEM_FREE || info.BaseAddress == info.AllocationBase ? '+' : ' ',
                 info.BaseAddress, info.BaseAddress + info.RegionSize, info.RegionSize,
                 KdTypeName(info.Type), KdStateName(info.State), protect, detail[0] ? 11 : 0,
                 KdUsageNames[usage], detail);
        KdCountRegion(&info, usage);
        va = info.BaseAddress + info.RegionSize;
        if (va == 0)
            break;
    }
    if (!NT_SUCCESS(status))
        KdPrintQueryFailure(va, status);
    KdPrintSummary();
}

static void KdPrintField(const char *Name, uint32_t Value, const char *Text)
{
    DbgPrint("%-24s%08x%s%s\n", Name, Value, Text[0] ? "          " : "", Text);
}

/* The region holding Va as !address lists it: NtQueryVirtualMemory answers from Va's page on,
 * so the run is found from its allocation's base (from 0 for a free one). */
static NTSTATUS KdFindRegion(uint32_t Va, MEMORY_BASIC_INFORMATION *Info)
{
    NTSTATUS status = KdQueryRegion(Va, Info);
    uint32_t at = Info->State == MEM_FREE ? 0 : Info->AllocationBase;

    while (NT_SUCCESS(status) && at <= Va && NT_SUCCESS(status = KdQueryRegion(at, Info)) &&
           Info->RegionSize != 0 && Info->BaseAddress + Info->RegionSize <= Va)
        at = Info->BaseAddress + Info->RegionSize;
    return status;
}

/* !address <user address>: the region holding it, as WinDbg's detail shows it. */
static void KdPrintRegion(uint32_t Va)
{
    MEMORY_BASIC_INFORMATION info;
    char detail[KD_DETAIL_LENGTH], protect[64], size[KD_SIZE_LENGTH];
    NTSTATUS status = KdFindRegion(Va, &info);
    KD_USAGE usage;

    if (!NT_SUCCESS(status)) {
        KdPrintQueryFailure(Va, status);
        return;
    }
    usage = KdClassifyRegion(&info, detail);
    KdFormatSize(info.RegionSize, size);
    DbgPrint("%-24s%s\n", "Usage:", KdUsageNames[usage]);
    DbgPrint("%-24s%08x\n", "Base Address:", info.BaseAddress);
    DbgPrint("%-24s%08x\n", "End Address:", info.BaseAddress + info.RegionSize);
    DbgPrint("%-24s%08x %s\n", "Region Size:", info.RegionSize, size);
    KdPrintField("State:", info.State, KdStateName(info.State));
    KdFormatProtect(info.Protect, protect, sizeof(protect));
    KdPrintField("Protect:", info.Protect, protect);
    if (info.State != MEM_FREE) {
        KdPrintField("Type:", info.Type, KdTypeName(info.Type));
        DbgPrint("%-24s%08x\n", "Allocation Base:", info.AllocationBase);
        KdFormatProtect(info.AllocationProtect, protect, sizeof(protect));
        KdPrintField("Allocation Protect:", info.AllocationProtect, protect);
    }
    if (detail[0])
        DbgPrint("%-24s%s\n", "More info:", detail);
}

/* !address <system address>: the region of the layout table holding it. */
static void KdPrintSystemRegion(uint32_t Va)
{
    MM_SYSTEM_REGION regions[32];
    uint32_t count = MmGetSystemRegions(regions, ARRAYSIZE(regions));
    char size[KD_SIZE_LENGTH];

    for (uint32_t i = 0; i < count; i++) {
        const MM_SYSTEM_REGION *r = &regions[i];

        if (Va < r->Start || Va > r->End)
            continue;
        KdFormatSize((uint64_t)r->End - r->Start + 1, size);
        DbgPrint("%-24s%s\n", "Usage:", r->Name);
        DbgPrint("%-24s%08x\n", "Base Address:", (uint32_t)r->Start);
        DbgPrint("%-24s%08x\n", "End Address:", (uint32_t)(r->End + 1));
        DbgPrint("%-24s%08x %s\n", "Region Size:", (uint32_t)(r->End - r->Start + 1), size);
        return;
    }
    DbgPrint("!address: %08x is in no region of the layout\n", Va);
}

/* !address [<address>] */
void KdCommandAddress(int Argc, char **Argv)
{
    EPROCESS *process = KdGetImplicitProcess();
    uint32_t va = 0;

    if (Argc > 2) {
        DbgPrint("usage: !address [<address>]\n");
        return;
    }
    if (Argc == 2 && !KdEvaluateWord(Argv[1], &va))
        return;
    if (Argc == 2 && va > MmHighestUserAddress) {
        KdPrintSystemRegion(va);
        return;
    }
    if (!process) {
        DbgPrint("!address: the System process has no user space (.process <eprocess> "
                 "chooses a process)\n");
        return;
    }
    KdBuildProcessMap(process, &KdMap);
    if (Argc == 2)
        KdPrintRegion(va);
    else
        KdListRegions();
}
