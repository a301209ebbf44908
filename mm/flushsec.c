/*
 * mm/flushsec.c: NtFlushVirtualMemory (NT's flushsec.c): the modified pages of a view of a
 * file go back to the file. Only page-file-backed sections exist yet, whose pages have no file
 * to go to: NT answers STATUS_NOT_MAPPED_DATA for them, and kernel32's FlushViewOfFile takes
 * that as success. The checks, in NT's order: the pointers, the range inside user space
 * (STATUS_INVALID_PARAMETER_2), then an address in no view, or a range running past it,
 * STATUS_NOT_MAPPED_VIEW.
 */
#include "mm/mi.h"

typedef struct _MI_IO_STATUS_BLOCK {
    NTSTATUS Status;
    uint32_t Information;
} MI_IO_STATUS_BLOCK;

NTSTATUS NtFlushVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                              void *IoStatus)
{
    uintptr_t base, end;
    uint32_t size;
    MI_VM_CALL call;
    MMVAD_SHORT *vad;
    NTSTATUS status;

    status = ExCapture(&base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExCapture(&size, RegionSize);
    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode)
        status = ProbeForWrite(IoStatus, sizeof(MI_IO_STATUS_BLOCK), 4);
    if (!NT_SUCCESS(status))
        return status;
    if (base > MmHighestUserAddress || MmHighestUserAddress - base < size)
        return STATUS_INVALID_PARAMETER_2;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    vad = MiLocateAddress(&call.Process->AddressSpace, base);
    end = size ? ((base + size - 1) | (PAGE_SIZE - 1)) : base;
    if (!vad || vad->u.VadFlags.PrivateMemory || (end >> PAGE_SHIFT) > vad->Node.EndingVpn)
        status = STATUS_NOT_MAPPED_VIEW;
    else if (!((MMVAD *)vad)->ControlArea->FilePointer)
        status = STATUS_NOT_MAPPED_DATA;
    MiDetachVmProcess(&call);
    return status;
}
