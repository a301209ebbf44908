/* tests/host/kestubs.c: the kernel routines host-tested Mm code calls (see kestubs.h). */
#include <stdio.h>
#include <stdlib.h>
#include "tests/host/kestubs.h"
#include "kernel/ke/ke.h"

jmp_buf *HostBugCheckJump;
uint32_t HostBugCheckData[5];

void KeBugCheckEx(uint32_t BugCheckCode, uintptr_t P1, uintptr_t P2, uintptr_t P3, uintptr_t P4)
{
    HostBugCheckData[0] = BugCheckCode;
    HostBugCheckData[1] = (uint32_t)P1;
    HostBugCheckData[2] = (uint32_t)P2;
    HostBugCheckData[3] = (uint32_t)P3;
    HostBugCheckData[4] = (uint32_t)P4;
    if (HostBugCheckJump)
        longjmp(*HostBugCheckJump, 1);
    printf("Bail out! unexpected bugcheck 0x%08X (0x%08X,0x%08X,0x%08X,0x%08X)\n", BugCheckCode,
           (uint32_t)P1, (uint32_t)P2, (uint32_t)P3, (uint32_t)P4);
    exit(1);
}

void KeAcquireSpinLock(KSPIN_LOCK *SpinLock, KIRQL *OldIrql)
{
    *SpinLock = 1;
    *OldIrql = PASSIVE_LEVEL;
}

void KeReleaseSpinLock(KSPIN_LOCK *SpinLock, KIRQL NewIrql)
{
    (void)NewIrql;
    *SpinLock = 0;
}

void KeFlushSingleTb(const void *VirtualAddress)
{
    (void)VirtualAddress;
}

void KeFlushEntireTb(void)
{
}
