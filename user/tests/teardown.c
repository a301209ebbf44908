/*
 * teardown.exe: a process gives back everything it took. A thousand times nop.exe is created,
 * waited for and its handles closed; before and after, the system's available pages,
 * commitment, pool bytes in use per tag (paged and nonpaged) and paging-file use, as
 * NtQuerySystemInformation reports them (SystemPerformanceInformation,
 * SystemPoolTagInformation, SystemPageFileInformation), must be equal. Deleting a process
 * object and a thread's stack is deferred to a worker thread, so the counts are read again
 * (Sleep between) until they agree, for a bounded time, and then compared.
 *
 * A second run of CYCLES / 5 does the same with a busy child (teardown.exe busy): memory
 * committed and touched, a second thread, a grown stack, a caught exception, handles left
 * open at exit. The first case checks the three information classes themselves: statuses,
 * lengths and values that must hold together.
 *
 *   teardown.exe [CYCLES]        (default 1000; nop.exe must be a module of the boot)
 */
#include <ntdll.h>
#include <stdlib.h>
#include "ktap.h"

#define DEFAULT_CYCLES      1000
#define WARM_UP_CYCLES      20          /* tables and lists that grow once reach their size */
#define SETTLE_TRIES        200         /* ... of SETTLE_SLEEP_MS each: 10 s at most */
#define SETTLE_SLEEP_MS     50
#define MAXIMUM_TAGS        1024
#define MAXIMUM_PAGING_FILES 16
#define TAG_QUERY_BUFFER    (sizeof(ULONG) + MAXIMUM_TAGS * sizeof(SYSTEM_POOLTAG))
#define QUERY_TAG           0x79517350      /* 'PsQy' */
#define BUSY_BYTES          (256 * 1024)
#define BUSY_STACK_BYTES    (64 * 1024)     /* past the committed top: the guard page moves */
#define SYSTEM_ADDRESS      ((PVOID)0x80100000)

static int Cycles = DEFAULT_CYCLES;

typedef struct _SNAPSHOT {
    ULONG AvailablePages;
    ULONG CommittedPages;
    ULONG TagCount;
    SYSTEM_POOLTAG Tags[MAXIMUM_TAGS];
    ULONG PagingFiles;
    ULONG PagingFileInUse[MAXIMUM_PAGING_FILES];
} SNAPSHOT;

static SNAPSHOT Before, After;
static union {
    SYSTEM_POOLTAG_INFORMATION Info;
    UCHAR Bytes[TAG_QUERY_BUFFER];
} TagBuffer;
static union {
    SYSTEM_PAGEFILE_INFORMATION Info;
    UCHAR Bytes[4096];
} PageFileBuffer;

static NTSTATUS Query(SYSTEM_INFORMATION_CLASS Class, PVOID Buffer, ULONG Length, PULONG Needed)
{
    return NtQuerySystemInformation(Class, Buffer, Length, Needed);
}

static void TakeSnapshot(SNAPSHOT *Snapshot)
{
    SYSTEM_PERFORMANCE_INFORMATION performance;
    PSYSTEM_PAGEFILE_INFORMATION file;
    ULONG length;

    memset(Snapshot, 0, sizeof(*Snapshot));
    KT_STATUS(Query(SystemPerformanceInformation, &performance, sizeof(performance), &length),
              STATUS_SUCCESS);
    Snapshot->AvailablePages = performance.AvailablePages;
    Snapshot->CommittedPages = performance.CommittedPages;
    KT_STATUS(Query(SystemPoolTagInformation, &TagBuffer, sizeof(TagBuffer), &length),
              STATUS_SUCCESS);
    Snapshot->TagCount = TagBuffer.Info.Count;
    memcpy(Snapshot->Tags, TagBuffer.Info.TagInfo, Snapshot->TagCount * sizeof(SYSTEM_POOLTAG));
    KT_STATUS(Query(SystemPageFileInformation, &PageFileBuffer, sizeof(PageFileBuffer), &length),
              STATUS_SUCCESS);
    if (length == 0)
        return;
    for (file = &PageFileBuffer.Info; Snapshot->PagingFiles < MAXIMUM_PAGING_FILES;
         file = (PSYSTEM_PAGEFILE_INFORMATION)((PUCHAR)file + file->NextEntryOffset)) {
        Snapshot->PagingFileInUse[Snapshot->PagingFiles++] = file->TotalInUse;
        if (!file->NextEntryOffset)
            break;
    }
}

static const SYSTEM_POOLTAG *FindTag(const SNAPSHOT *Snapshot, ULONG Tag)
{
    for (ULONG i = 0; i < Snapshot->TagCount; i++)
        if (Snapshot->Tags[i].TagUlong == Tag)
            return &Snapshot->Tags[i];
    return NULL;
}

/* The first tag whose bytes in use differ between the two (a tag new in After counts with
 * what it holds); NULL when none does. */
static const SYSTEM_POOLTAG *DifferingTag(const SNAPSHOT *Old, const SNAPSHOT *New,
                                          const SYSTEM_POOLTAG **OldTag)
{
    static const SYSTEM_POOLTAG none;

    for (ULONG i = 0; i < New->TagCount; i++) {
        const SYSTEM_POOLTAG *tag = &New->Tags[i], *old = FindTag(Old, tag->TagUlong);

        if (!old)
            old = &none;
        if (tag->PagedUsed != old->PagedUsed || tag->NonPagedUsed != old->NonPagedUsed) {
            *OldTag = old;
            return tag;
        }
    }
    return NULL;
}

static BOOL SnapshotsEqual(const SNAPSHOT *Old, const SNAPSHOT *New)
{
    const SYSTEM_POOLTAG *old;

    return Old->AvailablePages == New->AvailablePages &&
           Old->CommittedPages == New->CommittedPages && !DifferingTag(Old, New, &old) &&
           Old->PagingFiles == New->PagingFiles &&
           memcmp(Old->PagingFileInUse, New->PagingFileInUse, sizeof(Old->PagingFileInUse)) == 0;
}

/* A busy child: what a process may leave behind, taken and not given back by the program
 * (the kernel must): committed memory touched, a second thread, a caught exception, a grown
 * stack, handles open at exit. Returns its exit status. */
static DWORD WINAPI BusyThread(LPVOID Parameter)
{
    return (DWORD)(ULONG_PTR)Parameter;
}

extern char BusyResume[];

static LONG CALLBACK SkipFault(EXCEPTION_POINTERS *Pointers)
{
    Pointers->ContextRecord->Eip = (DWORD)(ULONG_PTR)BusyResume;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static int Busy(void)
{
    PUCHAR memory = VirtualAlloc(NULL, BUSY_BYTES, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    volatile UCHAR stack[BUSY_STACK_BYTES];
    HANDLE thread, self;
    DWORD code = 1;

    if (!memory)
        return 10;
    for (ULONG i = 0; i < BUSY_BYTES; i += 4096)
        memory[i] = (UCHAR)i;
    stack[0] = stack[BUSY_STACK_BYTES - 1] = 1;
    thread = CreateThread(NULL, 0, BusyThread, (LPVOID)7, 0, NULL);
    if (!thread || WaitForSingleObject(thread, 5000) != WAIT_OBJECT_0 ||
        !GetExitCodeThread(thread, &code) || code != 7)
        return 11;
    if (!DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &self,
                         0, FALSE, DUPLICATE_SAME_ACCESS))
        return 12;
    if (!malloc(100000))
        return 13;
    AddVectoredExceptionHandler(1, SkipFault);
    __asm__ volatile("movl %%eax, 0x1000\n.globl _BusyResume\n_BusyResume:" ::: "memory");
    return stack[0] == 1 ? 0 : 14;              /* memory, thread and self left open */
}

/* Program (with its arguments) once: created, finished with status 0, its handles closed. */
static BOOL RunChild(const char *Program)
{
    char commandLine[64];
    PROCESS_INFORMATION info;
    DWORD code = 1;

    snprintf(commandLine, sizeof(commandLine), "%s", Program);
    if (!CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info))
        return FALSE;
    if (WaitForSingleObject(info.hProcess, 10000) != WAIT_OBJECT_0 ||
        !GetExitCodeProcess(info.hProcess, &code))
        code = 2;
    CloseHandle(info.hThread);
    CloseHandle(info.hProcess);
    return code == 0;
}

static void TestQueries(void)
{
    SYSTEM_PERFORMANCE_INFORMATION performance;
    SYSTEM_BASIC_INFORMATION basic;
    SYSTEM_POOLTAG_INFORMATION small;
    const SYSTEM_POOLTAG *query;
    ULONG length = 0, count;

    KT_STATUS(Query(SystemPerformanceInformation, &performance, sizeof(performance) - 1, &length),
              STATUS_INFO_LENGTH_MISMATCH);
    length = 0;
    KT_STATUS(Query(SystemPerformanceInformation, &performance, sizeof(performance), &length),
              STATUS_SUCCESS);
    KT_EQ(length, 0x138);
    KT_STATUS(Query(SystemBasicInformation, &basic, sizeof(basic), NULL), STATUS_SUCCESS);
    KT_EXPECT(performance.AvailablePages > 0);
    KT_EXPECT(performance.AvailablePages < basic.NumberOfPhysicalPages);
    KT_EXPECT(performance.CommittedPages > 0);
    KT_EXPECT(performance.CommittedPages <= performance.CommitLimit);
    KT_EXPECT(performance.PeakCommitment >= performance.CommittedPages);
    KT_EXPECT(performance.PagedPoolPages > 0);
    KT_EXPECT(performance.NonPagedPoolPages > 0);
    KT_EXPECT(performance.PagedPoolAllocs >= performance.PagedPoolFrees);
    KT_EXPECT(performance.NonPagedPoolAllocs >= performance.NonPagedPoolFrees);
    KT_EXPECT(performance.PageFaultCount >= performance.DemandZeroCount);
    KT_EXPECT(performance.SystemCalls > 0);

    /* Pool tags: room for the count alone gets the count and the length needed. */
    length = 0;
    KT_STATUS(Query(SystemPoolTagInformation, &small, sizeof(ULONG), &length),
              STATUS_INFO_LENGTH_MISMATCH);
    count = small.Count;
    KT_EXPECT(count > 4);
    KT_EQ(length, sizeof(ULONG) + count * sizeof(SYSTEM_POOLTAG));
    KT_STATUS(Query(SystemPoolTagInformation, &small, sizeof(ULONG) - 1, &length),
              STATUS_INFO_LENGTH_MISMATCH);
    length = 0;
    KT_STATUS(Query(SystemPoolTagInformation, &TagBuffer, sizeof(TagBuffer), &length),
              STATUS_SUCCESS);
    KT_EQ(length, sizeof(ULONG) + TagBuffer.Info.Count * sizeof(SYSTEM_POOLTAG));
    KT_EXPECT(TagBuffer.Info.Count >= count);
    for (ULONG i = 0; i < TagBuffer.Info.Count; i++) {
        const SYSTEM_POOLTAG *tag = &TagBuffer.Info.TagInfo[i];

        KT_EXPECT(tag->TagUlong != 0);
        KT_EXPECT(tag->PagedAllocs >= tag->PagedFrees);
        KT_EXPECT(tag->NonPagedAllocs >= tag->NonPagedFrees);
        KT_EXPECT(tag->PagedAllocs + tag->NonPagedAllocs > 0);
    }
    /* The query's own buffer ('PsQy', nonpaged) is in use while the tags are copied. */
    memcpy(Before.Tags, TagBuffer.Info.TagInfo, TagBuffer.Info.Count * sizeof(SYSTEM_POOLTAG));
    Before.TagCount = TagBuffer.Info.Count;
    query = FindTag(&Before, QUERY_TAG);
    KT_EXPECT(query != NULL);
    if (query)
        KT_EXPECT(query->NonPagedUsed >= TagBuffer.Info.Count * sizeof(SYSTEM_POOLTAG));

    /* Paging files: none in this boot, or each entry's sizes hold together. */
    length = 0xFFFFFFFF;
    KT_STATUS(Query(SystemPageFileInformation, &PageFileBuffer, sizeof(PageFileBuffer), &length),
              STATUS_SUCCESS);
    if (length) {
        KT_EXPECT(PageFileBuffer.Info.TotalSize > 0);
        KT_EXPECT(PageFileBuffer.Info.TotalInUse <= PageFileBuffer.Info.TotalSize);
        KT_EXPECT(PageFileBuffer.Info.PeakUsage >= PageFileBuffer.Info.TotalInUse);
        KT_EXPECT(PageFileBuffer.Info.PageFileName.Length > 0);
        KT_EQ(PageFileBuffer.Info.PageFileName.Buffer, (PWSTR)(&PageFileBuffer.Info + 1));
        KT_STATUS(Query(SystemPageFileInformation, &PageFileBuffer, sizeof(PageFileBuffer.Info),
                        &length), STATUS_INFO_LENGTH_MISMATCH);
    }

    /* NT's checks before the class: the buffer and the return length, probed. */
    KT_STATUS(Query(SystemPerformanceInformation, SYSTEM_ADDRESS, sizeof(performance), NULL),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(Query(SystemPerformanceInformation, &performance, sizeof(performance),
                    SYSTEM_ADDRESS), STATUS_ACCESS_VIOLATION);
    KT_STATUS(Query(SystemPerformanceInformation, (PUCHAR)&performance + 1, 0x100, NULL),
              STATUS_DATATYPE_MISALIGNMENT);
    KT_STATUS(Query((SYSTEM_INFORMATION_CLASS)1, &performance, sizeof(performance), NULL),
              STATUS_INVALID_INFO_CLASS);
    KT_STATUS(Query((SYSTEM_INFORMATION_CLASS)0x7FFFFFFF, &performance, sizeof(performance), NULL),
              STATUS_INVALID_INFO_CLASS);
}

/* Read After again, SETTLE_SLEEP_MS apart, until it equals Before or the tries run out. */
static void Settle(void)
{
    for (int tries = 0; tries < SETTLE_TRIES; tries++) {
        TakeSnapshot(&After);
        if (SnapshotsEqual(&Before, &After))
            return;
        Sleep(SETTLE_SLEEP_MS);
    }
}

/* Cycles runs of Program, the counts before and after equal. */
static void CheckCycles(const char *Program, int Cycles)
{
    const SYSTEM_POOLTAG *tag, *old;
    int failed = 0;

    for (int i = 0; i < WARM_UP_CYCLES; i++)
        failed += !RunChild(Program);
    KT_EQ(failed, 0);
    Sleep(500);
    TakeSnapshot(&After);               /* its pages too are in use before Before is taken */
    TakeSnapshot(&Before);
    for (int i = 0; i < Cycles; i++)
        failed += !RunChild(Program);
    KT_EQ(failed, 0);
    Settle();
    printf("# %d x %s: available %lu -> %lu, committed %lu -> %lu, %lu -> %lu tags\n", Cycles,
           Program, Before.AvailablePages, After.AvailablePages, Before.CommittedPages,
           After.CommittedPages, Before.TagCount, After.TagCount);
    KT_EQ(After.AvailablePages, Before.AvailablePages);
    KT_EQ(After.CommittedPages, Before.CommittedPages);
    tag = DifferingTag(&Before, &After, &old);
    if (tag) {
        printf("# tag '%.4s': paged %lu -> %lu bytes, nonpaged %lu -> %lu bytes\n",
               (const char *)tag->Tag, old->PagedUsed, tag->PagedUsed, old->NonPagedUsed,
               tag->NonPagedUsed);
        KT_EQ(tag->PagedUsed, old->PagedUsed);
        KT_EQ(tag->NonPagedUsed, old->NonPagedUsed);
    }
    KT_EQ(After.PagingFiles, Before.PagingFiles);
    for (ULONG i = 0; i < After.PagingFiles; i++)
        KT_EQ(After.PagingFileInUse[i], Before.PagingFileInUse[i]);
}

static void TestCycles(void)
{
    CheckCycles("nop.exe", Cycles);
}

static void TestBusyCycles(void)
{
    CheckCycles("teardown.exe busy", Cycles / 5);
}

static const KTAP_CASE Cases[] = {
    { "teardown.queries", TestQueries },
    { "teardown.cycles", TestCycles },
    { "teardown.busy_cycles", TestBusyCycles },
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "busy") == 0)
        return Busy();
    if (argc > 1)
        Cycles = atoi(argv[1]);
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
