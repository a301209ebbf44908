/*
 * mm/deleteva.c: deleting pageable system virtual memory (paged pool pages being freed).
 * Each PTE in the range is in one of NT's states; whatever it holds is released and the PTE
 * becomes zero: a valid page is freed, a demand-zero PTE held nothing.
 */
#include "mm/mi.h"

void MiDeleteSystemPageableVm(MMPTE *PointerPte, uint32_t NumberOfPtes)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < NumberOfPtes; i++) {
        MMPTE *pte = &PointerPte[i];

        if (pte->u.Hard.Valid)
            MiDeleteSystemPte(pte);
        else if (pte->u.Long != MM_KERNEL_DEMAND_ZERO_PTE)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEABLE_PTE,
                         (uintptr_t)pte, pte->u.Long, 0);
        pte->u.Long = MM_ZERO_PTE;
    }
    UNLOCK_PFN(oldIrql);
}
