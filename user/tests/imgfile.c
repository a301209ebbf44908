/*
 * user/tests/imgfile.c: programs run from a file on C:\ (image sections of files,
 * mm/imagefile.c; tests/mapfile.t starts it at the kd> prompt as `start C:\bin\imgfile.exe`,
 * from a volume holding bin\imgfile.exe, bin\again.exe (a copy), bin\notpe.exe (text),
 * bin\badpe.exe ("MZ" and zeroes) and bin\empty.exe):
 *
 *   imgfile.from_file    this process's image is the file's: MEM_IMAGE at its base, its PEB's
 *                        ImagePathName the path it was started by; NtCreateSection(SEC_IMAGE)
 *                        on the file: SEC_IMAGE | SEC_FILE at the image's base, the entry point
 *                        the headers give; with SEC_BASED, the top based range as its base
 *   imgfile.share_text   a second instance, CreateProcess("C:\bin\imgfile.exe child NAME"): one
 *                        physical copy of .text for both (ShareCount 2 in each), 1 again when
 *                        the child has gone
 *   imgfile.bad_images   CreateProcess and NtCreateUserProcess on what is no program: text
 *                        (STATUS_INVALID_IMAGE_NOT_MZ), "MZ" and no PE header
 *                        (STATUS_INVALID_IMAGE_FORMAT), an empty file
 *                        (STATUS_INVALID_FILE_FOR_SECTION) — ERROR_BAD_EXE_FORMAT all three —
 *                        a missing file (STATUS_OBJECT_NAME_NOT_FOUND, ERROR_FILE_NOT_FOUND) and
 *                        directory (STATUS_OBJECT_PATH_NOT_FOUND)
 *   imgfile.section_access  NtCreateSection(SEC_IMAGE): PAGE_EXECUTE needs FILE_EXECUTE and
 *                        PAGE_READONLY FILE_READ_DATA (STATUS_ACCESS_DENIED), a directory is
 *                        STATUS_INVALID_FILE_FOR_SECTION
 *   imgfile.in_use       again.exe open for writing cannot be started (CreateProcess opens a
 *                        program sharing no writes: ERROR_SHARING_VIOLATION); while an image
 *                        section of again.exe lives, the file cannot be opened for writing
 *                        (ERROR_SHARING_VIOLATION) nor deleted (STATUS_CANNOT_DELETE), only
 *                        read; with the section closed it can be opened for writing again; the
 *                        running imgfile.exe cannot be written
 *   imgfile.nt_create_process  NT 5's kernel32 way: NtCreateSection(SEC_IMAGE) on the file,
 *                        NtCreateProcess with it (a page-file section: STATUS_SECTION_NOT_IMAGE;
 *                        a handle without SECTION_MAP_EXECUTE: STATUS_ACCESS_DENIED), a stack
 *                        allocated in the new process, NtCreateThread at SectionImageInformation's
 *                        TransferAddress: the process runs (its imports resolved by the loader)
 *                        and exits with 0x2A
 *
 * `imgfile.exe child NAME` is the second instance; `imgfile.exe hold` prints "imgfile:
 * holding" and sleeps, for the debugger's !ca of its image. Started by NtCreateProcess, it has
 * the kernel's parameters: its file's path on the volume (\bin\imgfile.exe) as its whole
 * command line; it then prints "imgfile: from a section" and exits with 0x2A.
 */
#include "ktap.h"
#include "ntdll.h"

#define PAGE                    4096
#define SHARED_NAME             "imgfile.exe shared"
#define HANDSHAKE_MS            20000
#define SECTION_CHILD_EXIT      0x2A
#define MemoryWorkingSetExInformationClass 4
#define SELF_DOS                "C:\\bin\\imgfile.exe"
#define SELF_NT                 L"\\??\\C:\\bin\\imgfile.exe"
#define AGAIN_DOS               "C:\\bin\\again.exe"
#define AGAIN_NT                L"\\??\\C:\\bin\\again.exe"
#define STACK_RESERVE           0x100000u
#define STACK_COMMIT            0x10000u

#ifndef STATUS_INVALID_IMAGE_NOT_MZ
#define STATUS_INVALID_IMAGE_NOT_MZ     ((NTSTATUS)0xC000012FL)
#endif
#ifndef STATUS_INVALID_FILE_FOR_SECTION
#define STATUS_INVALID_FILE_FOR_SECTION ((NTSTATUS)0xC0000020L)
#endif
#ifndef STATUS_SECTION_NOT_IMAGE
#define STATUS_SECTION_NOT_IMAGE        ((NTSTATUS)0xC0000049L)
#endif
#ifndef STATUS_CANNOT_DELETE
#define STATUS_CANNOT_DELETE            ((NTSTATUS)0xC0000121L)
#endif

typedef struct {
    ULONG_PTR VirtualAddress;
    ULONG Valid : 1, ShareCount : 3, Win32Protection : 11, Shared : 1, Node : 6, Locked : 1,
          LargePage : 1, Reserved : 8;
} WS_EX;

static WS_EX QueryWs(HANDLE Process, const volatile void *Address)
{
    WS_EX info = { .VirtualAddress = (ULONG_PTR)Address };
    NTSTATUS status = NtQueryVirtualMemory(Process, NULL, MemoryWorkingSetExInformationClass,
                                           &info, sizeof(info), NULL);

    KT_STATUS(status, STATUS_SUCCESS);
    return info;
}

static ULONG_PTR ImageBase(void)
{
    return (ULONG_PTR)NtCurrentPeb()->ImageBaseAddress;
}

/* The entry point this image's own headers give. */
static ULONG_PTR EntryPoint(void)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)ImageBase();
    const IMAGE_NT_HEADERS32 *nt = (const IMAGE_NT_HEADERS32 *)(ImageBase() + dos->e_lfanew);

    return ImageBase() + nt->OptionalHeader.AddressOfEntryPoint;
}

static __attribute__((noinline)) void CodeOnItsPage(void)
{
    __asm__ volatile("" ::: "memory");
}

/* NtOpenFile on an NT name with Access (SYNCHRONIZE among it) and Options, synchronous,
 * sharing read and delete (as NT's CreateProcess opens a program); the status, the handle in
 * *File. */
static NTSTATUS Open(const WCHAR *Name, ACCESS_MASK Access, ULONG Options, HANDLE *File)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    IO_STATUS_BLOCK io;

    RtlInitUnicodeString(&name, Name);
    InitializeObjectAttributes(&attributes, &name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    *File = NULL;
    return NtOpenFile(File, Access, &attributes, &io, FILE_SHARE_READ | FILE_SHARE_DELETE,
                      Options | FILE_SYNCHRONOUS_IO_NONALERT);
}

/* A section of the file Name (opened with Access, closed again), with Protect and
 * Attributes. */
static NTSTATUS FileSection(const WCHAR *Name, ACCESS_MASK Access, ULONG Protect,
                            ULONG Attributes, HANDLE *Section)
{
    HANDLE file;
    NTSTATUS status = Open(Name, SYNCHRONIZE | Access, FILE_NON_DIRECTORY_FILE, &file);

    *Section = NULL;
    if (!NT_SUCCESS(status))
        return status;
    status = NtCreateSection(Section, SECTION_ALL_ACCESS, NULL, NULL, Protect, Attributes, file);
    NtClose(file);
    return status;
}

/* An image section of the file Name (opened with Access, closed again), with Protect. */
static NTSTATUS ImageSection(const WCHAR *Name, ACCESS_MASK Access, ULONG Protect,
                             HANDLE *Section)
{
    return FileSection(Name, Access, Protect, SEC_IMAGE, Section);
}

static void TestFromFile(void)
{
    const UNICODE_STRING *path = &NtCurrentPeb()->ProcessParameters->ImagePathName;
    SECTION_BASIC_INFORMATION basic = { 0 };
    SECTION_IMAGE_INFORMATION image = { 0 };
    MEMORY_BASIC_INFORMATION info = { 0 };
    char name[64] = { 0 };
    HANDLE section;

    KT_EQ(VirtualQuery((PVOID)CodeOnItsPage, &info, sizeof(info)), sizeof(info));
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.AllocationBase, ImageBase());
    for (ULONG i = 0; i < path->Length / sizeof(WCHAR) && i < sizeof(name) - 1; i++)
        name[i] = (char)path->Buffer[i];
    KT_EQ(strcmp(name, SELF_DOS), 0);
    KT_STATUS(ImageSection(SELF_NT, FILE_EXECUTE, PAGE_EXECUTE, &section), STATUS_SUCCESS);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &basic, sizeof(basic), NULL),
              STATUS_SUCCESS);
    KT_EQ(basic.Attributes, SEC_IMAGE | SEC_FILE);
    KT_EQ(basic.BaseAddress, ImageBase());
    KT_STATUS(NtQuerySection(section, SectionImageInformation, &image, sizeof(image), NULL),
              STATUS_SUCCESS);
    KT_EQ(image.TransferAddress, EntryPoint());
    KT_EQ(image.Machine, IMAGE_FILE_MACHINE_I386);
    KT_EQ(image.ImageContainsCode, TRUE);
    NtClose(section);
    /* SEC_BASED: the image gets a range of the based sections' too (top-down from 8 MB below
     * 2 GB; none other is based here), which NtQuerySection reports; views still go where the
     * image asks. */
    KT_STATUS(FileSection(SELF_NT, FILE_EXECUTE, PAGE_EXECUTE, SEC_IMAGE | SEC_BASED, &section),
              STATUS_SUCCESS);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &basic, sizeof(basic), NULL),
              STATUS_SUCCESS);
    KT_EQ(basic.Attributes, SEC_IMAGE | SEC_FILE | SEC_BASED);
    KT_EQ(basic.BaseAddress, (0x7F7F0000 - basic.Size.QuadPart) & ~0xFFFFull);
    NtClose(section);
}

/* Wait (at most HANDSHAKE_MS) for Flag[Index] to become 1. */
static BOOL WaitForFlag(volatile ULONG *Flag, int Index)
{
    for (int waited = 0; waited < HANDSHAKE_MS; waited += 10) {
        if (Flag[Index])
            return TRUE;
        Sleep(10);
    }
    return FALSE;
}

static void TestShareText(void)
{
    HANDLE mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE,
                                        SHARED_NAME);
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[] = SELF_DOS " child \"" SHARED_NAME "\"";
    volatile ULONG *flag;
    DWORD code = 0xDEAD;
    WS_EX mine, theirs;

    KT_EXPECT(mapping != NULL);
    flag = mapping ? MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    KT_EXPECT(flag != NULL);
    if (!flag)
        return;
    CodeOnItsPage();
    mine = QueryWs(GetCurrentProcess(), (void *)CodeOnItsPage);
    KT_EQ(mine.Valid, 1);
    KT_EQ(mine.Shared, 1);
    KT_EQ(mine.ShareCount, 1);
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (child.hProcess) {
        KT_EQ(WaitForFlag(flag, 0), TRUE);
        mine = QueryWs(GetCurrentProcess(), (void *)CodeOnItsPage);
        theirs = QueryWs(child.hProcess, (void *)CodeOnItsPage);
        KT_EQ(mine.Shared, 1);
        KT_EQ(mine.ShareCount, 2);              /* one physical copy of .text for both */
        KT_EQ(theirs.Valid, 1);
        KT_EQ(theirs.Shared, 1);
        KT_EQ(theirs.ShareCount, 2);
        flag[1] = 1;
        KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
        KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
        KT_EQ(code, 0);
        mine = QueryWs(GetCurrentProcess(), (void *)CodeOnItsPage);
        KT_EQ(mine.ShareCount, 1);              /* the child's share went with it */
        CloseHandle(child.hThread);
        CloseHandle(child.hProcess);
    }
    UnmapViewOfFile((void *)flag);
    CloseHandle(mapping);
}

static int ChildMain(const char *Name)
{
    HANDLE mapping = OpenFileMappingA(FILE_MAP_WRITE, FALSE, Name);
    volatile ULONG *flag = mapping ? MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0) : NULL;

    if (!flag)
        return 1;
    CodeOnItsPage();
    flag[0] = 1;
    return WaitForFlag(flag, 1) ? 0 : 2;
}

/* CreateProcessA on Path: FALSE and the last error, or a process that must not be there. */
static DWORD CreateError(const char *Path)
{
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[128];

    strcpy(line, Path);
    SetLastError(0);
    if (CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child)) {
        TerminateProcess(child.hProcess, 1);
        CloseHandle(child.hThread);
        CloseHandle(child.hProcess);
        return 0;
    }
    return GetLastError();
}

static NTSTATUS CreateStatus(const WCHAR *Name)
{
    UNICODE_STRING name;
    HANDLE process = NULL, thread = NULL;
    NTSTATUS status;

    RtlInitUnicodeString(&name, Name);
    status = NtCreateUserProcess(&process, &thread, PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS, &name,
                                 NULL, 0, NULL);
    if (NT_SUCCESS(status)) {
        NtTerminateProcess(process, 1);
        NtClose(thread);
        NtClose(process);
    }
    return status;
}

static void TestBadImages(void)
{
    KT_STATUS(CreateStatus(L"\\??\\C:\\bin\\notpe.exe"), STATUS_INVALID_IMAGE_NOT_MZ);
    KT_STATUS(CreateStatus(L"\\??\\C:\\bin\\badpe.exe"), STATUS_INVALID_IMAGE_FORMAT);
    KT_STATUS(CreateStatus(L"\\??\\C:\\bin\\empty.exe"), STATUS_INVALID_FILE_FOR_SECTION);
    KT_STATUS(CreateStatus(L"\\??\\C:\\bin\\nosuch.exe"), STATUS_OBJECT_NAME_NOT_FOUND);
    KT_STATUS(CreateStatus(L"\\??\\C:\\nodir\\imgfile.exe"), STATUS_OBJECT_PATH_NOT_FOUND);
    KT_EQ(CreateError("C:\\bin\\notpe.exe"), ERROR_BAD_EXE_FORMAT);
    KT_EQ(CreateError("C:/bin/badpe.exe"), ERROR_BAD_EXE_FORMAT);
    KT_EQ(CreateError("C:\\bin\\empty.exe"), ERROR_BAD_EXE_FORMAT);
    KT_EQ(CreateError("C:\\bin\\nosuch.exe"), ERROR_FILE_NOT_FOUND);
}

static void TestSectionAccess(void)
{
    HANDLE section, directory;

    KT_STATUS(ImageSection(SELF_NT, FILE_READ_DATA, PAGE_EXECUTE, &section), STATUS_ACCESS_DENIED);
    KT_STATUS(ImageSection(SELF_NT, FILE_EXECUTE, PAGE_READONLY, &section), STATUS_ACCESS_DENIED);
    KT_STATUS(ImageSection(SELF_NT, FILE_READ_DATA, PAGE_READONLY, &section), STATUS_SUCCESS);
    NtClose(section);
    KT_STATUS(Open(L"\\??\\C:\\bin", SYNCHRONIZE | FILE_TRAVERSE, FILE_DIRECTORY_FILE, &directory),
              STATUS_SUCCESS);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE, SEC_IMAGE,
                              directory), STATUS_INVALID_FILE_FOR_SECTION);
    NtClose(directory);
}

/* CreateFileA(Path, GENERIC_WRITE) sharing everything: TRUE if it opened (closed again). */
static BOOL OpensForWriting(const char *Path)
{
    HANDLE file = CreateFileA(Path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE |
                              FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);

    if (file == INVALID_HANDLE_VALUE)
        return FALSE;
    CloseHandle(file);
    return TRUE;
}

static void TestInUse(void)
{
    HANDLE writer = CreateFileA(AGAIN_DOS, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE |
                                FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE section, file;

    /* Open for writing elsewhere: CreateProcess's open, sharing no writes, is refused. */
    KT_EXPECT(writer != INVALID_HANDLE_VALUE);
    KT_EQ(CreateError(AGAIN_DOS " child none"), ERROR_SHARING_VIOLATION);
    CloseHandle(writer);
    KT_EQ(OpensForWriting(AGAIN_DOS), TRUE);            /* no image of it yet */
    KT_STATUS(ImageSection(AGAIN_NT, FILE_EXECUTE, PAGE_EXECUTE, &section), STATUS_SUCCESS);
    KT_EQ(OpensForWriting(AGAIN_DOS), FALSE);
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
    KT_STATUS(Open(AGAIN_NT, SYNCHRONIZE | DELETE, FILE_NON_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
                   &file), STATUS_CANNOT_DELETE);
    KT_EQ(DeleteFileA(AGAIN_DOS), FALSE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_STATUS(Open(AGAIN_NT, SYNCHRONIZE | FILE_READ_DATA, FILE_NON_DIRECTORY_FILE, &file),
              STATUS_SUCCESS);
    NtClose(file);
    NtClose(section);                                   /* its control area goes with it */
    KT_EQ(OpensForWriting(AGAIN_DOS), TRUE);
    KT_EQ(OpensForWriting(SELF_DOS), FALSE);            /* this program runs from it */
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
}

/* The first thread of Process, as NT 5's kernel32 makes it: a stack allocated in the process,
 * the thread at Start. */
static NTSTATUS CreateFirstThread(HANDLE Process, PVOID Start, HANDLE *Thread)
{
    INITIAL_TEB teb = { 0 };
    CONTEXT context = { 0 };
    CLIENT_ID client = { 0 };
    PVOID base = NULL, commit;
    SIZE_T size = STACK_RESERVE;
    NTSTATUS status;

    status = NtAllocateVirtualMemory(Process, &base, 0, &size, MEM_RESERVE, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    commit = (PUCHAR)base + STACK_RESERVE - STACK_COMMIT;
    size = STACK_COMMIT;
    status = NtAllocateVirtualMemory(Process, &commit, 0, &size, MEM_COMMIT, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    teb.StackBase = (PUCHAR)base + STACK_RESERVE;
    teb.StackLimit = commit;
    teb.AllocatedStackBase = base;
    context.ContextFlags = CONTEXT_FULL;
    context.SegCs = 0x1B;
    context.SegDs = context.SegEs = context.SegSs = 0x23;
    context.SegFs = 0x3B;
    context.EFlags = 0x202;
    context.Eip = (ULONG_PTR)Start;
    context.Esp = (ULONG_PTR)teb.StackBase - sizeof(PVOID);     /* a zero return address */
    return NtCreateThread(Thread, THREAD_ALL_ACCESS, NULL, Process, &client, &context, &teb,
                          FALSE);
}

static void TestNtCreateProcess(void)
{
    SECTION_IMAGE_INFORMATION image = { 0 };
    PROCESS_BASIC_INFORMATION basic = { 0 };
    LARGE_INTEGER size = { .QuadPart = PAGE }, timeout = { .QuadPart = -10000LL * HANDSHAKE_MS };
    HANDLE section, data, queryOnly, process = NULL, thread = NULL;

    KT_STATUS(NtCreateSection(&data, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE, SEC_COMMIT,
                              NULL), STATUS_SUCCESS);
    KT_STATUS(NtCreateProcess(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), FALSE, data,
                              NULL, NULL), STATUS_SECTION_NOT_IMAGE);
    NtClose(data);
    KT_STATUS(ImageSection(SELF_NT, FILE_EXECUTE, PAGE_EXECUTE, &section), STATUS_SUCCESS);
    KT_STATUS(NtDuplicateObject(NtCurrentProcess(), section, NtCurrentProcess(), &queryOnly,
                                SECTION_QUERY | SECTION_MAP_READ, 0, 0), STATUS_SUCCESS);
    KT_STATUS(NtCreateProcess(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), FALSE,
                              queryOnly, NULL, NULL), STATUS_ACCESS_DENIED);
    NtClose(queryOnly);
    KT_STATUS(NtQuerySection(section, SectionImageInformation, &image, sizeof(image), NULL),
              STATUS_SUCCESS);
    KT_STATUS(NtCreateProcess(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), FALSE,
                              section, NULL, NULL), STATUS_SUCCESS);
    NtClose(section);                           /* the process's view keeps the image */
    if (!process)
        return;
    KT_STATUS(NtQueryInformationProcess(process, ProcessBasicInformation, &basic, sizeof(basic),
                                        NULL), STATUS_SUCCESS);
    KT_STATUS(basic.ExitStatus, STATUS_PENDING);        /* made, with no thread yet */
    KT_EQ(QueryWs(process, (void *)CodeOnItsPage).Valid, 0);
    KT_STATUS(CreateFirstThread(process, image.TransferAddress, &thread), STATUS_SUCCESS);
    KT_STATUS(NtWaitForSingleObject(process, FALSE, &timeout), STATUS_SUCCESS);
    KT_STATUS(NtQueryInformationProcess(process, ProcessBasicInformation, &basic, sizeof(basic),
                                        NULL), STATUS_SUCCESS);
    KT_STATUS(basic.ExitStatus, SECTION_CHILD_EXIT);
    if (thread)
        NtClose(thread);
    NtTerminateProcess(process, 1);
    NtClose(process);
}

static const KTAP_CASE Cases[] = {
    { "imgfile.from_file", TestFromFile },
    { "imgfile.share_text", TestShareText },
    { "imgfile.bad_images", TestBadImages },
    { "imgfile.section_access", TestSectionAccess },
    { "imgfile.in_use", TestInUse },
    { "imgfile.nt_create_process", TestNtCreateProcess },
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return ChildMain(argv[2]);
    if (argc == 2 && strcmp(argv[1], "hold") == 0) {
        CodeOnItsPage();
        printf("imgfile: holding\n");
        Sleep(600000);
        return 0;
    }
    if (argc == 1 && argv[0][0] == '\\') {
        /* Started by NtCreateProcess: printf working says the loader resolved the imports. */
        printf("imgfile: from a section, as %s, at %p\n", argv[0], (void *)ImageBase());
        return SECTION_CHILD_EXIT;
    }
    return KtapRun(Cases, ARRAYSIZE(Cases));
}
