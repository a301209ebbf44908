/*
 * kernel/ke/ke.h: the kernel's contract (Ke, and the few Ps/Ob entry points its threads have
 * until processes exist): trap frames, bugchecks, debug output, the clock, interrupts,
 * dispatcher objects, threads, probing memory that may be invalid, and the start-up state the
 * loader hands over. Everything above Ke (Ex, Io, Mm, Kd, init) reaches it through this header.
 */
#ifndef KERNEL_KE_KE_H
#define KERNEL_KE_KE_H

#include "kernel/rtl/rtl.h"
#include "kernel/inc/ntstatus.h"
#include "kernel/inc/bugcodes.h"

typedef enum _MODE { KernelMode, UserMode } KPROCESSOR_MODE;

/* Selectors, NT's values (ks386.inc). */
#define KGDT_R0_CODE        0x08
#define KGDT_R0_DATA        0x10
#define KGDT_R3_CODE        0x18
#define KGDT_R3_DATA        0x20
#define KGDT_TSS            0x28
#define KGDT_DF_TSS         0x50
#define KGDT_NUMBER         12
#define MODE_MASK           1       /* the RPL bit that distinguishes user from kernel CS */

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
} KWAIT_BLOCK;

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

typedef struct _KTHREAD {
    DISPATCHER_HEADER Header;       /* signaled when the thread has terminated */
    LIST_ENTRY WaitListEntry;       /* on a ready queue, or the terminated list */
    LIST_ENTRY ThreadListEntry;     /* on KiThreadListHead, every thread */
    uint32_t KernelStack;           /* the saved esp while not running */
    void *InitialStack;             /* the stack's top */
    bool LargeStack;
    KTHREAD_STATE State;
    KPRIORITY Priority;
    int8_t Quantum;                 /* clock ticks left before equal priority may run */
    NTSTATUS WaitStatus;
    KWAIT_BLOCK WaitBlock;
    uint32_t WaitDeadline;          /* KeTickCount at which a timed wait ends */
    bool WaitTimed;
    LIST_ENTRY TimerListEntry;
    KTRAP_FRAME *TrapFrame;         /* innermost trap being handled on this thread */
    KSTART_ROUTINE StartRoutine;
    void *StartContext;
    int32_t ReferenceCount;
    uint32_t UniqueThread;
    uint32_t OwnsSystemWorkingSet;  /* Mm: how deep this thread holds the system WS lock */
    char Name[16];
} KTHREAD;

KTHREAD *KeGetCurrentThread(void);
KTHREAD *KeGetNextThread(KTHREAD *Previous);   /* every thread in creation order; NULL starts */
NTSTATUS PsCreateSystemThread(KTHREAD **Thread, KSTART_ROUTINE StartRoutine, void *StartContext,
                              KPRIORITY Priority, const char *Name);
__attribute__((noreturn)) void PsTerminateSystemThread(NTSTATUS ExitStatus);
void ObDereferenceObject(void *Object);     /* threads: the last reference frees it */
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
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, bool Alertable, const int64_t *Interval);
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

/* Translation buffer flushes (tbflush.c). */
void KeFlushSingleTb(const void *VirtualAddress);
void KeFlushEntireTb(void);

/* The clock and interrupts (clock.c, trap.c). Service routines run at the line's IRQL. */
extern volatile uint32_t KeTickCount;               /* HAL_CLOCK_HZ ticks since start-up */
uint64_t KeQueryPerformanceCounter(uint64_t *Frequency);   /* the TSC; Frequency may be NULL */
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
} KBOOT_OPTIONS;

extern KBOOT_OPTIONS KeBootOptions;     /* filled by kernel/init/options.c */

#endif
