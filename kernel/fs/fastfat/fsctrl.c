/*
 * kernel/fs/fastfat/fsctrl.c: mounting a FAT32 partition: its boot sector and FSInfo checked,
 * the geometry worked out, the FAT scanned (fatgen103's rules: a volume is FAT32 by its
 * cluster count, 65525 or more), the root directory's chain checked, and a volume device with
 * its VPB made and given its drive letter. A refusal says which check failed.
 */
#include "kernel/fs/fastfat/fatprocs.h"

static bool FatIsPowerOfTwo(uint32_t Value)
{
    return Value && !(Value & (Value - 1));
}

/* The boot sector's checks (NT's FatIsBootSectorFat, then FAT32's own); *Reason says why not. */
static NTSTATUS FatCheckBootSector(const PACKED_BOOT_SECTOR *Boot, uint32_t PartitionSectors,
                                   const char **Reason)
{
    if (Boot->BootSignature != FAT_BOOT_SIGNATURE)
        return *Reason = "no 0xAA55 signature", STATUS_UNRECOGNIZED_VOLUME;
    if (!(Boot->Jump[0] == 0xEB && Boot->Jump[2] == 0x90) && Boot->Jump[0] != 0xE9)
        return *Reason = "no jump instruction", STATUS_UNRECOGNIZED_VOLUME;
    if (Boot->BytesPerSector != FAT_SECTOR_SIZE)
        return *Reason = "sectors are not 512 bytes", STATUS_UNRECOGNIZED_VOLUME;
    if (!FatIsPowerOfTwo(Boot->SectorsPerCluster) ||
        Boot->SectorsPerCluster * FAT_SECTOR_SIZE > FAT_MAXIMUM_CLUSTER_BYTES)
        return *Reason = "bad sectors per cluster", STATUS_UNRECOGNIZED_VOLUME;
    if (Boot->ReservedSectors == 0 || Boot->Fats == 0)
        return *Reason = "no reserved sectors or no FAT", STATUS_UNRECOGNIZED_VOLUME;
    if (Boot->Media != 0xF0 && Boot->Media < 0xF8)
        return *Reason = "bad media byte", STATUS_UNRECOGNIZED_VOLUME;
    if (Boot->RootEntries != 0 || Boot->SectorsPerFat != 0)
        return *Reason = "a FAT12 or FAT16 layout", STATUS_UNRECOGNIZED_VOLUME;
    if (Boot->FsVersion != 0)
        return *Reason = "an unknown FAT32 version", STATUS_UNRECOGNIZED_VOLUME;
    if (Boot->Sectors != 0 || Boot->LargeSectors == 0 || Boot->LargeSectors > PartitionSectors)
        return *Reason = "its size does not fit the partition", STATUS_DISK_CORRUPT_ERROR;
    if (Boot->LargeSectorsPerFat == 0)
        return *Reason = "no sectors per FAT", STATUS_DISK_CORRUPT_ERROR;
    return STATUS_SUCCESS;
}

/* The geometry from a boot sector that passed FatCheckBootSector. */
static NTSTATUS FatSetGeometry(VCB *Vcb, const PACKED_BOOT_SECTOR *Boot, const char **Reason)
{
    uint64_t data = Boot->ReservedSectors + (uint64_t)Boot->Fats * Boot->LargeSectorsPerFat;

    Vcb->SectorsPerCluster = Boot->SectorsPerCluster;
    Vcb->BytesPerCluster = Boot->SectorsPerCluster * FAT_SECTOR_SIZE;
    Vcb->ClusterShift = (uint32_t)__builtin_ctz(Vcb->BytesPerCluster);
    Vcb->NumberOfFats = Boot->Fats;
    Vcb->FatStart = Boot->ReservedSectors;
    Vcb->SectorsPerFat = Boot->LargeSectorsPerFat;
    if (data >= Boot->LargeSectors)
        return *Reason = "the FATs fill the volume", STATUS_DISK_CORRUPT_ERROR;
    Vcb->DataStart = (uint32_t)data;
    Vcb->ClusterCount = (Boot->LargeSectors - Vcb->DataStart) / Vcb->SectorsPerCluster;
    if (Vcb->ClusterCount < FAT32_MINIMUM_CLUSTERS)
        return *Reason = "too few clusters for FAT32", STATUS_DISK_CORRUPT_ERROR;
    if (Vcb->ClusterCount > FAT32_ENTRY_MASK - 16 ||
        (uint64_t)Vcb->SectorsPerFat * FAT32_ENTRIES_PER_SECTOR < Vcb->ClusterCount + 2ull)
        return *Reason = "the FAT is too small for the clusters", STATUS_DISK_CORRUPT_ERROR;
    Vcb->RootCluster = Boot->RootDirFirstCluster;
    if (Vcb->RootCluster < FAT_FIRST_CLUSTER || Vcb->RootCluster > Vcb->ClusterCount + 1)
        return *Reason = "the root directory's cluster is out of range", STATUS_DISK_CORRUPT_ERROR;
    Vcb->FsInfoSector = Boot->FsInfoSector;
    if (Vcb->FsInfoSector == 0 || Vcb->FsInfoSector >= Boot->ReservedSectors)
        return *Reason = "FSInfo is outside the reserved sectors", STATUS_DISK_CORRUPT_ERROR;
    Vcb->Mirrored = !(Boot->ExtendedFlags & FAT_EXTENDED_FLAGS_NO_MIRROR);
    Vcb->ActiveFat = Vcb->Mirrored ? 0 : (Boot->ExtendedFlags & 0x0F);
    if (Vcb->ActiveFat >= Vcb->NumberOfFats)
        return *Reason = "the active FAT does not exist", STATUS_DISK_CORRUPT_ERROR;
    /* (the FAT holds at least this many, checked above; ClusterCount < 2^28) */
    Vcb->FatBytes = ROUND_UP((Vcb->ClusterCount + 2) * 4, FAT_SECTOR_SIZE);
    return STATUS_SUCCESS;
}

static NTSTATUS FatReadFsInfo(VCB *Vcb, const char **Reason)
{
    FSINFO_SECTOR fsinfo;
    NTSTATUS status = FatReadVolume(Vcb, (uint64_t)Vcb->FsInfoSector * FAT_SECTOR_SIZE,
                                    sizeof(fsinfo), &fsinfo, KernelMode);

    if (!NT_SUCCESS(status))
        return *Reason = "FSInfo cannot be read", status;
    if (fsinfo.LeadSignature != FSINFO_LEAD_SIGNATURE ||
        fsinfo.StructureSignature != FSINFO_STRUCTURE_SIGNATURE ||
        fsinfo.TrailSignature != FSINFO_TRAIL_SIGNATURE)
        return *Reason = "FSInfo's signatures are wrong", STATUS_DISK_CORRUPT_ERROR;
    Vcb->NextFreeHint = fsinfo.NextFreeCluster;
    if (Vcb->NextFreeHint < FAT_FIRST_CLUSTER || Vcb->NextFreeHint > Vcb->ClusterCount + 1)
        Vcb->NextFreeHint = FAT_FIRST_CLUSTER;
    Vcb->FreeClusters = fsinfo.FreeClusterCount;    /* FatScanFat counts them again */
    return STATUS_SUCCESS;
}

static NTSTATUS FatAllocateBitmap(RTL_BITMAP *Bitmap, uint32_t Bits)
{
    uint32_t bytes = (Bits + 31) / 32 * 4;
    uint32_t *buffer = ExAllocatePoolWithTag(PagedPool, bytes, FAT_BITMAP_TAG);

    if (!buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlInitializeBitMap(Bitmap, buffer, Bits);
    RtlClearAllBits(Bitmap);
    return STATUS_SUCCESS;
}

static void FatFreeVcb(VCB *Vcb)
{
    RTL_BITMAP *maps[] = { &Vcb->InUse, &Vcb->Linked, &Vcb->Broken };

    if (!FatCloseFatFile(Vcb)) {
        DbgPrint("FAT32: the FAT's stream was not closed in time: its VCB is kept\n");
        return;
    }
    for (DEVICE_OBJECT **link = &FatDriverObject.DeviceObject; *link; link = &(*link)->NextDevice) {
        if (*link == &Vcb->VolumeDevice) {      /* initialized for the FAT's stream */
            *link = Vcb->VolumeDevice.NextDevice;
            break;
        }
    }
    for (uint32_t i = 0; i < ARRAYSIZE(maps); i++) {
        if (maps[i]->Buffer)
            ExFreePoolWithTag(maps[i]->Buffer, FAT_BITMAP_TAG);
    }
    if (Vcb->RootDcb) {
        FatUninitializeMcb(&Vcb->RootDcb->Mcb);
        ExFreePoolWithTag(Vcb->RootDcb, FAT_FCB_TAG);
    }
    if (Vcb->Bounce)
        ExFreePoolWithTag(Vcb->Bounce, FAT_BUFFER_TAG);
    ExFreePoolWithTag(Vcb, FAT_VCB_TAG);
}

/* A VCB for the partition with its buffers, before anything is read. */
static VCB *FatAllocateVcb(uint32_t Disk, const DISK_PARTITION *Partition)
{
    VCB *vcb = ExAllocatePoolWithTag(NonPagedPool, sizeof(VCB), FAT_VCB_TAG);

    if (!vcb)
        return NULL;
    memset(vcb, 0, sizeof(*vcb));
    vcb->Disk = Disk;
    vcb->PartitionLba = Partition->StartingLba;
    vcb->PartitionSectors = Partition->SectorCount;
    vcb->FatWindowPage = FAT_NO_PAGE;
    ExInitializeFastMutex(&vcb->Resource);
    InitializeListHead(&vcb->FcbList);
    vcb->Bounce = ExAllocatePoolWithTag(NonPagedPool, FAT_BOUNCE_PAGES * PAGE_SIZE, FAT_BUFFER_TAG);
    if (!vcb->Bounce) {
        FatFreeVcb(vcb);
        return NULL;
    }
    for (uint32_t i = 0; i < FAT_BOUNCE_PAGES; i++)
        vcb->BounceFrames[i] = (uint32_t)(MmGetPhysicalAddress(vcb->Bounce + i * PAGE_SIZE) >>
                                          PAGE_SHIFT);
    return vcb;
}

/* Everything a mount checks and reads, into Vcb. */
static NTSTATUS FatLoadVolume(VCB *Vcb, PACKED_BOOT_SECTOR *Boot, const char **Reason)
{
    uint32_t recorded;
    NTSTATUS status;

    *Reason = "the boot sector cannot be read";
    status = FatReadVolume(Vcb, 0, sizeof(*Boot), Boot, KernelMode);
    if (NT_SUCCESS(status))
        status = FatCheckBootSector(Boot, Vcb->PartitionSectors, Reason);
    if (NT_SUCCESS(status))
        status = FatSetGeometry(Vcb, Boot, Reason);
    if (NT_SUCCESS(status))
        status = FatReadFsInfo(Vcb, Reason);
    if (!NT_SUCCESS(status))
        return status;
    *Reason = "out of memory";
    status = FatAllocateBitmap(&Vcb->InUse, Vcb->ClusterCount + 2);
    if (NT_SUCCESS(status))
        status = FatAllocateBitmap(&Vcb->Linked, Vcb->ClusterCount + 2);
    if (NT_SUCCESS(status))
        status = FatAllocateBitmap(&Vcb->Broken, Vcb->ClusterCount + 2);
    if (!NT_SUCCESS(status))
        return status;
    *Reason = "the FAT cannot be cached";
    IoInitializeDeviceObject(&Vcb->VolumeDevice, &FatDriverObject, FILE_DEVICE_DISK_FILE_SYSTEM,
                             Vcb);                  /* what the FAT's stream is opened on */
    status = FatOpenFatFile(Vcb);
    if (!NT_SUCCESS(status))
        return status;
    *Reason = "the FAT cannot be read";
    recorded = Vcb->FreeClusters;
    status = FatScanFat(Vcb);
    if (NT_SUCCESS(status))
        status = FatReadVolumeState(Vcb);
    if (!NT_SUCCESS(status))
        return status;
    if (Vcb->DirtyAtMount)
        DbgPrint("FAT32: the volume was not shut down cleanly (FAT[1] says dirty): it stays "
                 "dirty until checked (fsck.fat)\n");
    if (recorded != Vcb->FreeClusters) {
        DbgPrint("FAT32: FSInfo said %u clusters were free; %u are: corrected\n", recorded,
                 Vcb->FreeClusters);
        Vcb->FsInfoDirty = true;
    }
    *Reason = "the root directory's chain is broken";
    return FatCreateRootDcb(Vcb);
}

/* The volume device (initialized by FatLoadVolume, for the FAT's stream) gets its VPB. */
static void FatSetupVolumeDevice(VCB *Vcb, const PACKED_BOOT_SECTOR *Boot)
{
    Vcb->VolumeDevice.Vpb = &Vcb->Vpb;
    Vcb->Vpb.Type = IO_TYPE_VPB;
    Vcb->Vpb.Size = sizeof(VPB);
    Vcb->Vpb.Flags = VPB_MOUNTED;
    Vcb->Vpb.DeviceObject = &Vcb->VolumeDevice;
    Vcb->Vpb.SerialNumber = Boot->Signature == 0x29 ? Boot->Id : 0;
    if (Boot->Signature == 0x29) {
        uint32_t length = sizeof(Boot->VolumeLabel);

        while (length && Boot->VolumeLabel[length - 1] == ' ')
            length--;
        for (uint32_t i = 0; i < length; i++)
            Vcb->Vpb.VolumeLabel[i] = Boot->VolumeLabel[i];
        Vcb->Vpb.VolumeLabelLength = (uint16_t)(length * 2);
    }
}

NTSTATUS FatMountVolume(uint32_t Disk, const DISK_PARTITION *Partition, char DriveLetter)
{
    PACKED_BOOT_SECTOR *boot = ExAllocatePoolWithTag(PagedPool, sizeof(*boot), FAT_BUFFER_TAG);
    const char *reason = "out of memory";
    VCB *vcb = NULL;
    NTSTATUS status = STATUS_INSUFFICIENT_RESOURCES;

    if (Partition->SectorCount >= FAT_SECTORS_PER_PAGE && boot &&
        (vcb = FatAllocateVcb(Disk, Partition)) != NULL)
        status = FatLoadVolume(vcb, boot, &reason);
    else if (Partition->SectorCount < FAT_SECTORS_PER_PAGE)
        status = STATUS_UNRECOGNIZED_VOLUME, reason = "the partition is too small";
    if (vcb)
        FatUnmapFatWindow(vcb);                 /* before anyone else can use the volume */
    if (NT_SUCCESS(status)) {
        vcb->DriveLetter = DriveLetter;
        FatSetupVolumeDevice(vcb, boot);
        status = IoAssignDriveLetter(DriveLetter, &vcb->VolumeDevice);
        reason = "the drive letter is taken";
    }
    if (NT_SUCCESS(status))                     /* (a VCB freed below is on no list) */
        IoRegisterShutdownNotification(&vcb->VolumeDevice);
    if (NT_SUCCESS(status)) {
        DbgPrint("FAT32: %c: is disk %u, partition %u: %u MB, %u clusters of %u bytes, %u free\n",
                 DriveLetter, Disk, Partition->Number,
                 (uint32_t)((uint64_t)vcb->ClusterCount * vcb->BytesPerCluster >> 20),
                 vcb->ClusterCount, vcb->BytesPerCluster, vcb->FreeClusters);
    } else {
        DbgPrint("FAT32: disk %u, partition %u not mounted: %s (status 0x%08x)\n", Disk,
                 Partition->Number, reason, (uint32_t)status);
        if (vcb)
            FatFreeVcb(vcb);
    }
    if (boot)
        ExFreePoolWithTag(boot, FAT_BUFFER_TAG);
    return status;
}
