/*
 * robust.exe: a process that does something bad ends, alone, with NT's code. In the style of
 * Pintos's pt-bad-addr, pt-bad-read, pt-grow-bad and pt-write-code, each fault runs in a child
 * (robust.exe child NAME), unhandled, and the parent checks its exit status
 * (GetExitCodeProcess): the exception code for a fault, the status returned for a system call
 * given bad pointers or a bad number (the child exits with it). Meanwhile a bystander child
 * checks its own memory over and over and must still be running, unharmed, at the end; the
 * parent too checks its memory, and starts one more child that ends normally.
 *
 * The children also make threads from hostile CONTEXTs (an EIP or a stack in system space,
 * EFLAGS.VM, an INITIAL_TEB in system space), end with threads still faulting, and race one
 * thread changing a region against two touching it. Other processes are terminated while
 * their threads fault or wait, and one has its region changed from outside (the Ex calls)
 * while it touches it.
 *
 * The system services' own checks are also called in the parent itself: a bad pointer or
 * service number is a returned status, never an exception in the caller.
 */
#include <ntdll.h>
#include <stdlib.h>
#include "ktap.h"
#include "../../kernel/inc/ntservices.h"

/* The service numbers, as ntdll's stubs have them. */
#define NT_SERVICE(Name, ArgumentDwords) SERVICE_##Name,
enum { NT_SERVICES SERVICE_COUNT };
#undef NT_SERVICE

#define CHILD_TIMEOUT_MS    30000
#define BYSTANDER_BYTES     0x40000
#define STILL_RUNNING_CODE  0x5AFE
#define UNMAPPED_USER       0x04000000u     /* nothing is reserved there */
#define KERNEL_IMAGE        0x80100000u
#define SELF_MAP_PDE        0xC0300C00u
#define RESERVE_BELOW_GUARD 0x20000u        /* below esp, inside the stack's reserve */
#define SERVICE_TABLE_BIT   0x1000u         /* bit 12: the second service table */
#define EFLAGS_TRAP         0x100u
#define EFLAGS_V86          0x20000u
#define EFLAGS_NESTED_TASK  0x4000u
#define STATUS_CHILD_FAILED 0xBADC0DE
#define TERMINATIONS        20
#define TERMINATED_CODE     0x7E57
#define THREAD_EXIT_CODE    0x7EAD

typedef struct _CHILD_CASE {
    const char *Name;
    int (*Run)(void);
    DWORD ExpectedStatus;
} CHILD_CASE;

/* int 0x2E with EAX = Number and EDX = Arguments: the status in EAX. */
static NTSTATUS SystemCall(ULONG Number, const void *Arguments)
{
    NTSTATUS status;

    __asm__ volatile("int $0x2e" : "=a"(status) : "a"(Number), "d"(Arguments) : "ecx", "memory");
    return status;
}

static int BadAddress(void)                 /* pt-bad-addr */
{
    return *(volatile int *)UNMAPPED_USER;
}

static int NullWrite(void)
{
    *(volatile int *)0 = 1;
    return 0;
}

static int ReadKernel(void)                 /* pt-bad-read, of the kernel's own memory */
{
    return *(volatile int *)KERNEL_IMAGE;
}

static int WriteSelfMap(void)
{
    *(volatile ULONG *)SELF_MAP_PDE = 0x00000067;
    return 0;
}

static int JumpToKernel(void)
{
    ((void (*)(void))KERNEL_IMAGE)();
    return 0;
}

static int GrowBad(void)                    /* pt-grow-bad: far below esp, past the guard */
{
    ULONG esp;

    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    return *(volatile char *)(ULONG_PTR)(esp - RESERVE_BELOW_GUARD);
}

static volatile int RecurseForever = 1;

static int Recurse(int Depth)
{
    volatile char frame[1024];

    frame[0] = (char)Depth;
    return RecurseForever ? Recurse(Depth + 1) + frame[0] : 0;
}

static int StackOverflow(void)
{
    return Recurse(0);
}

static int WriteCode(void)                  /* pt-write-code */
{
    *(volatile UCHAR *)(ULONG_PTR)WriteCode = 0xCC;
    return 0;
}

static int Divide(void)
{
    __asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\tdivl %%ecx"
                     ::: "eax", "ecx", "edx");
    return 0;
}

static int Privileged(void)
{
    __asm__ volatile("cli");
    return 0;
}

static int Breakpoint(void)
{
    __asm__ volatile("int3");
    return 0;
}

static int SingleStep(void)
{
    __asm__ volatile("pushfl\n\torl %0, (%%esp)\n\tpopfl\n\tnop\n\tnop" : : "i"(EFLAGS_TRAP));
    return 0;
}

/* No stack for the exception record: the second chance at once, with the fault's code. */
static int KernelStack(void)
{
    __asm__ volatile("movl $0xC0000000, %%esp\n\tpushl $0" ::: "memory");
    return 0;
}

static int NullStack(void)
{
    __asm__ volatile("xorl %%esp, %%esp\n\tpushl $0" ::: "memory");
    return 0;
}

/* System calls given what they must refuse: the child exits with the status. */
static int AllocateKernelPointer(void)
{
    SIZE_T size = 0x1000;

    return NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)KERNEL_IMAGE, 0, &size,
                                   MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

static int ArgumentsInKernel(void)
{
    return SystemCall(SERVICE_NtClose, (const void *)KERNEL_IMAGE);
}

static int UnknownService(void)
{
    ULONG arguments[16] = { 0 };

    return SystemCall(SERVICE_COUNT, arguments);
}

static int SecondTable(void)
{
    ULONG arguments[16] = { 0 };

    return SystemCall(SERVICE_TABLE_BIT | SERVICE_NtClose, arguments);
}

/* pt-write-code2: a service asked to write into the caller's code. */
static int QueryIntoCode(void)
{
    NTSTATUS status = NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000,
                                           MemoryBasicInformation, (PVOID)(ULONG_PTR)WriteCode,
                                           sizeof(MEMORY_BASIC_INFORMATION), NULL);

    return *(volatile UCHAR *)(ULONG_PTR)WriteCode == 0xCC ? STATUS_CHILD_FAILED : status;
}

static ULONG ContinueStack[1024];

__attribute__((noreturn)) static void ContinuedPlain(void)
{
    ExitProcess(0);
}

__attribute__((noreturn)) static void ContinuedFloat(void)
{
    volatile double x = 1.0;

    __asm__ volatile("fwait");                  /* raises what the x87 state has pending */
    x = x * 2.0;
    ExitProcess((UINT)x);
}

/* NtContinue into Routine on a stack of its own, with Flags added to EFLAGS and, if
 * FloatState, that x87 state: what the thread does there is the case's result. */
static int ContinueWith(void (*Routine)(void), ULONG Flags, const FLOATING_SAVE_AREA *FloatState)
{
    CONTEXT context;

    memset(&context, 0, sizeof(context));
    context.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER |
                           (FloatState ? CONTEXT_FLOATING_POINT : 0);
    context.Eip = (DWORD)(ULONG_PTR)Routine;
    context.Esp = (DWORD)(ULONG_PTR)&ContinueStack[1000];
    context.EFlags = 0x202 | Flags;
    if (FloatState)
        context.FloatSave = *FloatState;
    return NtContinue(&context, FALSE);
}

/* Virtual-8086 mode is for NTVDM processes; here none is: EFLAGS.VM must not take effect. */
static int ContinueV86(void)
{
    return ContinueWith(ContinuedPlain, EFLAGS_V86, NULL);
}

/*
 * EFLAGS.NT set in ring 3 (popf may set it at any privilege), which sysenter keeps: a service
 * entered with it comes back with it, and NtContinue, whose way back is iret, resumes the new
 * context instead of attempting a task return from the kernel (an iret with NT set returns
 * through the TSS's back link: a #TS, a bugcheck, before the kernel cleared its flags on
 * entry as NT's KiFastCallEntry does).
 */
static int ServiceNestedTask(void)
{
    NTSTATUS status;
    ULONG flags;

    __asm__ volatile("pushfl; orl %[nt], (%%esp); popfl\n\t"
                     "pushl $0x1234\n\t"
                     "call *%[stub]\n\t"
                     "pushfl; popl %%edx\n\t"
                     "pushfl; andl %[clear], (%%esp); popfl"
                     : "=a"(status), "=d"(flags)
                     : [stub] "r"(NtClose), [nt] "i"(EFLAGS_NESTED_TASK),
                       [clear] "i"(~EFLAGS_NESTED_TASK)
                     : "ecx", "memory", "cc");
    return status == STATUS_INVALID_HANDLE && (flags & EFLAGS_NESTED_TASK) ? 0 : 1;
}

static int ContinueNestedTask(void)
{
    int status;

    /* Nothing between here and the stub's sysenter returns by iret, so NT may be set early. */
    __asm__ volatile("pushfl; orl %[nt], (%%esp); popfl" : : [nt] "i"(EFLAGS_NESTED_TASK) : "cc");
    status = ContinueWith(ContinuedPlain, 0, NULL);
    __asm__ volatile("pushfl; andl %[clear], (%%esp); popfl"
                     : : [clear] "i"(~EFLAGS_NESTED_TASK) : "cc");
    return status;                              /* only if NtContinue failed */
}

/* x87 state with every exception unmasked and an invalid operation pending: the next
 * floating-point instruction of this thread raises it, in user mode. */
static int ContinuePendingFloat(void)
{
    FLOATING_SAVE_AREA state;

    memset(&state, 0, sizeof(state));
    state.ControlWord = 0xFFFF0000;             /* every exception unmasked */
    state.StatusWord = 0xFFFF8081;              /* busy, error summary, invalid operation */
    state.TagWord = 0xFFFFFFFF;                 /* empty */
    return ContinueWith(ContinuedFloat, 0, &state);
}

/* 1.0 / 0.0 with the zero-divide exception unmasked. */
static int FloatDivide(void)
{
    volatile double one = 1.0, zero = 0.0, quotient;
    USHORT control;

    __asm__ volatile("fnstcw %0" : "=m"(control));
    control &= ~0x0004;
    __asm__ volatile("fldcw %0" : : "m"(control));
    quotient = one / zero;
    __asm__ volatile("fwait");                  /* where the error is reported, at the latest */
    return (int)quotient;
}

static int ContinueKernelContext(void)
{
    return NtContinue((PCONTEXT)KERNEL_IMAGE, FALSE);
}

static int RaiseKernelRecord(void)
{
    CONTEXT context;

    memset(&context, 0, sizeof(context));
    return NtRaiseException((PEXCEPTION_RECORD)KERNEL_IMAGE, &context, TRUE);
}

/*
 * Races between threads of one process: one thread changes a region (commits and decommits
 * it, releases and reserves it again, changes its protection, makes it a guard page, resets
 * it, empties the working set) while
 * another writes and reads every page of it. The writer's faults on what is not there are
 * access violations or guard-page exceptions that a vectored handler skips; the kernel must
 * keep its working set, VADs and page tables straight whichever way the clock preempts them.
 */
#define RACE_PAGES          16
#define RACE_BYTES          (RACE_PAGES * 0x1000u)
#define RACE_STEPS          5000
#define REMOTE_RACE_STEPS   20000
#define REMOTE_RACE_BASE    0x30000000u

extern char RaceTouchAt[], RaceTouchDone[];
static volatile LONG RaceFaults, RaceStop;
static PUCHAR RaceRegion;

__attribute__((noinline)) static void RaceTouch(volatile ULONG *Address, ULONG Value)
{
    __asm__ volatile(".globl _RaceTouchAt\n_RaceTouchAt: xchgl %1, (%0)\n"
                     ".globl _RaceTouchDone\n_RaceTouchDone:"
                     : : "r"(Address), "r"(Value) : "memory");
}

static LONG CALLBACK SkipRaceTouch(EXCEPTION_POINTERS *Pointers)
{
    DWORD code = Pointers->ExceptionRecord->ExceptionCode;

    if (Pointers->ExceptionRecord->ExceptionAddress != RaceTouchAt ||
        (code != (DWORD)STATUS_ACCESS_VIOLATION && code != (DWORD)STATUS_GUARD_PAGE_VIOLATION))
        return EXCEPTION_CONTINUE_SEARCH;
    InterlockedIncrement(&RaceFaults);
    Pointers->ContextRecord->Eip = (DWORD)(ULONG_PTR)RaceTouchDone;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static DWORD WINAPI RaceToucher(LPVOID Parameter)
{
    ULONG round = 0;

    (void)Parameter;
    while (!RaceStop) {
        for (ULONG page = 0; page < RACE_PAGES; page++)
            RaceTouch((volatile ULONG *)(RaceRegion + page * 0x1000u + (round & 0x3FC)), round);
        round++;
    }
    return 0;
}

/* The changer's one step, chosen by Step, on Process's region at Region (this process's or
 * another's, through the Ex calls). */
static void RaceChange(HANDLE Process, PUCHAR Region, ULONG Step)
{
    PUCHAR page = Region + (Step % RACE_PAGES) * 0x1000u;
    DWORD old;

    switch (Step % 9) {
    case 0: VirtualAllocEx(Process, Region, RACE_BYTES, MEM_COMMIT, PAGE_READWRITE); break;
    case 1: VirtualFreeEx(Process, page, 0x1000, MEM_DECOMMIT); break;
    case 2: VirtualProtectEx(Process, page, 0x3000, PAGE_READONLY, &old); break;
    case 3: VirtualProtectEx(Process, page, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old); break;
    case 4: VirtualProtectEx(Process, Region, RACE_BYTES, PAGE_READWRITE, &old); break;
    case 5:
        if (Step % 5 == 0) {                    /* the whole region away and back */
            VirtualFreeEx(Process, Region, 0, MEM_RELEASE);
            VirtualAllocEx(Process, Region, RACE_BYTES, MEM_RESERVE, PAGE_READWRITE);
        }
        break;
    case 6: VirtualProtectEx(Process, page, 0x2000, PAGE_NOACCESS, &old); break;
    case 7: VirtualAllocEx(Process, page, 0x2000, MEM_RESET, PAGE_NOACCESS); break;
    default:                                    /* the working set emptied */
        if (Step % 4 == 0)
            SetProcessWorkingSetSize(Process, (SIZE_T)-1, (SIZE_T)-1);
        break;
    }
}

/* The region and its touching threads; FALSE if they cannot be had. */
static BOOL StartTouchers(PVOID Base, HANDLE Threads[2])
{
    RaceRegion = VirtualAlloc(Base, RACE_BYTES, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!RaceRegion || !AddVectoredExceptionHandler(1, SkipRaceTouch))
        return FALSE;
    Threads[0] = CreateThread(NULL, 0, RaceToucher, NULL, 0, NULL);
    Threads[1] = CreateThread(NULL, 0, RaceToucher, NULL, 0, NULL);
    return Threads[0] && Threads[1];
}

/* robust.exe child race_target: touches REMOTE_RACE_BASE until terminated. */
static int RaceTarget(void)
{
    HANDLE threads[2];

    if (!StartTouchers((PVOID)REMOTE_RACE_BASE, threads))
        return STATUS_CHILD_FAILED;
    WaitForMultipleObjects(2, threads, TRUE, INFINITE);
    return STATUS_CHILD_FAILED;
}

static int Race(void)
{
    HANDLE threads[2];

    if (!StartTouchers(NULL, threads))
        return STATUS_CHILD_FAILED;
    for (ULONG step = 0; step < RACE_STEPS; step++) {
        RaceChange(GetCurrentProcess(), RaceRegion, step);
        if (step % 256 == 0)
            SwitchToThread();           /* one processor: the touchers get their turns */
    }
    RaceStop = 1;
    WaitForMultipleObjects(2, threads, TRUE, INFINITE);
    printf("# race: %u changes, %ld faults skipped\n", RACE_STEPS, RaceFaults);
    return RaceFaults > 0 ? 0 : STATUS_CHILD_FAILED;
}

/* Two threads faulting in fresh memory over and over, until the process is terminated. */
__attribute__((noreturn)) static DWORD WINAPI FaultForeverThread(LPVOID Parameter)
{
    for (ULONG round = (ULONG)(ULONG_PTR)Parameter;; round++) {
        PUCHAR memory = VirtualAlloc(NULL, 0x100000, MEM_COMMIT, PAGE_READWRITE);

        for (ULONG i = 0; memory && i < 0x100000; i += 0x1000)
            memory[i] = (UCHAR)round;
        if (memory)
            VirtualFree(memory, 0, MEM_RELEASE);
    }
}

/* Two threads waiting for ever (one on the other), until the process is terminated. */
static DWORD WINAPI WaitForThread(LPVOID Thread)
{
    return WaitForSingleObject(Thread, INFINITE);
}

static int WaitForever(void)
{
    HANDLE self;

    DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &self, 0,
                    FALSE, DUPLICATE_SAME_ACCESS);
    CreateThread(NULL, 0, WaitForThread, self, 0, NULL);
    Sleep(INFINITE);
    return 0;
}

static int FaultForever(void)
{
    CreateThread(NULL, 0, FaultForeverThread, (LPVOID)1, 0, NULL);
    FaultForeverThread(NULL);
    return 0;
}

/* A thread made with CONTEXT Eip and Esp (a stack of its own described by the INITIAL_TEB);
 * the status NtCreateThread returned, or the thread's fate ends the process first. */
static int ThreadWith(ULONG Eip, ULONG Esp, ULONG Flags)
{
    static ULONG stack[1024];
    INITIAL_TEB teb = { NULL, NULL, &stack[1024], &stack[0], &stack[0] };
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, NULL, 0, NULL, NULL };
    CONTEXT context;
    CLIENT_ID client;
    HANDLE thread;
    NTSTATUS status;

    memset(&context, 0, sizeof(context));
    context.ContextFlags = CONTEXT_FULL;
    context.Eip = Eip;
    context.Esp = Esp ? Esp : (ULONG)(ULONG_PTR)&stack[1000];
    context.EFlags = 0x202 | Flags;
    context.SegCs = 0x1B;
    context.SegDs = context.SegEs = context.SegSs = 0x23;
    context.SegFs = 0x3B;
    status = NtCreateThread(&thread, THREAD_ALL_ACCESS, &attributes, NtCurrentProcess(), &client,
                            &context, &teb, FALSE);
    if (!NT_SUCCESS(status))
        return status;
    WaitForSingleObject(thread, CHILD_TIMEOUT_MS);  /* the process ends before this returns */
    return STATUS_CHILD_FAILED;
}

__attribute__((noreturn)) static void ThreadExitsWithCode(void)
{
    ExitProcess(THREAD_EXIT_CODE);
}

static int ThreadKernelEip(void)
{
    return ThreadWith(KERNEL_IMAGE, 0, 0);
}

static int ThreadKernelStack(void)                  /* no stack for its exception: ends */
{
    return ThreadWith((ULONG)(ULONG_PTR)NullWrite, 0xC0000000, 0);
}

static int ThreadV86(void)                          /* VM ignored: it runs, and ends us */
{
    return ThreadWith((ULONG)(ULONG_PTR)ThreadExitsWithCode, 0, EFLAGS_V86);
}

static int ThreadKernelTeb(void)
{
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, NULL, 0, NULL, NULL };
    CONTEXT context;
    HANDLE thread;

    memset(&context, 0, sizeof(context));
    return NtCreateThread(&thread, THREAD_ALL_ACCESS, &attributes, NtCurrentProcess(), NULL,
                          &context, (PINITIAL_TEB)KERNEL_IMAGE, FALSE);
}

/* ExitProcess while four other threads fault and allocate: all of them end with it. */
static int ExitWithThreads(void)
{
    for (ULONG i = 0; i < 4; i++)
        CreateThread(NULL, 0, FaultForeverThread, (LPVOID)(ULONG_PTR)i, 0, NULL);
    Sleep(50);
    ExitProcess(THREAD_EXIT_CODE);
}

static const CHILD_CASE ChildCases[] = {
    { "bad_addr", BadAddress, STATUS_ACCESS_VIOLATION },
    { "null_write", NullWrite, STATUS_ACCESS_VIOLATION },
    { "read_kernel", ReadKernel, STATUS_ACCESS_VIOLATION },
    { "write_self_map", WriteSelfMap, STATUS_ACCESS_VIOLATION },
    { "jump_to_kernel", JumpToKernel, STATUS_ACCESS_VIOLATION },
    { "grow_bad", GrowBad, STATUS_ACCESS_VIOLATION },
    { "stack_overflow", StackOverflow, STATUS_STACK_OVERFLOW },
    { "write_code", WriteCode, STATUS_ACCESS_VIOLATION },
    { "divide", Divide, STATUS_INTEGER_DIVIDE_BY_ZERO },
    { "privileged", Privileged, STATUS_PRIVILEGED_INSTRUCTION },
    { "breakpoint", Breakpoint, STATUS_BREAKPOINT },
    { "single_step", SingleStep, STATUS_SINGLE_STEP },
    { "kernel_stack", KernelStack, STATUS_ACCESS_VIOLATION },
    { "null_stack", NullStack, STATUS_ACCESS_VIOLATION },
    { "allocate_kernel_pointer", AllocateKernelPointer, STATUS_ACCESS_VIOLATION },
    { "arguments_in_kernel", ArgumentsInKernel, STATUS_ACCESS_VIOLATION },
    { "unknown_service", UnknownService, STATUS_INVALID_SYSTEM_SERVICE },
    { "second_table", SecondTable, STATUS_INVALID_SYSTEM_SERVICE },
    { "query_into_code", QueryIntoCode, STATUS_ACCESS_VIOLATION },
    { "continue_v86", ContinueV86, 0 },
    { "service_nested_task", ServiceNestedTask, 0 },
    { "continue_nested_task", ContinueNestedTask, 0 },
    { "continue_pending_float", ContinuePendingFloat, STATUS_FLOAT_INVALID_OPERATION },
    { "float_divide", FloatDivide, STATUS_FLOAT_DIVIDE_BY_ZERO },
    { "continue_kernel_context", ContinueKernelContext, STATUS_ACCESS_VIOLATION },
    { "raise_kernel_record", RaiseKernelRecord, STATUS_ACCESS_VIOLATION },
    { "race", Race, 0 },
    { "thread_kernel_eip", ThreadKernelEip, STATUS_ACCESS_VIOLATION },
    { "thread_kernel_stack", ThreadKernelStack, STATUS_ACCESS_VIOLATION },
    { "thread_v86", ThreadV86, THREAD_EXIT_CODE },
    { "thread_kernel_teb", ThreadKernelTeb, STATUS_ACCESS_VIOLATION },
    { "exit_with_threads", ExitWithThreads, THREAD_EXIT_CODE },
};

#define CHILD_CASES ((int)(sizeof(ChildCases) / sizeof(ChildCases[0])))

/* robust.exe bystander: fills memory with a pattern and checks it until terminated; exits
 * with 1 the moment a word is wrong. */
static int Bystander(void)
{
    volatile ULONG *memory = VirtualAlloc(NULL, BYSTANDER_BYTES, MEM_COMMIT, PAGE_READWRITE);
    const ULONG words = BYSTANDER_BYTES / sizeof(ULONG);

    if (!memory)
        return 2;
    for (ULONG i = 0; i < words; i++)
        memory[i] = i * 2654435761u;
    for (;;) {
        for (ULONG i = 0; i < words; i++)
            if (memory[i] != i * 2654435761u)
                return 1;
        SwitchToThread();
    }
}

static HANDLE Start(const char *Arguments)
{
    PROCESS_INFORMATION info;
    char commandLine[96];

    snprintf(commandLine, sizeof(commandLine), "robust.exe %s", Arguments);
    if (!CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info))
        return NULL;
    CloseHandle(info.hThread);
    return info.hProcess;
}

static DWORD Finish(HANDLE Process)
{
    DWORD code = 0xFFFFFFFF;

    if (WaitForSingleObject(Process, CHILD_TIMEOUT_MS) != WAIT_OBJECT_0) {
        TerminateProcess(Process, 0xDEAD);
        WaitForSingleObject(Process, CHILD_TIMEOUT_MS);
        code = 0xFFFFFFFE;
    } else {
        GetExitCodeProcess(Process, &code);
    }
    CloseHandle(Process);
    return code;
}

static void TestFaultingChildren(void)
{
    HANDLE bystander = Start("bystander");
    static ULONG mine[4096];
    char arguments[64];
    DWORD code = 0;
    ULONG bad = 0;
    int wrong = 0;

    KT_EXPECT(bystander != NULL);
    for (ULONG i = 0; i < 4096; i++)
        mine[i] = ~i;
    for (int i = 0; i < CHILD_CASES; i++) {
        HANDLE child;

        snprintf(arguments, sizeof(arguments), "child %s", ChildCases[i].Name);
        child = Start(arguments);
        KT_EXPECT(child != NULL);
        if (!child)
            continue;
        code = Finish(child);
        if (code != ChildCases[i].ExpectedStatus) {
            printf("# child %s: exit status 0x%08lX, expected 0x%08lX\n", ChildCases[i].Name,
                   code, ChildCases[i].ExpectedStatus);
            wrong++;
        }
    }
    KT_EQ(wrong, 0);
    for (ULONG i = 0; i < 4096; i++)
        bad += mine[i] != ~i;
    KT_EQ(bad, 0);
    /* The bystander lived through it all, its memory unharmed. */
    if (bystander) {
        KT_EXPECT(GetExitCodeProcess(bystander, &code));
        KT_EQ(code, STILL_ACTIVE);
        KT_EXPECT(TerminateProcess(bystander, STILL_RUNNING_CODE));
        KT_EQ(Finish(bystander), STILL_RUNNING_CODE);
    }
    /* And a new process still starts and ends normally. */
    KT_EQ(Finish(Start("child ok")), 0);
}

/* A process terminated while its threads fault, allocate and free (or wait for ever): it ends
 * with the status given, every time, whenever it is caught. */
static void TestTerminateWhileFaulting(void)
{
    int wrong = 0;

    for (int i = 0; i < TERMINATIONS; i++) {
        HANDLE child = Start(i % 3 == 2 ? "child wait_forever" : "child fault_forever");
        DWORD code;

        KT_EXPECT(child != NULL);
        if (!child)
            continue;
        Sleep(10 + 13 * i % 97);
        KT_EXPECT(TerminateProcess(child, TERMINATED_CODE));
        code = Finish(child);
        wrong += code != TERMINATED_CODE;
    }
    KT_EQ(wrong, 0);
    KT_EQ(Finish(Start("child ok")), 0);
}

/* The race from outside: this process changes another's region (attached to it, through the
 * Ex calls) while that process's threads touch it; it lives on until terminated. */
static void TestRemoteRace(void)
{
    HANDLE target = Start("child race_target");
    MEMORY_BASIC_INFORMATION info;
    DWORD code = 0;

    KT_EXPECT(target != NULL);
    if (!target)
        return;
    for (int tries = 0; tries < 500; tries++) {     /* until the target has its region */
        if (VirtualQueryEx(target, (PVOID)REMOTE_RACE_BASE, &info, sizeof(info)) &&
            info.State == MEM_COMMIT)
            break;
        Sleep(10);
    }
    KT_EQ(info.State, MEM_COMMIT);
    for (ULONG step = 0; step < REMOTE_RACE_STEPS; step++)
        RaceChange(target, (PUCHAR)REMOTE_RACE_BASE, step);
    KT_EXPECT(GetExitCodeProcess(target, &code));
    KT_EQ(code, STILL_ACTIVE);                  /* nothing it did not expect happened to it */
    /* Terminated while the changes go on: they meet it ending, then ended. */
    KT_EXPECT(TerminateProcess(target, TERMINATED_CODE));
    for (ULONG step = 0; step < 2000; step++)
        RaceChange(target, (PUCHAR)REMOTE_RACE_BASE, step);
    KT_EQ(WaitForSingleObject(target, CHILD_TIMEOUT_MS), WAIT_OBJECT_0);
    {
        PVOID base = NULL;
        SIZE_T size = 0x1000;

        KT_STATUS(NtAllocateVirtualMemory(target, &base, 0, &size, MEM_COMMIT, PAGE_READWRITE),
                  STATUS_PROCESS_IS_TERMINATING);
        base = (PVOID)REMOTE_RACE_BASE;
        KT_STATUS(NtFreeVirtualMemory(target, &base, &size, MEM_DECOMMIT),
                  STATUS_PROCESS_IS_TERMINATING);
        KT_EQ(VirtualQueryEx(target, (PVOID)REMOTE_RACE_BASE, &info, sizeof(info)), 0);
    }
    KT_EQ(Finish(target), TERMINATED_CODE);
}

/* The same refusals in the caller itself: statuses back, no exception. */
static void TestBadPointersReturn(void)
{
    ULONG arguments[16] = { 0 };
    MEMORY_BASIC_INFORMATION info;
    SIZE_T size = 0x1000, length, misaligned[2];
    PVOID base = NULL;
    NTSTATUS status;

    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)KERNEL_IMAGE, 0, &size,
                                      MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, (PSIZE_T)0xC0000000,
                                      MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    KT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)0x7FFFFFFE, 0, &size,
                                      MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
    /* A structure must be aligned; a scalar only in range (NT's x86 probes). */
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000, MemoryBasicInformation,
                                   (PUCHAR)&info + 1, sizeof(info), &length),
              STATUS_DATATYPE_MISALIGNMENT);
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000, MemoryBasicInformation,
                                   &info, sizeof(info), (PSIZE_T)((PUCHAR)misaligned + 1)),
              STATUS_SUCCESS);
    KT_EQ(info.BaseAddress, 0x10000);
    KT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)0x10000, MemoryBasicInformation,
                                   (PVOID)SELF_MAP_PDE, sizeof(info), &length),
              STATUS_ACCESS_VIOLATION);
    KT_STATUS(SystemCall(SERVICE_NtClose, (const void *)KERNEL_IMAGE), STATUS_ACCESS_VIOLATION);
    KT_STATUS(SystemCall(SERVICE_NtClose, (const void *)0x7FFFFFFE), STATUS_ACCESS_VIOLATION);
    KT_STATUS(SystemCall(SERVICE_NtClose, (const void *)UNMAPPED_USER), STATUS_ACCESS_VIOLATION);
    /* EDX is checked whatever the service takes, as NT's KiSystemService does. */
    KT_STATUS(SystemCall(SERVICE_NtYieldExecution, (const void *)KERNEL_IMAGE),
              STATUS_ACCESS_VIOLATION);
    status = SystemCall(SERVICE_NtYieldExecution, NULL);    /* no arguments: none copied */
    KT_EXPECT(status == STATUS_SUCCESS || status == STATUS_NO_YIELD_PERFORMED);
    KT_STATUS(SystemCall(SERVICE_COUNT, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(SystemCall(0xFFF, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(SystemCall(SERVICE_TABLE_BIT, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(SystemCall(0xFFFFFFFF, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(SystemCall(0x80000000 | SERVICE_NtClose, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(NtContinue((PCONTEXT)KERNEL_IMAGE, FALSE), STATUS_ACCESS_VIOLATION);
}

static int RunChildCase(const char *Name)
{
    if (strcmp(Name, "ok") == 0)
        return 0;
    if (strcmp(Name, "fault_forever") == 0)
        return FaultForever();
    if (strcmp(Name, "wait_forever") == 0)
        return WaitForever();
    if (strcmp(Name, "race_target") == 0)
        return RaceTarget();
    for (int i = 0; i < CHILD_CASES; i++)
        if (strcmp(Name, ChildCases[i].Name) == 0)
            return ChildCases[i].Run();
    return STATUS_CHILD_FAILED;
}

static const KTAP_CASE Cases[] = {
    { "robust.bad_pointers_return", TestBadPointersReturn },
    { "robust.faulting_children", TestFaultingChildren },
    { "robust.terminate_while_faulting", TestTerminateWhileFaulting },
    { "robust.remote_race", TestRemoteRace },
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return RunChildCase(argv[2]);
    if (argc == 2 && strcmp(argv[1], "bystander") == 0)
        return Bystander();
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
