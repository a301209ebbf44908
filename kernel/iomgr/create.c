/*
 * kernel/iomgr/create.c: opening files: NtCreateFile, NtOpenFile and NtDeleteFile. The caller's
 * arguments are checked as NT's IoCreateFile checks them, the name is captured and parsed to a
 * volume device (parse.c), a file object is made and sent to the volume's file system in an
 * IRP_MJ_CREATE; only an open the file system accepted gets a handle.
 *
 * mm386 leaves out what it has no use for yet: extended attributes (STATUS_EAS_NOT_SUPPORTED
 * for an EaBuffer), AllocationSize (a new file starts empty), and opening a volume itself
 * (\??\C: with nothing after it: STATUS_ACCESS_DENIED).
 */
#include "kernel/iomgr/iop.h"

#define IOP_DIRECTORY_OPTIONS   (FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_ALERT |          \
                                 FILE_SYNCHRONOUS_IO_NONALERT | FILE_WRITE_THROUGH |        \
                                 FILE_COMPLETE_IF_OPLOCKED | FILE_OPEN_FOR_BACKUP_INTENT |  \
                                 FILE_DELETE_ON_CLOSE | FILE_OPEN_FOR_FREE_SPACE_QUERY |    \
                                 FILE_OPEN_BY_FILE_ID | FILE_NO_COMPRESSION |               \
                                 FILE_OPEN_REPARSE_POINT)

/* NT's checks of IoCreateFile's arguments, before any name is looked at. */
static NTSTATUS IopCheckCreateParameters(ACCESS_MASK DesiredAccess, uint32_t FileAttributes,
                                         uint32_t ShareAccess, uint32_t Disposition,
                                         uint32_t Options)
{
    uint32_t synchronous = Options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT);

    if ((FileAttributes & ~FILE_ATTRIBUTE_VALID_FLAGS) ||
        (ShareAccess & ~FILE_SHARE_VALID_FLAGS) ||
        Disposition > FILE_MAXIMUM_DISPOSITION ||
        (Options & ~FILE_VALID_OPTION_FLAGS) ||
        (synchronous && !(DesiredAccess & SYNCHRONIZE)) ||
        synchronous == (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT) ||
        ((Options & FILE_DELETE_ON_CLOSE) && !(DesiredAccess & DELETE)) ||
        ((Options & FILE_NO_INTERMEDIATE_BUFFERING) && (DesiredAccess & FILE_APPEND_DATA)))
        return STATUS_INVALID_PARAMETER;
    if ((Options & FILE_DIRECTORY_FILE) &&
        ((Options & ~IOP_DIRECTORY_OPTIONS) ||
         (Disposition != FILE_CREATE && Disposition != FILE_OPEN && Disposition != FILE_OPEN_IF)))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

static uint32_t IopFileObjectFlags(uint32_t Options)
{
    uint32_t flags = 0;

    if (Options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT))
        flags |= FO_SYNCHRONOUS_IO;
    if (Options & FILE_SYNCHRONOUS_IO_ALERT)
        flags |= FO_ALERTABLE_IO;
    if (Options & FILE_NO_INTERMEDIATE_BUFFERING)
        flags |= FO_NO_INTERMEDIATE_BUFFERING;
    if (Options & FILE_WRITE_THROUGH)
        flags |= FO_WRITE_THROUGH;
    if (Options & FILE_SEQUENTIAL_ONLY)
        flags |= FO_SEQUENTIAL_ONLY;
    if (Options & FILE_RANDOM_ACCESS)
        flags |= FO_RANDOM_ACCESS;
    return flags;
}

/* The volume and the path on it for Name: from the related directory, or from \??\X:. */
static NTSTATUS IopFindVolume(FILE_OBJECT *Related, const uint16_t *Name, uint32_t Length,
                              DEVICE_OBJECT **Device, uint32_t *PathOffset)
{
    if (Related) {
        if (Length && Name[0] == '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        if (!Related->Vpb)
            return STATUS_OBJECT_TYPE_MISMATCH;
        *Device = Related->DeviceObject;
        *PathOffset = 0;
        return STATUS_SUCCESS;
    }
    return IopParseDosName(Name, Length, Device, PathOffset);
}

/*
 * A file object opened on Name (Length characters, kernel memory) for the previous mode, or
 * the status the volume or its file system refused it with. Information receives what was
 * done (FILE_CREATED ...). The object comes with one reference and no handle.
 */
NTSTATUS IopCreateFileObject(ACCESS_MASK DesiredAccess, HANDLE RootDirectory,
                                    uint32_t ObjectAttributes, const uint16_t *Name,
                                    uint32_t Length, uint32_t FileAttributes,
                                    uint32_t ShareAccess, uint32_t Disposition,
                                    uint32_t Options, FILE_OBJECT **FileObject,
                                    IO_STATUS_BLOCK *IoStatus)
{
    FILE_OBJECT *related = NULL, *file;
    DEVICE_OBJECT *device;
    uint32_t offset;
    NTSTATUS status;
    IRP irp;

    if (RootDirectory) {
        status = IopReferenceFile(RootDirectory, 0, &related, NULL);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = IopFindVolume(related, Name, Length, &device, &offset);
    if (NT_SUCCESS(status) && offset == Length && !related)
        status = STATUS_ACCESS_DENIED;
    if (NT_SUCCESS(status))
        status = ObCreateObject(&IoFileObjectType, sizeof(FILE_OBJECT), (void **)&file);
    if (!NT_SUCCESS(status)) {
        if (related)
            ObDereferenceObject(related);
        return status;
    }
    IopInitializeFileObject(file, device);
    file->RelatedFileObject = related;
    file->Flags = IopFileObjectFlags(Options);
    file->FileName.Length = file->FileName.MaximumLength = (uint16_t)((Length - offset) * 2);
    file->FileName.Buffer = ExAllocatePoolWithTag(PagedPool, file->FileName.Length + 2,
                                                  IOP_FILE_NAME_TAG);
    if (!file->FileName.Buffer) {
        ObDereferenceObject(file);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(file->FileName.Buffer, Name + offset, file->FileName.Length);
    file->FileName.Buffer[Length - offset] = 0;

    IoInitializeIrp(&irp, IRP_MJ_CREATE, file, ExGetPreviousMode());
    irp.Stack.Parameters.Create.DesiredAccess = DesiredAccess;
    irp.Stack.Parameters.Create.Options = Disposition << 24 | Options;
    irp.Stack.Parameters.Create.FileAttributes = (uint16_t)FileAttributes;
    irp.Stack.Parameters.Create.ShareAccess = (uint16_t)ShareAccess;
    if (!(ObjectAttributes & OBJ_CASE_INSENSITIVE))
        irp.Stack.Flags |= SL_CASE_SENSITIVE;
    status = IoCallDriver(device, &irp);
    *IoStatus = irp.IoStatus;
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(file);
        return status;
    }
    file->Flags |= FO_FILE_OPEN;
    *FileObject = file;
    return STATUS_SUCCESS;
}

/* The caller's OBJECT_ATTRIBUTES and the name in it, captured into Name (IOP_MAXIMUM_PATH). */
static NTSTATUS IopCaptureAttributes(const OBJECT_ATTRIBUTES *ObjectAttributes,
                                     OBJECT_ATTRIBUTES *Captured, uint16_t *Name,
                                     uint32_t *Length)
{
    NT_UNICODE_STRING string;
    NTSTATUS status = ExCapture(Captured, ObjectAttributes);

    if (!NT_SUCCESS(status))
        return status;
    if (Captured->Length != sizeof(OBJECT_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    if (!Captured->ObjectName)
        return STATUS_OBJECT_NAME_INVALID;
    status = ExCapture(&string, Captured->ObjectName);
    if (!NT_SUCCESS(status))
        return status;
    if ((string.Length & 1) || string.Length / 2 > IOP_MAXIMUM_PATH)
        return STATUS_OBJECT_NAME_INVALID;
    *Length = string.Length / 2;
    return ExCaptureFromMode(ExGetPreviousMode(), Name, (const void *)(uintptr_t)string.Buffer,
                             string.Length, 2);
}

static NTSTATUS IopOpenFile(HANDLE *FileHandle, ACCESS_MASK DesiredAccess,
                     OBJECT_ATTRIBUTES *ObjectAttributes, IO_STATUS_BLOCK *IoStatusBlock,
                     uint32_t FileAttributes, uint32_t ShareAccess, uint32_t Disposition,
                     uint32_t CreateOptions)
{
    IO_STATUS_BLOCK iosb = { STATUS_SUCCESS, 0 };
    OBJECT_ATTRIBUTES attributes;
    FILE_OBJECT *file;
    uint16_t *name;
    uint32_t length;
    HANDLE handle;
    NTSTATUS status;

    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(FileHandle, sizeof(*FileHandle), 4);
        if (NT_SUCCESS(status))
            status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = IopCheckCreateParameters(DesiredAccess, FileAttributes, ShareAccess, Disposition,
                                      CreateOptions);
    if (!NT_SUCCESS(status))
        return status;
    name = ExAllocatePoolWithTag(PagedPool, IOP_MAXIMUM_PATH * 2, IOP_FILE_NAME_TAG);
    if (!name)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = IopCaptureAttributes(ObjectAttributes, &attributes, name, &length);
    if (NT_SUCCESS(status)) {
        if (DesiredAccess & MAXIMUM_ALLOWED)
            DesiredAccess = (DesiredAccess & ~MAXIMUM_ALLOWED) | FILE_ALL_ACCESS;
        RtlMapGenericMask(&DesiredAccess, &IoFileObjectType.GenericMapping);
        status = IopCreateFileObject(DesiredAccess, attributes.RootDirectory,
                                     attributes.Attributes, name, length, FileAttributes,
                                     ShareAccess, Disposition, CreateOptions, &file, &iosb);
    }
    ExFreePoolWithTag(name, IOP_FILE_NAME_TAG);
    if (!NT_SUCCESS(status))
        return status;

    ObReferenceObject(file);
    status = ObInsertObject(file, DesiredAccess, attributes.Attributes & OBJ_INHERIT, NULL,
                            &handle);
    if (!NT_SUCCESS(status)) {
        IopCleanupFile(file);
        ObDereferenceObject(file);
        return status;
    }
    file->Flags |= FO_HANDLE_CREATED;
    ObDereferenceObject(file);
    status = ExReturn(FileHandle, &handle);
    if (NT_SUCCESS(status))
        status = IopReturnIoStatus(IoStatusBlock, &iosb);
    return NT_SUCCESS(status) ? iosb.Status : status;
}

NTSTATUS NtCreateFile(HANDLE *FileHandle, ACCESS_MASK DesiredAccess,
                      OBJECT_ATTRIBUTES *ObjectAttributes, IO_STATUS_BLOCK *IoStatusBlock,
                      int64_t *AllocationSize, uint32_t FileAttributes, uint32_t ShareAccess,
                      uint32_t CreateDisposition, uint32_t CreateOptions, void *EaBuffer,
                      uint32_t EaLength)
{
    (void)AllocationSize;
    if (EaBuffer && EaLength)
        return STATUS_EAS_NOT_SUPPORTED;
    return IopOpenFile(FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock,
                       FileAttributes, ShareAccess, CreateDisposition, CreateOptions);
}

NTSTATUS NtOpenFile(HANDLE *FileHandle, ACCESS_MASK DesiredAccess,
                    OBJECT_ATTRIBUTES *ObjectAttributes, IO_STATUS_BLOCK *IoStatusBlock,
                    uint32_t ShareAccess, uint32_t OpenOptions)
{
    return IopOpenFile(FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock, 0,
                       ShareAccess, FILE_OPEN, OpenOptions);
}

/* Open for DELETE, mark for deletion, close: the file goes at its last cleanup, as NT's. */
NTSTATUS NtDeleteFile(OBJECT_ATTRIBUTES *ObjectAttributes)
{
    IO_STATUS_BLOCK iosb;
    OBJECT_ATTRIBUTES attributes;
    FILE_DISPOSITION_INFORMATION disposition = { true };
    FILE_OBJECT *file;
    uint16_t *name;
    uint32_t length;
    NTSTATUS status;

    name = ExAllocatePoolWithTag(PagedPool, IOP_MAXIMUM_PATH * 2, IOP_FILE_NAME_TAG);
    if (!name)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = IopCaptureAttributes(ObjectAttributes, &attributes, name, &length);
    if (NT_SUCCESS(status))
        status = IopCreateFileObject(DELETE | FILE_READ_ATTRIBUTES, attributes.RootDirectory,
                                     attributes.Attributes, name, length, 0,
                                     FILE_SHARE_VALID_FLAGS, FILE_OPEN, 0, &file, &iosb);
    ExFreePoolWithTag(name, IOP_FILE_NAME_TAG);
    if (!NT_SUCCESS(status))
        return status;
    status = IopSetInformation(file, &disposition, sizeof(disposition),
                               FileDispositionInformation, &iosb);
    IopCleanupFile(file);
    ObDereferenceObject(file);
    return status;
}
