/*
 * vmalloc.exe: NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory and
 * NtQueryVirtualMemory as NT 5.2 behaves (the checks in order and their statuses:
 * nt-mm-facts.md §7; kernel32's errors: the Win32 mapping Windows uses), each status with the
 * exact input that produces it, the rounding rules, and reserve -> commit -> decommit ->
 * release with every query field checked across region boundaries.
 */
#include <ntdll.h>
#include "ktap.h"

#define PAGE                    0x1000u
#define GRANULARITY             0x10000u
#define HIGHEST_VAD_ADDRESS     0x7FFDFFFFu
#define HIGHEST_USER_ADDRESS    0x7FFEFFFFu

static NTSTATUS Allocate(PVOID *Base, SIZE_T *Size, ULONG Type, ULONG Protect)
{
    return NtAllocateVirtualMemory(NtCurrentProcess(), Base, 0, Size, Type, Protect);
}

static NTSTATUS Free(PVOID Base, SIZE_T Size, ULONG Type)
{
    return NtFreeVirtualMemory(NtCurrentProcess(), &Base, &Size, Type);
}

static PUCHAR Reserve(SIZE_T Size, ULONG Protect)
{
    PVOID base = NULL;

    KT_STATUS(Allocate(&base, &Size, MEM_RESERVE, Protect), STATUS_SUCCESS);
    return base;
}

static MEMORY_BASIC_INFORMATION Query(PVOID Address)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T length = 0;

    memset(&info, 0xCC, sizeof(info));
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), Address, MemoryBasicInformation, &info,
                                   sizeof(info), &length), STATUS_SUCCESS);
    KT_EQ(length, sizeof(info));
    return info;
}

/* Every field of the region at Address. */
#define KT_REGION(Address, Base, AllocationBase_, AllocationProtect_, Size, State_, Protect_, Type_) \
    do {                                                                                \
        MEMORY_BASIC_INFORMATION info_ = Query(Address);                                \
        KT_EQ(info_.BaseAddress, Base);                                                 \
        KT_EQ(info_.AllocationBase, AllocationBase_);                                   \
        KT_EQ(info_.AllocationProtect, AllocationProtect_);                             \
        KT_EQ(info_.RegionSize, Size);                                                  \
        KT_EQ(info_.State, State_);                                                     \
        KT_EQ(info_.Protect, Protect_);                                                 \
        KT_EQ(info_.Type, Type_);                                                       \
    } while (0)

static void TestReserveRounding(void)
{
    PVOID base = NULL;
    SIZE_T size = 1;

    KT_STATUS(Allocate(&base, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EQ((ULONG_PTR)base % GRANULARITY, 0);
    KT_EQ(size, PAGE);                          /* the size rounds up to a page */
    KT_STATUS(Free(base, 0, MEM_RELEASE), STATUS_SUCCESS);

    /* A given base rounds down to 64 KB; the end rounds up to a page. */
    base = (PUCHAR)base + 0x1234;
    size = 0x1000;
    KT_STATUS(Allocate(&base, &size, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EQ((ULONG_PTR)base % GRANULARITY, 0);
    KT_EQ(size, 0x3000);
    KT_STATUS(Free(base, 0, MEM_RELEASE), STATUS_SUCCESS);
}

static void TestCommitRounding(void)
{
    PUCHAR region = Reserve(0x10000, PAGE_NOACCESS);
    PVOID base = region + 0x1800;
    SIZE_T size = 0x1000;

    KT_STATUS(Allocate(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EQ(base, region + 0x1000);               /* down to a page */
    KT_EQ(size, 0x2000);                        /* through the page holding the last byte */
    KT_EQ(((volatile ULONG *)base)[0], 0);      /* demand zero */
    ((volatile ULONG *)base)[0] = 7;
    KT_EQ(((volatile ULONG *)base)[0], 7);
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_SUCCESS);
}

static void TestAllocateStatuses(void)
{
    PUCHAR region = Reserve(0x20000, PAGE_READWRITE);
    PVOID base;
    SIZE_T size;

#define TRY(Base, Size, ZeroBits, Type, Protect, Expected)                              \
    do {                                                                                \
        base = (PVOID)(Base);                                                           \
        size = (Size);                                                                  \
        KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, (ZeroBits), &size, \
                                          (Type), (Protect)), (Expected));              \
    } while (0)

    TRY(NULL, PAGE, 22, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_3);
    TRY(NULL, PAGE, 1, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_3);
    TRY(NULL, PAGE, 0, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, PAGE, 0, MEM_RESERVE | 0x40, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, PAGE, 0, MEM_TOP_DOWN, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(region, PAGE, 0, MEM_RESET | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, PAGE, 0, MEM_WRITE_WATCH | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, PAGE, 0, MEM_PHYSICAL | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, PAGE, 0, MEM_PHYSICAL | MEM_RESERVE, PAGE_READONLY, STATUS_INVALID_PARAMETER_6);
    TRY(NULL, PAGE, 0, MEM_LARGE_PAGES | MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    TRY(NULL, PAGE, 0, MEM_RESERVE, 0, STATUS_INVALID_PAGE_PROTECTION);
    TRY(NULL, PAGE, 0, MEM_RESERVE, PAGE_READWRITE | PAGE_READONLY, STATUS_INVALID_PAGE_PROTECTION);
    TRY(NULL, PAGE, 0, MEM_RESERVE, 0x800, STATUS_INVALID_PAGE_PROTECTION);
    TRY(NULL, PAGE, 0, MEM_RESERVE, PAGE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION);
    TRY(region, PAGE, 0, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION);
    TRY(0x7FFE0000, PAGE, 0, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_2);
    TRY(0x7FFD0000, 0x20000, 0, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4);
    TRY(NULL, 0, 0, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4);
    TRY(region + 0x10000, PAGE, 0, MEM_RESERVE, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES);
    TRY(region + 0x1F000, 0x2000, 0, MEM_COMMIT, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES);
    TRY(region + 0x20000 + 0x100000, PAGE, 0, MEM_COMMIT, PAGE_READWRITE,
        STATUS_CONFLICTING_ADDRESSES);
    size = PAGE;
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)0x1000, 0,
                                      &size, MEM_RESERVE, PAGE_READWRITE),
              STATUS_ACCESS_VIOLATION);
    base = NULL;
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, (PSIZE_T)0x1000,
                                      MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    TRY(region, 0x1000, 0, MEM_RESET, PAGE_READWRITE, STATUS_SUCCESS);
    TRY(region + 0x100, 0x200, 0, MEM_RESET, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES);
#undef TRY
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_SUCCESS);
}

static void TestFreeStatuses(void)
{
    PUCHAR region = Reserve(0x4000, PAGE_READWRITE);

    KT_STATUS(Free(region, 0, 0), STATUS_INVALID_PARAMETER_4);
    KT_STATUS(Free(region, 0, MEM_RELEASE | MEM_DECOMMIT), STATUS_INVALID_PARAMETER_4);
    KT_STATUS(Free(region, 0, MEM_RELEASE | 0x1), STATUS_INVALID_PARAMETER_4);
    KT_STATUS(Free((PVOID)0x7FFF0000, 0, MEM_RELEASE), STATUS_INVALID_PARAMETER_2);
    KT_STATUS(Free((PVOID)0x7FFEF000, 0x2000, MEM_RELEASE), STATUS_INVALID_PARAMETER_3);
    KT_STATUS(Free(region + 0x10000, 0, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
    KT_STATUS(Free(region, 0x5000, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
    KT_STATUS(Free(region, 0x5000, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);
    KT_STATUS(Free(region + 0x1000, 0, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
    KT_STATUS(Free(region + 0x1000, 0, MEM_DECOMMIT), STATUS_FREE_VM_NOT_AT_BASE);
    KT_STATUS(Free(region, 0, MEM_DECOMMIT), STATUS_SUCCESS);   /* all reserved: fine */
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_SUCCESS);
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
}

static void TestProtectAndQueryStatuses(void)
{
    PUCHAR region = Reserve(0x4000, PAGE_READWRITE);
    PVOID base = region;
    SIZE_T size = PAGE, length;
    ULONG old = 0xDEAD;
    MEMORY_BASIC_INFORMATION info;

    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY, &old),
              STATUS_NOT_COMMITTED);
    size = 0;
    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY, &old),
              STATUS_INVALID_PARAMETER_3);
    base = region + 0x10000;
    size = PAGE;
    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY, &old),
              STATUS_CONFLICTING_ADDRESSES);
    base = region;
    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, 0x3, &old),
              STATUS_INVALID_PAGE_PROTECTION);
    base = (PVOID)0x80000000;
    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY, &old),
              STATUS_INVALID_PARAMETER_2);
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), region, MemoryBasicInformation, &info,
                                   sizeof(info) - 1, &length), STATUS_INFO_LENGTH_MISMATCH);
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), region, (MEMORY_INFORMATION_CLASS)99,
                                   &info, sizeof(info), &length), STATUS_INVALID_INFO_CLASS);
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x80000000, MemoryBasicInformation,
                                   &info, sizeof(info), &length), STATUS_INVALID_PARAMETER);
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_SUCCESS);
}

static void TestTransitions(void)
{
    PUCHAR region = Reserve(0x4000, PAGE_READWRITE);
    PVOID base = region + PAGE;
    SIZE_T size = PAGE;
    ULONG old = 0;

    KT_REGION(region, region, region, PAGE_READWRITE, 0x4000, MEM_RESERVE, 0, MEM_PRIVATE);
    KT_STATUS(Allocate(&base, &size, MEM_COMMIT, PAGE_READONLY), STATUS_SUCCESS);
    KT_REGION(region, region, region, PAGE_READWRITE, PAGE, MEM_RESERVE, 0, MEM_PRIVATE);
    KT_REGION(region + PAGE + 5, region + PAGE, region, PAGE_READWRITE, PAGE, MEM_COMMIT,
              PAGE_READONLY, MEM_PRIVATE);
    KT_REGION(region + 2 * PAGE, region + 2 * PAGE, region, PAGE_READWRITE, 2 * PAGE,
              MEM_RESERVE, 0, MEM_PRIVATE);

    /* Committing again with another protection changes it; protect reports the old one. */
    base = region;
    size = 2 * PAGE;
    KT_STATUS(Allocate(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
    KT_REGION(region, region, region, PAGE_READWRITE, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE,
              MEM_PRIVATE);
    base = region + PAGE;
    size = PAGE;
    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_NOACCESS, &old),
              STATUS_SUCCESS);
    KT_EQ(old, PAGE_READWRITE);
    KT_REGION(region + PAGE, region + PAGE, region, PAGE_READWRITE, PAGE, MEM_COMMIT,
              PAGE_NOACCESS, MEM_PRIVATE);
    base = region;
    size = 2 * PAGE;
    KT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY, &old),
              STATUS_SUCCESS);
    KT_EQ(old, PAGE_READWRITE);                 /* the first page's */
    KT_REGION(region, region, region, PAGE_READWRITE, 2 * PAGE, MEM_COMMIT, PAGE_READONLY,
              MEM_PRIVATE);

    KT_STATUS(Free(region + PAGE, PAGE, MEM_DECOMMIT), STATUS_SUCCESS);
    KT_REGION(region + PAGE, region + PAGE, region, PAGE_READWRITE, 3 * PAGE, MEM_RESERVE, 0,
              MEM_PRIVATE);
    KT_STATUS(Free(region, 0, MEM_DECOMMIT), STATUS_SUCCESS);
    KT_REGION(region, region, region, PAGE_READWRITE, 0x4000, MEM_RESERVE, 0, MEM_PRIVATE);
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_SUCCESS);
    KT_EQ(Query(region).State, MEM_FREE);
    KT_EQ(Query(region).AllocationBase, NULL);
    KT_EQ(Query(region).AllocationProtect, 0);
    KT_EQ(Query(region).Protect, PAGE_NOACCESS);
    KT_EQ(Query(region).Type, 0);
}

static void TestPartialRelease(void)
{
    PUCHAR region = Reserve(0x4000, PAGE_READONLY);

    KT_STATUS(Free(region + PAGE, PAGE, MEM_RELEASE), STATUS_SUCCESS);
    KT_REGION(region, region, region, PAGE_READONLY, PAGE, MEM_RESERVE, 0, MEM_PRIVATE);
    KT_EQ(Query(region + PAGE).State, MEM_FREE);
    KT_EQ(Query(region + PAGE).RegionSize, PAGE);
    KT_REGION(region + 2 * PAGE, region + 2 * PAGE, region + 2 * PAGE, PAGE_READONLY, 2 * PAGE,
              MEM_RESERVE, 0, MEM_PRIVATE);
    KT_STATUS(Free(region, 0, MEM_RELEASE), STATUS_SUCCESS);
    KT_STATUS(Free(region + 2 * PAGE, 0, MEM_RELEASE), STATUS_SUCCESS);
}

static void TestSpecialQueries(void)
{
    KT_REGION((PVOID)0x7FFE0000, (PVOID)0x7FFE0000, (PVOID)0x7FFE0000, PAGE_READONLY, PAGE,
              MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
    /* Between the last VAD address and the top of user space: a synthetic reserved region. */
    KT_EQ(Query((PVOID)0x7FFE1000).State, MEM_RESERVE);
    KT_EQ(Query((PVOID)0x7FFE1000).Protect, PAGE_NOACCESS);
    KT_EQ(Query((PVOID)0x7FFE1000).AllocationBase, HIGHEST_VAD_ADDRESS + 1);
    KT_EQ(Query(NULL).State, MEM_FREE);
    KT_EQ(Query(NULL).BaseAddress, NULL);
}

static void TestKernel32Errors(void)
{
    MEMORY_BASIC_INFORMATION info;
    PUCHAR region;
    DWORD old;

    SetLastError(0);
    KT_EQ(VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualAlloc((PVOID)0x1000, PAGE, MEM_RESERVE, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    region = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE);
    KT_EXPECT(region != NULL);
    KT_EQ(VirtualProtect(region, PAGE, PAGE_READONLY, &old), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(VirtualAlloc(region, PAGE, MEM_RESERVE, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(VirtualFree(region + PAGE, 0, MEM_RELEASE), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(VirtualFree(region, PAGE, MEM_RELEASE | MEM_DECOMMIT), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualQuery((PVOID)0x80000000, &info, sizeof(info)), 0);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualFree(region, 0, MEM_RELEASE), TRUE);
    KT_EQ(VirtualFree(region, 0, MEM_RELEASE), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
}

static const KTAP_CASE Cases[] = {
    { "user.vm.reserve_rounding", TestReserveRounding },
    { "user.vm.commit_rounding", TestCommitRounding },
    { "user.vm.allocate_statuses", TestAllocateStatuses },
    { "user.vm.free_statuses", TestFreeStatuses },
    { "user.vm.protect_query_statuses", TestProtectAndQueryStatuses },
    { "user.vm.transitions", TestTransitions },
    { "user.vm.partial_release", TestPartialRelease },
    { "user.vm.special_queries", TestSpecialQueries },
    { "user.vm.kernel32_errors", TestKernel32Errors },
};

KTAP_MAIN(Cases)
