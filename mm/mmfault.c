/*
 * mm/mmfault.c: MmAccessFault, where every page fault arrives, in NT's order:
 *
 *   0. a kernel-mode fault in special pool goes to special.c at any IRQL, which tells a touch
 *      of a guard page (0xCD) from a touch of freed special pool (0xCC);
 *   1. above APC_LEVEL nothing can be paged in: a valid PTE was a spurious fault (unless the
 *      write was to a read-only page: 0xBE, code 10), anything else returns
 *      STATUS_IN_PAGE_ERROR | 0x10000000, which KiTrap0E turns into IRQL_NOT_LESS_OR_EQUAL
 *      (0xA) as NT's does;
 *   2. a user address is the current process's business (MiUserFault); any other access from
 *      user mode, to system space, is an access violation;
 *   3. for a system address: an invalid PDE, a zero PTE or a no-access PTE is
 *      PAGE_FAULT_IN_NONPAGED_AREA (0x50) with NT's fourth parameter (2, 0, 1); a valid PTE
 *      was spurious, unless the write was to a read-only page (ATTEMPTED_WRITE_TO_READONLY_
 *      MEMORY, 0xBE, code 11); only paged pool is pageable, so any other invalid PTE is 0x50;
 *   4. in paged pool and the system cache's views, under the system working-set mutex (a
 *      cache view's PTE points at its file's prototype PTE, resolved as a process's is): the access is checked against the
 *      PTE's protection (a write it forbids is 0xBE code 14, a guard page faults once with
 *      STATUS_GUARD_PAGE_VIOLATION), and MiDispatchFault resolves the state the PTE holds. A
 *      fault by a thread that already holds that mutex could never be resolved: as in NT it
 *      becomes IRQL_NOT_LESS_OR_EQUAL.
 *
 * A probe from kernel/probe.S gets STATUS_ACCESS_VIOLATION back instead of the bugchecks.
 */
#include "mm/mi.h"

static NTSTATUS MiUserFault(bool Write, uintptr_t Va, void *TrapInformation);

#define MI_NONPAGED_PTE_ZERO        0   /* parameter 4 of 0x50: the PTE is zero */
#define MI_NONPAGED_NOACCESS        1   /* the PTE says no access */
#define MI_NONPAGED_PDE_INVALID     2   /* the PDE is invalid */
#define MI_READONLY_HIGH_IRQL       10  /* parameter 4 of 0xBE: the same above APC_LEVEL */
#define MI_READONLY_VALID_PTE       11  /* parameter 4 of 0xBE: write to a valid read-only PTE */
#define MI_READONLY_INVALID_PTE     14  /* write to an invalid PTE that forbids it */
#define MI_IN_PAGE_AT_HIGH_IRQL     (STATUS_IN_PAGE_ERROR | 0x10000000)

static NTSTATUS MiBadSystemAddress(uintptr_t Va, uint32_t FaultStatus, void *TrapInformation,
                                   uint32_t Reason)
{
    if (KeInvalidAccessAllowed(TrapInformation))
        return STATUS_ACCESS_VIOLATION;
    KeBugCheckEx(PAGE_FAULT_IN_NONPAGED_AREA, Va, FaultStatus, (uintptr_t)TrapInformation, Reason);
}

/* A write to a valid PTE that forbids it: code, read-only data. A probe gets an access
 * violation; anything else is ATTEMPTED_WRITE_TO_READONLY_MEMORY (address, PTE, trap, Code). */
static NTSTATUS MiWriteToReadOnlyPage(uintptr_t Va, MMPTE Contents, void *TrapInformation,
                                      uint32_t Code)
{
    if (KeInvalidAccessAllowed(TrapInformation))
        return STATUS_ACCESS_VIOLATION;
    KeBugCheckEx(ATTEMPTED_WRITE_TO_READONLY_MEMORY, Va, Contents.u.Long,
                 (uintptr_t)TrapInformation, Code);
}

/* IRQL above APC_LEVEL: only a fault on a valid PTE (a stale TB entry) can be let go, and not
 * when it was a write the PTE forbids. */
static bool MiCheckPdeForPagedPool(uintptr_t Va);

static NTSTATUS MiFaultAtHighIrql(uintptr_t Va, bool Write, void *TrapInformation)
{
    MMPTE *pde = MiGetPdeAddress(Va);
    MMPTE *pte = MiGetPteAddress(Va);

    if (Va >= MmSystemRangeStart && MiCheckPdeForPagedPool(Va))
        return STATUS_SUCCESS;
    if (pde->u.Hard.Valid && !pde->u.Hard.LargePage && pte->u.Hard.Valid && Write &&
        !pte->u.Hard.Write)
        return MiWriteToReadOnlyPage(Va, *pte, TrapInformation, MI_READONLY_HIGH_IRQL);
    if (pde->u.Hard.Valid && (pde->u.Hard.LargePage || pte->u.Hard.Valid))
        return STATUS_SUCCESS;
    if (KeInvalidAccessAllowed(TrapInformation))
        return STATUS_ACCESS_VIOLATION;
    return MI_IN_PAGE_AT_HIGH_IRQL;
}

/* Paged pool and the system cache's views are the pageable parts of system space: their pages
 * live in the system working set. */
static bool MiIsPageableSystemAddress(uintptr_t Va)
{
    return (Va >= MmPagedPoolStart && Va <= MmPagedPoolEnd) || MmIsSystemCacheAddress(Va);
}

/* An invalid PTE outside pageable space: nothing to page in, only NT's reasons to give. */
static NTSTATUS MiNonPageableFault(uintptr_t Va, MMPTE Contents, uint32_t FaultStatus,
                                   void *TrapInformation)
{
    if (!Contents.u.Soft.Prototype && Contents.u.Soft.Protection == MM_NOACCESS)
        return MiBadSystemAddress(Va, FaultStatus, TrapInformation, MI_NONPAGED_NOACCESS);
    return MiBadSystemAddress(Va, FaultStatus, TrapInformation, MI_NONPAGED_PTE_ZERO);
}

/* A pageable system address: under the system working-set mutex, check the access against
 * the protection the PTE holds, then resolve it. */
static NTSTATUS MiPageableSystemFault(uintptr_t Va, volatile MMPTE *Pte, bool Write,
                                      uint32_t FaultStatus, void *TrapInformation)
{
    MMPTE contents;
    NTSTATUS status;

    if (MiOwnsSystemWorkingSet())
        return MI_IN_PAGE_AT_HIGH_IRQL;
    MiLockSystemWorkingSet();
    contents.u.Long = Pte->u.Long;
    if (contents.u.Hard.Valid) {
        status = STATUS_SUCCESS;
    } else if (contents.u.Soft.Prototype && MmIsSystemCacheAddress(Va)) {
        /* A system cache view's page: its prototype PTE says where it is (mapcache.c). The
         * other bits are the prototype's address, not a protection. */
        status = MiResolveProtoPteFault(&MmSystemCacheWs, Write, Va, (MMPTE *)Pte, contents,
                                        TrapInformation);
    } else if (contents.u.Long == MM_ZERO_KERNEL_PTE ||
               (!contents.u.Soft.Transition && contents.u.Soft.Protection == 0)) {
        MiUnlockSystemWorkingSet();
        return MiBadSystemAddress(Va, FaultStatus, TrapInformation, MI_NONPAGED_PTE_ZERO);
    } else {
        status = MiAccessCheck(&MmSystemCacheWs, (MMPTE *)Pte, Write, contents);
        if (status == STATUS_SUCCESS)
            status = MiDispatchFault(&MmSystemCacheWs, Write, Va, (MMPTE *)Pte, TrapInformation);
    }
    MiUnlockSystemWorkingSet();
    if (status == STATUS_ACCESS_VIOLATION && !KeInvalidAccessAllowed(TrapInformation)) {
        if (Write && contents.u.Soft.Protection != MM_NOACCESS)
            KeBugCheckEx(ATTEMPTED_WRITE_TO_READONLY_MEMORY, Va, contents.u.Long,
                         (uintptr_t)TrapInformation, MI_READONLY_INVALID_PTE);
        return MiBadSystemAddress(Va, FaultStatus, TrapInformation, MI_NONPAGED_NOACCESS);
    }
    return status;
}

/*
 * A user address (NT's MmAccessFault user path), from user mode or from a kernel probe, in the
 * current process, under its working-set mutex:
 *   - above the process's highest user address, or in the system process: access violation;
 *   - a missing page table or a zero PTE: the VAD decides (MiCheckVirtualAddress): nothing
 *     there or only reserved is an access violation; committed memory becomes a demand-zero
 *     PTE with the VAD's protection, a view's page a PTE pointing at its prototype PTE (the
 *     lookup-needed form, with the view's protection), and its page table is made if need be;
 *   - a valid PTE: spurious, unless it was a write the PTE forbids: a copy-on-write page gets
 *     its private copy (MiCopyOnWrite), any other is an access violation;
 *   - a PTE pointing at a prototype: MiResolveProtoPteFault brings the shared page in;
 *   - otherwise the PTE's protection is checked (no access, decommitted, read-only, a guard
 *     page once — a stack's guard page grows the stack, MiCheckForUserStackOverflow) and the
 *     page is brought in by the resolvers paged pool uses.
 * A fault by a thread that already holds the working-set mutex could not be resolved: as for
 * the system working set, NT's answer is IRQL_NOT_LESS_OR_EQUAL.
 */
static NTSTATUS MiUserFault(bool Write, uintptr_t Va, void *TrapInformation)
{
    MMPROCESS *process = MiGetProcess(KeGetCurrentProcess());
    MMPTE *pte = MiGetPteAddress(Va);
    MMPTE contents;
    NTSTATUS status;

    if (!process || Va > process->HighestUserAddress || process->AddressSpaceInitialized != 2)
        return STATUS_ACCESS_VIOLATION;
    if (KeGetCurrentThread()->OwnsProcessWorkingSet)
        return MI_IN_PAGE_AT_HIGH_IRQL;
    MiLockWorkingSet(&process->Vm);
    if (MiWaitForForkToComplete(process))
        return STATUS_REFAULT;
    if (MiGetPdeAddress(Va)->u.Hard.Valid && MiGetPdeAddress(Va)->u.Hard.LargePage) {
        /* A large page (physical.c) has no PTE: a stale TB entry, or a write it forbids. */
        status = Write && !MiGetPdeAddress(Va)->u.Hard.Write ? STATUS_ACCESS_VIOLATION
                                                             : STATUS_SUCCESS;
        MiUnlockWorkingSet(&process->Vm);
        return status;
    }
    if (!MiGetPdeAddress(Va)->u.Hard.Valid || pte->u.Long == MM_ZERO_PTE) {
        MMPTE *proto;
        uint32_t protection = MiCheckVirtualAddress(process, Va, &proto);

        if (protection == MM_NOACCESS) {
            MiUnlockWorkingSet(&process->Vm);
            return STATUS_ACCESS_VIOLATION;
        }
        if (!MiMakePdeExistAndMakeValid(process, Va)) {
            MiUnlockWorkingSet(&process->Vm);
            MiWaitForAvailablePages(MmMinimumFreePages);
            return STATUS_REFAULT;
        }
        if (pte->u.Long == MM_ZERO_PTE) {
            pte->u.Long = proto ? MiMakeLookupNeededPte(protection).u.Long
                                : protection << MM_PROTECT_FIELD_SHIFT;
            MiIncrementUsedPtes(process, Va);
        }
    }
    contents.u.Long = pte->u.Long;
    if (contents.u.Hard.Valid && !contents.u.Hard.Owner) {
        status = STATUS_ACCESS_VIOLATION;       /* an AWE page made no-access (physical.c) */
    } else if (contents.u.Hard.Valid) {
        if (Write && !contents.u.Hard.Write)
            status = contents.u.Hard.CopyOnWrite ? MiCopyOnWrite(process, Va, pte)
                                                 : STATUS_ACCESS_VIOLATION;
        else
            status = STATUS_SUCCESS;
    } else if (contents.u.Soft.Prototype) {
        status = MiResolveProtoPteFault(&process->Vm, Write, Va, pte, contents, TrapInformation);
    } else {
        status = MiAccessCheck(&process->Vm, pte, Write, contents);
        if (status == STATUS_SUCCESS)
            status = MiDispatchFault(&process->Vm, Write, Va, pte, TrapInformation);
    }
    MiUnlockWorkingSet(&process->Vm);
    if (status == STATUS_GUARD_PAGE_VIOLATION)
        status = MiCheckForUserStackOverflow(process, Va);
    return status;
}

/*
 * NT's MiCheckPdeForPagedPool: a system PDE made while another process was current is in the
 * system's directory; take it from there. Va may be a page table's own address (in the
 * self-map: Mm reading a system PTE, a working-set scan of the cache's pages under the PFN
 * lock), whose missing PDE is the one for the range that page table maps. True when a PDE
 * that was not valid is now.
 */
static bool MiCheckPdeForPagedPool(uintptr_t Va)
{
    uint32_t index = Va >= PTE_BASE && Va <= PTE_TOP ? (uint32_t)((Va - PTE_BASE) >> PAGE_SHIFT)
                                                      : MiGetPdeOffset(Va);
    uintptr_t mapped = (uintptr_t)index << 22;
    MMPTE master = MmSystemPagePtes[index];

    if (!master.u.Hard.Valid || mapped < MmSystemRangeStart || index == MM_SELFMAP_PDE_INDEX ||
        (mapped >= HYPER_SPACE && mapped <= MmHyperSpaceEnd) ||
        ((MMPTE *)PDE_BASE)[index].u.Hard.Valid)
        return false;
    ((MMPTE *)PDE_BASE)[index] = master;
    return true;
}

static NTSTATUS MiAccessFault(uint32_t FaultStatus, void *VirtualAddress,
                              KPROCESSOR_MODE PreviousMode, void *TrapInformation)
{
    uintptr_t va = (uintptr_t)VirtualAddress;
    MMPTE *pde = MiGetPdeAddress(va);
    volatile MMPTE *pte = MiGetPteAddress(va);
    bool write = FaultStatus & 1;
    MMPTE contents;

    if (PreviousMode == KernelMode && MmIsSpecialPoolAddress(VirtualAddress))
        return MiCheckSpecialPoolFault(FaultStatus, va, TrapInformation);
    if (KeGetCurrentIrql() > APC_LEVEL)
        return MiFaultAtHighIrql(va, write, TrapInformation);
    if (va < MmSystemRangeStart)
        return MiUserFault(write, va, TrapInformation);
    if (PreviousMode == UserMode)
        return STATUS_ACCESS_VIOLATION;

    if (MiCheckPdeForPagedPool(va))
        return STATUS_SUCCESS;
    if (!pde->u.Hard.Valid)
        return MiBadSystemAddress(va, FaultStatus, TrapInformation, MI_NONPAGED_PDE_INVALID);
    if (pde->u.Hard.LargePage)
        return STATUS_SUCCESS;

    contents.u.Long = pte->u.Long;
    if (contents.u.Hard.Valid) {
        if (write && !contents.u.Hard.Write)
            return MiWriteToReadOnlyPage(va, contents, TrapInformation, MI_READONLY_VALID_PTE);
        return STATUS_SUCCESS;
    }
    if (!MiIsPageableSystemAddress(va))
        return MiNonPageableFault(va, contents, FaultStatus, TrapInformation);
    return MiPageableSystemFault(va, pte, write, FaultStatus, TrapInformation);
}

/* A fault that returns is counted once by how it ended (mi.h): the resolvers count the
 * demand-zero, transition and collided faults; the rest are counted here. */
static void MiCountFault(NTSTATUS Status, void *TrapInformation)
{
    if (Status == STATUS_PAGE_FAULT_PAGING_FILE)
        MmInfoCounters.HardFaultCount++;
    else if (Status == STATUS_REFAULT)
        MmInfoCounters.RetriedFaultCount++;
    else if (Status == STATUS_SUCCESS)
        MmInfoCounters.SpuriousFaultCount++;
    else if (!NT_SUCCESS(Status) && KeInvalidAccessAllowed(TrapInformation))
        MmInfoCounters.ProbeFaultCount++;
    else if (!NT_SUCCESS(Status))
        MmInfoCounters.FailedFaultCount++;
}

NTSTATUS MmAccessFault(uint32_t FaultStatus, void *VirtualAddress, KPROCESSOR_MODE PreviousMode,
                       void *TrapInformation)
{
    NTSTATUS status;

    MmInfoCounters.PageFaultCount++;
    status = MiAccessFault(FaultStatus, VirtualAddress, PreviousMode, TrapInformation);
    MiCountFault(status, TrapInformation);
    return status == STATUS_REFAULT || status == STATUS_REFAULT_COLLIDED ? STATUS_SUCCESS : status;
}

bool MmIsAddressValid(const void *VirtualAddress)
{
    MMPTE *pde = MiGetPdeAddress(VirtualAddress);

    if (!pde->u.Hard.Valid)
        return false;
    return pde->u.Hard.LargePage || MiGetPteAddress(VirtualAddress)->u.Hard.Valid;
}

uint64_t MmGetPhysicalAddress(const void *VirtualAddress)
{
    uint32_t offset = (uintptr_t)VirtualAddress & (PAGE_SIZE - 1);
    MMPTE *pde = MiGetPdeAddress(VirtualAddress);

    if (!MmIsAddressValid(VirtualAddress))
        return 0;
    if (pde->u.Hard.LargePage)
        return ((uint64_t)pde->u.Hard.PageFrameNumber << PAGE_SHIFT) +
               ((uintptr_t)VirtualAddress & (MM_VA_MAPPED_BY_PDE - 1));
    return ((uint64_t)MiGetPteAddress(VirtualAddress)->u.Hard.PageFrameNumber << PAGE_SHIFT) +
           offset;
}
