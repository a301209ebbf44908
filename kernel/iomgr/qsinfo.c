/*
 * kernel/iomgr/qsinfo.c: NtQueryInformationFile and NtSetInformationFile. Io checks the class,
 * the length and the handle's access as NT does (NT's tables: a class that cannot be queried
 * or set that way is STATUS_INVALID_INFO_CLASS, a buffer shorter than the structure
 * STATUS_INFO_LENGTH_MISMATCH), answers FilePositionInformation itself from the file object,
 * and hands every other class to the file system in a kernel buffer (SystemBuffer) that it
 * copies from or back to the caller's. A rename's target given as a full name (\??\C:\dir\new)
 * is handed on as the path on the volume (\dir\new), on the same volume or not at all
 * (STATUS_NOT_SAME_DEVICE); a RootDirectory is not supported (STATUS_INVALID_PARAMETER).
 */
#include "kernel/iomgr/iop.h"

typedef struct _IOP_INFO_CLASS {
    uint8_t QueryLength, SetLength;         /* 0: not that way */
    ACCESS_MASK QueryAccess, SetAccess;
} IOP_INFO_CLASS;

static const IOP_INFO_CLASS IopInfoClasses[FileMaximumInformation] = {
    [FileBasicInformation] = { sizeof(FILE_BASIC_INFORMATION), sizeof(FILE_BASIC_INFORMATION),
                               FILE_READ_ATTRIBUTES, FILE_WRITE_ATTRIBUTES },
    [FileStandardInformation] = { sizeof(FILE_STANDARD_INFORMATION), 0, 0, 0 },
    [FileNameInformation] = { sizeof(FILE_NAME_INFORMATION), 0, 0, 0 },
    [FileRenameInformation] = { 0, sizeof(FILE_RENAME_INFORMATION), 0, DELETE },
    [FileDispositionInformation] = { 0, sizeof(FILE_DISPOSITION_INFORMATION), 0, DELETE },
    [FilePositionInformation] = { sizeof(FILE_POSITION_INFORMATION),
                                  sizeof(FILE_POSITION_INFORMATION), 0, 0 },
    [FileAllocationInformation] = { 0, sizeof(FILE_ALLOCATION_INFORMATION), 0, FILE_WRITE_DATA },
    [FileEndOfFileInformation] = { 0, sizeof(FILE_END_OF_FILE_INFORMATION), 0, FILE_WRITE_DATA },
};

static NTSTATUS IopCheckClass(uint32_t Class, uint32_t Length, bool Set)
{
    uint32_t minimum;

    if (Class == 0 || Class >= FileMaximumInformation)
        return STATUS_INVALID_INFO_CLASS;
    minimum = Set ? IopInfoClasses[Class].SetLength : IopInfoClasses[Class].QueryLength;
    if (minimum == 0)
        return STATUS_INVALID_INFO_CLASS;
    return Length < minimum ? STATUS_INFO_LENGTH_MISMATCH : STATUS_SUCCESS;
}

/* The file behind Handle, granted what Class needs from user mode. */
static NTSTATUS IopReferenceForClass(HANDLE FileHandle, uint32_t Class, bool Set,
                                     FILE_OBJECT **File)
{
    ACCESS_MASK need = Set ? IopInfoClasses[Class].SetAccess : IopInfoClasses[Class].QueryAccess;
    ACCESS_MASK granted;
    NTSTATUS status = IopReferenceFile(FileHandle, 0, File, &granted);

    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode && (granted & need) != need) {
        ObDereferenceObject(*File);
        status = STATUS_ACCESS_DENIED;
    }
    return status;
}

static NTSTATUS IopSetPosition(FILE_OBJECT *File, const FILE_POSITION_INFORMATION *Position)
{
    if (Position->CurrentByteOffset < 0 ||
        ((File->Flags & FO_NO_INTERMEDIATE_BUFFERING) &&
         (Position->CurrentByteOffset & (HAL_ATA_SECTOR_SIZE - 1))))
        return STATUS_INVALID_PARAMETER;
    File->CurrentByteOffset = Position->CurrentByteOffset;
    return STATUS_SUCCESS;
}

/* A rename's FileName, when it is a full \??\X:\ name, as the path on File's volume. */
static NTSTATUS IopRenameTarget(FILE_OBJECT *File, FILE_RENAME_INFORMATION *Rename,
                                uint32_t Length)
{
    DEVICE_OBJECT *device;
    uint32_t characters, offset;
    NTSTATUS status;

    if (Rename->RootDirectory)
        return STATUS_INVALID_PARAMETER;
    if (Rename->FileNameLength > Length - offsetof(FILE_RENAME_INFORMATION, FileName) ||
        (Rename->FileNameLength & 1))
        return STATUS_INVALID_PARAMETER;
    characters = Rename->FileNameLength / 2;
    if (characters == 0 || Rename->FileName[0] != '\\')
        return STATUS_SUCCESS;                      /* a name in the same directory */
    status = IopParseDosName(Rename->FileName, characters, &device, &offset);
    if (!NT_SUCCESS(status))
        return status;
    if (device != File->DeviceObject)
        return STATUS_NOT_SAME_DEVICE;
    memmove(Rename->FileName, Rename->FileName + offset, (characters - offset) * 2);
    Rename->FileNameLength = (characters - offset) * 2;
    return STATUS_SUCCESS;
}

NTSTATUS IopSetInformation(FILE_OBJECT *FileObject, void *Information, uint32_t Length,
                           uint32_t FileInformationClass, IO_STATUS_BLOCK *IoStatus)
{
    NTSTATUS status;
    IRP irp;

    IoInitializeIrp(&irp, IRP_MJ_SET_INFORMATION, FileObject, KernelMode);
    irp.AssociatedIrp.SystemBuffer = Information;
    irp.Stack.Parameters.SetFile.Length = Length;
    irp.Stack.Parameters.SetFile.FileInformationClass = FileInformationClass;
    status = IoCallDriver(FileObject->DeviceObject, &irp);
    *IoStatus = irp.IoStatus;
    return status;
}

NTSTATUS NtQueryInformationFile(HANDLE FileHandle, IO_STATUS_BLOCK *IoStatusBlock,
                                void *FileInformation, uint32_t Length,
                                uint32_t FileInformationClass)
{
    uint32_t length = MIN(Length, (uint32_t)IOP_MAXIMUM_BUFFER);
    FILE_OBJECT *file;
    void *buffer;
    NTSTATUS status;
    IRP irp;

    status = IopCheckClass(FileInformationClass, Length, false);
    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
        if (NT_SUCCESS(status))
            status = ProbeForWrite(FileInformation, Length, 4);
    }
    if (NT_SUCCESS(status))
        status = IopReferenceForClass(FileHandle, FileInformationClass, false, &file);
    if (!NT_SUCCESS(status))
        return status;
    buffer = ExAllocatePoolWithTag(PagedPool, length, IOP_BUFFER_TAG);
    if (!buffer) {
        ObDereferenceObject(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    IoInitializeIrp(&irp, IRP_MJ_QUERY_INFORMATION, file, ExGetPreviousMode());
    irp.AssociatedIrp.SystemBuffer = buffer;
    irp.Stack.Parameters.QueryFile.Length = length;
    irp.Stack.Parameters.QueryFile.FileInformationClass = FileInformationClass;
    if (FileInformationClass == FilePositionInformation) {
        ((FILE_POSITION_INFORMATION *)buffer)->CurrentByteOffset = file->CurrentByteOffset;
        irp.IoStatus.Information = sizeof(FILE_POSITION_INFORMATION);
        status = STATUS_SUCCESS;
    } else {
        status = IoCallDriver(file->DeviceObject, &irp);
    }
    if (!NT_ERROR(status)) {
        NTSTATUS copy = ExReturnToMode(ExGetPreviousMode(), FileInformation, buffer,
                                       irp.IoStatus.Information, 1);

        if (NT_SUCCESS(copy))
            copy = IopReturnIoStatus(IoStatusBlock, &irp.IoStatus);
        if (!NT_SUCCESS(copy))
            status = copy;
    }
    ExFreePoolWithTag(buffer, IOP_BUFFER_TAG);
    ObDereferenceObject(file);
    return status;
}

NTSTATUS NtSetInformationFile(HANDLE FileHandle, IO_STATUS_BLOCK *IoStatusBlock,
                              void *FileInformation, uint32_t Length,
                              uint32_t FileInformationClass)
{
    uint32_t length = MIN(Length, (uint32_t)IOP_MAXIMUM_BUFFER);
    IO_STATUS_BLOCK iosb = { STATUS_SUCCESS, 0 };
    FILE_OBJECT *file;
    void *buffer;
    NTSTATUS status;

    status = IopCheckClass(FileInformationClass, Length, true);
    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode)
        status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
    if (NT_SUCCESS(status))
        status = IopReferenceForClass(FileHandle, FileInformationClass, true, &file);
    if (!NT_SUCCESS(status))
        return status;
    buffer = ExAllocatePoolWithTag(PagedPool, length, IOP_BUFFER_TAG);
    status = buffer ? ExCaptureFromMode(ExGetPreviousMode(), buffer, FileInformation, length, 1)
                    : STATUS_INSUFFICIENT_RESOURCES;
    if (NT_SUCCESS(status) && FileInformationClass == FileRenameInformation)
        status = IopRenameTarget(file, buffer, length);
    if (NT_SUCCESS(status)) {
        if (FileInformationClass == FilePositionInformation)
            status = IopSetPosition(file, buffer);
        else
            status = IopSetInformation(file, buffer, length, FileInformationClass, &iosb);
        iosb.Status = status;
    }
    if (NT_SUCCESS(status))
        status = IopReturnIoStatus(IoStatusBlock, &iosb);
    if (buffer)
        ExFreePoolWithTag(buffer, IOP_BUFFER_TAG);
    ObDereferenceObject(file);
    return status;
}
