/*
 * kernel/ke/spinlock.c: spin locks. On one processor holding a spin lock means running at
 * DISPATCH_LEVEL, where nothing else can take the processor; the lock word records the owner
 * only so that acquiring a held lock (which would deadlock on a multiprocessor) or releasing
 * a free one is caught: SPIN_LOCK_ALREADY_OWNED, SPIN_LOCK_NOT_OWNED.
 */
#include "kernel/ke/ke.h"

#define KI_SPIN_LOCK_HELD 1

void KeInitializeSpinLock(KSPIN_LOCK *SpinLock)
{
    *SpinLock = 0;
}

void KeAcquireSpinLockAtDpcLevel(KSPIN_LOCK *SpinLock)
{
    if (KeGetCurrentIrql() < DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, KeGetCurrentIrql(), DISPATCH_LEVEL,
                     (uintptr_t)SpinLock, 0);
    if (*SpinLock)
        KeBugCheckEx(SPIN_LOCK_ALREADY_OWNED, (uintptr_t)SpinLock, 0, 0, 0);
    *SpinLock = KI_SPIN_LOCK_HELD;
}

void KeReleaseSpinLockFromDpcLevel(KSPIN_LOCK *SpinLock)
{
    if (!*SpinLock)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, (uintptr_t)SpinLock, 0, 0, 0);
    *SpinLock = 0;
}

void KeAcquireSpinLock(KSPIN_LOCK *SpinLock, KIRQL *OldIrql)
{
    *OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KeAcquireSpinLockAtDpcLevel(SpinLock);
}

void KeReleaseSpinLock(KSPIN_LOCK *SpinLock, KIRQL NewIrql)
{
    KeReleaseSpinLockFromDpcLevel(SpinLock);
    KfLowerIrql(NewIrql);
}
