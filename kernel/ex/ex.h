/*
 * kernel/ex/ex.h: executive support above Ke: fast mutexes. (The pool front-ends,
 * ExAllocatePoolWithTag and ExFreePoolWithTag, are built on Mm's pool pages and live in mm/pool.c,
 * declared in mm/mm.h.)
 */
#ifndef KERNEL_EX_EX_H
#define KERNEL_EX_EX_H

#include "kernel/ke/ke.h"

/* Fast mutexes (fmutex.c): the owner runs at APC_LEVEL, so it may still take page faults. */
typedef struct _FAST_MUTEX {
    int32_t Count;                  /* 1: free; 0: held; below 0: held, with waiters */
    KTHREAD *Owner;
    uint32_t Contention;
    KEVENT Gate;
    KIRQL OldIrql;
} FAST_MUTEX;

void ExInitializeFastMutex(FAST_MUTEX *FastMutex);
void ExAcquireFastMutex(FAST_MUTEX *FastMutex);
void ExReleaseFastMutex(FAST_MUTEX *FastMutex);

#endif
