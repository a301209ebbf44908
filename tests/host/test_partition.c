/*
 * tests/host/test_partition.c: IoParsePartitionTable on crafted master boot records, and what
 * a disk's layout lets a paging file or a test's writes have (IoIsPagingFileRegion,
 * IoIsRegionUnclaimed).
 */
#include <stdint.h>
#include <string.h>
#include "tests/host/tap.h"
#include "kernel/io/io.h"

#define DISK_SECTORS    526336u         /* tools/mkdisk IMAGE 256 */

static uint8_t Mbr[HAL_ATA_SECTOR_SIZE];

static void PutLittleEndian32(uint8_t *Bytes, uint32_t Value)
{
    for (int i = 0; i < 4; i++)
        Bytes[i] = (uint8_t)(Value >> (8 * i));
}

/* A fresh MBR with its signature and no partitions; boot code bytes that look like entries. */
static void NewMbr(void)
{
    memset(Mbr, 0x90, sizeof(Mbr));
    memset(Mbr + 0x1BE, 0, 64);
    Mbr[0x1FE] = 0x55;
    Mbr[0x1FF] = 0xAA;
}

static void SetEntry(int Slot, uint8_t Boot, uint8_t Type, uint32_t Start, uint32_t Count)
{
    uint8_t *entry = Mbr + 0x1BE + 16 * Slot;

    entry[0] = Boot;
    entry[1] = 0xFE;                    /* CHS fields hold junk: they are ignored */
    entry[4] = Type;
    entry[5] = 0xFF;
    PutLittleEndian32(entry + 8, Start);
    PutLittleEndian32(entry + 12, Count);
}

static NTSTATUS Parse(DISK_PARTITION *Partitions, uint32_t *Count)
{
    return IoParsePartitionTable(Mbr, DISK_SECTORS, Partitions, Count);
}

static void TestMkdiskLayout(void)
{
    DISK_PARTITION p[DISK_MBR_PARTITIONS];
    uint32_t count = 99;

    NewMbr();
    SetEntry(0, 0x00, PARTITION_PAGING_FILE, 2048, DISK_SECTORS - 2048);
    is_int(Parse(p, &count), STATUS_SUCCESS, "mkdisk layout parses");
    is_int(count, 1, "one partition");
    is_int(p[0].Number, 1, "its number is its entry");
    is_int(p[0].Type, 0x82, "type 0x82");
    is_int(p[0].Active, 0, "not active");
    is_int(p[0].StartingLba, 2048, "starts at 2048");
    is_int(p[0].SectorCount, 524288, "256 MiB of sectors");
}

static void TestEntries(void)
{
    DISK_PARTITION p[DISK_MBR_PARTITIONS];
    uint32_t count;

    NewMbr();
    is_int(Parse(p, &count), STATUS_SUCCESS, "an empty table is valid");
    is_int(count, 0, "... with no partitions");

    SetEntry(0, 0x80, 0x83, 2048, 4096);
    SetEntry(2, 0x00, 0x82, 0x45678, 0x1000);
    SetEntry(3, 0x00, 0x0F, 0x60000, 0x100);
    is_int(Parse(p, &count), STATUS_SUCCESS, "three entries with a hole");
    is_int(count, 3, "three partitions");
    is_int(p[0].Active, 1, "the first is active");
    is_int(p[1].Number, 3, "the second found is entry 3");
    is_int(p[1].StartingLba, 0x45678, "little-endian start");
    is_int(p[2].Type, 0x0F, "an extended partition is listed as it is");
    is_int(p[2].SectorCount, 0x100, "little-endian count");

    NewMbr();
    SetEntry(1, 0x00, 0x82, DISK_SECTORS - 8, 8);
    is_int(Parse(p, &count), STATUS_SUCCESS, "a partition that ends at the disk's end");
    is_int(p[0].StartingLba + p[0].SectorCount, DISK_SECTORS, "... ends there");
}

static void TestCorrupt(void)
{
    static const struct {
        uint8_t Boot, Type;
        uint32_t Start, Count;
        const char *What;
    } cases[] = {
        { 0x00, 0x82, 0, 100, "starting at sector 0 (over the MBR)" },
        { 0x00, 0x82, 2048, 0, "with no sectors" },
        { 0x00, 0x82, 2048, DISK_SECTORS - 2047, "one sector past the end" },
        { 0x00, 0x82, 0xFFFFFFFF, 0xFFFFFFFF, "far past the end (no wrap)" },
        { 0x01, 0x82, 2048, 8, "with boot indicator 0x01" },
        { 0x00, 0x82, 4000, 200, "overlapping the first" },
    };
    DISK_PARTITION p[DISK_MBR_PARTITIONS];
    uint32_t count;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        NewMbr();
        SetEntry(0, 0x00, 0x82, 2048, 2048);
        SetEntry(1, cases[i].Boot, cases[i].Type, cases[i].Start, cases[i].Count);
        count = 99;
        is_int(Parse(p, &count), STATUS_DISK_CORRUPT_ERROR, "corrupt: an entry %s", cases[i].What);
        is_int(count, 0, "... and no partitions");
    }

    NewMbr();
    SetEntry(0, 0x00, 0x82, 2048, 2048);
    SetEntry(1, 0x00, 0x82, 4096, 2048);
    is_int(Parse(p, &count), STATUS_SUCCESS, "adjacent partitions do not overlap");
    is_int(count, 2, "... both listed");
}

static void TestSignature(void)
{
    DISK_PARTITION p[DISK_MBR_PARTITIONS];
    uint32_t count = 99;

    NewMbr();
    SetEntry(0, 0x00, 0x82, 2048, 2048);
    Mbr[0x1FF] = 0x55;
    is_int(Parse(p, &count), STATUS_BAD_MASTER_BOOT_RECORD, "no 0x55AA signature");
    is_int(count, 0, "... no partitions");
    memset(Mbr, 0, sizeof(Mbr));
    is_int(Parse(p, &count), STATUS_BAD_MASTER_BOOT_RECORD, "a zeroed sector (a fresh disk)");
}

/* A Linux partition, a paging-file partition after a gap, and an extended partition. */
static void LinuxLayout(DISK_LAYOUT *Layout)
{
    NewMbr();
    SetEntry(0, 0x80, 0x83, 2048, 32768);
    SetEntry(1, 0x00, 0x82, 36864, 65536);
    SetEntry(2, 0x00, 0x05, 102400, 4096);
    Layout->Sectors = DISK_SECTORS;
    Layout->TableStatus = Parse(Layout->Partitions, &Layout->PartitionCount);
}

static void TestPagingFileRegion(void)
{
    DISK_LAYOUT layout;

    LinuxLayout(&layout);
    is_int(layout.TableStatus, STATUS_SUCCESS, "region: the layout parses");
    ok(IoIsPagingFileRegion(&layout, 36864, 65536), "region: the whole 0x82 partition");
    ok(IoIsPagingFileRegion(&layout, 40000, 8), "region: a page inside it");
    ok(!IoIsPagingFileRegion(&layout, 36856, 16), "region: not one starting a page before it");
    ok(!IoIsPagingFileRegion(&layout, 102392, 16), "region: not one running past its end");
    ok(!IoIsPagingFileRegion(&layout, 0, 8192), "region: not the MBR");
    ok(!IoIsPagingFileRegion(&layout, 2048, 4096), "region: not the Linux partition");
    ok(!IoIsPagingFileRegion(&layout, 64, 4096), "region: not the gap before it");
    ok(!IoIsPagingFileRegion(&layout, 34816, 2048), "region: not the gap between partitions");
    ok(!IoIsPagingFileRegion(&layout, 102400, 8), "region: not the extended partition");
    ok(!IoIsPagingFileRegion(&layout, 40000, 0), "region: not an empty one");

    layout.TableStatus = STATUS_BAD_MASTER_BOOT_RECORD;
    layout.PartitionCount = 0;
    ok(IoIsPagingFileRegion(&layout, 0, 8192), "no table: anywhere, sector 0 too");
    ok(IoIsPagingFileRegion(&layout, DISK_SECTORS - 8, 8), "no table: to the last sector");
    ok(!IoIsPagingFileRegion(&layout, DISK_SECTORS - 8, 16), "no table: not past the end");
    ok(!IoIsPagingFileRegion(&layout, ~0ull - 3, 8), "no table: not far past it (no wrap)");

    layout.TableStatus = STATUS_IO_TIMEOUT;
    ok(!IoIsPagingFileRegion(&layout, 4096, 8), "unread table: nowhere");
    layout.TableStatus = STATUS_DISK_CORRUPT_ERROR;
    ok(!IoIsPagingFileRegion(&layout, 4096, 8), "corrupt table: nowhere");
}

static void TestUnclaimedRegion(void)
{
    DISK_LAYOUT layout;

    LinuxLayout(&layout);
    ok(IoIsRegionUnclaimed(&layout, 8, 32), "unclaimed: the gap after the MBR");
    ok(IoIsRegionUnclaimed(&layout, 34816, 2048), "unclaimed: the gap between partitions");
    ok(IoIsRegionUnclaimed(&layout, 34816, 4096), "unclaimed: ... and into the 0x82 one");
    ok(IoIsRegionUnclaimed(&layout, 106496, 8), "unclaimed: after the last partition");
    ok(!IoIsRegionUnclaimed(&layout, 0, 8), "claimed: the MBR");
    ok(!IoIsRegionUnclaimed(&layout, 2040, 16), "claimed: a run into the Linux partition");
    ok(!IoIsRegionUnclaimed(&layout, 34808, 16), "claimed: a run out of it");
    ok(!IoIsRegionUnclaimed(&layout, 102392, 16), "claimed: a run into the extended one");
    ok(!IoIsRegionUnclaimed(&layout, DISK_SECTORS - 8, 16), "claimed: past the disk's end");

    layout.TableStatus = STATUS_BAD_MASTER_BOOT_RECORD;
    layout.PartitionCount = 0;
    ok(IoIsRegionUnclaimed(&layout, 0, 8), "no table: sector 0 is unclaimed");
    layout.TableStatus = STATUS_DEVICE_NOT_READY;
    ok(!IoIsRegionUnclaimed(&layout, 4096, 8), "unread table: everything is claimed");
}

int main(void)
{
    TestMkdiskLayout();
    TestEntries();
    TestCorrupt();
    TestSignature();
    TestPagingFileRegion();
    TestUnclaimedRegion();
    return done_testing();
}
