/*
 * kernel/iomgr/objsup.c: the File object type. A file object is made by NtCreateFile (or is the
 * console's); Ob calls back here when a handle to one is closed and when its last reference
 * goes, and Io tells the file's driver, as NT's IopCloseFile and IopDeleteFile do:
 *
 *   the last handle closed, anywhere      IRP_MJ_CLEANUP: the open gives up its share access,
 *                                         a file marked for deletion goes at its last cleanup
 *   the last reference gone               IRP_MJ_CLOSE: the driver lets go of FsContext/2
 *
 * Only an open its driver accepted (FO_FILE_OPEN) gets either.
 */
#include "kernel/iomgr/iop.h"

OBJECT_TYPE IoFileObjectType;

static void IopSendToDriver(FILE_OBJECT *FileObject, uint8_t MajorFunction)
{
    IRP irp;

    IoInitializeIrp(&irp, MajorFunction, FileObject, KernelMode);
    IoCallDriver(FileObject->DeviceObject, &irp);
}

void IopCleanupFile(FILE_OBJECT *FileObject)
{
    if (!(FileObject->Flags & FO_FILE_OPEN) || (FileObject->Flags & FO_CLEANUP_COMPLETE))
        return;
    IopSendToDriver(FileObject, IRP_MJ_CLEANUP);
    FileObject->Flags |= FO_CLEANUP_COMPLETE;
}

static void IopCloseFile(void *Object, uint32_t ProcessHandleCountLeft)
{
    (void)ProcessHandleCountLeft;
    if (OBJECT_TO_OBJECT_HEADER(Object)->HandleCount == 0)
        IopCleanupFile(Object);
}

static void IopDeleteFile(void *Object)
{
    FILE_OBJECT *file = Object;

    if (file->Flags & FO_FILE_OPEN)
        IopSendToDriver(file, IRP_MJ_CLOSE);
    if (file->DeviceObject)
        __atomic_sub_fetch(&file->DeviceObject->ReferenceCount, 1, __ATOMIC_SEQ_CST);
    if (file->RelatedFileObject)
        ObDereferenceObject(file->RelatedFileObject);
    if (file->FileName.Buffer)
        ExFreePoolWithTag(file->FileName.Buffer, IOP_FILE_NAME_TAG);
}

void IopInitializeFileObject(FILE_OBJECT *FileObject, DEVICE_OBJECT *DeviceObject)
{
    FileObject->Type = IO_TYPE_FILE;
    FileObject->Size = sizeof(FILE_OBJECT);
    FileObject->DeviceObject = DeviceObject;
    FileObject->Vpb = DeviceObject->Vpb;
    KeInitializeEvent(&FileObject->Lock, SynchronizationEvent, true);
    KeInitializeEvent(&FileObject->Event, NotificationEvent, false);
    __atomic_add_fetch(&DeviceObject->ReferenceCount, 1, __ATOMIC_SEQ_CST);
}

NTSTATUS IopReferenceFile(HANDLE FileHandle, ACCESS_MASK DesiredAccess, FILE_OBJECT **FileObject,
                          ACCESS_MASK *GrantedAccess)
{
    return ObReferenceObjectByHandle(FileHandle, DesiredAccess, &IoFileObjectType,
                                     ExGetPreviousMode(), (void **)FileObject, GrantedAccess);
}

NTSTATUS IopReturnIoStatus(IO_STATUS_BLOCK *IoStatusBlock, const IO_STATUS_BLOCK *IoStatus)
{
    return ExReturn(IoStatusBlock, IoStatus);
}

NTSTATUS IoCreateStreamFileObject(DEVICE_OBJECT *Device, FILE_OBJECT **Stream)
{
    FILE_OBJECT *file;
    NTSTATUS status = ObCreateObject(&IoFileObjectType, sizeof(FILE_OBJECT), (void **)&file);

    if (!NT_SUCCESS(status))
        return status;
    IopInitializeFileObject(file, Device);
    file->Flags = FO_FILE_OPEN | FO_STREAM_FILE;
    file->ReadAccess = file->WriteAccess = true;
    *Stream = file;
    return STATUS_SUCCESS;
}

NTSTATUS IopCallAndReturn(FILE_OBJECT *File, IRP *Irp, IO_STATUS_BLOCK *IoStatusBlock)
{
    NTSTATUS status = IoCallDriver(File->DeviceObject, Irp), copy;

    if (Irp->MdlAddress) {
        if (Irp->MdlAddress->MdlFlags & MDL_PAGES_LOCKED)
            MmUnlockPages(Irp->MdlAddress);
        ExFreePool(Irp->MdlAddress);
        Irp->MdlAddress = NULL;
    }
    if (NT_ERROR(status))
        return status;
    copy = IopReturnIoStatus(IoStatusBlock, &Irp->IoStatus);
    return NT_SUCCESS(copy) ? status : copy;
}

void IoInitializeConsole(void);
void IopRegisterMmFileCallouts(void);

void IoInitSystem(void)
{
    IoFileObjectType = (OBJECT_TYPE){
        .Name = "File", .PoolType = NonPagedPool, .PoolTag = POOL_TAG('F', 'i', 'l', 'e'),
        .GenericMapping = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                            FILE_ALL_ACCESS },
        .ValidAccessMask = FILE_ALL_ACCESS,
        .CloseProcedure = IopCloseFile, .DeleteProcedure = IopDeleteFile,
    };
    if (!NT_SUCCESS(ObCreateObjectType(&IoFileObjectType)))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_INVALID_PARAMETER, 0, 0, 5);
    IoInitializeConsole();
    IopRegisterMmFileCallouts();
}
