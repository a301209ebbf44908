/*
 * kernel/fs/fastfat/deviosup.c: bytes of a volume to and from the disk. The ATA layer moves
 * whole page frames (8 sectors from any sector), so every transfer goes through the volume's
 * bounce pages: a window of up to FAT_BOUNCE_PAGES pages starting on a multiple of 8 sectors
 * from the volume's start, moved back so that it never reaches past the partition (a write
 * must not touch the partition after it, which may be a paging file). A write that covers
 * only part of a page reads the window first, and writes back only the sectors it changed
 * (a sector belongs to one file or to the metadata; the rest of the page may be a file's that
 * paging I/O writes without the volume's lock). The bounce pages keep the last window read,
 * so the small reads of directories and the FAT that follow one another cost one transfer per
 * window, unless a paging write has ended since it was read (VCB.PagingWrites moved): it is
 * then read again. Callers hold the volume's lock.
 */
#include "kernel/fs/fastfat/fatprocs.h"

/* The window for the bytes [Offset, End): its first sector and its pages. */
static void FatWindow(const VCB *Vcb, uint64_t Offset, uint64_t End, uint32_t *Sector,
                      uint32_t *Pages)
{
    uint32_t first = (uint32_t)(Offset / FAT_SECTOR_SIZE) & ~(FAT_SECTORS_PER_PAGE - 1);
    uint32_t last = (uint32_t)((End + FAT_SECTOR_SIZE - 1) / FAT_SECTOR_SIZE);
    uint32_t pages;

    if (first + FAT_SECTORS_PER_PAGE > Vcb->PartitionSectors)
        first = Vcb->PartitionSectors - FAT_SECTORS_PER_PAGE;
    pages = (last - first + FAT_SECTORS_PER_PAGE - 1) / FAT_SECTORS_PER_PAGE;
    pages = MIN(MAX(pages, 1u), (uint32_t)FAT_BOUNCE_PAGES);
    pages = MIN(pages, (Vcb->PartitionSectors - first) / FAT_SECTORS_PER_PAGE);
    *Sector = first;
    *Pages = pages;
}

static uint64_t FatBounceStart(const VCB *Vcb)
{
    return (uint64_t)Vcb->BounceSector * FAT_SECTOR_SIZE;
}

/* Sectors First .. First + Count - 1 of the bounce window, to or from the disk. */
static NTSTATUS FatTransfer(VCB *Vcb, uint32_t First, uint32_t Count, bool Write)
{
    uint64_t lba = (uint64_t)Vcb->PartitionLba + Vcb->BounceSector + First;
    NTSTATUS status = IoDiskTransferSectors(Vcb->Disk, lba, Count,
                                            &Vcb->BounceFrames[First / FAT_SECTORS_PER_PAGE],
                                            First % FAT_SECTORS_PER_PAGE * FAT_SECTOR_SIZE,
                                            Write);

    if (!NT_SUCCESS(status))
        Vcb->BouncePages = 0;
    return status;
}

/*
 * The window holding Offset into the bounce pages: the cached one if it holds Offset, else a
 * new one for [Offset, End), read from the disk unless Whole says the caller overwrites every
 * byte of it. *Chunk: the bytes of [Offset, End) the window holds.
 */
static NTSTATUS FatLoadWindow(VCB *Vcb, uint64_t Offset, uint64_t End, bool Whole,
                              uint32_t *Chunk)
{
    uint64_t start = FatBounceStart(Vcb), stop = start + (uint64_t)Vcb->BouncePages * PAGE_SIZE;
    uint32_t sector, pages;
    NTSTATUS status = STATUS_SUCCESS;

    if (!Vcb->BouncePages || Offset < start || Offset >= stop ||
        Vcb->BounceGeneration != Vcb->PagingWrites) {
        FatWindow(Vcb, Offset, End, &sector, &pages);
        Vcb->BounceSector = sector;
        Vcb->BouncePages = pages;
        Vcb->BounceGeneration = __atomic_load_n(&Vcb->PagingWrites, __ATOMIC_SEQ_CST);
        start = FatBounceStart(Vcb);
        stop = start + (uint64_t)pages * PAGE_SIZE;
        if (!Whole || Offset > start || End < stop)
            status = FatTransfer(Vcb, 0, pages * FAT_SECTORS_PER_PAGE, false);
    }
    *Chunk = (uint32_t)(MIN(End, stop) - Offset);
    return status;
}

static void FatCheckRange(const VCB *Vcb, uint64_t Offset, uint32_t Length)
{
    if (Offset + Length > (uint64_t)Vcb->PartitionSectors * FAT_SECTOR_SIZE)
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Vcb, (uint32_t)Offset, Length, 1);
}

NTSTATUS FatReadVolume(VCB *Vcb, uint64_t Offset, uint32_t Length, void *Buffer,
                       KPROCESSOR_MODE Mode)
{
    uint64_t end = Offset + Length;
    NTSTATUS status = STATUS_SUCCESS;

    FatCheckRange(Vcb, Offset, Length);
    while (NT_SUCCESS(status) && Offset < end) {
        uint32_t chunk;

        status = FatLoadWindow(Vcb, Offset, end, false, &chunk);
        if (!NT_SUCCESS(status))
            break;
        status = ExReturnToMode(Mode, Buffer, Vcb->Bounce + (Offset - FatBounceStart(Vcb)),
                                chunk, 1);
        Offset += chunk;
        Buffer = (uint8_t *)Buffer + chunk;
    }
    return status;
}

/* Write [Offset, Offset + Length) from Buffer (Mode's), or zeros when Buffer is NULL. */
static NTSTATUS FatWriteOrZero(VCB *Vcb, uint64_t Offset, uint32_t Length, const void *Buffer,
                               KPROCESSOR_MODE Mode)
{
    uint64_t end = Offset + Length;
    NTSTATUS status = STATUS_SUCCESS;

    FatCheckRange(Vcb, Offset, Length);
    while (NT_SUCCESS(status) && Offset < end) {
        uint32_t chunk, within, first, last;

        status = FatLoadWindow(Vcb, Offset, end, true, &chunk);
        if (!NT_SUCCESS(status))
            break;
        within = (uint32_t)(Offset - FatBounceStart(Vcb));
        if (Buffer) {
            status = ExCaptureFromMode(Mode, Vcb->Bounce + within, Buffer, chunk, 1);
            Buffer = (const uint8_t *)Buffer + chunk;
        } else {
            memset(Vcb->Bounce + within, 0, chunk);
        }
        if (!NT_SUCCESS(status)) {
            Vcb->BouncePages = 0;               /* the pages no longer match the disk */
            break;
        }
        first = within / FAT_SECTOR_SIZE;      /* only the sectors it changed: the rest of */
        last = (within + chunk - 1) / FAT_SECTOR_SIZE;  /* the page may be another file's, */
        status = FatTransfer(Vcb, first, last - first + 1, true);   /* paging-written since */
        Offset += chunk;
    }
    return status;
}

NTSTATUS FatWriteVolume(VCB *Vcb, uint64_t Offset, uint32_t Length, const void *Buffer,
                        KPROCESSOR_MODE Mode)
{
    return FatWriteOrZero(Vcb, Offset, Length, Buffer, Mode);
}

NTSTATUS FatZeroVolume(VCB *Vcb, uint64_t Offset, uint32_t Length)
{
    return FatWriteOrZero(Vcb, Offset, Length, NULL, KernelMode);
}

NTSTATUS FatLockUserBuffer(IRP *Irp, LOCK_OPERATION Operation, uint32_t Length,
                           void **SystemBuffer)
{
    NTSTATUS status;

    if (!Irp->MdlAddress) {
        MDL *mdl = MmCreateMdl(NULL, Irp->UserBuffer, Length);

        if (!mdl)
            return STATUS_INSUFFICIENT_RESOURCES;
        status = MmProbeAndLockPages(mdl, Irp->RequestorMode, Operation);
        if (!NT_SUCCESS(status)) {
            ExFreePool(mdl);
            return status;
        }
        Irp->MdlAddress = mdl;
    }
    *SystemBuffer = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    return *SystemBuffer ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
