/*
 * kernel/fs/fastfat/write.c: IRP_MJ_WRITE, synchronous and write-through (there is no cache
 * yet, so FILE_FLAG_WRITE_THROUGH changes nothing here; NO_BUFFERING makes it direct I/O, the
 * caller's buffer locked with an MDL and read through its system mapping): a write past the end
 * first grows the file, clusters allocated and the bytes between the old end and the write
 * zeroed, then the bytes go to the disk, then the entry records the new size. A file cannot
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
    }
    if (offset + length > fcb->FileSize) {
        uint32_t need = (uint32_t)((offset + length + Vcb->BytesPerCluster - 1) >>
                                   Vcb->ClusterShift);

        status = need > fcb->AllocationClusters
                 ? FatAddClusters(fcb, need - fcb->AllocationClusters, false) : STATUS_SUCCESS;
        if (NT_SUCCESS(status) && offset > fcb->FileSize)
            status = FatFileIo(fcb, fcb->FileSize, (uint32_t)offset - fcb->FileSize, NULL,
                               KernelMode, FatIoZero);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = FatFileIo(fcb, (uint32_t)offset, length, buffer, mode, FatIoWrite);
    if (!NT_SUCCESS(status))
        return status;
    if (offset + length > fcb->FileSize) {
        FatSetFcbFileSize(fcb, (uint32_t)(offset + length));
        file->Flags |= FO_FILE_SIZE_CHANGED;
        status = FatUpdateDirent(fcb);
    }
    if (NT_SUCCESS(status))
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
