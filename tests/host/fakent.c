/*
 * tests/host/fakent.c: the fake system services of fakent.h, over mmap.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include "tests/host/fakent.h"

#define FAKE_PAGE               0x1000u
#define FAKE_GRANULARITY        0x10000u
#define FAKE_MAXIMUM_REGIONS    256

typedef struct {
    PUCHAR Base;                        /* NULL: the slot is free */
    SIZE_T Size;
    PUCHAR Committed;                   /* a flag per page */
} FAKE_REGION;

ULONG FakeCommittedPages;
ULONG FakeReservedRegions;
ULONG FakeCommitLimitPages;
BOOLEAN FakeReserveFails;
EXCEPTION_RECORD FakeRaised;
jmp_buf *FakeRaiseTarget;
ULONG FakeLastError;

static FAKE_REGION FakeRegions[FAKE_MAXIMUM_REGIONS];
static pthread_mutex_t FakeLock = PTHREAD_MUTEX_INITIALIZER;

static FAKE_REGION *FindRegion(const void *Address)
{
    FAKE_REGION *region;

    for (region = FakeRegions; region < FakeRegions + FAKE_MAXIMUM_REGIONS; region++)
        if (region->Base && (PUCHAR)Address >= region->Base &&
            (PUCHAR)Address < region->Base + region->Size)
            return region;
    return NULL;
}

FAKE_PAGE_STATE FakePageState(const void *Address)
{
    FAKE_REGION *region = FindRegion(Address);

    if (!region)
        return FakeFree;
    return region->Committed[((PUCHAR)Address - region->Base) / FAKE_PAGE] ? FakeCommitted
                                                                             : FakeReserved;
}

static NTSTATUS Reserve(PVOID *Base, SIZE_T Size)
{
    FAKE_REGION *region;
    PUCHAR map, aligned;

    if (*Base)
        return STATUS_CONFLICTING_ADDRESSES;    /* the fake chooses addresses only */
    if (FakeReserveFails)
        return STATUS_NO_MEMORY;
    for (region = FakeRegions; region->Base; region++)
        if (region == FakeRegions + FAKE_MAXIMUM_REGIONS - 1)
            abort();
    map = mmap(NULL, Size + FAKE_GRANULARITY, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return STATUS_NO_MEMORY;
    aligned = (PUCHAR)(((ULONG_PTR)map + FAKE_GRANULARITY - 1) & ~(ULONG_PTR)(FAKE_GRANULARITY - 1));
    if (aligned > map)
        munmap(map, (SIZE_T)(aligned - map));
    munmap(aligned + Size, (SIZE_T)(map + FAKE_GRANULARITY - aligned));
    region->Base = aligned;
    region->Size = Size;
    region->Committed = calloc(Size / FAKE_PAGE, 1);
    FakeReservedRegions++;
    *Base = aligned;
    return STATUS_SUCCESS;
}

static NTSTATUS Commit(PUCHAR Start, PUCHAR End)
{
    FAKE_REGION *region = FindRegion(Start);
    ULONG first, count, index, fresh = 0;

    if (!region || End > region->Base + region->Size)
        return STATUS_CONFLICTING_ADDRESSES;
    first = (ULONG)((Start - region->Base) / FAKE_PAGE);
    count = (ULONG)((End - Start) / FAKE_PAGE);
    for (index = first; index < first + count; index++)
        fresh += !region->Committed[index];
    if (FakeCommitLimitPages && FakeCommittedPages + fresh > FakeCommitLimitPages)
        return STATUS_COMMITMENT_LIMIT;
    for (index = first; index < first + count; index++)
        region->Committed[index] = 1;
    FakeCommittedPages += fresh;
    mprotect(Start, (SIZE_T)(End - Start), PROT_READ | PROT_WRITE);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE Process, PVOID *Base, ULONG_PTR ZeroBits,
                                       PSIZE_T Size, ULONG Type, ULONG Protect)
{
    PUCHAR start, end;
    NTSTATUS status = STATUS_SUCCESS;

    (void)ZeroBits;
    if (Process != NtCurrentProcess() || Protect != PAGE_READWRITE || !*Size)
        return STATUS_INVALID_PARAMETER;
    pthread_mutex_lock(&FakeLock);
    if (Type & MEM_RESERVE) {
        *Size = (*Size + FAKE_PAGE - 1) & ~(SIZE_T)(FAKE_PAGE - 1);
        status = Reserve(Base, *Size);
    }
    if (NT_SUCCESS(status) && (Type & MEM_COMMIT)) {
        start = (PUCHAR)((ULONG_PTR)*Base & ~(ULONG_PTR)(FAKE_PAGE - 1));
        end = (PUCHAR)(((ULONG_PTR)*Base + *Size + FAKE_PAGE - 1) & ~(ULONG_PTR)(FAKE_PAGE - 1));
        status = Commit(start, end);
        if (NT_SUCCESS(status)) {
            *Base = start;
            *Size = (SIZE_T)(end - start);
        }
    }
    pthread_mutex_unlock(&FakeLock);
    return status;
}

NTSTATUS NTAPI NtFreeVirtualMemory(HANDLE Process, PVOID *Base, PSIZE_T Size, ULONG Type)
{
    FAKE_REGION *region;
    PUCHAR start;
    ULONG index, first, count;
    NTSTATUS status = STATUS_SUCCESS;

    if (Process != NtCurrentProcess())
        return STATUS_INVALID_HANDLE;
    pthread_mutex_lock(&FakeLock);
    region = FindRegion(*Base);
    if (!region) {
        status = STATUS_MEMORY_NOT_ALLOCATED;
    } else if (Type == MEM_RELEASE) {
        if ((PUCHAR)*Base != region->Base || *Size) {
            status = STATUS_FREE_VM_NOT_AT_BASE;
        } else {
            for (index = 0; index < region->Size / FAKE_PAGE; index++)
                FakeCommittedPages -= region->Committed[index];
            munmap(region->Base, region->Size);
            free(region->Committed);
            *Size = region->Size;
            memset(region, 0, sizeof(*region));
            FakeReservedRegions--;
        }
    } else if (Type == MEM_DECOMMIT) {
        start = (PUCHAR)((ULONG_PTR)*Base & ~(ULONG_PTR)(FAKE_PAGE - 1));
        first = (ULONG)((start - region->Base) / FAKE_PAGE);
        count = (ULONG)(((PUCHAR)*Base + *Size - start + FAKE_PAGE - 1) / FAKE_PAGE);
        for (index = first; index < first + count; index++) {
            FakeCommittedPages -= region->Committed[index];
            region->Committed[index] = 0;
        }
        madvise(start, count * FAKE_PAGE, MADV_DONTNEED);
        mprotect(start, count * FAKE_PAGE, PROT_NONE);
    } else {
        status = STATUS_INVALID_PARAMETER_4;
    }
    pthread_mutex_unlock(&FakeLock);
    return status;
}

NTSTATUS NTAPI NtYieldExecution(void)
{
    sched_yield();
    return STATUS_SUCCESS;
}

VOID NTAPI RtlRaiseException(PEXCEPTION_RECORD Record)
{
    FakeRaised = *Record;
    if (!FakeRaiseTarget)
        abort();
    longjmp(*FakeRaiseTarget, 1);
}

VOID NTAPI RtlSetLastWin32Error(ULONG Error)
{
    FakeLastError = Error;
}
