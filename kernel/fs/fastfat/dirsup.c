/*
 * kernel/fs/fastfat/dirsup.c: directories: a directory is a file of 32-byte entries (at most
 * 65536 of them), read through its cluster chain. A scan walks the entries, gathering the
 * long-name entries before each short one and keeping the long name only when its parts come
 * in order and carry the short name's checksum (otherwise the short name stands, as Windows
 * does with orphaned LFN entries); deleted entries and the volume label are skipped, and an
 * entry whose name starts with 0 ends the directory. New entries go into the first run of
 * free entries long enough, the directory growing by a zeroed cluster when there is none.
 *
 * The entries are read and written through the cache (NT's FAT pins its directories' entries
 * through a stream file object per directory): CcMapData to read one, CcPinRead and
 * CcSetDirtyPinnedData to change one, the lazy writer (or a flush, or shutdown) writing the
 * directory's dirty pages. A directory that cannot be cached is read and written through the
 * volume's bounce window.
 */
#include "kernel/fs/fastfat/fatprocs.h"

#define FAT_MAXIMUM_TAIL    999999      /* ~1 .. ~999999 */

uint32_t FatDirectoryBytes(const FCB *Dcb)
{
    uint64_t bytes = (uint64_t)Dcb->AllocationClusters << Dcb->Vcb->ClusterShift;

    return (uint32_t)MIN(bytes, (uint64_t)FAT_MAXIMUM_DIRECTORY_BYTES);
}

static NTSTATUS FatDirentLocation(FCB *Dcb, uint32_t Offset, uint64_t *VolumeOffset)
{
    VCB *vcb = Dcb->Vcb;
    uint32_t lcn;
    NTSTATUS status = FatLookupVcn(Dcb, Offset >> vcb->ClusterShift, &lcn, NULL);

    if (NT_SUCCESS(status))
        *VolumeOffset = FatClusterOffset(vcb, lcn) + (Offset & (vcb->BytesPerCluster - 1));
    return status;
}

/*
 * The directory's stream file object, cached (NT's FatOpenDirectoryFile): made at the first
 * use of its entries. It holds a reference on the DCB, which its close gives back. NULL when
 * it cannot be had: the entries then go through the volume's bounce window, as before.
 */
static FILE_OBJECT *FatDirectoryStream(FCB *Dcb)
{
    FILE_OBJECT *stream;

    if (Dcb->DirectoryFile)
        return Dcb->DirectoryFile;
    if (!NT_SUCCESS(IoCreateStreamFileObject(&Dcb->Vcb->VolumeDevice, &stream)))
        return NULL;
    stream->FsContext = Dcb;
    stream->SectionObjectPointer = &Dcb->SectionObjectPointers;
    FatReferenceFcb(Dcb);
    if (!NT_SUCCESS(CcInitializeCacheMap(stream, FatDirectoryBytes(Dcb), PAGE_SIZE))) {
        ObDereferenceObject(stream);            /* its close gives the DCB's reference back */
        return NULL;
    }
    Dcb->DirectoryFile = stream;
    return stream;
}

/* The directory grew (a cluster added): its stream's cache follows. */
void FatDirectorySizeChanged(FCB *Dcb)
{
    if (Dcb->DirectoryFile)
        CcSetFileSizes(Dcb->DirectoryFile, FatDirectoryBytes(Dcb));
}

/*
 * The stream goes: the cache map's open with it (the map itself stays, closed, with the pages,
 * until the lazy writer deletes it and lets go of the stream, whose close then gives back the
 * DCB's reference); a deleted directory's pages are thrown away.
 */
void FatReleaseDirectoryStream(FCB *Dcb, bool Deleted)
{
    static const int64_t zero = 0;
    FILE_OBJECT *stream = Dcb->DirectoryFile;

    if (!stream)
        return;
    Dcb->DirectoryFile = NULL;
    CcUninitializeCacheMap(stream, Deleted ? &zero : NULL);
    ObDereferenceObject(stream);
}

NTSTATUS FatReadDirent(FCB *Dcb, uint32_t Offset, DIRENT *Dirent)
{
    FILE_OBJECT *stream = FatDirectoryStream(Dcb);
    uint64_t at;
    NTSTATUS status;

    if (stream && Offset + sizeof(*Dirent) <= (uint64_t)CcGetSectionSize(stream)) {
        BCB *bcb;
        void *entry;

        status = CcMapData(stream, Offset, sizeof(*Dirent), &bcb, &entry);
        if (NT_SUCCESS(status)) {
            status = KeCopyMemorySafe(Dirent, entry, sizeof(*Dirent));
            CcUnpinData(bcb);
        }
        return status;
    }
    status = FatDirentLocation(Dcb, Offset, &at);
    return NT_SUCCESS(status) ? FatReadVolume(Dcb->Vcb, at, sizeof(*Dirent), Dirent, KernelMode)
                              : status;
}

/* An entry written: into the cache, pinned and set dirty (the lazy writer, a flush of the
 * file or the volume's shutdown writes it), or to the disk when the directory is not cached. */
NTSTATUS FatWriteDirent(FCB *Dcb, uint32_t Offset, const DIRENT *Dirent)
{
    FILE_OBJECT *stream = FatDirectoryStream(Dcb);
    NTSTATUS status = FatMarkVolume(Dcb->Vcb, true);
    uint64_t at;

    if (!NT_SUCCESS(status))
        return status;
    if (stream && Offset + sizeof(*Dirent) <= (uint64_t)CcGetSectionSize(stream)) {
        BCB *bcb;
        void *entry;

        status = CcPinRead(stream, Offset, sizeof(*Dirent), &bcb, &entry);
        if (NT_SUCCESS(status)) {
            status = KeCopyMemorySafe(entry, Dirent, sizeof(*Dirent));
            CcSetDirtyPinnedData(bcb);
            CcUnpinData(bcb);
        }
        return status;
    }
    status = FatDirentLocation(Dcb, Offset, &at);
    return NT_SUCCESS(status) ? FatWriteVolume(Dcb->Vcb, at, sizeof(*Dirent), Dirent, KernelMode)
                              : status;
}

/* The long-name parts gathered so far. */
typedef struct _FAT_LFN_STATE {
    uint32_t Expected;                  /* the ordinal the next part must have; 0: none */
    uint32_t Parts;
    uint8_t Checksum;
    uint32_t Start;                     /* offset of its first entry */
    uint16_t Name[FAT_LFN_MAXIMUM_ENTRIES * FAT_LFN_CHARACTERS];
} FAT_LFN_STATE;

static void FatGatherLfn(FAT_LFN_STATE *Lfn, const LFN_DIRENT *Entry, uint32_t Offset)
{
    uint32_t ordinal = Entry->Ordinal & FAT_LFN_ORDINAL_MASK;
    uint16_t *at;

    if (Entry->Ordinal & FAT_LFN_LAST_ENTRY) {
        if (ordinal == 0 || ordinal > FAT_LFN_MAXIMUM_ENTRIES) {
            Lfn->Expected = 0;
            return;
        }
        Lfn->Parts = ordinal;
        Lfn->Checksum = Entry->Checksum;
        Lfn->Start = Offset;
    } else if (!Lfn->Expected || ordinal != Lfn->Expected || Entry->Checksum != Lfn->Checksum) {
        Lfn->Expected = 0;
        return;
    }
    Lfn->Expected = ordinal - 1;
    at = Lfn->Name + (ordinal - 1) * FAT_LFN_CHARACTERS;
    memcpy(at, Entry->Name1, sizeof(Entry->Name1));
    memcpy(at + 5, Entry->Name2, sizeof(Entry->Name2));
    memcpy(at + 11, Entry->Name3, sizeof(Entry->Name3));
    if (Lfn->Expected == 0)
        Lfn->Expected = UINT32_MAX;     /* complete: the short entry must follow */
}

/* The long name gathered for Dirent, if it is whole and belongs to it. */
static void FatFillNames(const FAT_LFN_STATE *Lfn, FAT_DIRENT_CONTEXT *Context)
{
    uint32_t length = 0, limit;

    Context->ShortNameLength = (uint16_t)FatShortNameToUnicode(Context->Dirent.FileName,
                                                               Context->Dirent.NtByte,
                                                               Context->ShortName);
    Context->LfnOffset = Context->DirentOffset;
    if (Lfn->Expected == UINT32_MAX &&
        Lfn->Checksum == FatShortNameChecksum(Context->Dirent.FileName)) {
        limit = Lfn->Parts * FAT_LFN_CHARACTERS;
        while (length < limit && length < FAT_MAXIMUM_NAME && Lfn->Name[length] != 0 &&
               Lfn->Name[length] != 0xFFFF)
            length++;
    }
    if (length) {
        memcpy(Context->Name, Lfn->Name, length * 2);
        Context->NameLength = (uint16_t)length;
        Context->LfnOffset = Lfn->Start;
    } else {
        memcpy(Context->Name, Context->ShortName, Context->ShortNameLength * 2);
        Context->NameLength = Context->ShortNameLength;
    }
}

NTSTATUS FatNextDirent(FCB *Dcb, uint32_t *Offset, FAT_DIRENT_CONTEXT *Context)
{
    uint32_t end = FatDirectoryBytes(Dcb);
    FAT_LFN_STATE *lfn = ExAllocatePoolWithTag(PagedPool, sizeof(*lfn), FAT_BUFFER_TAG);
    NTSTATUS status = STATUS_NO_MORE_FILES;
    DIRENT dirent;

    if (!lfn)
        return STATUS_INSUFFICIENT_RESOURCES;
    lfn->Expected = 0;
    while (*Offset < end) {
        uint32_t offset = *Offset;

        status = FatReadDirent(Dcb, offset, &dirent);
        if (!NT_SUCCESS(status))
            break;
        if (dirent.FileName[0] == FAT_DIRENT_NEVER_USED) {
            status = STATUS_NO_MORE_FILES;
            break;                              /* *Offset stays: the end, every time */
        }
        *Offset += FAT_DIRENT_SIZE;
        if (dirent.FileName[0] == FAT_DIRENT_DELETED) {
            lfn->Expected = 0;
        } else if ((dirent.Attributes & FAT_DIRENT_ATTR_LFN_MASK) == FAT_DIRENT_ATTR_LFN) {
            LFN_DIRENT part;

            memcpy(&part, &dirent, sizeof(part));
            FatGatherLfn(lfn, &part, offset);
        } else if (dirent.Attributes & FAT_DIRENT_ATTR_VOLUME_ID) {
            lfn->Expected = 0;
        } else {
            Context->Dirent = dirent;
            Context->DirentOffset = offset;
            FatFillNames(lfn, Context);
            status = STATUS_SUCCESS;
            break;
        }
        status = STATUS_NO_MORE_FILES;
    }
    ExFreePoolWithTag(lfn, FAT_BUFFER_TAG);
    return status;
}

static bool FatIsDotEntry(const DIRENT *Dirent)
{
    return Dirent->FileName[0] == '.';
}

NTSTATUS FatLocateDirent(FCB *Dcb, const uint16_t *Name, uint32_t Length,
                         FAT_DIRENT_CONTEXT *Context)
{
    uint32_t offset = 0;
    NTSTATUS status;

    while (NT_SUCCESS(status = FatNextDirent(Dcb, &offset, Context))) {
        if (FatIsDotEntry(&Context->Dirent))
            continue;
        if (FatNamesEqual(Name, Length, Context->Name, Context->NameLength) ||
            FatNamesEqual(Name, Length, Context->ShortName, Context->ShortNameLength))
            return STATUS_SUCCESS;
    }
    return status == STATUS_NO_MORE_FILES ? STATUS_OBJECT_NAME_NOT_FOUND : status;
}

/* Whether an entry of Dcb has ShortName (any case stored the same: short names are upper). */
static NTSTATUS FatShortNameExists(FCB *Dcb, const uint8_t ShortName[11], bool *Exists)
{
    FAT_DIRENT_CONTEXT *context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                        FAT_BUFFER_TAG);
    uint32_t offset = 0;
    NTSTATUS status;

    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    *Exists = false;
    while (NT_SUCCESS(status = FatNextDirent(Dcb, &offset, context))) {
        if (memcmp(context->Dirent.FileName, ShortName, 11) == 0) {
            *Exists = true;
            break;
        }
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    return status == STATUS_NO_MORE_FILES || *Exists ? STATUS_SUCCESS : status;
}

/* The short name for Name in Dcb, and whether long-name entries must carry Name. */
static NTSTATUS FatChooseShortName(FCB *Dcb, const uint16_t *Name, uint32_t Length,
                                   uint8_t ShortName[11], uint8_t *NtByte, bool *NeedLfn)
{
    bool exists = true;
    NTSTATUS status = STATUS_SUCCESS;

    *NeedLfn = !FatFitsShortName(Name, Length, ShortName, NtByte);
    if (!*NeedLfn)
        return STATUS_SUCCESS;
    *NtByte = 0;
    FatShortNameBase(Name, Length, ShortName);
    for (uint32_t n = 1; exists && n <= FAT_MAXIMUM_TAIL && NT_SUCCESS(status); n++) {
        FatShortNameSetTail(ShortName, n);
        status = FatShortNameExists(Dcb, ShortName, &exists);
    }
    return exists && NT_SUCCESS(status) ? STATUS_OBJECT_NAME_COLLISION : status;
}

/* The first run of Count free entries in Dcb, growing it by a cluster at a time. */
static NTSTATUS FatFindFreeDirents(FCB *Dcb, uint32_t Count, uint32_t *Offset)
{
    uint32_t run = 0, start = 0, offset = 0;
    bool ended = false;
    DIRENT dirent;
    NTSTATUS status;

    for (;;) {
        for (; offset < FatDirectoryBytes(Dcb); offset += FAT_DIRENT_SIZE) {
            if (!ended) {
                status = FatReadDirent(Dcb, offset, &dirent);
                if (!NT_SUCCESS(status))
                    return status;
                ended = dirent.FileName[0] == FAT_DIRENT_NEVER_USED;
            }
            if (ended || dirent.FileName[0] == FAT_DIRENT_DELETED) {
                if (run++ == 0)
                    start = offset;
                if (run == Count) {
                    *Offset = start;
                    return STATUS_SUCCESS;
                }
            } else {
                run = 0;
            }
        }
        if (((uint64_t)Dcb->AllocationClusters + 1) << Dcb->Vcb->ClusterShift >
                FAT_MAXIMUM_DIRECTORY_BYTES)
            return STATUS_DISK_FULL;
        status = FatAddClusters(Dcb, 1, true);
        if (!NT_SUCCESS(status))
            return status;
        FatDirectorySizeChanged(Dcb);
        ended = true;                           /* a zeroed cluster: all free */
    }
}

static void FatFillLfn(LFN_DIRENT *Entry, const uint16_t *Name, uint32_t Length,
                       uint32_t Ordinal, bool Last, uint8_t Checksum)
{
    uint16_t part[FAT_LFN_CHARACTERS];

    for (uint32_t i = 0; i < FAT_LFN_CHARACTERS; i++) {
        uint32_t at = (Ordinal - 1) * FAT_LFN_CHARACTERS + i;

        part[i] = at < Length ? Name[at] : at == Length ? 0 : 0xFFFF;
    }
    memset(Entry, 0, sizeof(*Entry));
    Entry->Ordinal = (uint8_t)(Ordinal | (Last ? FAT_LFN_LAST_ENTRY : 0));
    Entry->Attributes = FAT_DIRENT_ATTR_LFN;
    Entry->Checksum = Checksum;
    memcpy(Entry->Name1, part, sizeof(Entry->Name1));
    memcpy(Entry->Name2, part + 5, sizeof(Entry->Name2));
    memcpy(Entry->Name3, part + 11, sizeof(Entry->Name3));
}

NTSTATUS FatCreateDirent(FCB *Dcb, const uint16_t *Name, uint32_t Length, DIRENT *Dirent,
                         FAT_DIRENT_CONTEXT *Context)
{
    uint32_t parts, offset;
    bool needLfn;
    NTSTATUS status;

    status = FatChooseShortName(Dcb, Name, Length, Dirent->FileName, &Dirent->NtByte, &needLfn);
    if (!NT_SUCCESS(status))
        return status;
    parts = needLfn ? (Length + FAT_LFN_CHARACTERS - 1) / FAT_LFN_CHARACTERS : 0;
    status = FatFindFreeDirents(Dcb, parts + 1, &offset);
    if (!NT_SUCCESS(status))
        return status;
    Context->LfnOffset = offset;
    for (uint32_t ordinal = parts; ordinal >= 1 && NT_SUCCESS(status); ordinal--) {
        union { LFN_DIRENT Lfn; DIRENT Dirent; } entry;

        FatFillLfn(&entry.Lfn, Name, Length, ordinal, ordinal == parts,
                   FatShortNameChecksum(Dirent->FileName));
        status = FatWriteDirent(Dcb, offset, &entry.Dirent);
        offset += FAT_DIRENT_SIZE;
    }
    if (NT_SUCCESS(status))
        status = FatWriteDirent(Dcb, offset, Dirent);
    if (!NT_SUCCESS(status))
        return status;
    Context->Dirent = *Dirent;
    Context->DirentOffset = offset;
    Context->ShortNameLength = (uint16_t)FatShortNameToUnicode(Dirent->FileName, Dirent->NtByte,
                                                               Context->ShortName);
    memcpy(Context->Name, Name, Length * 2);
    Context->NameLength = (uint16_t)Length;
    return STATUS_SUCCESS;
}

NTSTATUS FatDeleteDirent(FCB *Dcb, uint32_t LfnOffset, uint32_t DirentOffset)
{
    NTSTATUS status = STATUS_SUCCESS;
    DIRENT dirent;

    for (uint32_t offset = LfnOffset; offset <= DirentOffset && NT_SUCCESS(status);
         offset += FAT_DIRENT_SIZE) {
        status = FatReadDirent(Dcb, offset, &dirent);
        if (NT_SUCCESS(status)) {
            dirent.FileName[0] = FAT_DIRENT_DELETED;
            status = FatWriteDirent(Dcb, offset, &dirent);
        }
    }
    return status;
}

NTSTATUS FatIsDirectoryEmpty(FCB *Dcb, bool *Empty)
{
    FAT_DIRENT_CONTEXT *context = ExAllocatePoolWithTag(PagedPool, sizeof(*context),
                                                        FAT_BUFFER_TAG);
    uint32_t offset = 0;
    NTSTATUS status;

    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    *Empty = true;
    while (NT_SUCCESS(status = FatNextDirent(Dcb, &offset, context))) {
        if (!FatIsDotEntry(&context->Dirent)) {
            *Empty = false;
            break;
        }
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    return status == STATUS_NO_MORE_FILES || !*Empty ? STATUS_SUCCESS : status;
}

NTSTATUS FatUpdateDirent(FCB *Fcb)
{
    DIRENT dirent;
    NTSTATUS status;

    if (!Fcb->ParentDcb || Fcb->Deleted)
        return STATUS_SUCCESS;
    status = FatReadDirent(Fcb->ParentDcb, Fcb->DirentOffset, &dirent);
    if (!NT_SUCCESS(status))
        return status;
    FatFcbToDirent(Fcb, &dirent);
    return FatWriteDirent(Fcb->ParentDcb, Fcb->DirentOffset, &dirent);
}

/* A new directory's "." and "..", in its first cluster (already zeroed). ParentCluster is 0
 * when the parent is the root, as the specification asks. */
NTSTATUS FatInitializeDirectory(VCB *Vcb, uint32_t Cluster, uint32_t ParentCluster,
                                const DIRENT *Self)
{
    DIRENT dots[2];
    uint64_t at = FatClusterOffset(Vcb, Cluster);

    for (uint32_t i = 0; i < 2; i++) {
        uint32_t cluster = i == 0 ? Cluster : ParentCluster;

        dots[i] = *Self;
        memset(dots[i].FileName, ' ', sizeof(dots[i].FileName));
        memset(dots[i].FileName, '.', i + 1);
        dots[i].NtByte = 0;
        dots[i].Attributes = FAT_DIRENT_ATTR_DIRECTORY;
        dots[i].FirstClusterOfFile = (uint16_t)cluster;
        dots[i].FirstClusterOfFileHi = (uint16_t)(cluster >> 16);
        dots[i].FileSize = 0;
    }
    return FatWriteVolume(Vcb, at, sizeof(dots), dots, KernelMode);
}
