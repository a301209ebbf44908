/*
 * user/kernel32/physical.c: Address Windowing Extensions and the large-page size, Windows'
 * kernel32 calls over the AWE services (mm/physical.c): AllocateUserPhysicalPages,
 * FreeUserPhysicalPages, MapUserPhysicalPages, MapUserPhysicalPagesScatter, each one system
 * service with the status as the last error (STATUS_PRIVILEGE_NOT_HELD is
 * ERROR_PRIVILEGE_NOT_HELD, STATUS_CONFLICTING_ADDRESSES ERROR_INVALID_ADDRESS, the
 * STATUS_INVALID_PARAMETER_n ERROR_INVALID_PARAMETER ...); and GetLargePageMinimum, which
 * reads KUSER_SHARED_DATA's LargePageMinimum (4 MB when the processor has PSE, else 0), as
 * Windows' does. The regions themselves are VirtualAlloc's (MEM_RESERVE | MEM_PHYSICAL).
 */
#include "k32.h"

static WINBOOL BaseStatus(NTSTATUS Status)
{
    if (!NT_SUCCESS(Status)) {
        BaseSetLastNtError(Status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI AllocateUserPhysicalPages(HANDLE Process, PULONG_PTR NumberOfPages,
                                         PULONG_PTR PageArray)
{
    return BaseStatus(NtAllocateUserPhysicalPages(Process, NumberOfPages, PageArray));
}

WINBOOL WINAPI FreeUserPhysicalPages(HANDLE Process, PULONG_PTR NumberOfPages,
                                     PULONG_PTR PageArray)
{
    return BaseStatus(NtFreeUserPhysicalPages(Process, NumberOfPages, PageArray));
}

WINBOOL WINAPI MapUserPhysicalPages(PVOID VirtualAddress, ULONG_PTR NumberOfPages,
                                    PULONG_PTR PageArray)
{
    return BaseStatus(NtMapUserPhysicalPages(VirtualAddress, NumberOfPages, PageArray));
}

WINBOOL WINAPI MapUserPhysicalPagesScatter(PVOID *VirtualAddresses, ULONG_PTR NumberOfPages,
                                           PULONG_PTR PageArray)
{
    return BaseStatus(NtMapUserPhysicalPagesScatter(VirtualAddresses, NumberOfPages, PageArray));
}

SIZE_T WINAPI GetLargePageMinimum(VOID)
{
    return USER_SHARED_DATA->LargePageMinimum;
}
