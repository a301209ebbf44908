/*
 * teardown.exe: a process gives back everything it took. A thousand times nop.exe is created,
 * waited for and its handles closed; before and after, the system's available pages,
 * commitment, pool bytes in use per tag (paged and nonpaged) and paging-file use, as
 * NtQuerySystemInformation reports them (SystemPerformanceInformation,
 * SystemPoolTagInformation, SystemPageFileInformation), must be equal. Deleting a process
 * object and a thread's stack is deferred to a worker thread, so the counts are read again
 * (Sleep between) until they agree, for a bounded time, and then compared.
 *
 * A second run of CYCLES / 5 does the same with a busy child (teardown.exe busy): 2 MB
 * committed and touched (more than a working set's maximum: pages replaced onto the standby
 * and modified lists), its working set emptied so that the modified page writer takes them
 * to the paging file when there is one, half of them touched again, a second thread, a grown
 * stack, a caught exception, handles left open at exit. The first case checks the three information classes themselves: statuses,
 * lengths and values that must hold together.
 *
 *   teardown.exe [CYCLES]        (default 1000; nop.exe must be a module of the boot)
 */
#include <ntdll.h>
#include <stdlib.h>
#include "ktap.h"
#include "snapshot.h"

#define DEFAULT_CYCLES      1000
#define WARM_UP_CYCLES      20          /* tables and lists that grow once reach their size */
#define QUERY_TAG           0x79517350      /* 'PsQy' */
#define BUSY_BYTES          (2 * 1024 * 1024)  /* past a working set's maximum */
#define BUSY_WRITE_WAIT_MS  20
#define BUSY_STACK_BYTES    (64 * 1024)     /* past the committed top: the guard page moves */
#define SYSTEM_ADDRESS      ((PVOID)0x80100000)

static int Cycles = DEFAULT_CYCLES;

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
        memory[i] = (UCHAR)(i >> 12);
    /* Out of the working set onto the modified list, where the writer takes them to the
     * paging file (if there is one) while this process still lives; half of them back. */
    SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1);
    Sleep(BUSY_WRITE_WAIT_MS);
    for (ULONG i = 0; i < BUSY_BYTES; i += 2 * 4096)
        if (memory[i] != (UCHAR)(i >> 12))
            return 15;
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

/* Cycles runs of Program, the counts before and after equal. */
static void CheckCycles(const char *Program, int Cycles)
{
    int failed = 0;

    for (int i = 0; i < WARM_UP_CYCLES; i++)
        failed += !RunChild(Program);
    KT_EQ(failed, 0);
    Sleep(500);
    SnapshotBegin();
    for (int i = 0; i < Cycles; i++)
        failed += !RunChild(Program);
    KT_EQ(failed, 0);
    SnapshotSettle(TRUE);
    printf("# %d x %s: available %lu -> %lu, committed %lu -> %lu, %lu -> %lu tags\n", Cycles,
           Program, Before.AvailablePages, After.AvailablePages, Before.CommittedPages,
           After.CommittedPages, Before.TagCount, After.TagCount);
    for (ULONG i = 0; i < After.PagingFiles; i++)
        printf("# paging file %lu: %lu -> %lu pages in use, peak %lu\n", i,
               Before.PagingFileInUse[i], After.PagingFileInUse[i], After.PagingFilePeak[i]);
    SnapshotCheck(TRUE);
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
