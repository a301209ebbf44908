/*
 * except.exe: user-mode exceptions as NT delivers them (nt-mm-facts-2 §2.6-2.7): the
 * EXCEPTION_RECORD of each fault (access violations with ExceptionInformation [0] = 0 read /
 * 1 write and [1] = the address; divide by zero; int3, reported at the int3 itself; hlt as
 * STATUS_PRIVILEGED_INSTRUCTION; guard pages once), vectored handlers before frame-based
 * ones, continuing after fixing the cause, RaiseException's arguments, unwinding, and a
 * noncontinuable exception that a handler tries to continue.
 */
#include <ntdll.h>
#include <seh.h>
#include "catch.h"
#include "ktap.h"

#define UNMAPPED_READ_ADDRESS   0x1000      /* the first 64 KB are never mapped */
#define UNMAPPED_WRITE_ADDRESS  0x2000
#define CUSTOMER_CODE           0xE0000001

/* The faulting instructions, each at a label the tests compare ExceptionAddress with. */
extern char ReadFaultAt[], WriteFaultAt[], DivideFaultAt[], BreakpointAt[], HaltAt[];

__attribute__((noinline)) static void ReadUnmapped(void)
{
    __asm__ volatile(".globl _ReadFaultAt\n_ReadFaultAt: movl 0x1000, %%eax" ::: "eax", "memory");
}

__attribute__((noinline)) static void WriteUnmapped(void)
{
    __asm__ volatile(".globl _WriteFaultAt\n_WriteFaultAt: movl $1, 0x2000" ::: "memory");
}

__attribute__((noinline)) static void DivideByZero(void)
{
    __asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\t"
                     ".globl _DivideFaultAt\n_DivideFaultAt: divl %%ecx" ::: "eax", "ecx", "edx");
}

__attribute__((noinline)) static void Breakpoint(void)
{
    __asm__ volatile(".globl _BreakpointAt\n_BreakpointAt: int3");
}

__attribute__((noinline)) static void Halt(void)
{
    __asm__ volatile(".globl _HaltAt\n_HaltAt: hlt");
}

static void TestReadViolation(void)
{
    KT_STATUS(Catch(ReadUnmapped), STATUS_ACCESS_VIOLATION);
    KT_EQ(Caught.ExceptionAddress, ReadFaultAt);
    KT_EQ(Caught.NumberParameters, 2);
    KT_EQ(Caught.ExceptionInformation[0], 0);
    KT_EQ(Caught.ExceptionInformation[1], UNMAPPED_READ_ADDRESS);
    KT_EQ(Caught.ExceptionFlags, 0);
    KT_EQ(CaughtContext.Eip, ReadFaultAt);
    KT_EQ(CaughtContext.SegCs, 0x1B);
    KT_EQ(CaughtContext.SegFs, 0x3B);
}

static void TestWriteViolation(void)
{
    KT_STATUS(Catch(WriteUnmapped), STATUS_ACCESS_VIOLATION);
    KT_EQ(Caught.ExceptionAddress, WriteFaultAt);
    KT_EQ(Caught.ExceptionInformation[0], 1);
    KT_EQ(Caught.ExceptionInformation[1], UNMAPPED_WRITE_ADDRESS);
}

static void TestDivideByZero(void)
{
    KT_STATUS(Catch(DivideByZero), STATUS_INTEGER_DIVIDE_BY_ZERO);
    KT_EQ(Caught.ExceptionAddress, DivideFaultAt);
    KT_EQ(Caught.NumberParameters, 0);
}

static void TestBreakpoint(void)
{
    KT_STATUS(Catch(Breakpoint), STATUS_BREAKPOINT);
    KT_EQ(Caught.ExceptionAddress, BreakpointAt);
    KT_EQ(CaughtContext.Eip, BreakpointAt);
}

static void TestPrivilegedInstruction(void)
{
    KT_STATUS(Catch(Halt), STATUS_PRIVILEGED_INSTRUCTION);
    KT_EQ(Caught.ExceptionAddress, HaltAt);
}

static int VectoredCalls;
static ULONG SehCallsBeforeVectored;
static PUCHAR Reserved;

/* Commits the page of an access violation in Reserved and retries the instruction. */
static LONG CALLBACK CommitAndRetry(EXCEPTION_POINTERS *Pointers)
{
    PEXCEPTION_RECORD record = Pointers->ExceptionRecord;
    PUCHAR address = (PUCHAR)record->ExceptionInformation[1];

    VectoredCalls++;
    if (record->ExceptionCode != (DWORD)STATUS_ACCESS_VIOLATION || address < Reserved ||
        address >= Reserved + 0x10000)
        return EXCEPTION_CONTINUE_SEARCH;
    return VirtualAlloc(address, 1, MEM_COMMIT, PAGE_READWRITE) ? EXCEPTION_CONTINUE_EXECUTION
                                                                 : EXCEPTION_CONTINUE_SEARCH;
}

static void WriteReserved(void)
{
    ((volatile ULONG *)Reserved)[0x1000 / sizeof(ULONG)] = 0x12345678;
}

static void TestVectoredContinue(void)
{
    PVOID handle;

    Reserved = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE);
    KT_EXPECT(Reserved != NULL);
    handle = AddVectoredExceptionHandler(1, CommitAndRetry);
    KT_EXPECT(handle != NULL);
    VectoredCalls = 0;
    KT_EQ(Catch(WriteReserved), 0);
    KT_EQ(VectoredCalls, 1);
    KT_EQ(((volatile ULONG *)Reserved)[0x1000 / sizeof(ULONG)], 0x12345678);
    VectoredCalls = 0;
    KT_STATUS(Catch(WriteUnmapped), STATUS_ACCESS_VIOLATION);
    KT_EQ(VectoredCalls, 1);
    KT_EQ(RemoveVectoredExceptionHandler(handle), 1);
    KT_EQ(RemoveVectoredExceptionHandler(handle), 0);
    VectoredCalls = 0;
    KT_STATUS(Catch(ReadUnmapped), STATUS_ACCESS_VIOLATION);
    KT_EQ(VectoredCalls, 0);
    VirtualFree(Reserved, 0, MEM_RELEASE);
}

static LONG SehFilterCounting(EXCEPTION_POINTERS *Pointers, PVOID Context)
{
    (void)Pointers;
    (void)Context;
    SehCallsBeforeVectored = (ULONG)VectoredCalls;
    return EXCEPTION_EXECUTE_HANDLER;
}

static LONG CALLBACK CountOnly(EXCEPTION_POINTERS *Pointers)
{
    (void)Pointers;
    VectoredCalls++;
    return EXCEPTION_CONTINUE_SEARCH;
}

static void TestVectoredFirst(void)
{
    PVOID handle = AddVectoredExceptionHandler(0, CountOnly);
    SEH_FRAME frame;

    VectoredCalls = 0;
    SehCallsBeforeVectored = 99;
    if (SEH_TRY(&frame, SehFilterCounting, NULL) == 0) {
        ReadUnmapped();
        SehEnd(&frame);
    }
    KT_EQ(VectoredCalls, 1);
    KT_EQ(SehCallsBeforeVectored, 1);          /* the vectored handler had already run */
    RemoveVectoredExceptionHandler(handle);
}

static ULONG UnwindCalls, SearchCalls;

/* A hand-written registration record's handler: counts what it is called for. */
static EXCEPTION_DISPOSITION __cdecl CountingHandler(PEXCEPTION_RECORD Record, PVOID Frame,
                                                    PCONTEXT Context, PVOID Dispatcher)
{
    (void)Frame;
    (void)Context;
    (void)Dispatcher;
    if (Record->ExceptionFlags & EXCEPTION_UNWINDING)
        UnwindCalls++;
    else
        SearchCalls++;
    return ExceptionContinueSearch;
}

__attribute__((noinline)) static void FaultUnderInnerFrame(void)
{
    EXCEPTION_REGISTRATION_RECORD inner;

    inner.Next = (PEXCEPTION_REGISTRATION_RECORD)NtCurrentTeb()->NtTib.ExceptionList;
    inner.Handler = (PEXCEPTION_ROUTINE)CountingHandler;
    NtCurrentTeb()->NtTib.ExceptionList = (struct _EXCEPTION_REGISTRATION_RECORD *)&inner;
    ReadUnmapped();
    NtCurrentTeb()->NtTib.ExceptionList = (struct _EXCEPTION_REGISTRATION_RECORD *)inner.Next;
}

static void TestUnwind(void)
{
    PVOID head = NtCurrentTeb()->NtTib.ExceptionList;

    UnwindCalls = SearchCalls = 0;
    KT_STATUS(Catch(FaultUnderInnerFrame), STATUS_ACCESS_VIOLATION);
    KT_EQ(SearchCalls, 1);                      /* asked first, passed it on */
    KT_EQ(UnwindCalls, 1);                      /* then unwound by the outer frame */
    KT_EQ(NtCurrentTeb()->NtTib.ExceptionList, head);
}

static LONG ContinueFilter(EXCEPTION_POINTERS *Pointers, PVOID Context)
{
    *(EXCEPTION_RECORD *)Context = *Pointers->ExceptionRecord;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void TestRaiseException(void)
{
    static const ULONG_PTR arguments[3] = { 11, 22, 33 };
    EXCEPTION_RECORD seen = { 0 };
    SEH_FRAME frame;

    if (SEH_TRY(&frame, ContinueFilter, &seen) == 0) {
        RaiseException(CUSTOMER_CODE, 0, 3, arguments);
        SehEnd(&frame);
    } else {
        KT_EXPECT(!"RaiseException did not return after EXCEPTION_CONTINUE_EXECUTION");
    }
    KT_EQ(seen.ExceptionCode, CUSTOMER_CODE);
    KT_EQ(seen.ExceptionFlags, 0);
    KT_EQ(seen.NumberParameters, 3);
    KT_EQ(seen.ExceptionInformation[0], 11);
    KT_EQ(seen.ExceptionInformation[2], 33);
}

static EXCEPTION_RECORD Inner;

static LONG ContinueOnce(EXCEPTION_POINTERS *Pointers, PVOID Context)
{
    (void)Context;
    if (Pointers->ExceptionRecord->ExceptionCode != CUSTOMER_CODE)
        return EXCEPTION_CONTINUE_SEARCH;
    Inner = *Pointers->ExceptionRecord;
    return EXCEPTION_CONTINUE_EXECUTION;
}

__attribute__((noinline)) static void RaiseNoncontinuable(void)
{
    SEH_FRAME inner;

    if (SEH_TRY(&inner, ContinueOnce, NULL) == 0) {
        RaiseException(CUSTOMER_CODE, EXCEPTION_NONCONTINUABLE, 0, NULL);
        SehEnd(&inner);
    }
}

static void TestNoncontinuable(void)
{
    KT_STATUS(Catch(RaiseNoncontinuable), STATUS_NONCONTINUABLE_EXCEPTION);
    KT_EQ(Inner.ExceptionFlags & EXCEPTION_NONCONTINUABLE, EXCEPTION_NONCONTINUABLE);
    KT_EXPECT(Caught.ExceptionRecord != NULL);
}

static PUCHAR GuardPage;

static void TouchGuard(void)
{
    (void)*(volatile UCHAR *)GuardPage;
}

static void TestGuardPage(void)
{
    MEMORY_BASIC_INFORMATION region;

    GuardPage = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    KT_EXPECT(GuardPage != NULL);
    KT_STATUS(Catch(TouchGuard), STATUS_GUARD_PAGE_VIOLATION);
    KT_EQ(Caught.NumberParameters, 2);
    KT_EQ(Caught.ExceptionInformation[0], 0);
    KT_EQ(Caught.ExceptionInformation[1], GuardPage);
    KT_EQ(VirtualQuery(GuardPage, &region, sizeof(region)), sizeof(region));
    KT_EQ(region.Protect, PAGE_READWRITE);       /* the guard is gone after one exception */
    KT_EQ(Catch(TouchGuard), 0);
    VirtualFree(GuardPage, 0, MEM_RELEASE);
}

static const KTAP_CASE Cases[] = {
    { "user.except.access_violation_read", TestReadViolation },
    { "user.except.access_violation_write", TestWriteViolation },
    { "user.except.divide_by_zero", TestDivideByZero },
    { "user.except.breakpoint", TestBreakpoint },
    { "user.except.privileged_instruction", TestPrivilegedInstruction },
    { "user.except.vectored_continue", TestVectoredContinue },
    { "user.except.vectored_before_seh", TestVectoredFirst },
    { "user.except.unwind", TestUnwind },
    { "user.except.raise_exception", TestRaiseException },
    { "user.except.noncontinuable", TestNoncontinuable },
    { "user.except.guard_page_once", TestGuardPage },
};

KTAP_MAIN(Cases)
