/*
 * kernel/fs/fastfat/write.c: IRP_MJ_WRITE. A cached write (any without NO_BUFFERING) is a copy
 * into the cache (CcCopyWrite, throttled by CcCanIWrite), written back by the lazy writer, or
 * before it returns with FILE_FLAG_WRITE_THROUGH; NO_BUFFERING makes it direct I/O, the
 * caller's buffer locked with an MDL and read through its system mapping, after the cache's
 * pages of the range are flushed and purged. A write past the end first grows the file,
 * clusters allocated and the bytes between the old end and the write zeroed (in the cache, or
 * on the disk), then the bytes go, then the entry records the new size. A file cannot
 * pass 4 GB - 1 (STATUS_DISK_FULL, as NT's FAT); a volume that has no clusters left refuses
 * the whole write with STATUS_DISK_FULL and the file stays as it was.
 */
#include "kernel/fs/fastfat/fatprocs.h"

NTSTATUS FatCommonWrite(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    FILE_OBJECT *file = stack->FileObject;
    FCB *fcb = file->FsContext;
    int64_t offset = stack->Parameters.Write.ByteOffset;
    uint32_t length = stack->Parameters.Write.Length;
    KPROCESSOR_MODE mode = Irp->RequestorMode;
    void *buffer = Irp->UserBuffer;
    uint32_t size = fcb->FileSize;
    bool cached = false, sizeChanged;
    NTSTATUS status;

    if (FatIsDirectory(fcb))
        return STATUS_INVALID_DEVICE_REQUEST;
    if (offset < 0)
        offset = fcb->FileSize;                 /* FILE_WRITE_TO_END_OF_FILE */
    if (length == 0)
        return STATUS_SUCCESS;
    if (offset + length > (int64_t)FAT_MAXIMUM_FILE_SIZE)
        return STATUS_DISK_FULL;
    if (file->Flags & FO_NO_INTERMEDIATE_BUFFERING) {
        status = FatLockUserBuffer(Irp, IoReadAccess, length, &buffer);
        if (!NT_SUCCESS(status))
            return status;
        mode = KernelMode;
        /* NT's order: the cache's pages of the range written, then thrown away, so that
         * neither the cache nor the disk keeps older bytes than the other. */
        if (fcb->SectionObjectPointers.SharedCacheMap) {
            CcFlushCache(&fcb->SectionObjectPointers, &offset, length, NULL);
            CcPurgeCacheSection(&fcb->SectionObjectPointers, offset, length);
        }
    } else {
        cached = FatInitializeCacheMap(file, fcb);
        if (cached)
            CcCanIWrite(file, length);
    }
    if (offset + length > fcb->FileSize) {
        uint32_t need = (uint32_t)((offset + length + Vcb->BytesPerCluster - 1) >>
                                   Vcb->ClusterShift);
        uint32_t old = fcb->FileSize;

        status = need > fcb->AllocationClusters
                 ? FatAddClusters(fcb, need - fcb->AllocationClusters, false) : STATUS_SUCCESS;
        if (NT_SUCCESS(status) && cached) {
            /* The file grows first, so the cache's pages past the old end are the file's
             * (and zeroes: past ValidDataLength) when the copy touches them. */
            FatSetFcbFileSize(fcb, (uint32_t)(offset + length));
            CcSetFileSizes(file, offset + length);
            if (offset > old)
                status = FatCachedIo(file, fcb, old, (uint32_t)offset - old, NULL, KernelMode,
                                     FatIoZero);
        } else if (NT_SUCCESS(status) && offset > old) {
            status = FatFileIo(fcb, old, (uint32_t)offset - old, NULL, KernelMode, FatIoZero);
        }
        if (!NT_SUCCESS(status))
            return status;
    }
    if (cached) {
        status = FatCachedIo(file, fcb, (uint32_t)offset, length, buffer, mode, FatIoWrite);
        if (!NT_SUCCESS(status) && fcb->FileSize != size) {
            /* NT's FAT: a failed write leaves the file as long as it was. */
            FatSetFcbFileSize(fcb, size);
            CcSetFileSizes(file, size);
        }
    } else {
        status = FatFileIo(fcb, (uint32_t)offset, length, buffer, mode, FatIoWrite);
    }
    if (!NT_SUCCESS(status))
        return status;
    sizeChanged = offset + length > size;
    if (sizeChanged && offset + length > fcb->FileSize)
        FatSetFcbFileSize(fcb, (uint32_t)(offset + length));
    /* On the disk now, and everything before it there or dirty in the cache (pagingio.c). */
    if (!cached)
        FatSetValidDataLength(fcb, (uint32_t)(offset + length));
    if (sizeChanged) {
        file->Flags |= FO_FILE_SIZE_CHANGED;
        status = FatUpdateDirent(fcb);
    }
    /* A cached write leaves the FAT pages it changed dirty in the cache (the lazy writer, the
     * file's flush or cleanup, or shutdown writes them), as NT's FAT leaves its FAT to the lazy
     * writer; an uncached one flushes the FAT at once, as it writes everything else. */
    if (NT_SUCCESS(status) && !cached)
        status = FatFlushFat(Vcb);
    if (!NT_SUCCESS(status))
        return status;
    file->Flags |= FO_FILE_MODIFIED;
    ((CCB *)file->FsContext2)->Accessed = true;
    Irp->IoStatus.Information = length;
    if (file->Flags & FO_SYNCHRONOUS_IO)
        file->CurrentByteOffset = offset + length;
    return STATUS_SUCCESS;
}
