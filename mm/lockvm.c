/*
 * mm/lockvm.c: NtLockVirtualMemory and NtUnlockVirtualMemory (NT's lockvm.c): pages locked in a
 * process's working set. A locked page is made valid and its working-set entry joins the
 * locked ones at the front of the list (wslist.c), where replacement, trimming and emptying the
 * working set never look: it stays valid, and touching it never faults, until it is unlocked,
 * decommitted or freed, or the process ends (each of those takes the entry out of the list,
 * locked or not).
 *
 *   MAP_PROCESS  locked in the working set (the WSLE's LockedInWs): what VirtualLock asks
 *   MAP_SYSTEM   locked in memory (LockedInMemory); needs SeLockMemoryPrivilege
 *
 * Locked pages count against the working-set minimum, by NT's rule: with N pages asked,
 * already-locked A of them and L locked in all, (N - 1) + MM_FLUID_WORKING_SET must not pass
 * the minimum, nor L + (N - 1) + MM_FLUID_WORKING_SET - A (STATUS_WORKING_SET_QUOTA). NT's
 * L starts at the few entries it keeps locked for the page directory, hyperspace and the list
 * itself; this working set holds none of those, so with the default minimum of 50 pages a
 * process may lock 43 (on NT a few fewer).
 *
 * The checks, in NT's order: MapType (STATUS_INVALID_PARAMETER), the base and size pointers
 * (written back as probed), the range inside user space and not empty
 * (STATUS_INVALID_PARAMETER), the handle (PROCESS_VM_OPERATION), SeLockMemoryPrivilege for
 * MAP_SYSTEM (STATUS_PRIVILEGE_NOT_HELD), a process ending (STATUS_PROCESS_IS_TERMINATING).
 * Then a page with no VAD is STATUS_ACCESS_VIOLATION, and every page is touched before any is
 * locked, so a page that cannot be read (only reserved, PAGE_NOACCESS, a guard page) fails the
 * call with the touch's status and nothing locked. Both services return the range rounded out
 * to pages through BaseAddress and RegionSize.
 */
#include "mm/mi.h"

/* MapType, the in/out pointers and the range: the checks before the handle. The range's first
 * and last pages come back in *Start and *LastPage. */
static NTSTATUS MiCaptureLockRange(void **BaseAddress, uint32_t *RegionSize, uint32_t MapType,
                                   uintptr_t *Start, uintptr_t *LastPage)
{
    uintptr_t base;
    uint32_t size;
    NTSTATUS status;

    if ((MapType & ~(MAP_PROCESS | MAP_SYSTEM)) || !(MapType & (MAP_PROCESS | MAP_SYSTEM)))
        return STATUS_INVALID_PARAMETER;
    /* NT probes both for writing (ProbeForWritePointer writes each back) before reading them. */
    status = ExCapture(&base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExReturn((uintptr_t *)BaseAddress, &base);
    if (NT_SUCCESS(status))
        status = ExCapture(&size, RegionSize);
    if (NT_SUCCESS(status))
        status = ExReturn(RegionSize, &size);
    if (!NT_SUCCESS(status))
        return status;
    if (base > MmHighestUserAddress || MmHighestUserAddress - base < size || size == 0)
        return STATUS_INVALID_PARAMETER;
    *Start = base & ~(uintptr_t)(PAGE_SIZE - 1);
    *LastPage = (base + size - 1) & ~(uintptr_t)(PAGE_SIZE - 1);
    return STATUS_SUCCESS;
}

/* AWE pages and large pages, private or a section's, are resident already and outside the
 * working set: there is nothing to lock. */
static bool MiIsResidentVad(const MMVAD_SHORT *Vad)
{
    return MiIsPhysicalVad(Vad) || Vad->u.VadFlags.VadType == VadLargePageSection;
}

/* The working-set entry of a valid page (a view's shared page is found by its address).
 * Working-set mutex held. */
static uint32_t MiWsIndexOf(MMSUPPORT *Ws, uintptr_t Va)
{
    return MiLocateWsle(Ws, Va);
}

static uint32_t MiLockFlags(uint32_t MapType)
{
    return ((MapType & MAP_PROCESS) ? MI_WSLE_LOCKED_IN_WS : 0) |
           ((MapType & MAP_SYSTEM) ? MI_WSLE_LOCKED_IN_MEMORY : 0);
}

/*
 * Lock [Start, LastPage] in the current process's working set. *LastPage comes back smaller if
 * a page could be touched once but no longer (a device error, NT's case): the pages before it
 * stay locked. Address-creation lock held.
 */
static NTSTATUS MiLockPages(MMPROCESS *Process, uintptr_t Start, uintptr_t *LastPage,
                            uint32_t MapType)
{
    MMSUPPORT *ws = &Process->Vm;
    MMWSL *wsl = ws->VmWorkingSetList;
    uint32_t toLock = (uint32_t)((*LastPage - Start) >> PAGE_SHIFT), alreadyLocked = 0, value;
    uint32_t flags = MiLockFlags(MapType);
    bool wasLocked = false;
    NTSTATUS status;

    if (toLock + MM_FLUID_WORKING_SET > ws->MinimumWorkingSetSize)
        return STATUS_WORKING_SET_QUOTA;
    MiLockWorkingSet(ws);
    for (uintptr_t va = Start; va <= *LastPage && va >= Start; va += PAGE_SIZE) {
        MMVAD_SHORT *vad = MiLocateAddress(&Process->AddressSpace, va);
        uint32_t index;

        if (!vad) {
            MiUnlockWorkingSet(ws);
            return STATUS_ACCESS_VIOLATION;
        }
        if (vad->u.VadFlags.VadType == VadDevicePhysicalMemory) {   /* NT's: no such lock */
            MiUnlockWorkingSet(ws);
            return STATUS_INCOMPATIBLE_FILE_MAP;
        }
        if (!MmIsAddressValid((void *)va) || MiIsResidentVad(vad))
            continue;
        index = MiWsIndexOf(ws, va);
        if (index < wsl->FirstDynamic) {
            alreadyLocked++;
            wasLocked |= (wsl->Wsle[index].u1.Long & flags) != 0;
        }
    }
    MiUnlockWorkingSet(ws);
    if (ws->MinimumWorkingSetSize < wsl->FirstDynamic + toLock + MM_FLUID_WORKING_SET - alreadyLocked)
        return STATUS_WORKING_SET_QUOTA;

    for (uintptr_t va = Start; va <= *LastPage && va >= Start; va += PAGE_SIZE) {
        status = KeProbeRead32((void *)va, &value);
        if (!NT_SUCCESS(status))
            return status;
    }

    MiLockWorkingSet(ws);
    for (uintptr_t va = Start; va <= *LastPage && va >= Start; va += PAGE_SIZE) {
        if (MiIsResidentVad(MiLocateAddress(&Process->AddressSpace, va)))
            continue;
        /* Each fault may have replaced a page touched before (never a locked one). */
        while (!MmIsAddressValid((void *)va)) {
            MiUnlockWorkingSet(ws);
            status = KeProbeRead32((void *)va, &value);
            if (!NT_SUCCESS(status)) {
                if (va == Start)
                    return status;
                *LastPage = va - PAGE_SIZE;
                return wasLocked ? STATUS_WAS_LOCKED : STATUS_SUCCESS;
            }
            MiLockWorkingSet(ws);
        }
        MiLockWsle(ws, MiWsIndexOf(ws, va), flags);
    }
    MiUnlockWorkingSet(ws);
    return wasLocked ? STATUS_WAS_LOCKED : STATUS_SUCCESS;
}

/*
 * Unlock [Start, LastPage]: every page must be locked the MapType way (MAP_PROCESS looks at
 * LockedInWs, MAP_SYSTEM alone at LockedInMemory), or nothing is unlocked and the answer is
 * STATUS_NOT_LOCKED. As in NT, a valid page found not locked at all leaves the working set on
 * the way (VirtualUnlock of unlocked pages trims them). Address-creation lock held.
 */
static NTSTATUS MiUnlockPages(MMPROCESS *Process, uintptr_t Start, uintptr_t LastPage,
                              uint32_t MapType)
{
    MMSUPPORT *ws = &Process->Vm;
    MMWSL *wsl = ws->VmWorkingSetList;
    uint32_t wanted = (MapType & MAP_PROCESS) ? MI_WSLE_LOCKED_IN_WS : MI_WSLE_LOCKED_IN_MEMORY;
    NTSTATUS status = STATUS_SUCCESS;

    MiLockWorkingSet(ws);
    for (uintptr_t va = Start; va <= LastPage && va >= Start; va += PAGE_SIZE) {
        MMVAD_SHORT *vad = MiLocateAddress(&Process->AddressSpace, va);
        uint32_t index;

        if (!vad || MiIsResidentVad(vad) ||         /* AWE and large pages are never locked */
            vad->u.VadFlags.VadType == VadDevicePhysicalMemory) {
            status = STATUS_NOT_LOCKED;
            break;
        }
        if (!MmIsAddressValid((void *)va)) {
            status = STATUS_NOT_LOCKED;
            continue;
        }
        index = MiWsIndexOf(ws, va);
        if (!(wsl->Wsle[index].u1.Long & MI_WSLE_LOCKED)) {
            MiEvictWsle(ws, index);
            status = STATUS_NOT_LOCKED;
        } else if (!(wsl->Wsle[index].u1.Long & wanted)) {
            status = STATUS_NOT_LOCKED;
        }
    }
    if (NT_SUCCESS(status)) {
        for (uintptr_t va = Start; va <= LastPage && va >= Start; va += PAGE_SIZE)
            MiUnlockWsle(ws, MiWsIndexOf(ws, va), MiLockFlags(MapType));
    }
    MiUnlockWorkingSet(ws);
    return status;
}

/* What both services share: the checks, the process, and the range given back. */
static NTSTATUS MiLockOrUnlock(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                               uint32_t MapType, bool Lock)
{
    uintptr_t start, lastPage;
    uint32_t size;
    MI_VM_CALL call;
    NTSTATUS status, returned;

    status = MiCaptureLockRange(BaseAddress, RegionSize, MapType, &start, &lastPage);
    if (!NT_SUCCESS(status))
        return status;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_VM_OPERATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    if ((MapType & MAP_SYSTEM) && !MiSinglePrivilegeCheck(SE_LOCK_MEMORY_PRIVILEGE))
        status = STATUS_PRIVILEGE_NOT_HELD;
    else if (call.Process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else if (Lock)
        status = MiLockPages(call.Process, start, &lastPage, MapType);
    else
        status = MiUnlockPages(call.Process, start, lastPage, MapType);
    MiDetachVmProcess(&call);
    if (!NT_SUCCESS(status))
        return status;
    size = (uint32_t)(lastPage - start) + PAGE_SIZE;
    returned = ExReturn(RegionSize, &size);
    if (NT_SUCCESS(returned))
        returned = ExReturn((uintptr_t *)BaseAddress, &start);
    return NT_SUCCESS(returned) ? status : returned;
}

NTSTATUS NtLockVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                             uint32_t MapType)
{
    return MiLockOrUnlock(ProcessHandle, BaseAddress, RegionSize, MapType, true);
}

NTSTATUS NtUnlockVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                               uint32_t MapType)
{
    return MiLockOrUnlock(ProcessHandle, BaseAddress, RegionSize, MapType, false);
}
