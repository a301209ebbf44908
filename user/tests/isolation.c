/*
 * isolation.exe: each process has an address space of its own, and system space is closed to
 * user mode.
 *
 *   iso.same_address     the program and two copies of itself (isolation.exe child ...) each
 *                        commit 64 KB at the same fixed address, fill it with their own
 *                        pattern and check and rewrite it while the others run (the scheduler
 *                        switches address spaces between them): each reads only its own data
 *   iso.system_space     reads, writes and calls into system space (the image, the page
 *                        tables and the directory's self-map at 0xC0300000 and PDE[0x300]
 *                        at 0xC0300C00, paged pool, KUSER_SHARED_DATA's kernel view at
 *                        0xFFDF0000, the HAL) and the 64 KB below it: 0 of N attempts
 *                        succeed, each an access violation naming the address; a write to
 *                        0xFFDF0000 leaves the page as it was (its user view at 0x7FFE0000
 *                        reads the same), which is read-only from user mode
 *   iso.process_access   a handle without PROCESS_VM_OPERATION or PROCESS_QUERY_INFORMATION
 *                        cannot allocate, protect, free, query or terminate in another
 *                        process: 0 of N attempts succeed, each ERROR_ACCESS_DENIED
 *   iso.process_memory   NtReadVirtualMemory/NtWriteVirtualMemory without PROCESS_VM_READ /
 *                        PROCESS_VM_WRITE: STATUS_ACCESS_DENIED every time; with them, the
 *                        other process's own data at the shared address
 *
 * Not checked here: that each process's PDE[0x300] names its own directory. User mode cannot
 * read the page tables and no information class gives DirectoryTableBase; the debugger checks
 * it (!process, .process).
 */
#include <ntdll.h>
#include <seh.h>
#include <stdlib.h>
#include "ktap.h"

#define SHARED_BASE         0x20000000u
#define SHARED_SIZE         0x10000u
#define SHARED_WORDS        (SHARED_SIZE / sizeof(ULONG))
#define CHILD_ROUNDS        200
#define ATTEMPTS            8
#define CHILD_TIMEOUT_MS    60000
#define EXIT_NO_MEMORY      0x100           /* a child's exit status: it did not get the base */
#define SHARED_DATA_USER    0x7FFE0000u
#define SHARED_DATA_KERNEL  0xFFDF0000u
#define SHARED_DATA_SPARE   0xF00u          /* an offset KUSER_SHARED_DATA does not use */

/* The word a process with Seed keeps at Address. */
static ULONG Pattern(ULONG Seed, ULONG Address)
{
    ULONG x = (Seed * 0x9E3779B1u) ^ Address;

    return (x << 7 | x >> 25) + Seed;
}

static void Fill(volatile ULONG *Memory, ULONG Seed)
{
    for (ULONG i = 0; i < SHARED_WORDS; i++)
        Memory[i] = Pattern(Seed, (ULONG)(ULONG_PTR)&Memory[i]);
}

/* Words that are not Seed's. */
static ULONG CountBad(const volatile ULONG *Memory, ULONG Seed)
{
    ULONG bad = 0;

    for (ULONG i = 0; i < SHARED_WORDS; i++)
        bad += Memory[i] != Pattern(Seed, (ULONG)(ULONG_PTR)&Memory[i]);
    return bad;
}

static volatile ULONG *CommitShared(void)
{
    return VirtualAlloc((PVOID)SHARED_BASE, SHARED_SIZE, MEM_RESERVE | MEM_COMMIT,
                        PAGE_READWRITE);
}

/*
 * isolation.exe child SEED ROUNDS: the shared address with SEED's pattern, checked and
 * rewritten ROUNDS times (0: until terminated), yielding between rounds. Exits with the bad
 * words seen (0), or EXIT_NO_MEMORY.
 */
static int Child(ULONG Seed, ULONG Rounds)
{
    volatile ULONG *memory = CommitShared();
    ULONG bad = 0;

    if (memory != (volatile ULONG *)SHARED_BASE)
        return EXIT_NO_MEMORY;
    Fill(memory, Seed);
    for (ULONG round = 0; Rounds == 0 || round < Rounds; round++) {
        bad += CountBad(memory, Seed);
        if (bad)
            break;
        Fill(memory, Seed);
        SwitchToThread();
    }
    return (int)bad;
}

static HANDLE StartChild(ULONG Seed, ULONG Rounds)
{
    PROCESS_INFORMATION info;
    char commandLine[64];

    snprintf(commandLine, sizeof(commandLine), "isolation.exe child %lu %lu", Seed, Rounds);
    if (!CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info))
        return NULL;
    CloseHandle(info.hThread);
    return info.hProcess;
}

static DWORD ExitCode(HANDLE Process)
{
    DWORD code = 0xFFFFFFFF;

    if (WaitForSingleObject(Process, CHILD_TIMEOUT_MS) != WAIT_OBJECT_0)
        return 0xFFFFFFFE;
    GetExitCodeProcess(Process, &code);
    return code;
}

static void TestSameAddress(void)
{
    const ULONG seed = 1;
    volatile ULONG *memory = CommitShared();
    HANDLE children[2];
    DWORD code;
    ULONG bad = 0, rounds = 0;

    KT_EQ(memory, SHARED_BASE);
    if (memory != (volatile ULONG *)SHARED_BASE)
        return;
    Fill(memory, seed);
    children[0] = StartChild(2, CHILD_ROUNDS);
    children[1] = StartChild(3, CHILD_ROUNDS);
    KT_EXPECT(children[0] != NULL && children[1] != NULL);
    /* Check and rewrite while either child runs. */
    while (children[0] && children[1] &&
           WaitForMultipleObjects(2, children, TRUE, 0) == WAIT_TIMEOUT) {
        bad += CountBad(memory, seed);
        Fill(memory, seed);
        rounds++;
        SwitchToThread();
    }
    bad += CountBad(memory, seed);
    KT_EQ(bad, 0);
    KT_EXPECT(rounds > 0);                      /* the parent ran while the children did */
    for (int i = 0; i < 2; i++) {
        if (!children[i])
            continue;
        code = ExitCode(children[i]);
        KT_EQ(code, 0);                         /* bad words a child saw, or why it failed */
        CloseHandle(children[i]);
    }
    VirtualFree((PVOID)memory, 0, MEM_RELEASE);
}

/* One access to Address under an SEH frame: the exception code (0: it succeeded), with the
 * record's information checked against Write and Address. */
static DWORD Touch(ULONG Address, BOOL Write, BOOL Execute)
{
    volatile ULONG *pointer = (volatile ULONG *)(ULONG_PTR)Address;
    SEH_FRAME frame;

    if (SEH_TRY(&frame, NULL, NULL) == 0) {
        if (Execute)
            ((void (*)(void))pointer)();
        else if (Write)
            *pointer = 0x5A5A5A5A;
        else
            (void)*pointer;
        SehEnd(&frame);
        return 0;
    }
    KT_EQ(frame.Exception.NumberParameters, 2);
    KT_EQ(frame.Exception.ExceptionInformation[0], Write ? 1 : 0);
    KT_EQ(frame.Exception.ExceptionInformation[1], Address);
    if (Execute)
        KT_EQ(frame.Exception.ExceptionAddress, Address);
    return frame.Exception.ExceptionCode;
}

static void TestSystemSpace(void)
{
    static const ULONG addresses[] = {
        0x80000000,             /* MmSystemRangeStart */
        0x80100000,             /* the kernel image */
        0xC0000000,             /* the page tables (PTE_BASE) */
        0xC0300000,             /* the page directory, through the self-map */
        0xC0300C00,             /* PDE[0x300]: the self-map itself */
        0xC0502000,             /* the process's working-set list */
        0xE1000000,             /* paged pool */
        SHARED_DATA_KERNEL,     /* KUSER_SHARED_DATA, the kernel's view */
        0xFFC00000,             /* the HAL */
        0xFFFFFFFC,
        0x7FFF0000,             /* the 64 KB below system space, never mapped */
        0x7FFFFFFC,
    };
    volatile ULONG *sharedUser = (volatile ULONG *)(SHARED_DATA_USER + SHARED_DATA_SPARE);
    ULONG before = *sharedUser, succeeded = 0, attempts = 0;
    DWORD code;

    for (ULONG i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
        for (int n = 0; n < ATTEMPTS; n++) {
            for (int kind = 0; kind < 3; kind++) {
                ULONG address = addresses[i];

                if (address == SHARED_DATA_KERNEL && kind == 1)
                    address += SHARED_DATA_SPARE;
                if (kind == 2 && address > 0xFFFFFFF0)
                    continue;
                code = Touch(address, kind == 1, kind == 2);
                attempts++;
                succeeded += code == 0;
                KT_STATUS(code, STATUS_ACCESS_VIOLATION);
            }
        }
    }
    printf("# %lu of %lu accesses to system space succeeded\n", succeeded, attempts);
    KT_EQ(succeeded, 0);
    KT_EQ(*sharedUser, before);                 /* the failed writes wrote nothing */
    /* KUSER_SHARED_DATA's user view reads, and refuses writes. */
    KT_STATUS(Touch(SHARED_DATA_USER, FALSE, FALSE), 0);
    KT_STATUS(Touch(SHARED_DATA_USER + SHARED_DATA_SPARE, TRUE, FALSE), STATUS_ACCESS_VIOLATION);
    KT_EQ(*sharedUser, before);
}

/* A handle to Process with exactly Access. */
static HANDLE OpenWith(HANDLE Process, DWORD Access)
{
    HANDLE handle = OpenProcess(Access, FALSE, GetProcessId(Process));

    KT_EXPECT(handle != NULL);
    return handle;
}

/* Waits until the child has committed the shared address (queried with Query). */
static BOOL WaitForShared(HANDLE Query)
{
    MEMORY_BASIC_INFORMATION info;

    for (int tries = 0; tries < 1000; tries++) {
        if (VirtualQueryEx(Query, (PVOID)SHARED_BASE, &info, sizeof(info)) &&
            info.State == MEM_COMMIT)
            return TRUE;
        Sleep(10);
    }
    return FALSE;
}

static void TestProcessAccess(void)
{
    HANDLE child = StartChild(4, 0), query, read, self;
    MEMORY_BASIC_INFORMATION info;
    ULONG succeeded = 0, denied = 0;
    DWORD old, code = 0;

    KT_EXPECT(child != NULL);
    if (!child)
        return;
    query = OpenWith(child, PROCESS_QUERY_INFORMATION);
    read = OpenWith(child, PROCESS_VM_READ | PROCESS_VM_WRITE | SYNCHRONIZE);
    KT_EXPECT(WaitForShared(query));
    for (int n = 0; n < ATTEMPTS; n++) {
        BOOL results[] = {
            VirtualAllocEx(query, NULL, 0x1000, MEM_COMMIT, PAGE_READWRITE) != NULL,
            VirtualAllocEx(read, NULL, 0x1000, MEM_COMMIT, PAGE_READWRITE) != NULL,
            VirtualAllocEx(query, (PVOID)SHARED_BASE, 0x1000, MEM_COMMIT, PAGE_READONLY) != NULL,
            VirtualProtectEx(query, (PVOID)SHARED_BASE, 0x1000, PAGE_NOACCESS, &old),
            VirtualProtectEx(read, (PVOID)SHARED_BASE, 0x1000, PAGE_NOACCESS, &old),
            VirtualFreeEx(query, (PVOID)SHARED_BASE, 0, MEM_RELEASE),
            VirtualFreeEx(read, (PVOID)SHARED_BASE, 0x1000, MEM_DECOMMIT),
            VirtualQueryEx(read, (PVOID)SHARED_BASE, &info, sizeof(info)) != 0,
            TerminateProcess(query, 0x77),
            TerminateProcess(read, 0x77),
        };

        for (ULONG i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
            succeeded += results[i] != FALSE;
            denied += !results[i];
        }
        KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    }
    printf("# %lu of %lu calls without the access they need succeeded\n", succeeded,
           succeeded + denied);
    KT_EQ(succeeded, 0);
    /* The child saw none of it: still running, its memory intact. */
    KT_EQ(VirtualQueryEx(query, (PVOID)SHARED_BASE, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.State, MEM_COMMIT);
    KT_EQ(info.Protect, PAGE_READWRITE);
    KT_EQ(info.RegionSize, SHARED_SIZE);
    KT_EXPECT(GetExitCodeProcess(query, &code));
    KT_EQ(code, STILL_ACTIVE);
    /* A handle of one's own with every access does not open the child either. */
    self = GetCurrentProcess();
    KT_EQ(VirtualQueryEx(self, (PVOID)SHARED_BASE, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.State, MEM_FREE);
    KT_EXPECT(TerminateProcess(child, 0x55));
    KT_EQ(ExitCode(child), 0x55);
    CloseHandle(query);
    CloseHandle(read);
    CloseHandle(child);
}

static void TestProcessMemory(void)
{
    HANDLE child = StartChild(5, 0), query, readOnly, writeOnly;
    ULONG buffer[64], succeeded = 0, calls = 0, denied = 0, win32 = 0;
    NTSTATUS other = STATUS_SUCCESS;
    SIZE_T done;
    DWORD code = 0;

    KT_EXPECT(child != NULL);
    if (!child)
        return;
    query = OpenWith(child, PROCESS_QUERY_INFORMATION);
    readOnly = OpenWith(child, PROCESS_VM_READ);
    writeOnly = OpenWith(child, PROCESS_VM_WRITE | PROCESS_VM_OPERATION);
    KT_EXPECT(WaitForShared(query));
    for (int n = 0; n < ATTEMPTS; n++) {
        NTSTATUS statuses[] = {
            NtReadVirtualMemory(query, (PVOID)SHARED_BASE, buffer, sizeof(buffer), &done),
            NtReadVirtualMemory(writeOnly, (PVOID)SHARED_BASE, buffer, sizeof(buffer), &done),
            NtWriteVirtualMemory(readOnly, (PVOID)SHARED_BASE, buffer, sizeof(buffer), &done),
            NtWriteVirtualMemory(query, (PVOID)SHARED_BASE, buffer, sizeof(buffer), &done),
        };

        for (ULONG i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
            calls++;
            succeeded += NT_SUCCESS(statuses[i]);
            denied += statuses[i] == STATUS_ACCESS_DENIED;
            if (statuses[i] != STATUS_ACCESS_DENIED)
                other = statuses[i];
        }
        win32 += !ReadProcessMemory(query, (PVOID)SHARED_BASE, buffer, sizeof(buffer), &done) &&
                 GetLastError() == ERROR_ACCESS_DENIED;
    }
    KT_EQ(denied, calls);
    KT_STATUS(other, STATUS_SUCCESS);           /* the last status that was not the denial */
    KT_EQ(win32, ATTEMPTS);
    printf("# %lu of %lu cross-process copies without the access they need succeeded\n",
           succeeded, calls);
    KT_EQ(succeeded, 0);
    /* With PROCESS_VM_READ: the child's words, not this process's (it has none there). */
    memset(buffer, 0, sizeof(buffer));
    done = 0;
    KT_EXPECT(ReadProcessMemory(readOnly, (PVOID)SHARED_BASE, buffer, sizeof(buffer), &done));
    KT_EQ(done, sizeof(buffer));
    KT_EQ(buffer[0], Pattern(5, SHARED_BASE));
    KT_EQ(buffer[63], Pattern(5, SHARED_BASE + 63 * sizeof(ULONG)));
    /* The child saw nothing written: still running, its pattern intact. */
    KT_EXPECT(GetExitCodeProcess(query, &code));
    KT_EQ(code, STILL_ACTIVE);
    TerminateProcess(child, 0x55);
    KT_EQ(ExitCode(child), 0x55);
    CloseHandle(query);
    CloseHandle(readOnly);
    CloseHandle(writeOnly);
    CloseHandle(child);
}

static const KTAP_CASE Cases[] = {
    { "iso.same_address", TestSameAddress },
    { "iso.system_space", TestSystemSpace },
    { "iso.process_access", TestProcessAccess },
    { "iso.process_memory", TestProcessMemory },
};

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "child") == 0)
        return Child(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
