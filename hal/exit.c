/*
 * hal/exit.c: leaving the machine. QEMU's isa-debug-exit (iobase 0xf4, iosize 4) turns a write
 * of v into host exit status (v << 1) | 1; where the device is absent the write does nothing
 * and the processor halts with interrupts off instead.
 */
#include "hal/hal.h"

#define ISA_DEBUG_EXIT_PORT 0xF4

void HalExitToHost(uint32_t Code)
{
    _disable();
    WRITE_PORT_ULONG(ISA_DEBUG_EXIT_PORT, Code);
    for (;;)
        __halt();
}
