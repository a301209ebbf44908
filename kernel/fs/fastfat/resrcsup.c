/*
 * kernel/fs/fastfat/resrcsup.c: FAT_RESOURCE, the shared/exclusive lock of an FCB's paging
 * I/O (fatprocs.h). State under a spin lock; a thread that cannot have it clears Changed
 * while still holding the spin lock (so the state it saw is still the state), lets go and
 * waits; every release sets Changed, which wakes every waiter to look again. Changed is
 * cleared only while someone owns the resource or an exclusive waiter already woken is about
 * to, whose release will set it again, so no wake-up is lost.
 */
#include "kernel/fs/fastfat/fatprocs.h"

void FatInitializeResource(FAT_RESOURCE *Resource)
{
    memset(Resource, 0, sizeof(*Resource));
    KeInitializeSpinLock(&Resource->Lock);
    KeInitializeEvent(&Resource->Changed, NotificationEvent, false);
}

static bool FatAcquire(FAT_RESOURCE *Resource, bool Exclusive, bool Wait)
{
    KTHREAD *thread = KeGetCurrentThread();
    bool counted = false, waited = false;
    KIRQL oldIrql;

    KeAcquireSpinLock(&Resource->Lock, &oldIrql);
    if (Resource->ActiveCount < 0 && Resource->ExclusiveOwner == thread && Wait)
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Resource, (uintptr_t)thread, 0, 5);
    for (;;) {
        bool free = Exclusive ? Resource->ActiveCount == 0
                              : Resource->ActiveCount >= 0 && Resource->ExclusiveWaiters == 0;

        if (free)
            break;
        if (!Wait) {
            KeReleaseSpinLock(&Resource->Lock, oldIrql);
            return false;
        }
        if (Exclusive && !counted) {
            Resource->ExclusiveWaiters++;
            counted = true;
        }
        waited = true;
        KeClearEvent(&Resource->Changed);
        KeReleaseSpinLock(&Resource->Lock, oldIrql);
        KeWaitForSingleObject(&Resource->Changed, Executive, KernelMode, false, NULL);
        KeAcquireSpinLock(&Resource->Lock, &oldIrql);
    }
    if (counted)
        Resource->ExclusiveWaiters--;
    if (waited)
        Resource->Contention++;
    if (Exclusive) {
        Resource->ActiveCount = -1;
        Resource->ExclusiveOwner = thread;
    } else {
        Resource->ActiveCount++;
    }
    KeReleaseSpinLock(&Resource->Lock, oldIrql);
    return true;
}

bool FatAcquireResourceShared(FAT_RESOURCE *Resource, bool Wait)
{
    return FatAcquire(Resource, false, Wait);
}

bool FatAcquireResourceExclusive(FAT_RESOURCE *Resource, bool Wait)
{
    return FatAcquire(Resource, true, Wait);
}

void FatReleaseResource(FAT_RESOURCE *Resource)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&Resource->Lock, &oldIrql);
    if (Resource->ActiveCount == 0 ||
        (Resource->ActiveCount < 0 && Resource->ExclusiveOwner != KeGetCurrentThread()))
        KeBugCheckEx(FAT_FILE_SYSTEM, (uintptr_t)Resource, (uintptr_t)Resource->ExclusiveOwner,
                     (uintptr_t)KeGetCurrentThread(), 6);
    if (Resource->ActiveCount < 0) {
        Resource->ActiveCount = 0;
        Resource->ExclusiveOwner = NULL;
    } else {
        Resource->ActiveCount--;
    }
    KeSetEvent(&Resource->Changed);
    KeReleaseSpinLock(&Resource->Lock, oldIrql);
}
