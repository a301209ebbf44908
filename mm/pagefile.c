/*
 * mm/pagefile.c: paging files. MmPagingFile[n] is paging file n, the number a software PTE
 * carries in PageFileLow; PageFileHigh is the page's slot in it. Each file's bitmap has one
 * bit per slot, set when the slot holds a page; slot 0 is never used, so offset 0 in a PTE
 * means "no copy in a paging file".
 */
#include "mm/mi.h"

MMPAGING_FILE *MmPagingFile[MAX_PAGE_FILES];
uint32_t MmNumberOfPagingFiles;

/*
 * The paging-file slot named by PteContents (a page's OriginalPte) is no longer needed.
 * Returns false when the PTE names no slot. PFN lock held.
 */
bool MiReleasePageFileSpace(MMPTE PteContents)
{
    uint32_t offset = GET_PAGING_FILE_OFFSET(PteContents);
    uint32_t number = GET_PAGING_FILE_NUMBER(PteContents);
    MMPAGING_FILE *file;

    if (PteContents.u.Soft.Prototype || PteContents.u.Soft.Transition || offset == 0 ||
        offset == MI_PTE_LOOKUP_NEEDED)
        return false;
    file = MmPagingFile[number];
    if (!file || offset >= file->Size || !RtlCheckBit(&file->Bitmap, offset))
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEFILE_SLOT, number, offset,
                     PteContents.u.Long);
    RtlClearBits(&file->Bitmap, offset, 1);
    file->FreeSpace++;
    file->CurrentUsage--;
    return true;
}
