/*
 * vmmisc.exe: the rest of the VM services as NT behaves: write watch (exact page lists,
 * reset, the count limit, nt-mm-facts-2 §9), lock and unlock, top-down and ZeroBits placement,
 * GetSystemInfo's fields, the commit charge of committed pages (GetProcessMemoryInfo), reads
 * and writes through a process handle with and without access, partial copies, and the commit
 * limit reached and restored.
 */
#include <ntdll.h>
#include <psapi.h>
#include "ktap.h"

#define PAGE                    0x1000u
#define MEGABYTE                0x100000u
#define LIMIT_CHUNK             (1 * MEGABYTE)
#define LIMIT_REGIONS           512

static SIZE_T CommitCharge(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    KT_EQ(GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters)), TRUE);
    return counters.PagefileUsage;
}

static void TestWriteWatch(void)
{
    PUCHAR region = VirtualAlloc(NULL, 16 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                 PAGE_READWRITE);
    PVOID addresses[16];
    ULONG_PTR count = 16;
    DWORD granularity = 0;
    PUCHAR plain;

    KT_EXPECT(region != NULL);
    if (!region) {
        printf("# MEM_WRITE_WATCH refused: error %lu\n", GetLastError());
        return;
    }
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, 0);
    KT_EQ(granularity, PAGE);
    region[3 * PAGE] = 1;
    region[7 * PAGE + 5] = 1;
    region[7 * PAGE + 9] = 1;
    (void)*(volatile UCHAR *)(region + 9 * PAGE);       /* a read is not a write */
    region[12 * PAGE + PAGE - 1] = 1;
    count = 16;
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, 3);
    KT_EQ(addresses[0], region + 3 * PAGE);
    KT_EQ(addresses[1], region + 7 * PAGE);
    KT_EQ(addresses[2], region + 12 * PAGE);
    count = 2;
    KT_EQ(GetWriteWatch(WRITE_WATCH_FLAG_RESET, region, 16 * PAGE, addresses, &count,
                        &granularity), 0);
    KT_EQ(count, 2);                            /* stops when the array is full */
    count = 16;
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, 1);                            /* only the pages it returned were reset */
    KT_EQ(addresses[0], region + 12 * PAGE);
    KT_EQ(ResetWriteWatch(region, 16 * PAGE), 0);
    count = 16;
    KT_EQ(GetWriteWatch(0, region, 16 * PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, 0);
    region[PAGE] = 2;
    count = 16;
    KT_EQ(GetWriteWatch(0, region + PAGE, PAGE, addresses, &count, &granularity), 0);
    KT_EQ(count, 1);
    count = 16;
    KT_EQ(GetWriteWatch(2, region, 16 * PAGE, addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    plain = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    count = 16;
    KT_EQ(GetWriteWatch(0, plain, PAGE, addresses, &count, &granularity), ~0u);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualFree(region + PAGE, PAGE, MEM_RELEASE), FALSE);        /* never partially */
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    VirtualFree(plain, 0, MEM_RELEASE);
    VirtualFree(region, 0, MEM_RELEASE);
}

static void TestLock(void)
{
    PUCHAR region = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

    KT_EXPECT(region != NULL);
    if (!region)
        return;
    KT_EQ(VirtualLock(region, 2 * PAGE), TRUE);
    KT_EQ(region[0], 0);
    KT_EQ(VirtualUnlock(region, 2 * PAGE), TRUE);
    KT_EQ(VirtualUnlock(region, 2 * PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);
    KT_EQ(VirtualUnlock(region + 3 * PAGE, PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);
    VirtualFree(region, 0, MEM_RELEASE);
}

static void TestPlacement(void)
{
    PUCHAR up = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    PUCHAR down = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    PVOID low = NULL;
    SIZE_T size = PAGE;

    KT_EXPECT(up && down);
    KT_EXPECT(down > up);
    KT_EXPECT((ULONG_PTR)down >= 0x70000000u);  /* from the top of the 2 GB user space */
    KT_EXPECT((ULONG_PTR)down + PAGE - 1 <= 0x7FFDFFFFu);
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &low, 8, &size, MEM_RESERVE,
                                      PAGE_READWRITE), STATUS_SUCCESS);
    KT_EXPECT((ULONG_PTR)low + size - 1 <= 0x00FFFFFFu);        /* 8 zero bits on top */
    KT_EXPECT((ULONG_PTR)low >= 0x10000u);                       /* never the first 64 KB */
    VirtualFree(low, 0, MEM_RELEASE);
    VirtualFree(down, 0, MEM_RELEASE);
    VirtualFree(up, 0, MEM_RELEASE);
}

static void TestSystemInfo(void)
{
    SYSTEM_INFO info;

    GetSystemInfo(&info);
    KT_EQ(info.dwPageSize, PAGE);
    KT_EQ(info.dwAllocationGranularity, 0x10000);
    KT_EQ(info.lpMinimumApplicationAddress, 0x10000);
    KT_EQ(info.lpMaximumApplicationAddress, 0x7FFEFFFF);
    KT_EQ(info.wProcessorArchitecture, PROCESSOR_ARCHITECTURE_INTEL);
    KT_EXPECT(info.dwNumberOfProcessors >= 1);
}

static void TestCommitCharge(void)
{
    SIZE_T before = CommitCharge(), after;
    PUCHAR region = VirtualAlloc(NULL, MEGABYTE, MEM_RESERVE, PAGE_READWRITE);

    KT_EQ(CommitCharge(), before);              /* reserving costs no commit */
    KT_EXPECT(VirtualAlloc(region, MEGABYTE, MEM_COMMIT, PAGE_READWRITE) != NULL);
    after = CommitCharge();
    KT_EXPECT(after >= before + MEGABYTE);
    KT_EXPECT(after <= before + MEGABYTE + 2 * PAGE);   /* and at most its page tables */
    KT_EQ(VirtualFree(region, MEGABYTE / 2, MEM_DECOMMIT), TRUE);
    KT_EXPECT(CommitCharge() <= after - MEGABYTE / 2);
    KT_EQ(VirtualFree(region, 0, MEM_RELEASE), TRUE);
    KT_EXPECT(CommitCharge() <= before + PAGE);
}

static void TestProcessMemory(void)
{
    static const char text[] = "mm386";
    HANDLE reader = OpenProcess(PROCESS_VM_READ, FALSE, GetCurrentProcessId());
    HANDLE writer = OpenProcess(PROCESS_VM_WRITE | PROCESS_VM_OPERATION, FALSE,
                                GetCurrentProcessId());
    PUCHAR region = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    char buffer[2 * PAGE];
    SIZE_T done = 12345;

    KT_EXPECT(reader && writer && region);
    if (!reader || !writer || !region)
        return;
    VirtualAlloc(region, PAGE, MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(WriteProcessMemory(writer, region + 100, text, sizeof(text), &done), TRUE);
    KT_EQ(done, sizeof(text));
    KT_EQ(ReadProcessMemory(reader, region + 100, buffer, sizeof(text), &done), TRUE);
    KT_EQ(memcmp(buffer, text, sizeof(text)), 0);
    KT_EQ(WriteProcessMemory(reader, region, text, sizeof(text), &done), FALSE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_EQ(ReadProcessMemory(writer, region, buffer, sizeof(text), &done), FALSE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_EQ(ReadProcessMemory(reader, region, buffer, 2 * PAGE, &done), FALSE);
    KT_EQ(GetLastError(), ERROR_PARTIAL_COPY);
    KT_EQ(done, PAGE);                          /* up to the page that is only reserved */
    KT_EQ(ReadProcessMemory(reader, (PVOID)0x80001000, buffer, 4, &done), FALSE);
    KT_EQ(done, 0);
    KT_EQ(CloseHandle(reader), TRUE);
    KT_EQ(CloseHandle(writer), TRUE);
    KT_EQ(CloseHandle(writer), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_HANDLE);
    VirtualFree(region, 0, MEM_RELEASE);
}

static void TestCommitLimit(void)
{
    PVOID regions[LIMIT_REGIONS], base;
    SIZE_T size;
    NTSTATUS status = STATUS_SUCCESS;
    int count = 0, index;

    while (count < LIMIT_REGIONS) {
        base = NULL;
        size = LIMIT_CHUNK;
        status = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
                                         MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!NT_SUCCESS(status))
            break;
        regions[count++] = base;
    }
    if (status == STATUS_SUCCESS || status == STATUS_NO_MEMORY)
        KT_SKIP("the address space ran out before the commit limit");
    else
        KT_STATUS(status, STATUS_COMMITMENT_LIMIT);
    for (index = 0; index < count; index++) {
        size = 0;
        KT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &regions[index], &size, MEM_RELEASE),
                  STATUS_SUCCESS);
    }
    /* Freeing gave it all back: as many chunks fit again. */
    for (index = 0; index < count; index++) {
        base = NULL;
        size = LIMIT_CHUNK;
        KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
                                          MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
                  STATUS_SUCCESS);
        regions[index] = base;
    }
    for (index = 0; index < count; index++) {
        size = 0;
        if (regions[index])
            NtFreeVirtualMemory(NtCurrentProcess(), &regions[index], &size, MEM_RELEASE);
    }
}

static MEMORYSTATUSEX MemoryStatus(void)
{
    MEMORYSTATUSEX status;

    ZeroMemory(&status, sizeof(status));
    status.dwLength = sizeof(status);
    KT_EQ(GlobalMemoryStatusEx(&status), TRUE);
    return status;
}

/*
 * GlobalMemoryStatusEx: physical memory (total above available, the load its share in use),
 * the commit limit and what is left of it (a megabyte committed takes a megabyte of it), and
 * the user address space (NT's 0x7FFE0000 bytes) less what is reserved (a megabyte reserved
 * takes a megabyte of it). A wrong dwLength is ERROR_INVALID_PARAMETER.
 */
static void TestMemoryStatus(void)
{
    MEMORYSTATUSEX before = MemoryStatus(), after, bad;
    MEMORYSTATUS old;
    PVOID reserved, committed;

    printf("# %llu of %llu KB available (load %lu%%), commit %llu of %llu KB left\n",
           before.ullAvailPhys >> 10, before.ullTotalPhys >> 10, before.dwMemoryLoad,
           before.ullAvailPageFile >> 10, before.ullTotalPageFile >> 10);
    KT_EXPECT(before.ullTotalPhys > before.ullAvailPhys && before.ullAvailPhys > 0);
    KT_EXPECT(before.dwMemoryLoad > 0 && before.dwMemoryLoad <= 100);
    KT_EXPECT(before.ullTotalPageFile >= before.ullAvailPageFile);
    KT_EQ(before.ullTotalVirtual, 0x7FFE0000ull);
    KT_EXPECT(before.ullAvailVirtual < before.ullTotalVirtual);
    KT_EQ(before.ullAvailExtendedVirtual, 0);

    reserved = VirtualAlloc(NULL, 0x100000, MEM_RESERVE, PAGE_READWRITE);
    committed = VirtualAlloc(NULL, 0x100000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    KT_EXPECT(reserved && committed);
    after = MemoryStatus();
    KT_EQ(before.ullAvailVirtual - after.ullAvailVirtual, 0x200000);
    KT_EXPECT(before.ullAvailPageFile - after.ullAvailPageFile >= 0x100000);
    VirtualFree(reserved, 0, MEM_RELEASE);
    VirtualFree(committed, 0, MEM_RELEASE);
    after = MemoryStatus();
    KT_EQ(after.ullAvailVirtual, before.ullAvailVirtual);

    GlobalMemoryStatus(&old);
    KT_EQ(old.dwLength, sizeof(old));
    KT_EQ(old.dwTotalPhys, (SIZE_T)before.ullTotalPhys);
    KT_EQ(old.dwTotalVirtual, 0x7FFE0000u);
    ZeroMemory(&bad, sizeof(bad));
    bad.dwLength = sizeof(bad) - 4;
    KT_EQ(GlobalMemoryStatusEx(&bad), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
}

/*
 * kernel32's Heap* calls on the process heap: HeapAlloc, HeapFree, HeapReAlloc and HeapSize
 * are ntdll's Rtl functions, forwarded as on XP; HeapFree's BOOL is exactly 1 or 0, and a bad
 * block sets ERROR_INVALID_PARAMETER.
 */
static void TestHeapCalls(void)
{
    HMODULE kernel32 = GetModuleHandleA("kernel32.dll"), ntdll = GetModuleHandleA("ntdll.dll");
    /* (the exports carry their stdcall decoration, as mm386's DLLs are linked) */
    PVOID heapFree = (PVOID)GetProcAddress(kernel32, "HeapFree@12");
    PVOID heapAlloc = (PVOID)GetProcAddress(kernel32, "HeapAlloc@12");
    HANDLE heap = GetProcessHeap();
    PUCHAR block, moved;
    volatile ULONG result;

    KT_EXPECT(heapFree != NULL);
    KT_EXPECT(heapAlloc != NULL);
    KT_EQ(heapFree, (PVOID)GetProcAddress(ntdll, "RtlFreeHeap@12"));
    KT_EQ(heapAlloc, (PVOID)GetProcAddress(ntdll, "RtlAllocateHeap@12"));
    block = HeapAlloc(heap, HEAP_ZERO_MEMORY, 100);
    KT_EXPECT(block != NULL);
    if (!block)
        return;
    KT_EQ(block[99], 0);
    KT_EQ(HeapSize(heap, 0, block), 100);
    memset(block, 0x5A, 100);
    moved = HeapReAlloc(heap, 0, block, 5000);
    KT_EXPECT(moved != NULL);
    KT_EQ(moved ? moved[99] : 0, 0x5A);
    KT_EQ(HeapSize(heap, 0, moved), 5000);
    SetLastError(0);
    result = HeapFree(heap, 0, moved);
    KT_EQ(result, 1);
    KT_EQ(GetLastError(), 0);
    result = HeapFree(heap, 0, moved);
    KT_EQ(result, 0);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    result = HeapFree(heap, 0, (PVOID)0x1234);
    KT_EQ(result, 0);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    result = HeapFree(heap, 0, NULL);
    KT_EQ(result, 1);
}

static const KTAP_CASE Cases[] = {
    { "user.vm.write_watch", TestWriteWatch },
    { "user.vm.lock_unlock", TestLock },
    { "user.vm.top_down_zero_bits", TestPlacement },
    { "user.vm.system_info", TestSystemInfo },
    { "user.vm.commit_charge", TestCommitCharge },
    { "user.vm.process_memory", TestProcessMemory },
    { "user.vm.commit_limit", TestCommitLimit },
    { "user.vm.memory_status", TestMemoryStatus },
    { "user.heap.kernel32", TestHeapCalls },
};

KTAP_MAIN(Cases)
