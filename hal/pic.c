/*
 * hal/pic.c: the two 8259 PICs, remapped so IRQ n arrives at vector PRIMARY_VECTOR_BASE + n
 * (0x30, as NT's PC HAL does), every line masked until a driver enables it.
 */
#include "hal/hal.h"

#define PIC1_COMMAND        0x20
#define PIC1_DATA           0x21
#define PIC2_COMMAND        0xA0
#define PIC2_DATA           0xA1

#define ICW1_INIT_ICW4      0x11
#define ICW4_8086           0x01
#define OCW2_EOI            0x20
#define OCW3_READ_ISR       0x0B

static uint16_t HalpIrqMask = 0xFFFF;

static void HalpWriteMask(void)
{
    WRITE_PORT_UCHAR(PIC1_DATA, HalpIrqMask & 0xFF);
    WRITE_PORT_UCHAR(PIC2_DATA, HalpIrqMask >> 8);
}

void HalInitializePic(void)
{
    WRITE_PORT_UCHAR(PIC1_COMMAND, ICW1_INIT_ICW4);
    WRITE_PORT_UCHAR(PIC2_COMMAND, ICW1_INIT_ICW4);
    WRITE_PORT_UCHAR(PIC1_DATA, PRIMARY_VECTOR_BASE);
    WRITE_PORT_UCHAR(PIC2_DATA, PRIMARY_VECTOR_BASE + 8);
    WRITE_PORT_UCHAR(PIC1_DATA, 1 << HAL_IRQ_CASCADE);
    WRITE_PORT_UCHAR(PIC2_DATA, HAL_IRQ_CASCADE);
    WRITE_PORT_UCHAR(PIC1_DATA, ICW4_8086);
    WRITE_PORT_UCHAR(PIC2_DATA, ICW4_8086);
    HalpIrqMask = (uint16_t)~(1u << HAL_IRQ_CASCADE);
    HalpWriteMask();
}

void HalEnableIrq(uint32_t Irq)
{
    HalpIrqMask &= (uint16_t)~(1u << Irq);
    HalpWriteMask();
}

void HalDisableIrq(uint32_t Irq)
{
    HalpIrqMask |= (uint16_t)(1u << Irq);
    HalpWriteMask();
}

uint16_t HalGetIrqMask(void)
{
    return HalpIrqMask;
}

void HalSetIrqMask(uint16_t Mask)
{
    HalpIrqMask = Mask;
    HalpWriteMask();
}

void HalEndOfInterrupt(uint32_t Irq)
{
    if (Irq >= 8)
        WRITE_PORT_UCHAR(PIC2_COMMAND, OCW2_EOI);
    WRITE_PORT_UCHAR(PIC1_COMMAND, OCW2_EOI);
}

/*
 * IRQ 7 and 15 can arrive with nothing in service (a line that dropped before acknowledge).
 * A spurious IRQ 15 still needs an EOI to the master for the cascade.
 */
bool HalIsSpuriousIrq(uint32_t Irq)
{
    uint16_t port = Irq == 7 ? PIC1_COMMAND : PIC2_COMMAND;

    if (Irq != 7 && Irq != 15)
        return false;
    WRITE_PORT_UCHAR(port, OCW3_READ_ISR);
    if (READ_PORT_UCHAR(port) & 0x80)
        return false;
    if (Irq == 15)
        WRITE_PORT_UCHAR(PIC1_COMMAND, OCW2_EOI);
    return true;
}
