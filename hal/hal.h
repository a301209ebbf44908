/*
 * hal/hal.h: the machine. The HAL knows the PC's devices (16550 UART, 8259 PIC, 8254 PIT, ATA,
 * QEMU's isa-debug-exit) and nothing of Mm or Ke.
 */
#ifndef HAL_HAL_H
#define HAL_HAL_H

#include <stdint.h>
#include <stdbool.h>
#include "hal/x86.h"
#include "hal/ata.h"

/* 16550 UART on COM1, 115200 8N1. */
void HalInitializeSerial(void);
void HalSerialPutChar(char Character);
bool HalSerialGetChar(char *Character);     /* false when nothing is waiting */
void HalSerialEnableReceiveInterrupt(void); /* IRQ4 when a byte arrives */

/*
 * 8259 PICs: IRQ n arrives at vector PRIMARY_VECTOR_BASE + n. A line is open when its device
 * is enabled and the current IRQL is below the line's IRQL (HalIrqToIrql).
 */
#define PRIMARY_VECTOR_BASE     0x30
#define HAL_IRQ_COUNT           16
#define HAL_IRQ_CLOCK           0
#define HAL_IRQ_COM1            4
#define HAL_IRQ_CASCADE         2
#define HAL_IRQ_ATA_PRIMARY     14
#define HAL_IRQ_ATA_SECONDARY   15
void HalInitializePic(void);
void HalEnableIrq(uint32_t Irq);
void HalDisableIrq(uint32_t Irq);
uint8_t HalIrqToIrql(uint32_t Irq);
void HalSetIrqlMask(uint8_t Irql);          /* block the lines at or below Irql */
void HalEndOfInterrupt(uint32_t Irq);
bool HalIsSpuriousIrq(uint32_t Irq);

/* 8254 PIT channel 0 as the clock tick; the TSC calibrated against it. */
#define HAL_CLOCK_HZ            100
void HalInitializeClock(void);
uint64_t HalTscFrequency(void);             /* TSC ticks per second, measured at start-up */

/*
 * PCI configuration space (pci.c), mechanism #1. Offsets are byte offsets of a configuration
 * dword (the low two bits are ignored).
 */
typedef struct _HAL_PCI_SLOT {
    uint8_t Bus;
    uint8_t Device;
    uint8_t Function;
} HAL_PCI_SLOT;

uint32_t HalPciReadConfig(HAL_PCI_SLOT Slot, uint32_t Offset);
void HalPciWriteConfig(HAL_PCI_SLOT Slot, uint32_t Offset, uint32_t Value);
bool HalPciFindDevice(uint8_t BaseClass, uint8_t SubClass, HAL_PCI_SLOT *Slot);   /* the first */
uint16_t HalPciGetIoBar(HAL_PCI_SLOT Slot, uint32_t Bar);  /* its I/O base; 0 if not I/O space */
void HalPciEnableBusMaster(HAL_PCI_SLOT Slot);              /* and I/O space decoding */

/* Leave the machine: exit QEMU through isa-debug-exit, or halt where there is none. */
#define HAL_EXIT_SUCCESS        0x10        /* QEMU exit status 33 */
#define HAL_EXIT_FAILURE        0x11        /* QEMU exit status 35 */
__attribute__((noreturn)) void HalExitToHost(uint32_t Code);

#endif
