/*
 * section.exe: sections backed by the paging file, as Windows has them (NtCreateSection ...
 * NtUnmapViewOfSection, CreateFileMapping, MapViewOfFile; nt-mm-facts-2 §4; what Windows
 * returns from Wine's kernel32 virtual.c and ntdll om.c tests and ReactOS's NtMapViewOfSection
 * test): every status with the exact input that produces it, the fields NtQuerySection and
 * VirtualQuery report, views shared in one process and between two (writes seen at once, at
 * different addresses), copy-on-write views (the writer sees its copy, the others the
 * original; the commitment charged once, at the map), SEC_RESERVE committed through one view
 * for all, protection changes, named sections and their names' lifetime, pages trimmed
 * from the working sets and faulted back, based sections (SEC_BASED: one address for every
 * process, chosen top-down from 8 MB below 2 GB when the section is created) and sections on
 * large pages (SEC_LARGE_PAGES: taken at once, 4 MB views on 4 MB pages).
 *
 *   section.exe                 the cases, KTAP
 *   section.exe child NAME      the other process of the shared and copy-on-write cases
 *   section.exe basedchild NAME the other process of the based case
 *   section.exe paging MB       tests/sectionpaging.t's scenario: a section of MB MiB shared
 *                               with a child, written, trimmed and verified word by word
 *   section.exe pagingchild NAME MB   its child
 */
#include <ntdll.h>
#include <psapi.h>
#include <seh.h>
#include <string.h>
#include <stdlib.h>
#include "ktap.h"

#define PAGE                    0x1000u
#define GRAIN                   0x10000u
#define PARENT_BASE             ((PUCHAR)0x30000000)
#define CHILD_BASE              ((PUCHAR)0x40000000)
#define SHARED_NAME             "section.exe shared"
#define FLAG_OFFSET             (PAGE - 4)      /* the handshake's word, in the first page */
#define HANDSHAKE_MS            20000
#define HIGH_SECTION_END        0x7F7F0000u     /* MmHighSectionBase + 1: 2 GB - 64 KB - 8 MB */
#define LARGE_PAGE              0x400000u
#define MemoryWorkingSetExInformationClass 4
#define BASED_NAME              "section.exe based"

/* One call per check rather than ktap.h's inline comparison: the checks are many, and the
 * program, debug information and all, must stay small enough to boot at 8 MiB. */
static __attribute__((noinline)) void ExpectEq(unsigned long long Got, unsigned long long Expected,
                                               const char *Text, int Line)
{
    if (Got != Expected)
        KtapFail(__FILE__, Line, Text, Got, Expected, 1);
}

#undef KT_EQ
#define KT_EQ(Got, Expected)                                                                \
    ExpectEq((unsigned long long)(ULONG_PTR)(Got), (unsigned long long)(ULONG_PTR)(Expected), \
             #Got " == " #Expected, __LINE__)
#define LOCK_MEMORY_LUID        4               /* SE_LOCK_MEMORY_PRIVILEGE */

/* ---- helpers ---------------------------------------------------------------------------- */

/* The exception touching Address raises (STATUS_SUCCESS: none). */
static NTSTATUS Touch(volatile UCHAR *Address, BOOL Write, UCHAR Value)
{
    SEH_FRAME frame;

    if (SEH_TRY(&frame, NULL, NULL) == 0) {
        if (Write)
            *Address = Value;
        else
            (void)*Address;
        SehEnd(&frame);
        return STATUS_SUCCESS;
    }
    return frame.Exception.ExceptionCode;
}

static NTSTATUS Create(HANDLE *Section, LONGLONG Size, ULONG Protect, ULONG Attributes,
                       POBJECT_ATTRIBUTES ObjectAttributes)
{
    LARGE_INTEGER size;

    size.QuadPart = Size;
    *Section = NULL;
    return NtCreateSection(Section, SECTION_ALL_ACCESS, ObjectAttributes, &size, Protect,
                           Attributes, NULL);
}

static HANDLE CreateOk(LONGLONG Size, ULONG Protect, ULONG Attributes)
{
    HANDLE section;

    KT_STATUS(Create(&section, Size, Protect, Attributes, NULL), STATUS_SUCCESS);
    return section;
}

/* NtMapViewOfSection with ViewShare, no ZeroBits and no CommitSize. */
static NTSTATUS Map(HANDLE Section, PVOID *Base, ULONG Offset, SIZE_T *Size, ULONG Protect)
{
    LARGE_INTEGER offset;

    offset.QuadPart = Offset;
    return NtMapViewOfSection(Section, GetCurrentProcess(), Base, 0, 0, &offset, Size, ViewShare,
                              0, Protect);
}

static PUCHAR MapOk(HANDLE Section, PVOID Base, ULONG Offset, SIZE_T Size, ULONG Protect)
{
    PVOID base = Base;
    SIZE_T size = Size;

    KT_STATUS(Map(Section, &base, Offset, &size, Protect), STATUS_SUCCESS);
    return base;
}

static void Unmap(PVOID Base)
{
    if (Base)
        KT_STATUS(NtUnmapViewOfSection(GetCurrentProcess(), Base), STATUS_SUCCESS);
}

static void Close(HANDLE Handle)
{
    if (Handle)
        KT_STATUS(NtClose(Handle), STATUS_SUCCESS);
}

static void TrimWorkingSet(void)
{
    KT_EQ(SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1), TRUE);
}

/* OBJECT_ATTRIBUTES naming Name (ASCII), with Attributes. */
typedef struct {
    OBJECT_ATTRIBUTES Attributes;
    UNICODE_STRING String;
    WCHAR Buffer[128];
} NAME;

static POBJECT_ATTRIBUTES Named(NAME *Name, const char *Text, ULONG Attributes)
{
    ULONG i = 0;

    for (; Text[i] && i < 127; i++)
        Name->Buffer[i] = (UCHAR)Text[i];
    Name->Buffer[i] = 0;
    RtlInitUnicodeString(&Name->String, Name->Buffer);
    InitializeObjectAttributes(&Name->Attributes, &Name->String, Attributes, NULL, NULL);
    return &Name->Attributes;
}

static MEMORY_BASIC_INFORMATION Query(PVOID Address)
{
    MEMORY_BASIC_INFORMATION info;

    memset(&info, 0xCC, sizeof(info));
    KT_EQ(VirtualQuery(Address, &info, sizeof(info)), sizeof(info));
    return info;
}

/* VirtualQuery at Address says these, and MEM_MAPPED. */
static __attribute__((noinline)) void ExpectRegion(PVOID Address, PVOID Base, ULONG AllocationProtect,
                                                   SIZE_T Size, ULONG State, ULONG Protect, int Line)
{
    MEMORY_BASIC_INFORMATION info = Query(Address);
    int before = KtapFailures;

    KT_EQ(info.BaseAddress, Address);
    KT_EQ(info.AllocationBase, Base);
    KT_EQ(info.AllocationProtect, AllocationProtect);
    KT_EQ(info.RegionSize, Size);
    KT_EQ(info.State, State);
    KT_EQ(info.Protect, Protect);
    KT_EQ(info.Type, MEM_MAPPED);
    if (KtapFailures != before)
        printf("# (the region expected at line %d)\n", Line);
}

#define EXPECT_REGION(Address, Base, AllocationProtect, Size, State, Protect) \
    ExpectRegion((Address), (Base), (AllocationProtect), (Size), (State), (Protect), __LINE__)

static ULONG CommitCharge(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    KT_EQ(GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters)), TRUE);
    return (ULONG)counters.PagefileUsage;
}

/* SeLockMemoryPrivilege (the first process has it, enabled) enabled or not. */
static BOOL EnableLockMemory(BOOL Enable)
{
    TOKEN_PRIVILEGES state = { 1, { { { LOCK_MEMORY_LUID, 0 }, 0 } } };
    HANDLE token;
    BOOL done;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES, &token))
        return FALSE;
    state.Privileges[0].Attributes = Enable ? SE_PRIVILEGE_ENABLED : 0;
    done = AdjustTokenPrivileges(token, FALSE, &state, 0, NULL, NULL);
    CloseHandle(token);
    return done;
}

/* ---- NtCreateSection ----------------------------------------------------------------- */

/* Each refusal of NtCreateSection, in NT's order, with the input that gets it. */
static void TestCreateStatuses(void)
{
    HANDLE section;
    LARGE_INTEGER size;
    NAME name;

    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, 0, NULL), STATUS_INVALID_PARAMETER_6);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_NOCACHE, NULL), STATUS_INVALID_PARAMETER_6);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT | SEC_RESERVE, NULL),
              STATUS_INVALID_PARAMETER_6);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_IMAGE | SEC_COMMIT, NULL),
              STATUS_INVALID_PARAMETER_6);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT | SEC_FILE, NULL),
              STATUS_INVALID_PARAMETER_6);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT | 1, NULL),
              STATUS_INVALID_PARAMETER_6);
    /* The attributes come before the protection. */
    KT_STATUS(Create(&section, PAGE, PAGE_NOACCESS, 0, NULL), STATUS_INVALID_PARAMETER_6);
    KT_STATUS(Create(&section, PAGE, PAGE_NOACCESS, SEC_COMMIT, NULL), STATUS_INVALID_PAGE_PROTECTION);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE | PAGE_GUARD, SEC_COMMIT, NULL),
              STATUS_INVALID_PAGE_PROTECTION);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE | PAGE_NOCACHE, SEC_COMMIT, NULL),
              STATUS_INVALID_PAGE_PROTECTION);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE | PAGE_READONLY, SEC_COMMIT, NULL),
              STATUS_INVALID_PAGE_PROTECTION);
    KT_STATUS(Create(&section, PAGE, 0, SEC_COMMIT, NULL), STATUS_INVALID_PAGE_PROTECTION);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_IMAGE, NULL), STATUS_INVALID_FILE_FOR_SECTION);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_LARGE_PAGES | SEC_RESERVE, NULL),
              STATUS_INVALID_PARAMETER_6);
    /* Large pages need SeLockMemoryPrivilege enabled first, then a size of 4 MB multiples
     * (vmawe.exe's large_section case has the rest). */
    KT_EQ(EnableLockMemory(FALSE), TRUE);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_LARGE_PAGES | SEC_COMMIT, NULL),
              STATUS_PRIVILEGE_NOT_HELD);
    KT_EQ(EnableLockMemory(TRUE), TRUE);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_LARGE_PAGES | SEC_COMMIT, NULL),
              STATUS_INVALID_PARAMETER_4);
    /* A file handle: no file objects exist, so any handle is of the wrong type. */
    size.QuadPart = PAGE;
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE,
                              SEC_COMMIT, GetCurrentProcess()), STATUS_OBJECT_TYPE_MISMATCH);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE,
                              SEC_COMMIT, (HANDLE)0x12340), STATUS_INVALID_HANDLE);
    /* Sizes: none, 0, 4 GB and more (x86 NT's page-file limit), more than can be committed. */
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE,
                              SEC_COMMIT, NULL), STATUS_INVALID_PARAMETER_4);
    KT_STATUS(Create(&section, 0, PAGE_READWRITE, SEC_COMMIT, NULL), STATUS_INVALID_PARAMETER_4);
    KT_STATUS(Create(&section, 0x100000000LL, PAGE_READWRITE, SEC_RESERVE, NULL),
              STATUS_SECTION_TOO_BIG);
    KT_STATUS(Create(&section, -(LONGLONG)PAGE, PAGE_READWRITE, SEC_COMMIT, NULL),
              STATUS_SECTION_TOO_BIG);
    KT_STATUS(Create(&section, 0xF0000000LL, PAGE_READWRITE, SEC_COMMIT, NULL),
              STATUS_COMMITMENT_LIMIT);
    /* Bad pointers. */
    KT_STATUS(NtCreateSection((PHANDLE)0x7FFF0000, SECTION_ALL_ACCESS, NULL, &size,
                              PAGE_READWRITE, SEC_COMMIT, NULL), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, (PLARGE_INTEGER)0x7FFF0000,
                              PAGE_READWRITE, SEC_COMMIT, NULL), STATUS_ACCESS_VIOLATION);
    /* Names. */
    Named(&name, "\\BaseNamedObjects\\section.create", 0);
    name.Attributes.Length = 0;
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes),
              STATUS_INVALID_PARAMETER);
    Named(&name, "\\BaseNamedObjects\\section.create", 0x800);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes),
              STATUS_INVALID_PARAMETER);
    Named(&name, "\\BaseNamedObjects\\section.create", 0);
    name.String.Length = 7;
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes),
              STATUS_OBJECT_NAME_INVALID);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, Named(&name, "section.create", 0)),
              STATUS_OBJECT_PATH_SYNTAX_BAD);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BaseNamedObjects\\", 0)), STATUS_OBJECT_NAME_INVALID);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\Nowhere\\section.create", 0)), STATUS_OBJECT_PATH_NOT_FOUND);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BASENAMEDOBJECTS\\section.create", 0)),
              STATUS_OBJECT_PATH_NOT_FOUND);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BaseNamedObjects", 0)), STATUS_OBJECT_NAME_COLLISION);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BaseNamedObjects", OBJ_OPENIF)), STATUS_OBJECT_TYPE_MISMATCH);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BaseNamedObjects\\section.create", OBJ_PERMANENT)),
              STATUS_PRIVILEGE_NOT_HELD);
    name.Attributes.RootDirectory = (HANDLE)0x12340;
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes),
              STATUS_INVALID_HANDLE);
    name.Attributes.RootDirectory = GetCurrentProcess();
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes),
              STATUS_OBJECT_TYPE_MISMATCH);
    /* With no name, a root directory is STATUS_OBJECT_NAME_INVALID; an empty name, none. */
    name.Attributes.ObjectName = NULL;
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes),
              STATUS_OBJECT_NAME_INVALID);
    Named(&name, "", 0);
    KT_STATUS(Create(&section, PAGE, PAGE_READWRITE, SEC_COMMIT, &name.Attributes), STATUS_SUCCESS);
    Close(section);
}

/* NtQuerySection's fields: the size rounded up to pages, the attributes; its statuses; and
 * NtExtendSection, which page-file sections refuse. */
static void TestQueryAndExtend(void)
{
    SECTION_BASIC_INFORMATION info;
    ULONG image[0x34 / 4];
    HANDLE section = CreateOk(0x3457, PAGE_READONLY, SEC_COMMIT), weak = NULL;
    SIZE_T returned = 0xDEAD;
    LARGE_INTEGER size;

    memset(&info, 0xCC, sizeof(info));
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &info, sizeof(info), &returned),
              STATUS_SUCCESS);
    KT_EQ(returned, sizeof(info));
    KT_EQ(info.BaseAddress, NULL);
    KT_EQ(info.Attributes, SEC_COMMIT);
    KT_EQ(info.Size.QuadPart, 0x4000);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &info, sizeof(info) - 1, NULL),
              STATUS_INFO_LENGTH_MISMATCH);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, image, sizeof(info) + 1, NULL),
              STATUS_SUCCESS);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, (PUCHAR)image + 2, sizeof(info),
                             NULL), STATUS_DATATYPE_MISALIGNMENT);
    KT_STATUS(NtQuerySection(section, SectionImageInformation, image, 0x2F, NULL),
              STATUS_INFO_LENGTH_MISMATCH);
    KT_STATUS(NtQuerySection(section, SectionImageInformation, image, 0x30, NULL),
              STATUS_SECTION_NOT_IMAGE);
    KT_STATUS(NtQuerySection(section, 2, image, sizeof(image), NULL), STATUS_INVALID_INFO_CLASS);
    KT_STATUS(NtQuerySection((HANDLE)0x12340, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_INVALID_HANDLE);
    KT_STATUS(NtQuerySection(GetCurrentProcess(), SectionBasicInformation, &info, sizeof(info),
                             NULL), STATUS_OBJECT_TYPE_MISMATCH);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, (PVOID)0x7FFF0000, sizeof(info),
                             NULL), STATUS_ACCESS_VIOLATION);
    KT_EQ(DuplicateHandle(GetCurrentProcess(), section, GetCurrentProcess(), &weak,
                          SECTION_MAP_READ, FALSE, 0), TRUE);
    KT_STATUS(NtQuerySection(weak, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_ACCESS_DENIED);
    size.QuadPart = 0x10000;
    KT_STATUS(NtExtendSection(weak, &size), STATUS_ACCESS_DENIED);
    KT_STATUS(NtExtendSection(section, &size), STATUS_SECTION_NOT_EXTENDED);
    KT_STATUS(NtExtendSection(section, (PLARGE_INTEGER)0x7FFF0000), STATUS_ACCESS_VIOLATION);
    Close(weak);
    Close(section);

    section = CreateOk(1, PAGE_READWRITE, SEC_RESERVE);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_SUCCESS);
    KT_EQ(info.Attributes, SEC_RESERVE);
    KT_EQ(info.Size.QuadPart, PAGE);
    Close(section);
    section = CreateOk(0x20000, PAGE_READWRITE, SEC_COMMIT | SEC_NOCACHE);
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_SUCCESS);
    KT_EQ(info.Attributes, SEC_COMMIT | SEC_NOCACHE);
    Close(section);
}

/* ---- NtMapViewOfSection --------------------------------------------------------------- */

/* NtMapViewOfSection returns Expected (a view it makes is unmapped again). */
static __attribute__((noinline)) void ExpectMap(HANDLE Section, PVOID Base, ULONG ZeroBits,
                                                SIZE_T CommitSize, ULONG Offset, SIZE_T Size,
                                                ULONG Inherit, ULONG Type, ULONG Protect,
                                                NTSTATUS Expected, int Line)
{
    LARGE_INTEGER offset;
    PVOID base = Base;
    SIZE_T size = Size;
    NTSTATUS status;

    offset.QuadPart = Offset;
    status = NtMapViewOfSection(Section, GetCurrentProcess(), &base, ZeroBits, CommitSize, &offset,
                                &size, Inherit, Type, Protect);
    if (status != Expected)
        KtapFail(__FILE__, Line, "NtMapViewOfSection's status", (ULONG)status, (ULONG)Expected, 1);
    if (NT_SUCCESS(status))
        Unmap(base);
}

/* Each refusal of NtMapViewOfSection, with the input that gets it. */
static void TestMapStatuses(void)
{
    HANDLE section = CreateOk(0x20000, PAGE_READWRITE, SEC_COMMIT);
    HANDLE readonly = CreateOk(0x20000, PAGE_READONLY, SEC_COMMIT), weak = NULL;
    PVOID base;
    SIZE_T size;

#define MAP(Handle, Base, ZeroBits, Commit, Offset, Size, Inherit, Type, Protect, Expected)  \
    ExpectMap((Handle), (PVOID)(Base), (ZeroBits), (Commit), (Offset), (Size), (Inherit), (Type),  \
              (Protect), (Expected), __LINE__)

    MAP(section, 0, 22, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4);
    MAP(section, 0, 0, 0, 0, PAGE, 0, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_8);
    MAP(section, 0, 0, 0, 0, PAGE, 3, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_8);
    MAP(section, 0, 0, 0, 0, PAGE, ViewShare, MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_9);
    MAP(section, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE | PAGE_READONLY,
        STATUS_INVALID_PAGE_PROTECTION);
    MAP(section, 0x7FFE0000, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_3);
    MAP(section, 0x7FFD0000, 0, 0, 0, 0x20000, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_3);
    MAP(section, 0x40000000, 2, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_4);
    MAP((HANDLE)0x12340, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_HANDLE);
    MAP(GetCurrentProcess(), 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_OBJECT_TYPE_MISMATCH);
    KT_EQ(DuplicateHandle(GetCurrentProcess(), section, GetCurrentProcess(), &weak,
                          SECTION_MAP_READ, FALSE, 0), TRUE);
    MAP(weak, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_ACCESS_DENIED);
    MAP(weak, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_WRITECOPY, STATUS_SUCCESS);
    MAP(weak, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_NOACCESS, STATUS_SUCCESS);
    MAP(weak, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_EXECUTE, STATUS_ACCESS_DENIED);
    MAP(section, 0x30001000, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_MAPPED_ALIGNMENT);
    MAP(section, 0, 0, 0, PAGE, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_MAPPED_ALIGNMENT);
    MAP(section, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_EXECUTE_READWRITE, STATUS_SECTION_PROTECTION);
    MAP(readonly, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_SECTION_PROTECTION);
    MAP(readonly, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_WRITECOPY, STATUS_SUCCESS);
    MAP(section, 0, 0, 0, 0, 0x20001, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_VIEW_SIZE);
    MAP(section, 0, 0, 0, 0x10000, 0x10001, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_VIEW_SIZE);
    MAP(section, 0, 0, 0, 0x20000, 0, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_VIEW_SIZE);
    MAP(section, 0, 0, 0, 0x30000, 0, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_VIEW_SIZE);
    MAP(section, 0, 0, 2 * PAGE, 0, PAGE, ViewShare, 0, PAGE_READWRITE, STATUS_INVALID_PARAMETER_5);
    MAP(section, 0, 0, 0, 0, PAGE, ViewShare, MEM_RESERVE, PAGE_READWRITE, STATUS_INVALID_PARAMETER_9);
    MAP(section, 0, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE | PAGE_WRITECOMBINE,
        STATUS_INVALID_PARAMETER_10);
    /* Bad pointers. */
    size = PAGE;
    KT_STATUS(NtMapViewOfSection(section, GetCurrentProcess(), (PVOID *)0x7FFF0000, 0, 0, NULL,
                                 &size, ViewShare, 0, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    base = NULL;
    KT_STATUS(NtMapViewOfSection(section, GetCurrentProcess(), &base, 0, 0, NULL,
                                 (PSIZE_T)0x7FFF0000, ViewShare, 0, PAGE_READWRITE),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtMapViewOfSection(section, (HANDLE)0x12340, &base, 0, 0, NULL, &size, ViewShare, 0,
                                 PAGE_READWRITE), STATUS_INVALID_HANDLE);
    /* Two views at one base. */
    KT_EQ(MapOk(section, PARENT_BASE, 0, PAGE, PAGE_READWRITE), PARENT_BASE);
    MAP(section, PARENT_BASE, 0, 0, 0, PAGE, ViewShare, 0, PAGE_READWRITE,
        STATUS_CONFLICTING_ADDRESSES);
    MAP(section, PARENT_BASE - GRAIN, 0, 0, 0, GRAIN + PAGE, ViewShare, 0, PAGE_READWRITE,
        STATUS_CONFLICTING_ADDRESSES);
    Unmap(PARENT_BASE);
    /* Unmapping: any address inside a view; nothing else. */
    base = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    KT_STATUS(NtUnmapViewOfSection(GetCurrentProcess(), (PUCHAR)base + 0x11234), STATUS_SUCCESS);
    KT_STATUS(NtUnmapViewOfSection(GetCurrentProcess(), base), STATUS_NOT_MAPPED_VIEW);
    base = VirtualAlloc(NULL, GRAIN, MEM_COMMIT, PAGE_READWRITE);
    KT_STATUS(NtUnmapViewOfSection(GetCurrentProcess(), base), STATUS_NOT_MAPPED_VIEW);
    KT_EQ(UnmapViewOfFile(base), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(VirtualFree(base, 0, MEM_RELEASE), TRUE);
    KT_STATUS(NtUnmapViewOfSection(GetCurrentProcess(), (PVOID)0x80000000), STATUS_NOT_MAPPED_VIEW);
    KT_STATUS(NtUnmapViewOfSection((HANDLE)0x12340, (PVOID)0x30000000), STATUS_INVALID_HANDLE);
#undef MAP
    Close(weak);
    Close(readonly);
    Close(section);
}

/* Where views go and what comes back: 64 KB-aligned bases chosen bottom-up or top-down (or
 * below 0xFFFFFFFF >> ZeroBits), the size rounded up to pages, 0 for the rest of the section,
 * a base given rounded down to nothing (it must be aligned), the offset as given. */
static void TestMapPlacement(void)
{
    HANDLE section = CreateOk(0x25000, PAGE_READWRITE, SEC_COMMIT);
    LARGE_INTEGER offset;
    PVOID base = NULL, top = NULL, low = NULL;
    SIZE_T size = 0x1234;

    KT_STATUS(Map(section, &base, 0, &size, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EQ((ULONG_PTR)base & (GRAIN - 1), 0);
    KT_EQ(size, 0x2000);
    Unmap(base);
    base = NULL;
    size = 0;
    KT_STATUS(Map(section, &base, 0x10000, &size, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EQ(size, 0x15000);
    offset.QuadPart = 0x10000;
    size = 0;
    KT_STATUS(NtMapViewOfSection(section, GetCurrentProcess(), &top, 0, 0, &offset, &size, ViewUnmap,
                                 MEM_TOP_DOWN, PAGE_READONLY), STATUS_SUCCESS);
    KT_EXPECT((ULONG_PTR)top > (ULONG_PTR)base);
    KT_EXPECT((ULONG_PTR)top >= 0x70000000);
    KT_EQ(offset.QuadPart, 0x10000);
    size = PAGE;
    KT_STATUS(NtMapViewOfSection(section, GetCurrentProcess(), &low, 2, 0, NULL, &size, ViewShare,
                                 MEM_TOP_DOWN, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EXPECT((ULONG_PTR)low + PAGE <= 0x40000000 && (ULONG_PTR)low >= 0x30000000);
    Unmap(low);
    Unmap(top);
    Unmap(base);
    base = PARENT_BASE;
    size = PAGE;
    KT_STATUS(Map(section, &base, 0x20000, &size, PAGE_READWRITE), STATUS_SUCCESS);
    KT_EQ(base, PARENT_BASE);
    KT_EQ(size, PAGE);
    EXPECT_REGION(PARENT_BASE, PARENT_BASE, PAGE_READWRITE, PAGE, MEM_COMMIT, PAGE_READWRITE);
    Unmap(base);
    Close(section);
}

/* ---- sharing ------------------------------------------------------------------------- */

/* Two views of one section in one process, and a handle closed while they live: what one
 * writes the other reads at once; a read-only view refuses writes; the section lives on until
 * its last view goes. */
static void TestSharedViews(void)
{
    HANDLE section = CreateOk(0x40000, PAGE_READWRITE, SEC_COMMIT);
    PUCHAR a = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    PUCHAR b = MapOk(section, NULL, 0x10000, 0x10000, PAGE_READONLY);
    PUCHAR c = MapOk(section, NULL, 0, 0, PAGE_READWRITE);

    KT_EXPECT(a != c && a != b);
    KT_EQ(a[0x12345], 0);                           /* demand zero */
    strcpy((char *)a + 0x10010, "through a");
    KT_EQ(strcmp((char *)b + 0x10, "through a"), 0);
    KT_EQ(strcmp((char *)c + 0x10010, "through a"), 0);
    c[0x3FFFF] = 0x5A;
    KT_EQ(a[0x3FFFF], 0x5A);
    KT_STATUS(Touch(b + 5, TRUE, 1), STATUS_ACCESS_VIOLATION);
    KT_EQ(a[0x10005], 0);
    Close(section);
    a[0x20000] = 0x77;                              /* no handle left: the views keep it */
    KT_EQ(c[0x20000], 0x77);
    Unmap(a);
    KT_STATUS(Touch(a, FALSE, 0), STATUS_ACCESS_VIOLATION);
    KT_EQ(c[0x20000], 0x77);
    Unmap(b);
    Unmap(c);
}

/* Pages trimmed from the working set come back from the standby and modified lists with
 * their contents, through both views. */
static void TestTrimmedViews(void)
{
    HANDLE section = CreateOk(64 * PAGE, PAGE_READWRITE, SEC_COMMIT);
    PULONG a = (PULONG)MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    PULONG b = (PULONG)MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    ULONG bad = 0, i;

    for (i = 0; i < 64 * PAGE / 4; i += 97)
        a[i] = i * 2654435761u;
    TrimWorkingSet();
    for (i = 0; i < 64 * PAGE / 4; i += 97)
        bad += b[i] != i * 2654435761u;
    TrimWorkingSet();
    for (i = 0; i < 64 * PAGE / 4; i += 97)
        bad += a[i] != i * 2654435761u;
    KT_EQ(bad, 0);
    Unmap(a);
    Unmap(b);
    Close(section);
}

/* ---- copy-on-write ------------------------------------------------------------------- */

/* A write-copy view shares the section's pages until it writes one: then that page is its
 * own (PAGE_READWRITE, private), and neither sees the other's later writes. A page never
 * touched becomes a page of zeroes of its own. The commitment is the view's, charged when it
 * is mapped, once: the copies add nothing. */
static void TestCopyOnWrite(void)
{
    HANDLE section = CreateOk(16 * PAGE, PAGE_READWRITE, SEC_COMMIT);
    PUCHAR shared = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    PUCHAR copy;
    ULONG before, mapped;

    /* Page tables first, so the charges below are the view's alone. */
    Unmap(MapOk(section, PARENT_BASE, 0, 0, PAGE_READWRITE));
    before = CommitCharge();
    copy = MapOk(section, PARENT_BASE, 0, 0, PAGE_WRITECOPY);
    mapped = CommitCharge();
    KT_EQ(mapped - before, 16 * PAGE);
    EXPECT_REGION(copy, copy, PAGE_WRITECOPY, 16 * PAGE, MEM_COMMIT, PAGE_WRITECOPY);

    shared[PAGE] = 1;
    KT_EQ(copy[PAGE], 1);                           /* shared until written */
    copy[PAGE] = 2;
    KT_EQ(copy[PAGE], 2);
    KT_EQ(shared[PAGE], 1);
    shared[PAGE + 1] = 3;
    KT_EQ(copy[PAGE + 1], 0);                       /* the copy is the copy's */
    KT_EQ(shared[PAGE], 1);
    copy[5 * PAGE] = 9;                             /* never touched before: zeroes of its own */
    KT_EQ(shared[5 * PAGE], 0);
    KT_EQ(copy[5 * PAGE + 1], 0);
    EXPECT_REGION(copy, copy, PAGE_WRITECOPY, PAGE, MEM_COMMIT, PAGE_WRITECOPY);
    EXPECT_REGION(copy + PAGE, copy, PAGE_WRITECOPY, PAGE, MEM_COMMIT, PAGE_READWRITE);
    EXPECT_REGION(copy + 2 * PAGE, copy, PAGE_WRITECOPY, 3 * PAGE, MEM_COMMIT, PAGE_WRITECOPY);
    EXPECT_REGION(copy + 5 * PAGE, copy, PAGE_WRITECOPY, PAGE, MEM_COMMIT, PAGE_READWRITE);
    for (ULONG page = 0; page < 16; page++)
        copy[page * PAGE + 7] = (UCHAR)page;
    KT_EQ(CommitCharge(), mapped);                  /* charged once, at the map */
    TrimWorkingSet();                               /* the copies are private pages now */
    KT_EQ(copy[PAGE], 2);
    KT_EQ(copy[9 * PAGE + 7], 9);
    KT_EQ(shared[9 * PAGE + 7], 0);
    Unmap(copy);
    KT_EQ(CommitCharge(), before);
    KT_EQ(shared[PAGE], 1);
    Unmap(shared);
    Close(section);

    /* A section that cannot be written: write-copy views only, and read/write becomes
     * write-copy when asked of one. */
    section = CreateOk(2 * PAGE, PAGE_WRITECOPY, SEC_COMMIT);
    copy = MapOk(section, NULL, 0, 0, PAGE_WRITECOPY);
    copy[1] = 1;
    shared = MapOk(section, NULL, 0, 0, PAGE_READONLY);
    KT_EQ(shared[1], 0);
    KT_STATUS(Touch(shared, TRUE, 1), STATUS_ACCESS_VIOLATION);
    Unmap(shared);
    Unmap(copy);
    Close(section);
}

/* ---- SEC_RESERVE ----------------------------------------------------------------------- */

/* A SEC_RESERVE section's pages are reserved until a view commits them, for every view; a
 * touch before is an access violation. CommitSize commits the first pages at the map. */
static void TestReserve(void)
{
    HANDLE section = CreateOk(0x40000, PAGE_READWRITE, SEC_RESERVE);
    PUCHAR a = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    PUCHAR b = MapOk(section, NULL, 0, 0, PAGE_READWRITE), c;
    LARGE_INTEGER offset;
    SIZE_T size = 2 * PAGE;
    PVOID base = NULL;

    EXPECT_REGION(a, a, PAGE_READWRITE, 0x40000, MEM_RESERVE, 0);
    KT_STATUS(Touch(a + 0x123, FALSE, 0), STATUS_ACCESS_VIOLATION);
    KT_EQ(VirtualAlloc(a + 0x10000, 0x10000, MEM_COMMIT, PAGE_READONLY), a + 0x10000);
    EXPECT_REGION(a, a, PAGE_READWRITE, 0x10000, MEM_RESERVE, 0);
    EXPECT_REGION(a + 0x10000, a, PAGE_READWRITE, 0x10000, MEM_COMMIT, PAGE_READONLY);
    EXPECT_REGION(b + 0x10000, b, PAGE_READWRITE, 0x10000, MEM_COMMIT, PAGE_READWRITE);
    EXPECT_REGION(b + 0x20000, b, PAGE_READWRITE, 0x20000, MEM_RESERVE, 0);
    KT_STATUS(Touch(a + 0x10000, TRUE, 1), STATUS_ACCESS_VIOLATION);
    b[0x10000] = 0x42;
    KT_EQ(a[0x10000], 0x42);
    KT_EQ(VirtualAlloc(a + 0x10000, PAGE, MEM_COMMIT, PAGE_READWRITE), a + 0x10000);
    a[0x10000] = 0x43;                              /* committed again: now read/write here */
    KT_EQ(b[0x10000], 0x43);
    /* Committing is not decommitting: the view's pages are the section's. */
    KT_EQ(VirtualFree(a + 0x10000, PAGE, MEM_DECOMMIT), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualFree(a, 0, MEM_RELEASE), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualAlloc(a + 0x30000, 0x20000, MEM_COMMIT, PAGE_READWRITE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);   /* past the view */
    KT_EQ(VirtualAlloc(a, 0x40000, MEM_RESET, PAGE_READWRITE), a);
    KT_EQ(a[0x10000], 0x43);
    /* CommitSize at the map: its first pages, for every view. */
    offset.QuadPart = 0x30000;
    KT_STATUS(NtMapViewOfSection(section, GetCurrentProcess(), &base, 0, PAGE, &offset, &size,
                                 ViewShare, 0, PAGE_READWRITE), STATUS_SUCCESS);
    c = base;
    c[1] = 1;
    KT_STATUS(Touch(c + PAGE, FALSE, 0), STATUS_ACCESS_VIOLATION);
    KT_EQ(a[0x30001], 1);
    Unmap(c);
    Unmap(a);
    Unmap(b);
    Close(section);
}

/* ---- protection ------------------------------------------------------------------------ */

/* NtProtectVirtualMemory on a view: what the view's protection allows (else
 * STATUS_SECTION_PROTECTION), page by page, for this process only; guard pages; and
 * VirtualQuery and the faults agree. */
static void TestProtect(void)
{
    HANDLE section = CreateOk(4 * PAGE, PAGE_READWRITE, SEC_COMMIT);
    PUCHAR view = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    PUCHAR other = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    PUCHAR none = MapOk(section, NULL, 0, 0, PAGE_NOACCESS);
    DWORD old = 0;

    view[0] = 1;
    KT_EQ(VirtualProtect(view, PAGE, PAGE_READONLY, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE);
    KT_STATUS(Touch(view, TRUE, 2), STATUS_ACCESS_VIOLATION);
    KT_EQ(view[0], 1);
    other[0] = 3;                                   /* the other view is still writable */
    KT_EQ(view[0], 3);
    EXPECT_REGION(view, view, PAGE_READWRITE, PAGE, MEM_COMMIT, PAGE_READONLY);
    EXPECT_REGION(view + PAGE, view, PAGE_READWRITE, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(VirtualProtect(view, 2 * PAGE, PAGE_WRITECOPY, &old), TRUE);
    KT_EQ(old, PAGE_READONLY);
    view[PAGE] = 4;                                 /* a copy now */
    KT_EQ(other[PAGE], 0);
    EXPECT_REGION(view + PAGE, view, PAGE_READWRITE, 3 * PAGE, MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(VirtualProtect(view + 2 * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old), TRUE);
    KT_STATUS(Touch(view + 2 * PAGE, FALSE, 0), STATUS_GUARD_PAGE_VIOLATION);
    KT_STATUS(Touch(view + 2 * PAGE, TRUE, 5), STATUS_SUCCESS);
    KT_EQ(other[2 * PAGE], 5);
    KT_EQ(VirtualProtect(view, PAGE, PAGE_EXECUTE_READWRITE, &old), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(VirtualProtect(none, PAGE, PAGE_READONLY, &old), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_STATUS(Touch(none, FALSE, 0), STATUS_ACCESS_VIOLATION);
    EXPECT_REGION(none, none, PAGE_NOACCESS, 4 * PAGE, MEM_COMMIT, PAGE_NOACCESS);
    /* A commit may change a view's protection beyond the view's own (Windows lets it). */
    KT_EQ(VirtualAlloc(none, PAGE, MEM_COMMIT, PAGE_READONLY), none);
    KT_EQ(none[0], 3);
    KT_STATUS(Touch(none, TRUE, 1), STATUS_ACCESS_VIOLATION);
    Unmap(none);
    Unmap(other);
    Unmap(view);
    Close(section);
}

/* ---- names ------------------------------------------------------------------------------ */

/* Named sections through kernel32 and the native calls: an existing name opens the same
 * section (ERROR_ALREADY_EXISTS, STATUS_OBJECT_NAME_EXISTS), names are case-sensitive unless
 * OBJ_CASE_INSENSITIVE asks otherwise, and a name goes with its last handle even while views
 * live. */
static void TestNames(void)
{
    HANDLE first, second, third, opened;
    PUCHAR a, b;
    NAME name;

    SetLastError(0xDEADBEEF);
    first = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, "section.names");
    KT_EXPECT(first != NULL);
    KT_EQ(GetLastError(), ERROR_SUCCESS);
    SetLastError(0xDEADBEEF);
    second = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x8000, "section.names");
    KT_EXPECT(second != NULL && second != first);
    KT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
    a = MapViewOfFile(first, FILE_MAP_WRITE, 0, 0, 0);
    b = MapViewOfFile(second, FILE_MAP_READ, 0, 0, 0);
    EXPECT_REGION(b, b, PAGE_READONLY, PAGE, MEM_COMMIT, PAGE_READONLY);    /* the first's size */
    a[10] = 10;
    KT_EQ(b[10], 10);
    SetLastError(0xDEADBEEF);
    third = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, "SECTION.NAMES");
    KT_EXPECT(third != NULL);
    KT_EQ(GetLastError(), ERROR_SUCCESS);           /* another name: another section */
    CloseHandle(third);
    KT_EQ(OpenFileMappingA(FILE_MAP_READ, FALSE, "SECTION.NAMES"), NULL);
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    KT_STATUS(NtOpenSection(&opened, SECTION_MAP_READ,
                            Named(&name, "\\BaseNamedObjects\\SECTION.NAMES", OBJ_CASE_INSENSITIVE)),
              STATUS_SUCCESS);
    CloseHandle(opened);
    KT_STATUS(NtOpenSection(&opened, SECTION_MAP_READ,
                            Named(&name, "\\basenamedobjects\\section.names", OBJ_CASE_INSENSITIVE)),
              STATUS_SUCCESS);
    CloseHandle(opened);
    KT_STATUS(Create(&opened, PAGE, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BaseNamedObjects\\section.names", 0)),
              STATUS_OBJECT_NAME_COLLISION);
    KT_STATUS(Create(&opened, PAGE, PAGE_READWRITE, SEC_RESERVE,
                     Named(&name, "\\BaseNamedObjects\\section.names", OBJ_OPENIF)),
              STATUS_OBJECT_NAME_EXISTS);
    CloseHandle(opened);
    /* A new section's own checks come first. */
    KT_STATUS(Create(&opened, 0, PAGE_READWRITE, SEC_COMMIT,
                     Named(&name, "\\BaseNamedObjects\\section.names", OBJ_OPENIF)),
              STATUS_INVALID_PARAMETER_4);
    opened = OpenFileMappingA(FILE_MAP_READ | SECTION_QUERY, FALSE, "section.names");
    KT_EXPECT(opened != NULL);
    KT_EQ(MapViewOfFile(opened, FILE_MAP_WRITE, 0, 0, 0), NULL);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    CloseHandle(opened);
    KT_STATUS(NtOpenSection(&opened, SECTION_MAP_READ, NULL), STATUS_INVALID_PARAMETER);
    InitializeObjectAttributes(&name.Attributes, NULL, 0, NULL, NULL);
    KT_STATUS(NtOpenSection(&opened, SECTION_MAP_READ, &name.Attributes),
              STATUS_OBJECT_PATH_SYNTAX_BAD);
    KT_STATUS(NtOpenSection(&opened, SECTION_MAP_READ,
                            Named(&name, "\\BaseNamedObjects\\section.nothing", 0)),
              STATUS_OBJECT_NAME_NOT_FOUND);
    KT_STATUS(NtOpenSection(&opened, SECTION_MAP_READ, Named(&name, "\\BaseNamedObjects", 0)),
              STATUS_OBJECT_TYPE_MISMATCH);
    KT_STATUS(NtOpenSection((PHANDLE)0x7FFF0000, SECTION_MAP_READ,
                            Named(&name, "\\BaseNamedObjects\\section.names", 0)),
              STATUS_ACCESS_VIOLATION);
    KT_EQ(OpenFileMappingA(FILE_MAP_READ, FALSE, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000,
                             "Local\\section.names"), NULL);
    KT_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
    /* The last handle takes the name; the views keep the section. */
    CloseHandle(first);
    CloseHandle(second);
    KT_EQ(OpenFileMappingA(FILE_MAP_READ, FALSE, "section.names"), NULL);
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    KT_EQ(b[10], 10);
    first = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, "section.names");
    KT_EQ(GetLastError(), ERROR_SUCCESS);
    KT_STATUS(Touch(b, TRUE, 0), STATUS_ACCESS_VIOLATION);     /* a read-only view */
    Unmap(a);
    Unmap(b);
    CloseHandle(first);
}

/* kernel32's calls: the protections each FILE_MAP_ access maps with, and their errors. */
static void TestKernel32(void)
{
    HANDLE mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x20000, NULL);
    HANDLE reserve = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE,
                                        0, 0x20000, NULL);
    SECTION_BASIC_INFORMATION info;
    PUCHAR view;

    KT_EXPECT(mapping != NULL && reserve != NULL);
    KT_STATUS(NtQuerySection(mapping, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_SUCCESS);
    KT_EQ(info.Attributes, SEC_COMMIT);
    KT_STATUS(NtQuerySection(reserve, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_SUCCESS);
    KT_EQ(info.Attributes, SEC_RESERVE);
    view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    EXPECT_REGION(view, view, PAGE_READWRITE, 0x20000, MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(FlushViewOfFile(view, 0), TRUE);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    view = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, 0);
    EXPECT_REGION(view, view, PAGE_WRITECOPY, 0x20000, MEM_COMMIT, PAGE_WRITECOPY);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0x10000, 0);
    EXPECT_REGION(view, view, PAGE_READONLY, 0x10000, MEM_COMMIT, PAGE_READONLY);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    view = MapViewOfFile(mapping, 0, 0, 0, PAGE);
    EXPECT_REGION(view, view, PAGE_NOACCESS, PAGE, MEM_COMMIT, PAGE_NOACCESS);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    view = MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0, PARENT_BASE);
    KT_EQ(view, PARENT_BASE);
    KT_EQ(MapViewOfFileEx(mapping, FILE_MAP_WRITE, 0, 0, 0, PARENT_BASE), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    KT_EQ(UnmapViewOfFile(view), TRUE);
    KT_EQ(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0x1000, 0), NULL);
    KT_EQ(GetLastError(), ERROR_MAPPED_ALIGNMENT);
    KT_EQ(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0x20001), NULL);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);     /* STATUS_INVALID_VIEW_SIZE */
    KT_EQ(MapViewOfFile(mapping, FILE_MAP_WRITE | FILE_MAP_EXECUTE, 0, 0, 0), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER); /* STATUS_SECTION_PROTECTION */
    KT_EQ(UnmapViewOfFile((PVOID)0x10000), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    view = VirtualAlloc(NULL, PAGE, MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(FlushViewOfFile(view, 0), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    VirtualFree(view, 0, MEM_RELEASE);
    KT_EQ(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_NOACCESS, 0, PAGE, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_IMAGE, 0, PAGE, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_BAD_EXE_FORMAT);
    KT_EQ(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 1, 0, NULL), NULL);
    KT_EQ(GetLastError(), ERROR_NOT_ENOUGH_MEMORY);  /* STATUS_SECTION_TOO_BIG */
    CloseHandle(reserve);
    CloseHandle(mapping);
}

/* ---- two processes ------------------------------------------------------------------- */

/* Wait until the handshake word says Value (or time runs out). */
static BOOL WaitForFlag(volatile ULONG *Flag, ULONG Value)
{
    for (ULONG waited = 0; *Flag != Value; waited += 10) {
        if (waited >= HANDSHAKE_MS)
            return FALSE;
        Sleep(10);
    }
    return TRUE;
}

/*
 * The child of TestTwoProcesses (`section.exe child NAME`): it opens the section by name and
 * maps it at CHILD_BASE, sees what the parent wrote, writes for the parent to see, waits for
 * the parent's answer, then writes through a write-copy view, which the parent must not see.
 * Exits with 0, or the line that failed.
 */
static int ChildMain(const char *Name)
{
    HANDLE section = OpenFileMappingA(FILE_MAP_WRITE | FILE_MAP_READ, FALSE, Name);
    PUCHAR view, copy;
    volatile ULONG *flag;

    if (!section)
        return __LINE__;
    view = MapViewOfFileEx(section, FILE_MAP_WRITE, 0, 0, 0, CHILD_BASE);
    copy = MapViewOfFile(section, FILE_MAP_COPY, 0, 0, 0);
    if (view != CHILD_BASE || !copy)
        return __LINE__;
    flag = (volatile ULONG *)(view + FLAG_OFFSET);
    if (strcmp((char *)view + 2 * PAGE, "from the parent") != 0)
        return __LINE__;
    strcpy((char *)view + 3 * PAGE, "from the child");
    *flag = 1;
    if (!WaitForFlag(flag, 2) || strcmp((char *)view + 4 * PAGE, "answered") != 0)
        return __LINE__;
    if (strcmp((char *)copy + 4 * PAGE, "answered") != 0)
        return __LINE__;
    strcpy((char *)copy + 4 * PAGE, "copied");
    SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1);
    if (strcmp((char *)copy + 4 * PAGE, "copied") != 0 ||
        strcmp((char *)view + 4 * PAGE, "answered") != 0)
        return __LINE__;
    *flag = 3;
    if (!WaitForFlag(flag, 4))
        return __LINE__;
    return 0;
}

/* A named section shared with a child process, each mapping it at its own address: a write
 * by one is read by the other at once; the child's write-copy view keeps its write to itself. */
static void TestTwoProcesses(void)
{
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 8 * PAGE,
                                        SHARED_NAME);
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[] = "section.exe child \"" SHARED_NAME "\"";
    volatile ULONG *flag;
    DWORD code = 0xDEAD;
    PUCHAR view;

    view = MapViewOfFileEx(section, FILE_MAP_WRITE, 0, 0, 0, PARENT_BASE);
    KT_EQ(view, PARENT_BASE);
    if (!view)
        return;
    flag = (volatile ULONG *)(view + FLAG_OFFSET);
    strcpy((char *)view + 2 * PAGE, "from the parent");
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (!child.hProcess)
        return;
    KT_EQ(WaitForFlag(flag, 1), TRUE);
    KT_EQ(strcmp((char *)view + 3 * PAGE, "from the child"), 0);
    strcpy((char *)view + 4 * PAGE, "answered");
    *flag = 2;
    KT_EQ(WaitForFlag(flag, 3), TRUE);
    KT_EQ(strcmp((char *)view + 4 * PAGE, "answered"), 0);     /* not the child's copy */
    *flag = 4;
    KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
    KT_EQ(code, 0);
    KT_EQ(strcmp((char *)view + 3 * PAGE, "from the child"), 0);    /* outlives the child */
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    Unmap(view);
    CloseHandle(section);
}

/* ---- based sections ---------------------------------------------------------------- */

static PVOID BaseOf(HANDLE Section, ULONG Attributes, LONGLONG Size)
{
    SECTION_BASIC_INFORMATION info;

    memset(&info, 0xCC, sizeof(info));
    KT_STATUS(NtQuerySection(Section, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_SUCCESS);
    KT_EQ(info.Attributes, Attributes);
    KT_EQ(info.Size.QuadPart, Size);
    return info.BaseAddress;
}

/*
 * The child of TestBased (`section.exe basedchild NAME`): it opens the section by name and maps
 * it with no base, which puts it where the parent's view is: the pointers the parent left in
 * it lead to the parent's words. Exits with 0, or the line that failed.
 */
static int BasedChildMain(const char *Name)
{
    HANDLE section = OpenFileMappingA(FILE_MAP_WRITE, FALSE, Name);
    PUCHAR view = section ? MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    PVOID base = NULL;
    SIZE_T size = 0;

    if (!view || *(PUCHAR *)view != view)
        return __LINE__;
    if (strcmp(((char **)view)[1], "left by the parent") != 0)
        return __LINE__;
    strcpy(((char **)view)[2], "and the child");
    if (NtMapViewOfSection(section, GetCurrentProcess(), &base, 0, 0, NULL, &size, ViewShare, 0,
                           PAGE_READWRITE) != STATUS_CONFLICTING_ADDRESSES)
        return __LINE__;
    return 0;
}

/*
 * SEC_BASED: each section gets, when it is created, a 64 KB-aligned range of its size, top-down
 * from MmHighSectionBase, the same in every process; a view with no base goes there (at the
 * offset), or fails with STATUS_CONFLICTING_ADDRESSES where something is; a view with a base
 * goes there as usual. The range is the section object's: it is free again when the object
 * goes, even while views of the section stay. A child mapping the named section with no base
 * lands at the parent's address.
 */
static void TestBased(void)
{
    HANDLE first = CreateOk(0x20000, PAGE_READWRITE, SEC_COMMIT | SEC_BASED);
    HANDLE second = CreateOk(0x3000, PAGE_READWRITE, SEC_RESERVE | SEC_BASED), third;
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[] = "section.exe basedchild \"" BASED_NAME "\"";
    PUCHAR based = BaseOf(first, SEC_BASED | SEC_COMMIT, 0x20000), view, other, reserved;
    DWORD code = 0xDEAD;
    NAME name;

#define MAP_BASED(Handle, Base, Offset, Size, Expected)                                       \
    ExpectMap((Handle), (PVOID)(Base), 0, 0, (Offset), (Size), ViewShare, 0, PAGE_READWRITE,   \
              (Expected), __LINE__)

    KT_EQ(based, (PUCHAR)HIGH_SECTION_END - 0x20000);
    KT_EQ(BaseOf(second, SEC_BASED | SEC_RESERVE, 0x3000), based - GRAIN);
    view = MapOk(first, NULL, 0, 0, PAGE_READWRITE);
    KT_EQ(view, based);
    EXPECT_REGION(view, based, PAGE_READWRITE, 0x20000, MEM_COMMIT, PAGE_READWRITE);
    MAP_BASED(first, 0, 0, 0, STATUS_CONFLICTING_ADDRESSES);
    other = MapOk(first, PARENT_BASE, 0, 0, PAGE_READWRITE);
    KT_EQ(other, PARENT_BASE);
    strcpy((char *)view + 0x10010, "one section");
    KT_EQ(strcmp((char *)other + 0x10010, "one section"), 0);
    Unmap(other);
    Unmap(view);
    view = MapOk(first, NULL, 0x10000, 0, PAGE_READWRITE);
    KT_EQ(view, based + 0x10000);
    KT_EQ(strcmp((char *)view + 0x10, "one section"), 0);
    Unmap(view);
    reserved = VirtualAlloc(based + 0x1F000, PAGE, MEM_RESERVE, PAGE_READWRITE);
    KT_EQ(reserved, based + 0x10000);
    MAP_BASED(first, 0, 0, 0, STATUS_CONFLICTING_ADDRESSES);
    MAP_BASED(first, 0, 0, 0x10000, STATUS_SUCCESS);
    KT_EQ(VirtualFree(reserved, 0, MEM_RELEASE), TRUE);
    /* The range goes with the object: a new section gets it while a view of the old stays. */
    view = MapOk(first, NULL, 0, 0, PAGE_READWRITE);
    Close(first);
    third = CreateOk(GRAIN, PAGE_READWRITE, SEC_COMMIT | SEC_BASED);
    KT_EQ(BaseOf(third, SEC_BASED | SEC_COMMIT, GRAIN), based + 0x10000);
    MAP_BASED(third, 0, 0, 0, STATUS_CONFLICTING_ADDRESSES);
    KT_EQ(strcmp((char *)view + 0x10010, "one section"), 0);
    Unmap(view);
    MAP_BASED(third, 0, 0, 0, STATUS_SUCCESS);
    Close(third);
    Close(second);
    /* Two processes. */
    KT_STATUS(Create(&first, 8 * PAGE, PAGE_READWRITE, SEC_COMMIT | SEC_BASED,
                     Named(&name, "\\BaseNamedObjects\\" BASED_NAME, 0)), STATUS_SUCCESS);
    based = BaseOf(first, SEC_BASED | SEC_COMMIT, 8 * PAGE);
    KT_EQ(based, (PUCHAR)HIGH_SECTION_END - GRAIN);
    view = MapOk(first, NULL, 0, 0, PAGE_READWRITE);
    KT_EQ(view, based);
    if (!view)
        return;
    ((PUCHAR *)view)[0] = view;
    ((PUCHAR *)view)[1] = view + PAGE;
    ((PUCHAR *)view)[2] = view + 2 * PAGE;
    strcpy((char *)view + PAGE, "left by the parent");
    KT_EQ(CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child), TRUE);
    if (child.hProcess) {
        KT_EQ(WaitForSingleObject(child.hProcess, HANDSHAKE_MS), WAIT_OBJECT_0);
        KT_EQ(GetExitCodeProcess(child.hProcess, &code), TRUE);
        KT_EQ(code, 0);
        CloseHandle(child.hThread);
        CloseHandle(child.hProcess);
    }
    KT_EQ(strcmp((char *)view + 2 * PAGE, "and the child"), 0);
    Unmap(view);
    Close(first);
#undef MAP_BASED
}

/* ---- large pages ----------------------------------------------------------------------- */

typedef struct {
    ULONG_PTR VirtualAddress;
    ULONG Valid : 1, ShareCount : 3, Win32Protection : 11, Shared : 1, Node : 6, Locked : 1,
          LargePage : 1, Reserved : 8;
} WS_EX;

static WS_EX QueryWs(const volatile void *Address)
{
    WS_EX info = { .VirtualAddress = (ULONG_PTR)Address };

    KT_STATUS(NtQueryVirtualMemory(GetCurrentProcess(), NULL, MemoryWorkingSetExInformationClass,
                                   &info, sizeof(info), NULL), STATUS_SUCCESS);
    return info;
}

static SYSTEM_PERFORMANCE_INFORMATION Performance(void)
{
    SYSTEM_PERFORMANCE_INFORMATION performance;
    ULONG length;

    KT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &performance,
                                       sizeof(performance), &length), STATUS_SUCCESS);
    return performance;
}

static ULONG PhysicalPages(void)
{
    SYSTEM_BASIC_INFORMATION basic;
    ULONG length;

    KT_STATUS(NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic), &length),
              STATUS_SUCCESS);
    return basic.NumberOfPhysicalPages;
}

/* What a page of a large-page section says through a view on large pages: mapped by a PS PDE
 * (LargePage), locked, shared by Views views, with Protect. */
static __attribute__((noinline)) void ExpectLarge(const volatile void *Address, ULONG Views,
                                                  ULONG Protect, int Line)
{
    WS_EX ws = QueryWs(Address);
    int before = KtapFailures;

    KT_EQ(ws.Valid, 1);
    KT_EQ(ws.LargePage, 1);
    KT_EQ(ws.Locked, 1);
    KT_EQ(ws.Shared, 1);
    KT_EQ(ws.ShareCount, Views);
    KT_EQ(ws.Win32Protection, Protect);
    if (KtapFailures != before)
        printf("# (the page expected at line %d)\n", Line);
}

#define EXPECT_LARGE(Address, Views, Protect) ExpectLarge((Address), (Views), (Protect), __LINE__)

/* Each page's first word says which page it is. */
static ULONG CountUnstamped(PUCHAR View, ULONG Pages, ULONG First)
{
    ULONG bad = 0;

    for (ULONG i = 0; i < Pages; i++)
        bad += *(volatile ULONG *)(View + i * PAGE) != 0x5EC00000 + First + i;
    return bad;
}

/*
 * SEC_LARGE_PAGES: its statuses; its 8 MB taken when it is created; views of 4 MB multiples at
 * 4 MB-aligned bases mapped by large pages (QueryWorkingSetEx: LargePage, Locked, and as many
 * shares as views), zeroed, read-write or read-only, one protection, nothing to commit there;
 * views of other sizes, and copy-on-write ones, on small pages over the same memory, trimmed
 * and faulted back; the memory and commitment back when the last view and handle go. SKIP
 * where memory cannot hold two 4 MB runs.
 */
static void TestLargePages(void)
{
    const ULONG size = 2 * LARGE_PAGE, pages = size / PAGE;
    SYSTEM_PERFORMANCE_INFORMATION before;
    PUCHAR view, readonly, small, copy;
    SECTION_BASIC_INFORMATION info;
    ULONG bad = 0, old, available, committed, charge = CommitCharge();
    HANDLE section;
    NTSTATUS status;
    SIZE_T region = PAGE;
    PVOID base;

    KT_STATUS(Create(&section, GRAIN, PAGE_READWRITE, SEC_COMMIT | SEC_LARGE_PAGES, NULL),
              STATUS_INVALID_PARAMETER_4);
    before = Performance();
    status = Create(&section, size, PAGE_READWRITE, SEC_COMMIT | SEC_LARGE_PAGES, NULL);
    if ((status == STATUS_INSUFFICIENT_RESOURCES || status == STATUS_COMMITMENT_LIMIT) &&
        PhysicalPages() < 6 * (LARGE_PAGE / PAGE)) {
        KT_SKIP("memory cannot hold two 4 MB pages (fewer than 24 MB)");
        return;
    }
    KT_STATUS(status, STATUS_SUCCESS);
    if (!NT_SUCCESS(status))
        return;
    KT_EXPECT(before.AvailablePages - Performance().AvailablePages >= pages);
    committed = Performance().CommittedPages - before.CommittedPages;
    KT_EXPECT(committed >= pages && committed <= pages + 3);    /* + its prototypes' paged pool */
    KT_STATUS(NtQuerySection(section, SectionBasicInformation, &info, sizeof(info), NULL),
              STATUS_SUCCESS);
    KT_EQ(info.Attributes, SEC_COMMIT);

    /* The whole section on large pages, at a 4 MB-aligned base found for it: zeroed. */
    view = MapOk(section, NULL, 0, 0, PAGE_READWRITE);
    if (!view)
        return;
    KT_EQ((ULONG_PTR)view & (LARGE_PAGE - 1), 0);
    EXPECT_LARGE(view + 5 * PAGE, 1, PAGE_READWRITE);
    EXPECT_LARGE(view + LARGE_PAGE + 7 * PAGE, 1, PAGE_READWRITE);
    EXPECT_REGION(view + PAGE, view, PAGE_READWRITE, size - PAGE, MEM_COMMIT, PAGE_READWRITE);
    for (ULONG i = 0; i < pages; i++)
        bad += ((volatile ULONG *)(view + i * PAGE))[i % (PAGE / 4)] != 0;
    KT_EQ(bad, 0);
    for (ULONG i = 0; i < pages; i++)
        *(volatile ULONG *)(view + i * PAGE) = 0x5EC00000 + i;

    /* Its second 4 MB read-only, on a large page too: the same memory, not writable. */
    readonly = MapOk(section, NULL, LARGE_PAGE, LARGE_PAGE, PAGE_READONLY);
    KT_EQ((ULONG_PTR)readonly & (LARGE_PAGE - 1), 0);
    EXPECT_LARGE(readonly + 3 * PAGE, 2, PAGE_READONLY);
    KT_EQ(CountUnstamped(readonly, LARGE_PAGE / PAGE, LARGE_PAGE / PAGE), 0);
    KT_STATUS(Touch(readonly + 9, TRUE, 1), STATUS_ACCESS_VIOLATION);

    /* Not a 4 MB multiple, or copy-on-write: small pages over the same frames. */
    small = MapOk(section, NULL, GRAIN, LARGE_PAGE / 2, PAGE_READWRITE);
    KT_EQ(CountUnstamped(small, LARGE_PAGE / 2 / PAGE, GRAIN / PAGE), 0);
    KT_EQ(QueryWs(small + PAGE).LargePage, 0);
    KT_EQ(QueryWs(small + PAGE).ShareCount, 3);     /* the section's own, the large view's, this */
    small[PAGE + 8] = 0x77;
    KT_EQ(view[GRAIN + PAGE + 8], 0x77);
    TrimWorkingSet();
    KT_EQ(QueryWs(small + PAGE).Valid, 0);          /* trimmed; the page stays */
    KT_EQ(small[PAGE + 8], 0x77);
    EXPECT_LARGE(view + GRAIN + PAGE, 2, PAGE_READWRITE);
    /* A copy-on-write view charges commitment for all of itself: under 24 MB, with the
     * section's 8 MB charged and no paging file, there may not be 4 MB more to charge. */
    copy = NULL;
    region = LARGE_PAGE;
    status = Map(section, (PVOID *)&copy, 0, &region, PAGE_WRITECOPY);
    if (status == STATUS_COMMITMENT_LIMIT && PhysicalPages() < 6 * (LARGE_PAGE / PAGE)) {
        printf("# no copy-on-write view: STATUS_COMMITMENT_LIMIT with %lu pages of memory\n",
               PhysicalPages());
    } else {
        KT_STATUS(status, STATUS_SUCCESS);
    }
    if (copy) {
        KT_EQ(CountUnstamped(copy, 4, 0), 0);
        KT_EQ(QueryWs(copy + 2 * PAGE).LargePage, 0);
        copy[2 * PAGE + 4] = 0x55;
        KT_EQ(view[2 * PAGE + 4], 0);
    }
    region = PAGE;

    /* One protection; nothing to commit or lock. */
    KT_EQ(VirtualProtect(view + PAGE, PAGE, PAGE_READWRITE, &old), TRUE);
    KT_EQ(old, PAGE_READWRITE);
    KT_EQ(VirtualProtect(view, PAGE, PAGE_READONLY, &old), FALSE);
    KT_EQ(GetLastError(), ERROR_INVALID_ADDRESS);
    base = view;
    KT_STATUS(NtAllocateVirtualMemory(GetCurrentProcess(), &base, 0, &region, MEM_COMMIT,
                                      PAGE_READWRITE), STATUS_INVALID_PAGE_PROTECTION);
    KT_EQ(VirtualLock(view + 3 * PAGE, 2 * PAGE), TRUE);        /* resident already */
    KT_EQ(VirtualUnlock(view + 3 * PAGE, 2 * PAGE), FALSE);
    KT_EQ(GetLastError(), ERROR_NOT_LOCKED);

    /* The handle goes first: the views keep the memory; the last view gives it back. */
    Close(section);
    KT_EQ(CountUnstamped(view + 5 * PAGE, 1, 5), 0);
    Unmap(copy);
    Unmap(small);
    Unmap(readonly);
    EXPECT_LARGE(view + LARGE_PAGE, 1, PAGE_READWRITE);
    available = Performance().AvailablePages;
    Unmap(view);
    KT_EQ(Query(view).State, MEM_FREE);
    KT_EXPECT(Performance().AvailablePages - available >= pages);
    /* All the commitment back but the page tables charged for the views, which stay charged to
     * the process until it ends (NT's rule). */
    KT_EQ(Performance().CommittedPages - before.CommittedPages, (CommitCharge() - charge) / PAGE);
}

/* ---- paging: tests/sectionpaging.t ------------------------------------------------------ */

#define PAGING_NAME             "section.exe paging"

static ULONG Pattern(ULONG Word, ULONG Round)
{
    return (Word * 2654435761u) ^ (Round * 0x9E3779B9u);
}

/* Words of Pages pages from View that do not hold Round's pattern (odd pages Odd's). */
static ULONG CountBad(PULONG View, ULONG Pages, ULONG Round, ULONG Odd)
{
    ULONG bad = 0;

    for (ULONG word = 0; word < Pages * (PAGE / 4); word++)
        bad += View[word] != Pattern(word, (word / (PAGE / 4)) & 1 ? Odd : Round);
    return bad;
}

static void Fill(PULONG View, ULONG Pages, ULONG Round, BOOL OddOnly)
{
    for (ULONG word = 0; word < Pages * (PAGE / 4); word++) {
        if (!OddOnly || ((word / (PAGE / 4)) & 1))
            View[word] = Pattern(word, Round);
    }
}

/* `section.exe pagingchild NAME MB`: the other process: checks the parent's words, writes the
 * odd pages, trims itself and checks again. Exits with the number of bad words (0). */
static int PagingChildMain(const char *Name, ULONG Megabytes)
{
    ULONG pages = Megabytes * 256, bad;
    HANDLE section = OpenFileMappingA(FILE_MAP_WRITE, FALSE, Name);
    PULONG view = section ? MapViewOfFileEx(section, FILE_MAP_WRITE, 0, 0, 0, CHILD_BASE) : NULL;

    if (!view)
        return -1;
    bad = CountBad(view, pages, 1, 1);
    printf("# child: %lu bad words of %lu after the parent's writes\n", bad, pages * (PAGE / 4));
    Fill(view, pages, 2, TRUE);
    SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1);
    bad += CountBad(view, pages, 1, 2);
    printf("# child: %lu bad words after its own writes and a trim\n", bad);
    return (int)bad;
}

/*
 * `section.exe paging MB`: a section of MB MiB (more than memory) shared with a child: the
 * parent writes every word and empties its working set; the child checks every word, writes
 * the odd pages, empties its own and checks again, and ends; the parent checks every word
 * (the child's on the odd pages), empties its working set and checks again. KTAP, one case.
 */
static int PagingMain(ULONG Megabytes)
{
    ULONG pages = Megabytes * 256, bad;
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                        Megabytes << 20, PAGING_NAME);
    STARTUPINFOA startup = { .cb = sizeof(startup) };
    PROCESS_INFORMATION child = { 0 };
    char line[64];
    DWORD code = 0xDEAD;
    PULONG view;

    printf("KTAP version 1\n1..1\n");
    view = section ? MapViewOfFileEx(section, FILE_MAP_WRITE, 0, 0, 0, PARENT_BASE) : NULL;
    if (!view) {
        printf("# no section of %lu MB: error %lu\nnot ok 1 user.section.paging\n", Megabytes,
               GetLastError());
        return 1;
    }
    Fill(view, pages, 1, FALSE);
    SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1);
    snprintf(line, sizeof(line), "section.exe pagingchild \"%s\" %lu", PAGING_NAME, Megabytes);
    if (!CreateProcessA(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &child) ||
        WaitForSingleObject(child.hProcess, INFINITE) != WAIT_OBJECT_0 ||
        !GetExitCodeProcess(child.hProcess, &code))
        code = 0xDEAD;
    printf("# the child ended with %lu\n", code);
    bad = CountBad(view, pages, 1, 2);
    SetProcessWorkingSetSize(GetCurrentProcess(), (SIZE_T)-1, (SIZE_T)-1);
    bad += CountBad(view, pages, 1, 2);
    printf("# parent: %lu bad words of %lu, read twice\n", bad, pages * (PAGE / 4));
    printf("%s 1 user.section.paging\n", bad == 0 && code == 0 ? "ok" : "not ok");
    UnmapViewOfFile(view);
    CloseHandle(section);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    return bad != 0 || code != 0;
}

static const KTAP_CASE Cases[] = {
    { "user.section.create_statuses", TestCreateStatuses },
    { "user.section.query_extend", TestQueryAndExtend },
    { "user.section.map_statuses", TestMapStatuses },
    { "user.section.map_placement", TestMapPlacement },
    { "user.section.shared_views", TestSharedViews },
    { "user.section.trimmed_views", TestTrimmedViews },
    { "user.section.copy_on_write", TestCopyOnWrite },
    { "user.section.reserve", TestReserve },
    { "user.section.protect", TestProtect },
    { "user.section.names", TestNames },
    { "user.section.kernel32", TestKernel32 },
    { "user.section.two_processes", TestTwoProcesses },
    { "user.section.based", TestBased },
    { "user.section.large_pages", TestLargePages },
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return ChildMain(argv[2]);
    if (argc == 3 && strcmp(argv[1], "basedchild") == 0)
        return BasedChildMain(argv[2]);
    if (argc == 3 && strcmp(argv[1], "paging") == 0)
        return PagingMain(strtoul(argv[2], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "pagingchild") == 0)
        return PagingChildMain(argv[2], strtoul(argv[3], NULL, 10));
    return KtapRun(Cases, ARRAYSIZE(Cases));
}
