/*
 * user/tests/ldr.c: ntdll's loader and kernel32's module calls (tests/image.t runs it as
 * image.exe's child: testdll.dll is a known DLL there, given with --exe).
 *
 *   ldr.module_list     PEB.Ldr: this program, ntdll.dll, kernel32.dll in load and memory
 *                       order with their bases, sizes, entry points, names and pinned
 *                       counts; ntdll.dll then kernel32.dll in initialization order;
 *                       GetModuleHandle (NULL is the program, names without ".dll", any case)
 *   ldr.file_name       GetModuleFileNameA/W: the full names, XP's truncation (nSize
 *                       characters, no terminating zero, nSize returned, the last error left
 *                       alone), nSize 0, a handle that is no module
 *   ldr.load_free       LoadLibrary of testdll.dll: one DLL_PROCESS_ATTACH (Context NULL), a
 *                       MEM_IMAGE view at its base, on the lists with LoadCount 1, and
 *                       testdep.dll, which it imports, loaded with it, initialized before it;
 *                       again: the same base, LoadCount 2, no second attach; FreeLibrary
 *                       twice: one DLL_PROCESS_DETACH, then testdep.dll's, both views gone
 *                       (MEM_FREE), off the lists; a third FreeLibrary fails; kernel32.dll
 *                       (pinned) stays
 *   ldr.dependencies    testdep.dll loaded first: testdll.dll's load takes a second reference
 *                       and its free gives it back, so testdep.dll stays until freed itself
 *   ldr.exports         GetProcAddress by name, by ordinal (an ordinal-only export), missing
 *                       names and ordinals with their errors; the data export read and
 *                       written; the forwarder resolved into kernel32.dll; the program's own
 *                       export; the Ldr* calls' statuses
 *   ldr.dont_resolve    LoadLibraryEx(DONT_RESOLVE_DLL_REFERENCES): mapped, its import table
 *                       not bound, no DllMain either way; the flags Windows refuses; the
 *                       data-file flag
 *   ldr.missing         a DLL that is not there: NULL, ERROR_MOD_NOT_FOUND (126); empty names,
 *                       paths, trailing spaces, a name too long
 *   ldr.init_failed     a DllMain returning FALSE: ERROR_DLL_INIT_FAILED, its detach called,
 *                       nothing left mapped
 *   ldr.relocated       testdll.dll's base taken: loaded elsewhere and relocated
 *   ldr.threads         two threads loading and freeing it at once under the loader lock
 *                       (its DllMain yields the processor): never two DllMains at once, every
 *                       attach has its detach, nothing left loaded
 */
#include "ktap.h"
#include "ntdll.h"
#include "dll/testdll.h"

#define NOT_A_MODULE            ((HMODULE)0x12340000)
#define THREAD_ROUNDS           40
#define WAIT_MS                 60000

__declspec(dllexport) LDR_TEST_EVENTS LdrTestDllEvents;

typedef int (*INT_FUNCTION)(int);

static PLDR_DATA_TABLE_ENTRY EntryOf(PLIST_ENTRY Link, int List)
{
    switch (List) {
    case 0:
        return CONTAINING_RECORD(Link, LDR_DATA_TABLE_ENTRY, InLoadOrderLinks);
    case 1:
        return CONTAINING_RECORD(Link, LDR_DATA_TABLE_ENTRY, InMemoryOrderLinks);
    default:
        return CONTAINING_RECORD(Link, LDR_DATA_TABLE_ENTRY, InInitializationOrderLinks);
    }
}

static PLIST_ENTRY ListHead(int List)
{
    PPEB_LDR_DATA ldr = NtCurrentPeb()->Ldr;

    return List == 0 ? &ldr->InLoadOrderModuleList
         : List == 1 ? &ldr->InMemoryOrderModuleList : &ldr->InInitializationOrderModuleList;
}

/* The entries of list List in order, at most Max; how many there are. Each Blink checked. */
static ULONG WalkList(int List, PLDR_DATA_TABLE_ENTRY *Entries, ULONG Max)
{
    PLIST_ENTRY head = ListHead(List), link;
    ULONG count = 0;

    for (link = head->Flink; link != head && count < 64; link = link->Flink) {
        KT_EQ(link->Flink->Blink, link);
        if (count < Max)
            Entries[count] = EntryOf(link, List);
        count++;
    }
    return count;
}

/* The entry whose DllBase is Base; NULL when none is on the load-order list. */
static PLDR_DATA_TABLE_ENTRY FindEntry(PVOID Base)
{
    PLDR_DATA_TABLE_ENTRY entries[16];
    ULONG count = WalkList(0, entries, ARRAYSIZE(entries));

    for (ULONG i = 0; i < count && i < ARRAYSIZE(entries); i++) {
        if (entries[i]->DllBase == Base)
            return entries[i];
    }
    return NULL;
}

static BOOL OnList(int List, PVOID Base)
{
    PLDR_DATA_TABLE_ENTRY entries[16];
    ULONG count = WalkList(List, entries, ARRAYSIZE(entries));

    for (ULONG i = 0; i < count && i < ARRAYSIZE(entries); i++) {
        if (entries[i]->DllBase == Base)
            return TRUE;
    }
    return FALSE;
}

static BOOL NameIs(const UNICODE_STRING *Name, const WCHAR *Text)
{
    ULONG length = 0;

    while (Text[length])
        length++;
    return Name->Length == length * sizeof(WCHAR) &&
           memcmp(Name->Buffer, Text, Name->Length) == 0 && Name->Buffer[length] == 0;
}

static PIMAGE_NT_HEADERS32 Headers(PVOID Base)
{
    return (PIMAGE_NT_HEADERS32)((PUCHAR)Base + ((PIMAGE_DOS_HEADER)Base)->e_lfanew);
}

/* An entry against its image's headers. */
static void CheckEntry(PLDR_DATA_TABLE_ENTRY Entry, PVOID Base, const WCHAR *BaseName,
                       const WCHAR *FullName)
{
    PIMAGE_NT_HEADERS32 nt = Headers(Base);

    KT_EQ(Entry->DllBase, Base);
    KT_EQ(Entry->SizeOfImage, nt->OptionalHeader.SizeOfImage);
    KT_EQ(Entry->EntryPoint, (PUCHAR)Base + nt->OptionalHeader.AddressOfEntryPoint);
    KT_EQ(Entry->TimeDateStamp, nt->FileHeader.TimeDateStamp);
    KT_EXPECT(NameIs(&Entry->BaseDllName, BaseName));
    KT_EXPECT(NameIs(&Entry->FullDllName, FullName));
}

static MEMORY_BASIC_INFORMATION Query(const void *Address)
{
    MEMORY_BASIC_INFORMATION info = { 0 };

    KT_EQ(VirtualQuery(Address, &info, sizeof(info)), sizeof(info));
    return info;
}

static void TestModuleList(void)
{
    PPEB peb = NtCurrentPeb();
    PPEB_LDR_DATA ldr = peb->Ldr;
    PLDR_DATA_TABLE_ENTRY entries[3][8];
    WCHAR program[64];
    ULONG length;

    KT_EXPECT(ldr != NULL);
    if (!ldr)
        return;
    KT_EQ(ldr->Length, sizeof(PEB_LDR_DATA));
    KT_EQ(ldr->Initialized, TRUE);
    KT_EQ(ldr->EntryInProgress, NULL);
    KT_EQ(WalkList(0, entries[0], 8), 3);
    KT_EQ(WalkList(1, entries[1], 8), 3);
    KT_EQ(WalkList(2, entries[2], 8), 2);
    length = peb->ProcessParameters->ImagePathName.Length / sizeof(WCHAR);
    KT_EXPECT(length < ARRAYSIZE(program));
    memcpy(program, peb->ProcessParameters->ImagePathName.Buffer, length * sizeof(WCHAR));
    program[length] = 0;
    CheckEntry(entries[0][0], peb->ImageBaseAddress, L"ldr.exe", program);
    CheckEntry(entries[0][1], (PVOID)0x7C900000, L"ntdll.dll", L"\\KnownDlls\\ntdll.dll");
    CheckEntry(entries[0][2], (PVOID)0x7C800000, L"kernel32.dll", L"\\KnownDlls\\kernel32.dll");
    for (ULONG i = 0; i < 3; i++) {
        KT_EQ(entries[1][i], entries[0][i]);                /* memory order: the same */
        KT_EQ(entries[0][i]->LoadCount, 0xFFFF);
    }
    KT_EQ(entries[2][0], entries[0][1]);                    /* ntdll.dll, then kernel32.dll, */
    KT_EQ(entries[2][1], entries[0][2]);                    /* which imports it */
    KT_EQ(entries[0][0]->Flags & LDRP_IMAGE_DLL, 0);
    KT_EQ(entries[0][2]->Flags & (LDRP_IMAGE_DLL | LDRP_STATIC_LINK | LDRP_ENTRY_PROCESSED |
                                  LDRP_PROCESS_ATTACH_CALLED),
          LDRP_IMAGE_DLL | LDRP_STATIC_LINK | LDRP_ENTRY_PROCESSED | LDRP_PROCESS_ATTACH_CALLED);
    KT_EQ(GetModuleHandleA(NULL), peb->ImageBaseAddress);
    KT_EQ(GetModuleHandleW(NULL), 0x00400000);
    KT_EQ(GetModuleHandleA("KERNEL32"), 0x7C800000);
    KT_EQ(GetModuleHandleW(L"ntdll.dll"), 0x7C900000);
    KT_EQ(GetModuleHandleA("Ldr.Exe"), peb->ImageBaseAddress);
    SetLastError(0);
    KT_EQ(GetModuleHandleA(TESTDLL_NAME), NULL);           /* not loaded yet */
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
}

static void TestFileName(void)
{
    char narrow[32];
    WCHAR wide[32];

    memset(narrow, '*', sizeof(narrow));
    KT_EQ(GetModuleFileNameA(NULL, narrow, sizeof(narrow)), 7);
    KT_EQ(strcmp(narrow, "ldr.exe"), 0);
    KT_EQ(GetModuleFileNameW((HMODULE)0x7C800000, wide, ARRAYSIZE(wide)), 23);
    KT_EQ(memcmp(wide, L"\\KnownDlls\\kernel32.dll", 24 * sizeof(WCHAR)), 0);
    SetLastError(0xDEAD);
    memset(narrow, '*', sizeof(narrow));
    KT_EQ(GetModuleFileNameA(NULL, narrow, 4), 4);          /* XP: nSize, no zero */
    KT_EQ(memcmp(narrow, "ldr.*", 5), 0);
    KT_EQ(GetModuleFileNameA(NULL, narrow, 7), 7);
    KT_EQ(narrow[7], '*');
    KT_EQ(GetModuleFileNameA(NULL, narrow, 8), 7);
    KT_EQ(narrow[7], 0);
    memset(wide, '*', sizeof(wide));
    KT_EQ(GetModuleFileNameW((HMODULE)0x7C900000, wide, 3), 3);
    KT_EQ(memcmp(wide, L"\\Kn", 3 * sizeof(WCHAR)), 0);
    KT_EQ(wide[3], 0x2A2A);
    KT_EQ(GetModuleFileNameA(NULL, narrow, 0), 0);
    KT_EQ(GetLastError(), 0xDEAD);                          /* none of these set it */
    narrow[0] = '*';
    KT_EQ(GetModuleFileNameA(NOT_A_MODULE, narrow, sizeof(narrow)), 0);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    KT_EQ(narrow[0], '*');
}

/* The DLLs' DllMain calls since the log was emptied are Calls; printed when they are not. */
static BOOL LogIs(const char *Calls)
{
    LONG length = LdrTestDllEvents.LogLength;

    if (length == (LONG)strlen(Calls) && memcmp(LdrTestDllEvents.Log, Calls, length) == 0)
        return TRUE;
    printf("# DllMain calls: \"%.*s\", expected \"%s\"\n", (int)length, LdrTestDllEvents.Log,
           Calls);
    return FALSE;
}

static void TestLoadFree(void)
{
    LONG attaches = LdrTestDllEvents.Attaches, detaches = LdrTestDllEvents.Detaches;
    HMODULE dll, again;
    PLDR_DATA_TABLE_ENTRY entries[8], entry, dep;
    MEMORY_BASIC_INFORMATION info;
    volatile LONG *count;

    LdrTestDllEvents.LogLength = 0;
    dll = LoadLibraryA(TESTDLL_NAME);
    KT_EQ(dll, TESTDLL_BASE);
    if (!dll)
        return;
    KT_EXPECT(LogIs("DT"));                                 /* testdep.dll's DllMain first */
    KT_EQ(LdrTestDllEvents.Attaches, attaches + 1);
    KT_EQ(LdrTestDllEvents.Instance, dll);
    KT_EQ(LdrTestDllEvents.Context, NULL);                  /* a dynamic load */
    count = (volatile LONG *)(void *)GetProcAddress(dll, "TestDllAttaches");
    KT_EXPECT(count && *count == 1);
    info = Query(dll);
    KT_EQ(info.Type, MEM_IMAGE);
    KT_EQ(info.AllocationBase, dll);
    KT_EQ(GetModuleHandleA("testdll"), dll);
    KT_EQ(WalkList(0, entries, 8), 5);
    entry = entries[3];                                     /* load order: testdll.dll, */
    dep = entries[4];                                       /* then what it imports */
    CheckEntry(entry, dll, L"testdll.dll", L"\\KnownDlls\\testdll.dll");
    CheckEntry(dep, (PVOID)TESTDEP_BASE, L"testdep.dll", L"\\KnownDlls\\testdep.dll");
    KT_EQ(entry->LoadCount, 1);
    KT_EQ(dep->LoadCount, 1);
    KT_EQ(entry->Flags & (LDRP_IMAGE_DLL | LDRP_STATIC_LINK | LDRP_PROCESS_ATTACH_CALLED),
          LDRP_IMAGE_DLL | LDRP_PROCESS_ATTACH_CALLED);
    KT_EQ(WalkList(2, entries, 8), 4);
    KT_EQ(entries[2], dep);                                 /* initialization order: */
    KT_EQ(entries[3], entry);                               /* testdep.dll, then testdll.dll */
    KT_EXPECT(OnList(1, dll) && OnList(1, (PVOID)TESTDEP_BASE));

    again = LoadLibraryW(L"TESTDLL");
    KT_EQ(again, dll);
    KT_EQ(entry->LoadCount, 2);
    KT_EQ(dep->LoadCount, 1);
    KT_EQ(LdrTestDllEvents.Attaches, attaches + 1);        /* no second attach */

    KT_EQ(FreeLibrary(dll), TRUE);
    KT_EQ(entry->LoadCount, 1);
    KT_EQ(LdrTestDllEvents.Detaches, detaches);
    KT_EQ(Query(dll).Type, MEM_IMAGE);
    KT_EQ(FreeLibrary(dll), TRUE);
    KT_EQ(LdrTestDllEvents.Detaches, detaches + 1);
    KT_EQ(LdrTestDllEvents.Context, NULL);                  /* FreeLibrary's */
    KT_EXPECT(LogIs("DTtd"));                               /* testdll.dll's, then testdep's */
    info = Query(dll);
    KT_EQ(info.State, MEM_FREE);
    KT_EQ(Query((PVOID)TESTDEP_BASE).State, MEM_FREE);
    KT_EXPECT(!OnList(0, dll) && !OnList(1, dll) && !OnList(2, dll));
    KT_EQ(WalkList(0, NULL, 0), 3);
    SetLastError(0);
    KT_EQ(GetModuleHandleA(TESTDLL_NAME), NULL);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    KT_EQ(FreeLibrary(dll), FALSE);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    KT_EQ(LdrTestDllEvents.Attaches, attaches + 1);
    KT_EQ(LdrTestDllEvents.Detaches, detaches + 1);
    KT_EQ(LdrTestDllEvents.Others, 0);

    KT_EQ(FreeLibrary((HMODULE)0x7C800000), TRUE);          /* pinned: stays */
    KT_EQ(FindEntry((PVOID)0x7C800000)->LoadCount, 0xFFFF);
    KT_EQ(Query((PVOID)0x7C800000).Type, MEM_IMAGE);
    KT_EQ(LoadLibraryA("kernel32.dll"), 0x7C800000);
    KT_EQ(FindEntry((PVOID)0x7C800000)->LoadCount, 0xFFFF);
}

static void TestDependencies(void)
{
    HMODULE dep, dll;
    int (*depValue)(void);

    LdrTestDllEvents.LogLength = 0;
    dep = LoadLibraryA(TESTDEP_NAME);
    KT_EQ(dep, TESTDEP_BASE);
    dll = LoadLibraryA(TESTDLL_NAME);
    KT_EQ(dll, TESTDLL_BASE);
    if (!dep || !dll)
        return;
    KT_EXPECT(LogIs("DT"));
    KT_EQ(FindEntry(dep)->LoadCount, 2);                    /* ours and testdll.dll's */
    depValue = (int (*)(void))(void *)GetProcAddress(dll, "TestDllDepValue");
    KT_EXPECT(depValue && depValue() == 8);
    KT_EQ(FreeLibrary(dll), TRUE);
    KT_EXPECT(LogIs("DTt"));
    KT_EQ(FindEntry(dep)->LoadCount, 1);
    KT_EQ(Query(dep).Type, MEM_IMAGE);
    KT_EQ(FreeLibrary(dep), TRUE);
    KT_EXPECT(LogIs("DTtd"));
    KT_EQ(Query(dep).State, MEM_FREE);
    KT_EQ(WalkList(0, NULL, 0), 3);
}

static void TestExports(void)
{
    HMODULE dll = LoadLibraryA(TESTDLL_NAME), k32 = GetModuleHandleA("kernel32.dll");
    INT_FUNCTION twice, hidden;
    int *(*dataAddress)(void);
    DWORD (WINAPI *forwarded)(void);
    volatile int *data;
    ANSI_STRING name;
    PVOID address = NULL;

    KT_EXPECT(dll != NULL);
    if (!dll)
        return;
    twice = (INT_FUNCTION)(void *)GetProcAddress(dll, "TestDllTwice");
    KT_EXPECT(twice && twice(21) == 42);
    KT_EQ(GetProcAddress(dll, MAKEINTRESOURCEA(1)), twice);
    hidden = (INT_FUNCTION)(void *)GetProcAddress(dll, MAKEINTRESOURCEA(7));
    KT_EXPECT(hidden && hidden(5) == 15);
    SetLastError(0);
    KT_EQ(GetProcAddress(dll, "TestDllHidden"), NULL);     /* by ordinal only */
    KT_EQ(GetLastError(), ERROR_PROC_NOT_FOUND);
    KT_EQ(GetProcAddress(dll, "testdlltwice"), NULL);      /* export names are exact */
    KT_EQ(GetLastError(), ERROR_PROC_NOT_FOUND);
    SetLastError(0);
    KT_EQ(GetProcAddress(dll, MAKEINTRESOURCEA(6)), NULL);  /* a hole */
    KT_EQ(GetLastError(), ERROR_INVALID_ORDINAL);
    SetLastError(0);
    KT_EQ(GetProcAddress(dll, MAKEINTRESOURCEA(9)), NULL);  /* past the last */
    KT_EQ(GetLastError(), ERROR_INVALID_ORDINAL);
    SetLastError(0);
    KT_EQ(GetProcAddress(NOT_A_MODULE, "TestDllTwice"), NULL);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);

    data = (volatile int *)(void *)GetProcAddress(dll, "TestDllData");
    dataAddress = (int *(*)(void))(void *)GetProcAddress(dll, "TestDllDataAddress");
    KT_EXPECT(data && dataAddress && dataAddress() == data);
    if (data) {
        KT_EQ(*data, TESTDLL_DATA_VALUE);
        KT_EQ(Query((const void *)data).Protect, PAGE_WRITECOPY);
        *data = 99;
        KT_EQ(Query((const void *)data).Protect, PAGE_READWRITE);
        KT_EQ(*dataAddress(), 99);
    }

    forwarded = (DWORD (WINAPI *)(void))(void *)GetProcAddress(dll, "TestDllForwarded");
    KT_EQ(forwarded, GetProcAddress(k32, "GetCurrentProcessId@0"));
    KT_EQ(forwarded, GetCurrentProcessId);                  /* what our import table holds */
    KT_EXPECT(forwarded && forwarded() == GetCurrentProcessId());
    KT_EQ(GetProcAddress(NULL, "LdrTestDllEvents"), &LdrTestDllEvents);

    KT_STATUS(LdrGetProcedureAddress(dll, NULL, 0, &address), STATUS_INVALID_PARAMETER);
    RtlInitAnsiString(&name, "TestDllTwice");
    KT_STATUS(LdrGetProcedureAddress(dll, &name, 0, NULL), STATUS_INVALID_PARAMETER);
    name.Length = 7;                                        /* "TestDll": not an export */
    KT_STATUS(LdrGetProcedureAddress(dll, &name, 0, &address), STATUS_ENTRYPOINT_NOT_FOUND);
    name.Length = 12;
    KT_STATUS(LdrGetProcedureAddress(dll, &name, 0, &address), STATUS_SUCCESS);
    KT_EQ(address, twice);
    KT_STATUS(LdrGetProcedureAddress(dll, NULL, 6, &address), STATUS_ORDINAL_NOT_FOUND);
    KT_STATUS(LdrGetProcedureAddress(NOT_A_MODULE, NULL, 1, &address), STATUS_DLL_NOT_FOUND);
    KT_STATUS(LdrUnloadDll(NOT_A_MODULE), STATUS_DLL_NOT_FOUND);
    KT_EQ(FreeLibrary(dll), TRUE);
    KT_EQ(Query(dll).State, MEM_FREE);
}

/* The first import address table entry of the image at Base (its first import descriptor). */
static ULONG_PTR FirstImportSlot(PVOID Base)
{
    PIMAGE_DATA_DIRECTORY directory =
        &Headers(Base)->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    PIMAGE_IMPORT_DESCRIPTOR descriptor =
        (PIMAGE_IMPORT_DESCRIPTOR)((PUCHAR)Base + directory->VirtualAddress);

    return *(PULONG_PTR)((PUCHAR)Base + descriptor->FirstThunk);
}

static void TestDontResolve(void)
{
    LONG attaches = LdrTestDllEvents.Attaches, detaches = LdrTestDllEvents.Detaches;
    HMODULE dll = LoadLibraryExA(TESTDLL_NAME, NULL, DONT_RESOLVE_DLL_REFERENCES);
    PLDR_DATA_TABLE_ENTRY entry = dll ? FindEntry(dll) : NULL;
    INT_FUNCTION twice;

    KT_EQ(dll, TESTDLL_BASE);
    KT_EXPECT(entry != NULL);
    if (!entry)
        return;
    KT_EQ(LdrTestDllEvents.Attaches, attaches);             /* no DllMain */
    KT_EQ(entry->EntryPoint, NULL);
    KT_EQ(entry->Flags & LDRP_IMAGE_DLL, 0);
    KT_EQ(entry->LoadCount, 1);
    KT_EXPECT(!OnList(2, dll));
    KT_EQ(WalkList(0, NULL, 0), 4);                         /* testdep.dll not loaded */
    KT_EXPECT(FirstImportSlot(dll) < entry->SizeOfImage);   /* still the name's RVA */
    twice = (INT_FUNCTION)(void *)GetProcAddress(dll, "TestDllTwice");
    KT_EXPECT(twice && twice(4) == 8);
    KT_EQ(FreeLibrary(dll), TRUE);
    KT_EQ(LdrTestDllEvents.Detaches, detaches);             /* no DllMain either */
    KT_EQ(Query(dll).State, MEM_FREE);

    dll = LoadLibraryA(TESTDLL_NAME);                       /* bound: into kernel32.dll */
    KT_EXPECT(dll && FirstImportSlot(dll) >= 0x7C800000 && FirstImportSlot(dll) < 0x7C900000);
    KT_EQ(FreeLibrary(dll), TRUE);

    SetLastError(0);
    KT_EQ(LoadLibraryExA(TESTDLL_NAME, NULL, 0x20), NULL);  /* not a flag 2003 knows */
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    KT_EQ(LoadLibraryExA(TESTDLL_NAME, (HANDLE)4, 0), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(LoadLibraryExA("kernel32.dll", NULL, LOAD_LIBRARY_AS_DATAFILE), 0x7C800000);
    SetLastError(0);
    KT_EQ(LoadLibraryExA(TESTDLL_NAME, NULL, LOAD_LIBRARY_AS_DATAFILE), NULL);
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    dll = LoadLibraryExA(TESTDLL_NAME, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    KT_EQ(dll, TESTDLL_BASE);
    KT_EQ(FreeLibrary(dll), TRUE);
    KT_EQ(LdrTestDllEvents.Attaches, attaches + 2);
    KT_EQ(LdrTestDllEvents.Detaches, detaches + 2);
}

static void TestMissing(void)
{
    char longName[300];
    UNICODE_STRING name;
    PVOID base = NULL;

    SetLastError(0);
    KT_EQ(LoadLibraryA("nosuch.dll"), NULL);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    SetLastError(0);
    KT_EQ(LoadLibraryA(""), NULL);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    SetLastError(0);
    KT_EQ(LoadLibraryExA(NULL, NULL, 0), NULL);
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    SetLastError(0);
    KT_EQ(LoadLibraryA("C:\\" TESTDLL_NAME), NULL);        /* files are not searched */
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    SetLastError(0);
    KT_EQ(LoadLibraryA("testdll."), NULL);                  /* "testdll", no extension */
    KT_EQ(GetLastError(), ERROR_MOD_NOT_FOUND);
    KT_EQ(LoadLibraryA("kernel32   "), 0x7C800000);         /* trailing spaces dropped */
    KT_EQ(LoadLibraryA("kernel32.dll."), 0x7C800000);       /* the dot goes: kernel32.dll */
    memset(longName, 'a', sizeof(longName) - 1);
    longName[sizeof(longName) - 1] = 0;
    SetLastError(0);
    KT_EQ(LoadLibraryA(longName), NULL);
    KT_EQ(GetLastError(), ERROR_FILENAME_EXCED_RANGE);
    RtlInitUnicodeString(&name, L"nosuch");
    KT_STATUS(LdrLoadDll(NULL, NULL, &name, &base), STATUS_DLL_NOT_FOUND);
    KT_STATUS(LdrLoadDll(NULL, NULL, NULL, &base), STATUS_INVALID_PARAMETER);
    KT_STATUS(LdrGetDllHandle(NULL, NULL, &name, &base), STATUS_DLL_NOT_FOUND);
    RtlInitUnicodeString(&name, L"NTDLL");
    KT_STATUS(LdrGetDllHandle(NULL, NULL, &name, &base), STATUS_SUCCESS);
    KT_EQ(base, 0x7C900000);
    KT_EQ(WalkList(0, NULL, 0), 3);                         /* nothing left behind */
}

static void TestInitFailed(void)
{
    LONG attaches = LdrTestDllEvents.Attaches, detaches = LdrTestDllEvents.Detaches;

    LdrTestDllEvents.FailAttach = 1;
    SetLastError(0);
    KT_EQ(LoadLibraryA(TESTDLL_NAME), NULL);
    KT_EQ(GetLastError(), ERROR_DLL_INIT_FAILED);
    LdrTestDllEvents.FailAttach = 0;
    KT_EQ(LdrTestDllEvents.Attaches, attaches + 1);
    KT_EQ(LdrTestDllEvents.Detaches, detaches + 1);         /* at once, as Windows does */
    KT_EQ(Query((PVOID)TESTDLL_BASE).State, MEM_FREE);
    KT_EXPECT(!OnList(0, (PVOID)TESTDLL_BASE));
}

static void TestRelocated(void)
{
    PVOID taken = VirtualAlloc((PVOID)TESTDLL_BASE, 0x10000, MEM_RESERVE, PAGE_NOACCESS);
    HMODULE dll;
    int *(*dataAddress)(void);
    int *data;

    KT_EQ(taken, TESTDLL_BASE);
    dll = LoadLibraryA(TESTDLL_NAME);
    KT_EXPECT(dll && dll != (HMODULE)TESTDLL_BASE && ((ULONG_PTR)dll & 0xFFFF) == 0);
    if (dll) {
        KT_EQ(FindEntry(dll)->Flags & LDRP_IMAGE_NOT_AT_BASE, LDRP_IMAGE_NOT_AT_BASE);
        data = (int *)(void *)GetProcAddress(dll, "TestDllData");
        dataAddress = (int *(*)(void))(void *)GetProcAddress(dll, "TestDllDataAddress");
        KT_EXPECT(data && dataAddress && dataAddress() == data && *data == TESTDLL_DATA_VALUE);
        KT_EQ(FreeLibrary(dll), TRUE);
        KT_EQ(Query(dll).State, MEM_FREE);
    }
    KT_EQ(VirtualFree(taken, 0, MEM_RELEASE), TRUE);
}

static volatile LONG ThreadFailures;

static DWORD WINAPI LoadFreeThread(LPVOID Parameter)
{
    (void)Parameter;
    for (int i = 0; i < THREAD_ROUNDS; i++) {
        HMODULE dll = LoadLibraryA(TESTDLL_NAME);
        INT_FUNCTION twice;

        SwitchToThread();                       /* the other thread's turn, at each step */
        twice = dll ? (INT_FUNCTION)(void *)GetProcAddress(dll, "TestDllTwice") : NULL;
        if (!twice || twice(i) != 2 * i || !FreeLibrary(dll))
            InterlockedIncrement(&ThreadFailures);
        SwitchToThread();
    }
    return 0;
}

static void TestThreads(void)
{
    LONG attaches = LdrTestDllEvents.Attaches, detaches = LdrTestDllEvents.Detaches;
    HANDLE threads[2];

    for (int i = 0; i < 2; i++)
        threads[i] = CreateThread(NULL, 0, LoadFreeThread, NULL, 0, NULL);
    KT_EXPECT(threads[0] && threads[1]);
    if (!threads[0] || !threads[1])
        return;
    KT_EQ(WaitForMultipleObjects(2, threads, TRUE, WAIT_MS), WAIT_OBJECT_0);
    KT_EQ(ThreadFailures, 0);
    KT_EQ(LdrTestDllEvents.Overlaps, 0);                    /* one DllMain at a time */
    KT_EXPECT(LdrTestDllEvents.Attaches > attaches);
    KT_EQ(LdrTestDllEvents.Attaches - attaches, LdrTestDllEvents.Detaches - detaches);
    KT_EQ(GetModuleHandleA(TESTDLL_NAME), NULL);
    KT_EQ(WalkList(0, NULL, 0), 3);
    printf("# threads: %ld attaches for %d loads\n", LdrTestDllEvents.Attaches - attaches,
           2 * THREAD_ROUNDS);
    CloseHandle(threads[0]);
    CloseHandle(threads[1]);
}

static const KTAP_CASE Cases[] = {
    { "ldr.module_list", TestModuleList },
    { "ldr.file_name", TestFileName },
    { "ldr.load_free", TestLoadFree },
    { "ldr.dependencies", TestDependencies },
    { "ldr.exports", TestExports },
    { "ldr.dont_resolve", TestDontResolve },
    { "ldr.missing", TestMissing },
    { "ldr.init_failed", TestInitFailed },
    { "ldr.relocated", TestRelocated },
    { "ldr.threads", TestThreads },
};

KTAP_MAIN(Cases)
