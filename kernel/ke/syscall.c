/*
 * kernel/ke/syscall.c: the system-service dispatcher, NT's KiSystemService, entered by
 * `sysenter` (KiFastCallEntry) or `int 0x2E`, as XP does it:
 *
 *   ntdll's stub:          mov eax, number ; mov edx, 0x7FFE0300 ; call [edx] ; ret 4*args
 *   SharedUserData->SystemCall (0x7FFE0300) points at one of the trampolines below, which
 *   this build keeps in the shared page itself at KI_SYSTEM_CALL_TRAMPOLINE (NT keeps them in
 *   ntdll.dll, which does not exist here until images are shared: issue 12):
 *     KiFastSystemCall       mov edx, esp ; sysenter         (the processor has SEP)
 *     KiFastSystemCallRet    ret                             (SystemCallReturn: sysenter's
 *                                                             way back, through iret)
 *     KiIntSystemCall        lea edx, [esp+8] ; int 0x2E ; ret
 *   Either way EDX + 8 (fast) or EDX (int) is the first argument: the stub's return address
 *   and its caller's lie between. KiFastCallEntry (trap.S) builds the frame int 0x2E builds,
 *   with EIP = KiFastSystemCallRet and EDX the arguments, so one dispatcher serves both.
 *
 *   kernel: the trap frame; EAX = number (bits 0-11 the index, bit 12 the table), EDX = the
 *           caller's arguments. Number[index] bytes of them are copied onto the kernel stack
 *           (a bad EDX: STATUS_ACCESS_VIOLATION, the service not called), the service runs
 *           at PASSIVE_LEVEL with PreviousMode = the caller's mode, and its status goes back
 *           in EAX. A number past the table's Limit is STATUS_INVALID_SYSTEM_SERVICE.
 *
 * A service that rewrote the trap frame itself (NtContinue, NtRaiseException) sets
 * ContextReplaced, and its return value is not stored. Returning to user mode with the IRQL
 * raised is IRQL_GT_ZERO_AT_SYSTEM_SERVICE's business in NT; here it is a bugcheck
 * APC_INDEX_MISMATCH when the thread is still attached, and IRQL_NOT_LESS_OR_EQUAL otherwise.
 */
#include "kernel/ke/ki.h"
#include "kernel/ke/trapvec.h"
#include "hal/x86.h"

#define SERVICE_NUMBER_MASK     0xFFF
#define SERVICE_TABLE_SHIFT     12
#define SERVICE_TABLE_MASK      1
#define NUMBER_SERVICE_TABLES   2
#define KI_MAXIMUM_ARGUMENT_BYTES 64

#define MSR_SYSENTER_CS         0x174
#define MSR_SYSENTER_ESP        0x175
#define MSR_SYSENTER_EIP        0x176
#define CPUID_EDX_SEP           (1u << 11)

KSERVICE_TABLE_DESCRIPTOR KeServiceDescriptorTable[NUMBER_SERVICE_TABLES];
bool KeFastSystemCall;

/* Where a trap taken between sysenter and KiFastCallEntry's stack switch pushes: an NMI, or
 * the #DB of a sysenter made with the trace flag set (KiTrapException). */
static uint8_t KiSysenterStack[4096] __attribute__((aligned(16)));

/* The trampolines' bytes, in the order they sit at KI_SYSTEM_CALL_TRAMPOLINE. */
static const uint8_t KiSystemCallTrampolines[] = {
    0x8B, 0xD4, 0x0F, 0x34,                 /* +0 KiFastSystemCall: mov edx, esp; sysenter */
    0xC3, 0x90, 0x90, 0x90,                 /* +4 KiFastSystemCallRet: ret */
    0x8D, 0x54, 0x24, 0x08, 0xCD, 0x2E,     /* +8 KiIntSystemCall: lea edx, [esp+8]; int 0x2E */
    0xC3,                                   /*    ret */
};
#define KI_FAST_SYSTEM_CALL         0
#define KI_FAST_SYSTEM_CALL_RET     4
#define KI_INT_SYSTEM_CALL          8
_Static_assert(KI_FAST_SYSTEM_CALL_RET_VA ==
               MM_SHARED_USER_DATA_USER_VA + KI_SYSTEM_CALL_TRAMPOLINE + KI_FAST_SYSTEM_CALL_RET,
               "KiFastCallEntry returns to KiFastSystemCallRet");

static void KiWriteMsr(uint32_t Msr, uint32_t Value)
{
    __asm__ volatile("wrmsr" : : "c"(Msr), "a"(Value), "d"(0));
}

/*
 * The trampolines into the shared page, and sysenter's MSRs when CPUID says the processor
 * has SEP (the Pentium Pro's early steppings claim it without having it: family 6, model < 3,
 * stepping < 3, as NT checks).
 */
void KeInitializeSystemCalls(void)
{
    volatile NT_KUSER_SHARED_DATA *data = KeUserSharedData;
    const uintptr_t user = MM_SHARED_USER_DATA_USER_VA + KI_SYSTEM_CALL_TRAMPOLINE;
    uint32_t info[4], family, model;

    __cpuid(info, 0);
    if (info[0] >= 1) {
        __cpuid(info, 1);
        family = (info[0] >> 8) & 0xF;
        model = (info[0] >> 4) & 0xF;
        KeFastSystemCall = (info[3] & CPUID_EDX_SEP) &&
                           !(family == 6 && model < 3 && (info[0] & 0xF) < 3);
    }
    RtlCopyMemory((uint8_t *)data + KI_SYSTEM_CALL_TRAMPOLINE, KiSystemCallTrampolines,
                  sizeof(KiSystemCallTrampolines));
    data->SystemCall = user + (KeFastSystemCall ? KI_FAST_SYSTEM_CALL : KI_INT_SYSTEM_CALL);
    data->SystemCallReturn = user + KI_FAST_SYSTEM_CALL_RET;
    if (KeFastSystemCall) {
        KiWriteMsr(MSR_SYSENTER_CS, KGDT_R0_CODE);
        KiWriteMsr(MSR_SYSENTER_ESP, (uintptr_t)KiSysenterStack + sizeof(KiSysenterStack));
        KiWriteMsr(MSR_SYSENTER_EIP, (uintptr_t)KiFastCallEntry);
    }
}
uintptr_t KeUserProbeAddress = 0x7FFF0000;

bool KeAddSystemServiceTable(const uintptr_t *Base, uint32_t *Count, uint32_t Limit,
                             const uint8_t *Number, uint32_t Index)
{
    if (Index >= NUMBER_SERVICE_TABLES || KeServiceDescriptorTable[Index].Base)
        return false;
    for (uint32_t i = 0; i < Limit; i++) {
        if (Number[i] > KI_MAXIMUM_ARGUMENT_BYTES || (Number[i] & 3))
            return false;
    }
    KeServiceDescriptorTable[Index] = (KSERVICE_TABLE_DESCRIPTOR){ Base, Count, Limit, Number };
    return true;
}

/* A service came back at a raised IRQL, or still attached to another process. */
static __attribute__((noinline, cold)) void KiServiceExitBugCheck(KTHREAD *Thread,
                                                                 uintptr_t Service,
                                                                 uint32_t Index)
{
    if (KiCurrentIrql != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, Index, KiCurrentIrql, 0, Service);
    KeBugCheckEx(APC_INDEX_MISMATCH, Service, Thread->ApcStateIndex, 0, 0);
}

/* The common case of each test is marked: under QEMU's TCG every branch ends a block of
 * translated code, and NtClose of a bad handle, the cheapest round trip, is a benchmark. */
void KiSystemService(KTRAP_FRAME *TrapFrame)
{
    KTHREAD *thread = KeGetCurrentThread();
    KPROCESSOR_MODE previousMode = thread->PreviousMode;
    KPROCESSOR_MODE mode = KiTrapFrameMode(TrapFrame);
    uint32_t number = TrapFrame->Eax;
    uint32_t index = number & SERVICE_NUMBER_MASK;
    const KSERVICE_TABLE_DESCRIPTOR *table =
        &KeServiceDescriptorTable[(number >> SERVICE_TABLE_SHIFT) & SERVICE_TABLE_MASK];
    uintptr_t source = TrapFrame->Edx;
    NTSTATUS status = STATUS_INVALID_SYSTEM_SERVICE;

    thread->PreviousMode = mode;
    thread->ContextReplaced = false;
    _enable();
    if (__builtin_expect(number < (NUMBER_SERVICE_TABLES << SERVICE_TABLE_SHIFT) &&
                         index < table->Limit, 1)) {
        uintptr_t service = table->Base[index];
        uint32_t bytes = table->Number[index];

        status = STATUS_ACCESS_VIOLATION;
        if (__builtin_expect(mode == KernelMode || (source < KeUserProbeAddress &&
                                                    KeUserProbeAddress - source >= bytes), 1)) {
            if (table->Count)
                table->Count[index]++;
            status = KiCallService(service, source, bytes);
            if (__builtin_expect(KiCurrentIrql != PASSIVE_LEVEL ||
                                 (thread->ApcStateIndex != 0 && mode == UserMode), 0))
                KiServiceExitBugCheck(thread, service, index);
        }
    }
    _disable();
    if (__builtin_expect(!thread->ContextReplaced, 1))
        TrapFrame->Eax = (uint32_t)status;
    else
        TrapFrame->ErrCode = 0;         /* a new context goes back by iret, all of it */
    thread->ContextReplaced = false;
    thread->PreviousMode = previousMode;
}
