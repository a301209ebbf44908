/*
 * tests/kernel/pageout.h: what the paging tests share: a page of a pageable buffer, its PTE
 * read afresh, sending pages to the paging file as RAMMap's buttons do, and a process to
 * page in.
 */
#ifndef TESTS_KERNEL_PAGEOUT_H
#define TESTS_KERNEL_PAGEOUT_H

#include "kernel/kd/ktest.h"
#include "kernel/ps/ps.h"
#include "mm/mi.h"

#define KT_PAGE_OUT_TRIES   50

static inline volatile uint32_t *PageAt(void *Base, uint32_t Page)
{
    return (volatile uint32_t *)((char *)Base + (size_t)Page * PAGE_SIZE);
}

#define WORDS_PER_PAGE      (PAGE_SIZE / sizeof(uint32_t))

/* The word the paging tests keep at Index of page Page. */
static inline uint32_t PatternWord(uint32_t Page, uint32_t Index)
{
    return Page * 0x9E3779B1u ^ Index * 0x85EBCA77u ^ 0x5A5A5A5Au;
}

/* These touch pageable memory, so each ends with a compiler barrier: what the faults changed
 * (the counters, the PTEs) is read afresh after them. */
static inline void FillPage(volatile uint32_t *Words, uint32_t Page)
{
    for (uint32_t i = 0; i < WORDS_PER_PAGE; i++)
        Words[i] = PatternWord(Page, i);
    _ReadWriteBarrier();
}

/* How many words of the page differ from its pattern. */
static inline uint32_t CheckPage(const volatile uint32_t *Words, uint32_t Page)
{
    uint32_t bad = 0;

    for (uint32_t i = 0; i < WORDS_PER_PAGE; i++)
        bad += Words[i] != PatternWord(Page, i);
    _ReadWriteBarrier();
    return bad;
}

static inline MMPTE PteOf(void *Base, uint32_t Page)
{
    return (MMPTE){ .u.Long = ((volatile MMPTE *)MiGetPteAddress((const void *)PageAt(Base, Page)))->u.Long };
}

static inline bool IsPageFilePte(MMPTE Pte)
{
    return !Pte.u.Hard.Valid && !Pte.u.Soft.Prototype && !Pte.u.Soft.Transition &&
           Pte.u.Soft.PageFileHigh != 0;
}

static inline void KtRestorePriority(void *OldPriority)
{
    KeSetPriorityThread(KeGetCurrentThread(), (KPRIORITY)(uintptr_t)OldPriority);
}

/*
 * For a test that counts the pages it takes and gives back: until it ends, it runs above
 * every system thread (HIGH_PRIORITY), so that none of the threads that move pages between
 * the lists on their own (the modified and mapped page writers putting written pages on
 * standby, the working-set manager trimming the system's clean pages there, the zero page
 * thread) runs between its counts unless the test itself waits. Its priority comes back when
 * it ends, passed or failed.
 */
static inline void KtHoldBackgroundThreads(void)
{
    KPRIORITY old = KeSetPriorityThread(KeGetCurrentThread(), HIGH_PRIORITY);

    KtDefer(KtRestorePriority, (void *)(uintptr_t)old);
}

/*
 * MmAvailablePages with the page the zero page thread holds off the lists while it zeroes it
 * counted in, read under the PFN lock: it changes only when something takes or frees pages,
 * so a test can compare it before and after what it does.
 */
static inline uint32_t KtAvailablePages(void)
{
    KIRQL oldIrql;
    uint32_t available;

    LOCK_PFN(oldIrql);
    available = MmAvailablePages + MiPagesBeingZeroed;
    UNLOCK_PFN(oldIrql);
    return available;
}

/*
 * Send Pages pages from Base to the paging file: the working set to the lists, the modified
 * pages written, the standby pages reused. The modified page writer may hold some in a write
 * of its own meanwhile, so this goes round until every PTE names a slot; if they never all
 * do, the test fails.
 */
void KtPageOut(void *Base, uint32_t Pages);

/*
 * Memory made short on purpose: KtHoldAvailablePages takes available pages (zeroed, free, then
 * standby, as any consumer would) onto the bad list's tail until fewer than Below are left,
 * with the PFN lock held, and returns how many it now holds; KtReleaseHeldPages (a KtDefer
 * routine; Context unused) gives them all back to the free list.
 */
uint32_t KtHoldAvailablePages(uint32_t Below);
void KtReleaseHeldPages(void *Context);

/* A test that needs a paging file skips without one. */
static inline void RequirePagingFile(void)
{
    if (MmNumberOfPagingFiles == 0)
        KtSkip("no paging file");
}

/* Slots in use in all the paging files, less the bad ones (taken for good). */
static inline uint32_t PagingFileUsage(void)
{
    uint32_t usage = 0;

    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++)
        usage += MmPagingFile[i]->CurrentUsage - MmPagingFile[i]->BadSlots;
    return usage;
}

/*
 * A process a test made (PspCreateProcess, its thread not yet started) to attach to and page
 * in. KtFinishChild, deferred with the KT_CHILD (static: the cleanup may run after the test's
 * frame is gone), lets it run (nop.exe exits at once) and waits for it to go, even if the
 * test fails.
 */
typedef struct {
    EPROCESS *Process;
    ETHREAD *Thread;
} KT_CHILD;

static inline void KtFinishChild(void *Child)
{
    KT_CHILD *child = Child;

    PsStartThread(child->Thread);
    ObDereferenceObject(child->Thread);
    KeWaitForSingleObject(&child->Process->Pcb, Executive, KernelMode, false, NULL);
    ObDereferenceObject(child->Process);
}

/* Pages pages committed read/write at Base in the process attached to (a KT_CHILD), each
 * filled with its pattern (FillPage); the allocation's status. */
static inline NTSTATUS KtCommitFilledPages(void *Base, uint32_t Pages)
{
    uint32_t size = Pages * PAGE_SIZE;
    NTSTATUS status = PSP_KERNEL_CALL(NtAllocateVirtualMemory(NtCurrentProcess(), &Base, 0,
                                                              &size, MEM_RESERVE | MEM_COMMIT,
                                                              PAGE_READWRITE));

    if (NT_SUCCESS(status)) {
        for (uint32_t page = 0; page < Pages; page++)
            FillPage(PageAt(Base, page), page);
    }
    return status;
}

#endif
