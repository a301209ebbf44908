/*
 * kernel/ke/clock.c: the clock interrupt (KeTickCount advances HAL_CLOCK_HZ times a second) and
 * the performance counter, the TSC.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

volatile uint32_t KeTickCount;

/* Each tick may end a timed wait or a quantum: the dispatcher looks when IRQL drops. */
static void KiClockInterrupt(void *Context)
{
    (void)Context;
    KeTickCount++;
    KiDispatchPending = true;
}

uint64_t KeQueryPerformanceCounter(uint64_t *Frequency)
{
    if (Frequency)
        *Frequency = HalTscFrequency();
    return __rdtsc();
}

void KiInitializeClock(void)
{
    HalInitializeClock();
    KeConnectInterrupt(HAL_IRQ_CLOCK, KiClockInterrupt, NULL);
}
