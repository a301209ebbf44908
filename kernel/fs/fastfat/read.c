/*
 * kernel/fs/fastfat/read.c: IRP_MJ_READ, and the mapping of a file's bytes to the volume that
 * reads, writes and extensions share: each run of clusters lying one after another on the
 * disk moves in as few transfers as the bounce pages allow. A non-cached read
 * (FO_NO_INTERMEDIATE_BUFFERING) is direct I/O: the caller's buffer is locked with an MDL and
 * filled through its system mapping, after the cache's dirty pages of the range are written
 * (NT's order: a non-cached read sees what cached writes wrote). Any other read is a copy from
 * the cache (CcCopyRead: cachesup.c), whose misses come back here as paging reads
 * (pagingio.c). A read at or past the end of the file is STATUS_END_OF_FILE; a read that
 * reaches past it is cut at the end.
 */
#include "kernel/fs/fastfat/fatprocs.h"

NTSTATUS FatFileIo(FCB *Fcb, uint32_t Offset, uint32_t Length, void *Buffer,
                   KPROCESSOR_MODE Mode, FAT_IO Operation)
{
    VCB *vcb = Fcb->Vcb;
    uint32_t done = 0;
    NTSTATUS status = STATUS_SUCCESS;

    while (done < Length && NT_SUCCESS(status)) {
        uint32_t at = Offset + done, lcn, run, within = at & (vcb->BytesPerCluster - 1);
        uint64_t bytes, volume;

        status = FatLookupVcn(Fcb, at >> vcb->ClusterShift, &lcn, &run);
        if (!NT_SUCCESS(status))
            break;
        bytes = MIN(((uint64_t)run << vcb->ClusterShift) - within, (uint64_t)(Length - done));
        volume = FatClusterOffset(vcb, lcn) + within;
        if (Operation == FatIoRead)
            status = FatReadVolume(vcb, volume, (uint32_t)bytes, (uint8_t *)Buffer + done, Mode);
        else if (Operation == FatIoWrite)
            status = FatWriteVolume(vcb, volume, (uint32_t)bytes, (uint8_t *)Buffer + done, Mode);
        else
            status = FatZeroVolume(vcb, volume, (uint32_t)bytes);
        done += (uint32_t)bytes;
    }
    return status;
}

NTSTATUS FatCommonRead(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    FILE_OBJECT *file = stack->FileObject;
    FCB *fcb = file->FsContext;
    int64_t offset = stack->Parameters.Read.ByteOffset;
    uint32_t length = stack->Parameters.Read.Length;
    KPROCESSOR_MODE mode = Irp->RequestorMode;
    void *buffer = Irp->UserBuffer;
    NTSTATUS status;

    (void)Vcb;
    if (FatIsDirectory(fcb))
        return STATUS_INVALID_DEVICE_REQUEST;
    if (length == 0)
        return STATUS_SUCCESS;
    if (offset >= fcb->FileSize)
        return STATUS_END_OF_FILE;
    length = (uint32_t)MIN((int64_t)length, (int64_t)fcb->FileSize - offset);
    if (file->Flags & FO_NO_INTERMEDIATE_BUFFERING) {
        /* What the transfer reaches, in whole sectors (NT's FAT locks no more). */
        status = FatLockUserBuffer(Irp, IoWriteAccess, ROUND_UP(length, FAT_SECTOR_SIZE), &buffer);
        if (!NT_SUCCESS(status))
            return status;
        if (fcb->SectionObjectPointers.SharedCacheMap)
            CcFlushCache(&fcb->SectionObjectPointers, &offset, length, NULL);
        status = FatFileIo(fcb, (uint32_t)offset, length, buffer, KernelMode, FatIoRead);
    } else if (FatInitializeCacheMap(file, fcb)) {
        status = FatCachedIo(file, fcb, (uint32_t)offset, length, buffer, mode, FatIoRead);
    } else {
        status = FatFileIo(fcb, (uint32_t)offset, length, buffer, mode, FatIoRead);
    }
    if (!NT_SUCCESS(status))
        return status;
    Irp->IoStatus.Information = length;
    ((CCB *)file->FsContext2)->Accessed = true;
    if (file->Flags & FO_SYNCHRONOUS_IO)
        file->CurrentByteOffset = offset + length;
    return STATUS_SUCCESS;
}
