/* kernel/iomgr/iop.h: what the I/O manager's files share (Iop: Io-internal). */
#ifndef KERNEL_IOMGR_IOP_H
#define KERNEL_IOMGR_IOP_H

#include "kernel/iomgr/iomgr.h"

#define IOP_FILE_NAME_TAG       POOL_TAG('I', 'o', 'N', 'm')
#define IOP_BUFFER_TAG          POOL_TAG('I', 'o', 'B', 'f')
#define IOP_MAXIMUM_PATH        1024    /* characters of a name NtCreateFile takes */
#define IOP_MAXIMUM_BUFFER      0x10000 /* bytes of information one query or set moves */

/*
 * The file object behind FileHandle, referenced, of type File; from user mode the handle must
 * grant DesiredAccess. GrantedAccess may be NULL. Ob's statuses.
 */
NTSTATUS IopReferenceFile(HANDLE FileHandle, ACCESS_MASK DesiredAccess, FILE_OBJECT **FileObject,
                          ACCESS_MASK *GrantedAccess);

#define NT_ERROR(Status)        ((uint32_t)(Status) >> 30 == 3)

/* *IoStatusBlock = *IoStatus in the previous mode; the status of the copy. */
NTSTATUS IopReturnIoStatus(IO_STATUS_BLOCK *IoStatusBlock, const IO_STATUS_BLOCK *IoStatus);

/*
 * Irp to File's driver; unless the driver failed it (an error status), its IoStatus to the
 * caller's IoStatusBlock, as NT completes a synchronous request. The driver's status, or the
 * copy's when the block cannot be written.
 */
NTSTATUS IopCallAndReturn(FILE_OBJECT *File, IRP *Irp, IO_STATUS_BLOCK *IoStatusBlock);

/*
 * A name from the caller, \??\X:\path: the volume device X: names and where the path on the
 * volume starts in Name (at its backslash; Length when nothing follows "X:"). Statuses:
 * STATUS_OBJECT_PATH_SYNTAX_BAD (no leading backslash), STATUS_OBJECT_PATH_NOT_FOUND (not
 * under \??\, or no volume with that letter), STATUS_OBJECT_NAME_INVALID (\??\ and no
 * drive letter).
 */
NTSTATUS IopParseDosName(const uint16_t *Name, uint32_t Length, DEVICE_OBJECT **VolumeDevice,
                         uint32_t *RestOffset);

/*
 * A file object opened on Name (Length characters, kernel memory, \??\X:\path) for the
 * previous mode, or the status the volume or its file system refused it with; DesiredAccess
 * already mapped. Information receives what was done (FILE_CREATED ...). The object comes
 * with one reference and no handle (create.c).
 */
NTSTATUS IopCreateFileObject(ACCESS_MASK DesiredAccess, HANDLE RootDirectory,
                             uint32_t ObjectAttributes, const uint16_t *Name, uint32_t Length,
                             uint32_t FileAttributes, uint32_t ShareAccess, uint32_t Disposition,
                             uint32_t Options, FILE_OBJECT **FileObject, IO_STATUS_BLOCK *IoStatus);

/* A new file object's fixed fields, on DeviceObject (referenced until the object goes), its
 * Lock free (synchronous opens take turns on it). */
void IopInitializeFileObject(FILE_OBJECT *FileObject, DEVICE_OBJECT *DeviceObject);

/* IRP_MJ_CLEANUP to FileObject's driver, once (objsup.c): what closing its last handle does. */
void IopCleanupFile(FILE_OBJECT *FileObject);

/* An IRP_MJ_SET_INFORMATION for FileObject from kernel mode, Information in kernel memory. */
NTSTATUS IopSetInformation(FILE_OBJECT *FileObject, void *Information, uint32_t Length,
                           uint32_t FileInformationClass, IO_STATUS_BLOCK *IoStatus);

#endif
