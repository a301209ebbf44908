/*
 * user/tests/syscall.c: the two ways into the kernel, as XP has them. ntdll's stubs call
 * through SharedUserData->SystemCall (0x7FFE0300): KiFastSystemCall (sysenter) when the
 * processor has SEP, KiIntSystemCall (int 0x2E) otherwise. Both paths must give the same
 * statuses for the same requests: a real service, a number past the table, arguments in
 * kernel space, arguments past the end of the user stack's memory. Either way back to ring 3
 * leaves FS on the running thread's TEB.
 */
#include "ktap.h"
#include <ntdll.h>

#define SHARED_SYSTEM_CALL          ((volatile ULONG *)0x7FFE0300)
#define SHARED_SYSTEM_CALL_RETURN   ((volatile ULONG *)0x7FFE0304)
#define TRAMPOLINES                 0x7FFE0F00u

/* The service number of NtClose, read from the stub ntdll generated: `mov eax, imm32` (in
 * ntdll.dll, through the program's import thunk). */
static ULONG ServiceNumber(void *Stub)
{
    const BYTE *code = Stub;

    if (code[0] == 0xFF && code[1] == 0x25)     /* the import thunk: jmp *[IAT entry] */
        code = **(const BYTE *const *const *)(code + 2);
    return code[0] == 0xB8 ? *(const ULONG *)(code + 1) : 0xFFFFFFFF;
}

static BOOL CpuHasSep(void)
{
    ULONG eax = 1, ebx, ecx = 0, edx;

    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    return (edx >> 11) & 1;
}

/* int 0x2E with EAX = Number and EDX = Arguments, directly. */
static NTSTATUS IntCall(ULONG Number, const void *Arguments)
{
    NTSTATUS status;

    __asm__ volatile("int $0x2e" : "=a"(status) : "a"(Number), "d"(Arguments) : "ecx", "memory");
    return status;
}

/* sysenter through the shared page's KiFastSystemCall, with Arguments as the caller's
 * arguments: they sit 8 bytes above ESP at the trampoline (two return addresses). */
static NTSTATUS FastCall(ULONG Number, const ULONG *Arguments, ULONG Count)
{
    NTSTATUS status;
    ULONG frame[8] = { 0 };

    for (ULONG i = 0; i < Count && i < 6; i++)
        frame[i] = Arguments[i];
    __asm__ volatile("movl %%esp, %%esi\n\t"
                     "subl $32, %%esp\n\t"
                     "movl 0(%%ebx), %%ecx; movl %%ecx, 4(%%esp)\n\t"
                     "movl 4(%%ebx), %%ecx; movl %%ecx, 8(%%esp)\n\t"
                     "movl 8(%%ebx), %%ecx; movl %%ecx, 12(%%esp)\n\t"
                     "movl 12(%%ebx), %%ecx; movl %%ecx, 16(%%esp)\n\t"
                     "call *%%edi\n\t"      /* pushes the 2nd return address at 0(%esp) */
                     "movl %%esi, %%esp"
                     : "=a"(status)
                     : "a"(Number), "b"(frame), "D"(TRAMPOLINES)
                     : "ecx", "edx", "esi", "memory");
    return status;
}

static void TestTrampolines(void)
{
    const BYTE *code = (const BYTE *)TRAMPOLINES;

    KT_EQ(*SHARED_SYSTEM_CALL, CpuHasSep() ? TRAMPOLINES : TRAMPOLINES + 8);
    KT_EQ(*SHARED_SYSTEM_CALL_RETURN, TRAMPOLINES + 4);
    /* mov edx, esp; sysenter | ret | lea edx, [esp+8]; int 0x2E; ret */
    KT_EQ(*(const ULONG *)code, 0x340FD48B);
    KT_EQ(code[4], 0xC3);
    KT_EQ(*(const ULONG *)(code + 8), 0x0824548D);
    KT_EQ(*(const USHORT *)(code + 12), 0x2ECD);
    KT_EQ(code[14], 0xC3);
}

static void TestSameStatuses(void)
{
    ULONG close = ServiceNumber((void *)NtClose);
    ULONG arguments[4] = { 0x1234, 0, 0, 0 };

    KT_EXPECT(close < 0x1000);
    KT_STATUS(NtClose((HANDLE)0x1234), STATUS_INVALID_HANDLE);
    KT_STATUS(IntCall(close, arguments), STATUS_INVALID_HANDLE);
    KT_STATUS(IntCall(0xFFF, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(IntCall(0x1000 + close, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(IntCall(0x2000, arguments), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(IntCall(close, (void *)0x80000000), STATUS_ACCESS_VIOLATION);
    KT_STATUS(IntCall(close, (void *)0x7FFEFFFE), STATUS_ACCESS_VIOLATION);
    KT_STATUS(IntCall(close, (void *)0x00001000), STATUS_ACCESS_VIOLATION);
    if (!CpuHasSep()) {
        KT_SKIP("the processor has no sysenter (CPUID SEP clear): int 0x2E only");
        return;
    }
    KT_STATUS(FastCall(close, arguments, 1), STATUS_INVALID_HANDLE);
    KT_STATUS(FastCall(0xFFF, arguments, 1), STATUS_INVALID_SYSTEM_SERVICE);
    KT_STATUS(FastCall(0x2000, arguments, 1), STATUS_INVALID_SYSTEM_SERVICE);
}

/* Registers the stdcall convention keeps are kept through either path. */
static void TestPreservedRegisters(void)
{
    ULONG close = ServiceNumber((void *)NtClose), ebx = 0, esi = 0, edi = 0, ebp = 0;
    ULONG arguments[1] = { 0x1234 };
    NTSTATUS status;

    __asm__ volatile("pushl %%ebp\n\t"
                     "movl $0x11111111, %%ebx\n\t"
                     "movl $0x22222222, %%esi\n\t"
                     "movl $0x33333333, %%edi\n\t"
                     "movl $0x44444444, %%ebp\n\t"
                     "int $0x2e\n\t"
                     "movl %%ebp, %%ecx\n\t"
                     "popl %%ebp"
                     : "=a"(status), "=b"(ebx), "=S"(esi), "=D"(edi), "=c"(ebp)
                     : "a"(close), "d"(arguments)
                     : "memory");
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(ebx, 0x11111111);
    KT_EQ(esi, 0x22222222);
    KT_EQ(edi, 0x33333333);
    KT_EQ(ebp, 0x44444444);
    /* Through ntdll's stub (sysenter where there is one): the same. */
    __asm__ volatile("pushl %%ebp\n\t"
                     "movl $0x55555555, %%ebx\n\t"
                     "movl $0x66666666, %%esi\n\t"
                     "movl $0x77777777, %%edi\n\t"
                     "movl $0x88888888, %%ebp\n\t"
                     "pushl $0x1234\n\t"
                     "call *%%ecx\n\t"
                     "movl %%ebp, %%ecx\n\t"
                     "popl %%ebp"
                     : "=a"(status), "=b"(ebx), "=S"(esi), "=D"(edi), "=c"(ebp)
                     : "c"(NtClose)
                     : "edx", "memory");
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(ebx, 0x55555555);
    KT_EQ(esi, 0x66666666);
    KT_EQ(edi, 0x77777777);
    KT_EQ(ebp, 0x88888888);
}

/*
 * EFLAGS through ntdll's stub (sysenter where there is one): DF and ID, which ring 3 may set,
 * come back as they went (the way back restores EFLAGS whenever it holds more than IF and the
 * status flags); the status flags alone may not, as NT's callers expect of any call. IF is
 * always set on return, and DF clear when it went clear. int 0x2E's iret restores all of it,
 * the status flags too.
 */
#define EFLAGS_STATUS   0x8D5
#define EFLAGS_IF       0x200
#define EFLAGS_DF       0x400
#define EFLAGS_ID       0x200000

static ULONG FlagsAfterStub(ULONG Set, NTSTATUS *Status)
{
    void *stub = (void *)NtClose;               /* ECX: the way back leaves ring 3's ESP in it */
    ULONG flags;

    __asm__ volatile("pushfl\n\t"
                     "orl %%esi, (%%esp)\n\t"
                     "popfl\n\t"
                     "pushl $0x1234\n\t"
                     "call *%%ecx\n\t"
                     "pushfl\n\t"
                     "popl %%edx\n\t"
                     "pushl %%edx\n\t"
                     "andl $~0x200400, (%%esp)\n\t"      /* DF and ID off again */
                     "popfl"
                     : "=a"(*Status), "=d"(flags), "+c"(stub)
                     : "S"(Set)
                     : "memory", "cc");
    return flags;
}

/* EFLAGS after `int 0x2E` for service Number, entered with CF = Carry (bt copies the bit). */
static ULONG FlagsAfterInt2E(ULONG Number, const ULONG *Arguments, BOOL Carry, NTSTATUS *Status)
{
    ULONG flags;

    __asm__ volatile("btl $0, %[carry]\n\t"
                     "int $0x2e\n\t"
                     "pushfl\n\t"
                     "popl %%edx"
                     : "=a"(*Status), "=d"(flags)
                     : "a"(Number), "d"(Arguments), [carry] "r"((ULONG)Carry)
                     : "ecx", "memory", "cc");
    return flags;
}

static void TestFlags(void)
{
    ULONG close = ServiceNumber((void *)NtClose), arguments[1] = { 0x1234 }, flags;
    NTSTATUS status;

    KT_EXPECT(!CpuHasSep() || *SHARED_SYSTEM_CALL == TRAMPOLINES);     /* the stub's sysenter */
    flags = FlagsAfterStub(0, &status);
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(flags & (EFLAGS_IF | EFLAGS_DF | EFLAGS_ID), EFLAGS_IF);
    flags = FlagsAfterStub(EFLAGS_DF, &status);
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(flags & (EFLAGS_IF | EFLAGS_DF | EFLAGS_ID), EFLAGS_IF | EFLAGS_DF);
    flags = FlagsAfterStub(EFLAGS_ID, &status);
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(flags & (EFLAGS_IF | EFLAGS_DF | EFLAGS_ID), EFLAGS_IF | EFLAGS_ID);
    /* int 0x2E: every status flag as it was (CF set, then CF after; clear, then not). */
    flags = FlagsAfterInt2E(close, arguments, TRUE, &status);
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(flags & (EFLAGS_IF | 1), EFLAGS_IF | 1);
    flags = FlagsAfterInt2E(close, arguments, FALSE, &status);
    KT_STATUS(status, STATUS_INVALID_HANDLE);
    KT_EQ(flags & (EFLAGS_IF | 1), EFLAGS_IF);
}

/* Single-stepping into the kernel: the trace flag set across the trampoline gives
 * STATUS_SINGLE_STEP at each of its instructions in ring 3 (TF cleared before dispatch, as
 * NT does), and a sysenter made with TF set still enters and returns (the kernel's #DB on its
 * first instruction is absorbed). */
static ULONG_PTR StepAddresses[8];
static int Steps;

static LONG WINAPI StepHandler(EXCEPTION_POINTERS *Pointers)
{
    ULONG_PTR address = (ULONG_PTR)Pointers->ExceptionRecord->ExceptionAddress;

    if (Pointers->ExceptionRecord->ExceptionCode != (DWORD)STATUS_SINGLE_STEP)
        return EXCEPTION_CONTINUE_SEARCH;
    if (Steps < 8)
        StepAddresses[Steps] = address;
    Steps++;
    if (!(Pointers->ContextRecord->EFlags & 0x100) && address >= TRAMPOLINES &&
        address < TRAMPOLINES + 0x10 && ((const BYTE *)address)[0] != 0xC3)
        Pointers->ContextRecord->EFlags |= 0x100;       /* on, up to the ret */
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void TestSingleStep(void)
{
    PVOID handler = AddVectoredExceptionHandler(1, StepHandler);
    ULONG entry = *SHARED_SYSTEM_CALL;
    NTSTATUS status;

    Steps = 0;
    __asm__ volatile("pushfl\n\t"
                     "orl $0x100, (%%esp)\n\t"
                     "popfl\n\t"
                     "call *%%ecx"
                     : "=a"(status)
                     : "c"(entry), "a"(0xFFF)
                     : "edx", "memory");
    RemoveVectoredExceptionHandler(handler);
    KT_STATUS(status, STATUS_INVALID_SYSTEM_SERVICE);
    KT_EXPECT(Steps >= 2);
    KT_EQ(StepAddresses[0], entry);
    if (CpuHasSep())
        KT_EQ(StepAddresses[1], TRAMPOLINES + 2);       /* the sysenter itself */
}

/*
 * FS names the running thread's TEB however the thread got back to ring 3: the kernel
 * rewrites the descriptor behind 0x3B at each switch and loads FS there, and the way out (iret
 * or sysexit) loads FS only when the trap frame's selector differs. Four threads, each reading
 * its TEB's ClientId.UniqueThread through FS (fs:[0x24]) between system calls, yields and
 * the clock's preemptions, must always read their own id; through GS too, loaded with the
 * same selector. The first half of the rounds uses 0x3B, the second 0x38: the descriptor's
 * DPL 3 lets ring 3 use it with any RPL. All four threads use the same selectors at the same
 * time, so the way out sees no change of selector to reload for.
 */
#define TEB_THREADS         4
#define TEB_ROUNDS          3000

static volatile LONG TebStart;
static DWORD TebIds[TEB_THREADS];
static LONG TebWrong[TEB_THREADS];

static void LoadTebSelector(USHORT Fs, USHORT Gs)
{
    __asm__ volatile("movw %0, %%fs\n\tmovw %1, %%gs" : : "r"(Fs), "r"(Gs));
}

static DWORD WINAPI TebReader(LPVOID Argument)
{
    ULONG me = (ULONG)(ULONG_PTR)Argument;

    LoadTebSelector(0x3B, 0x3B);
    while (!TebStart)
        SwitchToThread();
    for (ULONG round = 0; round < TEB_ROUNDS; round++) {
        ULONG viaFs, viaGs;

        if (round == TEB_ROUNDS / 2)
            LoadTebSelector(0x38, 0x38);
        __asm__ volatile("movl %%fs:0x24, %0\n\tmovl %%gs:0x24, %1" : "=r"(viaFs), "=r"(viaGs));
        if (viaFs != TebIds[me] || viaGs != TebIds[me])
            TebWrong[me]++;
        if (round % 8 == 0)
            SwitchToThread();
        else if (round % 8 == 4)
            NtClose(NULL);
    }
    LoadTebSelector(0x3B, 0);
    return 0;
}

static void TestTebPerThread(void)
{
    HANDLE threads[TEB_THREADS];

    for (ULONG i = 0; i < TEB_THREADS; i++) {
        threads[i] = CreateThread(NULL, 0, TebReader, (LPVOID)(ULONG_PTR)i, 0, &TebIds[i]);
        KT_EXPECT(threads[i] != NULL);
        if (!threads[i])
            return;
    }
    TebStart = 1;
    KT_EQ(WaitForMultipleObjects(TEB_THREADS, threads, TRUE, 60000), WAIT_OBJECT_0);
    for (ULONG i = 0; i < TEB_THREADS; i++) {
        KT_EQ(TebWrong[i], 0);
        CloseHandle(threads[i]);
    }
}

static const KTAP_CASE Cases[] = {
    { "user.syscall.trampolines", TestTrampolines },
    { "user.syscall.same_statuses", TestSameStatuses },
    { "user.syscall.preserved_registers", TestPreservedRegisters },
    { "user.syscall.flags", TestFlags },
    { "user.syscall.single_step", TestSingleStep },
    { "user.syscall.teb_per_thread", TestTebPerThread },
};

KTAP_MAIN(Cases)
