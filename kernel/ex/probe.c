/*
 * kernel/ex/probe.c: user buffers, as NT's probe.c and the Probe* macros check them. A service
 * called from user mode checks every pointer it was given before touching it: the range must
 * lie below MmUserProbeAddress (the highest user address + 1, less the 64 KB no-access region)
 * and be aligned; then it reads or writes the user memory with KeCopyMemorySafe, so a page that
 * is not there is STATUS_ACCESS_VIOLATION for the caller, never a bugcheck, and never a write
 * into system space. Kernel-mode callers pass kernel buffers, which are copied as they are.
 */
#include "kernel/ex/ex.h"

uintptr_t ExUserProbeAddress = 0x7FFF0000;

NTSTATUS ProbeForRead(const void *Address, uint32_t Length, uint32_t Alignment)
{
    uintptr_t start = (uintptr_t)Address;

    if (Length == 0)
        return STATUS_SUCCESS;
    if (start & (Alignment - 1))
        return STATUS_DATATYPE_MISALIGNMENT;
    if (start + Length < start || start + Length > ExUserProbeAddress)
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

NTSTATUS ProbeForWrite(void *Address, uint32_t Length, uint32_t Alignment)
{
    return ProbeForRead(Address, Length, Alignment);
}

NTSTATUS ExCaptureFromMode(KPROCESSOR_MODE Mode, void *Destination, const void *Source,
                           uint32_t Length, uint32_t Alignment)
{
    NTSTATUS status;

    if (Mode == KernelMode) {
        RtlCopyMemory(Destination, Source, Length);
        return STATUS_SUCCESS;
    }
    status = ProbeForRead(Source, Length, Alignment);
    if (!NT_SUCCESS(status))
        return status;
    return NT_SUCCESS(KeCopyMemorySafe(Destination, Source, Length)) ? STATUS_SUCCESS
                                                                     : STATUS_ACCESS_VIOLATION;
}

NTSTATUS ExReturnToMode(KPROCESSOR_MODE Mode, void *Destination, const void *Source,
                        uint32_t Length, uint32_t Alignment)
{
    NTSTATUS status;

    if (Mode == KernelMode) {
        RtlCopyMemory(Destination, Source, Length);
        return STATUS_SUCCESS;
    }
    status = ProbeForWrite(Destination, Length, Alignment);
    if (!NT_SUCCESS(status))
        return status;
    return NT_SUCCESS(KeCopyMemorySafe(Destination, Source, Length)) ? STATUS_SUCCESS
                                                                      : STATUS_ACCESS_VIOLATION;
}
