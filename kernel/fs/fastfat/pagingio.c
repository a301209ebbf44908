/*
 * kernel/fs/fastfat/pagingio.c: paging I/O on a file (IRP_PAGING_IO: Mm's IoPageReadFile and
 * IoSynchronousPageWrite, kernel/io/iopaging.c), NT's way: served without the volume's lock,
 * which an ordinary request holds while it copies to and from its caller's buffer (a copy
 * that may fault on a mapped view of this very file, whose in-page read comes here: with the
 * volume's lock it would wait for itself). What it takes instead is the FCB's
 * PagingIoResource, shared; what it reads under it is the file's size and its MCB, never the
 * FAT, a directory or the bounce pages. The bytes go between the disk and the MDL's frames
 * directly, a run of clusters per transfer (IoDiskTransferSectors: a page may lie in runs of
 * a single 512-byte cluster).
 *
 * NT's rules (fastfat's FatCommonRead / FatCommonWrite with PagingIo):
 *   read    at or past the end of file: STATUS_END_OF_FILE, nothing read (the MDL's bytes are
 *           zeroed here all the same); otherwise the bytes up to the end, whole sectors, of
 *           which those past ValidDataLength are zeroes, not read (what the cache has not
 *           written back yet: its clusters hold old bytes), and the rest of the MDL zeroed.
 *           Information: the file's bytes read.
 *   write   at or past the end of file: nothing written, STATUS_SUCCESS, Information 0;
 *           otherwise trimmed to the end of file rounded up to a page, and to the clusters
 *           allocated: a paging write never extends a file nor changes its size. What it
 *           wrote is valid data from then on (ValidDataLength moves up to its end).
 *   both    Offset, the length and the MDL's byte offset in whole sectors, the length within
 *           the MDL: otherwise STATUS_INVALID_PARAMETER. A directory's size is its clusters'
 *           (its stream file object's paging I/O: the cache's pages of its entries).
 *           A disk that fails gives the transfer's status (STATUS_IO_DEVICE_ERROR ...).
 */
#include "kernel/fs/fastfat/fatprocs.h"

/* 256 KB a transfer at most (Mm's largest in-page cluster: a read-ahead's), and no more than
 * the disk takes at once (256 sectors without LBA48). */
#define FAT_PAGING_MAXIMUM_SECTORS  512

void FatSetFcbFileSize(FCB *Fcb, uint32_t FileSize)
{
    FatAcquireResourceExclusive(&Fcb->PagingIoResource, true);
    Fcb->FileSize = FileSize;
    Fcb->ValidDataLength = MIN(Fcb->ValidDataLength, FileSize);
    FatReleaseResource(&Fcb->PagingIoResource);
}

/* (Paging writes move it with the PagingIoResource shared, so compare and swap.) */
void FatSetValidDataLength(FCB *Fcb, uint32_t Size)
{
    uint32_t old = __atomic_load_n(&Fcb->ValidDataLength, __ATOMIC_SEQ_CST);

    Size = MIN(Size, Fcb->FileSize);
    while (old < Size && !__atomic_compare_exchange_n(&Fcb->ValidDataLength, &old, Size, false,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

/* Bytes [From, To) of the MDL's buffer (from its first byte) zeroed, through its system
 * mapping (made and unmade here when the MDL has none, so the MDL is left as it came). */
static NTSTATUS FatZeroMdl(MDL *Mdl, uint32_t From, uint32_t To)
{
    bool mapped = (Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) != 0;
    uint8_t *va;

    if (From >= To)
        return STATUS_SUCCESS;
    va = mapped ? Mdl->MappedSystemVa
                : MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, NULL, false,
                                               HighPagePriority);
    if (!va)
        return STATUS_INSUFFICIENT_RESOURCES;
    memset(va + From, 0, To - From);
    if (!mapped)
        MmUnmapLockedPages(va, Mdl);
    return STATUS_SUCCESS;
}

/* Sectors [Lba, Lba + Length / 512) to or from the MDL's buffer from Position, in transfers
 * the disk takes. */
static NTSTATUS FatTransferMdl(VCB *Vcb, uint64_t Lba, MDL *Mdl, uint32_t Position,
                               uint32_t Length, bool Write)
{
    uint32_t most = MIN(FAT_PAGING_MAXIMUM_SECTORS, IoDiskMaximumTransferSectors(Vcb->Disk));
    NTSTATUS status = STATUS_SUCCESS;

    for (uint32_t done = 0; done < Length && NT_SUCCESS(status);) {
        uint32_t bytes = MIN(Length - done, most * FAT_SECTOR_SIZE), at = Position + done;

        status = IoDiskTransferSectors(Vcb->Disk, Lba + done / FAT_SECTOR_SIZE,
                                       bytes / FAT_SECTOR_SIZE,
                                       &MmGetMdlPfnArray(Mdl)[at >> PAGE_SHIFT],
                                       at & (PAGE_SIZE - 1), Write);
        done += bytes;
    }
    return status;
}

/* Bytes [Offset, Offset + Length) of the file (whole sectors, within its clusters) to or
 * from the MDL's buffer from its start. The caller holds the PagingIoResource. */
static NTSTATUS FatPagingTransfer(FCB *Fcb, MDL *Mdl, uint32_t Offset, uint32_t Length,
                                  bool Write)
{
    VCB *vcb = Fcb->Vcb;
    uint32_t done = 0;
    NTSTATUS status = STATUS_SUCCESS;

    while (done < Length && NT_SUCCESS(status)) {
        uint32_t at = Offset + done, within = at & (vcb->BytesPerCluster - 1), lcn, run;
        uint64_t bytes, lba;

        if (!FatMcbLookup(&Fcb->Mcb, at >> vcb->ClusterShift, &lcn, &run))
            return STATUS_FILE_CORRUPT_ERROR;   /* (the callers stay within the map) */
        bytes = ((uint64_t)run << vcb->ClusterShift) - within;
        bytes = MIN(bytes, (uint64_t)(Length - done));
        lba = vcb->PartitionLba + FatClusterOffset(vcb, lcn) / FAT_SECTOR_SIZE +
              within / FAT_SECTOR_SIZE;
        status = FatTransferMdl(vcb, lba, Mdl, Mdl->ByteOffset + done, (uint32_t)bytes, Write);
        done += (uint32_t)bytes;
    }
    return status;
}

/*
 * The FAT's stream (allocsup.c): its byte 0 is the active FAT's first, its FatBytes the
 * entries' sectors. A read comes from the active FAT (zeroes past FatBytes, in the section's
 * last page); a write goes to every FAT, so the copies stay equal (to the active one alone
 * when mirroring is off, as FAT32's extended flags ask).
 */
static NTSTATUS FatFatPagingIo(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    bool write = stack->MajorFunction == IRP_MJ_WRITE;
    int64_t offset = stack->Parameters.Read.ByteOffset;
    uint32_t length = stack->Parameters.Read.Length, bytes = Vcb->FatBytes;
    uint32_t count, first = write && Vcb->Mirrored ? 0 : Vcb->ActiveFat;
    uint32_t last = write && Vcb->Mirrored ? Vcb->NumberOfFats : Vcb->ActiveFat + 1;
    MDL *mdl = Irp->MdlAddress;
    NTSTATUS status = STATUS_SUCCESS;

    if (!mdl || length == 0 || length > mdl->ByteCount || offset < 0 ||
        (offset | length | mdl->ByteOffset) % FAT_SECTOR_SIZE)
        return STATUS_INVALID_PARAMETER;
    count = offset >= bytes ? 0 : (uint32_t)MIN((int64_t)length, (int64_t)bytes - offset);
    for (uint32_t fat = first; fat < last && count && NT_SUCCESS(status); fat++)
        status = FatTransferMdl(Vcb, Vcb->PartitionLba + Vcb->FatStart +
                                (uint64_t)fat * Vcb->SectorsPerFat + offset / FAT_SECTOR_SIZE,
                                mdl, mdl->ByteOffset, count, write);
    if (NT_SUCCESS(status) && !write)
        status = FatZeroMdl(mdl, count, length);
    if (NT_SUCCESS(status) && write)
        __atomic_add_fetch(&Vcb->PagingWrites, 1, __ATOMIC_SEQ_CST);
    if (NT_SUCCESS(status))
        Irp->IoStatus.Information = count;
    return status;
}

NTSTATUS FatPagingIo(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    bool write = stack->MajorFunction == IRP_MJ_WRITE;
    FCB *fcb = stack->FileObject ? stack->FileObject->FsContext : NULL;
    int64_t offset = stack->Parameters.Read.ByteOffset;
    uint32_t length = stack->Parameters.Read.Length, size, allocated, count;
    MDL *mdl = Irp->MdlAddress;
    NTSTATUS status;

    Irp->IoStatus.Information = 0;
    if (!fcb)
        return STATUS_INVALID_DEVICE_REQUEST;
    if ((void *)fcb == Vcb)
        return FatFatPagingIo(Vcb, Irp);
    if (!mdl || length == 0 || length > mdl->ByteCount || offset < 0 ||
        offset >= (int64_t)FAT_MAXIMUM_FILE_SIZE || (offset | length | mdl->ByteOffset) %
        FAT_SECTOR_SIZE)
        return STATUS_INVALID_PARAMETER;
    FatAcquireResourceShared(&fcb->PagingIoResource, true);
    size = FatIsDirectory(fcb) ? FatDirectoryBytes(fcb) : fcb->FileSize;
    allocated = (uint32_t)MIN((uint64_t)fcb->AllocationClusters << Vcb->ClusterShift,
                              (uint64_t)FAT_MAXIMUM_FILE_SIZE + 1 - FAT_SECTOR_SIZE);
    if (!write) {
        uint32_t valid = FatIsDirectory(fcb) ? size   /* a directory's clusters are all its */
                         : MIN(size, __atomic_load_n(&fcb->ValidDataLength, __ATOMIC_SEQ_CST));
        uint32_t disk = 0;

        if (offset >= size) {
            status = STATUS_END_OF_FILE;
            count = 0;
        } else {
            count = (uint32_t)MIN((int64_t)length, (int64_t)size - offset);
            disk = offset >= valid ? 0 : (uint32_t)MIN((int64_t)count, (int64_t)valid - offset);
            status = disk ? FatPagingTransfer(fcb, mdl, (uint32_t)offset,
                                              ROUND_UP(disk, FAT_SECTOR_SIZE), false)
                          : STATUS_SUCCESS;
        }
        if (NT_SUCCESS(status) || status == STATUS_END_OF_FILE) {
            NTSTATUS zeroed = FatZeroMdl(mdl, disk, length);

            if (!NT_SUCCESS(zeroed))
                status = zeroed;
        }
    } else {
        uint64_t end = MIN(ROUND_UP((uint64_t)size, PAGE_SIZE), (uint64_t)allocated);

        count = offset >= size ? 0 : (uint32_t)MIN((uint64_t)length, end - offset);
        status = count ? FatPagingTransfer(fcb, mdl, (uint32_t)offset, count, true)
                       : STATUS_SUCCESS;
        if (count)
            __atomic_add_fetch(&Vcb->PagingWrites, 1, __ATOMIC_SEQ_CST);
        if (count && NT_SUCCESS(status))
            FatSetValidDataLength(fcb, (uint32_t)offset + count);
    }
    FatReleaseResource(&fcb->PagingIoResource);
    if (NT_SUCCESS(status))
        Irp->IoStatus.Information = count;
    return status;
}
