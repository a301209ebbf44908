/*
 * user/tests/snapshot.h: what the system holds, as NtQuerySystemInformation reports it, for
 * the test programs that check that something gives everything back (teardown, pefuzz):
 * available pages, commitment, pool bytes in use per tag and paging-file use. Deleting a
 * process object or a thread's stack is deferred to a worker thread, so SnapshotSettle reads
 * again, SETTLE_SLEEP_MS apart, until the counts agree or the tries run out; then
 * SnapshotCheck asserts them equal (KT_*), naming a tag that differs.
 *
 * The snapshots are static and large (a page per 146 tags): SnapshotBegin takes one into
 * After before Before, so that After's own pages are in use in both.
 */
#ifndef USER_TESTS_SNAPSHOT_H
#define USER_TESTS_SNAPSHOT_H

#include <ntdll.h>
#include "ktap.h"

#define SETTLE_TRIES        200         /* ... of SETTLE_SLEEP_MS each: 10 s at most */
#define SETTLE_SLEEP_MS     50
#define MAXIMUM_TAGS        1024
#define MAXIMUM_PAGING_FILES 16
#define TAG_QUERY_BUFFER    (sizeof(ULONG) + MAXIMUM_TAGS * sizeof(SYSTEM_POOLTAG))

typedef struct _SNAPSHOT {
    ULONG AvailablePages;
    ULONG CommittedPages;
    ULONG TagCount;
    SYSTEM_POOLTAG Tags[MAXIMUM_TAGS];
    ULONG PagingFiles;
    ULONG PagingFileInUse[MAXIMUM_PAGING_FILES];
    ULONG PagingFilePeak[MAXIMUM_PAGING_FILES];
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
        Snapshot->PagingFilePeak[Snapshot->PagingFiles] = file->PeakUsage;
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
#define SNAPSHOT_QUERY_TAG      0x79517350      /* 'PsQy' (kernel/ps/psquery.c) */

static const SYSTEM_POOLTAG *DifferingTag(const SNAPSHOT *Old, const SNAPSHOT *New,
                                          const SYSTEM_POOLTAG **OldTag)
{
    static const SYSTEM_POOLTAG none;

    for (ULONG i = 0; i < New->TagCount; i++) {
        const SYSTEM_POOLTAG *tag = &New->Tags[i], *old = FindTag(Old, tag->TagUlong);

        /* 'PsQy' is the query's own buffer, in use while the tags are read: its size follows
         * the number of tags ever used, so a tag used for the first time between the two
         * snapshots (PsCr, say, when a first child is created) makes it larger. */
        if (tag->TagUlong == SNAPSHOT_QUERY_TAG)
            continue;
        if (!old)
            old = &none;
        if (tag->PagedUsed != old->PagedUsed || tag->NonPagedUsed != old->NonPagedUsed) {
            *OldTag = old;
            return tag;
        }
    }
    return NULL;
}

/* Equal commitment and pool bytes per tag; with Pages, equal available pages and paging-file
 * use too. */
static BOOL SnapshotsEqual(const SNAPSHOT *Old, const SNAPSHOT *New, BOOL Pages)
{
    const SYSTEM_POOLTAG *old;

    if (Old->CommittedPages != New->CommittedPages || DifferingTag(Old, New, &old))
        return FALSE;
    return !Pages || (Old->AvailablePages == New->AvailablePages &&
                      Old->PagingFiles == New->PagingFiles &&
                      memcmp(Old->PagingFileInUse, New->PagingFileInUse,
                             sizeof(Old->PagingFileInUse)) == 0);
}

/* Before taken, After's pages touched first. */
/* The caller's stack grown (its guard page moved down) SNAPSHOT_STACK_BYTES below here, so
 * that what it calls between SnapshotBegin and SnapshotCheck (CreateProcess's buffers: a few
 * KB) commits no stack page of its own there. */
#define SNAPSHOT_STACK_BYTES 16384

static __attribute__((noinline)) void SnapshotGrowStack(void)
{
    volatile UCHAR room[SNAPSHOT_STACK_BYTES];

    for (ULONG i = 0; i < sizeof(room); i += 4096)
        room[sizeof(room) - 1 - i] = 0;
    room[0] = 0;
}

/* A child run once (CommandLine, to its end) before SnapshotBegin: what this process touches
 * for the first time when it makes one (a page of kernel32's data made its own, say) is then
 * not counted between Begin and Check. */
static __attribute__((unused)) void SnapshotWarmUp(const char *CommandLine)
{
    char line[128];
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };

    snprintf(line, sizeof(line), "%s", CommandLine);
    if (!CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child))
        return;
    WaitForSingleObject(child.hProcess, 60000);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
}

static void SnapshotBegin(void)
{
    SnapshotGrowStack();
    TakeSnapshot(&After);
    TakeSnapshot(&Before);
}

/* Read After again, SETTLE_SLEEP_MS apart, until it equals Before or the tries run out. */
static void SnapshotSettle(BOOL Pages)
{
    for (int tries = 0; tries < SETTLE_TRIES; tries++) {
        TakeSnapshot(&After);
        if (SnapshotsEqual(&Before, &After, Pages))
            return;
        Sleep(SETTLE_SLEEP_MS);
    }
}

/* After equals Before: commitment and each tag's bytes; with Pages, the available pages and
 * each paging file's use too. */
static void SnapshotCheck(BOOL Pages)
{
    const SYSTEM_POOLTAG *tag, *old;

    KT_EQ(After.CommittedPages, Before.CommittedPages);
    tag = DifferingTag(&Before, &After, &old);
    if (tag) {
        printf("# tag '%.4s': paged %lu -> %lu bytes, nonpaged %lu -> %lu bytes\n",
               (const char *)tag->Tag, old->PagedUsed, tag->PagedUsed, old->NonPagedUsed,
               tag->NonPagedUsed);
        KT_EQ(tag->PagedUsed, old->PagedUsed);
        KT_EQ(tag->NonPagedUsed, old->NonPagedUsed);
    }
    if (!Pages)
        return;
    KT_EQ(After.AvailablePages, Before.AvailablePages);
    KT_EQ(After.PagingFiles, Before.PagingFiles);
    for (ULONG i = 0; i < After.PagingFiles; i++)
        KT_EQ(After.PagingFileInUse[i], Before.PagingFileInUse[i]);
}

#endif
