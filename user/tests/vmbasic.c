/*
 * user/tests/vmbasic.c: the virtual memory services from ring 3, through kernel32 as a Windows
 * program calls them: reserve, commit, query, protect, decommit, release, with Windows' rounding
 * and error codes, and the faults a program sees (access violations with their
 * ExceptionInformation, a guard page once, the stack growing through its guard page).
 */
#include "ktap.h"

#define PAGE        0x1000
#define GRANULARITY 0x10000

static MEMORY_BASIC_INFORMATION Query(const void *Address)
{
    MEMORY_BASIC_INFORMATION mbi;

    ZeroMemory(&mbi, sizeof(mbi));
    KT_EQ(VirtualQuery(Address, &mbi, sizeof(mbi)), sizeof(mbi));
    return mbi;
}

static void TestReserveCommit(void)
{
    char *base = VirtualAlloc(NULL, 5 * PAGE + 1, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION mbi;

    KT_EXPECT(base != NULL);
    KT_EQ((ULONG_PTR)base % GRANULARITY, 0);
    mbi = Query(base + 3);
    KT_EQ(mbi.BaseAddress, base);
    KT_EQ(mbi.AllocationBase, base);
    KT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
    KT_EQ(mbi.RegionSize, 6 * PAGE);
    KT_EQ(mbi.State, MEM_COMMIT);
    KT_EQ(mbi.Protect, PAGE_READWRITE);
    KT_EQ(mbi.Type, MEM_PRIVATE);
    for (int i = 0; i < 6; i++)
        KT_EQ(base[i * PAGE], 0);
    base[5 * PAGE + 4095] = 1;
    KT_EXPECT(VirtualFree(base, 0, MEM_RELEASE));
    mbi = Query(base);
    KT_EQ(mbi.State, MEM_FREE);
    KT_EQ(mbi.Protect, PAGE_NOACCESS);
    KT_EQ(mbi.AllocationBase, 0);
}

static void TestRounding(void)
{
    char *want = (char *)0x20000000 + 0x1234;
    char *base = VirtualAlloc(want, 3 * PAGE, MEM_RESERVE, PAGE_READONLY);
    char *page;
    MEMORY_BASIC_INFORMATION mbi;

    KT_EQ(base, (char *)0x20000000);            /* down to 64 KB */
    mbi = Query(base);
    KT_EQ(mbi.State, MEM_RESERVE);
    KT_EQ(mbi.Protect, 0);
    KT_EQ(mbi.RegionSize, 0x5000);               /* up to the page holding want + size - 1 */
    page = VirtualAlloc(base + 0x1800, 0x10, MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(page, base + 0x1000);                  /* down to a page */
    mbi = Query(base);
    KT_EQ(mbi.RegionSize, PAGE);
    KT_EQ(mbi.State, MEM_RESERVE);
    mbi = Query(base + 0x1000);
    KT_EQ(mbi.RegionSize, PAGE);
    KT_EQ(mbi.State, MEM_COMMIT);
    KT_EQ(mbi.Protect, PAGE_READWRITE);
    KT_EQ(mbi.AllocationProtect, PAGE_READONLY);
    mbi = Query(base + 0x2000);
    KT_EQ(mbi.RegionSize, 3 * PAGE);
    KT_EQ(mbi.State, MEM_RESERVE);
    KT_EXPECT(VirtualFree(base, 0, MEM_RELEASE));
}

static void TestErrors(void)
{
    char *base = VirtualAlloc(NULL, GRANULARITY, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

    SetLastError(0);
    KT_EXPECT(!VirtualAlloc(base, PAGE, MEM_RESERVE, PAGE_READWRITE));
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);                 /* CONFLICTING_ADDRESSES */
    KT_EXPECT(!VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_WRITECOPY));
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);               /* INVALID_PAGE_PROTECTION */
    KT_EXPECT(!VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_NOACCESS | PAGE_GUARD));
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EXPECT(!VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_READWRITE));
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);               /* INVALID_PARAMETER_4 */
    KT_EXPECT(!VirtualFree(base + PAGE, 0, MEM_RELEASE));
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);                 /* FREE_VM_NOT_AT_BASE */
    KT_EXPECT(!VirtualFree((char *)0x30000000, 0, MEM_RELEASE));
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);                 /* MEMORY_NOT_ALLOCATED */
    KT_EXPECT(!VirtualFree(base, 0, MEM_RELEASE | MEM_DECOMMIT));
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EXPECT(VirtualFree(base, 0, MEM_RELEASE));
}

static void TestDecommit(void)
{
    char *base = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION mbi;

    base[PAGE] = 5;
    KT_EXPECT(VirtualFree(base + PAGE, PAGE, MEM_DECOMMIT));
    mbi = Query(base);
    KT_EQ(mbi.RegionSize, PAGE);
    KT_EQ(mbi.State, MEM_COMMIT);
    mbi = Query(base + PAGE);
    KT_EQ(mbi.RegionSize, PAGE);
    KT_EQ(mbi.State, MEM_RESERVE);
    mbi = Query(base + 2 * PAGE);
    KT_EQ(mbi.RegionSize, 2 * PAGE);
    KT_EQ(mbi.State, MEM_COMMIT);
    KT_EQ(VirtualAlloc(base + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE), base + PAGE);
    KT_EQ(base[PAGE], 0);                        /* a new page of zeroes */
    KT_EXPECT(VirtualFree(base, 0, MEM_RELEASE));
}

static volatile LONG Faults;
static EXCEPTION_RECORD LastRecord;

/* Commits the page a read or write hit and continues, as a sparse array does. */
static LONG CALLBACK CommitOnFault(EXCEPTION_POINTERS *Info)
{
    EXCEPTION_RECORD *record = Info->ExceptionRecord;
    DWORD old;

    LastRecord = *record;
    Faults++;
    if (record->ExceptionCode == EXCEPTION_ACCESS_VIOLATION) {
        void *page = (void *)(record->ExceptionInformation[1] & ~(ULONG_PTR)(PAGE - 1));

        if (!VirtualAlloc(page, PAGE, MEM_COMMIT, PAGE_READWRITE) ||
            !VirtualProtect(page, PAGE, PAGE_READWRITE, &old))
            return EXCEPTION_CONTINUE_SEARCH;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (record->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_EXECUTION;
    return EXCEPTION_CONTINUE_SEARCH;
}

static void TestAccessViolations(void)
{
    volatile char *base = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    void *handler = AddVectoredExceptionHandler(1, CommitOnFault);
    DWORD old;
    char value;

    Faults = 0;
    value = base[2 * PAGE + 7];                  /* reserved: a read fault */
    KT_EQ(value, 0);
    KT_EQ(Faults, 1);
    KT_STATUS(LastRecord.ExceptionCode, EXCEPTION_ACCESS_VIOLATION);
    KT_EQ(LastRecord.NumberParameters, 2);
    KT_EQ(LastRecord.ExceptionInformation[0], 0);
    KT_EQ(LastRecord.ExceptionInformation[1], (ULONG_PTR)(base + 2 * PAGE + 7));
    KT_EXPECT(VirtualProtect((void *)(base + 2 * PAGE), PAGE, PAGE_READONLY, &old));
    KT_EQ(old, PAGE_READWRITE);
    base[2 * PAGE + 9] = 3;                      /* read-only: a write fault */
    KT_EQ(Faults, 2);
    KT_EQ(LastRecord.ExceptionInformation[0], 1);
    KT_EQ(LastRecord.ExceptionInformation[1], (ULONG_PTR)(base + 2 * PAGE + 9));
    KT_EQ(base[2 * PAGE + 9], 3);
    RemoveVectoredExceptionHandler(handler);
    VirtualFree((void *)base, 0, MEM_RELEASE);
}

static void TestGuardPage(void)
{
    volatile char *base = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT,
                                       PAGE_READWRITE | PAGE_GUARD);
    void *handler = AddVectoredExceptionHandler(1, CommitOnFault);
    MEMORY_BASIC_INFORMATION mbi;

    mbi = Query((void *)base);
    KT_EQ(mbi.Protect, PAGE_READWRITE | PAGE_GUARD);
    Faults = 0;
    base[10] = 1;                                /* the guard, once */
    KT_EQ(Faults, 1);
    KT_STATUS(LastRecord.ExceptionCode, STATUS_GUARD_PAGE_VIOLATION);
    base[11] = 2;                                /* then a plain page */
    KT_EQ(Faults, 1);
    mbi = Query((void *)base);
    KT_EQ(mbi.Protect, PAGE_READWRITE);
    RemoveVectoredExceptionHandler(handler);
    VirtualFree((void *)base, 0, MEM_RELEASE);
}

static int Recurse(int Depth)
{
    volatile char frame[1024];

    frame[0] = (char)Depth;
    if (Depth == 0)
        return frame[0];
    return Recurse(Depth - 1) + frame[0];
}

/* The lowest address of the stack's committed part (its guard page included). */
static char *StackCommittedStart(void)
{
    volatile char here = 0;
    MEMORY_BASIC_INFORMATION mbi = Query((const void *)&here);
    MEMORY_BASIC_INFORMATION reserved = Query(mbi.AllocationBase);

    return (char *)mbi.AllocationBase + reserved.RegionSize;
}

static void TestStackGrowth(void)
{
    char *before = StackCommittedStart(), *after;
    volatile int sum;

    sum = Recurse(200);                          /* about 200 KB deep */
    (void)sum;
    after = StackCommittedStart();
    KT_EXPECT(after < before - 150 * 1024);
    KT_EXPECT(after > before - 1024 * 1024);
}

static const KTAP_CASE Cases[] = {
    { "vm.reserve_commit", TestReserveCommit },
    { "vm.rounding", TestRounding },
    { "vm.errors", TestErrors },
    { "vm.decommit", TestDecommit },
    { "vm.access_violation", TestAccessViolations },
    { "vm.guard_page", TestGuardPage },
    { "vm.stack_growth", TestStackGrowth },
};

KTAP_MAIN(Cases)
