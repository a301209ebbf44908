/*
 * kernel/fs/fastfat/dirctrl.c: IRP_MJ_DIRECTORY_CONTROL / IRP_MN_QUERY_DIRECTORY: a directory's
 * entries matching the open's pattern (the first query's, replaced by a restart that names
 * another, as NTFS does; none, "" or "*" match everything), as many as fit or one, each
 * 8-byte aligned and chained by NextEntryOffset, from where the open's last query stopped. The pattern is matched against
 * the long name and the short name, as NT's FAT does. AllocationSize is the size rounded up
 * to whole clusters (NT's FAT does not walk each file's chain to list a directory either).
 * The short name of FileBothDirectoryInformation is empty when the name is already 8.3.
 */
#include "kernel/fs/fastfat/fatprocs.h"

static uint32_t FatEntryFixedSize(uint32_t Class)
{
    switch (Class) {
    case FileDirectoryInformation:
        return offsetof(FILE_DIRECTORY_INFORMATION, FileName);
    case FileFullDirectoryInformation:
        return offsetof(FILE_FULL_DIR_INFORMATION, FileName);
    case FileBothDirectoryInformation:
        return offsetof(FILE_BOTH_DIR_INFORMATION, FileName);
    case FileNamesInformation:
        return offsetof(FILE_NAMES_INFORMATION, FileName);
    }
    return 0;
}

/* One entry's fixed part at Entry (zeroed by the caller), for Class. */
static void FatFillEntry(VCB *Vcb, uint32_t Class, const FAT_DIRENT_CONTEXT *Context,
                         uint8_t *Entry, uint32_t NameBytes)
{
    const DIRENT *d = &Context->Dirent;
    FILE_BOTH_DIR_INFORMATION *both = (FILE_BOTH_DIR_INFORMATION *)Entry;
    FILE_NAMES_INFORMATION *names = (FILE_NAMES_INFORMATION *)Entry;
    uint32_t size = (d->Attributes & FAT_DIRENT_ATTR_DIRECTORY) ? 0 : d->FileSize;

    if (Class == FileNamesInformation) {
        names->FileIndex = Context->DirentOffset / FAT_DIRENT_SIZE;
        names->FileNameLength = NameBytes;
        return;
    }
    /* The three other classes share their first 64 bytes (FILE_DIRECTORY_INFORMATION's). */
    both->FileIndex = Context->DirentOffset / FAT_DIRENT_SIZE;
    both->CreationTime = FatTimeToNt(d->CreationDate, d->CreationTime, d->CreationMSec);
    both->LastAccessTime = FatTimeToNt(d->LastAccessDate, 0, 0);
    both->LastWriteTime = both->ChangeTime = FatTimeToNt(d->LastWriteDate, d->LastWriteTime, 0);
    both->EndOfFile = size;
    both->AllocationSize = ((uint64_t)size + Vcb->BytesPerCluster - 1) &
                           ~(uint64_t)(Vcb->BytesPerCluster - 1);
    both->FileAttributes = d->Attributes ? d->Attributes : FILE_ATTRIBUTE_NORMAL;
    both->FileNameLength = NameBytes;
    if (Class == FileBothDirectoryInformation && Context->LfnOffset != Context->DirentOffset) {
        both->ShortNameLength = (int8_t)(Context->ShortNameLength * 2);
        memcpy(both->ShortName, Context->ShortName, Context->ShortNameLength * 2);
    }
}

static void FatSetPattern(CCB *Ccb, const UNICODE_STRING *Pattern)
{
    uint32_t length = Pattern ? MIN(Pattern->Length / 2u, (uint32_t)FAT_MAXIMUM_NAME) : 0;

    Ccb->PatternLength = (uint16_t)length;
    if (length)
        memcpy(Ccb->Pattern, Pattern->Buffer, length * 2);
    Ccb->MatchAll = length == 0 || (length == 1 && Ccb->Pattern[0] == '*');
}

static bool FatMatches(const CCB *Ccb, const FAT_DIRENT_CONTEXT *Context)
{
    return Ccb->MatchAll ||
           FatIsNameInExpression(Ccb->Pattern, Ccb->PatternLength, Context->Name,
                                 Context->NameLength) ||
           FatIsNameInExpression(Ccb->Pattern, Ccb->PatternLength, Context->ShortName,
                                 Context->ShortNameLength);
}

NTSTATUS FatCommonDirectoryControl(VCB *Vcb, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    FCB *fcb = stack->FileObject->FsContext;
    CCB *ccb = stack->FileObject->FsContext2;
    uint32_t class = stack->Parameters.QueryDirectory.FileInformationClass;
    uint32_t length = stack->Parameters.QueryDirectory.Length, fixed = FatEntryFixedSize(class);
    uint8_t *buffer = Irp->AssociatedIrp.SystemBuffer;
    uint32_t used = 0, last = 0, returned = 0;
    bool first = !ccb->QueryStarted;
    FAT_DIRENT_CONTEXT *context;
    NTSTATUS status;

    if (stack->MinorFunction != IRP_MN_QUERY_DIRECTORY)
        return STATUS_INVALID_DEVICE_REQUEST;
    if (!FatIsDirectory(fcb) || fixed == 0)
        return STATUS_INVALID_PARAMETER;
    if (first || (stack->Flags & SL_RESTART_SCAN)) {
        if (first || stack->Parameters.QueryDirectory.FileName)
            FatSetPattern(ccb, stack->Parameters.QueryDirectory.FileName);
        ccb->QueryStarted = true;
        ccb->QueryOffset = 0;
    }
    context = ExAllocatePoolWithTag(PagedPool, sizeof(*context), FAT_BUFFER_TAG);
    if (!context)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (;;) {
        uint32_t offset = ccb->QueryOffset, nameBytes, size, at;

        status = FatNextDirent(fcb, &ccb->QueryOffset, context);
        if (!NT_SUCCESS(status))
            break;
        if (!FatMatches(ccb, context))
            continue;
        nameBytes = context->NameLength * 2;
        at = (used + 7) & ~7u;
        size = fixed + nameBytes;
        if (returned && at + size > length) {
            ccb->QueryOffset = offset;          /* the next query starts with it */
            break;
        }
        if (!returned && size > length) {       /* not even one whole entry fits */
            memset(buffer, 0, length);
            FatFillEntry(Vcb, class, context, buffer, nameBytes);
            memcpy(buffer + fixed, context->Name, length - fixed);
            ccb->QueryOffset = offset;
            Irp->IoStatus.Information = length;
            ExFreePoolWithTag(context, FAT_BUFFER_TAG);
            return STATUS_BUFFER_OVERFLOW;
        }
        if (returned)
            *(uint32_t *)(buffer + last) = at - last;
        memset(buffer + at, 0, size);
        FatFillEntry(Vcb, class, context, buffer + at, nameBytes);
        memcpy(buffer + at + fixed, context->Name, nameBytes);
        last = at;
        used = at + size;
        returned++;
        if (stack->Flags & SL_RETURN_SINGLE_ENTRY)
            break;
    }
    ExFreePoolWithTag(context, FAT_BUFFER_TAG);
    if (returned) {
        Irp->IoStatus.Information = used;
        return STATUS_SUCCESS;
    }
    if (status == STATUS_NO_MORE_FILES && first)
        return STATUS_NO_SUCH_FILE;
    return status;
}
