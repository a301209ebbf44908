/*
 * user/kernel32/heap.c: the Heap* calls, over ntdll's heap manager (user/ntdll/heap.c).
 * As on Windows XP, HeapAlloc, HeapReAlloc, HeapFree and HeapSize are ntdll's
 * RtlAllocateHeap, RtlReAllocateHeap, RtlFreeHeap and RtlSizeHeap, forwarded (kernel32.def);
 * of them only RtlFreeHeap sets the last error (ERROR_INVALID_PARAMETER for a bad block).
 * HeapDestroy sets it too, and is kernel32's own.
 */
#include "k32.h"

HANDLE WINAPI GetProcessHeap(void)
{
    return NtCurrentPeb()->ProcessHeap;
}

/* MaximumSize 0: a growable heap; otherwise a fixed one of that size. */
HANDLE WINAPI HeapCreate(DWORD Options, SIZE_T InitialSize, SIZE_T MaximumSize)
{
    ULONG flags = Options & (HEAP_GENERATE_EXCEPTIONS | HEAP_NO_SERIALIZE);
    HANDLE heap;

    if (MaximumSize && MaximumSize < InitialSize) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (!MaximumSize)
        flags |= HEAP_GROWABLE;
    heap = RtlCreateHeap(flags, NULL, MaximumSize, InitialSize, NULL, NULL);
    if (!heap)
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return heap;
}

WINBOOL WINAPI HeapDestroy(HANDLE Heap)
{
    if (Heap == GetProcessHeap() || RtlDestroyHeap(Heap)) {
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    return TRUE;
}

