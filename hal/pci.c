/*
 * hal/pci.c: PCI configuration space through configuration mechanism #1. The address of a
 * configuration dword goes to CONFIG_ADDRESS; the dword itself moves through CONFIG_DATA:
 *
 *   CONFIG_ADDRESS (0xCF8)   31 enable | 23..16 bus | 15..11 device | 10..8 function | 7..2 dword
 *
 * The header fields used here, type 0 (a device) and type 1 (a PCI-to-PCI bridge):
 *
 *   0x00  vendor ID (0xFFFF: nothing there) | device ID
 *   0x04  command (bit 0 I/O space, bit 2 bus master) | status
 *   0x08  revision | programming interface | subclass | base class
 *   0x0C  ... | header type (bit 7: a multi-function device) | ...
 *   0x10  BAR0 .. BAR5 (0x10 + 4n; bit 0 set: an I/O space BAR, base in bits 31..2)
 *   0x18  (bridges) primary bus | secondary bus | subordinate bus | ...
 *
 * Devices are found by walking bus 0 and every bus behind a bridge, not by probing all 256.
 */
#include "hal/hal.h"

#define PCI_CONFIG_ADDRESS      0xCF8
#define PCI_CONFIG_DATA         0xCFC
#define PCI_CONFIG_ENABLE       0x80000000u

#define PCI_MAX_DEVICES         32
#define PCI_MAX_FUNCTIONS       8
#define PCI_INVALID_VENDORID    0xFFFF

#define PCI_VENDOR_OFFSET       0x00
#define PCI_COMMAND_OFFSET      0x04
#define PCI_CLASS_OFFSET        0x08
#define PCI_HEADER_OFFSET       0x0C
#define PCI_BAR_OFFSET          0x10
#define PCI_BRIDGE_BUS_OFFSET   0x18
#define PCI_BAR_COUNT           6

#define PCI_ENABLE_IO_SPACE     0x0001
#define PCI_ENABLE_BUS_MASTER   0x0004
#define PCI_MULTIFUNCTION       0x80
#define PCI_BAR_IO_SPACE        0x1
#define PCI_BAR_IO_MASK         0xFFFFFFFCu

#define PCI_CLASS_BRIDGE        0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04

static uint32_t HalpPciAddress(HAL_PCI_SLOT Slot, uint32_t Offset)
{
    return PCI_CONFIG_ENABLE | (uint32_t)Slot.Bus << 16 | (uint32_t)Slot.Device << 11 |
           (uint32_t)Slot.Function << 8 | (Offset & 0xFC);
}

uint32_t HalPciReadConfig(HAL_PCI_SLOT Slot, uint32_t Offset)
{
    WRITE_PORT_ULONG(PCI_CONFIG_ADDRESS, HalpPciAddress(Slot, Offset));
    return READ_PORT_ULONG(PCI_CONFIG_DATA);
}

void HalPciWriteConfig(HAL_PCI_SLOT Slot, uint32_t Offset, uint32_t Value)
{
    WRITE_PORT_ULONG(PCI_CONFIG_ADDRESS, HalpPciAddress(Slot, Offset));
    WRITE_PORT_ULONG(PCI_CONFIG_DATA, Value);
}

/* Byte Index (0..3) of the configuration dword at Offset. */
static uint8_t HalpPciReadByte(HAL_PCI_SLOT Slot, uint32_t Offset, uint32_t Index)
{
    return (uint8_t)(HalPciReadConfig(Slot, Offset) >> (Index * 8));
}

static bool HalpPciFindOnBus(uint8_t Bus, uint8_t BaseClass, uint8_t SubClass, HAL_PCI_SLOT *Slot);

/*
 * Looks at one function; a bridge's secondary bus is searched before the walk goes on. Only
 * a secondary bus numbered above the bridge's own is followed, so the walk always ends.
 */
static bool HalpPciMatchFunction(HAL_PCI_SLOT Candidate, uint8_t BaseClass, uint8_t SubClass,
                                 HAL_PCI_SLOT *Slot)
{
    uint8_t baseClass = HalpPciReadByte(Candidate, PCI_CLASS_OFFSET, 3);
    uint8_t subClass = HalpPciReadByte(Candidate, PCI_CLASS_OFFSET, 2);

    if (baseClass == BaseClass && subClass == SubClass) {
        *Slot = Candidate;
        return true;
    }
    if (baseClass == PCI_CLASS_BRIDGE && subClass == PCI_SUBCLASS_PCI_BRIDGE) {
        uint8_t secondary = HalpPciReadByte(Candidate, PCI_BRIDGE_BUS_OFFSET, 1);

        if (secondary > Candidate.Bus)
            return HalpPciFindOnBus(secondary, BaseClass, SubClass, Slot);
    }
    return false;
}

static bool HalpPciFindOnBus(uint8_t Bus, uint8_t BaseClass, uint8_t SubClass, HAL_PCI_SLOT *Slot)
{
    for (uint8_t device = 0; device < PCI_MAX_DEVICES; device++) {
        HAL_PCI_SLOT candidate = { Bus, device, 0 };
        uint8_t functions;

        if ((HalPciReadConfig(candidate, PCI_VENDOR_OFFSET) & 0xFFFF) == PCI_INVALID_VENDORID)
            continue;
        functions = HalpPciReadByte(candidate, PCI_HEADER_OFFSET, 2) & PCI_MULTIFUNCTION ?
                    PCI_MAX_FUNCTIONS : 1;
        for (candidate.Function = 0; candidate.Function < functions; candidate.Function++) {
            if ((HalPciReadConfig(candidate, PCI_VENDOR_OFFSET) & 0xFFFF) == PCI_INVALID_VENDORID)
                continue;
            if (HalpPciMatchFunction(candidate, BaseClass, SubClass, Slot))
                return true;
        }
    }
    return false;
}

bool HalPciFindDevice(uint8_t BaseClass, uint8_t SubClass, HAL_PCI_SLOT *Slot)
{
    return HalpPciFindOnBus(0, BaseClass, SubClass, Slot);
}

uint16_t HalPciGetIoBar(HAL_PCI_SLOT Slot, uint32_t Bar)
{
    uint32_t value;

    if (Bar >= PCI_BAR_COUNT)
        return 0;
    value = HalPciReadConfig(Slot, PCI_BAR_OFFSET + 4 * Bar);
    if (!(value & PCI_BAR_IO_SPACE))
        return 0;
    return (uint16_t)(value & PCI_BAR_IO_MASK);
}

void HalPciEnableBusMaster(HAL_PCI_SLOT Slot)
{
    uint32_t command = HalPciReadConfig(Slot, PCI_COMMAND_OFFSET);

    /* The upper half is the status register, whose error bits a write of 1 would clear. */
    command = (command & 0xFFFF) | PCI_ENABLE_IO_SPACE | PCI_ENABLE_BUS_MASTER;
    HalPciWriteConfig(Slot, PCI_COMMAND_OFFSET, command);
}
