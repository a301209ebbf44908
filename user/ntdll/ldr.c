/*
 * user/ntdll/ldr.c: the loader, as small as NT's start-up allows (ntdll's ldrinit.c and
 * ldrsnap.c): every process's first thread starts here, at LdrInitializeThunk, with the
 * program's entry point in eax (the kernel maps the program and ntdll.dll, PspMapSystemDll).
 *
 *   LdrpInitialize    ntdll.dll is the first module; the program's imports are walked, and
 *                     each DLL's in turn, once
 *   LdrpLoadDll       a DLL by name: ntdll.dll is already here; any other is a known DLL,
 *                     whose image section the kernel made at start-up as \KnownDlls\NAME,
 *                     mapped with NtMapViewOfSection; none of that name:
 *                     STATUS_DLL_NOT_FOUND. One whose base is taken (the program is there:
 *                     STATUS_IMAGE_NOT_AT_BASE) is relocated (LdrpRelocateImage).
 *   LdrpSnapImports   each import resolved by name (the export names' binary search) or by
 *                     ordinal against the DLL's export table and written into the import
 *                     address table (made write-copy for the time, so written on a private
 *                     copy):
 *                     a name the DLL does not export is STATUS_ENTRYPOINT_NOT_FOUND, an
 *                     ordinal STATUS_ORDINAL_NOT_FOUND; a forwarded export is not supported
 *                     (STATUS_ENTRYPOINT_NOT_FOUND)
 *   then              each DLL's entry point (DLL_PROCESS_ATTACH; FALSE is
 *                     STATUS_DLL_INIT_FAILED), and the program's entry point.
 *
 * A failure ends the process with its status, as NT's LdrpInitializeProcess does. A damaged
 * import table faults in here and the process ends with the fault's status. No PEB_LDR_DATA
 * module lists are kept (nothing reads them yet).
 */
#include <string.h>
#include "ntdll.h"

#ifndef STATUS_DLL_NOT_FOUND
#define STATUS_DLL_NOT_FOUND            ((NTSTATUS)0xC0000135L)
#endif
#ifndef STATUS_ORDINAL_NOT_FOUND
#define STATUS_ORDINAL_NOT_FOUND        ((NTSTATUS)0xC0000138L)
#endif
#ifndef STATUS_ENTRYPOINT_NOT_FOUND
#define STATUS_ENTRYPOINT_NOT_FOUND     ((NTSTATUS)0xC0000139L)
#endif
#ifndef STATUS_DLL_INIT_FAILED
#define STATUS_DLL_INIT_FAILED          ((NTSTATUS)0xC0000142L)
#endif
#ifndef STATUS_IMAGE_NOT_AT_BASE
#define STATUS_IMAGE_NOT_AT_BASE        ((NTSTATUS)0x40000003L)
#endif
#ifndef STATUS_CONFLICTING_ADDRESSES
#define STATUS_CONFLICTING_ADDRESSES    ((NTSTATUS)0xC0000018L)
#endif

#define LDRP_MAXIMUM_MODULES    16
#define LDRP_MAXIMUM_NAME       64
#define LDRP_KNOWN_DLLS         L"\\KnownDlls\\"

typedef struct _LDRP_MODULE {
    char Name[LDRP_MAXIMUM_NAME];
    PUCHAR Base;
} LDRP_MODULE;

static LDRP_MODULE LdrpModules[LDRP_MAXIMUM_MODULES];
static ULONG LdrpModuleCount;

static PIMAGE_NT_HEADERS32 LdrpNtHeaders(PUCHAR Base)
{
    return (PIMAGE_NT_HEADERS32)(Base + ((PIMAGE_DOS_HEADER)Base)->e_lfanew);
}

/* A data directory of a mapped image; NULL when it has none. */
static PVOID LdrpDirectory(PUCHAR Base, ULONG Index, ULONG *Size)
{
    PIMAGE_NT_HEADERS32 nt = LdrpNtHeaders(Base);
    PIMAGE_DATA_DIRECTORY directory;

    if (Index >= nt->OptionalHeader.NumberOfRvaAndSizes)
        return NULL;
    directory = &nt->OptionalHeader.DataDirectory[Index];
    if (directory->VirtualAddress == 0)
        return NULL;
    *Size = directory->Size;
    return Base + directory->VirtualAddress;
}

static BOOLEAN LdrpEqualNames(const char *A, const char *B)
{
    for (;; A++, B++) {
        char a = *A >= 'A' && *A <= 'Z' ? *A + 32 : *A, b = *B >= 'A' && *B <= 'Z' ? *B + 32 : *B;

        if (a != b)
            return FALSE;
        if (!a)
            return TRUE;
    }
}

/* NT's LdrpSnapThunk's lookup: the address of export Name (or, Name NULL, of Ordinal). */
static NTSTATUS LdrpGetProcedureAddress(PUCHAR Base, const char *Name, ULONG Ordinal,
                                        ULONG_PTR *Address)
{
    NTSTATUS missing = Name ? STATUS_ENTRYPOINT_NOT_FOUND : STATUS_ORDINAL_NOT_FOUND;
    ULONG size = 0, index, rva;
    PIMAGE_EXPORT_DIRECTORY exports = LdrpDirectory(Base, IMAGE_DIRECTORY_ENTRY_EXPORT, &size);
    PULONG functions;

    if (!exports)
        return missing;
    functions = (PULONG)(Base + exports->AddressOfFunctions);
    if (Name) {
        PULONG names = (PULONG)(Base + exports->AddressOfNames);
        PUSHORT ordinals = (PUSHORT)(Base + exports->AddressOfNameOrdinals);
        LONG low = 0, high = (LONG)exports->NumberOfNames - 1;

        index = ~0u;
        while (low <= high) {
            LONG middle = low + (high - low) / 2;
            int order = strcmp(Name, (const char *)(Base + names[middle]));

            if (order == 0) {
                index = ordinals[middle];
                break;
            }
            if (order < 0)
                high = middle - 1;
            else
                low = middle + 1;
        }
    } else {
        index = Ordinal - exports->Base;
    }
    if (index >= exports->NumberOfFunctions || functions[index] == 0)
        return missing;
    rva = functions[index];
    if (rva >= (ULONG)((PUCHAR)exports - Base) && rva < (ULONG)((PUCHAR)exports - Base) + size)
        return STATUS_ENTRYPOINT_NOT_FOUND;     /* a forwarder */
    *Address = (ULONG_PTR)(Base + rva);
    return STATUS_SUCCESS;
}

static NTSTATUS LdrpWalkImports(PUCHAR Base);

/* The PAGE_* a section's characteristics give it in an image view (NT's image protections,
 * writable ones write-copy). */
static ULONG LdrpSectionProtection(ULONG Characteristics)
{
    static const ULONG protection[8] = {
        PAGE_NOACCESS, PAGE_EXECUTE, PAGE_READONLY, PAGE_EXECUTE_READ,
        PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY,
    };

    return protection[(Characteristics >> 29) & 7];
}

/* Every section of the image at Base given Protect, or with 0 its own. */
static void LdrpProtectSections(PUCHAR Base, ULONG Protect)
{
    PIMAGE_NT_HEADERS32 nt = LdrpNtHeaders(Base);
    PIMAGE_SECTION_HEADER sections = IMAGE_FIRST_SECTION(nt);

    for (ULONG i = 0; i < nt->FileHeader.NumberOfSections; i++) {
        PVOID at = Base + sections[i].VirtualAddress;
        SIZE_T size = sections[i].Misc.VirtualSize ? sections[i].Misc.VirtualSize
                                                   : sections[i].SizeOfRawData;
        ULONG old;

        if (size)
            NtProtectVirtualMemory(NtCurrentProcess(), &at, &size,
                                   Protect ? Protect : LdrpSectionProtection(sections[i].Characteristics),
                                   &old);
    }
}

/*
 * NT's LdrRelocateImage: a DLL mapped away from its base (STATUS_IMAGE_NOT_AT_BASE) gets its
 * base relocations applied, each section made write-copy for the time, so the pages the
 * fixups touch become this process's copies. Only HIGHLOW (and ABSOLUTE padding) fixups exist
 * in an x86 image; anything else, or a block leaving the image, is
 * STATUS_INVALID_IMAGE_FORMAT. An image without relocations cannot move:
 * STATUS_CONFLICTING_ADDRESSES.
 */
static NTSTATUS LdrpRelocateImage(PUCHAR Base)
{
    PIMAGE_NT_HEADERS32 nt = LdrpNtHeaders(Base);
    ULONG size = 0, delta = (ULONG)(ULONG_PTR)Base - nt->OptionalHeader.ImageBase;
    PUCHAR block = LdrpDirectory(Base, IMAGE_DIRECTORY_ENTRY_BASERELOC, &size), end;
    NTSTATUS status = STATUS_SUCCESS;

    if (!block || (nt->FileHeader.Characteristics & IMAGE_FILE_RELOCS_STRIPPED))
        return STATUS_CONFLICTING_ADDRESSES;
    end = block + size;
    LdrpProtectSections(Base, PAGE_EXECUTE_WRITECOPY);
    while (block + sizeof(IMAGE_BASE_RELOCATION) <= end && NT_SUCCESS(status)) {
        PIMAGE_BASE_RELOCATION header = (PIMAGE_BASE_RELOCATION)block;
        PUSHORT entry = (PUSHORT)(header + 1);
        ULONG count;

        if (header->SizeOfBlock < sizeof(*header) || header->SizeOfBlock > (ULONG)(end - block) ||
            header->VirtualAddress >= nt->OptionalHeader.SizeOfImage) {
            status = STATUS_INVALID_IMAGE_FORMAT;
            break;
        }
        count = (header->SizeOfBlock - sizeof(*header)) / sizeof(USHORT);
        for (ULONG i = 0; i < count; i++) {
            ULONG offset = header->VirtualAddress + (entry[i] & 0xFFF);

            if ((entry[i] >> 12) == IMAGE_REL_BASED_ABSOLUTE)
                continue;
            if ((entry[i] >> 12) != IMAGE_REL_BASED_HIGHLOW ||
                offset + sizeof(ULONG) > nt->OptionalHeader.SizeOfImage) {
                status = STATUS_INVALID_IMAGE_FORMAT;
                break;
            }
            *(PULONG)(Base + offset) += delta;
        }
        block += header->SizeOfBlock;
    }
    LdrpProtectSections(Base, 0);
    return status;
}

/* A known DLL's image section, mapped (and relocated when its base is taken);
 * STATUS_DLL_NOT_FOUND when there is none. */
static NTSTATUS LdrpMapKnownDll(const char *Name, PUCHAR *Base)
{
    WCHAR path[sizeof(LDRP_KNOWN_DLLS) / sizeof(WCHAR) + LDRP_MAXIMUM_NAME];
    ULONG length = 0;
    UNICODE_STRING string;
    OBJECT_ATTRIBUTES attributes;
    HANDLE section;
    PVOID base = NULL;
    SIZE_T size = 0;
    NTSTATUS status;

    for (const WCHAR *p = LDRP_KNOWN_DLLS; *p; p++)
        path[length++] = *p;
    for (; *Name; Name++)
        path[length++] = (UCHAR)*Name;
    path[length] = 0;
    RtlInitUnicodeString(&string, path);
    InitializeObjectAttributes(&attributes, &string, OBJ_CASE_INSENSITIVE, NULL, NULL);
    status = NtOpenSection(&section, SECTION_MAP_READ | SECTION_MAP_EXECUTE, &attributes);
    if (!NT_SUCCESS(status))
        return STATUS_DLL_NOT_FOUND;
    status = NtMapViewOfSection(section, NtCurrentProcess(), &base, 0, 0, NULL, &size, ViewShare,
                                0, PAGE_EXECUTE_WRITECOPY);
    NtClose(section);
    if (status == STATUS_IMAGE_NOT_AT_BASE) {
        status = LdrpRelocateImage(base);
        if (!NT_SUCCESS(status))
            NtUnmapViewOfSection(NtCurrentProcess(), base);
    }
    if (NT_SUCCESS(status))
        *Base = base;
    return status;
}

/* NT's LdrpLoadDll at start-up: the module Name, mapped and its imports snapped. */
static NTSTATUS LdrpLoadDll(const char *Name, PUCHAR *Base)
{
    LDRP_MODULE *module;
    NTSTATUS status;

    for (ULONG i = 0; i < LdrpModuleCount; i++) {
        if (LdrpEqualNames(LdrpModules[i].Name, Name)) {
            *Base = LdrpModules[i].Base;
            return STATUS_SUCCESS;
        }
    }
    if (strlen(Name) >= LDRP_MAXIMUM_NAME || LdrpModuleCount == LDRP_MAXIMUM_MODULES)
        return STATUS_DLL_NOT_FOUND;
    module = &LdrpModules[LdrpModuleCount];
    status = LdrpMapKnownDll(Name, &module->Base);
    if (!NT_SUCCESS(status))
        return status;
    strcpy(module->Name, Name);
    LdrpModuleCount++;
    *Base = module->Base;
    return LdrpWalkImports(module->Base);
}

/* NT's LdrpSnapIAT: one import descriptor's table, from the DLL at Dll. */
static NTSTATUS LdrpSnapImports(PUCHAR Base, PIMAGE_IMPORT_DESCRIPTOR Descriptor, PUCHAR Dll)
{
    PIMAGE_THUNK_DATA32 names = (PIMAGE_THUNK_DATA32)(Base + (Descriptor->OriginalFirstThunk
                                                              ? Descriptor->OriginalFirstThunk
                                                              : Descriptor->FirstThunk));
    PIMAGE_THUNK_DATA32 table = (PIMAGE_THUNK_DATA32)(Base + Descriptor->FirstThunk);
    PVOID protectBase = table;
    SIZE_T count = 0, protectSize;
    ULONG old = 0, ignored;
    NTSTATUS status = STATUS_SUCCESS;

    while (names[count].u1.AddressOfData)
        count++;
    if (count == 0)
        return STATUS_SUCCESS;
    protectSize = count * sizeof(*table);
    status = NtProtectVirtualMemory(NtCurrentProcess(), &protectBase, &protectSize, PAGE_WRITECOPY,
                                    &old);
    if (!NT_SUCCESS(status))
        return status;
    for (SIZE_T i = 0; i < count && NT_SUCCESS(status); i++) {
        ULONG_PTR address = 0;

        if (IMAGE_SNAP_BY_ORDINAL32(names[i].u1.Ordinal))
            status = LdrpGetProcedureAddress(Dll, NULL, IMAGE_ORDINAL32(names[i].u1.Ordinal), &address);
        else
            status = LdrpGetProcedureAddress(Dll, (const char *)((PIMAGE_IMPORT_BY_NAME)
                                                 (Base + names[i].u1.AddressOfData))->Name,
                                             0, &address);
        if (NT_SUCCESS(status))
            table[i].u1.Function = address;
    }
    NtProtectVirtualMemory(NtCurrentProcess(), &protectBase, &protectSize, old, &ignored);
    return status;
}

/* Every import of the image at Base: its DLLs loaded, its tables snapped. */
static NTSTATUS LdrpWalkImports(PUCHAR Base)
{
    ULONG size = 0;
    PIMAGE_IMPORT_DESCRIPTOR descriptor = LdrpDirectory(Base, IMAGE_DIRECTORY_ENTRY_IMPORT, &size);
    NTSTATUS status = STATUS_SUCCESS;

    for (; descriptor && descriptor->Name && NT_SUCCESS(status); descriptor++) {
        PUCHAR dll;

        status = LdrpLoadDll((const char *)(Base + descriptor->Name), &dll);
        if (NT_SUCCESS(status))
            status = LdrpSnapImports(Base, descriptor, dll);
    }
    return status;
}

/* The process's start (LdrInitializeThunk's C half): returns the program's entry point. */
__attribute__((used)) ULONG_PTR LdrpInitialize(ULONG_PTR Entry)
{
    MEMORY_BASIC_INFORMATION self;
    NTSTATUS status;

    status = NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)LdrpInitialize, MemoryBasicInformation,
                                  &self, sizeof(self), NULL);
    if (NT_SUCCESS(status)) {
        strcpy(LdrpModules[0].Name, "ntdll.dll");
        LdrpModules[0].Base = self.AllocationBase;
        LdrpModuleCount = 1;
        status = LdrpWalkImports(NtCurrentPeb()->ImageBaseAddress);
    }
    for (ULONG i = 1; i < LdrpModuleCount && NT_SUCCESS(status); i++) {
        PUCHAR base = LdrpModules[i].Base;
        ULONG entry = LdrpNtHeaders(base)->OptionalHeader.AddressOfEntryPoint;

        if (entry && !((BOOL (WINAPI *)(PVOID, ULONG, PVOID))(base + entry))(base, DLL_PROCESS_ATTACH,
                                                                             (PVOID)1))
            status = STATUS_DLL_INIT_FAILED;
    }
    if (!NT_SUCCESS(status))
        NtTerminateProcess(NtCurrentProcess(), status);
    return Entry;
}

/* The kernel starts every process's first thread here, the program's entry point in eax. */
__asm__(".text\n"
        ".globl _LdrInitializeThunk\n"
        "_LdrInitializeThunk:\n"
        "    pushl %eax\n"
        "    call _LdrpInitialize\n"
        "    addl $4, %esp\n"
        "    jmp *%eax\n");

/* ntdll.dll's own entry point: nothing to do. */
BOOL WINAPI LdrpNtdllEntry(PVOID Base, ULONG Reason, PVOID Context)
{
    (void)Base;
    (void)Reason;
    (void)Context;
    return TRUE;
}
