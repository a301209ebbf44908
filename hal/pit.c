/*
 * hal/pit.c: the 8254 PIT. Channel 0 gives the clock tick (HAL_CLOCK_HZ); channel 2, gated
 * through port 0x61, times a fixed interval once at start-up to calibrate the TSC.
 */
#include "hal/hal.h"

#define PIT_CHANNEL0        0x40
#define PIT_CHANNEL2        0x42
#define PIT_COMMAND         0x43
#define PIT_GATE            0x61
#define PIT_INPUT_HZ        1193182u

#define PIT_CH0_RATE        0x34    /* channel 0, lobyte/hibyte, mode 2 (rate generator) */
#define PIT_CH2_ONESHOT     0xB0    /* channel 2, lobyte/hibyte, mode 0 (count down once) */
#define GATE_CH2_ENABLE     0x01
#define GATE_SPEAKER        0x02
#define GATE_CH2_OUTPUT     0x20

#define CALIBRATE_MS        20

static uint64_t HalpTscFrequency;

static void HalpCalibrateTsc(void)
{
    uint32_t count = PIT_INPUT_HZ * CALIBRATE_MS / 1000;
    uint8_t gate = READ_PORT_UCHAR(PIT_GATE);
    uint64_t start, end;

    WRITE_PORT_UCHAR(PIT_GATE, (gate & ~GATE_SPEAKER) & ~GATE_CH2_ENABLE);
    WRITE_PORT_UCHAR(PIT_COMMAND, PIT_CH2_ONESHOT);
    WRITE_PORT_UCHAR(PIT_CHANNEL2, count & 0xFF);
    WRITE_PORT_UCHAR(PIT_CHANNEL2, count >> 8);
    WRITE_PORT_UCHAR(PIT_GATE, (gate & ~GATE_SPEAKER) | GATE_CH2_ENABLE);
    start = __rdtsc();
    while (!(READ_PORT_UCHAR(PIT_GATE) & GATE_CH2_OUTPUT))
        ;
    end = __rdtsc();
    WRITE_PORT_UCHAR(PIT_GATE, gate);
    HalpTscFrequency = (end - start) * 1000 / CALIBRATE_MS;
}

void HalInitializeClock(void)
{
    uint32_t divisor = PIT_INPUT_HZ / HAL_CLOCK_HZ;

    HalpCalibrateTsc();
    WRITE_PORT_UCHAR(PIT_COMMAND, PIT_CH0_RATE);
    WRITE_PORT_UCHAR(PIT_CHANNEL0, divisor & 0xFF);
    WRITE_PORT_UCHAR(PIT_CHANNEL0, divisor >> 8);
}

uint64_t HalTscFrequency(void)
{
    return HalpTscFrequency;
}
