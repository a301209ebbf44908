/*
 * kernel/io/partition.c: reading an MBR partition table. Pure code (compiled for the host too):
 * the caller reads sector 0 and this says what it holds.
 *
 *   0x000  boot code
 *   0x1BE  four 16-byte entries:  +0 boot indicator (0x00, or 0x80 for the active one)
 *                                 +1 CHS of the first sector (ignored: LBA is what counts)
 *                                 +4 partition type (0x00: the entry is unused)
 *                                 +5 CHS of the last sector (ignored)
 *                                 +8 first sector (LBA, little-endian 32 bits)
 *                                 +12 number of sectors (little-endian 32 bits)
 *   0x1FE  0x55 0xAA
 *
 * Extended partitions (types 0x05, 0x0F) are reported as entries; the logical partitions
 * inside them are not read (an extended partition is claimed as a whole).
 */
#include "kernel/io/io.h"

#define MBR_PARTITION_TABLE_OFFSET  0x1BE
#define MBR_PARTITION_ENTRY_SIZE    16
#define MBR_SIGNATURE_OFFSET        0x1FE
#define MBR_SIGNATURE_FIRST         0x55
#define MBR_SIGNATURE_SECOND        0xAA

#define MBR_ENTRY_BOOT_INDICATOR    0
#define MBR_ENTRY_TYPE              4
#define MBR_ENTRY_STARTING_LBA      8
#define MBR_ENTRY_SECTOR_COUNT      12
#define MBR_BOOT_INDICATOR_ACTIVE   0x80

static uint32_t KiReadLittleEndian32(const uint8_t *Bytes)
{
    return (uint32_t)Bytes[0] | (uint32_t)Bytes[1] << 8 | (uint32_t)Bytes[2] << 16 |
           (uint32_t)Bytes[3] << 24;
}

/* True when Partition shares a sector with one of the Count partitions before it. */
static bool KiOverlapsAny(const DISK_PARTITION *Partitions, uint32_t Count,
                          const DISK_PARTITION *Partition)
{
    uint64_t end = (uint64_t)Partition->StartingLba + Partition->SectorCount;

    for (uint32_t i = 0; i < Count; i++) {
        uint64_t otherEnd = (uint64_t)Partitions[i].StartingLba + Partitions[i].SectorCount;

        if (Partition->StartingLba < otherEnd && Partitions[i].StartingLba < end)
            return true;
    }
    return false;
}

/* One entry into *Partition; false when it cannot describe a partition of this disk. */
static bool KiParseEntry(const uint8_t *Entry, uint32_t Number, uint64_t DiskSectors,
                         DISK_PARTITION *Partition)
{
    uint8_t boot = Entry[MBR_ENTRY_BOOT_INDICATOR];

    Partition->Number = Number;
    Partition->Type = Entry[MBR_ENTRY_TYPE];
    Partition->Active = boot == MBR_BOOT_INDICATOR_ACTIVE;
    Partition->StartingLba = KiReadLittleEndian32(Entry + MBR_ENTRY_STARTING_LBA);
    Partition->SectorCount = KiReadLittleEndian32(Entry + MBR_ENTRY_SECTOR_COUNT);
    if (boot != 0 && boot != MBR_BOOT_INDICATOR_ACTIVE)
        return false;
    return Partition->StartingLba != 0 && Partition->SectorCount != 0 &&
           (uint64_t)Partition->StartingLba + Partition->SectorCount <= DiskSectors;
}

NTSTATUS IoParsePartitionTable(const uint8_t Sector[HAL_ATA_SECTOR_SIZE], uint64_t DiskSectors,
                               DISK_PARTITION Partitions[DISK_MBR_PARTITIONS], uint32_t *Count)
{
    *Count = 0;
    if (Sector[MBR_SIGNATURE_OFFSET] != MBR_SIGNATURE_FIRST ||
        Sector[MBR_SIGNATURE_OFFSET + 1] != MBR_SIGNATURE_SECOND)
        return STATUS_BAD_MASTER_BOOT_RECORD;

    for (uint32_t i = 0; i < DISK_MBR_PARTITIONS; i++) {
        const uint8_t *entry = Sector + MBR_PARTITION_TABLE_OFFSET + i * MBR_PARTITION_ENTRY_SIZE;
        DISK_PARTITION *partition = &Partitions[*Count];

        if (entry[MBR_ENTRY_TYPE] == PARTITION_ENTRY_UNUSED)
            continue;
        if (!KiParseEntry(entry, i + 1, DiskSectors, partition) ||
            KiOverlapsAny(Partitions, *Count, partition)) {
            *Count = 0;
            return STATUS_DISK_CORRUPT_ERROR;
        }
        (*Count)++;
    }
    return STATUS_SUCCESS;
}

static bool KiRegionOnDisk(const DISK_LAYOUT *Layout, uint64_t Lba, uint64_t Sectors)
{
    return Sectors != 0 && Lba < Layout->Sectors && Sectors <= Layout->Sectors - Lba;
}

static bool KiRegionInside(const DISK_PARTITION *Partition, uint64_t Lba, uint64_t Sectors)
{
    return Lba >= Partition->StartingLba &&
           Lba + Sectors <= (uint64_t)Partition->StartingLba + Partition->SectorCount;
}

static bool KiRegionOverlaps(const DISK_PARTITION *Partition, uint64_t Lba, uint64_t Sectors)
{
    return Lba < (uint64_t)Partition->StartingLba + Partition->SectorCount &&
           Partition->StartingLba < Lba + Sectors;
}

bool IoIsPagingFileRegion(const DISK_LAYOUT *Layout, uint64_t Lba, uint64_t Sectors)
{
    if (!KiRegionOnDisk(Layout, Lba, Sectors))
        return false;
    if (Layout->TableStatus == STATUS_BAD_MASTER_BOOT_RECORD)
        return true;
    if (Layout->TableStatus != STATUS_SUCCESS)
        return false;
    for (uint32_t i = 0; i < Layout->PartitionCount; i++) {
        const DISK_PARTITION *p = &Layout->Partitions[i];

        if (p->Type == PARTITION_PAGING_FILE && KiRegionInside(p, Lba, Sectors))
            return true;
    }
    return false;
}

bool IoIsRegionUnclaimed(const DISK_LAYOUT *Layout, uint64_t Lba, uint64_t Sectors)
{
    if (!KiRegionOnDisk(Layout, Lba, Sectors))
        return false;
    if (Layout->TableStatus == STATUS_BAD_MASTER_BOOT_RECORD)
        return true;
    if (Layout->TableStatus != STATUS_SUCCESS || Lba == 0)
        return false;
    for (uint32_t i = 0; i < Layout->PartitionCount; i++) {
        const DISK_PARTITION *p = &Layout->Partitions[i];

        if (p->Type != PARTITION_PAGING_FILE && KiRegionOverlaps(p, Lba, Sectors))
            return false;
    }
    return true;
}
