/*
 * kernel/ps/psdll.c: the system DLLs (NT's PspInitializeSystemDll and PspMapSystemDll, with
 * the \KnownDlls directory smss makes in NT). At start-up each known DLL the loader brought
 * as a multiboot module (ntdll.dll, kernel32.dll: tools/boot passes build/user's whenever it
 * runs a program) gets an image section, a permanent object named \KnownDlls\NAME, which
 * ntdll's loader maps with NtOpenSection and NtMapViewOfSection. ntdll.dll's section is also
 * kept here: every process gets a view of it at its base (0x7C900000) as it is created, its
 * first thread starts at ntdll's LdrInitializeThunk with the program's entry point in eax,
 * and exceptions go to ntdll's KiUserExceptionDispatcher — unless the program exports its
 * own (a program linked with a static runtime, as before the DLLs). Without ntdll.dll, a
 * process starts at its program's entry point, as it did before.
 */
#include "kernel/ps/ps.h"
#include "mm/image.h"

static const char *const PspKnownDlls[] = { "ntdll.dll", "kernel32.dll" };
static void *PspKnownDllSections[ARRAYSIZE(PspKnownDlls)];     /* referenced; NULL: none */
#define PspSystemDllSection     PspKnownDllSections[0]                /* ntdll.dll's */

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

void PspInitializeSystemDlls(void)
{
    for (uint32_t i = 0; i < ARRAYSIZE(PspKnownDlls); i++) {
        uint16_t buffer[48];
        NT_UNICODE_STRING name;
        OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, &name,
                                         OBJ_PERMANENT | OBJ_CASE_INSENSITIVE, NULL, NULL };
        void *section = NULL;
        HANDLE handle;
        NTSTATUS status;

        if (!MmFindLoaderModule(PspKnownDlls[i]))
            continue;
        PspKnownDllName(&name, buffer, ARRAYSIZE(buffer), PspKnownDlls[i]);
        status = MmCreateImageSection(PspKnownDlls[i], &attributes, &section);
        if (NT_SUCCESS(status) && !MmGetSectionImageInfo(section)->Dll)
            status = STATUS_INVALID_IMAGE_FORMAT;
        if (!NT_SUCCESS(status)) {
            DbgPrint("KnownDlls: %s: status 0x%08x, not a known DLL\n", PspKnownDlls[i], status);
            if (section)
                ObDereferenceObject(section);
            continue;
        }
        ObReferenceObject(section);
        status = ObInsertObject(section, SECTION_ALL_ACCESS, OBJ_KERNEL_HANDLE, NULL, &handle);
        if (!NT_SUCCESS(status)) {
            DbgPrint("KnownDlls: %s: status 0x%08x naming it\n", PspKnownDlls[i], status);
            ObDereferenceObject(section);
            continue;
        }
        ObCloseHandle(handle, KernelMode);      /* permanent: the name stays */
        PspKnownDllSections[i] = section;       /* and so does the object, referenced here */
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
