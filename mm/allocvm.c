/*
 * mm/allocvm.c: NtAllocateVirtualMemory (NT's allocvm.c): reserving address space in a process
 * (a VAD) and committing pages in it, with NT's checks in NT's order (nt-mm-facts §7):
 *
 *   reserve   Base NULL: a free 64 KB-aligned range found bottom-up (or top-down, MEM_TOP_DOWN)
 *             below 0xFFFFFFFF >> ZeroBits; Base given: rounded DOWN to 64 KB, the end up to a
 *             page; overlapping another VAD is STATUS_CONFLICTING_ADDRESSES. With MEM_COMMIT
 *             the whole region is committed at once (MemCommit: a zero PTE is committed).
 *             MEM_WRITE_WATCH (with MEM_RESERVE only) gives the private VAD a write-watch
 *             view (wrtwatch.c) and makes it VadWriteWatch.
 *   commit    Base given without MEM_RESERVE: rounded out to pages, all inside one VAD, each
 *             page not yet committed gets a demand-zero PTE with the protection; committing
 *             again with another protection changes it.
 *   reset     MEM_RESET: rounded inward; the pages' contents need not be kept: dirty pages
 *             become clean and lose their paging-file copy (a write-watch region still
 *             reports them as written).
 *
 * Commitment is charged to the process and the system before anything changes, so a commit
 * past the limit (STATUS_COMMITMENT_LIMIT) changes nothing. The page tables a reservation spans
 * are charged once each (mmsup.c).
 *
 * Locks: the address space's AddressCreationLock for the whole call; the working-set mutex as
 * well while VADs or PTEs change (the fault path reads both under that mutex only).
 */
#include "mm/mi.h"

#define MI_VAD_TAG              POOL_TAG('V', 'a', 'd', 'S')
#define MM_VALID_ALLOCATION_TYPES (MEM_COMMIT | MEM_RESERVE | MEM_PHYSICAL | MEM_LARGE_PAGES | \
                                   MEM_TOP_DOWN | MEM_RESET | MEM_WRITE_WATCH)

static MM_PROCESS_CALLOUTS MiProcessCallouts;

void MmSetProcessCallouts(const MM_PROCESS_CALLOUTS *Callouts)
{
    MiProcessCallouts = *Callouts;
}

/* The process a handle names, referenced, with the access asked; attached to by the caller. */
NTSTATUS MiReferenceProcess(void *ProcessHandle, uint32_t DesiredAccess, KPROCESS **Process)
{
    if (!MiProcessCallouts.ReferenceProcessByHandle)
        return STATUS_INVALID_HANDLE;
    return MiProcessCallouts.ReferenceProcessByHandle(ProcessHandle, DesiredAccess, Process);
}

void MiDereferenceProcess(KPROCESS *Process)
{
    MiProcessCallouts.DereferenceProcess(Process);
}

/*
 * What every VM service does around its work: the process a handle names, referenced with the
 * access asked, attached to, its address space locked. A handle to the system process (which
 * has no user space) is STATUS_INVALID_PARAMETER_1. MiDetachVmProcess undoes it all.
 */
NTSTATUS MiAttachVmProcess(void *ProcessHandle, uint32_t DesiredAccess, MI_VM_CALL *Call)
{
    NTSTATUS status = MiReferenceProcess(ProcessHandle, DesiredAccess, &Call->KProcess);

    if (!NT_SUCCESS(status))
        return status;
    Call->Process = MiGetProcess(Call->KProcess);
    if (!Call->Process) {
        MiDereferenceProcess(Call->KProcess);
        return STATUS_INVALID_PARAMETER_1;
    }
    KeStackAttachProcess(Call->KProcess, &Call->ApcState);
    MiLockAddressSpace(&Call->Process->AddressSpace);
    return STATUS_SUCCESS;
}

void MiDetachVmProcess(MI_VM_CALL *Call)
{
    MiUnlockAddressSpace(&Call->Process->AddressSpace);
    KeUnstackDetachProcess(&Call->ApcState);
    MiDereferenceProcess(Call->KProcess);
}

/* The private or mapped VAD that holds all of [Start, End], or NULL. */
MMVAD_SHORT *MiLocateVadForRange(MMADDRESS_SPACE *Space, uintptr_t Start, uintptr_t End)
{
    MMVAD_SHORT *vad = Start <= End ? MiCheckForConflictingVad(Space, Start, End) : NULL;

    if (!vad || (vad->Node.StartingVpn << PAGE_SHIFT) > Start ||
        ((vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1)) < End)
        return NULL;
    return vad;
}

bool MiSinglePrivilegeCheck(uint32_t Privilege)
{
    return MiProcessCallouts.SinglePrivilegeCheck &&
           MiProcessCallouts.SinglePrivilegeCheck(Privilege);
}

/* NT's MiMakeProtectionMask: one base protection, and the modifiers that may go with it. */
uint32_t MiMakeProtectionMask(uint32_t Win32Protect)
{
    static const struct { uint32_t Win32, Mm; } base[] = {
        { PAGE_NOACCESS, MM_NOACCESS }, { PAGE_READONLY, MM_READONLY },
        { PAGE_READWRITE, MM_READWRITE }, { PAGE_WRITECOPY, MM_WRITECOPY },
        { PAGE_EXECUTE, MM_EXECUTE }, { PAGE_EXECUTE_READ, MM_EXECUTE_READ },
        { PAGE_EXECUTE_READWRITE, MM_EXECUTE_READWRITE },
        { PAGE_EXECUTE_WRITECOPY, MM_EXECUTE_WRITECOPY },
    };
    uint32_t modifiers = Win32Protect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE);
    uint32_t mask = MM_INVALID_PROTECTION;

    if (Win32Protect & ~(0xFFu | PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE))
        return MM_INVALID_PROTECTION;
    for (size_t i = 0; i < ARRAYSIZE(base); i++) {
        if ((Win32Protect & 0xFF) == base[i].Win32)
            mask = base[i].Mm;
    }
    if (mask == MM_INVALID_PROTECTION)
        return MM_INVALID_PROTECTION;
    if (modifiers && mask == MM_NOACCESS)
        return MM_INVALID_PROTECTION;
    switch (modifiers) {
    case 0:
        return mask;
    case PAGE_GUARD:
        return mask | MM_GUARD_PAGE;
    case PAGE_NOCACHE:
        return mask | MM_NOCACHE;
    case PAGE_WRITECOMBINE:
        return mask | MM_WRITECOMBINE;
    default:
        return MM_INVALID_PROTECTION;
    }
}

/* NT's MmProtectToValue: an MM_* code back to PAGE_*. */
uint32_t MiProtectToWin32(uint32_t Protection)
{
    static const uint32_t value[8] = {
        PAGE_NOACCESS, PAGE_READONLY, PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_READWRITE,
        PAGE_WRITECOPY, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY,
    };
    uint32_t operation = Protection & MM_PROTECTION_OPERATION_MASK;

    switch (Protection >> 3) {
    case 0:
        return value[operation];
    case 1:
        return value[operation] | PAGE_NOCACHE;
    case 2:
        return operation ? (value[operation] | PAGE_GUARD) : PAGE_NOACCESS;
    default:
        return operation ? (value[operation] | PAGE_WRITECOMBINE) : PAGE_NOACCESS;
    }
}

/* Is the page at Va committed? (The PTE, or for a missing page table, the VAD; in a view, a
 * page of its own or else its prototype PTE, which is 0 until the section's page is.) */
bool MiIsPageCommitted(const MMVAD_SHORT *Vad, uintptr_t Va)
{
    MMPTE pte = { .u.Long = MM_ZERO_PTE };

    if (Vad->u.VadFlags.VadType == VadLargePages || Vad->u.VadFlags.VadType == VadLargePageSection)
        return true;                            /* all of it, under PS PDEs */
    if (MiGetPdeAddress(Va)->u.Hard.Valid)
        pte = *MiGetPteAddress(Va);
    if (Vad->u.VadFlags.VadType == VadAwe)
        return pte.u.Hard.Valid;                /* an AWE page mapped there */
    if (!Vad->u.VadFlags.PrivateMemory) {
        MMPTE *proto = MiGetProtoPteAddress((const MMVAD *)Vad, Va);

        if (pte.u.Long != MM_ZERO_PTE && (pte.u.Hard.Valid || !pte.u.Soft.Prototype))
            return true;
        return proto && ((volatile MMPTE *)proto)->u.Long != MM_ZERO_PTE;
    }
    if (pte.u.Long == MM_ZERO_PTE)
        return Vad->u.VadFlags.MemCommit;
    return pte.u.Long != MM_DECOMMITTED_PTE;
}

/*
 * Commit [Start, End] inside Vad with Protection: charge the pages not yet committed, then write
 * their PTEs. Pages already committed with another protection make ChangeProtection true.
 * Address-creation lock held; takes the working-set mutex.
 */
static NTSTATUS MiCommitPages(MMPROCESS *Process, MMVAD_SHORT *Vad, uintptr_t Start,
                              uintptr_t End, uint32_t Protection, bool *ChangeProtection)
{
    uint32_t uncommitted = 0;
    NTSTATUS status;

    *ChangeProtection = false;
    MiLockWorkingSet(&Process->Vm);
    for (uintptr_t va = Start; va <= End && va >= Start; va += PAGE_SIZE)
        uncommitted += !MiIsPageCommitted(Vad, va);
    status = MiChargeProcessCommitment(Process, uncommitted);
    if (!NT_SUCCESS(status)) {
        MiUnlockWorkingSet(&Process->Vm);
        return status;
    }
    for (uintptr_t va = Start; va <= End && va >= Start; va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);

        if (!MiIsPageCommitted(Vad, va)) {
            if (!MiMakePdeExistAndMakeValid(Process, va)) {
                /* Charged for the pages still to come: give that back and stop. */
                uint32_t left = 0;

                for (uintptr_t rest = va; rest <= End && rest >= va; rest += PAGE_SIZE)
                    left += !MiIsPageCommitted(Vad, rest);
                MiReturnProcessCommitment(Process, left);
                Vad->u.VadFlags.CommitCharge += uncommitted - left;
                MiUnlockWorkingSet(&Process->Vm);
                return STATUS_NO_MEMORY;
            }
            if (pte->u.Long == MM_ZERO_PTE)
                MiIncrementUsedPtes(Process, va);
            pte->u.Long = Protection << MM_PROTECT_FIELD_SHIFT;
        } else {
            uint32_t current;

            if (!MiGetPdeAddress(va)->u.Hard.Valid || pte->u.Long == MM_ZERO_PTE)
                current = Vad->u.VadFlags.Protection;
            else if (pte->u.Hard.Valid)
                current = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->OriginalPte.u.Soft.Protection;
            else
                current = pte->u.Soft.Protection;
            if (current != Protection)
                *ChangeProtection = true;
        }
    }
    Vad->u.VadFlags.CommitCharge += uncommitted;
    MiUnlockWorkingSet(&Process->Vm);
    return STATUS_SUCCESS;
}

NTSTATUS MiCommitUserPages(MMPROCESS *Process, uintptr_t Start, uint32_t Size, uint32_t Protection)
{
    uintptr_t end = Start + Size - 1;
    MMVAD_SHORT *vad;
    bool change;
    NTSTATUS status;

    MiLockAddressSpace(&Process->AddressSpace);
    vad = MiLocateVadForRange(&Process->AddressSpace, Start, end);
    if (!vad) {
        MiUnlockAddressSpace(&Process->AddressSpace);
        return STATUS_CONFLICTING_ADDRESSES;
    }
    status = MiCommitPages(Process, vad, Start, end, Protection, &change);
    if (NT_SUCCESS(status) && change)
        status = MiSetProtectionOnPages(Process, vad, Start, end, Protection, NULL);
    MiUnlockAddressSpace(&Process->AddressSpace);
    return status;
}

/*
 * Committing in a view (NT's allocvm.c for a section): the pages of the section not yet
 * committed (SEC_RESERVE) are, for every view of it, the system commitment charged for them;
 * then this view's pages get Protection, whatever the view's own was (Windows lets a commit
 * change it so). A view of a data file is STATUS_ALREADY_COMMITTED. Address-creation lock held.
 */
static NTSTATUS MiCommitView(MMPROCESS *Process, MMVAD *Vad, uintptr_t Start, uintptr_t End,
                             uint32_t Protection)
{
    MMPTE *first = MiGetProtoPteAddress(Vad, Start), *last = MiGetProtoPteAddress(Vad, End);
    uint32_t committed;
    NTSTATUS status;

    if (!first || !last)
        return STATUS_CONFLICTING_ADDRESSES;
    if (MiIsDataControlArea(Vad->ControlArea))  /* a file's pages are its file's: NT's answer */
        return STATUS_ALREADY_COMMITTED;
    ExAcquireFastMutex(&MmSectionCommitMutex);
    status = MiCommitSegmentPtes(Vad->ControlArea->Segment, first, last, &committed);
    ExReleaseFastMutex(&MmSectionCommitMutex);
    if (!NT_SUCCESS(status))
        return status;
    MiSetProtectionOnPages(Process, &Vad->Core, Start, End, Protection, NULL);
    return STATUS_SUCCESS;
}

/* MEM_RESET: the pages' contents may be thrown away; nothing is zeroed now. A view's pages
 * are the section's, which other processes may see: they are left as they are. */
static void MiResetVirtualMemory(MMPROCESS *Process, uintptr_t Start, uintptr_t End)
{
    KIRQL oldIrql;

    MiLockWorkingSet(&Process->Vm);
    for (uintptr_t va = Start; va <= End && va >= Start; va += PAGE_SIZE) {
        MMPTE *pte;
        MMPFN *pfn;

        if (!MiGetPdeAddress(va)->u.Hard.Valid) {
            va |= MM_VA_MAPPED_BY_PDE - PAGE_SIZE;
            continue;
        }
        pte = MiGetPteAddress(va);
        LOCK_PFN(oldIrql);
        if (pte->u.Hard.Valid && MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->u3.e1.PrototypePte) {
            /* A fork's shared page: the other process still needs its contents. */
        } else if (pte->u.Hard.Valid) {
            pfn = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber);
            if (__atomic_fetch_and(&pte->u.Long, ~MM_PTE_DIRTY_MASK, __ATOMIC_SEQ_CST) &
                MM_PTE_DIRTY_MASK)
                MiCaptureWriteWatchDirtyBit(Process, va);
            MI_FLUSH_SINGLE_TB(va);
            pfn->u3.e1.Modified = 0;
            MiReleasePageFileSpace(pfn->OriginalPte);
            pfn->OriginalPte.u.Long &= ~0xFFFFF01Eu;   /* demand zero, protection kept */
        } else if (pte->u.Soft.Transition && !pte->u.Soft.Prototype) {
            pfn = MI_PFN_ELEMENT(pte->u.Trans.PageFrameNumber);
            if (pfn->u3.e1.PageLocation == ModifiedPageList && pfn->u3.e2.ReferenceCount == 0) {
                MiUnlinkPageFromList(pfn);
                pfn->u3.e1.PageLocation = TransitionPage;  /* off its list, as the insert expects */
                pfn->u3.e1.Modified = 0;
                MiReleasePageFileSpace(pfn->OriginalPte);
                pfn->OriginalPte.u.Long &= ~0xFFFFF01Eu;
                MiInsertPageInList(&MmStandbyPageListHead, pte->u.Trans.PageFrameNumber);
            }
        } else if (!pte->u.Soft.Prototype && pte->u.Soft.PageFileHigh != 0) {
            MiReleasePageFileSpace(*pte);
            pte->u.Long &= ~0xFFFFF01Eu;
        }
        UNLOCK_PFN(oldIrql);
    }
    MiUnlockWorkingSet(&Process->Vm);
}

static NTSTATUS MiReserve(MMPROCESS *Process, uintptr_t *Base, uint32_t *Size, uint32_t ZeroBits,
                          uint32_t AllocationType, uint32_t Protection)
{
    uintptr_t start, end, top = MM_HIGHEST_VAD_ADDRESS;
    MI_PHYSICAL_VIEW *view = NULL;
    uint32_t pages;
    MMVAD_SHORT *vad;
    NTSTATUS status;

    if (MI_IS_COPY_ON_WRITE(Protection))
        return STATUS_INVALID_PAGE_PROTECTION;
    if (*Base == 0) {
        uint32_t size = ROUND_TO_PAGES(*Size);

        if (ZeroBits != 0) {
            top = 0xFFFFFFFFu >> ZeroBits;
            if (top > MM_HIGHEST_VAD_ADDRESS)
                return STATUS_INVALID_PARAMETER_3;
        }
        if ((AllocationType & MEM_TOP_DOWN) || (Process->Flags & PS_PROCESS_FLAGS_VM_TOP_DOWN))
            status = MiFindEmptyAddressRangeDown(&Process->AddressSpace.VadRoot, size,
                                                 MM_ALLOCATION_GRANULARITY, 0, top, &start);
        else
            status = MiFindEmptyAddressRange(&Process->AddressSpace.VadRoot, size,
                                             MM_ALLOCATION_GRANULARITY, 0, top, &start);
        if (!NT_SUCCESS(status))
            return STATUS_NO_MEMORY;
        end = start + size - 1;
        if (end > top)
            return STATUS_NO_MEMORY;
    } else {
        start = *Base & ~(uintptr_t)(MM_ALLOCATION_GRANULARITY - 1);
        end = (*Base + *Size - 1) | (PAGE_SIZE - 1);
        if (MiCheckForConflictingVad(&Process->AddressSpace, start, end))
            return STATUS_CONFLICTING_ADDRESSES;
    }
    pages = (uint32_t)((end - start + 1) / PAGE_SIZE);
    vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MI_VAD_TAG);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (AllocationType & (MEM_WRITE_WATCH | MEM_PHYSICAL)) {
        status = (AllocationType & MEM_PHYSICAL) ? MiCreateAweView(Process, &view)
                                                 : MiCreateWriteWatchView(Process, pages, &view);
        if (!NT_SUCCESS(status)) {
            ExFreePoolWithTag(vad, MI_VAD_TAG);
            return status;
        }
    }
    RtlZeroMemory(vad, sizeof(*vad));
    vad->Node.StartingVpn = start >> PAGE_SHIFT;
    vad->Node.EndingVpn = end >> PAGE_SHIFT;
    vad->u.VadFlags.PrivateMemory = 1;
    vad->u.VadFlags.Protection = Protection;
    if (AllocationType & MEM_WRITE_WATCH)
        vad->u.VadFlags.VadType = VadWriteWatch;
    if (AllocationType & MEM_PHYSICAL)
        vad->u.VadFlags.VadType = VadAwe;
    status = MiChargePageTableCommitment(Process, start, end);
    if (NT_SUCCESS(status) && (AllocationType & MEM_COMMIT)) {
        status = MiChargeProcessCommitment(Process, pages);
        if (NT_SUCCESS(status)) {
            vad->u.VadFlags.MemCommit = 1;
            vad->u.VadFlags.CommitCharge = pages;
        }
    }
    if (!NT_SUCCESS(status)) {
        if (view && (AllocationType & MEM_PHYSICAL))
            MiFreeAweView(view);
        else if (view)
            MiFreeWriteWatchView(view);
        ExFreePoolWithTag(vad, MI_VAD_TAG);
        return status;
    }
    MiLockWorkingSet(&Process->Vm);
    MiInsertVad(&Process->AddressSpace, vad);
    if (view && (AllocationType & MEM_PHYSICAL))
        MiInsertAweView(Process, vad, view);
    else if (view)
        MiInsertWriteWatchView(Process, vad, view);
    MiUnlockWorkingSet(&Process->Vm);
    Process->VirtualSize += pages * PAGE_SIZE;
    Process->PeakVirtualSize = MAX(Process->PeakVirtualSize, Process->VirtualSize);
    *Base = start;
    *Size = pages * PAGE_SIZE;
    return STATUS_SUCCESS;
}

NTSTATUS NtAllocateVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t ZeroBits,
                                 uint32_t *RegionSize, uint32_t AllocationType, uint32_t Protect)
{
    uint32_t protection, size;
    uintptr_t base, start, end;
    MI_VM_CALL call;
    MMPROCESS *process;
    MMVAD_SHORT *vad;
    NTSTATUS status;
    bool change;

    if (ZeroBits > MM_MAXIMUM_ZERO_BITS)
        return STATUS_INVALID_PARAMETER_3;
    if ((AllocationType & ~MM_VALID_ALLOCATION_TYPES) ||
        !(AllocationType & (MEM_COMMIT | MEM_RESERVE | MEM_RESET)) ||
        ((AllocationType & MEM_RESET) && AllocationType != MEM_RESET) ||
        ((AllocationType & MEM_LARGE_PAGES) &&
         (!(AllocationType & MEM_COMMIT) || (AllocationType & (MEM_PHYSICAL | MEM_WRITE_WATCH)))) ||
        ((AllocationType & MEM_WRITE_WATCH) &&
         ((AllocationType & MEM_PHYSICAL) || !(AllocationType & MEM_RESERVE))) ||
        ((AllocationType & MEM_PHYSICAL) &&
         (!(AllocationType & MEM_RESERVE) || (AllocationType & ~(MEM_RESERVE | MEM_TOP_DOWN | MEM_PHYSICAL)))))
        return STATUS_INVALID_PARAMETER_5;
    if ((AllocationType & MEM_PHYSICAL) && Protect != PAGE_READWRITE)
        return STATUS_INVALID_PARAMETER_6;
    protection = MiMakeProtectionMask(Protect);
    if (protection == MM_INVALID_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    status = ExCapture(&base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExCapture(&size, RegionSize);
    if (!NT_SUCCESS(status))
        return status;
    if (base > MM_HIGHEST_VAD_ADDRESS)
        return STATUS_INVALID_PARAMETER_2;
    if (MM_HIGHEST_VAD_ADDRESS + 1 - base < size || size == 0)
        return STATUS_INVALID_PARAMETER_4;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    process = call.Process;
    if ((AllocationType & MEM_LARGE_PAGES) && !MiSinglePrivilegeCheck(SE_LOCK_MEMORY_PRIVILEGE)) {
        status = STATUS_PRIVILEGE_NOT_HELD;
    } else if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED) {
        status = STATUS_PROCESS_IS_TERMINATING;
    } else if ((AllocationType & MEM_LARGE_PAGES) && (base == 0 || (AllocationType & MEM_RESERVE))) {
        status = MiAllocateLargePages(process, &base, &size, ZeroBits, AllocationType, protection);
    } else if (base == 0 || (AllocationType & MEM_RESERVE)) {
        status = MiReserve(process, &base, &size, ZeroBits, AllocationType, protection);
    } else if (AllocationType & MEM_RESET) {
        start = PAGE_ALIGN_UP(base);
        end = ((base + size) & ~(uintptr_t)(PAGE_SIZE - 1)) - 1;
        vad = MiLocateVadForRange(&process->AddressSpace, start, end);
        if (!vad || MiIsPhysicalVad(vad)) {
            status = STATUS_CONFLICTING_ADDRESSES;
        } else {
            if (vad->u.VadFlags.PrivateMemory && vad->u.VadFlags.VadType != VadDevicePhysicalMemory)
                MiResetVirtualMemory(process, start, end);
            status = STATUS_SUCCESS;
        }
    } else {
        start = base & ~(uintptr_t)(PAGE_SIZE - 1);
        end = (base + size - 1) | (PAGE_SIZE - 1);
        vad = MiLocateVadForRange(&process->AddressSpace, start, end);
        if (!vad || MiIsPhysicalVad(vad) || vad->u.VadFlags.VadType == VadDevicePhysicalMemory) {
            status = STATUS_CONFLICTING_ADDRESSES;
        } else if (vad->u.VadFlags.VadType == VadLargePageSection) {
            status = STATUS_INVALID_PAGE_PROTECTION;    /* NT's: nothing to commit there */
        } else if (!vad->u.VadFlags.PrivateMemory) {
            status = MiCommitView(process, (MMVAD *)vad, start, end, protection);
            base = start;
            size = (uint32_t)(end - start + 1);
        } else if (MI_IS_COPY_ON_WRITE(protection)) {
            status = STATUS_INVALID_PAGE_PROTECTION;
        } else {
            status = MiCommitPages(process, vad, start, end, protection, &change);
            if (NT_SUCCESS(status) && change)
                status = MiSetProtectionOnPages(process, vad, start, end, protection, NULL);
            base = start;
            size = (uint32_t)(end - start + 1);
        }
    }
    MiDetachVmProcess(&call);
    if (!NT_SUCCESS(status))
        return status;
    status = ExReturn((uintptr_t *)BaseAddress, &base);
    if (NT_SUCCESS(status))
        status = ExReturn(RegionSize, &size);
    return status;
}
