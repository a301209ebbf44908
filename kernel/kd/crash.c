/*
 * kernel/kd/crash.c: bugchecks on purpose, for `crash=<kind>` and the kd> `crash` command, so a
 * user (and the scenario tests) can see each STOP the system raises. The pool kinds print the
 * addresses they use first, which the STOP's parameters then name. A kind that needs something
 * the boot lacks (special pool, a paging file) says what and does not stop the system.
 */
#include "kernel/kd/kd.h"
#include "mm/pool.h"
#include "kernel/ps/ps.h"

#define KD_CRASH_TAG            POOL_TAG('C', 'r', 's', 'h')
#define KD_CRASH_BLOCK_SIZE     0x30
#define KD_CRASH_SPECIAL_SIZE   13      /* odd, so the end is not 8-byte aligned */
#define KD_CRASH_FILL           'A'
#define KD_CRASH_PAGE_OUT_TRIES 50

typedef struct _KD_CRASH_KIND {
    const char *Name;
    const char *Description;
    const char *(*Missing)(void);   /* what the kind needs that this boot lacks, or NULL */
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

static uint8_t *KdAllocateCrashBlock(size_t Bytes)
{
    return ExAllocatePoolWithTag(NonPagedPool, Bytes, KD_CRASH_TAG);
}

/* Free a block twice, with a second block keeping its page in use: STOP 0xC2 (7). */
static void KdCrashPoolDoubleFree(void)
{
    uint8_t *block = KdAllocateCrashBlock(KD_CRASH_BLOCK_SIZE);
    uint8_t *neighbour = KdAllocateCrashBlock(KD_CRASH_BLOCK_SIZE);

    if (!block || !neighbour || PAGE_ALIGN(block) != PAGE_ALIGN(neighbour)) {
        DbgPrint("crash: could not place two pool blocks in one page\n");
        return;
    }
    ExFreePool(block);
    DbgPrint("crash: freeing pool block %08x again (its header now reads %08x)\n",
             (uint32_t)(uintptr_t)block, ((POOL_HEADER *)block - 1)->Ulong1);
    ExFreePool(block);
}

/* Write past a block over the next block's header, then free it: STOP 0x19 (5). */
static void KdCrashPoolHeader(void)
{
    POOL_HEADER *header, *next;
    uint8_t *block;

    do {
        block = KdAllocateCrashBlock(KD_CRASH_BLOCK_SIZE);
        if (!block)
            return;
        header = (POOL_HEADER *)block - 1;
        next = POOL_NEXT_BLOCK(header);
    } while (PAGE_END(next));
    DbgPrint("crash: pool block %08x (header %08x) overruns the next header at %08x\n",
             (uint32_t)(uintptr_t)block, (uint32_t)(uintptr_t)header, (uint32_t)(uintptr_t)next);
    RtlFillMemory(next, sizeof(*next), KD_CRASH_FILL);
    ExFreePool(block);
}

static const char *KdNeedsSpecialPool(void)
{
    if (MmUseSpecialPool(KD_CRASH_SPECIAL_SIZE, KD_CRASH_TAG))
        return NULL;
    return "special pool for tag 'Crsh' (boot with specialpool=Crsh)";
}

static const char *KdNeedsPagingFile(void)
{
    if (MmNumberOfPagingFiles > 0)
        return NULL;
    return "a paging file (boot with a disk holding a paging-file partition, as make run does)";
}

/* A block from special pool (KdNeedsSpecialPool said it is on), or NULL with the reason. */
static volatile uint8_t *KdAllocateSpecialBlock(void)
{
    uint8_t *block = KdAllocateCrashBlock(KD_CRASH_SPECIAL_SIZE);

    if (block && MmIsSpecialPoolAddress(block))
        return block;
    DbgPrint("crash: no special pool block could be allocated\n");
    return NULL;
}

/* Write the byte after a special pool allocation, in its guard page: STOP 0xCD. */
static void KdCrashSpecialOverrun(void)
{
    volatile uint8_t *block = KdAllocateSpecialBlock();

    if (!block)
        return;
    DbgPrint("crash: writing byte %u of the %u-byte special pool block %08x, at %08x\n",
             KD_CRASH_SPECIAL_SIZE, KD_CRASH_SPECIAL_SIZE, (uint32_t)(uintptr_t)block,
             (uint32_t)(uintptr_t)(block + KD_CRASH_SPECIAL_SIZE));
    block[KD_CRASH_SPECIAL_SIZE] = KD_CRASH_FILL;
}

/* Read a special pool allocation after freeing it: STOP 0xCC. */
static void KdCrashSpecialFreed(void)
{
    volatile uint8_t *block = KdAllocateSpecialBlock();

    if (!block)
        return;
    ExFreePool((void *)block);
    DbgPrint("crash: reading special pool block %08x after freeing it\n",
             (uint32_t)(uintptr_t)block);
    (void)block[0];
}

/* Write the byte before a special pool allocation, in its pattern, and free it: STOP 0xC1. */
static void KdCrashSpecialUnderrun(void)
{
    volatile uint8_t *block = KdAllocateSpecialBlock();

    if (!block)
        return;
    DbgPrint("crash: writing the byte before special pool block %08x, at %08x, and freeing it\n",
             (uint32_t)(uintptr_t)block, (uint32_t)(uintptr_t)(block - 1));
    block[-1] = KD_CRASH_FILL;
    ExFreePool((void *)block);
}

/* Touch a fresh paged pool page at DISPATCH_LEVEL, where nothing can be paged in: STOP 0xA. */
static void KdCrashPagedAtDispatch(void)
{
    volatile uint32_t *page = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, KD_CRASH_TAG);
    KIRQL oldIrql;

    if (!page) {
        DbgPrint("crash: no paged pool\n");
        return;
    }
    DbgPrint("crash: reading paged pool %08x (PTE %08x) at DISPATCH_LEVEL\n",
             (uint32_t)(uintptr_t)page, MiGetPteAddress(page)->u.Long);
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
    (void)*page;
    KeLowerIrql(oldIrql);
}

/* A stray write into the kernel's code, which is read-only: STOP 0xBE (address, PTE, trap, 11). */
static void KdCrashWriteCode(void)
{
    volatile uint32_t *code = (volatile uint32_t *)(uintptr_t)KdCrashManual;

    DbgPrint("crash: writing into the code of KdCrashManual at %08x (PTE %08x)\n",
             (uint32_t)(uintptr_t)code, MiGetPteAddress(code)->u.Long);
    *code = KD_CRASH_FILL;
}

static const uint32_t KdCrashReadOnlyWord = KD_CRASH_FILL;

/* The same into read-only data at DISPATCH_LEVEL, where the fault cannot wait for anything:
 * STOP 0xBE (address, PTE, trap, 10). */
static void KdCrashWriteReadOnlyData(void)
{
    volatile uint32_t *word = (volatile uint32_t *)(uintptr_t)&KdCrashReadOnlyWord;
    KIRQL oldIrql;

    DbgPrint("crash: writing read-only data at %08x (PTE %08x) at DISPATCH_LEVEL\n",
             (uint32_t)(uintptr_t)word, MiGetPteAddress(word)->u.Long);
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
    *word = 0;
    KeLowerIrql(oldIrql);
}

/*
 * Send two neighbouring paged pool pages to the paging file and read them back; on a disk
 * that fails reads (tests/paging.t does it with blkdebug) a probe gets STATUS_IN_PAGE_ERROR,
 * as an NT caller's __except would, and a plain read of the second is STOP 0x7A (PTE,
 * status, address, PTE contents). When only the second page's sector fails, the first still
 * reads: the fault retries its own page alone.
 */
/* A PTE that names a paging-file slot: not valid, not a prototype, not in transition. */
static bool KdIsPageFilePte(MMPTE Pte)
{
    return !Pte.u.Hard.Valid && !Pte.u.Soft.Prototype && !Pte.u.Soft.Transition &&
           Pte.u.Soft.PageFileHigh != 0;
}

static void KdCrashInPage(void)
{
    volatile uint32_t *pages = ExAllocatePoolWithTag(PagedPool, 2 * PAGE_SIZE, KD_CRASH_TAG);
    volatile uint32_t *second = pages + PAGE_SIZE / sizeof(uint32_t);
    volatile MMPTE *pte = MiGetPteAddress(pages);
    int64_t pause = KI_MILLISECONDS(10);
    uint32_t value = 0;
    NTSTATUS status;

    if (!pages) {
        DbgPrint("crash: no paged pool\n");
        return;
    }
    pages[0] = second[0] = KD_CRASH_FILL;
    for (uint32_t attempt = 0; !KdIsPageFilePte(pte[0]) || !KdIsPageFilePte(pte[1]); attempt++) {
        if (attempt == KD_CRASH_PAGE_OUT_TRIES) {
            DbgPrint("crash: the pages did not reach the paging file (PTEs %08x %08x)\n",
                     pte[0].u.Long, pte[1].u.Long);
            return;
        }
        MmEmptySystemWorkingSet();
        MmEmptyModifiedPageList();
        MmPurgeStandbyList();
        KeDelayExecutionThread(KernelMode, false, &pause);
    }
    for (uint32_t i = 0; i < 2; i++) {
        DbgPrint("crash: paged pool %08x is in paging file %u, slot %x (PTE %08x)\n",
                 (uint32_t)(uintptr_t)(pages + i * PAGE_SIZE / sizeof(uint32_t)),
                 pte[i].u.Soft.PageFileLow, pte[i].u.Soft.PageFileHigh, pte[i].u.Long);
    }
    status = KeProbeRead32(pages, &value);
    DbgPrint("crash: a probe reading the first returns %08x (%08x)\n", (uint32_t)status, value);
    status = KeProbeRead32(second, &value);
    DbgPrint("crash: a probe reading the second returns %08x\n", (uint32_t)status);
    DbgPrint("crash: reading the second\n");
    (void)*second;
}

/*
 * A driver that forgets its locked pages: a process is made from the first program the loader
 * brought, a page of its PEB locked with an MDL (MmProbeAndLockPages, as a driver locks a
 * user buffer) and left locked, and the process run. When it ends, its address space cannot go
 * with pages still locked: STOP 0x76 PROCESS_HAS_LOCKED_PAGES (0, process, 1, 0).
 */
static const char *KdNeedsProgram(void)
{
    if (KeLoaderBlock.ModuleCount > 0)
        return NULL;
    return "a program (tools/boot --exe FILE.exe)";
}

static void KdCrashLockedPages(void)
{
    const char *name = KeLoaderBlock.Modules[0].Name;
    struct { MDL Mdl; uint32_t Frame; } locked;
    EPROCESS *process;
    ETHREAD *thread;
    KAPC_STATE apcState;
    NTSTATUS status;

    status = PspCreateProcess(name, name, NULL, &process, &thread);
    if (!NT_SUCCESS(status)) {
        DbgPrint("crash: %s could not be started (status %08x)\n", name, (uint32_t)status);
        return;
    }
    MmInitializeMdl(&locked.Mdl, (void *)process->Peb, 16);
    KeStackAttachProcess(&process->Pcb, &apcState);
    status = MmProbeAndLockPages(&locked.Mdl, UserMode, IoWriteAccess);
    KeUnstackDetachProcess(&apcState);
    if (!NT_SUCCESS(status)) {
        DbgPrint("crash: the PEB of %s could not be locked (status %08x)\n", name,
                 (uint32_t)status);
        return;
    }
    DbgPrint("crash: process %08x (%s, pid %u): its PEB page %08x locked (frame %x) and left "
             "locked; the process runs to its end\n", (uint32_t)(uintptr_t)process, name,
             process->UniqueProcessId, (uint32_t)process->Peb, locked.Frame);
    PsStartThread(thread);
    ObDereferenceObject(thread);
    KeWaitForSingleObject(&process->Pcb, Executive, KernelMode, false, NULL);
}

/* An MDL unlocked twice: the second unlock finds MDL_PAGES_LOCKED clear, and NT's answer to a
 * page unlocked more times than locked is STOP 0x4E PFN_LIST_CORRUPT (7, page, share count, 0). */
static void KdCrashMdlUnlockTwice(void)
{
    uint8_t *buffer = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, KD_CRASH_TAG);
    struct { MDL Mdl; uint32_t Frame; } locked;
    NTSTATUS status;

    if (!buffer) {
        DbgPrint("crash: no paged pool\n");
        return;
    }
    MmInitializeMdl(&locked.Mdl, buffer, PAGE_SIZE);
    status = MmProbeAndLockPages(&locked.Mdl, KernelMode, IoReadAccess);
    if (!NT_SUCCESS(status)) {
        DbgPrint("crash: paged pool %08x could not be locked (status %08x)\n",
                 (uint32_t)(uintptr_t)buffer, (uint32_t)status);
        return;
    }
    DbgPrint("crash: paged pool %08x locked with an MDL (frame %x), unlocked, unlocked again\n",
             (uint32_t)(uintptr_t)buffer, locked.Frame);
    MmUnlockPages(&locked.Mdl);
    MmUnlockPages(&locked.Mdl);
}

static const KD_CRASH_KIND KdCrashKinds[] = {
    { "nonpaged", "read an unmapped nonpaged address: STOP 0x50", NULL, KdCrashNonPaged },
    { "stack", "overflow the kernel stack: double fault, STOP 0x7F (8)", NULL, KdCrashStack },
    { "manual", "KeBugCheck(MANUALLY_INITIATED_CRASH): STOP 0xE2", NULL, KdCrashManual },
    { "triplefault", "empty the IDT and trap: a triple fault, no STOP", NULL,
      KdCrashTripleFault },
    { "pooldoublefree", "free a pool block twice: STOP 0xC2 (7)", NULL,
      KdCrashPoolDoubleFree },
    { "poolheader", "overwrite the next pool header and free: STOP 0x19 (5)", NULL,
      KdCrashPoolHeader },
    { "specialoverrun", "write 1 byte past special pool (specialpool=Crsh): STOP 0xCD",
      KdNeedsSpecialPool, KdCrashSpecialOverrun },
    { "specialfreed", "read freed special pool (specialpool=Crsh): STOP 0xCC",
      KdNeedsSpecialPool, KdCrashSpecialFreed },
    { "specialunderrun", "write 1 byte before special pool (specialpool=Crsh): STOP 0xC1 (0x23)",
      KdNeedsSpecialPool, KdCrashSpecialUnderrun },
    { "irql", "read paged pool at DISPATCH_LEVEL: STOP 0xA", NULL, KdCrashPagedAtDispatch },
    { "inpage", "page out paged pool, read it back (paging file on a failing disk): STOP 0x7A",
      KdNeedsPagingFile, KdCrashInPage },
    { "writecode", "write into the kernel's code: STOP 0xBE (11)", NULL, KdCrashWriteCode },
    { "writerodata", "write read-only data at DISPATCH_LEVEL: STOP 0xBE (10)",
      NULL, KdCrashWriteReadOnlyData },
    { "lockedpages", "a process ends with a page locked by an MDL: STOP 0x76",
      KdNeedsProgram, KdCrashLockedPages },
    { "mdlunlock", "unlock an MDL twice: STOP 0x4E (7)", NULL, KdCrashMdlUnlockTwice },
};

bool KdCrash(const char *Kind)
{
    for (size_t i = 0; i < ARRAYSIZE(KdCrashKinds); i++) {
        const char *missing;

        if (strcmp(KdCrashKinds[i].Name, Kind) != 0)
            continue;
        missing = KdCrashKinds[i].Missing ? KdCrashKinds[i].Missing() : NULL;
        if (missing) {
            DbgPrint("crash: '%s' needs %s: not stopping\n", Kind, missing);
            return true;
        }
        KdCrashKinds[i].Raise();
        DbgPrint("crash: '%s' did not stop the system\n", Kind);
        KeBugCheckEx(MANUALLY_INITIATED_CRASH, 0, 0, 0, 0);
    }
    return false;
}

void KdListCrashKinds(void)
{
    for (size_t i = 0; i < ARRAYSIZE(KdCrashKinds); i++)
        DbgPrint("  %-16s %s\n", KdCrashKinds[i].Name, KdCrashKinds[i].Description);
}
