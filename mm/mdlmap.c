/*
 * mm/mdlmap.c: mapping the pages an MDL describes (NT's sysptes.c and iosup.c routines of
 * the same names). KernelMode mappings take system PTEs (SystemPteSpace), one valid kernel
 * PTE per frame, so the buffer reads and writes at MappedSystemVa whatever process runs —
 * what a driver needs to finish an I/O in another context. The frames must stay where they
 * are meanwhile: locked (MmProbeAndLockPages), nonpaged, or from MmAllocatePagesForMdl.
 *
 *   MmMapLockedPagesSpecifyCache   map, or NULL; MappedSystemVa, MDL_MAPPED_TO_SYSTEM_VA
 *   MmUnmapLockedPages             the PTEs back, the flags cleared
 *   MmGetSystemAddressForMdlSafe   the mapping there is, or a new one that may fail
 *
 * Mapping into a process's user space (UserMode, NT's MiMapLockedPagesInUserSpace, which
 * needs a physical-memory VAD) is not built: a UserMode request returns NULL.
 */
#include "mm/mi.h"

/* PTEs a mapping below HighPagePriority leaves free for the system (NT keeps such a reserve
 * in MiGetSystemPteAvailability). */
#define MI_SYSTEM_PTE_RESERVE       2048

void *MmMapLockedPagesSpecifyCache(MDL *Mdl, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, void *RequestedAddress,
                                   bool BugCheckOnFailure, MM_PAGE_PRIORITY Priority)
{
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages = MmGetMdlPageCount(Mdl);
    MMPTE *pte;

    (void)RequestedAddress;
    if (AccessMode != KernelMode)
        return NULL;
    if (Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_MDL_MISUSE, (uintptr_t)Mdl,
                     (uint16_t)Mdl->MdlFlags, (uintptr_t)Mdl->MappedSystemVa);
    if (Priority != HighPagePriority &&
        MmTotalFreeSystemPtes[SystemPteSpace] < pages + MI_SYSTEM_PTE_RESERVE)
        pte = NULL;
    else
        pte = MiReserveSystemPtes(pages, SystemPteSpace);
    if (!pte) {
        if (BugCheckOnFailure && !(Mdl->MdlFlags & MDL_MAPPING_CAN_FAIL))
            KeBugCheckEx(NO_MORE_SYSTEM_PTES, SystemPteSpace, pages,
                         MmTotalFreeSystemPtes[SystemPteSpace], MmTotalSystemPtes[SystemPteSpace]);
        return NULL;
    }
    for (uint32_t i = 0; i < pages; i++) {
        if (frames[i] == MM_EMPTY_LIST)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_MDL_MISUSE, (uintptr_t)Mdl,
                         (uint16_t)Mdl->MdlFlags, i);
        pte[i] = MiMakeValidKernelPte(frames[i]);
        if (CacheType != MmCached)
            pte[i].u.Long |= MM_PTE_CACHE_DISABLE_MASK | MM_PTE_WRITE_THROUGH_MASK;
    }
    Mdl->MappedSystemVa = (uint8_t *)MiGetVirtualAddressMappedByPte(pte) + Mdl->ByteOffset;
    Mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    if (Mdl->MdlFlags & MDL_PARTIAL)
        Mdl->MdlFlags |= MDL_PARTIAL_HAS_BEEN_MAPPED;
    return Mdl->MappedSystemVa;
}

/* Undo a KernelMode mapping of Mdl made at BaseAddress. A base that is not the MDL's mapping
 * stops the system (MEMORY_MANAGEMENT: MDL, flags, the base given) before the PTEs of another
 * mapping could be released. */
void MmUnmapLockedPages(void *BaseAddress, MDL *Mdl)
{
    uint32_t pages = MmGetMdlPageCount(Mdl);

    if (!(Mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) || BaseAddress != Mdl->MappedSystemVa)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_MDL_MISUSE, (uintptr_t)Mdl,
                     (uint16_t)Mdl->MdlFlags, (uintptr_t)BaseAddress);
    MiReleaseSystemPtes(MiGetPteAddress(BaseAddress), pages, SystemPteSpace);
    Mdl->MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED);
    Mdl->MappedSystemVa = NULL;
}

void *MmGetSystemAddressForMdlSafe(MDL *Mdl, MM_PAGE_PRIORITY Priority)
{
    if (Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        return Mdl->MappedSystemVa;
    return MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, NULL, false, Priority);
}
