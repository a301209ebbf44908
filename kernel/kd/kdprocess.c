/*
 * kernel/kd/kdprocess.c: processes as WinDbg's !process and .process show them, and the
 * implicit process whose address space the memory commands read.
 *
 *   kd> !process 0 0
 *   **** NT ACTIVE PROCESS DUMP ****
 *   PROCESS 8015e0c0  SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000
 *       DirBase: 00104000  ObjectTable: 80c00008  HandleCount: 0.
 *       Image: System
 *
 *   PROCESS 80c3e008  SessionId: none  Cid: 0008    Peb: 7ffdf000  ParentCid: 0000
 *       DirBase: 01f6b000  ObjectTable: 80c3f3c8  HandleCount: 1.
 *       Image: waiter.exe
 *
 * The System process is the KPROCESS the system threads run in (KeInitialSystemProcess, Cid 4,
 * the kernel's handle table): it has no EPROCESS and no user space. The others are the
 * EPROCESSes on PsActiveProcessHead, an exited one too while something references it, as
 * WinDbg lists them. Each is copied while PspActiveProcessLock is held (nothing on that list
 * is freed under it) and printed after, so the prompt never prints holding the lock.
 *
 * !process [<process> [<flags>]]: <process> is an EPROCESS address or, below system space, a
 * Cid; 0 is every process (then an image name may follow), -1 or nothing the implicit one.
 * Flags as WinDbg's: 1 adds the memory and time lines (VadRoot ... CommitCharge), 2 and 4 the
 * threads; the default is 3 for 0, -1 or nothing, 0xF for one process. "Private" is the
 * process's own pages (resident or in a paging file), "Modified" those that left its working
 * set dirty, "Locked" those MDLs hold locked for it. What mm386 does not keep is not shown:
 * there are no sessions, tokens, device maps or quota blocks. The times are the clock ticks of the threads still on the process's list.
 *
 * .process <eprocess> makes that process the implicit one; .process 0 the System process
 * again. Commands marked KD_IN_IMPLICIT_PROCESS (dd, db, ed, ?, !pte, !vad, !address ...)
 * then run attached to it (KeStackAttachProcess around each command, so the prompt never
 * waits for input attached): user addresses and the self-map at 0xC0000000 are that
 * process's. The implicit process is referenced while it is one, so its page directory stays
 * even after it exits (MmDeleteProcessAddressSpace runs at the object's deletion).
 */
#include "kernel/kd/kd.h"
#include "kernel/ps/ps.h"
#include "mm/mi.h"
#include "hal/hal.h"

#define KD_SYSTEM_PROCESS_ID    4
#define KD_PROCESS_DETAILS      0x1     /* !process flags */
#define KD_PROCESS_THREADS      0x6
#define KD_PROCESS_DEFAULT_ONE  0xF
#define KD_PROCESS_DEFAULT_ALL  0x3
#define KD_CURRENT_PROCESS      0xFFFFFFFFu     /* !process -1 */
#define KD_MAXIMUM_THREADS      32      /* shown per process; the count says if there are more */
#define KD_THREAD_INDENT        "        "

typedef struct _KD_PROCESS_SUMMARY {
    uint32_t Address;               /* the EPROCESS, or KeInitialSystemProcess */
    bool Exited;
    NTSTATUS ExitStatus;
    uint32_t ProcessId, ParentId;
    uint32_t Peb, DirBase, ObjectTable, HandleCount;
    char ImageFileName[16];
    uint32_t VadRoot, Vads;
    uint32_t PrivatePages, ModifiedPages, LockedPages;
    uint32_t ElapsedTicks;
    uint32_t WorkingSetSize, MinimumWorkingSetSize, MaximumWorkingSetSize;
    uint32_t PeakWorkingSetSize, PageFaultCount;
    uint32_t VirtualSize, PeakVirtualSize, CommitCharge, CommitChargePeak;
    uint32_t ThreadCount;           /* all of them, also past KD_MAXIMUM_THREADS */
    KD_THREAD_SUMMARY Threads[KD_MAXIMUM_THREADS];
} KD_PROCESS_SUMMARY;

static KD_PROCESS_SUMMARY KdProcessSummary;     /* too large for the prompt's stack */
static EPROCESS *KdImplicitProcess;             /* referenced; NULL: the System process */

static uint32_t KdHandleCount(const HANDLE_TABLE *Table)
{
    uint32_t count = 0;

    if (Table)
        KeProbeRead32(&Table->HandleCount, &count);    /* the table may be going away */
    return count;
}

static void KdCopyWorkingSet(KD_PROCESS_SUMMARY *Summary, const MMSUPPORT *Ws)
{
    Summary->WorkingSetSize = Ws->WorkingSetSize;
    Summary->MinimumWorkingSetSize = Ws->MinimumWorkingSetSize;
    Summary->MaximumWorkingSetSize = Ws->MaximumWorkingSetSize;
    Summary->PeakWorkingSetSize = Ws->PeakWorkingSetSize;
    Summary->PageFaultCount = Ws->PageFaultCount;
}

/* The System process: its threads are the ones Ke runs in KeInitialSystemProcess. */
static void KdSummarizeSystemProcess(KD_PROCESS_SUMMARY *Summary)
{
    KTHREAD *thread = NULL;
    KIRQL oldIrql;

    RtlZeroMemory(Summary, sizeof(*Summary));
    Summary->Address = (uint32_t)(uintptr_t)&KeInitialSystemProcess;
    Summary->ProcessId = KD_SYSTEM_PROCESS_ID;
    Summary->DirBase = KeInitialSystemProcess.DirectoryTableBase[0];
    Summary->ObjectTable = (uint32_t)(uintptr_t)ObKernelHandleTable;
    Summary->HandleCount = KdHandleCount(ObKernelHandleTable);
    Summary->ExitStatus = STATUS_PENDING;
    RtlCopyString(Summary->ImageFileName, "System", sizeof(Summary->ImageFileName));
    Summary->ElapsedTicks = KeTickCount;
    KdCopyWorkingSet(Summary, &MmSystemCacheWs);
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);      /* the thread list holds still */
    while ((thread = KeGetNextThread(thread))) {
        if (thread->Process != &KeInitialSystemProcess || thread->State == Terminated)
            continue;
        if (Summary->ThreadCount < KD_MAXIMUM_THREADS)
            KdSummarizeThread(thread, &Summary->Threads[Summary->ThreadCount]);
        Summary->ThreadCount++;
    }
    KfLowerIrql(oldIrql);
}

/* One EPROCESS, PspActiveProcessLock held. */
static void KdSummarizeEprocess(const EPROCESS *Process, KD_PROCESS_SUMMARY *Summary)
{
    const MMPROCESS *mm = &Process->Mm;

    RtlZeroMemory(Summary, sizeof(*Summary));
    Summary->Address = (uint32_t)(uintptr_t)Process;
    Summary->Exited = Process->Exited;
    Summary->ExitStatus = Process->ExitStatus;
    Summary->ProcessId = Process->UniqueProcessId;
    Summary->ParentId = Process->InheritedFromUniqueProcessId;
    Summary->Peb = (uint32_t)Process->Peb;
    Summary->DirBase = Process->Pcb.DirectoryTableBase[0];
    Summary->ObjectTable = (uint32_t)(uintptr_t)Process->ObjectTable;
    Summary->HandleCount = KdHandleCount(Process->ObjectTable);
    RtlCopyString(Summary->ImageFileName, Process->ImageFileName, sizeof(Summary->ImageFileName));
    Summary->VadRoot = (uint32_t)(uintptr_t)mm->AddressSpace.VadRoot.BalancedRoot.RightChild;
    Summary->Vads = mm->AddressSpace.VadRoot.NumberGenericTableElements;
    Summary->PrivatePages = mm->NumberOfPrivatePages;
    Summary->ModifiedPages = mm->ModifiedPageCount;
    Summary->LockedPages = mm->NumberOfLockedPages;
    Summary->ElapsedTicks = (Process->Exited ? Process->ExitTime : KeTickCount) -
                            Process->CreateTime;
    KdCopyWorkingSet(Summary, &mm->Vm);
    Summary->VirtualSize = mm->VirtualSize;
    Summary->PeakVirtualSize = mm->PeakVirtualSize;
    Summary->CommitCharge = mm->CommitCharge;
    Summary->CommitChargePeak = mm->CommitChargePeak;
    for (const LIST_ENTRY *e = Process->ThreadListHead.Flink; e != &Process->ThreadListHead;
         e = e->Flink) {
        const ETHREAD *thread = CONTAINING_RECORD(e, ETHREAD, ThreadListEntry);

        if (Summary->ThreadCount < KD_MAXIMUM_THREADS)
            KdSummarizeThread(&thread->Tcb, &Summary->Threads[Summary->ThreadCount]);
        Summary->ThreadCount++;
    }
}

/* The Index-th process as !process 0 lists them (0: System); false past the last. */
static bool KdSummarizeProcess(uint32_t Index, KD_PROCESS_SUMMARY *Summary)
{
    const LIST_ENTRY *e;
    uint32_t i = 1;
    KIRQL oldIrql;

    if (Index == 0) {
        KdSummarizeSystemProcess(Summary);
        return true;
    }
    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    for (e = PsActiveProcessHead.Flink; e != &PsActiveProcessHead && i < Index; e = e->Flink)
        i++;
    if (e != &PsActiveProcessHead)
        KdSummarizeEprocess(CONTAINING_RECORD(e, EPROCESS, ActiveProcessLinks), Summary);
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    return e != &PsActiveProcessHead;
}

/*
 * The EPROCESS at Address, referenced, or NULL. One whose last reference is gone (a pointer
 * count of 0, waiting to be deleted) is not taken: on this one processor nothing else runs
 * while the lock is held, so the count cannot drop to 0 between the test and the reference.
 */
static EPROCESS *KdReferenceProcess(uint32_t Address)
{
    EPROCESS *found = NULL;
    KIRQL oldIrql;

    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    for (LIST_ENTRY *e = PsActiveProcessHead.Flink; e != &PsActiveProcessHead; e = e->Flink) {
        EPROCESS *process = CONTAINING_RECORD(e, EPROCESS, ActiveProcessLinks);

        if ((uint32_t)(uintptr_t)process == Address &&
            OBJECT_TO_OBJECT_HEADER(process)->PointerCount > 0) {
            ObReferenceObject(process);
            found = process;
            break;
        }
    }
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    return found;
}

EPROCESS *KdGetImplicitProcess(void)
{
    return KdImplicitProcess;
}

static uint32_t KdImplicitProcessAddress(void)
{
    return KdImplicitProcess ? (uint32_t)(uintptr_t)KdImplicitProcess
                             : (uint32_t)(uintptr_t)&KeInitialSystemProcess;
}

void KdAttachImplicitProcess(KAPC_STATE *ApcState)
{
    KeStackAttachProcess(KdImplicitProcess ? &KdImplicitProcess->Pcb : &KeInitialSystemProcess,
                         ApcState);
}

/* h:mm:ss.mmm, as WinDbg prints times. */
static void KdPrintTime(const char *Name, uint32_t Ticks)
{
    uint32_t ms = Ticks * (1000 / HAL_CLOCK_HZ), s = ms / 1000;

    DbgPrint("    %-34s%02u:%02u:%02u.%03u\n", Name, s / 3600, s / 60 % 60, s % 60, ms % 1000);
}

static void KdPrintDetails(const KD_PROCESS_SUMMARY *p)
{
    uint32_t user = 0, kernel = 0, kb = PAGE_SIZE / 1024;

    for (uint32_t i = 0; i < MIN(p->ThreadCount, (uint32_t)KD_MAXIMUM_THREADS); i++) {
        user += p->Threads[i].UserTime;
        kernel += p->Threads[i].KernelTime;
    }
    DbgPrint("    VadRoot %08x Vads %u Clone 0 Private %u. Modified %u. Locked %u.\n", p->VadRoot,
             p->Vads, p->PrivatePages, p->ModifiedPages, p->LockedPages);
    KdPrintTime("ElapsedTime", p->ElapsedTicks);
    KdPrintTime("UserTime", user);
    KdPrintTime("KernelTime", kernel);
    DbgPrint("    Working Set Sizes (now,min,max)  (%u, %u, %u) (%uKB, %uKB, %uKB)\n",
             p->WorkingSetSize, p->MinimumWorkingSetSize, p->MaximumWorkingSetSize,
             p->WorkingSetSize * kb, p->MinimumWorkingSetSize * kb,
             p->MaximumWorkingSetSize * kb);
    DbgPrint("    %-34s%u\n", "PeakWorkingSetSize", p->PeakWorkingSetSize);
    DbgPrint("    %-34s%u Mb\n", "VirtualSize", p->VirtualSize >> 20);
    DbgPrint("    %-34s%u Mb\n", "PeakVirtualSize", p->PeakVirtualSize >> 20);
    DbgPrint("    %-34s%u\n", "PageFaultCount", p->PageFaultCount);
    DbgPrint("    %-34s%u\n", "BasePriority", KI_DEFAULT_PRIORITY);
    DbgPrint("    %-34s%u\n", "CommitCharge", p->CommitCharge);
}

static void KdPrintProcess(const KD_PROCESS_SUMMARY *p, uint32_t Flags)
{
    DbgPrint("PROCESS %08x  SessionId: none  Cid: %04x    Peb: %08x  ParentCid: %04x\n",
             p->Address, p->ProcessId, p->Peb, p->ParentId);
    DbgPrint("    DirBase: %08x  ObjectTable: %08x  HandleCount: %u.\n", p->DirBase,
             p->ObjectTable, p->HandleCount);
    DbgPrint("    Image: %s\n", p->ImageFileName);
    if (p->Exited)
        DbgPrint("    Exited with status 0x%08X\n", (uint32_t)p->ExitStatus);
    if (Flags & KD_PROCESS_DETAILS)
        KdPrintDetails(p);
    if (Flags & KD_PROCESS_THREADS) {
        DbgPrint("\n");
        for (uint32_t i = 0; i < MIN(p->ThreadCount, (uint32_t)KD_MAXIMUM_THREADS); i++) {
            KdPrintThreadSummary(&p->Threads[i], KD_THREAD_INDENT);
            DbgPrint("\n");
        }
        if (p->ThreadCount > KD_MAXIMUM_THREADS)
            DbgPrint("%s... %u threads more\n", KD_THREAD_INDENT,
                     p->ThreadCount - KD_MAXIMUM_THREADS);
    }
    DbgPrint("\n");
}

/* Every process, or those whose image name matches Image (* and ? allowed). */
static void KdPrintAllProcesses(uint32_t Flags, const char *Image)
{
    DbgPrint("**** NT ACTIVE PROCESS DUMP ****\n");
    for (uint32_t i = 0; KdSummarizeProcess(i, &KdProcessSummary); i++) {
        if (!Image || RtlGlobMatch(Image, KdProcessSummary.ImageFileName))
            KdPrintProcess(&KdProcessSummary, Flags);
    }
}

/* The process Value names (an address, or below system space a Cid): false if none. */
static bool KdPrintOneProcess(uint32_t Value, uint32_t Flags)
{
    bool byId = Value < MmSystemRangeStart;

    if (byId)
        DbgPrint("Searching for Process with Cid == %x\n", Value);
    for (uint32_t i = 0; KdSummarizeProcess(i, &KdProcessSummary); i++) {
        if ((byId ? KdProcessSummary.ProcessId : KdProcessSummary.Address) == Value) {
            KdPrintProcess(&KdProcessSummary, Flags);
            return true;
        }
    }
    return false;
}

/* !process [<process> [<flags> [<image>]]] */
void KdCommandProcess(int Argc, char **Argv)
{
    uint32_t value = KD_CURRENT_PROCESS, flags;

    if (Argc > 4 || (Argc == 4 && strcmp(Argv[1], "0") != 0)) {
        DbgPrint("usage: !process [<eprocess>|<cid>|0|-1 [<flags>]]   "
                 "!process 0 <flags> <image>\n");
        return;
    }
    if (Argc > 1 && !KdEvaluateWord(Argv[1], &value))
        return;
    flags = value == 0 || value == KD_CURRENT_PROCESS ? KD_PROCESS_DEFAULT_ALL
                                                      : KD_PROCESS_DEFAULT_ONE;
    if (Argc > 2 && !KdEvaluateWord(Argv[2], &flags))
        return;
    if (value == 0)
        KdPrintAllProcesses(flags, Argc == 4 ? Argv[3] : NULL);
    else if (!KdPrintOneProcess(value == KD_CURRENT_PROCESS ? KdImplicitProcessAddress() : value,
                                flags))
        DbgPrint("%08x is not a process (!process 0 0 lists them)\n", value);
}

/* .process [<eprocess>]: show or set the implicit process; 0 is the System process. */
void KdCommandDotProcess(int Argc, char **Argv)
{
    EPROCESS *process = NULL, *previous = KdImplicitProcess;
    uint32_t value;

    if (Argc == 1) {
        DbgPrint("Implicit process is %08x\n", KdImplicitProcessAddress());
        return;
    }
    if (Argc != 2) {
        DbgPrint("usage: .process [<eprocess>]   (.process 0: the System process)\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &value))
        return;
    if (value != 0 && value != (uint32_t)(uintptr_t)&KeInitialSystemProcess) {
        process = KdReferenceProcess(value);
        if (!process) {
            DbgPrint("%08x is not a process (!process 0 0 lists them)\n", value);
            return;
        }
    }
    KdImplicitProcess = process;
    if (previous)
        ObDereferenceObject(previous);
    DbgPrint("Implicit process is now %08x\n", KdImplicitProcessAddress());
}

bool KdFindProcessByDirectory(uint32_t DirectoryFrame, KD_PROCESS_IDENTITY *Identity)
{
    bool found = false;
    KIRQL oldIrql;

    KeAcquireSpinLock(&PspActiveProcessLock, &oldIrql);
    for (LIST_ENTRY *e = PsActiveProcessHead.Flink; e != &PsActiveProcessHead && !found;
         e = e->Flink) {
        const EPROCESS *process = CONTAINING_RECORD(e, EPROCESS, ActiveProcessLinks);

        if (process->Mm.AddressSpaceInitialized &&
            process->Mm.PageDirectoryFrame == DirectoryFrame) {
            Identity->Address = (uint32_t)(uintptr_t)process;
            Identity->ProcessId = process->UniqueProcessId;
            RtlCopyString(Identity->ImageFileName, process->ImageFileName,
                          sizeof(Identity->ImageFileName));
            found = true;
        }
    }
    KeReleaseSpinLock(&PspActiveProcessLock, oldIrql);
    return found;
}

/* !vm's last lines: each process's working set, commit and faults, in pages (none: nothing). */
void KdPrintProcessVmLines(void)
{
    for (uint32_t i = 1; KdSummarizeProcess(i, &KdProcessSummary); i++) {
        const KD_PROCESS_SUMMARY *p = &KdProcessSummary;

        if (i == 1)
            DbgPrint("Processes (pages):   Cid  Image            WorkingSet   Peak  Commit   Peak"
                     "  PageFaults\n");
        DbgPrint("                    %04x  %-15s %10u %6u %7u %6u %11u%s\n", p->ProcessId,
                 p->ImageFileName, p->WorkingSetSize, p->PeakWorkingSetSize, p->CommitCharge,
                 p->CommitChargePeak, p->PageFaultCount, p->Exited ? "  (exited)" : "");
    }
}
