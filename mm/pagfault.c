/*
 * mm/pagfault.c: MiDispatchFault and its resolvers, one per state an invalid PTE can hold.
 * So far the only pageable state is demand zero: a page of zeroes is made valid in place.
 */
#include "mm/mi.h"

/* A zeroed page for PointerPte, valid with the protection the PTE carried. */
static NTSTATUS MiResolveDemandZeroFault(MMPTE *PointerPte)
{
    uint32_t protection = PointerPte->u.Soft.Protection;
    uint32_t frame;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    frame = MiRemoveZeroPage();
    MiInitializePfn(frame, PointerPte, true);
    PointerPte->u.Long = (frame << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                         MM_PTE_DIRTY_MASK | MiProtectToPteMask(protection);
    UNLOCK_PFN(oldIrql);
    return STATUS_PAGE_FAULT_DEMAND_ZERO;
}

NTSTATUS MiDispatchFault(bool StoreInstruction, uintptr_t VirtualAddress, MMPTE *PointerPte,
                         void *TrapInformation)
{
    MMPTE contents = *PointerPte;

    (void)StoreInstruction;
    (void)TrapInformation;
    if (!contents.u.Soft.Prototype && !contents.u.Soft.Transition &&
        contents.u.Soft.PageFileHigh == 0)
        return MiResolveDemandZeroFault(PointerPte);
    KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEABLE_PTE, (uintptr_t)PointerPte,
                 contents.u.Long, VirtualAddress);
}
