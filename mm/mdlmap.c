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
 * UserMode mappings go into the current process, as NT's MiMapLockedPagesInUserSpace puts
 * them: a VAD of type VadDevicePhysicalMemory (private, read/write, 64 KB aligned or at the
 * address asked), its PTEs valid and user-accessible from the start, in no working set (never
 * trimmed, never faulted) and holding no reference on the pages (the MDL's lock does). The
 * VM services leave such a region alone as NT's do — NtFreeVirtualMemory
 * STATUS_UNABLE_TO_DELETE_SECTION, NtProtectVirtualMemory and a commit
 * STATUS_CONFLICTING_ADDRESSES, NtLockVirtualMemory STATUS_INCOMPATIBLE_FILE_MAP — and the
 * process's end takes it away (MiDeletePhysicalMappingVad). NT raises a user mapping's
 * failures; here the mapping is NULL and MiLastUserMappingStatus holds what NT would raise:
 * STATUS_CONFLICTING_ADDRESSES, STATUS_INVALID_ADDRESS (not 64 KB aligned, past user space,
 * or no process), STATUS_INSUFFICIENT_RESOURCES or STATUS_PROCESS_IS_TERMINATING.
 */
#include "mm/mi.h"

#define MI_VAD_TAG                  POOL_TAG('V', 'a', 'd', 'S')

/* PTEs a mapping below HighPagePriority leaves free for the system (NT keeps such a reserve
 * in MiGetSystemPteAvailability). */
#define MI_SYSTEM_PTE_RESERVE       2048

NTSTATUS MiLastUserMappingStatus;

/* The VAD a user mapping lives in: the range free (or found), the page tables charged. */
static NTSTATUS MiInsertPhysicalMappingVad(MMPROCESS *Process, uint32_t Pages,
                                           uintptr_t Requested, MMVAD_SHORT **Vad)
{
    uintptr_t start, end;
    MMVAD_SHORT *vad;
    NTSTATUS status;

    if (Requested) {
        start = Requested;
        end = start + Pages * PAGE_SIZE - 1;
        if ((start & (MM_ALLOCATION_GRANULARITY - 1)) || end < start ||
            end > MM_HIGHEST_VAD_ADDRESS)
            return STATUS_INVALID_ADDRESS;
        if (MiCheckForConflictingVad(&Process->AddressSpace, start, end))
            return STATUS_CONFLICTING_ADDRESSES;
    } else {
        status = MiFindEmptyAddressRange(&Process->AddressSpace.VadRoot, Pages * PAGE_SIZE,
                                         MM_ALLOCATION_GRANULARITY, 0, MM_HIGHEST_VAD_ADDRESS,
                                         &start);
        if (!NT_SUCCESS(status))
            return STATUS_INSUFFICIENT_RESOURCES;
        end = start + Pages * PAGE_SIZE - 1;
    }
    vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MI_VAD_TAG);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(vad, sizeof(*vad));
    vad->Node.StartingVpn = start >> PAGE_SHIFT;
    vad->Node.EndingVpn = end >> PAGE_SHIFT;
    vad->u.VadFlags.PrivateMemory = 1;
    vad->u.VadFlags.VadType = VadDevicePhysicalMemory;
    vad->u.VadFlags.Protection = MM_READWRITE;
    status = MiChargePageTableCommitment(Process, start, end);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(vad, MI_VAD_TAG);
        return status;
    }
    *Vad = vad;
    return STATUS_SUCCESS;
}

/* The PTEs of a user mapping: valid, user, read/write, one per frame; each counts in its page
 * table's used entries and share count. Working-set mutex held. False: no page table. */
static bool MiFillPhysicalMappingPtes(MMPROCESS *Process, uintptr_t Start, const uint32_t *Frames,
                                      uint32_t Pages, MEMORY_CACHING_TYPE CacheType)
{
    for (uint32_t i = 0; i < Pages; i++) {
        uintptr_t va = Start + i * PAGE_SIZE;
        MMPTE *pte = MiGetPteAddress(va);
        KIRQL oldIrql;

        if (!MiMakePdeExistAndMakeValid(Process, va))
            return false;
        pte->u.Long = (Frames[i] << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK |
                      MM_PTE_OWNER_MASK | MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK |
                      (CacheType != MmCached ? MM_PTE_CACHE_DISABLE_MASK | MM_PTE_WRITE_THROUGH_MASK
                                             : 0);
        MiIncrementUsedPtes(Process, va);
        LOCK_PFN(oldIrql);
        MI_PFN_ELEMENT(MiGetPdeAddress(va)->u.Hard.PageFrameNumber)->u2.ShareCount++;
        UNLOCK_PFN(oldIrql);
    }
    return true;
}

/* Zero the PTEs of a user mapping from Start (those made: up to the first that is not
 * valid), their page tables' counts back, tables no longer used freed. Working-set mutex
 * held. */
static void MiZeroPhysicalMappingPtes(MMPROCESS *Process, uintptr_t Start, uint32_t Pages)
{
    for (uint32_t i = 0; i < Pages; i++) {
        uintptr_t va = Start + i * PAGE_SIZE;
        MMPTE *pte = MiGetPteAddress(va);
        KIRQL oldIrql;

        if (!MiGetPdeAddress(va)->u.Hard.Valid || !pte->u.Hard.Valid)
            break;
        pte->u.Long = MM_ZERO_PTE;
        MI_FLUSH_SINGLE_TB(va);
        LOCK_PFN(oldIrql);
        MiDecrementShareCount(MiGetPdeAddress(va)->u.Hard.PageFrameNumber);
        UNLOCK_PFN(oldIrql);
        if (MiDecrementUsedPtes(Process, va) == 0)
            MiDeletePageTableIfUnused(Process, va);
    }
}

void *MiMapLockedPagesInUserSpace(MDL *Mdl, MEMORY_CACHING_TYPE CacheType, void *RequestedAddress)
{
    MMPROCESS *process = MiGetProcess(KeGetCurrentProcess());
    uint32_t pages = MmGetMdlPageCount(Mdl);
    MMVAD_SHORT *vad = NULL;
    uintptr_t start = 0;
    NTSTATUS status;

    if (!process)
        return MiLastUserMappingStatus = STATUS_INVALID_ADDRESS, NULL;
    MiLockAddressSpace(&process->AddressSpace);
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else
        status = MiInsertPhysicalMappingVad(process, pages, (uintptr_t)RequestedAddress, &vad);
    if (NT_SUCCESS(status)) {
        start = vad->Node.StartingVpn << PAGE_SHIFT;
        MiLockWorkingSet(&process->Vm);
        MiInsertVad(&process->AddressSpace, vad);
        if (!MiFillPhysicalMappingPtes(process, start, MmGetMdlPfnArray(Mdl), pages, CacheType)) {
            MiDeletePhysicalMappingVad(process, vad);
            status = STATUS_INSUFFICIENT_RESOURCES;
        }
        MiUnlockWorkingSet(&process->Vm);
        if (NT_SUCCESS(status)) {
            process->VirtualSize += pages * PAGE_SIZE;
            process->PeakVirtualSize = MAX(process->PeakVirtualSize, process->VirtualSize);
        }
    }
    MiUnlockAddressSpace(&process->AddressSpace);
    MiLastUserMappingStatus = status;
    return NT_SUCCESS(status) ? (void *)(start + Mdl->ByteOffset) : NULL;
}

/* A user mapping's PTEs and VAD gone (unmapping, or the process's end). Address-creation lock
 * and working-set mutex held. */
void MiDeletePhysicalMappingVad(MMPROCESS *Process, MMVAD_SHORT *Vad)
{
    uint32_t pages = Vad->Node.EndingVpn - Vad->Node.StartingVpn + 1;

    MiZeroPhysicalMappingPtes(Process, Vad->Node.StartingVpn << PAGE_SHIFT, pages);
    MiRemoveVad(&Process->AddressSpace, Vad);
    ExFreePoolWithTag(Vad, MI_VAD_TAG);
}

/* A base that maps no locked pages of this MDL in the current process: NT's
 * DRIVER_UNMAPPING_INVALID_VIEW (0xD7) with (the address, 1 for a process address, 0, 0). */
void MiUnmapLockedPagesInUserSpace(void *BaseAddress, MDL *Mdl)
{
    MMPROCESS *process = MiGetProcess(KeGetCurrentProcess());
    uintptr_t base = (uintptr_t)BaseAddress;
    MMVAD_SHORT *vad = process ? MiLocateAddress(&process->AddressSpace, base) : NULL;
    uint32_t pages = MmGetMdlPageCount(Mdl);

    if (!vad || vad->u.VadFlags.VadType != VadDevicePhysicalMemory ||
        (base >> PAGE_SHIFT) != vad->Node.StartingVpn ||
        vad->Node.EndingVpn - vad->Node.StartingVpn + 1 != pages ||
        MiGetPteAddress(base)->u.Hard.PageFrameNumber != MmGetMdlPfnArray(Mdl)[0])
        KeBugCheckEx(DRIVER_UNMAPPING_INVALID_VIEW, base, 1, 0, 0);
    MiLockAddressSpace(&process->AddressSpace);
    MiLockWorkingSet(&process->Vm);
    MiDeletePhysicalMappingVad(process, vad);
    MiUnlockWorkingSet(&process->Vm);
    process->VirtualSize -= pages * PAGE_SIZE;
    MiUnlockAddressSpace(&process->AddressSpace);
}

void *MmMapLockedPagesSpecifyCache(MDL *Mdl, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, void *RequestedAddress,
                                   bool BugCheckOnFailure, MM_PAGE_PRIORITY Priority)
{
    uint32_t *frames = MmGetMdlPfnArray(Mdl), pages = MmGetMdlPageCount(Mdl);
    MMPTE *pte;

    if (AccessMode != KernelMode)
        return MiMapLockedPagesInUserSpace(Mdl, CacheType, RequestedAddress);
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

/* Undo a mapping of Mdl made at BaseAddress: a UserMode one (below MmSystemRangeStart), or a
 * KernelMode one. A base that is not the MDL's mapping
 * stops the system (MEMORY_MANAGEMENT: MDL, flags, the base given) before the PTEs of another
 * mapping could be released. */
void MmUnmapLockedPages(void *BaseAddress, MDL *Mdl)
{
    uint32_t pages = MmGetMdlPageCount(Mdl);

    if ((uintptr_t)BaseAddress < MmSystemRangeStart) {
        MiUnmapLockedPagesInUserSpace(BaseAddress, Mdl);
        return;
    }
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
