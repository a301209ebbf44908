/*
 * kernel/fs/fastfat/flush.c: IRP_MJ_FLUSH_BUFFERS and IRP_MJ_SHUTDOWN. A flush writes the
 * file's dirty pages in the cache (CcFlushCache), then the FAT's dirty pages in its stream's
 * cache (FatFlushFat), the file's entry (through its directory's cache, whose dirty pages are
 * flushed too), and FSInfo's free count and next-free hint; shutdown writes the last two for
 * the volume, after Mm has written every data file's modified pages (MmFlushAllDataSections:
 * the cache's are among them), so the volume the machine leaves is consistent.
 */
#include "kernel/fs/fastfat/fatprocs.h"

NTSTATUS FatCommonFlushBuffers(VCB *Vcb, IRP *Irp)
{
    FCB *fcb = IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext;
    NTSTATUS status = STATUS_SUCCESS;

    if (fcb->SectionObjectPointers.SharedCacheMap)
        status = CcFlushCache(&fcb->SectionObjectPointers, NULL, 0, NULL);
    if (NT_SUCCESS(status))
        status = FatFlushFat(Vcb);
    if (NT_SUCCESS(status))
        status = FatUpdateDirent(fcb);
    /* The entry (and its long name's) reach the disk with the file: its directory's pages. */
    if (NT_SUCCESS(status) && fcb->ParentDcb &&
        fcb->ParentDcb->SectionObjectPointers.SharedCacheMap)
        status = CcFlushCache(&fcb->ParentDcb->SectionObjectPointers, NULL, 0, NULL);
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
