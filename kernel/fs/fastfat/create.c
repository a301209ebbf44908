/*
 * kernel/fs/fastfat/create.c: IRP_MJ_CREATE: the path walked from the root (or the related
 * directory) one name at a time, then the last name opened, created, overwritten or
 * superseded as the disposition says, with NT's statuses:
 *
 *   a directory on the way missing, or a file       STATUS_OBJECT_PATH_NOT_FOUND
 *   the last name missing (FILE_OPEN, _OVERWRITE)   STATUS_OBJECT_NAME_NOT_FOUND
 *   the last name there (FILE_CREATE)               STATUS_OBJECT_NAME_COLLISION
 *   a directory where a file is asked for           STATUS_FILE_IS_A_DIRECTORY
 *   a file where a directory is asked for           STATUS_NOT_A_DIRECTORY
 *   a name FAT cannot hold                          STATUS_OBJECT_NAME_INVALID
 *   an open the other opens do not share            STATUS_SHARING_VIOLATION
 *   writing (or overwriting) a running program      STATUS_SHARING_VIOLATION
 *   deleting on close a running program             STATUS_CANNOT_DELETE
 *   a read-only file for writing, or overwritten    STATUS_ACCESS_DENIED
 *   marked for deletion                             STATUS_DELETE_PENDING
 *
 * Information says what was done: FILE_OPENED, FILE_CREATED, FILE_OVERWRITTEN, FILE_SUPERSEDED.
 */
#include "kernel/fs/fastfat/fatprocs.h"
#include "mm/mm.h"

#define FAT_WRITE_ACCESS        (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | \
                                 FILE_DELETE_CHILD | DELETE)
#define FAT_SETTABLE_ATTRIBUTES (FAT_DIRENT_ATTR_READ_ONLY | FAT_DIRENT_ATTR_HIDDEN | \
                                 FAT_DIRENT_ATTR_SYSTEM | FAT_DIRENT_ATTR_ARCHIVE)

typedef struct _FAT_CREATE {
    FILE_OBJECT *File;
    ACCESS_MASK Access;
    uint32_t Options, Disposition, Share;
    uint8_t Attributes;                 /* FileAttributes' FAT bits */
    bool TrailingBackslash;
} FAT_CREATE;

/* The next name of Path from *At: [*Start, *At) after it; false at the end. */
static bool FatNextName(const UNICODE_STRING *Path, uint32_t *At, uint32_t *Start)
{
    uint32_t length = Path->Length / 2;

    if (*At < length && Path->Buffer[*At] == '\\')
        (*At)++;
    *Start = *At;
    while (*At < length && Path->Buffer[*At] != '\\')
        (*At)++;
    return *At > *Start || *At < length;
}

static NTSTATUS FatOpenExisting(FCB *Fcb, const FAT_CREATE *Create, IRP *Irp)
{
    bool directory = FatIsDirectory(Fcb), empty;
    NTSTATUS status;

    if (Create->Disposition == FILE_CREATE)
        return STATUS_OBJECT_NAME_COLLISION;
    if (Fcb->DeletePending)
        return STATUS_DELETE_PENDING;
    if (directory && (Create->Options & FILE_NON_DIRECTORY_FILE))
        return STATUS_FILE_IS_A_DIRECTORY;
    if (directory && Create->Disposition != FILE_OPEN && Create->Disposition != FILE_OPEN_IF)
        return STATUS_OBJECT_NAME_COLLISION;
    if (!directory && ((Create->Options & FILE_DIRECTORY_FILE) || Create->TrailingBackslash))
        return Create->TrailingBackslash ? STATUS_OBJECT_NAME_INVALID : STATUS_NOT_A_DIRECTORY;
    if (Fcb->Attributes & FAT_DIRENT_ATTR_READ_ONLY) {
        if (Create->Options & FILE_DELETE_ON_CLOSE)
            return STATUS_CANNOT_DELETE;
        if ((Create->Access & FAT_WRITE_ACCESS & ~DELETE) ||
            Create->Disposition >= FILE_OVERWRITE || Create->Disposition == FILE_SUPERSEDE)
            return STATUS_ACCESS_DENIED;
    }
    if (Create->Disposition != FILE_OPEN && Create->Disposition != FILE_OPEN_IF &&
        (Fcb->Attributes & (FAT_DIRENT_ATTR_HIDDEN | FAT_DIRENT_ATTR_SYSTEM)) &
        ~Create->Attributes)
        return STATUS_ACCESS_DENIED;        /* NT: an overwrite keeps hidden and system */
    /* NT's FatOpenExistingFile: a file whose image section is in use (a program running from
     * it) is not opened to be written, truncated or deleted (MmFlushImageSection). */
    if (!directory && ((Create->Access & FILE_WRITE_DATA) || Create->Disposition >= FILE_OVERWRITE ||
                       Create->Disposition == FILE_SUPERSEDE) &&
        !MmFlushImageSection(&Fcb->SectionObjectPointers, MmFlushForWrite))
        return STATUS_SHARING_VIOLATION;
    if (!directory && (Create->Options & FILE_DELETE_ON_CLOSE) &&
        !MmFlushImageSection(&Fcb->SectionObjectPointers, MmFlushForDelete))
        return STATUS_CANNOT_DELETE;
    if ((Create->Options & FILE_DELETE_ON_CLOSE) && directory) {
        status = FatIsDirectoryEmpty(Fcb, &empty);
        if (!NT_SUCCESS(status))
            return status;
        if (!empty)
            return STATUS_DIRECTORY_NOT_EMPTY;
    }
    if (Fcb->UncleanCount == 0)
        IoSetShareAccess(Create->Access, Create->Share, Create->File, &Fcb->ShareAccess);
    else if (!NT_SUCCESS(status = IoCheckShareAccess(Create->Access, Create->Share, Create->File,
                                                     &Fcb->ShareAccess, true)))
        return status;
    Irp->IoStatus.Information = FILE_OPENED;
    if (Create->Disposition == FILE_OPEN || Create->Disposition == FILE_OPEN_IF)
        return STATUS_SUCCESS;
    Create->File->SectionObjectPointer = &Fcb->SectionObjectPointers;   /* (for the cache) */
    status = FatSetFileSize(Create->File, Fcb, 0, false);
    if (NT_SUCCESS(status)) {
        if (Create->Disposition == FILE_SUPERSEDE)
            Fcb->Attributes = Create->Attributes | FAT_DIRENT_ATTR_ARCHIVE;
        else
            Fcb->Attributes |= Create->Attributes | FAT_DIRENT_ATTR_ARCHIVE;
        Fcb->LastWriteTime = FatQuerySystemTime();
        status = FatUpdateDirent(Fcb);
    }
    if (!NT_SUCCESS(status)) {
        IoRemoveShareAccess(Create->File, &Fcb->ShareAccess);
        return status;
    }
    Irp->IoStatus.Information = Create->Disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED
                                                                      : FILE_OVERWRITTEN;
    return STATUS_SUCCESS;
}

/* A new file or directory Name in Dcb. */
static NTSTATUS FatCreateNew(FCB *Dcb, const uint16_t *Name, uint32_t Length,
                             const FAT_CREATE *Create, FCB **Fcb, IRP *Irp)
{
    bool directory = (Create->Options & FILE_DIRECTORY_FILE) != 0;
    FAT_DIRENT_CONTEXT *context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                        FAT_BUFFER_TAG);
    int64_t now = FatQuerySystemTime();
    DIRENT dirent;
    FCB *fcb = NULL;
    NTSTATUS status;

    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    memset(&dirent, 0, sizeof(dirent));
    dirent.Attributes = (Create->Attributes & FAT_SETTABLE_ATTRIBUTES) |
                        (directory ? FAT_DIRENT_ATTR_DIRECTORY : FAT_DIRENT_ATTR_ARCHIVE);
    FatNtToTime(now, &dirent.CreationDate, &dirent.CreationTime, &dirent.CreationMSec);
    dirent.LastWriteDate = dirent.LastAccessDate = dirent.CreationDate;
    dirent.LastWriteTime = dirent.CreationTime;
    status = FatCreateDirent(Dcb, Name, Length, &dirent, context);
    if (NT_SUCCESS(status))
        status = FatNewFcb(Dcb, context, &fcb);
    if (NT_SUCCESS(status) && directory) {
        status = FatAddClusters(fcb, 1, true);
        if (NT_SUCCESS(status))
            status = FatInitializeDirectory(Dcb->Vcb, fcb->FirstCluster,
                                            Dcb->ParentDcb ? Dcb->FirstCluster : 0, &dirent);
        if (NT_SUCCESS(status))
            status = FatUpdateDirent(fcb);
        if (!NT_SUCCESS(status)) {
            FatDeleteFile(fcb);
            FatDereferenceFcb(fcb);
        }
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    if (!NT_SUCCESS(status))
        return status;
    IoSetShareAccess(Create->Access, Create->Share, Create->File, &fcb->ShareAccess);
    Irp->IoStatus.Information = FILE_CREATED;
    *Fcb = fcb;
    return STATUS_SUCCESS;
}

/* The last name of the path, in Dcb. */
static NTSTATUS FatOpenLast(FCB *Dcb, const uint16_t *Name, uint32_t Length,
                            const FAT_CREATE *Create, FCB **Fcb, IRP *Irp)
{
    FAT_DIRENT_CONTEXT *context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                        FAT_BUFFER_TAG);
    NTSTATUS status;

    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = FatLocateDirent(Dcb, Name, Length, context);
    if (NT_SUCCESS(status)) {
        status = FatOpenFcb(Dcb, context, Fcb);
        if (NT_SUCCESS(status)) {
            status = FatOpenExisting(*Fcb, Create, Irp);
            if (!NT_SUCCESS(status))
                FatDereferenceFcb(*Fcb);
        }
    } else if (status == STATUS_OBJECT_NAME_NOT_FOUND && Create->Disposition != FILE_OPEN &&
               Create->Disposition != FILE_OVERWRITE) {
        if (Create->TrailingBackslash && !(Create->Options & FILE_DIRECTORY_FILE))
            status = STATUS_OBJECT_NAME_INVALID;
        else if (Dcb->DeletePending)
            status = STATUS_DELETE_PENDING;     /* nothing new in a directory going away */
        else
            status = FatCreateNew(Dcb, Name, Length, Create, Fcb, Irp);
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    return status;
}

/* The directory itself (the root, or the related one with no name after it). */
static NTSTATUS FatOpenDirectoryItself(FCB *Dcb, const FAT_CREATE *Create, IRP *Irp)
{
    if (Create->Options & FILE_NON_DIRECTORY_FILE)
        return STATUS_FILE_IS_A_DIRECTORY;
    if (Create->Disposition != FILE_OPEN && Create->Disposition != FILE_OPEN_IF)
        return Dcb->ParentDcb ? STATUS_OBJECT_NAME_COLLISION : STATUS_ACCESS_DENIED;
    if (!Dcb->ParentDcb && (Create->Options & FILE_DELETE_ON_CLOSE))
        return STATUS_CANNOT_DELETE;
    return FatOpenExisting(Dcb, Create, Irp);
}

/* Walk Path from Start to its last name's directory, then open that name. */
static NTSTATUS FatWalkAndOpen(FCB *Start, const UNICODE_STRING *Path,
                               const FAT_CREATE *Create, FCB **Fcb, IRP *Irp)
{
    FAT_DIRENT_CONTEXT *context = NULL;
    uint32_t at = 0, start, length = Path->Length / 2;
    FCB *dcb = Start, *child;
    NTSTATUS status = STATUS_SUCCESS;

    FatReferenceFcb(dcb);
    if (!FatNextName(Path, &at, &start)) {
        status = FatOpenDirectoryItself(dcb, Create, Irp);
        if (NT_SUCCESS(status))
            *Fcb = dcb;
        else
            FatDereferenceFcb(dcb);
        return status;
    }
    for (;;) {
        const uint16_t *name = Path->Buffer + start;
        uint32_t nameLength = at - start;
        bool last = at >= length || (at + 1 == length && Create->TrailingBackslash);

        if (!FatIsNameValid(name, nameLength)) {
            status = STATUS_OBJECT_NAME_INVALID;
            break;
        }
        if (last) {
            status = FatOpenLast(dcb, name, nameLength, Create, Fcb, Irp);
            break;
        }
        if (!context && !(context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                          FAT_BUFFER_TAG))) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
        status = FatLocateDirent(dcb, name, nameLength, context);
        if (status == STATUS_OBJECT_NAME_NOT_FOUND ||
            (NT_SUCCESS(status) && !(context->Dirent.Attributes & FAT_DIRENT_ATTR_DIRECTORY)))
            status = STATUS_OBJECT_PATH_NOT_FOUND;
        if (NT_SUCCESS(status))
            status = FatOpenFcb(dcb, context, &child);
        if (!NT_SUCCESS(status))
            break;
        FatDereferenceFcb(dcb);
        dcb = child;
        FatNextName(Path, &at, &start);
    }
    if (context)
        ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    FatDereferenceFcb(dcb);
    return status;
}

NTSTATUS FatCommonCreate(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    FILE_OBJECT *file = stack->FileObject;
    const UNICODE_STRING *path = &file->FileName;
    uint32_t length = path->Length / 2;
    FAT_CREATE create = {
        .File = file, .Access = stack->Parameters.Create.DesiredAccess,
        .Options = stack->Parameters.Create.Options & FILE_VALID_OPTION_FLAGS,
        .Disposition = stack->Parameters.Create.Options >> 24,
        .Share = stack->Parameters.Create.ShareAccess,
        .Attributes = (uint8_t)(stack->Parameters.Create.FileAttributes & FAT_SETTABLE_ATTRIBUTES),
    };
    FCB *start = Vcb->RootDcb, *fcb;
    CCB *ccb;
    NTSTATUS status;

    if (file->RelatedFileObject) {
        start = file->RelatedFileObject->FsContext;
        if (!FatIsDirectory(start))
            return STATUS_OBJECT_PATH_NOT_FOUND;
    } else if (length == 0 || path->Buffer[0] != '\\') {
        return STATUS_OBJECT_NAME_INVALID;
    }
    create.TrailingBackslash = length > 1 && path->Buffer[length - 1] == '\\';
    if (create.TrailingBackslash && length >= 2 && path->Buffer[length - 2] == '\\')
        return STATUS_OBJECT_NAME_INVALID;
    ccb = ExAllocatePoolWithTag(PagedPool, sizeof(CCB), FAT_CCB_TAG);
    if (!ccb)
        return STATUS_INSUFFICIENT_RESOURCES;
    memset(ccb, 0, sizeof(*ccb));
    status = FatWalkAndOpen(start, path, &create, &fcb, Irp);
    if (NT_SUCCESS(status))
        status = FatFlushFat(Vcb);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(ccb, FAT_CCB_TAG);
        return status;
    }
    ccb->DeleteOnClose = (create.Options & FILE_DELETE_ON_CLOSE) != 0;
    file->FsContext = fcb;
    file->FsContext2 = ccb;
    file->SectionObjectPointer = &fcb->SectionObjectPointers;
    fcb->UncleanCount++;
    return STATUS_SUCCESS;
}
