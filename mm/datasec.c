/*
 * mm/datasec.c: sections of data files (NT's MiCreateDataFileMap in creasect.c, the mapped
 * page writer of modwrite.c, MiFlushSectionInternal of flushsec.c): one control area per
 * file, shared by every section and view of it, its prototype PTEs in NT's x86 subsection
 * format until read, and the file's dirty pages written back to the file — never to a paging
 * file.
 *
 *   creation   NtCreateSection with a FileHandle (section.c) comes here: the handle must grant
 *              MmMakeFileAccess[protection] (STATUS_ACCESS_DENIED); a directory or a file with
 *              no SECTION_OBJECT_POINTERS is STATUS_INVALID_FILE_FOR_SECTION; an empty file
 *              with no maximum STATUS_MAPPED_FILE_SIZE_ZERO; a maximum past the end of file
 *              extends the file for a read/write section and is STATUS_SECTION_TOO_BIG for
 *              any other. The section's size is the maximum, or the end of file.
 *   control    MI_DATA_CONTROL_AREA (section.h), found in the file's
 *   area       SectionObjectPointers->DataSectionObject; it references the file object. Its
 *              segment holds a prototype PTE per page of the file (inline, in paged pool),
 *              each a subsection PTE (protection MM_EXECUTE_READWRITE as NT's: the view's
 *              VAD says what a process may do) until its page is read; the subsections, one
 *              per MI_DATA_SUBSECTION_PTES pages, give the file offset in 4 KB units
 *              (StartingSector) and the last one SectorEndOffset = the end of file & 0xFFF.
 *              A section asking for more than the segment covers (the file grew, or a larger
 *              maximum, while the control area lives) is STATUS_SECTION_TOO_BIG: segments are
 *              not extended (NT's MiExtendSection is not built).
 *   in-page    pagfault.c's MiResolveMappedFileFault reads the page, with the identical
 *              subsection PTEs after it in the same page of prototypes (up to 16), through
 *              IoPageReadFile; the file system zeroes past the end of file. A clean page that
 *              leaves memory gives its prototype the subsection PTE back.
 *   writing    a dirty page of the file goes on the modified list like any; the page-file
 *              writer (modwrite.c) leaves such pages alone, and the mapped page writer thread
 *              (NT's MiMappedPageWriter, so that writing through a file system, which may need
 *              memory itself, never holds up the paging-file writes that free memory) writes
 *              them to their file with IoSynchronousPageWrite, clustered by neighbouring
 *              prototypes, whenever woken and at least every second (NT's modified page life
 *              for mapped pages). NtFlushVirtualMemory writes a view's dirty pages at once
 *              (MiFlushDataSection), and so does the control area's end, before the file
 *              object is let go.
 */
#include "mm/mi.h"

#define MI_MAPPED_WRITER_IDLE_MS 1000
#define MI_WRITE_WAIT_MS        10
#define MI_FLUSH_WAIT_MS        30000   /* a flush waits this long for writes under way */

MM_FILE_CALLOUTS MiFileCallouts;
static FAST_MUTEX MiDataSectionMutex;   /* one control area per file: lookup and creation */
static KEVENT MiMappedPageWriterEvent;
uint32_t MiMappedPagesWritten;          /* by the mapped page writer, all files */

/* NT's MmMakeFileAccess: what the file handle must grant for a section's protection. */
const uint32_t MiMakeFileAccess[8] = {
    FILE_READ_DATA, FILE_READ_DATA, FILE_EXECUTE, FILE_EXECUTE | FILE_READ_DATA,
    FILE_WRITE_DATA | FILE_READ_DATA, FILE_READ_DATA,
    FILE_EXECUTE | FILE_WRITE_DATA | FILE_READ_DATA, FILE_EXECUTE | FILE_READ_DATA,
};

void MmSetFileCallouts(const MM_FILE_CALLOUTS *Callouts)
{
    ExInitializeFastMutex(&MiDataSectionMutex);
    MiFileCallouts = *Callouts;
}

bool MiIsDataControlArea(const CONTROL_AREA *ControlArea)
{
    return ControlArea->FilePointer && !ControlArea->u.Flags.Image;
}

/* A subsection PTE of a data file (not an image's). */
bool MiIsDataFileSubsectionPte(MMPTE Pte)
{
    return MiIsDataControlArea(MiGetSubsectionAddress(Pte)->ControlArea);
}

/* A page whose bytes belong to a data file: a prototype page whose original PTE is a data
 * file's subsection PTE. PFN lock held. */
bool MiIsMappedFilePage(const MMPFN *Pfn)
{
    return Pfn->u3.e1.PrototypePte && Pfn->OriginalPte.u.Soft.Prototype &&
           MiIsDataFileSubsectionPte(Pfn->OriginalPte);
}

/*
 * Where Proto's page is in its file: the file object, the byte offset, and how many prototype
 * PTEs from Proto its subsection still has before the end of file (for clustering). False if Proto is past its
 * subsection (NT's access violation). Any IRQL.
 */
bool MiGetMappedFileOffset(MMPTE SubsectionPte, const MMPTE *Proto, FILE_OBJECT **File,
                           int64_t *Offset, uint32_t *PtesLeft)
{
    SUBSECTION *subsection = MiGetSubsectionAddress(SubsectionPte);
    CONTROL_AREA *area = subsection->ControlArea;

    /* Only nonpaged structures: the segment's header is paged pool, which may be out while
     * this page of prototypes is in, and this runs under the PFN lock. */
    if (Proto < subsection->SubsectionBase ||
        Proto >= subsection->SubsectionBase + subsection->PtesInSubsection)
        return false;
    *File = area->FilePointer;
    *Offset = ((int64_t)subsection->StartingSector +
               ((int64_t)subsection->u.SubsectionFlags.StartingSector4132 << 32) +
               (Proto - subsection->SubsectionBase)) << PAGE_SHIFT;
    *PtesLeft = (uint32_t)(subsection->SubsectionBase + subsection->PtesInSubsection - Proto);
    /* Nor past the end of file (a cache section runs ahead of it): a cluster reads the file. */
    {
        uint64_t eofPages = ((uint64_t)((MI_DATA_CONTROL_AREA *)area)->FileSize + PAGE_SIZE - 1) >>
                            PAGE_SHIFT;
        uint64_t page = (uint64_t)*Offset >> PAGE_SHIFT;

        if (page + *PtesLeft > eofPages)
            *PtesLeft = page < eofPages ? (uint32_t)(eofPages - page) : 1;
    }
    return true;
}

/* A modified page of a data file whose writing is disabled (NT's NoModifiedWriting, set by
 * MmDisableModifiedWriteOfSection): it goes to the modified-no-write list, where neither the
 * mapped page writer nor the paging-file writer looks; only a flush writes it. PFN lock held. */
bool MiIsModifiedWriteDisabled(const MMPFN *Pfn)
{
    return MiIsMappedFilePage(Pfn) &&
           MiGetSubsectionAddress(Pfn->OriginalPte)->ControlArea->u.Flags.NoModifiedWriting;
}

/*
 * NT's MmDisableModifiedWriteOfSection: the file's modified pages are no longer written by the
 * mapped page writer (a file system or the cache keeps them until it flushes: NT's log files);
 * false if the file has no data section. MmEnableModifiedWriteOfSection undoes it, the pages
 * waiting on the modified-no-write list going to the modified list, to be written.
 */
bool MmDisableModifiedWriteOfSection(SECTION_OBJECT_POINTERS *SectionObjectPointer)
{
    CONTROL_AREA *area;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    area = SectionObjectPointer->DataSectionObject;
    if (area)
        area->u.Flags.NoModifiedWriting = 1;
    UNLOCK_PFN(oldIrql);
    return area != NULL;
}

void MmEnableModifiedWriteOfSection(SECTION_OBJECT_POINTERS *SectionObjectPointer)
{
    CONTROL_AREA *area;
    uint32_t frame, next, moved = 0;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    area = SectionObjectPointer->DataSectionObject;
    if (area && area->u.Flags.NoModifiedWriting) {
        area->u.Flags.NoModifiedWriting = 0;
        for (frame = MmModifiedNoWritePageListHead.Flink; frame != MM_EMPTY_LIST; frame = next) {
            MMPFN *pfn = MI_PFN_ELEMENT(frame);

            next = pfn->u1.Flink;
            if (MiIsMappedFilePage(pfn) &&
                MiGetSubsectionAddress(pfn->OriginalPte)->ControlArea == area) {
                MiUnlinkPageFromList(pfn);
                MiInsertPageInList(&MmModifiedPageListHead, frame);
                moved++;
            }
        }
    }
    UNLOCK_PFN(oldIrql);
    if (moved)
        MiWakeMappedPageWriter();
}

/* Count pages of SubsectionPte's file are being read in (for !ca). PFN lock held. */
void MiNoteMappedFileRead(MMPTE SubsectionPte, uint32_t Count)
{
    ((MI_DATA_CONTROL_AREA *)MiGetSubsectionAddress(SubsectionPte)->ControlArea)->PagesRead += Count;
}

/* ---- creation -------------------------------------------------------------------------- */

/* The file behind FileHandle, referenced, if the handle grants what a section of Protection
 * needs of it (NT's MmMakeFileAccess): data and image sections of files both ask this. */
NTSTATUS MiReferenceSectionFile(void *FileHandle, uint32_t Protection, FILE_OBJECT **File)
{
    if (!MiFileCallouts.ReferenceFileByHandle)
        return STATUS_INVALID_FILE_FOR_SECTION;
    return MiFileCallouts.ReferenceFileByHandle(FileHandle, MiMakeFileAccess[Protection & 7],
                                                ExGetPreviousMode(), File);
}

/* NT's MiCreateDataFileMap: the control area, subsections and segment of File, Size bytes
 * (the file's end, Eof, may lie before: the cache's sections run ahead of a growing file). */
static NTSTATUS MiCreateDataFileMap(FILE_OBJECT *File, int64_t Size, int64_t Eof,
                                    SEGMENT **Segment)
{
    uint64_t pages64 = ((uint64_t)Size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    uint32_t pages, count;
    MI_DATA_CONTROL_AREA *area;
    SEGMENT *segment;
    KIRQL oldIrql;

    if (pages64 == 0 || pages64 > (UINT32_MAX - sizeof(SEGMENT)) / sizeof(MMPTE) ||
        pages64 > (MM_HIGHEST_VAD_ADDRESS >> PAGE_SHIFT))
        return STATUS_SECTION_TOO_BIG;
    pages = (uint32_t)pages64;
    count = (pages + MI_DATA_SUBSECTION_PTES - 1) / MI_DATA_SUBSECTION_PTES;
    if (!MiAllocateSegment(pages, sizeof(*area) + (count - 1) * sizeof(SUBSECTION), &segment,
                           (void **)&area))
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(segment, sizeof(SEGMENT));
    RtlZeroMemory(area, sizeof(*area) + (count - 1) * sizeof(SUBSECTION));
    segment->ControlArea = &area->Common.ControlArea;
    segment->TotalNumberOfPtes = segment->NonExtendedPtes = pages;
    segment->SizeOfSegment = (uint64_t)pages * PAGE_SIZE;
    segment->SegmentPteTemplate.u.Soft.Protection = MM_EXECUTE_READWRITE;
    segment->PrototypePte = segment->ThePtes;
    area->Common.ControlArea.Segment = segment;
    area->Common.ControlArea.NumberOfSectionReferences = 1;
    area->Common.ControlArea.NumberOfUserReferences = 1;
    area->Common.ControlArea.u.Flags.File = 1;
    area->Common.ControlArea.FilePointer = File;
    InitializeListHead(&area->Common.ControlArea.DereferenceList);
    area->SectionObjectPointers = File->SectionObjectPointer;
    area->FileSize = Eof;
    area->NumberOfSubsections = count;
    area->TotalPtes = pages;
    area->LastSubsection = count == 1 ? &area->Common.Subsection : &area->Subsections[count - 2];
    for (uint32_t i = 0; i < count; i++) {
        SUBSECTION *s = i == 0 ? &area->Common.Subsection : &area->Subsections[i - 1];
        uint32_t first = i * MI_DATA_SUBSECTION_PTES;
        uint32_t n = MIN(MI_DATA_SUBSECTION_PTES, pages - first);
        MMPTE pte = MiMakeSubsectionPte(s, MM_EXECUTE_READWRITE);

        s->ControlArea = &area->Common.ControlArea;
        s->u.SubsectionFlags.Protection = MM_EXECUTE_READWRITE;
        s->u.SubsectionFlags.ReadWrite = 1;
        s->StartingSector = first;                  /* 4 KB units for data files */
        s->SubsectionBase = &segment->ThePtes[first];
        s->PtesInSubsection = n;
        if (i + 1 == count && (Size & (PAGE_SIZE - 1))) {
            s->NumberOfFullSectors = n - 1;
            s->u.SubsectionFlags.SectorEndOffset = (uint32_t)(Size & (PAGE_SIZE - 1));
        } else {
            s->NumberOfFullSectors = n;
        }
        if (i > 0)
            (i == 1 ? &area->Common.Subsection : &area->Subsections[i - 2])->NextSubsection = s;
        for (uint32_t j = 0; j < n; j++)
            segment->ThePtes[first + j] = pte;
    }
    MiFileCallouts.ReferenceFile(File);
    KeAcquireSpinLock(&MiControlAreaListLock, &oldIrql);
    InsertTailList(&MiControlAreaList, &area->Common.Links);
    KeReleaseSpinLock(&MiControlAreaListLock, oldIrql);
    __atomic_add_fetch(&MiSegmentCount, 1, __ATOMIC_SEQ_CST);
    *Segment = segment;
    return STATUS_SUCCESS;
}

/*
 * NtCreateSection's file part (NT's MmCreateSection with a FileHandle, for data): the checks
 * above, then the file's control area referenced for one more section, or made. *MaximumSize
 * (0: the end of file) comes back as the section's size.
 */
NTSTATUS MiCreateDataFileSection(void *FileHandle, uint32_t Protection, int64_t *MaximumSize,
                                 SEGMENT **Segment)
{
    bool writable = Protection == MM_READWRITE || Protection == MM_EXECUTE_READWRITE;
    int64_t size = *MaximumSize, eof;
    FILE_OBJECT *file;
    bool directory;
    NTSTATUS status = MiReferenceSectionFile(FileHandle, Protection, &file);

    if (!NT_SUCCESS(status))
        return status;
    status = file->SectionObjectPointer ? MiFileCallouts.QueryFileSize(file, &eof, &directory)
                                        : STATUS_INVALID_FILE_FOR_SECTION;
    if (NT_SUCCESS(status) && directory)
        status = STATUS_INVALID_FILE_FOR_SECTION;
    if (NT_SUCCESS(status) && eof == 0 && size == 0)
        status = STATUS_MAPPED_FILE_SIZE_ZERO;
    if (NT_SUCCESS(status) && size > eof) {
        if (!writable)
            status = STATUS_SECTION_TOO_BIG;
        else
            status = MiFileCallouts.SetFileSize(file, size);
        if (NT_SUCCESS(status))
            eof = size;
    }
    if (size == 0)
        size = eof;
    if (NT_SUCCESS(status))
        status = MiReferenceDataFileMap(file, size, eof, Segment);
    MiFileCallouts.DereferenceFile(file);
    if (NT_SUCCESS(status))
        *MaximumSize = size;
    return status;
}

/* The bytes a data file's segment covers, from its (nonpaged) subsections: the segment's
 * header is paged pool, not to be read under the PFN lock. */
static uint64_t MiDataFileMapBytes(const CONTROL_AREA *ControlArea)
{
    return (uint64_t)((const MI_DATA_CONTROL_AREA *)ControlArea)->TotalPtes << PAGE_SHIFT;
}

/*
 * NT's MiExtendSection for a data file: the segment made to cover Bytes (more subsections,
 * each with its own prototype PTEs, subsection PTEs all; at least doubling, so that a file
 * growing a little at a time adds few), and the file's end moved to Eof. Existing views and
 * prototypes stay where they are. MiDataSectionMutex held; PASSIVE_LEVEL.
 */
static NTSTATUS MiExtendDataFileMap(CONTROL_AREA *ControlArea, uint64_t Bytes, int64_t Eof)
{
    MI_DATA_CONTROL_AREA *area = (MI_DATA_CONTROL_AREA *)ControlArea;
    uint64_t need = (Bytes + PAGE_SIZE - 1) >> PAGE_SHIFT, target;
    KIRQL oldIrql;

    if (need > (MM_HIGHEST_VAD_ADDRESS >> PAGE_SHIFT))
        return STATUS_SECTION_TOO_BIG;
    target = need <= area->TotalPtes ? area->TotalPtes
                                     : MIN(MAX(need, 2 * (uint64_t)area->TotalPtes),
                                           (uint64_t)(MM_HIGHEST_VAD_ADDRESS >> PAGE_SHIFT));
    while (area->TotalPtes < target) {
        uint32_t first = area->TotalPtes;
        uint32_t n = (uint32_t)MIN((uint64_t)MI_DATA_SUBSECTION_PTES, target - first);
        MI_DATA_EXTENSION *extension = ExAllocatePoolWithTag(NonPagedPool, sizeof(*extension),
                                                             MI_CONTROL_AREA_TAG);
        MMPTE *ptes = extension ? ExAllocatePoolWithTag(PagedPool, n * sizeof(MMPTE),
                                                        MI_SEGMENT_TAG) : NULL;
        SUBSECTION *s;
        MMPTE pte;

        if (!ptes) {
            if (extension)
                ExFreePoolWithTag(extension, MI_CONTROL_AREA_TAG);
            return need <= area->TotalPtes ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
        }
        s = &extension->Subsection;
        RtlZeroMemory(s, sizeof(*s));
        s->ControlArea = ControlArea;
        s->u.SubsectionFlags.Protection = MM_EXECUTE_READWRITE;
        s->u.SubsectionFlags.ReadWrite = 1;
        s->StartingSector = first;                  /* 4 KB units for data files */
        s->SubsectionBase = ptes;
        s->PtesInSubsection = n;
        s->NumberOfFullSectors = n;
        pte = MiMakeSubsectionPte(s, MM_EXECUTE_READWRITE);
        for (uint32_t i = 0; i < n; i++)
            ptes[i] = pte;
        LOCK_PFN(oldIrql);                          /* walkers of the chain see it whole */
        area->LastSubsection->NextSubsection = s;
        area->LastSubsection = s;
        area->NumberOfSubsections++;
        area->TotalPtes += n;
        UNLOCK_PFN(oldIrql);
        ControlArea->Segment->TotalNumberOfPtes = area->TotalPtes;
        ControlArea->Segment->SizeOfSegment = (uint64_t)area->TotalPtes * PAGE_SIZE;
    }
    LOCK_PFN(oldIrql);
    area->FileSize = MAX(area->FileSize, Eof);
    UNLOCK_PFN(oldIrql);
    return STATUS_SUCCESS;
}

/*
 * The file's control area referenced for one more section (NumberOfSectionReferences), made
 * if it has none: Size bytes of segment (at least Eof, the end of file now). One that lives
 * with a segment shorter than Size, or made for a smaller file than Eof, is extended
 * (MiExtendDataFileMap). PASSIVE_LEVEL.
 */
NTSTATUS MiReferenceDataFileMap(FILE_OBJECT *File, int64_t Size, int64_t Eof, SEGMENT **Segment)
{
    SECTION_OBJECT_POINTERS *pointers = File->SectionObjectPointer;
    NTSTATUS status = STATUS_SUCCESS;
    CONTROL_AREA *area;
    KIRQL oldIrql;

    ExAcquireFastMutex(&MiDataSectionMutex);
    LOCK_PFN(oldIrql);
    area = pointers->DataSectionObject;
    if (area && !area->u.Flags.BeingDeleted) {
        /* Referenced first, so the control area stays while it is extended. */
        area->NumberOfSectionReferences++;
        area->NumberOfUserReferences++;
        UNLOCK_PFN(oldIrql);
        if ((uint64_t)Size > MiDataFileMapBytes(area) ||
            Eof > ((MI_DATA_CONTROL_AREA *)area)->FileSize)
            status = MiExtendDataFileMap(area, MAX((uint64_t)Size, (uint64_t)Eof), Eof);
        if (NT_SUCCESS(status)) {
            *Segment = area->Segment;
        } else {
            ExReleaseFastMutex(&MiDataSectionMutex);
            MiDereferenceControlArea(area, &area->NumberOfSectionReferences);
            return status;
        }
    } else {
        UNLOCK_PFN(oldIrql);
        status = MiCreateDataFileMap(File, Size, Eof, Segment);
        if (NT_SUCCESS(status)) {
            LOCK_PFN(oldIrql);
            pointers->DataSectionObject = (*Segment)->ControlArea;
            UNLOCK_PFN(oldIrql);
        }
    }
    ExReleaseFastMutex(&MiDataSectionMutex);
    return status;
}

/* The file grew or shrank to Eof (the cache manager's CcSetFileSizes): the segment extended
 * past it if need be, so that sections of the new size may be made. False if it could not be
 * extended (no pool). */
bool MiSetDataFileMapSize(CONTROL_AREA *ControlArea, int64_t Eof)
{
    MI_DATA_CONTROL_AREA *area = (MI_DATA_CONTROL_AREA *)ControlArea;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL oldIrql;

    ExAcquireFastMutex(&MiDataSectionMutex);
    if ((uint64_t)Eof > MiDataFileMapBytes(ControlArea))
        status = MiExtendDataFileMap(ControlArea, (uint64_t)Eof, Eof);
    if (NT_SUCCESS(status)) {
        LOCK_PFN(oldIrql);
        area->FileSize = Eof;
        UNLOCK_PFN(oldIrql);
    }
    ExReleaseFastMutex(&MiDataSectionMutex);
    return NT_SUCCESS(status);
}

/* The prototype PTE of page Page of a data file's segment (or a paging-file section's), and
 * how many from it lie contiguous in its subsection (may be NULL). NULL past the segment. The
 * chain only grows (at its end, under the PFN lock, whole): no lock needed to walk it. */
MMPTE *MiDataFilePrototype(CONTROL_AREA *ControlArea, uint32_t Page, uint32_t *Contiguous)
{
    SEGMENT *segment = ControlArea->Segment;

    if (!MiIsDataControlArea(ControlArea)) {
        if (Page >= segment->TotalNumberOfPtes)
            return NULL;
        if (Contiguous)
            *Contiguous = segment->TotalNumberOfPtes - Page;
        return &segment->ThePtes[Page];
    }
    for (SUBSECTION *s = &((MI_DATA_CONTROL_AREA *)ControlArea)->Common.Subsection; s;
         s = s->NextSubsection) {
        if (Page >= s->StartingSector && Page - s->StartingSector < s->PtesInSubsection) {
            if (Contiguous)
                *Contiguous = s->PtesInSubsection - (Page - s->StartingSector);
            return s->SubsectionBase + (Page - s->StartingSector);
        }
    }
    return NULL;
}

/* The page of the file a data file's prototype Proto is for. */
uint32_t MiDataFilePageOfProto(CONTROL_AREA *ControlArea, const MMPTE *Proto)
{
    SUBSECTION *s;

    if (!MiIsDataControlArea(ControlArea))
        return (uint32_t)(Proto - ControlArea->Segment->ThePtes);
    s = MiLocateSubsection(ControlArea, Proto);
    if (!s)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE, (uintptr_t)Proto,
                     (uintptr_t)ControlArea, 1);
    return s->StartingSector + (uint32_t)(Proto - s->SubsectionBase);
}

/* NT's MiGetProtoPteAddressExtended: Va's prototype in a view of an extended segment, past the
 * view's first contiguous run (LastContiguousPte). NULL past the view or the segment. */
MMPTE *MiGetProtoPteAddressExtended(const MMVAD *Vad, uintptr_t Va)
{
    uintptr_t vpn = Va >> PAGE_SHIFT;

    if (!Vad->ControlArea || !MiIsDataControlArea(Vad->ControlArea) ||
        vpn < Vad->Core.Node.StartingVpn || vpn > Vad->Core.Node.EndingVpn)
        return NULL;
    return MiDataFilePrototype(Vad->ControlArea,
                               MiDataFilePageOfProto(Vad->ControlArea, Vad->FirstPrototypePte) +
                               (uint32_t)(vpn - Vad->Core.Node.StartingVpn), NULL);
}

/* One pass of MiFlushDataFilePages: MiFlushDataSection on each subsection's part. */
static NTSTATUS MiFlushDataFilePagesOnce(CONTROL_AREA *ControlArea, uint32_t FirstPage,
                                         uint32_t LastPage, uint32_t *Written)
{
    NTSTATUS result = STATUS_SUCCESS;

    *Written = 0;
    while (FirstPage <= LastPage) {
        uint32_t contiguous, written;
        MMPTE *first = MiDataFilePrototype(ControlArea, FirstPage, &contiguous);
        uint32_t count;
        NTSTATUS status;

        if (!first)
            break;
        count = MIN(contiguous, LastPage - FirstPage + 1);
        status = MiFlushDataSection(ControlArea, first, first + count - 1, &written);
        *Written += written;
        if (!NT_SUCCESS(status) && NT_SUCCESS(result))
            result = status;
        FirstPage += count;
    }
    return result;
}

/*
 * Pages [FirstPage, LastPage] of the file's modified pages written, and on the disk when this
 * returns (NT's flush waits for writes under way too): a page the mapped page writer was
 * writing when the pass came by was skipped, and that write may hold an older copy of it. So
 * when the control area has writes under way, they are waited for (at most
 * MI_FLUSH_WAIT_MS: a disk that never ends a write gives up by its own timeout first) and a
 * second pass writes what was changed meanwhile. No lock a paging write needs may be held.
 */
NTSTATUS MiFlushDataFilePages(CONTROL_AREA *ControlArea, uint32_t FirstPage, uint32_t LastPage,
                              uint32_t *Written)
{
    int64_t pause = KI_MILLISECONDS(MI_WRITE_WAIT_MS);
    NTSTATUS status = MiFlushDataFilePagesOnce(ControlArea, FirstPage, LastPage, Written);
    uint32_t waited = 0, again;
    NTSTATUS second;

    if (__atomic_load_n(&ControlArea->ModifiedWriteCount, __ATOMIC_SEQ_CST) == 0)
        return status;
    while (__atomic_load_n(&ControlArea->ModifiedWriteCount, __ATOMIC_SEQ_CST) != 0 &&
           waited < MI_FLUSH_WAIT_MS) {
        KeDelayExecutionThread(KernelMode, false, &pause);
        waited += MI_WRITE_WAIT_MS;
    }
    second = MiFlushDataFilePagesOnce(ControlArea, FirstPage, LastPage, &again);
    *Written += again;
    return NT_SUCCESS(status) ? second : status;
}

/* A data file's extension subsections and their prototypes gone, with the segment (the
 * fixed ones, in the control area's block, cover the segment's inline NonExtendedPtes). */
void MiDeleteDataFileExtensions(CONTROL_AREA *ControlArea)
{
    MI_DATA_CONTROL_AREA *area = (MI_DATA_CONTROL_AREA *)ControlArea;
    SUBSECTION *fixed = &area->Common.Subsection, *s;

    while (fixed->NextSubsection &&
           fixed->NextSubsection->StartingSector < ControlArea->Segment->NonExtendedPtes)
        fixed = fixed->NextSubsection;
    s = fixed->NextSubsection;
    fixed->NextSubsection = NULL;
    area->LastSubsection = fixed;
    while (s) {
        SUBSECTION *next = s->NextSubsection;

        MiDeletePrototypePtes(ControlArea->Segment, s->SubsectionBase,
                              s->SubsectionBase + s->PtesInSubsection - 1);
        ExFreePoolWithTag(s->SubsectionBase, MI_SEGMENT_TAG);
        ExFreePoolWithTag(CONTAINING_RECORD(s, MI_DATA_EXTENSION, Subsection), MI_CONTROL_AREA_TAG);
        s = next;
    }
}

/* The last reference to a data file's control area is going (PFN lock held): new sections of
 * the file make a new one. */
void MiUnlinkDataControlArea(CONTROL_AREA *ControlArea)
{
    MI_DATA_CONTROL_AREA *area = (MI_DATA_CONTROL_AREA *)ControlArea;

    if (area->SectionObjectPointers->DataSectionObject == ControlArea)
        area->SectionObjectPointers->DataSectionObject = NULL;
}

/* ---- writing pages back ---------------------------------------------------------------- */

/*
 * Take the page Proto maps (valid or in transition) for a write to its file, if it is
 * modified and no read or write is under way: off its list if on one, one more reference,
 * clean, WriteInProgress. Returns its frame, or 0. PFN lock held, Proto resident.
 */
static uint32_t MiClaimModifiedPage(MMPTE *Proto, bool ListOnly)
{
    MMPTE contents = *Proto;
    uint32_t frame;
    MMPFN *pfn;

    if (contents.u.Hard.Valid)
        frame = contents.u.Hard.PageFrameNumber;
    else if (!contents.u.Soft.Prototype && contents.u.Soft.Transition)
        frame = contents.u.Trans.PageFrameNumber;
    else
        return 0;
    pfn = MI_PFN_ELEMENT(frame);
    if (!pfn->u3.e1.Modified || pfn->u3.e1.WriteInProgress || pfn->u3.e1.ReadInProgress ||
        pfn->PteAddress != Proto || (ListOnly && pfn->u3.e1.PageLocation != ModifiedPageList))
        return 0;
    if (pfn->u3.e2.ReferenceCount == 0) {
        MiUnlinkPageFromList(pfn);
        pfn->u3.e1.PageLocation = TransitionPage;
    }
    pfn->u3.e2.ReferenceCount++;
    pfn->u3.e1.Modified = 0;
    pfn->u3.e1.WriteInProgress = 1;
    return frame;
}

/*
 * Count claimed pages, from the prototype First on, to the file; then each page is released:
 * still modified if the write failed (or it was written to meanwhile), to be written again.
 * No lock held on entry; the control area's ModifiedWriteCount holds it up meanwhile.
 */
static NTSTATUS MiWriteMappedPages(CONTROL_AREA *ControlArea, MMPTE *First,
                                   const uint32_t *Frames, uint32_t Count)
{
    struct {
        MDL Mdl;
        uint32_t Page[MM_MAXIMUM_WRITE_CLUSTER];
    } writer;
    int64_t offset = (int64_t)MiDataFilePageOfProto(ControlArea, First) << PAGE_SHIFT;
    IO_STATUS_BLOCK iosb;
    NTSTATUS status;
    KIRQL oldIrql;

    MmInitializeMdl(&writer.Mdl, NULL, Count * PAGE_SIZE);
    writer.Mdl.MdlFlags = MDL_PAGES_LOCKED;
    memcpy(writer.Page, Frames, Count * sizeof(uint32_t));
    status = IoSynchronousPageWrite(ControlArea->FilePointer, &writer.Mdl, offset, &iosb);
    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < Count; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(Frames[i]);

        pfn->u3.e1.WriteInProgress = 0;
        if (!NT_SUCCESS(status))
            pfn->u3.e1.Modified = 1;
        MiDecrementReferenceCount(Frames[i]);
    }
    if (NT_SUCCESS(status)) {
        ((MI_DATA_CONTROL_AREA *)ControlArea)->PagesWritten += Count;
        MmInfoCounters.DirtyPagesWriteCount += Count;
    } else {
        MmInfoCounters.WriteErrorCount++;
    }
    MmInfoCounters.DirtyWriteIoCount++;
    ControlArea->ModifiedWriteCount--;
    UNLOCK_PFN(oldIrql);
    return status;
}

/*
 * NT's MiFlushSectionInternal: every modified page of the prototypes [First, Last] (valid or
 * in transition) written to the file, in runs of neighbours. Returns the first failure, or
 * STATUS_SUCCESS; *Written counts the pages written. PASSIVE_LEVEL, no Mm lock held.
 */
NTSTATUS MiFlushDataSection(CONTROL_AREA *ControlArea, MMPTE *First, MMPTE *Last,
                            uint32_t *Written)
{
    uint32_t frames[MM_MAXIMUM_WRITE_CLUSTER];
    NTSTATUS result = STATUS_SUCCESS;
    MMPTE *proto = First;

    *Written = 0;
    while (proto <= Last) {
        MMPTE *start;
        uint32_t count = 0;
        KIRQL oldIrql;

        LOCK_PFN(oldIrql);
        MiMakeSystemAddressValidPfn(proto, &oldIrql);
        start = proto;
        while (proto <= Last && count < MM_MAXIMUM_WRITE_CLUSTER &&
               (frames[count] = MiClaimModifiedPage(proto, false)) != 0) {
            count++;
            proto++;
            if (((uintptr_t)proto & (PAGE_SIZE - 1)) == 0)
                break;                              /* the next page of prototypes */
        }
        if (count == 0)
            proto++;
        else
            ControlArea->ModifiedWriteCount++;
        UNLOCK_PFN(oldIrql);
        if (count) {
            NTSTATUS status = MiWriteMappedPages(ControlArea, start, frames, count);

            if (NT_SUCCESS(status))
                *Written += count;
            else if (NT_SUCCESS(result))
                result = status;
        }
    }
    return result;
}

/*
 * The control area is going (no section, no view): its modified pages are written to the
 * file first — after any write the mapped page writer has under way — so that what programs
 * wrote through views reaches the file without a flush. PASSIVE_LEVEL.
 */
void MiFlushDataControlArea(CONTROL_AREA *ControlArea)
{
    SEGMENT *segment = ControlArea->Segment;
    int64_t pause = KI_MILLISECONDS(MI_WRITE_WAIT_MS);
    uint32_t written;

    for (int pass = 0; pass < 2; pass++) {
        MiFlushDataFilePages(ControlArea, 0, segment->TotalNumberOfPtes - 1, &written);
        while (__atomic_load_n(&ControlArea->ModifiedWriteCount, __ATOMIC_SEQ_CST) != 0)
            KeDelayExecutionThread(KernelMode, false, &pause);
    }
}

/*
 * NT's MmShutdownSystem for mapped files: every data file's modified pages written, for the
 * control areas still alive (views still mapped). A page counts as modified once a write
 * fault made it valid for writing (MiCompleteProtoPteFault), or once its dirty PTE left a
 * working set; a page written again after a flush or write-back, through a PTE still valid,
 * is not seen (mm386 does not end the processes first, as NT's shutdown does). Returns the
 * pages written. PASSIVE_LEVEL.
 */
uint32_t MmFlushAllDataSections(void)
{
    CONTROL_AREA *areas[32];
    uint32_t total = 0, count, skip = 0;

    do {
        KIRQL listIrql, oldIrql;
        uint32_t seen = 0;

        count = 0;
        KeAcquireSpinLock(&MiControlAreaListLock, &listIrql);
        for (LIST_ENTRY *e = MiControlAreaList.Flink; e != &MiControlAreaList && count < 32;
             e = e->Flink) {
            CONTROL_AREA *area = &CONTAINING_RECORD(e, MI_PAGEFILE_CONTROL_AREA, Links)->ControlArea;

            if (!MiIsDataControlArea(area) || seen++ < skip)
                continue;
            LOCK_PFN(oldIrql);
            if (!area->u.Flags.BeingDeleted) {
                area->NumberOfSectionReferences++;
                area->NumberOfUserReferences++;
                areas[count++] = area;
            }
            UNLOCK_PFN(oldIrql);
        }
        KeReleaseSpinLock(&MiControlAreaListLock, listIrql);
        skip = seen;
        for (uint32_t i = 0; i < count; i++) {
            SEGMENT *segment = areas[i]->Segment;
            uint32_t written;

            MiFlushDataFilePages(areas[i], 0, segment->TotalNumberOfPtes - 1, &written);
            total += written;
            MiDereferenceControlArea(areas[i], &areas[i]->NumberOfSectionReferences);
        }
    } while (count == 32);
    return total;
}

/* The control area's end, after its pages are gone: the file object is let go. */
void MiDeleteDataControlArea(CONTROL_AREA *ControlArea)
{
    MiFileCallouts.DereferenceFile(ControlArea->FilePointer);
}

/*
 * One cluster for the mapped page writer: the first modified page of a data file on the
 * modified list, with its neighbouring prototypes' modified pages around it. Returns the
 * count (0: none), the control area referenced for the write. PFN lock held.
 */
static uint32_t MiGatherMappedPages(CONTROL_AREA **ControlArea, MMPTE **First, uint32_t *Frames)
{
    uint32_t frame = MmModifiedPageListHead.Flink, count = 0;
    MMPTE *proto, *lowest;
    SUBSECTION *subsection;
    CONTROL_AREA *area;

    /* A control area being deleted writes its own pages (MiFlushDataControlArea) and must not
     * be held up by new writes of the mapped writer. */
    for (; frame != MM_EMPTY_LIST; frame = MI_PFN_ELEMENT(frame)->u1.Flink) {
        const MMPFN *pfn = MI_PFN_ELEMENT(frame);

        if (MiIsMappedFilePage(pfn) &&
            !MiGetSubsectionAddress(pfn->OriginalPte)->ControlArea->u.Flags.BeingDeleted)
            break;
    }
    if (frame == MM_EMPTY_LIST)
        return 0;
    proto = MI_PFN_ELEMENT(frame)->PteAddress;
    subsection = MiGetSubsectionAddress(MI_PFN_ELEMENT(frame)->OriginalPte);
    area = subsection->ControlArea;
    /* The prototypes of a page in memory are resident (the page holds a share of theirs); the
     * segment's header may not be: the bounds come from the (nonpaged) subsection. */
    lowest = proto;
    while (lowest > subsection->SubsectionBase && ((uintptr_t)lowest & (PAGE_SIZE - 1)) != 0 &&
           proto - (lowest - 1) < MM_MAXIMUM_WRITE_CLUSTER) {
        MMPTE prev = lowest[-1];
        MMPFN *pfn;

        if (prev.u.Hard.Valid || prev.u.Soft.Prototype || !prev.u.Soft.Transition)
            break;
        pfn = MI_PFN_ELEMENT(prev.u.Trans.PageFrameNumber);
        if (pfn->u3.e1.PageLocation != ModifiedPageList || pfn->PteAddress != lowest - 1)
            break;
        lowest--;
    }
    *First = lowest;
    for (proto = lowest; count < MM_MAXIMUM_WRITE_CLUSTER &&
                         proto < subsection->SubsectionBase + subsection->PtesInSubsection;
         proto++) {
        if (proto != lowest && ((uintptr_t)proto & (PAGE_SIZE - 1)) == 0)
            break;
        if ((Frames[count] = MiClaimModifiedPage(proto, true)) == 0)
            break;
        count++;
    }
    if (count == 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE, (uintptr_t)proto,
                     proto->u.Long, frame);
    area->ModifiedWriteCount++;
    *ControlArea = area;
    return count;
}

/* Write the data files' modified pages, at most as many as were modified when it began (a
 * page whose write fails goes back on the list). Returns how many were written. */
uint32_t MiWriteMappedModifiedPages(void)
{
    uint32_t budget = MmModifiedPageListHead.Total, written = 0;
    uint32_t frames[MM_MAXIMUM_WRITE_CLUSTER];

    while (budget) {
        CONTROL_AREA *area;
        MMPTE *first;
        uint32_t count;
        KIRQL oldIrql;

        LOCK_PFN(oldIrql);
        count = MiGatherMappedPages(&area, &first, frames);
        UNLOCK_PFN(oldIrql);
        if (count == 0)
            break;
        budget = count >= budget ? 0 : budget - count;
        if (NT_SUCCESS(MiWriteMappedPages(area, first, frames, count)))
            written += count;
    }
    __atomic_add_fetch(&MiMappedPagesWritten, written, __ATOMIC_SEQ_CST);
    return written;
}

void MiWakeMappedPageWriter(void)
{
    KeSetEvent(&MiMappedPageWriterEvent);
}

/* NT's MiMappedPageWriter: woken by the modified page writer, and every second on its own. */
static void MiMappedPageWriter(void *Context)
{
    int64_t idle = KI_MILLISECONDS(MI_MAPPED_WRITER_IDLE_MS);

    (void)Context;
    for (;;) {
        KeWaitForSingleObject(&MiMappedPageWriterEvent, Executive, KernelMode, false, &idle);
        MiWriteMappedModifiedPages();
    }
}

/* Started before the modified page writer, which wakes it. */
void MiStartMappedPageWriter(void)
{
    NTSTATUS status;

    KeInitializeEvent(&MiMappedPageWriterEvent, SynchronizationEvent, false);
    status = PsCreateSystemThread(NULL, MiMappedPageWriter, NULL,
                                           LOW_REALTIME_PRIORITY + 1, "MappedWriter");

    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 2, 0, 0);
}
