/*
 * kernel/fs/fastfat/fileinfo.c: IRP_MJ_QUERY_INFORMATION and IRP_MJ_SET_INFORMATION: times and
 * attributes, sizes (the end of file and the clusters allocated: growing zeroes the new bytes,
 * shrinking frees the clusters past the end), the disposition (deleted at the last cleanup),
 * the file's name from the volume's root, and renames, within a directory or to another one
 * on the volume. FAT has no change time: ChangeTime is the last write time.
 */
#include "kernel/fs/fastfat/fatprocs.h"
#include "mm/mm.h"

static uint32_t FatClustersFor(const VCB *Vcb, uint64_t Bytes)
{
    return (uint32_t)((Bytes + Vcb->BytesPerCluster - 1) >> Vcb->ClusterShift);
}

NTSTATUS FatSetFileSize(FILE_OBJECT *File, FCB *Fcb, uint32_t Size, bool KeepAllocation)
{
    VCB *vcb = Fcb->Vcb;
    uint32_t need = FatClustersFor(vcb, Size), old = Fcb->FileSize;
    bool cached = Fcb->SectionObjectPointers.SharedCacheMap && FatInitializeCacheMap(File, Fcb);
    NTSTATUS status = STATUS_SUCCESS;

    if (Size > old) {
        if (need > Fcb->AllocationClusters)
            status = FatAddClusters(Fcb, need - Fcb->AllocationClusters, false);
        if (NT_SUCCESS(status) && cached) {
            /* The new bytes are zeroes in the cache (a truncation may have left old bytes
             * past the end in the last page), written back with the rest. */
            FatSetFcbFileSize(Fcb, Size);
            CcSetFileSizes(File, Size);
            status = FatCachedIo(File, Fcb, old, Size - old, NULL, KernelMode, FatIoZero);
        } else if (NT_SUCCESS(status)) {
            status = FatFileIo(Fcb, old, Size - old, NULL, KernelMode, FatIoZero);
            FatSetFcbFileSize(Fcb, Size);
            if (NT_SUCCESS(status))
                FatSetValidDataLength(Fcb, Size);
        }
    } else {
        if (!KeepAllocation)
            status = FatTruncateClusters(Fcb, need);
        FatSetFcbFileSize(Fcb, Size);
        CcSetFileSizes(File, Size);             /* the pages past the end thrown away */
    }
    if (!NT_SUCCESS(status))
        return status;
    status = FatUpdateDirent(Fcb);
    return NT_SUCCESS(status) ? FatFlushFat(vcb) : status;
}

NTSTATUS FatDeleteFile(FCB *Fcb)
{
    NTSTATUS status;

    if (FatIsDirectory(Fcb))
        FatReleaseDirectoryStream(Fcb, true);   /* its cached entries thrown away first */
    status = FatFreeChain(Fcb->Vcb, Fcb->FirstCluster);

    if (NT_SUCCESS(status))
        status = FatDeleteDirent(Fcb->ParentDcb, Fcb->LfnOffset, Fcb->DirentOffset);
    FatAcquireResourceExclusive(&Fcb->PagingIoResource, true);
    Fcb->FirstCluster = Fcb->LastCluster = Fcb->AllocationClusters = Fcb->FileSize = 0;
    Fcb->ValidDataLength = 0;
    FatMcbTruncate(&Fcb->Mcb, 0);
    FatReleaseResource(&Fcb->PagingIoResource);
    Fcb->Deleted = true;
    return NT_SUCCESS(status) ? FatFlushFat(Fcb->Vcb) : status;
}

static void FatQueryBasic(const FCB *Fcb, FILE_BASIC_INFORMATION *Basic)
{
    Basic->CreationTime = Fcb->CreationTime;
    Basic->LastAccessTime = Fcb->LastAccessTime;
    Basic->LastWriteTime = Basic->ChangeTime = Fcb->LastWriteTime;
    Basic->FileAttributes = Fcb->Attributes & ~FAT_DIRENT_ATTR_VOLUME_ID;
    if (Basic->FileAttributes == 0)
        Basic->FileAttributes = FILE_ATTRIBUTE_NORMAL;
}

NTSTATUS FatCommonQueryInformation(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    FCB *fcb = stack->FileObject->FsContext;
    void *buffer = Irp->AssociatedIrp.SystemBuffer;
    uint32_t length = stack->Parameters.QueryFile.Length;

    switch (stack->Parameters.QueryFile.FileInformationClass) {
    case FileBasicInformation:
        FatQueryBasic(fcb, buffer);
        Irp->IoStatus.Information = sizeof(FILE_BASIC_INFORMATION);
        return STATUS_SUCCESS;
    case FileStandardInformation: {
        FILE_STANDARD_INFORMATION *standard = buffer;

        standard->AllocationSize = (int64_t)fcb->AllocationClusters << Vcb->ClusterShift;
        standard->EndOfFile = fcb->FileSize;
        standard->NumberOfLinks = 1;
        standard->DeletePending = fcb->DeletePending;
        standard->Directory = FatIsDirectory(fcb);
        Irp->IoStatus.Information = sizeof(*standard);
        return STATUS_SUCCESS;
    }
    case FileNameInformation: {
        FILE_NAME_INFORMATION *name = buffer;
        uint32_t room = (length - offsetof(FILE_NAME_INFORMATION, FileName)) / 2;
        uint32_t characters = FatFullName(fcb, name->FileName, room);

        name->FileNameLength = characters * 2;
        Irp->IoStatus.Information = offsetof(FILE_NAME_INFORMATION, FileName) +
                                    MIN(characters, room) * 2;
        return characters > room ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
    }
    }
    return STATUS_INVALID_INFO_CLASS;
}

static NTSTATUS FatSetBasic(FCB *Fcb, const FILE_BASIC_INFORMATION *Basic)
{
    uint32_t attributes = Basic->FileAttributes;

    if (!Fcb->ParentDcb)
        return STATUS_SUCCESS;                  /* the root has no entry to keep them in */
    if (attributes) {
        if ((attributes & FILE_ATTRIBUTE_DIRECTORY) && !FatIsDirectory(Fcb))
            return STATUS_INVALID_PARAMETER;
        attributes &= FAT_DIRENT_ATTR_READ_ONLY | FAT_DIRENT_ATTR_HIDDEN |
                      FAT_DIRENT_ATTR_SYSTEM | FAT_DIRENT_ATTR_ARCHIVE;
        Fcb->Attributes = (uint8_t)(attributes | (Fcb->Attributes & FAT_DIRENT_ATTR_DIRECTORY));
    }
    if (Basic->CreationTime > 0)
        Fcb->CreationTime = Basic->CreationTime;
    if (Basic->LastAccessTime > 0)
        Fcb->LastAccessTime = Basic->LastAccessTime;
    if (Basic->LastWriteTime > 0)
        Fcb->LastWriteTime = Basic->LastWriteTime;
    return FatUpdateDirent(Fcb);
}

static NTSTATUS FatSetDisposition(FILE_OBJECT *File, FCB *Fcb, bool Delete)
{
    bool empty;
    NTSTATUS status;

    if (Delete) {
        if (!Fcb->ParentDcb || (Fcb->Attributes & FAT_DIRENT_ATTR_READ_ONLY))
            return STATUS_CANNOT_DELETE;
        if (!FatIsDirectory(Fcb) && !MmFlushImageSection(&Fcb->SectionObjectPointers,
                                                         MmFlushForDelete))
            return STATUS_CANNOT_DELETE;        /* a program runs from it (NT's rule) */
        if (FatIsDirectory(Fcb)) {
            status = FatIsDirectoryEmpty(Fcb, &empty);
            if (!NT_SUCCESS(status))
                return status;
            if (!empty)
                return STATUS_DIRECTORY_NOT_EMPTY;
        }
    }
    Fcb->DeletePending = Delete;
    File->DeletePending = Delete;
    return STATUS_SUCCESS;
}

/* The directory Path's last name goes in (walked from the root), and where that name starts. */
static NTSTATUS FatRenameTargetDirectory(VCB *Vcb, const uint16_t *Path, uint32_t Length,
                                         FCB **Dcb, uint32_t *NameStart)
{
    FAT_DIRENT_CONTEXT *context;
    uint32_t start = 1, end;
    FCB *dcb = Vcb->RootDcb, *child;
    NTSTATUS status = STATUS_SUCCESS;

    *NameStart = Length;
    while (*NameStart && Path[*NameStart - 1] != '\\')
        (*NameStart)--;
    context = ExAllocatePoolWithTag(PagedPool, sizeof(*context), FAT_BUFFER_TAG);
    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    FatReferenceFcb(dcb);
    while (start < *NameStart && NT_SUCCESS(status)) {
        for (end = start; Path[end] != '\\'; end++)
            ;
        status = FatLocateDirent(dcb, Path + start, end - start, context);
        if (status == STATUS_OBJECT_NAME_NOT_FOUND ||
            (NT_SUCCESS(status) && !(context->Dirent.Attributes & FAT_DIRENT_ATTR_DIRECTORY)))
            status = STATUS_OBJECT_PATH_NOT_FOUND;
        if (NT_SUCCESS(status))
            status = FatOpenFcb(dcb, context, &child);
        if (NT_SUCCESS(status)) {
            FatDereferenceFcb(dcb);
            dcb = child;
        }
        start = end + 1;
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    if (!NT_SUCCESS(status)) {
        FatDereferenceFcb(dcb);
        return status;
    }
    *Dcb = dcb;
    return STATUS_SUCCESS;
}

/* What already has the new name: refused, the file itself (a change of case), or replaced. */
static NTSTATUS FatClearRenameTarget(FCB *Fcb, FCB *Target, const uint16_t *Name,
                                     uint32_t Length, bool Replace)
{
    FAT_DIRENT_CONTEXT *context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                        FAT_BUFFER_TAG);
    FCB *existing;
    NTSTATUS status;

    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = FatLocateDirent(Target, Name, Length, context);
    if (status == STATUS_OBJECT_NAME_NOT_FOUND) {
        status = STATUS_SUCCESS;
    } else if (NT_SUCCESS(status) && !(Target == Fcb->ParentDcb &&
                                       context->DirentOffset == Fcb->DirentOffset)) {
        if (!Replace)
            status = STATUS_OBJECT_NAME_COLLISION;
        else if (context->Dirent.Attributes &
                 (FAT_DIRENT_ATTR_DIRECTORY | FAT_DIRENT_ATTR_READ_ONLY))
            status = STATUS_ACCESS_DENIED;
        else if (NT_SUCCESS(status = FatOpenFcb(Target, context, &existing))) {
            status = existing->UncleanCount ||
                     !MmFlushImageSection(&existing->SectionObjectPointers, MmFlushForDelete)
                     ? STATUS_ACCESS_DENIED : FatDeleteFile(existing);
            FatDereferenceFcb(existing);
        }
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    return status;
}

/* Whether Dcb is Fcb or lies under it (a directory cannot move into itself). */
static bool FatIsUnder(const FCB *Dcb, const FCB *Fcb)
{
    for (; Dcb; Dcb = Dcb->ParentDcb) {
        if (Dcb == Fcb)
            return true;
    }
    return false;
}

static NTSTATUS FatMoveEntry(FCB *Fcb, FCB *Target, const uint16_t *Name, uint32_t Length)
{
    FAT_DIRENT_CONTEXT *context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                        FAT_BUFFER_TAG);
    FCB *parent = Fcb->ParentDcb;
    DIRENT dirent, dotdot;
    NTSTATUS status;

    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = FatReadDirent(parent, Fcb->DirentOffset, &dirent);
    if (NT_SUCCESS(status))
        status = FatCreateDirent(Target, Name, Length, &dirent, context);
    if (NT_SUCCESS(status))
        status = FatDeleteDirent(parent, Fcb->LfnOffset, Fcb->DirentOffset);
    if (NT_SUCCESS(status) && FatIsDirectory(Fcb) && Target != parent) {
        uint32_t cluster = Target->ParentDcb ? Target->FirstCluster : 0;

        status = FatReadDirent(Fcb, FAT_DIRENT_SIZE, &dotdot);
        dotdot.FirstClusterOfFile = (uint16_t)cluster;
        dotdot.FirstClusterOfFileHi = (uint16_t)(cluster >> 16);
        if (NT_SUCCESS(status))
            status = FatWriteDirent(Fcb, FAT_DIRENT_SIZE, &dotdot);
    }
    if (NT_SUCCESS(status)) {
        FatReferenceFcb(Target);
        Fcb->ParentDcb = Target;
        Fcb->DirentOffset = context->DirentOffset;
        Fcb->LfnOffset = context->LfnOffset;
        memcpy(Fcb->ShortName, context->Dirent.FileName, sizeof(Fcb->ShortName));
        Fcb->NtByte = context->Dirent.NtByte;
        memcpy(Fcb->Name, Name, Length * 2);
        Fcb->NameLength = (uint16_t)Length;
        FatDereferenceFcb(parent);
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    return status;
}

static NTSTATUS FatSetRename(FCB *Fcb, const FILE_RENAME_INFORMATION *Rename, bool Replace)
{
    const uint16_t *path = Rename->FileName;
    uint32_t length = Rename->FileNameLength / 2, start = 0;
    FCB *target = Fcb->ParentDcb;
    NTSTATUS status;

    if (!Fcb->ParentDcb)
        return STATUS_ACCESS_DENIED;
    if (length && path[0] == '\\') {
        status = FatRenameTargetDirectory(Fcb->Vcb, path, length, &target, &start);
        if (!NT_SUCCESS(status))
            return status;
    } else {
        FatReferenceFcb(target);
    }
    status = STATUS_SUCCESS;
    if (!FatIsNameValid(path + start, length - start))
        status = STATUS_OBJECT_NAME_INVALID;
    else if (FatIsDirectory(Fcb) && FatIsUnder(target, Fcb))
        status = STATUS_INVALID_PARAMETER;
    if (NT_SUCCESS(status))
        status = FatClearRenameTarget(Fcb, target, path + start, length - start, Replace);
    if (NT_SUCCESS(status))
        status = FatMoveEntry(Fcb, target, path + start, length - start);
    FatDereferenceFcb(target);
    return NT_SUCCESS(status) ? FatFlushFat(Fcb->Vcb) : status;
}

NTSTATUS FatCommonSetInformation(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    FILE_OBJECT *file = stack->FileObject;
    FCB *fcb = file->FsContext;
    void *buffer = Irp->AssociatedIrp.SystemBuffer;
    NTSTATUS status;
    int64_t size;

    switch (stack->Parameters.SetFile.FileInformationClass) {
    case FileBasicInformation:
        return FatSetBasic(fcb, buffer);
    case FileDispositionInformation:
        return FatSetDisposition(file, fcb, ((FILE_DISPOSITION_INFORMATION *)buffer)->DeleteFile);
    case FileRenameInformation:
        return FatSetRename(fcb, buffer, ((FILE_RENAME_INFORMATION *)buffer)->ReplaceIfExists);
    case FileEndOfFileInformation:
    case FileAllocationInformation:
        size = *(int64_t *)buffer;
        if (FatIsDirectory(fcb))
            return STATUS_INVALID_PARAMETER;
        if (size < 0)
            return STATUS_INVALID_PARAMETER;
        if (size > FAT_MAXIMUM_FILE_SIZE)
            return STATUS_DISK_FULL;
        file->Flags |= FO_FILE_MODIFIED | FO_FILE_SIZE_CHANGED;
        if (stack->Parameters.SetFile.FileInformationClass == FileEndOfFileInformation)
            return FatSetFileSize(file, fcb, (uint32_t)size, false);
        if (size < fcb->FileSize)
            return FatSetFileSize(file, fcb, (uint32_t)size, false);
        if (FatClustersFor(Vcb, (uint64_t)size) > fcb->AllocationClusters) {
            status = FatAddClusters(fcb, FatClustersFor(Vcb, (uint64_t)size) -
                                         fcb->AllocationClusters, false);
            return NT_SUCCESS(status) ? FatUpdateDirent(fcb) : status;
        }
        status = FatTruncateClusters(fcb, FatClustersFor(Vcb, (uint64_t)size));
        return NT_SUCCESS(status) ? FatUpdateDirent(fcb) : status;
    }
    return STATUS_INVALID_INFO_CLASS;
}
