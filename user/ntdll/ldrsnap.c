/*
 * user/ntdll/ldrsnap.c: a DLL brought in and bound (NT's ldrsnap.c), the loader lock held.
 *
 *   LdrpLoadDll       a DLL by name: one on the lists is referenced again; any other is a
 *                     known DLL, whose image section the kernel made at start-up as
 *                     \KnownDlls\NAME, mapped with NtMapViewOfSection (none of that name, or
 *                     a name with a directory: STATUS_DLL_NOT_FOUND). One whose base is taken
 *                     (STATUS_IMAGE_NOT_AT_BASE) is relocated (LdrpRelocateImage). Its
 *                     imports are then loaded and snapped, and it goes on the initialization
 *                     order list after them, LDRP_LOAD_IN_PROGRESS until its DllMain is taken
 *                     up (ldrutil.c); with Resolve FALSE (DONT_RESOLVE_DLL_REFERENCES) it is
 *                     only mapped: no imports, no DllMain, not an LDRP_IMAGE_DLL.
 *   LdrpSnapIAT       each import resolved by name (the export names' binary search) or by
 *                     ordinal and written into the import address table (made write-copy for
 *                     the time, so written on a private copy): a name the DLL does not export
 *                     is STATUS_ENTRYPOINT_NOT_FOUND, an ordinal STATUS_ORDINAL_NOT_FOUND.
 *   forwarders        an export whose address lies in the export directory is the text
 *                     "DLL.Name": DLL.dll is loaded (and stays: nothing releases it) and Name
 *                     looked up in it; "DLL.#N" (by ordinal) is not supported, and a chain of
 *                     more than LDRP_MAXIMUM_FORWARDS is STATUS_ENTRYPOINT_NOT_FOUND.
 *
 * A failure releases what the failing load took (LdrpDereferenceImports). A damaged import
 * table faults in here, and at start-up the process ends with the fault's status.
 */
#include <string.h>
#include "ldrp.h"

#define LDRP_MAXIMUM_FORWARDS   8

static PVOID LdrpDirectory(PVOID Base, ULONG Index, ULONG *Size)
{
    PIMAGE_NT_HEADERS32 nt = LdrpNtHeaders(Base);
    PIMAGE_DATA_DIRECTORY directory;

    if (Index >= nt->OptionalHeader.NumberOfRvaAndSizes)
        return NULL;
    directory = &nt->OptionalHeader.DataDirectory[Index];
    if (directory->VirtualAddress == 0)
        return NULL;
    *Size = directory->Size;
    return (PUCHAR)Base + directory->VirtualAddress;
}

/* strcmp of Key's Length characters against the zero-terminated Export. */
static int LdrpCompareExportName(const char *Key, ULONG Length, const char *Export)
{
    for (ULONG i = 0; i < Length; i++) {
        if (Key[i] != Export[i])
            return (UCHAR)Key[i] - (UCHAR)Export[i];
    }
    return Export[Length] ? -1 : 0;
}

/* The export table's index of Name (Length characters); ~0u when it has none. */
static ULONG LdrpNameToIndex(PUCHAR Base, PIMAGE_EXPORT_DIRECTORY Exports, const char *Name,
                             ULONG Length)
{
    PULONG names = (PULONG)(Base + Exports->AddressOfNames);
    PUSHORT ordinals = (PUSHORT)(Base + Exports->AddressOfNameOrdinals);
    LONG low = 0, high = (LONG)Exports->NumberOfNames - 1;

    while (low <= high) {
        LONG middle = low + (high - low) / 2;
        int order = LdrpCompareExportName(Name, Length, (const char *)(Base + names[middle]));

        if (order == 0)
            return ordinals[middle];
        if (order < 0)
            high = middle - 1;
        else
            low = middle + 1;
    }
    return ~0u;
}

static NTSTATUS LdrpLookupExport(PVOID Base, const char *Name, ULONG Length, ULONG Ordinal,
                                 BOOLEAN Static, ULONG Depth, PVOID *Address);

/* A forwarder "DLL.Name": DLL.dll loaded, Name looked up in it. */
static NTSTATUS LdrpSnapForwarder(const char *Forwarder, BOOLEAN Static, ULONG Depth,
                                  PVOID *Address)
{
    const char *dot = strrchr(Forwarder, '.');
    WCHAR buffer[LDRP_MAXIMUM_NAME];
    UNICODE_STRING name;
    PLDR_DATA_TABLE_ENTRY target;
    ULONG length = 0;
    NTSTATUS status;

    if (!dot || dot[1] == '#' || Depth >= LDRP_MAXIMUM_FORWARDS ||
        dot - Forwarder + sizeof(LDRP_DLL_EXTENSION) / sizeof(WCHAR) > LDRP_MAXIMUM_NAME)
        return STATUS_ENTRYPOINT_NOT_FOUND;
    for (const char *p = Forwarder; p < dot; p++)
        buffer[length++] = (UCHAR)*p;
    for (const WCHAR *p = LDRP_DLL_EXTENSION; *p; p++)
        buffer[length++] = *p;
    name.Buffer = buffer;
    name.Length = name.MaximumLength = (USHORT)(length * sizeof(WCHAR));
    status = LdrpLoadDll(&name, Static, TRUE, &target);
    if (!NT_SUCCESS(status))
        return status;
    return LdrpLookupExport(target->DllBase, dot + 1, (ULONG)strlen(dot + 1), 0, Static,
                            Depth + 1, Address);
}

/* NT's LdrpSnapThunk's lookup: the address of export Name (Length characters) or, Name NULL,
 * of Ordinal. */
static NTSTATUS LdrpLookupExport(PVOID Base, const char *Name, ULONG Length, ULONG Ordinal,
                                 BOOLEAN Static, ULONG Depth, PVOID *Address)
{
    NTSTATUS missing = Name ? STATUS_ENTRYPOINT_NOT_FOUND : STATUS_ORDINAL_NOT_FOUND;
    PUCHAR base = Base;
    ULONG size = 0, index, rva, start;
    PIMAGE_EXPORT_DIRECTORY exports = LdrpDirectory(Base, IMAGE_DIRECTORY_ENTRY_EXPORT, &size);

    if (!exports)
        return missing;
    index = Name ? LdrpNameToIndex(base, exports, Name, Length) : Ordinal - exports->Base;
    if (index >= exports->NumberOfFunctions)
        return missing;
    rva = ((PULONG)(base + exports->AddressOfFunctions))[index];
    if (rva == 0)
        return missing;
    start = (ULONG)((PUCHAR)exports - base);
    if (rva >= start && rva < start + size)
        return LdrpSnapForwarder((const char *)(base + rva), Static, Depth, Address);
    *Address = base + rva;
    return STATUS_SUCCESS;
}

NTSTATUS LdrpGetProcedureAddress(PVOID Base, const char *Name, ULONG NameLength, ULONG Ordinal,
                                 BOOLEAN Static, PVOID *Address)
{
    return LdrpLookupExport(Base, Name, NameLength, Ordinal, Static, 0, Address);
}

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
 * STATUS_DLL_NOT_FOUND when there is none. *Relocated says whether it moved. */
static NTSTATUS LdrpMapKnownDll(const UNICODE_STRING *Name, PVOID *Base, BOOLEAN *Relocated)
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
    for (ULONG i = 0; i < Name->Length / sizeof(WCHAR); i++) {
        if (Name->Buffer[i] == L'\\' || Name->Buffer[i] == L'/' || length == ARRAYSIZE(path) - 1)
            return STATUS_DLL_NOT_FOUND;        /* a path: files are not searched */
        path[length++] = Name->Buffer[i];
    }
    path[length] = 0;
    RtlInitUnicodeString(&string, path);
    InitializeObjectAttributes(&attributes, &string, OBJ_CASE_INSENSITIVE, NULL, NULL);
    status = NtOpenSection(&section, SECTION_MAP_READ | SECTION_MAP_EXECUTE, &attributes);
    if (!NT_SUCCESS(status))
        return STATUS_DLL_NOT_FOUND;
    status = NtMapViewOfSection(section, NtCurrentProcess(), &base, 0, 0, NULL, &size, ViewShare,
                                0, PAGE_EXECUTE_WRITECOPY);
    NtClose(section);
    *Relocated = status == STATUS_IMAGE_NOT_AT_BASE;
    if (*Relocated) {
        status = LdrpRelocateImage(base);
        if (!NT_SUCCESS(status))
            NtUnmapViewOfSection(NtCurrentProcess(), base);
    }
    if (NT_SUCCESS(status))
        *Base = base;
    return status;
}

/* NT's LdrpMapDll: the known DLL Name mapped and on the load-order lists, not yet bound. */
static NTSTATUS LdrpMapDll(const UNICODE_STRING *Name, BOOLEAN Static, PLDR_DATA_TABLE_ENTRY *Entry)
{
    PLDR_DATA_TABLE_ENTRY entry;
    BOOLEAN relocated = FALSE;
    PVOID base = NULL;
    NTSTATUS status = LdrpMapKnownDll(Name, &base, &relocated);

    if (!NT_SUCCESS(status))
        return status;
    entry = LdrpAllocateDataTableEntry(base, LDRP_KNOWN_DLLS, Name);
    if (!entry) {
        NtUnmapViewOfSection(NtCurrentProcess(), base);
        return STATUS_NO_MEMORY;
    }
    entry->LoadCount = Static ? LDRP_PINNED_LOAD_COUNT : 1;
    entry->Flags |= LDRP_LOAD_IN_PROGRESS | (Static ? LDRP_STATIC_LINK : 0) |
                    (relocated ? LDRP_IMAGE_NOT_AT_BASE : 0);
    LdrpInsertDataTableEntry(entry);
    *Entry = entry;
    return STATUS_SUCCESS;
}

NTSTATUS LdrpLoadDll(const UNICODE_STRING *Name, BOOLEAN Static, BOOLEAN Resolve,
                     PLDR_DATA_TABLE_ENTRY *Entry)
{
    PLDR_DATA_TABLE_ENTRY entry;
    ULONG start;
    NTSTATUS status;

    if (LdrpCheckForLoadedDll(Name, &entry)) {
        LdrpReferenceDll(entry, Static);
        *Entry = entry;
        return STATUS_SUCCESS;
    }
    status = LdrpMapDll(Name, Static, &entry);
    if (!NT_SUCCESS(status))
        return status;
    if (!Resolve) {
        entry->Flags = (entry->Flags & ~LDRP_LOAD_IN_PROGRESS) | LDRP_ENTRY_PROCESSED;
        *Entry = entry;
        return STATUS_SUCCESS;
    }
    start = LdrpNtHeaders(entry->DllBase)->OptionalHeader.AddressOfEntryPoint;
    entry->EntryPoint = start ? (PUCHAR)entry->DllBase + start : NULL;
    entry->Flags |= LDRP_IMAGE_DLL;
    status = LdrpWalkImportDescriptor(entry, Static);
    if (!NT_SUCCESS(status)) {
        LdrpUnloadDataTableEntry(entry);
        return status;
    }
    InsertTailList(&PebLdr.InInitializationOrderModuleList, &entry->InInitializationOrderLinks);
    *Entry = entry;
    return STATUS_SUCCESS;
}

/* NT's LdrpSnapIAT: one import descriptor's table, from the DLL at Dll. */
static NTSTATUS LdrpSnapIAT(PUCHAR Base, PIMAGE_IMPORT_DESCRIPTOR Descriptor, PVOID Dll,
                            BOOLEAN Static)
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
        PVOID address = NULL;

        if (IMAGE_SNAP_BY_ORDINAL32(names[i].u1.Ordinal)) {
            status = LdrpGetProcedureAddress(Dll, NULL, 0, IMAGE_ORDINAL32(names[i].u1.Ordinal),
                                             Static, &address);
        } else {
            const char *name = (const char *)((PIMAGE_IMPORT_BY_NAME)
                                              (Base + names[i].u1.AddressOfData))->Name;

            status = LdrpGetProcedureAddress(Dll, name, (ULONG)strlen(name), 0, Static, &address);
        }
        if (NT_SUCCESS(status))
            table[i].u1.Function = (ULONG_PTR)address;
    }
    NtProtectVirtualMemory(NtCurrentProcess(), &protectBase, &protectSize, old, &ignored);
    return status;
}

/* An import descriptor's DLL name as a UNICODE_STRING in Buffer; FALSE when too long. */
static BOOLEAN LdrpImportName(PVOID Base, PIMAGE_IMPORT_DESCRIPTOR Descriptor, WCHAR *Buffer,
                              UNICODE_STRING *Name)
{
    const char *text = (const char *)Base + Descriptor->Name;
    ULONG length = 0;

    for (; text[length]; length++) {
        if (length == LDRP_MAXIMUM_NAME)
            return FALSE;
        Buffer[length] = (UCHAR)text[length];
    }
    Name->Buffer = Buffer;
    Name->Length = Name->MaximumLength = (USHORT)(length * sizeof(WCHAR));
    return TRUE;
}

/* Every import of Entry's image: its DLLs loaded (each referenced once per descriptor), its
 * tables snapped. On failure the DLLs it took are released again. */
NTSTATUS LdrpWalkImportDescriptor(PLDR_DATA_TABLE_ENTRY Entry, BOOLEAN Static)
{
    ULONG size = 0, done = 0;
    PIMAGE_IMPORT_DESCRIPTOR descriptor = LdrpDirectory(Entry->DllBase, IMAGE_DIRECTORY_ENTRY_IMPORT,
                                                        &size);
    NTSTATUS status = STATUS_SUCCESS;

    for (; descriptor && descriptor->Name && NT_SUCCESS(status); descriptor++) {
        WCHAR buffer[LDRP_MAXIMUM_NAME];
        UNICODE_STRING name;
        PLDR_DATA_TABLE_ENTRY dll;

        if (!LdrpImportName(Entry->DllBase, descriptor, buffer, &name)) {
            status = STATUS_DLL_NOT_FOUND;
            break;
        }
        status = LdrpLoadDll(&name, Static, TRUE, &dll);
        if (!NT_SUCCESS(status))
            break;
        done++;
        status = LdrpSnapIAT(Entry->DllBase, descriptor, dll->DllBase, Static);
    }
    if (!NT_SUCCESS(status))
        LdrpDereferenceImports(Entry, done);
    return status;
}

/* The DLLs of Entry's first Count import descriptors, each dereferenced once. */
void LdrpDereferenceImports(PLDR_DATA_TABLE_ENTRY Entry, ULONG Count)
{
    ULONG size = 0;
    PIMAGE_IMPORT_DESCRIPTOR descriptor = LdrpDirectory(Entry->DllBase, IMAGE_DIRECTORY_ENTRY_IMPORT,
                                                        &size);

    for (ULONG i = 0; descriptor && i < Count && descriptor->Name; i++, descriptor++) {
        WCHAR buffer[LDRP_MAXIMUM_NAME];
        UNICODE_STRING name;
        PLDR_DATA_TABLE_ENTRY dll;

        if (LdrpImportName(Entry->DllBase, descriptor, buffer, &name) &&
            LdrpCheckForLoadedDll(&name, &dll))
            LdrpDereferenceDll(dll);
    }
}
