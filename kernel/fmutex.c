/*
 * kernel/fmutex.c: fast mutexes, NT's lock for data that may be paged: the owner runs at
 * APC_LEVEL, where page faults can still be taken (a spin lock's DISPATCH_LEVEL would make
 * them IRQL_NOT_LESS_OR_EQUAL). There is one thread of execution so far, so a mutex can only
 * be found held by its owner, which would deadlock: that is a bugcheck here.
 */
#include "kernel/ke.h"

#define FM_LOCK_FREE    1

void ExInitializeFastMutex(FAST_MUTEX *FastMutex)
{
    FastMutex->Count = FM_LOCK_FREE;
    FastMutex->Owner = NULL;
    FastMutex->Contention = 0;
}

void ExAcquireFastMutex(FAST_MUTEX *FastMutex)
{
    KIRQL oldIrql = KfRaiseIrql(APC_LEVEL);

    if (FastMutex->Count != FM_LOCK_FREE)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (uintptr_t)FastMutex, oldIrql, 0,
                     (uintptr_t)__builtin_return_address(0));
    FastMutex->Count = 0;
    FastMutex->Owner = __builtin_return_address(0);
    FastMutex->OldIrql = oldIrql;
}

void ExReleaseFastMutex(FAST_MUTEX *FastMutex)
{
    KIRQL oldIrql = FastMutex->OldIrql;

    if (FastMutex->Count != 0)
        KeBugCheckEx(SPIN_LOCK_NOT_OWNED, (uintptr_t)FastMutex, 0, 0, 0);
    FastMutex->Count = FM_LOCK_FREE;
    FastMutex->Owner = NULL;
    KfLowerIrql(oldIrql);
}
