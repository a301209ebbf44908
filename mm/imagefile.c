/*
 * mm/imagefile.c: image sections of files (NT's MmCreateSection with SEC_IMAGE and a file,
 * the header read of MiCreateImageFileMap, the image half of MiResolveMappedFileFault, and
 * MmFlushImageSection): programs run from C:\ as they run from modules.
 *
 *   creation   NtCreateSection(SEC_IMAGE, FileHandle): the handle must grant what NT's
 *              MmMakeFileAccess asks for the protection (PAGE_EXECUTE: FILE_EXECUTE,
 *              PAGE_READONLY: FILE_READ_DATA, ...; STATUS_ACCESS_DENIED); the kernel
 *              (process creation from a path) comes with a file object it opened
 *              (MmCreateImageSectionFromFile). A directory, a file without
 *              SECTION_OBJECT_POINTERS or an empty one is STATUS_INVALID_FILE_FOR_SECTION
 *              (NT's answer when the header read meets the end of file).
 *   control    one per file, on its SectionObjectPointers->ImageSectionObject while it lives,
 *   area       shared by every section and view of the file, as NT's. A new one: the file's
 *              data section (if any) flushed first, as NT's MmCreateSection does, so the image
 *              holds what views of the file wrote; the file's first MI_IMAGE_MAXIMUM_HEADER
 *              bytes read through the paging read and checked exactly as a module's are
 *              (imagesec.c, imagehdr.c: STATUS_INVALID_IMAGE_NOT_MZ,
 *              STATUS_INVALID_IMAGE_FORMAT); imagesec.c makes the control area, which references
 *              the file object until it goes. Two made at once for one file: the second to
 *              publish itself takes the first's and lets its own go.
 *   in-page    a subsection PTE of such an image is read as a data file's (pagfault.c's
 *              MiResolveMappedFileFault: IoPageReadFile on the file object, identical
 *              subsection PTEs read with it) at its subsection's offset in 512-byte sectors;
 *              the read ends with the subsection's raw data, rounded up to a sector, and the
 *              rest of the last page is zeroes (NT's rule for images). A failed read is
 *              STATUS_IN_PAGE_ERROR to the thread, as for any file page.
 *   writing    the pages are copies of the file, write-copy in every view: never written back.
 *              While the control area lives, FAT refuses to open the file for writing
 *              (STATUS_SHARING_VIOLATION) or to delete it (STATUS_CANNOT_DELETE), having asked
 *              MmFlushImageSection: NT's rule, so a running program's file cannot change under
 *              it. A handle opened for writing before the image section was made still
 *              writes (NT's too): pages already read keep the old bytes.
 *   end        with its last section and view, the control area leaves ImageSectionObject and
 *              lets the file object go (NT keeps an unused image cached until the file's
 *              last close; mm386 does not).
 */
#include "mm/mi.h"
#include "mm/image.h"

#define MI_IMAGE_HEADER_TAG     POOL_TAG('M', 'm', 'I', 'h')
#define MI_SECTOR_SIZE          512u
#define MI_HEADER_PAGES         (MI_IMAGE_MAXIMUM_HEADER / PAGE_SIZE)

/* A subsection PTE whose page is read through a file system (a data file's or an image
 * file's), not copied from a module. */
bool MiIsFileSubsectionPte(MMPTE Pte)
{
    return MiGetSubsectionAddress(Pte)->ControlArea->FilePointer != NULL;
}

/*
 * Where Proto's page is in its image file: the file object, the byte offset, how many
 * prototypes of its subsection are left from Proto (for clustering), and how many bytes of
 * the file they hold from that offset (the rest of their pages is zeroes). False if Proto is
 * not one of the subsection's pages with bytes in the file. Any IRQL.
 */
bool MiGetImageFileOffset(MMPTE SubsectionPte, const MMPTE *Proto, FILE_OBJECT **File,
                          int64_t *Offset, uint32_t *PtesLeft, uint32_t *FileBytes)
{
    SUBSECTION *subsection = MiGetSubsectionAddress(SubsectionPte);
    uint32_t raw = subsection->NumberOfFullSectors * MI_SECTOR_SIZE +
                   subsection->u.SubsectionFlags.SectorEndOffset;
    uint32_t index;

    if (Proto < subsection->SubsectionBase ||
        Proto >= subsection->SubsectionBase + subsection->PtesInSubsection)
        return false;
    index = (uint32_t)(Proto - subsection->SubsectionBase);
    if ((uint64_t)index * PAGE_SIZE >= raw)
        return false;
    *File = subsection->ControlArea->FilePointer;
    *Offset = (int64_t)subsection->StartingSector * MI_SECTOR_SIZE + (int64_t)index * PAGE_SIZE;
    *PtesLeft = subsection->PtesInSubsection - index;
    *FileBytes = raw - index * PAGE_SIZE;
    return true;
}

/* Count pages of SubsectionPte's image being read in (for !ca). PFN lock held. */
void MiNoteImageFileRead(MMPTE SubsectionPte, uint32_t Count)
{
    ((MI_IMAGE_CONTROL_AREA *)MiGetSubsectionAddress(SubsectionPte)->ControlArea)->PagesRead += Count;
}

/* ---- the file's one control area ------------------------------------------------------- */

/* The file's live image control area referenced for one more section; NULL if none. */
static SEGMENT *MiReferenceImageFileSegment(SECTION_OBJECT_POINTERS *Pointers)
{
    CONTROL_AREA *area;
    SEGMENT *segment = NULL;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    area = Pointers->ImageSectionObject;
    if (area && !area->u.Flags.BeingDeleted) {
        area->NumberOfSectionReferences++;
        area->NumberOfUserReferences++;
        segment = area->Segment;
    }
    UNLOCK_PFN(oldIrql);
    return segment;
}

/* The last reference to a file image's control area is going (PFN lock held): the next
 * section of the file makes a new one. */
void MiUnlinkImageControlArea(CONTROL_AREA *ControlArea)
{
    SECTION_OBJECT_POINTERS *pointers = ((FILE_OBJECT *)ControlArea->FilePointer)->SectionObjectPointer;

    if (pointers->ImageSectionObject == ControlArea)
        pointers->ImageSectionObject = NULL;
}

/* NT's MmFlushImageSection, as FAT asks it before an open for writing or a delete: true when
 * the file has no image in use (no section, no view), so the file may change. Any IRQL up to
 * APC_LEVEL. */
bool MmFlushImageSection(SECTION_OBJECT_POINTERS *Pointers, MMFLUSH_TYPE FlushType)
{
    CONTROL_AREA *area;
    bool inUse;
    KIRQL oldIrql;

    (void)FlushType;                    /* for write and for delete alike */
    LOCK_PFN(oldIrql);
    area = Pointers->ImageSectionObject;
    inUse = area && !area->u.Flags.BeingDeleted;
    UNLOCK_PFN(oldIrql);
    return !inUse;
}

/* What views of the file wrote goes to the file before its image is read (NT's
 * MiFlushDataSection in MmCreateSection). PASSIVE_LEVEL. */
static void MiFlushFileDataSection(SECTION_OBJECT_POINTERS *Pointers)
{
    CONTROL_AREA *area;
    uint32_t written;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    area = Pointers->DataSectionObject;
    if (area && !area->u.Flags.BeingDeleted) {
        area->NumberOfSectionReferences++;
        area->NumberOfUserReferences++;
    } else {
        area = NULL;
    }
    UNLOCK_PFN(oldIrql);
    if (!area)
        return;
    MiFlushDataFilePages(area, 0, area->Segment->TotalNumberOfPtes - 1, &written);
    MiDereferenceControlArea(area, &area->NumberOfSectionReferences);
}

/*
 * The file's first bytes (at most MI_IMAGE_MAXIMUM_HEADER, FileSize of it) read into Headers
 * (MI_IMAGE_MAXIMUM_HEADER bytes of nonpaged pool, page aligned) through the paging read, as
 * NT's MiCreateImageFileMap reads the header page: zeroes past the end of file.
 */
static NTSTATUS MiReadImageHeaders(FILE_OBJECT *File, uint32_t FileSize, uint8_t *Headers)
{
    struct {
        MDL Mdl;
        uint32_t Frames[MI_HEADER_PAGES];
    } reader;
    uint32_t length = MIN(ROUND_UP(FileSize, MI_SECTOR_SIZE), MI_IMAGE_MAXIMUM_HEADER);
    IO_STATUS_BLOCK iosb;

    MmInitializeMdl(&reader.Mdl, Headers, length);
    MmBuildMdlForNonPagedPool(&reader.Mdl);
    return IoPageReadFile(File, &reader.Mdl, 0, &iosb);
}

/* A new control area for File (Size bytes), not yet published. */
static NTSTATUS MiCreateImageFileControlArea(FILE_OBJECT *File, uint32_t Size, SEGMENT **Segment)
{
    MI_IMAGE_FILE image = { .FileObject = File, .Size = Size };
    uint8_t *headers = ExAllocatePoolWithTag(NonPagedPool, MI_IMAGE_MAXIMUM_HEADER,
                                             MI_IMAGE_HEADER_TAG);
    MI_IMAGE_INFO *info = NULL;
    NTSTATUS status;

    if (!headers)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = MiReadImageHeaders(File, Size, headers);
    if (status == STATUS_END_OF_FILE)
        status = STATUS_INVALID_FILE_FOR_SECTION;
    if (NT_SUCCESS(status))
        status = MiCaptureImageHeaders(headers, MIN(Size, MI_IMAGE_MAXIMUM_HEADER), Size, &info);
    ExFreePoolWithTag(headers, MI_IMAGE_HEADER_TAG);
    if (!NT_SUCCESS(status))
        return status;
    status = MiCreateImageFileMap(&image, info, Segment);
    if (!NT_SUCCESS(status))
        MiFreeImageHeaders(info);
    return status;
}

/*
 * The image control area of File referenced for one more section, or made (see above).
 * PASSIVE_LEVEL, no Mm lock held.
 */
static NTSTATUS MiCreateImageFileSegment(FILE_OBJECT *File, SEGMENT **Segment)
{
    SECTION_OBJECT_POINTERS *pointers = File->SectionObjectPointer;
    CONTROL_AREA *area, *other;
    SEGMENT *segment;
    bool directory;
    int64_t size;
    NTSTATUS status;
    KIRQL oldIrql;

    if (!pointers || !MiFileCallouts.QueryFileSize)
        return STATUS_INVALID_FILE_FOR_SECTION;
    segment = MiReferenceImageFileSegment(pointers);
    if (segment) {
        *Segment = segment;
        return STATUS_SUCCESS;
    }
    status = MiFileCallouts.QueryFileSize(File, &size, &directory);
    if (!NT_SUCCESS(status))
        return status;
    if (directory || size == 0)
        return STATUS_INVALID_FILE_FOR_SECTION;
    MiFlushFileDataSection(pointers);
    status = MiCreateImageFileControlArea(File, (uint32_t)MIN(size, (int64_t)UINT32_MAX),
                                          &segment);
    if (!NT_SUCCESS(status))
        return status;
    area = segment->ControlArea;
    LOCK_PFN(oldIrql);
    other = pointers->ImageSectionObject;
    if (other && !other->u.Flags.BeingDeleted) {
        other->NumberOfSectionReferences++;     /* made meanwhile: the first one serves */
        other->NumberOfUserReferences++;
    } else {
        pointers->ImageSectionObject = area;
        other = NULL;
    }
    UNLOCK_PFN(oldIrql);
    if (other) {
        MiDereferenceControlArea(area, &area->NumberOfSectionReferences);
        segment = other->Segment;
    }
    *Segment = segment;
    return STATUS_SUCCESS;
}

/* NtCreateSection's SEC_IMAGE part with a FileHandle: the handle's access checked for the
 * MM_* Protection, then the file's image control area referenced or made. */
NTSTATUS MiCreateImageFileSection(void *FileHandle, uint32_t Protection, SEGMENT **Segment)
{
    FILE_OBJECT *file;
    NTSTATUS status = MiReferenceSectionFile(FileHandle, Protection, &file);

    if (!NT_SUCCESS(status))
        return status;
    status = MiCreateImageFileSegment(file, Segment);
    MiFileCallouts.DereferenceFile(file);
    return status;
}

/* For the kernel: an image section of the file object File (opened by the caller, who may
 * close it once this returns), referenced and not inserted. */
NTSTATUS MmCreateImageSectionFromFile(FILE_OBJECT *File, void **Section)
{
    SEGMENT *segment;
    NTSTATUS status = MiCreateImageFileSegment(File, &segment);

    if (!NT_SUCCESS(status))
        return status;
    return MiCreateImageSectionObject(segment, NULL, Section);
}
