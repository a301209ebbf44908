/*
 * kernel/fs/fastfat/fatprocs.h: the FAT32 file system's structures and routines (NT's fastfat:
 * VCB per volume, FCB per open file or directory, CCB per open). Every dispatch routine runs
 * at PASSIVE_LEVEL holding its volume's lock (VCB.Resource, a fast mutex: one request at a
 * time per volume), which guards everything below; I/O is synchronous. Paging I/O is the
 * exception (pagingio.c): it holds only its FCB's PagingIoResource, under which it reads the
 * FCB's FileSize and MCB, which are changed only with that resource exclusive.
 *
 *   VCB   the mounted volume: geometry from the boot sector, the free count and next-free hint
 *         (FSInfo's), three bitmaps made by scanning the FAT at mount (clusters in use,
 *         clusters some entry points to, clusters on a broken chain), the FCBs open, a
 *         one-page cache of the FAT and the bounce pages every ordinary disk transfer goes
 *         through
 *   FCB   a file or directory (nonpaged: paging I/O reads it inside page faults): where its
 *         entry is in its parent, its first cluster, size, its MCB, times and attributes,
 *         its share access, SECTION_OBJECT_POINTERS (NULL until Mm's file-backed sections
 *         and Cc take it), open and reference counts; the parent is
 *         referenced while the FCB lives, so a path's FCBs stay while anything under it is open
 *   CCB   an open: where its directory query stands and with what pattern
 *
 * Corruption is never trusted: every chain walk is bounded by the cluster count and checks
 * each entry (out of range, bad, or part of a cross-link) and every entry's size against its
 * chain; what fails is STATUS_FILE_CORRUPT_ERROR for that file alone.
 */
#ifndef KERNEL_FS_FASTFAT_FATPROCS_H
#define KERNEL_FS_FASTFAT_FATPROCS_H

#include "kernel/iomgr/iomgr.h"
#include "kernel/cc/cc.h"
#include "kernel/fs/fastfat/fat.h"
#include "kernel/fs/fastfat/fastfat.h"

#define FAT_VCB_TAG             POOL_TAG('F', 'a', 't', 'V')
#define FAT_FCB_TAG             POOL_TAG('F', 'a', 't', 'F')
#define FAT_CCB_TAG             POOL_TAG('F', 'a', 't', 'C')
#define FAT_BITMAP_TAG          POOL_TAG('F', 'a', 't', 'B')
#define FAT_BUFFER_TAG          POOL_TAG('F', 'a', 't', 'I')
#define FAT_MCB_TAG             POOL_TAG('F', 'a', 't', 'M')
#define FAT_BOUNCE_PAGES        16          /* 64 KB: the longest single disk transfer */
#define FAT_SECTORS_PER_PAGE    (PAGE_SIZE / FAT_SECTOR_SIZE)

/*
 * resrcsup.c: a shared/exclusive lock, what NT's ERESOURCE is to its FCBs (the FCB's
 * PagingIoResource below): any number of shared owners or one exclusive owner; a waiting
 * exclusive acquirer holds back new shared ones, so truncation is not starved by paging I/O.
 * Not recursive: the exclusive owner acquiring it again with Wait is FAT_FILE_SYSTEM
 * (resource, owner, 0, 5) rather than a wait for itself (without Wait: false). Callable at
 * PASSIVE_LEVEL and APC_LEVEL (from inside a page fault); with Wait false, false instead of a
 * wait. Lives in nonpaged memory.
 */
typedef struct _FAT_RESOURCE {
    KSPIN_LOCK Lock;
    int32_t ActiveCount;                /* shared owners; -1: owned exclusive */
    KTHREAD *ExclusiveOwner;
    uint32_t ExclusiveWaiters;
    KEVENT Changed;                     /* notification: set when an owner lets go */
    uint32_t Contention;                /* acquisitions that had to wait */
} FAT_RESOURCE;

void FatInitializeResource(FAT_RESOURCE *Resource);
bool FatAcquireResourceShared(FAT_RESOURCE *Resource, bool Wait);
bool FatAcquireResourceExclusive(FAT_RESOURCE *Resource, bool Wait);
void FatReleaseResource(FAT_RESOURCE *Resource);

/*
 * mcbsup.c: the map of a file's clusters (NT's MCB, FsRtl's large MCB in FAT's use): runs of
 * virtual cluster numbers (VBO / cluster size) lying one after another on the volume, from
 * cluster 0 of the file up. Built from the FAT chain when the FCB is made (FatCheckChain)
 * and changed with every allocation change (FatAddClusters, FatTruncateClusters), always with
 * the FCB's PagingIoResource exclusive; read with it held shared (paging I/O) or with the
 * volume's lock (ordinary requests, which are the only ones that change it). Its array is
 * nonpaged: paging I/O reads it from inside page faults.
 */
typedef struct _FAT_MCB_RUN {
    uint32_t Vcn;                       /* the run's first cluster in the file */
    uint32_t Lcn;                       /* ... on the volume */
    uint32_t Clusters;
} FAT_MCB_RUN;

typedef struct _FAT_MCB {
    uint32_t RunCount;
    uint32_t MaximumRuns;
    uint32_t Clusters;                  /* the file's clusters it maps: Vcn 0 .. Clusters - 1 */
    FAT_MCB_RUN *Runs;
} FAT_MCB;

#define FAT_MCB_INITIAL_RUNS    8

typedef struct _VCB {
    DEVICE_OBJECT VolumeDevice;         /* DeviceExtension: this VCB */
    VPB Vpb;
    FAST_MUTEX Resource;
    char DriveLetter;

    uint32_t Disk;
    uint32_t PartitionLba;              /* the volume's sector 0 on the disk */
    uint32_t PartitionSectors;

    uint32_t SectorsPerCluster;
    uint32_t BytesPerCluster;
    uint32_t ClusterShift;              /* log2(BytesPerCluster) */
    uint32_t NumberOfFats;
    uint32_t ActiveFat;                 /* the one read (mirroring off: BPB's choice) */
    bool Mirrored;                      /* a change goes to every FAT (else ActiveFat's only) */
    uint32_t FatBytes;                  /* the FAT's entries, clusters 0 .. ClusterCount + 1,
                                         * in whole sectors: what its stream covers */
    uint32_t FatStart;                  /* sector of FAT 0 */
    uint32_t SectorsPerFat;
    uint32_t DataStart;                 /* sector of cluster 2 */
    uint32_t ClusterCount;              /* clusters 2 .. ClusterCount + 1 exist */
    uint32_t RootCluster;
    uint32_t FsInfoSector;

    uint32_t FreeClusters;
    uint32_t NextFreeHint;
    bool FsInfoDirty;                   /* FSInfo on disk differs from the two above */
    bool VolumeDirty;                   /* FAT[1]'s clean-shutdown bit is clear on the disk */
    bool DirtyAtMount;                  /* ... and was at mount: not shut down cleanly */

    RTL_BITMAP InUse;                   /* bit c: cluster c's FAT entry is not 0 */
    RTL_BITMAP Linked;                  /* bit c: some FAT entry points to c */
    RTL_BITMAP Broken;                  /* bit c: c is on a cross-link or points out of range */

    /* The FAT through the cache (allocsup.c): NT's virtual volume file, here the active FAT
     * alone (byte 0 its first; FsContext the VCB; its paging writes go to every FAT). */
    FILE_OBJECT *FatFile;
    SECTION_OBJECT_POINTERS FatSectionObjectPointers;
    KEVENT FatFileClosed;               /* its close came (the cache let go of it) */
    BCB *FatWindowBcb;                  /* one page of it kept mapped (CcMapData) ... */
    const uint32_t *FatWindow;
    uint32_t FatWindowPage;             /* ... which (FAT_NO_PAGE: none) */

    volatile uint32_t PagingWrites;     /* paging writes ended: a window read before one may
                                           hold sectors it changed, and is read again */
    uint32_t BounceGeneration;          /* PagingWrites when the window was read */
    uint8_t *Bounce;                    /* FAT_BOUNCE_PAGES nonpaged pages */
    uint32_t BounceFrames[FAT_BOUNCE_PAGES];
    uint32_t BounceSector;              /* the volume sector the bounce pages hold from ... */
    uint32_t BouncePages;               /* ... this many pages of (0: nothing) */

    LIST_ENTRY FcbList;
    struct _FCB *RootDcb;
} VCB;

#define FAT_NO_PAGE             0xFFFFFFFFu

typedef struct _FCB {
    LIST_ENTRY VcbLinks;
    VCB *Vcb;
    struct _FCB *ParentDcb;             /* referenced; NULL for the root */
    uint32_t ReferenceCount;            /* CCBs not closed, child FCBs, callers' holds */
    uint32_t UncleanCount;              /* opens not cleaned up */
    SHARE_ACCESS ShareAccess;
    SECTION_OBJECT_POINTERS SectionObjectPointers;

    uint8_t Attributes;                 /* the entry's FAT_DIRENT_ATTR_ */
    bool DeletePending;
    bool Deleted;                       /* its entry is gone from the disk */
    uint32_t FirstCluster;              /* 0: no clusters */
    uint32_t FileSize;
    /* NT's ValidDataLength: the bytes of the file that are on the disk. Past it (to FileSize)
     * its data is in the cache only, written there or zeroed, and not yet written back: a
     * paging read gives zeroes there rather than the clusters' old bytes, and a paging write
     * moves it on. FileSize at open; never above FileSize. */
    uint32_t ValidDataLength;
    uint32_t AllocationClusters;        /* the chain's length, checked at open */
    uint32_t LastCluster;               /* its last cluster (0: none) */
    FAT_MCB Mcb;                        /* where the clusters are (mcbsup.c) */
    /* NT's split: ordinary requests hold the volume's lock (the FCB's main resource's part)
     * while they copy to and from callers' buffers, which may fault on a view of this very
     * file; paging I/O takes only this, shared, so such a fault's read can always go on.
     * Exclusive around every change of FileSize and of the MCB. */
    FAT_RESOURCE PagingIoResource;
    /* A directory's stream file object (NT's DCB DirectoryFile): its entries are read and
     * written through the cache's pin interface on it (dirsup.c). NULL until first used, and
     * again once the directory is no longer open (the cache keeps its pages a while). */
    FILE_OBJECT *DirectoryFile;

    uint32_t DirentOffset;              /* byte offset of the short entry in the parent */
    uint32_t LfnOffset;                 /* of its first long-name entry (= DirentOffset: none) */
    uint8_t ShortName[11];
    uint8_t NtByte;
    int64_t CreationTime, LastWriteTime, LastAccessTime;

    uint16_t NameLength;                /* characters: the long name, or the short one shown */
    uint16_t Name[FAT_MAXIMUM_NAME + 1];
} FCB;

static inline bool FatIsDirectory(const FCB *Fcb)
{
    return (Fcb->Attributes & FAT_DIRENT_ATTR_DIRECTORY) != 0;
}

typedef struct _CCB {
    bool DeleteOnClose;                 /* FILE_DELETE_ON_CLOSE: delete at its cleanup */
    bool Accessed;                      /* read or written: the access date moves at cleanup */
    uint32_t QueryOffset;               /* the next directory entry a query looks at */
    bool QueryStarted;
    bool MatchAll;
    uint16_t PatternLength;             /* characters */
    uint16_t Pattern[FAT_MAXIMUM_NAME + 1];
} CCB;

/* What a directory scan found: one file's entry and its names (dirsup.c). */
typedef struct _FAT_DIRENT_CONTEXT {
    DIRENT Dirent;
    uint32_t DirentOffset;
    uint32_t LfnOffset;                 /* = DirentOffset when it has no long name */
    uint16_t NameLength;                /* the long name, or the short name as shown */
    uint16_t Name[FAT_MAXIMUM_NAME + 1];
    uint16_t ShortNameLength;
    uint16_t ShortName[12];             /* "NAME.EXT" as shown (NtByte's case) */
} FAT_DIRENT_CONTEXT;

/* fatinit.c: the driver, and the dispatch routine each major function gets. */
extern DRIVER_OBJECT FatDriverObject;

/* fsctrl.c: mounting a partition. */
NTSTATUS FatMountVolume(uint32_t Disk, const DISK_PARTITION *Partition, char DriveLetter);

/* deviosup.c: bytes of the volume (byte offsets from its sector 0), through the bounce pages.
 * Mode is the buffer's: user buffers are copied with the caller's probes. */
NTSTATUS FatReadVolume(VCB *Vcb, uint64_t Offset, uint32_t Length, void *Buffer,
                       KPROCESSOR_MODE Mode);
NTSTATUS FatWriteVolume(VCB *Vcb, uint64_t Offset, uint32_t Length, const void *Buffer,
                        KPROCESSOR_MODE Mode);
NTSTATUS FatZeroVolume(VCB *Vcb, uint64_t Offset, uint32_t Length);
/* A non-cached request's buffer (FO_NO_INTERMEDIATE_BUFFERING), as NT's FatLockUserBuffer
 * and FatMapUserBuffer: Length bytes of Irp->UserBuffer locked for Operation with an MDL that
 * the IRP carries (Io unlocks and frees it when the request is over), and *SystemBuffer
 * their system mapping, which the transfer then uses in KernelMode. A buffer that cannot be
 * locked is the status MmProbeAndLockPages gives (STATUS_ACCESS_VIOLATION ...). */
NTSTATUS FatLockUserBuffer(IRP *Irp, LOCK_OPERATION Operation, uint32_t Length,
                           void **SystemBuffer);

static inline uint64_t FatClusterOffset(const VCB *Vcb, uint32_t Cluster)
{
    return ((uint64_t)Vcb->DataStart * FAT_SECTOR_SIZE) +
           ((uint64_t)(Cluster - FAT_FIRST_CLUSTER) << Vcb->ClusterShift);
}

/* allocsup.c: the FAT. */
NTSTATUS FatScanFat(VCB *Vcb);
/* The chain from FirstCluster checked; its length and last cluster; with Mcb (empty), its
 * runs recorded there. */
NTSTATUS FatCheckChain(VCB *Vcb, uint32_t FirstCluster, uint32_t *Count, uint32_t *Last,
                       FAT_MCB *Mcb);
/* Cluster Vcn of the file (< AllocationClusters) in *Lcn; with RunClusters, how many clusters
 * from there lie one after another on the disk: from the MCB, without reading the FAT. */
NTSTATUS FatLookupVcn(FCB *Fcb, uint32_t Vcn, uint32_t *Lcn, uint32_t *RunClusters);

/* mcbsup.c */
void FatInitializeMcb(FAT_MCB *Mcb);
void FatUninitializeMcb(FAT_MCB *Mcb);
/* Cluster Lcn as the MCB's next (Vcn Mcb->Clusters); STATUS_INSUFFICIENT_RESOURCES when the
 * array cannot grow (nothing changed). */
NTSTATUS FatMcbAppend(FAT_MCB *Mcb, uint32_t Lcn);
/* Room for one run more, allocated now (before a lock a pool wait must not be made under). */
NTSTATUS FatMcbReserve(FAT_MCB *Mcb);
void FatMcbTruncate(FAT_MCB *Mcb, uint32_t Clusters);
/* Vcn's cluster and the clusters of its run from there on; false beyond the map. */
bool FatMcbLookup(const FAT_MCB *Mcb, uint32_t Vcn, uint32_t *Lcn, uint32_t *RunClusters);

/* pagingio.c: IRP_PAGING_IO reads and writes (Mm's IoPageReadFile, IoSynchronousPageWrite),
 * served without the volume's lock. */
NTSTATUS FatPagingIo(VCB *Vcb, IRP *Irp);
/* FileSize changed with the PagingIoResource exclusive (what paging I/O reads it under);
 * ValidDataLength follows it down. FatSetValidDataLength: ValidDataLength moved up to Size
 * (never past FileSize, never back). */
void FatSetFcbFileSize(FCB *Fcb, uint32_t FileSize);
void FatSetValidDataLength(FCB *Fcb, uint32_t Size);
NTSTATUS FatAddClusters(FCB *Fcb, uint32_t Count, bool Zero);
NTSTATUS FatTruncateClusters(FCB *Fcb, uint32_t Keep);
NTSTATUS FatFreeChain(VCB *Vcb, uint32_t FirstCluster);
/* The FAT's stream (FatFile): opened at mount, closed only when a mount fails after it (false:
 * its close did not come in time, and the VCB must be kept). FatFlushFat writes its dirty
 * pages to every FAT; FatUnmapFatWindow lets the one page kept mapped go. */
#define FAT_FILE_CLOSE_WAIT_MS  10000
NTSTATUS FatOpenFatFile(VCB *Vcb);
bool FatCloseFatFile(VCB *Vcb);
void FatUnmapFatWindow(VCB *Vcb);
NTSTATUS FatFlushFat(VCB *Vcb);
NTSTATUS FatWriteFsInfo(VCB *Vcb);
NTSTATUS FatReadVolumeState(VCB *Vcb);
NTSTATUS FatMarkVolume(VCB *Vcb, bool Dirty);

/* namesup.c: names. */
uint16_t FatUpcase(uint16_t Character);
bool FatNamesEqual(const uint16_t *Left, uint32_t LeftLength, const uint16_t *Right,
                   uint32_t RightLength);
bool FatIsNameValid(const uint16_t *Name, uint32_t Length);
bool FatIsNameInExpression(const uint16_t *Expression, uint32_t ExpressionLength,
                           const uint16_t *Name, uint32_t NameLength);
uint8_t FatShortNameChecksum(const uint8_t ShortName[11]);
uint32_t FatShortNameToUnicode(const uint8_t ShortName[11], uint8_t NtByte, uint16_t *Name);
bool FatFitsShortName(const uint16_t *Name, uint32_t Length, uint8_t ShortName[11],
                      uint8_t *NtByte);
void FatShortNameBase(const uint16_t *Name, uint32_t Length, uint8_t ShortName[11]);
void FatShortNameSetTail(uint8_t ShortName[11], uint32_t Number);

/* timesup.c: NT times (100 ns since 1601) and FAT's. */
int64_t FatQuerySystemTime(void);
int64_t FatTimeToNt(uint16_t Date, uint16_t Time, uint8_t TenMilliseconds);
void FatNtToTime(int64_t NtTime, uint16_t *Date, uint16_t *Time, uint8_t *TenMilliseconds);

/* dirsup.c: directories. FatDirectoryBytes: a directory's length (its clusters'); its stream
 * (FatReleaseDirectoryStream lets go of it: the directory's last open went, or it is deleted). */
uint32_t FatDirectoryBytes(const FCB *Dcb);
void FatDirectorySizeChanged(FCB *Dcb);
void FatReleaseDirectoryStream(FCB *Dcb, bool Deleted);
NTSTATUS FatReadDirent(FCB *Dcb, uint32_t Offset, DIRENT *Dirent);
NTSTATUS FatWriteDirent(FCB *Dcb, uint32_t Offset, const DIRENT *Dirent);
NTSTATUS FatNextDirent(FCB *Dcb, uint32_t *Offset, FAT_DIRENT_CONTEXT *Context);
NTSTATUS FatLocateDirent(FCB *Dcb, const uint16_t *Name, uint32_t Length,
                         FAT_DIRENT_CONTEXT *Context);
NTSTATUS FatCreateDirent(FCB *Dcb, const uint16_t *Name, uint32_t Length, DIRENT *Dirent,
                         FAT_DIRENT_CONTEXT *Context);
NTSTATUS FatDeleteDirent(FCB *Dcb, uint32_t LfnOffset, uint32_t DirentOffset);
NTSTATUS FatIsDirectoryEmpty(FCB *Dcb, bool *Empty);
NTSTATUS FatUpdateDirent(FCB *Fcb);
NTSTATUS FatInitializeDirectory(VCB *Vcb, uint32_t Cluster, uint32_t ParentCluster,
                                const DIRENT *Self);

/* strucsup.c: FCBs. */
NTSTATUS FatOpenFcb(FCB *ParentDcb, const FAT_DIRENT_CONTEXT *Context, FCB **Fcb);
NTSTATUS FatNewFcb(FCB *ParentDcb, const FAT_DIRENT_CONTEXT *Context, FCB **Fcb);
NTSTATUS FatCreateRootDcb(VCB *Vcb);
void FatReferenceFcb(FCB *Fcb);
void FatDereferenceFcb(FCB *Fcb);
void FatDirentToFcb(FCB *Fcb, const DIRENT *Dirent);
void FatFcbToDirent(const FCB *Fcb, DIRENT *Dirent);
uint32_t FatFullName(const FCB *Fcb, uint16_t *Buffer, uint32_t MaximumCharacters);

/* The dispatch routines (one file each, as NT's fastfat). */
NTSTATUS FatCommonCreate(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonRead(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonWrite(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonQueryInformation(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonSetInformation(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonDirectoryControl(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonFileSystemControl(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonCleanup(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonClose(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonFlushBuffers(VCB *Vcb, IRP *Irp);
NTSTATUS FatCommonShutdown(VCB *Vcb, IRP *Irp);

/* read.c: bytes of a file (within its clusters) to or from Buffer (Mode's), or zeros written
 * when Buffer is NULL: what reads, writes and extending share. */
typedef enum _FAT_IO { FatIoRead, FatIoWrite, FatIoZero } FAT_IO;
NTSTATUS FatFileIo(FCB *Fcb, uint32_t Offset, uint32_t Length, void *Buffer,
                   KPROCESSOR_MODE Mode, FAT_IO Operation);

/*
 * cachesup.c: FAT and the cache manager. FatInitializeCacheMap: File's data cached from its
 * first read or write (64 KB read-ahead, as NT's FAT asks); a failure leaves it uncached.
 * FatCachedIo: bytes of a cached file moved through the cache up to its section's end, around
 * it (FatFileIo) past there.
 */
bool FatInitializeCacheMap(FILE_OBJECT *File, FCB *Fcb);
NTSTATUS FatCachedIo(FILE_OBJECT *File, FCB *Fcb, uint32_t Offset, uint32_t Length, void *Buffer,
                     KPROCESSOR_MODE Mode, FAT_IO Operation);

/* fileinfo.c, for create's supersede and overwrite: the file's size and allocation set
 * (File: the file object asking, whose cache zeroes a grown file's new bytes). */
NTSTATUS FatSetFileSize(FILE_OBJECT *File, FCB *Fcb, uint32_t Size, bool KeepAllocation);
NTSTATUS FatDeleteFile(FCB *Fcb);

#endif
