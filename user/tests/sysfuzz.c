/*
 * sysfuzz.exe: system calls with random numbers and random arguments, issued with `int 0x2E`
 * directly, or (half of those whose arguments are the generated block, where the processor
 * has sysenter) through the shared page's sysenter trampoline with random EFLAGS bits set.
 * Each must come back with an NT status (facility 0, no customer bit): no bugcheck, no hang,
 * and no write anywhere but where the caller pointed.
 *
 *   sysfuzz.exe [CALLS [SEED]]        (default 100000 calls, seed 1)
 *
 * The numbers: every service of kernel/inc/ntservices.h (the list ntdll's stubs come from),
 * numbers past the table, the second table and random 32-bit values. Left out, because they
 * would end this process or run code in it: NtTerminateProcess, NtTerminateThread,
 * NtContinue, NtRaiseException (they replace the thread's context) and NtCreateThread (a
 * thread from a random CONTEXT runs random code here); and NtAllocateUserPhysicalPages, whose
 * pages stay the process's until it frees them by number or ends: random counts would hold
 * all of memory and commitment for the rest of the run, and the child at the end could not
 * start. The waits and NtDelayExecution are kept with their timeout pointing at 0 (NT's waits
 * block forever without one).
 *
 * The arguments (EDX too): small numbers, NT's flags, pseudo-handles, the edges of user and
 * system space (0x7FFEFFFF, 0x7FFF0000, 0x80000000, the self-map, 0xFFDF0000), pointers into
 * a scratch region of committed, read-only, no-access, guard and reserved pages (at page ends
 * too, so a buffer runs into the next page), KUSER_SHARED_DATA's read-only user view, and
 * random values. The scratch region's committed pages hold the same kinds of values before
 * each call, so a pointer argument leads to more of them. Nothing generated ever names this
 * program's own image, stack, heap, PEB, TEBs or the canary region (each allocation that
 * existed at the start), and no value names the console handle: what the calls may change
 * is the scratch region and whatever they allocate themselves, which is released every
 * CLEANUP_INTERVAL calls.
 *
 * Checks: each status; the read-only scratch page, the canary region, the image's code,
 * KUSER_SHARED_DATA's unused tail, the PEB's and TEB's fields unchanged (every
 * CLEANUP_INTERVAL calls and at the end); then a child process still starts and ends with 0.
 * The statuses seen are listed as diagnostics.
 */
#include <ntdll.h>
#include <stdlib.h>
#include "ktap.h"
#include "../../kernel/inc/ntservices.h"

#define NT_SERVICE(Name, ArgumentDwords) { #Name, ArgumentDwords },
static const struct {
    const char *Name;
    ULONG Arguments;
} Services[] = { NT_SERVICES };
#undef NT_SERVICE

#define SERVICE_COUNT       ((ULONG)(sizeof(Services) / sizeof(Services[0])))
#define MAXIMUM_ARGUMENTS   16
#define DEFAULT_CALLS       100000
#define CLEANUP_INTERVAL    1000
#define PAGE                0x1000u
#define GRANULE             0x10000u
#define USER_END            0x7FFF0000u
#define SHARED_DATA         0x7FFE0000u
#define SHARED_DATA_TAIL    0x7FFE0F00u     /* KUSER_SHARED_DATA leaves this unused */
#define FAST_SYSTEM_CALL    SHARED_DATA_TAIL    /* the kernel's trampolines start there */
#define SHARED_SYSTEM_CALL  (SHARED_DATA + 0x300)   /* SharedUserData->SystemCall */
#define SCRATCH_PAGES       16
#define SCRATCH_SIZE        (SCRATCH_PAGES * PAGE)
#define SCRATCH_READONLY    8               /* the page that must never change */
#define SCRATCH_NOACCESS    9
#define SCRATCH_GUARD       10
#define SCRATCH_RESERVED    11
#define CANARY_SIZE         0x10000u
#define MAXIMUM_STATUSES    64

static ULONG Seed = 1;
static ULONG RandomState;
static PUCHAR Scratch, Canary;
static ULONG ConsoleHandle;
static UCHAR Critical[USER_END / GRANULE / 8]; /* 64 KB granules not to be named */
static ULONG ReadOnlyImage[PAGE / 4];
static ULONG TextSum, SharedTail[64];
static PVOID PebParameters, TebSelf, TebStackBase;
static struct {
    NTSTATUS Status;
    ULONG Count;
    ULONG FirstService;
} Statuses[MAXIMUM_STATUSES];
static ULONG StatusKinds, BadStatuses, Calls[SERVICE_COUNT + 1];
#define HANDLE_KINDS        8
static ULONG Handles[HANDLE_KINDS] = { 0xFFFFFFFF, 0xFFFFFFFE, 0 };  /* the rest opened */
static HANDLE Child;

static ULONG Random(void)
{
    RandomState = RandomState * 1103515245u + 12345u;
    return (RandomState >> 16) | (RandomState & 0xFFFF0000u);
}

static BOOL IsCritical(ULONG Value)
{
    return Value < USER_END && (Critical[Value / GRANULE / 8] >> (Value / GRANULE % 8) & 1);
}

static void MarkCritical(ULONG Start, ULONG Size)
{
    ULONG end = Start + Size - 1 < USER_END ? Start + Size - 1 : USER_END - 1;

    /* (Under /3GB a process without IMAGE_FILE_LARGE_ADDRESS_AWARE has one reserved region from
     * 0x7FFE1000 to the top of its 3 GB: only what lies below USER_END is kept.) */
    for (ULONG granule = Start / GRANULE; granule <= end / GRANULE; granule++)
        Critical[granule / 8] |= (UCHAR)(1u << (granule % 8));
}

static BOOL IsConsole(ULONG Value)
{
    return (Value & ~3u) == ConsoleHandle;
}

/* A pointer into the scratch region: any page (the reserved one too), any offset, often the
 * last bytes of a page so that what is read or written runs into the next one. */
static ULONG ScratchPointer(void)
{
    ULONG page = Random() % SCRATCH_PAGES, offset;

    switch (Random() % 4) {
    case 0: offset = PAGE - 4 * (1 + Random() % 8); break;
    case 1: offset = Random() % PAGE; break;
    default: offset = (Random() % PAGE) & ~3u; break;
    }
    return (ULONG)(ULONG_PTR)Scratch + page * PAGE + offset;
}

/* One value of the kinds described above; never a critical address or the console handle.
 * Pointers into the scratch region only when Pointers allows. */
static ULONG RandomValue(BOOL Pointers)
{
    static const ULONG specials[] = {
        0, 1, 2, 3, 4, 7, 8, 0x10, 0x20, 0x40, 0x100, 0x1000, 0xFFF, 0x10000, 0xFFFF,
        0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0x80000000, 0x7FFFFFFF, 0x7FFEFFFF, 0x7FFF0000,
        0x7FFFFFFC, 0x7FFEFFFC, 0xC0000000, 0xC0300000, 0xC0300C00, 0xC0502000, 0xE1000000,
        0xFFDF0000, 0xFFFFF000, 0x80100000, SHARED_DATA, SHARED_DATA + 0x2D0, 0x00010000,
        0x04000000, 0x7FFD0000, MEM_COMMIT, MEM_RESERVE, MEM_COMMIT | MEM_RESERVE,
        MEM_DECOMMIT, MEM_RELEASE, MEM_RESET, MEM_TOP_DOWN | MEM_RESERVE, MEM_WRITE_WATCH |
        MEM_RESERVE, MEM_PHYSICAL, MEM_LARGE_PAGES, PAGE_NOACCESS, PAGE_READONLY,
        PAGE_READWRITE, PAGE_EXECUTE_READWRITE, PAGE_WRITECOPY, PAGE_GUARD | PAGE_READWRITE,
        PAGE_NOCACHE | PAGE_READWRITE, 0x001F0FFF, 0x00100000, 0x10000000, 0x1C, 0x2C, 0x138,
    };
    ULONG value;

    do {
        ULONG kind = Random() % 20;

        if (kind < 4)
            value = Pointers ? ScratchPointer() : 0;
        else if (kind < 7)
            value = Handles[Random() % HANDLE_KINDS];
        else if (kind < 11)
            value = specials[Random() % (sizeof(specials) / sizeof(specials[0]))];
        else if (kind < 13)
            value = Random() % 64;
        else if (kind < 15)
            value = Random() % 2 ? (Random() % 256) * PAGE : Random() % 0x20000;
        else if (kind < 16)
            value = 0;
        else if (kind < 18)
            value = Random();
        else
            value = Random() & 0x7FFFFFFF;
    } while ((IsCritical(value) && !(Pointers && value - (ULONG)(ULONG_PTR)Scratch <
                                                    SCRATCH_SIZE)) || IsConsole(value));
    return value;
}

static BOOL IsWritableScratchPage(ULONG Page)
{
    return Page < SCRATCH_PAGES && (Page < SCRATCH_READONLY || Page > SCRATCH_RESERVED);
}

/* Count of the scratch region's writable pages' words refilled (all of them: Count 0). */
static void RefillScratch(ULONG Count)
{
    for (ULONG page = 0; page < SCRATCH_PAGES; page++) {
        ULONG *words = (ULONG *)(Scratch + page * PAGE);

        if (!IsWritableScratchPage(page))
            continue;
        if (Count == 0) {
            for (ULONG i = 0; i < PAGE / 4; i++)
                words[i] = RandomValue(FALSE);
        } else {
            for (ULONG i = 0; i < Count; i++)
                words[Random() % (PAGE / 4)] = RandomValue(FALSE);
        }
    }
}

/*
 * The words at and after Pointer (up to 16 bytes), when it points into a writable scratch
 * page, made safe to be taken for an address: a call may have left a scratch or critical
 * address there (a query writes the addresses it reports), which a later call given this
 * pointer as its BaseAddress would then free or protect.
 */
static void SanitizeAt(ULONG Pointer)
{
    ULONG offset = Pointer - (ULONG)(ULONG_PTR)Scratch;

    for (ULONG at = offset & ~3u; at < offset + 16 && at < SCRATCH_SIZE; at += 4) {
        ULONG *word = (ULONG *)(Scratch + at);

        if (IsWritableScratchPage(at / PAGE) &&
            (IsCritical(*word) || *word - (ULONG)(ULONG_PTR)Scratch < SCRATCH_SIZE + GRANULE ||
             IsConsole(*word)))
            *word = RandomValue(FALSE);
    }
}

/* Scratch pages in their states (the calls may not change them: nothing names them). */
static BOOL ArmScratch(void)
{
    DWORD old;

    return VirtualProtect(Scratch + SCRATCH_NOACCESS * PAGE, PAGE, PAGE_NOACCESS, &old) &&
           VirtualProtect(Scratch + SCRATCH_GUARD * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old);
}

static BOOL FastCalls;                  /* SharedUserData->SystemCall is the sysenter one */
static ULONG FastCallCount;

static NTSTATUS SystemCall(ULONG Number, const void *Arguments)
{
    NTSTATUS status;

    __asm__ volatile("int $0x2e" : "=a"(status) : "a"(Number), "d"(Arguments) : "ecx", "memory");
    return status;
}

/*
 * The same call by sysenter, through the shared page's KiFastSystemCall as ntdll's stubs make
 * it, the MAXIMUM_ARGUMENTS dwords at Arguments copied below this stack where the stub's
 * caller would have them, with Flags set in EFLAGS for it (any of the status flags, DF, NT,
 * AC and ID: ring 3 may set each, and sysenter clears none of them); EFLAGS is put back
 * afterwards. ESI keeps this stack across the call (the kernel keeps it).
 */
#define FUZZ_EFLAGS     (0x8D5u | 0x400u | 0x4000u | 0x40000u | 0x200000u)

static NTSTATUS FastSystemCall(ULONG Number, const ULONG *Arguments, ULONG Flags)
{
    NTSTATUS status;

    __asm__ volatile("pushfl\n\t"
                     "pushl %%edx\n\t"
                     "movl %%esp, %%esi\n\t"
                     "subl $4 + 4 * %c[count], %%esp\n\t"
                     "movl $%c[count], %%ecx\n"
                     "1:\tmovl -4(%%ebx,%%ecx,4), %%edx\n\t"
                     "movl %%edx, (%%esp,%%ecx,4)\n\t"
                     "decl %%ecx\n\t"
                     "jnz 1b\n\t"
                     "pushfl\n\t"
                     "movl (%%esi), %%edx\n\t"
                     "orl %%edx, (%%esp)\n\t"
                     "popfl\n\t"
                     "call *%%edi\n\t"
                     "movl %%esi, %%esp\n\t"
                     "addl $4, %%esp\n\t"
                     "popfl"
                     : "=a"(status), "+b"(Arguments), "+d"(Flags)
                     : "a"(Number), "D"(FAST_SYSTEM_CALL), [count] "i"(MAXIMUM_ARGUMENTS)
                     : "ecx", "esi", "memory", "cc");
    return status;
}

static BOOL Excluded(ULONG Number)
{
    static const char *const names[] = {
        "NtTerminateProcess", "NtTerminateThread", "NtContinue", "NtRaiseException",
        "NtCreateThread", "NtAllocateUserPhysicalPages",
    };

    if (Number >= SERVICE_COUNT)
        return FALSE;
    for (ULONG i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(Services[Number].Name, names[i]) == 0)
            return TRUE;
    return FALSE;
}

/* A service number: mostly a real one, sometimes past the table, in the second table, or any
 * 32 bits. */
static ULONG RandomNumber(void)
{
    ULONG number;

    do {
        switch (Random() % 16) {
        case 0: number = SERVICE_COUNT + Random() % 0x1000; break;
        case 1: number = 0x1000 | (Random() % 0x1000); break;
        case 2: number = Random(); break;
        default: number = Random() % SERVICE_COUNT; break;
        }
    } while (Excluded(number & 0x1FFF) && (number >> 12) == 0);
    return number;
}

/*
 * The services' argument kinds, for calls that reach past the first checks: h a handle, P a
 * pointer to an address (0, or an address that is not critical), s a pointer to a size, a an
 * address, p a pointer, l a length, c an information class, m MEM_* flags, r PAGE_*
 * protection, b a boolean, t a pointer to a zero timeout, n a number. A service missing here
 * gets random arguments only.
 */
static const struct {
    const char *Name;
    const char *Kinds;
} Signatures[] = {
    { "NtAdjustPrivilegesToken", "hbplpp" },
    { "NtAllocateVirtualMemory", "hPnsmr" },
    { "NtClose", "h" },
    { "NtCreateProcess", "pnphbbbb" },
    { "NtCreateProcessEx", "pnphnbbbn" },
    { "NtCreateUserProcess", "ppnnppnp" },
    { "NtDelayExecution", "bt" },
    { "NtDuplicateObject", "hhhpnnn" },
    { "NtFreeVirtualMemory", "hPsm" },
    { "NtGetWriteWatch", "hnalppp" },
    { "NtLockVirtualMemory", "hPsn" },
    { "NtOpenProcess", "pnpp" },
    { "NtOpenProcessToken", "hnp" },
    { "NtProtectVirtualMemory", "hPsrp" },
    { "NtQueryInformationProcess", "hcplp" },
    { "NtQueryInformationThread", "hcplp" },
    { "NtQueryPerformanceCounter", "pp" },
    { "NtQuerySystemInformation", "cplp" },
    { "NtQueryVirtualMemory", "hacplp" },
    { "NtReadVirtualMemory", "haplp" },
    { "NtResetWriteWatch", "hal" },
    { "NtSetInformationProcess", "hcpl" },
    { "NtUnlockVirtualMemory", "hPsn" },
    { "NtWaitForMultipleObjects", "cpnbt" },
    { "NtWaitForSingleObject", "hbt" },
    { "NtWriteFile", "hhppppnpp" },
    { "NtWriteVirtualMemory", "haplp" },
};

/* A user address that is not critical: page-aligned, granule-aligned or anywhere. */
static ULONG RandomAddress(void)
{
    ULONG value;

    do {
        value = Random() % USER_END;
        if (Random() % 2)
            value &= Random() % 2 ? ~(GRANULE - 1) : ~(PAGE - 1);
    } while (IsCritical(value) || value - (ULONG)(ULONG_PTR)Scratch < SCRATCH_SIZE + GRANULE);
    return value;
}

/* An aligned pointer to a writable scratch word holding Value. */
static ULONG PointerTo(ULONG Value)
{
    ULONG page, word;

    do
        page = Random() % SCRATCH_PAGES;
    while (!IsWritableScratchPage(page));
    word = Random() % (PAGE / 4);
    ((ULONG *)(Scratch + page * PAGE))[word] = Value;
    return (ULONG)(ULONG_PTR)Scratch + page * PAGE + word * 4;
}

static ULONG TypedValue(char Kind)
{
    static const ULONG lengths[] = { 0, 1, 4, 8, 0x18, 0x1C, 0x20, 0x2C, 0x138, 0x1000, 0x10000 };
    static const ULONG memFlags[] = {
        MEM_COMMIT, MEM_RESERVE, MEM_COMMIT | MEM_RESERVE, MEM_DECOMMIT, MEM_RELEASE,
        MEM_RESET, MEM_TOP_DOWN | MEM_RESERVE | MEM_COMMIT, MEM_WRITE_WATCH | MEM_RESERVE,
    };
    static const ULONG protections[] = {
        PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE,
        PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_READWRITE | PAGE_GUARD,
        PAGE_READONLY | PAGE_NOCACHE,
    };
    static const LONGLONG zero = 0;

    if (Random() % 8 == 0)                      /* now and then anything at all */
        return RandomValue(TRUE);
    switch (Kind) {
    case 'h': return Handles[Random() % HANDLE_KINDS];
    case 'P': return PointerTo(Random() % 3 ? 0 : RandomAddress());
    case 's': return PointerTo(Random() % 4 ? (1 + Random() % 64) * PAGE : Random() % 0x1000000);
    case 'a': return Random() % 4 ? RandomAddress() : ScratchPointer();
    case 'p': return ScratchPointer() & ~3u;
    case 'l': return lengths[Random() % (sizeof(lengths) / sizeof(lengths[0]))];
    case 'c': return Random() % 40;
    case 'm': return memFlags[Random() % (sizeof(memFlags) / sizeof(memFlags[0]))];
    case 'r': return protections[Random() % (sizeof(protections) / sizeof(protections[0]))];
    case 'b': return Random() % 2;
    case 't': return (ULONG)(ULONG_PTR)&zero;
    default: return RandomValue(FALSE);
    }
}

/* The arguments of one call, where EDX points (in the scratch region, or not): for half the
 * calls of a service with a signature, typed ones. */
static const void *RandomArguments(ULONG Number, ULONG *Block)
{
    static const LONGLONG zero = 0;
    const char *name = Number < SERVICE_COUNT ? Services[Number].Name : "", *kinds = NULL;

    for (ULONG i = 0; i < sizeof(Signatures) / sizeof(Signatures[0]); i++)
        if (strcmp(name, Signatures[i].Name) == 0)
            kinds = Signatures[i].Kinds;
    for (ULONG i = 0; i < MAXIMUM_ARGUMENTS; i++)
        Block[i] = RandomValue(TRUE);
    for (ULONG i = 0; i < MAXIMUM_ARGUMENTS; i++)
        SanitizeAt(Block[i]);
    if (kinds && Random() % 2)
        for (ULONG i = 0; kinds[i]; i++)
            Block[i] = TypedValue(kinds[i]);
    BOOL timed = TRUE;                  /* a wait whose timeout must stay the zero one */

    if (strcmp(name, "NtWaitForSingleObject") == 0)
        Block[2] = (ULONG)(ULONG_PTR)&zero;
    else if (strcmp(name, "NtWaitForMultipleObjects") == 0)
        Block[4] = (ULONG)(ULONG_PTR)&zero;
    else if (strcmp(name, "NtDelayExecution") == 0)
        Block[1] = (ULONG)(ULONG_PTR)&zero;
    else
        timed = FALSE;
    /* The arguments elsewhere: none, at a random address, at the end of user space. Not for a
     * wait: arguments read from anywhere could name a timeout of hours, a wait that is no
     * hang but would outlast the run. */
    switch (Random() % 16) {
    case 0: return NULL;
    case 1: return timed ? Block : (const void *)(ULONG_PTR)RandomValue(FALSE);
    case 2: return timed ? Block : (const void *)(ULONG_PTR)(USER_END - 4 * (Random() % 8));
    default: return Block;
    }
}

static void CountStatus(NTSTATUS Status, ULONG Number)
{
    ULONG i;

    if ((ULONG)Status & 0x3FFF0000u) {         /* a facility, or the customer bit: not NT's */
        if (!BadStatuses++)
            printf("# 0x%08lX from service 0x%lX\n", (ULONG)Status, Number);
    }
    for (i = 0; i < StatusKinds; i++)
        if (Statuses[i].Status == Status)
            break;
    if (i == StatusKinds && StatusKinds < MAXIMUM_STATUSES) {
        Statuses[i].Status = Status;
        Statuses[i].FirstService = Number;
        StatusKinds++;
    }
    if (i < StatusKinds)
        Statuses[i].Count++;
}

/* Every allocation the calls made (any region whose allocation is not critical) released. */
static ULONG ReleaseAllocations(void)
{
    MEMORY_BASIC_INFORMATION info;
    ULONG released = 0;

    for (ULONG address = GRANULE; address < USER_END; address += info.RegionSize) {
        if (!VirtualQuery((PVOID)(ULONG_PTR)address, &info, sizeof(info)))
            break;
        if (info.State != MEM_FREE && !IsCritical((ULONG)(ULONG_PTR)info.AllocationBase))
            released += VirtualFree(info.AllocationBase, 0, MEM_RELEASE) != FALSE;
    }
    return released;
}

/* The image's code, summed. */
static ULONG SumText(void)
{
    PUCHAR base = (PUCHAR)NtCurrentPeb()->ImageBaseAddress;
    PIMAGE_NT_HEADERS headers = (PIMAGE_NT_HEADERS)(base + ((PIMAGE_DOS_HEADER)base)->e_lfanew);
    PIMAGE_SECTION_HEADER section = IMAGE_FIRST_SECTION(headers);
    ULONG sum = 0;

    for (ULONG s = 0; s < headers->FileHeader.NumberOfSections; s++, section++) {
        if (!(section->Characteristics & IMAGE_SCN_MEM_EXECUTE))
            continue;
        for (ULONG i = 0; i + 4 <= section->Misc.VirtualSize; i += 4)
            sum = sum * 31 + *(ULONG *)(base + section->VirtualAddress + i);
    }
    return sum;
}

static BOOL CanaryIntact(void)
{
    for (ULONG i = 0; i < CANARY_SIZE / 4; i++)
        if (((ULONG *)Canary)[i] != (i ^ 0xCA4A4157u))
            return FALSE;
    return TRUE;
}

/* What no call may change. */
static void CheckUnchanged(ULONG Done)
{
    BOOL same = CanaryIntact() &&
                memcmp(Scratch + SCRATCH_READONLY * PAGE, ReadOnlyImage, PAGE) == 0 &&
                SumText() == TextSum &&
                memcmp((PVOID)SHARED_DATA_TAIL, SharedTail, sizeof(SharedTail)) == 0 &&
                NtCurrentPeb()->ProcessParameters == PebParameters &&
                NtCurrentTeb()->NtTib.Self == TebSelf &&
                NtCurrentTeb()->NtTib.StackBase == TebStackBase;

    if (!same)
        printf("# after %lu calls: memory that no call may write has changed\n", Done);
    KT_EXPECT(same);
}

/* Handles for the calls to use: this process (all access, query only), this thread, a child
 * that waits (all access, query only). The fuzzed calls may close them. */
static BOOL OpenHandles(void)
{
    PROCESS_INFORMATION info;
    char commandLine[] = "sysfuzz.exe wait";
    HANDLE process = GetCurrentProcess(), handle;

    if (!CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info))
        return FALSE;
    Child = info.hProcess;
    Handles[3] = (ULONG)(ULONG_PTR)info.hThread;
    if (!DuplicateHandle(process, info.hProcess, process, &handle, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
        return FALSE;
    Handles[4] = (ULONG)(ULONG_PTR)handle;
    handle = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetProcessId(info.hProcess));
    Handles[5] = (ULONG)(ULONG_PTR)handle;
    handle = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                         GetCurrentProcessId());
    Handles[6] = (ULONG)(ULONG_PTR)handle;
    if (!DuplicateHandle(process, GetCurrentThread(), process, &handle, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
        return FALSE;
    Handles[7] = (ULONG)(ULONG_PTR)handle;
    return Handles[5] && Handles[6];
}

/* Everything allocated at the start is critical, and the canary and scratch regions. */
static BOOL Prepare(void)
{
    MEMORY_BASIC_INFORMATION info;
    DWORD old;

    Scratch = VirtualAlloc(NULL, SCRATCH_SIZE + GRANULE, MEM_RESERVE, PAGE_READWRITE);
    Canary = VirtualAlloc(NULL, CANARY_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!Scratch || !Canary ||
        !VirtualAlloc(Scratch, SCRATCH_RESERVED * PAGE, MEM_COMMIT, PAGE_READWRITE) ||
        !VirtualAlloc(Scratch + (SCRATCH_RESERVED + 1) * PAGE,
                      (SCRATCH_PAGES - SCRATCH_RESERVED - 1) * PAGE, MEM_COMMIT, PAGE_READWRITE))
        return FALSE;
    for (ULONG address = GRANULE; address < USER_END; address += info.RegionSize) {
        if (!VirtualQuery((PVOID)(ULONG_PTR)address, &info, sizeof(info)))
            return FALSE;
        if (info.State != MEM_FREE)
            MarkCritical((ULONG)(ULONG_PTR)info.BaseAddress, (ULONG)info.RegionSize);
    }
    ConsoleHandle = (ULONG)(ULONG_PTR)GetStdHandle(STD_OUTPUT_HANDLE);
    if (!OpenHandles())
        return FALSE;
    for (ULONG i = 0; i < CANARY_SIZE / 4; i++)
        ((ULONG *)Canary)[i] = i ^ 0xCA4A4157u;
    RandomState = Seed;
    for (ULONG i = 0; i < PAGE / 4; i++)
        ReadOnlyImage[i] = ((ULONG *)(Scratch + SCRATCH_READONLY * PAGE))[i] = RandomValue(FALSE);
    if (!VirtualProtect(Scratch + SCRATCH_READONLY * PAGE, PAGE, PAGE_READONLY, &old) ||
        !ArmScratch())
        return FALSE;
    TextSum = SumText();
    memcpy(SharedTail, (PVOID)SHARED_DATA_TAIL, sizeof(SharedTail));
    PebParameters = NtCurrentPeb()->ProcessParameters;
    TebSelf = NtCurrentTeb()->NtTib.Self;
    TebStackBase = NtCurrentTeb()->NtTib.StackBase;
    return TRUE;
}

static ULONG CallCount = DEFAULT_CALLS;

static void TestRandomCalls(void)
{
    ULONG *block, released = 0;

    KT_EXPECT(Prepare());
    if (!Scratch || !Canary)
        return;
    RandomState = Seed;
    FastCalls = *(volatile ULONG *)SHARED_SYSTEM_CALL == FAST_SYSTEM_CALL;
    RefillScratch(0);
    printf("# seed %lu, %lu calls over %lu services\n", Seed, CallCount, SERVICE_COUNT);
    for (ULONG done = 0; done < CallCount; done++) {
        ULONG number = RandomNumber();
        const void *arguments;
        NTSTATUS status;

        RefillScratch(8);
        block = (ULONG *)(Scratch + (Random() % SCRATCH_READONLY) * PAGE + (Random() % 64) * 4);
        if ((ULONG_PTR)block + MAXIMUM_ARGUMENTS * 4 > (ULONG_PTR)Scratch + SCRATCH_READONLY * PAGE)
            block = (ULONG *)Scratch;
        arguments = RandomArguments(number, block);
        if (arguments == block && FastCalls && Random() % 2) {
            status = FastSystemCall(number, block, Random() & FUZZ_EFLAGS);
            FastCallCount++;
        } else {
            status = SystemCall(number, arguments);
        }
        CountStatus(status, number);
        Calls[number < SERVICE_COUNT ? number : SERVICE_COUNT]++;
        if ((done + 1) % CLEANUP_INTERVAL == 0) {
            released += ReleaseAllocations();
            KT_EXPECT(ArmScratch());
            CheckUnchanged(done + 1);
        }
        if ((done + 1) % 10000 == 0)
            printf("# %lu calls\n", done + 1);
    }
    released += ReleaseAllocations();
    CheckUnchanged(CallCount);
    TerminateProcess(Child, 0);
    CloseHandle(Child);
    printf("# %lu calls by sysenter with random EFLAGS bits; %lu allocations the calls made "
           "released; %lu kinds of status:\n", FastCallCount, released, StatusKinds);
    for (ULONG i = 0; i < StatusKinds; i++)
        printf("#   0x%08lX x %lu (first from %s)\n", (ULONG)Statuses[i].Status,
               Statuses[i].Count, Statuses[i].FirstService < SERVICE_COUNT ?
               Services[Statuses[i].FirstService].Name : "a number past the table");
    KT_EQ(BadStatuses, 0);
    KT_EXPECT(!FastCalls || FastCallCount > 0);
    KT_EXPECT(Calls[SERVICE_COUNT] > 0);        /* numbers past the table were tried */
    for (ULONG i = 0; i < SERVICE_COUNT; i++)
        KT_EXPECT(Calls[i] > 0 || Excluded(i));
}

/* Afterwards the system still makes a process, which runs and ends with its status. */
static void TestStillWorks(void)
{
    PROCESS_INFORMATION info;
    char commandLine[] = "sysfuzz.exe child";
    DWORD code = 1;

    KT_EXPECT(CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info));
    KT_EQ(WaitForSingleObject(info.hProcess, 30000), WAIT_OBJECT_0);
    KT_EXPECT(GetExitCodeProcess(info.hProcess, &code));
    KT_EQ(code, 0x600D);
    CloseHandle(info.hThread);
    CloseHandle(info.hProcess);
}

static const KTAP_CASE Cases[] = {
    { "sysfuzz.random_calls", TestRandomCalls },
    { "sysfuzz.still_works", TestStillWorks },
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return 0x600D;
    if (argc == 2 && strcmp(argv[1], "wait") == 0)
        for (;;)
            Sleep(1000);
    if (argc > 1)
        CallCount = strtoul(argv[1], NULL, 0);
    if (argc > 2)
        Seed = strtoul(argv[2], NULL, 0);
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
