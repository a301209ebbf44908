/*
 * kernel/ps/psinit.c: Ps at start-up: the Process and Thread object types, the routines lower
 * layers call up through (Ob's current handle table and pseudo-handles, Mm's process handles
 * and privileges, Ke's thread exit and unhandled exceptions), and the system-service table.
 */
#include "kernel/ps/ps.h"

OBJECT_TYPE PsProcessType, PsThreadType;
LIST_ENTRY PsActiveProcessHead = { &PsActiveProcessHead, &PsActiveProcessHead };
KSPIN_LOCK PspActiveProcessLock;

void PspDeleteThread(void *Object);
void PspDeleteProcess(void *Object);
void PspInitializeServiceTable(void);

/* As NT's: the process whose address space the thread is in (attached or its own). */
EPROCESS *PsGetCurrentProcess(void)
{
    KPROCESS *process = KeGetCurrentProcess();

    return process == &KeInitialSystemProcess ? NULL : CONTAINING_RECORD(process, EPROCESS, Pcb);
}

ETHREAD *PsGetCurrentThread(void)
{
    KTHREAD *thread = KeGetCurrentThread();

    return thread->UserThread ? CONTAINING_RECORD(thread, ETHREAD, Tcb) : NULL;
}

EPROCESS *PsLookupProcessById(uint32_t ProcessId)
{
    EPROCESS *found = NULL;
    KIRQL oldIrql;

    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    for (LIST_ENTRY *e = PsActiveProcessHead.Flink; e != &PsActiveProcessHead; e = e->Flink) {
        EPROCESS *process = CONTAINING_RECORD(e, EPROCESS, ActiveProcessLinks);

        if (process->UniqueProcessId == ProcessId && !process->Exited) {
            found = process;
            ObReferenceObject(found);
            break;
        }
    }
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    return found;
}

static HANDLE_TABLE *PspCurrentHandleTable(void)
{
    EPROCESS *process = PsGetCurrentProcess();

    return process && process->ObjectTable ? process->ObjectTable : ObKernelHandleTable;
}

static void *PspReferencePseudoHandle(HANDLE Handle, OBJECT_TYPE **Type)
{
    void *object = NULL;

    if (Handle == NtCurrentProcess()) {
        object = PsGetCurrentProcess();
        *Type = &PsProcessType;
    } else if (Handle == NtCurrentThread()) {
        object = PsGetCurrentThread();
        *Type = &PsThreadType;
    }
    if (object)
        ObReferenceObject(object);
    return object;
}

static NTSTATUS PspReferenceProcessByHandle(void *Handle, uint32_t DesiredAccess,
                                            KPROCESS **Process)
{
    EPROCESS *process;
    NTSTATUS status = ObReferenceObjectByHandle(Handle, DesiredAccess, &PsProcessType,
                                                ExGetPreviousMode(), (void **)&process, NULL);

    if (NT_SUCCESS(status))
        *Process = &process->Pcb;
    return status;
}

static void PspDereferenceProcess(KPROCESS *Process)
{
    ObDereferenceObject(CONTAINING_RECORD(Process, EPROCESS, Pcb));
}

/* SeSinglePrivilegeCheck: the caller's own process (not one it is attached to) holds
 * Privilege, enabled. Kernel callers do. */
static bool PspSinglePrivilegeCheck(uint32_t Privilege)
{
    ETHREAD *thread = PsGetCurrentThread();
    EPROCESS *process = thread ? thread->ThreadsProcess : NULL;

    if (!process || ExGetPreviousMode() == KernelMode)
        return true;
    return SePrivilegeEnabled(process->Token, Privilege);
}

static void PspThreadDeleteRoutine(KTHREAD *Thread)
{
    ObDereferenceObject(CONTAINING_RECORD(Thread, ETHREAD, Tcb));
}

/* An exception nobody handled: one line, and the process ends with the code. */
static void PspUnhandledException(NTSTATUS Code, const EXCEPTION_RECORD *Record, uintptr_t Eip)
{
    EPROCESS *process = PsGetCurrentThread()->ThreadsProcess;

    DbgPrint("process %s (%u): unhandled exception 0x%08X at 0x%08X, eip 0x%08X\n",
             process->ImageFileName, process->UniqueProcessId, (uint32_t)Code,
             Record->NumberParameters >= 2 && (Code == STATUS_ACCESS_VIOLATION ||
                                               Code == STATUS_IN_PAGE_ERROR)
                 ? Record->ExceptionInformation[1] : Record->ExceptionAddress,
             (uint32_t)Eip);
    PspTerminateProcess(process, Code);
    PspExitThread(Code);
}

void PsInitSystem(void)
{
    static const OB_PROCESS_CALLBACKS callbacks = {
        .CurrentHandleTable = PspCurrentHandleTable,
        .ReferencePseudoHandle = PspReferencePseudoHandle,
    };
    static const MM_PROCESS_CALLOUTS callouts = {
        .ReferenceProcessByHandle = PspReferenceProcessByHandle,
        .DereferenceProcess = PspDereferenceProcess,
        .SinglePrivilegeCheck = PspSinglePrivilegeCheck,
    };

    PsProcessType = (OBJECT_TYPE){
        .Name = "Process", .PoolType = NonPagedPool, .PoolTag = POOL_TAG('P', 'r', 'o', 'c'),
        .GenericMapping = { 0x00020410, 0x00020BEA, 0x00120000, PROCESS_ALL_ACCESS },
        .ValidAccessMask = PROCESS_ALL_ACCESS, .DeleteProcedure = PspDeleteProcess,
    };
    PsThreadType = (OBJECT_TYPE){
        .Name = "Thread", .PoolType = NonPagedPool, .PoolTag = POOL_TAG('T', 'h', 'r', 'e'),
        .GenericMapping = { 0x00020048, 0x00020037, 0x00120000, THREAD_ALL_ACCESS },
        .ValidAccessMask = THREAD_ALL_ACCESS, .DeleteProcedure = PspDeleteThread,
    };
    ObCreateObjectType(&PsProcessType);
    ObCreateObjectType(&PsThreadType);
    SeInitSystem();
    IoInitSystem();
    ObSetProcessCallbacks(&callbacks, NULL);
    MmSetProcessCallouts(&callouts);
    KeSetThreadDeleteRoutine(PspThreadDeleteRoutine);
    KeSetThreadExitRoutine(PspExitThread);
    KeSetProcessExceptionExit(PspUnhandledException);
    PspInitializeServiceTable();
    PspInitializeSystemDlls();
}
