/*
 * mm/basedsec.c: based sections (SEC_BASED; NT's MmSectionBasedRoot and its routines in
 * creasect.c and sectsup.c). A section created with SEC_BASED is given, once, at its creation,
 * a range of user addresses that is its own in every process: views of it mapped with no base
 * go there (mapview.c), so pointers stored in it mean the same thing to every process that
 * maps it. The ranges come from one system-wide tree, top-down from MmHighSectionBase:
 *
 *   0x7FFEFFFF  MmHighestUserAddress (2 GB)
 *   0x7F7EFFFF  MmHighSectionBase = MmHighestUserAddress - 8 MB, also under /3GB, so that a
 *        |      based section fits identically in every process, large-address-aware or not
 *        v      the first based section ends here; each further one below the lowest gap that
 *               fits it, 64 KB-aligned (NT's MiFindEmptySectionBaseDown)
 *
 * The section keeps its range in SECTION.Address (an MMADDRESS_NODE in MmSectionBasedRoot,
 * under MmSectionBasedMutex) until its object is deleted. Any section may be based: page-file,
 * data file or image (an image's views still go where the image asks: only data views use the
 * range). The range is as large as the section, rounded to pages; a section larger than
 * MmHighSectionBase gets STATUS_NO_MEMORY, as does a section no gap fits.
 *
 * Departure from NT: Address.StartingVpn and EndingVpn hold page numbers, as a VAD's do, so
 * that vadtree.c's AVL code and free-range search serve this tree too; NT keeps byte addresses
 * there (its EndingVpn is the last byte). NtQuerySection reports the address either way.
 */
#include "mm/mi.h"

#define MM_HIGH_SECTION_BASE    ((uintptr_t)(MM_KSEG0_BASE - 0x10000 - 1) - 0x800000)

MM_AVL_TABLE MmSectionBasedRoot;
FAST_MUTEX MmSectionBasedMutex;
const uintptr_t MmHighSectionBase = MM_HIGH_SECTION_BASE;

void MiInitializeBasedSections(void)
{
    ExInitializeFastMutex(&MmSectionBasedMutex);
    MiInitializeAvlTable(&MmSectionBasedRoot);
}

/* Section (a new object, not yet visible to anyone) gets its range; Based set on success.
 * STATUS_NO_MEMORY when it is larger than MmHighSectionBase or no range is free. PASSIVE_LEVEL. */
NTSTATUS MiInsertBasedSection(SECTION *Section)
{
    uint64_t size = (uint64_t)Section->SizeOfSection;
    uintptr_t base;
    NTSTATUS status;

    if (Section->SizeOfSection <= 0 || size > MmHighSectionBase)
        return STATUS_NO_MEMORY;
    ExAcquireFastMutex(&MmSectionBasedMutex);
    status = MiFindEmptyAddressRangeDown(&MmSectionBasedRoot, (uint32_t)size,
                                         MM_ALLOCATION_GRANULARITY, 0, MmHighSectionBase, &base);
    if (NT_SUCCESS(status)) {
        Section->Address.StartingVpn = base >> PAGE_SHIFT;
        Section->Address.EndingVpn = (base >> PAGE_SHIFT) + BYTES_TO_PAGES(size) - 1;
        MiInsertNode(&Section->Address, &MmSectionBasedRoot);
        Section->u.Flags.Based = 1;
    }
    ExReleaseFastMutex(&MmSectionBasedMutex);
    return NT_SUCCESS(status) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* The range of Section (being deleted) back to the tree, if it has one (NT's MiSectionDelete
 * keys this on Address.StartingVpn too). */
void MiRemoveBasedSection(SECTION *Section)
{
    if (Section->Address.StartingVpn == 0)
        return;
    ExAcquireFastMutex(&MmSectionBasedMutex);
    MiRemoveNode(&Section->Address, &MmSectionBasedRoot);
    ExReleaseFastMutex(&MmSectionBasedMutex);
    Section->Address.StartingVpn = 0;
}

/* Where a based section's views go when no base is asked: its range's start, 0 if not based. */
uintptr_t MiGetSectionBasedAddress(const SECTION *Section)
{
    return (uintptr_t)Section->Address.StartingVpn << PAGE_SHIFT;
}
