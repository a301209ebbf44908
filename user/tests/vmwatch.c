/*
 * vmwatch.exe: write watch as Windows does it (MEM_WRITE_WATCH regions, GetWriteWatch,
 * ResetWriteWatch, NtGetWriteWatch, NtResetWriteWatch; nt-mm-facts-2 §9; Wine's
 * test_write_watch for what Windows returns): exactly the pages written since the last reset,
 * in address order, whatever happened to them meanwhile — replaced when the working set was
 * full, trimmed to the standby and modified lists, written to the paging file and read back,
 * protected, reset with MEM_RESET, decommitted; reads never count. The count limit (the first
 * N, and only those reset), the granularity, each status with the exact input that produces
 * it, and the rules for reserving and releasing such a region.
 *
 * The paged-out case needs a paging file (it commits half as much again as there is memory);
 * without one it is skipped.
 */
#include <ntdll.h>
#include <psapi.h>
#include "ktap.h"

#define PAGE                    0x1000u
#define HIGHEST_VAD_ADDRESS     0x7FFDFFFFu
#define LIST                    64                      /* addresses ExpectWritten asks for */
#define SENTINEL                ((PVOID)0xDEADBEEF)
#define REPLACED_PAGES          600     /* more than a working set's default maximum (345) */
#define CHILD_BASE              ((PUCHAR)0x50000000)   /* the child's region */
#define CHILD_ARGUMENT          "child"

static PVOID Addresses[LIST];

static PUCHAR Watch(SIZE_T Size, DWORD Type, DWORD Protect)
{
    PUCHAR region = VirtualAlloc(NULL, Size, MEM_RESERVE | MEM_WRITE_WATCH | Type, Protect);

    KT_EXPECT(region != NULL);
    if (!region)
        printf("# MEM_WRITE_WATCH reservation of 0x%lX bytes refused: error %lu\n",
               (ULONG)Size, GetLastError());
    return region;
}

static void Release(PVOID Base)
{
    if (Base)
        KT_EQ(VirtualFree(Base, 0, MEM_RELEASE), TRUE);
}

/*
 * GetWriteWatch(Flags) over Pages pages from Base returns exactly the pages Expected (page
 * numbers from Base), in that order, granularity 4096, and writes nothing past them.
 */
static void ExpectWritten(PUCHAR Base, SIZE_T Pages, DWORD Flags, const ULONG *Expected,
                          ULONG Count, int Line)
{
    ULONG_PTR count = LIST;
    DWORD granularity = 0;
    int before = KtapFailures;
    ULONG i;

    for (i = 0; i < LIST; i++)
        Addresses[i] = SENTINEL;
    KT_EQ(GetWriteWatch(Flags, Base, Pages * PAGE, Addresses, &count, &granularity), 0);
    KT_EQ(count, Count);
    KT_EQ(granularity, PAGE);
    for (i = 0; i < Count && i < count; i++)
        KT_EQ(Addresses[i], Base + Expected[i] * PAGE);
    if (count < LIST)
        KT_EQ(Addresses[count], SENTINEL);
    if (KtapFailures != before)
        printf("# (the pages expected at line %d)\n", Line);
}

#define PAGES(...)  (const ULONG[]){ __VA_ARGS__ }, \
                    (ULONG)(sizeof((const ULONG[]){ __VA_ARGS__ }) / sizeof(ULONG))
#define EXPECT_WRITTEN(Base, Pages, ...)   ExpectWritten(Base, Pages, 0, PAGES(__VA_ARGS__), __LINE__)
#define EXPECT_RESET(Base, Pages, ...)     ExpectWritten(Base, Pages, WRITE_WATCH_FLAG_RESET, \
                                                         PAGES(__VA_ARGS__), __LINE__)
#define EXPECT_NONE(Base, Pages)           ExpectWritten(Base, Pages, 0, NULL, 0, __LINE__)

static UCHAR Read(PUCHAR Address)
{
    return *(volatile UCHAR *)Address;
}

static void TrimWorkingSet(void)
{
    KT_EQ(SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1), TRUE);
}

/* A fresh region reports nothing; each written page once, in order; reads, even the first of
 * a page (demand zero), are not writes; a reset forgets; the kernel's writes count. */
static void TestExactPages(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    MEMORY_BASIC_INFORMATION *info;

    if (!region)
        return;
    EXPECT_NONE(region, 16);
    KT_EQ(Read(region + 2 * PAGE), 0);
    KT_EQ(Read(region + 15 * PAGE + 4095), 0);
    EXPECT_NONE(region, 16);
    region[PAGE + 1] = 0x44;
    EXPECT_WRITTEN(region, 16, 1);
    EXPECT_RESET(region, 16, 1);
    EXPECT_NONE(region, 16);
    KT_EQ(region[PAGE + 1], 0x44);              /* a reset keeps the contents */
    EXPECT_NONE(region, 16);
    region[4 * PAGE + 8] = 0x11;
    region[2 * PAGE + 3] = 0x11;
    region[2 * PAGE + 4] = 0x12;
    region[15 * PAGE + 4095] = 0x13;
    EXPECT_WRITTEN(region, 16, 2, 4, 15);
    EXPECT_WRITTEN(region + 3 * PAGE, 2, 1);    /* a sub-range: only its pages */
    KT_EQ(ResetWriteWatch(region, 3 * PAGE), 0);
    EXPECT_WRITTEN(region, 16, 4, 15);
    *(volatile DWORD *)(region + 2 * PAGE - 2) = 0xDEADBEEF;     /* across two pages */
    EXPECT_WRITTEN(region, 16, 1, 2, 4, 15);
    KT_EQ(ResetWriteWatch(region, 16 * PAGE), 0);
    EXPECT_NONE(region, 16);

    /* The kernel writing into the region (a service's output) is a write. */
    info = (MEMORY_BASIC_INFORMATION *)(region + 9 * PAGE + 16);
    KT_EQ(VirtualQuery(region, info, sizeof(*info)), sizeof(*info));
    KT_EQ(info->Type, MEM_PRIVATE);
    KT_EQ(info->State, MEM_COMMIT);
    KT_EQ(info->RegionSize, 16 * PAGE);
    EXPECT_WRITTEN(region, 16, 9);
    Release(region);
}

static DWORD WINAPI WriteTwelve(LPVOID Region)
{
    ((PUCHAR)Region)[12 * PAGE + 100] = 12;
    return 0;
}

/* Another thread's writes count: the working set, and the watch, are the process's. */
static void TestOtherThread(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    HANDLE thread;

    if (!region)
        return;
    thread = CreateThread(NULL, 0, WriteTwelve, region, 0, NULL);
    KT_EXPECT(thread != NULL);
    if (thread) {
        KT_EQ(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
        CloseHandle(thread);
    }
    EXPECT_WRITTEN(region, 16, 12);
    Release(region);
}

/* An array smaller than the pages written: the first N in order; with the reset, only those N
 * are reset. The entries past the count are not written. */
static void TestCountLimit(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    ULONG_PTR count;
    DWORD granularity;
    ULONG page;

    if (!region)
        return;
    for (page = 0; page < 10; page++)
        region[page * PAGE] = 1;
    for (page = 0; page < LIST; page++)
        Addresses[page] = SENTINEL;
    count = 4;
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, Addresses, &count, &granularity), 0);
    KT_EQ(count, 4);
    KT_EQ(Addresses[0], region);
    KT_EQ(Addresses[3], region + 3 * PAGE);
    KT_EQ(Addresses[4], SENTINEL);
    count = 4;
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region, 16 * PAGE, Addresses, &count,
                        &granularity), 0);
    KT_EQ(count, 4);
    KT_EQ(Addresses[3], region + 3 * PAGE);
    EXPECT_WRITTEN(region, 16, 4, 5, 6, 7, 8, 9);
    count = 3;
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region, 16 * PAGE, Addresses, &count,
                        &granularity), 0);
    KT_EQ(count, 3);
    KT_EQ(Addresses[0], region + 4 * PAGE);
    KT_EQ(Addresses[2], region + 6 * PAGE);
    region[0] = 2;
    EXPECT_WRITTEN(region, 16, 0, 7, 8, 9);
    count = 1;                                  /* exactly as many as there are: all of them */
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region + 8 * PAGE, 2 * PAGE, Addresses, &count,
                        &granularity), 0);
    KT_EQ(count, 1);
    KT_EQ(Addresses[0], region + 8 * PAGE);
    count = 2;
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region + 8 * PAGE, 2 * PAGE, Addresses, &count,
                        &granularity), 0);
    KT_EQ(count, 1);
    KT_EQ(Addresses[0], region + 9 * PAGE);
    EXPECT_WRITTEN(region, 16, 0, 7);
    Release(region);
}

/* Granularity is 4096; the range is rounded out to pages (an unaligned base and size cover
 * every page they touch), and the granularity is written with a count of 0. */
static void TestGranularityAndRounding(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    ULONG_PTR count = LIST;
    DWORD granularity = 0x1234;

    if (!region)
        return;
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, Addresses, &count, &granularity), 0);
    KT_EQ(count, 0);
    KT_EQ(granularity, PAGE);
    region[0] = region[PAGE] = region[5 * PAGE] = 1;
    count = LIST;
    KT_EQ(GetWriteWatch(0, region + PAGE - 1, 2, Addresses, &count, &granularity), 0);
    KT_EQ(count, 2);
    KT_EQ(Addresses[0], region);                /* page addresses, not the base given */
    KT_EQ(Addresses[1], region + PAGE);
    count = LIST;
    KT_EQ(GetWriteWatch(0, region + 5 * PAGE + 0x801, 1, Addresses, &count, &granularity), 0);
    KT_EQ(count, 1);
    KT_EQ(Addresses[0], region + 5 * PAGE);
    KT_EQ(ResetWriteWatch(region + 0x10, 1), 0);               /* page 0, all of it */
    EXPECT_WRITTEN(region, 16, 1, 5);
    Release(region);
}

/* The pages that left the working set: replaced when the set was at its maximum, trimmed by
 * SetProcessWorkingSetSize(-1, -1), faulted back from the standby and modified lists. Only
 * the writes count, never the faults that bring a page back, even a page that is modified. */
static void TestTrimmed(void)
{
    static const ULONG written[] = { 1, 5, 6, 40 };
    PUCHAR region = Watch(64 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    ULONG i, sum = 0;

    if (!region)
        return;
    for (i = 0; i < ARRAYSIZE(written); i++)
        region[written[i] * PAGE] = (UCHAR)(0x80 + i);
    sum += Read(region + 2 * PAGE) + Read(region + 7 * PAGE) + Read(region + 41 * PAGE);
    KT_EQ(sum, 0);
    TrimWorkingSet();
    EXPECT_WRITTEN(region, 64, 1, 5, 6, 40);
    for (i = 0; i < 64; i++)                    /* everything back, by soft faults */
        sum += Read(region + i * PAGE);
    KT_EQ(sum, 0x80 + 0x81 + 0x82 + 0x83);
    EXPECT_WRITTEN(region, 64, 1, 5, 6, 40);
    TrimWorkingSet();
    EXPECT_RESET(region, 64, 1, 5, 6, 40);     /* reset while they are on the lists */
    EXPECT_NONE(region, 64);
    KT_EQ(Read(region + PAGE), 0x80);          /* modified pages read back: not writes */
    KT_EQ(Read(region + 40 * PAGE), 0x83);
    EXPECT_NONE(region, 64);
    TrimWorkingSet();
    region[6 * PAGE + 2] = 0x90;                /* a write that faults the page back */
    EXPECT_WRITTEN(region, 64, 6);
    KT_EQ(ResetWriteWatch(region, 64 * PAGE), 0);      /* page 6 valid and dirty: now clean */
    TrimWorkingSet();
    EXPECT_NONE(region, 64);
    KT_EQ(Read(region + 6 * PAGE + 2), 0x90);  /* its contents kept all the same */
    EXPECT_NONE(region, 64);
    region[5 * PAGE] = 0x91;
    TrimWorkingSet();
    KT_EQ(Read(region + 5 * PAGE), 0x91);
    EXPECT_WRITTEN(region, 64, 5);
    Release(region);
}

/* More pages than a working set holds (its maximum is 345 pages): the oldest are replaced as
 * the newest come in, written or only read. */
static void TestReplaced(void)
{
    PUCHAR region = Watch(REPLACED_PAGES * PAGE, MEM_COMMIT, PAGE_READWRITE);
    PVOID *addresses;
    ULONG_PTR count = REPLACED_PAGES;
    DWORD granularity;
    ULONG i, sum = 0, bad = 0;

    if (!region)
        return;
    addresses = VirtualAlloc(NULL, REPLACED_PAGES * sizeof(PVOID), MEM_RESERVE | MEM_COMMIT,
                             PAGE_READWRITE);
    KT_EXPECT(addresses != NULL);
    if (!addresses) {
        Release(region);
        return;
    }
    for (i = 0; i < REPLACED_PAGES; i++) {
        if (i % 2)
            sum += Read(region + i * PAGE + 9);
        else
            *(ULONG *)(region + i * PAGE) = i;
    }
    KT_EQ(sum, 0);
    KT_EQ(GetWriteWatch(0, region, REPLACED_PAGES * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, REPLACED_PAGES / 2);
    for (i = 0; i < count; i++)
        bad += addresses[i] != region + 2 * i * PAGE;
    KT_EQ(bad, 0);
    for (i = 0; i < REPLACED_PAGES; i += 2)
        bad += *(ULONG *)(region + i * PAGE) != i;
    KT_EQ(bad, 0);
    count = REPLACED_PAGES;
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region, REPLACED_PAGES * PAGE, addresses,
                        &count, &granularity), 0);
    KT_EQ(count, REPLACED_PAGES / 2);
    EXPECT_NONE(region, REPLACED_PAGES);
    VirtualFree(addresses, 0, MEM_RELEASE);
    Release(region);
}

/*
 * Pages written to the paging file and read back: half as much again as there is memory is
 * committed, every third page written and every third only read, so most of them must leave
 * memory. Skipped without a paging file (the commitment is refused).
 */
static void TestPagedOut(void)
{
    SYSTEM_BASIC_INFORMATION basic;
    PROCESS_MEMORY_COUNTERS counters;
    PVOID *addresses;
    PUCHAR region;
    SIZE_T pages, i;
    ULONG_PTR count;
    DWORD granularity;
    ULONG bad = 0, sum = 0;

    KT_STATUS(NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic), NULL),
              STATUS_SUCCESS);
    pages = basic.NumberOfPhysicalPages + basic.NumberOfPhysicalPages / 2;
    region = VirtualAlloc(NULL, pages * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                          PAGE_READWRITE);
    if (!region) {
        KT_EQ(GetLastError(), ERROR_COMMITMENT_LIMIT);
        KT_SKIP("no paging file: memory cannot be committed beyond RAM");
        return;
    }
    addresses = VirtualAlloc(NULL, pages * sizeof(PVOID), MEM_RESERVE | MEM_COMMIT,
                             PAGE_READWRITE);
    KT_EXPECT(addresses != NULL);
    if (!addresses) {
        Release(region);
        return;
    }
    for (i = 0; i < pages; i++) {
        if (i % 3 == 0)
            *(ULONG *)(region + i * PAGE + 64) = (ULONG)i ^ 0x5A5A0000;
        else if (i % 3 == 1)
            sum += Read(region + i * PAGE + 100);
    }
    KT_EQ(sum, 0);
    KT_EQ(GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters)), TRUE);
    KT_EXPECT(counters.WorkingSetSize < pages * PAGE / 2);
    count = pages;
    KT_EQ(GetWriteWatch(0, region, pages * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, (pages + 2) / 3);
    for (i = 0; i < count; i++)
        bad += addresses[i] != region + 3 * i * PAGE;
    KT_EQ(bad, 0);
    count = pages;
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region, pages * PAGE, addresses, &count,
                        &granularity), 0);
    KT_EQ(count, (pages + 2) / 3);
    for (i = 0; i < pages; i += 3)              /* read back from the paging file */
        bad += *(ULONG *)(region + i * PAGE + 64) != ((ULONG)i ^ 0x5A5A0000);
    KT_EQ(bad, 0);
    count = pages;
    KT_EQ(GetWriteWatch(0, region, pages * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, 0);                            /* reading them back wrote nothing */
    for (i = 3; i < pages; i += 6)
        region[i * PAGE + 1] = 7;
    count = pages;
    KT_EQ(GetWriteWatch(0, region, pages * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, pages / 6 + (pages % 6 > 3));
    for (i = 0; i < count; i++)
        bad += addresses[i] != region + (6 * i + 3) * PAGE;
    KT_EQ(bad, 0);
    VirtualFree(addresses, 0, MEM_RELEASE);
    Release(region);
}

/* Protection changes do not change what was written: read-only and back keeps the marks; a
 * guard or no-access protection takes the page out of the working set and the mark goes
 * with it into the bitmap (Wine's test, with the region reserved and committed
 * PAGE_NOACCESS: the initial protection does not matter). */
static void TestProtection(void)
{
    PUCHAR region = Watch(16 * PAGE, 0, PAGE_NOACCESS);
    DWORD old;

    if (!region)
        return;
    KT_EQ(VirtualAlloc(region, 16 * PAGE, MEM_COMMIT, PAGE_NOACCESS), region);
    EXPECT_NONE(region, 16);
    KT_EQ(VirtualProtect(region, 6 * PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_NOACCESS);
    region[5 * PAGE + 200] = 3;
    KT_EQ(VirtualProtect(region, 6 * PAGE, PAGE_NOACCESS, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE);
    EXPECT_WRITTEN(region, 16, 5);

    KT_EQ(VirtualProtect(region, 6 * PAGE, PAGE_READWRITE, &old), TRUE);
    region[0] = region[PAGE] = 1;
    KT_EQ(VirtualProtect(region, 3 * PAGE, PAGE_READONLY, &old), TRUE);
    EXPECT_WRITTEN(region, 16, 0, 1, 5);
    KT_EQ(VirtualProtect(region, 3 * PAGE, PAGE_READWRITE | PAGE_GUARD, &old), TRUE);
    KT_EQ(old, PAGE_READONLY);
    EXPECT_WRITTEN(region, 16, 0, 1, 5);
    KT_EQ(VirtualProtect(region, 3 * PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE | PAGE_GUARD);
    EXPECT_RESET(region, 16, 0, 1, 5);
    KT_EQ(region[PAGE], 1);                     /* read through the new protection */
    EXPECT_NONE(region, 16);
    Release(region);
}

/* Decommitting keeps the marks of the pages written (resident or not) until a reset; a
 * recommitted page is demand zero again: read, not written; written, reported. MEM_RESET
 * (contents not needed) does not unwrite a page either. */
static void TestDecommitRecommit(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);

    if (!region)
        return;
    region[2 * PAGE] = region[3 * PAGE] = region[8 * PAGE] = 1;
    TrimWorkingSet();
    KT_EQ(Read(region + 8 * PAGE), 1);          /* 8 resident and clean, 3 resident dirty */
    region[3 * PAGE] = 2;
    KT_EQ(VirtualFree(region + 3 * PAGE, 6 * PAGE, MEM_DECOMMIT), TRUE);
    EXPECT_WRITTEN(region, 16, 2, 3, 8);
    KT_EQ(VirtualAlloc(region + 3 * PAGE, 6 * PAGE, MEM_COMMIT, PAGE_READWRITE),
          region + 3 * PAGE);
    KT_EQ(Read(region + 3 * PAGE), 0);          /* demand zero again */
    KT_EQ(Read(region + 4 * PAGE), 0);
    EXPECT_WRITTEN(region, 16, 2, 3, 8);
    KT_EQ(ResetWriteWatch(region, 16 * PAGE), 0);
    EXPECT_NONE(region, 16);
    region[4 * PAGE] = 4;
    EXPECT_WRITTEN(region, 16, 4);
    KT_EQ(VirtualAlloc(region + 4 * PAGE, PAGE, MEM_RESET, PAGE_READWRITE), region + 4 * PAGE);
    EXPECT_WRITTEN(region, 16, 4);
    KT_EQ(VirtualFree(region, 0, MEM_DECOMMIT), TRUE);          /* all of it */
    EXPECT_WRITTEN(region, 16, 4);
    KT_EQ(ResetWriteWatch(region, 16 * PAGE), 0);
    EXPECT_NONE(region, 16);
    Release(region);
}

/* A large region reserved only, committed in a few places whose page tables differ: the walk
 * over the tables that do not exist finds nothing, the pages written anywhere are found. */
static void TestSparse(void)
{
    static const ULONG pages[] = { 0, 1025, 3000, 16383 };
    PUCHAR region = Watch(64 * 1024 * 1024, 0, PAGE_READWRITE);
    ULONG i;

    if (!region)
        return;
    for (i = 0; i < ARRAYSIZE(pages); i++) {
        KT_EQ(VirtualAlloc(region + pages[i] * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE),
              region + pages[i] * PAGE);
        region[pages[i] * PAGE] = 1;
    }
    EXPECT_WRITTEN(region, 16384, 0, 1025, 3000, 16383);
    EXPECT_WRITTEN(region + 1024 * PAGE, 4096, 1, 1976);
    EXPECT_RESET(region + 3000 * PAGE, 13384, 0, 13383);
    EXPECT_WRITTEN(region, 16384, 0, 1025);
    Release(region);
}

/* NtAllocateVirtualMemory with MEM_WRITE_WATCH: only with MEM_RESERVE, never with MEM_PHYSICAL,
 * MEM_LARGE_PAGES or MEM_RESET; the region is private memory like any other. */
static void TestReserveRules(void)
{
    PVOID base = NULL;
    SIZE_T size = 16 * PAGE;
    MEMORY_BASIC_INFORMATION info;
    PUCHAR region;

#define TRY(Base, Type, Protect, Expected)                                              \
    do {                                                                                \
        base = (Base);                                                                  \
        size = 16 * PAGE;                                                               \
        KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, (Type),  \
                                          (Protect)), (Expected));                      \
    } while (0)
    TRY(NULL, MEM_WRITE_WATCH, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, MEM_WRITE_WATCH | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, MEM_WRITE_WATCH | MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE,
        STATUS_INVALID_PARAMETER_5);
    TRY(NULL, MEM_WRITE_WATCH | MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE,
        STATUS_INVALID_PARAMETER_5);
    TRY(NULL, MEM_WRITE_WATCH | MEM_RESET, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, MEM_WRITE_WATCH | MEM_RESERVE, PAGE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION);
    KT_EQ(VirtualAlloc(NULL, 16 * PAGE, MEM_WRITE_WATCH, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);

    region = Watch(16 * PAGE, 0, PAGE_READWRITE);
    if (!region)
        return;
    TRY(region, MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(region + PAGE, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE,
        STATUS_CONFLICTING_ADDRESSES);
    KT_EQ(VirtualQuery(region, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.AllocationBase, region);
    KT_EQ(info.AllocationProtect, PAGE_READWRITE);
    KT_EQ(info.State, MEM_RESERVE);
    KT_EQ(info.Type, MEM_PRIVATE);
    KT_EQ(info.RegionSize, 16 * PAGE);
    KT_EQ(VirtualAlloc(region + 2 * PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE), region + 2 * PAGE);
    KT_EQ(VirtualQuery(region + 2 * PAGE, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.State, MEM_COMMIT);
    KT_EQ(info.Type, MEM_PRIVATE);
    region[2 * PAGE] = 1;
    EXPECT_WRITTEN(region, 16, 2);
    Release(region);

    /* At a given address (rounded down to 64 KB) and top-down, as any reservation. */
    base = region + 0x1234;
    size = 0x1000;
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
                                      MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE),
              STATUS_SUCCESS);
    KT_EQ(base, region);
    KT_EQ(size, 0x3000);
    EXPECT_NONE(region, 3);
    Release(region);
    TRY(NULL, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN | MEM_WRITE_WATCH, PAGE_READWRITE,
        STATUS_SUCCESS);
    region = base;
    KT_EXPECT((ULONG_PTR)region > 0x70000000);
    region[15 * PAGE] = 1;
    EXPECT_WRITTEN(region, 16, 15);
    Release(region);
#undef TRY
}

/* Released only whole (STATUS_FREE_VM_NOT_AT_BASE for a front, back or middle part), by base
 * and size 0 or by its exact extent; decommitting any part is allowed. After the release
 * nothing is watched there, and a new region at the same address starts with nothing
 * written. */
static void TestRelease(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    PVOID base;
    SIZE_T size;
    ULONG_PTR count = LIST;
    DWORD granularity;

#define FREE(Base, Size, Type, Expected)                                                \
    do {                                                                                \
        base = (Base);                                                                  \
        size = (Size);                                                                  \
        KT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, (Type)), (Expected)); \
    } while (0)
    if (!region)
        return;
    region[0] = 1;
    FREE(region + PAGE, PAGE, MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE);
    FREE(region, PAGE, MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE);
    FREE(region + 15 * PAGE, PAGE, MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE);
    FREE(region + PAGE, 0, MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE);
    KT_EQ(VirtualFree(region + 4 * PAGE, PAGE, MEM_RELEASE), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    FREE(region + 15 * PAGE, PAGE, MEM_DECOMMIT, STATUS_SUCCESS);
    EXPECT_WRITTEN(region, 16, 0);
    FREE(region, 16 * PAGE, MEM_RELEASE, STATUS_SUCCESS);
    KT_EQ(base, region);
    KT_EQ(size, 16 * PAGE);
    KT_EQ(GetWriteWatch(0, region, PAGE, Addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualAlloc(region, 16 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                       PAGE_READWRITE), region);
    EXPECT_NONE(region, 16);
    Release(region);
    KT_EQ(VirtualAlloc(region, 16 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), region);
    region[0] = 1;
    count = LIST;
    KT_EQ(GetWriteWatch(0, region, PAGE, Addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    Release(region);
#undef FREE
}

/* Two regions side by side: each keeps its own pages, and a range over both is refused. */
static void TestTwoRegions(void)
{
    PUCHAR first = VirtualAlloc(NULL, 0x20000, MEM_RESERVE, PAGE_NOACCESS), second = NULL;
    ULONG_PTR count = LIST;
    DWORD granularity;

    if (first && VirtualFree(first, 0, MEM_RELEASE)) {          /* room for both */
        first = VirtualAlloc(first, 16 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                             PAGE_READWRITE);
        second = VirtualAlloc(first + 0x10000, 16 * PAGE,
                              MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    }
    KT_EXPECT(first && second == first + 0x10000);
    if (first && second == first + 0x10000) {
        first[3 * PAGE] = second[5 * PAGE] = 1;
        EXPECT_WRITTEN(first, 16, 3);
        EXPECT_WRITTEN(second, 16, 5);
        KT_EQ(GetWriteWatch(0, first + 15 * PAGE, 2 * PAGE, Addresses, &count, &granularity),
              ~0u);
        KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
        KT_EQ(ResetWriteWatch(first, 17 * PAGE), ~0u);
        KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
        KT_EQ(ResetWriteWatch(second, 16 * PAGE), 0);
        EXPECT_WRITTEN(first, 16, 3);
        EXPECT_NONE(second, 16);
        Release(second);
    }
    Release(first);
}

/* NtGetWriteWatch's statuses in NT's order, each with the input that produces it. A call
 * that fails resets nothing and writes no output. */
static void TestGetStatuses(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    PUCHAR plain = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    PUCHAR readonly = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    ULONG_PTR count;
    ULONG granularity;
    HANDLE query;
    NTSTATUS status;

#define GET(Process, Flags, Base, Size, Count, Expected)                                \
    do {                                                                                \
        count = (Count);                                                                \
        granularity = 0x1234;                                                           \
        status = NtGetWriteWatch((Process), (Flags), (Base), (Size), Addresses, &count, \
                                 &granularity);                                         \
        KT_STATUS(status, (Expected));                                                  \
        if (status != STATUS_SUCCESS)                                                   \
            KT_EQ(granularity, 0x1234);         /* a failure writes nothing back */     \
    } while (0)
    KT_EXPECT(region && plain && readonly);
    if (!region || !plain || !readonly)
        return;
    region[7 * PAGE] = 1;
    GET(NtCurrentProcess(), 2, region, PAGE, LIST, STATUS_INVALID_PARAMETER_2);
    GET(NtCurrentProcess(), 0x80000001, region, PAGE, LIST,
        STATUS_INVALID_PARAMETER_2);
    GET((HANDLE)0x1234, 2, region, PAGE, LIST, STATUS_INVALID_PARAMETER_2);
    GET(NtCurrentProcess(), 0, (PVOID)(HIGHEST_VAD_ADDRESS + 1), 0, LIST,
        STATUS_INVALID_PARAMETER_2);
    GET(NtCurrentProcess(), 0, (PVOID)0x80000000, PAGE, LIST,
        STATUS_INVALID_PARAMETER_2);
    GET(NtCurrentProcess(), 0, (PVOID)0x7FFDF000, 0x1001, LIST,
        STATUS_INVALID_PARAMETER_3);
    GET(NtCurrentProcess(), 0, region, 0x80000000, LIST,
        STATUS_INVALID_PARAMETER_3);
    GET(NtCurrentProcess(), 0, (PVOID)0x7FFDF000, 0x1000, LIST,
        STATUS_INVALID_PARAMETER_1);            /* the PEB: no write watch there */
    /* The count pointer, then the count, then the array and the granularity. */
    status = NtGetWriteWatch(NtCurrentProcess(), 0, region, PAGE, Addresses, NULL, &granularity);
    KT_STATUS(status, STATUS_ACCESS_VIOLATION);
    status = NtGetWriteWatch(NtCurrentProcess(), 0, region, PAGE, Addresses,
                             (PULONG_PTR)0x80000000, &granularity);
    KT_STATUS(status, STATUS_ACCESS_VIOLATION);
    status = NtGetWriteWatch(NtCurrentProcess(), 0, region, PAGE, Addresses,
                             (PULONG_PTR)(plain + 2), &granularity);
    KT_STATUS(status, STATUS_DATATYPE_MISALIGNMENT);
    GET(NtCurrentProcess(), 0, region, 16 * PAGE, 0, STATUS_INVALID_PARAMETER_5);
    GET(NtCurrentProcess(), 0, region, 16 * PAGE, 0x40000000,
        STATUS_INVALID_PARAMETER_5);
    count = 0;
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, region, PAGE, NULL, &count, &granularity),
              STATUS_INVALID_PARAMETER_5);
    count = LIST;
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, region, 16 * PAGE,
                              NULL, &count, &granularity), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, region, 16 * PAGE,
                              (PVOID *)0x7FFF0000, &count, &granularity), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, region, 16 * PAGE,
                              (PVOID *)(plain + 2), &count, &granularity),
              STATUS_DATATYPE_MISALIGNMENT);
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, region, 16 * PAGE,
                              (PVOID *)readonly, &count, &granularity), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, region, 16 * PAGE,
                              Addresses, &count, NULL), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, region, 16 * PAGE,
                              Addresses, &count, (PULONG)readonly), STATUS_ACCESS_VIOLATION);
    KT_EQ(count, LIST);                         /* untouched, and nothing was reset: */
    EXPECT_WRITTEN(region, 16, 7);
    /* The process, then the range's size, then the region. */
    GET((HANDLE)0x1234, 0, region, 0, LIST, STATUS_INVALID_HANDLE);
    query = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    KT_EXPECT(query != NULL);
    GET(query, 0, region, PAGE, LIST, STATUS_ACCESS_DENIED);
    CloseHandle(query);
    GET(NtCurrentProcess(), 0, region, 0, LIST, STATUS_INVALID_PARAMETER_4);
    GET(NtCurrentProcess(), 0, NULL, 0, LIST, STATUS_INVALID_PARAMETER_1);
    GET(NtCurrentProcess(), 0, NULL, 16 * PAGE, LIST, STATUS_INVALID_PARAMETER_1);
    GET(NtCurrentProcess(), 0, plain, PAGE, LIST, STATUS_INVALID_PARAMETER_1);
    GET(NtCurrentProcess(), 0, region + 15 * PAGE, PAGE + 1, LIST,
        STATUS_INVALID_PARAMETER_1);
    GET(NtCurrentProcess(), 0, region - PAGE, 2 * PAGE, LIST,
        STATUS_INVALID_PARAMETER_1);
    GET(NtCurrentProcess(), 0, region + 15 * PAGE, PAGE, LIST, STATUS_SUCCESS);
    KT_EQ(count, 0);
    KT_EQ(granularity, PAGE);
    GET(NtCurrentProcess(), 0, region, 16 * PAGE, 1, STATUS_SUCCESS);
    KT_EQ(count, 1);
    KT_EQ(Addresses[0], region + 7 * PAGE);

    /* kernel32: (UINT)-1 and the Win32 error. */
    count = LIST;
    KT_EQ(GetWriteWatch(0, NULL, 16 * PAGE, Addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(GetWriteWatch(0xDEADBEEF, region, 16 * PAGE, Addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(GetWriteWatch(0, region, 0, Addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(GetWriteWatch(0, region, 32 * PAGE, Addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, NULL, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_NOACCESS);
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, Addresses, NULL, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_NOACCESS);
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, Addresses, &count, NULL), ~0u);
    KT_EQ(GetLastError(), ERROR_NOACCESS);
    count = 0;
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, NULL, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    Release(plain);
    Release(readonly);
    Release(region);
#undef GET
}

/* NtResetWriteWatch's statuses: as NtGetWriteWatch's, a zero size being _3. */
static void TestResetStatuses(void)
{
    PUCHAR region = Watch(16 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    PUCHAR plain = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    HANDLE query = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());

    KT_EXPECT(region && plain && query);
    if (!region || !plain || !query)
        return;
    region[PAGE] = 1;
    KT_STATUS(NtResetWriteWatch(NtCurrentProcess(), (PVOID)(HIGHEST_VAD_ADDRESS + 1), 0),
              STATUS_INVALID_PARAMETER_2);
    KT_STATUS(NtResetWriteWatch((HANDLE)0x1234, (PVOID)0x7FFDF000, 0x1001),
              STATUS_INVALID_PARAMETER_3);
    KT_STATUS(NtResetWriteWatch((HANDLE)0x1234, region, 0), STATUS_INVALID_HANDLE);
    KT_STATUS(NtResetWriteWatch(query, region, PAGE), STATUS_ACCESS_DENIED);
    KT_STATUS(NtResetWriteWatch(NtCurrentProcess(), region, 0), STATUS_INVALID_PARAMETER_3);
    KT_STATUS(NtResetWriteWatch(NtCurrentProcess(), plain, PAGE), STATUS_INVALID_PARAMETER_1);
    KT_STATUS(NtResetWriteWatch(NtCurrentProcess(), region, 17 * PAGE),
              STATUS_INVALID_PARAMETER_1);
    EXPECT_WRITTEN(region, 16, 1);              /* none of those reset anything */
    KT_EQ(ResetWriteWatch(region, 0), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(ResetWriteWatch(plain, PAGE), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_STATUS(NtResetWriteWatch(NtCurrentProcess(), region + PAGE + 5, 1), STATUS_SUCCESS);
    EXPECT_NONE(region, 16);
    CloseHandle(query);
    Release(plain);
    Release(region);
}

/*
 * `vmwatch.exe child`: a write-watch region at CHILD_BASE, pages 2, 9 and 14 written and page
 * 3 read, the working set emptied (the marks are in the bitmap now), then it waits to be
 * terminated with the region still there: its exit must clean it up.
 */
static int ChildMain(void)
{
    PUCHAR region = VirtualAlloc(CHILD_BASE, 16 * PAGE,
                                 MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);

    if (region != CHILD_BASE)
        return 1;
    region[2 * PAGE] = region[9 * PAGE] = region[14 * PAGE] = 1;
    if (Read(region + 3 * PAGE) != 0)
        return 2;
    SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1);
    for (;;)
        Sleep(1000);
}

/* Another process's region, through its handle (PROCESS_VM_OPERATION), and its exit with the
 * region still reserved. */
static void TestOtherProcess(void)
{
    char line[] = "vmwatch.exe " CHILD_ARGUMENT;
    STARTUPINFOA startup;
    PROCESS_INFORMATION child = { 0 };
    NTSTATUS status = STATUS_INVALID_PARAMETER_1;
    ULONG_PTR count = 0;
    ULONG granularity, tries;
    DWORD code = 0;

    memset(&startup, 0, sizeof(startup));
    startup.cb = sizeof(startup);
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    for (tries = 0; tries < 1000 && (status != STATUS_SUCCESS || count != 3); tries++) {
        Sleep(10);
        count = LIST;
        status = NtGetWriteWatch(child.hProcess, 0, CHILD_BASE, 16 * PAGE, Addresses, &count,
                                 &granularity);
        if (status != STATUS_SUCCESS)           /* not reserved yet */
            KT_STATUS(status, STATUS_INVALID_PARAMETER_1);
    }
    KT_STATUS(status, STATUS_SUCCESS);
    KT_EQ(count, 3);
    KT_EQ(Addresses[0], CHILD_BASE + 2 * PAGE);
    KT_EQ(Addresses[1], CHILD_BASE + 9 * PAGE);
    KT_EQ(Addresses[2], CHILD_BASE + 14 * PAGE);
    KT_STATUS(NtResetWriteWatch(child.hProcess, CHILD_BASE + 9 * PAGE, PAGE), STATUS_SUCCESS);
    count = LIST;
    KT_STATUS(NtGetWriteWatch(child.hProcess, WRITE_WATCH_FLAG_RESET, CHILD_BASE, 16 * PAGE,
                              Addresses, &count, &granularity), STATUS_SUCCESS);
    KT_EQ(count, 2);
    KT_EQ(Addresses[1], CHILD_BASE + 14 * PAGE);
    count = LIST;
    KT_STATUS(NtGetWriteWatch(child.hProcess, 0, CHILD_BASE, 16 * PAGE, Addresses, &count,
                              &granularity), STATUS_SUCCESS);
    KT_EQ(count, 0);
    count = LIST;                               /* our own address space has no region there */
    KT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, CHILD_BASE, 16 * PAGE, Addresses, &count,
                              &granularity), STATUS_INVALID_PARAMETER_1);
    KT_EQ(TerminateProcess(child.hProcess, 0x77), TRUE);
    KT_EQ(WaitForSingleObject(child.hProcess, 10000), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    KT_EQ(code, 0x77);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
}

static const KTAP_CASE Cases[] = {
    { "user.watch.exact_pages", TestExactPages },
    { "user.watch.other_thread", TestOtherThread },
    { "user.watch.count_limit", TestCountLimit },
    { "user.watch.granularity_rounding", TestGranularityAndRounding },
    { "user.watch.trimmed", TestTrimmed },
    { "user.watch.replaced", TestReplaced },
    { "user.watch.paged_out", TestPagedOut },
    { "user.watch.protection", TestProtection },
    { "user.watch.decommit_recommit", TestDecommitRecommit },
    { "user.watch.sparse", TestSparse },
    { "user.watch.reserve_rules", TestReserveRules },
    { "user.watch.release", TestRelease },
    { "user.watch.two_regions", TestTwoRegions },
    { "user.watch.get_statuses", TestGetStatuses },
    { "user.watch.reset_statuses", TestResetStatuses },
    { "user.watch.other_process", TestOtherProcess },
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], CHILD_ARGUMENT) == 0)
        return ChildMain();
    return KtapRun(Cases, ARRAYSIZE(Cases));
}
