/*
 * kernel/iomgr/exefile.c: a program's file opened for the kernel to make its image section
 * from (IoOpenImageFile, iomgr.h), as NT's kernel32 CreateProcess opens it before
 * NtCreateSection(SEC_IMAGE): NtOpenFile(SYNCHRONIZE | FILE_EXECUTE, FILE_SHARE_READ |
 * FILE_SHARE_DELETE, FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE), the name
 * ignoring case. Sharing read and delete only, the open fails while someone has the file open
 * for writing (STATUS_SHARING_VIOLATION); once the section is made the file is closed, and
 * Mm's image control area keeps the file object (MmFlushImageSection keeps writers out).
 */
#include "kernel/iomgr/iop.h"

#define IOP_IMAGE_FILE_ACCESS   (SYNCHRONIZE | FILE_EXECUTE)
#define IOP_IMAGE_FILE_SHARE    (FILE_SHARE_READ | FILE_SHARE_DELETE)
#define IOP_IMAGE_FILE_OPTIONS  (FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE)

/* Name as an NT name into Buffer (IOP_MAXIMUM_PATH characters): X:\path or X:/path gets \??\
 * before it, an NT name stays, slashes become backslashes. False if it does not fit. */
static bool IopImageFileName(const char *Name, uint16_t *Buffer, uint32_t *Length)
{
    static const char prefix[] = "\\??\\";
    uint32_t at = 0, length = (uint32_t)strlen(Name);
    bool drive = length >= 2 && Name[1] == ':';

    if (length + sizeof(prefix) > IOP_MAXIMUM_PATH)
        return false;
    for (uint32_t c = 0; drive && prefix[c]; c++)
        Buffer[at++] = (uint16_t)prefix[c];
    for (uint32_t c = 0; c < length; c++)
        Buffer[at++] = Name[c] == '/' ? '\\' : (uint16_t)(uint8_t)Name[c];
    *Length = at;
    return true;
}

NTSTATUS IoOpenImageFile(const char *Name, FILE_OBJECT **FileObject)
{
    IO_STATUS_BLOCK iosb;
    uint16_t *name;
    uint32_t length;
    NTSTATUS status;

    name = ExAllocatePoolWithTag(PagedPool, IOP_MAXIMUM_PATH * 2, IOP_FILE_NAME_TAG);
    if (!name)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = IopImageFileName(Name, name, &length) ? STATUS_SUCCESS : STATUS_OBJECT_NAME_INVALID;
    if (NT_SUCCESS(status))
        status = IopCreateFileObject(IOP_IMAGE_FILE_ACCESS, NULL, OBJ_CASE_INSENSITIVE, name,
                                     length, 0, IOP_IMAGE_FILE_SHARE, FILE_OPEN,
                                     IOP_IMAGE_FILE_OPTIONS, FileObject, &iosb);
    ExFreePoolWithTag(name, IOP_FILE_NAME_TAG);
    return status;
}

void IoCloseImageFile(FILE_OBJECT *FileObject)
{
    IopCleanupFile(FileObject);
    ObDereferenceObject(FileObject);
}
