/*
 * kernel/io/iopaging.c: paging I/O on files (NT's IoPageRead and IoSynchronousPageWrite, here
 * by file object; the disk-and-LBA forms for paging files are disk.c's IoPageRead and
 * IoPageWrite). Mm calls them for a file-backed section's in-page read and for the mapped
 * page writer and flushes, with the MDL's frames held (MDL_PAGES_LOCKED, or pages of its
 * own) and none of its own locks (working set, PFN) held, at PASSIVE_LEVEL or APC_LEVEL.
 * An IRP_MJ_READ or IRP_MJ_WRITE marked IRP_PAGING_IO | IRP_NOCACHE |
 * IRP_SYNCHRONOUS_PAGING_IO, carrying the MDL in MdlAddress, goes to the file's file system,
 * which serves it without the locks its ordinary requests hold while they touch callers'
 * buffers (kernel/fs/fastfat/pagingio.c); nothing is completed or freed here: the MDL stays
 * the caller's. Synchronous: the request is over when the call returns, its outcome in
 * *IoStatus and the return value.
 */
#include "kernel/io/io.h"

#define IOP_PAGING_IRP_FLAGS (IRP_PAGING_IO | IRP_NOCACHE | IRP_SYNCHRONOUS_PAGING_IO)

static NTSTATUS IopPagingIo(uint8_t MajorFunction, FILE_OBJECT *File, MDL *Mdl, int64_t Offset,
                            IO_STATUS_BLOCK *IoStatus)
{
    NTSTATUS status;
    IRP irp;

    IoInitializeIrp(&irp, MajorFunction, File, KernelMode);
    irp.Flags = IOP_PAGING_IRP_FLAGS;
    irp.MdlAddress = Mdl;
    irp.UserBuffer = MmGetMdlVirtualAddress(Mdl);
    irp.Stack.Parameters.Read.Length = MmGetMdlByteCount(Mdl);
    irp.Stack.Parameters.Read.ByteOffset = Offset;
    status = IoCallDriver(File->DeviceObject, &irp);
    IoStatus->Status = status;
    IoStatus->Information = NT_SUCCESS(status) ? irp.IoStatus.Information : 0;
    return status;
}

NTSTATUS IoPageReadFile(FILE_OBJECT *File, MDL *Mdl, int64_t Offset, IO_STATUS_BLOCK *IoStatus)
{
    return IopPagingIo(IRP_MJ_READ, File, Mdl, Offset, IoStatus);
}

NTSTATUS IoSynchronousPageWrite(FILE_OBJECT *File, MDL *Mdl, int64_t Offset,
                                IO_STATUS_BLOCK *IoStatus)
{
    return IopPagingIo(IRP_MJ_WRITE, File, Mdl, Offset, IoStatus);
}
