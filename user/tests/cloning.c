/*
 * cloning.exe: address-space cloning (RtlCloneUserProcess over NtCreateProcessEx), KTAP.
 *
 *   fork.statuses     NtCreateProcess(Ex)'s checks: no parent, bad flags, a section that is
 *                     no image's (STATUS_SECTION_NOT_IMAGE; image sections: tests/mapfile.t's
 *                     imgfile.exe), ports (not built), a bad or weak parent handle, a bad
 *                     handle pointer; a clone never given a thread goes when its handle is
 *                     closed, and can itself be cloned by another process (a parent not the
 *                     caller)
 *   fork.diverge      parent and child each write half of the pages after the fork; each sees
 *                     its own writes and the other's pages as they were at the fork, page by
 *                     page; a view (ViewShare) is the same memory in both, at the same address
 *   fork.share_count  a page neither writes is one physical page: QueryWorkingSetEx shows it
 *                     Shared with ShareCount 2 in both processes; after the child writes it the
 *                     child's is private (ShareCount 1, not Shared) and the parent's is its
 *                     alone (ShareCount 1)
 *   fork.commit       the child is charged the parent's private commitment once, at the fork
 *                     (its commit charge is the parent's plus its own thread's TEB page); the
 *                     copies its writes make charge nothing more, to it or to the system
 *   fork.threads      a thread sweeping pages while another forks 20 times: each child sees
 *                     a snapshot cut by the fork at one page at most; the parent's pages end
 *                     as the sweeper left them
 *   fork.write_watch  a write-watch region cloned: the parent still reports its page written
 *                     before the fork, the child reports the page it writes
 *   fork.handles      with RTL_CLONE_PROCESS_FLAGS_INHERIT_HANDLES the child has the
 *                     parent's inheritable handles at their values and not the others;
 *                     without it, none
 *   fork.views        views mapped again: a read/write view shared by both, a copy-on-write
 *                     view's private copy the child's too, the child's own copy its own, a
 *                     protection change on a shared copy made on the child's own copy
 *   fork.exceptions   the child's exceptions (RaiseException, an access violation) go to the
 *                     vectored handler the parent had added, in the child
 *   fork.protect      a protection change on a shared page makes the process's own copy; on
 *                     a no-access page no one else refers to any more, takes it back
 *   fork.leak         a forker (cloning.exe leak 100) forks 100 children that exit at once
 *                     (inheriting its one inheritable handle, a section's, and a copy-on-write
 *                     view of it with a private copy in it): its
 *                     clone pool is the same at the 50th and the 100th fork (a steady state),
 *                     and every page, commitment charge, pool byte and paging-file slot of the
 *                     system is back after it (snapshot.h)
 *
 *   cloning.exe paging MB   (tests/cloning.t, with a paging file) MB of written memory forked; the
 *                        child rewrites half of it, and both check every word, with the
 *                        machine paging; the parent then writes a word of each page (its own
 *                        again, no copy) and checks all once more: "fork paging: N bad words"
 */
#include <ntdll.h>
#include <psapi.h>
#include <stdlib.h>
#include <string.h>
#include "ktap.h"
#include "snapshot.h"

#define PAGE                4096
#define DIVERGE_PAGES       64
#define LEAK_CYCLES         100
#define WAIT_MS             30000

/* What parent and child tell each other: a page of a section both map (ViewShare). */
typedef struct _SHARED {
    volatile LONG Step;
    volatile LONG Wrong;
    volatile ULONG Attributes[4];
    volatile ULONG Commit[4];
} SHARED;

static SHARED *Shared;

static BOOL WaitStep(LONG Step)
{
    for (int i = 0; i < WAIT_MS; i++) {
        if (Shared->Step >= Step)
            return TRUE;
        Sleep(1);
    }
    return FALSE;
}

/* Fork: TRUE in the child, FALSE in the parent (Info filled); a failure ends the child. */
static BOOL Fork(RTL_USER_PROCESS_INFORMATION *Info, NTSTATUS *Status)
{
    *Status = RtlCloneUserProcess(0, NULL, NULL, NULL, Info);
    return *Status == STATUS_PROCESS_CLONED;
}

/* Wait for the child and return its exit code (0xDEAD when it did not end). */
static DWORD Reap(RTL_USER_PROCESS_INFORMATION *Info)
{
    DWORD code = 0xDEAD;

    if (WaitForSingleObject(Info->Process, WAIT_MS) == WAIT_OBJECT_0)
        GetExitCodeProcess(Info->Process, &code);
    CloseHandle(Info->Thread);
    CloseHandle(Info->Process);
    return code;
}

static ULONG Attributes(PVOID Address)
{
    PSAPI_WORKING_SET_EX_INFORMATION info = { Address, { 0 } };

    if (!QueryWorkingSetEx(GetCurrentProcess(), &info, sizeof(info)))
        return 0xFFFFFFFF;
    return (ULONG)info.VirtualAttributes.Flags;
}

#define WS_VALID(a)         ((a) & 1)
#define WS_SHARE_COUNT(a)   (((a) >> 1) & 7)
#define WS_SHARED(a)        (((a) >> 15) & 1)

static ULONG CommitCharge(HANDLE Process)
{
    PROCESS_MEMORY_COUNTERS counters;

    if (!GetProcessMemoryInfo(Process, &counters, sizeof(counters)))
        return 0;
    return (ULONG)(counters.PagefileUsage / PAGE);
}

static ULONG SystemCommit(void)
{
    SYSTEM_PERFORMANCE_INFORMATION performance;

    if (!NT_SUCCESS(NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                             sizeof(performance), NULL)))
        return 0;
    return performance.CommittedPages;
}

static void TestStatuses(void)
{
    HANDLE process = (HANDLE)1, weak, section;
    OBJECT_ATTRIBUTES attributes;
    LARGE_INTEGER size = { .QuadPart = PAGE };

    KT_STATUS(NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, NULL, 0, NULL, NULL, NULL, 0),
              STATUS_INVALID_PARAMETER);
    KT_STATUS(NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0x10, NULL,
                                NULL, NULL, 0), STATUS_INVALID_PARAMETER);
    KT_STATUS(NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, (HANDLE)0x1234, 0, NULL, NULL,
                                NULL, 0), STATUS_INVALID_HANDLE);
    KT_STATUS(NtCreateProcessEx((PHANDLE)0x10, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0,
                                NULL, NULL, NULL, 0), STATUS_ACCESS_VIOLATION);
    InitializeObjectAttributes(&attributes, NULL, 0, NULL, NULL);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE,
                              SEC_COMMIT, NULL), STATUS_SUCCESS);
    KT_STATUS(NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0, section,
                                NULL, NULL, 0), STATUS_SECTION_NOT_IMAGE);
    NtClose(section);
    weak = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    KT_EXPECT(weak != NULL);
    KT_STATUS(NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, weak, 0, NULL, NULL, NULL, 0),
              STATUS_ACCESS_DENIED);
    KT_EQ((ULONG_PTR)process, 1);           /* probed, read and written back as it was */
    CloseHandle(weak);
    /* A clone with no thread: it is there (a process handle that waits) until closed. */
    KT_STATUS(NtCreateProcess(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), FALSE, NULL,
                              NULL, NULL), STATUS_SUCCESS);
    KT_EQ(WaitForSingleObject(process, 0), WAIT_TIMEOUT);
    KT_EQ(CommitCharge(process) >= CommitCharge(GetCurrentProcess()) - 1, TRUE);
    /* A clone of that clone: a parent other than the caller, itself made by a fork. */
    {
        HANDLE grandchild = NULL;

        KT_STATUS(NtCreateProcessEx(&grandchild, PROCESS_ALL_ACCESS, NULL, process, 0, NULL, NULL,
                                    NULL, 0), STATUS_SUCCESS);
        KT_EQ(CommitCharge(grandchild), CommitCharge(process));
        KT_STATUS(NtClose(grandchild), STATUS_SUCCESS);
    }
    KT_STATUS(NtClose(process), STATUS_SUCCESS);
}

/* Page i of Memory: its first word, and a word in the middle. */
static void WritePage(volatile ULONG *Memory, ULONG Page, ULONG Value)
{
    Memory[Page * (PAGE / 4)] = Value;
    Memory[Page * (PAGE / 4) + 517] = ~Value;
}

static BOOL PageIs(volatile ULONG *Memory, ULONG Page, ULONG Value)
{
    return Memory[Page * (PAGE / 4)] == Value && Memory[Page * (PAGE / 4) + 517] == ~Value;
}

static void TestDiverge(void)
{
    volatile ULONG *memory = VirtualAlloc(NULL, DIVERGE_PAGES * PAGE, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;
    LONG wrong = 0;

    KT_EXPECT(memory != NULL);
    if (!memory)
        return;
    for (ULONG i = 0; i < DIVERGE_PAGES; i++)
        WritePage(memory, i, 0x1000 + i);
    Shared->Step = 0;
    Shared->Wrong = -1;
    if (Fork(&info, &status)) {
        /* Child: the parent writes the even pages meanwhile; it must not see them. */
        if (!WaitStep(1))
            ExitProcess(3);
        for (ULONG i = 0; i < DIVERGE_PAGES; i++)
            wrong += !PageIs(memory, i, 0x1000 + i);
        for (ULONG i = 1; i < DIVERGE_PAGES; i += 2) {
            WritePage(memory, i, 0xC000 + i);
            /* Page by page: the next page is still the fork's. */
            if (i + 1 < DIVERGE_PAGES)
                wrong += !PageIs(memory, i + 1, 0x1000 + i + 1);
        }
        for (ULONG i = 0; i < DIVERGE_PAGES; i++)
            wrong += !PageIs(memory, i, (i & 1) ? 0xC000 + i : 0x1000 + i);
        Shared->Wrong = wrong;
        Shared->Step = 2;
        ExitProcess(0);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    for (ULONG i = 0; i < DIVERGE_PAGES; i += 2)
        WritePage(memory, i, 0xA000 + i);
    Shared->Step = 1;
    KT_EQ(WaitStep(2), TRUE);
    KT_EQ(Reap(&info), 0);
    KT_EQ(Shared->Wrong, 0);
    for (ULONG i = 0; i < DIVERGE_PAGES; i++)
        wrong += !PageIs(memory, i, (i & 1) ? 0x1000 + i : 0xA000 + i);
    KT_EQ(wrong, 0);
    VirtualFree((PVOID)memory, 0, MEM_RELEASE);
}

static void TestShareCount(void)
{
    volatile ULONG *memory = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;
    ULONG before, shared, after;

    KT_EXPECT(memory != NULL);
    if (!memory)
        return;
    memory[0] = 0x5A5A;
    before = Attributes((PVOID)memory);
    Shared->Step = 0;
    if (Fork(&info, &status)) {
        ULONG read = memory[0];

        Shared->Attributes[0] = Attributes((PVOID)memory);
        Shared->Step = 1;
        if (!WaitStep(2))
            ExitProcess(3);
        memory[0] = read + 1;
        Shared->Attributes[1] = Attributes((PVOID)memory);
        Shared->Step = 3;
        if (!WaitStep(4))
            ExitProcess(3);
        ExitProcess(memory[0] == 0x5A5B ? 0 : 4);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(WaitStep(1), TRUE);
    shared = Attributes((PVOID)memory);
    Shared->Step = 2;
    KT_EQ(WaitStep(3), TRUE);
    after = Attributes((PVOID)memory);
    Shared->Step = 4;
    KT_EQ(Reap(&info), 0);
    KT_EQ(memory[0], 0x5A5A);
    printf("# attributes: before 0x%lx, parent shared 0x%lx, child shared 0x%lx, child copy 0x%lx,"
           " parent after 0x%lx\n", before, shared, Shared->Attributes[0], Shared->Attributes[1], after);
    /* Before: a private page. */
    KT_EQ(WS_VALID(before), 1);
    KT_EQ(WS_SHARED(before), 0);
    KT_EQ(WS_SHARE_COUNT(before), 1);
    /* Both processes map one physical page. */
    KT_EQ(WS_VALID(shared), 1);
    KT_EQ(WS_SHARED(shared), 1);
    KT_EQ(WS_SHARE_COUNT(shared), 2);
    KT_EQ(WS_VALID(Shared->Attributes[0]), 1);
    KT_EQ(WS_SHARED(Shared->Attributes[0]), 1);
    KT_EQ(WS_SHARE_COUNT(Shared->Attributes[0]), 2);
    KT_EQ((Shared->Attributes[0] >> 4) & 0x7FF, PAGE_READWRITE);
    /* The child's write: its own copy; the parent alone on the old page. */
    KT_EQ(WS_VALID(Shared->Attributes[1]), 1);
    KT_EQ(WS_SHARED(Shared->Attributes[1]), 0);
    KT_EQ(WS_SHARE_COUNT(Shared->Attributes[1]), 1);
    KT_EQ((Shared->Attributes[1] >> 4) & 0x7FF, PAGE_READWRITE);
    KT_EQ(WS_VALID(after), 1);
    KT_EQ(WS_SHARE_COUNT(after), 1);
    VirtualFree((PVOID)memory, 0, MEM_RELEASE);
}

static void TestCommit(void)
{
    const ULONG pages = 48;
    volatile ULONG *memory = VirtualAlloc(NULL, pages * PAGE, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;
    ULONG parent, child, parentAfter;

    KT_EXPECT(memory != NULL);
    if (!memory)
        return;
    for (ULONG i = 0; i < pages; i++)
        memory[i * (PAGE / 4)] = i;
    Shared->Step = 0;
    parent = CommitCharge(GetCurrentProcess());
    if (Fork(&info, &status)) {
        ULONG own = CommitCharge(GetCurrentProcess()), system = SystemCommit();

        for (ULONG i = 0; i < pages; i++)
            memory[i * (PAGE / 4)] = ~i;
        Shared->Commit[0] = own;
        Shared->Commit[1] = CommitCharge(GetCurrentProcess());
        Shared->Commit[2] = system;
        Shared->Commit[3] = SystemCommit();
        Shared->Step = 1;
        ExitProcess(WaitStep(2) ? 0 : 3);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(WaitStep(1), TRUE);
    child = CommitCharge(info.Process);
    Shared->Step = 2;
    KT_EQ(Reap(&info), 0);
    for (ULONG i = 0; i < pages; i++)
        memory[i * (PAGE / 4)] = i + 7;
    parentAfter = CommitCharge(GetCurrentProcess());
    printf("# commit charge: parent %lu pages, child %lu at its start, %lu after %lu copies;"
           " system %lu -> %lu\n", parent, Shared->Commit[0], Shared->Commit[1], pages,
           Shared->Commit[2], Shared->Commit[3]);
    /* The parent's private commitment, once, and the child's own TEB. */
    KT_EQ(Shared->Commit[0], parent + 1);
    KT_EQ(Shared->Commit[1], Shared->Commit[0]);
    KT_EQ(child, Shared->Commit[0]);
    KT_EQ(Shared->Commit[3], Shared->Commit[2]);
    KT_EQ(parentAfter, parent);
    VirtualFree((PVOID)memory, 0, MEM_RELEASE);
}

/*
 * fork.threads: a second thread sweeps ThreadPages pages, writing sweep number v into each in
 * order, while the first forks THREAD_FORKS times. A sweep in progress is cut by the fork at
 * one page at most: each child must see pages [0, k) at w + 1 and [k, N) at w, for some w and
 * k. The writer's faults on pages a fork made copy-on-write wait for it (ForkInProgress).
 */
/* 512 pages (128 on a machine of less than 16 MiB, whose commitment holds no more for both
 * processes): enough that the sweeper is still copying when the next fork begins. */
static ULONG ThreadPages = 128;
#define THREAD_PAGES        ThreadPages
#define THREAD_FORKS        20

static volatile ULONG *SweepMemory;
static volatile LONG SweepStop;

static DWORD WINAPI Sweeper(LPVOID Parameter)
{
    ULONG v = 1;

    (void)Parameter;
    while (!SweepStop) {
        for (ULONG i = 0; i < THREAD_PAGES; i++)
            SweepMemory[i * (PAGE / 4)] = v;
        v++;
    }
    return v - 1;
}

/* Is the snapshot w+1 ... w+1, w ... w? */
static BOOL SweepConsistent(void)
{
    ULONG first = SweepMemory[0], last = SweepMemory[(THREAD_PAGES - 1) * (PAGE / 4)];
    ULONG i = 0;

    if (first != last && first != last + 1)
        return FALSE;
    while (i < THREAD_PAGES && SweepMemory[i * (PAGE / 4)] == first)
        i++;
    while (i < THREAD_PAGES && SweepMemory[i * (PAGE / 4)] == last)
        i++;
    return i == THREAD_PAGES;
}

static void TestThreads(void)
{
    SYSTEM_BASIC_INFORMATION basic;
    HANDLE thread;
    DWORD last = 0;
    int bad = 0, failed = 0;

    if (NT_SUCCESS(NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic), NULL)) &&
        basic.NumberOfPhysicalPages >= 3500)
        ThreadPages = 512;
    SweepMemory = VirtualAlloc(NULL, THREAD_PAGES * PAGE, MEM_COMMIT, PAGE_READWRITE);
    KT_EXPECT(SweepMemory != NULL);
    if (!SweepMemory)
        return;
    SweepStop = 0;
    thread = CreateThread(NULL, 0, Sweeper, NULL, 0, NULL);
    KT_EXPECT(thread != NULL);
    Sleep(20);
    for (int i = 0; i < THREAD_FORKS; i++) {
        RTL_USER_PROCESS_INFORMATION info;
        NTSTATUS status;
        DWORD code;

        if (Fork(&info, &status))
            ExitProcess(SweepConsistent() ? 0 : 1);     /* the sweeper is not in the child */
        if (!NT_SUCCESS(status)) {
            if (!failed++)
                printf("# fork %d: 0x%08lx\n", i, status);
            continue;
        }
        code = Reap(&info);
        bad += code != 0;
    }
    SweepStop = 1;
    WaitForSingleObject(thread, WAIT_MS);
    GetExitCodeThread(thread, &last);
    CloseHandle(thread);
    KT_EQ(failed, 0);
    KT_EQ(bad, 0);
    KT_EQ(last > 0, TRUE);
    for (ULONG i = 0; i < THREAD_PAGES; i++)
        bad += SweepMemory[i * (PAGE / 4)] != last;
    KT_EQ(bad, 0);                                      /* the parent's own pages: the last sweep */
    VirtualFree((PVOID)SweepMemory, 0, MEM_RELEASE);
}

/*
 * fork.write_watch: a MEM_WRITE_WATCH region is cloned with a write-watch view of its own. The
 * parent's page written since its reset stays reported after the fork (the fork takes the dirty
 * bit off its PTE, and hands it to write watch); the child reports what it writes.
 */
static void TestWriteWatch(void)
{
    PUCHAR region = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                 PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    PVOID pages[8];
    ULONG_PTR count = 8;
    DWORD granularity;
    NTSTATUS status;

    KT_EXPECT(region != NULL);
    if (!region)
        return;
    region[0] = 1;
    KT_EQ(ResetWriteWatch(region, 4 * PAGE), 0);
    region[PAGE] = 2;
    Shared->Step = 0;
    if (Fork(&info, &status)) {
        ULONG_PTR n = 8;
        PVOID seen[8];

        region[2 * PAGE] = 3;
        Shared->Wrong = GetWriteWatch(0, region, 4 * PAGE, seen, &n, &granularity) != 0 ? 10 :
                        n != 1 ? 20 + (LONG)n : seen[0] != region + 2 * PAGE ? 30 :
                        region[PAGE] != 2 ? 40 : 0;
        Shared->Step = 1;
        ExitProcess(0);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(WaitStep(1), TRUE);
    KT_EQ(Reap(&info), 0);
    KT_EQ(Shared->Wrong, 0);
    KT_EQ(GetWriteWatch(0, region, 4 * PAGE, pages, &count, &granularity), 0);
    KT_EQ(count, 1);
    KT_EQ((ULONG_PTR)pages[0], (ULONG_PTR)(region + PAGE));
    KT_EQ(region[2 * PAGE], 0);
    VirtualFree(region, 0, MEM_RELEASE);
}

/*
 * fork.handles: with RTL_CLONE_PROCESS_FLAGS_INHERIT_HANDLES the child has the parent's
 * inheritable handles at their values (it maps the section through one and writes what the
 * parent reads), not the others (STATUS_INVALID_HANDLE); without the flag, none of them.
 */
static DWORD HandlesChild(HANDLE Inherited, HANDLE Own)
{
    volatile ULONG *view = MapViewOfFile(Inherited, FILE_MAP_WRITE, 0, 0, 0);
    DWORD result = 0;

    if (view) {
        view[1] = 0xF0F0F0F0;
        UnmapViewOfFile((PVOID)view);
    } else {
        result |= 1;
    }
    if (NtClose(Own) != STATUS_INVALID_HANDLE)
        result |= 2;
    if (NtClose(Inherited) != STATUS_SUCCESS)
        result |= 4;
    return result;
}

static void TestHandles(void)
{
    SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };
    HANDLE inherited = CreateFileMappingW(INVALID_HANDLE_VALUE, &inherit, PAGE_READWRITE, 0, PAGE,
                                          NULL);
    HANDLE own = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, NULL);
    volatile ULONG *view = inherited ? MapViewOfFile(inherited, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;

    KT_EXPECT(view != NULL && own != NULL);
    if (!view || !own)
        return;
    status = RtlCloneUserProcess(RTL_CLONE_PROCESS_FLAGS_INHERIT_HANDLES, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED)
        ExitProcess(HandlesChild(inherited, own));
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(Reap(&info), 0);
    KT_EQ(view[1], 0xF0F0F0F0);
    /* Without the flag: no handle of the parent's (its console is the child's own). */
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED)
        ExitProcess(NtClose(inherited) == STATUS_INVALID_HANDLE && NtClose(own) == STATUS_INVALID_HANDLE ? 0 : 1);
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(Reap(&info), 0);
    UnmapViewOfFile((PVOID)view);
    CloseHandle(inherited);
    CloseHandle(own);
}

static ULONG ForkFlags;

/*
 * fork.views: views are mapped again in the child at their addresses. A read/write view is the
 * section's memory in both (the child's write is the parent's to read); in a copy-on-write
 * view the parent's private copy is the child's too (page 0), the section's page is shared
 * (page 1), and the child's own write to page 2 is its copy alone; the child changes page 0's
 * protection (its own copy then) and still reads the parent's bytes there.
 */
static void TestViews(void)
{
    HANDLE section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * PAGE,
                                        NULL);
    volatile ULONG *shared = section ? MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    volatile ULONG *copy = section ? MapViewOfFile(section, FILE_MAP_COPY, 0, 0, 0) : NULL;
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;

    KT_EXPECT(shared != NULL && copy != NULL);
    if (!shared || !copy)
        return;
    for (ULONG i = 0; i < 4; i++)
        shared[i * (PAGE / 4)] = 0x5EC00000 + i;
    copy[0] = 0xC0C00000;                       /* the parent's private copy of page 0 */
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED) {
        DWORD result = 0, old;

        result |= copy[0] != 0xC0C00000;                    /* the parent's copy */
        result |= (copy[PAGE / 4] != 0x5EC00001) << 1;      /* the section's page */
        copy[2 * (PAGE / 4)] = 0xC1C10002;                  /* a copy of its own */
        result |= (shared[2 * (PAGE / 4)] != 0x5EC00002) << 2;
        shared[3 * (PAGE / 4)] = 0xABCD0003;                /* through the shared view */
        result |= !VirtualProtect((PVOID)copy, PAGE, PAGE_READONLY, &old) << 3;
        result |= (copy[0] != 0xC0C00000) << 4;
        ExitProcess(result);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(Reap(&info), 0);
    KT_EQ(copy[0], 0xC0C00000);
    KT_EQ(copy[2 * (PAGE / 4)], 0x5EC00002);                /* not the child's copy */
    KT_EQ(shared[3 * (PAGE / 4)], 0xABCD0003);              /* the child's write */
    KT_EQ(copy[3 * (PAGE / 4)], 0xABCD0003);
    UnmapViewOfFile((PVOID)copy);
    UnmapViewOfFile((PVOID)shared);
    CloseHandle(section);
}

/*
 * fork.exceptions: the child's exceptions are dispatched as the parent's would be: the vectored
 * handler the parent added (in ntdll's memory, which the child has) sees the child's
 * RaiseException and continues it, and an access violation the handler skips.
 */
#define FORK_EXCEPTION_CODE 0xE0F0C0DE

static volatile LONG HandlerCalls;

static LONG CALLBACK ForkHandler(EXCEPTION_POINTERS *Pointers)
{
    if (Pointers->ExceptionRecord->ExceptionCode == FORK_EXCEPTION_CODE) {
        HandlerCalls++;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (Pointers->ExceptionRecord->ExceptionCode == (DWORD)EXCEPTION_ACCESS_VIOLATION &&
        Pointers->ExceptionRecord->ExceptionInformation[1] == 0x10) {
        HandlerCalls += 10;
        Pointers->ContextRecord->Eip += 5;      /* past `movl %eax, 0x10` (a3 10 00 00 00) */
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

static void TestExceptions(void)
{
    PVOID handler = AddVectoredExceptionHandler(1, ForkHandler);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;

    KT_EXPECT(handler != NULL);
    HandlerCalls = 0;
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED) {
        RaiseException(FORK_EXCEPTION_CODE, 0, 0, NULL);
        /* A write to address 0x10, which the handler steps over. */
        __asm__ volatile("movl %%eax, 0x10\n\tnop" : : "a"(0) : "memory");
        ExitProcess(HandlerCalls == 11 ? 0 : 100 + HandlerCalls);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(Reap(&info), 0);
    KT_EQ(HandlerCalls, 0);                 /* the child's calls were the child's */
    RemoveVectoredExceptionHandler(handler);
}

/*
 * fork.protect: protection changes on a fork's pages. The child makes a shared page read-only
 * (its own copy takes it); after the child, the parent makes its no-access page read/write
 * again (taken back from its block without a fault) and finds its bytes.
 */
static void TestProtect(void)
{
    volatile ULONG *memory = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;
    DWORD old = 0;

    KT_EXPECT(memory != NULL);
    if (!memory)
        return;
    memory[0] = 0x11110000;
    memory[PAGE / 4] = 0x22220000;
    KT_EQ(VirtualProtect((PVOID)memory, PAGE, PAGE_NOACCESS, &old), TRUE);
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED) {
        DWORD was = 0, result = 0;

        result |= !VirtualProtect((PVOID)(memory + PAGE / 4), PAGE, PAGE_READONLY, &was);
        result |= (was != PAGE_READWRITE) << 1;
        result |= (memory[PAGE / 4] != 0x22220000) << 2;
        ExitProcess(result);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(Reap(&info), 0);
    KT_EQ(VirtualProtect((PVOID)memory, PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_NOACCESS);
    KT_EQ(memory[0], 0x11110000);
    memory[0] = 0x33330000;                     /* writable: its own page again */
    KT_EQ(memory[0], 0x33330000);
    KT_EQ(memory[PAGE / 4], 0x22220000);
    VirtualFree((PVOID)memory, 0, MEM_RELEASE);
}

/* One fork whose child exits at once; FALSE if it did not work. */
static BOOL ForkAndExit(void)
{
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status = RtlCloneUserProcess(ForkFlags, NULL, NULL, NULL, &info);

    if (status == STATUS_PROCESS_CLONED)
        ExitProcess(0);
    return NT_SUCCESS(status) && Reap(&info) == 0;
}

/* The bytes of the clone tags ('MmC?': blocks, headers, descriptors, tables) in use. */
static ULONG ClonePoolBytes(void)
{
    ULONG bytes = 0;

    TakeSnapshot(&After);
    for (ULONG i = 0; i < After.TagCount; i++) {
        if ((After.Tags[i].TagUlong & 0x00FFFFFF) == 0x00436D4D)     /* "MmC" */
            bytes += After.Tags[i].PagedUsed + After.Tags[i].NonPagedUsed;
    }
    return bytes;
}

/*
 * cloning.exe leak N: N forks whose children exit at once. A long-lived forker reaches a steady
 * state (the blocks of its own pages that no child shares any more stay until it writes them):
 * its clone pool at the middle and at the end must be equal. Exit code: failures, or 100 when
 * the pool grew.
 */
static int Leak(int Cycles)
{
    SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };
    ULONG middle = 0, end = 0;
    int failed = 0;

    HANDLE section;
    volatile ULONG *copy;

    /* The children inherit a handle too, and a copy-on-write view with a private copy in it:
     * each must give back its reference, its view and its share of the copy. */
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, &inherit, PAGE_READWRITE, 0, 2 * PAGE, NULL);
    copy = section ? MapViewOfFile(section, FILE_MAP_COPY, 0, 0, 0) : NULL;
    if (!copy)
        return 200;
    copy[0] = 0xC0C0C0C0;
    ForkFlags = RTL_CLONE_PROCESS_FLAGS_INHERIT_HANDLES;

    /* Measured after every fork, so that each cycle does the same. */
    for (int i = 0; i < Cycles; i++) {
        failed += !ForkAndExit();
        end = ClonePoolBytes();
        if (i == Cycles / 2)
            middle = end;
    }
    if (failed)
        return failed;
    printf("# forker: clone pool %lu bytes after fork %d, %lu after fork %d\n", middle,
           Cycles / 2 + 1, end, Cycles);
    return end != middle ? 100 : 0;
}

static DWORD RunLeak(int Cycles)
{
    STARTUPINFOA startup;
    PROCESS_INFORMATION process;
    char line[64];
    DWORD code = 0xDEAD;

    memset(&startup, 0, sizeof(startup));
    startup.cb = sizeof(startup);
    snprintf(line, sizeof(line), "cloning.exe leak %d", Cycles);
    if (!CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &process))
        return 0xBAD;
    if (WaitForSingleObject(process.hProcess, 120000) == WAIT_OBJECT_0)
        GetExitCodeProcess(process.hProcess, &code);
    CloseHandle(process.hThread);
    CloseHandle(process.hProcess);
    return code;
}

/* 100 fork/exit cycles in a forker of its own, the whole system's counts equal before and after
 * (the forker's exit takes the blocks of its own pages). */
static void TestLeak(void)
{
    KT_EQ(RunLeak(5), 0);
    Sleep(300);
    SnapshotBegin();
    KT_EQ(RunLeak(LEAK_CYCLES), 0);
    SnapshotSettle(TRUE);
    printf("# %d forks: available %lu -> %lu, committed %lu -> %lu, %lu -> %lu tags\n", LEAK_CYCLES,
           Before.AvailablePages, After.AvailablePages, Before.CommittedPages,
           After.CommittedPages, Before.TagCount, After.TagCount);
    SnapshotCheck(TRUE);
}

/* The paging scenario: Megabytes of memory written, forked, half rewritten by the child, all of
 * it checked by both. Returns the bad words (the child's added through its exit code). */
static int Paging(ULONG Megabytes)
{
    ULONG words = Megabytes * (1024 * 1024 / 4), bad = 0;
    volatile ULONG *memory = VirtualAlloc(NULL, words * 4, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;
    DWORD code;

    if (!memory) {
        printf("fork paging: no memory\n");
        return 1;
    }
    for (ULONG i = 0; i < words; i++)
        memory[i] = i * 2654435761u;
    if (Fork(&info, &status)) {
        for (ULONG i = 0; i < words; i += 2 * (PAGE / 4)) {        /* every other page */
            for (ULONG j = i; j < i + PAGE / 4; j++)
                memory[j] = ~(j * 2654435761u);
        }
        for (ULONG i = 0; i < words; i++) {
            BOOL mine = (i / (PAGE / 4)) % 2 == 0;

            bad += memory[i] != (mine ? ~(i * 2654435761u) : i * 2654435761u);
        }
        ExitProcess(bad > 0xFFFF ? 0xFFFF : bad);
    }
    if (!NT_SUCCESS(status)) {
        printf("fork paging: RtlCloneUserProcess 0x%08lx\n", status);
        return 1;
    }
    code = Reap(&info);
    for (ULONG i = 0; i < words; i++)
        bad += memory[i] != i * 2654435761u;
    /* The child gone, the parent alone refers to the blocks: its writes take the pages back
     * (those paged out come back first), and everything reads back once more. */
    for (ULONG i = 0; i < words; i += PAGE / 4)
        memory[i] = ~(i * 2654435761u);
    for (ULONG i = 0; i < words; i++)
        bad += memory[i] != ((i % (PAGE / 4)) ? i * 2654435761u : ~(i * 2654435761u));
    {
        SYSTEM_PERFORMANCE_INFORMATION performance;

        if (NT_SUCCESS(NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                                sizeof(performance), NULL)))
            printf("fork paging: %lu pages written to the paging file, %lu read\n",
                   performance.DirtyPagesWriteCount, performance.PageReadCount);
    }
    printf("fork paging: %lu MB, child %lu bad words, parent %lu bad words\n", Megabytes, code,
           bad);
    printf("fork paging: %lu bad words\n", bad + code);
    return bad + code != 0;
}

static const KTAP_CASE Cases[] = {
    { "fork.statuses", TestStatuses },
    { "fork.diverge", TestDiverge },
    { "fork.share_count", TestShareCount },
    { "fork.commit", TestCommit },
    { "fork.threads", TestThreads },
    { "fork.write_watch", TestWriteWatch },
    { "fork.handles", TestHandles },
    { "fork.views", TestViews },
    { "fork.exceptions", TestExceptions },
    { "fork.protect", TestProtect },
    { "fork.leak", TestLeak },
};

int main(int argc, char **argv)
{
    HANDLE mapping;

    if (argc > 2 && strcmp(argv[1], "paging") == 0)
        return Paging((ULONG)atoi(argv[2]));
    if (argc > 2 && strcmp(argv[1], "leak") == 0)
        return Leak(atoi(argv[2]));
    mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, NULL);
    Shared = mapping ? MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, PAGE) : NULL;
    if (!Shared) {
        printf("Bail out! no shared page\n");
        return 1;
    }
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
