/*
 * kernel/fs/fastfat/fastfat.h: the FAT32 file system for start-up (NT's fastfat driver):
 * FatInitializeFileSystem registers the driver and mounts the first FAT32 partition (type 0x0B
 * or 0x0C) of the first disk that has one as C:, checking its boot sector and FSInfo and
 * scanning its FAT; a volume that fails a check is not mounted, and start-up says why with
 * NT's status: STATUS_UNRECOGNIZED_VOLUME (not FAT32: signatures, jump, sector size, a FAT16
 * or FAT12 layout), STATUS_DISK_CORRUPT_ERROR (a FAT32 boot sector or FSInfo whose numbers do
 * not hold together or do not fit the partition). PASSIVE_LEVEL, after IoInitSystem.
 */
#ifndef KERNEL_FS_FASTFAT_FASTFAT_H
#define KERNEL_FS_FASTFAT_FASTFAT_H

void FatInitializeFileSystem(void);

#endif
