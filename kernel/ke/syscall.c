/*
 * kernel/ke/syscall.c: the system-service dispatcher, NT's KiSystemService for `int 0x2E`.
 *
 *   user:   mov eax, number ; lea edx, [esp+4] ; int 0x2E       (ntdll's stubs)
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
#include "hal/x86.h"

#define SERVICE_NUMBER_MASK     0xFFF
#define SERVICE_TABLE_SHIFT     12
#define SERVICE_TABLE_MASK      1
#define NUMBER_SERVICE_TABLES   2
#define KI_MAXIMUM_ARGUMENT_BYTES 64

KSERVICE_TABLE_DESCRIPTOR KeServiceDescriptorTable[NUMBER_SERVICE_TABLES];
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

void KiSystemService(KTRAP_FRAME *TrapFrame)
{
    KTHREAD *thread = KeGetCurrentThread();
    KPROCESSOR_MODE previousMode = thread->PreviousMode;
    uint32_t index = TrapFrame->Eax & SERVICE_NUMBER_MASK;
    const KSERVICE_TABLE_DESCRIPTOR *table =
        &KeServiceDescriptorTable[(TrapFrame->Eax >> SERVICE_TABLE_SHIFT) & SERVICE_TABLE_MASK];
    uint32_t arguments[KI_MAXIMUM_ARGUMENT_BYTES / 4];
    uintptr_t source = TrapFrame->Edx;
    NTSTATUS status;
    uint32_t bytes;

    thread->PreviousMode = KiTrapFrameMode(TrapFrame);
    thread->ContextReplaced = false;
    _enable();
    if ((TrapFrame->Eax >> SERVICE_TABLE_SHIFT) > SERVICE_TABLE_MASK || index >= table->Limit) {
        status = STATUS_INVALID_SYSTEM_SERVICE;
        goto done;
    }
    bytes = table->Number[index];
    if (thread->PreviousMode == UserMode &&
        (source >= KeUserProbeAddress || source + bytes > KeUserProbeAddress || source + bytes < source)) {
        status = STATUS_ACCESS_VIOLATION;
        goto done;
    }
    status = KeCopyMemorySafe(arguments, (const void *)source, bytes);
    if (!NT_SUCCESS(status)) {
        status = STATUS_ACCESS_VIOLATION;
        goto done;
    }
    if (table->Count)
        table->Count[index]++;
    status = (NTSTATUS)KiCallService(table->Base[index], arguments, bytes / 4);
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, index, KeGetCurrentIrql(), 0, table->Base[index]);
    if (thread->ApcStateIndex != 0 && thread->PreviousMode == UserMode)
        KeBugCheckEx(APC_INDEX_MISMATCH, table->Base[index], thread->ApcStateIndex, 0, 0);
done:
    _disable();
    if (!thread->ContextReplaced)
        TrapFrame->Eax = (uint32_t)status;
    thread->ContextReplaced = false;
    thread->PreviousMode = previousMode;
}
