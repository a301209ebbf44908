/*
 * kernel/fs/fastfat/fatinit.c: the FAT32 driver: its driver object, whose every major
 * function is FatFsdDispatch (the volume's lock taken around the common routine that serves
 * it, as NT's FatFsdXxx routines wrap their FatCommonXxx; paging reads and writes excepted,
 * which take only their FCB's PagingIoResource: pagingio.c), and start-up's mount of C:.
 */
#include "kernel/fs/fastfat/fatprocs.h"

DRIVER_OBJECT FatDriverObject;

static NTSTATUS FatDispatchLocked(VCB *Vcb, IRP *Irp)
{
    switch (IoGetCurrentIrpStackLocation(Irp)->MajorFunction) {
    case IRP_MJ_CREATE:
        return FatCommonCreate(Vcb, Irp);
    case IRP_MJ_CLOSE:
        return FatCommonClose(Vcb, Irp);
    case IRP_MJ_READ:
        return FatCommonRead(Vcb, Irp);
    case IRP_MJ_WRITE:
        return FatCommonWrite(Vcb, Irp);
    case IRP_MJ_QUERY_INFORMATION:
        return FatCommonQueryInformation(Vcb, Irp);
    case IRP_MJ_SET_INFORMATION:
        return FatCommonSetInformation(Vcb, Irp);
    case IRP_MJ_FLUSH_BUFFERS:
        return FatCommonFlushBuffers(Vcb, Irp);
    case IRP_MJ_DIRECTORY_CONTROL:
        return FatCommonDirectoryControl(Vcb, Irp);
    case IRP_MJ_FILE_SYSTEM_CONTROL:
        return FatCommonFileSystemControl(Vcb, Irp);
    case IRP_MJ_SHUTDOWN:
        return FatCommonShutdown(Vcb, Irp);
    case IRP_MJ_CLEANUP:
        return FatCommonCleanup(Vcb, Irp);
    }
    return STATUS_INVALID_DEVICE_REQUEST;
}

static NTSTATUS FatFsdDispatch(DEVICE_OBJECT *DeviceObject, IRP *Irp)
{
    VCB *vcb = DeviceObject->DeviceExtension;
    NTSTATUS status;

    Irp->IoStatus.Information = 0;
    if ((Irp->Flags & IRP_PAGING_IO) &&
        (IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_READ ||
         IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_WRITE)) {
        status = FatPagingIo(vcb, Irp);         /* without the volume's lock: pagingio.c */
        Irp->IoStatus.Status = status;
        return status;
    }
    /* The close of a directory's stream that FAT itself lets go of, inside a request of its
     * own, comes back here on the thread that holds the lock (NT queues such closes). */
    if (vcb->Resource.Owner == KeGetCurrentThread() &&
        IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_CLOSE) {
        status = FatCommonClose(vcb, Irp);
        Irp->IoStatus.Status = status;
        return status;
    }
    ExAcquireFastMutex(&vcb->Resource);
    status = FatDispatchLocked(vcb, Irp);
    FatUnmapFatWindow(vcb);                     /* no view held between requests */
    ExReleaseFastMutex(&vcb->Resource);
    Irp->IoStatus.Status = status;
    return status;
}

void FatInitializeFileSystem(void)
{
    bool mounted = false;

    IoInitializeDriverObject(&FatDriverObject, "Fastfat");
    for (uint32_t major = 0; major <= IRP_MJ_MAXIMUM_FUNCTION; major++)
        FatDriverObject.MajorFunction[major] = FatFsdDispatch;
    for (uint32_t disk = 0; disk < IoDiskCount() && !mounted; disk++) {
        uint32_t count;
        const DISK_PARTITION *partitions = IoDiskPartitions(disk, &count);

        for (uint32_t i = 0; i < count && !mounted; i++) {
            if (partitions[i].Type == PARTITION_FAT32 ||
                partitions[i].Type == PARTITION_FAT32_XINT13)
                mounted = NT_SUCCESS(FatMountVolume(disk, &partitions[i], 'C'));
        }
    }
}
