/*
 * kernel/ke/ke.h: the kernel's contract (Ke, and the few Ps entry points its threads have
 * until processes exist): trap frames, bugchecks, debug output, the clock, interrupts,
 * dispatcher objects, threads, probing memory that may be invalid, and the start-up state the
 * loader hands over. Everything above Ke (Ex, Io, Mm, Kd, init) reaches it through this header.
 */
#ifndef KERNEL_KE_KE_H
#define KERNEL_KE_KE_H

#include "kernel/rtl/rtl.h"
#include "kernel/inc/ntstatus.h"
#include "kernel/inc/bugcodes.h"
#include "kernel/inc/ntpeb.h"

typedef enum _MODE { KernelMode, UserMode } KPROCESSOR_MODE;

/* Selectors, NT's values (ks386.inc). */
#define KGDT_R0_CODE        0x08
#define KGDT_R0_DATA        0x10
#define KGDT_R3_CODE        0x18
#define KGDT_R3_DATA        0x20
#define KGDT_TSS            0x28
#define KGDT_R0_PCR         0x30        /* not used: mm386 has no PCR; kept free as in NT */
#define KGDT_R3_TEB         0x38        /* the running thread's TEB, one page; FS in user mode */
#define KGDT_DF_TSS         0x50
#define KGDT_NUMBER         12
#define KGDT_R3_CODE_USER   (KGDT_R3_CODE | 3)  /* 0x1B */
#define KGDT_R3_DATA_USER   (KGDT_R3_DATA | 3)  /* 0x23 */
#define KGDT_R3_TEB_USER    (KGDT_R3_TEB | 3)   /* 0x3B */
#define MODE_MASK           1       /* the RPL bit that distinguishes user from kernel CS */
#define SELECTOR_RPL_MASK   3       /* a selector's requested privilege level */

/*
 * KTRAP_FRAME: what kernel/trap.S saves on every trap and interrupt. NT's field names; the
 * order is what the stubs push (segment registers, then pushal, then vector, error code and
 * the processor's frame). HardwareEsp/HardwareSegSs are present only for traps from user mode.
 */
typedef struct _KTRAP_FRAME {
    uint32_t SegGs, SegFs, SegEs, SegDs;
    uint32_t Edi, Esi, Ebp, TempEsp, Ebx, Edx, Ecx, Eax;
    uint32_t TrapNumber;
    uint32_t ErrCode;
    uint32_t Eip, SegCs, EFlags;
    uint32_t HardwareEsp, HardwareSegSs;
} KTRAP_FRAME;

_Static_assert(sizeof(KTRAP_FRAME) == 19 * 4, "KTRAP_FRAME matches kernel/trap.S");

static inline KPROCESSOR_MODE KiTrapFrameMode(const KTRAP_FRAME *TrapFrame)
{
    return (TrapFrame->SegCs & MODE_MASK) ? UserMode : KernelMode;
}

/* The esp of the interrupted code: in a kernel-mode frame the processor pushed no esp. */
static inline uint32_t KiTrapFrameEsp(const KTRAP_FRAME *TrapFrame)
{
    if (KiTrapFrameMode(TrapFrame) == UserMode)
        return TrapFrame->HardwareEsp;
    return (uint32_t)(uintptr_t)&TrapFrame->HardwareEsp;
}

/* Bugchecks (bugcheck.c): print the STOP screen on COM1, record it, leave the machine. */
__attribute__((noreturn)) void KeBugCheckEx(uint32_t BugCheckCode, uintptr_t P1, uintptr_t P2,
                                            uintptr_t P3, uintptr_t P4);
__attribute__((noreturn)) void KeBugCheck(uint32_t BugCheckCode);
extern uint32_t KiBugCheckData[5];          /* code and four parameters of the last STOP */
const char *KiBugCheckName(uint32_t BugCheckCode);

/* Debug output on COM1 (debug.c). */
void DbgPrint(const char *Format, ...) __attribute__((format(printf, 1, 2)));
void DbgPrintV(const char *Format, va_list Arguments);
void DbgPutString(const char *String);

/* Symbols of the running image (ksyms.c), from the tables linked into it. */
const char *KiLookupSymbol(uintptr_t Address, uintptr_t *Offset);
bool KiFindSymbol(const char *Name, uintptr_t *Address);
const char *KiGetSymbol(uint32_t Index, uintptr_t *Address, bool *Code);
extern char KiImageBase[], KiImageEnd[];
extern char KiImageReadOnlyEnd[];         /* .text and .rodata end here: read-only */

/* Traps (trap.c). */
void KiInitializeIdt(void);
void KiInitializeGdt(void);
typedef bool (*KBREAKPOINT_HOOK)(KTRAP_FRAME *TrapFrame);
void KeSetBreakpointHook(KBREAKPOINT_HOOK Hook);      /* resume the int3 when Hook returns true */


/*
 * Touching memory that may be invalid (probe.S). A fault on the one access in these routines
 * does not bugcheck: MmAccessFault's failure status comes back as the return value instead,
 * exactly as an NT caller's __try/__except would see it.
 */
NTSTATUS KeProbeRead32(const volatile void *Address, uint32_t *Value);
NTSTATUS KeProbeWrite32(volatile void *Address, uint32_t Value);
/* A write access to the byte at Address that leaves it as it is (a locked OR of zero), so a
 * concurrent writer loses nothing: NT's ProbeForWriteChar without its read-then-write race. */
NTSTATUS KeProbeForWriteAccess(volatile void *Address);
bool KeInvalidAccessAllowed(const void *TrapInformation);

/* Run Function(Context) on the stack whose top is StackTop and return its result (callstack.S). */
uint32_t KeCallOnStack(void *StackTop, uint32_t (*Function)(void *Context), void *Context);

/* IRQL (irql.c) and spin locks (spinlock.c). */
typedef uint8_t KIRQL;
#define PASSIVE_LEVEL       0
#define APC_LEVEL           1
#define DISPATCH_LEVEL      2
#define PROFILE_LEVEL       27
#define CLOCK2_LEVEL        28
#define IPI_LEVEL           29
#define POWER_LEVEL         30
#define HIGH_LEVEL          31

KIRQL KeGetCurrentIrql(void);
KIRQL KfRaiseIrql(KIRQL NewIrql);           /* bugchecks 0x9 if NewIrql is lower */
void KfLowerIrql(KIRQL NewIrql);            /* bugchecks 0xA if NewIrql is higher */
#define KeRaiseIrql(NewIrql, OldIrql)       (*(OldIrql) = KfRaiseIrql(NewIrql))
#define KeLowerIrql(NewIrql)                KfLowerIrql(NewIrql)

typedef uintptr_t KSPIN_LOCK;
void KeInitializeSpinLock(KSPIN_LOCK *SpinLock);
void KeAcquireSpinLock(KSPIN_LOCK *SpinLock, KIRQL *OldIrql);
void KeReleaseSpinLock(KSPIN_LOCK *SpinLock, KIRQL NewIrql);
void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *SpinLock);
void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *SpinLock);

/*
 * Dispatcher objects (wait.c, event.c): things a thread can wait for. SignalState > 0 means
 * signaled; WaitListHead holds the wait blocks of the threads waiting.
 */
typedef enum _KOBJECTS {
    EventNotificationObject = 0,
    EventSynchronizationObject = 1,
    ProcessObject = 3,
    ThreadObject = 6,
} KOBJECTS;

typedef struct _DISPATCHER_HEADER {
    uint8_t Type;                   /* a KOBJECTS value */
    int32_t SignalState;
    LIST_ENTRY WaitListHead;
} DISPATCHER_HEADER;

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;

typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT;

struct _KTHREAD;

typedef struct _KWAIT_BLOCK {
    LIST_ENTRY WaitListEntry;       /* on the object's WaitListHead */
    struct _KTHREAD *Thread;
    DISPATCHER_HEADER *Object;
    uint16_t WaitKey;               /* its index: STATUS_WAIT_0 + WaitKey ends a WaitAny */
    uint16_t WaitType;              /* WaitAll or WaitAny */
} KWAIT_BLOCK;

typedef enum _WAIT_TYPE { WaitAll, WaitAny } WAIT_TYPE;
#define MAXIMUM_WAIT_OBJECTS    64
#define THREAD_WAIT_OBJECTS     3   /* KeWaitForMultipleObjects needs a caller's array above */

/* Threads (thread.c, sched.c). Priorities 0-31; higher runs first. */
typedef int8_t KPRIORITY;
#define LOW_PRIORITY            0
#define LOW_REALTIME_PRIORITY   16
#define HIGH_PRIORITY           31
#define KI_DEFAULT_PRIORITY     8

typedef enum _KTHREAD_STATE {
    Initialized = 0,
    Ready = 1,
    Running = 2,
    Terminated = 4,
    Waiting = 5,
} KTHREAD_STATE;

typedef void (*KSTART_ROUTINE)(void *StartContext);

/*
 * KPROCESS: an address space and the threads that run in it (NT's ke.h). It is a dispatcher
 * object, signaled when the process has exited. DirectoryTableBase[0] is the CR3 value,
 * [1] the hyperspace page table's frame << 12. EPROCESS (kernel/ps/) begins with it, followed
 * by Mm's part (MMPROCESS, mm/mm.h), so Mm reaches its part from the KPROCESS a thread runs in.
 */
typedef struct _KPROCESS {
    DISPATCHER_HEADER Header;
    uint32_t DirectoryTableBase[2];
    LIST_ENTRY ThreadListHead;          /* KTHREAD.ProcessThreadListEntry */
    uint32_t StackCount;                /* threads attached to it or running in it */
    uintptr_t UserExceptionDispatcher;  /* the image's KiUserExceptionDispatcher, 0: none */
    uint32_t ActiveThreads;             /* threads not yet terminated */
} KPROCESS;

/* KAPC_STATE, the part of it mm386 has: the process whose address space the thread is in. */
typedef struct _KAPC_STATE {
    KPROCESS *Process;
} KAPC_STATE;

/* A user thread's numeric state while another thread runs: fxsave's 512-byte image (x87,
 * MXCSR, XMM0-7), or fnsave's 108 bytes where the processor has no FXSR (npx.c); 16-byte
 * aligned inside KTHREAD's NpxState, which has room to align it. */
#define KI_NPX_SAVE_AREA_SIZE   512

typedef struct _KTHREAD {
    DISPATCHER_HEADER Header;       /* signaled when the thread has terminated */
    LIST_ENTRY WaitListEntry;       /* on a ready queue, or the terminated list */
    LIST_ENTRY ThreadListEntry;     /* on KiThreadListHead, every thread */
    uint32_t KernelStack;           /* the saved esp while not running */
    void *InitialStack;             /* the stack's top */
    uint32_t KernelXmmUse;          /* > 0 while kernel code holds XMM registers (KeZeroPages,
                                     * KeCopyMemorySafe): a switch saves them (npx.c) */
    bool LargeStack;
    KTHREAD_STATE State;
    KPRIORITY Priority;
    int8_t Quantum;                 /* clock ticks left before equal priority may run */
    NTSTATUS WaitStatus;
    KWAIT_BLOCK WaitBlock;          /* a single wait's block */
    KWAIT_BLOCK *WaitBlockList;     /* the blocks of the wait in progress */
    uint32_t WaitBlockCount;
    KWAIT_BLOCK WaitBlocks[THREAD_WAIT_OBJECTS];
    uint32_t WaitDeadline;          /* KeTickCount at which a timed wait ends */
    bool WaitTimed;
    LIST_ENTRY TimerListEntry;
    KTRAP_FRAME *TrapFrame;         /* innermost trap being handled on this thread */
    KSTART_ROUTINE StartRoutine;
    void *StartContext;
    int32_t ReferenceCount;
    uint32_t UniqueThread;
    uint32_t OwnsSystemWorkingSet;  /* Mm: how deep this thread holds the system WS lock */
    uint32_t OwnsProcessWorkingSet; /* Mm: the same for its process's working set */
    uint32_t ReadClusterSize;       /* Mm: pages a file's in-page read brings for this thread,
                                     * the faulting one included (0: Mm's default cluster);
                                     * MmSetPageFaultReadAhead, as NT's ETHREAD's */
    char Name[16];
    /* Processes (procobj.c): the thread's own process, and the one it is attached to. */
    KPROCESS *Process;
    KAPC_STATE ApcState;            /* ApcState.Process: whose address space is loaded */
    KAPC_STATE SavedApcState;
    uint8_t ApcStateIndex;          /* 1 while attached */
    LIST_ENTRY ProcessThreadListEntry;
    /* User mode: the TEB, its numeric state while another thread runs, and what the return to
     * user mode must do first. */
    KPROCESSOR_MODE PreviousMode;   /* of the system service running now */
    KPROCESSOR_MODE WaitMode;       /* UserMode: the wait ends when the thread is terminated */
    bool UserThread;                /* has a ring 3 context; saves its numeric state on switches */
    bool ContextReplaced;           /* a service rewrote the trap frame (NtContinue ...) */
    volatile bool TerminationPending;
    NTSTATUS TerminationStatus;
    uintptr_t Teb;
    uint8_t NpxState[KI_NPX_SAVE_AREA_SIZE + 15];  /* KiNpxSaveArea finds the aligned part */
    uint32_t UserTime, KernelTime;  /* clock ticks spent in each mode */
} KTHREAD;

/* The running thread (NT reads it from the PRCB through fs; the uniprocessor kernel keeps one
 * variable, set by the context switch). */
static inline KTHREAD *KeGetCurrentThread(void)
{
    extern KTHREAD *KiCurrentThread;
    return KiCurrentThread;
}
KTHREAD *KeGetNextThread(KTHREAD *Previous);   /* every thread in creation order; NULL starts */
NTSTATUS PsCreateSystemThread(KTHREAD **Thread, KSTART_ROUTINE StartRoutine, void *StartContext,
                              KPRIORITY Priority, const char *Name);
__attribute__((noreturn)) void PsTerminateSystemThread(NTSTATUS ExitStatus);
void KeDereferenceThread(KTHREAD *Thread);  /* the last reference frees it */
KPRIORITY KeSetPriorityThread(KTHREAD *Thread, KPRIORITY Priority);
void KiInitializeThreads(void);
void KiStartIdleThread(void);          /* once Mm can give it a stack */

/*
 * The balance set manager (balmgr.c): a thread at LOW_REALTIME_PRIORITY that calls Work once a
 * second, and at once when WakeEvent is signaled. Mm's working-set manager is what it runs;
 * start-up hands both over, so Ke does not call up into Mm for it.
 */
void KeStartBalanceSetManager(KEVENT *WakeEvent, void (*Work)(void));

/* Waits (wait.c). Timeouts in NT's units: 100 ns, negative = relative; NULL = forever. */
NTSTATUS KeWaitForSingleObject(void *Object, uint32_t WaitReason, KPROCESSOR_MODE WaitMode,
                               bool Alertable, const int64_t *Timeout);
/* An Interval of 0 gives the processor to a ready thread of the same or a higher priority, as
 * KeYieldExecution does (NT's Sleep(0)), and returns at once when there is none. */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, bool Alertable, const int64_t *Interval);
/* NtYieldExecution's: the rest of the quantum to a ready thread of the same or a higher
 * priority; false (NT's STATUS_NO_YIELD_PERFORMED) when there is none. PASSIVE_LEVEL or APC. */
bool KeYieldExecution(void);
/* Count objects (at most MAXIMUM_WAIT_OBJECTS; WaitBlockArray needed above THREAD_WAIT_OBJECTS):
 * WaitAny ends with STATUS_WAIT_0 + the index of a signaled one, WaitAll when all are at once.
 * A UserMode wait ends with STATUS_KERNEL_APC when the thread is asked to terminate. */
NTSTATUS KeWaitForMultipleObjects(uint32_t Count, void *Object[], WAIT_TYPE WaitType,
                                  uint32_t WaitReason, KPROCESSOR_MODE WaitMode, bool Alertable,
                                  const int64_t *Timeout, KWAIT_BLOCK *WaitBlockArray);
#define Executive               0
#define KI_MILLISECONDS(ms)     ((int64_t)(ms) * -10000)

/* Events (event.c). KeSetEvent returns the previous state. */
void KeInitializeEvent(KEVENT *Event, EVENT_TYPE Type, bool State);
int32_t KeSetEvent(KEVENT *Event);
void KeClearEvent(KEVENT *Event);
int32_t KeReadStateEvent(const KEVENT *Event);

/* Deferred procedure calls (dpc.c): an interrupt queues one; it runs at DISPATCH_LEVEL. */
struct _KDPC;
typedef void (*KDEFERRED_ROUTINE)(struct _KDPC *Dpc, void *DeferredContext, void *Argument1,
                                  void *Argument2);

typedef struct _KDPC {
    LIST_ENTRY DpcListEntry;
    KDEFERRED_ROUTINE DeferredRoutine;
    void *DeferredContext;
    void *SystemArgument1, *SystemArgument2;
    bool Inserted;
} KDPC;

void KeInitializeDpc(KDPC *Dpc, KDEFERRED_ROUTINE DeferredRoutine, void *DeferredContext);
bool KeInsertQueueDpc(KDPC *Dpc, void *SystemArgument1, void *SystemArgument2);

/*
 * Processes and attaching (procobj.c). KeInitializeProcess: an empty process whose page
 * directory is DirectoryTableBase. KeStackAttachProcess makes Process's address space the
 * current one for the calling thread (nesting allowed; INVALID_PROCESS_ATTACH_ATTEMPT from a
 * DPC), KeUnstackDetachProcess undoes it. KeInitialSystemProcess is the system's own.
 * A system thread runs in whichever address space is loaded (procobj.c); attaching to the
 * System process loads the System's own. KeReleaseAddressSpace: Process's directory is about to
 * be freed; if it is still the loaded one, the System's is loaded instead.
 */
extern KPROCESS KeInitialSystemProcess;
void KeInitializeProcess(KPROCESS *Process, uint32_t DirectoryTableBase, uint32_t HyperSpaceTable);
void KeStackAttachProcess(KPROCESS *Process, KAPC_STATE *ApcState);
void KeUnstackDetachProcess(KAPC_STATE *ApcState);
void KeReleaseAddressSpace(KPROCESS *Process);
void KeTerminateProcess(KPROCESS *Process);     /* signaled: its waiters wake */
static inline KPROCESS *KeGetCurrentProcess(void)
{
    extern KTHREAD *KiCurrentThread;
    return KiCurrentThread->ApcState.Process;
}

/*
 * Threads in processes (thread.c). KeInitializeThread prepares Thread (memory the caller owns,
 * NT's ETHREAD.Tcb) with a kernel stack of its own to run StartRoutine(StartContext) in
 * Process; KeReadyThread lets it run. A user thread's StartRoutine ends in KeEnterUserMode. The
 * terminated thread's kernel stack is freed by Ke, and then Ke calls the DeleteRoutine given
 * to KeSetThreadDeleteRoutine (Ps: the object's last reference), at DISPATCH_LEVEL.
 */
NTSTATUS KeInitializeThread(KTHREAD *Thread, KSTART_ROUTINE StartRoutine, void *StartContext,
                            KPRIORITY Priority, const char *Name, KPROCESS *Process);
void KeReadyThread(KTHREAD *Thread);
__attribute__((noreturn)) void KeTerminateThread(NTSTATUS ExitStatus);
__attribute__((noreturn)) void KeEnterUserMode(uintptr_t Eip, uintptr_t Esp, uint32_t Eax,
                                               uint32_t Ebx);
__attribute__((noreturn)) void KeEnterUserModeWithContext(const void *Context);  /* a CONTEXT */
void KeSetThreadDeleteRoutine(void (*DeleteRoutine)(KTHREAD *Thread));
void KeSetThreadExitRoutine(void (*ExitRoutine)(NTSTATUS ExitStatus));  /* Ps's thread exit */
/* Ask Thread to end with ExitStatus the next time it would return to user mode; a user-mode
 * wait it is in ends at once (STATUS_KERNEL_APC). */
void KeRequestTermination(KTHREAD *Thread, NTSTATUS ExitStatus);

/*
 * System services (syscall.c). `int 0x2E` with EAX = the service number and EDX = the
 * arguments on the user stack. Ps fills the table; a number past its Limit returns
 * STATUS_INVALID_SYSTEM_SERVICE. Each service is a stdcall-less C function of ULONG arguments
 * returning NTSTATUS; Number[i] is its argument bytes.
 */
typedef struct _KSERVICE_TABLE_DESCRIPTOR {
    const uintptr_t *Base;
    uint32_t *Count;                    /* calls per service */
    uint32_t Limit;
    const uint8_t *Number;
} KSERVICE_TABLE_DESCRIPTOR;

bool KeAddSystemServiceTable(const uintptr_t *Base, uint32_t *Count, uint32_t Limit,
                             const uint8_t *Number, uint32_t Index);
extern KSERVICE_TABLE_DESCRIPTOR KeServiceDescriptorTable[2];
extern uintptr_t KeUserProbeAddress;        /* MmUserProbeAddress, set by Mm at start-up */

/*
 * How user mode enters: the trampolines in KUSER_SHARED_DATA (see syscall.c), sysenter when
 * the processor has it (KeFastSystemCall), int 0x2E otherwise. After Mm made the shared page.
 */
void KeInitializeSystemCalls(void);
extern bool KeFastSystemCall;

/* The numeric processor (npx.c): FXSR and SSE where CPUID has them, and KUSER_SHARED_DATA's
 * ProcessorFeatures (after Mm made the shared page). */
extern bool KeI386FxsrPresent, KeI386XMMIPresent, KeI386XMMI64Present;
void KeSetProcessorFeatures(void);
static inline KPROCESSOR_MODE ExGetPreviousMode(void)
{
    extern KTHREAD *KiCurrentThread;
    return KiCurrentThread->PreviousMode;
}

/*
 * User exceptions (exceptn.c): KiDispatchException gives a user-mode exception to the
 * thread's process (its KiUserExceptionDispatcher), or on the second chance ends the process
 * with the code through the routine Ps gave KeSetProcessExceptionExit, after printing one line.
 */
struct _EXCEPTION_RECORD;
void KeSetProcessExceptionExit(void (*Exit)(NTSTATUS ExceptionCode,
                               const struct _EXCEPTION_RECORD *Record, uintptr_t Eip));
NTSTATUS KeRaiseUserException(const struct _EXCEPTION_RECORD *Record, const void *Context,
                              bool FirstChance);     /* NtRaiseException's work */
NTSTATUS KeContinue(const void *Context);             /* NtContinue's work */

/*
 * Copying to and from user space (probe.S): Length bytes; a fault on either side returns the
 * fault's status (STATUS_ACCESS_VIOLATION, STATUS_IN_PAGE_ERROR ...) with part copied. The
 * caller checks the user range against MmUserProbeAddress first (ProbeForRead/Write, ex/).
 */
NTSTATUS KeCopyMemorySafe(void *Destination, const void *Source, uint32_t Length);
/* The same, with *Copied the bytes that reached Destination before a fault (Length if none). */
NTSTATUS KeCopyMemorySafePartial(void *Destination, const void *Source, uint32_t Length,
                                 uint32_t *Copied);
NTSTATUS KeZeroMemorySafe(void *Destination, uint32_t Length);

/* Translation buffer flushes (tbflush.c). */
void KeFlushSingleTb(const void *VirtualAddress);
void KeFlushEntireTb(void);

/* Whole pages zeroed, with the stores fastest under QEMU's TCG (zeropage.c). */
void KeZeroPages(void *PageBase, uint32_t NumberOfBytes);

/* The clock and interrupts (clock.c, trap.c). Service routines run at the line's IRQL. */
extern volatile uint32_t KeTickCount;               /* HAL_CLOCK_HZ ticks since start-up */
/* KUSER_SHARED_DATA as the kernel writes it (Mm maps it at 0xFFDF0000); the clock keeps
 * TickCount, InterruptTime and SystemTime current there. NULL until mapped. */
extern volatile NT_KUSER_SHARED_DATA *KeUserSharedData;
uint64_t KeQueryPerformanceCounter(uint64_t *Frequency);   /* the TSC; Frequency may be NULL */
int64_t KeQuerySystemTime(void);    /* 100 ns since 1601, as KUSER_SHARED_DATA's SystemTime */
typedef void (*KSERVICE_ROUTINE)(void *Context);
void KeConnectInterrupt(uint32_t Irq, KSERVICE_ROUTINE Routine, void *Context);
void KiInitializeClock(void);

/* Start-up state: filled by kernel/init/ (loader.c, options.c) before any other layer runs. */
#define KI_MAX_MEMORY_DESCRIPTORS   64

typedef enum _MEMORY_TYPE {         /* multiboot memory map types */
    MemoryFree = 1,
    MemoryReserved = 2,
    MemoryAcpiReclaimable = 3,
    MemoryAcpiNvs = 4,
    MemoryBad = 5,
    MemoryLoaderModule = 0x100,     /* ours, not multiboot's: a module's pages (loader.c) */
} MEMORY_TYPE;

typedef struct _MEMORY_DESCRIPTOR {
    uint64_t Base;
    uint64_t Length;
    uint32_t Type;
} MEMORY_DESCRIPTOR;

/*
 * A file the boot loader put in physical memory beside the kernel (a multiboot module: GRUB's
 * `module`, QEMU's -initrd), a program to run. Its pages are kept out of free memory; Mm reads
 * it (MmFindLoaderModule, MmReadLoaderModule).
 */
#define KI_MAX_LOADER_MODULES       16      /* boot/boot.h's; more modules are ignored */
#define LOADER_MODULE_NAME_SIZE     64

typedef struct _LOADER_MODULE {
    uint32_t PhysicalStart;         /* page aligned (the multiboot header asks for it) */
    uint32_t Size;                  /* bytes */
    char Name[LOADER_MODULE_NAME_SIZE];     /* its string's first word, without a directory */
    char CommandLine[256];          /* KI_MULTIBOOT_MODULE_STRING_SIZE: the whole string */
} LOADER_MODULE;

/* What the loader told us, copied out of the multiboot information by boot/multiboot.S. */
typedef struct _LOADER_PARAMETER_BLOCK {
    uint32_t VirtualBias;           /* how far the image was moved from its link address */
    uint32_t MemoryDescriptorCount;
    MEMORY_DESCRIPTOR MemoryDescriptors[KI_MAX_MEMORY_DESCRIPTORS];
    char CommandLine[2048];         /* KI_MULTIBOOT_CMDLINE_SIZE; empty if it did not fit */
    uint32_t ModuleCount;
    LOADER_MODULE Modules[KI_MAX_LOADER_MODULES];
} LOADER_PARAMETER_BLOCK;

extern LOADER_PARAMETER_BLOCK KeLoaderBlock;

/* The boot options (options.c), parsed from the command line once at start-up. */
typedef struct _KBOOT_OPTIONS {
    const char *Test;               /* test=<globs>: run these self-tests and power off */
    const char *Crash;              /* crash=<kind>: raise a bugcheck on purpose */
    const char *Bench;              /* bench=<globs>: run these benchmarks and power off */
    uint32_t UserVaIncrease;        /* 3gb / increaseuserva: bytes added to user space */
    uint32_t SpecialPoolTag;        /* specialpool=<tag>: the tag, or '*' for every allocation */
    const char *PagingFiles;        /* pagefile=<disk>:<first sector>:<sectors>[,...] or none */
    const char *Run;                /* run="<program> <arguments>": the first process */
    const char *AfterTest;          /* aftertest=<globs>: with run=, self-tests after it */
    bool LargePageMinimumGiven;     /* largepageminimum=<MB> was given: */
    uint32_t LargePageMinimum;      /*   more RAM than this (MB) maps the PFN database large */
} KBOOT_OPTIONS;

extern KBOOT_OPTIONS KeBootOptions;     /* filled by kernel/init/options.c */

#endif
