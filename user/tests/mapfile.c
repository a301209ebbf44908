/*
 * user/tests/mapfile.c: views of files on C: (data file sections, mm/datasec.c), KTAP.
 * tests/mapfile.t makes the volume with (PATTERN(seed, i) is the byte at i):
 *
 *   map.bin    MAP_SIZE bytes, seed 11     read every byte through a read-only view
 *   wr.bin     20000 bytes, seed 12        pages 1-2 written through a view (seed 13), flushed:
 *                                          ReadFile sees them at once, the host afterwards
 *   nf.bin     10000 bytes, seed 14        page 0 written (seed 17), never flushed: the view
 *                                          unmapped and the handles closed
 *   cw.bin     8192 bytes, seed 15         written through a write-copy view: the file keeps
 *                                          its bytes
 *   shr.bin    8192 bytes, seed 16         shared with a child process ("mapfile.exe child"):
 *                                          each sees the other's writes at once, one page
 *                                          (ShareCount 2 in both)
 *   grow.bin   100 bytes, seed 18          a read/write mapping of 3 pages grows it
 *   empty.dat  0 bytes
 *
 * "mapfile.exe hold": map.bin mapped read-only and read, shr.bin's first page written, then
 * "mapfile: holding" and a long sleep, for the debugger's !ca (tests/mapfile.t).
 *
 * "mapfile.exe inpage": bad.bin (3 pages, seed 20), whose first sector the disk fails: a read
 * of its first page through a view raises STATUS_IN_PAGE_ERROR (a read, the address, the
 * disk's STATUS_IO_DEVICE_ERROR) each time, and its third page still reads. badimg.exe (a
 * program, mm/imagefile.c) whose entry point's sector the disk fails: started from C:\ twice,
 * it ends each time with STATUS_IN_PAGE_ERROR, its first instruction unreadable.
 *
 * "mapfile.exe big MB": big.bin, MB MiB of seed 19, mapped read/write: every page read and
 * checked, every byte's complement written, read again; the paging files' use (NtQuery-
 * SystemInformation) may not grow by more than a sixteenth of the file meanwhile: the file's
 * dirty pages go to the file. Then ReadFile reads the complement (unflushed: the cache and the
 * view share the pages), WriteFile puts the pattern back in every other 64 KB block, and the
 * view reads that. The host then finds those blocks in big.bin.
 *
 * map.coherent: coh.bin made with WriteFile, mapped, and written by each way while the other
 * reads: WriteFile's bytes are in the view at once, and the view's in ReadFile's.
 *
 * map.extend: ext.bin grown by WriteFile while a view of it is mapped, mapped again whole
 * through a second section (the segment extended), written through that view and read back by
 * ReadFile; NtExtendSection to 40 pages (the file grows; a read-only section is not extended).
 */
#include <ntdll.h>
#include <string.h>
#include <stdlib.h>
#include "ktap.h"
#include "catch.h"

#define PATTERN(Seed, I)    ((BYTE)((I) * 31 + (Seed) + ((I) >> 8) * 7))
#define PAGE                4096
#define MAP_SIZE            (3 * 65536 + 1234)
#define HANDSHAKE_MS        20000
#define MemoryWorkingSetExInformationClass 4
#define SystemPageFileInformationClass 18

typedef struct {
    ULONG_PTR VirtualAddress;
    ULONG Valid : 1, ShareCount : 3, Win32Protection : 11, Shared : 1, Node : 6, Locked : 1,
          LargePage : 1, Reserved : 8;
} WS_EX;

static const char *Argument;

static HANDLE Open(const char *Name, DWORD Access)
{
    return CreateFileA(Name, Access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0,
                       NULL);
}

static WS_EX QueryWs(HANDLE Process, const volatile void *Address)
{
    WS_EX info = { .VirtualAddress = (ULONG_PTR)Address };

    KT_STATUS(NtQueryVirtualMemory(Process, NULL, MemoryWorkingSetExInformationClass, &info,
                                   sizeof(info), NULL), STATUS_SUCCESS);
    return info;
}

static void TestRead(void)
{
    HANDLE file = Open("C:\\map.bin", GENERIC_READ), mapping;
    SECTION_BASIC_INFORMATION basic = { 0 };
    MEMORY_BASIC_INFORMATION info;
    const BYTE *view;
    DWORD bad = 0, tail = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    KT_EXPECT(mapping != NULL);
    CloseHandle(file);                          /* the section keeps the file */
    KT_STATUS(NtQuerySection(mapping, SectionBasicInformation, &basic, sizeof(basic), NULL),
              STATUS_SUCCESS);
    KT_EQ(basic.Attributes, SEC_FILE | SEC_COMMIT);
    KT_EQ(basic.Size.QuadPart, MAP_SIZE);       /* a file's section: its size in bytes */
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    KT_EXPECT(view != NULL);
    CloseHandle(mapping);                       /* the view keeps the section's control area */
    if (!view)
        return;
    KT_EQ(VirtualQuery(view, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.RegionSize, (MAP_SIZE + PAGE - 1) / PAGE * PAGE);
    KT_EQ(info.Type, MEM_MAPPED);
    KT_EQ(info.Protect, PAGE_READONLY);
    for (DWORD i = 0; i < MAP_SIZE; i++)
        bad += view[i] != PATTERN(11, i);
    for (DWORD i = MAP_SIZE; i < (MAP_SIZE + PAGE - 1) / PAGE * PAGE; i++)
        tail += view[i] != 0;
    KT_EQ(bad, 0);
    KT_EQ(tail, 0);                             /* past the end of file: zeroes */
    KT_EQ(UnmapViewOfFile(view), TRUE);
}

static void TestWriteFlush(void)
{
    HANDLE file = Open("C:\\wr.bin", GENERIC_READ | GENERIC_WRITE), mapping;
    static BYTE back[20000];
    DWORD got = 0, bad = 0;
    BYTE *view;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    KT_EXPECT(mapping != NULL);
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (!view)
        return;
    for (DWORD i = PAGE; i < 3 * PAGE; i++)
        view[i] = PATTERN(13, i);
    KT_EQ(FlushViewOfFile(view, 0), TRUE);
    /* ReadFile reads the cache, the view's own pages (and the flush put them on the disk). */
    KT_EQ(ReadFile(file, back, sizeof(back), &got, NULL), TRUE);
    KT_EQ(got, 20000);
    for (DWORD i = 0; i < 20000; i++)
        bad += back[i] != (i >= PAGE && i < 3 * PAGE ? PATTERN(13, i) : PATTERN(12, i));
    KT_EQ(bad, 0);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    CloseHandle(mapping);
    CloseHandle(file);
}

/* NT's coherency: WriteFile and a view of the same file are one set of pages, so each sees
 * the other's bytes at once, with no flush between. */
static void TestCoherent(void)
{
    HANDLE file = CreateFileA("C:\\coh.bin", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                              0, NULL), mapping;
    static BYTE bytes[3 * PAGE];
    OVERLAPPED at = { .Offset = PAGE + 7 };
    DWORD moved = 0, bad = 0;
    volatile BYTE *view;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    for (DWORD i = 0; i < sizeof(bytes); i++)
        bytes[i] = PATTERN(22, i);
    KT_EQ(WriteFile(file, bytes, sizeof(bytes), &moved, NULL), TRUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (!view)
        return;
    for (DWORD i = 0; i < sizeof(bytes); i++)
        bad += view[i] != PATTERN(22, i);
    KT_EQ(bad, 0);                              /* WriteFile, then the view */
    KT_EQ(WriteFile(file, "ABC", 3, &moved, &at), TRUE);
    KT_EQ(view[PAGE + 7], 'A');                 /* a WriteFile while mapped: seen at once */
    KT_EQ(view[PAGE + 9], 'C');
    view[2 * PAGE + 5] = 0xE1;                  /* the view, then ReadFile */
    at.Offset = 2 * PAGE;
    KT_EQ(ReadFile(file, bytes, 16, &moved, &at), TRUE);
    KT_EQ(bytes[5], 0xE1);
    KT_EQ(bytes[4], PATTERN(22, 2 * PAGE + 4));
    KT_EQ(UnmapViewOfFile((void *)view), TRUE);
    CloseHandle(mapping);
    CloseHandle(file);
}

/* Segments grow (NT's MiExtendSection): a file mapped and then grown by WriteFile gets a
 * second, larger section over the same control area (the first view keeps working), whose
 * view sees WriteFile's new bytes and whose writes ReadFile sees; NtExtendSection grows the
 * file and the section, and a page-file section or a read-only one is not extended. */
static void TestExtend(void)
{
    HANDLE file = CreateFileA("C:\\ext.bin", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                              0, NULL), small, large, readOnly;
    static BYTE bytes[20 * PAGE];
    LARGE_INTEGER size = { .QuadPart = 0 };
    OVERLAPPED at = { .Offset = 0 };
    DWORD moved = 0, bad = 0;
    volatile BYTE *first, *second;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    for (DWORD i = 0; i < sizeof(bytes); i++)
        bytes[i] = PATTERN(23, i);
    KT_EQ(WriteFile(file, bytes, 2 * PAGE, &moved, NULL), TRUE);
    small = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    first = MapViewOfFile(small, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(first != NULL);
    if (!first)
        return;
    KT_EQ(first[PAGE + 1], PATTERN(23, PAGE + 1));
    at.Offset = 2 * PAGE;                       /* the file grows past the mapped segment */
    KT_EQ(WriteFile(file, bytes + 2 * PAGE, 18 * PAGE, &moved, &at), TRUE);
    large = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    KT_EXPECT(large != NULL);
    second = large ? MapViewOfFile(large, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    KT_EXPECT(second != NULL);
    if (!second)
        return;
    for (DWORD i = 0; i < 20 * PAGE; i++)
        bad += second[i] != PATTERN(23, i);
    KT_EQ(bad, 0);
    first[5] = 0x51;                            /* one page: both views, one control area */
    KT_EQ(second[5], 0x51);
    second[17 * PAGE + 3] = 0xA7;               /* a page of the extension, then ReadFile */
    at.Offset = 17 * PAGE;
    KT_EQ(ReadFile(file, bytes, 8, &moved, &at), TRUE);
    KT_EQ(bytes[3], 0xA7);
    size.QuadPart = 40 * PAGE;                  /* NtExtendSection: the file and the section */
    KT_STATUS(NtExtendSection(large, &size), STATUS_SUCCESS);
    KT_EQ(size.QuadPart, 40 * PAGE);
    KT_EQ(GetFileSize(file, NULL), 40 * PAGE);
    size.QuadPart = 4 * PAGE;                   /* smaller: the section keeps its size */
    KT_STATUS(NtExtendSection(large, &size), STATUS_SUCCESS);
    KT_EQ(size.QuadPart, 40 * PAGE);
    readOnly = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    size.QuadPart = 80 * PAGE;
    KT_STATUS(NtExtendSection(readOnly, &size), STATUS_SECTION_NOT_EXTENDED);
    UnmapViewOfFile((void *)first);
    UnmapViewOfFile((void *)second);
    second = MapViewOfFile(large, FILE_MAP_READ, 0, 0, 0);
    KT_EXPECT(second != NULL);
    if (second) {
        KT_EQ(second[17 * PAGE + 3], 0xA7);
        KT_EQ(second[39 * PAGE + 100], 0);      /* the extension's bytes are zeroes */
        UnmapViewOfFile((void *)second);
    }
    CloseHandle(readOnly);
    CloseHandle(small);
    CloseHandle(large);
    CloseHandle(file);
}

static void TestNoFlush(void)
{
    HANDLE file = Open("C:\\nf.bin", GENERIC_READ | GENERIC_WRITE), mapping;
    BYTE *view;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    KT_EXPECT(mapping != NULL);
    view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (!view)
        return;
    for (DWORD i = 0; i < PAGE; i++)
        view[i] = PATTERN(17, i);
    CloseHandle(mapping);
    CloseHandle(file);
    KT_EQ(UnmapViewOfFile(view), TRUE);         /* the last reference: written to the file */
}

static void TestWriteCopy(void)
{
    HANDLE file = Open("C:\\cw.bin", GENERIC_READ), mapping;
    DWORD bad = 0;
    BYTE *view;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_WRITECOPY, 0, 0, NULL);
    KT_EXPECT(mapping != NULL);
    view = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (!view)
        return;
    for (DWORD i = 0; i < 8192; i += 2)
        view[i] = 0xEE;
    for (DWORD i = 0; i < 8192; i++)
        bad += view[i] != (i % 2 ? PATTERN(15, i) : 0xEE);
    KT_EQ(bad, 0);
    KT_EQ(FlushViewOfFile(view, 0), TRUE);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    KT_EXPECT(view != NULL);
    bad = 0;
    for (DWORD i = 0; view && i < 8192; i++)
        bad += view[i] != PATTERN(15, i);
    KT_EQ(bad, 0);                              /* the private copies went with the view */
    if (view)
        UnmapViewOfFile(view);
    CloseHandle(mapping);
    CloseHandle(file);
}

static void TestShared(void)
{
    HANDLE file = Open("C:\\shr.bin", GENERIC_READ | GENERIC_WRITE), mapping;
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[64];
    volatile BYTE *view;
    DWORD code = 0xDEAD, waited = 0;
    WS_EX mine, theirs;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (!view)
        return;
    KT_EQ(view[0], PATTERN(16, 0));
    KT_EQ(view[100], PATTERN(16, 100));
    sprintf(line, "mapfile.exe child %lu", (unsigned long)(ULONG_PTR)view);
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    while (view[0] != 0x5A && waited < HANDSHAKE_MS) {
        Sleep(10);
        waited += 10;
    }
    KT_EQ(view[0], 0x5A);                       /* the child's write, no flush between */
    mine = QueryWs(GetCurrentProcess(), view);
    theirs = QueryWs(child.hProcess, view);
    KT_EQ(mine.Valid, 1);
    KT_EQ(mine.Shared, 1);
    KT_EQ(mine.ShareCount, 2);                  /* one physical page for both */
    KT_EQ(theirs.ShareCount, 2);
    view[1] = 0xA5;                             /* the child waits to see it */
    KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    KT_EQ(code, 0);
    CloseHandle(child.hProcess);
    CloseHandle(child.hThread);
    UnmapViewOfFile((LPCVOID)view);
    CloseHandle(mapping);
    CloseHandle(file);
}

/* The child of TestShared: the same file mapped through its own section, at the parent's
 * address (so the parent can ask about it), 0x5A written at 0, then 0xA5 awaited at 1. */
static int Child(void)
{
    HANDLE file = Open("C:\\shr.bin", GENERIC_READ | GENERIC_WRITE);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    volatile BYTE *view = MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0,
                                          (LPVOID)(ULONG_PTR)strtoul(Argument, NULL, 10));
    DWORD waited = 0;

    if (!view)
        return 2;
    view[0] = 0x5A;
    while (view[1] != 0xA5 && waited < HANDSHAKE_MS) {
        Sleep(10);
        waited += 10;
    }
    return view[1] == 0xA5 ? 0 : 3;
}

static void TestErrors(void)
{
    HANDLE empty = Open("C:\\empty.dat", GENERIC_READ | GENERIC_WRITE);
    HANDLE readOnly = Open("C:\\map.bin", GENERIC_READ);
    HANDLE grow = Open("C:\\grow.bin", GENERIC_READ | GENERIC_WRITE);
    HANDLE section = NULL, mapping;
    LARGE_INTEGER size = { .QuadPart = 1 << 20 };
    BYTE *view;

    KT_EXPECT(empty != INVALID_HANDLE_VALUE && readOnly != INVALID_HANDLE_VALUE &&
              grow != INVALID_HANDLE_VALUE);
    SetLastError(0);
    KT_EQ(CreateFileMappingA(empty, NULL, PAGE_READONLY, 0, 0, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_FILE_INVALID);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READONLY,
                              SEC_COMMIT, empty), STATUS_MAPPED_FILE_SIZE_ZERO);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE,
                              SEC_COMMIT, readOnly), STATUS_ACCESS_DENIED);
    SetLastError(0);
    KT_EQ(CreateFileMappingA(readOnly, NULL, PAGE_READWRITE, 0, 0, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &size, PAGE_READONLY,
                              SEC_COMMIT, readOnly), STATUS_SECTION_TOO_BIG);
    SetLastError(0);
    KT_EQ(CreateFileMappingA(readOnly, NULL, PAGE_READONLY, 0, 1 << 20, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_NOT_ENOUGH_MEMORY);
    mapping = CreateFileMappingA(grow, NULL, PAGE_READWRITE, 0, 3 * PAGE, NULL);
    KT_EXPECT(mapping != NULL);
    KT_EQ(GetFileSize(grow, NULL), 3 * PAGE);  /* grown to the mapping's size */
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (view) {
        PVOID base = view;
        SIZE_T size = PAGE;

        KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &size, MEM_COMMIT,
                                          PAGE_READWRITE), STATUS_ALREADY_COMMITTED);
        KT_EQ(view[99], PATTERN(18, 99));
        view[3 * PAGE - 1] = 0x77;
        UnmapViewOfFile(view);
    }
    CloseHandle(mapping);
    CloseHandle(empty);
    CloseHandle(readOnly);
    CloseHandle(grow);
}

static const volatile BYTE *BadView;

static void ReadBadFirst(void)
{
    (void)BadView[0];
}

static void TestInPageError(void)
{
    HANDLE file = Open("C:\\bad.bin", GENERIC_READ);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    DWORD bad = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    KT_EXPECT(mapping != NULL);
    if (!mapping)
        printf("# bad.bin: CreateFileMapping: error %lu\n", GetLastError());
    BadView = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    KT_EXPECT(BadView != NULL);
    if (!BadView)
        return;
    for (int attempt = 0; attempt < 2; attempt++) {
        KT_STATUS(Catch(ReadBadFirst), STATUS_IN_PAGE_ERROR);
        KT_EQ(Caught.NumberParameters, 3);
        KT_EQ(Caught.ExceptionInformation[0], 0);
        KT_EQ(Caught.ExceptionInformation[1], (ULONG_PTR)BadView);
        KT_STATUS(Caught.ExceptionInformation[2], STATUS_IO_DEVICE_ERROR);
    }
    for (DWORD i = 2 * PAGE; i < 3 * PAGE; i++)
        bad += BadView[i] != PATTERN(20, i);
    KT_EQ(bad, 0);
    printf("# bad.bin: 0x%08lX, disk status 0x%08lX\n", Caught.ExceptionCode,
           (ULONG)Caught.ExceptionInformation[2]);
    UnmapViewOfFile((LPCVOID)BadView);
    CloseHandle(mapping);
    CloseHandle(file);
}

/* The image's page that fails is read again by the next process: it was never kept. */
static void TestImageInPageError(void)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        STARTUPINFOA startup = { .cb = sizeof(startup) };
        PROCESS_INFORMATION child = { 0 };
        char line[] = "C:\\badimg.exe child none";
        DWORD code = 0;

        KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child),
              TRUE);
        if (!child.hProcess)
            return;
        KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
        KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
        KT_STATUS(code, STATUS_IN_PAGE_ERROR);
        printf("# badimg.exe: exit status 0x%08lX\n", code);
        CloseHandle(child.hThread);
        CloseHandle(child.hProcess);
    }
}

static ULONG PagingFileInUse(void)
{
    static ULONG buffer[256];
    ULONG length = 0, total = 0;
    BYTE *entry = (BYTE *)buffer;

    if (!NT_SUCCESS(NtQuerySystemInformation(SystemPageFileInformationClass, buffer,
                                             sizeof(buffer), &length)) || length == 0)
        return 0;
    for (;;) {
        total += ((ULONG *)entry)[2];               /* TotalInUse */
        if (((ULONG *)entry)[0] == 0)
            break;
        entry += ((ULONG *)entry)[0];
    }
    return total;
}

static BYTE Chunk[65536];

static void TestBig(void)
{
    DWORD bytes = (DWORD)atoi(Argument) << 20, bad = 0, before = PagingFileInUse(), most = before;
    HANDLE file = Open("C:\\big.bin", GENERIC_READ | GENERIC_WRITE), mapping;
    BYTE *view;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(view != NULL);
    if (!view)
        return;
    for (DWORD i = 0; i < bytes; i++) {
        bad += view[i] != PATTERN(19, i);
        view[i] = (BYTE)~view[i];
        if ((i & 0xFFFFF) == 0 && PagingFileInUse() > most)
            most = PagingFileInUse();
    }
    KT_EQ(bad, 0);
    for (DWORD i = 0; i < bytes; i++)
        bad += view[i] != (BYTE)~PATTERN(19, i);
    KT_EQ(bad, 0);
    if (PagingFileInUse() > most)
        most = PagingFileInUse();
    printf("# big.bin: %lu MiB mapped, paging files in use %lu pages before, at most %lu\n",
           (unsigned long)(bytes >> 20), (unsigned long)before, (unsigned long)most);
    KT_EXPECT(before > 0 || most == 0);
    KT_EXPECT(most - before < bytes / PAGE / 16);
    /* Coherency under pressure, both ways (NT's: one set of pages): ReadFile sees what the
     * view wrote, unflushed; then WriteFile rewrites every other 64 KB block and the view
     * sees it. */
    bad = 0;
    for (DWORD offset = 0; offset < bytes; offset += sizeof(Chunk)) {
        OVERLAPPED at = { .Offset = offset };
        DWORD got = 0;

        KT_EQ(ReadFile(file, Chunk, sizeof(Chunk), &got, &at), TRUE);
        for (DWORD i = 0; i < got; i++)
            bad += Chunk[i] != (BYTE)~PATTERN(19, offset + i);
    }
    KT_EQ(bad, 0);
    for (DWORD offset = 0; offset < bytes; offset += 2 * sizeof(Chunk)) {
        OVERLAPPED at = { .Offset = offset };
        DWORD put = 0;

        for (DWORD i = 0; i < sizeof(Chunk); i++)
            Chunk[i] = PATTERN(19, offset + i);
        KT_EQ(WriteFile(file, Chunk, sizeof(Chunk), &put, &at), TRUE);
    }
    for (DWORD i = 0; i < bytes; i++)
        bad += view[i] != ((i / sizeof(Chunk)) % 2 ? (BYTE)~PATTERN(19, i) : PATTERN(19, i));
    KT_EQ(bad, 0);
    UnmapViewOfFile(view);
    CloseHandle(mapping);
    CloseHandle(file);
}

static const KTAP_CASE Cases[] = {
    { "map.read", TestRead },
    { "map.write_flush", TestWriteFlush },
    { "map.no_flush", TestNoFlush },
    { "map.write_copy", TestWriteCopy },
    { "map.shared", TestShared },
    { "map.errors", TestErrors },
    { "map.coherent", TestCoherent },
    { "map.extend", TestExtend },
};

static const KTAP_CASE BigCases[] = {
    { "map.big", TestBig },
};

static const KTAP_CASE InPageCases[] = {
    { "map.inpage_error", TestInPageError },
    { "map.image_inpage_error", TestImageInPageError },
};

static int Hold(void)
{
    HANDLE file = Open("C:\\map.bin", GENERIC_READ), other = Open("C:\\shr.bin", GENERIC_ALL);
    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    HANDLE writable = CreateFileMappingA(other, NULL, PAGE_READWRITE, 0, 0, NULL);
    const volatile BYTE *view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    volatile BYTE *written = MapViewOfFile(writable, FILE_MAP_WRITE, 0, 0, 0);
    DWORD sum = 0;

    if (!view || !written)
        return 2;
    for (DWORD i = 0; i < MAP_SIZE; i += PAGE)
        sum += view[i];
    written[0] = 0x42;
    printf("mapfile: holding map %lx shr %lx sum %lu\n", (unsigned long)(ULONG_PTR)view,
           (unsigned long)(ULONG_PTR)written, (unsigned long)sum);
    fflush(stdout);
    Sleep(600000);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "hold") == 0)
        return Hold();
    if (argc > 1 && strcmp(argv[1], "inpage") == 0)
        return KtapRun(InPageCases, ARRAYSIZE(InPageCases));
    if (argc > 2 && strcmp(argv[1], "child") == 0) {
        Argument = argv[2];
        return Child();
    }
    if (argc > 2 && strcmp(argv[1], "big") == 0) {
        Argument = argv[2];
        return KtapRun(BigCases, 1);
    }
    return KtapRun(Cases, sizeof(Cases) / sizeof(Cases[0]));
}
