/*
 * kernel/fs/fastfat/fsctlpf.c: IRP_MJ_FILE_SYSTEM_CONTROL, whose one request is mm386's
 * FSCTL_QUERY_PAGING_FILE_RUNS (kernel/io/io.h): the disk sectors under an open file, runs
 * of clusters lying one after another merged, in the order of the file's bytes. What NT's
 * FAT keeps in the file's MCB and answers paging I/O from, handed to Mm once: the paging
 * file's I/O then never comes back through the file system, so it cannot wait on the volume's
 * lock or read the FAT while memory is short. Only a kernel-mode request is served.
 */
#include "kernel/fs/fastfat/fatprocs.h"

/* The runs of Fcb's clusters into Runs (room for Maximum); STATUS_BUFFER_OVERFLOW past it. */
static NTSTATUS FatQueryRuns(VCB *Vcb, FCB *Fcb, IO_PAGING_FILE_RUNS *Runs, uint32_t Maximum)
{
    uint32_t vcn = 0, lcn, run;
    NTSTATUS status;

    Runs->Disk = Vcb->Disk;      /* (from the MCB: FatLookupVcn reads no FAT) */
    Runs->RunCount = 0;
    while (vcn < Fcb->AllocationClusters) {
        IO_SECTOR_RUN *last = Runs->RunCount ? &Runs->Runs[Runs->RunCount - 1] : NULL;
        uint64_t lba;

        status = FatLookupVcn(Fcb, vcn, &lcn, &run);
        if (!NT_SUCCESS(status))
            return status;
        lba = Vcb->PartitionLba + FatClusterOffset(Vcb, lcn) / FAT_SECTOR_SIZE;
        if (last && last->Lba + last->Sectors == lba) {
            last->Sectors += run * Vcb->SectorsPerCluster;
        } else {
            if (Runs->RunCount == Maximum)
                return STATUS_BUFFER_OVERFLOW;
            Runs->Runs[Runs->RunCount++] = (IO_SECTOR_RUN){ lba, run * Vcb->SectorsPerCluster };
        }
        vcn += run;
    }
    return STATUS_SUCCESS;
}

NTSTATUS FatCommonFileSystemControl(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    uint32_t length = stack->Parameters.FileSystemControl.OutputBufferLength;
    FCB *fcb = stack->FileObject ? stack->FileObject->FsContext : NULL;
    NTSTATUS status;

    if (stack->MinorFunction != IRP_MN_USER_FS_REQUEST ||
        stack->Parameters.FileSystemControl.FsControlCode != FSCTL_QUERY_PAGING_FILE_RUNS)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (Irp->RequestorMode != KernelMode)
        return STATUS_ACCESS_DENIED;
    if (!fcb || FatIsDirectory(fcb))
        return STATUS_INVALID_PARAMETER;
    if (length < sizeof(IO_PAGING_FILE_RUNS))
        return STATUS_BUFFER_TOO_SMALL;
    status = FatQueryRuns(Vcb, fcb, Irp->AssociatedIrp.SystemBuffer,
                          (length - sizeof(IO_PAGING_FILE_RUNS)) / sizeof(IO_SECTOR_RUN));
    if (NT_SUCCESS(status))
        Irp->IoStatus.Information = sizeof(IO_PAGING_FILE_RUNS) +
            ((IO_PAGING_FILE_RUNS *)Irp->AssociatedIrp.SystemBuffer)->RunCount *
            sizeof(IO_SECTOR_RUN);
    return status;
}
