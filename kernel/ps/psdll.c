/*
 * kernel/ps/psdll.c: the system DLLs (NT's PspInitializeSystemDll and PspMapSystemDll, with
 * the \KnownDlls directory smss makes in NT from the registry's KnownDLLs list). Here the list
 * is the boot loader's modules: at start-up each module named *.dll (ntdll.dll and
 * kernel32.dll, which tools/boot passes whenever it runs a program, and any DLL given with
 * --exe) gets an image section, a permanent object named \KnownDlls\NAME, which ntdll's loader
 * maps with NtOpenSection and NtMapViewOfSection, at start-up for a program's imports and
 * later for LoadLibrary; a module that is not a DLL image is reported and left out. There is
 * no other place a DLL comes from (files on C: are not searched). ntdll.dll's section is also
 * kept here: every process gets a view of it at its base (0x7C900000) as it is created, its
 * first thread starts at ntdll's LdrInitializeThunk with the program's entry point in eax,
 * and exceptions go to ntdll's KiUserExceptionDispatcher — unless the program exports its
 * own (a program linked with a static runtime, as before the DLLs). Without ntdll.dll, a
 * process starts at its program's entry point, as it did before.
 */
#include "kernel/ps/ps.h"
#include "mm/image.h"

#define PSP_SYSTEM_DLL          "ntdll.dll"

static void *PspSystemDllSection;       /* ntdll.dll's; NULL: none */

/* \KnownDlls\Name as a kernel-mode UNICODE_STRING in Buffer. */
static void PspKnownDllName(NT_UNICODE_STRING *String, uint16_t *Buffer, uint32_t Size,
                            const char *Name)
{
    static const char prefix[] = "\\KnownDlls\\";
    uint32_t length = 0;

    for (const char *p = prefix; *p && length < Size - 1; p++)
        Buffer[length++] = (uint8_t)*p;
    for (; *Name && length < Size - 1; Name++)
        Buffer[length++] = (uint8_t)*Name;
    String->Length = String->MaximumLength = (uint16_t)(length * sizeof(uint16_t));
    String->Buffer = (uint32_t)(uintptr_t)Buffer;
}

static bool PspIsDllName(const char *Name)
{
    static const char extension[] = ".dll";
    uint32_t length = (uint32_t)strlen(Name), tail = sizeof(extension) - 1;

    if (length <= tail)
        return false;
    for (uint32_t i = 0; i < tail; i++) {
        char c = Name[length - tail + i];

        if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != extension[i])
            return false;
    }
    return true;
}

/* The loader module Name as the known DLL \KnownDlls\Name; NULL when it is not a DLL image
 * or cannot be named (reported). The section keeps a reference of its own forever (and its
 * name, being permanent), so the pointer returned stays good. */
static void *PspCreateKnownDll(const char *Name)
{
    uint16_t buffer[16 + LOADER_MODULE_NAME_SIZE];
    NT_UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, &name,
                                     OBJ_PERMANENT | OBJ_CASE_INSENSITIVE, NULL, NULL };
    void *section = NULL;
    HANDLE handle;
    NTSTATUS status;

    PspKnownDllName(&name, buffer, ARRAYSIZE(buffer), Name);
    status = MmCreateImageSection(Name, &attributes, &section);
    if (NT_SUCCESS(status) && !MmGetSectionImageInfo(section)->Dll)
        status = STATUS_INVALID_IMAGE_FORMAT;
    if (!NT_SUCCESS(status)) {
        DbgPrint("KnownDlls: %s: status 0x%08x, not a known DLL\n", Name, status);
        if (section)
            ObDereferenceObject(section);
        return NULL;
    }
    ObReferenceObject(section);
    status = ObInsertObject(section, SECTION_ALL_ACCESS, OBJ_KERNEL_HANDLE, NULL, &handle);
    if (!NT_SUCCESS(status)) {
        DbgPrint("KnownDlls: %s: status 0x%08x naming it\n", Name, status);
        ObDereferenceObject(section);
        return NULL;
    }
    ObCloseHandle(handle, KernelMode);          /* permanent: the name stays */
    return section;                             /* and so does the object, referenced */
}

void PspInitializeSystemDlls(void)
{
    for (uint32_t i = 0; i < KeLoaderBlock.ModuleCount; i++) {
        const char *name = KeLoaderBlock.Modules[i].Name;
        void *section;

        if (!PspIsDllName(name))
            continue;
        section = PspCreateKnownDll(name);
        if (section && MmFindLoaderModule(PSP_SYSTEM_DLL) == &KeLoaderBlock.Modules[i])
            PspSystemDllSection = section;
    }
}

/*
 * NT's PspMapSystemDll: ntdll.dll into Process (attached), at its base. *LdrThunk gets its
 * LdrInitializeThunk and *Dispatcher its KiUserExceptionDispatcher; both 0 without ntdll.dll.
 * A process whose ntdll cannot be at its base is not made (STATUS_CONFLICTING_ADDRESSES).
 */
NTSTATUS PspMapSystemDll(EPROCESS *Process, uintptr_t *LdrThunk, uintptr_t *Dispatcher)
{
    const MI_IMAGE_INFO *info;
    uintptr_t base = 0;
    uint32_t rva;
    NTSTATUS status;

    *LdrThunk = *Dispatcher = 0;
    if (!PspSystemDllSection)
        return STATUS_SUCCESS;
    info = MmGetSectionImageInfo(PspSystemDllSection);
    status = MmMapViewOfImageSection(PspSystemDllSection, &Process->Pcb, &base);
    if (status == STATUS_IMAGE_NOT_AT_BASE)
        return STATUS_CONFLICTING_ADDRESSES;        /* the view goes with the process */
    if (!NT_SUCCESS(status))
        return status;
    if (NT_SUCCESS(MiLookupImageExport((void *)base, info, "LdrInitializeThunk", &rva)))
        *LdrThunk = base + rva;
    if (NT_SUCCESS(MiLookupImageExport((void *)base, info, "KiUserExceptionDispatcher", &rva)))
        *Dispatcher = base + rva;
    return STATUS_SUCCESS;
}
