/*
 * mm/queryvm.c: NtQueryVirtualMemory, MemoryBasicInformation and
 * MemoryWorkingSetExInformation (NT's queryvm.c). From the page
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
#define MI_WS_EX_CHUNK          32      /* entries captured, answered and returned at a time */

/* MEMORY_WORKING_SET_EX_INFORMATION (Server 2003 SP1's psapi QueryWorkingSetEx): an address
 * in, its page's attributes out. */
typedef struct _MEMORY_WORKING_SET_EX_BLOCK {
    uint32_t Valid : 1;                 /* in the working set */
    uint32_t ShareCount : 3;            /* mappers of a shareable page, at most 7 */
    uint32_t Win32Protection : 11;
    uint32_t Shared : 1;                /* a section's page (prototype PTE), not private */
    uint32_t Node : 6;
    uint32_t Locked : 1;
    uint32_t LargePage : 1;
    uint32_t Reserved : 8;
} MEMORY_WORKING_SET_EX_BLOCK;

typedef struct _MEMORY_WORKING_SET_EX_INFORMATION {
    uint32_t VirtualAddress;
    MEMORY_WORKING_SET_EX_BLOCK VirtualAttributes;
} MEMORY_WORKING_SET_EX_INFORMATION;

_Static_assert(sizeof(MEMORY_WORKING_SET_EX_INFORMATION) == 8, "MEMORY_WORKING_SET_EX_INFORMATION");

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

/* One entry's attributes: valid pages only (a page not in the working set is all zero),
 * with the share count of a section's page. Attached, working-set mutex held. */
static void MiQueryWorkingSetEx(MMPROCESS *Process, MEMORY_WORKING_SET_EX_INFORMATION *Entry)
{
    uintptr_t va = Entry->VirtualAddress;
    MMVAD_SHORT *vad;
    MMPTE pte;
    KIRQL oldIrql;

    RtlZeroMemory(&Entry->VirtualAttributes, sizeof(Entry->VirtualAttributes));
    if (va > MM_HIGHEST_VAD_ADDRESS || !MiGetPdeAddress(va)->u.Hard.Valid)
        return;
    pte = *MiGetPteAddress(va);
    vad = MiLocateAddress(&Process->AddressSpace, va);
    if (!pte.u.Hard.Valid || !vad)
        return;
    LOCK_PFN(oldIrql);
    {
        MMPFN *pfn = MI_PFN_ELEMENT(pte.u.Hard.PageFrameNumber);

        Entry->VirtualAttributes.Valid = 1;
        Entry->VirtualAttributes.Shared = pfn->u3.e1.PrototypePte;
        if (pfn->u3.e1.PrototypePte)
            Entry->VirtualAttributes.ShareCount = MIN(pfn->u2.ShareCount, 7u);
    }
    UNLOCK_PFN(oldIrql);
    Entry->VirtualAttributes.Win32Protection = MiProtectToWin32(MiQueryPageProtection(vad, va));
}

/* MemoryWorkingSetExInformation: Length / 8 entries of Information, in chunks captured before
 * attaching (the buffer is the caller's) and returned after. */
static NTSTATUS MiQueryWorkingSetExInformation(void *ProcessHandle, void *Information,
                                               uint32_t Length, uint32_t *ReturnLength)
{
    MEMORY_WORKING_SET_EX_INFORMATION chunk[MI_WS_EX_CHUNK];
    MEMORY_WORKING_SET_EX_INFORMATION *user = Information;
    uint32_t count = Length / sizeof(*user), returned = count * sizeof(*user);
    MI_VM_CALL call;
    NTSTATUS status = STATUS_SUCCESS;

    if (count == 0)
        return STATUS_INFO_LENGTH_MISMATCH;
    for (uint32_t done = 0; done < count && NT_SUCCESS(status);) {
        uint32_t n = MIN(count - done, (uint32_t)MI_WS_EX_CHUNK);

        status = ExCaptureFromMode(ExGetPreviousMode(), chunk, user + done, n * sizeof(*user), 4);
        if (NT_SUCCESS(status))
            status = MiAttachVmProcess(ProcessHandle, PROCESS_QUERY_INFORMATION, &call);
        if (!NT_SUCCESS(status))
            break;
        if (call.Process->Flags & PS_PROCESS_FLAGS_VM_DELETED) {
            MiDetachVmProcess(&call);
            return STATUS_PROCESS_IS_TERMINATING;
        }
        MiLockWorkingSet(&call.Process->Vm);
        for (uint32_t i = 0; i < n; i++)
            MiQueryWorkingSetEx(call.Process, &chunk[i]);
        MiUnlockWorkingSet(&call.Process->Vm);
        MiDetachVmProcess(&call);
        status = ExReturnToMode(ExGetPreviousMode(), user + done, chunk, n * sizeof(*user), 4);
        done += n;
    }
    if (NT_SUCCESS(status) && ReturnLength)
        status = ExReturn(ReturnLength, &returned);
    return status;
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
        return MiQueryWorkingSetExInformation(ProcessHandle, Information, Length, ReturnLength);
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
