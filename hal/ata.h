/*
 * hal/ata.h: the ATA disk driver's contract (ata.c). Both IDE channels in compatibility mode
 * (primary 0x1F0/0x3F6 on IRQ 14, secondary 0x170/0x376 on IRQ 15), master and slave, ATA disks
 * only (ATAPI devices are passed over). Transfers are whole 4 KiB page frames, 8 sectors each,
 * moved by the PCI bus-master IDE engine (PIIX style: one PRD per page frame).
 *
 * The driver can be used two ways, one transfer outstanding per channel either way:
 *
 *   polled, at start-up        HalAtaStartTransfer, then HalAtaWaitPolled
 *   interrupt-driven           HalAtaStartTransfer; the IRQ 14/15 service routine calls
 *                              HalAtaCompleteInterrupt, which says when and how it finished
 *
 * The caller serialises requests per channel: a second HalAtaStartTransfer on a channel whose
 * transfer has not finished is refused with STATUS_DEVICE_BUSY. The driver never waits for an
 * event and never takes a lock; it keeps interrupts off only around the few port writes that
 * must not be split by its own completion. Every wait inside it is bounded by the TSC and
 * ends in STATUS_IO_TIMEOUT.
 *
 * Without a PCI bus-master IDE controller, or for a device without DMA, disks are still
 * identified but every transfer is refused with STATUS_NOT_SUPPORTED (there is no PIO path).
 */
#ifndef HAL_ATA_H
#define HAL_ATA_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/inc/ntstatus.h"

#define HAL_ATA_CHANNELS            2       /* 0 primary, 1 secondary */
#define HAL_ATA_MAX_DISKS           4       /* two per channel */
#define HAL_ATA_SECTOR_SIZE         512
#define HAL_ATA_PAGE_SIZE           4096    /* the transfer unit: one page frame */
#define HAL_ATA_SECTORS_PER_PAGE    (HAL_ATA_PAGE_SIZE / HAL_ATA_SECTOR_SIZE)
#define HAL_ATA_PRD_TABLE_SIZE      HAL_ATA_PAGE_SIZE
#define HAL_ATA_MODEL_LENGTH        40

/* The longest transfer: one PRD table page of 8-byte entries; 256 sectors without LBA48. */
#define HAL_ATA_MAX_TRANSFER_PAGES  (HAL_ATA_PRD_TABLE_SIZE / 8)
#define HAL_ATA_MAX_LBA28_PAGES     (256 / HAL_ATA_SECTORS_PER_PAGE)

typedef struct _HAL_ATA_DISK {
    uint8_t Channel;                        /* 0 primary, 1 secondary */
    uint8_t Drive;                          /* 0 master, 1 slave */
    bool Lba48;                             /* 48-bit addresses (IDENTIFY word 83 bit 10) */
    bool Dma;                               /* transfers possible: bus master and device DMA */
    uint64_t Sectors;                       /* 512-byte sectors, IDENTIFY words 60-61 or 100-103 */
    char Model[HAL_ATA_MODEL_LENGTH + 1];   /* words 27-46, trimmed */
} HAL_ATA_DISK;

/*
 * Finds the bus-master IDE controller on PCI (enabling bus mastering) and identifies the
 * devices on both channels, polled, with interrupts from the devices enabled afterwards.
 * PrdTablePhysical[c] and PrdTableVirtual[c] give channel c's PRD table: one page the caller
 * owns, nonpaged, mapped at the virtual address, for as long as the driver is used. Returns
 * the number of disks found, numbered in the order primary master, primary slave, secondary
 * master, secondary slave (absent ones skipped). Call once, before any other routine here.
 */
uint32_t HalAtaInitialize(const uint32_t PrdTablePhysical[HAL_ATA_CHANNELS],
                          void *const PrdTableVirtual[HAL_ATA_CHANNELS]);

uint32_t HalAtaDiskCount(void);
const HAL_ATA_DISK *HalAtaDisk(uint32_t Disk);          /* NULL for a number not found */
uint16_t HalAtaBusMasterBase(void);                     /* the engine's ports; 0 if none */
/* The most pages one transfer of Disk may span: HAL_ATA_MAX_TRANSFER_PAGES, or
 * HAL_ATA_MAX_LBA28_PAGES without LBA48. */
uint32_t HalAtaMaximumTransferPages(const HAL_ATA_DISK *Disk);

/*
 * Starts reading (or writing) PageCount page frames, PageFrames[0] first, from (to) the
 * sectors Lba .. Lba + PageCount * 8 - 1 of Disk, with LBA28 commands when they reach and
 * LBA48 ones otherwise. Returns STATUS_PENDING once the device has the command; the channel
 * is then busy until HalAtaCompleteInterrupt or HalAtaWaitPolled reports the end, or
 * HalAtaResetChannel abandons it. Refused before anything starts:
 *   STATUS_NO_SUCH_DEVICE      Disk is not a disk found
 *   STATUS_NOT_SUPPORTED       no bus-master controller, or the device has no DMA
 *   STATUS_INVALID_PARAMETER   PageCount 0 or above the limit (HAL_ATA_MAX_TRANSFER_PAGES,
 *                              HAL_ATA_MAX_LBA28_PAGES without LBA48), or sectors past the end
 *   STATUS_DEVICE_BUSY         the channel's last transfer has not finished, or the device
 *                              stays busy
 * The frames must stay allocated and, for a read, untouched until the transfer ends.
 */
NTSTATUS HalAtaStartTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                             uint32_t PageCount, bool Write);

/*
 * The same for Sectors sectors (1 .. the page limit times 8) to or from memory that starts
 * ByteOffset bytes (a multiple of 512 below 4096) into PageFrames[0] and goes on through the
 * frames that follow: one PRD per frame touched. What a file system needs when a page of a
 * file lies in runs of fewer than 8 sectors. HalAtaStartTransfer is this with ByteOffset 0
 * and PageCount * 8 sectors; the refusals are the same.
 */
NTSTATUS HalAtaStartTransferSectors(uint32_t Disk, uint64_t Lba, uint32_t Sectors,
                                    const uint32_t *PageFrames, uint32_t ByteOffset, bool Write);

/*
 * For the channel's IRQ service routine: acknowledges the device and the bus-master engine.
 * True when this ended the channel's transfer, with *Status saying how: STATUS_SUCCESS, or
 * the device's error register decoded as NT's IDE driver reports it (ata.c has the table).
 * False for an interrupt that is not the end of a transfer (nothing outstanding, or the
 * engine raised no interrupt); *Status is then untouched.
 */
bool HalAtaCompleteInterrupt(uint32_t Channel, NTSTATUS *Status);

/*
 * Waits, polling the engine, at most TimeoutMs for the channel's transfer to end, and returns
 * how it ended. A transfer already ended by HalAtaCompleteInterrupt returns that status; with
 * nothing outstanding, the status of the last transfer. On timeout the channel is reset and
 * the result is STATUS_IO_TIMEOUT. Meant for start-up, before the IRQ is connected.
 */
NTSTATUS HalAtaWaitPolled(uint32_t Channel, uint32_t TimeoutMs);

/*
 * Software reset (SRST) of both devices on the channel, for a caller whose own timeout ran
 * out. An outstanding transfer is abandoned: it ends with STATUS_IO_TIMEOUT, and the pages of
 * a read hold whatever arrived. Returns STATUS_IO_TIMEOUT if the devices stay busy after it.
 */
NTSTATUS HalAtaResetChannel(uint32_t Channel);

#endif
