/*
 * kernel/io/io.h: the I/O layer's contract: the ATA disks, their MBR partitions, paging I/O for
 * Mm, and NT's model of files: file objects, devices, drivers and the IRPs that carry a request
 * to a driver's dispatch routine. Io sits below Mm: it never calls Mm; start-up hands it the
 * nonpaged pages it needs (IO_DISK_PAGES). What needs Ob (the File object type, handles, the
 * NtXxxFile services) is kernel/iomgr's, above Ob; the file systems (kernel/fs/) register their
 * dispatch routines in a DRIVER_OBJECT, and Io reaches them only through it.
 */
#ifndef KERNEL_IO_IO_H
#define KERNEL_IO_IO_H

#include "kernel/ex/ex.h"
#include "hal/hal.h"
#include "kernel/inc/mdl.h"

/* Sector sizes are the driver's: HAL_ATA_SECTOR_SIZE, HAL_ATA_SECTORS_PER_PAGE (hal/ata.h). */
#define DISK_SECTORS_PER_MB         ((1024 * 1024) / HAL_ATA_SECTOR_SIZE)
#define DISK_MBR_PARTITIONS         4
#define PARTITION_ENTRY_UNUSED      0x00
#define PARTITION_PAGING_FILE       0x82    /* mm386's paging-file partitions */
#define PARTITION_FAT32             0x0B
#define PARTITION_FAT32_XINT13      0x0C    /* FAT32 with LBA: what tools/mkdisk makes */

typedef struct _DISK_PARTITION {
    uint32_t Number;                /* 1-4: its entry in the MBR */
    uint8_t Type;
    bool Active;
    uint32_t StartingLba;
    uint32_t SectorCount;
} DISK_PARTITION;

/*
 * A disk as start-up found it. TableStatus is what reading sector 0 gave: STATUS_SUCCESS for an
 * MBR partition table (the used entries in Partitions), STATUS_BAD_MASTER_BOOT_RECORD for a
 * disk with no table at all (no 0x55AA), anything else when the sector could not be read or
 * the table is corrupt: then nothing is known of what the disk holds.
 */
typedef struct _DISK_LAYOUT {
    uint64_t Sectors;
    NTSTATUS TableStatus;
    uint32_t PartitionCount;
    DISK_PARTITION Partitions[DISK_MBR_PARTITIONS];
} DISK_LAYOUT;

/*
 * Nonpaged, physically addressed pages the disk layer needs at start-up: one PRD page per
 * channel (kept for good) and a scratch page to read each MBR through (free again once
 * IoInitializeDisks returns).
 */
typedef struct _IO_DISK_PAGES {
    void *Prd[HAL_ATA_CHANNELS];
    uint32_t PrdPhysical[HAL_ATA_CHANNELS];
    void *Scratch;
    uint32_t ScratchFrame;
} IO_DISK_PAGES;

/*
 * IoInitializeDisks gives the ATA driver its PRD pages, connects IRQ 14 and 15, prints the
 * disks and reads their partition tables. IoDiskTransfer moves PageCount page frames
 * (HAL_ATA_SECTORS_PER_PAGE sectors each) to or from Disk at Lba and waits for the interrupt that
 * ends it; after IO_DISK_TIMEOUT_MS and IO_DISK_TIMEOUT_PER_PAGE_MS for each page (a disk
 * slower than 4 KB/s is taken for one that does not answer) it resets the channel and returns
 * STATUS_IO_TIMEOUT. Other failures are HalAtaStartTransfer's refusals and the decoded device
 * errors (hal/ata.h). At an IRQL that leaves the disk interrupts open; callers on one channel
 * take turns.
 */
#define IO_DISK_TIMEOUT_MS          5000
#define IO_DISK_TIMEOUT_PER_PAGE_MS 1000

void IoInitializeDisks(const IO_DISK_PAGES *Pages);
NTSTATUS IoDiskTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                        uint32_t PageCount, bool Write);
/* The same at sector granularity (HalAtaStartTransferSectors): Sectors sectors from Lba to or
 * from memory starting ByteOffset bytes (a multiple of 512) into PageFrames[0] and going on
 * through the frames after it. What a file system uses for a page lying in several runs. */
NTSTATUS IoDiskTransferSectors(uint32_t Disk, uint64_t Lba, uint32_t Sectors,
                               const uint32_t *PageFrames, uint32_t ByteOffset, bool Write);
uint32_t IoDiskCount(void);
uint64_t IoDiskSectors(uint32_t Disk);              /* 0 for a disk that does not exist */
uint32_t IoDiskMaximumTransferSectors(uint32_t Disk);   /* one transfer's most; 0: no disk */
const DISK_PARTITION *IoDiskPartitions(uint32_t Disk, uint32_t *Count);  /* read at start-up */
const DISK_LAYOUT *IoDiskLayout(uint32_t Disk);    /* NULL for a disk that does not exist */
uint32_t IoDiskInterruptCount(uint32_t Channel);    /* transfers its interrupt has ended */

/* Paging I/O for Mm, as NT's: the pages an MDL describes (whole pages, ByteOffset 0; their
 * frames held by Mm meanwhile, MDL_PAGES_LOCKED) to or from a disk at Lba. The caller waits. */
NTSTATUS IoPageRead(uint32_t Disk, uint64_t Lba, MDL *Mdl);
NTSTATUS IoPageWrite(uint32_t Disk, uint64_t Lba, MDL *Mdl);

/*
 * A part of a locked MDL's buffer (iomdl.c, NT's IoBuildPartialMdl): TargetMdl describes Length
 * bytes (0: to the source's end) from VirtualAddress, which lies in SourceMdl's buffer, with
 * the source's frames and process; MDL_PARTIAL, and when the source is mapped in system space
 * the matching part of that mapping (MDL_PARENT_MAPPED_SYSTEM_VA). A target whose Size cannot
 * hold the frames is TARGET_MDL_TOO_SMALL (0x40) with (source, target, frames needed, frames it
 * holds). Reuse a partial MDL that was mapped on its own only after MmPrepareMdlForReuse.
 */
void IoBuildPartialMdl(MDL *SourceMdl, MDL *TargetMdl, void *VirtualAddress, uint32_t Length);

/*
 * The MBR in Sector (partition.c): the used entries, in table order, into Partitions.
 * STATUS_BAD_MASTER_BOOT_RECORD without the 0x55AA signature; STATUS_DISK_CORRUPT_ERROR (and
 * no partitions) for an entry that starts at 0, is empty, ends past DiskSectors, overlaps
 * another, or has a boot indicator other than 0x00 or 0x80.
 */
NTSTATUS IoParsePartitionTable(const uint8_t Sector[HAL_ATA_SECTOR_SIZE], uint64_t DiskSectors,
                               DISK_PARTITION Partitions[DISK_MBR_PARTITIONS], uint32_t *Count);

/*
 * What a layout says of Sectors sectors from Lba (partition.c, pure). A paging-file region
 * lies within one partition of type 0x82, or anywhere on a disk with no partition table. An
 * unclaimed region lies on the disk and holds nothing a table claims: on a disk with a table,
 * not the MBR's sector 0 and no partition other than a 0x82 one; on a disk with no table,
 * anywhere; on a disk whose table could not be read, nowhere. (Whether a paging file lives
 * there is Mm's to say: MmIsDiskRegionFree.)
 */
bool IoIsPagingFileRegion(const DISK_LAYOUT *Layout, uint64_t Lba, uint64_t Sectors);
bool IoIsRegionUnclaimed(const DISK_LAYOUT *Layout, uint64_t Lba, uint64_t Sectors);

/*
 * Files (NT's I/O model, synchronous). A request is an IRP with one stack location, handed to
 * the dispatch routine the target device's driver registered for its major function
 * (IoCallDriver); the routine finishes it before it returns (there are no pending IRPs yet)
 * and says how in Irp->IoStatus and its return value. The layouts NT publishes for callers
 * (FILE_OBJECT, VPB, SECTION_OBJECT_POINTERS, SHARE_ACCESS, IO_STATUS_BLOCK) are NT x86's;
 * DEVICE_OBJECT, DRIVER_OBJECT, IRP and IO_STACK_LOCATION keep NT's names for the fields
 * mm386 uses and leave the rest out.
 */
typedef uint32_t ACCESS_MASK;

/* A 64-bit value laid out as Windows lays out LARGE_INTEGER: 8-byte aligned in structures
 * (GCC aligns int64_t to 4 on i386). */
typedef int64_t LARGE_INTEGER __attribute__((aligned(8)));

/* File access rights (winnt.h). */
#define FILE_READ_DATA              0x0001
#define FILE_LIST_DIRECTORY         0x0001
#define FILE_WRITE_DATA             0x0002
#define FILE_ADD_FILE               0x0002
#define FILE_APPEND_DATA            0x0004
#define FILE_ADD_SUBDIRECTORY       0x0004
#define FILE_READ_EA                0x0008
#define FILE_WRITE_EA               0x0010
#define FILE_EXECUTE                0x0020
#define FILE_TRAVERSE               0x0020
#define FILE_DELETE_CHILD           0x0040
#define FILE_READ_ATTRIBUTES        0x0080
#define FILE_WRITE_ATTRIBUTES       0x0100
#define FILE_ALL_ACCESS             0x001F01FF
#define FILE_GENERIC_READ           0x00120089
#define FILE_GENERIC_WRITE          0x00120116
#define FILE_GENERIC_EXECUTE        0x001200A0
#define IO_DELETE_ACCESS            0x00010000      /* DELETE */
#define IO_SYNCHRONIZE_ACCESS       0x00100000      /* SYNCHRONIZE */

#define FILE_SHARE_READ             0x00000001
#define FILE_SHARE_WRITE            0x00000002
#define FILE_SHARE_DELETE           0x00000004
#define FILE_SHARE_VALID_FLAGS      0x00000007

/* File attributes (winnt.h); FAT keeps the low byte. */
#define FILE_ATTRIBUTE_READONLY     0x00000001
#define FILE_ATTRIBUTE_HIDDEN       0x00000002
#define FILE_ATTRIBUTE_SYSTEM       0x00000004
#define FILE_ATTRIBUTE_DIRECTORY    0x00000010
#define FILE_ATTRIBUTE_ARCHIVE      0x00000020
#define FILE_ATTRIBUTE_NORMAL       0x00000080
#define FILE_ATTRIBUTE_VALID_FLAGS  0x00007FB7
#define FILE_ATTRIBUTE_VALID_SET_FLAGS 0x000031A7

/* NtCreateFile's CreateDisposition, and the Information it returns. */
#define FILE_SUPERSEDE              0
#define FILE_OPEN                   1
#define FILE_CREATE                 2
#define FILE_OPEN_IF                3
#define FILE_OVERWRITE              4
#define FILE_OVERWRITE_IF           5
#define FILE_MAXIMUM_DISPOSITION    5

#define FILE_SUPERSEDED             0
#define FILE_OPENED                 1
#define FILE_CREATED                2
#define FILE_OVERWRITTEN            3
#define FILE_EXISTS                 4
#define FILE_DOES_NOT_EXIST         5

/* NtCreateFile's CreateOptions. */
#define FILE_DIRECTORY_FILE             0x00000001
#define FILE_WRITE_THROUGH              0x00000002
#define FILE_SEQUENTIAL_ONLY            0x00000004
#define FILE_NO_INTERMEDIATE_BUFFERING  0x00000008
#define FILE_SYNCHRONOUS_IO_ALERT       0x00000010
#define FILE_SYNCHRONOUS_IO_NONALERT    0x00000020
#define FILE_NON_DIRECTORY_FILE         0x00000040
#define FILE_CREATE_TREE_CONNECTION     0x00000080
#define FILE_COMPLETE_IF_OPLOCKED       0x00000100
#define FILE_NO_EA_KNOWLEDGE            0x00000200
#define FILE_OPEN_FOR_RECOVERY          0x00000400
#define FILE_RANDOM_ACCESS              0x00000800
#define FILE_DELETE_ON_CLOSE            0x00001000
#define FILE_OPEN_BY_FILE_ID            0x00002000
#define FILE_OPEN_FOR_BACKUP_INTENT     0x00004000
#define FILE_NO_COMPRESSION             0x00008000
#define FILE_RESERVE_OPFILTER           0x00100000
#define FILE_OPEN_REPARSE_POINT         0x00200000
#define FILE_OPEN_NO_RECALL             0x00400000
#define FILE_OPEN_FOR_FREE_SPACE_QUERY  0x00800000
#define FILE_VALID_OPTION_FLAGS         0x00FFFFFF

/* FILE_OBJECT.Flags (NT's FO_ values). */
#define FO_FILE_OPEN                    0x00000001
#define FO_SYNCHRONOUS_IO               0x00000002
#define FO_ALERTABLE_IO                 0x00000004
#define FO_NO_INTERMEDIATE_BUFFERING    0x00000008
#define FO_WRITE_THROUGH                0x00000010
#define FO_SEQUENTIAL_ONLY              0x00000020
#define FO_CACHE_SUPPORTED              0x00000040
#define FO_STREAM_FILE                  0x00000100
#define FO_FILE_MODIFIED                0x00001000
#define FO_FILE_SIZE_CHANGED            0x00002000
#define FO_CLEANUP_COMPLETE             0x00004000
#define FO_HANDLE_CREATED               0x00040000
#define FO_RANDOM_ACCESS                0x00100000

typedef struct _IO_STATUS_BLOCK {
    NTSTATUS Status;
    uint32_t Information;
} IO_STATUS_BLOCK;

/* A counted UTF-16 string in kernel memory (UNICODE_STRING). */
typedef struct _UNICODE_STRING {
    uint16_t Length;                /* bytes, without a terminating zero */
    uint16_t MaximumLength;
    uint16_t *Buffer;
} UNICODE_STRING;

/* What ties a file to Mm and Cc (NT's): the data and image sections, the shared cache map.
 * The file system owns it (one per open file, in its FCB); NULL fields until those exist. */
typedef struct _SECTION_OBJECT_POINTERS {
    void *DataSectionObject;
    void *SharedCacheMap;
    void *ImageSectionObject;
} SECTION_OBJECT_POINTERS;

_Static_assert(sizeof(SECTION_OBJECT_POINTERS) == 12, "NT x86's SECTION_OBJECT_POINTERS");

/* How the opens of one file share it (IoCheckShareAccess below). */
typedef struct _SHARE_ACCESS {
    uint32_t OpenCount;
    uint32_t Readers;
    uint32_t Writers;
    uint32_t Deleters;
    uint32_t SharedRead;
    uint32_t SharedWrite;
    uint32_t SharedDelete;
} SHARE_ACCESS;

_Static_assert(sizeof(SHARE_ACCESS) == 28, "NT's SHARE_ACCESS");

#define IO_TYPE_DEVICE              3
#define IO_TYPE_DRIVER              4
#define IO_TYPE_FILE                5
#define IO_TYPE_VPB                 10

#define FILE_DEVICE_CONSOLE         0x00000050
#define FILE_DEVICE_DISK_FILE_SYSTEM 0x00000008

struct _DEVICE_OBJECT;
struct _IRP;

/* The volume parameter block: a mounted volume, tying the disk to the file system's device. */
#define VPB_MOUNTED                 0x0001
#define MAXIMUM_VOLUME_LABEL_LENGTH (32 * sizeof(uint16_t))

typedef struct _VPB {
    int16_t Type;
    int16_t Size;
    uint16_t Flags;
    uint16_t VolumeLabelLength;     /* bytes */
    struct _DEVICE_OBJECT *DeviceObject;    /* the file system's volume device */
    struct _DEVICE_OBJECT *RealDevice;      /* the disk's; NULL: mm386's disks are not devices */
    uint32_t SerialNumber;
    uint32_t ReferenceCount;
    uint16_t VolumeLabel[MAXIMUM_VOLUME_LABEL_LENGTH / sizeof(uint16_t)];
} VPB;

_Static_assert(sizeof(VPB) == 0x58, "NT x86's VPB");

/*
 * FILE_OBJECT: one open of a file. Io fills it before IRP_MJ_CREATE (Vpb, DeviceObject,
 * FileName: the path on the volume, RelatedFileObject, the access and share booleans, Flags
 * from the create options) and keeps CurrentByteOffset for synchronous opens; the file system
 * sets FsContext (its FCB: every open of one file has the same), FsContext2 (its per-open
 * CCB) and SectionObjectPointer (the FCB's). NT x86's layout.
 */
typedef struct _FILE_OBJECT {
    int16_t Type;                               /* 0x00 IO_TYPE_FILE */
    int16_t Size;
    struct _DEVICE_OBJECT *DeviceObject;        /* 0x04 */
    VPB *Vpb;                                   /* 0x08 */
    void *FsContext;                            /* 0x0C */
    void *FsContext2;                           /* 0x10 */
    SECTION_OBJECT_POINTERS *SectionObjectPointer;  /* 0x14 */
    void *PrivateCacheMap;                      /* 0x18 Cc's, per open */
    NTSTATUS FinalStatus;                       /* 0x1C */
    struct _FILE_OBJECT *RelatedFileObject;     /* 0x20 */
    bool LockOperation;                         /* 0x24 */
    bool DeletePending;
    bool ReadAccess;
    bool WriteAccess;
    bool DeleteAccess;                          /* 0x28 */
    bool SharedRead;
    bool SharedWrite;
    bool SharedDelete;
    uint32_t Flags;                             /* 0x2C FO_ */
    UNICODE_STRING FileName;                    /* 0x30 */
    LARGE_INTEGER CurrentByteOffset;            /* 0x38 */
    uint32_t Waiter;                            /* 0x40 */
    uint32_t Busy;
    void *LastLock;
    KEVENT Lock;                                /* 0x4C */
    KEVENT Event;                               /* 0x5C */
    void *CompletionContext;                    /* 0x6C */
} FILE_OBJECT;

_Static_assert(offsetof(FILE_OBJECT, Vpb) == 0x08, "NT x86's FILE_OBJECT");
_Static_assert(offsetof(FILE_OBJECT, SectionObjectPointer) == 0x14, "NT x86's FILE_OBJECT");
_Static_assert(offsetof(FILE_OBJECT, DeletePending) == 0x25, "NT x86's FILE_OBJECT");
_Static_assert(offsetof(FILE_OBJECT, Flags) == 0x2C, "NT x86's FILE_OBJECT");
_Static_assert(offsetof(FILE_OBJECT, FileName) == 0x30, "NT x86's FILE_OBJECT");
_Static_assert(offsetof(FILE_OBJECT, CurrentByteOffset) == 0x38, "NT x86's FILE_OBJECT");
_Static_assert(offsetof(FILE_OBJECT, Event) == 0x5C, "NT x86's FILE_OBJECT");
_Static_assert(sizeof(FILE_OBJECT) == 0x70, "NT x86's FILE_OBJECT");

/* Major functions (NT's numbers) and the minor one for directories. */
#define IRP_MJ_CREATE               0x00
#define IRP_MJ_CLOSE                0x02
#define IRP_MJ_READ                 0x03
#define IRP_MJ_WRITE                0x04
#define IRP_MJ_QUERY_INFORMATION    0x05
#define IRP_MJ_SET_INFORMATION      0x06
#define IRP_MJ_FLUSH_BUFFERS        0x09
#define IRP_MJ_DIRECTORY_CONTROL    0x0C
#define IRP_MJ_FILE_SYSTEM_CONTROL  0x0D
#define IRP_MJ_SHUTDOWN             0x10
#define IRP_MJ_CLEANUP              0x12
#define IRP_MJ_MAXIMUM_FUNCTION     0x1B
#define IRP_MN_QUERY_DIRECTORY      0x01
#define IRP_MN_USER_FS_REQUEST      0x00

/*
 * FSCTL_QUERY_PAGING_FILE_RUNS (mm386's own file-system control, METHOD_BUFFERED): where on
 * the disk an open file's data lies, as IO_PAGING_FILE_RUNS in the SystemBuffer (room for
 * OutputBufferLength bytes): runs of sectors in the order of the file's bytes, at most
 * IO_MAXIMUM_PAGING_FILE_RUNS (STATUS_BUFFER_OVERFLOW beyond). NT's Mm never asks this: its
 * paging I/O goes to the file system, whose in-memory map of the file's runs answers without
 * touching the volume's metadata. mm386's Mm does its disk I/O itself, so the same map is
 * handed over once, when the paging file is opened.
 */
#define FSCTL_QUERY_PAGING_FILE_RUNS 0x000900F0  /* CTL_CODE(9, 60, METHOD_BUFFERED, 0) */
#define IO_MAXIMUM_PAGING_FILE_RUNS 256

typedef struct _IO_SECTOR_RUN {
    uint64_t Lba;
    uint32_t Sectors;
} IO_SECTOR_RUN;

typedef struct _IO_PAGING_FILE_RUNS {
    uint32_t Disk;                  /* the disk the volume is on */
    uint32_t RunCount;
    IO_SECTOR_RUN Runs[];
} IO_PAGING_FILE_RUNS;

/* IRP.Flags: how a read or write is to be done. A user's request is neither; Mm's paging
 * reads and writes (IoPageReadFile, IoSynchronousPageWrite) are IRP_PAGING_IO | IRP_NOCACHE
 * | IRP_SYNCHRONOUS_PAGING_IO, which a file system serves without the locks its ordinary
 * requests hold and without the cache. */
#define IRP_NOCACHE                 0x00000001
#define IRP_PAGING_IO               0x00000002
#define IRP_SYNCHRONOUS_API         0x00000004
#define IRP_SYNCHRONOUS_PAGING_IO   0x00000040

/* IO_STACK_LOCATION.Flags */
#define SL_CASE_SENSITIVE           0x80            /* create: OBJ_CASE_INSENSITIVE was clear */
#define SL_OPEN_TARGET_DIRECTORY    0x04            /* create */
#define SL_RESTART_SCAN             0x01            /* directory query */
#define SL_RETURN_SINGLE_ENTRY      0x02
#define SL_INDEX_SPECIFIED          0x04

typedef struct _IO_STACK_LOCATION {
    uint8_t MajorFunction;
    uint8_t MinorFunction;
    uint8_t Flags;
    uint8_t Control;
    union {
        struct {                    /* IRP_MJ_CREATE (NT passes the access in a security context) */
            ACCESS_MASK DesiredAccess;
            uint32_t Options;       /* CreateDisposition << 24 | CreateOptions */
            uint16_t FileAttributes;
            uint16_t ShareAccess;
        } Create;
        struct {                    /* IRP_MJ_READ, IRP_MJ_WRITE */
            uint32_t Length;
            uint32_t Key;
            int64_t ByteOffset;
        } Read, Write;
        struct {
            uint32_t Length;
            uint32_t FileInformationClass;
        } QueryFile;
        struct {
            uint32_t Length;
            uint32_t FileInformationClass;
            FILE_OBJECT *FileObject;    /* rename: the target's directory, or NULL */
            bool ReplaceIfExists;
        } SetFile;
        struct {
            uint32_t Length;
            UNICODE_STRING *FileName;   /* the pattern, or NULL */
            uint32_t FileInformationClass;
            uint32_t FileIndex;
        } QueryDirectory;
        struct {
            uint32_t OutputBufferLength;
            uint32_t InputBufferLength;
            uint32_t FsControlCode;
        } FileSystemControl;
    } Parameters;
    struct _DEVICE_OBJECT *DeviceObject;
    FILE_OBJECT *FileObject;
} IO_STACK_LOCATION;

/*
 * One request. UserBuffer is the caller's buffer in RequestorMode's address space (reads and
 * writes: the file system copies with ExCaptureFromMode / ExReturnToMode); SystemBuffer a
 * kernel buffer Io filled or will copy back (information and directory queries); MdlAddress
 * the caller's buffer locked by the driver for direct I/O (non-cached reads and writes),
 * which Io unlocks and frees when the request is over, as NT's I/O completion does.
 * IoStatus.Information is the bytes moved or returned, or for a create what was done
 * (FILE_CREATED ...).
 */
typedef struct _IRP {
    uint32_t Flags;
    IO_STATUS_BLOCK IoStatus;
    KPROCESSOR_MODE RequestorMode;
    void *UserBuffer;
    MDL *MdlAddress;
    struct {
        void *SystemBuffer;
    } AssociatedIrp;
    IO_STACK_LOCATION Stack;
} IRP;

static inline IO_STACK_LOCATION *IoGetCurrentIrpStackLocation(IRP *Irp)
{
    return &Irp->Stack;
}

/* An IRP for FileObject's device with MajorFunction and nothing else set. */
void IoInitializeIrp(IRP *Irp, uint8_t MajorFunction, FILE_OBJECT *FileObject,
                     KPROCESSOR_MODE RequestorMode);

typedef NTSTATUS DRIVER_DISPATCH(struct _DEVICE_OBJECT *DeviceObject, IRP *Irp);

typedef struct _DRIVER_OBJECT {
    int16_t Type;
    int16_t Size;
    struct _DEVICE_OBJECT *DeviceObject;    /* the first of its devices */
    const char *DriverName;
    DRIVER_DISPATCH *MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT;

typedef struct _DEVICE_OBJECT {
    int16_t Type;
    uint16_t Size;
    int32_t ReferenceCount;                 /* file objects open on it */
    DRIVER_OBJECT *DriverObject;
    struct _DEVICE_OBJECT *NextDevice;      /* the driver's next */
    VPB *Vpb;                               /* a file system's volume device: its volume */
    uint32_t DeviceType;                    /* FILE_DEVICE_ */
    void *DeviceExtension;                  /* the driver's (a file system's VCB) */
    struct _DEVICE_OBJECT *NextShutdown;    /* IoRegisterShutdownNotification's list */
} DEVICE_OBJECT;

/*
 * Paging I/O on a file (iopaging.c), NT's IoPageRead on a file object and
 * IoSynchronousPageWrite: Mdl's bytes (its frames held by the caller; byte offset and count
 * in whole 512-byte sectors) read from or written to the file at Offset (a multiple of 512)
 * by an IRP_PAGING_IO request to its file system, synchronously. For Mm's file-backed
 * sections, mapped page writer and flushes, called with no Mm lock held, at PASSIVE_LEVEL or
 * APC_LEVEL (from inside a page fault). The file system's rules (FAT's: pagingio.c): a read
 * fills the MDL, zeroes past the end of file, and is STATUS_END_OF_FILE at or past it; a
 * write never extends the file or changes its size (trimmed to the end of file rounded up
 * to a page; nothing at or past it). Returns the status, also in IoStatus->Status, with
 * IoStatus->Information the bytes of the file moved.
 */
NTSTATUS IoPageReadFile(FILE_OBJECT *File, MDL *Mdl, int64_t Offset, IO_STATUS_BLOCK *IoStatus);
NTSTATUS IoSynchronousPageWrite(FILE_OBJECT *File, MDL *Mdl, int64_t Offset,
                                IO_STATUS_BLOCK *IoStatus);

/* A driver: every major function answers STATUS_INVALID_DEVICE_REQUEST until set. */
void IoInitializeDriverObject(DRIVER_OBJECT *DriverObject, const char *DriverName);
/* A device of Driver (first in its list), of DeviceType, with Extension as its extension. */
void IoInitializeDeviceObject(DEVICE_OBJECT *DeviceObject, DRIVER_OBJECT *DriverObject,
                              uint32_t DeviceType, void *Extension);

/* The dispatch routine of DeviceObject's driver for the IRP's major function; PASSIVE_LEVEL.
 * Returns what the routine returned (Irp->IoStatus.Status too). */
NTSTATUS IoCallDriver(DEVICE_OBJECT *DeviceObject, IRP *Irp);

/*
 * Shutdown: IoShutdownSystem sends IRP_MJ_SHUTDOWN to every device registered, last first,
 * so each file system writes what it holds (FSInfo; later the cache) before the machine stops.
 * kd's poweroff and the end of a run= program call it. PASSIVE_LEVEL.
 */
void IoRegisterShutdownNotification(DEVICE_OBJECT *DeviceObject);
void IoShutdownSystem(void);

/*
 * Share access (sharacc.c), NT's rules: an open asking for read, write or delete access
 * conflicts with an earlier open that did not share it, and an open not sharing read, write
 * or delete conflicts with an earlier open that has that access. Only opens asking for
 * FILE_READ_DATA, FILE_EXECUTE, FILE_WRITE_DATA, FILE_APPEND_DATA or DELETE take part.
 * IoCheckShareAccess returns STATUS_SHARING_VIOLATION for a conflict, and otherwise records the
 * open in FileObject (its booleans) and, with Update, in ShareAccess. IoSetShareAccess records
 * a first open; IoRemoveShareAccess takes an open's share out again (at cleanup).
 */
NTSTATUS IoCheckShareAccess(ACCESS_MASK DesiredAccess, uint32_t DesiredShareAccess,
                            FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess, bool Update);
void IoSetShareAccess(ACCESS_MASK DesiredAccess, uint32_t DesiredShareAccess,
                      FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess);
void IoRemoveShareAccess(FILE_OBJECT *FileObject, SHARE_ACCESS *ShareAccess);

#endif
