/*
 * vmmodel.exe: 10^5 random allocate / free / protect / query calls inside a 1 MB window of
 * the address space, each checked against a reference model of the VADs and pages kept here
 * (NT's rules: nt-mm-facts.md §7). Every status and every query field must match the model;
 * at the end everything is released and the window must be free again.
 *
 * The model: VADs (start page, end page, protection given at reserve) and, per page, its state
 * (free / reserved / committed) and protection. Reserves start at 64 KB boundaries and commit
 * ranges, decommits, releases and protections take any pages, rounded as NT rounds them.
 */
#include <ntdll.h>
#include "ktap.h"

#define PAGE                    0x1000u
#define WINDOW_PAGES            256
#define GRANULE_PAGES           16
#define MAXIMUM_VADS            64
#define STEPS                   100000
#define REPORTED_MISMATCHES     10

typedef struct {
    ULONG Start, End;                   /* pages of the window, End inclusive */
    ULONG Protect;
} MODEL_VAD;

static MODEL_VAD Vads[MAXIMUM_VADS];
static ULONG VadCount;
static ULONG PageState[WINDOW_PAGES];   /* 0, MEM_RESERVE, MEM_COMMIT */
static ULONG PageProtect[WINDOW_PAGES];
static PUCHAR Window;
static ULONG Seed = 1;
static ULONG Mismatches;

static const ULONG Protections[] = {
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ,
    PAGE_EXECUTE_READWRITE, PAGE_READWRITE | PAGE_GUARD, PAGE_READONLY | PAGE_NOCACHE,
};

static ULONG Random(ULONG Limit)
{
    Seed = Seed * 1664525u + 1013904223u;
    return (Seed >> 8) % Limit;
}

static PVOID PageAddress(ULONG Page)
{
    return Window + (SIZE_T)Page * PAGE;
}

/* The VAD holding Page, or NULL. */
static MODEL_VAD *FindVad(ULONG Page)
{
    ULONG index;

    for (index = 0; index < VadCount; index++)
        if (Page >= Vads[index].Start && Page <= Vads[index].End)
            return &Vads[index];
    return NULL;
}

static void RemoveVad(MODEL_VAD *Vad)
{
    *Vad = Vads[--VadCount];
}

#define CHECK(Got, Expected, What)                                                      \
    do {                                                                                \
        if ((ULONG_PTR)(Got) != (ULONG_PTR)(Expected)) {                                \
            if (++Mismatches <= REPORTED_MISMATCHES)                                    \
                printf("# step %lu: %s: got 0x%lX, expected 0x%lX\n", Step, What,       \
                       (ULONG_PTR)(Got), (ULONG_PTR)(Expected));                        \
        }                                                                               \
    } while (0)

static ULONG Step;

static void DoReserve(void)
{
    ULONG start = Random(WINDOW_PAGES / GRANULE_PAGES) * GRANULE_PAGES;
    ULONG pages = 1 + Random(3 * GRANULE_PAGES), page, commit = Random(2);
    ULONG protect = Protections[Random(7)];
    PVOID base = PageAddress(start);
    SIZE_T size = (SIZE_T)pages * PAGE;
    NTSTATUS expected = STATUS_SUCCESS, status;

    if (start + pages > WINDOW_PAGES)
        pages = WINDOW_PAGES - start;
    size = (SIZE_T)pages * PAGE;
    for (page = start; page < start + pages; page++)
        if (PageState[page])
            expected = STATUS_CONFLICTING_ADDRESSES;
    if (expected == STATUS_SUCCESS && VadCount == MAXIMUM_VADS)
        return;
    status = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
                                     MEM_RESERVE | (commit ? MEM_COMMIT : 0), protect);
    CHECK(status, expected, "reserve status");
    if (!NT_SUCCESS(status))
        return;
    CHECK(base, PageAddress(start), "reserve base");
    CHECK(size, (SIZE_T)pages * PAGE, "reserve size");
    Vads[VadCount++] = (MODEL_VAD){ start, start + pages - 1, protect };
    for (page = start; page < start + pages; page++) {
        PageState[page] = commit ? MEM_COMMIT : MEM_RESERVE;
        PageProtect[page] = commit ? protect : 0;
    }
}

static void DoCommit(void)
{
    ULONG start = Random(WINDOW_PAGES), pages = 1 + Random(24), page;
    ULONG protect = Protections[Random(8)];
    MODEL_VAD *vad = FindVad(start);
    PVOID base = (PUCHAR)PageAddress(start) + Random(PAGE);
    SIZE_T size = (SIZE_T)pages * PAGE - ((ULONG_PTR)base & (PAGE - 1));
    NTSTATUS expected = STATUS_SUCCESS, status;

    if (start + pages > WINDOW_PAGES)
        return;
    if (!vad || start + pages - 1 > vad->End)
        expected = STATUS_CONFLICTING_ADDRESSES;
    status = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT, protect);
    CHECK(status, expected, "commit status");
    if (!NT_SUCCESS(status))
        return;
    CHECK(base, PageAddress(start), "commit base");
    CHECK(size, (SIZE_T)pages * PAGE, "commit size");
    for (page = start; page < start + pages; page++) {
        PageState[page] = MEM_COMMIT;
        PageProtect[page] = protect;
    }
}

static void DoFree(void)
{
    ULONG start = Random(WINDOW_PAGES), pages = Random(24), page, release = Random(2);
    MODEL_VAD *vad = FindVad(start), split;
    PVOID base = PageAddress(start);
    SIZE_T size = (SIZE_T)pages * PAGE;
    NTSTATUS expected = STATUS_SUCCESS, status;
    ULONG end = start + (pages ? pages : 1) - 1;

    if (end >= WINDOW_PAGES)
        return;
    if (!vad) {
        expected = STATUS_MEMORY_NOT_ALLOCATED;
    } else if (!pages) {
        if (start != vad->Start)
            expected = STATUS_FREE_VM_NOT_AT_BASE;
        end = vad->End;
    } else if (end > vad->End) {
        expected = STATUS_UNABLE_TO_FREE_VM;
    }
    status = NtFreeVirtualMemory(NtCurrentProcess(), &base, &size,
                                 release ? MEM_RELEASE : MEM_DECOMMIT);
    CHECK(status, expected, release ? "release status" : "decommit status");
    if (!NT_SUCCESS(status))
        return;
    for (page = start; page <= end; page++) {
        PageState[page] = release ? 0 : MEM_RESERVE;
        PageProtect[page] = 0;
    }
    if (!release)
        return;
    if (start == vad->Start && end == vad->End) {
        RemoveVad(vad);
    } else if (start == vad->Start) {
        vad->Start = end + 1;
    } else if (end == vad->End) {
        vad->End = start - 1;
    } else {
        split = *vad;
        vad->End = start - 1;
        split.Start = end + 1;
        Vads[VadCount++] = split;
    }
}

static void DoProtect(void)
{
    ULONG start = Random(WINDOW_PAGES), pages = 1 + Random(8), page;
    ULONG protect = Protections[Random(8)], old = 0xFFFF;
    MODEL_VAD *vad = FindVad(start);
    PVOID base = PageAddress(start);
    SIZE_T size = (SIZE_T)pages * PAGE;
    NTSTATUS expected = STATUS_SUCCESS, status;

    if (start + pages > WINDOW_PAGES)
        return;
    if (!vad || start + pages - 1 > vad->End)
        expected = STATUS_CONFLICTING_ADDRESSES;
    else
        for (page = start; page < start + pages; page++)
            if (PageState[page] != MEM_COMMIT)
                expected = STATUS_NOT_COMMITTED;
    status = NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, protect, &old);
    CHECK(status, expected, "protect status");
    if (!NT_SUCCESS(status))
        return;
    CHECK(old, PageProtect[start], "protect old protection");
    for (page = start; page < start + pages; page++)
        PageProtect[page] = protect;
}

static void DoQuery(void)
{
    ULONG page = Random(WINDOW_PAGES), end = page;
    MODEL_VAD *vad = FindVad(page);
    MEMORY_BASIC_INFORMATION info;
    SIZE_T length;
    NTSTATUS status;

    status = NtQueryVirtualMemory(NtCurrentProcess(), (PUCHAR)PageAddress(page) + Random(PAGE),
                                  MemoryBasicInformation, &info, sizeof(info), &length);
    CHECK(status, STATUS_SUCCESS, "query status");
    if (!NT_SUCCESS(status))
        return;
    CHECK(info.BaseAddress, PageAddress(page), "query BaseAddress");
    if (!vad) {
        while (end + 1 < WINDOW_PAGES && !FindVad(end + 1))
            end++;
        CHECK(info.State, MEM_FREE, "query State (free)");
        CHECK(info.AllocationBase, 0, "query AllocationBase (free)");
        if (end + 1 < WINDOW_PAGES)         /* past the window, other regions may follow */
            CHECK(info.RegionSize, (SIZE_T)(end - page + 1) * PAGE, "query RegionSize (free)");
        return;
    }
    while (end < vad->End && PageState[end + 1] == PageState[page] &&
           PageProtect[end + 1] == PageProtect[page])
        end++;
    CHECK(info.AllocationBase, PageAddress(vad->Start), "query AllocationBase");
    CHECK(info.AllocationProtect, vad->Protect, "query AllocationProtect");
    CHECK(info.RegionSize, (SIZE_T)(end - page + 1) * PAGE, "query RegionSize");
    CHECK(info.State, PageState[page], "query State");
    CHECK(info.Protect, PageProtect[page], "query Protect");
    CHECK(info.Type, MEM_PRIVATE, "query Type");
}

static void TestModel(void)
{
    PVOID base = NULL;
    SIZE_T size = (SIZE_T)WINDOW_PAGES * PAGE;
    ULONG page;

    /* The window: a free 1 MB the process uses for nothing else (no heap use below). */
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE,
                                      PAGE_NOACCESS), STATUS_SUCCESS);
    Window = base;
    size = 0;
    KT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
              STATUS_SUCCESS);
    for (Step = 0; Step < STEPS; Step++) {
        switch (Random(10)) {
        case 0:
        case 1:
            DoReserve();
            break;
        case 2:
        case 3:
            DoCommit();
            break;
        case 4:
        case 5:
            DoFree();
            break;
        case 6:
            DoProtect();
            break;
        default:
            DoQuery();
            break;
        }
    }
    while (VadCount) {
        base = PageAddress(Vads[0].Start);
        size = 0;
        KT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
                  STATUS_SUCCESS);
        for (page = Vads[0].Start; page <= Vads[0].End; page++)
            PageState[page] = 0;
        RemoveVad(&Vads[0]);
    }
    for (page = 0; page < WINDOW_PAGES; page += GRANULE_PAGES)
        DoQuery();
    KT_EQ(Mismatches, 0);
}

static const KTAP_CASE Cases[] = {
    { "user.vm.random_model", TestModel },
};

KTAP_MAIN(Cases)
