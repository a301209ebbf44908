/*
 * kernel/fs/fastfat/allocsup.c: the FAT: reading and changing entries through a one-page cache
 * (written to every FAT copy when it is flushed, so the copies stay equal), checking chains,
 * finding a file's clusters, and allocating and freeing clusters with the free count and the
 * next-free hint that FSInfo keeps on disk.
 *
 * At mount FatScanFat reads the whole FAT once into three bitmaps: which clusters are in use
 * (the allocator's map), which ones an entry points to (a chain's first cluster must not be one:
 * that is a cross-link), and which ones are broken (two entries point to them, or their entry
 * points outside the volume). A chain walk stops at anything wrong and at ClusterCount steps,
 * so a loop ends there too: STATUS_FILE_CORRUPT_ERROR.
 */
#include "kernel/fs/fastfat/fatprocs.h"

#define FAT_ENTRIES_PER_PAGE    (PAGE_SIZE / 4)
#define FAT_MAXIMUM_RUN         4096        /* clusters one lookup reports as contiguous */

static uint32_t FatMaximumCluster(const VCB *Vcb)
{
    return Vcb->ClusterCount + 1;
}

static bool FatIsChainCluster(const VCB *Vcb, uint32_t Value)
{
    return Value >= FAT_FIRST_CLUSTER && Value <= FatMaximumCluster(Vcb);
}

static uint32_t FatPageSectors(const VCB *Vcb, uint32_t Page)
{
    return MIN((uint32_t)FAT_SECTORS_PER_PAGE, Vcb->SectorsPerFat - Page * FAT_SECTORS_PER_PAGE);
}

NTSTATUS FatFlushFat(VCB *Vcb)
{
    uint32_t page = Vcb->FatPageIndex, bytes;
    NTSTATUS status = STATUS_SUCCESS;

    if (!Vcb->FatPageDirty)
        return STATUS_SUCCESS;
    bytes = FatPageSectors(Vcb, page) * FAT_SECTOR_SIZE;
    for (uint32_t fat = 0; fat < Vcb->NumberOfFats && NT_SUCCESS(status); fat++) {
        uint64_t sector = Vcb->FatStart + (uint64_t)fat * Vcb->SectorsPerFat +
                          page * FAT_SECTORS_PER_PAGE;

        status = FatWriteVolume(Vcb, sector * FAT_SECTOR_SIZE, bytes, Vcb->FatPage, KernelMode);
    }
    if (NT_SUCCESS(status))
        Vcb->FatPageDirty = false;
    return status;
}

/* The FAT page holding Cluster's entry into the cache. */
static NTSTATUS FatLoadFatPage(VCB *Vcb, uint32_t Cluster)
{
    uint32_t page = Cluster / FAT_ENTRIES_PER_PAGE;
    uint64_t sector;
    NTSTATUS status;

    if (page == Vcb->FatPageIndex)
        return STATUS_SUCCESS;
    status = FatFlushFat(Vcb);
    if (!NT_SUCCESS(status))
        return status;
    Vcb->FatPageIndex = FAT_NO_PAGE;
    sector = Vcb->FatStart + (uint64_t)Vcb->ActiveFat * Vcb->SectorsPerFat +
             page * FAT_SECTORS_PER_PAGE;
    status = FatReadVolume(Vcb, sector * FAT_SECTOR_SIZE,
                           FatPageSectors(Vcb, page) * FAT_SECTOR_SIZE, Vcb->FatPage, KernelMode);
    if (NT_SUCCESS(status))
        Vcb->FatPageIndex = page;
    return status;
}

static NTSTATUS FatGetEntry(VCB *Vcb, uint32_t Cluster, uint32_t *Value)
{
    NTSTATUS status;

    if (Cluster > FatMaximumCluster(Vcb))
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Vcb, Cluster, 0, 2);
    status = FatLoadFatPage(Vcb, Cluster);
    if (NT_SUCCESS(status))
        *Value = Vcb->FatPage[Cluster % FAT_ENTRIES_PER_PAGE] & FAT32_ENTRY_MASK;
    return status;
}

/* Cluster's entry = Value (the top 4 bits kept, as the specification asks), and the maps. */
static NTSTATUS FatSetEntry(VCB *Vcb, uint32_t Cluster, uint32_t Value)
{
    uint32_t old, *entry;
    NTSTATUS status = FatGetEntry(Vcb, Cluster, &old);

    if (!NT_SUCCESS(status))
        return status;
    entry = &Vcb->FatPage[Cluster % FAT_ENTRIES_PER_PAGE];
    *entry = (*entry & ~FAT32_ENTRY_MASK) | Value;
    Vcb->FatPageDirty = true;
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

NTSTATUS FatCheckChain(VCB *Vcb, uint32_t FirstCluster, uint32_t *Count, uint32_t *Last)
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
    return FatLookupRun(Fcb, Vcn, FAT_MAXIMUM_RUN, Lcn, RunClusters);
}

NTSTATUS FatLookupRun(FCB *Fcb, uint32_t Vcn, uint32_t Maximum, uint32_t *Lcn,
                      uint32_t *RunClusters)
{
    VCB *vcb = Fcb->Vcb;
    uint32_t vcn = 0, lcn = Fcb->FirstCluster, next, run = 1;
    NTSTATUS status;

    if (Vcn >= Fcb->AllocationClusters)
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Fcb, Vcn, Fcb->AllocationClusters, 3);
    if (Fcb->HintLcn && Fcb->HintVcn <= Vcn) {
        vcn = Fcb->HintVcn;
        lcn = Fcb->HintLcn;
    }
    for (; vcn < Vcn; vcn++) {
        status = FatNextCluster(vcb, lcn, &next);
        if (!NT_SUCCESS(status))
            return status;
        if (next == 0)
            return STATUS_FILE_CORRUPT_ERROR;   /* shorter than it was at open */
        lcn = next;
    }
    Fcb->HintVcn = Vcn;
    Fcb->HintLcn = lcn;
    Maximum = MIN(Maximum, (uint32_t)FAT_MAXIMUM_RUN);
    while (RunClusters && Vcn + run < Fcb->AllocationClusters && run < Maximum) {
        status = FatNextCluster(vcb, lcn + run - 1, &next);
        if (!NT_SUCCESS(status))
            return status;
        if (next != lcn + run)
            break;
        run++;
    }
    *Lcn = lcn;
    if (RunClusters)
        *RunClusters = run;
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
        status = FatSetEntry(vcb, cluster, FAT_CLUSTER_LAST);
        if (NT_SUCCESS(status) && Fcb->LastCluster)
            status = FatSetEntry(vcb, Fcb->LastCluster, cluster);
        if (!NT_SUCCESS(status))
            break;
        if (!Fcb->FirstCluster)
            Fcb->FirstCluster = cluster;
        Fcb->LastCluster = cluster;
        Fcb->AllocationClusters++;
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
    uint32_t last = 0, next = 0;
    NTSTATUS status;

    if (Keep >= Fcb->AllocationClusters)
        return STATUS_SUCCESS;
    if (Keep == 0) {
        status = FatFreeChain(vcb, Fcb->FirstCluster);
        Fcb->FirstCluster = Fcb->LastCluster = 0;
    } else {
        status = FatLookupVcn(Fcb, Keep - 1, &last, NULL);
        if (NT_SUCCESS(status))
            status = FatNextCluster(vcb, last, &next);
        if (NT_SUCCESS(status))
            status = FatSetEntry(vcb, last, FAT_CLUSTER_LAST);
        if (NT_SUCCESS(status))
            status = FatFreeChain(vcb, next);
        Fcb->LastCluster = last;
    }
    Fcb->AllocationClusters = Keep;
    if (Fcb->HintVcn >= Keep)
        Fcb->HintVcn = Fcb->HintLcn = 0;
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
