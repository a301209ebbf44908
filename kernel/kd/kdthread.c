/*
 * kernel/kd/kdthread.c: !thread and !running, the threads as WinDbg shows them: a system
 * thread is in the System process (Cid 4) with no TEB, a process's thread has its Cid and TEB
 * (!process lists them by process). There is no KPRCB; a thread that is not running keeps its
 * registers where KiSwapContext pushed them (kernel/ke/ctxswap.S), so its kernel stack is
 * walked from the ebp saved there.
 *
 *   kd> !thread
 *   THREAD 80a12000  Cid 0004.0001  Teb: 00000000 Win32Thread: 00000000 RUNNING on processor 0
 */
#include "kernel/kd/kd.h"
#include "kernel/ps/ps.h"

#define KD_SYSTEM_PROCESS_ID    4
/* What KiSwapContext leaves at KernelStack: EFLAGS, edi, esi, ebx, ebp, return address. */
#define KD_SWAP_FRAME_EBP       4
#define KD_SWAP_FRAME_EIP       5
#define KD_SWAP_FRAME_DWORDS    6

static const char *KdObjectTypeName(uint8_t Type)
{
    switch (Type) {
    case EventNotificationObject:
        return "NotificationEvent";
    case EventSynchronizationObject:
        return "SynchronizationEvent";
    case ProcessObject:
        return "ProcessObject";
    case ThreadObject:
        return "Thread";
    default:
        return "Object";
    }
}

/* Thread's process, for its Cid and image: NULL for a system thread. */
static const EPROCESS *KdThreadProcess(const KTHREAD *Thread)
{
    return Thread->UserThread ? CONTAINING_RECORD(Thread, ETHREAD, Tcb)->ThreadsProcess : NULL;
}

void KdSummarizeThread(const KTHREAD *Thread, KD_THREAD_SUMMARY *Summary)
{
    const EPROCESS *process = KdThreadProcess(Thread);

    *Summary = (KD_THREAD_SUMMARY){
        .Thread = (uint32_t)(uintptr_t)Thread, .State = Thread->State,
        .WaitMode = Thread->WaitMode, .Teb = (uint32_t)Thread->Teb,
        .UserTime = Thread->UserTime, .KernelTime = Thread->KernelTime,
    };
    if (process) {
        const ETHREAD *thread = CONTAINING_RECORD(Thread, ETHREAD, Tcb);

        Summary->ProcessId = thread->Cid.UniqueProcess;
        Summary->ThreadId = thread->Cid.UniqueThread;
    } else {
        Summary->ProcessId = KD_SYSTEM_PROCESS_ID;
        Summary->ThreadId = Thread->UniqueThread;
    }
    if (Thread->State == Waiting && Thread->WaitBlockCount > 0 && Thread->WaitBlockList->Object) {
        Summary->WaitObject = (uint32_t)(uintptr_t)Thread->WaitBlockList->Object;
        Summary->WaitObjectType = Thread->WaitBlockList->Object->Type;
    }
}

/* WinDbg's THREAD line (and the object waited for) after Indent. */
void KdPrintThreadSummary(const KD_THREAD_SUMMARY *Summary, const char *Indent)
{
    DbgPrint("%sTHREAD %08x  Cid %04x.%04x  Teb: %08x Win32Thread: 00000000 ", Indent,
             Summary->Thread, Summary->ProcessId, Summary->ThreadId, Summary->Teb);
    switch (Summary->State) {
    case Running:
        DbgPrint("RUNNING on processor 0\n");
        break;
    case Ready:
        DbgPrint("READY on processor 0\n");
        break;
    case Waiting:
        DbgPrint("WAIT: (Executive) %s Non-Alertable\n",
                 Summary->WaitMode == UserMode ? "UserMode" : "KernelMode");
        if (Summary->WaitObject)
            DbgPrint("%s    %08x  %s\n", Indent, Summary->WaitObject,
                     KdObjectTypeName(Summary->WaitObjectType));
        break;
    case Terminated:
        DbgPrint("TERMINATED\n");
        break;
    default:
        DbgPrint("INITIALIZED\n");
        break;
    }
}

static void KdPrintThread(const KTHREAD *Thread, uint32_t RunningEip, uint32_t RunningEbp)
{
    uint32_t stackInit = (uint32_t)(uintptr_t)Thread->InitialStack;
    uint32_t stackSize = Thread->LargeStack ? KERNEL_LARGE_STACK_SIZE : KERNEL_STACK_SIZE;
    uint32_t current = Thread->State == Running ? RunningEbp : Thread->KernelStack;
    uint32_t swap[KD_SWAP_FRAME_DWORDS];
    const EPROCESS *process = KdThreadProcess(Thread);
    KD_THREAD_SUMMARY summary;

    KdSummarizeThread(Thread, &summary);
    KdPrintThreadSummary(&summary, "");
    if (process)
        DbgPrint("Owning Process            %08x       Image:         %s\n",
                 (uint32_t)(uintptr_t)process, process->ImageFileName);
    else
        DbgPrint("Owning Process            %08x       Image:         System\n",
                 (uint32_t)(uintptr_t)&KeInitialSystemProcess);
    DbgPrint("Thread Name               %s\n", Thread->Name);
    DbgPrint("Start Address             ");
    if (!Thread->StartRoutine || !KdPrintSymbol((uint32_t)(uintptr_t)Thread->StartRoutine))
        DbgPrint("00000000");
    DbgPrint("\nStack Init %08x Current %08x Base %08x Limit %08x Call 00000000\n", stackInit,
             current, stackInit, stackInit - stackSize);
    DbgPrint("Priority %d BasePriority %d\n", Thread->Priority, Thread->Priority);
    if (!stackInit)
        return;
    if (Thread->State == Running)
        KdPrintStack(RunningEip, RunningEbp, stackInit);
    else if (KdReadMemory(Thread->KernelStack, swap, sizeof(swap)))
        KdPrintStack(swap[KD_SWAP_FRAME_EIP], swap[KD_SWAP_FRAME_EBP], stackInit);
    DbgPutString("\n");
}

/* !thread [<address> | *]: the thread running the prompt, the one at an address, or all. */
void KdCommandThread(int Argc, char **Argv)
{
    uint32_t *frame = __builtin_frame_address(0);   /* the prompt's: eip, ebp of the shell */
    uint32_t address;
    KTHREAD *thread = NULL;

    if (Argc > 2) {
        DbgPrint("usage: !thread [<address> | *]\n");
        return;
    }
    if (Argc == 1) {
        KdPrintThread(KeGetCurrentThread(), frame[1], frame[0]);
        return;
    }
    if (strcmp(Argv[1], "*") == 0) {
        while ((thread = KeGetNextThread(thread)))
            KdPrintThread(thread, frame[1], frame[0]);
        return;
    }
    if (!KdEvaluateWord(Argv[1], &address))
        return;
    while ((thread = KeGetNextThread(thread)) && (uint32_t)(uintptr_t)thread != address)
        ;
    if (!thread) {
        DbgPrint("%08x: not a thread (!thread * lists them)\n", address);
        return;
    }
    KdPrintThread(thread, frame[1], frame[0]);
}

/* !running: the one processor, the thread on it, and who is ready to run next. */
void KdCommandRunning(int Argc, char **Argv)
{
    KTHREAD *current = KeGetCurrentThread(), *thread = NULL;

    (void)Argc;
    (void)Argv;
    DbgPrint("System Processors:  (00000001)\n  Idle Processors:  (00000000)\n\n");
    DbgPrint("       Prcbs             Current         (pri) Next            (pri) Idle\n");
    DbgPrint("  0    --------          %08x      (%2d)                       ",
             (uint32_t)(uintptr_t)current, current->Priority);
    while ((thread = KeGetNextThread(thread)) && strcmp(thread->Name, "Idle") != 0)
        ;
    DbgPrint("%08x  ................\n\n", (uint32_t)(uintptr_t)thread);
}
