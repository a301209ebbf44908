/*
 * kernel/ke/procobj.c: processes as Ke sees them (NT's procobj.c): an address space (the page
 * directory in DirectoryTableBase[0]) and the threads that run in it, and attaching: a thread
 * running kernel code may take another process's address space for a while, to read or change
 * its user memory, and then go back.
 *
 *   KeStackAttachProcess(P, &state)      state.Process = NULL      first attach: the thread's
 *                                                                  own state saved in the thread
 *                                        state.Process = previous  nested: saved in the caller's
 *                                        state.Process = 1         already in P: nothing done
 *                                                                  (not for a system thread
 *                                                                  borrowing a directory)
 *   KeUnstackDetachProcess(&state)       undoes exactly that
 *
 * Switching address spaces is loading CR3 (KiSwapProcess), which flushes every non-global TB
 * entry: user space and hyperspace, which is per process. System space is the same in every
 * directory (Mm copies it into each new one and keeps it in step), and global.
 *
 * A system thread that is not attached does not load the System process's directory: it runs
 * in whichever one is loaded (what Linux calls a lazy TLB; NT x86 loads the System's). Only
 * system space matters to it, and that is the same everywhere, while a CR3 load under QEMU's
 * TCG empties its whole software TB, global entries too: W2 switched address spaces about 7000
 * times a run for the read-ahead thread and the page writers alone. What this changes:
 *   - a system thread's hyperspace windows are the loaded process's; they are held at
 *     DISPATCH_LEVEL, and the windows' counter is the loaded table's own, so nothing mixes;
 *   - user addresses are the loaded process's, but a system thread has no business there:
 *     MmAccessFault refuses a user address to a thread of the System process;
 *   - a system thread attaching to the System process is attached for real (not "nothing
 *     done"), so the scheduler keeps the System's directory loaded for it until it detaches
 *     (kd's .process 0: a command that blocks still reads the System's address space);
 *   - a directory must not stay loaded after it is freed: KeReleaseAddressSpace, which Mm calls
 *     first. One processor, so no other processor can hold it.
 */
#include "kernel/ke/ki.h"
#include "hal/x86.h"

#define KI_ATTACH_NOTHING_DONE  ((KPROCESS *)1)

KPROCESS KeInitialSystemProcess;

void KeInitializeProcess(KPROCESS *Process, uint32_t DirectoryTableBase, uint32_t HyperSpaceTable)
{
    Process->Header.Type = ProcessObject;
    Process->Header.SignalState = 0;
    InitializeListHead(&Process->Header.WaitListHead);
    Process->DirectoryTableBase[0] = DirectoryTableBase;
    Process->DirectoryTableBase[1] = HyperSpaceTable;
    InitializeListHead(&Process->ThreadListHead);
    Process->StackCount = 0;
    Process->UserExceptionDispatcher = 0;
    Process->ActiveThreads = 0;
}

/* Load NewProcess's address space. DISPATCH_LEVEL (or interrupts off). */
void KiSwapProcess(KPROCESS *NewProcess)
{
    if (__readcr3() != NewProcess->DirectoryTableBase[0])
        __writecr3(NewProcess->DirectoryTableBase[0]);
}

void KeStackAttachProcess(KPROCESS *Process, KAPC_STATE *ApcState)
{
    KTHREAD *thread = KeGetCurrentThread();
    KIRQL oldIrql;

    if (KeGetCurrentIrql() > DISPATCH_LEVEL)
        KeBugCheckEx(INVALID_PROCESS_ATTACH_ATTEMPT, (uintptr_t)Process,
                     (uintptr_t)thread->ApcState.Process, thread->ApcStateIndex, 1);
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    if (thread->ApcState.Process == Process && !KiIsBorrowingDirectory(thread)) {
        ApcState->Process = KI_ATTACH_NOTHING_DONE;
    } else {
        if (thread->ApcStateIndex != 0) {
            *ApcState = thread->ApcState;
        } else {
            thread->SavedApcState = thread->ApcState;
            ApcState->Process = NULL;
            thread->ApcStateIndex = 1;
        }
        thread->ApcState.Process = Process;
        Process->StackCount++;
        KiSwapProcess(Process);
    }
    KfLowerIrql(oldIrql);
}

void KeUnstackDetachProcess(KAPC_STATE *ApcState)
{
    KTHREAD *thread = KeGetCurrentThread();
    KPROCESS *back;
    KIRQL oldIrql;

    if (ApcState->Process == KI_ATTACH_NOTHING_DONE)
        return;
    if (thread->ApcStateIndex == 0)
        KeBugCheckEx(INVALID_PROCESS_DETACH_ATTEMPT, (uintptr_t)ApcState->Process,
                     (uintptr_t)thread->ApcState.Process, thread->ApcStateIndex, 0);
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    thread->ApcState.Process->StackCount--;
    if (ApcState->Process) {
        back = ApcState->Process;
    } else {
        back = thread->SavedApcState.Process;
        thread->ApcStateIndex = 0;
    }
    thread->ApcState.Process = back;
    KiSwapProcess(back);
    KfLowerIrql(oldIrql);
}

void KeReleaseAddressSpace(KPROCESS *Process)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);

    if (__readcr3() == Process->DirectoryTableBase[0])
        KiSwapProcess(&KeInitialSystemProcess);
    KfLowerIrql(oldIrql);
}

/* The process has exited: waiters on it wake. */
void KeTerminateProcess(KPROCESS *Process)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);

    Process->Header.SignalState = 1;
    KiWaitTest(&Process->Header);
    KfLowerIrql(oldIrql);
}
