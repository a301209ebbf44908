/*
 * kernel/ps/fork.c: NtCreateProcess and NtCreateProcessEx: with a parent process and no
 * section, the POSIX fork NT supports (PspCreateProcess's clone path). The new process is the
 * parent's copy (MmCloneProcessAddressSpace, mm/forksup.c: private pages shared copy-on-write,
 * views mapped again, the PEB where the parent's is) with no thread: the caller gives it one
 * (NtCreateThread, from the context it forked in — ntdll's RtlCloneUserProcess does this).
 * With a section, the process NT 5's kernel32 CreateProcess makes: the image section mapped
 * and ntdll.dll, a PEB and process parameters (mm386's kernel writes them: the image's name
 * as its path and command line, the console as its standard handles — NT's kernel32 writes
 * its own afterwards), no thread: the caller makes it with NtCreateThread at the image's
 * entry point (SectionImageInformation's TransferAddress) on a stack it allocates in the
 * process, and that thread starts in ntdll's loader (create.c).
 *
 * NT's checks in NT's order: the handle pointer probed (left as it was), no parent
 * STATUS_INVALID_PARAMETER, Flags outside PROCESS_CREATE_FLAGS_LEGAL_MASK
 * STATUS_INVALID_PARAMETER, the parent handle with PROCESS_CREATE_PROCESS, the section handle
 * with SECTION_MAP_EXECUTE (STATUS_ACCESS_DENIED), a section that is not an image's
 * STATUS_SECTION_NOT_IMAGE. Not built: debug and exception ports (no LPC) —
 * STATUS_NOT_SUPPORTED. With PROCESS_CREATE_FLAGS_INHERIT_HANDLES the child has the parent's
 * OBJ_INHERIT handles at their values (ObDuplicateInheritedHandles); then, in the lowest free
 * slot, a console handle (the parent's is not inheritable, and its PEB names the lowest slot).
 */
#include "kernel/ps/ps.h"

#define PROCESS_CREATE_PROCESS                      0x0080
#define PROCESS_CREATE_FLAGS_BREAKAWAY              0x00000001
#define PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT       0x00000002
#define PROCESS_CREATE_FLAGS_INHERIT_HANDLES        0x00000004
#define PROCESS_CREATE_FLAGS_OVERRIDE_ADDRESS_SPACE 0x00000008
#define PROCESS_CREATE_FLAGS_LEGAL_MASK             0x0000000F

/* The clone of Parent, referenced, with no thread. */
static NTSTATUS PspCreateClonedProcess(EPROCESS *Parent, uint32_t Flags, EPROCESS **Process)
{
    EPROCESS *process;
    uint32_t dtb[2];
    HANDLE console = NULL;
    KIRQL oldIrql;
    NTSTATUS status;

    status = ObCreateObject(&PsProcessType, sizeof(EPROCESS), (void **)&process);
    if (!NT_SUCCESS(status))
        return status;
    InitializeListHead(&process->ThreadListHead);
    InitializeListHead(&process->ActiveProcessLinks);
    process->ExitStatus = STATUS_PENDING;
    process->UniqueProcessId = PspAllocateId();
    process->InheritedFromUniqueProcessId = Parent->UniqueProcessId;
    process->CreateTime = KeTickCount;
    RtlCopyMemory(process->ImageFileName, Parent->ImageFileName, sizeof(process->ImageFileName));
    status = SeCreatePrimaryToken(Parent->Token, &process->Token);
    if (NT_SUCCESS(status) && !MmCreateProcessAddressSpace(&process->Mm, dtb))
        status = STATUS_INSUFFICIENT_RESOURCES;
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(process);
        return status;
    }
    KeInitializeProcess(&process->Pcb, dtb[0], dtb[1]);
    status = MmInitializeProcessAddressSpace(&process->Pcb, MmIsLargeAddressAware(&Parent->Pcb));
    if (NT_SUCCESS(status))
        status = ObCreateHandleTable(&process->ObjectTable);
    if (NT_SUCCESS(status) && (Flags & PROCESS_CREATE_FLAGS_INHERIT_HANDLES) && Parent->ObjectTable)
        status = ObDuplicateInheritedHandles(Parent->ObjectTable, process->ObjectTable);
    if (NT_SUCCESS(status))
        status = IoCreateConsoleHandle(process->ObjectTable, &console);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(process);
        return status;
    }
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    InsertTailList(&PsActiveProcessHead, &process->ActiveProcessLinks);
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    status = MmCloneProcessAddressSpace(&Parent->Pcb, &process->Pcb);
    if (!NT_SUCCESS(status)) {
        PspTerminateProcess(process, status);       /* no thread: cleans up at once */
        ObDereferenceObject(process);
        return status;
    }
    process->Peb = Parent->Peb;
    process->SectionBaseAddress = Parent->SectionBaseAddress;
    process->Pcb.UserExceptionDispatcher = Parent->Pcb.UserExceptionDispatcher;
    *Process = process;
    return STATUS_SUCCESS;
}

/* A process over the image section SectionHandle names (SECTION_MAP_EXECUTE), referenced,
 * with no thread; its first NtCreateThread starts in the loader. */
static NTSTATUS PspCreateSectionProcess(EPROCESS *Parent, uint32_t Flags, HANDLE SectionHandle,
                                        EPROCESS **Process)
{
    char name[PS_MAXIMUM_IMAGE_NAME];
    uintptr_t thunk;
    void *section;
    NTSTATUS status;

    status = ObReferenceObjectByHandle(SectionHandle, SECTION_MAP_EXECUTE, &MmSectionObjectType,
                                       ExGetPreviousMode(), &section, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (!MmGetSectionImageInfo(section)) {
        ObDereferenceObject(section);
        return STATUS_SECTION_NOT_IMAGE;
    }
    MmGetSectionImageName(section, name, sizeof(name));
    status = PspCreateImageProcess(section, name, name, Parent,
                                   (Flags & PROCESS_CREATE_FLAGS_INHERIT_HANDLES) != 0, Process,
                                   &thunk);
    ObDereferenceObject(section);       /* the view keeps the image's control area */
    if (NT_SUCCESS(status))
        (*Process)->LoaderThunk = thunk;
    return status;
}

NTSTATUS NtCreateProcessEx(HANDLE *ProcessHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                           HANDLE ParentProcess, uint32_t Flags, HANDLE SectionHandle,
                           HANDLE DebugPort, HANDLE ExceptionPort, uint32_t JobMemberLevel)
{
    HANDLE handle = NULL;
    EPROCESS *parent, *process;
    NTSTATUS status;

    (void)ObjectAttributes;
    (void)JobMemberLevel;
    /* NT's ProbeForWriteHandle: the value is read and written back unchanged. */
    status = ExCapture(&handle, ProcessHandle);
    if (NT_SUCCESS(status))
        status = ExReturn(ProcessHandle, &handle);
    if (!NT_SUCCESS(status))
        return status;
    if (!ParentProcess || (Flags & ~PROCESS_CREATE_FLAGS_LEGAL_MASK))
        return STATUS_INVALID_PARAMETER;
    if (DebugPort || ExceptionPort)
        return STATUS_NOT_SUPPORTED;
    status = ObReferenceObjectByHandle(ParentProcess, PROCESS_CREATE_PROCESS, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&parent, NULL);
    if (!NT_SUCCESS(status))
        return status;
    status = SectionHandle ? PspCreateSectionProcess(parent, Flags, SectionHandle, &process)
                           : PspCreateClonedProcess(parent, Flags, &process);
    ObDereferenceObject(parent);
    if (!NT_SUCCESS(status))
        return status;
    status = ObInsertObject(process, DesiredAccess, 0, NULL, &handle);
    if (!NT_SUCCESS(status))
        return status;
    return ExReturn(ProcessHandle, &handle);
}

NTSTATUS NtCreateProcess(HANDLE *ProcessHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                         HANDLE ParentProcess, bool InheritObjectTable, HANDLE SectionHandle,
                         HANDLE DebugPort, HANDLE ExceptionPort)
{
    uint32_t flags = 0;

    /* NT's: the low bits of the section and debug-port handles carry two of the flags. */
    if ((uintptr_t)SectionHandle & 1)
        flags |= PROCESS_CREATE_FLAGS_BREAKAWAY;
    if ((uintptr_t)DebugPort & 1)
        flags |= PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT;
    if (InheritObjectTable)
        flags |= PROCESS_CREATE_FLAGS_INHERIT_HANDLES;
    return NtCreateProcessEx(ProcessHandle, DesiredAccess, ObjectAttributes, ParentProcess, flags,
                             (HANDLE)((uintptr_t)SectionHandle & ~(uintptr_t)1),
                             (HANDLE)((uintptr_t)DebugPort & ~(uintptr_t)1), ExceptionPort, 0);
}
