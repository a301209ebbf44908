/*
 * kernel/io/sharacc.c: share access, NT's rules. Each open of a file says what it does
 * (read, write, delete) and what it lets later opens do; a file system keeps one SHARE_ACCESS
 * per file counting both over its opens, and asks here whether a new open fits.
 */
#include "kernel/io/io.h"

/* Fill FileObject's access and share booleans from the open's request. */
static void IopRecordAccess(ACCESS_MASK DesiredAccess, uint32_t DesiredShareAccess,
                            FILE_OBJECT *FileObject)
{
    FileObject->ReadAccess = (DesiredAccess & (FILE_EXECUTE | FILE_READ_DATA)) != 0;
    FileObject->WriteAccess = (DesiredAccess & (FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0;
    FileObject->DeleteAccess = (DesiredAccess & IO_DELETE_ACCESS) != 0;
    FileObject->SharedRead = (DesiredShareAccess & FILE_SHARE_READ) != 0;
    FileObject->SharedWrite = (DesiredShareAccess & FILE_SHARE_WRITE) != 0;
    FileObject->SharedDelete = (DesiredShareAccess & FILE_SHARE_DELETE) != 0;
}

static bool IopTakesPart(const FILE_OBJECT *FileObject)
{
    return FileObject->ReadAccess || FileObject->WriteAccess || FileObject->DeleteAccess;
}

static void IopAddShare(const FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess)
{
    ShareAccess->OpenCount++;
    ShareAccess->Readers += FileObject->ReadAccess;
    ShareAccess->Writers += FileObject->WriteAccess;
    ShareAccess->Deleters += FileObject->DeleteAccess;
    ShareAccess->SharedRead += FileObject->SharedRead;
    ShareAccess->SharedWrite += FileObject->SharedWrite;
    ShareAccess->SharedDelete += FileObject->SharedDelete;
}

NTSTATUS IoCheckShareAccess(ACCESS_MASK DesiredAccess, uint32_t DesiredShareAccess,
                            FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess, bool Update)
{
    const SHARE_ACCESS *s = ShareAccess;
    const FILE_OBJECT *f = FileObject;

    IopRecordAccess(DesiredAccess, DesiredShareAccess, FileObject);
    if (!IopTakesPart(FileObject))
        return STATUS_SUCCESS;
    if ((f->ReadAccess && s->SharedRead < s->OpenCount) ||
        (f->WriteAccess && s->SharedWrite < s->OpenCount) ||
        (f->DeleteAccess && s->SharedDelete < s->OpenCount) ||
        (s->Readers && !f->SharedRead) ||
        (s->Writers && !f->SharedWrite) ||
        (s->Deleters && !f->SharedDelete))
        return STATUS_SHARING_VIOLATION;
    if (Update)
        IopAddShare(FileObject, ShareAccess);
    return STATUS_SUCCESS;
}

void IoSetShareAccess(ACCESS_MASK DesiredAccess, uint32_t DesiredShareAccess,
                      FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess)
{
    memset(ShareAccess, 0, sizeof(*ShareAccess));
    IopRecordAccess(DesiredAccess, DesiredShareAccess, FileObject);
    if (IopTakesPart(FileObject))
        IopAddShare(FileObject, ShareAccess);
}

void IoRemoveShareAccess(FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess)
{
    if (!IopTakesPart(FileObject))
        return;
    ShareAccess->OpenCount--;
    ShareAccess->Readers -= FileObject->ReadAccess;
    ShareAccess->Writers -= FileObject->WriteAccess;
    ShareAccess->Deleters -= FileObject->DeleteAccess;
    ShareAccess->SharedRead -= FileObject->SharedRead;
    ShareAccess->SharedWrite -= FileObject->SharedWrite;
    ShareAccess->SharedDelete -= FileObject->SharedDelete;
}
