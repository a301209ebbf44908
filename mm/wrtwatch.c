/*
 * mm/wrtwatch.c: write watch (NT's wrtwatch.c): which pages of a MEM_WRITE_WATCH region were
 * written since the last reset, for NtGetWriteWatch and NtResetWriteWatch (kernel32's
 * GetWriteWatch and ResetWriteWatch, which garbage collectors use to find the pages a program
 * dirtied).
 *
 *   Process->PhysicalVadRoot            MM_AVL_TABLE, made with the process's first region
 *     MI_PHYSICAL_VIEW 'MmWw'           [StartingVpn, EndingVpn] = the VAD's, Vad, u.BitMap
 *       RTL_BITMAP + words 'Mmww'       bit n set: page n of the VAD was written
 *
 * The processor records a write: it sets a valid PTE's dirty bit at the first write through
 * it. A page was written since the last reset when its bit is set or its PTE is valid and
 * dirty. Two rules keep that exact whatever happens to the page:
 *   - the dirty bit is never set ahead of a write in a write-watch region (the fault resolvers
 *     leave it clear there: MiIsWriteWatchAddress);
 *   - whoever takes the dirty bit from a valid PTE of the region moves it into the bitmap
 *     first (MiCaptureWriteWatchDirtyBit): a trim or replacement (wslist.c), a protection a
 *     valid PTE cannot hold (protect.c), MEM_RESET (allocvm.c), a decommit (deleteva.c).
 * So a written page is reported whether it stayed resident or went to the standby or modified
 * list or the paging file, and a page only read never is. Departures from NT (Server 2003),
 * which sets the dirty bit of a writable page faulted in from demand zero or from the modified
 * list even for a read, and lets a decommit drop a valid page's dirty bit: there a page can be
 * reported that was only read, and a write can be lost with a decommit.
 *
 * A reset clears the bit and makes a dirty valid PTE clean, its dirtiness moved into the PFN's
 * Modified bit (the page must still reach the paging file when trimmed) and its TB entry
 * flushed, so the next write sets the dirty bit again. On a uniprocessor x86 that is enough, as
 * NT's comment says; a multiprocessor would have to take the PTE's write bit away instead.
 *
 * Locks: a view is inserted and removed with the address-creation lock and the working-set
 * mutex held; the bitmaps are read and changed with the working-set mutex held (every caller
 * of MiCaptureWriteWatchDirtyBit has it); the PFN lock only to move a dirty bit into the PFN.
 */
#include "mm/mi.h"

#define MI_PHYSICAL_VIEW_ROOT_KEY   POOL_TAG('M', 'm', 'p', 'r')
#define MI_WRITEWATCH_VIEW_KEY      POOL_TAG('M', 'm', 'W', 'w')
#define MI_WRITEWATCH_BITMAP_KEY    POOL_TAG('M', 'm', 'w', 'w')
#define MI_WRITEWATCH_COPY_KEY      POOL_TAG('M', 'm', 'G', 'c')
#define MI_COPY_STACK_SIZE          128         /* addresses gathered on the stack; more: pool */
#define MI_MAXIMUM_WRITE_WATCH_ENTRIES (0xFFFFFFFFu / sizeof(void *))

/* The view of the write-watch VAD that holds Vpn, or NULL. Working-set mutex held. */
static MI_PHYSICAL_VIEW *MiLocateWriteWatchView(MMPROCESS *Process, uint32_t Vpn)
{
    MMADDRESS_NODE *node;

    if (!(Process->Flags & PS_PROCESS_FLAGS_USING_WRITE_WATCH) || !Process->PhysicalVadRoot)
        return NULL;
    node = MiLocateAddressInTree(Vpn, Process->PhysicalVadRoot);
    return node ? CONTAINING_RECORD(node, MI_PHYSICAL_VIEW, Node) : NULL;
}

/*
 * The view and bitmap (all bits clear) for a write-watch region of Pages pages about to be
 * reserved, and the process's PhysicalVadRoot if this is its first; STATUS_INSUFFICIENT_RESOURCES
 * when the pool has not got them. Address-creation lock held.
 */
NTSTATUS MiCreateWriteWatchView(MMPROCESS *Process, uint32_t Pages, MI_PHYSICAL_VIEW **View)
{
    uint32_t bytes = sizeof(RTL_BITMAP) + (Pages + 31) / 32 * sizeof(uint32_t);
    MI_PHYSICAL_VIEW *view;
    RTL_BITMAP *bitmap;

    if (!Process->PhysicalVadRoot) {
        MM_AVL_TABLE *root = ExAllocatePoolWithTag(NonPagedPool, sizeof(*root),
                                                   MI_PHYSICAL_VIEW_ROOT_KEY);

        if (!root)
            return STATUS_INSUFFICIENT_RESOURCES;
        MiInitializeAvlTable(root);
        Process->PhysicalVadRoot = root;        /* kept until the process's address space goes */
    }
    bitmap = ExAllocatePoolWithTag(NonPagedPool, bytes, MI_WRITEWATCH_BITMAP_KEY);
    if (!bitmap)
        return STATUS_INSUFFICIENT_RESOURCES;
    view = ExAllocatePoolWithTag(NonPagedPool, sizeof(*view), MI_WRITEWATCH_VIEW_KEY);
    if (!view) {
        ExFreePoolWithTag(bitmap, MI_WRITEWATCH_BITMAP_KEY);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlInitializeBitMap(bitmap, (uint32_t *)(bitmap + 1), Pages);
    RtlClearAllBits(bitmap);
    RtlZeroMemory(view, sizeof(*view));
    view->u.BitMap = bitmap;
    *View = view;
    return STATUS_SUCCESS;
}

/* A view MiCreateWriteWatchView made that was never inserted (the reservation failed). */
void MiFreeWriteWatchView(MI_PHYSICAL_VIEW *View)
{
    ExFreePoolWithTag(View->u.BitMap, MI_WRITEWATCH_BITMAP_KEY);
    ExFreePoolWithTag(View, MI_WRITEWATCH_VIEW_KEY);
}

/* Vad, just inserted, gets its view. Address-creation lock and working-set mutex held. */
void MiInsertWriteWatchView(MMPROCESS *Process, MMVAD_SHORT *Vad, MI_PHYSICAL_VIEW *View)
{
    View->Vad = Vad;
    View->Node.StartingVpn = Vad->Node.StartingVpn;
    View->Node.EndingVpn = Vad->Node.EndingVpn;
    MiInsertNode(&View->Node, Process->PhysicalVadRoot);
    Process->Flags |= PS_PROCESS_FLAGS_USING_WRITE_WATCH;
}

/* Vad (a write-watch VAD being deleted whole) loses its view and bitmap. Address-creation lock
 * and working-set mutex held. A write-watch VAD without its view is MEMORY_MANAGEMENT. */
void MiRemoveWriteWatchView(MMPROCESS *Process, MMVAD_SHORT *Vad)
{
    MI_PHYSICAL_VIEW *view = MiLocateWriteWatchView(Process, Vad->Node.StartingVpn);

    if (!view || view->Vad != Vad)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_WRITE_WATCH_VIEW, (uintptr_t)Vad,
                     (uintptr_t)view, Vad->Node.StartingVpn);
    MiRemoveNode(&view->Node, Process->PhysicalVadRoot);
    MiFreeWriteWatchView(view);
}

/* At the address space's end, every VAD gone: the table goes too. */
void MiDeletePhysicalVadRoot(MMPROCESS *Process)
{
    MM_AVL_TABLE *root = Process->PhysicalVadRoot;

    if (!root)
        return;
    if (root->NumberGenericTableElements != 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_WRITE_WATCH_VIEW, (uintptr_t)root,
                     root->NumberGenericTableElements, 0);
    Process->PhysicalVadRoot = NULL;
    ExFreePoolWithTag(root, MI_PHYSICAL_VIEW_ROOT_KEY);
}

/*
 * A dirty valid PTE at VirtualAddress is about to lose its dirty bit: if the page is in a
 * write-watch region, its bit is set. Working-set mutex held (the PFN lock may be too).
 */
void MiCaptureWriteWatchDirtyBit(MMPROCESS *Process, uintptr_t VirtualAddress)
{
    uint32_t vpn = VirtualAddress >> PAGE_SHIFT;
    MI_PHYSICAL_VIEW *view = MiLocateWriteWatchView(Process, vpn);

    if (view)
        RtlSetBits(view->u.BitMap, vpn - view->Node.StartingVpn, 1);
}

/* Is VirtualAddress in a write-watch region of the working set's process? Then a fault must
 * not set its PTE's dirty bit ahead of a write. Working-set mutex held. */
bool MiIsWriteWatchAddress(MMSUPPORT *Ws, uintptr_t VirtualAddress)
{
    return Ws->IsProcess && MiLocateWriteWatchView(CONTAINING_RECORD(Ws, MMPROCESS, Vm),
                                                   VirtualAddress >> PAGE_SHIFT) != NULL;
}

/*
 * Is the PTE of Va (its page table present) valid and dirty? With Clean, a dirty PTE is made
 * clean: the dirty bit goes into the PFN and the TB entry is flushed. Working-set mutex held.
 */
static bool MiTestWriteWatchPte(uintptr_t Va, bool Clean)
{
    volatile MMPTE *pte = MiGetPteAddress(Va);
    MMPTE contents;
    KIRQL oldIrql;

    contents.u.Long = pte->u.Long;
    if (!contents.u.Hard.Valid || !contents.u.Hard.Dirty)
        return false;
    if (!Clean)
        return true;
    LOCK_PFN(oldIrql);
    contents.u.Long = __atomic_fetch_and(&pte->u.Long, ~MM_PTE_DIRTY_MASK, __ATOMIC_SEQ_CST);
    MI_FLUSH_SINGLE_TB(Va);
    MiSetModified(MI_PFN_ELEMENT(contents.u.Hard.PageFrameNumber));
    UNLOCK_PFN(oldIrql);
    return true;
}

/*
 * The pages of [Start, End] (page aligned, inside View's VAD) written since the last reset,
 * in address order, into Addresses until Maximum are there (NT's rule, inherited from
 * Windows 95: a full array ends the walk). With Reset, each page found is reset, and only
 * those. Returns how many were found. Working-set mutex held.
 */
static uint32_t MiWalkWriteWatch(MI_PHYSICAL_VIEW *View, uintptr_t Start, uintptr_t End,
                                 bool Reset, uintptr_t *Addresses, uint32_t Maximum)
{
    uint32_t found = 0;

    for (uintptr_t va = Start; va <= End && va >= Start && found < Maximum; va += PAGE_SIZE) {
        uint32_t index = (va >> PAGE_SHIFT) - View->Node.StartingVpn;
        bool written = RtlCheckBit(View->u.BitMap, index);

        /* No page table: every PTE in it is zero, what was written is in the bitmap. */
        if (MiGetPdeAddress(va)->u.Hard.Valid && MiTestWriteWatchPte(va, Reset))
            written = true;
        if (!written)
            continue;
        if (Reset)
            RtlClearBits(View->u.BitMap, index, 1);
        if (Addresses)
            Addresses[found] = va;
        found++;
    }
    return found;
}

/*
 * NT's ProbeForWrite from user mode: the range must be user memory that can be written now.
 * Each of its pages is touched (a byte read and written back), so a bad buffer fails the
 * call before anything is reset.
 */
static NTSTATUS MiProbeForWrite(void *Address, uint32_t Length, uint32_t Alignment)
{
    uintptr_t va = (uintptr_t)Address, last = va + Length - 1;
    NTSTATUS status = ProbeForWrite(Address, Length, Alignment);

    if (!NT_SUCCESS(status) || Length == 0)
        return status;
    for (;;) {
        uint8_t byte;

        if (!NT_SUCCESS(KeCopyMemorySafe(&byte, (void *)va, 1)) ||
            !NT_SUCCESS(KeCopyMemorySafe((void *)va, &byte, 1)))
            return STATUS_ACCESS_VIOLATION;
        if ((va | (PAGE_SIZE - 1)) >= last)
            return STATUS_SUCCESS;
        va = (va | (PAGE_SIZE - 1)) + 1;
    }
}

/*
 * NtGetWriteWatch's checks in NT's order, before the process is looked at: Flags, the range
 * against the user address space, the entry count (0 or too many for the address space:
 * _5) and, from user mode, the three output buffers.
 */
static NTSTATUS MiCaptureGetWriteWatchArguments(uint32_t Flags, uintptr_t Base, uint32_t Size,
                                                void **UserAddressArray, uint32_t *Entries,
                                                uint32_t *Granularity, uint32_t *Captured)
{
    bool user = ExGetPreviousMode() == UserMode;
    NTSTATUS status;

    if (Flags & ~WRITE_WATCH_FLAG_RESET)
        return STATUS_INVALID_PARAMETER_2;
    if (Base > MM_HIGHEST_VAD_ADDRESS)
        return STATUS_INVALID_PARAMETER_2;
    if (MM_HIGHEST_VAD_ADDRESS + 1 - Base < Size)
        return STATUS_INVALID_PARAMETER_3;
    status = user ? MiProbeForWrite(Entries, sizeof(*Entries), sizeof(*Entries))
                  : STATUS_SUCCESS;
    if (NT_SUCCESS(status))
        status = ExCapture(Captured, Entries);
    if (!NT_SUCCESS(status))
        return status;
    if (*Captured == 0 || *Captured > MI_MAXIMUM_WRITE_WATCH_ENTRIES)
        return STATUS_INVALID_PARAMETER_5;
    if (!user)
        return STATUS_SUCCESS;
    status = MiProbeForWrite(UserAddressArray, *Captured * sizeof(void *), sizeof(void *));
    if (NT_SUCCESS(status))
        status = MiProbeForWrite(Granularity, sizeof(*Granularity), sizeof(*Granularity));
    return status;
}

/*
 * NtGetWriteWatch: the pages of [Base, Base + Size) written since the last reset (or since the
 * region was reserved), in address order, at most *Entries of them; *Entries becomes how many
 * and *Granularity PAGE_SIZE. WRITE_WATCH_FLAG_RESET resets the pages returned, and only those.
 * The range must lie inside one write-watch region (STATUS_INVALID_PARAMETER_1 otherwise); a
 * zero size is STATUS_INVALID_PARAMETER_4.
 */
NTSTATUS NtGetWriteWatch(void *ProcessHandle, uint32_t Flags, void *BaseAddress,
                         uint32_t RegionSize, void **UserAddressArray,
                         uint32_t *EntriesInUserAddressArray, uint32_t *Granularity)
{
    uintptr_t base = (uintptr_t)BaseAddress, end = base + RegionSize - 1;
    uintptr_t stack[MI_COPY_STACK_SIZE], *addresses = stack;
    uint32_t entries, found = 0, granularity = PAGE_SIZE;
    MI_PHYSICAL_VIEW *view;
    MI_VM_CALL call;
    NTSTATUS status;

    status = MiCaptureGetWriteWatchArguments(Flags, base, RegionSize, UserAddressArray,
                                             EntriesInUserAddressArray, Granularity, &entries);
    if (!NT_SUCCESS(status))
        return status;
    /* No more addresses can be found than the range has pages (none: it is refused below). */
    entries = base > end ? 0 : MIN(entries, (end >> PAGE_SHIFT) - (base >> PAGE_SHIFT) + 1);
    if (entries > MI_COPY_STACK_SIZE) {
        addresses = ExAllocatePoolWithTag(NonPagedPool, entries * sizeof(uintptr_t),
                                          MI_WRITEWATCH_COPY_KEY);
        if (!addresses)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (NT_SUCCESS(status)) {
        MiLockWorkingSet(&call.Process->Vm);
        view = base <= end ? MiLocateWriteWatchView(call.Process, base >> PAGE_SHIFT) : NULL;
        if (base > end)
            status = STATUS_INVALID_PARAMETER_4;
        else if (!view || (end >> PAGE_SHIFT) > view->Node.EndingVpn)
            status = STATUS_INVALID_PARAMETER_1;
        else
            found = MiWalkWriteWatch(view, (uintptr_t)PAGE_ALIGN(base), end,
                                     Flags & WRITE_WATCH_FLAG_RESET, addresses, entries);
        MiUnlockWorkingSet(&call.Process->Vm);
        MiDetachVmProcess(&call);
    }
    if (NT_SUCCESS(status))
        status = ExReturnToMode(ExGetPreviousMode(), UserAddressArray, addresses,
                                found * sizeof(void *), sizeof(void *));
    if (NT_SUCCESS(status))
        status = ExReturn(EntriesInUserAddressArray, &found);
    if (NT_SUCCESS(status))
        status = ExReturn(Granularity, &granularity);
    if (addresses != stack)
        ExFreePoolWithTag(addresses, MI_WRITEWATCH_COPY_KEY);
    return status;
}

/*
 * NtResetWriteWatch: every page of [Base, Base + Size) counts as not written from now on. The
 * same range rules as NtGetWriteWatch, but a zero size is STATUS_INVALID_PARAMETER_3.
 */
NTSTATUS NtResetWriteWatch(void *ProcessHandle, void *BaseAddress, uint32_t RegionSize)
{
    uintptr_t base = (uintptr_t)BaseAddress, end = base + RegionSize - 1;
    MI_PHYSICAL_VIEW *view;
    MI_VM_CALL call;
    NTSTATUS status;

    if (base > MM_HIGHEST_VAD_ADDRESS)
        return STATUS_INVALID_PARAMETER_2;
    if (MM_HIGHEST_VAD_ADDRESS + 1 - base < RegionSize)
        return STATUS_INVALID_PARAMETER_3;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    MiLockWorkingSet(&call.Process->Vm);
    view = base <= end ? MiLocateWriteWatchView(call.Process, base >> PAGE_SHIFT) : NULL;
    if (base > end)
        status = STATUS_INVALID_PARAMETER_3;
    else if (!view || (end >> PAGE_SHIFT) > view->Node.EndingVpn)
        status = STATUS_INVALID_PARAMETER_1;
    else
        MiWalkWriteWatch(view, (uintptr_t)PAGE_ALIGN(base), end, true, NULL, UINT32_MAX);
    MiUnlockWorkingSet(&call.Process->Vm);
    MiDetachVmProcess(&call);
    return status;
}
