/*
 * user/tests/image.c: image sections (tests/image.t). The program is mapped from an image
 * section, as NT loads programs:
 *
 *   image.regions     VirtualQuery: every page MEM_IMAGE with the image's base as allocation
 *                     base and PAGE_EXECUTE_WRITECOPY as allocation protection; the headers
 *                     read-only, .text execute-read, .rdata read-only, .data write-copy until
 *                     written (read/write after), .bss write-copy and zero
 *   image.patch_code  VirtualProtect(PAGE_EXECUTE_READWRITE) on .text is execute-write-copy
 *                     (read/write on .rdata write-copy); a write makes the process's own copy
 *   image.share_text  a second instance of this program (a child): one physical copy of .text
 *                     (MemoryWorkingSetExInformation: Shared, ShareCount 2 in both, 1 again
 *                     when the child has gone), a private .data each (the parent's written
 *                     page is not shared, the child's value differs at the same address)
 *   image.relocated   imagereloc.exe, this program linked at 0x80000000 (outside user space)
 *                     with relocations: it runs elsewhere, its pointers fixed up
 *   image.dlls        this program's imports from kernel32.dll and ntdll.dll were resolved
 *                     into the DLLs' image views at 0x7C800000 and 0x7C900000 (MEM_IMAGE),
 *                     and the DLLs' code is shared with a child like the program's own
 *   image.missing     missingdll.exe ends with STATUS_DLL_NOT_FOUND, noexport.exe with
 *                     STATUS_ENTRYPOINT_NOT_FOUND, at start-up
 *   image.dll_moved   imagek32.exe, this program linked at 0x7C7F0000 over kernel32.dll's
 *                     base: the loader maps kernel32.dll elsewhere and relocates it, and it
 *                     works (its calls into ntdll.dll go through its relocated import table)
 *   image.known_dll   \KnownDlls\kernel32.dll, the kernel's image section: NtQuerySection's
 *                     basic and image information against the DLL's own headers; a second
 *                     view of it while the first holds its base: STATUS_IMAGE_NOT_AT_BASE,
 *                     elsewhere, its code the same physical pages as the first view's
 *   image.loader      ldr.exe (user/tests/ldr.c: the loader's lists, LoadLibrary of
 *                     testdll.dll, GetProcAddress, FreeLibrary) run as a child, exit 0; its
 *                     own KTAP lines ("ok N ldr.*") go to the same console
 *
 * `image.exe child NAME` is the second instance, `imagereloc.exe reloc` the relocated run,
 * `imagek32.exe k32moved` the run over kernel32.dll's base. `image.exe reread` (tests/image.t
 * at the kd> prompt): its .rdata page read and its .text summed, its working set emptied
 * (the pages go to the standby list, being clean), "# reread: trimmed", 5 s for the prompt's
 * `!empty standby` to take them out of memory, then both read again, from the image.
 */
#include "ktap.h"
#include "ntdll.h"

#define PAGE                    4096
#define SHARED_NAME             "image.exe shared"
#define HANDSHAKE_MS            20000
#define MemoryWorkingSetExInformationClass 4

/* Import address table entries, by their linker names: where the loader resolved them. */
extern void *ImportedNtQueryVirtualMemory __asm__("__imp__NtQueryVirtualMemory@24");
extern void *ImportedVirtualQuery __asm__("__imp__VirtualQuery@12");

typedef struct {
    ULONG_PTR VirtualAddress;
    ULONG Valid : 1, ShareCount : 3, Win32Protection : 11, Shared : 1, Node : 6, Locked : 1,
          LargePage : 1, Reserved : 8;
} WS_EX;

/* Page-sized and page-aligned so each has its pages to itself. */
static volatile UCHAR DataPage[PAGE] __attribute__((aligned(PAGE))) = { 1, 2, 3 };
static volatile UCHAR BssPage[PAGE] __attribute__((aligned(PAGE)));
static const UCHAR RdataPage[PAGE] __attribute__((aligned(PAGE))) = { 9, 8, 7 };

/* Relocated: a pointer in .data, a function pointer, both absolute addresses in the file. */
static int Target = 42;
static int *volatile Pointer = &Target;
static int Twice(int x) { return 2 * x; }
static int (*volatile Function)(int) = Twice;

static WS_EX QueryWs(HANDLE Process, const volatile void *Address)
{
    WS_EX info = { .VirtualAddress = (ULONG_PTR)Address };
    NTSTATUS status = NtQueryVirtualMemory(Process, NULL, MemoryWorkingSetExInformationClass,
                                           &info, sizeof(info), NULL);

    KT_STATUS(status, STATUS_SUCCESS);
    return info;
}

static MEMORY_BASIC_INFORMATION Query(const volatile void *Address)
{
    MEMORY_BASIC_INFORMATION info = { 0 };

    KT_EQ(VirtualQuery((LPCVOID)Address, &info, sizeof(info)), sizeof(info));
    return info;
}

static ULONG_PTR ImageBase(void)
{
    return (ULONG_PTR)NtCurrentPeb()->ImageBaseAddress;
}

static __attribute__((noinline)) void CodeOnItsPage(void)
{
    __asm__ volatile("" ::: "memory");
}

static void TestRegions(void)
{
    ULONG_PTR base = ImageBase();
    MEMORY_BASIC_INFORMATION info;

    KT_EQ(base, 0x00400000);
    info = Query((void *)base);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.AllocationBase, base);
    KT_EQ(info.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    KT_EQ(info.State, MEM_COMMIT);
    KT_EQ(info.Protect, PAGE_READONLY);
    KT_EQ(info.RegionSize, PAGE);
    info = Query((void *)CodeOnItsPage);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.AllocationBase, base);
    KT_EQ(info.Protect, PAGE_EXECUTE_READ);
    info = Query(RdataPage);
    KT_EQ(info.Protect, PAGE_READONLY);
    KT_EQ(RdataPage[0] + RdataPage[1] + RdataPage[2], 24);
    info = Query(DataPage);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.Protect, PAGE_WRITECOPY);
    KT_EQ(DataPage[0] + DataPage[1] + DataPage[2], 6);
    KT_EQ(QueryWs(GetCurrentProcess(), DataPage).Shared, 1);        /* read: still the image's */
    DataPage[1] = 20;
    KT_EQ(QueryWs(GetCurrentProcess(), DataPage).Shared, 0);        /* written: a private copy */
    KT_EQ(Query(DataPage).Protect, PAGE_READWRITE);
    KT_EQ(DataPage[1], 20);
    info = Query(BssPage);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.Protect, PAGE_WRITECOPY);
    KT_EQ(BssPage[0] | BssPage[PAGE - 1], 0);
    BssPage[5] = 5;
    KT_EQ(Query(BssPage).Protect, PAGE_READWRITE);
}

/* Code patched as hooks do: the page made PAGE_EXECUTE_READWRITE, which an image view takes as
 * PAGE_EXECUTE_WRITECOPY; the write makes the process's own copy, and the image keeps its. */
static void TestPatchCode(void)
{
    volatile UCHAR *code = (volatile UCHAR *)CodeOnItsPage;
    UCHAR first = *code;
    DWORD old = 0;

    KT_EQ(VirtualProtect((PVOID)code, 1, PAGE_EXECUTE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_EXECUTE_READ);
    KT_EQ(Query(code).Protect, PAGE_EXECUTE_WRITECOPY);
    KT_EQ(QueryWs(GetCurrentProcess(), code).Shared, 1);
    *code = first;                              /* the same byte: the copy is the change */
    KT_EQ(Query(code).Protect, PAGE_EXECUTE_READWRITE);
    KT_EQ(QueryWs(GetCurrentProcess(), code).Shared, 0);
    KT_EQ(VirtualProtect((PVOID)code, 1, PAGE_EXECUTE_READ, &old), TRUE);
    KT_EQ(old, PAGE_EXECUTE_READWRITE);
    CodeOnItsPage();                            /* still runs */
    KT_EQ(VirtualProtect((PVOID)RdataPage, 1, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_READONLY);
    KT_EQ(Query(RdataPage).Protect, PAGE_WRITECOPY);
    KT_EQ(VirtualProtect((PVOID)RdataPage, 1, PAGE_READONLY, &old), TRUE);
}

static BOOL WaitForFlag(volatile ULONG *Flag, ULONG Value)
{
    for (ULONG waited = 0; *Flag != Value; waited += 10) {
        if (waited >= HANDSHAKE_MS)
            return FALSE;
        Sleep(10);
    }
    return TRUE;
}

static void TestShareText(void)
{
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE,
                                        SHARED_NAME);
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[] = "image.exe child \"" SHARED_NAME "\"";
    volatile ULONG *flag;
    DWORD code = 0xDEAD;
    UCHAR childData = 0;
    SIZE_T read = 0;
    WS_EX mine, theirs;

    KT_EXPECT(section != NULL);
    flag = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);
    KT_EXPECT(flag != NULL);
    if (!flag)
        return;
    CodeOnItsPage();
    mine = QueryWs(GetCurrentProcess(), (void *)CodeOnItsPage);
    KT_EQ(mine.Valid, 1);
    KT_EQ(mine.Shared, 1);
    KT_EQ(mine.ShareCount, 1);
    KT_EQ(mine.Win32Protection, PAGE_EXECUTE_READ);
    DataPage[0] = 11;
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    KT_EQ(WaitForFlag(flag, 1), TRUE);
    mine = QueryWs(GetCurrentProcess(), (void *)CodeOnItsPage);
    theirs = QueryWs(child.hProcess, (void *)CodeOnItsPage);
    KT_EQ(mine.Valid, 1);
    KT_EQ(mine.Shared, 1);
    KT_EQ(mine.ShareCount, 2);                  /* one physical copy of .text for both */
    KT_EQ(theirs.Valid, 1);
    KT_EQ(theirs.Shared, 1);
    KT_EQ(theirs.ShareCount, 2);
    theirs = QueryWs(child.hProcess, RdataPage);
    KT_EQ(theirs.Shared, 1);
    theirs = QueryWs(child.hProcess, ImportedVirtualQuery);      /* kernel32.dll's code */
    KT_EQ(theirs.Shared, 1);
    KT_EXPECT(theirs.ShareCount >= 2);
    KT_EQ(QueryWs(GetCurrentProcess(), DataPage).Shared, 0);
    KT_EQ(QueryWs(child.hProcess, DataPage).Shared, 0);
    KT_EQ(ReadProcessMemory(child.hProcess, (LPCVOID)DataPage, &childData, 1, &read), TRUE);
    KT_EQ(childData, 22);                       /* the child's .data at the same address */
    KT_EQ(DataPage[0], 11);                     /* and ours */
    flag[1] = 1;
    KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    KT_EQ(code, 0);
    mine = QueryWs(GetCurrentProcess(), (void *)CodeOnItsPage);
    KT_EQ(mine.ShareCount, 1);                  /* the child's share went with it */
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    UnmapViewOfFile((void *)flag);
    CloseHandle(section);
}

static int ChildMain(const char *Name)
{
    HANDLE section = OpenFileMappingA(FILE_MAP_WRITE, FALSE, Name);
    volatile ULONG *flag = section ? MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0) : NULL;

    if (!flag)
        return 1;
    CodeOnItsPage();
    (void)*(volatile const UCHAR *)RdataPage;
    (void)*(volatile const UCHAR *)ImportedVirtualQuery;
    if (DataPage[0] != 1)                       /* the image's value, not the parent's */
        return 2;
    DataPage[0] = 22;
    flag[0] = 1;
    if (!WaitForFlag(flag + 1, 1))
        return 3;
    return 0;
}

static void TestRelocated(void)
{
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[] = "imagereloc.exe reloc";
    DWORD code = 0xDEAD;

    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    KT_EQ(code, 0);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
}

/* imagereloc.exe: linked at 0x80000000, so never there; each check its own exit code. */
static int RelocMain(void)
{
    ULONG_PTR base = ImageBase();
    MEMORY_BASIC_INFORMATION info = { 0 };

    printf("imagereloc.exe mapped at 0x%08lx\n", (unsigned long)base);
    if (base == 0x80000000 || base == 0 || (base & 0xFFFF))
        return 1;
    if (Pointer != &Target || *Pointer != 42)
        return 2;
    if (Function(21) != 42)
        return 3;
    if (VirtualQuery((LPCVOID)base, &info, sizeof(info)) != sizeof(info) || info.Type != MEM_IMAGE ||
        info.AllocationBase != (PVOID)base || info.Protect != PAGE_READONLY)
        return 4;
    if ((ULONG_PTR)&Target < base || (ULONG_PTR)(void *)Twice < base)
        return 5;
    if (QueryWs(GetCurrentProcess(), (void *)&Pointer).Shared)     /* fixed up: a private copy */
        return 6;
    if (VirtualQuery((LPCVOID)Twice, &info, sizeof(info)) != sizeof(info) ||
        info.Protect != PAGE_EXECUTE_READ)
        return 7;
    return KtapFailures ? 8 : 0;
}

/* The import address table's entries, by their linker names. */
extern void *ImportedNtQueryVirtualMemory __asm__("__imp__NtQueryVirtualMemory@24");
static void TestDlls(void)
{
    MEMORY_BASIC_INFORMATION info;

    info = Query(ImportedVirtualQuery);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.AllocationBase, 0x7C800000);
    KT_EQ(info.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    KT_EQ(info.Protect, PAGE_EXECUTE_READ);
    KT_EQ(ImportedVirtualQuery, (void *)VirtualQuery);      /* what the program calls */
    info = Query(ImportedNtQueryVirtualMemory);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.AllocationBase, 0x7C900000);
    KT_EQ(info.Protect, PAGE_EXECUTE_READ);
    info = Query((void *)0x7C900000);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.Protect, PAGE_READONLY);
    KT_EQ(((PIMAGE_DOS_HEADER)0x7C800000)->e_magic, IMAGE_DOS_SIGNATURE);
}

static DWORD RunChild(const char *Line)
{
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[64];
    DWORD code = 0xDEAD;

    strcpy(line, Line);
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return code;
    KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    return code;
}

static void TestMissing(void)
{
    KT_EQ(RunChild("missingdll.exe"), 0xC0000135);         /* STATUS_DLL_NOT_FOUND */
    KT_EQ(RunChild("noexport.exe"), 0xC0000139);           /* STATUS_ENTRYPOINT_NOT_FOUND */
}

static void TestKnownDll(void)
{
    PUCHAR k32 = (PUCHAR)0x7C800000;
    PIMAGE_NT_HEADERS32 nt = (PIMAGE_NT_HEADERS32)(k32 + ((PIMAGE_DOS_HEADER)k32)->e_lfanew);
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    SECTION_BASIC_INFORMATION basic = { 0 };
    SECTION_IMAGE_INFORMATION image = { 0 };
    HANDLE section = NULL;
    PVOID base = NULL;
    SIZE_T size = 0;
    ULONG returned = 0;
    NTSTATUS status;
    WS_EX first, second;

    RtlInitUnicodeString(&name, L"\\KnownDlls\\nosuch.dll");
    InitializeObjectAttributes(&attributes, &name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    KT_STATUS(NtOpenSection(&section, SECTION_QUERY, &attributes), STATUS_OBJECT_NAME_NOT_FOUND);
    RtlInitUnicodeString(&name, L"\\KnownDlls\\KERNEL32.DLL");
    KT_STATUS(NtOpenSection(&section, SECTION_QUERY | SECTION_MAP_READ | SECTION_MAP_EXECUTE,
                            &attributes), STATUS_SUCCESS);
    if (!section)
        return;
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &basic, sizeof(basic), &returned),
              STATUS_SUCCESS);
    KT_EQ(returned, sizeof(basic));
    KT_EQ(basic.BaseAddress, k32);
    KT_EQ(basic.Attributes, SEC_IMAGE);
    KT_EQ(basic.Size.QuadPart, nt->OptionalHeader.SizeOfImage);
    KT_STATUS(NtQuerySection(section, SectionImageInformation, &image, sizeof(image) - 1, NULL),
              STATUS_INFO_LENGTH_MISMATCH);
    KT_STATUS(NtQuerySection(section, SectionImageInformation, &image, sizeof(image), &returned),
              STATUS_SUCCESS);
    KT_EQ(returned, 0x30);
    KT_EQ(image.TransferAddress, k32 + nt->OptionalHeader.AddressOfEntryPoint);
    KT_EQ(image.MaximumStackSize, nt->OptionalHeader.SizeOfStackReserve);
    KT_EQ(image.CommittedStackSize, nt->OptionalHeader.SizeOfStackCommit);
    KT_EQ(image.SubSystemType, IMAGE_SUBSYSTEM_WINDOWS_CUI);
    KT_EQ(image.ImageCharacteristics, nt->FileHeader.Characteristics);
    KT_EQ(image.ImageCharacteristics & IMAGE_FILE_DLL, IMAGE_FILE_DLL);
    KT_EQ(image.Machine, IMAGE_FILE_MACHINE_I386);
    KT_EQ(image.ImageContainsCode, TRUE);
    status = NtMapViewOfSection(section, GetCurrentProcess(), &base, 0, 0, NULL, &size, ViewShare,
                                0, PAGE_EXECUTE_WRITECOPY);
    KT_STATUS(status, STATUS_IMAGE_NOT_AT_BASE);        /* the loader's view holds the base */
    if (NT_SUCCESS(status)) {
        ULONG_PTR code = (ULONG_PTR)ImportedVirtualQuery - (ULONG_PTR)k32;
        MEMORY_BASIC_INFORMATION info = Query(base);

        KT_EXPECT(base != k32 && ((ULONG_PTR)base & 0xFFFF) == 0);
        KT_EQ(size, nt->OptionalHeader.SizeOfImage);
        KT_EQ(info.Type, MEM_IMAGE);
        KT_EQ(info.AllocationBase, base);
        KT_EQ(((PIMAGE_DOS_HEADER)base)->e_magic, IMAGE_DOS_SIGNATURE);
        KT_EQ(memcmp((PUCHAR)base + code, k32 + code, 64), 0);  /* unrelocated: code alike */
        first = QueryWs(GetCurrentProcess(), k32 + code);
        second = QueryWs(GetCurrentProcess(), (PUCHAR)base + code);
        KT_EQ(second.Valid, 1);
        KT_EQ(second.Shared, 1);
        KT_EQ(second.ShareCount, first.ShareCount);     /* one page, both views' PTEs */
        KT_EXPECT(second.ShareCount >= 2);
        KT_STATUS(NtUnmapViewOfSection(GetCurrentProcess(), base), STATUS_SUCCESS);
    }
    NtClose(section);
}

static void TestLoader(void)
{
    KT_EQ(RunChild("ldr.exe"), 0);
}

static void TestDllMoved(void)
{
    KT_EQ(RunChild("imagek32.exe k32moved"), 0);
}

/* imagek32.exe: at 0x7C7F0000, where kernel32.dll wanted to be; each check its own exit code. */
static int K32MovedMain(void)
{
    MEMORY_BASIC_INFORMATION info = { 0 };
    PUCHAR k32;

    if (ImageBase() != 0x7C7F0000)
        return 1;
    if (VirtualQuery(ImportedVirtualQuery, &info, sizeof(info)) != sizeof(info) ||
        info.Type != MEM_IMAGE || info.AllocationBase == (PVOID)0x7C800000)
        return 2;
    k32 = info.AllocationBase;
    printf("kernel32.dll relocated to %p\n", (void *)k32);
    if (((PIMAGE_DOS_HEADER)k32)->e_magic != IMAGE_DOS_SIGNATURE || ((ULONG_PTR)k32 & 0xFFFF))
        return 3;
    if (VirtualQuery((PVOID)0x7C800000, &info, sizeof(info)) != sizeof(info) ||
        info.AllocationBase != (PVOID)0x7C7F0000)
        return 4;
    if (GetCurrentProcessId() != (DWORD)(ULONG_PTR)NtCurrentTeb()->ClientId.UniqueProcess)
        return 5;
    SetLastError(1234);
    if (GetLastError() != 1234 || VirtualAlloc(NULL, 0, MEM_COMMIT, PAGE_READWRITE) ||
        GetLastError() != ERROR_INVALID_PARAMETER)
        return 6;
    return 0;
}

/* The bytes of this program's .text, summed. */
static ULONG TextSum(void)
{
    PUCHAR base = (PUCHAR)ImageBase();
    PIMAGE_NT_HEADERS32 nt = (PIMAGE_NT_HEADERS32)(base + ((PIMAGE_DOS_HEADER)base)->e_lfanew);
    PIMAGE_SECTION_HEADER section = IMAGE_FIRST_SECTION(nt);
    ULONG sum = 0;

    for (ULONG i = 0; i < nt->FileHeader.NumberOfSections; i++, section++) {
        if (memcmp(section->Name, ".text", 6) != 0)
            continue;
        for (ULONG j = 0; j < section->Misc.VirtualSize; j++)
            sum = sum * 31 + base[section->VirtualAddress + j];
    }
    return sum;
}

static int RereadMain(void)
{
    ULONG before = TextSum(), after, rdata = 0;
    BOOL valid;

    (void)*(volatile const UCHAR *)RdataPage;
    valid = QueryWs(GetCurrentProcess(), RdataPage).Valid;
    if (!SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1))
        return 1;
    printf("# reread: trimmed (.rdata page valid %d -> %d)\n", valid,
           QueryWs(GetCurrentProcess(), RdataPage).Valid);
    Sleep(5000);
    for (ULONG i = 0; i < PAGE; i++)
        rdata += RdataPage[i];
    after = TextSum();
    printf("# reread: .text sum %08lx -> %08lx, .rdata sum %lu, .rdata page valid %d\n", before,
           after, rdata, QueryWs(GetCurrentProcess(), RdataPage).Valid);
    return after == before && rdata == 24 ? 0 : 2;
}

static const KTAP_CASE Cases[] = {
    { "image.regions", TestRegions },
    { "image.share_text", TestShareText },
    { "image.relocated", TestRelocated },
    { "image.dlls", TestDlls },
    { "image.missing", TestMissing },
    { "image.dll_moved", TestDllMoved },
    { "image.known_dll", TestKnownDll },
    { "image.loader", TestLoader },
    { "image.patch_code", TestPatchCode },     /* last: .text's page is private after it */
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return ChildMain(argv[2]);
    if (argc == 2 && strcmp(argv[1], "reloc") == 0)
        return RelocMain();
    if (argc == 2 && strcmp(argv[1], "k32moved") == 0)
        return K32MovedMain();
    if (argc == 2 && strcmp(argv[1], "reread") == 0)
        return RereadMain();
    return KtapRun(Cases, ARRAYSIZE(Cases));
}
