/*
 * mm/sysptes.c: system PTEs, NT's allocator of system virtual address space in page units.
 * Two pools: SystemPteSpace (kernel stacks, MmMapIoSpace, other mappings) and
 * NonPagedPoolExpansion (allocpag.c's expansion nonpaged pool).
 *
 * Free PTEs are kept as clusters sorted by address and linked through the free PTEs
 * themselves, in the MMPTE_LIST format. Links are indices from MmSystemPteBase (the PTE of
 * virtual address 0), so an index times PAGE_SIZE is the cluster's address:
 *
 *   MmFirstFreeSystemPte[type].u.List.NextEntry --> first cluster (MM_EMPTY_PTE_LIST: none)
 *   cluster of 1:   PTE[0] = { OneEntry = 1, NextEntry = next cluster }
 *   cluster of n:   PTE[0] = { OneEntry = 0, NextEntry = next cluster }
 *                   PTE[1] = { NextEntry = n }
 *
 * Reserving is first fit and takes the tail of a larger cluster (so the cluster's own PTEs
 * stay where they are); releasing zeroes the PTEs, flushes their TB entries and puts the run
 * back in order, merging with the cluster before and after when they touch. NT also caches
 * 1-16 PTE runs in per-size queues with a lazy TB flush; mm386 does without them.
 *
 * Running out gives NULL; callers that cannot fail use MiReserveSystemPtesMustSucceed, which
 * bugchecks NO_MORE_SYSTEM_PTES (type, count, free, total) as NT does.
 */
#include "mm/mi.h"

MMPTE *MmSystemPteBase = (MMPTE *)PTE_BASE;
MMPTE MmFirstFreeSystemPte[MaximumPtePoolTypes];
uint32_t MmTotalFreeSystemPtes[MaximumPtePoolTypes];
uint32_t MmTotalSystemPtes[MaximumPtePoolTypes];
MMPTE *MmSystemPtesStart[MaximumPtePoolTypes];  /* each pool's first PTE, as NT's */
MMPTE *MmSystemPtesEnd[MaximumPtePoolTypes];    /* and its last (not one past), as NT's */
static KSPIN_LOCK MiSystemPteLock;

static uint32_t MiClusterSize(const MMPTE *Cluster)
{
    return Cluster->u.List.OneEntry ? 1 : Cluster[1].u.List.NextEntry;
}

/* Write a free cluster of Size PTEs at Cluster, linked to Next. */
static void MiWriteCluster(MMPTE *Cluster, uint32_t Size, uint32_t Next)
{
    Cluster[0].u.Long = 0;
    Cluster[0].u.List.NextEntry = Next;
    if (Size == 1) {
        Cluster[0].u.List.OneEntry = 1;
    } else {
        Cluster[1].u.Long = 0;
        Cluster[1].u.List.NextEntry = Size;
    }
}

static MMPTE *MiClusterAt(uint32_t Index)
{
    return Index == MM_EMPTY_PTE_LIST ? NULL : MmSystemPteBase + Index;
}

void MiInitializeSystemPtes(MMPTE *StartingPte, uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type)
{
    RtlZeroMemory(StartingPte, NumberOfPtes * sizeof(MMPTE));
    MmFirstFreeSystemPte[Type].u.Long = 0;
    MmFirstFreeSystemPte[Type].u.List.NextEntry = MM_EMPTY_PTE_LIST;
    MmTotalFreeSystemPtes[Type] = 0;
    MmTotalSystemPtes[Type] = NumberOfPtes;
    if (NumberOfPtes == 0)
        return;
    MmSystemPtesStart[Type] = StartingPte;
    MmSystemPtesEnd[Type] = StartingPte + NumberOfPtes - 1;
    MiWriteCluster(StartingPte, NumberOfPtes, MM_EMPTY_PTE_LIST);
    MmFirstFreeSystemPte[Type].u.List.NextEntry = (uint32_t)(StartingPte - MmSystemPteBase);
    MmTotalFreeSystemPtes[Type] = NumberOfPtes;
}

/* NumberOfPtes consecutive PTEs, zero, or NULL when no free cluster is large enough. */
MMPTE *MiReserveSystemPtes(uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type)
{
    MMPTE *previous = &MmFirstFreeSystemPte[Type];
    MMPTE *result = NULL;
    KIRQL oldIrql;

    if (NumberOfPtes == 0)
        return NULL;
    KeAcquireSpinLock(&MiSystemPteLock, &oldIrql);
    for (MMPTE *cluster = MiClusterAt(previous->u.List.NextEntry); cluster;
         previous = cluster, cluster = MiClusterAt(cluster->u.List.NextEntry)) {
        uint32_t size = MiClusterSize(cluster);

        if (size < NumberOfPtes)
            continue;
        if (size == NumberOfPtes) {
            previous->u.List.NextEntry = cluster->u.List.NextEntry;
        } else {
            MiWriteCluster(cluster, size - NumberOfPtes, cluster->u.List.NextEntry);
        }
        result = cluster + size - NumberOfPtes;
        MmTotalFreeSystemPtes[Type] -= NumberOfPtes;
        break;
    }
    if (result)
        RtlZeroMemory(result, MIN(NumberOfPtes, 2) * sizeof(MMPTE));
    KeReleaseSpinLock(&MiSystemPteLock, oldIrql);
    return result;
}

MMPTE *MiReserveSystemPtesMustSucceed(uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type)
{
    MMPTE *pte = MiReserveSystemPtes(NumberOfPtes, Type);

    if (!pte)
        KeBugCheckEx(NO_MORE_SYSTEM_PTES, Type, NumberOfPtes, MmTotalFreeSystemPtes[Type],
                     MmTotalSystemPtes[Type]);
    return pte;
}

/* Zero a cluster header: its PTEs become interior ones of a larger cluster. */
static void MiClearClusterHeader(MMPTE *Cluster)
{
    uint32_t size = MiClusterSize(Cluster);

    Cluster[0].u.Long = MM_ZERO_PTE;
    if (size > 1)
        Cluster[1].u.Long = MM_ZERO_PTE;
}

/*
 * Give back NumberOfPtes PTEs from StartingPte: they become invalid and rejoin the list in
 * address order, merged with the clusters on either side when they touch. Free PTEs stay zero
 * except each cluster's header. Releasing PTEs that are already free is MEMORY_MANAGEMENT.
 */
void MiReleaseSystemPtes(MMPTE *StartingPte, uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type)
{
    MMPTE *previous = &MmFirstFreeSystemPte[Type];
    MMPTE *next;
    uint32_t size = NumberOfPtes, nextIndex;
    KIRQL oldIrql;

    for (uint32_t i = 0; i < NumberOfPtes; i++) {
        StartingPte[i].u.Long = MM_ZERO_PTE;
        MI_FLUSH_SINGLE_TB(MiGetVirtualAddressMappedByPte(&StartingPte[i]));
    }

    KeAcquireSpinLock(&MiSystemPteLock, &oldIrql);
    for (next = MiClusterAt(previous->u.List.NextEntry); next && next < StartingPte;
         next = MiClusterAt(next->u.List.NextEntry))
        previous = next;
    if ((next && next < StartingPte + NumberOfPtes) ||
        (previous != &MmFirstFreeSystemPte[Type] &&
         previous + MiClusterSize(previous) > StartingPte))
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_SYSTEM_PTES_FREED_TWICE,
                     (uintptr_t)StartingPte, NumberOfPtes, Type);

    nextIndex = next ? (uint32_t)(next - MmSystemPteBase) : MM_EMPTY_PTE_LIST;
    if (next == StartingPte + NumberOfPtes) {
        size += MiClusterSize(next);
        nextIndex = next->u.List.NextEntry;
        MiClearClusterHeader(next);
    }
    if (previous != &MmFirstFreeSystemPte[Type] &&
        previous + MiClusterSize(previous) == StartingPte) {
        MiWriteCluster(previous, MiClusterSize(previous) + size, nextIndex);
    } else {
        MiWriteCluster(StartingPte, size, nextIndex);
        previous->u.List.NextEntry = (uint32_t)(StartingPte - MmSystemPteBase);
    }
    MmTotalFreeSystemPtes[Type] += NumberOfPtes;
    KeReleaseSpinLock(&MiSystemPteLock, oldIrql);
}

/* For the debugger (!sysptes): the free cluster of Type after *Cluster (the first when *Cluster
 * is NULL), with its Size, read under the lock; false when there is none. */
bool MiNextFreeSystemPteCluster(MMSYSTEM_PTE_POOL_TYPE Type, MMPTE **Cluster, uint32_t *Size)
{
    MMPTE *cluster;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiSystemPteLock, &oldIrql);
    cluster = MiClusterAt(MmFirstFreeSystemPte[Type].u.List.NextEntry);
    while (cluster && *Cluster && cluster <= *Cluster)
        cluster = MiClusterAt(cluster->u.List.NextEntry);
    if (cluster)
        *Size = MiClusterSize(cluster);
    KeReleaseSpinLock(&MiSystemPteLock, oldIrql);
    *Cluster = cluster;
    return cluster != NULL;
}

/*
 * Map NumberOfBytes of physical address space at PhysicalAddress (any alignment) into system
 * PTEs, for a device or any memory the caller owns. Returns the address that corresponds to
 * PhysicalAddress, or NULL for an empty or unreachable range or when no PTEs are free.
 * MmNonCached (and MmWriteCombined, without PAT) set cache-disable and write-through.
 */
void *MmMapIoSpace(uint64_t PhysicalAddress, size_t NumberOfBytes, MEMORY_CACHING_TYPE CacheType)
{
    uint32_t offset = (uint32_t)PhysicalAddress & (PAGE_SIZE - 1);
    uint64_t pages = ((uint64_t)offset + NumberOfBytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
    uint32_t frame = (uint32_t)(PhysicalAddress >> PAGE_SHIFT);
    MMPTE *pte;

    if (NumberOfBytes == 0 || PhysicalAddress + NumberOfBytes > (1ull << 32) ||
        pages > MmTotalSystemPtes[SystemPteSpace])
        return NULL;
    pte = MiReserveSystemPtes((uint32_t)pages, SystemPteSpace);
    if (!pte)
        return NULL;
    for (uint32_t i = 0; i < pages; i++) {
        pte[i] = MiMakeValidKernelPte(frame + i);
        if (CacheType != MmCached)
            pte[i].u.Long |= MM_PTE_CACHE_DISABLE_MASK | MM_PTE_WRITE_THROUGH_MASK;
    }
    return (uint8_t *)MiGetVirtualAddressMappedByPte(pte) + offset;
}

void MmUnmapIoSpace(void *BaseAddress, size_t NumberOfBytes)
{
    uint32_t offset = BYTE_OFFSET(BaseAddress);
    uint32_t pages = (uint32_t)((offset + NumberOfBytes + PAGE_SIZE - 1) >> PAGE_SHIFT);

    MiReleaseSystemPtes(MiGetPteAddress(BaseAddress), pages, SystemPteSpace);
}
