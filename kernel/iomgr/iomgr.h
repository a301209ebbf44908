/*
 * kernel/iomgr/iomgr.h: the I/O manager's object side (NT's io/iomgr): files as objects of
 * type "File" (IoFileObjectType) behind handles, the drive letters, and the file services.
 * It sits above Ob and Se and below Ps; the file model itself (FILE_OBJECT, devices, drivers,
 * IRPs, share access) is kernel/io's, below Mm, so that Mm's paging I/O can reach a file
 * system later without anything above it.
 *
 * A service turns its arguments into an IRP for the file object's device and calls the
 * device's driver (IoCallDriver): the console (console.c) for the handles every process gets
 * as its standard input, output and error, or a file system's volume device for a file.
 *
 *   NtCreateFile(\??\C:\dir\name)      the drive letter's volume device gets IRP_MJ_CREATE
 *                                      with FileName "\dir\name"; on success a handle
 *   last handle closed                 IRP_MJ_CLEANUP (share access, delete on close)
 *   last reference gone                IRP_MJ_CLOSE (the file system lets go of the open)
 */
#ifndef KERNEL_IOMGR_IOMGR_H
#define KERNEL_IOMGR_IOMGR_H

#include "kernel/se/se.h"
#include "kernel/io/io.h"
#include "kernel/inc/ntpeb.h"

extern OBJECT_TYPE IoFileObjectType;

void IoInitSystem(void);            /* the File type and the console; in PsInitSystem */

/*
 * NT's IoCreateStreamFileObject: a file object on Device with no name and no handle, for a
 * file system's own use (FAT's directories, cached through it), referenced once; FO_FILE_OPEN
 * and FO_STREAM_FILE set, so that its last reference sends IRP_MJ_CLOSE (and never a
 * cleanup). The file system fills FsContext and SectionObjectPointer.
 */
NTSTATUS IoCreateStreamFileObject(DEVICE_OBJECT *Device, FILE_OBJECT **Stream);

/*
 * Drive letters (parse.c): Letter (A-Z, either case) names VolumeDevice, a mounted file
 * system's volume device, from now on. STATUS_OBJECT_NAME_COLLISION when it names one already.
 */
NTSTATUS IoAssignDriveLetter(char Letter, DEVICE_OBJECT *VolumeDevice);

/*
 * A paging file that is a file (pagefile.c), as NtCreatePagingFile has Io open one: DosName
 * (X:\path, or X:/path) opened for kernel mode with no sharing at all, so that nothing else
 * opens, writes, truncates or deletes it while it is in use, created hidden and system if it
 * is not there; made SizeInBytes long (0: as it is, and then it must exist); and its sectors
 * asked of its file system (FSCTL_QUERY_PAGING_FILE_RUNS) into *Runs, nonpaged pool the
 * caller frees (IO_PAGING_FILE_RUNS_TAG). The file object comes referenced: the paging file
 * keeps it for good, or IoClosePagingFile gives it back. NT's statuses: the create's,
 * STATUS_DISK_FULL, STATUS_OBJECT_NAME_NOT_FOUND.
 */
#define IO_PAGING_FILE_RUNS_TAG POOL_TAG('I', 'o', 'P', 'f')
NTSTATUS IoOpenPagingFile(const char *DosName, uint32_t NameLength, uint64_t SizeInBytes,
                          FILE_OBJECT **FileObject, IO_PAGING_FILE_RUNS **Runs);
void IoClosePagingFile(FILE_OBJECT *FileObject);

/*
 * A program's file (exefile.c), opened as NT's CreateProcess opens one for its image section:
 * Name is X:\path, X:/path or \??\X:\path; execute access, shared for reading and deleting
 * only, not a directory (STATUS_FILE_IS_A_DIRECTORY), the create's statuses otherwise
 * (STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_PATH_NOT_FOUND, STATUS_SHARING_VIOLATION ...).
 * The file object comes referenced, with no handle; IoCloseImageFile closes it (the image
 * section keeps its own reference).
 */
NTSTATUS IoOpenImageFile(const char *Name, FILE_OBJECT **FileObject);
void IoCloseImageFile(FILE_OBJECT *FileObject);

/* The console (console.c): a handle to it in Table for a new process's standard handles. */
NTSTATUS IoCreateConsoleHandle(HANDLE_TABLE *Table, HANDLE *Handle);

/* A file is named by an OBJECT_ATTRIBUTES (Ob's, kernel/ob/ob.h). */

/* NtReadFile/NtWriteFile's ByteOffset values that mean "where the file pointer is" and, for
 * a write, "at the end of the file" (LowPart; HighPart -1). */
#define FILE_USE_FILE_POINTER_POSITION  0xFFFFFFFE
#define FILE_WRITE_TO_END_OF_FILE       0xFFFFFFFF

/* FILE_INFORMATION_CLASS (the ones mm386 has). */
#define FileDirectoryInformation        1
#define FileFullDirectoryInformation    2
#define FileBothDirectoryInformation    3
#define FileBasicInformation            4
#define FileStandardInformation         5
#define FileNameInformation             9
#define FileRenameInformation           10
#define FileNamesInformation            12
#define FileDispositionInformation      13
#define FilePositionInformation         14
#define FileAllocationInformation       19
#define FileEndOfFileInformation        20
#define FileMaximumInformation          56

/* The information structures (ntifs.h layouts, x86). */
typedef struct _FILE_BASIC_INFORMATION {
    LARGE_INTEGER CreationTime;
    LARGE_INTEGER LastAccessTime;
    LARGE_INTEGER LastWriteTime;
    LARGE_INTEGER ChangeTime;
    uint32_t FileAttributes;
} FILE_BASIC_INFORMATION;

typedef struct _FILE_STANDARD_INFORMATION {
    LARGE_INTEGER AllocationSize;
    LARGE_INTEGER EndOfFile;
    uint32_t NumberOfLinks;
    bool DeletePending;
    bool Directory;
} FILE_STANDARD_INFORMATION;

typedef struct _FILE_POSITION_INFORMATION {
    LARGE_INTEGER CurrentByteOffset;
} FILE_POSITION_INFORMATION;

typedef struct _FILE_END_OF_FILE_INFORMATION {
    LARGE_INTEGER EndOfFile;
} FILE_END_OF_FILE_INFORMATION;

typedef struct _FILE_ALLOCATION_INFORMATION {
    LARGE_INTEGER AllocationSize;
} FILE_ALLOCATION_INFORMATION;

typedef struct _FILE_DISPOSITION_INFORMATION {
    bool DeleteFile;
} FILE_DISPOSITION_INFORMATION;

typedef struct _FILE_NAME_INFORMATION {
    uint32_t FileNameLength;        /* bytes */
    uint16_t FileName[1];
} FILE_NAME_INFORMATION;

typedef struct _FILE_RENAME_INFORMATION {
    bool ReplaceIfExists;
    HANDLE RootDirectory;
    uint32_t FileNameLength;
    uint16_t FileName[1];
} FILE_RENAME_INFORMATION;

typedef struct _FILE_DIRECTORY_INFORMATION {
    uint32_t NextEntryOffset;
    uint32_t FileIndex;
    LARGE_INTEGER CreationTime;
    LARGE_INTEGER LastAccessTime;
    LARGE_INTEGER LastWriteTime;
    LARGE_INTEGER ChangeTime;
    LARGE_INTEGER EndOfFile;
    LARGE_INTEGER AllocationSize;
    uint32_t FileAttributes;
    uint32_t FileNameLength;
    uint16_t FileName[1];
} FILE_DIRECTORY_INFORMATION;

typedef struct _FILE_FULL_DIR_INFORMATION {
    uint32_t NextEntryOffset;
    uint32_t FileIndex;
    LARGE_INTEGER CreationTime;
    LARGE_INTEGER LastAccessTime;
    LARGE_INTEGER LastWriteTime;
    LARGE_INTEGER ChangeTime;
    LARGE_INTEGER EndOfFile;
    LARGE_INTEGER AllocationSize;
    uint32_t FileAttributes;
    uint32_t FileNameLength;
    uint32_t EaSize;
    uint16_t FileName[1];
} FILE_FULL_DIR_INFORMATION;

typedef struct _FILE_BOTH_DIR_INFORMATION {
    uint32_t NextEntryOffset;
    uint32_t FileIndex;
    LARGE_INTEGER CreationTime;
    LARGE_INTEGER LastAccessTime;
    LARGE_INTEGER LastWriteTime;
    LARGE_INTEGER ChangeTime;
    LARGE_INTEGER EndOfFile;
    LARGE_INTEGER AllocationSize;
    uint32_t FileAttributes;
    uint32_t FileNameLength;
    uint32_t EaSize;
    int8_t ShortNameLength;         /* bytes */
    uint16_t ShortName[12];
    uint16_t FileName[1];
} FILE_BOTH_DIR_INFORMATION;

typedef struct _FILE_NAMES_INFORMATION {
    uint32_t NextEntryOffset;
    uint32_t FileIndex;
    uint32_t FileNameLength;
    uint16_t FileName[1];
} FILE_NAMES_INFORMATION;

_Static_assert(sizeof(FILE_BASIC_INFORMATION) == 40, "ntifs.h's FILE_BASIC_INFORMATION");
_Static_assert(sizeof(FILE_STANDARD_INFORMATION) == 24, "ntifs.h's FILE_STANDARD_INFORMATION");
_Static_assert(sizeof(FILE_POSITION_INFORMATION) == 8, "ntifs.h's FILE_POSITION_INFORMATION");
_Static_assert(offsetof(FILE_NAME_INFORMATION, FileName) == 4, "ntifs.h's FILE_NAME_INFORMATION");
_Static_assert(offsetof(FILE_RENAME_INFORMATION, FileName) == 12, "FILE_RENAME_INFORMATION");
_Static_assert(offsetof(FILE_DIRECTORY_INFORMATION, FileName) == 64, "FILE_DIRECTORY_INFORMATION");
_Static_assert(offsetof(FILE_FULL_DIR_INFORMATION, FileName) == 68, "FILE_FULL_DIR_INFORMATION");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, ShortName) == 70, "FILE_BOTH_DIR_INFORMATION");
_Static_assert(offsetof(FILE_BOTH_DIR_INFORMATION, FileName) == 94, "FILE_BOTH_DIR_INFORMATION");
_Static_assert(offsetof(FILE_NAMES_INFORMATION, FileName) == 12, "FILE_NAMES_INFORMATION");

/* The file services (services.c lists them all). */
NTSTATUS NtCreateFile(HANDLE *FileHandle, ACCESS_MASK DesiredAccess,
                      OBJECT_ATTRIBUTES *ObjectAttributes, IO_STATUS_BLOCK *IoStatusBlock,
                      LARGE_INTEGER *AllocationSize, uint32_t FileAttributes, uint32_t ShareAccess,
                      uint32_t CreateDisposition, uint32_t CreateOptions, void *EaBuffer,
                      uint32_t EaLength);
NTSTATUS NtOpenFile(HANDLE *FileHandle, ACCESS_MASK DesiredAccess,
                    OBJECT_ATTRIBUTES *ObjectAttributes, IO_STATUS_BLOCK *IoStatusBlock,
                    uint32_t ShareAccess, uint32_t OpenOptions);
NTSTATUS NtDeleteFile(OBJECT_ATTRIBUTES *ObjectAttributes);
NTSTATUS NtReadFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine, void *ApcContext,
                    IO_STATUS_BLOCK *IoStatusBlock, void *Buffer, uint32_t Length,
                    LARGE_INTEGER *ByteOffset, uint32_t *Key);
NTSTATUS NtWriteFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine, void *ApcContext,
                     IO_STATUS_BLOCK *IoStatusBlock, const void *Buffer, uint32_t Length,
                     LARGE_INTEGER *ByteOffset, uint32_t *Key);
NTSTATUS NtQueryInformationFile(HANDLE FileHandle, IO_STATUS_BLOCK *IoStatusBlock,
                                void *FileInformation, uint32_t Length,
                                uint32_t FileInformationClass);
NTSTATUS NtSetInformationFile(HANDLE FileHandle, IO_STATUS_BLOCK *IoStatusBlock,
                              void *FileInformation, uint32_t Length,
                              uint32_t FileInformationClass);
NTSTATUS NtQueryDirectoryFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine,
                              void *ApcContext, IO_STATUS_BLOCK *IoStatusBlock,
                              void *FileInformation, uint32_t Length,
                              uint32_t FileInformationClass, bool ReturnSingleEntry,
                              NT_UNICODE_STRING *FileName, bool RestartScan);
NTSTATUS NtFlushBuffersFile(HANDLE FileHandle, IO_STATUS_BLOCK *IoStatusBlock);

#endif
