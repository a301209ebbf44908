/*
 * kernel/iomgr/mmfile.c: what Mm asks of a file when it makes a section of it (NT's
 * MmCreateSection calls ObReferenceObjectByHandle with IoFileObjectType, FsRtlGetFileSize and
 * FsRtlSetFileSize). Mm sits below Ob and Io's object side, so these come to it as callouts
 * (MM_FILE_CALLOUTS, mm/mm.h), registered by IoInitSystem.
 */
#include "kernel/iomgr/iop.h"

/* The file object behind Handle, referenced, if the handle grants DesiredAccess
 * (STATUS_ACCESS_DENIED otherwise; STATUS_OBJECT_TYPE_MISMATCH for a handle to anything but a
 * file; STATUS_INVALID_HANDLE). */
static NTSTATUS IopMmReferenceFile(void *Handle, uint32_t DesiredAccess, KPROCESSOR_MODE Mode,
                                   FILE_OBJECT **File)
{
    return ObReferenceObjectByHandle(Handle, DesiredAccess, &IoFileObjectType, Mode,
                                     (void **)File, NULL);
}

/* FsRtlGetFileSize: the end of file, and whether it is a directory. */
static NTSTATUS IopMmQueryFileSize(FILE_OBJECT *File, int64_t *Size, bool *Directory)
{
    FILE_STANDARD_INFORMATION info;
    NTSTATUS status;
    IRP irp;

    RtlZeroMemory(&info, sizeof(info));
    IoInitializeIrp(&irp, IRP_MJ_QUERY_INFORMATION, File, KernelMode);
    irp.AssociatedIrp.SystemBuffer = &info;
    irp.Stack.Parameters.QueryFile.Length = sizeof(info);
    irp.Stack.Parameters.QueryFile.FileInformationClass = FileStandardInformation;
    status = IoCallDriver(File->DeviceObject, &irp);
    if (!NT_SUCCESS(status))
        return status;
    *Size = info.EndOfFile;
    *Directory = info.Directory;
    return STATUS_SUCCESS;
}

/* FsRtlSetFileSize: the end of file moved to Size (the file system allocates, zeroed). */
static NTSTATUS IopMmSetFileSize(FILE_OBJECT *File, int64_t Size)
{
    FILE_END_OF_FILE_INFORMATION endOfFile = { Size };
    IO_STATUS_BLOCK iosb;

    return IopSetInformation(File, &endOfFile, sizeof(endOfFile), FileEndOfFileInformation,
                             &iosb);
}

static void IopMmReferenceObject(FILE_OBJECT *File)
{
    ObReferenceObject(File);
}

static void IopMmDereferenceObject(FILE_OBJECT *File)
{
    ObDereferenceObject(File);
}

void IopRegisterMmFileCallouts(void)
{
    static const MM_FILE_CALLOUTS callouts = {
        .ReferenceFileByHandle = IopMmReferenceFile,
        .QueryFileSize = IopMmQueryFileSize,
        .SetFileSize = IopMmSetFileSize,
        .ReferenceFile = IopMmReferenceObject,
        .DereferenceFile = IopMmDereferenceObject,
    };

    MmSetFileCallouts(&callouts);
}
