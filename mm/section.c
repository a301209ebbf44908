/*
 * mm/section.c: section objects backed by the paging files (NT's creasect.c, querysec.c,
 * extsect.c and the segment's end in sectsup.c): NtCreateSection, NtOpenSection,
 * NtQuerySection, NtExtendSection, and the life of the segment and control area behind
 * them. mm/section.h draws the structures; mapview.c maps them, umapview.c unmaps them.
 *
 *   NtCreateSection  NT's checks in NT's order: the attributes (STATUS_INVALID_PARAMETER_6),
 *                    the protection (STATUS_INVALID_PAGE_PROTECTION), a FileHandle (a data
 *                    file's section: datasec.c; SEC_IMAGE: imagefile.c), SEC_IMAGE without one
 *                    (STATUS_INVALID_FILE_FOR_SECTION), large pages without SEC_COMMIT (_6)
 *                    or SeLockMemoryPrivilege (STATUS_PRIVILEGE_NOT_HELD), a size of 0
 *                    (STATUS_INVALID_PARAMETER_4) or of 4 GB and more (STATUS_SECTION_TOO_BIG,
 *                    as x86 NT's page-file sections), the commitment SEC_COMMIT charges at once
 *                    (STATUS_COMMITMENT_LIMIT), large pages' own (largesec.c); then the object,
 *                    its based range (SEC_BASED: basedsec.c) and its name
 *                    (STATUS_OBJECT_NAME_COLLISION, or with OBJ_OPENIF the section that has it
 *                    and STATUS_OBJECT_NAME_EXISTS). The size is rounded up to pages.
 *   SEC_RESERVE      no commitment: the prototype PTEs start at 0 and each view commits pages
 *                    with NtAllocateVirtualMemory (MiCommitSegmentPtes), for every view at once.
 *   SEC_LARGE_PAGES  the section's memory is taken at once, on 4 MB pages, never paged.
 *
 * The segment lives while a section object or a view refers to its control area (the counts
 * change under the PFN lock). When the last goes, every page it holds is freed — in memory,
 * on the standby or modified list, or under I/O (then freed when the I/O ends) — with its
 * paging-file slot and its commitment (NT's MiSegmentDelete).
 */
#include "mm/mi.h"

#define MM_VALID_SECTION_ATTRIBUTES (SEC_COMMIT | SEC_RESERVE | SEC_BASED | SEC_LARGE_PAGES | \
                                     SEC_IMAGE | SEC_NOCACHE | SEC_NO_CHANGE)
#define MM_SECTION_BAD_PROTECTION   (PAGE_NOCACHE | PAGE_WRITECOMBINE | PAGE_GUARD | PAGE_NOACCESS)

MM_SECTION_CALLOUTS MiSectionCallouts;
LIST_ENTRY MiControlAreaList = { &MiControlAreaList, &MiControlAreaList };
KSPIN_LOCK MiControlAreaListLock;
FAST_MUTEX MmSectionCommitMutex;
uint32_t MmSharedCommit;
volatile uint32_t MiSegmentCount;

/* NT's ProbeForWriteHandle: the handle the caller will get back must be writable; its value
 * is read and written back unchanged. */
NTSTATUS MiProbeForWriteHandle(void **Handle)
{
    uintptr_t value;
    NTSTATUS status = ExCapture(&value, (uintptr_t *)Handle);

    return NT_SUCCESS(status) ? ExReturn((uintptr_t *)Handle, &value) : status;
}

void MmSetSectionCallouts(const MM_SECTION_CALLOUTS *Callouts)
{
    ExInitializeFastMutex(&MmSectionCommitMutex);
    MiInitializeBasedSections();
    MiSectionCallouts = *Callouts;
}

/*
 * NT's MiIsProtectionCompatible: Win32Protect asks no more than Protection (MM_*) allows.
 * Read-only or write-copy allows reading and write-copy, read/write those and writing, and the
 * execute forms the same with execution; no access allows only no access. Guard, no-cache and
 * write-combine come with any.
 */
bool MiIsProtectionCompatible(uint32_t Protection, uint32_t Win32Protect)
{
    static const uint32_t allowed[8] = {
        [0] = PAGE_NOACCESS,
        [MM_READONLY] = PAGE_NOACCESS | PAGE_READONLY | PAGE_WRITECOPY,
        [MM_WRITECOPY] = PAGE_NOACCESS | PAGE_READONLY | PAGE_WRITECOPY,
        [MM_READWRITE] = PAGE_NOACCESS | PAGE_READONLY | PAGE_WRITECOPY | PAGE_READWRITE,
        [MM_EXECUTE] = PAGE_NOACCESS | PAGE_EXECUTE,
        [MM_EXECUTE_READ] = PAGE_NOACCESS | PAGE_READONLY | PAGE_WRITECOPY | PAGE_EXECUTE |
                            PAGE_EXECUTE_READ | PAGE_EXECUTE_WRITECOPY,
        [MM_EXECUTE_WRITECOPY] = PAGE_NOACCESS | PAGE_READONLY | PAGE_WRITECOPY | PAGE_EXECUTE |
                                 PAGE_EXECUTE_READ | PAGE_EXECUTE_WRITECOPY,
        [MM_EXECUTE_READWRITE] = 0xFF,
    };
    uint32_t base = Protection == MM_NOACCESS ? 0 : Protection & MM_PROTECTION_OPERATION_MASK;

    return (Win32Protect & 0xFF & ~allowed[base]) == 0;
}

uint32_t MiProtoPteProtection(MMPTE Proto)
{
    if (Proto.u.Hard.Valid)
        return MI_PFN_ELEMENT(Proto.u.Hard.PageFrameNumber)->OriginalPte.u.Soft.Protection;
    return Proto.u.Soft.Protection;
}

/*
 * NT's MiCreatePagingFileMap: a segment of Pages prototype PTEs with its control area and
 * subsection. SEC_COMMIT charges the commitment now and fills the prototypes with demand-zero
 * PTEs carrying the protection; SEC_RESERVE leaves them 0. SEC_LARGE_PAGES (with SEC_COMMIT)
 * makes them valid at once on large pages (largesec.c).
 */
static NTSTATUS MiCreatePagingFileMap(uint32_t Pages, uint32_t Protection, uint32_t Attributes,
                                      SEGMENT **Segment)
{
    MI_PAGEFILE_CONTROL_AREA *area;
    SEGMENT *segment;
    MMPTE fill = { .u.Long = 0 };
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL oldIrql;

    if (Pages > (UINT32_MAX - sizeof(SEGMENT)) / sizeof(MMPTE))
        return STATUS_SECTION_TOO_BIG;
    if ((Attributes & SEC_COMMIT) && !MiChargeCommitment(Pages))
        return STATUS_COMMITMENT_LIMIT;
    if (Attributes & SEC_LARGE_PAGES)
        status = MiCheckLargePageSection(Pages);
    if (NT_SUCCESS(status) && !MiAllocateSegment(Pages, sizeof(*area), &segment, (void **)&area))
        status = STATUS_INSUFFICIENT_RESOURCES;
    if (!NT_SUCCESS(status)) {
        if (Attributes & SEC_COMMIT)
            MiReturnCommitment(Pages);
        return status;
    }
    RtlZeroMemory(segment, sizeof(SEGMENT));
    RtlZeroMemory(area, sizeof(*area));
    segment->ControlArea = &area->ControlArea;
    segment->TotalNumberOfPtes = segment->NonExtendedPtes = Pages;
    segment->SizeOfSegment = (uint64_t)Pages * PAGE_SIZE;
    segment->SegmentPteTemplate.u.Soft.Protection = Protection;
    segment->PrototypePte = segment->ThePtes;
    if (Attributes & SEC_COMMIT) {
        segment->NumberOfCommittedPages = Pages;
        fill = segment->SegmentPteTemplate;
    }
    for (uint32_t i = 0; i < Pages; i++)
        segment->ThePtes[i] = fill;
    if (Attributes & SEC_LARGE_PAGES)
        status = MiCreateLargePageSegment(segment);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(segment, MI_SEGMENT_TAG);
        ExFreePoolWithTag(area, MI_CONTROL_AREA_TAG);
        MiReturnCommitment(Pages);
        return status;
    }
    area->ControlArea.Segment = segment;
    area->ControlArea.NumberOfSectionReferences = 1;
    area->ControlArea.NumberOfUserReferences = 1;
    area->ControlArea.u.Flags.Based = (Attributes & SEC_BASED) != 0;
    area->ControlArea.u.Flags.Reserve = (Attributes & SEC_RESERVE) != 0;
    area->ControlArea.u.Flags.Commit = (Attributes & SEC_COMMIT) != 0;
    area->ControlArea.u.Flags.NoCache = (Attributes & SEC_NOCACHE) != 0;
    area->ControlArea.u.Flags.FilePointerNull = 1;
    area->Subsection.ControlArea = &area->ControlArea;
    area->Subsection.u.SubsectionFlags.Protection = Protection;
    area->Subsection.SubsectionBase = segment->ThePtes;
    area->Subsection.PtesInSubsection = Pages;
    InitializeListHead(&area->ControlArea.DereferenceList);
    KeAcquireSpinLock(&MiControlAreaListLock, &oldIrql);
    InsertTailList(&MiControlAreaList, &area->Links);
    KeReleaseSpinLock(&MiControlAreaListLock, oldIrql);
    if (Attributes & SEC_COMMIT)
        __atomic_add_fetch(&MmSharedCommit, Pages, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&MiSegmentCount, 1, __ATOMIC_SEQ_CST);
    *Segment = segment;
    return STATUS_SUCCESS;
}

/*
 * The prototype PTEs [First, Last], resident under the PFN lock a page of them at a time,
 * each handed to Visit (which may change it). PASSIVE_LEVEL, no working-set mutex of the
 * system held (the pages of prototypes may have to be faulted in).
 */
void MiForEachPrototypePte(MMPTE *First, MMPTE *Last, void (*Visit)(MMPTE *Proto, void *),
                           void *Context)
{
    for (MMPTE *proto = First; proto <= Last;) {
        MMPTE *pageEnd = (MMPTE *)PAGE_ALIGN_UP((uintptr_t)(proto + 1)) - 1;
        KIRQL oldIrql;

        if (pageEnd > Last)
            pageEnd = Last;
        LOCK_PFN(oldIrql);
        MiMakeSystemAddressValidPfn(proto, &oldIrql);
        for (; proto <= pageEnd; proto++)
            Visit(proto, Context);
        UNLOCK_PFN(oldIrql);
    }
}

/* Free what a prototype PTE of a segment (Context) being deleted holds (no view is left, so
 * none is valid but a large page's): its page, at once or when its I/O ends, and its
 * paging-file slot. PFN lock held. */
static void MiDeletePrototypePte(MMPTE *Proto, void *Context)
{
    const SEGMENT *segment = Context;
    MMPTE contents = *Proto;

    if (contents.u.Hard.Valid && segment->SegmentFlags.LargePages) {
        MiDeleteLargePagePrototype(Proto);
        return;
    }
    if (contents.u.Hard.Valid)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE, (uintptr_t)Proto,
                     contents.u.Long, 0);
    if (contents.u.Soft.Prototype)
        ;                               /* a subsection PTE: the page is in the image file only */
    else if (contents.u.Soft.Transition)
        MiDeleteTransitionPte(Proto);
    else if (contents.u.Soft.PageFileHigh != 0)
        MiReleasePageFileSpace(contents);
    Proto->u.Long = MM_ZERO_PTE;
}

/* The prototype PTEs [First, Last] of Segment, being deleted, and what they hold, freed. */
void MiDeletePrototypePtes(SEGMENT *Segment, MMPTE *First, MMPTE *Last)
{
    MiForEachPrototypePte(First, Last, MiDeletePrototypePte, Segment);
}

/* NT's MiSegmentDelete: the segment's pages, slots, commitment and pool go (an image's file
 * and headers too: MiDeleteImageControlArea). */
bool MiAllocateSegment(uint32_t Pages, uint32_t AreaBytes, SEGMENT **Segment, void **Area)
{
    *Segment = ExAllocatePoolWithTag(PagedPool, sizeof(SEGMENT) + (Pages - 1) * sizeof(MMPTE),
                                     MI_SEGMENT_TAG);
    *Area = ExAllocatePoolWithTag(NonPagedPool, AreaBytes, MI_CONTROL_AREA_TAG);
    if (*Segment && *Area)
        return true;
    if (*Segment)
        ExFreePoolWithTag(*Segment, MI_SEGMENT_TAG);
    if (*Area)
        ExFreePoolWithTag(*Area, MI_CONTROL_AREA_TAG);
    return false;
}

static void MiSegmentDelete(SEGMENT *Segment)
{
    CONTROL_AREA *area = Segment->ControlArea;
    MI_PAGEFILE_CONTROL_AREA *block = CONTAINING_RECORD(area, MI_PAGEFILE_CONTROL_AREA, ControlArea);
    uint32_t committed = Segment->NumberOfCommittedPages;
    KIRQL oldIrql;

    if (MiIsDataControlArea(area))           /* what views wrote goes to the file first */
        MiFlushDataControlArea(area);
    KeAcquireSpinLock(&MiControlAreaListLock, &oldIrql);
    RemoveEntryList(&block->Links);
    KeReleaseSpinLock(&MiControlAreaListLock, oldIrql);
    MiDeletePrototypePtes(Segment, Segment->ThePtes,
                          &Segment->ThePtes[Segment->NonExtendedPtes - 1]);
    if (MiIsDataControlArea(area))
        MiDeleteDataFileExtensions(area);
    MiReturnCommitment(committed);
    __atomic_sub_fetch(&MmSharedCommit, committed, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&MiSegmentCount, 1, __ATOMIC_SEQ_CST);
    if (area->u.Flags.Image)
        MiDeleteImageControlArea(area);
    else if (area->FilePointer)
        MiDeleteDataControlArea(area);
    ExFreePoolWithTag(Segment, MI_SEGMENT_TAG);
    ExFreePoolWithTag(block, MI_CONTROL_AREA_TAG);
}

/* Drop one of Count's references (a section object's, or a view's), deleting the segment when
 * no section and no view is left. */
void MiDereferenceControlArea(CONTROL_AREA *ControlArea, uint32_t *Count)
{
    bool last;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    if (*Count == 0 || ControlArea->NumberOfUserReferences == 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_CONTROL_AREA, (uintptr_t)ControlArea,
                     ControlArea->NumberOfSectionReferences, ControlArea->NumberOfMappedViews);
    (*Count)--;
    ControlArea->NumberOfUserReferences--;
    last = ControlArea->NumberOfSectionReferences == 0 && ControlArea->NumberOfMappedViews == 0;
    if (last) {
        ControlArea->u.Flags.BeingDeleted = 1;
        if (MiIsDataControlArea(ControlArea))
            MiUnlinkDataControlArea(ControlArea);
        else if (ControlArea->FilePointer)
            MiUnlinkImageControlArea(ControlArea);
    }
    UNLOCK_PFN(oldIrql);
    if (last)
        MiSegmentDelete(ControlArea->Segment);
}

void MiAddMappedView(CONTROL_AREA *ControlArea)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    ControlArea->NumberOfMappedViews++;
    ControlArea->NumberOfUserReferences++;
    UNLOCK_PFN(oldIrql);
}

void MiRemoveMappedViewReference(CONTROL_AREA *ControlArea)
{
    MiDereferenceControlArea(ControlArea, &ControlArea->NumberOfMappedViews);
}

/* The section object's delete procedure (Ob calls it with the last reference). */
void MmDeleteSection(void *Object)
{
    SECTION *section = Object;

    MiRemoveBasedSection(section);
    if (section->Segment)
        MiDereferenceControlArea(section->Segment->ControlArea,
                                 &section->Segment->ControlArea->NumberOfSectionReferences);
}

typedef struct _MI_COMMIT_COUNT {
    SEGMENT *Segment;
    uint32_t Count;
    bool Write;
} MI_COMMIT_COUNT;

static void MiCountOrCommit(MMPTE *Proto, void *Context)
{
    MI_COMMIT_COUNT *commit = Context;

    if (Proto->u.Long != MM_ZERO_PTE)
        return;
    commit->Count++;
    if (commit->Write)
        *Proto = commit->Segment->SegmentPteTemplate;
}

NTSTATUS MiCommitSegmentPtes(SEGMENT *Segment, MMPTE *First, MMPTE *Last, uint32_t *Committed)
{
    MI_COMMIT_COUNT commit = { Segment, 0, false };

    MiForEachPrototypePte(First, Last, MiCountOrCommit, &commit);
    *Committed = commit.Count;
    if (commit.Count == 0)
        return STATUS_SUCCESS;
    if (!MiChargeCommitment(commit.Count))
        return STATUS_COMMITMENT_LIMIT;
    commit.Write = true;
    commit.Count = 0;
    MiForEachPrototypePte(First, Last, MiCountOrCommit, &commit);
    Segment->NumberOfCommittedPages += commit.Count;
    __atomic_add_fetch(&MmSharedCommit, commit.Count, __ATOMIC_SEQ_CST);
    return STATUS_SUCCESS;
}

/* The checks NtCreateSection makes of its flags before it touches anything. */
static NTSTATUS MiCheckSectionAttributes(uint32_t Attributes, uint32_t Protect)
{
    if ((Attributes & ~MM_VALID_SECTION_ATTRIBUTES) ||
        !(Attributes & (SEC_COMMIT | SEC_RESERVE | SEC_IMAGE)) ||
        ((Attributes & SEC_IMAGE) &&
         (Attributes & (SEC_COMMIT | SEC_RESERVE | SEC_LARGE_PAGES | SEC_NOCACHE | SEC_NO_CHANGE))) ||
        (Attributes & (SEC_COMMIT | SEC_RESERVE)) == (SEC_COMMIT | SEC_RESERVE))
        return STATUS_INVALID_PARAMETER_6;
    if (Protect & MM_SECTION_BAD_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    return STATUS_SUCCESS;
}

/* What MmCreateSection says of a section with no file, before sizes. */
static NTSTATUS MiCheckSectionBacking(uint32_t Attributes)
{
    if (Attributes & SEC_IMAGE)
        return STATUS_INVALID_FILE_FOR_SECTION;
    if ((Attributes & SEC_LARGE_PAGES) && !(Attributes & SEC_COMMIT))
        return STATUS_INVALID_PARAMETER_6;
    if ((Attributes & SEC_LARGE_PAGES) && !MiSinglePrivilegeCheck(SE_LOCK_MEMORY_PRIVILEGE))
        return STATUS_PRIVILEGE_NOT_HELD;
    return STATUS_SUCCESS;
}

NTSTATUS NtCreateSection(void **SectionHandle, uint32_t DesiredAccess, const void *ObjectAttributes,
                         const int64_t *MaximumSize, uint32_t SectionPageProtection,
                         uint32_t AllocationAttributes, void *FileHandle)
{
    uint32_t protection, pages;
    int64_t size = 0;
    SEGMENT *segment;
    SECTION *section;
    void *handle = NULL;
    NTSTATUS status, inserted;

    status = MiCheckSectionAttributes(AllocationAttributes, SectionPageProtection);
    if (NT_SUCCESS(status) && ExGetPreviousMode() == UserMode)
        status = MiProbeForWriteHandle(SectionHandle);
    if (NT_SUCCESS(status) && MaximumSize)
        status = ExCaptureFromMode(ExGetPreviousMode(), &size, MaximumSize, sizeof(size), 4);
    if (!NT_SUCCESS(status))
        return status;
    if (AllocationAttributes & SEC_NOCACHE)
        SectionPageProtection |= PAGE_NOCACHE;
    protection = MiMakeProtectionMask(SectionPageProtection);
    if (protection == MM_INVALID_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (FileHandle) {
        if (AllocationAttributes & SEC_LARGE_PAGES)
            return STATUS_INVALID_PARAMETER_6;
        if (AllocationAttributes & SEC_IMAGE) {
            status = MiCreateImageFileSection(FileHandle, protection, &segment);
            if (NT_SUCCESS(status))                 /* the image's size, MaximumSize aside */
                size = (int64_t)segment->TotalNumberOfPtes * PAGE_SIZE;
        } else {
            status = size < 0 ? STATUS_SECTION_TOO_BIG
                              : MiCreateDataFileSection(FileHandle, protection, &size, &segment);
        }
        if (!NT_SUCCESS(status))
            return status;
    } else {
        status = MiCheckSectionBacking(AllocationAttributes);
        if (!NT_SUCCESS(status))
            return status;
        if (size == 0)
            return STATUS_INVALID_PARAMETER_4;
        if (size < 0 || size > (int64_t)UINT32_MAX)
            return STATUS_SECTION_TOO_BIG;
        pages = (uint32_t)(((uint64_t)size + PAGE_SIZE - 1) >> PAGE_SHIFT);
        status = MiCreatePagingFileMap(pages, protection, AllocationAttributes, &segment);
        if (!NT_SUCCESS(status))
            return status;
        size = (int64_t)pages * PAGE_SIZE;
    }
    status = MiSectionCallouts.CreateSectionObject(ExGetPreviousMode(), ObjectAttributes,
                                                   sizeof(SECTION), (void **)&section);
    if (!NT_SUCCESS(status)) {
        MiDereferenceControlArea(segment->ControlArea,
                                 &segment->ControlArea->NumberOfSectionReferences);
        return status;
    }
    section->Segment = segment;
    section->SizeOfSection = size;          /* a file's: in bytes, as NT has it */
    section->u.LongFlags = segment->ControlArea->u.LongFlags;
    section->u.Flags.UserReference = 1;
    section->u.Flags.Commit |= FileHandle != NULL && !(AllocationAttributes & SEC_IMAGE);
    section->u.Flags.NoChange = (AllocationAttributes & SEC_NO_CHANGE) != 0;
    section->u.Flags.CopyOnWrite = !(SectionPageProtection & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE));
    section->InitialPageProtection = SectionPageProtection;
    section->u.Flags.Based = 0;             /* set when the range is the section's */
    if (AllocationAttributes & SEC_BASED) {
        status = MiInsertBasedSection(section);
        if (!NT_SUCCESS(status)) {
            MiSectionCallouts.DereferenceObject(section);
            return status;
        }
    }
    inserted = MiSectionCallouts.InsertSectionObject(section, DesiredAccess, &handle);
    if (!NT_SUCCESS(inserted))
        return inserted;
    status = ExReturn((uintptr_t *)SectionHandle, (uintptr_t *)&handle);
    return NT_SUCCESS(status) ? inserted : status;
}

NTSTATUS NtOpenSection(void **SectionHandle, uint32_t DesiredAccess, const void *ObjectAttributes)
{
    void *handle = NULL;
    NTSTATUS status = STATUS_SUCCESS;

    if (ExGetPreviousMode() == UserMode)
        status = MiProbeForWriteHandle(SectionHandle);
    if (NT_SUCCESS(status))
        status = MiSectionCallouts.OpenSectionByName(ObjectAttributes, ExGetPreviousMode(),
                                                     DesiredAccess, &handle);
    if (NT_SUCCESS(status))
        status = ExReturn((uintptr_t *)SectionHandle, (uintptr_t *)&handle);
    return status;
}

/* SectionBasicInformation (16 bytes) or SectionImageInformation (0x30: only image sections
 * have it, STATUS_SECTION_NOT_IMAGE); SECTION_QUERY needed. */
NTSTATUS NtQuerySection(void *SectionHandle, uint32_t InformationClass, void *Information,
                        uint32_t Length, uint32_t *ReturnLength)
{
    SECTION_BASIC_INFORMATION info;
    uint32_t returned = sizeof(info);
    SECTION *section;
    NTSTATUS status;

    if (InformationClass == SectionBasicInformation) {
        if (Length < sizeof(SECTION_BASIC_INFORMATION))
            return STATUS_INFO_LENGTH_MISMATCH;
    } else if (InformationClass == SectionImageInformation) {
        if (Length < SECTION_IMAGE_INFORMATION_SIZE)
            return STATUS_INFO_LENGTH_MISMATCH;
    } else {
        return STATUS_INVALID_INFO_CLASS;
    }
    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(Information, Length, 4);
        if (NT_SUCCESS(status) && ReturnLength)
            status = ProbeForWrite(ReturnLength, 4, 4);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = MiSectionCallouts.ReferenceSectionByHandle(SectionHandle, SECTION_QUERY,
                                                        ExGetPreviousMode(), (void **)&section);
    if (!NT_SUCCESS(status))
        return status;
    if (InformationClass == SectionImageInformation) {
        SECTION_IMAGE_INFORMATION image;

        if (!section->u.Flags.Image) {
            MiSectionCallouts.DereferenceObject(section);
            return STATUS_SECTION_NOT_IMAGE;
        }
        image = *(SECTION_IMAGE_INFORMATION *)section->Segment->u2.ImageInformation;
        MiSectionCallouts.DereferenceObject(section);
        returned = sizeof(image);
        status = ExReturnToMode(ExGetPreviousMode(), Information, &image, sizeof(image), 4);
        if (NT_SUCCESS(status) && ReturnLength)
            status = ExReturn(ReturnLength, &returned);
        return status;
    }
    /* A based section's range; an image section's base is where its image asks to be. */
    if (section->u.Flags.Based)
        info.BaseAddress = (uint32_t)MiGetSectionBasedAddress(section);
    else
        info.BaseAddress = section->u.Flags.Image
                           ? (uint32_t)(uintptr_t)section->Segment->BasedAddress : 0;
    info.Attributes = (section->u.Flags.Commit ? SEC_COMMIT : 0) |
                      (section->u.Flags.Based ? SEC_BASED : 0) |
                      (section->u.Flags.Reserve ? SEC_RESERVE : 0) |
                      (section->u.Flags.Image ? SEC_IMAGE : 0) |
                      (section->Segment->ControlArea->FilePointer ? SEC_FILE : 0) |
                      (section->u.Flags.NoCache ? SEC_NOCACHE : 0);
    info.Size = section->SizeOfSection;
    MiSectionCallouts.DereferenceObject(section);
    status = ExReturnToMode(ExGetPreviousMode(), Information, &info, sizeof(info), 4);
    if (NT_SUCCESS(status) && ReturnLength)
        status = ExReturn(ReturnLength, &returned);
    return status;
}

/* Only sections of files extend (NT's MmExtendSection): a page-file section says
 * STATUS_SECTION_NOT_EXTENDED once the handle has been checked for SECTION_EXTEND_SIZE. */
NTSTATUS NtExtendSection(void *SectionHandle, int64_t *NewSectionSize)
{
    int64_t size;
    SECTION *section;
    CONTROL_AREA *area;
    NTSTATUS status = ExCaptureFromMode(ExGetPreviousMode(), &size, NewSectionSize, sizeof(size), 4);

    if (NT_SUCCESS(status))
        status = ExReturnToMode(ExGetPreviousMode(), NewSectionSize, &size, sizeof(size), 4);
    if (!NT_SUCCESS(status))
        return status;
    status = MiSectionCallouts.ReferenceSectionByHandle(SectionHandle, SECTION_EXTEND_SIZE,
                                                        ExGetPreviousMode(), (void **)&section);
    if (!NT_SUCCESS(status))
        return status;
    area = section->Segment->ControlArea;
    if (!MiIsDataControlArea(area) ||
        !(section->InitialPageProtection & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE))) {
        status = STATUS_SECTION_NOT_EXTENDED;
    } else if (size > section->SizeOfSection) {
        /* NT's MmExtendSection for a file: the file grows first (its file system zeroes the
         * new bytes), then the segment, then the section. */
        status = MiFileCallouts.SetFileSize(area->FilePointer, size);
        if (NT_SUCCESS(status) && !MiSetDataFileMapSize(area, size))
            status = STATUS_INSUFFICIENT_RESOURCES;
        if (NT_SUCCESS(status))
            section->SizeOfSection = size;
    }
    size = section->SizeOfSection;
    MiSectionCallouts.DereferenceObject(section);
    if (NT_SUCCESS(status))
        status = ExReturnToMode(ExGetPreviousMode(), NewSectionSize, &size, sizeof(size), 4);
    return status;
}

/* Pages of sections in memory now (valid, standby, modified or under I/O). */
uint32_t MmCountPrototypePages(void)
{
    uint32_t count = 0;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (uint32_t frame = MmLowestPhysicalPage; frame <= MmHighestPhysicalPage; frame++) {
        const MMPFN *pfn = MI_PFN_ELEMENT(frame);

        count += pfn->u3.e1.PrototypePte && pfn->u3.e1.PageLocation > FreePageList &&
                 pfn->u3.e1.PageLocation != BadPageList;
    }
    UNLOCK_PFN(oldIrql);
    return count;
}
