/*
 * kernel/ps/psdelete.c: threads and processes ending (NT's psdelete.c).
 *
 *   PspExitThread        the current thread ends: its TEB goes; the last thread of a process
 *                        also ends the process: every handle closed (ObKillProcess), the
 *                        address space emptied (MmCleanProcessAddressSpace), the process
 *                        signaled. Then Ke switches away for good.
 *   PspTerminateProcess  every thread of a process is asked to end with a status (each does,
 *                        on its way back to ring 3); a process with no thread ends at once.
 *   deletion             when the last reference goes: a thread lets go of its process, a
 *                        process frees its page directory (MmDeleteProcessAddressSpace).
 */
#include "kernel/ps/ps.h"

static void PspExitProcess(EPROCESS *Process, NTSTATUS ExitStatus)
{
    KIRQL oldIrql;

    if (Process->ExitStatus == STATUS_PENDING)
        Process->ExitStatus = ExitStatus;
    Process->ExitRequested = true;
    if (Process->ObjectTable) {
        ObDestroyHandleTable(Process->ObjectTable);
        Process->ObjectTable = NULL;
    }
    MmCleanProcessAddressSpace(&Process->Pcb);
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    Process->Exited = true;
    Process->ExitTime = KeTickCount;
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    KeTerminateProcess(&Process->Pcb);
}

void PspExitThread(NTSTATUS ExitStatus)
{
    ETHREAD *thread = PsGetCurrentThread();
    EPROCESS *process = thread->ThreadsProcess;
    bool last;
    KIRQL oldIrql;

    thread->ExitStatus = ExitStatus;
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    RemoveEntryList(&thread->ThreadListEntry);
    InitializeListHead(&thread->ThreadListEntry);
    last = --process->ActiveThreads == 0;
    thread->Exited = true;
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    if (last)
        PspExitProcess(process, ExitStatus);
    else
        MmDeleteTeb(&process->Pcb, thread->Tcb.Teb);
    KeTerminateThread(ExitStatus);
}

void PspTerminateProcess(EPROCESS *Process, NTSTATUS ExitStatus)
{
    KAPC_STATE apcState;
    bool none;
    KIRQL oldIrql;

    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    if (Process->ExitStatus == STATUS_PENDING)
        Process->ExitStatus = ExitStatus;
    Process->ExitRequested = true;
    for (LIST_ENTRY *e = Process->ThreadListHead.Flink; e != &Process->ThreadListHead; e = e->Flink)
        KeRequestTermination(&CONTAINING_RECORD(e, ETHREAD, ThreadListEntry)->Tcb, ExitStatus);
    none = Process->ActiveThreads == 0 && !Process->Exited;
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    if (none) {                                 /* never had a thread: end it here */
        KeStackAttachProcess(&Process->Pcb, &apcState);
        PspExitProcess(Process, ExitStatus);
        KeUnstackDetachProcess(&apcState);
    }
}

NTSTATUS NtTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus)
{
    EPROCESS *process, *current = PsGetCurrentThread() ? PsGetCurrentThread()->ThreadsProcess : NULL;
    NTSTATUS status;
    bool self;

    if (!ProcessHandle) {                       /* every thread but the caller (ExitProcess) */
        KIRQL oldIrql;

        if (!current)
            return STATUS_INVALID_HANDLE;
        KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
        for (LIST_ENTRY *e = current->ThreadListHead.Flink; e != &current->ThreadListHead;
             e = e->Flink) {
            ETHREAD *thread = CONTAINING_RECORD(e, ETHREAD, ThreadListEntry);

            if (thread != PsGetCurrentThread())
                KeRequestTermination(&thread->Tcb, ExitStatus);
        }
        KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
        return STATUS_SUCCESS;
    }
    status = ObReferenceObjectByHandle(ProcessHandle, PROCESS_TERMINATE, &PsProcessType,
                                       ExGetPreviousMode(), (void **)&process, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (process->Exited) {
        ObDereferenceObject(process);
        return STATUS_PROCESS_IS_TERMINATING;
    }
    self = process == current;
    PspTerminateProcess(process, ExitStatus);
    ObDereferenceObject(process);
    if (self)
        PspExitThread(ExitStatus);
    return STATUS_SUCCESS;
}

NTSTATUS NtTerminateThread(HANDLE ThreadHandle, NTSTATUS ExitStatus)
{
    ETHREAD *thread;
    NTSTATUS status;

    if (!ThreadHandle)
        ThreadHandle = NtCurrentThread();
    status = ObReferenceObjectByHandle(ThreadHandle, THREAD_TERMINATE, &PsThreadType,
                                       ExGetPreviousMode(), (void **)&thread, NULL);
    if (!NT_SUCCESS(status))
        return status;
    if (thread == PsGetCurrentThread()) {
        ObDereferenceObject(thread);
        PspExitThread(ExitStatus);
    }
    if (!thread->Exited)
        KeRequestTermination(&thread->Tcb, ExitStatus);
    ObDereferenceObject(thread);
    return STATUS_SUCCESS;
}

/* Object deletion. */
void PspDeleteThread(void *Object)
{
    ETHREAD *thread = Object;

    if (thread->InitialContext)
        ExFreePool(thread->InitialContext);
    if (thread->ThreadsProcess && thread->Tcb.Process)
        ObDereferenceObject(thread->ThreadsProcess);
}

void PspDeleteProcess(void *Object)
{
    EPROCESS *process = Object;
    KIRQL oldIrql;

    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    if (process->ActiveProcessLinks.Flink)
        RemoveEntryList(&process->ActiveProcessLinks);
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    if (process->ObjectTable)
        ObDestroyHandleTable(process->ObjectTable);
    if (process->Token)
        ObDereferenceObject(process->Token);
    if (!process->Exited && process->Pcb.DirectoryTableBase[0]) {
        /* Made (NtCreateProcessEx) but never given a thread: its address space goes now. */
        KAPC_STATE apcState;

        KeStackAttachProcess(&process->Pcb, &apcState);
        MmCleanProcessAddressSpace(&process->Pcb);
        KeUnstackDetachProcess(&apcState);
    }
    MmDeleteProcessAddressSpace(&process->Pcb);
}
