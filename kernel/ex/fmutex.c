/*
 * kernel/ex/fmutex.c: fast mutexes, NT's lock for data that may be paged: the owner runs at
 * APC_LEVEL, where page faults can still be taken (a spin lock's DISPATCH_LEVEL would make
 * them IRQL_NOT_LESS_OR_EQUAL). Count is 1 when free; each acquirer decrements it, and one
 * that does not reach 0 waits on the Gate event, which each release with waiters sets once.
 * Acquiring a mutex the thread already owns would wait forever: that is a bugcheck instead,
 * MUTEX_LEVEL_NUMBER_VIOLATION (mutex, owner).
 */
#include "kernel/ex/ex.h"

void ExInitializeFastMutex(FAST_MUTEX *FastMutex)
{
    FastMutex->Count = 1;
    FastMutex->Owner = NULL;
    FastMutex->Contention = 0;
    KeInitializeEvent(&FastMutex->Gate, SynchronizationEvent, false);
}

void ExAcquireFastMutex(FAST_MUTEX *FastMutex)
{
    KIRQL oldIrql = KfRaiseIrql(APC_LEVEL);

    if (FastMutex->Owner == KeGetCurrentThread())
        KeBugCheckEx(MUTEX_LEVEL_NUMBER_VIOLATION, (uintptr_t)FastMutex,
                     (uintptr_t)FastMutex->Owner, 0, 0);
    if (__atomic_sub_fetch(&FastMutex->Count, 1, __ATOMIC_SEQ_CST) != 0) {
        FastMutex->Contention++;
        KeWaitForSingleObject(&FastMutex->Gate, Executive, KernelMode, false, NULL);
    }
    FastMutex->Owner = KeGetCurrentThread();
    FastMutex->OldIrql = oldIrql;
}

void ExReleaseFastMutex(FAST_MUTEX *FastMutex)
{
    KIRQL oldIrql = FastMutex->OldIrql;

    if (FastMutex->Owner != KeGetCurrentThread())
        KeBugCheckEx(THREAD_NOT_MUTEX_OWNER, (uintptr_t)FastMutex, (uintptr_t)FastMutex->Owner,
                     (uintptr_t)KeGetCurrentThread(), 0);
    FastMutex->Owner = NULL;
    if (__atomic_add_fetch(&FastMutex->Count, 1, __ATOMIC_SEQ_CST) != 1)
        KeSetEvent(&FastMutex->Gate);
    KfLowerIrql(oldIrql);
}
