/*
 * vmawe.exe: Address Windowing Extensions and large pages (mm/physical.c), through kernel32 and
 * the services:
 *   - statuses: MEM_PHYSICAL regions (read-write, MEM_RESERVE only), what VirtualQuery says of
 *     them, commit/decommit/partial release/protect in them, the map and free services' checks
 *     (no AWEINFO yet, a count of 0, frames not the process's, a frame mapped twice, a range
 *     past the region) with Windows' error codes;
 *   - a window: 64 physical pages seen through a 16-page region, four windows' worth, written,
 *     unmapped, mapped again in another order and read back; scatter maps; an unmapped page
 *     faults (the handler maps a page there and the access goes on); commitment charged per
 *     page and given back by FreeUserPhysicalPages;
 *   - the privilege: without SeLockMemoryPrivilege (AdjustTokenPrivileges) no pages and no
 *     large pages, but mapping and freeing the pages one has still work;
 *   - large pages: GetLargePageMinimum() is 4 MB, a MEM_LARGE_PAGES region is 4 MB-aligned,
 *     committed, zeroed, read-write, its commitment exact, its protection fixed, freed whole,
 *     and the memory comes back (SKIP when this machine cannot hold a 4 MB run);
 *   - exit: a child that keeps AWE pages, a mapped window and a large page ends, and every
 *     page, commitment and pool byte comes back.
 *
 *   vmawe.exe          the cases           vmawe.exe child   what user.awe.exit starts
 *                                          vmawe.exe nop     ... and first, a child doing nothing
 */
#include <ntdll.h>
#include <psapi.h>
#include <string.h>
#include "ktap.h"
#include "snapshot.h"

#define PAGE            0x1000u
#define LARGE_PAGE      0x400000u
#define WINDOW_PAGES    16
#define AWE_PAGES       64
#define LOCK_MEMORY     4               /* SeLockMemoryPrivilege's LUID */

static SIZE_T CommitCharge(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    KT_EQ(GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters)), TRUE);
    return counters.PagefileUsage;
}

static ULONG AvailablePages(void)
{
    SYSTEM_PERFORMANCE_INFORMATION performance;
    ULONG length;

    KT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                       sizeof(performance), &length), STATUS_SUCCESS);
    return performance.AvailablePages;
}

static ULONG PhysicalPages(void)
{
    SYSTEM_BASIC_INFORMATION basic;
    ULONG length;

    KT_STATUS(NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic), &length),
              STATUS_SUCCESS);
    return basic.NumberOfPhysicalPages;
}

static MEMORY_BASIC_INFORMATION QueryVm(const void *Address)
{
    MEMORY_BASIC_INFORMATION mbi;

    memset(&mbi, 0xCC, sizeof(mbi));
    KT_EQ(VirtualQuery(Address, &mbi, sizeof(mbi)), sizeof(mbi));
    return mbi;
}

static BOOL EnableLockMemory(BOOL Enable)
{
    TOKEN_PRIVILEGES state = { 1, { { { LOCK_MEMORY, 0 }, Enable ? SE_PRIVILEGE_ENABLED : 0 } } };
    HANDLE token;
    BOOL done;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &token))
        return FALSE;
    done = AdjustTokenPrivileges(token, FALSE, &state, 0, NULL, NULL) &&
           GetLastError() == ERROR_SUCCESS;
    CloseHandle(token);
    return done;
}

static NTSTATUS FreeRegion(PVOID Base, SIZE_T Size, ULONG Type)
{
    return NtFreeVirtualMemory(GetCurrentProcess(), &Base, &Size, Type);
}

/* Each page of an AWE page's contents says which page it is: Tag at its first and last words. */
static void Stamp(volatile ULONG *Page, ULONG Tag)
{
    Page[0] = Tag;
    Page[PAGE / 4 - 1] = ~Tag;
}

static BOOL Stamped(volatile ULONG *Page, ULONG Tag)
{
    return Page[0] == Tag && Page[PAGE / 4 - 1] == ~Tag;
}

static void TestStatuses(void)
{
    ULONG_PTR frames[4], count, bad[2];
    PUCHAR region, top, priv;
    MEMORY_BASIC_INFORMATION mbi;
    PVOID base = NULL;
    SIZE_T size = WINDOW_PAGES * PAGE;
    ULONG old;

    /* Before any AWE call the process has no AWEINFO. */
    KT_STATUS(NtMapUserPhysicalPages((PVOID)0x10000, 1, NULL), STATUS_INVALID_PARAMETER_1);
    count = 1;
    frames[0] = 0x100;
    KT_STATUS(NtFreeUserPhysicalPages(GetCurrentProcess(), &count, frames),
              STATUS_INVALID_PARAMETER_1);

    /* MEM_PHYSICAL: MEM_RESERVE only (with MEM_TOP_DOWN), read-write only. */
    KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size,
                                      MEM_PHYSICAL | MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
              STATUS_INVALID_PARAMETER_5);
    KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size, MEM_PHYSICAL,
                                      PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
    KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size,
                                      MEM_PHYSICAL | MEM_RESERVE, PAGE_EXECUTE_READWRITE),
              STATUS_INVALID_PARAMETER_6);
    KT_EQ(VirtualAlloc(NULL, size, MEM_PHYSICAL | MEM_RESERVE, PAGE_READONLY), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    top = VirtualAlloc(NULL, size, MEM_PHYSICAL | MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    region = VirtualAlloc(NULL, size, MEM_PHYSICAL | MEM_RESERVE, PAGE_READWRITE);
    priv = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    KT_EXPECT(region && top && priv && top > region);
    if (!region || !top || !priv)
        return;

    /* What VirtualQuery says: reserved private read-write memory, nothing mapped. */
    mbi = QueryVm(region + 3 * PAGE + 5);
    KT_EQ(mbi.BaseAddress, region + 3 * PAGE);
    KT_EQ(mbi.AllocationBase, region);
    KT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
    KT_EQ(mbi.RegionSize, (WINDOW_PAGES - 3) * PAGE);
    KT_EQ(mbi.State, MEM_RESERVE);
    KT_EQ(mbi.Protect, 0);
    KT_EQ(mbi.Type, MEM_PRIVATE);

    /* Nothing else happens to an AWE region but its release, whole. */
    KT_EQ(VirtualAlloc(region, PAGE, MEM_COMMIT, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_STATUS(FreeRegion(region, PAGE, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);
    KT_STATUS(FreeRegion(region, 0, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);
    KT_STATUS(FreeRegion(region, PAGE, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    KT_STATUS(FreeRegion(region + PAGE, 0, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    KT_EQ(VirtualProtect(region, PAGE, PAGE_EXECUTE_READWRITE, &old), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(VirtualProtect(region, PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE);

    /* The allocation's own checks. */
    count = 0;
    KT_STATUS(NtAllocateUserPhysicalPages(GetCurrentProcess(), &count, frames), STATUS_SUCCESS);
    KT_EQ(count, 0);
    count = 0x40000000;
    KT_STATUS(NtAllocateUserPhysicalPages(GetCurrentProcess(), &count, frames),
              STATUS_INVALID_PARAMETER_2);
    count = 4;
    KT_STATUS(NtAllocateUserPhysicalPages(GetCurrentProcess(), &count, (PULONG_PTR)0x7FFF0000),
              STATUS_ACCESS_VIOLATION);
    count = 4;
    KT_EQ(AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    KT_EQ(count, 4);
    KT_EXPECT(frames[0] != frames[1] && frames[1] != frames[2] && frames[2] != frames[3]);

    /* The map services' checks, in NT's order. Nothing is mapped by a call that fails. */
    KT_STATUS(NtMapUserPhysicalPages(region, 0, frames), STATUS_INVALID_PARAMETER_2);
    KT_STATUS(NtMapUserPhysicalPages(region, 0x100000, frames), STATUS_INVALID_PARAMETER_2);
    KT_STATUS(NtMapUserPhysicalPages(priv, 1, frames), STATUS_INVALID_PARAMETER_1);
    KT_STATUS(NtMapUserPhysicalPages(region + (WINDOW_PAGES - 1) * PAGE, 2, frames),
              STATUS_INVALID_PARAMETER_1);
    KT_STATUS(NtMapUserPhysicalPages(region, 1, (PULONG_PTR)0x7FFF0000), STATUS_ACCESS_VIOLATION);
    bad[0] = frames[0];
    bad[1] = 0x7FFFFFFF;                        /* past the PFN database */
    KT_STATUS(NtMapUserPhysicalPages(region, 2, bad), STATUS_CONFLICTING_ADDRESSES);
    bad[1] = 1;                                 /* a frame the process does not own */
    KT_STATUS(NtMapUserPhysicalPages(region, 2, bad), STATUS_CONFLICTING_ADDRESSES);
    KT_EQ(MapUserPhysicalPages(region, 2, bad), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    bad[1] = frames[0];                         /* one frame twice */
    KT_STATUS(NtMapUserPhysicalPages(region, 2, bad), STATUS_INVALID_PARAMETER_3);
    KT_EQ(MapUserPhysicalPages(region, 2, bad), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(QueryVm(region).State, MEM_RESERVE);
    KT_EQ(QueryVm(region).RegionSize, WINDOW_PAGES * PAGE);

    /* Mapped: that page is committed read-write; a frame mapped there may not go elsewhere. */
    KT_STATUS(NtMapUserPhysicalPages(region + PAGE, 1, frames), STATUS_SUCCESS);
    mbi = QueryVm(region);
    KT_EQ(mbi.State, MEM_RESERVE);
    KT_EQ(mbi.RegionSize, PAGE);
    mbi = QueryVm(region + PAGE);
    KT_EQ(mbi.State, MEM_COMMIT);
    KT_EQ(mbi.Protect, PAGE_READWRITE);
    KT_EQ(mbi.RegionSize, PAGE);
    KT_EQ(mbi.Type, MEM_PRIVATE);
    KT_EQ(QueryVm(region + 2 * PAGE).State, MEM_RESERVE);
    KT_EQ(*(volatile ULONG *)(region + PAGE), 0);             /* a zeroed page */
    KT_STATUS(NtMapUserPhysicalPages(top, 1, frames), STATUS_INVALID_PARAMETER_3);
    KT_STATUS(NtMapUserPhysicalPages(region + PAGE, 1, frames), STATUS_SUCCESS);  /* again */
    KT_EQ(VirtualProtect(region + PAGE, PAGE, PAGE_READONLY, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE);
    KT_EQ(QueryVm(region + PAGE).Protect, PAGE_READONLY);
    KT_EQ(VirtualProtect(region + PAGE, PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_READONLY);
    *(volatile ULONG *)(region + PAGE) = 0x5A5A;
    /* Resident already: locking does nothing, and there is nothing to unlock. */
    KT_EQ(VirtualLock(region + PAGE, PAGE), TRUE);
    KT_EQ(VirtualUnlock(region + PAGE, PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);
    KT_EQ(VirtualLock(region + 2 * PAGE, PAGE), FALSE);         /* nothing mapped there */
    KT_EQ(GetLastError(), ERROR_NOACCESS);

    /* Freeing: a frame not owned stops the call there, the ones before it freed. */
    bad[0] = frames[3];
    bad[1] = 1;
    count = 2;
    KT_STATUS(NtFreeUserPhysicalPages(GetCurrentProcess(), &count, bad),
              STATUS_CONFLICTING_ADDRESSES);
    KT_EQ(count, 1);
    count = 1;
    KT_EQ(FreeUserPhysicalPages(GetCurrentProcess(), &count, &frames[3]), FALSE);   /* gone */
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(count, 0);
    count = 3;                                  /* the mapped one is unmapped first */
    KT_EQ(FreeUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    KT_EQ(count, 3);
    KT_EQ(QueryVm(region + PAGE).State, MEM_RESERVE);
    KT_EQ(VirtualFree(region, 0, MEM_RELEASE), TRUE);
    KT_EQ(QueryVm(region).State, MEM_FREE);
    KT_EQ(VirtualFree(top, 0, MEM_RELEASE), TRUE);
    VirtualFree(priv, 0, MEM_RELEASE);
}

/* An access to an unmapped page of the window maps the spare frame there and goes on. */
static PUCHAR Window;
static ULONG_PTR SpareFrame;
static volatile LONG Faults;
static ULONG_PTR FaultAddress;

static LONG CALLBACK MapOnFault(EXCEPTION_POINTERS *Info)
{
    EXCEPTION_RECORD *record = Info->ExceptionRecord;
    ULONG_PTR address = record->ExceptionInformation[1];

    if (record->ExceptionCode != (DWORD)EXCEPTION_ACCESS_VIOLATION || !Window ||
        address < (ULONG_PTR)Window || address >= (ULONG_PTR)Window + WINDOW_PAGES * PAGE)
        return EXCEPTION_CONTINUE_SEARCH;
    Faults++;
    FaultAddress = address;
    if (!MapUserPhysicalPages((PVOID)(address & ~(ULONG_PTR)(PAGE - 1)), 1, &SpareFrame))
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void TestWindow(void)
{
    static ULONG_PTR frames[AWE_PAGES + 1], order[WINDOW_PAGES];
    PVOID addresses[8];
    ULONG_PTR count = AWE_PAGES + 1;
    PUCHAR window;
    SIZE_T charge;
    ULONG bad = 0;
    PVOID handler;

    window = Window = VirtualAlloc(NULL, WINDOW_PAGES * PAGE, MEM_RESERVE | MEM_PHYSICAL,
                                   PAGE_READWRITE);
    KT_EXPECT(Window != NULL);
    charge = CommitCharge();
    KT_EQ(AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    KT_EQ(count, AWE_PAGES + 1);
    if (!Window || count != AWE_PAGES + 1)
        return;
    KT_EQ(CommitCharge() - charge, (AWE_PAGES + 1) * PAGE);      /* a page of commitment each */
    SpareFrame = frames[AWE_PAGES];

    /* Four windows' worth: each 16 pages written through the same 16 addresses. */
    for (ULONG w = 0; w < AWE_PAGES / WINDOW_PAGES; w++) {
        KT_EQ(MapUserPhysicalPages(Window, WINDOW_PAGES, &frames[w * WINDOW_PAGES]), TRUE);
        for (ULONG i = 0; i < WINDOW_PAGES; i++) {
            KT_EQ(*(volatile ULONG *)(Window + i * PAGE), 0);
            Stamp((volatile ULONG *)(Window + i * PAGE), 0xA0E00000 + w * WINDOW_PAGES + i);
        }
    }
    KT_EQ(MapUserPhysicalPages(Window, WINDOW_PAGES, NULL), TRUE);        /* all unmapped */
    KT_EQ(QueryVm(Window).State, MEM_RESERVE);
    KT_EQ(QueryVm(Window).RegionSize, WINDOW_PAGES * PAGE);

    /* Back in another order: page k of the window shows frame 4k+w's contents. */
    for (ULONG w = 0; w < 4; w++) {
        for (ULONG i = 0; i < WINDOW_PAGES; i++)
            order[i] = frames[(i * 4 + w) % AWE_PAGES];
        KT_EQ(MapUserPhysicalPages(Window, WINDOW_PAGES, order), TRUE);
        for (ULONG i = 0; i < WINDOW_PAGES; i++)
            bad += !Stamped((volatile ULONG *)(Window + i * PAGE), 0xA0E00000 + (i * 4 + w) % AWE_PAGES);
        KT_EQ(QueryVm(Window).State, MEM_COMMIT);
        KT_EQ(QueryVm(Window).RegionSize, WINDOW_PAGES * PAGE);
    }
    KT_EQ(bad, 0);

    /* Scatter: the odd pages get frames 8..15, the even ones are unmapped. */
    for (ULONG i = 0; i < 8; i++)
        addresses[i] = Window + (2 * i) * PAGE;
    KT_EQ(MapUserPhysicalPagesScatter(addresses, 8, NULL), TRUE);
    for (ULONG i = 0; i < 8; i++)
        addresses[i] = Window + (2 * i + 1) * PAGE;
    KT_EQ(MapUserPhysicalPages(Window, WINDOW_PAGES, NULL), TRUE);
    KT_EQ(MapUserPhysicalPagesScatter(addresses, 8, &frames[8]), TRUE);
    for (ULONG i = 0; i < 8; i++)
        bad += !Stamped((volatile ULONG *)(Window + (2 * i + 1) * PAGE), 0xA0E00000 + 8 + i);
    KT_EQ(bad, 0);
    KT_EQ(QueryVm(Window).State, MEM_RESERVE);
    KT_EQ(QueryVm(Window).RegionSize, PAGE);
    KT_EQ(QueryVm(Window + PAGE).State, MEM_COMMIT);
    KT_EQ(QueryVm(Window + PAGE).RegionSize, PAGE);
    addresses[1] = addresses[0];                /* one frame at two addresses */
    KT_STATUS(NtMapUserPhysicalPagesScatter(addresses, 2, &frames[20]), STATUS_SUCCESS);
    KT_STATUS(NtMapUserPhysicalPagesScatter(addresses, 0, frames), STATUS_INVALID_PARAMETER_2);
    KT_EQ(Stamped((volatile ULONG *)(Window + PAGE), 0xA0E00000 + 21), TRUE);  /* the last */
    {
        ULONG_PTR twice[2] = { frames[30], frames[30] };

        addresses[0] = Window + 5 * PAGE;
        addresses[1] = Window + 7 * PAGE;
        KT_STATUS(NtMapUserPhysicalPagesScatter(addresses, 2, twice), STATUS_INVALID_PARAMETER_3);
    }
    KT_EQ(Stamped((volatile ULONG *)(Window + 5 * PAGE), 0xA0E00000 + 10), TRUE);  /* kept */

    /* An unmapped page: an access violation at the address touched. */
    handler = AddVectoredExceptionHandler(1, MapOnFault);
    Faults = 0;
    KT_EQ(*(volatile ULONG *)(Window + 6 * PAGE + 8), 0);    /* the spare frame, zeroed */
    KT_EQ(Faults, 1);
    KT_EQ(FaultAddress, (ULONG_PTR)Window + 6 * PAGE + 8);
    *(volatile ULONG *)(Window + 6 * PAGE + 8) = 7;          /* mapped now: no fault */
    KT_EQ(Faults, 1);
    RemoveVectoredExceptionHandler(handler);
    Window = NULL;

    /* Every page back, mapped or not, and its commitment. */
    count = AWE_PAGES + 1;
    KT_EQ(FreeUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    KT_EQ(count, AWE_PAGES + 1);
    KT_EQ(CommitCharge(), charge);
    KT_EQ(QueryVm(window + PAGE).State, MEM_RESERVE);
    KT_EQ(QueryVm(window).RegionSize, WINDOW_PAGES * PAGE);
    KT_EQ(VirtualFree(window, 0, MEM_RELEASE), TRUE);
}

static void TestPrivilege(void)
{
    PUCHAR region = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE);
    ULONG_PTR frames[2], count = 2;

    KT_EQ(AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    KT_EQ(EnableLockMemory(FALSE), TRUE);
    count = 1;
    KT_EQ(AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames), FALSE);
    KT_EQ(GetLastError(), ERROR_PRIVILEGE_NOT_HELD);
    KT_STATUS(NtAllocateUserPhysicalPages(GetCurrentProcess(), &count, frames),
              STATUS_PRIVILEGE_NOT_HELD);
    KT_EQ(VirtualAlloc(NULL, LARGE_PAGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                       PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_PRIVILEGE_NOT_HELD);
    /* The pages one has are one's own: regions, maps and frees need no privilege. */
    PUCHAR second = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE);
    KT_EXPECT(region && second);
    KT_EQ(MapUserPhysicalPages(region, 1, frames), TRUE);
    KT_EQ(MapUserPhysicalPages(second, 1, &frames[1]), TRUE);
    if (region && second) {
        region[0] = 1;
        second[0] = 2;
        KT_EQ(region[0] + second[0], 3);
    }
    count = 2;
    KT_EQ(FreeUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    KT_EQ(count, 2);
    KT_EQ(EnableLockMemory(TRUE), TRUE);
    count = 1;
    KT_EQ(AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    count = 1;
    KT_EQ(FreeUserPhysicalPages(GetCurrentProcess(), &count, frames), TRUE);
    VirtualFree(region, 0, MEM_RELEASE);
    VirtualFree(second, 0, MEM_RELEASE);
}

/* A large page, or NULL with a reason to skip when this machine cannot have one. */
static PUCHAR AllocateLargePage(const char **Skip)
{
    PUCHAR large = VirtualAlloc(NULL, LARGE_PAGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                                PAGE_READWRITE);

    *Skip = NULL;
    if (!large && GetLargePageMinimum() == 0)
        *Skip = "the processor has no PSE: no large pages";
    else if (!large && (GetLastError() == ERROR_NO_SYSTEM_RESOURCES ||
                        GetLastError() == ERROR_COMMITMENT_LIMIT) &&
             PhysicalPages() < 6 * (LARGE_PAGE / PAGE))
        *Skip = GetLastError() == ERROR_COMMITMENT_LIMIT
                ? "memory cannot hold a 4 MB page (fewer than 24 MB: not 1024 pages of commitment)"
                : "memory cannot hold a 4 MB page (fewer than 24 MB: no free 4 MB-aligned run)";
    return large;
}

static void TestLargePages(void)
{
    PUCHAR large, second;
    SIZE_T charge, size;
    MEMORY_BASIC_INFORMATION mbi;
    const char *skip;
    PVOID base;
    ULONG available, bad = 0, old;

    KT_EQ(GetLargePageMinimum(), LARGE_PAGE);
    /* The checks before memory is looked for. */
    KT_EQ(VirtualAlloc(NULL, LARGE_PAGE + PAGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                       PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualAlloc((PVOID)0x10410000, LARGE_PAGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                       PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    base = NULL;
    size = LARGE_PAGE;
    KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size,
                                      MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE),
              STATUS_INVALID_PARAMETER_5);
    KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size,
                                      MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES | MEM_PHYSICAL,
                                      PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);

    SnapshotBegin();
    charge = CommitCharge();
    available = AvailablePages();
    large = AllocateLargePage(&skip);
    if (skip) {
        KT_SKIP(skip);
        return;
    }
    KT_EXPECT(large != NULL);
    if (!large)
        return;
    KT_EQ((ULONG_PTR)large & (LARGE_PAGE - 1), 0);
    KT_EQ(CommitCharge() - charge, LARGE_PAGE);                 /* exactly its pages */
    KT_EXPECT(available - AvailablePages() >= LARGE_PAGE / PAGE);
    mbi = QueryVm(large + 5 * PAGE);
    KT_EQ(mbi.BaseAddress, large + 5 * PAGE);
    KT_EQ(mbi.AllocationBase, large);
    KT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
    KT_EQ(mbi.RegionSize, LARGE_PAGE - 5 * PAGE);
    KT_EQ(mbi.State, MEM_COMMIT);
    KT_EQ(mbi.Protect, PAGE_READWRITE);
    KT_EQ(mbi.Type, MEM_PRIVATE);

    /* Zeroed, and each page its own. */
    for (ULONG i = 0; i < LARGE_PAGE / PAGE; i++)
        bad += ((volatile ULONG *)(large + i * PAGE))[i % (PAGE / 4)] != 0;
    KT_EQ(bad, 0);
    for (ULONG i = 0; i < LARGE_PAGE / PAGE; i++)
        Stamp((volatile ULONG *)(large + i * PAGE), 0x1A000000 + i);
    for (ULONG i = 0; i < LARGE_PAGE / PAGE; i++)
        bad += !Stamped((volatile ULONG *)(large + i * PAGE), 0x1A000000 + i);
    KT_EQ(bad, 0);

    /* One protection throughout; never decommitted, committed or released in part. */
    KT_EQ(VirtualProtect(large + PAGE, PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE);
    KT_EQ(VirtualProtect(large, PAGE, PAGE_READONLY, &old), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(VirtualAlloc(large, PAGE, MEM_COMMIT, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_STATUS(FreeRegion(large, PAGE, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);
    KT_STATUS(FreeRegion(large + LARGE_PAGE - PAGE, PAGE, MEM_RELEASE),
              STATUS_FREE_VM_NOT_AT_BASE);
    KT_EQ(VirtualLock(large + 3 * PAGE, 2 * PAGE), TRUE);
    KT_EQ(VirtualUnlock(large + 3 * PAGE, 2 * PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);
    /* Another at the same place: the place is taken. */
    second = VirtualAlloc(large, LARGE_PAGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                          PAGE_READWRITE);
    KT_EQ(second, NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);

    KT_EQ(VirtualFree(large, 0, MEM_RELEASE), TRUE);
    KT_EQ(CommitCharge(), charge);
    KT_EQ(QueryVm(large).State, MEM_FREE);
    SnapshotSettle(TRUE);
    SnapshotCheck(TRUE);                        /* every page and pool byte back */
}

/* The child of user.awe.exit: takes pages, maps some, takes a large page if it can, and ends
 * without giving anything back. */
static int ChildMain(void)
{
    PUCHAR window = VirtualAlloc(NULL, WINDOW_PAGES * PAGE, MEM_RESERVE | MEM_PHYSICAL,
                                 PAGE_READWRITE);
    static ULONG_PTR frames[AWE_PAGES];
    ULONG_PTR count = AWE_PAGES;
    const char *skip;

    if (!window || !AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames) ||
        count != AWE_PAGES || !MapUserPhysicalPages(window, WINDOW_PAGES, frames))
        return 1;
    window[0] = 1;
    if (AllocateLargePage(&skip))
        return 0;
    return skip ? 2 : 3;
}

static void TestExit(void)
{
    char line[] = "vmawe.exe child";
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    DWORD code = 0xDEAD;

    SnapshotWarmUp("vmawe.exe nop");
    SnapshotBegin();
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    KT_EQ(WaitForSingleObject(child.hProcess, 60000), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    if (code == 2)
        printf("# the child had no large page (this machine cannot hold one)\n");
    else
        KT_EQ(code, 0);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    SnapshotSettle(TRUE);
    SnapshotCheck(TRUE);
}

static const KTAP_CASE Cases[] = {
    { "user.awe.statuses", TestStatuses },
    { "user.awe.window", TestWindow },
    { "user.awe.privilege", TestPrivilege },
    { "user.awe.large_pages", TestLargePages },
    { "user.awe.exit", TestExit },
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return ChildMain();
    if (argc == 2 && strcmp(argv[1], "nop") == 0)
        return 0;
    return KtapRun(Cases, ARRAYSIZE(Cases));
}
