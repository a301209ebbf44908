/*
 * kernel/ke/tbflush.c: translation buffer flushes. One processor, so "all processors" is this
 * one: a single entry with invlpg, the whole TB by reloading CR3 (global entries, which
 * mm386 does not use, would survive that).
 */
#include "kernel/ke/ke.h"
#include "hal/x86.h"

void KeFlushSingleTb(const void *VirtualAddress)
{
    __invlpg(VirtualAddress);
}

void KeFlushEntireTb(void)
{
    __writecr3(__readcr3());
}
