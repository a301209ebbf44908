/*
 * tests/kernel/mdl.c: MDLs over kernel buffers: the layout, probe-and-lock of paged pool
 * (its PFNs referenced, a system mapping reading the same bytes, the pages staying in memory
 * while the working set is emptied and every other available page is taken), nonpaged pool
 * described without locks, and pages from MmAllocatePagesForMdl. User buffers are tested
 * from a program (user/tests/mdlio.c, tests/mdl.t); mm.mdl.user_mapping maps a locked page
 * into a process made from nop.exe (a module: tools/boot --exe build/user/nop.exe).
 */
#include "kernel/kd/ktest.h"
#include "kernel/ps/ps.h"
#include "tests/kernel/pageout.h"
#include "mm/mi.h"

#define MDL_TEST_TAG    POOL_TAG('T', 'M', 'd', 'l')

static uint32_t ReferenceCountOf(uint32_t Frame)
{
    return MI_PFN_ELEMENT(Frame)->u3.e2.ReferenceCount;
}

static void UnlockMdl(void *Mdl)
{
    if (((MDL *)Mdl)->MdlFlags & MDL_PAGES_LOCKED)
        MmUnlockPages(Mdl);
}

static void FreeMdlPages(void *Mdl)
{
    MmFreePagesFromMdl(Mdl);
    ExFreePool(Mdl);
}

KTEST(TestMdlLayout, "mm.mdl.layout")
{
    MDL *mdl;

    KT_ASSERT_EQ(0x1C, sizeof(MDL));
    KT_ASSERT_EQ(0x1C + 4, MmSizeOfMdl((void *)0x10000, 1));
    KT_ASSERT_EQ(0x1C + 2 * 4, MmSizeOfMdl((void *)0x10FFF, 2));
    KT_ASSERT_EQ(0x1C + 4 * 4, MmSizeOfMdl((void *)0x11234, 0x3000));
    mdl = MmCreateMdl(NULL, (void *)0x11234, 0x3000);
    KT_ASSERT(mdl != NULL);
    KtDeferFreePool(mdl);
    KT_ASSERT_EQ(0x2C, mdl->Size);
    KT_ASSERT_EQ(0, mdl->MdlFlags);
    KT_ASSERT_PTR_EQ(0x11000, mdl->StartVa);
    KT_ASSERT_EQ(0x234, mdl->ByteOffset);
    KT_ASSERT_EQ(0x3000, mdl->ByteCount);
    KT_ASSERT_EQ(4, MmGetMdlPageCount(mdl));
    KT_ASSERT_PTR_EQ(0x11234, MmGetMdlVirtualAddress(mdl));
    KT_ASSERT_PTR_EQ((uint8_t *)mdl + 0x1C, MmGetMdlPfnArray(mdl));
    KT_ASSERT(MmCreateMdl(NULL, (void *)0x10000, 0x2000000) == NULL);  /* Size is 16 bits */
}

/*
 * Paged pool, three pages, the buffer starting inside the first: locked for a device that
 * writes it, each PFN holds one reference more; the system mapping shows the same bytes and
 * what is written through it; emptying the working set and taking every other page leaves
 * the locked pages where they were, on no list; the unlock sends them to the modified list
 * (the device wrote them) and the buffer faults back with its data.
 */
KTEST(TestMdlPagedPool, "mm.mdl.paged_pool")
{
    uint8_t *buffer = KtAllocatePool(PagedPool, 3 * PAGE_SIZE, MDL_TEST_TAG);
    uint32_t frames[3], locks = MmSystemLockPagesCount, held;
    int32_t resident = MmResidentAvailablePages;
    volatile uint32_t *mapped;
    MDL *mdl;
    KIRQL oldIrql;

    for (uint32_t page = 0; page < 3; page++)
        FillPage(PageAt(buffer, page), page);
    mdl = MmCreateMdl(NULL, buffer + 0x100, 3 * PAGE_SIZE - 0x200);
    KT_ASSERT(mdl != NULL);
    KtDeferFreePool(mdl);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess));
    KtDefer(UnlockMdl, mdl);
    KT_ASSERT_EQ(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION, (uint16_t)mdl->MdlFlags);
    KT_ASSERT(mdl->Process == NULL);
    KT_ASSERT_EQ(locks + 3, MmSystemLockPagesCount);
    KT_ASSERT_EQ(resident - 3, MmResidentAvailablePages);
    for (uint32_t page = 0; page < 3; page++) {
        frames[page] = MmGetMdlPfnArray(mdl)[page];
        KT_ASSERT_EQ(MmGetPhysicalAddress(buffer + page * PAGE_SIZE) >> PAGE_SHIFT, frames[page]);
        KT_ASSERT_EQ(2, ReferenceCountOf(frames[page]));
        KT_ASSERT_EQ(1, MI_PFN_ELEMENT(frames[page])->u2.ShareCount);
    }

    mapped = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    KT_ASSERT(mapped != NULL);
    KT_ASSERT(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    KT_ASSERT_EQ(0x100, BYTE_OFFSET(mapped));
    KT_ASSERT_GE((uintptr_t)mapped, MmNonPagedSystemStart);
    KT_ASSERT_PTR_EQ(mapped, MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
    for (uint32_t i = 0; i < 3 * WORDS_PER_PAGE - 0x80; i++)
        KT_ASSERT_EQ(PatternWord((i + 0x40) / WORDS_PER_PAGE, (i + 0x40) % WORDS_PER_PAGE),
                     mapped[i]);
    mapped[0] = 0xFEEDFACE;
    KT_ASSERT_EQ(0xFEEDFACE, *(volatile uint32_t *)(buffer + 0x100));
    *(volatile uint32_t *)(buffer + 0x100) = PatternWord(0, 0x40);

    KT_ASSERT_GE(MmEmptySystemWorkingSet(), 3);
    LOCK_PFN(oldIrql);
    held = KtHoldAvailablePages(MmMinimumFreePages);
    UNLOCK_PFN(oldIrql);
    KtDefer(KtReleaseHeldPages, NULL);
    KtPrint("the working set emptied; %u pages taken, %u available", held, MmAvailablePages);
    for (uint32_t page = 0; page < 3; page++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frames[page]);
        MMPTE pte = PteOf(buffer, page);

        KT_ASSERT(!pte.u.Hard.Valid && pte.u.Soft.Transition);
        KT_ASSERT_EQ(frames[page], pte.u.Trans.PageFrameNumber);
        KT_ASSERT_EQ(TransitionPage, pfn->u3.e1.PageLocation);
        KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);
        KT_ASSERT_EQ(0, pfn->u2.ShareCount);
    }
    for (uint32_t i = 0; i < 3 * WORDS_PER_PAGE - 0x80; i++)
        KT_ASSERT_EQ(PatternWord((i + 0x40) / WORDS_PER_PAGE, (i + 0x40) % WORDS_PER_PAGE),
                     mapped[i]);
    KtRelease(KtReleaseHeldPages, NULL);

    KtRelease(UnlockMdl, mdl);
    KT_ASSERT_EQ(0, mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA));
    KT_ASSERT_EQ(locks, MmSystemLockPagesCount);
    KT_ASSERT_EQ(resident, MmResidentAvailablePages);
    for (uint32_t page = 0; page < 3; page++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frames[page]);

        KT_ASSERT_EQ(0, pfn->u3.e2.ReferenceCount);
        KT_ASSERT_EQ(1, pfn->u3.e1.Modified);
        KT_ASSERT(pfn->u3.e1.PageLocation == ModifiedPageList ||
                  pfn->u3.e1.PageLocation == StandbyPageList);   /* the writer may be quick */
    }
    for (uint32_t page = 0; page < 3; page++)
        KT_ASSERT_EQ(0, CheckPage(PageAt(buffer, page), page));
}

/* Locking what is locked adds a reference per lock; the first lock alone is charged. */
KTEST(TestMdlLockTwice, "mm.mdl.lock_twice")
{
    uint8_t *buffer = KtAllocatePool(PagedPool, PAGE_SIZE, MDL_TEST_TAG);
    int32_t resident = MmResidentAvailablePages;
    MDL *first, *second;
    uint32_t frame;

    buffer[0] = 1;
    first = MmCreateMdl(NULL, buffer, PAGE_SIZE);
    second = MmCreateMdl(NULL, buffer + 8, 8);
    KT_ASSERT(first && second);
    KtDeferFreePool(first);
    KtDeferFreePool(second);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmProbeAndLockPages(first, KernelMode, IoReadAccess));
    KtDefer(UnlockMdl, first);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmProbeAndLockPages(second, KernelMode, IoReadAccess));
    KtDefer(UnlockMdl, second);
    frame = MmGetMdlPfnArray(first)[0];
    KT_ASSERT_EQ(frame, MmGetMdlPfnArray(second)[0]);
    KT_ASSERT_EQ(3, ReferenceCountOf(frame));
    KT_ASSERT_EQ(resident - 1, MmResidentAvailablePages);
    KtRelease(UnlockMdl, first);
    KT_ASSERT_EQ(2, ReferenceCountOf(frame));
    KT_ASSERT_EQ(resident - 1, MmResidentAvailablePages);
    KtRelease(UnlockMdl, second);
    KT_ASSERT_EQ(1, ReferenceCountOf(frame));
    KT_ASSERT_EQ(resident, MmResidentAvailablePages);
}

/* A user-mode request for a system buffer, and a range that wraps: access violations, with
 * nothing locked and the first slot empty, as NT leaves the MDL. */
KTEST(TestMdlProbeBounds, "mm.mdl.probe_bounds")
{
    uint8_t *buffer = KtAllocatePool(NonPagedPool, 64, MDL_TEST_TAG);
    uint32_t locks = MmSystemLockPagesCount;
    struct { MDL Mdl; uint32_t Frames[2]; } m;

    MmInitializeMdl(&m.Mdl, buffer, 64);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, MmProbeAndLockPages(&m.Mdl, UserMode, IoReadAccess));
    KT_ASSERT_EQ(MM_EMPTY_LIST, m.Frames[0]);
    KT_ASSERT_EQ(0, m.Mdl.MdlFlags);
    MmInitializeMdl(&m.Mdl, (void *)(MmUserProbeAddress - 0x10), 0x20);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, MmProbeAndLockPages(&m.Mdl, UserMode, IoWriteAccess));
    KT_ASSERT_EQ(0, m.Mdl.MdlFlags);
    MmInitializeMdl(&m.Mdl, (void *)0xFFFFF000, 0x2000);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, MmProbeAndLockPages(&m.Mdl, KernelMode, IoReadAccess));
    KT_ASSERT_EQ(locks, MmSystemLockPagesCount);
}

/* Nonpaged pool: the frames from the PTEs, no reference taken, the buffer its own mapping. */
KTEST(TestMdlNonPagedPool, "mm.mdl.nonpaged_pool")
{
    uint8_t *buffer = KtAllocatePool(NonPagedPool, 2 * PAGE_SIZE, MDL_TEST_TAG);
    uint32_t locks = MmSystemLockPagesCount, references[2];
    MDL *mdl = MmCreateMdl(NULL, buffer + 0x10, 2 * PAGE_SIZE - 0x10);

    KT_ASSERT(mdl != NULL);
    KtDeferFreePool(mdl);
    for (uint32_t page = 0; page < 2; page++)
        references[page] = ReferenceCountOf(MmGetPhysicalAddress(buffer + page * PAGE_SIZE) >>
                                            PAGE_SHIFT);
    MmBuildMdlForNonPagedPool(mdl);
    KT_ASSERT_EQ(MDL_SOURCE_IS_NONPAGED_POOL, (uint16_t)mdl->MdlFlags);
    KT_ASSERT_PTR_EQ(buffer + 0x10, mdl->MappedSystemVa);
    KT_ASSERT_PTR_EQ(buffer + 0x10, MmGetSystemAddressForMdlSafe(mdl, LowPagePriority));
    for (uint32_t page = 0; page < 2; page++) {
        uint32_t frame = MmGetMdlPfnArray(mdl)[page];

        KT_ASSERT_EQ(MmGetPhysicalAddress(buffer + page * PAGE_SIZE) >> PAGE_SHIFT, frame);
        KT_ASSERT_EQ(references[page], ReferenceCountOf(frame));
    }
    KT_ASSERT_EQ(locks, MmSystemLockPagesCount);
}

/*
 * MmAllocatePagesForMdl: pages from the range asked, zeroed, charged, on no list; a mapping
 * of them writes the frames (read back through a second mapping); freeing gives every page
 * and charge back.
 */
KTEST(TestMdlAllocatePages, "mm.mdl.allocate_pages")
{
    uint64_t low = (uint64_t)(MmHighestPhysicalPage / 2) << PAGE_SHIFT;
    uint64_t high = ((uint64_t)MmHighestPhysicalPage << PAGE_SHIFT) + PAGE_SIZE - 1;
    int32_t resident = MmResidentAvailablePages;
    uint32_t available, *frames;
    volatile uint32_t *mapped;
    MDL *mdl;

    KtHoldBackgroundThreads();
    available = KtAvailablePages();

    mdl = MmAllocatePagesForMdl(low, high, 0, 5 * PAGE_SIZE + 100);
    KT_ASSERT(mdl != NULL);
    KtDefer(FreeMdlPages, mdl);
    KT_ASSERT_EQ(6 * PAGE_SIZE, mdl->ByteCount);
    KT_ASSERT_EQ(0, mdl->MdlFlags);
    KT_ASSERT_EQ(resident - 6, MmResidentAvailablePages);
    KT_ASSERT_EQ(available - 6, KtAvailablePages());
    frames = MmGetMdlPfnArray(mdl);
    for (uint32_t i = 0; i < 6; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frames[i]);

        KT_ASSERT_GE(frames[i], low >> PAGE_SHIFT);
        KT_ASSERT_LE(frames[i], high >> PAGE_SHIFT);
        KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
        KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);
        KT_ASSERT_EQ(1, pfn->u2.ShareCount);
    }
    mapped = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, false,
                                          NormalPagePriority);
    KT_ASSERT(mapped != NULL);
    for (uint32_t i = 0; i < 6 * WORDS_PER_PAGE; i++)
        KT_ASSERT_EQ(0, mapped[i]);
    for (uint32_t page = 0; page < 6; page++)
        FillPage(PageAt((void *)mapped, page), page + 100);
    MmUnmapLockedPages((void *)mapped, mdl);
    KT_ASSERT_EQ(0, mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    mapped = MmGetSystemAddressForMdlSafe(mdl, HighPagePriority);
    KT_ASSERT(mapped != NULL);
    for (uint32_t page = 0; page < 6; page++)
        KT_ASSERT_EQ(0, CheckPage(PageAt((void *)mapped, page), page + 100));
    KtRelease(FreeMdlPages, mdl);
    KT_ASSERT_EQ(resident, MmResidentAvailablePages);
    KT_ASSERT_EQ(available, KtAvailablePages());
}

/* More than the range holds: the MDL says how much it got. */
KTEST(TestMdlAllocatePagesShort, "mm.mdl.allocate_pages_short")
{
    uint64_t low = (uint64_t)((MmHighestPhysicalPage - 128) & ~63u) << PAGE_SHIFT;
    uint64_t high = low + 64 * PAGE_SIZE - 1;
    MDL *mdl;

    mdl = MmAllocatePagesForMdl(low, high, 0, 256 * PAGE_SIZE);
    if (mdl)
        KtDefer(FreeMdlPages, mdl);
    KT_ASSERT(mdl != NULL);
    KtPrint("%u of 256 pages from the 64 at %llx", mdl->ByteCount >> PAGE_SHIFT, low);
    KT_ASSERT_LE(mdl->ByteCount, 64 * PAGE_SIZE);
    KT_ASSERT_GT(mdl->ByteCount, 0);
    for (uint32_t i = 0; i < mdl->ByteCount >> PAGE_SHIFT; i++)
        KT_ASSERT_EQ(low >> PAGE_SHIFT, MmGetMdlPfnArray(mdl)[i] & ~63u);
}

/*
 * Partial MDLs: a piece of a locked buffer borrows its frames and, while the source is mapped,
 * the matching part of its mapping; with the source unmapped the piece maps itself, and
 * MmPrepareMdlForReuse takes that mapping away before the piece is built again.
 */
KTEST(TestMdlPartial, "mm.mdl.partial")
{
    uint8_t *buffer = KtAllocatePool(PagedPool, 4 * PAGE_SIZE, MDL_TEST_TAG);
    uint32_t freePtes = MmTotalFreeSystemPtes[SystemPteSpace];
    struct { MDL Mdl; uint32_t Frames[3]; } part;
    volatile uint32_t *piece;
    uint8_t *mapped;
    MDL *source;

    for (uint32_t page = 0; page < 4; page++)
        FillPage(PageAt(buffer, page), page);
    source = MmCreateMdl(NULL, buffer, 4 * PAGE_SIZE);
    KT_ASSERT(source != NULL);
    KtDeferFreePool(source);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmProbeAndLockPages(source, KernelMode, IoReadAccess));
    KtDefer(UnlockMdl, source);
    mapped = MmGetSystemAddressForMdlSafe(source, NormalPagePriority);
    KT_ASSERT(mapped != NULL);

    MmInitializeMdl(&part.Mdl, buffer + PAGE_SIZE + 0x800, PAGE_SIZE);
    IoBuildPartialMdl(source, &part.Mdl, buffer + PAGE_SIZE + 0x800, PAGE_SIZE);
    KT_ASSERT_EQ(MDL_PARTIAL | MDL_PARENT_MAPPED_SYSTEM_VA | MDL_MAPPED_TO_SYSTEM_VA,
                 (uint16_t)part.Mdl.MdlFlags);
    KT_ASSERT_PTR_EQ(mapped + PAGE_SIZE + 0x800, part.Mdl.MappedSystemVa);
    KT_ASSERT_EQ(2, MmGetMdlPageCount(&part.Mdl));
    KT_ASSERT_EQ(MmGetMdlPfnArray(source)[1], part.Frames[0]);
    KT_ASSERT_EQ(MmGetMdlPfnArray(source)[2], part.Frames[1]);
    KT_ASSERT_PTR_EQ(mapped + PAGE_SIZE + 0x800, MmGetSystemAddressForMdlSafe(&part.Mdl,
                                                                            LowPagePriority));
    MmPrepareMdlForReuse(&part.Mdl);
    KT_ASSERT(part.Mdl.MdlFlags & MDL_PARENT_MAPPED_SYSTEM_VA);

    MmUnmapLockedPages(mapped, source);
    KT_ASSERT_EQ(freePtes, MmTotalFreeSystemPtes[SystemPteSpace]);
    IoBuildPartialMdl(source, &part.Mdl, buffer + 2 * PAGE_SIZE, 0);
    KT_ASSERT_EQ(MDL_PARTIAL, (uint16_t)part.Mdl.MdlFlags);
    KT_ASSERT_EQ(2 * PAGE_SIZE, part.Mdl.ByteCount);
    piece = MmGetSystemAddressForMdlSafe(&part.Mdl, NormalPagePriority);
    KT_ASSERT(piece != NULL);
    KT_ASSERT_EQ(MDL_PARTIAL | MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED,
                 (uint16_t)part.Mdl.MdlFlags);
    KT_ASSERT_EQ(freePtes - 2, MmTotalFreeSystemPtes[SystemPteSpace]);
    KT_ASSERT_EQ(0, CheckPage(PageAt((void *)piece, 0), 2));
    KT_ASSERT_EQ(0, CheckPage(PageAt((void *)piece, 1), 3));
    MmPrepareMdlForReuse(&part.Mdl);
    KT_ASSERT_EQ(0, part.Mdl.MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED));
    KT_ASSERT_EQ(freePtes, MmTotalFreeSystemPtes[SystemPteSpace]);
}

/*
 * The buffer freed while its pages are locked (a driver still transferring): the pages are
 * deleted but held, on no list, their bytes still there through the mapping; the unlock is
 * what sends them to the free list.
 */
KTEST(TestMdlFreedWhileLocked, "mm.mdl.freed_while_locked")
{
    uint8_t *buffer = ExAllocatePoolWithTag(PagedPool, 2 * PAGE_SIZE, MDL_TEST_TAG);
    volatile uint32_t *mapped;
    uint32_t frames[2];
    MDL *mdl;

    KT_ASSERT(buffer != NULL);
    FillPage(PageAt(buffer, 0), 40);
    FillPage(PageAt(buffer, 1), 41);
    mdl = MmCreateMdl(NULL, buffer, 2 * PAGE_SIZE);
    if (!mdl)
        ExFreePool(buffer);
    KT_ASSERT(mdl != NULL);
    KtDeferFreePool(mdl);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmProbeAndLockPages(mdl, KernelMode, IoReadAccess));
    KtDefer(UnlockMdl, mdl);
    mapped = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    KT_ASSERT(mapped != NULL);
    frames[0] = MmGetMdlPfnArray(mdl)[0];
    frames[1] = MmGetMdlPfnArray(mdl)[1];
    ExFreePool(buffer);
    for (uint32_t page = 0; page < 2; page++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frames[page]);

        KT_ASSERT(MI_IS_PFN_DELETED(pfn));
        KT_ASSERT_EQ(1, pfn->u3.e2.ReferenceCount);
        KT_ASSERT_EQ(0, pfn->u2.ShareCount);
        KT_ASSERT_EQ(TransitionPage, pfn->u3.e1.PageLocation);
        KT_ASSERT_EQ(0, CheckPage(PageAt((void *)mapped, page), 40 + page));
    }
    KtRelease(UnlockMdl, mdl);
    for (uint32_t page = 0; page < 2; page++) {
        MMPFN *pfn = MI_PFN_ELEMENT(frames[page]);

        KT_ASSERT_EQ(0, pfn->u3.e2.ReferenceCount);
        KT_ASSERT(!MI_IS_PFN_DELETED(pfn) ||                   /* taken again already */
                  pfn->u3.e1.PageLocation == FreePageList ||
                  pfn->u3.e1.PageLocation == ZeroedPageList ||   /* the zero page thread's */
                  (pfn->u3.e1.PageLocation == TransitionPage && MiPagesBeingZeroed));
    }
}

#define MDL_TEST_PROGRAM    "nop.exe"

/* What mm.mdl.user_mapping saw while attached to the process (asserted once detached). */
typedef struct _MDL_USER_MAPPING_RESULTS {
    NTSTATUS Lock, Free, Protect, LockVm, Commit, Query, Conflict, Unaligned;
    uint32_t LockedPages, LockedPagesAfter, PebWord, MappedWord;
    uintptr_t Mapped, Remapped;
    KPROCESS *MdlProcess;
    MEMORY_BASIC_INFORMATION Info;
    bool ValidAfterUnmap;
    uint32_t VirtualSize, VirtualSizeMapped;
} MDL_USER_MAPPING_RESULTS;

/* The VM services on the mapping, through a kernel handle to the process. Attached. */
static void TryServicesOnMapping(HANDLE Process, uintptr_t Mapped, MDL_USER_MAPPING_RESULTS *R)
{
    void *base = (void *)Mapped;
    uint32_t size = 0, old;

    R->Free = PSP_KERNEL_CALL(NtFreeVirtualMemory(Process, &base, &size, MEM_RELEASE));
    base = (void *)Mapped;
    size = PAGE_SIZE;
    R->Protect = PSP_KERNEL_CALL(NtProtectVirtualMemory(Process, &base, &size, PAGE_READONLY,
                                                        &old));
    base = (void *)Mapped;
    size = PAGE_SIZE;
    R->LockVm = PSP_KERNEL_CALL(NtLockVirtualMemory(Process, &base, &size, MAP_PROCESS));
    base = (void *)Mapped;
    size = PAGE_SIZE;
    R->Commit = PSP_KERNEL_CALL(NtAllocateVirtualMemory(Process, &base, 0, &size, MEM_COMMIT,
                                                        PAGE_READWRITE));
    R->Query = PSP_KERNEL_CALL(NtQueryVirtualMemory(Process, (void *)Mapped, 0, &R->Info,
                                                    sizeof(R->Info), NULL));
}

/* Everything mm.mdl.user_mapping does in the process, attached to it; Handle is in the
 * process's own table. */
static void MapInProcess(EPROCESS *Process, HANDLE Handle, MDL_USER_MAPPING_RESULTS *R)
{
    struct { MDL Mdl; uint32_t Frame; } locked;
    KAPC_STATE apcState;

    MmInitializeMdl(&locked.Mdl, (void *)Process->Peb, 16);
    KeStackAttachProcess(&Process->Pcb, &apcState);
    R->VirtualSize = Process->Mm.VirtualSize;
    R->Lock = MmProbeAndLockPages(&locked.Mdl, UserMode, IoWriteAccess);
    if (NT_SUCCESS(R->Lock)) {
        R->LockedPages = Process->Mm.NumberOfLockedPages;
        R->MdlProcess = locked.Mdl.Process;
        R->Mapped = (uintptr_t)MmMapLockedPagesSpecifyCache(&locked.Mdl, UserMode, MmCached, NULL,
                                                            false, NormalPagePriority);
        R->VirtualSizeMapped = Process->Mm.VirtualSize;
        KeProbeRead32((void *)(Process->Peb + 8), &R->PebWord);     /* ImageBaseAddress */
        if (R->Mapped) {
            KeProbeRead32((void *)(R->Mapped + 8), &R->MappedWord);
            R->Remapped = (uintptr_t)MmMapLockedPagesSpecifyCache(&locked.Mdl, UserMode, MmCached,
                                                                  (void *)(R->Mapped & ~0xFFFFu),
                                                                  false, NormalPagePriority);
            R->Conflict = MiLastUserMappingStatus;
            MmMapLockedPagesSpecifyCache(&locked.Mdl, UserMode, MmCached, (void *)0x12345000,
                                         false, NormalPagePriority);
            R->Unaligned = MiLastUserMappingStatus;
            TryServicesOnMapping(Handle, R->Mapped, R);
            MmUnmapLockedPages((void *)R->Mapped, &locked.Mdl);
            R->ValidAfterUnmap = MmIsAddressValid((void *)R->Mapped);
            /* mapped again and left: the process's end takes it */
            MmMapLockedPagesSpecifyCache(&locked.Mdl, UserMode, MmCached, NULL, false,
                                         NormalPagePriority);
        }
        MmUnlockPages(&locked.Mdl);
        R->LockedPagesAfter = Process->Mm.NumberOfLockedPages;
    }
    PSP_KERNEL_CALL(NtClose(Handle));
    KeUnstackDetachProcess(&apcState);
}

/*
 * A locked page of a process mapped into its user space: a 64 KB aligned address reading the
 * page's bytes, NT's statuses for a conflicting or unaligned address, the VM services refusing
 * the region as NT's do, the query saying what it is, the unmap, and the process's end taking
 * a mapping left behind.
 */
KTEST(TestMdlUserMapping, "mm.mdl.user_mapping")
{
    MDL_USER_MAPPING_RESULTS r = { 0 };
    EPROCESS *process;
    ETHREAD *thread;
    HANDLE handle;

    if (!MmFindLoaderModule(MDL_TEST_PROGRAM))
        KtSkip("no module " MDL_TEST_PROGRAM);
    KT_ASSERT_STATUS(STATUS_SUCCESS, PspCreateProcess(MDL_TEST_PROGRAM, MDL_TEST_PROGRAM, NULL,
                                                      &process, &thread));
    if (NT_SUCCESS(ObOpenObjectByPointer(process, PROCESS_ALL_ACCESS, 0, process->ObjectTable,
                                         &handle)))
        MapInProcess(process, handle, &r);
    PsStartThread(thread);
    ObDereferenceObject(thread);
    KeWaitForSingleObject(&process->Pcb, Executive, KernelMode, false, NULL);
    KtPrint("mapped at %08x; the process ended with status %08x", (uint32_t)r.Mapped,
            (uint32_t)process->ExitStatus);
    ObDereferenceObject(process);

    KT_ASSERT_STATUS(STATUS_SUCCESS, r.Lock);
    KT_ASSERT_EQ(1, r.LockedPages);
    KT_ASSERT_PTR_EQ(&process->Pcb, r.MdlProcess);
    KT_ASSERT(r.Mapped != 0);
    KT_ASSERT_EQ(0, r.Mapped & 0xFFFF);
    KT_ASSERT_LT(r.Mapped, MmHighestUserAddress);
    KT_ASSERT_EQ(r.VirtualSize + PAGE_SIZE, r.VirtualSizeMapped);
    KT_ASSERT_NE(0, r.PebWord);
    KT_ASSERT_EQ(r.PebWord, r.MappedWord);
    KT_ASSERT_EQ(0, r.Remapped);
    KT_ASSERT_STATUS(STATUS_CONFLICTING_ADDRESSES, r.Conflict);
    KT_ASSERT_STATUS(STATUS_INVALID_ADDRESS, r.Unaligned);
    KT_ASSERT_STATUS(STATUS_UNABLE_TO_DELETE_SECTION, r.Free);
    KT_ASSERT_STATUS(STATUS_CONFLICTING_ADDRESSES, r.Protect);
    KT_ASSERT_STATUS(STATUS_INCOMPATIBLE_FILE_MAP, r.LockVm);
    KT_ASSERT_STATUS(STATUS_CONFLICTING_ADDRESSES, r.Commit);
    KT_ASSERT_STATUS(STATUS_SUCCESS, r.Query);
    KT_ASSERT_EQ(MEM_PRIVATE, r.Info.Type);
    KT_ASSERT_EQ(MEM_COMMIT, r.Info.State);
    KT_ASSERT_EQ(PAGE_READWRITE, r.Info.Protect);
    KT_ASSERT_EQ(PAGE_SIZE, r.Info.RegionSize);
    KT_ASSERT(!r.ValidAfterUnmap);
    KT_ASSERT_EQ(0, r.LockedPagesAfter);
}
