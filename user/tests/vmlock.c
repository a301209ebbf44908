/*
 * vmlock.exe: locking pages and copying between processes, as NT behaves (issue 10 items 6
 * and 7), and the token calls that drop a privilege:
 *   - NtLockVirtualMemory / NtUnlockVirtualMemory: each status with the input that produces
 *     it, the rounding given back, the working-set minimum rule, STATUS_WAS_LOCKED, unlocking
 *     what is not locked; locked pages surviving a small working set and an emptied one
 *     without a fault; decommitting, protecting and freeing locked pages;
 *   - tokens: OpenProcessToken, LookupPrivilegeValue, AdjustTokenPrivileges with its previous
 *     state, STATUS_NOT_ALL_ASSIGNED, a buffer too small; MAP_SYSTEM (and MEM_LARGE_PAGES)
 *     refused once SeLockMemoryPrivilege is disabled; a privilege removed for good;
 *   - Read/WriteProcessMemory and NtRead/WriteVirtualMemory on a child process (this program
 *     started again with "child-memory"): with and without PROCESS_VM_READ / PROCESS_VM_WRITE,
 *     partial copies across a region's end with the exact bytes done, the range checks.
 */
#include <ntdll.h>
#include <psapi.h>
#include <string.h>
#include "ktap.h"

#define PAGE                0x1000u
#define CHILD_BASE          ((PUCHAR)0x30000000)    /* where the child's region goes */
#define CHILD_READY         0x600DF00Du
#define CHILD_GO            0x00C0FFEEu
#define CHILD_EXIT_CODE     42u
#define CHILD_WAIT_STEPS    1000                    /* of 10 ms */
#define FLUID_PAGES         8                       /* NT's MM_FLUID_WORKING_SET */

static PROCESS_MEMORY_COUNTERS Counters(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    ZeroMemory(&counters, sizeof(counters));
    GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters));
    return counters;
}

static DWORD PageFaults(void)
{
    return Counters().PageFaultCount;
}

static SIZE_T MinimumWorkingSetPages(void)
{
    SIZE_T minimum = 0, maximum = 0;

    KT_EQ(GetProcessWorkingSetSize(GetCurrentProcess(), &minimum, &maximum), TRUE);
    return minimum / PAGE;
}

static NTSTATUS Lock(PVOID Base, SIZE_T Size, ULONG MapType)
{
    return NtLockVirtualMemory(NtCurrentProcess(), &Base, &Size, MapType);
}

static NTSTATUS Unlock(PVOID Base, SIZE_T Size, ULONG MapType)
{
    return NtUnlockVirtualMemory(NtCurrentProcess(), &Base, &Size, MapType);
}

/* The sum of one byte per page: touches (reads) each of Pages pages. */
static __attribute__((noinline)) ULONG ReadPages(const volatile UCHAR *Base, ULONG Pages)
{
    ULONG sum = 0;

    for (ULONG i = 0; i < Pages; i++)
        sum += Base[i * PAGE];
    return sum;
}

static const PVOID ReadOnlyPointer = NULL;      /* in .rdata: written back, it faults */

static void TestLockStatuses(void)
{
    PUCHAR region = VirtualAlloc(NULL, 8 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    HANDLE query = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    PVOID base;
    SIZE_T size;

    KT_EXPECT(region && query);
    if (!region || !query)
        return;
    VirtualAlloc(region, 4 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    VirtualAlloc(region + 5 * PAGE, PAGE, MEM_COMMIT, PAGE_NOACCESS);
    VirtualAlloc(region + 6 * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);

    /* MapType first of all, then the pointers, then the range. */
    KT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), NULL, NULL, 0), STATUS_INVALID_PARAMETER);
    KT_STATUS(Lock(region, PAGE, 4), STATUS_INVALID_PARAMETER);
    KT_STATUS(Lock(region, PAGE, MAP_PROCESS | 8), STATUS_INVALID_PARAMETER);
    KT_STATUS(Unlock(region, PAGE, 0), STATUS_INVALID_PARAMETER);
    size = PAGE;
    KT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), NULL, &size, MAP_PROCESS),
              STATUS_ACCESS_VIOLATION);
    size = PAGE;
    KT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), (PVOID *)&ReadOnlyPointer, &size,
                                  MAP_PROCESS), STATUS_ACCESS_VIOLATION);
    KT_STATUS(Lock((PVOID)0x80000000, PAGE, MAP_PROCESS), STATUS_INVALID_PARAMETER);
    KT_STATUS(Lock((PVOID)0x7FFE0000, 0x10000, MAP_PROCESS), STATUS_INVALID_PARAMETER);
    KT_STATUS(Lock(region, 0, MAP_PROCESS), STATUS_INVALID_PARAMETER);
    KT_STATUS(Unlock(region, 0, MAP_PROCESS), STATUS_INVALID_PARAMETER);

    /* The handle. */
    base = region;
    size = PAGE;
    KT_STATUS(NtLockVirtualMemory((HANDLE)0x1234, &base, &size, MAP_PROCESS),
              STATUS_INVALID_HANDLE);
    KT_STATUS(NtLockVirtualMemory(query, &base, &size, MAP_PROCESS), STATUS_ACCESS_DENIED);
    KT_STATUS(NtUnlockVirtualMemory(query, &base, &size, MAP_PROCESS), STATUS_ACCESS_DENIED);

    /* The pages: none there, only reserved, no access, a guard page. Nothing gets locked. */
    KT_STATUS(Lock((PVOID)0x7FFE0000, PAGE, MAP_PROCESS), STATUS_ACCESS_VIOLATION);
    KT_STATUS(Lock(region + 3 * PAGE, 2 * PAGE, MAP_PROCESS), STATUS_ACCESS_VIOLATION);
    KT_STATUS(Unlock(region + 3 * PAGE, PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
    KT_STATUS(Lock(region + 5 * PAGE, PAGE, MAP_PROCESS), STATUS_ACCESS_VIOLATION);
    KT_STATUS(Lock(region + 6 * PAGE, PAGE, MAP_PROCESS), STATUS_GUARD_PAGE_VIOLATION);
    KT_STATUS(Lock(region + 6 * PAGE, PAGE, MAP_PROCESS), STATUS_SUCCESS);  /* the guard went */
    KT_STATUS(Unlock(region + 6 * PAGE, PAGE, MAP_PROCESS), STATUS_SUCCESS);

    /* Rounded out to pages, and given back so. */
    base = region + 0x123;
    size = PAGE;
    KT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS), STATUS_SUCCESS);
    KT_EQ(base, region);
    KT_EQ(size, 2 * PAGE);
    KT_STATUS(Lock(region, PAGE, MAP_PROCESS), STATUS_WAS_LOCKED);
    KT_EQ(VirtualLock(region, PAGE), TRUE);
    KT_STATUS(Unlock(region + PAGE, PAGE, MAP_SYSTEM), STATUS_NOT_LOCKED);     /* other kind */
    base = region + PAGE + 1;
    size = 1;
    KT_STATUS(NtUnlockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS),
              STATUS_SUCCESS);
    KT_EQ(base, region + PAGE);
    KT_EQ(size, PAGE);
    /* One page not locked: nothing unlocked, the locked one stays locked. */
    KT_STATUS(Unlock(region, 3 * PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
    KT_STATUS(Unlock(region, PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_STATUS(Unlock(region, PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
    KT_EQ(VirtualUnlock(region, PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);

    /* Both kinds at once, undone one at a time. */
    KT_STATUS(Lock(region, PAGE, MAP_PROCESS | MAP_SYSTEM), STATUS_SUCCESS);
    KT_STATUS(Unlock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);
    KT_STATUS(Unlock(region, PAGE, MAP_SYSTEM), STATUS_NOT_LOCKED);
    KT_STATUS(Unlock(region, PAGE, MAP_PROCESS), STATUS_SUCCESS);
    CloseHandle(query);
    VirtualFree(region, 0, MEM_RELEASE);
}

/* NT's rule: (pages - 1) + 8 within the minimum, the pages already locked counted. */
static void TestLockQuota(void)
{
    SIZE_T minimum = MinimumWorkingSetPages(), most = minimum - FLUID_PAGES + 1;
    PUCHAR region = VirtualAlloc(NULL, (most + 2) * PAGE, MEM_RESERVE | MEM_COMMIT,
                                 PAGE_READWRITE);

    KT_EQ(minimum, 50);                         /* NT's default minimum */
    KT_EXPECT(region != NULL);
    if (!region)
        return;
    KT_STATUS(Lock(region, (most + 1) * PAGE, MAP_PROCESS), STATUS_WORKING_SET_QUOTA);
    KT_EQ(VirtualLock(region, (most + 1) * PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_WORKING_SET_QUOTA);
    KT_STATUS(Lock(region, most * PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_STATUS(Lock(region, most * PAGE, MAP_PROCESS), STATUS_WAS_LOCKED);  /* all counted in */
    KT_STATUS(Lock(region + most * PAGE, PAGE, MAP_PROCESS), STATUS_WORKING_SET_QUOTA);
    KT_STATUS(Unlock(region, PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_STATUS(Lock(region + most * PAGE, PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_STATUS(Unlock(region + PAGE, most * PAGE, MAP_PROCESS), STATUS_SUCCESS);
    VirtualFree(region, 0, MEM_RELEASE);
}

/*
 * Locked pages stay in a working set held to 28 pages (a hard maximum, so that touching 128
 * others must replace) and in one that is emptied: reading them afterwards takes no page
 * fault. The pages that were not locked do fault (the control). The measured stretch runs only
 * warm code, so any fault in it would be a locked page's.
 */
static void TestLockedSurvivePressure(void)
{
    SIZE_T minimum = 0, maximum = 0;
    PUCHAR locked = VirtualAlloc(NULL, 8 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    PUCHAR other = VirtualAlloc(NULL, 128 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ULONG sum = 0, expected = 0, before;
    static UCHAR warm[PAGE];

    KT_EXPECT(locked && other);
    if (!locked || !other)
        return;
    GetProcessWorkingSetSize(GetCurrentProcess(), &minimum, &maximum);
    for (ULONG i = 0; i < 8; i++) {
        locked[i * PAGE] = (UCHAR)(i + 1);
        expected += i + 1;
    }
    KT_EQ(VirtualLock(locked, 8 * PAGE), TRUE);
    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), 20 * PAGE, 28 * PAGE,
                                     QUOTA_LIMITS_HARDWS_MAX_ENABLE), TRUE);
    for (int pass = 0; pass < 2; pass++)
        for (ULONG i = 0; i < 128; i++)
            other[i * PAGE] = (UCHAR)i;
    KT_EXPECT(Counters().WorkingSetSize <= 28 * PAGE);

    ReadPages(warm, 1);
    before = PageFaults();
    sum = ReadPages(locked, 8);
    KT_EQ(PageFaults() - before, 0);
    KT_EQ(sum, expected);
    before = PageFaults();
    ReadPages(other, 8);                        /* long since replaced */
    KT_EXPECT(PageFaults() - before >= 8);

    /* Emptying the working set leaves the locked pages. */
    KT_EQ(SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1), TRUE);
    ReadPages(warm, 1);
    before = PageFaults();
    sum = ReadPages(locked, 8);
    KT_EQ(PageFaults() - before, 0);
    KT_EQ(sum, expected);

    /* A maximum that leaves fewer than 8 unlocked pages is refused. */
    KT_EQ(VirtualLock(other, 5 * PAGE), TRUE);                  /* 13 locked */
    KT_EQ(SetProcessWorkingSetSize(GetCurrentProcess(), 20 * PAGE, 21 * PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);             /* BAD_WORKING_SET_LIMIT */
    KT_EQ(SetProcessWorkingSetSize(GetCurrentProcess(), 20 * PAGE, 22 * PAGE), TRUE);
    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), minimum, maximum,
                                     QUOTA_LIMITS_HARDWS_MAX_DISABLE), TRUE);

    /* Unlocking a page that is not locked takes it out of the working set (NT's side effect). */
    ReadPages(other + 5 * PAGE, 1);
    before = PageFaults();
    ReadPages(other + 5 * PAGE, 1);
    KT_EQ(PageFaults() - before, 0);
    KT_EQ(VirtualUnlock(other + 5 * PAGE, PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);
    before = PageFaults();
    ReadPages(other + 5 * PAGE, 1);
    KT_EQ(PageFaults() - before, 1);
    KT_EQ(VirtualUnlock(other, 5 * PAGE), TRUE);
    KT_EQ(VirtualUnlock(locked, 8 * PAGE), TRUE);
    VirtualFree(other, 0, MEM_RELEASE);
    VirtualFree(locked, 0, MEM_RELEASE);
}

/* Decommitting, protecting and freeing locked pages unlock them: the quota comes back. */
static void TestLockedPagesGo(void)
{
    SIZE_T most = MinimumWorkingSetPages() - FLUID_PAGES + 1;
    PUCHAR region = VirtualAlloc(NULL, most * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    PUCHAR spare = VirtualAlloc(NULL, most * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;

    KT_EXPECT(region && spare);
    if (!region || !spare)
        return;
    KT_STATUS(Lock(region, most * PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_EQ(VirtualFree(region, 2 * PAGE, MEM_DECOMMIT), TRUE);
    KT_STATUS(Unlock(region, PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
    KT_EQ(VirtualProtect(region + 2 * PAGE, PAGE, PAGE_NOACCESS, &old), TRUE);
    KT_STATUS(Unlock(region + 2 * PAGE, PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
    KT_STATUS(Lock(spare, 3 * PAGE, MAP_PROCESS), STATUS_SUCCESS);     /* 3 came back */
    KT_STATUS(Lock(spare + 3 * PAGE, PAGE, MAP_PROCESS), STATUS_WORKING_SET_QUOTA);
    KT_STATUS(Unlock(region + 3 * PAGE, PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_EQ(region[4 * PAGE], 0);                                         /* still readable */
    KT_EQ(VirtualFree(region, 0, MEM_RELEASE), TRUE);                   /* with locked pages */
    KT_STATUS(Lock(spare, most * PAGE, MAP_PROCESS), STATUS_WAS_LOCKED);
    KT_STATUS(Unlock(spare, most * PAGE, MAP_PROCESS), STATUS_SUCCESS);
    VirtualFree(spare, 0, MEM_RELEASE);
}

static NTSTATUS AdjustOne(HANDLE Token, ULONG Luid, ULONG Attributes, PTOKEN_PRIVILEGES Previous,
                          ULONG Length, PULONG Returned)
{
    TOKEN_PRIVILEGES state;

    state.PrivilegeCount = 1;
    state.Privileges[0].Luid.LowPart = Luid;
    state.Privileges[0].Luid.HighPart = 0;
    state.Privileges[0].Attributes = Attributes;
    return NtAdjustPrivilegesToken(Token, FALSE, &state, Length, Previous, Returned);
}

static void TestPrivilege(void)
{
    PUCHAR region = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    HANDLE token = NULL, queryOnly = NULL, adjustOnly = NULL, noQuery, other = NULL;
    struct { ULONG Count; LUID_AND_ATTRIBUTES Entries[70]; } big;
    struct { ULONG Count; LUID_AND_ATTRIBUTES Entries[4]; } previous;
    TOKEN_PRIVILEGES state;
    ULONG returned = 0;
    LUID luid = { 0, 0 };

    KT_EQ(LookupPrivilegeValueA(NULL, SE_LOCK_MEMORY_NAME, &luid), TRUE);
    KT_EQ(luid.LowPart, 4);
    KT_EQ(luid.HighPart, 0);
    KT_EQ(LookupPrivilegeValueW(NULL, L"sechangenotifyprivilege", &luid), TRUE);
    KT_EQ(luid.LowPart, 23);
    KT_EQ(LookupPrivilegeValueA("", "SeDebugPrivilege", &luid), TRUE);
    KT_EQ(luid.LowPart, 20);
    KT_EQ(LookupPrivilegeValueA(NULL, "SeNoSuchPrivilege", &luid), FALSE);
    KT_EQ(GetLastError(), ERROR_NO_SUCH_PRIVILEGE);

    KT_EQ(OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token),
          TRUE);
    KT_EQ(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &queryOnly), TRUE);
    KT_EQ(OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &adjustOnly), TRUE);
    noQuery = OpenProcess(PROCESS_VM_READ, FALSE, GetCurrentProcessId());
    KT_EQ(OpenProcessToken(noQuery, TOKEN_QUERY, &other), FALSE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_STATUS(NtOpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, NULL),
              STATUS_ACCESS_VIOLATION);
    CloseHandle(noQuery);
    KT_EXPECT(token && queryOnly && adjustOnly && region);
    if (!token || !queryOnly || !adjustOnly || !region)
        return;

    /* Held and enabled: MAP_SYSTEM locks, and MEM_LARGE_PAGES gets past the privilege to the
     * size, which must be a multiple of 4 MB (awe.exe tests large pages themselves). */
    KT_STATUS(Lock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);
    KT_STATUS(Unlock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);
    KT_EQ(VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                       PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);

    /* The service's own checks. */
    KT_STATUS(NtAdjustPrivilegesToken(token, FALSE, NULL, 0, NULL, NULL), STATUS_INVALID_PARAMETER);
    ZeroMemory(&big, sizeof(big));
    big.Count = 66;                                          /* SEP_MAX_PRIVILEGE_COUNT + 1 */
    KT_STATUS(NtAdjustPrivilegesToken(token, FALSE, (PTOKEN_PRIVILEGES)&big, 0, NULL, NULL),
              STATUS_INVALID_PARAMETER);
    KT_STATUS(NtAdjustPrivilegesToken(token, FALSE, (PTOKEN_PRIVILEGES)0x7FFEFFF8, 0, NULL, NULL),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(AdjustOne(queryOnly, 4, 0, NULL, 0, NULL), STATUS_ACCESS_DENIED);
    KT_STATUS(AdjustOne(adjustOnly, 4, 0, (PTOKEN_PRIVILEGES)&previous, sizeof(previous),
                        &returned), STATUS_ACCESS_DENIED);
    KT_STATUS(AdjustOne(GetCurrentProcess(), 4, 0, NULL, 0, NULL), STATUS_OBJECT_TYPE_MISMATCH);
    KT_STATUS(AdjustOne((HANDLE)0x1234, 4, 0, NULL, 0, NULL), STATUS_INVALID_HANDLE);

    /* Disable SeLockMemoryPrivilege: its state before comes back. */
    returned = 0;
    KT_STATUS(AdjustOne(token, 4, 0, (PTOKEN_PRIVILEGES)&previous, sizeof(previous), &returned),
              STATUS_SUCCESS);
    KT_EQ(returned, 16);
    KT_EQ(previous.Count, 1);
    KT_EQ(previous.Entries[0].Luid.LowPart, 4);
    KT_EQ(previous.Entries[0].Attributes, SE_PRIVILEGE_ENABLED | SE_PRIVILEGE_ENABLED_BY_DEFAULT);
    KT_STATUS(Lock(region, PAGE, MAP_SYSTEM), STATUS_PRIVILEGE_NOT_HELD);
    KT_STATUS(Unlock(region, PAGE, MAP_SYSTEM), STATUS_PRIVILEGE_NOT_HELD);
    KT_STATUS(Lock(region, PAGE, MAP_PROCESS), STATUS_SUCCESS);     /* needs no privilege */
    KT_STATUS(Unlock(region, PAGE, MAP_PROCESS), STATUS_SUCCESS);
    KT_EQ(VirtualAlloc(NULL, 0x400000, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                       PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_PRIVILEGE_NOT_HELD);
    /* Disabled again: nothing changes. */
    KT_STATUS(AdjustOne(token, 4, 0, (PTOKEN_PRIVILEGES)&previous, sizeof(previous), &returned),
              STATUS_SUCCESS);
    KT_EQ(returned, 4);
    KT_EQ(previous.Count, 0);

    /* Enabling needs room for the previous state: 16 bytes, not 4. Nothing changes. */
    KT_STATUS(AdjustOne(token, 4, SE_PRIVILEGE_ENABLED, (PTOKEN_PRIVILEGES)&previous, 4,
                        &returned), STATUS_BUFFER_TOO_SMALL);
    KT_EQ(returned, 16);
    KT_STATUS(Lock(region, PAGE, MAP_SYSTEM), STATUS_PRIVILEGE_NOT_HELD);

    /* Through advapi32: a privilege not held is ERROR_NOT_ALL_ASSIGNED, with TRUE. */
    state.PrivilegeCount = 1;
    state.Privileges[0].Luid.LowPart = 20;                  /* SeDebugPrivilege */
    state.Privileges[0].Luid.HighPart = 0;
    state.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    SetLastError(12345);
    KT_EQ(AdjustTokenPrivileges(token, FALSE, &state, 0, NULL, NULL), TRUE);
    KT_EQ(GetLastError(), ERROR_NOT_ALL_ASSIGNED);
    state.Privileges[0].Luid.LowPart = 4;
    SetLastError(12345);
    KT_EQ(AdjustTokenPrivileges(token, FALSE, &state, sizeof(previous),
                                (PTOKEN_PRIVILEGES)&previous, &returned), TRUE);
    KT_EQ(GetLastError(), ERROR_SUCCESS);
    KT_EQ(previous.Count, 1);
    KT_EQ(previous.Entries[0].Attributes, SE_PRIVILEGE_ENABLED_BY_DEFAULT);
    KT_STATUS(Lock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);
    KT_STATUS(Unlock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);

    /* Everything disabled at once, then put back from the previous state. */
    KT_EQ(AdjustTokenPrivileges(token, TRUE, NULL, sizeof(previous),
                                (PTOKEN_PRIVILEGES)&previous, &returned), TRUE);
    KT_EQ(previous.Count, 2);                                 /* SeLockMemory, SeChangeNotify */
    KT_EQ(returned, 4 + 2 * 12);
    KT_STATUS(Lock(region, PAGE, MAP_SYSTEM), STATUS_PRIVILEGE_NOT_HELD);
    KT_EQ(AdjustTokenPrivileges(token, FALSE, (PTOKEN_PRIVILEGES)&previous, 0, NULL, NULL), TRUE);
    KT_EQ(GetLastError(), ERROR_SUCCESS);
    KT_STATUS(Lock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);
    KT_STATUS(Unlock(region, PAGE, MAP_SYSTEM), STATUS_SUCCESS);

    CloseHandle(adjustOnly);
    CloseHandle(queryOnly);
    CloseHandle(token);
    VirtualFree(region, 0, MEM_RELEASE);
}

/* The child's half of TestProcessMemory: a region at CHILD_BASE, then wait for the parent. */
static int ChildMemory(void)
{
    volatile ULONG *control = (volatile ULONG *)CHILD_BASE;

    if (VirtualAlloc(CHILD_BASE, 4 * PAGE, MEM_RESERVE, PAGE_READWRITE) != CHILD_BASE ||
        !VirtualAlloc(CHILD_BASE, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE) ||
        !VirtualAlloc(CHILD_BASE + 3 * PAGE, PAGE, MEM_COMMIT, PAGE_READONLY))
        return 1;
    for (ULONG offset = 16; offset < 2 * PAGE; offset++)
        CHILD_BASE[offset] = (UCHAR)(offset * 7 + 3);
    if (!VirtualLock(CHILD_BASE + PAGE, PAGE))      /* still locked when the process ends */
        return 3;
    control[0] = CHILD_READY;
    for (int step = 0; step < CHILD_WAIT_STEPS && control[1] != CHILD_GO; step++)
        Sleep(10);
    return control[1] == CHILD_GO ? (int)control[2] : 2;
}

static void CheckPattern(const UCHAR *Buffer, ULONG Offset, ULONG Length, const char *What)
{
    ULONG bad = 0;

    for (ULONG i = 0; i < Length; i++)
        bad += Buffer[i] != (UCHAR)((Offset + i) * 7 + 3);
    if (bad)
        printf("# %s: %lu bytes differ\n", What, bad);
    KT_EQ(bad, 0);
}

static void TestProcessMemory(void)
{
    static UCHAR buffer[3 * PAGE];
    char line[] = "vmlock.exe child-memory";
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child;
    PUCHAR mine = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    HANDLE reader, writer, query;
    ULONG word = 0, value;
    PVOID base;
    SIZE_T done, size;
    DWORD exitCode = 0;
    int step;

    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    reader = OpenProcess(PROCESS_VM_READ, FALSE, child.dwProcessId);
    writer = OpenProcess(PROCESS_VM_WRITE | PROCESS_VM_OPERATION, FALSE, child.dwProcessId);
    query = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, child.dwProcessId);
    KT_EXPECT(reader && writer && query);
    for (step = 0; step < CHILD_WAIT_STEPS; step++) {
        if (ReadProcessMemory(reader, CHILD_BASE, &word, 4, NULL) && word == CHILD_READY)
            break;
        Sleep(10);
    }
    KT_EQ(word, CHILD_READY);

    /* Without the access: nothing moves. */
    done = 12345;
    KT_EQ(ReadProcessMemory(query, CHILD_BASE, buffer, 16, &done), FALSE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_EQ(done, 0);
    KT_EQ(WriteProcessMemory(query, CHILD_BASE + 16, buffer, 16, &done), FALSE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_STATUS(NtReadVirtualMemory(writer, CHILD_BASE, buffer, 16, &done), STATUS_ACCESS_DENIED);
    KT_STATUS(NtWriteVirtualMemory(reader, CHILD_BASE + 16, buffer, 16, &done),
              STATUS_ACCESS_DENIED);

    /* A zero size is done at once, whatever the handle; the ranges are checked first. */
    done = 12345;
    KT_STATUS(NtReadVirtualMemory((HANDLE)0x1234, CHILD_BASE, buffer, 0, &done), STATUS_SUCCESS);
    KT_EQ(done, 0);
    KT_STATUS(NtReadVirtualMemory(reader, (PVOID)0x7FFEFFF0, buffer, 0x10, &done),
              STATUS_ACCESS_VIOLATION);             /* ends past 0x7FFEFFFF, as NT's check */
    KT_STATUS(NtReadVirtualMemory(reader, (PVOID)0x80000000, buffer, 4, &done),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtReadVirtualMemory(reader, CHILD_BASE, (PVOID)0xFFFFFFF0, 0x20, &done),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtReadVirtualMemory(reader, CHILD_BASE, buffer, 4, (PSIZE_T)&ReadOnlyPointer),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtReadVirtualMemory(reader, (PVOID)0x7FFEFFF0, buffer, 0x10, NULL),
              STATUS_ACCESS_VIOLATION);

    /* Whole pages, then across the end of what is committed: the bytes before it, exactly. */
    memset(buffer, 0xEE, sizeof(buffer));
    KT_EQ(ReadProcessMemory(reader, CHILD_BASE + 32, buffer, 2 * PAGE - 32, &done), TRUE);
    KT_EQ(done, 2 * PAGE - 32);
    CheckPattern(buffer, 32, 2 * PAGE - 32, "two pages");
    memset(buffer, 0xEE, sizeof(buffer));
    KT_EQ(ReadProcessMemory(reader, CHILD_BASE + PAGE + 100, buffer, PAGE + 200, &done), FALSE);
    KT_EQ(GetLastError(), ERROR_PARTIAL_COPY);
    KT_EQ(done, PAGE - 100);
    CheckPattern(buffer, PAGE + 100, PAGE - 100, "partial");
    KT_EQ(buffer[PAGE - 100], 0xEE);
    KT_STATUS(NtReadVirtualMemory(reader, CHILD_BASE + 2 * PAGE - 10, buffer, 20, &done),
              STATUS_PARTIAL_COPY);
    KT_EQ(done, 10);
    KT_STATUS(NtReadVirtualMemory(reader, CHILD_BASE + 2 * PAGE, buffer, 20, &done),
              STATUS_PARTIAL_COPY);
    KT_EQ(done, 0);
    /* Our own buffer ending: the bytes that reached it. */
    KT_EXPECT(mine && VirtualAlloc(mine, PAGE, MEM_COMMIT, PAGE_READWRITE));
    KT_STATUS(NtReadVirtualMemory(reader, CHILD_BASE + 100, mine + PAGE - 16, 32, &done),
              STATUS_PARTIAL_COPY);
    KT_EQ(done, 16);
    CheckPattern(mine + PAGE - 16, 100, 16, "into our own partial buffer");

    /* Writing: across the end (the service: partial; kernel32: the protection change refuses
     * the range), into read-only memory (kernel32 refuses; the service gets nowhere). */
    memset(buffer, 0x5A, sizeof(buffer));
    KT_STATUS(NtWriteVirtualMemory(writer, CHILD_BASE + 2 * PAGE - 10, buffer, 20, &done),
              STATUS_PARTIAL_COPY);
    KT_EQ(done, 10);
    KT_EQ(ReadProcessMemory(reader, CHILD_BASE + 2 * PAGE - 12, &word, 4, NULL), TRUE);
    KT_EQ(word, 0x5A5A0000u | (UCHAR)((2 * PAGE - 11) * 7 + 3) << 8 |
                (UCHAR)((2 * PAGE - 12) * 7 + 3));
    done = 777;
    KT_EQ(WriteProcessMemory(writer, CHILD_BASE + 2 * PAGE - 10, buffer, 20, &done), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(done, 777);
    KT_EQ(WriteProcessMemory(writer, CHILD_BASE + 3 * PAGE, buffer, 4, &done), FALSE);
    KT_EQ(GetLastError(), ERROR_NOACCESS);
    KT_STATUS(NtWriteVirtualMemory(writer, CHILD_BASE + 3 * PAGE, buffer, 4, &done),
              STATUS_PARTIAL_COPY);
    KT_EQ(done, 0);
    word = 1;
    KT_EQ(ReadProcessMemory(reader, CHILD_BASE + 3 * PAGE, &word, 4, NULL), TRUE);
    KT_EQ(word, 0);

    /* Locking another process's pages: PROCESS_VM_OPERATION. The child ends with page 0
     * locked by us and page 1 by itself; its exit takes both. */
    base = CHILD_BASE;
    size = PAGE;
    KT_STATUS(NtLockVirtualMemory(reader, &base, &size, MAP_PROCESS), STATUS_ACCESS_DENIED);
    KT_STATUS(NtLockVirtualMemory(writer, &base, &size, MAP_PROCESS), STATUS_SUCCESS);
    base = CHILD_BASE + PAGE;
    KT_STATUS(NtLockVirtualMemory(writer, &base, &size, MAP_PROCESS), STATUS_WAS_LOCKED);
    base = CHILD_BASE + 2 * PAGE;
    KT_STATUS(NtUnlockVirtualMemory(writer, &base, &size, MAP_PROCESS), STATUS_NOT_LOCKED);

    /* Tell the child what to exit with: its exit code proves the writes arrived. */
    value = CHILD_EXIT_CODE;
    KT_EQ(WriteProcessMemory(writer, CHILD_BASE + 8, &value, 4, &done), TRUE);
    KT_EQ(done, 4);
    value = CHILD_GO;
    KT_EQ(WriteProcessMemory(writer, CHILD_BASE + 4, &value, 4, &done), TRUE);
    KT_EQ(WaitForSingleObject(child.hProcess, 20000), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &exitCode), TRUE);
    KT_EQ(exitCode, CHILD_EXIT_CODE);
    if (exitCode != CHILD_EXIT_CODE)
        TerminateProcess(child.hProcess, 3);

    /* The child is gone: its address space with it. */
    KT_STATUS(NtReadVirtualMemory(reader, CHILD_BASE, buffer, 4, &done),
              STATUS_PROCESS_IS_TERMINATING);
    CloseHandle(reader);
    CloseHandle(writer);
    CloseHandle(query);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    VirtualFree(mine, 0, MEM_RELEASE);
}

/* Pages the system has available now. */
static ULONGLONG AvailablePages(void)
{
    MEMORYSTATUSEX status;

    ZeroMemory(&status, sizeof(status));
    status.dwLength = sizeof(status);

    GlobalMemoryStatusEx(&status);
    return status.ullAvailPhys / PAGE;
}

/*
 * A working set's maximum is soft, as on NT: with memory plentiful a process grows past it.
 * Server 2003's QUOTA_LIMITS_HARDWS_MAX_ENABLE makes it hard: the set is cut to it at once and
 * never grows past it; _DISABLE makes it soft again. The flags read back as set; an ENABLE with
 * its DISABLE, or an unknown flag, is ERROR_INVALID_PARAMETER.
 */
static void TestSoftMaximum(void)
{
    SIZE_T minimum = 0, maximum = 0, lo = 0, hi = 0;
    PUCHAR region = VirtualAlloc(NULL, 128 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD flags = 0;

    KT_EXPECT(region != NULL);
    if (!region)
        return;
    KT_EQ(GetProcessWorkingSetSizeEx(GetCurrentProcess(), &minimum, &maximum, &flags), TRUE);
    KT_EQ(flags, QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE);
    KT_EQ(SetProcessWorkingSetSize(GetCurrentProcess(), 20 * PAGE, 28 * PAGE), TRUE);
    if (AvailablePages() >= 2048) {             /* plentiful: 1024 more than the limit */
        for (ULONG i = 0; i < 128; i++)
            region[i * PAGE] = (UCHAR)i;
        printf("# soft maximum of 28 pages: working set %lu pages\n",
               (unsigned long)(Counters().WorkingSetSize / PAGE));
        KT_EXPECT(Counters().WorkingSetSize > 28 * PAGE + 64 * PAGE);
    } else {
        printf("# %llu pages available: too few to grow past a maximum\n", AvailablePages());
    }

    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), 20 * PAGE, 28 * PAGE,
                                     QUOTA_LIMITS_HARDWS_MAX_ENABLE), TRUE);
    KT_EXPECT(Counters().WorkingSetSize <= 28 * PAGE);
    KT_EQ(GetProcessWorkingSetSizeEx(GetCurrentProcess(), &lo, &hi, &flags), TRUE);
    KT_EQ(flags, QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_ENABLE);
    KT_EQ(lo, 20 * PAGE);
    KT_EQ(hi, 28 * PAGE);
    for (int pass = 0; pass < 2; pass++)
        for (ULONG i = 0; i < 128; i++)
            region[i * PAGE] = (UCHAR)(i + pass);
    KT_EXPECT(Counters().WorkingSetSize <= 28 * PAGE);

    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), 20 * PAGE, 28 * PAGE,
                                     QUOTA_LIMITS_HARDWS_MIN_ENABLE |
                                     QUOTA_LIMITS_HARDWS_MIN_DISABLE), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), 20 * PAGE, 28 * PAGE, 0x10), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), 20 * PAGE, 28 * PAGE,
                                     QUOTA_LIMITS_HARDWS_MIN_ENABLE), TRUE);
    KT_EQ(GetProcessWorkingSetSizeEx(GetCurrentProcess(), &lo, &hi, &flags), TRUE);
    KT_EQ(flags, QUOTA_LIMITS_HARDWS_MIN_ENABLE | QUOTA_LIMITS_HARDWS_MAX_ENABLE);

    KT_EQ(SetProcessWorkingSetSizeEx(GetCurrentProcess(), minimum, maximum,
                                     QUOTA_LIMITS_HARDWS_MIN_DISABLE |
                                     QUOTA_LIMITS_HARDWS_MAX_DISABLE), TRUE);
    KT_EQ(GetProcessWorkingSetSizeEx(GetCurrentProcess(), &lo, &hi, &flags), TRUE);
    KT_EQ(flags, QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE);
    VirtualFree(region, 0, MEM_RELEASE);
}

static const KTAP_CASE Cases[] = {
    { "user.lock.statuses", TestLockStatuses },
    { "user.lock.quota", TestLockQuota },
    { "user.lock.survive_pressure", TestLockedSurvivePressure },
    { "user.lock.decommit_protect_free", TestLockedPagesGo },
    { "user.lock.privilege", TestPrivilege },
    { "user.lock.process_memory", TestProcessMemory },
    { "user.ws.soft_maximum", TestSoftMaximum },
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child-memory") == 0)
        return ChildMemory();
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
