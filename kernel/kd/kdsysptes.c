/*
 * kernel/kd/kdsysptes.c: !sysptes, the system PTEs as WinDbg's !sysptes shows them: for each
 * of the two pools (SystemPteSpace, NonPagedPoolExpansion) the range of PTEs, and the free
 * clusters that mm/sysptes.c keeps sorted by address:
 *
 *   kd> !sysptes 1
 *
 *   System PTE Information
 *     Total System Ptes 22000
 *     starting PTE: c03e3000
 *     ending PTE:   c03f87bc
 *
 *       free ptes: c03e3000   number free: 21973.
 *
 *     free blocks: 1   total free: 21973    largest free block: 21973
 *
 * Flag 1 lists the free clusters one by one; without it only the totals are shown. The
 * clusters are read through MiNextFreeSystemPteCluster, one at a time under the system PTE
 * lock, so the listing is not one snapshot when PTEs come and go meanwhile.
 */
#include "kernel/kd/kd.h"
#include "mm/mi.h"

#define KD_SYSPTES_LIST_FREE    0x1

/* The first PTE of each pool, where start-up gave it to MiInitializeSystemPtes: the system
 * PTEs from MmNonPagedSystemStart, the expansion pool's after a guard PTE (allocpag.c). */
static MMPTE *KdSystemPtesStart(MMSYSTEM_PTE_POOL_TYPE Type)
{
    if (Type == SystemPteSpace)
        return MiGetPteAddress(MmNonPagedSystemStart);
    return MiGetPteAddress(MmNonPagedPoolExpansionStart) + 1;
}

static void KdDumpSystemPtePool(MMSYSTEM_PTE_POOL_TYPE Type, uint32_t Flags)
{
    MMPTE *start = KdSystemPtesStart(Type), *cluster = NULL;
    uint32_t size, blocks = 0, free = 0, largest = 0;

    DbgPrint("\n%s\n", Type == SystemPteSpace ? "System PTE Information" :
             "Nonpaged Pool Expansion PTE Information");
    DbgPrint("  Total %s Ptes %u\n", Type == SystemPteSpace ? "System" : "Expansion",
             MmTotalSystemPtes[Type]);
    if (MmTotalSystemPtes[Type] == 0)
        return;
    DbgPrint("  starting PTE: %08x\n", (uint32_t)(uintptr_t)start);
    DbgPrint("  ending PTE:   %08x\n\n",
             (uint32_t)(uintptr_t)(start + MmTotalSystemPtes[Type] - 1));
    while (MiNextFreeSystemPteCluster(Type, &cluster, &size)) {
        if (Flags & KD_SYSPTES_LIST_FREE)
            DbgPrint("    free ptes: %08x   number free: %u.\n", (uint32_t)(uintptr_t)cluster,
                     size);
        blocks++;
        free += size;
        largest = MAX(largest, size);
    }
    DbgPrint("%s  free blocks: %u   total free: %u    largest free block: %u\n",
             (Flags & KD_SYSPTES_LIST_FREE) ? "\n" : "", blocks, free, largest);
    if (free != MmTotalFreeSystemPtes[Type])
        DbgPrint("  (MmTotalFreeSystemPtes says %u: PTEs moved during the walk)\n",
                 MmTotalFreeSystemPtes[Type]);
}

/* !sysptes [flags] */
void KdCommandSysPtes(int Argc, char **Argv)
{
    uint32_t flags = 0;

    if (Argc > 2) {
        DbgPrint("usage: !sysptes [flags]   (1: list the free clusters)\n");
        return;
    }
    if (Argc == 2 && !KdEvaluateWord(Argv[1], &flags))
        return;
    KdDumpSystemPtePool(SystemPteSpace, flags);
    KdDumpSystemPtePool(NonPagedPoolExpansion, flags);
}
