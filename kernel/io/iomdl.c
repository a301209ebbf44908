/*
 * kernel/io/iomdl.c: partial MDLs (NT's IoBuildPartialMdl, iosubs.c): a driver splitting one
 * locked transfer into pieces describes each piece with an MDL of its own that borrows the
 * source's frames; nothing is locked or referenced again, so the source must stay locked while
 * its parts are in use. Pure: no Mm call (Io sits below Mm).
 */
#include "kernel/io/io.h"

/* The flags a partial MDL takes from its source (NT's choice). */
#define IOP_PARTIAL_INHERITED_FLAGS (MDL_SOURCE_IS_NONPAGED_POOL | MDL_MAPPED_TO_SYSTEM_VA | \
                                     MDL_IO_PAGE_READ | MDL_MAPPING_CAN_FAIL)

void IoBuildPartialMdl(MDL *SourceMdl, MDL *TargetMdl, void *VirtualAddress, uint32_t Length)
{
    uint32_t offset = (uint32_t)((uintptr_t)VirtualAddress -
                                 (uintptr_t)MmGetMdlVirtualAddress(SourceMdl));
    uint32_t first = (SourceMdl->ByteOffset + offset) >> MDL_PAGE_SHIFT, pages;
    uint32_t holds = ((uint32_t)(uint16_t)TargetMdl->Size - sizeof(MDL)) / sizeof(uint32_t);

    if (Length == 0)
        Length = SourceMdl->ByteCount - offset;
    pages = MdlSpanPages(VirtualAddress, Length);
    if ((uint16_t)TargetMdl->Size < sizeof(MDL) || pages > holds)
        KeBugCheckEx(TARGET_MDL_TOO_SMALL, (uintptr_t)SourceMdl, (uintptr_t)TargetMdl, pages,
                     (uint16_t)TargetMdl->Size < sizeof(MDL) ? 0 : holds);
    TargetMdl->Process = SourceMdl->Process;
    TargetMdl->StartVa = (void *)((uintptr_t)VirtualAddress & ~(uintptr_t)(MDL_PAGE_SIZE - 1));
    TargetMdl->ByteOffset = (uint32_t)((uintptr_t)VirtualAddress & (MDL_PAGE_SIZE - 1));
    TargetMdl->ByteCount = Length;
    TargetMdl->MdlFlags &= MDL_ALLOCATED_FIXED_SIZE | MDL_ALLOCATED_MUST_SUCCEED;
    TargetMdl->MdlFlags |= (SourceMdl->MdlFlags & IOP_PARTIAL_INHERITED_FLAGS) | MDL_PARTIAL;
    TargetMdl->MappedSystemVa = NULL;
    if (SourceMdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        TargetMdl->MappedSystemVa = (uint8_t *)SourceMdl->MappedSystemVa + offset;
    if (SourceMdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)
        TargetMdl->MdlFlags |= MDL_PARENT_MAPPED_SYSTEM_VA;
    for (uint32_t i = 0; i < pages; i++)
        MmGetMdlPfnArray(TargetMdl)[i] = MmGetMdlPfnArray(SourceMdl)[first + i];
}
