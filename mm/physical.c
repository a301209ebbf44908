/*
 * mm/physical.c: Address Windowing Extensions and large pages (NT's physical.c,
 * nt-mm-facts-2 §7 and §8): physical pages a process owns outright, mapped where it asks.
 *
 * AWE. A process with SeLockMemoryPrivilege allocates physical pages
 * (NtAllocateUserPhysicalPages) and gets their frame numbers; it reserves MEM_RESERVE |
 * MEM_PHYSICAL regions (read-write only, allocvm.c) and maps any of its pages into them, page
 * by page (NtMapUserPhysicalPages, ...Scatter), as often as it likes: a window onto more memory
 * than its address space can hold. Its pages are in its AWEINFO:
 *
 *   Process->AweInfo               AWEINFO 'Mawe', made with the first region or allocation
 *     VadPhysicalPagesBitMap       RTL_BITMAP 'Mawb', one bit per frame of the PFN database
 *     VadPhysicalPages             how many bits are set (pages owned, each charged)
 *     AweVadRoot                   MI_PHYSICAL_VIEW 'Mawv' per MEM_PHYSICAL region
 *
 * An AWE page is never paged: it is ActiveAndValid with one reference and one share from its
 * allocation to its free, AweAllocation set, OriginalPte zero, PteFrame NT's
 * MI_MAGIC_AWE_PTEFRAME, and PteAddress the one user PTE that maps it or NULL. Its PTE is a
 * valid user read-write dirty PTE outside the working set (no WSLE) and outside the page
 * table's share count; only UsedPageTableEntries counts it, so the table goes when the last
 * PTE in it does. A PTE of a region that maps nothing is zero, and touching it is an access
 * violation (the region has no commitment: acceschk.c). Each page is charged one page of
 * commitment and one of resident-available memory from its allocation to its free.
 *
 * Large pages. MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES with SeLockMemoryPrivilege, a size
 * that is a multiple of 4 MB (and a base, if given, 4 MB-aligned) and a processor with PSE:
 * each 4 MB of the region is one run of 1024 physically contiguous, 4 MB-aligned frames
 * (free, zeroed or standby pages taken off their lists), zeroed and mapped by one user PDE
 * with PS set — no page table, no working-set entries, never paged. The region's pages are
 * charged as committed (the VAD's CommitCharge) and resident-available, and each frame is
 * ActiveAndValid with PteAddress the PDE. No run: STATUS_INSUFFICIENT_RESOURCES.
 *
 * Departures from NT: the address-creation lock (taken by every VM service here) serialises
 * the map calls instead of AWEINFO's cache-aware push lock, and mapping takes the working-set
 * mutex for the page tables; there is no per-processor view hint; a large-page region has no
 * MI_PHYSICAL_VIEW of its own (its VAD type says all); remapping a page at the very PTE that
 * maps it already is allowed (a no-op).
 */
#include "mm/mi.h"

#define MI_AWEINFO_TAG          POOL_TAG('M', 'a', 'w', 'e')
#define MI_AWE_BITMAP_TAG       POOL_TAG('M', 'a', 'w', 'b')
#define MI_AWE_VIEW_TAG         POOL_TAG('M', 'a', 'w', 'v')
#define MI_AWE_ARRAY_TAG        POOL_TAG('M', 'a', 'w', 'a')
#define MI_MAGIC_AWE_PTEFRAME   0x1FFEDCBu      /* NT's 0xFFFFEDCB in the 25-bit PteFrame */
#define MI_AWE_STACK_PAGES      64              /* PFN arrays this long are copied on the stack */
#define MI_AWE_AVAILABLE_RESERVE MM_HIGH_LIMIT  /* pages AWE leaves the faults, past the minimum */
#define MI_USER_AWE_PTE         (MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK | MM_PTE_OWNER_MASK | \
                                 MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK)
#define MI_USER_LARGE_PDE       (MI_USER_AWE_PTE | MM_PTE_LARGE_PAGE_MASK)
#define MM_PAGES_PER_LARGE_PAGE (MM_VA_MAPPED_BY_PDE / PAGE_SIZE)
#define CPUID_EDX_PSE           (1u << 3)

typedef struct _AWEINFO {
    RTL_BITMAP *VadPhysicalPagesBitMap;
    uint32_t VadPhysicalPages;
    uint32_t VadPhysicalPagesLimit;     /* 0: none */
    MM_AVL_TABLE AweVadRoot;            /* the MEM_PHYSICAL regions' views */
} AWEINFO;

bool MiLargePagesSupported;             /* CPUID PSE, and CR4.PSE turned on */

/* Boot: CR4.PSE if the processor has it, and GetLargePageMinimum's value in the shared page. */
void MiInitializeLargePages(volatile NT_KUSER_SHARED_DATA *SharedData)
{
    uint32_t info[4];

    __cpuid(info, 0);
    if (info[0] < 1)
        return;
    __cpuid(info, 1);
    if (!(info[3] & CPUID_EDX_PSE))
        return;
    __writecr4(__readcr4() | CR4_PSE);
    MiLargePagesSupported = true;
    SharedData->LargePageMinimum = MM_VA_MAPPED_BY_PDE;
}

/* The process's AWEINFO, made (with its bitmap) if it has none. Address-creation lock held. */
static AWEINFO *MiGetAweInfo(MMPROCESS *Process)
{
    uint32_t bits = MmHighestPhysicalPage + 1;
    AWEINFO *info = Process->AweInfo;
    RTL_BITMAP *bitmap;

    if (info)
        return info;
    info = ExAllocatePoolWithTag(NonPagedPool, sizeof(*info), MI_AWEINFO_TAG);
    if (!info)
        return NULL;
    bitmap = ExAllocatePoolWithTag(NonPagedPool, sizeof(*bitmap) + (bits + 31) / 32 * 4,
                                   MI_AWE_BITMAP_TAG);
    if (!bitmap) {
        ExFreePoolWithTag(info, MI_AWEINFO_TAG);
        return NULL;
    }
    RtlInitializeBitMap(bitmap, (uint32_t *)(bitmap + 1), bits);
    RtlClearAllBits(bitmap);
    RtlZeroMemory(info, sizeof(*info));
    info->VadPhysicalPagesBitMap = bitmap;
    MiInitializeAvlTable(&info->AweVadRoot);
    Process->AweInfo = info;
    return info;
}

/* The view of a MEM_PHYSICAL region about to be reserved (NT's physical view); the process's
 * AWEINFO is made if need be. Address-creation lock held. */
NTSTATUS MiCreateAweView(MMPROCESS *Process, MI_PHYSICAL_VIEW **View)
{
    MI_PHYSICAL_VIEW *view;

    if (!MiGetAweInfo(Process))
        return STATUS_INSUFFICIENT_RESOURCES;
    view = ExAllocatePoolWithTag(NonPagedPool, sizeof(*view), MI_AWE_VIEW_TAG);
    if (!view)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(view, sizeof(*view));
    view->u.LongFlags = VadAwe;
    *View = view;
    return STATUS_SUCCESS;
}

void MiFreeAweView(MI_PHYSICAL_VIEW *View)
{
    ExFreePoolWithTag(View, MI_AWE_VIEW_TAG);
}

/* Vad (VadAwe, just inserted) gets its view. Address-creation lock held. */
void MiInsertAweView(MMPROCESS *Process, MMVAD_SHORT *Vad, MI_PHYSICAL_VIEW *View)
{
    View->Vad = Vad;
    View->Node.StartingVpn = Vad->Node.StartingVpn;
    View->Node.EndingVpn = Vad->Node.EndingVpn;
    MiInsertNode(&View->Node, &Process->AweInfo->AweVadRoot);
}

/* The AWE region holding all of [Start, End], or NULL. Address-creation lock held. */
static MI_PHYSICAL_VIEW *MiLocateAweView(AWEINFO *Info, uintptr_t Start, uintptr_t End)
{
    MMADDRESS_NODE *node = MiLocateAddressInTree(Start >> PAGE_SHIFT, &Info->AweVadRoot);

    if (!node || End < Start || (End >> PAGE_SHIFT) > node->EndingVpn)
        return NULL;
    return CONTAINING_RECORD(node, MI_PHYSICAL_VIEW, Node);
}

/* A mapped AWE PTE becomes zero: its page is mapped nowhere, its table loses a used entry (and
 * goes with the last). Working-set mutex held. */
static void MiUnmapAwePte(MMPROCESS *Process, uintptr_t Va)
{
    MMPTE *pte = MiGetPteAddress(Va);

    MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->PteAddress = NULL;
    pte->u.Long = MM_ZERO_PTE;
    MI_FLUSH_SINGLE_TB(Va);
    if (MiDecrementUsedPtes(Process, Va) == 0)
        MiDeletePageTableIfUnused(Process, Va);
}

/*
 * A MEM_PHYSICAL region (its VAD being deleted whole) maps nothing any more and loses its
 * view; the pages stay the process's. Address-creation lock and working-set mutex held.
 */
void MiRemoveAweVad(MMPROCESS *Process, MMVAD_SHORT *Vad)
{
    MI_PHYSICAL_VIEW *view = Process->AweInfo ?
        MiLocateAweView(Process->AweInfo, Vad->Node.StartingVpn << PAGE_SHIFT,
                        Vad->Node.StartingVpn << PAGE_SHIFT) : NULL;

    if (!view || view->Vad != Vad)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_WRITE_WATCH_VIEW, (uintptr_t)Vad,
                     (uintptr_t)view, Vad->Node.StartingVpn);
    for (uint32_t vpn = Vad->Node.StartingVpn; vpn <= Vad->Node.EndingVpn; vpn++) {
        uintptr_t va = (uintptr_t)vpn << PAGE_SHIFT;

        if (!MiGetPdeAddress(va)->u.Hard.Valid) {
            vpn |= MM_PAGES_PER_LARGE_PAGE - 1;
            continue;
        }
        if (MiGetPteAddress(va)->u.Hard.Valid)
            MiUnmapAwePte(Process, va);
        if ((vpn & (MM_PAGES_PER_LARGE_PAGE - 1)) == MM_PAGES_PER_LARGE_PAGE - 1 ||
            vpn == Vad->Node.EndingVpn)
            MiDeletePageTableIfUnused(Process, va);     /* a table made for nothing */
    }
    MiRemoveNode(&view->Node, &Process->AweInfo->AweVadRoot);
    MiFreeAweView(view);
}

/* One AWE page (or a large page's frame) back to the free list, its charges returned. PFN
 * lock held. */
void MiFreeAwePage(uint32_t Frame)
{
    MMPFN *pfn = MI_PFN_ELEMENT(Frame);

    pfn->u4.AweAllocation = 0;
    pfn->u4.PteFrame = 0;
    pfn->PteAddress = (MMPTE *)1;               /* deleted: to the free list */
    pfn->u2.ShareCount = 0;
    pfn->u3.e1.PageLocation = TransitionPage;
    MiDecrementReferenceCount(Frame);
    MiReturnResidentAvailable(1);
}

/*
 * At the process's end, its regions gone: every page it still owns is freed and its
 * commitment returned, and AWEINFO goes (NT's MiCleanPhysicalProcessPages). Address-creation
 * lock held.
 */
void MiCleanPhysicalProcessPages(MMPROCESS *Process)
{
    AWEINFO *info = Process->AweInfo;
    uint32_t freed = 0;
    KIRQL oldIrql;

    if (!info)
        return;
    if (info->AweVadRoot.NumberGenericTableElements != 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_WRITE_WATCH_VIEW, (uintptr_t)info,
                     info->AweVadRoot.NumberGenericTableElements, 1);
    LOCK_PFN(oldIrql);
    for (uint32_t frame = 0; frame <= MmHighestPhysicalPage; frame++) {
        if (RtlCheckBit(info->VadPhysicalPagesBitMap, frame)) {
            MiFreeAwePage(frame);
            freed++;
        }
    }
    UNLOCK_PFN(oldIrql);
    if (freed != info->VadPhysicalPages)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_PROCESS_COMMIT, (uintptr_t)info,
                     freed, info->VadPhysicalPages);
    MiReturnProcessCommitment(Process, freed);
    Process->AweInfo = NULL;
    ExFreePoolWithTag(info->VadPhysicalPagesBitMap, MI_AWE_BITMAP_TAG);
    ExFreePoolWithTag(info, MI_AWEINFO_TAG);
}

/* The PFN array of a service: Count entries of the previous mode's Array, in Buffer (the
 * caller's stack) or in pool (*Pool, to be freed). */
static NTSTATUS MiCaptureFrameArray(const uintptr_t *Array, uint32_t Count, uintptr_t *Buffer,
                                    uintptr_t **Captured, bool *Pool)
{
    uintptr_t *copy = Buffer;
    NTSTATUS status;

    *Pool = Count > MI_AWE_STACK_PAGES;
    if (*Pool) {
        copy = ExAllocatePoolWithTag(NonPagedPool, Count * sizeof(*copy), MI_AWE_ARRAY_TAG);
        if (!copy)
            return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = ExCaptureFromMode(ExGetPreviousMode(), copy, Array, Count * sizeof(*copy), 4);
    if (!NT_SUCCESS(status)) {
        if (*Pool)
            ExFreePoolWithTag(copy, MI_AWE_ARRAY_TAG);
        return status;
    }
    *Captured = copy;
    return STATUS_SUCCESS;
}

static void MiReleaseFrameArray(uintptr_t *Captured, bool Pool)
{
    if (Pool)
        ExFreePoolWithTag(Captured, MI_AWE_ARRAY_TAG);
}

/*
 * NT's ProbeForWrite of a user buffer: its range, and each of its pages written (with what it
 * holds), so that the frame numbers can be stored once the pages are taken.
 */
static NTSTATUS MiProbeForWriteArray(void *Array, uint32_t Length)
{
    uintptr_t va = (uintptr_t)Array, end = va + Length;
    NTSTATUS status;
    uint8_t byte;

    if (ExGetPreviousMode() != UserMode)
        return STATUS_SUCCESS;
    status = ProbeForWrite(Array, Length, 4);
    for (; NT_SUCCESS(status) && va < end; va = (va | (PAGE_SIZE - 1)) + 1) {
        status = ExCapture(&byte, (uint8_t *)va);
        if (NT_SUCCESS(status))
            status = ExReturn((uint8_t *)va, &byte);
    }
    return status;
}

/*
 * NtAllocateUserPhysicalPages: up to *NumberOfPages zeroed pages for the process, their frame
 * numbers in UserPfnArray, the count allocated (perhaps fewer) back in *NumberOfPages. Each is
 * charged a page of commitment and of resident-available memory; the allocation stops where
 * either runs out or available pages would fall to MI_AWE_AVAILABLE_RESERVE above
 * MmMinimumFreePages (the faults of every process still need pages), and none at all is
 * STATUS_INSUFFICIENT_RESOURCES.
 */
NTSTATUS NtAllocateUserPhysicalPages(void *ProcessHandle, uintptr_t *NumberOfPages,
                                     uintptr_t *UserPfnArray)
{
    uintptr_t requested, allocated = 0;
    MI_VM_CALL call;
    MMPROCESS *process;
    AWEINFO *info;
    NTSTATUS status;
    KIRQL oldIrql;

    status = ExCapture(&requested, NumberOfPages);
    if (NT_SUCCESS(status))
        status = ExReturn(NumberOfPages, &requested);
    if (!NT_SUCCESS(status))
        return status;
    if (requested == 0)
        return STATUS_SUCCESS;
    if (requested > 0xFFFFFFFFu / sizeof(uintptr_t))
        return STATUS_INVALID_PARAMETER_2;
    status = MiProbeForWriteArray(UserPfnArray, requested * sizeof(uintptr_t));
    if (!NT_SUCCESS(status))
        return status;
    if (!MiSinglePrivilegeCheck(SE_LOCK_MEMORY_PRIVILEGE))
        return STATUS_PRIVILEGE_NOT_HELD;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    process = call.Process;
    info = (process->Flags & PS_PROCESS_FLAGS_VM_DELETED) ? NULL : MiGetAweInfo(process);
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED) {
        status = STATUS_PROCESS_IS_TERMINATING;
    } else if (!info) {
        status = STATUS_INSUFFICIENT_RESOURCES;
    } else if (info->VadPhysicalPagesLimit &&
               info->VadPhysicalPages >= info->VadPhysicalPagesLimit) {
        status = STATUS_COMMITMENT_LIMIT;
    } else {
        if (info->VadPhysicalPagesLimit)
            requested = MIN(requested, info->VadPhysicalPagesLimit - info->VadPhysicalPages);
        while (allocated < requested &&
               NT_SUCCESS(MiChargeProcessCommitment(process, 1))) {
            uint32_t frame;
            MMPFN *pfn;

            LOCK_PFN(oldIrql);
            if (MmAvailablePages <= MmMinimumFreePages + MI_AWE_AVAILABLE_RESERVE ||
                !MiChargeResidentAvailable(1)) {
                UNLOCK_PFN(oldIrql);
                MiReturnProcessCommitment(process, 1);
                break;
            }
            frame = MiRemoveZeroPage();
            pfn = MI_PFN_ELEMENT(frame);
            pfn->PteAddress = NULL;
            pfn->OriginalPte.u.Long = MM_ZERO_PTE;
            pfn->u3.e2.ReferenceCount = 1;
            pfn->u2.ShareCount = 1;
            pfn->u3.e1.PageLocation = ActiveAndValid;
            pfn->u3.e1.Modified = 1;
            pfn->u3.e1.PrototypePte = 0;
            pfn->u4.PteFrame = MI_MAGIC_AWE_PTEFRAME;
            pfn->u4.AweAllocation = 1;
            UNLOCK_PFN(oldIrql);
            RtlSetBits(info->VadPhysicalPagesBitMap, frame, 1);
            info->VadPhysicalPages++;
            /* The array was probed; a page the caller cannot take back is still its own. */
            ExReturn(&UserPfnArray[allocated], &(uintptr_t){ frame });
            allocated++;
        }
        status = allocated ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
    }
    MiDetachVmProcess(&call);
    if (!NT_SUCCESS(status))
        return status;
    return ExReturn(NumberOfPages, &allocated);
}

/*
 * NtFreeUserPhysicalPages: the pages UserPfnArray names go back to the free list (unmapped
 * first where mapped) with their charges; *NumberOfPages comes back as the count freed. A
 * frame the process does not own stops the call there with STATUS_CONFLICTING_ADDRESSES.
 */
NTSTATUS NtFreeUserPhysicalPages(void *ProcessHandle, uintptr_t *NumberOfPages,
                                 uintptr_t *UserPfnArray)
{
    uintptr_t count, freed = 0, stack[MI_AWE_STACK_PAGES], *frames;
    MI_VM_CALL call;
    MMPROCESS *process;
    AWEINFO *info;
    NTSTATUS status;
    KIRQL oldIrql;
    bool pool;

    status = ExCapture(&count, NumberOfPages);
    if (NT_SUCCESS(status))
        status = ExReturn(NumberOfPages, &count);
    if (!NT_SUCCESS(status))
        return status;
    if (count == 0)
        return STATUS_SUCCESS;
    if (count > 0xFFFFFFFFu / sizeof(uintptr_t))
        return STATUS_INVALID_PARAMETER_2;
    status = MiCaptureFrameArray(UserPfnArray, count, stack, &frames, &pool);
    if (!NT_SUCCESS(status))
        return status;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status)) {
        MiReleaseFrameArray(frames, pool);
        return status;
    }
    process = call.Process;
    info = process->AweInfo;
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED) {
        status = STATUS_PROCESS_IS_TERMINATING;
    } else if (!info) {
        status = STATUS_INVALID_PARAMETER_1;
    } else {
        status = STATUS_SUCCESS;
        MiLockWorkingSet(&process->Vm);
        for (; freed < count; freed++) {
            uintptr_t frame = frames[freed];
            MMPFN *pfn;

            if (frame > MmHighestPhysicalPage || !RtlCheckBit(info->VadPhysicalPagesBitMap, frame)) {
                status = STATUS_CONFLICTING_ADDRESSES;
                break;
            }
            pfn = MI_PFN_ELEMENT(frame);
            if (pfn->PteAddress)
                MiUnmapAwePte(process, (uintptr_t)MiGetVirtualAddressMappedByPte(pfn->PteAddress));
            RtlClearBits(info->VadPhysicalPagesBitMap, frame, 1);
            info->VadPhysicalPages--;
            LOCK_PFN(oldIrql);
            MiFreeAwePage(frame);
            UNLOCK_PFN(oldIrql);
        }
        MiUnlockWorkingSet(&process->Vm);
        MiReturnProcessCommitment(process, freed);
    }
    MiDetachVmProcess(&call);
    MiReleaseFrameArray(frames, pool);
    if (status == STATUS_SUCCESS || status == STATUS_CONFLICTING_ADDRESSES)
        ExReturn(NumberOfPages, &freed);            /* how many went, even on the failure */
    return status;
}

/*
 * The map calls' common part: Count PTEs, the i-th at Addresses[i] (or VirtualAddress + i
 * pages when Addresses is NULL), get Frames[i] (or zero when Frames is NULL), all inside the
 * process's MEM_PHYSICAL regions (STATUS_INVALID_PARAMETER_1 otherwise). Every frame is
 * checked before any PTE changes: one the process does not own is
 * STATUS_CONFLICTING_ADDRESSES, one mapped elsewhere (or twice in the array)
 * STATUS_INVALID_PARAMETER_3.
 */
static NTSTATUS MiMapUserPhysicalPages(uintptr_t VirtualAddress, const uintptr_t *Addresses,
                                       uint32_t Count, const uintptr_t *Frames)
{
    MMPROCESS *process = MiGetProcess(KeGetCurrentProcess());
    uint32_t claimed = 0;
    NTSTATUS status = STATUS_SUCCESS;
    AWEINFO *info;

    if (!process)
        return STATUS_INVALID_PARAMETER_1;
    MiLockAddressSpace(&process->AddressSpace);
    info = process->AweInfo;
    if (!info || (process->Flags & PS_PROCESS_FLAGS_VM_DELETED)) {
        MiUnlockAddressSpace(&process->AddressSpace);
        return STATUS_INVALID_PARAMETER_1;
    }
    for (uint32_t i = 0; i < Count; i++) {
        uintptr_t va = Addresses ? Addresses[i] & ~(uintptr_t)(PAGE_SIZE - 1)
                                 : VirtualAddress + i * PAGE_SIZE;

        if (!MiLocateAweView(info, va, va)) {
            MiUnlockAddressSpace(&process->AddressSpace);
            return STATUS_INVALID_PARAMETER_1;
        }
    }
    MiLockWorkingSet(&process->Vm);
    /* Check and claim each frame (PteAddress: the PTE it will be at); undone on failure. */
    for (uint32_t i = 0; Frames && i < Count; i++, claimed++) {
        uintptr_t va = Addresses ? Addresses[i] & ~(uintptr_t)(PAGE_SIZE - 1)
                                 : VirtualAddress + i * PAGE_SIZE;
        MMPTE *pte = MiGetPteAddress(va);
        MMPFN *pfn;

        if (Frames[i] > MmHighestPhysicalPage ||
            !RtlCheckBit(info->VadPhysicalPagesBitMap, Frames[i])) {
            status = STATUS_CONFLICTING_ADDRESSES;
            break;
        }
        pfn = MI_PFN_ELEMENT(Frames[i]);
        if (pfn->PteAddress && pfn->PteAddress != pte) {
            status = STATUS_INVALID_PARAMETER_3;        /* mapped elsewhere, or twice here */
            break;
        }
        if (!MiMakePdeExistAndMakeValid(process, va)) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
        if (pfn->PteAddress == NULL)
            pfn->PteAddress = pte;
    }
    if (!NT_SUCCESS(status)) {
        for (uint32_t i = 0; i < claimed; i++) {
            uintptr_t va = Addresses ? Addresses[i] & ~(uintptr_t)(PAGE_SIZE - 1)
                                     : VirtualAddress + i * PAGE_SIZE;
            MMPTE *pte = MiGetPteAddress(va);
            MMPFN *pfn = MI_PFN_ELEMENT(Frames[i]);

            if (!(pte->u.Hard.Valid && pte->u.Hard.PageFrameNumber == Frames[i]))
                pfn->PteAddress = NULL;
        }
        for (uint32_t i = 0; i <= claimed && i < Count; i++)   /* a table made for nothing */
            MiDeletePageTableIfUnused(process, Addresses ? Addresses[i] : VirtualAddress + i * PAGE_SIZE);
        MiUnlockWorkingSet(&process->Vm);
        MiUnlockAddressSpace(&process->AddressSpace);
        return status;
    }
    for (uint32_t i = 0; i < Count; i++) {
        uintptr_t va = Addresses ? Addresses[i] & ~(uintptr_t)(PAGE_SIZE - 1)
                                 : VirtualAddress + i * PAGE_SIZE;
        MMPTE *pte = MiGetPteAddress(va);
        MMPTE old = { .u.Long = MM_ZERO_PTE };

        if (MiGetPdeAddress(va)->u.Hard.Valid)
            old = *pte;
        if (old.u.Hard.Valid && Frames && old.u.Hard.PageFrameNumber == Frames[i])
            continue;
        if (old.u.Hard.Valid) {
            MMPFN *oldPfn = MI_PFN_ELEMENT(old.u.Hard.PageFrameNumber);

            if (oldPfn->PteAddress == pte)
                oldPfn->PteAddress = NULL;
        }
        if (!Frames) {
            if (old.u.Hard.Valid) {
                pte->u.Long = MM_ZERO_PTE;
                MI_FLUSH_SINGLE_TB(va);
                if (MiDecrementUsedPtes(process, va) == 0)
                    MiDeletePageTableIfUnused(process, va);
            }
            continue;
        }
        MI_PFN_ELEMENT(Frames[i])->PteAddress = pte;
        pte->u.Long = (Frames[i] << PAGE_SHIFT) | MI_USER_AWE_PTE;
        if (old.u.Hard.Valid)
            MI_FLUSH_SINGLE_TB(va);
        else
            MiIncrementUsedPtes(process, va);
    }
    MiUnlockWorkingSet(&process->Vm);
    MiUnlockAddressSpace(&process->AddressSpace);
    return STATUS_SUCCESS;
}

/*
 * NtMapUserPhysicalPages: NumberOfPages pages from VirtualAddress (rounded down to a page)
 * map the frames of UserPfnArray, in order, or map nothing when it is NULL. A count of zero,
 * or one that runs the range past the top of the address space, is STATUS_INVALID_PARAMETER_2.
 */
NTSTATUS NtMapUserPhysicalPages(void *VirtualAddress, uintptr_t NumberOfPages,
                                uintptr_t *UserPfnArray)
{
    uintptr_t start = (uintptr_t)VirtualAddress & ~(uintptr_t)(PAGE_SIZE - 1);
    uintptr_t stack[MI_AWE_STACK_PAGES], *frames = NULL;
    NTSTATUS status;
    bool pool = false;

    if (NumberOfPages > 0xFFFFFFFFu / PAGE_SIZE ||
        start + NumberOfPages * PAGE_SIZE - 1 <= start)
        return STATUS_INVALID_PARAMETER_2;
    if (UserPfnArray) {
        status = MiCaptureFrameArray(UserPfnArray, NumberOfPages, stack, &frames, &pool);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = MiMapUserPhysicalPages(start, NULL, NumberOfPages, frames);
    if (frames)
        MiReleaseFrameArray(frames, pool);
    return status;
}

/*
 * NtMapUserPhysicalPagesScatter: the i-th of VirtualAddresses maps the i-th frame of
 * UserPfnArray (nothing when it is NULL). A count of zero or too large is
 * STATUS_INVALID_PARAMETER_2.
 */
NTSTATUS NtMapUserPhysicalPagesScatter(void **VirtualAddresses, uintptr_t NumberOfPages,
                                       uintptr_t *UserPfnArray)
{
    uintptr_t stackVa[MI_AWE_STACK_PAGES], stackPfn[MI_AWE_STACK_PAGES];
    uintptr_t *addresses, *frames = NULL;
    bool poolVa, poolPfn = false;
    NTSTATUS status;

    if (NumberOfPages == 0 || NumberOfPages > 0xFFFFFFFFu / PAGE_SIZE)
        return STATUS_INVALID_PARAMETER_2;
    status = MiCaptureFrameArray((const uintptr_t *)VirtualAddresses, NumberOfPages, stackVa,
                                 &addresses, &poolVa);
    if (!NT_SUCCESS(status))
        return status;
    if (UserPfnArray) {
        status = MiCaptureFrameArray(UserPfnArray, NumberOfPages, stackPfn, &frames, &poolPfn);
        if (!NT_SUCCESS(status)) {
            MiReleaseFrameArray(addresses, poolVa);
            return status;
        }
    }
    status = MiMapUserPhysicalPages(0, addresses, NumberOfPages, frames);
    if (frames)
        MiReleaseFrameArray(frames, poolPfn);
    MiReleaseFrameArray(addresses, poolVa);
    return status;
}

/* Large pages --------------------------------------------------------------------------- */

/* Can the 1024 frames from Base become a large page: all RAM, each free, zeroed or standby? */
static bool MiIsLargePageRunAvailable(uint32_t Base)
{
    if (Base < MmLowestPhysicalPage || Base + MM_PAGES_PER_LARGE_PAGE - 1 > MmHighestPhysicalPage)
        return false;
    for (uint32_t frame = Base; frame < Base + MM_PAGES_PER_LARGE_PAGE; frame++) {
        const MMPFN *pfn = MI_PFN_ELEMENT(frame);
        uint32_t location = pfn->u3.e1.PageLocation;

        if (!MiIsPhysicalMemory(frame) ||
            (location != FreePageList && location != ZeroedPageList &&
             location != StandbyPageList) || pfn->u3.e1.RemovalRequested)
            return false;
    }
    return true;
}

/* A 4 MB-aligned run of 1024 available frames, taken off their lists, each mapped by the
 * large PDE Pde (not yet written); 0 when none. PFN lock held. */
static uint32_t MiAllocateLargePageRun(MMPTE *Pde)
{
    for (uint32_t base = 0; base + MM_PAGES_PER_LARGE_PAGE - 1 <= MmHighestPhysicalPage;
         base += MM_PAGES_PER_LARGE_PAGE) {
        if (!MiIsLargePageRunAvailable(base))
            continue;
        if (MmAvailablePages < MM_PAGES_PER_LARGE_PAGE + MmMinimumFreePages ||
            !MiChargeResidentAvailable(MM_PAGES_PER_LARGE_PAGE))
            return 0;
        for (uint32_t frame = base; frame < base + MM_PAGES_PER_LARGE_PAGE; frame++) {
            MMPFN *pfn = MI_PFN_ELEMENT(frame);
            bool standby = pfn->u3.e1.PageLocation == StandbyPageList;

            MiUnlinkPageFromList(pfn);
            if (standby)
                MiRestoreTransitionPte(frame);
            pfn->PteAddress = Pde;
            pfn->OriginalPte.u.Long = MM_ZERO_PTE;
            pfn->u3.e2.ReferenceCount = 1;
            pfn->u2.ShareCount = 1;
            pfn->u3.e1.PageLocation = ActiveAndValid;
            pfn->u3.e1.Modified = 1;
            pfn->u3.e1.PrototypePte = 0;
            pfn->u4.PteFrame = MI_MAGIC_AWE_PTEFRAME;
        }
        return base;
    }
    return 0;
}

/* The frames of one large page back to the free list. PFN lock held. */
static void MiFreeLargePageRun(uint32_t Base)
{
    for (uint32_t frame = Base; frame < Base + MM_PAGES_PER_LARGE_PAGE; frame++)
        MiFreeAwePage(frame);
}

/*
 * A large page for a SEC_LARGE_PAGES section (NT's MiAllocateLargeZeroPages, one 4 MB run at a
 * time): 1024 contiguous, 4 MB-aligned, zeroed frames, each ActiveAndValid with one reference
 * and one share, resident-available charged; the caller makes them prototype pages. 0 when no
 * run is free. MiFreeLargeZeroPage gives one back before that.
 */
uint32_t MiAllocateLargeZeroPage(void)
{
    uint32_t base;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    base = MiAllocateLargePageRun(NULL);
    UNLOCK_PFN(oldIrql);
    for (uint32_t i = 0; base && i < MM_PAGES_PER_LARGE_PAGE; i++)
        MiZeroPhysicalPage(base + i);
    return base;
}

void MiFreeLargeZeroPage(uint32_t Base)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    MiFreeLargePageRun(Base);
    UNLOCK_PFN(oldIrql);
}

/* The user PDE that maps the large page at frame Base with Protection (MM_*: read-only or
 * read-write, and no-cache), PS set. */
MMPTE MiMakeLargeUserPde(uint32_t Base, uint32_t Protection)
{
    MMPTE pde = { .u.Long = (Base << PAGE_SHIFT) | MI_USER_LARGE_PDE };

    if (!MI_IS_WRITABLE_PROTECTION(Protection))
        pde.u.Long &= ~(MM_PTE_WRITE_MASK | MM_PTE_DIRTY_MASK);
    if (MI_IS_NOCACHE(Protection))
        pde.u.Long |= MM_PTE_CACHE_DISABLE_MASK;
    return pde;
}

/* The user PDE for Va about to map a large page: a page table left there empty by earlier
 * memory goes. Working-set mutex held. */
void MiPrepareLargePde(MMPROCESS *Process, uintptr_t Va)
{
    MMPTE *pde = MiGetPdeAddress(Va);

    if (!pde->u.Hard.Valid)
        return;
    if (pde->u.Hard.LargePage || Process->UsedPageTableEntries[MiGetPdeOffset(Va)] != 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE, Va, pde->u.Long,
                     Process->UsedPageTableEntries[MiGetPdeOffset(Va)]);
    MiDeletePageTableIfUnused(Process, Va);
}

/* [Start, End] (whole large pages) unmapped and freed. Working-set mutex held. */
static void MiFreeLargePages(uintptr_t Start, uintptr_t End)
{
    KIRQL oldIrql;

    for (uintptr_t va = Start; va <= End && va >= Start; va += MM_VA_MAPPED_BY_PDE) {
        MMPTE *pde = MiGetPdeAddress(va);
        uint32_t base;

        if (!pde->u.Hard.Valid || !pde->u.Hard.LargePage)
            continue;
        base = pde->u.Hard.PageFrameNumber;
        pde->u.Long = MM_ZERO_PTE;
        MI_FLUSH_SINGLE_TB(va);
        LOCK_PFN(oldIrql);
        MiFreeLargePageRun(base);
        UNLOCK_PFN(oldIrql);
    }
}

/* A large-page VAD being deleted whole: its pages freed, its commitment is the caller's to
 * return (the VAD's CommitCharge). Address-creation lock and working-set mutex held. */
void MiRemoveLargePageVad(MMPROCESS *Process, MMVAD_SHORT *Vad)
{
    (void)Process;
    MiFreeLargePages(Vad->Node.StartingVpn << PAGE_SHIFT,
                     (Vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1));
}

/*
 * MEM_LARGE_PAGES (NT's MiAllocateLargePages): a region of whole large pages, found (Base 0)
 * or at Base, committed, each 4 MB a zeroed run of contiguous frames under one PS PDE. The
 * caller checked the privilege. Address-creation lock held.
 */
NTSTATUS MiAllocateLargePages(MMPROCESS *Process, uintptr_t *Base, uint32_t *Size,
                              uint32_t ZeroBits, uint32_t AllocationType, uint32_t Protection)
{
    uintptr_t start, end, top = MM_HIGHEST_VAD_ADDRESS;
    uint32_t pages, done = 0;
    MMVAD_SHORT *vad;
    NTSTATUS status;
    KIRQL oldIrql;

    if (!MiLargePagesSupported)
        return STATUS_NOT_SUPPORTED;
    if ((*Size & (MM_VA_MAPPED_BY_PDE - 1)) || (*Base & (MM_VA_MAPPED_BY_PDE - 1)))
        return STATUS_INVALID_PARAMETER;
    if (Protection != MM_READWRITE && Protection != MM_EXECUTE_READWRITE &&
        Protection != MM_READONLY && Protection != MM_EXECUTE_READ)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (*Base == 0) {
        if (ZeroBits != 0) {
            top = 0xFFFFFFFFu >> ZeroBits;
            if (top > MM_HIGHEST_VAD_ADDRESS)
                return STATUS_INVALID_PARAMETER_3;
        }
        if ((AllocationType & MEM_TOP_DOWN) || (Process->Flags & PS_PROCESS_FLAGS_VM_TOP_DOWN))
            status = MiFindEmptyAddressRangeDown(&Process->AddressSpace.VadRoot, *Size,
                                                 MM_VA_MAPPED_BY_PDE, 0, top, &start);
        else
            status = MiFindEmptyAddressRange(&Process->AddressSpace.VadRoot, *Size,
                                             MM_VA_MAPPED_BY_PDE, 0, top, &start);
        if (!NT_SUCCESS(status))
            return STATUS_NO_MEMORY;
    } else {
        start = *Base;
    }
    end = start + *Size - 1;
    if (end > top || end < start)
        return STATUS_NO_MEMORY;
    if (MiCheckForConflictingVad(&Process->AddressSpace, start, end))
        return STATUS_CONFLICTING_ADDRESSES;
    pages = *Size / PAGE_SIZE;
    vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), POOL_TAG('V', 'a', 'd', 'S'));
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = MiChargeProcessCommitment(Process, pages);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(vad, POOL_TAG('V', 'a', 'd', 'S'));
        return status;
    }
    MiLockWorkingSet(&Process->Vm);
    for (uintptr_t va = start; va <= end && va >= start; va += MM_VA_MAPPED_BY_PDE, done++) {
        MMPTE *pde = MiGetPdeAddress(va);
        uint32_t base;

        MiPrepareLargePde(Process, va);
        LOCK_PFN(oldIrql);
        base = MiAllocateLargePageRun(pde);
        UNLOCK_PFN(oldIrql);
        if (base == 0)
            break;
        for (uint32_t i = 0; i < MM_PAGES_PER_LARGE_PAGE; i++)
            MiZeroPhysicalPage(base + i);
        *pde = MiMakeLargeUserPde(base, Protection);
    }
    if (done != pages / MM_PAGES_PER_LARGE_PAGE) {
        if (done)
            MiFreeLargePages(start, start + done * MM_VA_MAPPED_BY_PDE - 1);
        MiUnlockWorkingSet(&Process->Vm);
        MiReturnProcessCommitment(Process, pages);
        ExFreePoolWithTag(vad, POOL_TAG('V', 'a', 'd', 'S'));
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(vad, sizeof(*vad));
    vad->Node.StartingVpn = start >> PAGE_SHIFT;
    vad->Node.EndingVpn = end >> PAGE_SHIFT;
    vad->u.VadFlags.PrivateMemory = 1;
    vad->u.VadFlags.MemCommit = 1;
    vad->u.VadFlags.VadType = VadLargePages;
    vad->u.VadFlags.Protection = Protection;
    vad->u.VadFlags.CommitCharge = pages;
    MiInsertVad(&Process->AddressSpace, vad);
    MiUnlockWorkingSet(&Process->Vm);
    Process->VirtualSize += *Size;
    Process->PeakVirtualSize = MAX(Process->PeakVirtualSize, Process->VirtualSize);
    *Base = start;
    return STATUS_SUCCESS;
}

/* The protection of a mapped AWE page at Va, as its PTE says: a kernel-owned PTE is no
 * access, a read-only one read-only (NT's queryvm.c). Working-set mutex held. */
uint32_t MiQueryAwePageProtection(uintptr_t Va)
{
    MMPTE pte = *MiGetPteAddress(Va);

    if (!pte.u.Hard.Owner)
        return MM_NOACCESS;
    return pte.u.Hard.Write ? MM_READWRITE : MM_READONLY;
}

/*
 * NtProtectVirtualMemory over an AWE region (NT's MiProtectAweRegion): no access, read-only or
 * read-write only (else STATUS_CONFLICTING_ADDRESSES); the pages mapped in [Start, End] get it
 * in their PTEs (no access: a kernel-owned PTE, which a user access faults on). Pages mapped
 * later are read-write again. *OldProtection: the first page's (read-write if unmapped).
 * Address-creation lock held.
 */
NTSTATUS MiProtectAweRegion(MMPROCESS *Process, uintptr_t Start, uintptr_t End,
                            uint32_t Protection, uint32_t *OldProtection)
{
    if (Protection != MM_NOACCESS && Protection != MM_READONLY && Protection != MM_READWRITE)
        return STATUS_CONFLICTING_ADDRESSES;
    MiLockWorkingSet(&Process->Vm);
    *OldProtection = MM_READWRITE;
    for (uintptr_t va = Start; va <= End && va >= Start; va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);

        if (!MiGetPdeAddress(va)->u.Hard.Valid || !pte->u.Hard.Valid)
            continue;
        if (va == Start)
            *OldProtection = MiQueryAwePageProtection(va);
        pte->u.Long = (pte->u.Long & ~(MM_PTE_OWNER_MASK | MM_PTE_WRITE_MASK)) |
                      (Protection == MM_NOACCESS ? 0 : MM_PTE_OWNER_MASK) |
                      (Protection == MM_READWRITE ? MM_PTE_WRITE_MASK : 0);
        MI_FLUSH_SINGLE_TB(va);
    }
    MiUnlockWorkingSet(&Process->Vm);
    return STATUS_SUCCESS;
}
