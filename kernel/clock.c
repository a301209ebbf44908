/* kernel/clock.c: the clock interrupt: KeTickCount advances HAL_CLOCK_HZ times a second. */
#include "kernel/ki.h"
#include "hal/hal.h"

volatile uint32_t KeTickCount;

static void KiClockInterrupt(void *Context)
{
    (void)Context;
    KeTickCount++;
}

void KiInitializeClock(void)
{
    HalInitializeClock();
    KeConnectInterrupt(HAL_IRQ_CLOCK, KiClockInterrupt, NULL);
}
