/*
 * ubench [NAME...]: the user-mode benchmarks of `make bench`, measured inside the guest with
 * QueryPerformanceCounter (the kernel's TSC clock), printed as "BENCH name value unit" lines.
 * With no argument all but the file benchmarks (below) run, in this order (W1 cold must come
 * first: it is the process's first touch of memory after start-up, with no wait for the zero
 * page thread; largetlb next, while memory still has free 4 MB runs):
 *
 *   w1     user_demand_zero_pages_per_s: 2048 fresh pages of NtAllocateVirtualMemory(MEM_COMMIT)
 *          memory, one write each; 5 repetitions (released between), the best. Then
 *          user_demand_zero_pages_per_s_settled: the same after the zero page thread has
 *          zeroed the free memory (SystemMemoryListInformation's FreePageCount reaches 0, at
 *          most 10 s).
 *   largetlb large_page_random_touch_per_s and small_page_random_touch_per_s: 16 MiB
 *          committed once with MEM_LARGE_PAGES (four 4 MB pages, each one PS PDE) and once
 *          with ordinary pages (VirtualAlloc MEM_COMMIT, the working set widened to keep it
 *          all valid), every page touched first; then 2^20 touches of one word of a page,
 *          page = (x >> 12) % 4096 with x = x * 1664525 + 1013904223 from 12345, each adding 1
 *          to word 0 of its page; 3 repetitions, the best. 0 if the words do not add up to the
 *          touches afterwards. The difference is the cost of the translations: a TB miss on a
 *          large page reads one PDE, on a small page a PDE and a PTE (and QEMU's TCG keeps its
 *          TB in 4 KB entries either way). Where MEM_LARGE_PAGES fails (no PSE, or no four
 *          free 4 MB runs in this memory) it prints a "# SKIP" line with the reason and no
 *          large-page figure. The working set's limits are put back afterwards.
 *   w2     user_thrash_touches_per_s (+ _bad, _pagefile_reads, _pagefile_writes, _us): 24576
 *          pages (96 MiB): pass 1 writes word 0 = i * 2654435761 and word 1023 = ~i of page i,
 *          passes 2 and 3 verify both; touches/s = 3 * 24576 / seconds.
 *   w3     user_random_touches_per_s (+ _bad, _pagefile_reads, _read_ios, _writes): on the same memory, 20000 touches of the first
 *          18432 pages, page = x % 18432 with x = x * 1664525 + 1013904223 from 12345; word 1
 *          must be page + 1 if touched before, 0 if not; then page + 1 is written.
 *   create process_create_exit_per_s: CreateProcess of exit0.exe, wait, close; 200 times.
 *   image  image_start_per_s: CreateProcess of this program (`ubench.exe exit`, which returns
 *          at once), wait, close; 200 times. Its image is in memory already, mapped by this
 *          process: the child's code and read-only data are the same physical pages (soft
 *          faults on the image section's prototype PTEs), only the pages it writes are copied.
 *   close  syscall_close_invalid_per_s: NtClose of an invalid handle, 10^5 times.
 *   heap   heap_alloc_free_per_s: 10^5 steps over 64 slots: y from 12345, y = y * 1664525 +
 *          1013904223, slot = (y >> 8) & 63, size = 16 + (y >> 16) % 1009; HeapFree the slot's
 *          block if any, HeapAlloc size bytes into it, write its first byte.
 *   valloc virtualalloc_commit_touch_free_per_s: VirtualAlloc(NULL, 64 KB, MEM_RESERVE |
 *          MEM_COMMIT), one byte written in each of its 16 pages, VirtualFree(MEM_RELEASE);
 *          10^4 times.
 *   share  section_share_fault_pages_per_s: a 16 MiB page-file section (SEC_COMMIT) written
 *          whole by this process, its working set widened to keep it all valid; a second
 *          process (ubench.exe sharechild) maps the section and reads one byte of each page:
 *          4096 soft faults, each on a page the first process has valid (the prototype PTE's
 *          page gains a share; no page is copied or read). The child times its reads, checks
 *          the bytes, and ends with the rate as its exit status.
 *   fork   fork_exit_per_s: 16 MiB committed (VirtualAlloc MEM_COMMIT) and written (one word
 *          per page, every page) by this process, its working set widened to keep it all
 *          valid; then 100 times: RtlCloneUserProcess (fork), the child exits at once
 *          (ExitProcess(0)), the parent waits for it and closes its handles. 0 if a child's
 *          exit code or a word of the memory is wrong afterwards.
 *
 * The file benchmarks run only when named (they need tools/benchdisk's C:\bench.bin: 64 MiB,
 * each 4 KB page p filled with the word p * 2654435761), each first in a fresh boot, as
 * `make bench` runs them, so that "cold" is cold. MB/s are MiB (2^20 bytes) per second.
 *
 *   fileread   file_read_cold_mb_per_s: C:\bench.bin read whole in 64 KB ReadFile calls, word 0
 *              of each page checked; then file_read_warm_mb_per_s: the same again (from the
 *              cache, where there is one). A short read or a wrong word reports 0.
 *   filewrite  file_write_flush_mb_per_s: C:\write.bin created (CREATE_ALWAYS), 64 MiB written
 *              in 64 KB WriteFile calls (word 0 of page p is ~(p * 2654435761), the rest
 *              0x5A5A5A5A), then FlushFileBuffers; from the create to the flush's return.
 *   filemap    mapped_read_cold_mb_per_s: CreateFileMapping(PAGE_READONLY) of C:\bench.bin,
 *              MapViewOfFile(FILE_MAP_READ) of it whole, word 0 of each page read and checked;
 *              from the CreateFileMapping to the last touch. Where CreateFileMapping of a file
 *              fails (no file-backed sections yet) it prints a "# SKIP" line and no figure.
 *
 * These are the specifications the Linux figures are measured with (mmap'd memory, vfork +
 * execve of a static program that exits at once, close(-1), glibc malloc, mmap/munmap).
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>
#include <ntdll.h>

#define PAGE                    4096
#define WORDS_PER_PAGE          (PAGE / sizeof(ULONG))
#define W1_PAGES                2048
#define W1_REPETITIONS          5
#define W2_PAGES                24576
#define W2_PASSES               3
#define W3_PAGES                18432
#define W3_TOUCHES              20000
#define CREATE_COUNT            200
#define CLOSE_COUNT             100000
#define HEAP_STEPS              100000
#define HEAP_SLOTS              64
#define VALLOC_COUNT            10000
#define VALLOC_SIZE             (64 * 1024)
#define SETTLE_MS               10000
#define SHARE_BYTES             (16u << 20)
#define SHARE_NAME              "ubench section share"
#define SHARE_WS_MINIMUM        (1u << 20)
#define SHARE_WS_MAXIMUM        (24u << 20)     /* the whole section fits, with room */
#define FILE_BYTES              (64u << 20)
#define FILE_CHUNK              (64u * 1024)
#define FILE_READ_PATH          "C:\\bench.bin"
#define FILE_WRITE_PATH         "C:\\write.bin"
#define FILE_FILL               0x5A5A5A5Au
#define FORK_BYTES              (16u << 20)
#define FORK_COUNT              100
#define TLB_BYTES               (16u << 20)
#define TLB_TOUCHES             (1u << 20)
#define TLB_REPETITIONS         3

/* NT's classes, with only the fields read here. */
#define SystemPerformanceInformationClass   2
#define SystemMemoryListInformationClass    0x50

typedef struct {                        /* SYSTEM_MEMORY_LIST_INFORMATION */
    ULONG_PTR ZeroPageCount;
    ULONG_PTR FreePageCount;
    ULONG_PTR ModifiedPageCount;
    ULONG_PTR ModifiedNoWritePageCount;
    ULONG_PTR BadPageCount;
    ULONG_PTR PageCountByPriority[8];
    ULONG_PTR RepurposedPagesByPriority[8];
    ULONG_PTR ModifiedPageCountPageFile;
} MEMORY_LISTS;

typedef struct {                        /* SYSTEM_PERFORMANCE_INFORMATION, 0x138 bytes */
    BYTE Head[0x50];
    ULONG PageReadCount;                /* 0x50: pages read from paging files (and files) */
    ULONG PageReadIoCount;
    ULONG CacheReadCount;
    ULONG CacheIoCount;
    ULONG DirtyPagesWriteCount;         /* 0x60: pages written to paging files */
    ULONG DirtyWriteIoCount;
    BYTE Tail[0x138 - 0x68];
} PERFORMANCE;

static LARGE_INTEGER Frequency;

static ULONGLONG Now(void)
{
    LARGE_INTEGER now;

    QueryPerformanceCounter(&now);
    return now.QuadPart;
}

static ULONGLONG Rate(ULONGLONG Count, ULONGLONG Start)
{
    ULONGLONG elapsed = Now() - Start;

    return elapsed ? Count * Frequency.QuadPart / elapsed : 0;
}

static void Report(const char *Name, ULONGLONG Value, const char *Unit)
{
    printf("BENCH %s %llu %s\n", Name, Value, Unit);
}

static void *Commit(SIZE_T Bytes)
{
    PVOID base = NULL;
    SIZE_T size = Bytes;

    if (!NT_SUCCESS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
                                            MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)))
        return NULL;
    return base;
}

static void Release(void *Base)
{
    PVOID base = Base;
    SIZE_T size = 0;

    NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
}

static ULONGLONG DemandZero(void)
{
    ULONGLONG best = 0;

    for (int rep = 0; rep < W1_REPETITIONS; rep++) {
        ULONGLONG start = Now();
        volatile ULONG *memory = Commit(W1_PAGES * PAGE);
        ULONGLONG rate;

        if (!memory)
            return 0;
        for (ULONG page = 0; page < W1_PAGES; page++)
            memory[page * WORDS_PER_PAGE] = page;
        rate = Rate(W1_PAGES, start);
        best = rate > best ? rate : best;
        Release((void *)memory);
    }
    return best;
}

/* Wait (at most SETTLE_MS) until the zero page thread has zeroed every free page. */
static void Settle(void)
{
    MEMORY_LISTS lists;

    for (int waited = 0; waited < SETTLE_MS; waited += 10) {
        if (!NT_SUCCESS(NtQuerySystemInformation(SystemMemoryListInformationClass, &lists,
                                                 sizeof(lists), NULL)) ||
            lists.FreePageCount == 0)
            return;
        Sleep(10);
    }
}

static void BenchDemandZero(void)
{
    Report("user_demand_zero_pages_per_s", DemandZero(), "pages/s");
    Settle();
    Report("user_demand_zero_pages_per_s_settled", DemandZero(), "pages/s");
}

/* Pages read from and written to the paging files, and the transfers that moved them. */
typedef struct {
    ULONG Reads, ReadIos, Writes, WriteIos;
} PAGING_COUNTS;

static void Paging(PAGING_COUNTS *Counts)
{
    PERFORMANCE perf;

    memset(&perf, 0, sizeof(perf));
    NtQuerySystemInformation(SystemPerformanceInformationClass, &perf, sizeof(perf), NULL);
    *Counts = (PAGING_COUNTS){ perf.PageReadCount, perf.PageReadIoCount,
                               perf.DirtyPagesWriteCount, perf.DirtyWriteIoCount };
}

/* W2, then W3 on the same memory. */
static void BenchThrashAndRandom(void)
{
    static BYTE touched[W3_PAGES / 8];
    volatile ULONG *memory = Commit((SIZE_T)W2_PAGES * PAGE);
    PAGING_COUNTS before, after;
    ULONG bad = 0, x = 12345;
    ULONGLONG start, elapsed;

    if (!memory) {
        Report("user_thrash_touches_per_s", 0, "touches/s");
        return;
    }
    Paging(&before);
    start = Now();
    for (ULONG page = 0; page < W2_PAGES; page++) {
        memory[page * WORDS_PER_PAGE] = page * 2654435761u;
        memory[page * WORDS_PER_PAGE + WORDS_PER_PAGE - 1] = ~page;
    }
    for (ULONG pass = 1; pass < W2_PASSES; pass++) {
        for (ULONG page = 0; page < W2_PAGES; page++) {
            bad += memory[page * WORDS_PER_PAGE] != page * 2654435761u;
            bad += memory[page * WORDS_PER_PAGE + WORDS_PER_PAGE - 1] != ~page;
        }
    }
    elapsed = Now() - start;
    Paging(&after);
    Report("user_thrash_touches_per_s", elapsed ? (ULONGLONG)W2_PASSES * W2_PAGES *
                                                  Frequency.QuadPart / elapsed : 0, "touches/s");
    Report("user_thrash_bad", bad, "words");
    Report("user_thrash_pagefile_reads", after.Reads - before.Reads, "pages");
    Report("user_thrash_pagefile_read_ios", after.ReadIos - before.ReadIos, "transfers");
    Report("user_thrash_pagefile_writes", after.Writes - before.Writes, "pages");
    Report("user_thrash_pagefile_write_ios", after.WriteIos - before.WriteIos, "transfers");
    Report("user_thrash_us", elapsed * 1000000 / Frequency.QuadPart, "us");

    bad = 0;
    Paging(&before);
    start = Now();
    for (ULONG touch = 0; touch < W3_TOUCHES; touch++) {
        ULONG page, value;

        x = x * 1664525u + 1013904223u;
        page = x % W3_PAGES;
        value = memory[page * WORDS_PER_PAGE + 1];
        bad += value != (touched[page / 8] & (1u << page % 8) ? page + 1 : 0);
        memory[page * WORDS_PER_PAGE + 1] = page + 1;
        touched[page / 8] |= 1u << page % 8;
    }
    Report("user_random_touches_per_s", Rate(W3_TOUCHES, start), "touches/s");
    Paging(&after);
    Report("user_random_bad", bad, "touches");
    Report("user_random_pagefile_reads", after.Reads - before.Reads, "pages");
    Report("user_random_pagefile_read_ios", after.ReadIos - before.ReadIos, "transfers");
    Report("user_random_pagefile_writes", after.Writes - before.Writes, "pages");
    Release((void *)memory);
}

/* CREATE_COUNT times: CreateProcess of Command, wait, close; the rate, 0 if any failed. */
static ULONGLONG StartAndWait(const char *Command)
{
    ULONGLONG start = Now();
    ULONG done = 0;

    for (int i = 0; i < CREATE_COUNT; i++) {
        STARTUPINFOA startup = { .cb = sizeof(startup) };
        PROCESS_INFORMATION info;
        char command[32];
        DWORD code = 1;

        snprintf(command, sizeof(command), "%s", Command);
        if (!CreateProcessA(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &info))
            break;
        WaitForSingleObject(info.hProcess, INFINITE);
        GetExitCodeProcess(info.hProcess, &code);
        CloseHandle(info.hThread);
        CloseHandle(info.hProcess);
        done += code == 0;
    }
    return done == CREATE_COUNT ? Rate(CREATE_COUNT, start) : 0;
}

static void BenchCreateExit(void)
{
    Report("process_create_exit_per_s", StartAndWait("exit0.exe"), "processes/s");
}

static void BenchImageStart(void)
{
    Report("image_start_per_s", StartAndWait("ubench.exe exit"), "processes/s");
}

static void BenchCloseInvalid(void)
{
    ULONGLONG start = Now();
    ULONG wrong = 0;

    for (int i = 0; i < CLOSE_COUNT; i++)
        wrong += NtClose((HANDLE)(ULONG_PTR)0x12345678) != STATUS_INVALID_HANDLE;
    Report("syscall_close_invalid_per_s", wrong ? 0 : Rate(CLOSE_COUNT, start), "calls/s");
}

static void BenchHeap(void)
{
    HANDLE heap = GetProcessHeap();
    char *slots[HEAP_SLOTS] = { 0 };
    ULONG y = 12345, failed = 0;
    ULONGLONG start = Now();

    for (int step = 0; step < HEAP_STEPS; step++) {
        ULONG slot, size;

        y = y * 1664525u + 1013904223u;
        slot = (y >> 8) & (HEAP_SLOTS - 1);
        size = 16 + (y >> 16) % 1009;
        if (slots[slot])
            HeapFree(heap, 0, slots[slot]);
        slots[slot] = HeapAlloc(heap, 0, size);
        if (slots[slot])
            slots[slot][0] = (char)step;
        else
            failed++;
    }
    Report("heap_alloc_free_per_s", failed ? 0 : Rate(HEAP_STEPS, start), "steps/s");
    for (int slot = 0; slot < HEAP_SLOTS; slot++)
        if (slots[slot])
            HeapFree(heap, 0, slots[slot]);
}

static void BenchVirtualAlloc(void)
{
    ULONGLONG start = Now();
    ULONG failed = 0;

    for (int i = 0; i < VALLOC_COUNT; i++) {
        volatile char *region = VirtualAlloc(NULL, VALLOC_SIZE, MEM_RESERVE | MEM_COMMIT,
                                             PAGE_READWRITE);

        if (!region) {
            failed++;
            continue;
        }
        for (int page = 0; page < VALLOC_SIZE / PAGE; page++)
            region[page * PAGE] = 1;
        failed += !VirtualFree((void *)region, 0, MEM_RELEASE);
    }
    Report("virtualalloc_commit_touch_free_per_s", failed ? 0 : Rate(VALLOC_COUNT, start),
           "regions/s");
}

/* The second process of BenchSectionShare: the rate of its soft faults, 0 if a byte is wrong. */
static int ShareChild(void)
{
    HANDLE section = OpenFileMappingA(FILE_MAP_READ, FALSE, SHARE_NAME);
    volatile UCHAR *view;
    ULONG sum = 0;
    ULONGLONG start, rate;

    SetProcessWorkingSetSize(GetCurrentProcess(), SHARE_WS_MINIMUM, SHARE_WS_MAXIMUM);
    view = section ? MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0) : NULL;
    if (!view)
        return 0;
    start = Now();
    for (ULONG page = 0; page < SHARE_BYTES / PAGE; page++)
        sum += view[page * PAGE];
    rate = Rate(SHARE_BYTES / PAGE, start);
    UnmapViewOfFile((PVOID)view);
    CloseHandle(section);
    return sum == SHARE_BYTES / PAGE ? (int)rate : 0;
}

static void BenchSectionShare(void)
{
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                        SHARE_BYTES, SHARE_NAME);
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION info;
    char command[] = "ubench.exe sharechild";
    volatile UCHAR *view;
    DWORD rate = 0;

    SetProcessWorkingSetSize(GetCurrentProcess(), SHARE_WS_MINIMUM, SHARE_WS_MAXIMUM);
    view = section ? MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (view) {
        for (ULONG page = 0; page < SHARE_BYTES / PAGE; page++)
            view[page * PAGE] = 1;
        if (CreateProcessA(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &info)) {
            WaitForSingleObject(info.hProcess, INFINITE);
            GetExitCodeProcess(info.hProcess, &rate);
            CloseHandle(info.hThread);
            CloseHandle(info.hProcess);
        }
        UnmapViewOfFile((PVOID)view);
    }
    if (section)
        CloseHandle(section);
    Report("section_share_fault_pages_per_s", rate, "pages/s");
}

static void BenchForkExit(void)
{
    volatile ULONG *memory = Commit(FORK_BYTES);
    ULONG done = 0, wrong = 0;
    ULONGLONG start, rate;

    if (!memory) {
        Report("fork_exit_per_s", 0, "forks/s");
        return;
    }
    SetProcessWorkingSetSize(GetCurrentProcess(), SHARE_WS_MINIMUM, SHARE_WS_MAXIMUM);
    for (ULONG page = 0; page < FORK_BYTES / PAGE; page++)
        memory[page * WORDS_PER_PAGE] = page;
    start = Now();
    for (int i = 0; i < FORK_COUNT; i++) {
        RTL_USER_PROCESS_INFORMATION info;
        NTSTATUS status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
        DWORD code = 1;

        if (status == STATUS_PROCESS_CLONED)
            ExitProcess(0);
        if (!NT_SUCCESS(status))
            break;
        WaitForSingleObject(info.Process, INFINITE);
        GetExitCodeProcess(info.Process, &code);
        CloseHandle(info.Thread);
        CloseHandle(info.Process);
        done += code == 0;
    }
    rate = Rate(FORK_COUNT, start);
    for (ULONG page = 0; page < FORK_BYTES / PAGE; page++)
        wrong += memory[page * WORDS_PER_PAGE] != page;
    Report("fork_exit_per_s", done == FORK_COUNT && !wrong ? rate : 0, "forks/s");
    Release((void *)memory);
}

/* TLB_TOUCHES random touches of Memory's pages (TLB_BYTES, every page touched first), the
 * best rate of TLB_REPETITIONS, or 0 if word 0 of the pages does not add up to the touches. */
static ULONGLONG RandomTouches(volatile ULONG *Memory)
{
    ULONGLONG best = 0;

    for (int rep = 0; rep < TLB_REPETITIONS; rep++) {
        ULONG x = 12345, sum = 0;
        ULONGLONG start, rate;

        for (ULONG page = 0; page < TLB_BYTES / PAGE; page++)
            Memory[page * WORDS_PER_PAGE] = 0;
        start = Now();
        for (ULONG i = 0; i < TLB_TOUCHES; i++) {
            x = x * 1664525 + 1013904223;
            Memory[((x >> 12) % (TLB_BYTES / PAGE)) * WORDS_PER_PAGE] += 1;
        }
        rate = Rate(TLB_TOUCHES, start);
        for (ULONG page = 0; page < TLB_BYTES / PAGE; page++)
            sum += Memory[page * WORDS_PER_PAGE];
        if (sum != TLB_TOUCHES)
            return 0;
        best = rate > best ? rate : best;
    }
    return best;
}

static void BenchLargePageTlb(void)
{
    volatile ULONG *large = VirtualAlloc(NULL, TLB_BYTES,
                                         MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE);
    volatile ULONG *small;
    SIZE_T minimum = 0, maximum = 0;

    if (large) {
        Report("large_page_random_touch_per_s", RandomTouches(large), "touches/s");
        VirtualFree((PVOID)large, 0, MEM_RELEASE);
    } else {
        printf("# SKIP large_page_random_touch_per_s: VirtualAlloc(MEM_LARGE_PAGES) of %u MiB "
               "failed (error %lu): %s\n", TLB_BYTES >> 20, GetLastError(),
               GetLargePageMinimum() == 0 ? "the processor has no PSE"
                                          : "no four free 4 MB-aligned runs in this memory");
    }
    GetProcessWorkingSetSize(GetCurrentProcess(), &minimum, &maximum);
    SetProcessWorkingSetSize(GetCurrentProcess(), SHARE_WS_MINIMUM, SHARE_WS_MAXIMUM);
    small = Commit(TLB_BYTES);
    Report("small_page_random_touch_per_s", small ? RandomTouches(small) : 0, "touches/s");
    if (small)
        Release((void *)small);
    SetProcessWorkingSetSize(GetCurrentProcess(), minimum, maximum);     /* as W2 expects it */
}

/* The word tools/benchdisk put in every word of page Page of C:\bench.bin. */
static ULONG FileWord(ULONG Page)
{
    return Page * 2654435761u;
}

/* MiB per second for Bytes moved since Start; 0 if Failed. */
static ULONGLONG MibRate(ULONGLONG Bytes, ULONGLONG Start, int Failed)
{
    ULONGLONG elapsed = Now() - Start;

    return !Failed && elapsed ? Bytes * Frequency.QuadPart / elapsed / (1u << 20) : 0;
}

/* C:\bench.bin read whole in FILE_CHUNK calls, word 0 of each page checked: MiB/s, 0 if a
 * call failed, came back short or a word is wrong. */
static ULONGLONG ReadWholeFile(void)
{
    static ULONG buffer[FILE_CHUNK / sizeof(ULONG)];
    HANDLE file = CreateFileA(FILE_READ_PATH, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    ULONG offset, bad = 0;
    DWORD got = 0;
    ULONGLONG start, rate;

    if (file == INVALID_HANDLE_VALUE) {
        printf("# %s: CreateFile failed (error %lu)\n", FILE_READ_PATH, GetLastError());
        return 0;
    }
    memset(buffer, 0, sizeof(buffer));                  /* the buffer's pages made first */
    start = Now();
    for (offset = 0; offset < FILE_BYTES; offset += FILE_CHUNK) {
        if (!ReadFile(file, buffer, FILE_CHUNK, &got, NULL) || got != FILE_CHUNK)
            break;
        for (ULONG page = 0; page < FILE_CHUNK / PAGE; page++)
            bad += buffer[page * WORDS_PER_PAGE] != FileWord(offset / PAGE + page);
    }
    rate = MibRate(FILE_BYTES, start, offset != FILE_BYTES || bad);
    if (offset != FILE_BYTES || bad)
        printf("# %s: stopped at %lu (read %lu, error %lu), %lu wrong words\n", FILE_READ_PATH,
               offset, got, GetLastError(), bad);
    CloseHandle(file);
    return rate;
}

static void BenchFileRead(void)
{
    Report("file_read_cold_mb_per_s", ReadWholeFile(), "MB/s");
    Report("file_read_warm_mb_per_s", ReadWholeFile(), "MB/s");
}

static void BenchFileWriteFlush(void)
{
    static ULONG buffer[FILE_CHUNK / sizeof(ULONG)];
    HANDLE file;
    ULONG offset;
    DWORD put = 0;
    LARGE_INTEGER size = { .QuadPart = 0 };
    ULONGLONG start, rate;
    int failed;

    for (ULONG word = 0; word < FILE_CHUNK / sizeof(ULONG); word++)
        buffer[word] = FILE_FILL;
    start = Now();
    file = CreateFileA(FILE_WRITE_PATH, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        printf("# %s: CreateFile failed (error %lu)\n", FILE_WRITE_PATH, GetLastError());
        Report("file_write_flush_mb_per_s", 0, "MB/s");
        return;
    }
    for (offset = 0; offset < FILE_BYTES; offset += FILE_CHUNK) {
        for (ULONG page = 0; page < FILE_CHUNK / PAGE; page++)
            buffer[page * WORDS_PER_PAGE] = ~FileWord(offset / PAGE + page);
        if (!WriteFile(file, buffer, FILE_CHUNK, &put, NULL) || put != FILE_CHUNK)
            break;
    }
    failed = offset != FILE_BYTES || !FlushFileBuffers(file);
    rate = MibRate(FILE_BYTES, start, failed);
    failed |= !GetFileSizeEx(file, &size) || size.QuadPart != FILE_BYTES;
    if (failed)
        printf("# %s: stopped at %lu (wrote %lu, error %lu), size %llu\n", FILE_WRITE_PATH,
               offset, put, GetLastError(), (ULONGLONG)size.QuadPart);
    CloseHandle(file);
    Report("file_write_flush_mb_per_s", failed ? 0 : rate, "MB/s");
}

static void BenchMappedRead(void)
{
    HANDLE file = CreateFileA(FILE_READ_PATH, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    HANDLE section;
    volatile ULONG *view;
    ULONG bad = 0;
    ULONGLONG start, rate;

    if (file == INVALID_HANDLE_VALUE) {
        printf("# %s: CreateFile failed (error %lu)\n", FILE_READ_PATH, GetLastError());
        Report("mapped_read_cold_mb_per_s", 0, "MB/s");
        return;
    }
    start = Now();
    section = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    if (!section) {
        printf("# SKIP mapped_read_cold_mb_per_s: CreateFileMapping of %s failed (error %lu): "
               "no file-backed sections\n", FILE_READ_PATH, GetLastError());
        CloseHandle(file);
        return;
    }
    view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    if (view) {
        for (ULONG page = 0; page < FILE_BYTES / PAGE; page++)
            bad += view[page * WORDS_PER_PAGE] != FileWord(page);
    } else {
        printf("# MapViewOfFile of %s failed (error %lu)\n", FILE_READ_PATH, GetLastError());
    }
    rate = MibRate(FILE_BYTES, start, !view || bad);
    if (bad)
        printf("# %s: %lu wrong words through the view\n", FILE_READ_PATH, bad);
    if (view)
        UnmapViewOfFile((PVOID)view);
    CloseHandle(section);
    CloseHandle(file);
    Report("mapped_read_cold_mb_per_s", rate, "MB/s");
}

/* The benchmarks; those with File set run only when named. */
static const struct {
    const char *Name;
    void (*Run)(void);
    int File;
} Benchmarks[] = {
    { "w1", BenchDemandZero, 0 },
    { "largetlb", BenchLargePageTlb, 0 },
    { "w2", BenchThrashAndRandom, 0 },
    { "create", BenchCreateExit, 0 },
    { "image", BenchImageStart, 0 },
    { "close", BenchCloseInvalid, 0 },
    { "heap", BenchHeap, 0 },
    { "valloc", BenchVirtualAlloc, 0 },
    { "share", BenchSectionShare, 0 },
    { "fork", BenchForkExit, 0 },
    { "fileread", BenchFileRead, 1 },
    { "filewrite", BenchFileWriteFlush, 1 },
    { "filemap", BenchMappedRead, 1 },
};

int main(int argc, char **argv)
{
    int run = 0;

    QueryPerformanceFrequency(&Frequency);
    if (argc == 2 && !strcmp(argv[1], "sharechild"))
        return ShareChild();
    if (argc == 2 && !strcmp(argv[1], "exit"))
        return 0;
    for (size_t b = 0; b < sizeof(Benchmarks) / sizeof(Benchmarks[0]); b++) {
        int chosen = argc < 2 && !Benchmarks[b].File;

        for (int i = 1; i < argc; i++)
            chosen |= !strcmp(argv[i], Benchmarks[b].Name);
        if (chosen) {
            Benchmarks[b].Run();
            run++;
        }
    }
    printf("%d user benchmarks run\n", run);
    return run ? 0 : 1;
}
