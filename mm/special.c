/*
 * mm/special.c: special pool, which catches an overrun or a use after free the moment it
 * happens. With `specialpool=<tag>` (or `*` for every tag), ExAllocatePoolWithTag sends each
 * matching request of up to a page less a header here. It gets a page of its own, placed so
 * that the allocation ends where the page ends, and the page after it is a no-access guard:
 *
 *   data page (valid)                                          guard page (no access)
 *   +--------+-----------------------------+------------------+----------------------+
 *   | header | pattern ...                 | the allocation   |                      |
 *   +--------+-----------------------------+------------------+----------------------+
 *   page                                   P        P + bytes = page + 0x1000
 *
 * The header is a POOL_HEADER whose Ulong1 holds the byte count (and MI_SPECIAL_POOL_PAGEABLE
 * for a paged request) and whose PoolTag is the tag; the pattern fills the rest up to P.
 *
 * A byte written past the end touches the guard page, and MmAccessFault (which sends faults in
 * this range here first, at any IRQL) bugchecks PAGE_FAULT_BEYOND_END_OF_ALLOCATION (0xCD).
 * On free the page goes back to the page lists and its PTE stays invalid, so a later touch is
 * PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xCC); both with (address, 1 for a write, faulting eip,
 * 0). Free also checks what the caller could have damaged, with
 * SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION (0xC1) and NT's fourth parameters: 0x20 not
 * allocated (address, 0, 0), 0x21 not where the allocation starts (address, bytes in the
 * header, bytes from address to the page end), 0x23 the pattern changed (address, the first
 * changed byte, 0); 0x30 and 0x31 are allocating and freeing at a bad IRQL (IRQL, type,
 * bytes or address).
 *
 * The range is MM_SPECIAL_POOL_PTES system PTEs reserved at start-up (the layout added that
 * many), taken as pairs of a data PTE and a guard PTE. Guard PTEs are always no-access. The
 * data PTE of a free pair is a no-access PTE too, whose NextEntry links the free pairs in
 * FIFO order, so a freed address is reused as late as possible:
 *
 *   MiSpecialPoolFirstPte -> { MM_NOACCESS, NextEntry } -> ... -> MiSpecialPoolLastPte
 *
 * NT's own implementation is not in the WRK; this follows its documented behaviour. Special
 * pool pages are resident whatever the type asked for, and the pool tracker does not count
 * them: MmSpecialPagesInUse does.
 */
#include "mm/pool.h"

#define MI_SPECIAL_POOL_NOT_ALLOCATED   0x20
#define MI_SPECIAL_POOL_BAD_ADDRESS     0x21
#define MI_SPECIAL_POOL_PATTERN_CHANGED 0x23
#define MI_SPECIAL_POOL_ALLOCATE_IRQL   0x30
#define MI_SPECIAL_POOL_FREE_IRQL       0x31
#define MI_SPECIAL_POOL_PAIR            (2 * PAGE_SIZE)
#define MI_FAULT_STATUS_WRITE           1       /* FaultStatus bit 0 */

uint32_t MmSpecialPoolTag;
uintptr_t MmSpecialPoolStart, MmSpecialPoolEnd;
uint32_t MmSpecialPagesInUse;
static MMPTE *MiSpecialPoolFirstPte, *MiSpecialPoolLastPte;
static KSPIN_LOCK MiSpecialPoolLock;

bool MmIsSpecialPoolAddress(const void *VirtualAddress)
{
    uintptr_t va = (uintptr_t)VirtualAddress;

    return va >= MmSpecialPoolStart && va < MmSpecialPoolEnd;
}

/* The data page of the pair that holds Va, an address in special pool. */
uintptr_t MiSpecialPoolDataPage(uintptr_t Va)
{
    return Va - (Va - MmSpecialPoolStart) % MI_SPECIAL_POOL_PAIR;
}

/* The byte that fills a special pool page before the allocation at P: never zero. */
uint8_t MiSpecialPoolPattern(const void *P)
{
    return (uint8_t)(((uintptr_t)P >> PAGE_SHIFT) | 1);
}

/* Special pool serves this request (only a page less a header fits). */
bool MmUseSpecialPool(size_t NumberOfBytes, uint32_t Tag)
{
    return MmSpecialPoolStart != 0 && NumberOfBytes <= MI_SPECIAL_POOL_MAXIMUM &&
           (MmSpecialPoolTag == MI_SPECIAL_POOL_ALL_TAGS ||
            MmSpecialPoolTag == (Tag & ~PROTECTED_POOL));
}

/* Append a free pair, by its data PTE, to the FIFO. Special pool lock held. */
static void MiQueueSpecialPoolPair(MMPTE *DataPte)
{
    DataPte->u.Long = MM_KERNEL_NOACCESS_PTE;
    DataPte->u.List.NextEntry = MM_EMPTY_PTE_LIST;
    if (MiSpecialPoolLastPte)
        MiSpecialPoolLastPte->u.List.NextEntry = (uint32_t)(DataPte - MmSystemPteBase);
    else
        MiSpecialPoolFirstPte = DataPte;
    MiSpecialPoolLastPte = DataPte;
}

/* The oldest free pair's data PTE, or NULL when every pair is in use. */
static MMPTE *MiTakeSpecialPoolPair(void)
{
    MMPTE *pte;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiSpecialPoolLock, &oldIrql);
    pte = MiSpecialPoolFirstPte;
    if (pte) {
        uint32_t next = pte->u.List.NextEntry;

        MiSpecialPoolFirstPte = next == MM_EMPTY_PTE_LIST ? NULL : MmSystemPteBase + next;
        if (!MiSpecialPoolFirstPte)
            MiSpecialPoolLastPte = NULL;
        MmSpecialPagesInUse++;
    }
    KeReleaseSpinLock(&MiSpecialPoolLock, oldIrql);
    return pte;
}

static void MiReturnSpecialPoolPair(MMPTE *DataPte)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiSpecialPoolLock, &oldIrql);
    MiQueueSpecialPoolPair(DataPte);
    MmSpecialPagesInUse--;
    KeReleaseSpinLock(&MiSpecialPoolLock, oldIrql);
}

/* Put a physical page behind DataPte, committed as every resident page outside the image
 * is; false when commitment or a page is not to be had. */
static bool MiMakeSpecialPoolPage(MMPTE *DataPte)
{
    uint32_t frame;
    KIRQL oldIrql;

    if (!MiChargeCommitment(1))
        return false;
    LOCK_PFN(oldIrql);
    if (MmAvailablePages < MmMinimumFreePages || !MiChargeResidentAvailable(1)) {
        UNLOCK_PFN(oldIrql);
        MiReturnCommitment(1);
        return false;
    }
    frame = MiRemoveAnyPage();
    DataPte->u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
    MiInitializePfn(frame, DataPte, true);
    *DataPte = MiMakeValidKernelPte(frame);
    UNLOCK_PFN(oldIrql);
    return true;
}

/*
 * NumberOfBytes (1 to MI_SPECIAL_POOL_MAXIMUM) ending at a page's end, in front of a guard
 * page; NULL when no pair or no physical page is free, and the caller uses ordinary pool.
 */
void *MmAllocateSpecialPool(size_t NumberOfBytes, uint32_t Tag, POOL_TYPE PoolType)
{
    KIRQL irql = KeGetCurrentIrql();
    POOL_HEADER *header;
    uint8_t *block;
    MMPTE *pte;

    if (irql > (PoolType == PagedPool ? APC_LEVEL : DISPATCH_LEVEL))
        KeBugCheckEx(SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, irql, PoolType, NumberOfBytes,
                     MI_SPECIAL_POOL_ALLOCATE_IRQL);
    pte = MiTakeSpecialPoolPair();
    if (!pte)
        return NULL;
    if (!MiMakeSpecialPoolPage(pte)) {
        MiReturnSpecialPoolPair(pte);
        return NULL;
    }
    header = MiGetVirtualAddressMappedByPte(pte);
    block = (uint8_t *)header + PAGE_SIZE - NumberOfBytes;
    header->Ulong1 = (uint32_t)NumberOfBytes;
    if (PoolType == PagedPool)
        header->Ulong1 |= MI_SPECIAL_POOL_PAGEABLE;
    header->PoolTag = Tag;
    RtlFillMemory(header + 1, block - (uint8_t *)(header + 1), MiSpecialPoolPattern(block));
    return block;
}

/* The pattern between the header and P must be as MmAllocateSpecialPool left it. */
static void MiCheckSpecialPoolPattern(const POOL_HEADER *Header, const uint8_t *P)
{
    uint8_t pattern = MiSpecialPoolPattern(P);

    for (const uint8_t *b = (const uint8_t *)(Header + 1); b < P; b++) {
        if (*b != pattern)
            KeBugCheckEx(SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, (uintptr_t)P, (uintptr_t)b,
                         0, MI_SPECIAL_POOL_PATTERN_CHANGED);
    }
}

/* Free what MmAllocateSpecialPool returned; its page goes, its PTE stays invalid. */
void MmFreeSpecialPool(void *P)
{
    uintptr_t page = (uintptr_t)PAGE_ALIGN(P);
    MMPTE *pte = MiGetPteAddress(page);
    const POOL_HEADER *header = (const POOL_HEADER *)page;
    KIRQL irql = KeGetCurrentIrql(), oldIrql;
    uint32_t bytes;
    POOL_TYPE poolType;

    if (MiSpecialPoolDataPage(page) != page || !pte->u.Hard.Valid)
        KeBugCheckEx(SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, (uintptr_t)P, 0, 0,
                     MI_SPECIAL_POOL_NOT_ALLOCATED);
    bytes = header->Ulong1 & MI_SPECIAL_POOL_SIZE_MASK;
    poolType = (header->Ulong1 & MI_SPECIAL_POOL_PAGEABLE) ? PagedPool : NonPagedPool;
    if (irql > (poolType == PagedPool ? APC_LEVEL : DISPATCH_LEVEL))
        KeBugCheckEx(SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, irql, poolType, (uintptr_t)P,
                     MI_SPECIAL_POOL_FREE_IRQL);
    if (BYTE_OFFSET(P) + bytes != PAGE_SIZE)
        KeBugCheckEx(SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, (uintptr_t)P, bytes,
                     PAGE_SIZE - BYTE_OFFSET(P), MI_SPECIAL_POOL_BAD_ADDRESS);
    MiCheckSpecialPoolPattern(header, P);

    LOCK_PFN(oldIrql);
    MiDeleteSystemPte(pte);
    MiReturnResidentAvailable(1);
    UNLOCK_PFN(oldIrql);
    MiReturnCommitment(1);
    MiReturnSpecialPoolPair(pte);
}

/*
 * A fault at Va in the special pool range. A valid PTE was a stale TB entry and a probe gets
 * STATUS_ACCESS_VIOLATION; otherwise the pair's data page tells a live allocation (the guard
 * was touched: 0xCD) from a freed one (0xCC).
 */
NTSTATUS MiCheckSpecialPoolFault(uint32_t FaultStatus, uintptr_t Va, void *TrapInformation)
{
    uintptr_t write = (FaultStatus & MI_FAULT_STATUS_WRITE) != 0;
    uintptr_t eip = TrapInformation ? ((KTRAP_FRAME *)TrapInformation)->Eip : 0;

    if (MiGetPteAddress(Va)->u.Hard.Valid)
        return STATUS_SUCCESS;
    if (KeInvalidAccessAllowed(TrapInformation))
        return STATUS_ACCESS_VIOLATION;
    if (!MiGetPteAddress(MiSpecialPoolDataPage(Va))->u.Hard.Valid)
        KeBugCheckEx(PAGE_FAULT_IN_FREED_SPECIAL_POOL, Va, write, eip, 0);
    KeBugCheckEx(PAGE_FAULT_BEYOND_END_OF_ALLOCATION, Va, write, eip, 0);
}

/*
 * Start-up, when specialpool= was given: reserve the range and queue every pair. Without
 * enough system PTEs special pool stays off, and says so.
 */
void MiInitializeSpecialPool(void)
{
    uint32_t tag = KeBootOptions.SpecialPoolTag;
    MMPTE *pte;

    if (tag == 0)
        return;
    pte = MiReserveSystemPtes(MM_SPECIAL_POOL_PTES, SystemPteSpace);
    if (!pte) {
        DbgPrint("Special pool: %u system PTEs are not free; special pool is off\n",
                 MM_SPECIAL_POOL_PTES);
        return;
    }
    KeInitializeSpinLock(&MiSpecialPoolLock);
    for (uint32_t i = 0; i < MM_SPECIAL_POOL_PTES; i += 2) {
        MiQueueSpecialPoolPair(&pte[i]);
        pte[i + 1].u.Long = MM_KERNEL_NOACCESS_PTE;
    }
    MmSpecialPoolTag = tag;
    MmSpecialPoolStart = (uintptr_t)MiGetVirtualAddressMappedByPte(pte);
    MmSpecialPoolEnd = MmSpecialPoolStart + MM_SPECIAL_POOL_PTES * PAGE_SIZE;
    if (tag == MI_SPECIAL_POOL_ALL_TAGS)
        DbgPrint("Special pool: %u pages at %08x-%08x for every tag\n", MM_SPECIAL_POOL_PTES / 2,
                 MmSpecialPoolStart, MmSpecialPoolEnd - 1);
    else
        DbgPrint("Special pool: %u pages at %08x-%08x for tag '%.4s'\n",
                 MM_SPECIAL_POOL_PTES / 2, MmSpecialPoolStart, MmSpecialPoolEnd - 1,
                 (const char *)&MmSpecialPoolTag);
}
