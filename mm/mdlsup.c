/*
 * mm/mdlsup.c: memory descriptor lists (NT's iosup.c): describing a buffer by its physical
 * pages and holding those pages in memory for an I/O (kernel/inc/mdl.h draws the MDL).
 *
 *   MmSizeOfMdl / MmCreateMdl      an MDL's size, or one from nonpaged pool ('Mdl ')
 *   MmProbeAndLockPages            fault the buffer in, check its access, lock each page
 *   MmUnlockPages                  let them go (unmapping the system mapping first)
 *   MmBuildMdlForNonPagedPool      the frames of a nonpaged buffer: nothing is locked
 *   MmPrepareMdlForReuse           a partial MDL's mapping gone before it is built again
 *
 * A locked page holds one more PFN reference per lock. It stays in its working set and may
 * still be trimmed: its PTE then goes to transition and, the share count at zero, the page
 * waits in TransitionPage on no list, so neither the modified page writer nor a reuse of the
 * standby list can take it, until the last unlock sends it to the list its state dictates
 * (a fault meanwhile takes it back at once). The first locker of a mapped page charges it to
 * MmResidentAvailablePages (NT's MI_ADD_LOCKED_PAGE_CHARGE_FOR_PROBE); the last gives it back.
 * MmSystemLockPagesCount counts every lock. A process's own pages count in its
 * NumberOfLockedPages, which must be zero again when it ends (procsup.c:
 * PROCESS_HAS_LOCKED_PAGES, 0x76).
 *
 * NT raises a failure of MmProbeAndLockPages for the caller's __except; the kernel has no
 * structured exceptions, so the status NT would raise is returned instead, and on any failure
 * nothing is left locked (the MDL's first frame is MM_EMPTY_LIST), as NT leaves it.
 */
#include "mm/mi.h"

#define MI_MDL_TAG                  POOL_TAG('M', 'd', 'l', ' ')
#define MM_REFERENCE_COUNT_CHECK    0x7FFF      /* NT's MmReferenceCountCheck: MAXUSHORT / 2 */
#define PFN_LIST_CORRUPT_UNLOCKED_TOO_OFTEN 0x07

/* The flags a buffer to be locked must not have (NT asserts them clear). */
#define MI_MDL_NOT_LOCKABLE (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | \
                             MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL | MDL_IO_SPACE)

volatile uint32_t MmSystemLockPagesCount;

uint32_t MmSizeOfMdl(const void *Base, uint32_t Length)
{
    return (uint32_t)sizeof(MDL) + sizeof(uint32_t) * MdlSpanPages(Base, Length);
}

/* MemoryDescriptorList initialized for Length bytes at Base, or a new one from nonpaged pool
 * when it is NULL (free it with ExFreePool); NULL when the pool is empty or the MDL would not
 * fit its 16-bit Size. */
MDL *MmCreateMdl(MDL *MemoryDescriptorList, void *Base, uint32_t Length)
{
    uint32_t size = MmSizeOfMdl(Base, Length);

    if (size > 0x7FFF)
        return NULL;
    if (!MemoryDescriptorList) {
        MemoryDescriptorList = ExAllocatePoolWithTag(NonPagedPool, size, MI_MDL_TAG);
        if (!MemoryDescriptorList)
            return NULL;
    }
    MmInitializeMdl(MemoryDescriptorList, Base, Length);
    return MemoryDescriptorList;
}

/* NT asserts these; here a misuse that would corrupt the PFN counts stops the system. */
static void MiCheckMdlForLock(const MDL *Mdl)
{
    if (Mdl->ByteCount == 0 || (Mdl->MdlFlags & MI_MDL_NOT_LOCKABLE))
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_MDL_MISUSE, (uintptr_t)Mdl,
                     (uint16_t)Mdl->MdlFlags, Mdl->ByteCount);
}

/*
 * Touch every page of [Start, End) as NT's probe loop does: a read of each, and for a
 * device that writes into a user buffer a write too (ProbeForWriteChar), which makes
 * copy-on-write copies and demand-zero pages now. The fault's status (access violation, guard
 * page, in-page error) comes back.
 */
static NTSTATUS MiProbePages(uintptr_t Start, uintptr_t End, bool Write)
{
    for (uintptr_t va = Start; va < End && va >= Start; va = (uintptr_t)PAGE_ALIGN(va) + PAGE_SIZE) {
        uint32_t value;
        NTSTATUS status = KeProbeRead32((const void *)(va & ~(uintptr_t)3), &value);

        if (NT_SUCCESS(status) && Write && va < MmSystemRangeStart)
            status = KeProbeForWriteAccess((void *)va);
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

/* Bring one page back after it left memory between the probe and the lock (trimmed and
 * reused): the same touch as the probe. No lock held. */
static NTSTATUS MiFaultPageForLock(uintptr_t Va, bool Write)
{
    return MiProbePages(Va, Va + 1, Write);
}

/*
 * Lock the page Va maps (valid, PFN lock held) for the MDL, as NT's
 * MI_ADD_LOCKED_PAGE_CHARGE_FOR_PROBE: one reference more, and the first lock of a mapped page
 * charged to resident available memory. A pageable page that cannot be charged is
 * STATUS_WORKING_SET_QUOTA; other system pages are forced through.
 */
static NTSTATUS MiLockPageForMdl(uint32_t Frame, bool Pageable)
{
    MMPFN *pfn = MI_PFN_ELEMENT(Frame);

    if (pfn->u3.e2.ReferenceCount >= MM_REFERENCE_COUNT_CHECK)
        return STATUS_WORKING_SET_QUOTA;
    if (pfn->u3.e2.ReferenceCount == 1 && pfn->u2.ShareCount != 0 &&
        !MiChargeResidentAvailable(1)) {
        if (Pageable)
            return STATUS_WORKING_SET_QUOTA;
        MmResidentAvailablePages--;
    }
    pfn->u3.e2.ReferenceCount++;
    MmSystemLockPagesCount++;
    return STATUS_SUCCESS;
}

/*
 * Lock each page of the MDL's buffer with Ws (NULL: not pageable) held. A page that became
 * invalid again is faulted in with the mutex let go. A write to a page whose protection was
 * made read-only since the probe is STATUS_ACCESS_VIOLATION (a copy-on-write page is faulted
 * for its copy first). Frames are stored as they are locked, the next slot MM_EMPTY_LIST.
 */
static NTSTATUS MiLockMdlPages(MDL *Mdl, MMSUPPORT *Ws, bool Write)
{
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages = MmGetMdlPageCount(Mdl);
    uintptr_t va = (uintptr_t)Mdl->StartVa;
    bool user = va < MmSystemRangeStart;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL oldIrql;

    for (uint32_t i = 0; i < pages && NT_SUCCESS(status); i++, va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);

        LOCK_PFN(oldIrql);
        while (!MmIsAddressValid((void *)va) || (Write && user && !MI_IS_PHYSICAL_ADDRESS(va) &&
                                                 !pte->u.Hard.Write && pte->u.Hard.CopyOnWrite)) {
            UNLOCK_PFN(oldIrql);
            if (Ws)
                MiUnlockWorkingSet(Ws);
            status = MiFaultPageForLock(va, Write);
            if (Ws)
                MiLockWorkingSet(Ws);
            LOCK_PFN(oldIrql);
            if (!NT_SUCCESS(status))
                break;
        }
        if (NT_SUCCESS(status) && Write && user && !MI_IS_PHYSICAL_ADDRESS(va) &&
            !pte->u.Hard.Write)
            status = STATUS_ACCESS_VIOLATION;   /* the protection was made more restrictive */
        if (NT_SUCCESS(status)) {
            uint32_t frame = MI_IS_PHYSICAL_ADDRESS(va) ? MI_CONVERT_PHYSICAL_TO_PFN(va)
                                                        : pte->u.Hard.PageFrameNumber;

            if (MiIsPhysicalMemory(frame))
                status = MiLockPageForMdl(frame, user || Ws != NULL);
            else if (user)
                status = STATUS_ACCESS_VIOLATION;   /* no physical views of devices here */
            else
                Mdl->MdlFlags |= MDL_IO_SPACE;
            if (NT_SUCCESS(status)) {
                frames[i] = frame;
                if (i + 1 < pages)
                    frames[i + 1] = MM_EMPTY_LIST;
            }
        }
        UNLOCK_PFN(oldIrql);
    }
    return status;
}

/*
 * Lock the pages of the MDL's buffer for an I/O that does Operation to them. AccessMode
 * UserMode: the buffer must lie below MmUserProbeAddress. A user buffer is the current
 * process's (Mdl->Process then names it and its NumberOfLockedPages counts the pages). Below
 * DISPATCH_LEVEL for pageable memory. Returns STATUS_SUCCESS with MDL_PAGES_LOCKED set, or
 * the status NT raises with nothing locked.
 */
NTSTATUS MmProbeAndLockPages(MDL *Mdl, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation)
{
    uintptr_t start = (uintptr_t)MmGetMdlVirtualAddress(Mdl), end = start + Mdl->ByteCount;
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages;
    bool write = Operation != IoReadAccess, user = start < MmSystemRangeStart;
    MMPROCESS *process = NULL;
    MMSUPPORT *ws = NULL;
    NTSTATUS status;

    MiCheckMdlForLock(Mdl);
    frames[0] = MM_EMPTY_LIST;
    if (end < start || (AccessMode == UserMode && end > MmUserProbeAddress))
        return STATUS_ACCESS_VIOLATION;
    if (user) {
        process = MiGetProcess(KeGetCurrentProcess());
        if (!process || end > MmSystemRangeStart)
            return STATUS_ACCESS_VIOLATION;
        ws = &process->Vm;
    } else if (start >= MmPagedPoolStart && start <= MmPagedPoolEnd) {
        ws = &MmSystemCacheWs;
    }

    status = MiProbePages(start, end, write);
    if (!NT_SUCCESS(status))
        return status;

    pages = MmGetMdlPageCount(Mdl);
    Mdl->MdlFlags |= MDL_PAGES_LOCKED | (write ? MDL_WRITE_OPERATION : 0);
    Mdl->Process = process ? MiGetKProcess(process) : NULL;
    if (process)
        process->NumberOfLockedPages += pages;
    if (ws)
        MiLockWorkingSet(ws);
    status = MiLockMdlPages(Mdl, ws, write);
    if (ws)
        MiUnlockWorkingSet(ws);
    if (!NT_SUCCESS(status)) {
        MmUnlockPages(Mdl);
        frames[0] = MM_EMPTY_LIST;
        Mdl->Process = NULL;
        Mdl->MdlFlags &= ~(MDL_WRITE_OPERATION | MDL_IO_SPACE);
    }
    return status;
}

/* The first locked page's frame and share count, for the bugcheck of a bad unlock. */
static __attribute__((noreturn)) void MiBadUnlock(MDL *Mdl)
{
    uint32_t frame = MmGetMdlPfnArray(Mdl)[0];
    uint32_t share = frame != MM_EMPTY_LIST && MiIsPhysicalMemory(frame)
                     ? MI_PFN_ELEMENT(frame)->u2.ShareCount : 0;

    KeBugCheckEx(PFN_LIST_CORRUPT, PFN_LIST_CORRUPT_UNLOCKED_TOO_OFTEN, frame, share, 0);
}

/*
 * Undo MmProbeAndLockPages: the system mapping first, if any, then each locked page's
 * reference and charge; a page written by the device (MDL_WRITE_OPERATION) is modified. An
 * MDL that is not locked — unlocked already, never locked, or built for nonpaged pool — is
 * NT's PFN_LIST_CORRUPT (7, page, share count, 0): a page unlocked more times than locked.
 */
void MmUnlockPages(MDL *Mdl)
{
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages = MmGetMdlPageCount(Mdl);
    KIRQL oldIrql;

    if (!(Mdl->MdlFlags & MDL_PAGES_LOCKED) || (Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL))
        MiBadUnlock(Mdl);
    if (Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)
        MmUnmapLockedPages(Mdl->MappedSystemVa, Mdl);
    if (Mdl->Process)
        MiGetProcess(Mdl->Process)->NumberOfLockedPages -= pages;

    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < pages && frames[i] != MM_EMPTY_LIST; i++) {
        MMPFN *pfn;

        if (!MiIsPhysicalMemory(frames[i]))
            continue;
        pfn = MI_PFN_ELEMENT(frames[i]);
        if ((Mdl->MdlFlags & (MDL_WRITE_OPERATION | MDL_IO_PAGE_READ)) == MDL_WRITE_OPERATION)
            MiSetModified(pfn);
        if ((pfn->u3.e2.ReferenceCount == 2 && pfn->u2.ShareCount != 0) ||
            (pfn->u3.e2.ReferenceCount == 1 && pfn->u2.ShareCount == 0))
            MiReturnResidentAvailable(1);
        MmSystemLockPagesCount--;
        MiDecrementReferenceCount(frames[i]);
    }
    UNLOCK_PFN(oldIrql);
    Mdl->MdlFlags &= ~MDL_PAGES_LOCKED;
}

/*
 * The frames of a buffer in nonpaged memory (nonpaged pool, a kernel stack, the image):
 * nothing is referenced or charged, and the buffer is its own system mapping. Never unlock
 * such an MDL. Frames that are no RAM (a device's) make it MDL_IO_SPACE.
 */
void MmBuildMdlForNonPagedPool(MDL *Mdl)
{
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages = MmGetMdlPageCount(Mdl);
    uintptr_t va = (uintptr_t)Mdl->StartVa;

    Mdl->Process = NULL;
    Mdl->MappedSystemVa = MmGetMdlVirtualAddress(Mdl);
    for (uint32_t i = 0; i < pages; i++, va += PAGE_SIZE) {
        uint64_t physical = MmGetPhysicalAddress((const void *)va);

        if (!physical && !MmIsAddressValid((const void *)va))
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_MDL_MISUSE, (uintptr_t)Mdl,
                         (uint16_t)Mdl->MdlFlags, va);
        frames[i] = (uint32_t)(physical >> PAGE_SHIFT);
        if (!MiIsPhysicalMemory(frames[i]))
            Mdl->MdlFlags |= MDL_IO_SPACE;
    }
    Mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
}

/* Before a partial MDL is built again: the mapping its last use made goes (NT's macro). */
void MmPrepareMdlForReuse(MDL *Mdl)
{
    if (Mdl->MdlFlags & MDL_PARTIAL_HAS_BEEN_MAPPED)
        MmUnmapLockedPages(Mdl->MappedSystemVa, Mdl);
}
