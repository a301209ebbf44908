/*
 * user/tests/mdlio.c: direct I/O into and out of user buffers, KTAP. A file opened with
 * FILE_FLAG_NO_BUFFERING is read and written by FAT through an MDL: the kernel probes and
 * locks the caller's pages (MmProbeAndLockPages) and moves the bytes through their system
 * mapping. So this program exercises probe-and-lock from user mode: buffers valid, not yet
 * touched, paged out, behind a guard page, read-only for a read (the device writes them),
 * read-only for a write, not there at all, and reaching past the end of the file. tests/mdl.t makes the FAT volume with
 * direct.bin, 65536 bytes, PATTERN(9, i) at i. The program's clean exit is itself a check: a
 * process ending with pages still locked stops the system (PROCESS_HAS_LOCKED_PAGES).
 */
#include <ntdll.h>
#include <string.h>
#include "ktap.h"

#define PATTERN(Seed, I)    ((BYTE)((I) * 31 + (Seed) + ((I) >> 8) * 7))
#define DIRECT_SIZE         65536
#define PAGE                4096
#define SECTOR              512

static HANDLE OpenDirect(const char *Name, DWORD Access, DWORD Creation)
{
    return CreateFileA(Name, Access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, Creation,
                       FILE_FLAG_NO_BUFFERING, NULL);
}

/* NtReadFile of Length bytes at Offset into Buffer: its status, *Got the bytes read. */
static NTSTATUS ReadAt(HANDLE File, void *Buffer, ULONG Length, LONGLONG Offset, ULONG *Got)
{
    IO_STATUS_BLOCK io = { 0 };
    LARGE_INTEGER at;
    NTSTATUS status;

    at.QuadPart = Offset;
    status = NtReadFile(File, NULL, NULL, NULL, &io, Buffer, Length, &at, NULL);
    if (Got)
        *Got = NT_SUCCESS(status) ? (ULONG)io.Information : 0;
    return status;
}

static NTSTATUS WriteAt(HANDLE File, const void *Buffer, ULONG Length, LONGLONG Offset)
{
    IO_STATUS_BLOCK io = { 0 };
    LARGE_INTEGER at;

    at.QuadPart = Offset;
    return NtWriteFile(File, NULL, NULL, NULL, &io, Buffer, Length, &at, NULL);
}

/* Bytes of Buffer that are not direct.bin's from Offset. */
static ULONG Mismatches(const BYTE *Buffer, ULONG Length, ULONG Offset)
{
    ULONG bad = 0;

    for (ULONG i = 0; i < Length; i++)
        bad += Buffer[i] != PATTERN(9, Offset + i);
    return bad;
}

static ULONG PagesReadFromPagingFiles(void)
{
    SYSTEM_PERFORMANCE_INFORMATION performance;

    if (!NT_SUCCESS(NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                             sizeof(performance), NULL)))
        return 0;
    return performance.PageReadCount;
}

/* The whole file into a committed, written buffer. */
static void TestReadValid(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *buffer = VirtualAlloc(NULL, DIRECT_SIZE, MEM_COMMIT, PAGE_READWRITE);
    DWORD got = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer != NULL);
    memset(buffer, 0xCC, DIRECT_SIZE);
    KT_EXPECT(ReadFile(file, buffer, DIRECT_SIZE, &got, NULL));
    KT_EQ(got, DIRECT_SIZE);
    KT_EQ(Mismatches(buffer, DIRECT_SIZE, 0), 0);
    VirtualFree(buffer, 0, MEM_RELEASE);
    CloseHandle(file);
}

/* A buffer starting a sector into a page and spanning three pages, from the middle of the
 * file: exactly its bytes change. */
static void TestReadInsidePages(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *region = VirtualAlloc(NULL, 4 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    ULONG got = 0, outside = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && region != NULL);
    memset(region, 0x5A, 4 * PAGE);
    KT_STATUS(ReadAt(file, region + SECTOR, 2 * PAGE + SECTOR, 3 * PAGE, &got), STATUS_SUCCESS);
    KT_EQ(got, 2 * PAGE + SECTOR);
    KT_EQ(Mismatches(region + SECTOR, 2 * PAGE + SECTOR, 3 * PAGE), 0);
    for (ULONG i = 0; i < SECTOR; i++)
        outside += region[i] != 0x5A;
    for (ULONG i = 2 * PAGE + 2 * SECTOR; i < 4 * PAGE; i++)
        outside += region[i] != 0x5A;
    KT_EQ(outside, 0);
    VirtualFree(region, 0, MEM_RELEASE);
    CloseHandle(file);
}

/* Committed pages never touched: the probe makes them (demand zero) before they are locked. */
static void TestReadUntouched(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *buffer = VirtualAlloc(NULL, 8 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    ULONG got = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer != NULL);
    KT_STATUS(ReadAt(file, buffer, 8 * PAGE, 0, &got), STATUS_SUCCESS);
    KT_EQ(got, 8 * PAGE);
    KT_EQ(Mismatches(buffer, 8 * PAGE, 0), 0);
    VirtualFree(buffer, 0, MEM_RELEASE);
    CloseHandle(file);
}

/*
 * A buffer whose pages went to the paging file: written, trimmed from the working set, then
 * pushed out by touching more memory than is available. Locking it for the read brings the
 * pages back from the paging file first (the counter of pages read grows), as NT's probe does.
 */
static void TestReadPagedOut(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *buffer = VirtualAlloc(NULL, 16 * PAGE, MEM_COMMIT, PAGE_READWRITE), *push;
    SYSTEM_PERFORMANCE_INFORMATION performance;
    SIZE_T pushBytes;
    ULONG got = 0, before;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer != NULL);
    memset(buffer, 0xA5, 16 * PAGE);
    KT_EXPECT(SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1));
    KT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                       sizeof(performance), NULL), STATUS_SUCCESS);
    pushBytes = ((SIZE_T)performance.AvailablePages + 1024) * PAGE;
    push = VirtualAlloc(NULL, pushBytes, MEM_COMMIT, PAGE_READWRITE);
    KT_EXPECT(push != NULL);
    if (push) {
        for (SIZE_T i = 0; i < pushBytes; i += PAGE)
            push[i] = (BYTE)i;
        VirtualFree(push, 0, MEM_RELEASE);
    }
    before = PagesReadFromPagingFiles();
    KT_STATUS(ReadAt(file, buffer, 16 * PAGE, 0, &got), STATUS_SUCCESS);
    printf("# %lu pages pushed through; %lu pages read from the paging files by the probe\n",
           (ULONG)(pushBytes / PAGE), PagesReadFromPagingFiles() - before);
    KT_EXPECT(PagesReadFromPagingFiles() > before);
    KT_EQ(got, 16 * PAGE);
    KT_EQ(Mismatches(buffer, 16 * PAGE, 0), 0);
    VirtualFree(buffer, 0, MEM_RELEASE);
    CloseHandle(file);
}

/*
 * Guard pages: the probe meets the guard, which goes (as any touch takes it), and the read
 * fails with STATUS_GUARD_PAGE_VIOLATION, nothing read. Each page's guard fails one read; the
 * third read finds none and succeeds.
 */
static void TestReadGuardPage(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *buffer = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    MEMORY_BASIC_INFORMATION info;
    ULONG got = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer != NULL);
    KT_STATUS(ReadAt(file, buffer, 2 * PAGE, 0, &got), STATUS_GUARD_PAGE_VIOLATION);
    KT_EQ(VirtualQuery(buffer, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.Protect, PAGE_READWRITE);
    KT_EQ(info.RegionSize, PAGE);
    KT_STATUS(ReadAt(file, buffer, 2 * PAGE, 0, &got), STATUS_GUARD_PAGE_VIOLATION);
    KT_STATUS(ReadAt(file, buffer, 2 * PAGE, 0, &got), STATUS_SUCCESS);
    KT_EQ(got, 2 * PAGE);
    KT_EQ(Mismatches(buffer, 2 * PAGE, 0), 0);
    VirtualFree(buffer, 0, MEM_RELEASE);
    CloseHandle(file);
}

/* A read-only buffer cannot be locked for the device to write: an access violation (Win32's
 * ERROR_NOACCESS), the buffer untouched. */
static void TestReadIntoReadOnly(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *buffer = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    DWORD old, got = 1;
    ULONG changed = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer != NULL);
    memset(buffer, 0x77, 2 * PAGE);
    KT_EXPECT(VirtualProtect(buffer + PAGE, PAGE, PAGE_READONLY, &old));
    KT_STATUS(ReadAt(file, buffer, 2 * PAGE, 0, NULL), STATUS_ACCESS_VIOLATION);
    SetLastError(0);
    KT_EXPECT(!ReadFile(file, buffer, 2 * PAGE, &got, NULL));
    KT_EQ(GetLastError(), ERROR_NOACCESS);
    for (ULONG i = 0; i < 2 * PAGE; i++)
        changed += buffer[i] != 0x77;
    KT_EQ(changed, 0);
    VirtualFree(buffer, 0, MEM_RELEASE);
    CloseHandle(file);
}

/* Addresses with nothing behind them: reserved only, released, and system space. */
static void TestReadBadAddress(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *reserved = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    BYTE *released = VirtualAlloc(NULL, 4 * PAGE, MEM_COMMIT, PAGE_READWRITE);

    KT_EXPECT(file != INVALID_HANDLE_VALUE && reserved != NULL && released != NULL);
    KT_STATUS(ReadAt(file, reserved, 4 * PAGE, 0, NULL), STATUS_ACCESS_VIOLATION);
    KT_EXPECT(VirtualFree(released, 0, MEM_RELEASE));
    KT_STATUS(ReadAt(file, released, 4 * PAGE, 0, NULL), STATUS_ACCESS_VIOLATION);
    KT_STATUS(ReadAt(file, (void *)0x80001000, PAGE, 0, NULL), STATUS_ACCESS_VIOLATION);
    /* committed then reserved: the first page is there, the second not */
    KT_EXPECT(VirtualAlloc(reserved, PAGE, MEM_COMMIT, PAGE_READWRITE) == reserved);
    KT_STATUS(ReadAt(file, reserved, 2 * PAGE, 0, NULL), STATUS_ACCESS_VIOLATION);
    KT_EQ(reserved[0], 0);
    VirtualFree(reserved, 0, MEM_RELEASE);
    CloseHandle(file);
}

/* A read reaching past the end of the file locks only what it fills: the buffer's tail,
 * never committed, does not matter. */
static void TestReadAtEnd(void)
{
    HANDLE file = OpenDirect("C:\\direct.bin", GENERIC_READ, OPEN_EXISTING);
    BYTE *buffer = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    ULONG got = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer != NULL);
    KT_EXPECT(VirtualAlloc(buffer, PAGE, MEM_COMMIT, PAGE_READWRITE) == buffer);
    KT_STATUS(ReadAt(file, buffer, 4 * PAGE, DIRECT_SIZE - PAGE, &got), STATUS_SUCCESS);
    KT_EQ(got, PAGE);
    KT_EQ(Mismatches(buffer, PAGE, DIRECT_SIZE - PAGE), 0);
    KT_STATUS(ReadAt(file, buffer, 4 * PAGE, DIRECT_SIZE - 2 * PAGE, &got),
              STATUS_ACCESS_VIOLATION);             /* two pages to fill, one committed */
    VirtualFree(buffer, 0, MEM_RELEASE);
    CloseHandle(file);
}

/*
 * Writing from a read-only buffer is what the lock allows (the device only reads it): the
 * bytes reach the file. From a buffer that is not there: an access violation before the file
 * grows.
 */
static void TestWriteDirect(void)
{
    HANDLE file = OpenDirect("C:\\mdlout.bin", GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
    BYTE *buffer = VirtualAlloc(NULL, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    BYTE *reserved = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    BYTE *back = VirtualAlloc(NULL, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    ULONG got = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE && buffer && reserved && back);
    for (ULONG i = 0; i < 3 * PAGE; i++)
        buffer[i] = PATTERN(9, i + 8 * PAGE);
    KT_EXPECT(VirtualProtect(buffer, 3 * PAGE, PAGE_READONLY, &old));
    KT_STATUS(WriteAt(file, buffer, 3 * PAGE, 0), STATUS_SUCCESS);
    KT_STATUS(WriteAt(file, reserved, 2 * PAGE, 3 * PAGE), STATUS_ACCESS_VIOLATION);
    KT_EQ(GetFileSize(file, NULL), 3 * PAGE);
    KT_STATUS(ReadAt(file, back, 3 * PAGE, 0, &got), STATUS_SUCCESS);
    KT_EQ(got, 3 * PAGE);
    KT_EQ(Mismatches(back, 3 * PAGE, 8 * PAGE), 0);
    CloseHandle(file);
    VirtualFree(buffer, 0, MEM_RELEASE);
    VirtualFree(reserved, 0, MEM_RELEASE);
    VirtualFree(back, 0, MEM_RELEASE);
}

static const KTAP_CASE Cases[] = {
    { "mdl.read_valid", TestReadValid },
    { "mdl.read_inside_pages", TestReadInsidePages },
    { "mdl.read_untouched", TestReadUntouched },
    { "mdl.read_paged_out", TestReadPagedOut },
    { "mdl.read_guard_page", TestReadGuardPage },
    { "mdl.read_into_readonly", TestReadIntoReadOnly },
    { "mdl.read_bad_address", TestReadBadAddress },
    { "mdl.read_at_end", TestReadAtEnd },
    { "mdl.write_direct", TestWriteDirect },
};

KTAP_MAIN(Cases)
