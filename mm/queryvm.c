/*
 * mm/queryvm.c: NtQueryVirtualMemory, MemoryBasicInformation (NT's queryvm.c). From the page
 * holding BaseAddress: the run of pages with the same state and protection inside one region
 * (or the free run up to the next region), with the region's base and allocation protection.
 *
 *   free          State MEM_FREE, Protect PAGE_NOACCESS, AllocationBase 0, Type 0
 *   reserved      State MEM_RESERVE, Protect 0
 *   committed     State MEM_COMMIT, Protect the page's
 *   above the regions (the top 64 KB)  MEM_RESERVE, PAGE_NOACCESS, MEM_PRIVATE
 *   KUSER_SHARED_DATA's page           MEM_COMMIT, PAGE_READONLY, 4 KB
 *
 * A process that has ended (its address space emptied) is STATUS_PROCESS_IS_TERMINATING, as in
 * NT's queryvm.c.
 */
#include "mm/mi.h"

#define MemoryBasicInformation  0

/* The state of the page at Va in Vad: MEM_COMMIT with its protection, or MEM_RESERVE. */
static uint32_t MiQueryAddressState(const MMVAD_SHORT *Vad, uintptr_t Va, uint32_t *Protect)
{
    uint32_t protection = MiQueryPageProtection(Vad, Va);

    if (protection == 0 && !MiIsPageCommitted(Vad, Va)) {
        *Protect = 0;
        return MEM_RESERVE;
    }
    *Protect = MiProtectToWin32(protection);
    return MEM_COMMIT;
}

static void MiQueryRegion(MMPROCESS *Process, uintptr_t Va, MEMORY_BASIC_INFORMATION *Info)
{
    MMVAD_SHORT *vad = MiLocateAddress(&Process->AddressSpace, Va);
    uintptr_t page = Va & ~(uintptr_t)(PAGE_SIZE - 1);
    uint32_t state, protect, nextProtect;
    uintptr_t end;

    RtlZeroMemory(Info, sizeof(*Info));
    Info->BaseAddress = page;
    if (!vad) {
        MMADDRESS_NODE *node = MiGetFirstNode(&Process->AddressSpace.VadRoot);
        uintptr_t next = MM_HIGHEST_VAD_ADDRESS + 1;

        for (; node; node = MiGetNextNode(node)) {
            if ((node->StartingVpn << PAGE_SHIFT) > page) {
                next = node->StartingVpn << PAGE_SHIFT;
                break;
            }
        }
        Info->RegionSize = (uint32_t)(next - page);
        Info->State = MEM_FREE;
        Info->Protect = PAGE_NOACCESS;
        return;
    }
    Info->AllocationBase = vad->Node.StartingVpn << PAGE_SHIFT;
    Info->AllocationProtect = MiProtectToWin32(vad->u.VadFlags.Protection);
    Info->Type = vad->u.VadFlags.VadType == VadImageMap ? MEM_IMAGE :
                 vad->u.VadFlags.PrivateMemory ? MEM_PRIVATE : MEM_MAPPED;
    end = (vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
    MiLockWorkingSet(&Process->Vm);
    state = MiQueryAddressState(vad, page, &protect);
    for (Va = page + PAGE_SIZE; Va <= end && Va > page; Va += PAGE_SIZE) {
        if (MiQueryAddressState(vad, Va, &nextProtect) != state || nextProtect != protect)
            break;
    }
    MiUnlockWorkingSet(&Process->Vm);
    Info->RegionSize = (uint32_t)(Va - page);
    Info->State = state;
    Info->Protect = protect;
}

NTSTATUS NtQueryVirtualMemory(void *ProcessHandle, void *BaseAddress, uint32_t InformationClass,
                              void *Information, uint32_t Length, uint32_t *ReturnLength)
{
    uintptr_t va = (uintptr_t)BaseAddress;
    MEMORY_BASIC_INFORMATION info;
    uint32_t returned = sizeof(info);
    MI_VM_CALL call;
    NTSTATUS status;

    if (InformationClass != MemoryBasicInformation)
        return STATUS_INVALID_INFO_CLASS;
    if (Length < sizeof(MEMORY_BASIC_INFORMATION))
        return STATUS_INFO_LENGTH_MISMATCH;
    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(Information, Length, 4);
        if (NT_SUCCESS(status) && ReturnLength)
            status = ProbeForWrite(ReturnLength, 4, 1);
        if (!NT_SUCCESS(status))
            return status;
    }
    if (va > MmHighestUserAddress)
        return STATUS_INVALID_PARAMETER;
    status = MiAttachVmProcess(ProcessHandle, PROCESS_QUERY_INFORMATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    if (call.Process->Flags & PS_PROCESS_FLAGS_VM_DELETED) {   /* it has no address space left */
        MiDetachVmProcess(&call);
        return STATUS_PROCESS_IS_TERMINATING;
    }
    if ((va & ~(uintptr_t)(PAGE_SIZE - 1)) == MM_SHARED_USER_DATA_VA) {
        info = (MEMORY_BASIC_INFORMATION){ MM_SHARED_USER_DATA_VA, MM_SHARED_USER_DATA_VA,
                                           PAGE_READONLY, PAGE_SIZE, MEM_COMMIT, PAGE_READONLY,
                                           MEM_PRIVATE };
    } else if (va > MM_HIGHEST_VAD_ADDRESS) {
        uintptr_t page = va & ~(uintptr_t)(PAGE_SIZE - 1);

        info = (MEMORY_BASIC_INFORMATION){ page, MM_HIGHEST_VAD_ADDRESS + 1, PAGE_NOACCESS,
                                           (uint32_t)(MmHighestUserAddress + 1 - page), MEM_RESERVE,
                                           PAGE_NOACCESS, MEM_PRIVATE };
        if (page < MM_SHARED_USER_DATA_VA)
            info.RegionSize = (uint32_t)(MM_SHARED_USER_DATA_VA - page);
    } else {
        MiQueryRegion(call.Process, va, &info);
    }
    MiDetachVmProcess(&call);
    status = ExReturn((MEMORY_BASIC_INFORMATION *)Information, &info);
    if (NT_SUCCESS(status) && ReturnLength)
        status = ExReturn(ReturnLength, &returned);
    return status;
}
