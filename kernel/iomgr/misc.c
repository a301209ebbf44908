/* kernel/iomgr/misc.c: NtFlushBuffersFile: the file's driver writes what it holds of the file. */
#include "kernel/iomgr/iop.h"

NTSTATUS NtFlushBuffersFile(HANDLE FileHandle, IO_STATUS_BLOCK *IoStatusBlock)
{
    ACCESS_MASK granted;
    FILE_OBJECT *file;
    NTSTATUS status = STATUS_SUCCESS;
    IRP irp;

    if (ExGetPreviousMode() == UserMode)
        status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
    if (NT_SUCCESS(status))
        status = IopReferenceFile(FileHandle, 0, &file, &granted);
    if (!NT_SUCCESS(status))
        return status;
    if (ExGetPreviousMode() == UserMode && !(granted & (FILE_WRITE_DATA | FILE_APPEND_DATA))) {
        ObDereferenceObject(file);
        return STATUS_ACCESS_DENIED;
    }
    IoInitializeIrp(&irp, IRP_MJ_FLUSH_BUFFERS, file, ExGetPreviousMode());
    status = IopCallAndReturn(file, &irp, IoStatusBlock);
    ObDereferenceObject(file);
    return status;
}
