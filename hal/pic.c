/*
 * hal/pic.c: the two 8259 PICs, remapped so IRQ n arrives at vector PRIMARY_VECTOR_BASE + n
 * (0x30, as NT's PC HAL does), every line masked until a driver enables it.
 */
#include "hal/hal.h"
#include "kernel/rtl/rtl.h"

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
static uint16_t HalpIrqlMasks[HIGH_LEVEL + 1];     /* the lines each IRQL blocks */
static int32_t HalpWrittenMask = -1;               /* what the PICs hold, to skip rewrites */

static void HalpWriteMask(void)
{
    uint16_t mask = (uint16_t)(~HalpEnabledIrqs | HalpIrqlMask);

    if (mask == HalpWrittenMask)
        return;
    if ((mask & 0xFF) != (HalpWrittenMask & 0xFF) || HalpWrittenMask < 0)
        WRITE_PORT_UCHAR(PIC1_DATA, mask & 0xFF);
    if ((mask >> 8) != ((HalpWrittenMask >> 8) & 0xFF) || HalpWrittenMask < 0)
        WRITE_PORT_UCHAR(PIC2_DATA, mask >> 8);
    HalpWrittenMask = mask;
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
    for (uint32_t irql = 0; irql <= HIGH_LEVEL; irql++) {
        for (uint32_t irq = 0; irq < HAL_IRQ_COUNT; irq++) {
            if (irq != HAL_IRQ_CASCADE && (irql >= HIGH_LEVEL || HalIrqToIrql(irq) <= irql))
                HalpIrqlMasks[irql] |= (uint16_t)(1u << irq);
        }
    }
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
    HalpIrqlMask = HalpIrqlMasks[MIN(Irql, HIGH_LEVEL)];
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
