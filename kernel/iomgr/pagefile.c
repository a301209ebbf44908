/*
 * kernel/iomgr/pagefile.c: the file side of a paging file on a volume (IoOpenPagingFile,
 * iomgr.h). NT's NtCreatePagingFile opens C:\pagefile.sys through Io with no sharing, sets its
 * size, and from then on sends paging reads and writes to the file system, which maps them
 * through the file's runs kept in memory. mm386's Mm moves its pages with the disk driver
 * itself, so the runs are asked for once here and handed to Mm (MmCreatePagingFiles): paging
 * I/O never comes back through the file system, which therefore cannot block it.
 */
#include "kernel/iomgr/iop.h"

#define IOP_PAGING_FILE_ATTRIBUTES  (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM)
#define IOP_PAGING_FILE_OPTIONS     (FILE_NON_DIRECTORY_FILE | FILE_NO_INTERMEDIATE_BUFFERING)
#define IOP_PAGING_FILE_MAXIMUM     0xFFFFF000ull   /* FAT's largest file, in whole pages */

/* \??\ then DosName with its slashes made backslashes, into Name; false if too long. */
static bool IopPagingFileName(const char *DosName, uint32_t NameLength, uint16_t *Name,
                              uint32_t *Length)
{
    static const char prefix[] = "\\??\\";
    uint32_t at = 0;

    if (NameLength + sizeof(prefix) > IOP_MAXIMUM_PATH)
        return false;
    for (uint32_t c = 0; prefix[c]; c++)
        Name[at++] = (uint16_t)prefix[c];
    for (uint32_t c = 0; c < NameLength; c++)
        Name[at++] = DosName[c] == '/' ? '\\' : (uint16_t)(uint8_t)DosName[c];
    *Length = at;
    return true;
}

/* Allocation and end of file both SizeInBytes: the clusters taken (zeroed, as FAT extends). */
static NTSTATUS IopSetPagingFileSize(FILE_OBJECT *File, uint64_t SizeInBytes)
{
    FILE_END_OF_FILE_INFORMATION endOfFile = { (int64_t)SizeInBytes };
    IO_STATUS_BLOCK iosb;

    return IopSetInformation(File, &endOfFile, sizeof(endOfFile), FileEndOfFileInformation,
                             &iosb);
}

static NTSTATUS IopQueryPagingFileRuns(FILE_OBJECT *File, IO_PAGING_FILE_RUNS **Runs)
{
    uint32_t length = sizeof(IO_PAGING_FILE_RUNS) +
                      IO_MAXIMUM_PAGING_FILE_RUNS * sizeof(IO_SECTOR_RUN);
    IO_PAGING_FILE_RUNS *runs = ExAllocatePoolWithTag(NonPagedPool, length,
                                                      IO_PAGING_FILE_RUNS_TAG);
    NTSTATUS status;
    IRP irp;

    if (!runs)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoInitializeIrp(&irp, IRP_MJ_FILE_SYSTEM_CONTROL, File, KernelMode);
    irp.Stack.MinorFunction = IRP_MN_USER_FS_REQUEST;
    irp.Stack.Parameters.FileSystemControl.FsControlCode = FSCTL_QUERY_PAGING_FILE_RUNS;
    irp.Stack.Parameters.FileSystemControl.OutputBufferLength = length;
    irp.AssociatedIrp.SystemBuffer = runs;
    status = IoCallDriver(File->DeviceObject, &irp);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(runs, IO_PAGING_FILE_RUNS_TAG);
        return status;
    }
    *Runs = runs;
    return STATUS_SUCCESS;
}

NTSTATUS IoOpenPagingFile(const char *DosName, uint32_t NameLength, uint64_t SizeInBytes,
                          FILE_OBJECT **FileObject, IO_PAGING_FILE_RUNS **Runs)
{
    IO_STATUS_BLOCK iosb;
    FILE_OBJECT *file;
    uint16_t *name;
    uint32_t length;
    NTSTATUS status;

    if (SizeInBytes > IOP_PAGING_FILE_MAXIMUM)
        return STATUS_DISK_FULL;
    name = ExAllocatePoolWithTag(PagedPool, IOP_MAXIMUM_PATH * 2, IOP_FILE_NAME_TAG);
    if (!name)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = IopPagingFileName(DosName, NameLength, name, &length) ? STATUS_SUCCESS
                                                                    : STATUS_OBJECT_NAME_INVALID;
    if (NT_SUCCESS(status))
        status = IopCreateFileObject(FILE_ALL_ACCESS, NULL, OBJ_CASE_INSENSITIVE, name, length,
                                     IOP_PAGING_FILE_ATTRIBUTES, 0,
                                     SizeInBytes ? FILE_OPEN_IF : FILE_OPEN,
                                     IOP_PAGING_FILE_OPTIONS, &file, &iosb);
    ExFreePoolWithTag(name, IOP_FILE_NAME_TAG);
    if (!NT_SUCCESS(status))
        return status;
    if (SizeInBytes)
        status = IopSetPagingFileSize(file, SizeInBytes);
    if (NT_SUCCESS(status))
        status = IopQueryPagingFileRuns(file, Runs);
    if (!NT_SUCCESS(status)) {
        IoClosePagingFile(file);
        return status;
    }
    *FileObject = file;
    return STATUS_SUCCESS;
}

void IoClosePagingFile(FILE_OBJECT *FileObject)
{
    IopCleanupFile(FileObject);
    ObDereferenceObject(FileObject);
}
