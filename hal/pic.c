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

/*
 * A line is masked when its device is not enabled, or when the current IRQL is at or above
 * the line's IRQL. NT's PC HAL gives IRQ 0 (the clock) CLOCK2_LEVEL and IRQ n the level
 * PROFILE_LEVEL - n, so a lower IRQ number is a more urgent device.
 */
#define CLOCK2_LEVEL        28
#define PROFILE_LEVEL       27
#define HIGH_LEVEL          31

static uint16_t HalpEnabledIrqs;
static uint16_t HalpIrqlMask;

static void HalpWriteMask(void)
{
    uint16_t mask = (uint16_t)(~HalpEnabledIrqs | HalpIrqlMask);

    WRITE_PORT_UCHAR(PIC1_DATA, mask & 0xFF);
    WRITE_PORT_UCHAR(PIC2_DATA, mask >> 8);
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
    HalpEnabledIrqs = 1u << HAL_IRQ_CASCADE;
    HalpWriteMask();
}

void HalEnableIrq(uint32_t Irq)
{
    HalpEnabledIrqs |= (uint16_t)(1u << Irq);
    HalpWriteMask();
}

void HalDisableIrq(uint32_t Irq)
{
    HalpEnabledIrqs &= (uint16_t)~(1u << Irq);
    HalpWriteMask();
}

uint8_t HalIrqToIrql(uint32_t Irq)
{
    return Irq == HAL_IRQ_CLOCK ? CLOCK2_LEVEL : (uint8_t)(PROFILE_LEVEL - Irq);
}

/* Mask the lines an IRQL blocks: those whose own IRQL is at or below it. Call with interrupts
 * disabled, so no masked line is delivered afterwards. */
void HalSetIrqlMask(uint8_t Irql)
{
    uint16_t mask = 0;

    for (uint32_t irq = 0; irq < HAL_IRQ_COUNT; irq++) {
        if (irq != HAL_IRQ_CASCADE && HalIrqToIrql(irq) <= Irql)
            mask |= (uint16_t)(1u << irq);
    }
    if (Irql >= HIGH_LEVEL)
        mask = 0xFFFF;
    HalpIrqlMask = mask;
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
