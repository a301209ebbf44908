/*
 * kernel/ps/create.c: making processes and threads (NT's ps/create.c, in its order):
 *
 *   PspCreateImageProcess   the object; MmCreateProcessAddressSpace; KeInitializeProcess;
 *                           MmInitializeProcessAddressSpace; the handle table; then,
 *                           attached, the image (PspMapImage), ntdll.dll, the PEB and the
 *                           process parameters. No thread: NtCreateProcess(Ex) with a section
 *                           ends here (fork.c), and its caller makes the first thread with
 *                           NtCreateThread, as NT 5's kernel32 does
 *   PspCreateProcess        a program by name: its image section, the process, and the first
 *                           thread (its stack from the image's header)
 *   PspCreateThread         the object; the TEB; KeInitializeThread; ready. It enters ring 3
 *                           from PspUserThreadStartup.
 *
 * The program is loaded as NT loads it: an image section (NtCreateSection(SEC_IMAGE): a
 * module's, MmCreateImageSection, or a file's on a volume, MmCreateImageSectionFromFile on
 * the file NT's CreateProcess would open) mapped into the new process
 * (MmMapViewOfImageSection), its code shared with every other process running it, its data
 * copy-on-write; relocated on private copies when its base is taken; then ntdll.dll
 * (PspMapSystemDll, psdll.c), whose loader starts the first thread (LdrInitializeThunk, the
 * program's entry point in eax) and resolves the program's imports.
 *
 * The first thread of a process made from a section by NtCreateProcess(Ex) goes through the
 * loader too: NtCreateThread enters it at LdrInitializeThunk with the CONTEXT's Eip in eax
 * (its other registers as given), once (EPROCESS.LoaderThunk). NT instead queues
 * LdrInitializeThunk as a user APC ahead of every new thread's context; mm386's loader runs
 * once per process, on its first thread, and takes the entry point in eax.
 */
#include "kernel/ps/ps.h"
#include "mm/image.h"

#define PSP_TAG                 POOL_TAG('P', 's', 'C', 'r')
#define PSP_DEFAULT_STACK_RESERVE 0x100000
#define PSP_DEFAULT_STACK_COMMIT  0x1000

static uint32_t PspNextId = 4;          /* the System process is 4, as in NT */

uint32_t PspAllocateId(void)
{
    return __atomic_add_fetch(&PspNextId, 4, __ATOMIC_SEQ_CST);
}

/* Allocate and commit in the current process, on behalf of the kernel. */
static NTSTATUS PspAllocate(uintptr_t *Base, uint32_t Size, uint32_t Type, uint32_t Protect)
{
    uint32_t size = Size;

    return PSP_KERNEL_CALL(NtAllocateVirtualMemory(NtCurrentProcess(), (void **)Base, 0, &size,
                                                   Type, Protect));
}

static NTSTATUS PspProtect(uintptr_t Base, uint32_t Size, uint32_t Protect)
{
    uint32_t old, size = Size;
    void *base = (void *)Base;

    return PSP_KERNEL_CALL(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, Protect, &old));
}

/* Give the image's headers and each of its sections at Base a protection: Protect, or with
 * 0 each its own (the headers read-only). */
static void PspProtectImage(uintptr_t Base, const MI_IMAGE_INFO *Info, uint32_t Protect)
{
    if (Info->SectionAlignment >= PAGE_SIZE)
        PspProtect(Base, Info->SizeOfHeaders, Protect ? Protect : PAGE_READONLY);
    for (uint32_t i = 0; i < Info->NumberOfSections; i++) {
        const MI_IMAGE_SECTION *section = &Info->Sections[i];

        if (section->VirtualSize)
            PspProtect(Base + section->VirtualAddress, section->VirtualSize,
                       Protect ? Protect : MiProtectToWin32(section->Protection));
    }
}

/*
 * The image section Section (Info its headers) mapped into the current process as NT's
 * loader does: a view at its base, or, that being taken, anywhere and relocated — the fixups
 * written through the view make private copy-on-write copies of the pages they touch, the
 * rest stays shared. *Base gets where it went, *Dispatcher the address of its export
 * KiUserExceptionDispatcher (0 when it has none). A section may be no-access, and the kernel
 * reads the exports: such an image is made readable (write-copy) while it does, then each
 * section gets its protection back.
 */
static NTSTATUS PspMapImage(EPROCESS *Process, void *Section, const MI_IMAGE_INFO *Info,
                            uintptr_t *Base, uintptr_t *Dispatcher)
{
    uint32_t rva;
    uintptr_t base = 0;
    bool relocate, unreadable = false;
    NTSTATUS status;

    status = MmMapViewOfImageSection(Section, &Process->Pcb, &base);
    if (!NT_SUCCESS(status))
        return status;
    relocate = status == STATUS_IMAGE_NOT_AT_BASE;
    for (uint32_t i = 0; i < Info->NumberOfSections; i++)
        unreadable |= (Info->Sections[i].Protection & 7) == 0 || Info->Sections[i].Protection == MM_NOACCESS;
    if (relocate || unreadable)
        PspProtectImage(base, Info, PAGE_EXECUTE_WRITECOPY);
    if (relocate) {
        status = MiRelocateImage((void *)base, Info, (uint32_t)base);
        if (!NT_SUCCESS(status))
            return status;
    }
    *Dispatcher = NT_SUCCESS(MiLookupImageExport((void *)base, Info, "KiUserExceptionDispatcher", &rva))
                  ? base + rva : 0;
    if (relocate || unreadable)
        PspProtectImage(base, Info, 0);
    *Base = base;
    return STATUS_SUCCESS;
}

/* Characters to UTF-16 in user memory at *Cursor; the UNICODE_STRING describing them. */
static void PspPutString(NT_UNICODE_STRING *String, uint16_t **Cursor, const char *Text)
{
    uint32_t length = (uint32_t)strlen(Text);

    String->Buffer = (uint32_t)(uintptr_t)*Cursor;
    String->Length = (uint16_t)(length * 2);
    String->MaximumLength = (uint16_t)(length * 2 + 2);
    for (uint32_t i = 0; i < length; i++)
        *(*Cursor)++ = (uint8_t)Text[i];
    *(*Cursor)++ = 0;
}

/* The PEB and the process parameters, in the current (new) process. */
static NTSTATUS PspCreatePeb(EPROCESS *Process, const MI_IMAGE_INFO *Info, const char *ImageName,
                             const char *CommandLine, HANDLE Console)
{
    NT_RTL_USER_PROCESS_PARAMETERS *parameters;
    uintptr_t peb, block = 0;
    uint16_t *cursor;
    NT_PEB *p;
    NTSTATUS status;

    if (strlen(CommandLine) > 8000)
        return STATUS_INVALID_PARAMETER;
    status = MmCreatePebOrTeb(&Process->Pcb, sizeof(NT_PEB), MM_PEB_VA, &peb);
    if (!NT_SUCCESS(status))
        return status;
    status = PspAllocate(&block, (uint32_t)ROUND_TO_PAGES(sizeof(*parameters) +
                                                        2 * (strlen(ImageName) + strlen(CommandLine) + 2)),
                         MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    parameters = (NT_RTL_USER_PROCESS_PARAMETERS *)block;
    parameters->MaximumLength = parameters->Length = sizeof(*parameters);
    parameters->Flags = 1;
    parameters->StandardInput = parameters->StandardOutput = parameters->StandardError =
        (uint32_t)(uintptr_t)Console;
    cursor = (uint16_t *)(parameters + 1);
    PspPutString(&parameters->ImagePathName, &cursor, ImageName);
    PspPutString(&parameters->CommandLine, &cursor, CommandLine);
    p = (NT_PEB *)peb;
    p->ImageBaseAddress = (uint32_t)Process->SectionBaseAddress;
    p->ProcessParameters = (uint32_t)block;
    p->NumberOfProcessors = 1;
    p->HeapSegmentReserve = Info->SizeOfHeapReserve;
    p->HeapSegmentCommit = Info->SizeOfHeapCommit;
    p->OSMajorVersion = 5;
    p->OSMinorVersion = 2;
    p->OSBuildNumber = 3790;
    p->OSPlatformId = 2;
    p->ImageSubsystem = Info->Subsystem;
    p->ImageSubsystemMajorVersion = Info->MajorSubsystemVersion;
    p->ImageSubsystemMinorVersion = Info->MinorSubsystemVersion;
    Process->Peb = peb;
    return STATUS_SUCCESS;
}

static void PspUserThreadStartup(void *Context)
{
    ETHREAD *thread = Context;

    if (thread->InitialContext) {
        CONTEXT context = *thread->InitialContext;

        ExFreePoolWithTag(thread->InitialContext, PSP_TAG);
        thread->InitialContext = NULL;
        KeEnterUserModeWithContext(&context);
    }
    KeEnterUserMode(thread->StartAddress, thread->InitialEsp, thread->InitialEax,
                    thread->InitialEbx);
}

/*
 * A thread of Process (attached or current): its TEB, filled from the stack it is given
 * (StackBase, StackLimit, DeallocationStack), and the thread ready to enter ring 3 at Start
 * with Esp, Eax and Ebx, or with Context when there is one. Returns it referenced.
 */
static NTSTATUS PspCreateThread(EPROCESS *Process, uintptr_t Start, uintptr_t StackBase,
                                uintptr_t StackLimit, uintptr_t DeallocationStack,
                                uint32_t Eax, uint32_t Ebx, const CONTEXT *Context,
                                ETHREAD **Thread)
{
    ETHREAD *thread;
    uintptr_t teb;
    NT_TEB *t;
    KIRQL oldIrql;
    NTSTATUS status;

    if (Process->ExitRequested)
        return STATUS_PROCESS_IS_TERMINATING;
    status = ObCreateObject(&PsThreadType, sizeof(ETHREAD), (void **)&thread);
    if (!NT_SUCCESS(status))
        return status;
    if (Context) {
        thread->InitialContext = ExAllocatePoolWithTag(NonPagedPool, sizeof(CONTEXT), PSP_TAG);
        if (!thread->InitialContext) {
            ObDereferenceObject(thread);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        *thread->InitialContext = *Context;
    }
    status = MmCreatePebOrTeb(&Process->Pcb, sizeof(NT_TEB), 0, &teb);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(thread);
        return status;
    }
    thread->Cid.UniqueProcess = Process->UniqueProcessId;
    thread->Cid.UniqueThread = PspAllocateId();
    thread->ThreadsProcess = Process;
    thread->ExitStatus = STATUS_PENDING;
    thread->StartAddress = Start;
    thread->InitialEsp = StackBase;
    thread->InitialEax = Eax;
    thread->InitialEbx = Ebx;
    t = (NT_TEB *)teb;
    t->ExceptionList = 0xFFFFFFFF;
    t->StackBase = (uint32_t)StackBase;
    t->StackLimit = (uint32_t)StackLimit;
    t->DeallocationStack = (uint32_t)DeallocationStack;
    t->Self = (uint32_t)teb;
    t->ClientId = thread->Cid;
    t->ProcessEnvironmentBlock = (uint32_t)Process->Peb;
    status = KeInitializeThread(&thread->Tcb, PspUserThreadStartup, thread, KI_DEFAULT_PRIORITY,
                                Process->ImageFileName, &Process->Pcb);
    if (!NT_SUCCESS(status)) {
        MmDeleteTeb(&Process->Pcb, teb);
        ObDereferenceObject(thread);
        return status;
    }
    thread->Tcb.Teb = teb;
    ObReferenceObject(Process);                 /* the thread's, until its object goes */
    ObReferenceObject(thread);                  /* the running thread's own (Ke gives it back) */
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    InsertTailList(&Process->ThreadListHead, &thread->ThreadListEntry);
    Process->ActiveThreads++;
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    *Thread = thread;
    return STATUS_SUCCESS;
}

/* The first thread's stack, as the image header asks: reserved, the top committed, a guard page
 * below it (kernel32's BaseCreateStack does this in NT). */
static NTSTATUS PspCreateStack(const MI_IMAGE_INFO *Info, uintptr_t *Base, uintptr_t *Limit,
                               uintptr_t *Deallocation)
{
    uint64_t reserve = Info->SizeOfStackReserve ? Info->SizeOfStackReserve : PSP_DEFAULT_STACK_RESERVE;
    uint64_t commit = Info->SizeOfStackCommit ? Info->SizeOfStackCommit : PSP_DEFAULT_STACK_COMMIT;
    uintptr_t bottom = 0, top, guard;
    NTSTATUS status;

    /* Rounded without wrapping: a reserve near 4 GB stays too large, and the allocation
     * refuses it (STATUS_INVALID_PARAMETER_4, as kernel32's BaseCreateStack would see). */
    commit = ROUND_UP(commit, PAGE_SIZE);
    reserve = MIN(ROUND_UP(reserve, MM_ALLOCATION_GRANULARITY),
                  (uint64_t)UINT32_MAX & ~(uint64_t)(MM_ALLOCATION_GRANULARITY - 1));
    if (commit + 2 * PAGE_SIZE > reserve)
        commit = reserve - 2 * PAGE_SIZE;
    status = PspAllocate(&bottom, (uint32_t)reserve, MEM_RESERVE, PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    top = bottom + (uint32_t)reserve;
    guard = top - (uint32_t)commit - PAGE_SIZE;
    status = PspAllocate(&guard, (uint32_t)commit + PAGE_SIZE, MEM_COMMIT, PAGE_READWRITE);
    if (NT_SUCCESS(status))
        status = PspProtect(guard, PAGE_SIZE, PAGE_READWRITE | PAGE_GUARD);
    *Base = top;
    *Limit = top - (uint32_t)commit;
    *Deallocation = bottom;
    return status;
}

/* Is Name a file's path (X:\..., X:/..., \??\...) rather than a module's name? */
static bool PspIsImagePath(const char *Name)
{
    return strchr(Name, '\\') || strchr(Name, '/') || strchr(Name, ':');
}

/* The last name of a path (the whole of a module's name). */
static const char *PspBaseName(const char *Path)
{
    const char *base = Path;

    for (const char *p = Path; *p; p++) {
        if (*p == '\\' || *p == '/' || *p == ':')
            base = p + 1;
    }
    return base;
}

/*
 * ImageName's image section, referenced: a module by its name (MmCreateImageSection), or a
 * file by its path (X:\dir\name.exe, X:/dir/name.exe, \??\X:\dir\name.exe), opened as NT's
 * CreateProcess opens it (IoOpenImageFile) and closed once the section holds it.
 */
static NTSTATUS PspCreateImageSection(const char *ImageName, void **Section)
{
    FILE_OBJECT *file;
    NTSTATUS status;

    if (!PspIsImagePath(ImageName))
        return MmCreateImageSection(ImageName, NULL, Section);
    status = IoOpenImageFile(ImageName, &file);
    if (!NT_SUCCESS(status))
        return status;
    status = MmCreateImageSectionFromFile(file, Section);
    IoCloseImageFile(file);
    return status;
}

/*
 * NT's PspCreateProcess with a section: the process object over the image section Section,
 * its address space with the image mapped (relocated if it must move) and ntdll.dll
 * (PspMapSystemDll), its handle table (Parent's inheritable handles too with InheritHandles,
 * ObDuplicateInheritedHandles), a console handle, the PEB and the process parameters
 * (ImagePath, a \??\ prefix dropped, and CommandLine). No thread: *LoaderThunk says where the
 * first one enters ring 3 (ntdll's LdrInitializeThunk, the image's entry point in eax; 0
 * without ntdll.dll). Returns the process referenced, on PsActiveProcessHead.
 */
NTSTATUS PspCreateImageProcess(void *Section, const char *ImagePath, const char *CommandLine,
                               EPROCESS *Parent, bool InheritHandles, EPROCESS **Process,
                               uintptr_t *LoaderThunk)
{
    const MI_IMAGE_INFO *info = MmGetSectionImageInfo(Section);
    const char *path = strncmp(ImagePath, "\\??\\", 4) == 0 ? ImagePath + 4 : ImagePath;
    uintptr_t dispatcher = 0;
    uint32_t dtb[2];
    EPROCESS *process;
    KAPC_STATE apcState;
    HANDLE console = NULL;
    KIRQL oldIrql;
    NTSTATUS status;

    *LoaderThunk = 0;
    status = ObCreateObject(&PsProcessType, sizeof(EPROCESS), (void **)&process);
    if (!NT_SUCCESS(status))
        return status;
    InitializeListHead(&process->ThreadListHead);
    InitializeListHead(&process->ActiveProcessLinks);
    process->ExitStatus = STATUS_PENDING;
    process->UniqueProcessId = PspAllocateId();
    process->InheritedFromUniqueProcessId = Parent ? Parent->UniqueProcessId : 0;
    process->CreateTime = KeTickCount;
    RtlCopyString(process->ImageFileName, PspBaseName(path), sizeof(process->ImageFileName));
    status = SeCreatePrimaryToken(Parent ? Parent->Token : NULL, &process->Token);
    if (NT_SUCCESS(status) && !MmCreateProcessAddressSpace(&process->Mm, dtb))
        status = STATUS_INSUFFICIENT_RESOURCES;
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(process);
        return status;
    }
    KeInitializeProcess(&process->Pcb, dtb[0], dtb[1]);
    status = MmInitializeProcessAddressSpace(&process->Pcb, info->LargeAddressAware);
    if (NT_SUCCESS(status))
        status = ObCreateHandleTable(&process->ObjectTable);
    if (NT_SUCCESS(status) && InheritHandles && Parent && Parent->ObjectTable)
        status = ObDuplicateInheritedHandles(Parent->ObjectTable, process->ObjectTable);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(process);
        return status;
    }
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    InsertTailList(&PsActiveProcessHead, &process->ActiveProcessLinks);
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);

    status = IoCreateConsoleHandle(process->ObjectTable, &console);
    KeStackAttachProcess(&process->Pcb, &apcState);
    if (NT_SUCCESS(status))
        status = PspMapImage(process, Section, info, &process->SectionBaseAddress,
                             &process->Pcb.UserExceptionDispatcher);
    if (NT_SUCCESS(status))
        status = PspMapSystemDll(process, LoaderThunk, &dispatcher);
    if (NT_SUCCESS(status) && !process->Pcb.UserExceptionDispatcher)
        process->Pcb.UserExceptionDispatcher = dispatcher;
    if (NT_SUCCESS(status))
        status = PspCreatePeb(process, info, path, CommandLine, console);
    KeUnstackDetachProcess(&apcState);
    if (!NT_SUCCESS(status)) {
        PspTerminateProcess(process, status);       /* no thread: cleans up at once */
        ObDereferenceObject(process);
        return status;
    }
    *Process = process;
    return STATUS_SUCCESS;
}

NTSTATUS PspCreateProcess(const char *ImageName, const char *CommandLine, EPROCESS *Parent,
                          EPROCESS **Process, ETHREAD **Thread)
{
    uintptr_t stackBase = 0, stackLimit = 0, deallocation = 0, ldrThunk = 0, entry;
    const MI_IMAGE_INFO *info;
    void *section = NULL;
    EPROCESS *process;
    ETHREAD *thread = NULL;
    KAPC_STATE apcState;
    NTSTATUS status;

    status = PspCreateImageSection(ImageName, &section);
    if (!NT_SUCCESS(status))
        return status;
    info = MmGetSectionImageInfo(section);
    if (info->Dll || info->EntryPoint == 0)
        status = STATUS_INVALID_IMAGE_FORMAT;
    if (NT_SUCCESS(status))
        status = PspCreateImageProcess(section, ImageName, CommandLine ? CommandLine : ImageName,
                                       Parent, false, &process, &ldrThunk);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(section);
        return status;
    }
    entry = process->SectionBaseAddress + info->EntryPoint;
    KeStackAttachProcess(&process->Pcb, &apcState);
    status = PspCreateStack(info, &stackBase, &stackLimit, &deallocation);
    if (NT_SUCCESS(status))
        status = PspCreateThread(process, ldrThunk ? ldrThunk : entry, stackBase, stackLimit,
                                 deallocation, (uint32_t)entry, (uint32_t)process->Peb, NULL,
                                 &thread);
    KeUnstackDetachProcess(&apcState);
    ObDereferenceObject(section);       /* the view keeps the image's control area */
    if (!NT_SUCCESS(status)) {
        PspTerminateProcess(process, status);       /* no thread: cleans up at once */
        ObDereferenceObject(process);
        return status;
    }
    *Process = process;
    *Thread = thread;
    return STATUS_SUCCESS;
}

/* Start a thread made by PspCreateThread. */
void PsStartThread(ETHREAD *Thread)
{
    KeReadyThread(&Thread->Tcb);
}

/* A UNICODE_STRING from the previous mode as ASCII (other characters become '?'). */
static NTSTATUS PspCaptureString(const NT_UNICODE_STRING *Source, char *Buffer, uint32_t Size)
{
    NT_UNICODE_STRING string;
    uint16_t chars[128];
    uint32_t count, done = 0;
    NTSTATUS status = ExCapture(&string, Source);

    if (!NT_SUCCESS(status))
        return status;
    count = string.Length / 2;
    if (count + 1 > Size)
        return STATUS_INVALID_PARAMETER;
    while (done < count) {
        uint32_t n = MIN(count - done, (uint32_t)ARRAYSIZE(chars));

        status = ExCaptureFromMode(ExGetPreviousMode(), chars,
                                   (const uint16_t *)(uintptr_t)string.Buffer + done, n * 2, 2);
        if (!NT_SUCCESS(status))
            return status;
        for (uint32_t i = 0; i < n; i++)
            Buffer[done + i] = chars[i] < 0x80 && chars[i] ? (char)chars[i] : '?';
        done += n;
    }
    Buffer[count] = '\0';
    return STATUS_SUCCESS;
}

NTSTATUS NtCreateUserProcess(HANDLE *ProcessHandle, HANDLE *ThreadHandle, ACCESS_MASK ProcessAccess,
                             ACCESS_MASK ThreadAccess, const NT_UNICODE_STRING *ImageName,
                             const NT_UNICODE_STRING *CommandLine, uint32_t Flags,
                             NT_CLIENT_ID *ClientId)
{
    char *commandLine = NULL;
    HANDLE processHandle = NULL, threadHandle = NULL;
    HANDLE zero = NULL;
    EPROCESS *process;
    ETHREAD *thread;
    NT_CLIENT_ID cid;
    NTSTATUS status;
    char imageName[PS_MAXIMUM_IMAGE_NAME];

    if (Flags != 0)
        return STATUS_INVALID_PARAMETER_7;
    status = ExReturn(ProcessHandle, &zero);
    if (NT_SUCCESS(status))
        status = ExReturn(ThreadHandle, &zero);
    if (NT_SUCCESS(status))
        status = PspCaptureString(ImageName, imageName, sizeof(imageName));
    if (!NT_SUCCESS(status))
        return status;
    if (CommandLine) {
        commandLine = ExAllocatePoolWithTag(PagedPool, 4096, PSP_TAG);
        if (!commandLine)
            return STATUS_INSUFFICIENT_RESOURCES;
        status = PspCaptureString(CommandLine, commandLine, 4096);
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(commandLine, PSP_TAG);
            return status;
        }
    }
    status = PspCreateProcess(imageName, commandLine, PsGetCurrentThread()->ThreadsProcess,
                              &process, &thread);
    if (commandLine)
        ExFreePoolWithTag(commandLine, PSP_TAG);
    if (!NT_SUCCESS(status))
        return status;
    ObReferenceObject(process);
    status = ObInsertObject(process, ProcessAccess, 0, NULL, &processHandle);
    if (NT_SUCCESS(status)) {
        ObReferenceObject(thread);
        status = ObInsertObject(thread, ThreadAccess, 0, NULL, &threadHandle);
    }
    cid = thread->Cid;
    PsStartThread(thread);
    ObDereferenceObject(thread);
    ObDereferenceObject(process);
    if (!NT_SUCCESS(status))
        return status;
    status = ExReturn(ProcessHandle, &processHandle);
    if (NT_SUCCESS(status))
        status = ExReturn(ThreadHandle, &threadHandle);
    if (NT_SUCCESS(status) && ClientId)
        status = ExReturn(ClientId, &cid);
    return status;
}

typedef struct _INITIAL_TEB {
    uint32_t OldStackBase, OldStackLimit;
    uint32_t StackBase, StackLimit;
    uint32_t AllocatedStackBase;
} INITIAL_TEB;

NTSTATUS NtCreateThread(HANDLE *ThreadHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                        HANDLE ProcessHandle, NT_CLIENT_ID *ClientId, CONTEXT *Context,
                        void *InitialTeb, bool CreateSuspended)
{
    INITIAL_TEB initialTeb;
    CONTEXT *context;
    uintptr_t thunk;
    HANDLE handle = NULL;
    EPROCESS *process;
    ETHREAD *thread;
    KAPC_STATE apcState;
    NT_CLIENT_ID cid;
    NTSTATUS status;

    (void)ObjectAttributes;
    if (CreateSuspended)
        return STATUS_NOT_SUPPORTED;
    context = ExAllocatePoolWithTag(NonPagedPool, sizeof(CONTEXT), PSP_TAG);
    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = ExReturn(ThreadHandle, &handle);
    if (NT_SUCCESS(status))
        status = ExCapture(context, Context);
    if (NT_SUCCESS(status))
        status = ExCapture(&initialTeb, (INITIAL_TEB *)InitialTeb);
    if (NT_SUCCESS(status))
        status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_CREATE_THREAD, &PsProcessType,
                                           ExGetPreviousMode(), (void **)&process, NULL);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(context, PSP_TAG);
        return status;
    }
    /* A process made from a section starts in its loader (see above). */
    thunk = __atomic_exchange_n(&process->LoaderThunk, 0, __ATOMIC_SEQ_CST);
    if (thunk) {
        context->Eax = context->Eip;
        context->Eip = (uint32_t)thunk;
    }
    KeStackAttachProcess(&process->Pcb, &apcState);
    status = PspCreateThread(process, context->Eip, initialTeb.StackBase, initialTeb.StackLimit,
                             initialTeb.AllocatedStackBase, context->Eax, context->Ebx, context,
                             &thread);
    KeUnstackDetachProcess(&apcState);
    if (!NT_SUCCESS(status) && thunk)
        __atomic_store_n(&process->LoaderThunk, thunk, __ATOMIC_SEQ_CST);
    ExFreePoolWithTag(context, PSP_TAG);
    ObDereferenceObject(process);
    if (!NT_SUCCESS(status))
        return status;
    ObReferenceObject(thread);
    status = ObInsertObject(thread, DesiredAccess, 0, NULL, &handle);
    cid = thread->Cid;
    PsStartThread(thread);
    ObDereferenceObject(thread);
    if (!NT_SUCCESS(status))
        return status;
    status = ExReturn(ThreadHandle, &handle);
    if (NT_SUCCESS(status) && ClientId)
        status = ExReturn(ClientId, &cid);
    return status;
}
