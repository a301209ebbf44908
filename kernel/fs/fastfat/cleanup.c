/*
 * kernel/fs/fastfat/cleanup.c: IRP_MJ_CLEANUP and IRP_MJ_CLOSE. Cleanup comes when an open's
 * last handle is closed: the open gives back its share access, the file's times are written
 * if it was read or written through it, and a file marked for deletion (FILE_DELETE_ON_CLOSE,
 * or the disposition) goes with the last open's cleanup: its clusters freed, its entries
 * marked deleted (and its cached pages thrown away). The open's cache map goes (the file's
 * stays, for the next open: kernel/cc). FSInfo is brought up to date. Close comes when
 * nothing references the file
 * object any more: the open's CCB is freed and its FCB dereferenced.
 */
#include "kernel/fs/fastfat/fatprocs.h"

NTSTATUS FatCommonCleanup(VCB *Vcb, IRP *Irp)
{
    FILE_OBJECT *file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    FCB *fcb = file->FsContext;
    CCB *ccb = file->FsContext2;
    NTSTATUS status = STATUS_SUCCESS;

    if (ccb->DeleteOnClose)
        fcb->DeletePending = true;
    if (fcb->ParentDcb && !fcb->DeletePending &&
        (ccb->Accessed || (file->Flags & FO_FILE_MODIFIED))) {
        int64_t now = FatQuerySystemTime();

        fcb->LastAccessTime = now;
        if (file->Flags & FO_FILE_MODIFIED) {
            fcb->LastWriteTime = now;
            fcb->Attributes |= FAT_DIRENT_ATTR_ARCHIVE;
        }
        status = FatUpdateDirent(fcb);
    }
    IoRemoveShareAccess(file, &fcb->ShareAccess);
    fcb->UncleanCount--;
    if (fcb->UncleanCount == 0 && fcb->DeletePending && !fcb->Deleted) {
        bool empty = true;
        NTSTATUS deleted = FatIsDirectory(fcb) ? FatIsDirectoryEmpty(fcb, &empty) : STATUS_SUCCESS;

        if (NT_SUCCESS(deleted) && empty) {     /* (nothing may be created in it meanwhile) */
            static const int64_t zero = 0;

            deleted = FatDeleteFile(fcb);
            CcUninitializeCacheMap(file, &zero);    /* its pages, dirty or not, thrown away */
        }
        fcb->DeletePending = false;
        if (NT_SUCCESS(status))
            status = deleted;
    }
    CcUninitializeCacheMap(file, NULL);
    if (NT_SUCCESS(status))
        status = FatWriteFsInfo(Vcb);
    return status;
}

NTSTATUS FatCommonClose(VCB *Vcb, IRP *Irp)
{
    FILE_OBJECT *file = IoGetCurrentIrpStackLocation(Irp)->FileObject;

    if (file->FsContext == Vcb) {               /* the FAT's stream (allocsup.c) */
        file->FsContext = NULL;
        file->SectionObjectPointer = NULL;
        KeSetEvent(&Vcb->FatFileClosed);
        return STATUS_SUCCESS;
    }
    FatDereferenceFcb(file->FsContext);
    if (file->FsContext2)                       /* (a directory's stream has no CCB) */
        ExFreePoolWithTag(file->FsContext2, FAT_CCB_TAG);
    file->FsContext = file->FsContext2 = NULL;
    file->SectionObjectPointer = NULL;
    return STATUS_SUCCESS;
}
