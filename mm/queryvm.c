/*
 * mm/queryvm.c: NtQueryVirtualMemory, MemoryBasicInformation (NT's queryvm.c) and
 * MemoryWorkingSetExInformation (below). From the page
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
#define MemoryWorkingSetExInformation 4

/*
 * MemoryWorkingSetExInformation (psapi's QueryWorkingSetEx): for each entry of the caller's
 * array, the page at its VirtualAddress: Valid when it is in the working set, then ShareCount
 * (its PFN's share count, at most 7: the processes mapping it), Win32Protection, Shared (a
 * prototype page: a section's or a fork's) and Locked; a page under a PS PDE is Valid, Locked
 * and LargePage. BaseAddress is not used; Length must hold one entry
 * (STATUS_INFO_LENGTH_MISMATCH).
 */
typedef struct _MI_WORKING_SET_EX_ENTRY {
    uint32_t VirtualAddress;
    union {
        uint32_t Flags;
        struct {
            uint32_t Valid : 1;
            uint32_t ShareCount : 3;
            uint32_t Win32Protection : 11;
            uint32_t Shared : 1;
            uint32_t Node : 6;
            uint32_t Locked : 1;
            uint32_t LargePage : 1;
            uint32_t Reserved : 7;
            uint32_t Bad : 1;
        };
    } VirtualAttributes;
} MI_WORKING_SET_EX_ENTRY;

_Static_assert(sizeof(MI_WORKING_SET_EX_ENTRY) == 8, "MEMORY_WORKING_SET_EX_INFORMATION on x86");

/* One page's attributes, in the attached process. */
static uint32_t MiQueryWorkingSetExPage(MMPROCESS *Process, uintptr_t Va)
{
    MI_WORKING_SET_EX_ENTRY entry = { 0 };
    MMVAD_SHORT *vad;
    MMPTE pte;
    MMPFN *pfn;
    uint32_t index;

    if (Va > MM_HIGHEST_VAD_ADDRESS || !(vad = MiLocateAddress(&Process->AddressSpace, Va)))
        return 0;
    MiLockWorkingSet(&Process->Vm);
    if (MI_IS_PHYSICAL_ADDRESS(Va)) {
        /* A large page: no PTE and no entry in the list, locked in memory. A section's page has
         * the section's own share besides its views' (NT's queryvm.c takes it off). */
        pfn = MI_PFN_ELEMENT(MI_CONVERT_PHYSICAL_TO_PFN(Va));
        entry.VirtualAttributes.Valid = 1;
        entry.VirtualAttributes.LargePage = 1;
        entry.VirtualAttributes.Locked = 1;
        entry.VirtualAttributes.Shared = pfn->u3.e1.PrototypePte;
        if (pfn->u3.e1.PrototypePte)
            entry.VirtualAttributes.ShareCount = MIN(pfn->u2.ShareCount - 1, 7u);
        entry.VirtualAttributes.Win32Protection =
            MiProtectToWin32(vad->u.VadFlags.Protection) & 0x7FF;
    } else if (MiGetPdeAddress(Va)->u.Hard.Valid && (pte = *MiGetPteAddress(Va)).u.Hard.Valid) {
        pfn = MI_PFN_ELEMENT(pte.u.Hard.PageFrameNumber);
        index = MiLocateWsle(&Process->Vm, Va);
        entry.VirtualAttributes.Valid = index != WSLE_NULL_INDEX;
        entry.VirtualAttributes.ShareCount = MIN(pfn->u2.ShareCount, 7u);
        entry.VirtualAttributes.Shared = pfn->u3.e1.PrototypePte;
        entry.VirtualAttributes.Win32Protection = MiProtectToWin32(MiQueryPageProtection(vad, Va)) & 0x7FF;
        entry.VirtualAttributes.Locked = index != WSLE_NULL_INDEX &&
                                         index < Process->Vm.VmWorkingSetList->FirstDynamic;
    }
    MiUnlockWorkingSet(&Process->Vm);
    return entry.VirtualAttributes.Flags;
}

static NTSTATUS MiQueryWorkingSetEx(void *ProcessHandle, void *Information, uint32_t Length,
                                    uint32_t *ReturnLength)
{
    MI_WORKING_SET_EX_ENTRY *entries = Information;
    uint32_t count = Length / sizeof(*entries);
    MI_VM_CALL call;
    NTSTATUS status;

    if (Length < sizeof(*entries))
        return STATUS_INFO_LENGTH_MISMATCH;
    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(Information, Length, 4);
        if (NT_SUCCESS(status) && ReturnLength)
            status = ProbeForWrite(ReturnLength, 4, 1);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = MiAttachVmProcess(ProcessHandle, PROCESS_QUERY_INFORMATION, &call);
    if (!NT_SUCCESS(status))
        return status;
    for (uint32_t i = 0; i < count && NT_SUCCESS(status); i++) {
        uint32_t va = 0, flags;

        /* The caller's array is in the caller's process; the pages are the target's. */
        MiDetachVmProcess(&call);
        status = ExCapture(&va, &entries[i].VirtualAddress);
        if (NT_SUCCESS(status))
            status = MiAttachVmProcess(ProcessHandle, PROCESS_QUERY_INFORMATION, &call);
        if (!NT_SUCCESS(status))
            return status;
        flags = (call.Process->Flags & PS_PROCESS_FLAGS_VM_DELETED) ? 0
                : MiQueryWorkingSetExPage(call.Process, va);
        MiDetachVmProcess(&call);
        status = ExReturn(&entries[i].VirtualAttributes.Flags, &flags);
        if (!NT_SUCCESS(status))
            return status;
        status = MiAttachVmProcess(ProcessHandle, PROCESS_QUERY_INFORMATION, &call);
    }
    if (NT_SUCCESS(status))
        MiDetachVmProcess(&call);
    if (NT_SUCCESS(status) && ReturnLength)
        status = ExReturn(ReturnLength, &Length);
    return status;
}

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

    if (InformationClass == MemoryWorkingSetExInformation)
        return MiQueryWorkingSetEx(ProcessHandle, Information, Length, ReturnLength);
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
