/*
 * kernel/fs/fastfat/flush.c: IRP_MJ_FLUSH_BUFFERS and IRP_MJ_SHUTDOWN. Writes are synchronous,
 * so what a flush has left to write is the FAT page held (normally written at the end of each
 * request already), the file's entry, and FSInfo's free count and next-free hint; shutdown
 * writes the last two for the volume, so the volume the machine leaves is consistent.
 */
#include "kernel/fs/fastfat/fatprocs.h"

NTSTATUS FatCommonFlushBuffers(VCB *Vcb, IRP *Irp)
{
    FCB *fcb = IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext;
    NTSTATUS status = FatFlushFat(Vcb);

    if (NT_SUCCESS(status))
        status = FatUpdateDirent(fcb);
    if (NT_SUCCESS(status))
        status = FatWriteFsInfo(Vcb);
    return status;
}

NTSTATUS FatCommonShutdown(VCB *Vcb, IRP *Irp)
{
    NTSTATUS status = FatWriteFsInfo(Vcb);

    (void)Irp;
    return NT_SUCCESS(status) ? FatMarkVolume(Vcb, false) : status;
}
