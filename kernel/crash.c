/*
 * kernel/crash.c: bugchecks on purpose, for `crash=<kind>` and the kd> `crash` command, so a
 * user (and the scenario tests) can see each STOP the system raises.
 */
#include "kernel/ki.h"
#include "mm/mm.h"

typedef struct _KD_CRASH_KIND {
    const char *Name;
    const char *Description;
    void (*Raise)(void);
} KD_CRASH_KIND;

static volatile uint32_t KdRecursionLimit;      /* 0: recurse until the stack runs out */

/* MM_DEBUG_VA: a nonpaged system address that nothing maps. */
static void KdCrashNonPaged(void)
{
    DbgPrint("crash: reading nonpaged address %08x\n", MM_DEBUG_VA);
    (void)*(volatile uint32_t *)MM_DEBUG_VA;
}

__attribute__((noinline)) static uint32_t KdRecurse(uint32_t Depth)
{
    volatile uint8_t frame[512];

    frame[0] = (uint8_t)Depth;
    if (KdRecursionLimit && Depth >= KdRecursionLimit)
        return frame[0];
    return KdRecurse(Depth + 1) + frame[0];
}

static uint32_t KdRecurseOnStack(void *Context)
{
    (void)Context;
    return KdRecurse(0);
}

/* A kernel stack from system PTEs, as threads get: the PTE below it is the guard. */
static void KdCrashStack(void)
{
    void *stack = MmCreateKernelStack(false);

    if (!stack) {
        DbgPrint("crash: no kernel stack could be made\n");
        return;
    }
    DbgPrint("crash: recursing on the kernel stack at %p until it overflows into its guard page\n",
             (uint8_t *)stack - KERNEL_STACK_SIZE);
    KeCallOnStack(stack, KdRecurseOnStack, NULL);
}

static void KdCrashManual(void)
{
    KeBugCheck(MANUALLY_INITIATED_CRASH);
}

/* No bugcheck at all: with an empty IDT nothing can handle the trap, and the processor resets. */
static void KdCrashTripleFault(void)
{
    struct __attribute__((packed)) { uint16_t Limit; uint32_t Base; } idtr = { 0, 0 };

    DbgPrint("crash: loading an empty IDT and raising int3: the processor will reset\n");
    __asm__ volatile("lidt %0\n\tint3" : : "m"(idtr));
}

static const KD_CRASH_KIND KdCrashKinds[] = {
    { "nonpaged", "read an unmapped nonpaged address: STOP 0x50", KdCrashNonPaged },
    { "stack", "overflow the kernel stack: double fault, STOP 0x7F (8)", KdCrashStack },
    { "manual", "KeBugCheck(MANUALLY_INITIATED_CRASH): STOP 0xE2", KdCrashManual },
    { "triplefault", "empty the IDT and trap: a triple fault, no STOP", KdCrashTripleFault },
};

bool KdCrash(const char *Kind)
{
    for (size_t i = 0; i < ARRAYSIZE(KdCrashKinds); i++) {
        if (strcmp(KdCrashKinds[i].Name, Kind) == 0) {
            KdCrashKinds[i].Raise();
            DbgPrint("crash: '%s' did not stop the system\n", Kind);
            KeBugCheckEx(MANUALLY_INITIATED_CRASH, 0, 0, 0, 0);
        }
    }
    return false;
}

void KdListCrashKinds(void)
{
    for (size_t i = 0; i < ARRAYSIZE(KdCrashKinds); i++)
        DbgPrint("  %-10s %s\n", KdCrashKinds[i].Name, KdCrashKinds[i].Description);
}
