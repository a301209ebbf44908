/*
 * kernel/io/io.h: the I/O layer's contract: the ATA disks, their MBR partitions, and paging
 * I/O for Mm. Io sits below Mm: it never calls Mm; start-up hands it the nonpaged pages it
 * needs (IO_DISK_PAGES).
 */
#ifndef KERNEL_IO_IO_H
#define KERNEL_IO_IO_H

#include "kernel/ex/ex.h"
#include "hal/hal.h"

/* Sector sizes are the driver's: HAL_ATA_SECTOR_SIZE, HAL_ATA_SECTORS_PER_PAGE (hal/ata.h). */
#define DISK_SECTORS_PER_MB         ((1024 * 1024) / HAL_ATA_SECTOR_SIZE)
#define DISK_MBR_PARTITIONS         4
#define PARTITION_ENTRY_UNUSED      0x00
#define PARTITION_PAGING_FILE       0x82    /* mm386's paging-file partitions */

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
uint32_t IoDiskCount(void);
uint64_t IoDiskSectors(uint32_t Disk);              /* 0 for a disk that does not exist */
const DISK_PARTITION *IoDiskPartitions(uint32_t Disk, uint32_t *Count);  /* read at start-up */
const DISK_LAYOUT *IoDiskLayout(uint32_t Disk);    /* NULL for a disk that does not exist */
uint32_t IoDiskInterruptCount(uint32_t Channel);    /* transfers its interrupt has ended */

/* Paging I/O for Mm: whole pages between physical frames and a disk. The caller waits. */
NTSTATUS IoPageRead(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames, uint32_t PageCount);
NTSTATUS IoPageWrite(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames, uint32_t PageCount);

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

#endif
