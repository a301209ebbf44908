/*
 * user/ntdll/rtlp.h: what ntdll's own files share and programs do not see: the spin lock the
 * heap and the vectored-handler list take (an interlocked flag; a waiter yields its quantum
 * with NtYieldExecution rather than spin on a machine with few processors).
 */
#ifndef USER_NTDLL_RTLP_H
#define USER_NTDLL_RTLP_H

typedef struct _RTL_SPIN_LOCK {
    volatile LONG Locked;
    HANDLE Owner;                       /* the recursive variant's owning thread */
    ULONG Recursion;
} RTL_SPIN_LOCK;

static inline void RtlpAcquireSpinLock(RTL_SPIN_LOCK *Lock)
{
    while (__builtin_expect(__atomic_exchange_n(&Lock->Locked, 1, __ATOMIC_ACQUIRE), 0))
        NtYieldExecution();
}

static inline void RtlpReleaseSpinLock(RTL_SPIN_LOCK *Lock)
{
    __atomic_store_n(&Lock->Locked, 0, __ATOMIC_RELEASE);
}

void RtlpAcquireRecursiveLock(RTL_SPIN_LOCK *Lock);
void RtlpReleaseRecursiveLock(RTL_SPIN_LOCK *Lock);

/* The start-up (startup.c, cmdline.c). */
int RtlpSplitCommandLine(char *Line, char **Argv);     /* cmdline.c */

#endif
