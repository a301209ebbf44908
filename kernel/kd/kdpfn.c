/*
 * kernel/kd/kdpfn.c: the kd> commands that read the PFN database, as WinDbg's do:
 *
 *   kd> !pfn 3e94
 *       PFN 00003E94 at address 80475DE0
 *       flink       00000000  blink / share count 00000001  pteaddress C0384000
 *       reference count 0001                                 color 0  Priority 0
 *       restore pte 00000080  containing page        003E93  Active     M
 *       Modified
 *
 *   flink is u1 (the next page on a list, the working-set index of an active page), "blink /
 *   share count" u2, "restore pte" the OriginalPte, "containing page" the page table that
 *   holds the PTE (u4.PteFrame). Then the location and the flag letters (M modified, R read in
 *   progress, W write in progress, P prototype PTE, E in-page error, D deleted), the flags
 *   spelled out, and for a page in transition the list it is on or the I/O it waits for. A
 *   page of a process (user page, page table, directory, hyperspace) has its PTE in that
 *   process's self-map, not the current one's: the last line says which process and what
 *   address the PTE maps:
 *
 *       PTE in process 80c3e008 (waiter.exe, Cid 0008), mapping 00400000
 *
 *   A section's page (flag P) has a prototype PTE in paged pool for its PTE address; the last
 *   line names the section's control area (for !ca), the segment and the PTE's index, and, while
 *   the page is valid, how many process PTEs map it (the share count):
 *
 *       prototype PTE 3 of segment e1004000, control area 81f4a008; 2 process PTEs map it
 *
 *   (a SEC_LARGE_PAGES section's page has a share of the section's own besides: "a large page
 *   of the section, N views map it").
 *
 *   A page a fork shares (mm/forksup.c) has a clone block for its prototype PTE: the line names
 *   the block's index in its clone header, the header's blocks and processes, the block's
 *   CloneRefCount (the process PTEs that refer to it, mapping it or not) and the mappers:
 *
 *       fork prototype PTE: clone block 12 of clone header 81f3c2a0 (310 blocks, 2 processes),
 *       CloneRefCount 2; 2 process PTEs map it
 *
 *   !memusage   every page of RAM counted by its list or state, then the pages that are in
 *               use (valid, standby, modified, in transition) by the region of the address
 *               space their PTE maps (mm/vmlayout.c's table), WinDbg's "Usage Summary".
 *
 * Both copy what they read under the PFN lock, so a page is not seen half-way through a move.
 */
#include "kernel/kd/kd.h"
#include "mm/mi.h"

#define KD_MAXIMUM_REGIONS  32
#define KD_UNMAPPED_USE     KD_MAXIMUM_REGIONS        /* no PTE names the page */
#define KD_SPECIAL_POOL_USE (KD_MAXIMUM_REGIONS + 1)
#define KD_PROTOTYPE_USE    (KD_MAXIMUM_REGIONS + 2)  /* named by a section's prototype PTE */
#define KD_USES             (KD_MAXIMUM_REGIONS + 3)
#define KD_KB_PER_PAGE      (PAGE_SIZE / 1024)

/* WinDbg's names for the eight PageLocation values. */
static const char *const KdLocationNames[NUMBER_OF_PAGE_LISTS] = {
    "Zeroed", "Free", "Standby", "Modified", "ModNoWrt", "Bad", "Active", "Trans",
};

/* The lines !memusage prints, in WinDbg's order, and the location each counts. */
static const struct {
    const char *Name;
    MMLISTS Location;
} KdUsageRows[] = {
    { "Zeroed", ZeroedPageList }, { "Free", FreePageList }, { "Standby", StandbyPageList },
    { "Modified", ModifiedPageList }, { "ModifiedNoWrite", ModifiedNoWritePageList },
    { "Active/Valid", ActiveAndValid }, { "Transition", TransitionPage },
    { "Bad", BadPageList },
};

static MMPTE *KdPfnPteAddress(const MMPFN *Pfn)
{
    return (MMPTE *)((uintptr_t)Pfn->PteAddress & ~(uintptr_t)1);
}

/* The flags as !pfn shows them: letters on the location line, words on the next. */
static void KdPrintPfnFlags(const MMPFN *Pfn)
{
    static const char *const words[] = {
        "Modified", "ReadInProgress", "WriteInProgress", "Prototype", "InPageError", "Deleted",
    };
    bool set[ARRAYSIZE(words)] = {
        Pfn->u3.e1.Modified, Pfn->u3.e1.ReadInProgress, Pfn->u3.e1.WriteInProgress,
        Pfn->u3.e1.PrototypePte, Pfn->u4.InPageError, MI_IS_PFN_DELETED(Pfn),
    };
    const char letters[] = "MRWPED";
    bool any = false;

    for (size_t i = 0; i < ARRAYSIZE(words); i++) {
        if (set[i])
            DbgPrint(" %c", letters[i]);
    }
    DbgPrint("\n");
    for (size_t i = 0; i < ARRAYSIZE(words); i++) {
        if (set[i])
            DbgPrint("%s%s", any ? " " : "    ", words[i]);
        any |= set[i];
    }
    if (any)
        DbgPrint("\n");
}

/* Where a page that is not active is: a list, or I/O in progress. */
static void KdPrintTransition(const MMPFN *Pfn)
{
    MMLISTS location = Pfn->u3.e1.PageLocation;

    if (location == StandbyPageList || location == ModifiedPageList ||
        location == ModifiedNoWritePageList)
        DbgPrint("    transition page on the %s list; its PTE at %08X keeps its frame\n",
                 location == StandbyPageList ? "standby" :
                 location == ModifiedPageList ? "modified" : "modified-no-write",
                 (uint32_t)(uintptr_t)KdPfnPteAddress(Pfn));
    else if (location == TransitionPage && Pfn->u3.e1.ReadInProgress)
        DbgPrint("    transition page on no list: being read from a paging file\n");
    else if (location == TransitionPage && Pfn->u3.e1.WriteInProgress)
        DbgPrint("    transition page on no list: being written to a paging file\n");
    else if (location == TransitionPage)
        DbgPrint("    transition page on no list: held (reference count %u)\n",
                 Pfn->u3.e2.ReferenceCount);
}

/* Whether VirtualAddress (mapped by a PTE in the self-map) is per process: user space, the
 * page tables that map it, the page directory, hyperspace and the working-set list. */
static bool KdIsProcessAddress(uintptr_t VirtualAddress)
{
    return VirtualAddress < MmSystemRangeStart ||
           (VirtualAddress >= PTE_BASE &&
            VirtualAddress < (uintptr_t)MiGetPteAddress(MmSystemRangeStart)) ||
           VirtualAddress == PDE_BASE ||
           (VirtualAddress >= HYPER_SPACE && VirtualAddress < MM_PROCESS_WSL_END);
}

/*
 * A page of one process: its PTE address is in that process's self-map, so say whose and what
 * the PTE maps. The process is the one whose directory is at the top of the page's chain of
 * containing pages: the page itself (the directory), its table (a page table, the hyperspace
 * table), or that table's (a user page, the working-set list).
 */
static void KdPrintPfnProcess(uint32_t Page, const MMPFN *Pfn)
{
    uintptr_t pte = (uintptr_t)KdPfnPteAddress(Pfn);
    uint32_t candidates[3] = { Page, Pfn->u4.PteFrame, 0 };
    MMLISTS location = Pfn->u3.e1.PageLocation;
    KD_PROCESS_IDENTITY owner;
    KIRQL oldIrql;

    if (location == ZeroedPageList || location == FreePageList || location == BadPageList ||
        MI_IS_PFN_DELETED(Pfn) || pte < PTE_BASE || pte > PTE_TOP ||
        !KdIsProcessAddress((uintptr_t)MiGetVirtualAddressMappedByPte(pte)))
        return;
    if (Pfn->u4.PteFrame <= MmHighestPhysicalPage) {
        LOCK_PFN(oldIrql);
        candidates[2] = MI_PFN_ELEMENT(Pfn->u4.PteFrame)->u4.PteFrame;
        UNLOCK_PFN(oldIrql);
    }
    for (uint32_t i = 0; i < ARRAYSIZE(candidates); i++) {
        if (KdFindProcessByDirectory(candidates[i], &owner)) {
            DbgPrint("    PTE in process %08x (%s, Cid %04x), mapping %08x\n", owner.Address,
                     owner.ImageFileName, owner.ProcessId,
                     (uint32_t)(uintptr_t)MiGetVirtualAddressMappedByPte(pte));
            return;
        }
    }
}

/* A section's page: which prototype PTE names it. */
static void KdPrintPfnPrototype(const MMPFN *Pfn)
{
    uint32_t area, segment, index, mappers;
    MMLISTS location = Pfn->u3.e1.PageLocation;
    SEGMENT head;

    if (!Pfn->u3.e1.PrototypePte || location == ZeroedPageList || location == FreePageList ||
        location == BadPageList)
        return;
    if (!KdFindPrototypePte((uint32_t)(uintptr_t)KdPfnPteAddress(Pfn), &area, &segment, &index)) {
        MMPTE *proto = KdPfnPteAddress(Pfn);
        MMCLONE_HEADER *header = MiFindCloneHeader(proto);
        MMCLONE_BLOCK block;

        if (!header) {
            DbgPrint("    prototype PTE at %08x in no section's segment\n",
                     (uint32_t)(uintptr_t)proto);
            return;
        }
        /* A page a fork shares: its PTE address is a clone block. */
        DbgPrint("    fork prototype PTE: clone block %u of clone header %08x (%u blocks, %d process%s)",
                 (uint32_t)((MMCLONE_BLOCK *)proto - header->ClonePtes),
                 (uint32_t)(uintptr_t)header, header->NumberOfPtes,
                 header->NumberOfProcessReferences,
                 header->NumberOfProcessReferences == 1 ? "" : "es");
        if (KdReadMemory((uintptr_t)proto, &block, sizeof(block)))
            DbgPrint(", CloneRefCount %d", block.CloneRefCount);
        if (location == ActiveAndValid)
            DbgPrint("; %u process PTE%s map%s it", Pfn->u2.ShareCount,
                     Pfn->u2.ShareCount == 1 ? "" : "s", Pfn->u2.ShareCount == 1 ? "s" : "");
        DbgPrint("\n");
        return;
    }
    DbgPrint("    prototype PTE %u of segment %08x, control area %08x", index, segment, area);
    if (location == ActiveAndValid && KdReadMemory(segment, &head, offsetof(SEGMENT, ThePtes)) &&
        head.SegmentFlags.LargePages) {
        /* A large-page section's page: one share is the section's own (mm/largesec.c). */
        mappers = Pfn->u2.ShareCount - 1;
        DbgPrint("; a large page of the section, %u view%s map%s it", mappers,
                 mappers == 1 ? "" : "s", mappers == 1 ? "s" : "");
    } else if (location == ActiveAndValid) {
        DbgPrint("; %u process PTE%s map%s it", Pfn->u2.ShareCount,
                 Pfn->u2.ShareCount == 1 ? "" : "s", Pfn->u2.ShareCount == 1 ? "s" : "");
    }
    DbgPrint("\n");
}

/* !pfn <page> */
void KdCommandPfn(int Argc, char **Argv)
{
    uint32_t page;
    MMPFN pfn;
    KIRQL oldIrql;

    if (Argc != 2) {
        DbgPrint("usage: !pfn <page frame number>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &page))
        return;
    if (page > MmHighestPhysicalPage) {
        DbgPrint("!pfn: page %x is past the PFN database (MmHighestPhysicalPage %x)\n", page,
                 MmHighestPhysicalPage);
        return;
    }
    LOCK_PFN(oldIrql);
    pfn = *MI_PFN_ELEMENT(page);
    UNLOCK_PFN(oldIrql);

    DbgPrint("    PFN %08X at address %08X\n", page, (uint32_t)(uintptr_t)MI_PFN_ELEMENT(page));
    DbgPrint("    flink       %08X  blink / share count %08X  pteaddress %08X\n", pfn.u1.Flink,
             pfn.u2.Blink, (uint32_t)(uintptr_t)pfn.PteAddress);
    DbgPrint("    reference count %04X                                 color %x  Priority %u\n",
             pfn.u3.e2.ReferenceCount, pfn.u3.e1.PageColor, pfn.u4.Priority);
    DbgPrint("    restore pte %08X  containing page        %06X  %-8s", pfn.OriginalPte.u.Long,
             pfn.u4.PteFrame, KdLocationNames[pfn.u3.e1.PageLocation]);
    KdPrintPfnFlags(&pfn);
    if (!MiIsPhysicalMemory(page))
        DbgPrint("    not RAM: a hole in the memory map, never handed out\n");
    else
        KdPrintTransition(&pfn);
    KdPrintPfnProcess(page, &pfn);
    KdPrintPfnPrototype(&pfn);
}

/* The use of a page in use: the region its PTE maps, an index into Regions, or one of the
 * KD_*_USE values. A frame of a large page has its PDE for PTE: the page it maps is the
 * PDE's 4 MB plus the frame's place in it (a page table's PDE is no large one). */
static uint32_t KdPageUse(uint32_t Page, const MMPFN *Pfn, const MM_SYSTEM_REGION *Regions,
                          uint32_t Count)
{
    MMPTE *pte = KdPfnPteAddress(Pfn);
    uintptr_t va;

    if (Pfn->u3.e1.PrototypePte)
        return KD_PROTOTYPE_USE;
    if ((uintptr_t)pte < PTE_BASE || (uintptr_t)pte > PTE_TOP)
        return KD_UNMAPPED_USE;
    va = (uintptr_t)MiGetVirtualAddressMappedByPte(pte);
    if ((uintptr_t)pte >= PDE_BASE && (uintptr_t)pte < PDE_BASE + PAGE_SIZE &&
        (pte->u.Long & (MM_PTE_VALID_MASK | MM_PTE_LARGE_PAGE_MASK)) ==
        (MM_PTE_VALID_MASK | MM_PTE_LARGE_PAGE_MASK) &&
        Page - pte->u.Hard.PageFrameNumber < PTE_PER_PAGE)
        va = (uintptr_t)MiGetVirtualAddressMappedByPde(pte) +
             ((Page - pte->u.Hard.PageFrameNumber) << PAGE_SHIFT);
    if (MmIsSpecialPoolAddress((void *)va))
        return KD_SPECIAL_POOL_USE;
    for (uint32_t i = 0; i < Count; i++) {
        if (va >= Regions[i].Start && va <= Regions[i].End)
            return i;
    }
    return KD_UNMAPPED_USE;
}

typedef struct _KD_MEMORY_USAGE {
    uint32_t ByLocation[NUMBER_OF_PAGE_LISTS];
    uint32_t ByUse[KD_USES][NUMBER_OF_PAGE_LISTS];
} KD_MEMORY_USAGE;

static KD_MEMORY_USAGE KdUsage;         /* too large for the shell's stack */

/* Count every page of RAM, under the PFN lock. */
static void KdCountPages(const MM_SYSTEM_REGION *Regions, uint32_t Count)
{
    KIRQL oldIrql;

    RtlZeroMemory(&KdUsage, sizeof(KdUsage));
    LOCK_PFN(oldIrql);
    for (uint32_t page = 0; page <= MmHighestPhysicalPage; page++) {
        const MMPFN *pfn = MI_PFN_ELEMENT(page);
        MMLISTS location = pfn->u3.e1.PageLocation;

        if (!MiIsPhysicalMemory(page))
            continue;
        KdUsage.ByLocation[location]++;
        if (location != ZeroedPageList && location != FreePageList && location != BadPageList)
            KdUsage.ByUse[KdPageUse(page, pfn, Regions, Count)][location]++;
    }
    UNLOCK_PFN(oldIrql);
}

static void KdPrintUse(const char *Name, const uint32_t *Counts)
{
    uint32_t total = Counts[ActiveAndValid] + Counts[StandbyPageList] +
                     Counts[ModifiedPageList] + Counts[ModifiedNoWritePageList] +
                     Counts[TransitionPage];

    if (total == 0)
        return;
    DbgPrint("%8u %8u %8u %8u %8u  %s\n", Counts[ActiveAndValid], Counts[StandbyPageList],
             Counts[ModifiedPageList] + Counts[ModifiedNoWritePageList], Counts[TransitionPage],
             total, Name);
}

/* !memusage */
void KdCommandMemUsage(int Argc, char **Argv)
{
    MM_SYSTEM_REGION regions[KD_MAXIMUM_REGIONS];
    uint32_t count = MmGetSystemRegions(regions, KD_MAXIMUM_REGIONS), total = 0;

    (void)Argc;
    (void)Argv;
    KdCountPages(regions, count);
    for (size_t i = 0; i < ARRAYSIZE(KdUsageRows); i++) {
        uint32_t pages = KdUsage.ByLocation[KdUsageRows[i].Location];

        DbgPrint("%19s: %8u (%8u kb)\n", KdUsageRows[i].Name, pages, pages * KD_KB_PER_PAGE);
        total += pages;
    }
    DbgPrint("%19s: %8u (%8u kb)\n", "TOTAL", total, total * KD_KB_PER_PAGE);
    DbgPrint("\nUsage Summary (in pages):\n");
    DbgPrint("   Valid  Standby Modified    Trans    Total  region\n");
    for (uint32_t i = 0; i < count; i++)
        KdPrintUse(regions[i].Name, KdUsage.ByUse[i]);
    KdPrintUse("special pool", KdUsage.ByUse[KD_SPECIAL_POOL_USE]);
    KdPrintUse("sections (prototype PTEs)", KdUsage.ByUse[KD_PROTOTYPE_USE]);
    KdPrintUse("mapped by no PTE", KdUsage.ByUse[KD_UNMAPPED_USE]);
}
