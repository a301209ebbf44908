/*
 * hal/ata.c: the ATA disk driver (contract in hal/ata.h). It owns the two IDE channels: finding
 * the disks with IDENTIFY DEVICE, starting DMA transfers, ending them from the interrupt or by
 * polling, decoding errors into NTSTATUS values, and resetting a channel.
 *
 * Each channel has three register blocks:
 *
 *   command block (0x1F0, 0x170)   +0 data  +1 error / features  +2 sector count
 *                                  +3 LBA low  +4 LBA mid  +5 LBA high  +6 drive select
 *                                  +7 status / command
 *   control block (0x3F6, 0x376)   +0 alternate status (read; does not acknowledge)
 *                                     device control (write: nIEN, SRST)
 *   bus master (BAR4, BAR4 + 8)    +0 command (start, direction)  +2 status (active, error,
 *                                  interrupt; the last two cleared by writing 1)
 *                                  +4 physical address of the PRD table
 *
 * The PRD table (one page per channel, from the caller) lists the memory of a transfer, one
 * 8-byte entry per page frame:
 *
 *   +0 physical address   +4 byte count (4096 here)   +6 flags (bit 15: the last entry)
 *
 * A transfer, in the order the PIIX wants it: PRD table filled, its address and the direction
 * given to the engine, its interrupt and error bits cleared; the drive selected with its
 * address and count; the command written; the engine started. The device raises its
 * interrupt when done (or failed), which also sets the engine's interrupt bit: that bit is
 * how a channel's completion is told from a stray interrupt, by the service routine and by
 * the polled wait alike. Both end the transfer with interrupts disabled, so only one does.
 */
#include "hal/hal.h"
#include "kernel/rtl/rtl.h"

/* Command block registers, NT's names for the status and control bits. */
#define IDE_DATA                    0
#define IDE_ERROR                   1
#define IDE_SECTOR_COUNT            2
#define IDE_LBA_LOW                 3
#define IDE_LBA_MID                 4
#define IDE_LBA_HIGH                5
#define IDE_DRIVE_SELECT            6
#define IDE_STATUS                  7
#define IDE_COMMAND                 7

#define IDE_STATUS_ERROR            0x01
#define IDE_STATUS_DRQ              0x08
#define IDE_STATUS_DEVICE_FAULT     0x20
#define IDE_STATUS_BUSY             0x80
#define IDE_STATUS_FLOATING         0xFF    /* nothing drives the bus: an empty channel */

#define IDE_ERROR_BAD_BLOCK         0x80    /* BBK, or ICRC on Ultra DMA */
#define IDE_ERROR_DATA_ERROR        0x40    /* UNC: uncorrectable data */
#define IDE_ERROR_ID_NOT_FOUND      0x10    /* IDNF: no such sector */
#define IDE_ERROR_COMMAND_ABORTED   0x04    /* ABRT */

#define IDE_DC_DISABLE_INTERRUPTS   0x02    /* nIEN */
#define IDE_DC_RESET_CONTROLLER     0x04    /* SRST */
#define IDE_DC_REENABLE_CONTROLLER  0x00

#define IDE_DRIVE_SELECT_BASE       0xA0    /* the obsolete bits 7 and 5, set */
#define IDE_DRIVE_SELECT_LBA        0x40
#define IDE_DRIVE_SELECT_SHIFT      4
#define IDE_LBA28_HEAD_MASK         0x0F    /* LBA bits 24-27 ride in the drive select */

#define IDE_COMMAND_IDENTIFY        0xEC
#define IDE_COMMAND_READ_DMA        0xC8
#define IDE_COMMAND_WRITE_DMA       0xCA
#define IDE_COMMAND_READ_DMA_EXT    0x25
#define IDE_COMMAND_WRITE_DMA_EXT   0x35

#define IDE_LBA28_SECTORS           0x0FFFFFFFu /* 28-bit commands reach sectors below this */
#define IDE_LBA28_MAX_COUNT         256         /* a sector count register of 0 means 256 */

/* Bus-master IDE registers (offsets from the channel's base) and bits. */
#define BM_COMMAND                  0
#define BM_STATUS                   2
#define BM_PRD_TABLE                4
#define BM_CHANNEL_STRIDE           8
#define BM_COMMAND_START            0x01
#define BM_COMMAND_READ             0x08    /* the engine writes memory: a disk read */
#define BM_STATUS_ERROR             0x02
#define BM_STATUS_INTERRUPT         0x04
#define BM_STATUS_DRIVES_CAPABLE    0x60    /* firmware's notes, kept when clearing the rest */
#define BM_PRD_END_OF_TABLE         0x8000
#define BM_PRD_MAX_FRAME            (0xFFFFFFFFu / HAL_ATA_PAGE_SIZE)  /* 32-bit addresses */

#define PCI_CLASS_MASS_STORAGE      0x01
#define PCI_SUBCLASS_IDE            0x01
#define PCI_IDE_BUS_MASTER_BAR      4

/* IDENTIFY DEVICE words. */
#define ID_WORDS                    256
#define ID_MODEL                    27
#define ID_CAPABILITIES             49
#define ID_CAPABILITY_DMA           0x0100
#define ID_CAPABILITY_LBA           0x0200
#define ID_LBA28_SECTORS            60
#define ID_COMMAND_SETS             83
#define ID_COMMAND_SET_LBA48        0x0400
#define ID_LBA48_SECTORS            100
#define ID_SECTOR_SIZE              106
#define ID_WORD_VALID_MASK          0xC000  /* words 83 and 106 hold data when bits 15:14 = 01 */
#define ID_WORD_VALID               0x4000
#define ID_SECTOR_SIZE_LONG         0x1000  /* logical sectors longer than 512 bytes */

/* Bounds on every wait, in TSC time. */
#define ATA_SELECT_DELAY_READS      4       /* 400 ns after a drive select: 4 status reads */
#define ATA_PROBE_TIMEOUT_MS        500
#define ATA_READY_TIMEOUT_MS        100
#define ATA_RESET_PULSE_US          5
#define ATA_RESET_SETTLE_US         2000
#define ATA_RESET_TIMEOUT_MS        2000
#define ATA_NO_DRIVE                0xFF

typedef struct _HAL_ATA_PRD {
    uint32_t PhysicalAddress;
    uint16_t ByteCount;
    uint16_t Flags;
} HAL_ATA_PRD;

_Static_assert(sizeof(HAL_ATA_PRD) * HAL_ATA_MAX_TRANSFER_PAGES == HAL_ATA_PRD_TABLE_SIZE,
               "one PRD per page frame fills the PRD table page");

typedef struct _HAL_ATA_CHANNEL {
    uint16_t CommandBase;
    uint16_t ControlBase;
    uint16_t BusMasterBase;                 /* 0 without a bus-master controller */
    uint8_t SelectedDrive;                  /* ATA_NO_DRIVE: not known */
    uint32_t PrdTablePhysical;
    HAL_ATA_PRD *PrdTable;
    volatile bool Busy;                     /* a transfer is outstanding */
    volatile NTSTATUS Status;               /* how the last transfer ended */
} HAL_ATA_CHANNEL;

static HAL_ATA_CHANNEL HalpAtaChannels[HAL_ATA_CHANNELS] = {
    { .CommandBase = 0x1F0, .ControlBase = 0x3F6 },
    { .CommandBase = 0x170, .ControlBase = 0x376 },
};
static HAL_ATA_DISK HalpAtaDisks[HAL_ATA_MAX_DISKS];
static uint32_t HalpAtaDiskCount;
static uint16_t HalpBusMasterBase;

/*
 * The device's error register decoded as NT's IDE driver reports it (the sense key it builds,
 * as the disk class driver turns it into a status), the first bit that matches winning:
 * a medium error is STATUS_DEVICE_DATA_ERROR, an address outside the medium
 * STATUS_NONEXISTENT_SECTOR, an aborted command (also what QEMU reports for an I/O error on
 * the image) STATUS_IO_DEVICE_ERROR, as is anything else.
 */
static const struct {
    uint8_t Bit;
    NTSTATUS Status;
} HalpAtaErrorMap[] = {
    { IDE_ERROR_DATA_ERROR, STATUS_DEVICE_DATA_ERROR },
    { IDE_ERROR_BAD_BLOCK, STATUS_DEVICE_DATA_ERROR },
    { IDE_ERROR_ID_NOT_FOUND, STATUS_NONEXISTENT_SECTOR },
    { IDE_ERROR_COMMAND_ABORTED, STATUS_IO_DEVICE_ERROR },
};

static uint64_t HalpAtaDeadline(uint32_t Microseconds)
{
    return __rdtsc() + HalTscFrequency() * Microseconds / 1000000;
}

static void HalpAtaStall(uint32_t Microseconds)
{
    uint64_t deadline = HalpAtaDeadline(Microseconds);

    while (__rdtsc() < deadline)
        ;
}

/* Polls the alternate status until (status & Mask) == Value; false when TimeoutMs passes
 * first. *Status is the last value read either way. */
static bool HalpAtaWaitStatus(const HAL_ATA_CHANNEL *Channel, uint8_t Mask, uint8_t Value,
                              uint32_t TimeoutMs, uint8_t *Status)
{
    uint64_t deadline = HalpAtaDeadline(TimeoutMs * 1000);

    for (;;) {
        *Status = READ_PORT_UCHAR(Channel->ControlBase);
        if ((*Status & Mask) == Value)
            return true;
        if (__rdtsc() >= deadline)
            return false;
    }
}

/* Selects Drive, with LBA addressing and Head (LBA bits 24-27 of a 28-bit command). */
static void HalpAtaSelect(HAL_ATA_CHANNEL *Channel, uint8_t Drive, uint8_t Head)
{
    WRITE_PORT_UCHAR(Channel->CommandBase + IDE_DRIVE_SELECT,
                     IDE_DRIVE_SELECT_BASE | IDE_DRIVE_SELECT_LBA |
                     Drive << IDE_DRIVE_SELECT_SHIFT | (Head & IDE_LBA28_HEAD_MASK));
    if (Channel->SelectedDrive == Drive)
        return;
    for (uint32_t i = 0; i < ATA_SELECT_DELAY_READS; i++)
        READ_PORT_UCHAR(Channel->ControlBase);
    Channel->SelectedDrive = Drive;
}

static void HalpAtaClearBusMasterStatus(const HAL_ATA_CHANNEL *Channel)
{
    uint8_t status = READ_PORT_UCHAR(Channel->BusMasterBase + BM_STATUS);

    WRITE_PORT_UCHAR(Channel->BusMasterBase + BM_STATUS,
                     (status & BM_STATUS_DRIVES_CAPABLE) | BM_STATUS_ERROR | BM_STATUS_INTERRUPT);
}

/*
 * IDENTIFY DEVICE, polled, into Words. False when no ATA device answers: nothing there
 * (status 0), a device that stays busy, or a packet (ATAPI) device, which aborts the command
 * and leaves its signature in LBA mid/high.
 */
static bool HalpAtaIdentify(HAL_ATA_CHANNEL *Channel, uint8_t Drive, uint16_t Words[ID_WORDS])
{
    uint16_t port = Channel->CommandBase;
    uint8_t status;

    HalpAtaSelect(Channel, Drive, 0);
    if (!HalpAtaWaitStatus(Channel, IDE_STATUS_BUSY, 0, ATA_PROBE_TIMEOUT_MS, &status))
        return false;
    WRITE_PORT_UCHAR(port + IDE_SECTOR_COUNT, 0);
    WRITE_PORT_UCHAR(port + IDE_LBA_LOW, 0);
    WRITE_PORT_UCHAR(port + IDE_LBA_MID, 0);
    WRITE_PORT_UCHAR(port + IDE_LBA_HIGH, 0);
    WRITE_PORT_UCHAR(port + IDE_COMMAND, IDE_COMMAND_IDENTIFY);
    if (READ_PORT_UCHAR(Channel->ControlBase) == 0)
        return false;
    if (!HalpAtaWaitStatus(Channel, IDE_STATUS_BUSY, 0, ATA_PROBE_TIMEOUT_MS, &status))
        return false;
    if (READ_PORT_UCHAR(port + IDE_LBA_MID) || READ_PORT_UCHAR(port + IDE_LBA_HIGH))
        return false;
    if ((status & IDE_STATUS_ERROR) || !(status & IDE_STATUS_DRQ))
        return false;
    READ_PORT_BUFFER_USHORT(port + IDE_DATA, Words, ID_WORDS);
    READ_PORT_UCHAR(port + IDE_STATUS);
    return true;
}

/* Words 27-46 hold the model two characters a word, the first in the high byte, padded with
 * blanks. */
static void HalpAtaCopyModel(const uint16_t Words[ID_WORDS], char Model[HAL_ATA_MODEL_LENGTH + 1])
{
    uint32_t start = 0, end = HAL_ATA_MODEL_LENGTH;

    for (uint32_t i = 0; i < HAL_ATA_MODEL_LENGTH / 2; i++) {
        Model[2 * i] = (char)(Words[ID_MODEL + i] >> 8);
        Model[2 * i + 1] = (char)(Words[ID_MODEL + i] & 0xFF);
    }
    while (end > 0 && (Model[end - 1] == ' ' || Model[end - 1] == '\0'))
        end--;
    while (start < end && Model[start] == ' ')
        start++;
    memmove(Model, Model + start, end - start);
    Model[end - start] = '\0';
}

/* Fills Disk from IDENTIFY data; false for a device this driver cannot address: no LBA, or
 * logical sectors longer than 512 bytes. */
static bool HalpAtaParseIdentify(const uint16_t Words[ID_WORDS], HAL_ATA_DISK *Disk)
{
    uint16_t commandSets = Words[ID_COMMAND_SETS], sectorSize = Words[ID_SECTOR_SIZE];

    if (!(Words[ID_CAPABILITIES] & ID_CAPABILITY_LBA))
        return false;
    if ((sectorSize & ID_WORD_VALID_MASK) == ID_WORD_VALID && (sectorSize & ID_SECTOR_SIZE_LONG))
        return false;
    Disk->Lba48 = (commandSets & ID_WORD_VALID_MASK) == ID_WORD_VALID &&
                  (commandSets & ID_COMMAND_SET_LBA48);
    Disk->Sectors = (uint32_t)Words[ID_LBA28_SECTORS + 1] << 16 | Words[ID_LBA28_SECTORS];
    if (Disk->Lba48) {
        Disk->Sectors = 0;
        for (uint32_t i = 4; i-- > 0;)
            Disk->Sectors = Disk->Sectors << 16 | Words[ID_LBA48_SECTORS + i];
    }
    Disk->Dma = HalpBusMasterBase != 0 && (Words[ID_CAPABILITIES] & ID_CAPABILITY_DMA);
    HalpAtaCopyModel(Words, Disk->Model);
    return Disk->Sectors != 0;
}

/* Identifies master and slave with the channel's interrupt off; an empty channel (a floating
 * bus reads 0xFF) costs one port read. */
static void HalpAtaProbeChannel(uint32_t Channel)
{
    HAL_ATA_CHANNEL *channel = &HalpAtaChannels[Channel];
    uint16_t words[ID_WORDS];

    if (READ_PORT_UCHAR(channel->ControlBase) == IDE_STATUS_FLOATING)
        return;
    WRITE_PORT_UCHAR(channel->ControlBase, IDE_DC_DISABLE_INTERRUPTS);
    for (uint8_t drive = 0; drive < 2; drive++) {
        HAL_ATA_DISK *disk = &HalpAtaDisks[HalpAtaDiskCount];

        if (!HalpAtaIdentify(channel, drive, words) || !HalpAtaParseIdentify(words, disk))
            continue;
        disk->Channel = (uint8_t)Channel;
        disk->Drive = drive;
        HalpAtaDiskCount++;
    }
    WRITE_PORT_UCHAR(channel->ControlBase, IDE_DC_REENABLE_CONTROLLER);
}

uint32_t HalAtaInitialize(const uint32_t PrdTablePhysical[HAL_ATA_CHANNELS],
                          void *const PrdTableVirtual[HAL_ATA_CHANNELS])
{
    HAL_PCI_SLOT slot;

    HalpAtaDiskCount = 0;
    HalpBusMasterBase = 0;
    if (HalPciFindDevice(PCI_CLASS_MASS_STORAGE, PCI_SUBCLASS_IDE, &slot)) {
        HalpBusMasterBase = HalPciGetIoBar(slot, PCI_IDE_BUS_MASTER_BAR);
        if (HalpBusMasterBase)
            HalPciEnableBusMaster(slot);
    }
    for (uint32_t c = 0; c < HAL_ATA_CHANNELS; c++) {
        HAL_ATA_CHANNEL *channel = &HalpAtaChannels[c];

        channel->BusMasterBase = HalpBusMasterBase ? HalpBusMasterBase + c * BM_CHANNEL_STRIDE : 0;
        channel->PrdTablePhysical = PrdTablePhysical[c];
        channel->PrdTable = PrdTableVirtual[c];
        channel->SelectedDrive = ATA_NO_DRIVE;
        channel->Busy = false;
        channel->Status = STATUS_SUCCESS;
        HalpAtaProbeChannel(c);
    }
    return HalpAtaDiskCount;
}

uint32_t HalAtaDiskCount(void)
{
    return HalpAtaDiskCount;
}

const HAL_ATA_DISK *HalAtaDisk(uint32_t Disk)
{
    return Disk < HalpAtaDiskCount ? &HalpAtaDisks[Disk] : NULL;
}

uint16_t HalAtaBusMasterBase(void)
{
    return HalpBusMasterBase;
}

uint32_t HalAtaMaximumTransferPages(const HAL_ATA_DISK *Disk)
{
    return Disk->Lba48 ? HAL_ATA_MAX_TRANSFER_PAGES : HAL_ATA_MAX_LBA28_PAGES;
}

static NTSTATUS HalpAtaCheckTransfer(const HAL_ATA_DISK *Disk, uint64_t Lba, uint32_t Sectors,
                                     const uint32_t *PageFrames, uint32_t ByteOffset)
{
    uint32_t limit = HalAtaMaximumTransferPages(Disk);
    uint32_t pages;

    if (!Disk->Dma)
        return STATUS_NOT_SUPPORTED;
    if (Sectors == 0 || Sectors > limit * HAL_ATA_SECTORS_PER_PAGE ||
        ByteOffset >= HAL_ATA_PAGE_SIZE || ByteOffset % HAL_ATA_SECTOR_SIZE)
        return STATUS_INVALID_PARAMETER;
    pages = (ByteOffset + Sectors * HAL_ATA_SECTOR_SIZE + HAL_ATA_PAGE_SIZE - 1) /
            HAL_ATA_PAGE_SIZE;
    if (pages > HAL_ATA_MAX_TRANSFER_PAGES || Lba > Disk->Sectors || Disk->Sectors - Lba < Sectors)
        return STATUS_INVALID_PARAMETER;
    for (uint32_t i = 0; i < pages; i++) {
        if (PageFrames[i] > BM_PRD_MAX_FRAME)
            return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

/* Marks the channel busy; false if it already was. */
static bool HalpAtaClaimChannel(HAL_ATA_CHANNEL *Channel)
{
    uint32_t flags = __readeflags();
    bool claimed;

    _disable();
    claimed = !Channel->Busy;
    Channel->Busy = true;
    __writeeflags(flags);
    return claimed;
}

/* One PRD per page frame touched: the first from ByteOffset, the last up to the end. */
static void HalpAtaBuildPrdTable(HAL_ATA_CHANNEL *Channel, const uint32_t *PageFrames,
                                 uint32_t ByteOffset, uint32_t Sectors)
{
    uint32_t left = Sectors * HAL_ATA_SECTOR_SIZE;

    for (uint32_t i = 0; left; i++) {
        uint32_t bytes = HAL_ATA_PAGE_SIZE - ByteOffset;

        if (bytes > left)
            bytes = left;
        left -= bytes;
        Channel->PrdTable[i] = (HAL_ATA_PRD){
            .PhysicalAddress = PageFrames[i] * HAL_ATA_PAGE_SIZE + ByteOffset,
            .ByteCount = (uint16_t)bytes,       /* 0x1000 at most: no 64 KB wrap to 0 */
            .Flags = left == 0 ? BM_PRD_END_OF_TABLE : 0,
        };
        ByteOffset = 0;
    }
    __asm__ volatile("" : : : "memory");    /* the table is in memory before the engine looks */
}

/* Address and count; for LBA48 the high-order bytes go first, each register keeping two. */
static void HalpAtaWriteTaskFile(const HAL_ATA_CHANNEL *Channel, uint64_t Lba, uint32_t Sectors,
                                 bool Lba48)
{
    uint16_t port = Channel->CommandBase;

    if (Lba48) {
        WRITE_PORT_UCHAR(port + IDE_SECTOR_COUNT, (uint8_t)(Sectors >> 8));
        WRITE_PORT_UCHAR(port + IDE_LBA_LOW, (uint8_t)(Lba >> 24));
        WRITE_PORT_UCHAR(port + IDE_LBA_MID, (uint8_t)(Lba >> 32));
        WRITE_PORT_UCHAR(port + IDE_LBA_HIGH, (uint8_t)(Lba >> 40));
    }
    WRITE_PORT_UCHAR(port + IDE_SECTOR_COUNT, (uint8_t)Sectors);
    WRITE_PORT_UCHAR(port + IDE_LBA_LOW, (uint8_t)Lba);
    WRITE_PORT_UCHAR(port + IDE_LBA_MID, (uint8_t)(Lba >> 8));
    WRITE_PORT_UCHAR(port + IDE_LBA_HIGH, (uint8_t)(Lba >> 16));
}

/* Programs the engine and the device and starts both; the PRD table is filled. */
static NTSTATUS HalpAtaIssueDma(HAL_ATA_CHANNEL *Channel, const HAL_ATA_DISK *Disk, uint64_t Lba,
                                uint32_t Sectors, bool Write)
{
    bool lba48 = Lba + Sectors > IDE_LBA28_SECTORS || Sectors > IDE_LBA28_MAX_COUNT;
    uint8_t direction = Write ? 0 : BM_COMMAND_READ;
    uint8_t command, status;
    uint32_t flags;

    if (lba48)
        command = Write ? IDE_COMMAND_WRITE_DMA_EXT : IDE_COMMAND_READ_DMA_EXT;
    else
        command = Write ? IDE_COMMAND_WRITE_DMA : IDE_COMMAND_READ_DMA;
    WRITE_PORT_UCHAR(Channel->BusMasterBase + BM_COMMAND, direction);
    HalpAtaClearBusMasterStatus(Channel);
    WRITE_PORT_ULONG(Channel->BusMasterBase + BM_PRD_TABLE, Channel->PrdTablePhysical);

    HalpAtaSelect(Channel, Disk->Drive, lba48 ? 0 : (uint8_t)(Lba >> 24));
    if (!HalpAtaWaitStatus(Channel, IDE_STATUS_BUSY | IDE_STATUS_DRQ, 0, ATA_READY_TIMEOUT_MS,
                           &status))
        return STATUS_DEVICE_BUSY;
    HalpAtaWriteTaskFile(Channel, Lba, Sectors, lba48);

    /* Our own completion must not run between the command and the engine's start. */
    flags = __readeflags();
    _disable();
    WRITE_PORT_UCHAR(Channel->CommandBase + IDE_COMMAND, command);
    WRITE_PORT_UCHAR(Channel->BusMasterBase + BM_COMMAND, direction | BM_COMMAND_START);
    __writeeflags(flags);
    return STATUS_PENDING;
}

NTSTATUS HalAtaStartTransferSectors(uint32_t Disk, uint64_t Lba, uint32_t Sectors,
                                    const uint32_t *PageFrames, uint32_t ByteOffset, bool Write)
{
    const HAL_ATA_DISK *disk = HalAtaDisk(Disk);
    HAL_ATA_CHANNEL *channel;
    NTSTATUS status;

    if (!disk)
        return STATUS_NO_SUCH_DEVICE;
    status = HalpAtaCheckTransfer(disk, Lba, Sectors, PageFrames, ByteOffset);
    if (!NT_SUCCESS(status))
        return status;
    channel = &HalpAtaChannels[disk->Channel];
    if (!HalpAtaClaimChannel(channel))
        return STATUS_DEVICE_BUSY;
    HalpAtaBuildPrdTable(channel, PageFrames, ByteOffset, Sectors);
    status = HalpAtaIssueDma(channel, disk, Lba, Sectors, Write);
    if (status != STATUS_PENDING)
        channel->Busy = false;
    return status;
}

NTSTATUS HalAtaStartTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                             uint32_t PageCount, bool Write)
{
    uint32_t sectors = PageCount > HAL_ATA_MAX_TRANSFER_PAGES
                       ? UINT32_MAX                             /* refused as too many */
                       : PageCount * HAL_ATA_SECTORS_PER_PAGE;

    return HalAtaStartTransferSectors(Disk, Lba, sectors, PageFrames, 0, Write);
}

/* How the transfer went, from the device's status (and error register) and the engine's. */
static NTSTATUS HalpAtaDecodeStatus(const HAL_ATA_CHANNEL *Channel, uint8_t Status,
                                    uint8_t BusMasterStatus)
{
    if (Status & IDE_STATUS_ERROR) {
        uint8_t error = READ_PORT_UCHAR(Channel->CommandBase + IDE_ERROR);

        for (uint32_t i = 0; i < ARRAYSIZE(HalpAtaErrorMap); i++) {
            if (error & HalpAtaErrorMap[i].Bit)
                return HalpAtaErrorMap[i].Status;
        }
        return STATUS_IO_DEVICE_ERROR;
    }
    if ((Status & IDE_STATUS_DEVICE_FAULT) || (BusMasterStatus & BM_STATUS_ERROR))
        return STATUS_IO_DEVICE_ERROR;
    return STATUS_SUCCESS;
}

/*
 * Ends the channel's outstanding transfer if the engine has raised its interrupt: stops the
 * engine, acknowledges the device (reading its status) and the engine, and records the
 * result. False if the transfer is still running. Interrupts are disabled.
 */
static bool HalpAtaEndIfInterrupted(HAL_ATA_CHANNEL *Channel)
{
    uint8_t bmStatus = READ_PORT_UCHAR(Channel->BusMasterBase + BM_STATUS);
    uint8_t status;

    if (!(bmStatus & BM_STATUS_INTERRUPT))
        return false;
    WRITE_PORT_UCHAR(Channel->BusMasterBase + BM_COMMAND, 0);
    status = READ_PORT_UCHAR(Channel->CommandBase + IDE_STATUS);
    HalpAtaClearBusMasterStatus(Channel);
    Channel->Status = HalpAtaDecodeStatus(Channel, status, bmStatus);
    Channel->Busy = false;
    return true;
}

bool HalAtaCompleteInterrupt(uint32_t Channel, NTSTATUS *Status)
{
    HAL_ATA_CHANNEL *channel;
    uint32_t flags = __readeflags();
    bool ours = false;

    if (Channel >= HAL_ATA_CHANNELS)
        return false;
    channel = &HalpAtaChannels[Channel];
    _disable();
    if (channel->Busy) {
        ours = HalpAtaEndIfInterrupted(channel);
        if (ours)
            *Status = channel->Status;
    } else {
        READ_PORT_UCHAR(channel->CommandBase + IDE_STATUS);
        if (channel->BusMasterBase)
            HalpAtaClearBusMasterStatus(channel);
    }
    __writeeflags(flags);
    return ours;
}

/* True once the channel has no transfer outstanding, ending it if the engine says it is over. */
static bool HalpAtaPollChannel(HAL_ATA_CHANNEL *Channel)
{
    uint32_t flags = __readeflags();
    bool idle;

    _disable();
    idle = !Channel->Busy || HalpAtaEndIfInterrupted(Channel);
    __writeeflags(flags);
    return idle;
}

NTSTATUS HalAtaWaitPolled(uint32_t Channel, uint32_t TimeoutMs)
{
    uint64_t deadline = HalpAtaDeadline(TimeoutMs * 1000);
    HAL_ATA_CHANNEL *channel;

    if (Channel >= HAL_ATA_CHANNELS)
        return STATUS_INVALID_PARAMETER;
    channel = &HalpAtaChannels[Channel];
    while (!HalpAtaPollChannel(channel)) {
        if (__rdtsc() >= deadline) {
            HalAtaResetChannel(Channel);
            break;
        }
    }
    return channel->Status;
}

NTSTATUS HalAtaResetChannel(uint32_t Channel)
{
    HAL_ATA_CHANNEL *channel;
    uint32_t flags = __readeflags();
    uint8_t status;

    if (Channel >= HAL_ATA_CHANNELS)
        return STATUS_INVALID_PARAMETER;
    channel = &HalpAtaChannels[Channel];
    _disable();
    if (channel->BusMasterBase) {
        WRITE_PORT_UCHAR(channel->BusMasterBase + BM_COMMAND, 0);
        HalpAtaClearBusMasterStatus(channel);
    }
    if (channel->Busy) {
        channel->Status = STATUS_IO_TIMEOUT;
        channel->Busy = false;
    }
    __writeeflags(flags);

    WRITE_PORT_UCHAR(channel->ControlBase, IDE_DC_RESET_CONTROLLER | IDE_DC_DISABLE_INTERRUPTS);
    HalpAtaStall(ATA_RESET_PULSE_US);
    WRITE_PORT_UCHAR(channel->ControlBase, IDE_DC_REENABLE_CONTROLLER);
    HalpAtaStall(ATA_RESET_SETTLE_US);
    channel->SelectedDrive = ATA_NO_DRIVE;
    if (!HalpAtaWaitStatus(channel, IDE_STATUS_BUSY, 0, ATA_RESET_TIMEOUT_MS, &status))
        return STATUS_IO_TIMEOUT;
    return STATUS_SUCCESS;
}
