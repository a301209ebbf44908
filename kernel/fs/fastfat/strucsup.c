/*
 * kernel/fs/fastfat/strucsup.c: FCBs. One FCB per file or directory open anywhere, found again
 * by its parent and the offset of its entry there, so that every open of a file shares its
 * size, its share access and its pending deletion. An FCB references its parent; the last
 * dereference frees it and lets go of the parent. The root's FCB lives as long as the volume.
 */
#include "kernel/fs/fastfat/fatprocs.h"

static uint32_t FatDirentFirstCluster(const DIRENT *Dirent)
{
    return (uint32_t)Dirent->FirstClusterOfFileHi << 16 | Dirent->FirstClusterOfFile;
}

void FatDirentToFcb(FCB *Fcb, const DIRENT *Dirent)
{
    Fcb->Attributes = Dirent->Attributes;
    Fcb->FirstCluster = FatDirentFirstCluster(Dirent);
    Fcb->FileSize = (Dirent->Attributes & FAT_DIRENT_ATTR_DIRECTORY) ? 0 : Dirent->FileSize;
    Fcb->ValidDataLength = Fcb->FileSize;
    memcpy(Fcb->ShortName, Dirent->FileName, sizeof(Fcb->ShortName));
    Fcb->NtByte = Dirent->NtByte;
    Fcb->CreationTime = FatTimeToNt(Dirent->CreationDate, Dirent->CreationTime,
                                    Dirent->CreationMSec);
    Fcb->LastWriteTime = FatTimeToNt(Dirent->LastWriteDate, Dirent->LastWriteTime, 0);
    Fcb->LastAccessTime = FatTimeToNt(Dirent->LastAccessDate, 0, 0);
}

void FatFcbToDirent(const FCB *Fcb, DIRENT *Dirent)
{
    uint16_t unused;

    Dirent->Attributes = Fcb->Attributes;
    Dirent->FirstClusterOfFile = (uint16_t)Fcb->FirstCluster;
    Dirent->FirstClusterOfFileHi = (uint16_t)(Fcb->FirstCluster >> 16);
    Dirent->FileSize = FatIsDirectory(Fcb) ? 0 : Fcb->FileSize;
    FatNtToTime(Fcb->CreationTime, &Dirent->CreationDate, &Dirent->CreationTime,
                &Dirent->CreationMSec);
    FatNtToTime(Fcb->LastWriteTime, &Dirent->LastWriteDate, &Dirent->LastWriteTime, NULL);
    FatNtToTime(Fcb->LastAccessTime, &Dirent->LastAccessDate, &unused, NULL);
}

/* The chain of a new FCB checked against what its entry says. */
static NTSTATUS FatCheckFcb(FCB *Fcb)
{
    VCB *vcb = Fcb->Vcb;
    NTSTATUS status = FatCheckChain(vcb, Fcb->FirstCluster, &Fcb->AllocationClusters,
                                    &Fcb->LastCluster, &Fcb->Mcb);

    if (!NT_SUCCESS(status))
        return status;
    if (FatIsDirectory(Fcb) && Fcb->AllocationClusters == 0)
        return STATUS_FILE_CORRUPT_ERROR;
    if ((uint64_t)Fcb->FileSize > ((uint64_t)Fcb->AllocationClusters << vcb->ClusterShift))
        return STATUS_FILE_CORRUPT_ERROR;       /* its size runs past its clusters */
    return STATUS_SUCCESS;
}

static FCB *FatAllocateFcb(VCB *Vcb)
{
    FCB *fcb = ExAllocatePoolWithTag(NonPagedPool, sizeof(FCB), FAT_FCB_TAG);

    if (fcb) {
        memset(fcb, 0, sizeof(*fcb));
        fcb->Vcb = Vcb;
        fcb->ReferenceCount = 1;
        FatInitializeMcb(&fcb->Mcb);
        FatInitializeResource(&fcb->PagingIoResource);
    }
    return fcb;
}

static void FatFreeFcb(FCB *Fcb)
{
    FatUninitializeMcb(&Fcb->Mcb);
    ExFreePoolWithTag(Fcb, FAT_FCB_TAG);
}

NTSTATUS FatOpenFcb(FCB *ParentDcb, const FAT_DIRENT_CONTEXT *Context, FCB **Fcb)
{
    VCB *vcb = ParentDcb->Vcb;
    FCB *fcb;
    NTSTATUS status;

    for (LIST_ENTRY *e = vcb->FcbList.Flink; e != &vcb->FcbList; e = e->Flink) {
        fcb = CONTAINING_RECORD(e, FCB, VcbLinks);
        if (fcb->ParentDcb == ParentDcb && fcb->DirentOffset == Context->DirentOffset &&
            !fcb->Deleted) {
            fcb->ReferenceCount++;
            *Fcb = fcb;
            return STATUS_SUCCESS;
        }
    }
    fcb = FatAllocateFcb(vcb);
    if (!fcb)
        return STATUS_INSUFFICIENT_RESOURCES;
    FatDirentToFcb(fcb, &Context->Dirent);
    fcb->DirentOffset = Context->DirentOffset;
    fcb->LfnOffset = Context->LfnOffset;
    fcb->NameLength = Context->NameLength;
    memcpy(fcb->Name, Context->Name, Context->NameLength * 2);
    status = FatCheckFcb(fcb);
    if (!NT_SUCCESS(status)) {
        FatFreeFcb(fcb);
        return status;
    }
    fcb->ParentDcb = ParentDcb;
    ParentDcb->ReferenceCount++;
    InsertTailList(&vcb->FcbList, &fcb->VcbLinks);
    *Fcb = fcb;
    return STATUS_SUCCESS;
}

/* An FCB for an entry just made (no clusters yet, nothing to check). */
NTSTATUS FatNewFcb(FCB *ParentDcb, const FAT_DIRENT_CONTEXT *Context, FCB **Fcb)
{
    FCB *fcb = FatAllocateFcb(ParentDcb->Vcb);

    if (!fcb)
        return STATUS_INSUFFICIENT_RESOURCES;
    FatDirentToFcb(fcb, &Context->Dirent);
    fcb->DirentOffset = Context->DirentOffset;
    fcb->LfnOffset = Context->LfnOffset;
    fcb->NameLength = Context->NameLength;
    memcpy(fcb->Name, Context->Name, Context->NameLength * 2);
    fcb->ParentDcb = ParentDcb;
    ParentDcb->ReferenceCount++;
    InsertTailList(&ParentDcb->Vcb->FcbList, &fcb->VcbLinks);
    *Fcb = fcb;
    return STATUS_SUCCESS;
}

NTSTATUS FatCreateRootDcb(VCB *Vcb)
{
    FCB *root = FatAllocateFcb(Vcb);
    NTSTATUS status;

    if (!root)
        return STATUS_INSUFFICIENT_RESOURCES;
    root->Attributes = FAT_DIRENT_ATTR_DIRECTORY;
    root->FirstCluster = Vcb->RootCluster;
    status = FatCheckFcb(root);
    if (!NT_SUCCESS(status)) {
        FatFreeFcb(root);
        return STATUS_DISK_CORRUPT_ERROR;
    }
    InsertTailList(&Vcb->FcbList, &root->VcbLinks);
    Vcb->RootDcb = root;
    return STATUS_SUCCESS;
}

void FatReferenceFcb(FCB *Fcb)
{
    Fcb->ReferenceCount++;
}

void FatDereferenceFcb(FCB *Fcb)
{
    while (Fcb) {
        FCB *parent = Fcb->ParentDcb;

        /* A directory no longer open (the caller's reference and its stream's are the last):
         * its stream goes, and with it, now or once the cache lets go, that reference. */
        if (Fcb->ReferenceCount == 2 && Fcb->DirectoryFile && parent)
            FatReleaseDirectoryStream(Fcb, false);
        if (--Fcb->ReferenceCount != 0)
            return;

        if (!parent)
            KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Fcb, 0, 0, 4);   /* the root's last */
        RemoveEntryList(&Fcb->VcbLinks);
        FatFreeFcb(Fcb);
        Fcb = parent;
    }
}

uint32_t FatFullName(const FCB *Fcb, uint16_t *Buffer, uint32_t MaximumCharacters)
{
    uint32_t length = 0, at;

    for (const FCB *f = Fcb; f->ParentDcb; f = f->ParentDcb)
        length += 1 + f->NameLength;
    if (length == 0) {
        if (MaximumCharacters)
            Buffer[0] = '\\';
        return 1;
    }
    at = length;
    for (const FCB *f = Fcb; f->ParentDcb; f = f->ParentDcb) {
        at -= f->NameLength;
        for (uint32_t i = 0; i < f->NameLength; i++) {
            if (at + i < MaximumCharacters)
                Buffer[at + i] = f->Name[i];
        }
        if (--at < MaximumCharacters)
            Buffer[at] = '\\';
    }
    return length;
}
