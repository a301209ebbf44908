/*
 * kernel/kd/kdpoolfind.c: !poolfind, every pool block with a tag, as WinDbg's !poolfind:
 *
 *   kd> !poolfind Tst1
 *   Scanning large pool allocation table for Tag: Tst1 (80144660 : 80145e60)
 *
 *   Searching NonPaged pool (80460000 : 80660000) for Tag: Tst1
 *   80657eb8 size:   38 previous size:  e30  (Allocated) Tst1
 *   ...
 *   Searching Paged pool (e1000000 : f8c00000) for Tag: Tst1
 *   e1000000 size:   20 previous size:    0  (Allocated) Tst1
 *
 *   2 found
 *
 * The tag may hold * and ? (Tst*), or be a number (0x31747354; the first character is the low
 * byte). A second argument limits the search to one pool: 0 nonpaged, 1 paged, 2 special.
 *
 * Where the blocks are: a page of small blocks is a one-page allocation of MiAllocatePoolPages
 * that the big-page table does not hold (nonpaged: its PFN has StartOfAllocation and
 * EndOfAllocation; paged: one bit in each of the two bitmaps), whose headers chain from its
 * first byte to its last; a page whose chain breaks is reported and passed over. Pool is read
 * as a debugger reads it, without its locks, through probes; a paged pool page that is in a
 * paging file is brought back by the read, as any access would.
 */
#include "kernel/kd/kd.h"
#include "mm/pool.h"

#define KD_POOLFIND_ALL     0xFFFFFFFFu
#define KD_POOLFIND_SPECIAL 2
#define KD_SPECIAL_POOL_PAIR (2 * PAGE_SIZE)   /* a data page and its guard page (special.c) */

typedef struct _KD_TAG_PATTERN {
    const char *Glob;                   /* NULL: match Value */
    uint32_t Value;
    uint32_t Found;
} KD_TAG_PATTERN;

static bool KdTagMatches(const KD_TAG_PATTERN *Pattern, uint32_t Tag)
{
    char text[KD_TAG_LENGTH + 1];

    Tag &= ~PROTECTED_POOL;
    if (!Pattern->Glob)
        return Tag == (Pattern->Value & ~PROTECTED_POOL);
    KdFormatTag(Tag, text);
    return RtlGlobMatch(Pattern->Glob, text);
}

static void KdPrintBlock(uintptr_t Va, const POOL_HEADER *Header, KD_TAG_PATTERN *Pattern)
{
    char tag[KD_TAG_LENGTH + 1];

    KdFormatTag(Header->PoolTag, tag);
    DbgPrint("%08x size: %4x previous size: %4x  %-12s%s\n", (uint32_t)Va,
             (uint32_t)Header->BlockSize << POOL_BLOCK_SHIFT,
             (uint32_t)Header->PreviousSize << POOL_BLOCK_SHIFT,
             Header->PoolType ? "(Allocated)" : "(Free)", tag);
    Pattern->Found++;
}

/* The blocks of one page of small blocks that carry the tag; false if the headers do not
 * chain from the page's first byte to its last (then nothing is printed). */
static bool KdSearchPoolPage(uintptr_t Page, KD_TAG_PATTERN *Pattern)
{
    uint32_t previousSize = 0;
    uintptr_t va;
    POOL_HEADER header;

    for (va = Page; va < Page + PAGE_SIZE; va += (uintptr_t)header.BlockSize << POOL_BLOCK_SHIFT) {
        if (!KdReadPoolHeader(va, &header) || header.BlockSize == 0 ||
            header.PreviousSize != previousSize ||
            va + ((uintptr_t)header.BlockSize << POOL_BLOCK_SHIFT) > Page + PAGE_SIZE)
            return false;
        previousSize = header.BlockSize;
    }
    for (va = Page; va < Page + PAGE_SIZE; va += (uintptr_t)header.BlockSize << POOL_BLOCK_SHIFT) {
        KdReadPoolHeader(va, &header);
        if (header.PoolType && KdTagMatches(Pattern, header.PoolTag))
            KdPrintBlock(va, &header, Pattern);
    }
    return true;
}

static void KdSearchBlockPage(uintptr_t Page, KD_TAG_PATTERN *Pattern)
{
    if (!KdSearchPoolPage(Page, Pattern))
        DbgPrint("%08x: the pool headers of this page do not chain; passed over\n",
                 (uint32_t)Page);
}

/* Nonpaged pool: the pages of [Start, End) that are one-page allocations of small blocks. */
static void KdSearchNonPagedRange(uintptr_t Start, uintptr_t End, KD_TAG_PATTERN *Pattern)
{
    for (uintptr_t va = Start; va < End; va += PAGE_SIZE) {
        uint32_t pde, pte;
        const MMPFN *pfn;

        if (!NT_SUCCESS(KeProbeRead32(MiGetPdeAddress(va), &pde)) || !(pde & MM_PTE_VALID_MASK)) {
            va = (va | (MM_VA_MAPPED_BY_PDE - 1)) + 1 - PAGE_SIZE;
            continue;
        }
        if (pde & MM_PTE_LARGE_PAGE_MASK)       /* the initial pool on 4 MB pages: no PTE */
            pte = ((pde >> PAGE_SHIFT) + MiGetPteOffset(va)) << PAGE_SHIFT | MM_PTE_VALID_MASK;
        else if (!NT_SUCCESS(KeProbeRead32(MiGetPteAddress(va), &pte)) ||
                 !(pte & MM_PTE_VALID_MASK))
            continue;
        pfn = MI_PFN_ELEMENT(pte >> PAGE_SHIFT);
        if (pfn->u3.e1.StartOfAllocation && pfn->u3.e1.EndOfAllocation && !KdFindBigPage(va))
            KdSearchBlockPage(va, Pattern);
    }
}

/* Paged pool: a page that is allocated, ends its allocation and starts it (the page before is
 * free or ends another), and is no big allocation. */
static void KdSearchPagedPool(KD_TAG_PATTERN *Pattern)
{
    const RTL_BITMAP *used = MmPagedPoolInfo.PagedPoolAllocationMap;
    const RTL_BITMAP *ends = MmPagedPoolInfo.EndOfPagedPoolBitmap;

    for (uint32_t i = 0; used && i < used->SizeOfBitMap; i++) {
        uintptr_t va = MmPagedPoolStart + (uintptr_t)i * PAGE_SIZE;

        if (!RtlCheckBit(used, i) || !RtlCheckBit(ends, i))
            continue;
        if (i > 0 && RtlCheckBit(used, i - 1) && !RtlCheckBit(ends, i - 1))
            continue;
        if (!KdFindBigPage(va))
            KdSearchBlockPage(va, Pattern);
    }
}

/* Special pool: each allocation's page starts with a header holding the tag. */
static void KdSearchSpecialPool(KD_TAG_PATTERN *Pattern)
{
    for (uintptr_t page = MmSpecialPoolStart; page < MmSpecialPoolEnd; page += KD_SPECIAL_POOL_PAIR) {
        POOL_HEADER header;
        uint32_t bytes;
        char tag[KD_TAG_LENGTH + 1];

        if (!MmIsAddressValid((void *)page) || !KdReadPoolHeader(page, &header) ||
            !KdTagMatches(Pattern, header.PoolTag))
            continue;
        bytes = header.Ulong1 & MI_SPECIAL_POOL_SIZE_MASK;
        KdFormatTag(header.PoolTag, tag);
        DbgPrint("%08x size: %4x  (Allocated) %s  special pool, %s\n",
                 (uint32_t)(page + PAGE_SIZE - bytes), bytes, tag,
                 (header.Ulong1 & MI_SPECIAL_POOL_PAGEABLE) ? "paged" : "nonpaged");
        Pattern->Found++;
    }
}

static void KdSearchBigPages(KD_TAG_PATTERN *Pattern, const char *TagText, uint32_t PoolType)
{
    DbgPrint("Scanning large pool allocation table for Tag: %s (%08x : %08x)\n", TagText,
             (uint32_t)(uintptr_t)PoolBigPageTable,
             (uint32_t)(uintptr_t)(PoolBigPageTable + PoolBigPageTableSize));
    for (uint32_t i = 0; i < PoolBigPageTableSize; i++) {
        const POOL_TRACKER_BIG_PAGES *entry = &PoolBigPageTable[i];
        POOL_TYPE type;
        char tag[KD_TAG_LENGTH + 1];

        if (!entry->Va || !KdTagMatches(Pattern, entry->Key))
            continue;
        type = MmDeterminePoolType(entry->Va);
        if (PoolType != KD_POOLFIND_ALL && (uint32_t)type != PoolType)
            continue;
        KdFormatTag(entry->Key, tag);
        DbgPrint("%08x : large page allocation, Tag is %s, size is 0x%x bytes, %s pool\n",
                 (uint32_t)(uintptr_t)entry->Va, tag, entry->NumberOfPages * PAGE_SIZE,
                 type == PagedPool ? "Paged" : "Nonpaged");
        Pattern->Found++;
    }
}

/* !poolfind <tag> [pool type] */
void KdCommandPoolFind(int Argc, char **Argv)
{
    KD_TAG_PATTERN pattern = { .Glob = NULL };
    uint32_t poolType = KD_POOLFIND_ALL;

    if (Argc != 2 && Argc != 3) {
        DbgPrint("usage: !poolfind <tag> [0 nonpaged|1 paged|2 special]\n");
        return;
    }
    if (Argv[1][0] == '0' && Argv[1][1] == 'x') {
        if (!KdEvaluateWord(Argv[1], &pattern.Value))
            return;
    } else if (strlen(Argv[1]) != KD_TAG_LENGTH && !strchr(Argv[1], '*')) {
        DbgPrint("!poolfind: a tag is 4 characters, unless it holds a *\n");
        return;
    } else {
        pattern.Glob = Argv[1];
    }
    if (Argc == 3 && !KdEvaluateWord(Argv[2], &poolType))
        return;
    if (Argc == 3 && poolType > KD_POOLFIND_SPECIAL) {
        DbgPrint("usage: !poolfind <tag> [0 nonpaged|1 paged|2 special]\n");
        return;
    }

    KdSearchBigPages(&pattern, Argv[1], poolType);
    if (poolType == KD_POOLFIND_ALL || poolType == NonPagedPool) {
        DbgPrint("\nSearching NonPaged pool (%08x : %08x) for Tag: %s\n",
                 (uint32_t)MmNonPagedPoolStart, (uint32_t)MmNonPagedPoolEnd0, Argv[1]);
        KdSearchNonPagedRange(MmNonPagedPoolStart, MmNonPagedPoolEnd0, &pattern);
        DbgPrint("\nSearching NonPaged pool expansion (%08x : %08x) for Tag: %s\n",
                 (uint32_t)MmNonPagedPoolExpansionStart, (uint32_t)MmNonPagedPoolEnd, Argv[1]);
        KdSearchNonPagedRange(MmNonPagedPoolExpansionStart, MmNonPagedPoolEnd, &pattern);
    }
    if (poolType == KD_POOLFIND_ALL || poolType == PagedPool) {
        DbgPrint("\nSearching Paged pool (%08x : %08x) for Tag: %s\n",
                 (uint32_t)MmPagedPoolStart, (uint32_t)MmPagedPoolEnd + 1, Argv[1]);
        KdSearchPagedPool(&pattern);
    }
    if ((poolType == KD_POOLFIND_ALL || poolType == KD_POOLFIND_SPECIAL) && MmSpecialPoolStart) {
        DbgPrint("\nSearching Special pool (%08x : %08x) for Tag: %s\n",
                 (uint32_t)MmSpecialPoolStart, (uint32_t)MmSpecialPoolEnd, Argv[1]);
        KdSearchSpecialPool(&pattern);
    }
    DbgPrint("\n%u found\n", pattern.Found);
}
