/*
 * kernel/ke/clock.c: the clock interrupt (KeTickCount advances HAL_CLOCK_HZ times a second) and
 * the performance counter, the TSC.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

#define KI_100NS_PER_TICK       (10000000 / HAL_CLOCK_HZ)
/* KSYSTEM_TIME of 2026-01-01 00:00 UTC, in 100 ns since 1601: the clock starts there, as
 * mm386 reads no real-time clock. */
#define KI_BOOT_SYSTEM_TIME     0x01DC7AB192810000ull

volatile uint32_t KeTickCount;
volatile NT_KUSER_SHARED_DATA *KeUserSharedData;

/* A KSYSTEM_TIME as NT writes it, so a reader without a lock can tell a torn value: High2Time
 * first, then LowPart, then High1Time; readers loop until High1Time == High2Time. */
static void KiWriteSystemTime(volatile NT_KSYSTEM_TIME *Time, uint64_t Value)
{
    Time->High2Time = (int32_t)(Value >> 32);
    Time->LowPart = (uint32_t)Value;
    Time->High1Time = (int32_t)(Value >> 32);
}

static void KiUpdateSharedData(uint32_t Ticks)
{
    volatile NT_KUSER_SHARED_DATA *data = KeUserSharedData;
    uint64_t interrupt = (uint64_t)Ticks * KI_100NS_PER_TICK;

    if (!data)
        return;
    KiWriteSystemTime(&data->TickCount, Ticks);
    data->TickCountLowDeprecated = Ticks;
    KiWriteSystemTime(&data->InterruptTime, interrupt);
    KiWriteSystemTime(&data->SystemTime, KI_BOOT_SYSTEM_TIME + interrupt);
}

/* Each tick may end a timed wait or a quantum: the dispatcher looks when IRQL drops. The
 * running thread is charged the tick in the mode it was in. */
static void KiClockInterrupt(void *Context)
{
    KTHREAD *thread = KeGetCurrentThread();
    KTRAP_FRAME *frame = thread->TrapFrame;

    (void)Context;
    KeTickCount++;
    if (frame && KiTrapFrameMode(frame) == UserMode)
        thread->UserTime++;
    else
        thread->KernelTime++;
    KiUpdateSharedData(KeTickCount);
    KiDispatchPending = true;
}

int64_t KeQuerySystemTime(void)
{
    return (int64_t)(KI_BOOT_SYSTEM_TIME + (uint64_t)KeTickCount * KI_100NS_PER_TICK);
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
