/*
 * mm/imagesec.c: image sections (NT's creasect.c for SEC_IMAGE: MiCreateImageFileMap): one
 * control area per image, a subsection per PE section, and the image's prototype PTEs.
 *
 *   segment     one prototype PTE per page of SizeOfImage, in paged pool (section.c's
 *               SEGMENT); the control area and its subsections in nonpaged pool
 *               (MI_IMAGE_CONTROL_AREA, section.h)
 *   subsection  the headers (read-only), then each PE section with the protection NT's
 *               MiGetImageProtection gives it (imagehdr.c): code and read-only data shared by
 *               every process that maps the image, writable data write-copy (shared writable
 *               sections too, unlike NT: see MiImageSubsectionProtection). Its file range is
 *               StartingSector (512-byte sectors), NumberOfFullSectors and SectorEndOffset.
 *   prototypes  a page with bytes in the file: a subsection PTE (Prototype set in a
 *               prototype PTE, the subsection's address and the protection), read (copied)
 *               from the file at its first fault and again whenever the clean page left
 *               memory — an image page is never written to the paging file; a page past a
 *               section's raw data (.bss): demand zero with the protection, which each process
 *               gets as a private page of zeroes (pagfault.c); a page in no section: 0 (no
 *               access).
 *
 * An image whose sections are aligned below a page is mapped as the file is (NT does the
 * same): one subsection, execute-write-copy, over every page.
 *
 * Images come from a loader module (MiOpenImageFile, here: a page is copied from the module
 * at its fault) or from a file (imagefile.c: read through the file system). One control area
 * serves every section made for the same image while it lives (a module's found on
 * MiControlAreaList, a file's on its SECTION_OBJECT_POINTERS), so two processes running one
 * program share its code pages. Nothing is charged for an image section: a view charges its
 * write-copy pages (mapview.c).
 */
#include "mm/mi.h"
#include "mm/image.h"

#define MI_IMAGE_INFO_TAG       POOL_TAG('M', 'm', 'I', 'i')
#define MI_IMAGE_FILE_MAXIMUM   (64u << 20)     /* larger than any module worth mapping */
#define MI_SECTOR_SIZE          512u

/* ---- where the bytes come from ---------------------------------------------------------- */

/* The image Name (a loader module's name) opened: STATUS_OBJECT_NAME_NOT_FOUND without one,
 * STATUS_INVALID_IMAGE_FORMAT for an empty or absurdly large one. */
NTSTATUS MiOpenImageFile(const char *Name, MI_IMAGE_FILE *File)
{
    const LOADER_MODULE *module = MmFindLoaderModule(Name);

    if (!module)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (module->Size == 0 || module->Size > MI_IMAGE_FILE_MAXIMUM)
        return STATUS_INVALID_IMAGE_FORMAT;
    File->Mapping = MmMapLoaderModule(module);
    if (!File->Mapping)
        return STATUS_INSUFFICIENT_RESOURCES;
    File->Module = module;
    File->Size = module->Size;
    return STATUS_SUCCESS;
}

/* Length bytes at Offset (inside the file: the subsections were checked against its size).
 * Any IRQL: the mapping is nonpaged. */
void MiReadImageFile(const MI_IMAGE_FILE *File, uint32_t Offset, void *Buffer, uint32_t Length)
{
    RtlCopyMemory(Buffer, File->Mapping + Offset, Length);
}

void MiCloseImageFile(MI_IMAGE_FILE *File)
{
    if (File->Mapping)
        MmUnmapLoaderModule(File->Module, File->Mapping);
    File->Mapping = NULL;
}

/* ---- subsection PTEs -------------------------------------------------------------------- */

/*
 * NT's MiGetSubsectionAddressForPte / MiGetSubsectionAddress (x86): a subsection in the
 * initial nonpaged pool is WhichPool 1 and its offset from MmNonPagedPoolStart; one in the
 * expansion, WhichPool 0 and its offset back from MmNonPagedPoolEnd; 8-byte units, 24 bits.
 */
MMPTE MiMakeSubsectionPte(const SUBSECTION *Subsection, uint32_t Protection)
{
    uintptr_t address = (uintptr_t)Subsection;
    uint32_t offset, whichPool;
    MMPTE pte;

    if (address >= MmNonPagedPoolStart && address < MmNonPagedPoolEnd0) {
        offset = (uint32_t)(address - MmNonPagedPoolStart) >> 3;
        whichPool = 1;
    } else {
        offset = (uint32_t)(MmNonPagedPoolEnd - address) >> 3;
        whichPool = 0;
    }
    if ((address & 7) || offset >= (1u << 24))
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE, address, offset, 0);
    pte.u.Long = 0;
    pte.u.Subsect.SubsectionAddressLow = offset & 0xF;
    pte.u.Subsect.SubsectionAddressHigh = offset >> 4;
    pte.u.Subsect.WhichPool = whichPool;
    pte.u.Subsect.Protection = Protection;
    pte.u.Subsect.Prototype = 1;
    return pte;
}

SUBSECTION *MiGetSubsectionAddress(MMPTE Pte)
{
    uint32_t offset = ((uint32_t)Pte.u.Subsect.SubsectionAddressHigh << 4) |
                      Pte.u.Subsect.SubsectionAddressLow;

    return (SUBSECTION *)(Pte.u.Subsect.WhichPool ? MmNonPagedPoolStart + offset * 8
                                                  : MmNonPagedPoolEnd - offset * 8);
}

/* The subsection a prototype PTE of ControlArea's segment belongs to; NULL for none (a page
 * between an image's sections). */
SUBSECTION *MiLocateSubsection(CONTROL_AREA *ControlArea, const MMPTE *Proto)
{
    MI_PAGEFILE_CONTROL_AREA *block = CONTAINING_RECORD(ControlArea, MI_PAGEFILE_CONTROL_AREA,
                                                        ControlArea);

    for (SUBSECTION *s = &block->Subsection; s; s = s->NextSubsection) {
        if (Proto >= s->SubsectionBase && Proto < s->SubsectionBase + s->PtesInSubsection)
            return s;
    }
    return NULL;
}

/*
 * The page of the file Proto's subsection PTE names, into the frame PageFrameIndex: the bytes
 * the subsection has there (its raw data may end inside the page), zeroes after them. Any
 * IRQL up to DISPATCH_LEVEL (the PFN lock is held).
 */
void MiReadImagePage(MMPTE SubsectionPte, const MMPTE *Proto, uint32_t PageFrameIndex)
{
    SUBSECTION *subsection = MiGetSubsectionAddress(SubsectionPte);
    MI_IMAGE_CONTROL_AREA *area = (MI_IMAGE_CONTROL_AREA *)subsection->ControlArea;
    uint32_t index = (uint32_t)(Proto - subsection->SubsectionBase);
    uint32_t raw = subsection->NumberOfFullSectors * MI_SECTOR_SIZE +
                   subsection->u.SubsectionFlags.SectorEndOffset;
    uint32_t done = index * PAGE_SIZE, length = 0;
    KIRQL oldIrql;
    uint8_t *page;

    if (index >= subsection->PtesInSubsection || !area->Common.ControlArea.u.Flags.Image ||
        !area->File.Mapping)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE, (uintptr_t)Proto,
                     SubsectionPte.u.Long, (uintptr_t)subsection);
    if (done < raw)
        length = MIN(raw - done, PAGE_SIZE);
    page = MiMapPageInHyperSpace(PageFrameIndex, &oldIrql);
    MiReadImageFile(&area->File, subsection->StartingSector * MI_SECTOR_SIZE + done, page, length);
    RtlZeroMemory(page + length, PAGE_SIZE - length);
    MiUnmapPageInHyperSpace(page, oldIrql);
}

/* ---- the segment ------------------------------------------------------------------------ */

/* One subsection: Pages prototypes from First, the first ones read from RawSize bytes of the
 * file at RawOffset, the rest demand zero, all with Protection. */
static void MiInitializeImageSubsection(MI_IMAGE_CONTROL_AREA *Area, SUBSECTION *Subsection,
                                        MMPTE *First, uint32_t Pages, uint32_t RawOffset,
                                        uint32_t RawSize, uint32_t Protection)
{
    uint32_t filePages = BYTES_TO_PAGES(RawSize);
    MMPTE demandZero = { .u.Long = Protection << MM_PROTECT_FIELD_SHIFT };

    Subsection->ControlArea = &Area->Common.ControlArea;
    Subsection->u.SubsectionFlags.Protection = Protection;
    Subsection->u.SubsectionFlags.ReadOnly = !MI_IS_WRITABLE_PROTECTION(Protection);
    Subsection->StartingSector = RawOffset / MI_SECTOR_SIZE;
    Subsection->NumberOfFullSectors = RawSize / MI_SECTOR_SIZE;
    Subsection->u.SubsectionFlags.SectorEndOffset = RawSize % MI_SECTOR_SIZE;
    Subsection->SubsectionBase = First;
    Subsection->PtesInSubsection = Pages;
    for (uint32_t i = 0; i < Pages; i++)
        First[i] = i < filePages ? MiMakeSubsectionPte(Subsection, Protection) : demandZero;
}

/* A section's protection as its subsection has it. A shared writable section (NT maps it
 * read/write for every process, its pages written to the paging file) is write-copy here:
 * an image's prototype pages are never dirty, so none needs a paging-file slot. */
static uint32_t MiImageSubsectionProtection(uint32_t Protection)
{
    if (Protection == MM_READWRITE)
        return MM_WRITECOPY;
    if (Protection == MM_EXECUTE_READWRITE)
        return MM_EXECUTE_WRITECOPY;
    return Protection;
}

/* NT's MiCreateImageFileMap: the control area, subsections and segment of the image File,
 * whose headers Info describes; the control area takes File (and Info) over, and references
 * File's file object, if it has one, until it goes. */
NTSTATUS MiCreateImageFileMap(MI_IMAGE_FILE *File, MI_IMAGE_INFO *Info, SEGMENT **Segment)
{
    bool asFile = Info->SectionAlignment < PAGE_SIZE;
    uint32_t pages = BYTES_TO_PAGES(Info->SizeOfImage);
    uint32_t count = asFile ? 1 : 1 + Info->NumberOfSections;
    MI_IMAGE_CONTROL_AREA *area;
    SECTION_IMAGE_INFORMATION *image;
    SEGMENT *segment;
    KIRQL oldIrql;

    if (!MiAllocateSegment(pages, sizeof(*area) + (count - 1) * sizeof(SUBSECTION), &segment,
                           (void **)&area))
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(segment, sizeof(SEGMENT) + (pages - 1) * sizeof(MMPTE));
    RtlZeroMemory(area, sizeof(*area) + (count - 1) * sizeof(SUBSECTION));
    segment->ControlArea = &area->Common.ControlArea;
    segment->TotalNumberOfPtes = segment->NonExtendedPtes = pages;
    segment->SizeOfSegment = (uint64_t)pages * PAGE_SIZE;
    segment->SegmentPteTemplate.u.Soft.Protection = MM_EXECUTE_WRITECOPY;
    segment->BasedAddress = (void *)(uintptr_t)Info->ImageBase;
    segment->u2.ImageInformation = &area->ImageInformation;
    segment->PrototypePte = segment->ThePtes;
    area->File = *File;
    area->Info = Info;
    area->NumberOfSubsections = count;
    area->Common.ControlArea.Segment = segment;
    area->Common.ControlArea.NumberOfSectionReferences = 1;
    area->Common.ControlArea.NumberOfUserReferences = 1;
    area->Common.ControlArea.u.Flags.Image = 1;
    area->Common.ControlArea.u.Flags.File = 1;
    /* A module's has no file object: FilePointer NULL, File.Mapping says where its bytes are. */
    area->Common.ControlArea.FilePointer = File->FileObject;
    InitializeListHead(&area->Common.ControlArea.DereferenceList);
    if (asFile) {
        MiInitializeImageSubsection(area, &area->Common.Subsection, segment->ThePtes, pages, 0,
                                    MIN(File->Size, Info->SizeOfImage), MM_EXECUTE_WRITECOPY);
    } else {
        SUBSECTION *previous = &area->Common.Subsection;

        MiInitializeImageSubsection(area, previous, segment->ThePtes,
                                    BYTES_TO_PAGES(Info->SizeOfHeaders), 0,
                                    MIN(Info->SizeOfHeaders, File->Size), MM_READONLY);
        for (uint32_t i = 0; i < Info->NumberOfSections; i++) {
            const MI_IMAGE_SECTION *s = &Info->Sections[i];
            SUBSECTION *subsection = &area->Subsections[i];

            MiInitializeImageSubsection(area, subsection,
                                        &segment->ThePtes[s->VirtualAddress >> PAGE_SHIFT],
                                        BYTES_TO_PAGES(s->VirtualSize), s->RawOffset, s->RawSize,
                                        MiImageSubsectionProtection(s->Protection));
            previous->NextSubsection = subsection;
            previous = subsection;
        }
    }
    image = &area->ImageInformation;
    image->TransferAddress = Info->ImageBase + Info->EntryPoint;
    image->MaximumStackSize = Info->SizeOfStackReserve;
    image->CommittedStackSize = Info->SizeOfStackCommit;
    image->SubSystemType = Info->Subsystem;
    image->SubSystemMajorVersion = Info->MajorSubsystemVersion;
    image->SubSystemMinorVersion = Info->MinorSubsystemVersion;
    image->ImageCharacteristics = Info->FileCharacteristics;
    image->DllCharacteristics = Info->DllCharacteristics;
    image->Machine = IMAGE_FILE_MACHINE_I386;
    for (uint32_t i = 0; i < Info->NumberOfSections; i++)
        image->ImageContainsCode |= (Info->Sections[i].Characteristics & IMAGE_SCN_CNT_CODE) != 0;
    image->ImageFileSize = File->Size;
    if (File->FileObject)
        MiFileCallouts.ReferenceFile(File->FileObject);
    KeAcquireSpinLock(&MiControlAreaListLock, &oldIrql);
    InsertTailList(&MiControlAreaList, &area->Common.Links);
    KeReleaseSpinLock(&MiControlAreaListLock, oldIrql);
    __atomic_add_fetch(&MiSegmentCount, 1, __ATOMIC_SEQ_CST);
    *Segment = segment;
    return STATUS_SUCCESS;
}

/* The segment's control area is an image's that is going: its file and headers go too (a
 * file object's reference last). The segment and the control area itself are section.c's to
 * free. PASSIVE_LEVEL. */
void MiDeleteImageControlArea(CONTROL_AREA *ControlArea)
{
    MI_IMAGE_CONTROL_AREA *area = (MI_IMAGE_CONTROL_AREA *)ControlArea;

    MiCloseImageFile(&area->File);
    ExFreePoolWithTag(area->Info, MI_IMAGE_INFO_TAG);
    if (ControlArea->FilePointer)
        MiFileCallouts.DereferenceFile(ControlArea->FilePointer);
}

/* The checked headers of an image read from its first bytes (Headers, HeadersSize of them; the
 * file FileSize bytes), in paged pool for the control area to take over: NT's checks
 * (imagehdr.c), the same for a module and a file. */
NTSTATUS MiCaptureImageHeaders(const void *Headers, uint32_t HeadersSize, uint32_t FileSize,
                               MI_IMAGE_INFO **Info)
{
    MI_IMAGE_INFO *info = ExAllocatePoolWithTag(PagedPool, sizeof(*info), MI_IMAGE_INFO_TAG);
    NTSTATUS status;

    if (!info)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = MiParseImageHeaders(Headers, HeadersSize, FileSize, info);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(info, MI_IMAGE_INFO_TAG);
        return status;
    }
    *Info = info;
    return STATUS_SUCCESS;
}

void MiFreeImageHeaders(MI_IMAGE_INFO *Info)
{
    ExFreePoolWithTag(Info, MI_IMAGE_INFO_TAG);
}

/* A live control area of the image Module, referenced for one more section object; NULL when
 * there is none (NT finds it through the file's SectionObjectPointers). */
static SEGMENT *MiReferenceImageSegment(const LOADER_MODULE *Module)
{
    SEGMENT *segment = NULL;
    KIRQL listIrql, oldIrql;

    KeAcquireSpinLock(&MiControlAreaListLock, &listIrql);
    for (LIST_ENTRY *e = MiControlAreaList.Flink; e != &MiControlAreaList && !segment;
         e = e->Flink) {
        CONTROL_AREA *area = &CONTAINING_RECORD(e, MI_PAGEFILE_CONTROL_AREA, Links)->ControlArea;

        if (!area->u.Flags.Image || ((MI_IMAGE_CONTROL_AREA *)area)->File.Module != Module)
            continue;
        LOCK_PFN(oldIrql);
        if (!area->u.Flags.BeingDeleted) {
            area->NumberOfSectionReferences++;
            area->NumberOfUserReferences++;
            segment = area->Segment;
        }
        UNLOCK_PFN(oldIrql);
    }
    KeReleaseSpinLock(&MiControlAreaListLock, listIrql);
    return segment;
}

/*
 * A section object for the kernel over Segment (an image's, referenced for it: the reference
 * goes with the object, or at once on failure), named by ObjectAttributes (kernel mode) or
 * unnamed with NULL, referenced and not inserted.
 */
NTSTATUS MiCreateImageSectionObject(SEGMENT *Segment, const void *ObjectAttributes,
                                    void **Section)
{
    SECTION *section;
    NTSTATUS status;

    status = MiSectionCallouts.CreateSectionObject(KernelMode, ObjectAttributes, sizeof(SECTION),
                                                   (void **)&section);
    if (!NT_SUCCESS(status)) {
        MiDereferenceControlArea(Segment->ControlArea,
                                 &Segment->ControlArea->NumberOfSectionReferences);
        return status;
    }
    section->Segment = Segment;
    section->SizeOfSection = (int64_t)Segment->TotalNumberOfPtes * PAGE_SIZE;
    section->u.LongFlags = Segment->ControlArea->u.LongFlags;
    section->u.Flags.CopyOnWrite = 1;
    section->InitialPageProtection = PAGE_EXECUTE_WRITECOPY;
    *Section = section;
    return STATUS_SUCCESS;
}

/*
 * NtCreateSection(SEC_IMAGE) on the module Name, for the kernel (process creation, the known
 * DLLs): a section object (named by ObjectAttributes, kernel mode, or unnamed with NULL),
 * referenced and not inserted, over the image's one control area.
 * STATUS_OBJECT_NAME_NOT_FOUND, or the header checks' STATUS_INVALID_IMAGE_NOT_MZ /
 * STATUS_INVALID_IMAGE_FORMAT.
 */
NTSTATUS MmCreateImageSection(const char *Name, const void *ObjectAttributes, void **Section)
{
    MI_IMAGE_INFO *info = NULL;
    MI_IMAGE_FILE file = { 0 };
    SEGMENT *segment;
    const LOADER_MODULE *module = MmFindLoaderModule(Name);
    NTSTATUS status = STATUS_SUCCESS;

    segment = module ? MiReferenceImageSegment(module) : NULL;
    if (!segment) {
        status = MiOpenImageFile(Name, &file);
        if (!NT_SUCCESS(status))
            return status;
        status = MiCaptureImageHeaders(file.Mapping, file.Size, file.Size, &info);
        if (NT_SUCCESS(status)) {
            status = MiCreateImageFileMap(&file, info, &segment);
            if (!NT_SUCCESS(status))
                MiFreeImageHeaders(info);
        }
        if (!NT_SUCCESS(status)) {
            MiCloseImageFile(&file);
            return status;
        }
    }
    return MiCreateImageSectionObject(segment, ObjectAttributes, Section);
}

const MI_IMAGE_INFO *MmGetSectionImageInfo(void *Section)
{
    CONTROL_AREA *area = ((SECTION *)Section)->Segment->ControlArea;

    return area->u.Flags.Image ? ((MI_IMAGE_CONTROL_AREA *)area)->Info : NULL;
}

/* The name of an image section's file, as ASCII in Buffer (Size bytes, at least 1): a
 * module's name, or the path of the file object on its volume (\dir\name.exe); other
 * characters become '?'. Empty for a section that is not an image's. */
void MmGetSectionImageName(void *Section, char *Buffer, uint32_t Size)
{
    CONTROL_AREA *area = ((SECTION *)Section)->Segment->ControlArea;
    const MI_IMAGE_CONTROL_AREA *image = (const MI_IMAGE_CONTROL_AREA *)area;
    const FILE_OBJECT *file = area->FilePointer;
    uint32_t length = 0;

    if (area->u.Flags.Image && image->File.Module) {
        RtlCopyString(Buffer, image->File.Module->Name, Size);
        return;
    }
    if (area->u.Flags.Image && file) {
        for (; length + 1 < Size && length < file->FileName.Length / 2u; length++) {
            uint16_t c = file->FileName.Buffer[length];

            Buffer[length] = c && c < 0x80 ? (char)c : '?';
        }
    }
    Buffer[length] = '\0';
}
