/*
 * kernel/fs/fastfat/allocsup.c: the FAT: reading and changing entries through the cache,
 * checking chains, finding a file's clusters, and allocating and freeing clusters with the free
 * count and the next-free hint that FSInfo keeps on disk.
 *
 * The FAT is read and written as NT's FAT does it, through a cached stream file object (the
 * VCB's FatFile, NT's virtual volume file; here the active FAT alone, its byte 0 the FAT's
 * first): entries are read through one page of it kept mapped while a request runs
 * (CcMapData: the FAT window, let go when the request ends), and changed pinned (CcPinRead,
 * CcSetDirtyPinnedData, CcUnpinData). The cache's dirty pages of it go to every FAT copy
 * (pagingio.c; the active one alone when mirroring is off), so the copies stay equal, when
 * the lazy writer writes them or FatFlushFat flushes them (a request that changed the FAT
 * ends with that, as before). Reads and writes of an entry go through KeProbeRead32 and
 * KeProbeWrite32: a FAT page the disk cannot give back is the in-page status, never a STOP.
 *
 * At mount FatScanFat reads the whole FAT once into three bitmaps: which clusters are in use
 * (the allocator's map), which ones an entry points to (a chain's first cluster must not be one:
 * that is a cross-link), and which ones are broken (two entries point to them, or their entry
 * points outside the volume). A chain walk stops at anything wrong and at ClusterCount steps,
 * so a loop ends there too: STATUS_FILE_CORRUPT_ERROR. An FCB's chain is walked once, when it
 * is made, into its MCB (mcbsup.c); from then on its clusters are found there, and every
 * allocation change edits the MCB and the FAT together.
 */
#include "kernel/fs/fastfat/fatprocs.h"

#define FAT_ENTRIES_PER_PAGE    (PAGE_SIZE / 4)

static uint32_t FatMaximumCluster(const VCB *Vcb)
{
    return Vcb->ClusterCount + 1;
}

static bool FatIsChainCluster(const VCB *Vcb, uint32_t Value)
{
    return Value >= FAT_FIRST_CLUSTER && Value <= FatMaximumCluster(Vcb);
}

/* The sectors of the FAT's stream in its page Page (the last may be short). */
static uint32_t FatPageSectors(const VCB *Vcb, uint32_t Page)
{
    return MIN((uint32_t)FAT_SECTORS_PER_PAGE, (Vcb->FatBytes - Page * PAGE_SIZE) / FAT_SECTOR_SIZE);
}

NTSTATUS FatFlushFat(VCB *Vcb)
{
    if (!Vcb->FatFile || !Vcb->FatSectionObjectPointers.SharedCacheMap)
        return STATUS_SUCCESS;
    return CcFlushCache(&Vcb->FatSectionObjectPointers, NULL, 0, NULL);
}

/* The FAT window let go (before a flush that must not wait on it, and at dismount). */
void FatUnmapFatWindow(VCB *Vcb)
{
    if (Vcb->FatWindowBcb)
        CcUnpinData(Vcb->FatWindowBcb);
    Vcb->FatWindowBcb = NULL;
    Vcb->FatWindow = NULL;
    Vcb->FatWindowPage = FAT_NO_PAGE;
}

/* The FAT page holding Cluster's entry mapped in the window. */
static NTSTATUS FatMapFatPage(VCB *Vcb, uint32_t Cluster)
{
    uint32_t page = Cluster / FAT_ENTRIES_PER_PAGE;
    NTSTATUS status;
    void *buffer;
    BCB *bcb;

    if (page == Vcb->FatWindowPage)
        return STATUS_SUCCESS;
    FatUnmapFatWindow(Vcb);
    status = CcMapData(Vcb->FatFile, (int64_t)page * PAGE_SIZE,
                       FatPageSectors(Vcb, page) * FAT_SECTOR_SIZE, &bcb, &buffer);
    if (NT_SUCCESS(status)) {
        Vcb->FatWindowBcb = bcb;
        Vcb->FatWindow = buffer;
        Vcb->FatWindowPage = page;
    }
    return status;
}

/* Cluster's whole entry (its top 4 bits too). */
static NTSTATUS FatReadRawEntry(VCB *Vcb, uint32_t Cluster, uint32_t *Value)
{
    NTSTATUS status = FatMapFatPage(Vcb, Cluster);

    return NT_SUCCESS(status) ? KeProbeRead32(&Vcb->FatWindow[Cluster % FAT_ENTRIES_PER_PAGE],
                                              Value)
                              : status;
}

static NTSTATUS FatGetEntry(VCB *Vcb, uint32_t Cluster, uint32_t *Value)
{
    NTSTATUS status;

    if (Cluster > FatMaximumCluster(Vcb))
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Vcb, Cluster, 0, 2);
    status = FatReadRawEntry(Vcb, Cluster, Value);
    if (NT_SUCCESS(status))
        *Value &= FAT32_ENTRY_MASK;
    return status;
}

/* Cluster's whole entry made (entry & ~Clear) | Set in the cache, pinned and left dirty; *Old
 * its value before. */
static NTSTATUS FatWriteRawEntry(VCB *Vcb, uint32_t Cluster, uint32_t Clear, uint32_t Set,
                                 uint32_t *Old)
{
    NTSTATUS status;
    void *buffer;
    BCB *bcb;

    status = CcPinRead(Vcb->FatFile, (int64_t)Cluster * sizeof(uint32_t), sizeof(uint32_t), &bcb,
                       &buffer);
    if (!NT_SUCCESS(status))
        return status;
    status = KeProbeRead32(buffer, Old);
    if (NT_SUCCESS(status))
        status = KeProbeWrite32(buffer, (*Old & ~Clear) | Set);
    if (NT_SUCCESS(status))
        CcSetDirtyPinnedData(bcb);
    CcUnpinData(bcb);
    return status;
}

/*
 * The volume's state (NT's FatMarkVolume): FAT32 keeps it in FAT[1]'s clean-shutdown bit, in
 * every FAT. It is made dirty before the first change to the FAT or a directory after mount,
 * and clean again at shutdown, unless it was dirty at mount (not shut down cleanly then: a
 * check is due, and only a check may clear it). fsck.fat reads the same bit.
 */
NTSTATUS FatReadVolumeState(VCB *Vcb)
{
    uint32_t entry;
    NTSTATUS status = FatReadRawEntry(Vcb, 1, &entry);

    if (NT_SUCCESS(status))
        Vcb->VolumeDirty = Vcb->DirtyAtMount = !(entry & FAT32_CLEAN_SHUTDOWN);
    return status;
}

/* The bit changes in the cache and the FAT is flushed at once: every change made before it is
 * on the disk when a clean volume is marked, none after it when a dirty one is. */
NTSTATUS FatMarkVolume(VCB *Vcb, bool Dirty)
{
    uint32_t old;
    NTSTATUS status;

    if (Vcb->VolumeDirty == Dirty || (!Dirty && Vcb->DirtyAtMount))
        return STATUS_SUCCESS;
    status = FatWriteRawEntry(Vcb, 1, Dirty ? FAT32_CLEAN_SHUTDOWN : 0,
                              Dirty ? 0 : FAT32_CLEAN_SHUTDOWN, &old);
    if (NT_SUCCESS(status))
        status = FatFlushFat(Vcb);
    /* A clean mark that did not reach the disk is taken back out of the cache too: the lazy
     * writer must not write it later, while the volume goes on changing. */
    if (!NT_SUCCESS(status) && !Dirty)
        FatWriteRawEntry(Vcb, 1, FAT32_CLEAN_SHUTDOWN, 0, &old);
    if (NT_SUCCESS(status))
        Vcb->VolumeDirty = Dirty;
    return status;
}

/* Cluster's entry = Value (the top 4 bits kept, as the specification asks), and the maps. */
static NTSTATUS FatSetEntry(VCB *Vcb, uint32_t Cluster, uint32_t Value)
{
    uint32_t old;
    NTSTATUS status = FatMarkVolume(Vcb, true);

    if (Cluster > FatMaximumCluster(Vcb))
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Vcb, Cluster, 0, 3);
    if (NT_SUCCESS(status))
        status = FatWriteRawEntry(Vcb, Cluster, FAT32_ENTRY_MASK, Value, &old);
    if (!NT_SUCCESS(status))
        return status;
    old &= FAT32_ENTRY_MASK;
    if (FatIsChainCluster(Vcb, old))
        RtlClearBits(&Vcb->Linked, old, 1);
    if (FatIsChainCluster(Vcb, Value))
        RtlSetBits(&Vcb->Linked, Value, 1);
    if (Value == FAT_CLUSTER_AVAILABLE && old != FAT_CLUSTER_AVAILABLE) {
        RtlClearBits(&Vcb->InUse, Cluster, 1);
        Vcb->FreeClusters++;
        Vcb->FsInfoDirty = true;
    } else if (Value != FAT_CLUSTER_AVAILABLE && old == FAT_CLUSTER_AVAILABLE) {
        RtlSetBits(&Vcb->InUse, Cluster, 1);
        Vcb->FreeClusters--;
        Vcb->FsInfoDirty = true;
    }
    return STATUS_SUCCESS;
}

NTSTATUS FatScanFat(VCB *Vcb)
{
    uint32_t value;
    NTSTATUS status = STATUS_SUCCESS;

    RtlSetBits(&Vcb->InUse, 0, FAT_FIRST_CLUSTER);
    for (uint32_t c = FAT_FIRST_CLUSTER; c <= FatMaximumCluster(Vcb) && NT_SUCCESS(status); c++) {
        status = FatGetEntry(Vcb, c, &value);
        if (!NT_SUCCESS(status) || value == FAT_CLUSTER_AVAILABLE)
            continue;
        RtlSetBits(&Vcb->InUse, c, 1);
        if (FatIsChainCluster(Vcb, value)) {
            if (RtlCheckBit(&Vcb->Linked, value))
                RtlSetBits(&Vcb->Broken, value, 1);
            RtlSetBits(&Vcb->Linked, value, 1);
        } else if (value < FAT_CLUSTER_BAD) {
            RtlSetBits(&Vcb->Broken, c, 1);     /* points outside the volume */
        }
    }
    Vcb->FreeClusters = Vcb->ClusterCount + FAT_FIRST_CLUSTER - RtlNumberOfSetBits(&Vcb->InUse);
    return status;
}

/* The entry after Cluster in a chain: the next cluster, or 0 at the end; corrupt otherwise. */
static NTSTATUS FatNextCluster(VCB *Vcb, uint32_t Cluster, uint32_t *Next)
{
    uint32_t value;
    NTSTATUS status;

    if (RtlCheckBit(&Vcb->Broken, Cluster))
        return STATUS_FILE_CORRUPT_ERROR;
    status = FatGetEntry(Vcb, Cluster, &value);
    if (!NT_SUCCESS(status))
        return status;
    if (value >= FAT_CLUSTER_END_MINIMUM) {
        *Next = 0;
        return STATUS_SUCCESS;
    }
    if (!FatIsChainCluster(Vcb, value) || RtlCheckBit(&Vcb->Broken, value))
        return STATUS_FILE_CORRUPT_ERROR;
    *Next = value;
    return STATUS_SUCCESS;
}

NTSTATUS FatCheckChain(VCB *Vcb, uint32_t FirstCluster, uint32_t *Count, uint32_t *Last,
                       FAT_MCB *Mcb)
{
    uint32_t cluster = FirstCluster, next, count = 0;
    NTSTATUS status;

    *Count = *Last = 0;
    if (FirstCluster == 0)
        return STATUS_SUCCESS;
    if (!FatIsChainCluster(Vcb, FirstCluster) || RtlCheckBit(&Vcb->Linked, FirstCluster) ||
        !RtlCheckBit(&Vcb->InUse, FirstCluster))
        return STATUS_FILE_CORRUPT_ERROR;
    for (;;) {
        if (++count > Vcb->ClusterCount)
            return STATUS_FILE_CORRUPT_ERROR;   /* a loop */
        if (Mcb) {
            status = FatMcbAppend(Mcb, cluster);
            if (!NT_SUCCESS(status))
                return status;
        }
        status = FatNextCluster(Vcb, cluster, &next);
        if (!NT_SUCCESS(status))
            return status;
        if (next == 0)
            break;
        cluster = next;
    }
    *Count = count;
    *Last = cluster;
    return STATUS_SUCCESS;
}

NTSTATUS FatLookupVcn(FCB *Fcb, uint32_t Vcn, uint32_t *Lcn, uint32_t *RunClusters)
{
    uint32_t run;

    if (Vcn >= Fcb->AllocationClusters)
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Fcb, Vcn, Fcb->AllocationClusters, 3);
    if (!FatMcbLookup(&Fcb->Mcb, Vcn, Lcn, &run))
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Fcb, Vcn, Fcb->Mcb.Clusters, 7);
    if (RunClusters)
        *RunClusters = run;
    return STATUS_SUCCESS;
}

/* Room in the MCB for one run more: a bigger array made without locks, swapped in with the
 * PagingIoResource exclusive (paging I/O may be reading the old one). */
static NTSTATUS FatReserveMcbRun(FCB *Fcb)
{
    uint32_t maximum = Fcb->Mcb.MaximumRuns ? Fcb->Mcb.MaximumRuns * 2 : FAT_MCB_INITIAL_RUNS;
    FAT_MCB_RUN *old = Fcb->Mcb.Runs, *runs;

    if (Fcb->Mcb.RunCount < Fcb->Mcb.MaximumRuns)
        return STATUS_SUCCESS;
    runs = ExAllocatePoolWithTag(NonPagedPool, maximum * sizeof(FAT_MCB_RUN), FAT_MCB_TAG);
    if (!runs)
        return STATUS_INSUFFICIENT_RESOURCES;
    FatAcquireResourceExclusive(&Fcb->PagingIoResource, true);
    if (Fcb->Mcb.RunCount)
        memcpy(runs, old, Fcb->Mcb.RunCount * sizeof(FAT_MCB_RUN));
    Fcb->Mcb.Runs = runs;
    Fcb->Mcb.MaximumRuns = maximum;
    FatReleaseResource(&Fcb->PagingIoResource);
    if (old)
        ExFreePoolWithTag(old, FAT_MCB_TAG);
    return STATUS_SUCCESS;
}

NTSTATUS FatFreeChain(VCB *Vcb, uint32_t FirstCluster)
{
    uint32_t cluster = FirstCluster, next, count = 0;
    NTSTATUS status = STATUS_SUCCESS;

    while (cluster && NT_SUCCESS(status)) {
        if (++count > Vcb->ClusterCount)
            return STATUS_FILE_CORRUPT_ERROR;
        status = FatNextCluster(Vcb, cluster, &next);
        if (NT_SUCCESS(status))
            status = FatSetEntry(Vcb, cluster, FAT_CLUSTER_AVAILABLE);
        cluster = next;
    }
    return status;
}

NTSTATUS FatAddClusters(FCB *Fcb, uint32_t Count, bool Zero)
{
    VCB *vcb = Fcb->Vcb;
    uint32_t before = Fcb->AllocationClusters;
    NTSTATUS status = STATUS_SUCCESS;

    if (Count > vcb->FreeClusters)
        return STATUS_DISK_FULL;
    for (uint32_t i = 0; i < Count && NT_SUCCESS(status); i++) {
        uint32_t hint = Fcb->LastCluster ? Fcb->LastCluster + 1 : vcb->NextFreeHint, cluster;

        if (hint > FatMaximumCluster(vcb))
            hint = FAT_FIRST_CLUSTER;
        cluster = RtlFindClearBits(&vcb->InUse, 1, hint);

        if (cluster == 0xFFFFFFFF) {
            status = STATUS_DISK_FULL;
            break;
        }
        status = FatReserveMcbRun(Fcb);
        if (NT_SUCCESS(status))
            status = FatSetEntry(vcb, cluster, FAT_CLUSTER_LAST);
        if (NT_SUCCESS(status) && Fcb->LastCluster)
            status = FatSetEntry(vcb, Fcb->LastCluster, cluster);
        if (!NT_SUCCESS(status))
            break;
        if (!Fcb->FirstCluster)
            Fcb->FirstCluster = cluster;
        Fcb->LastCluster = cluster;
        FatAcquireResourceExclusive(&Fcb->PagingIoResource, true);
        FatMcbAppend(&Fcb->Mcb, cluster);       /* cannot fail: room was made */
        Fcb->AllocationClusters++;
        FatReleaseResource(&Fcb->PagingIoResource);
        vcb->NextFreeHint = cluster + 1;
        if (Zero)
            status = FatZeroVolume(vcb, FatClusterOffset(vcb, cluster), vcb->BytesPerCluster);
    }
    if (!NT_SUCCESS(status))
        FatTruncateClusters(Fcb, before);
    return status;
}

NTSTATUS FatTruncateClusters(FCB *Fcb, uint32_t Keep)
{
    VCB *vcb = Fcb->Vcb;
    uint32_t last = 0, next = 0, first = Fcb->FirstCluster;
    NTSTATUS status = STATUS_SUCCESS;

    if (Keep >= Fcb->AllocationClusters)
        return STATUS_SUCCESS;
    if (Keep)
        FatLookupVcn(Fcb, Keep - 1, &last, NULL);
    /* The map first: no paging I/O may reach a cluster once it is being freed. */
    FatAcquireResourceExclusive(&Fcb->PagingIoResource, true);
    FatMcbTruncate(&Fcb->Mcb, Keep);
    Fcb->AllocationClusters = Keep;
    if (Fcb->FileSize > ((uint64_t)Keep << vcb->ClusterShift))
        Fcb->FileSize = Keep << vcb->ClusterShift;
    Fcb->ValidDataLength = MIN(Fcb->ValidDataLength, Fcb->FileSize);
    FatReleaseResource(&Fcb->PagingIoResource);
    if (Keep == 0) {
        status = FatFreeChain(vcb, first);
        Fcb->FirstCluster = Fcb->LastCluster = 0;
    } else {
        status = FatNextCluster(vcb, last, &next);
        if (NT_SUCCESS(status))
            status = FatSetEntry(vcb, last, FAT_CLUSTER_LAST);
        if (NT_SUCCESS(status))
            status = FatFreeChain(vcb, next);
        Fcb->LastCluster = last;
    }
    return status;
}

NTSTATUS FatWriteFsInfo(VCB *Vcb)
{
    uint64_t offset = (uint64_t)Vcb->FsInfoSector * FAT_SECTOR_SIZE;
    FSINFO_SECTOR fsinfo;
    NTSTATUS status = FatFlushFat(Vcb);

    if (!NT_SUCCESS(status) || !Vcb->FsInfoDirty)
        return status;
    status = FatReadVolume(Vcb, offset, sizeof(fsinfo), &fsinfo, KernelMode);
    if (!NT_SUCCESS(status))
        return status;
    fsinfo.FreeClusterCount = Vcb->FreeClusters;
    fsinfo.NextFreeCluster = Vcb->NextFreeHint <= FatMaximumCluster(Vcb) ? Vcb->NextFreeHint
                                                                         : FAT_FIRST_CLUSTER;
    status = FatWriteVolume(Vcb, offset, sizeof(fsinfo), &fsinfo, KernelMode);
    if (NT_SUCCESS(status))
        Vcb->FsInfoDirty = false;
    return status;
}

/*
 * The FAT's stream made and cached, at mount before the FAT is first read (NT's FAT opens its
 * virtual volume file there too). FsContext is the VCB, which FatPagingIo and FatCommonClose
 * know it by.
 */
NTSTATUS FatOpenFatFile(VCB *Vcb)
{
    FILE_OBJECT *stream;
    NTSTATUS status;

    KeInitializeEvent(&Vcb->FatFileClosed, NotificationEvent, false);
    Vcb->FatWindowPage = FAT_NO_PAGE;
    status = IoCreateStreamFileObject(&Vcb->VolumeDevice, &stream);
    if (!NT_SUCCESS(status))
        return status;
    stream->FsContext = Vcb;
    stream->SectionObjectPointer = &Vcb->FatSectionObjectPointers;
    Vcb->FatFile = stream;
    return CcInitializeCacheMap(stream, Vcb->FatBytes, PAGE_SIZE);
}

/*
 * A mount that failed after the FAT's stream was made: the cache lets go of it (its pages
 * thrown away; the lazy writer deletes the map, and with it the stream's last reference), and
 * its close is waited for, at most FAT_FILE_CLOSE_WAIT_MS: the close request itself (which
 * ends after FatCommonClose, under the volume's lock), then the I/O manager's reference on
 * the volume device, which it drops once the file object is gone. True when the VCB may be
 * freed (nothing refers to it any more).
 */
bool FatCloseFatFile(VCB *Vcb)
{
    static const int64_t zero = 0;
    int64_t timeout = KI_MILLISECONDS(FAT_FILE_CLOSE_WAIT_MS), pause = KI_MILLISECONDS(10);

    if (!Vcb->FatFile)
        return true;
    FatUnmapFatWindow(Vcb);
    if (Vcb->FatFile->PrivateCacheMap)
        CcUninitializeCacheMap(Vcb->FatFile, &zero);
    ObDereferenceObject(Vcb->FatFile);
    Vcb->FatFile = NULL;
    if (KeWaitForSingleObject(&Vcb->FatFileClosed, Executive, KernelMode, false, &timeout) ==
        STATUS_TIMEOUT)
        return false;
    for (uint32_t waited = 0; __atomic_load_n(&Vcb->VolumeDevice.ReferenceCount, __ATOMIC_SEQ_CST);
         waited += 10) {
        if (waited >= FAT_FILE_CLOSE_WAIT_MS)
            return false;
        KeDelayExecutionThread(KernelMode, false, &pause);
    }
    ExAcquireFastMutex(&Vcb->Resource);             /* the close's request has let it go */
    ExReleaseFastMutex(&Vcb->Resource);
    return true;
}
