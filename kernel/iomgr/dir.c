/*
 * kernel/iomgr/dir.c: NtQueryDirectoryFile, synchronous: the entries of a directory, matching
 * a pattern (* and ? as FsRtlIsNameInExpression takes them), one or as many as fit, from where
 * the last query of the same open stopped (or from the start: RestartScan). The file system
 * fills a kernel buffer that Io copies back. STATUS_NO_MORE_FILES when the scan is over,
 * STATUS_NO_SUCH_FILE when the open's first query finds nothing; STATUS_INVALID_PARAMETER for
 * a file that is not a directory.
 */
#include "kernel/iomgr/iop.h"

#define IOP_MAXIMUM_PATTERN     255

static uint32_t IopDirectoryEntrySize(uint32_t Class)
{
    switch (Class) {
    case FileDirectoryInformation:
        return sizeof(FILE_DIRECTORY_INFORMATION);
    case FileFullDirectoryInformation:
        return sizeof(FILE_FULL_DIR_INFORMATION);
    case FileBothDirectoryInformation:
        return sizeof(FILE_BOTH_DIR_INFORMATION);
    case FileNamesInformation:
        return sizeof(FILE_NAMES_INFORMATION);
    }
    return 0;
}

/* The caller's pattern into Pattern (IOP_MAXIMUM_PATTERN characters). */
static NTSTATUS IopCapturePattern(const NT_UNICODE_STRING *FileName, UNICODE_STRING *Pattern)
{
    NT_UNICODE_STRING string;
    NTSTATUS status = ExCapture(&string, FileName);

    if (!NT_SUCCESS(status))
        return status;
    if ((string.Length & 1) || string.Length / 2 > IOP_MAXIMUM_PATTERN)
        return STATUS_OBJECT_NAME_INVALID;
    Pattern->Length = Pattern->MaximumLength = string.Length;
    return ExCaptureFromMode(ExGetPreviousMode(), Pattern->Buffer,
                             (const void *)(uintptr_t)string.Buffer, string.Length, 2);
}

NTSTATUS NtQueryDirectoryFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine,
                              void *ApcContext, IO_STATUS_BLOCK *IoStatusBlock,
                              void *FileInformation, uint32_t Length,
                              uint32_t FileInformationClass, bool ReturnSingleEntry,
                              NT_UNICODE_STRING *FileName, bool RestartScan)
{
    uint32_t length = MIN(Length, (uint32_t)IOP_MAXIMUM_BUFFER), minimum;
    uint16_t characters[IOP_MAXIMUM_PATTERN];
    UNICODE_STRING pattern = { 0, 0, characters };
    FILE_OBJECT *file;
    void *buffer;
    NTSTATUS status;
    IRP irp;

    (void)ApcRoutine;
    (void)ApcContext;
    if (Event)
        return STATUS_INVALID_PARAMETER_2;
    minimum = IopDirectoryEntrySize(FileInformationClass);
    if (minimum == 0)
        return STATUS_INVALID_INFO_CLASS;
    if (Length < minimum)
        return STATUS_INFO_LENGTH_MISMATCH;
    status = STATUS_SUCCESS;
    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
        if (NT_SUCCESS(status))
            status = ProbeForWrite(FileInformation, Length, 4);
    }
    if (NT_SUCCESS(status) && FileName)
        status = IopCapturePattern(FileName, &pattern);
    if (NT_SUCCESS(status))
        status = IopReferenceFile(FileHandle, FILE_LIST_DIRECTORY, &file, NULL);
    if (!NT_SUCCESS(status))
        return status;
    buffer = ExAllocatePoolWithTag(PagedPool, length, IOP_BUFFER_TAG);
    if (!buffer) {
        ObDereferenceObject(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (file->Flags & FO_SYNCHRONOUS_IO)
        KeWaitForSingleObject(&file->Lock, Executive, KernelMode, false, NULL);
    IoInitializeIrp(&irp, IRP_MJ_DIRECTORY_CONTROL, file, ExGetPreviousMode());
    irp.Stack.MinorFunction = IRP_MN_QUERY_DIRECTORY;
    irp.Stack.Flags = (RestartScan ? SL_RESTART_SCAN : 0) |
                      (ReturnSingleEntry ? SL_RETURN_SINGLE_ENTRY : 0);
    irp.AssociatedIrp.SystemBuffer = buffer;
    irp.Stack.Parameters.QueryDirectory.Length = length;
    irp.Stack.Parameters.QueryDirectory.FileName = FileName ? &pattern : NULL;
    irp.Stack.Parameters.QueryDirectory.FileInformationClass = FileInformationClass;
    status = IoCallDriver(file->DeviceObject, &irp);
    if (!NT_ERROR(status)) {
        NTSTATUS copy = ExReturnToMode(ExGetPreviousMode(), FileInformation, buffer,
                                       irp.IoStatus.Information, 1);

        if (NT_SUCCESS(copy))
            copy = IopReturnIoStatus(IoStatusBlock, &irp.IoStatus);
        if (!NT_SUCCESS(copy))
            status = copy;
    }
    if (file->Flags & FO_SYNCHRONOUS_IO)
        KeSetEvent(&file->Lock);
    ExFreePoolWithTag(buffer, IOP_BUFFER_TAG);
    ObDereferenceObject(file);
    return status;
}
