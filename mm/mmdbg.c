/*
 * mm/mmdbg.c: memory access for the debugger, as NT's MmDbgCopyMemory gives it to kd. A
 * debugger may write where the system may not: code and read-only data are patched through a
 * hyperspace window on their frame, leaving their PTEs read-only, so `ed` can patch code while
 * a stray write from the kernel itself is still ATTEMPTED_WRITE_TO_READONLY_MEMORY.
 */
#include "mm/mi.h"

/* Copy Bytes bytes to Destination within one page: through a hyperspace window when its PTE
 * is valid and read-only, otherwise directly (a pageable page faults in as usual; a large page,
 * always writable, has no PTE to look at). */
static void MiDbgWritePage(uint8_t *Destination, const uint8_t *Source, uint32_t Bytes)
{
    MMPTE *pte = MiGetPteAddress(Destination);
    KIRQL oldIrql;
    uint8_t *window;

    if (!MiGetPdeAddress(Destination)->u.Hard.Valid || MI_IS_PHYSICAL_ADDRESS(Destination) ||
        !pte->u.Hard.Valid || pte->u.Hard.Write) {
        RtlCopyMemory(Destination, Source, Bytes);
        return;
    }
    window = MiMapPageInHyperSpace(pte->u.Hard.PageFrameNumber, &oldIrql);
    RtlCopyMemory(window + BYTE_OFFSET(Destination), Source, Bytes);
    MiUnmapPageInHyperSpace(window, oldIrql);
}

/*
 * Write Size bytes from Buffer at Address, aligned or not, for the debugger. Every page the
 * range touches is probed first: if one cannot be read, nothing is written and the result is
 * STATUS_ACCESS_VIOLATION. PASSIVE_LEVEL (a pageable page may have to be read in).
 */
NTSTATUS MmDbgWriteMemory(void *Address, const void *Buffer, uint32_t Size)
{
    uint64_t start = (uintptr_t)Address, end = start + Size;
    const uint8_t *source = Buffer;
    uint32_t value;

    if (end > (1ull << 32))
        return STATUS_ACCESS_VIOLATION;
    for (uint64_t va = start; va < end; va = (va & ~(uint64_t)(PAGE_SIZE - 1)) + PAGE_SIZE) {
        if (!NT_SUCCESS(KeProbeRead32((void *)(uintptr_t)(va & ~3ull), &value)))
            return STATUS_ACCESS_VIOLATION;
    }
    for (uint64_t va = start; va < end;) {
        uint32_t bytes = (uint32_t)(MIN(end, (va & ~(uint64_t)(PAGE_SIZE - 1)) + PAGE_SIZE) - va);

        MiDbgWritePage((uint8_t *)(uintptr_t)va, source, bytes);
        source += bytes;
        va += bytes;
    }
    return STATUS_SUCCESS;
}
