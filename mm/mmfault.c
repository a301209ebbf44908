/*
 * mm/mmfault.c: MmAccessFault, where every page fault arrives.
 *
 * For a system address it follows NT's order: a user-mode access is an access violation; an
 * invalid PDE, a zero PTE or a no-access PTE is PAGE_FAULT_IN_NONPAGED_AREA (0x50) with NT's
 * fourth parameter (2, 0, 1); a valid PTE means the fault was spurious, unless it was a write
 * to a read-only page (ATTEMPTED_WRITE_TO_READONLY_MEMORY, 0xBE, code 11). A probe from
 * kernel/probe.S gets STATUS_ACCESS_VIOLATION back instead of a bugcheck.
 *
 * Nothing is resolved yet: there is no pageable memory and no user address space, so every
 * other fault is reported the same way.
 */
#include "mm/mi.h"

#define MI_NONPAGED_PTE_ZERO        0   /* parameter 4 of 0x50: the PTE is zero */
#define MI_NONPAGED_NOACCESS        1   /* the PTE says no access */
#define MI_NONPAGED_PDE_INVALID     2   /* the PDE is invalid */
#define MI_READONLY_VALID_PTE       11  /* parameter 4 of 0xBE: write to a valid read-only PTE */

static NTSTATUS MiBadSystemAddress(uintptr_t Va, uint32_t FaultStatus, void *TrapInformation,
                                   uint32_t Reason)
{
    if (KeInvalidAccessAllowed(TrapInformation))
        return STATUS_ACCESS_VIOLATION;
    KeBugCheckEx(PAGE_FAULT_IN_NONPAGED_AREA, Va, FaultStatus, (uintptr_t)TrapInformation, Reason);
}

NTSTATUS MmAccessFault(uint32_t FaultStatus, void *VirtualAddress, KPROCESSOR_MODE PreviousMode,
                       void *TrapInformation)
{
    uintptr_t va = (uintptr_t)VirtualAddress;
    MMPTE *pde = MiGetPdeAddress(va);
    MMPTE *pte = MiGetPteAddress(va);
    bool write = FaultStatus & 1;

    if (va < MmSystemRangeStart || PreviousMode == UserMode)
        return STATUS_ACCESS_VIOLATION;

    if (!pde->u.Hard.Valid)
        return MiBadSystemAddress(va, FaultStatus, TrapInformation, MI_NONPAGED_PDE_INVALID);
    if (pde->u.Hard.LargePage)
        return STATUS_SUCCESS;

    if (pte->u.Hard.Valid) {
        if (write && !pte->u.Hard.Write)
            KeBugCheckEx(ATTEMPTED_WRITE_TO_READONLY_MEMORY, va, pte->u.Long,
                         (uintptr_t)TrapInformation, MI_READONLY_VALID_PTE);
        return STATUS_SUCCESS;
    }
    if (pte->u.Soft.Protection == MM_NOACCESS)
        return MiBadSystemAddress(va, FaultStatus, TrapInformation, MI_NONPAGED_NOACCESS);
    return MiBadSystemAddress(va, FaultStatus, TrapInformation, MI_NONPAGED_PTE_ZERO);
}

bool MmIsAddressValid(const void *VirtualAddress)
{
    MMPTE *pde = MiGetPdeAddress(VirtualAddress);

    if (!pde->u.Hard.Valid)
        return false;
    return pde->u.Hard.LargePage || MiGetPteAddress(VirtualAddress)->u.Hard.Valid;
}
