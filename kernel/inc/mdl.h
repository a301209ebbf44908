/*
 * kernel/inc/mdl.h: the memory descriptor list, NT's layout and flags (ntosdef.h, wdm.h). An
 * MDL describes a virtual buffer by the physical pages under it: the header, then one page
 * frame number per page the buffer spans (MmGetMdlPfnArray), an unused one holding
 * MM_EMPTY_LIST. Mm builds, locks and maps them (mm/mdlsup.c and the files beside it); Io
 * carries them to the disk (IoPageRead/IoPageWrite) without calling Mm, which is why the
 * layout and the pure helpers live here, beside every layer.
 *
 *   +0x00 Next            chained MDLs of one request
 *   +0x04 Size            bytes: sizeof(MDL) + 4 per page spanned
 *   +0x06 MdlFlags        MDL_*
 *   +0x08 Process         the process whose user pages are locked, NULL for system ones
 *   +0x0C MappedSystemVa  the system address of the buffer's first byte, once mapped
 *   +0x10 StartVa         the buffer's first page
 *   +0x14 ByteCount
 *   +0x18 ByteOffset      the first byte's offset in StartVa's page
 *   +0x1C PFN_NUMBER[]    one per page
 */
#ifndef KERNEL_INC_MDL_H
#define KERNEL_INC_MDL_H

#include <stddef.h>
#include <stdint.h>

struct _KPROCESS;

typedef struct _MDL {
    struct _MDL *Next;
    int16_t Size;
    int16_t MdlFlags;
    struct _KPROCESS *Process;
    void *MappedSystemVa;
    void *StartVa;
    uint32_t ByteCount;
    uint32_t ByteOffset;
} MDL;

_Static_assert(sizeof(MDL) == 0x1C, "NT x86's MDL");
_Static_assert(offsetof(MDL, Size) == 0x04 && offsetof(MDL, MdlFlags) == 0x06 &&
               offsetof(MDL, Process) == 0x08 && offsetof(MDL, MappedSystemVa) == 0x0C &&
               offsetof(MDL, StartVa) == 0x10 && offsetof(MDL, ByteCount) == 0x14 &&
               offsetof(MDL, ByteOffset) == 0x18, "NT x86's MDL fields");

#define MDL_MAPPED_TO_SYSTEM_VA     0x0001
#define MDL_PAGES_LOCKED            0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE    0x0008
#define MDL_PARTIAL                 0x0010
#define MDL_PARTIAL_HAS_BEEN_MAPPED 0x0020
#define MDL_IO_PAGE_READ            0x0040
#define MDL_WRITE_OPERATION         0x0080
#define MDL_PARENT_MAPPED_SYSTEM_VA 0x0100
#define MDL_FREE_EXTRA_PTES         0x0200
#define MDL_DESCRIBES_AWE           0x0400
#define MDL_IO_SPACE                0x0800
#define MDL_NETWORK_HEADER          0x1000
#define MDL_MAPPING_CAN_FAIL        0x2000
#define MDL_ALLOCATED_MUST_SUCCEED  0x4000

#define MDL_MAPPING_FLAGS (MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED | \
                           MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL_HAS_BEEN_MAPPED | \
                           MDL_PARENT_MAPPED_SYSTEM_VA | MDL_IO_SPACE)

/* LOCK_OPERATION: what the I/O will do to the buffer's pages. */
typedef enum _LOCK_OPERATION {
    IoReadAccess = 0,                   /* the device reads them: the pages are read */
    IoWriteAccess = 1,                  /* the device writes them */
    IoModifyAccess = 2,
} LOCK_OPERATION;

/* MM_PAGE_PRIORITY: how hard a system mapping may try for PTEs. */
typedef enum _MM_PAGE_PRIORITY {
    LowPagePriority = 0,
    NormalPagePriority = 16,
    HighPagePriority = 32,
} MM_PAGE_PRIORITY;

#define MDL_PAGE_SIZE               4096u
#define MDL_PAGE_SHIFT              12
#define MDL_EMPTY_PFN               0xFFFFFFFFu     /* NT's MM_EMPTY_LIST in an unused slot */

/* NT's ADDRESS_AND_SIZE_TO_SPAN_PAGES. */
static inline uint32_t MdlSpanPages(const void *Va, uint32_t Size)
{
    return (uint32_t)((((uintptr_t)Va & (MDL_PAGE_SIZE - 1)) + Size + MDL_PAGE_SIZE - 1) >>
                      MDL_PAGE_SHIFT);
}

static inline uint32_t *MmGetMdlPfnArray(MDL *Mdl)
{
    return (uint32_t *)(Mdl + 1);
}

static inline void *MmGetMdlVirtualAddress(const MDL *Mdl)
{
    return (uint8_t *)Mdl->StartVa + Mdl->ByteOffset;
}

static inline uint32_t MmGetMdlByteCount(const MDL *Mdl)
{
    return Mdl->ByteCount;
}

static inline uint32_t MmGetMdlPageCount(const MDL *Mdl)
{
    return MdlSpanPages(MmGetMdlVirtualAddress(Mdl), Mdl->ByteCount);
}

/* NT's MmInitializeMdl: the header for Length bytes at BaseVa; the PFNs are the builder's. */
static inline void MmInitializeMdl(MDL *Mdl, void *BaseVa, uint32_t Length)
{
    Mdl->Next = NULL;
    Mdl->Size = (int16_t)(sizeof(MDL) + sizeof(uint32_t) * MdlSpanPages(BaseVa, Length));
    Mdl->MdlFlags = 0;
    Mdl->Process = NULL;
    Mdl->MappedSystemVa = NULL;
    Mdl->StartVa = (void *)((uintptr_t)BaseVa & ~(uintptr_t)(MDL_PAGE_SIZE - 1));
    Mdl->ByteOffset = (uint32_t)((uintptr_t)BaseVa & (MDL_PAGE_SIZE - 1));
    Mdl->ByteCount = Length;
}

#endif
