/*
 * mm/mapcache.c: views of files in the system cache (NT's mapcache.c), what the cache manager
 * (kernel/cc) builds its VACBs on, and the section calls it makes on a file's data control
 * area (NT's MmCreateSection from Cc, MmFlushSection, MmPurgeSection,
 * MmSetAddressRangeModified).
 *
 *   slots      the system cache VA [MmSystemCacheStart, MmSystemCacheEnd] is cut into 256 KB
 *              slots (VACB_MAPPING_GRANULARITY), a bitmap of those in use; as many as the
 *              machine's memory warrants (NT sizes its cache by memory too): one per 32
 *              physical pages, at least 64 (16 MB of views), at most the range. The page
 *              tables of a slot are made when it is first used and kept (NT makes them all
 *              at start-up).
 *   a view     MmMapViewInSystemCache fills a slot's PTEs with kernel prototype-format PTEs
 *              pointing at the file's prototype PTEs: the control area counts it as a mapped
 *              view and a system cache view. Nothing is read: a touch faults, and the fault
 *              (mmfault.c) resolves the prototype as a process's would, into the system
 *              working set (MmSystemCacheWs), where its pages are aged and trimmed like paged
 *              pool's. MmUnmapViewInSystemCache takes the pages out of the working set (their
 *              dirty bits into their PFNs), the PTEs down, and the view's reference off the
 *              control area.
 *   dirt       a write through a cache view leaves a dirty PTE; MmSetAddressRangeModified
 *              moves that bit into the PFN (Modified), where flushes and the mapped page
 *              writer look, and cleans the PTE, so that a later write is seen again.
 */
#include "mm/mi.h"

#define MI_CACHE_SLOT_PAGES     (MM_SYSTEM_CACHE_VIEW_SIZE / PAGE_SIZE)
#define MI_CACHE_MINIMUM_SLOTS  64u

static RTL_BITMAP *MiSystemCacheSlotMap;
static uint32_t MiSystemCacheSlots;
static uint32_t MiSystemCacheSlotHint;
static KSPIN_LOCK MiSystemCacheLock;
uint32_t MiSystemCachePageTables;       /* made for cache slots so far */
uint32_t MiSystemCacheViewsMapped;      /* slots in use now */

void MiInitializeSystemCache(void)
{
    uint32_t range = (uint32_t)((MmSystemCacheEnd + 1 - MmSystemCacheStart) /
                                MM_SYSTEM_CACHE_VIEW_SIZE);

    MiSystemCacheSlots = MIN(range, MAX(MI_CACHE_MINIMUM_SLOTS, MmNumberOfPhysicalPages / 32));
    MiSystemCacheSlotMap = MiAllocatePoolBitmap(MiSystemCacheSlots);
    KeInitializeSpinLock(&MiSystemCacheLock);
}

uint32_t MmSystemCacheViewSlots(void)
{
    return MiSystemCacheSlots;
}

/* ---- the sections the cache maps --------------------------------------------------------- */

/*
 * The file's data control area for the cache: Size bytes of segment (rounded to pages; at
 * least the end of file Eof), referenced as a section would be; an existing one shorter is
 * extended. PASSIVE_LEVEL.
 */
NTSTATUS MmCreateCacheSection(FILE_OBJECT *File, int64_t Size, int64_t Eof, void **Section)
{
    SEGMENT *segment;
    NTSTATUS status;

    if (!File->SectionObjectPointer)
        return STATUS_INVALID_FILE_FOR_SECTION;
    status = MiReferenceDataFileMap(File, MAX(Size, Eof), Eof, &segment);
    if (NT_SUCCESS(status))
        *Section = segment->ControlArea;
    return status;
}

void MmDeleteCacheSection(void *Section)
{
    CONTROL_AREA *area = Section;

    MiDereferenceControlArea(area, &area->NumberOfSectionReferences);
}

int64_t MmGetCacheSectionSize(void *Section)
{
    return (int64_t)((CONTROL_AREA *)Section)->Segment->SizeOfSegment;
}

bool MmSetCacheSectionFileSize(void *Section, int64_t Eof)
{
    return MiSetDataFileMapSize(Section, Eof);
}

/* ---- views ------------------------------------------------------------------------------- */

/* Va's PTE, readable through the self-map: a cache page table made while another process was
 * current is in the system's directory only, until this one copies its PDE (as a touch of
 * the view would, MiCheckPdeForPagedPool). */
static MMPTE *MiCachePte(uintptr_t Va)
{
    MMPTE *pde = MiGetPdeAddress(Va);

    if (!pde->u.Hard.Valid)
        *pde = MmSystemPagePtes[MiGetPdeOffset(Va)];
    return MiGetPteAddress(Va);
}

static MMPTE *MiCacheSlotPte(uint32_t Slot)
{
    return MiCachePte(MmSystemCacheStart + Slot * MM_SYSTEM_CACHE_VIEW_SIZE);
}

/*
 * NT's MmMapViewInSystemCache: the 256 KB of Section (a data file's control area) from Offset
 * (a multiple of 256 KB inside the segment) mapped in a free slot; *ViewSize the bytes of it
 * the segment has. STATUS_NOT_MAPPED_DATA for an image, STATUS_INVALID_PARAMETER for an offset
 * past the segment, STATUS_NO_MEMORY when every slot is in use (the cache unmaps one of its
 * own and asks again), STATUS_INSUFFICIENT_RESOURCES when no page table can be made.
 */
NTSTATUS MmMapViewInSystemCache(void *Section, void **Base, int64_t Offset, uint32_t *ViewSize)
{
    CONTROL_AREA *area = Section;
    SEGMENT *segment = area->Segment;
    uint32_t first = (uint32_t)(Offset >> PAGE_SHIFT), pages, slot;
    MMPTE *pte, *proto = NULL;
    KIRQL oldIrql;

    if (area->u.Flags.Image)
        return STATUS_NOT_MAPPED_DATA;
    if (Offset < 0 || (Offset & (MM_SYSTEM_CACHE_VIEW_SIZE - 1)) ||
        first >= segment->TotalNumberOfPtes)
        return STATUS_INVALID_PARAMETER;
    pages = MIN(MI_CACHE_SLOT_PAGES, segment->TotalNumberOfPtes - first);
    KeAcquireSpinLock(&MiSystemCacheLock, &oldIrql);
    slot = RtlFindClearBitsAndSet(MiSystemCacheSlotMap, 1, MiSystemCacheSlotHint);
    if (slot != 0xFFFFFFFF) {
        MiSystemCacheSlotHint = slot + 1 < MiSystemCacheSlots ? slot + 1 : 0;
        MiSystemCacheViewsMapped++;
    }
    KeReleaseSpinLock(&MiSystemCacheLock, oldIrql);
    if (slot == 0xFFFFFFFF)
        return STATUS_NO_MEMORY;
    *Base = (void *)(MmSystemCacheStart + slot * MM_SYSTEM_CACHE_VIEW_SIZE);
    if (!MiGetPdeAddress((uintptr_t)*Base)->u.Hard.Valid &&
        !MiMakeSystemPageTables((uintptr_t)*Base, MI_CACHE_SLOT_PAGES, &MiSystemCachePageTables)) {
        KeAcquireSpinLock(&MiSystemCacheLock, &oldIrql);
        RtlClearBits(MiSystemCacheSlotMap, slot, 1);
        MiSystemCacheViewsMapped--;
        KeReleaseSpinLock(&MiSystemCacheLock, oldIrql);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    LOCK_PFN(oldIrql);
    area->NumberOfMappedViews++;
    area->NumberOfSystemCacheViews++;
    area->NumberOfUserReferences++;
    UNLOCK_PFN(oldIrql);
    pte = MiCacheSlotPte(slot);
    for (uint32_t i = 0, contiguous = 0; i < pages; i++, contiguous--) {
        if (contiguous == 0)                    /* an extended segment's next subsection */
            proto = MiDataFilePrototype(area, first + i, &contiguous);
        pte[i] = MiProtoAddressForPte(proto++);
    }
    *ViewSize = pages * PAGE_SIZE;
    return STATUS_SUCCESS;
}

/* NT's MmUnmapViewInSystemCache: the view at Base of Section taken down. PASSIVE_LEVEL; no
 * one may touch the view any more. */
void MmUnmapViewInSystemCache(void *Base, void *Section)
{
    CONTROL_AREA *area = Section;
    uintptr_t va = (uintptr_t)Base;
    uint32_t slot = (uint32_t)((va - MmSystemCacheStart) / MM_SYSTEM_CACHE_VIEW_SIZE);
    MMPTE *pte = MiCacheSlotPte(slot);
    KIRQL oldIrql;

    MiLockSystemWorkingSet();
    MiRemoveSharedWsles(&MmSystemCacheWs, va, va + MM_SYSTEM_CACHE_VIEW_SIZE - 1);
    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < MI_CACHE_SLOT_PAGES; i++) {
        if (pte[i].u.Hard.Valid)
            MiDeleteSharedPte(&pte[i]);
        else
            pte[i].u.Long = MM_ZERO_KERNEL_PTE;
    }
    area->NumberOfSystemCacheViews--;
    UNLOCK_PFN(oldIrql);
    MiUnlockSystemWorkingSet();
    KeAcquireSpinLock(&MiSystemCacheLock, &oldIrql);
    RtlClearBits(MiSystemCacheSlotMap, slot, 1);
    MiSystemCacheViewsMapped--;
    KeReleaseSpinLock(&MiSystemCacheLock, oldIrql);
    MiDereferenceControlArea(area, &area->NumberOfMappedViews);
}

/* The system working set's pages that are cache views' (a walk of its list). */
uint32_t MmQueryResidentCachePages(void)
{
    const MMWSL *wsl;
    uint32_t count = 0;

    MiLockSystemWorkingSet();
    wsl = MmSystemCacheWs.VmWorkingSetList;
    for (uint32_t i = 0; i < wsl->NextNewEntry; i++) {
        if (wsl->Wsle[i].u1.e1.Valid &&
            MmIsSystemCacheAddress(wsl->Wsle[i].u1.Long & ~(uintptr_t)(PAGE_SIZE - 1)))
            count++;
    }
    MiUnlockSystemWorkingSet();
    return count;
}

bool MmIsSystemCacheAddress(uintptr_t Va)
{
    return Va >= MmSystemCacheStart && Va < MmSystemCacheStart +
                                           MiSystemCacheSlots * MM_SYSTEM_CACHE_VIEW_SIZE;
}

/* Is the page at Va (a cache view's) valid now? (NT's MmCheckCachedPageState, without the
 * touch: read-ahead touches what this says is not there.) */
bool MmIsCachedPageResident(const void *Va)
{
    MMPTE pte = *MiCachePte((uintptr_t)Va);
    MMPTE proto;
    KIRQL oldIrql;
    bool resident;

    if (pte.u.Hard.Valid)
        return true;
    if (!pte.u.Soft.Prototype)
        return false;
    LOCK_PFN(oldIrql);
    MiMakeSystemAddressValidPfn(MiPteToProto(pte), &oldIrql);
    proto = *MiPteToProto(pte);
    resident = proto.u.Hard.Valid || (!proto.u.Soft.Prototype && proto.u.Soft.Transition);
    UNLOCK_PFN(oldIrql);
    return resident;
}

/*
 * NT's MmSetAddressRangeModified: each valid dirty PTE of [Va, Va + Length) in a cache view
 * gives its dirty bit to its page (Modified, to be written by a flush, the lazy writer or the
 * mapped page writer) and is cleaned. Returns how many pages became modified. PASSIVE_LEVEL.
 */
uint32_t MmSetAddressRangeModified(void *Va, uint32_t Length)
{
    uintptr_t va = (uintptr_t)PAGE_ALIGN(Va), end = (uintptr_t)Va + Length;
    uint32_t marked = 0;
    KIRQL oldIrql;

    if (Length == 0)
        return 0;
    MiLockSystemWorkingSet();
    LOCK_PFN(oldIrql);
    for (; va < end; va += PAGE_SIZE) {
        volatile MMPTE *pte = MiCachePte(va);
        MMPTE contents = { .u.Long = pte->u.Long };
        MMPFN *pfn;

        if (!contents.u.Hard.Valid || !contents.u.Hard.Dirty)
            continue;
        pte->u.Long = contents.u.Long & ~MM_PTE_DIRTY_MASK;
        MI_FLUSH_SINGLE_TB(va);
        pfn = MI_PFN_ELEMENT(contents.u.Hard.PageFrameNumber);
        if (!pfn->u3.e1.Modified)
            marked++;
        MiSetModified(pfn);
    }
    UNLOCK_PFN(oldIrql);
    MiUnlockSystemWorkingSet();
    return marked;
}

/* ---- flushing and purging a file's pages ------------------------------------------------- */

/* The pages [Offset, Offset + Length) of Section touches inside its segment; false if none. */
static bool MiSectionRange(CONTROL_AREA *Area, int64_t Offset, int64_t Length, uint32_t *First,
                           uint32_t *Last)
{
    uint64_t first = (uint64_t)Offset >> PAGE_SHIFT;
    uint64_t last = ((uint64_t)Offset + (uint64_t)Length - 1) >> PAGE_SHIFT;
    uint32_t total = Area->Segment->TotalNumberOfPtes;

    if (Length <= 0 || Offset < 0 || first >= total)
        return false;
    *First = (uint32_t)first;
    *Last = (uint32_t)MIN(last, (uint64_t)total - 1);
    return true;
}

/* NT's MmFlushSection: the modified pages of [Offset, Offset + Length) written to the file
 * (Length 0: to the end of the segment). *Written counts them. PASSIVE_LEVEL. */
NTSTATUS MmFlushSection(void *Section, int64_t Offset, int64_t Length, uint32_t *Written)
{
    uint32_t first, last;

    *Written = 0;
    if (Length == 0)
        Length = MmGetCacheSectionSize(Section) - Offset;
    if (!MiSectionRange(Section, Offset, Length, &first, &last))
        return STATUS_SUCCESS;
    return MiFlushDataFilePages(Section, first, last, Written);
}

/*
 * NT's MmPurgeSection: the pages of [Offset, Offset + Length) thrown away, modified or not,
 * their prototypes subsection PTEs again, so the next touch reads the file (after a truncation,
 * or a write that went around the cache). A page some view still maps, or under I/O, stays:
 * the result is then false. The cache unmaps its own views of the range first. PASSIVE_LEVEL.
 */
bool MmPurgeSection(void *Section, int64_t Offset, int64_t Length)
{
    uint32_t page, lastPage, contiguous = 0;
    MMPTE *proto = NULL, *last = NULL;
    bool purged = true;

    if (!MiSectionRange(Section, Offset, Length, &page, &lastPage))
        return true;
    while (page <= lastPage) {
        MMPTE *pageEnd;
        KIRQL oldIrql;

        if (contiguous == 0) {                  /* the next subsection's run */
            proto = MiDataFilePrototype(Section, page, &contiguous);
            last = proto + MIN(contiguous, lastPage - page + 1) - 1;
        }
        pageEnd = (MMPTE *)PAGE_ALIGN_UP((uintptr_t)(proto + 1)) - 1;
        LOCK_PFN(oldIrql);
        MiMakeSystemAddressValidPfn(proto, &oldIrql);
        for (; proto <= MIN(pageEnd, last); proto++, page++, contiguous--) {
            MMPTE contents = *proto, original;
            MMPFN *pfn;

            if (contents.u.Hard.Valid) {
                purged = false;
                continue;
            }
            if (contents.u.Soft.Prototype || !contents.u.Soft.Transition)
                continue;                       /* in the file only */
            pfn = MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber);
            if (pfn->u3.e2.ReferenceCount != 0) {
                purged = false;                 /* a read or write under way */
                continue;
            }
            original = pfn->OriginalPte;
            MiDeleteTransitionPte(proto);
            *proto = original;
        }
        UNLOCK_PFN(oldIrql);
    }
    return purged;
}
