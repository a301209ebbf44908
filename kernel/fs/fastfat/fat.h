/*
 * kernel/fs/fastfat/fat.h: FAT32 on disk, as Microsoft's FAT specification (fatgen103) lays it
 * out. A volume, in 512-byte sectors from the partition's start:
 *
 *   0                  boot sector (BIOS parameter block), FSInfo at BPB.FsInfoSector,
 *                      a backup of both at BPB.BackupBootSector
 *   ReservedSectors    FAT 0: one 32-bit entry per cluster (the low 28 bits count)
 *   + SectorsPerFat    FAT 1 ... (NumberOfFats copies, kept equal)
 *   DataStart          cluster 2, cluster 3, ... each SectorsPerCluster sectors
 *
 * A FAT entry: 0 free, 2 .. ClusterCount + 1 the next cluster of the chain, 0x0FFFFFF7 a bad
 * cluster, 0x0FFFFFF8 and up the end of the chain. Entries 0 and 1 are reserved (the media
 * byte; the clean-shutdown and no-error bits). A directory is a chain of 32-byte entries; a
 * long name is a run of LFN entries before the short entry it belongs to, last part first,
 * each carrying the short name's checksum.
 */
#ifndef KERNEL_FS_FASTFAT_FAT_H
#define KERNEL_FS_FASTFAT_FAT_H

#include <stdint.h>

#define FAT_SECTOR_SIZE             512
#define FAT_DIRENT_SIZE             32
#define FAT_DIRENTS_PER_SECTOR      (FAT_SECTOR_SIZE / FAT_DIRENT_SIZE)
#define FAT32_ENTRIES_PER_SECTOR    (FAT_SECTOR_SIZE / 4)
#define FAT32_ENTRY_MASK            0x0FFFFFFFu
#define FAT32_CLEAN_SHUTDOWN        0x08000000u     /* FAT[1]: set while the volume is clean */
#define FAT_CLUSTER_AVAILABLE       0x00000000u
#define FAT_CLUSTER_BAD             0x0FFFFFF7u
#define FAT_CLUSTER_LAST            0x0FFFFFFFu     /* what mm386 writes to end a chain */
#define FAT_CLUSTER_END_MINIMUM     0x0FFFFFF8u
#define FAT_FIRST_CLUSTER           2
#define FAT32_MINIMUM_CLUSTERS      65525           /* fewer: FAT16 or FAT12, not FAT32 */
#define FAT_MAXIMUM_CLUSTER_BYTES   65536
#define FAT_MAXIMUM_FILE_SIZE       0xFFFFFFFFu
#define FAT_MAXIMUM_DIRECTORY_BYTES (65536 * FAT_DIRENT_SIZE)   /* 65536 entries */
#define FAT_BOOT_SIGNATURE          0xAA55

/* The boot sector of a FAT32 volume (byte offsets as comments; packed, as on disk). */
typedef struct __attribute__((packed)) _PACKED_BOOT_SECTOR {
    uint8_t Jump[3];                    /* 0x000 EB xx 90 or E9 xx xx */
    uint8_t Oem[8];                     /* 0x003 */
    uint16_t BytesPerSector;            /* 0x00B */
    uint8_t SectorsPerCluster;          /* 0x00D */
    uint16_t ReservedSectors;           /* 0x00E */
    uint8_t Fats;                       /* 0x010 */
    uint16_t RootEntries;               /* 0x011 0 on FAT32 */
    uint16_t Sectors;                   /* 0x013 0 on FAT32 */
    uint8_t Media;                      /* 0x015 */
    uint16_t SectorsPerFat;             /* 0x016 0 on FAT32 */
    uint16_t SectorsPerTrack;           /* 0x018 */
    uint16_t Heads;                     /* 0x01A */
    uint32_t HiddenSectors;             /* 0x01C */
    uint32_t LargeSectors;              /* 0x020 */
    uint32_t LargeSectorsPerFat;        /* 0x024 */
    uint16_t ExtendedFlags;             /* 0x028 bit 7: only FAT (bits 0-3) is active */
    uint16_t FsVersion;                 /* 0x02A 0.0 */
    uint32_t RootDirFirstCluster;       /* 0x02C */
    uint16_t FsInfoSector;              /* 0x030 */
    uint16_t BackupBootSector;          /* 0x032 */
    uint8_t Reserved[12];               /* 0x034 */
    uint8_t PhysicalDriveNumber;        /* 0x040 */
    uint8_t CurrentHead;                /* 0x041 */
    uint8_t Signature;                  /* 0x042 0x29: the next three fields are there */
    uint32_t Id;                        /* 0x043 the volume's serial number */
    uint8_t VolumeLabel[11];            /* 0x047 */
    uint8_t SystemId[8];                /* 0x052 "FAT32   " */
    uint8_t BootCode[420];              /* 0x05A */
    uint16_t BootSignature;             /* 0x1FE 0xAA55 */
} PACKED_BOOT_SECTOR;

_Static_assert(sizeof(PACKED_BOOT_SECTOR) == FAT_SECTOR_SIZE, "the FAT32 boot sector");
_Static_assert(__builtin_offsetof(PACKED_BOOT_SECTOR, RootDirFirstCluster) == 0x2C, "BPB");
_Static_assert(__builtin_offsetof(PACKED_BOOT_SECTOR, Id) == 0x43, "BPB");

#define FAT_EXTENDED_FLAGS_NO_MIRROR    0x0080

/* FSInfo: the free-cluster count and where to look for one next (both hints, 0xFFFFFFFF:
 * unknown). */
#define FSINFO_LEAD_SIGNATURE       0x41615252u
#define FSINFO_STRUCTURE_SIGNATURE  0x61417272u
#define FSINFO_TRAIL_SIGNATURE      0xAA550000u
#define FSINFO_UNKNOWN              0xFFFFFFFFu

typedef struct _FSINFO_SECTOR {
    uint32_t LeadSignature;             /* 0x000 */
    uint8_t Reserved1[480];
    uint32_t StructureSignature;        /* 0x1E4 */
    uint32_t FreeClusterCount;          /* 0x1E8 */
    uint32_t NextFreeCluster;           /* 0x1EC */
    uint8_t Reserved2[12];
    uint32_t TrailSignature;            /* 0x1FC */
} FSINFO_SECTOR;

_Static_assert(sizeof(FSINFO_SECTOR) == FAT_SECTOR_SIZE, "FSInfo");

/* Attributes (FILE_ATTRIBUTE_ values in the low byte; a long-name entry has all four low). */
#define FAT_DIRENT_ATTR_READ_ONLY   0x01
#define FAT_DIRENT_ATTR_HIDDEN      0x02
#define FAT_DIRENT_ATTR_SYSTEM      0x04
#define FAT_DIRENT_ATTR_VOLUME_ID   0x08
#define FAT_DIRENT_ATTR_DIRECTORY   0x10
#define FAT_DIRENT_ATTR_ARCHIVE     0x20
#define FAT_DIRENT_ATTR_LFN         0x0F
#define FAT_DIRENT_ATTR_LFN_MASK    0x3F

/* FileName[0]: the end of the directory, a deleted entry, an escaped 0xE5. */
#define FAT_DIRENT_NEVER_USED       0x00
#define FAT_DIRENT_DELETED          0xE5
#define FAT_DIRENT_REALLY_0E5       0x05

/* NtByte: Windows NT keeps a short name's case here instead of in a long name. */
#define FAT_DIRENT_NT_BYTE_8_LOWER_CASE 0x08
#define FAT_DIRENT_NT_BYTE_3_LOWER_CASE 0x10

typedef struct _DIRENT {               /* naturally aligned: no packing needed */
    uint8_t FileName[11];               /* 0x00 8.3, blank-padded */
    uint8_t Attributes;                 /* 0x0B */
    uint8_t NtByte;                     /* 0x0C */
    uint8_t CreationMSec;               /* 0x0D 10 ms units, 0-199 */
    uint16_t CreationTime;              /* 0x0E */
    uint16_t CreationDate;              /* 0x10 */
    uint16_t LastAccessDate;            /* 0x12 */
    uint16_t FirstClusterOfFileHi;      /* 0x14 */
    uint16_t LastWriteTime;             /* 0x16 */
    uint16_t LastWriteDate;             /* 0x18 */
    uint16_t FirstClusterOfFile;        /* 0x1A */
    uint32_t FileSize;                  /* 0x1C */
} DIRENT;

_Static_assert(sizeof(DIRENT) == FAT_DIRENT_SIZE, "the FAT directory entry");

/* A long-name entry: 13 UTF-16 characters in three pieces. */
#define FAT_LFN_LAST_ENTRY          0x40
#define FAT_LFN_ORDINAL_MASK        0x1F
#define FAT_LFN_CHARACTERS          13
#define FAT_LFN_MAXIMUM_ENTRIES     20      /* 255 characters */
#define FAT_MAXIMUM_NAME            255

typedef struct __attribute__((packed)) _LFN_DIRENT {
    uint8_t Ordinal;                    /* 0x00 1..20, FAT_LFN_LAST_ENTRY on the last part */
    uint16_t Name1[5];                  /* 0x01 */
    uint8_t Attributes;                 /* 0x0B FAT_DIRENT_ATTR_LFN */
    uint8_t Type;                       /* 0x0C 0 */
    uint8_t Checksum;                   /* 0x0D of the short name */
    uint16_t Name2[6];                  /* 0x0E */
    uint16_t MustBeZero;                /* 0x1A */
    uint16_t Name3[2];                  /* 0x1C */
} LFN_DIRENT;

_Static_assert(sizeof(LFN_DIRENT) == FAT_DIRENT_SIZE, "the FAT long-name entry");

/* Dates and times: date = (year - 1980) << 9 | month << 5 | day; time = hour << 11 |
 * minute << 5 | seconds / 2. */
#define FAT_YEAR_BASE               1980

#endif
