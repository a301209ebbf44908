/*
 * mm/i386.h: the x86 (non-PAE) page-table formats and the self-map, as NT defines them
 * (mi386.h). Every view of a PTE is one 32-bit word; bit 0 tells hardware-valid from the
 * software formats, and among invalid PTEs Prototype (bit 10) and Transition (bit 11) pick
 * the format:
 *
 *   format      bit 0   bits 1-9                              bit 10  bit 11  bits 12-31
 *   valid         1     Write Owner WT CD Accessed Dirty       Proto    -      PageFrameNumber
 *                       Large Global CopyOnWrite
 *   software      0     1-4 PageFileLow, 5-9 Protection          0      0      PageFileHigh
 *   transition    0     1-4 Write Owner WT CD, 5-9 Protection    0      1      PageFrameNumber
 *   prototype     0     1-7 ProtoAddressLow, 8 ReadOnly,         1      bits 11-31:
 *                       9 WhichPool                                     ProtoAddressHigh
 *   list          0     1 OneEntry                               0      -      NextEntry
 *
 * A software PTE with PageFileHigh 0 is demand zero (0x80 for read/write); 0 itself means
 * "never touched".
 *
 * The page directory maps itself through PDE[0x300], so the PTE of any address is at
 * PTE_BASE + (va >> 12) * 4 and the PDE at PDE_BASE + (va >> 22) * 4.
 */
#ifndef MM_I386_H
#define MM_I386_H

#include <stdint.h>

#define PAGE_SIZE               0x1000u
#define PAGE_SHIFT              12
#define PTI_SHIFT               12
#define PDI_SHIFT               22
#define PTE_SHIFT               2
#define PTE_PER_PAGE            1024
#define PDE_PER_PAGE            1024
#define MM_VA_MAPPED_BY_PDE     0x400000u
#define PAGE_DIRECTORY_MASK     0x003FFFFFu
#define BYTE_OFFSET(va)         ((uint32_t)(uintptr_t)(va) & (PAGE_SIZE - 1))
#define PAGE_ALIGN(va)          ((void *)((uintptr_t)(va) & ~(uintptr_t)(PAGE_SIZE - 1)))
#define PAGE_ALIGN_UP(address)  (((address) + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1))
#define ROUND_TO_PAGES(size)    (((uint32_t)(size) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define BYTES_TO_PAGES(size)    (((uint32_t)(size) + PAGE_SIZE - 1) >> PAGE_SHIFT)

/* The self-map. */
#define PTE_BASE                0xC0000000u
#define PTE_TOP                 0xC03FFFFFu
#define PDE_BASE                0xC0300000u
#define PDE_TOP                 0xC0300FFFu
#define MM_SELFMAP_PDE_INDEX    0x300

/* Fixed regions of the x86 address space (mi386.h); the rest is computed in mminit.c. */
#define MM_LOWEST_USER_ADDRESS          0x00010000u
#define MM_SHARED_USER_DATA_VA          0x7FFE0000u
#define MM_KSEG0_BASE                   0x80000000u
#define MM_KSEG2_BASE                   0xA0000000u
#define MM_SESSION_SPACE_DEFAULT        0xA0000000u
#define MM_SYSTEM_CACHE_END_EXTRA       0xC0000000u
#define HYPER_SPACE                     0xC0400000u
#define HYPER_SPACE_END                 0xC07FFFFFu
#define MM_SYSTEM_CACHE_WORKING_SET     0xC0C00000u
#define MM_SYSTEM_CACHE_START           0xC1000000u
#define MM_SYSTEM_CACHE_END             0xE0FFFFFFu
#define MM_DEFAULT_PAGED_POOL_START     0xE1000000u
#define MM_LOWEST_NONPAGED_SYSTEM_START 0xEB000000u
#define MM_NONPAGED_POOL_END            0xFFBE0000u
#define MM_CRASH_DUMP_VA                0xFFBE0000u
#define MM_DEBUG_VA                     0xFFBFF000u
#define MM_HAL_VA_START                 0xFFC00000u
#define MM_SYSTEM_VIEW_SIZE             0x01000000u

/* MMPTE_HARDWARE (UP: bit 1 is the hardware write bit, bit 6 dirty). */
#define MM_PTE_VALID_MASK       0x001u
#define MM_PTE_WRITE_MASK       0x002u
#define MM_PTE_OWNER_MASK       0x004u
#define MM_PTE_WRITE_THROUGH_MASK 0x008u
#define MM_PTE_CACHE_DISABLE_MASK 0x010u
#define MM_PTE_ACCESS_MASK      0x020u
#define MM_PTE_DIRTY_MASK       0x040u
#define MM_PTE_LARGE_PAGE_MASK  0x080u
#define MM_PTE_GLOBAL_MASK      0x100u
#define MM_PTE_COPY_ON_WRITE_MASK 0x200u
#define MM_PTE_PROTOTYPE_MASK   0x400u
#define MM_PTE_TRANSITION_MASK  0x800u

typedef struct _MMPTE_HARDWARE {
    uint32_t Valid : 1;
    uint32_t Write : 1;
    uint32_t Owner : 1;
    uint32_t WriteThrough : 1;
    uint32_t CacheDisable : 1;
    uint32_t Accessed : 1;
    uint32_t Dirty : 1;
    uint32_t LargePage : 1;
    uint32_t Global : 1;
    uint32_t CopyOnWrite : 1;
    uint32_t Prototype : 1;
    uint32_t reserved : 1;
    uint32_t PageFrameNumber : 20;
} MMPTE_HARDWARE;

typedef struct _MMPTE_SOFTWARE {
    uint32_t Valid : 1;
    uint32_t PageFileLow : 4;
    uint32_t Protection : 5;
    uint32_t Prototype : 1;
    uint32_t Transition : 1;
    uint32_t PageFileHigh : 20;
} MMPTE_SOFTWARE;

typedef struct _MMPTE_TRANSITION {
    uint32_t Valid : 1;
    uint32_t Write : 1;
    uint32_t Owner : 1;
    uint32_t WriteThrough : 1;
    uint32_t CacheDisable : 1;
    uint32_t Protection : 5;
    uint32_t Prototype : 1;
    uint32_t Transition : 1;
    uint32_t PageFrameNumber : 20;
} MMPTE_TRANSITION;

typedef struct _MMPTE_PROTOTYPE {
    uint32_t Valid : 1;
    uint32_t ProtoAddressLow : 7;
    uint32_t ReadOnly : 1;
    uint32_t WhichPool : 1;
    uint32_t Prototype : 1;
    uint32_t ProtoAddressHigh : 21;
} MMPTE_PROTOTYPE;

typedef struct _MMPTE_SUBSECTION {
    uint32_t Valid : 1;
    uint32_t SubsectionAddressLow : 4;
    uint32_t Protection : 5;
    uint32_t Prototype : 1;
    uint32_t SubsectionAddressHigh : 20;
    uint32_t WhichPool : 1;
} MMPTE_SUBSECTION;

typedef struct _MMPTE_LIST {
    uint32_t Valid : 1;
    uint32_t OneEntry : 1;
    uint32_t filler0 : 8;
    uint32_t Prototype : 1;
    uint32_t filler1 : 1;
    uint32_t NextEntry : 20;
} MMPTE_LIST;

typedef struct _MMPTE {
    union {
        uint32_t Long;
        MMPTE_HARDWARE Hard;
        MMPTE_SOFTWARE Soft;
        MMPTE_TRANSITION Trans;
        MMPTE_PROTOTYPE Proto;
        MMPTE_SUBSECTION Subsect;
        MMPTE_LIST List;
    } u;
} MMPTE;

_Static_assert(sizeof(MMPTE_HARDWARE) == 4, "MMPTE_HARDWARE is one word");
_Static_assert(sizeof(MMPTE_SOFTWARE) == 4, "MMPTE_SOFTWARE is one word");
_Static_assert(sizeof(MMPTE_TRANSITION) == 4, "MMPTE_TRANSITION is one word");
_Static_assert(sizeof(MMPTE_PROTOTYPE) == 4, "MMPTE_PROTOTYPE is one word");
_Static_assert(sizeof(MMPTE_SUBSECTION) == 4, "MMPTE_SUBSECTION is one word");
_Static_assert(sizeof(MMPTE_LIST) == 4, "MMPTE_LIST is one word");
_Static_assert(sizeof(MMPTE) == 4, "MMPTE is one word");

#define MiGetPdeAddress(va)     ((MMPTE *)(uintptr_t)((((uint32_t)(uintptr_t)(va) >> PDI_SHIFT) << 2) + PDE_BASE))
#define MiGetPteAddress(va)     ((MMPTE *)(uintptr_t)((((uint32_t)(uintptr_t)(va) >> PTI_SHIFT) << 2) + PTE_BASE))
#define MiGetPdeOffset(va)      ((uint32_t)(uintptr_t)(va) >> PDI_SHIFT)
#define MiGetPteOffset(va)      (((uint32_t)(uintptr_t)(va) << 10) >> 22)
#define MiGetVirtualAddressMappedByPte(pte) ((void *)((uintptr_t)(pte) << 10))
#define MiGetVirtualAddressMappedByPde(pde) ((void *)((uintptr_t)(pde) << 20))
#define MiIsPteOnPdeBoundary(pte) (((uintptr_t)(pte) & (PAGE_SIZE - 1)) == 0)

/*
 * NT's MI_IS_PHYSICAL_ADDRESS: va is mapped by a valid large PDE (PS set), as the PFN database
 * and the initial nonpaged pool may be (mminit.c) and MEM_LARGE_PAGES regions are. Such a va
 * has no page table: MiGetPteAddress(va) reads the large page's own first 4 KB, never a PTE.
 * MI_CONVERT_PHYSICAL_TO_PFN is its frame, from the PDE.
 */
#define MI_IS_PHYSICAL_ADDRESS(va) \
    ((MiGetPdeAddress(va)->u.Long & (MM_PTE_VALID_MASK | MM_PTE_LARGE_PAGE_MASK)) == \
     (MM_PTE_VALID_MASK | MM_PTE_LARGE_PAGE_MASK))
#define MI_CONVERT_PHYSICAL_TO_PFN(va) \
    (MiGetPdeAddress(va)->u.Hard.PageFrameNumber + MiGetPteOffset(va))

/* Protection codes (5 bits, MM_*) and their modifiers. */
#define MM_ZERO_ACCESS          0
#define MM_READONLY             1
#define MM_EXECUTE              2
#define MM_EXECUTE_READ         3
#define MM_READWRITE            4
#define MM_WRITECOPY            5
#define MM_EXECUTE_READWRITE    6
#define MM_EXECUTE_WRITECOPY    7
#define MM_NOCACHE              0x08
#define MM_GUARD_PAGE           0x10
#define MM_DECOMMIT             0x10
#define MM_NOACCESS             0x18
#define MM_WRITECOMBINE         0x18
#define MM_PROTECTION_WRITE_MASK 4
#define MM_PROTECTION_COPY_MASK 1
#define MM_PROTECTION_OPERATION_MASK 7
#define MM_PROTECT_FIELD_SHIFT  5
#define MM_UNKNOWN_PROTECTION   0x100

#define MM_COPY_ON_WRITE_MASK   5
#define MI_IS_COPY_ON_WRITE(protection) (((protection) & MM_COPY_ON_WRITE_MASK) == MM_COPY_ON_WRITE_MASK)
#define MI_IS_GUARD(protection)     (((protection) >> 3) == 2)
#define MI_IS_NOCACHE(protection)   (((protection) >> 3) == 1)
#define MI_IS_WRITABLE_PROTECTION(protection) (((protection) & MM_PROTECTION_WRITE_MASK) != 0)

/*
 * The hardware bits a protection code becomes in a valid PTE (NT's MmProtectToPteMask, i386):
 * read/write codes set Write, the write-copy ones CopyOnWrite, the nocache and write-combine
 * groups CacheDisable. Execute is not expressible without PAE; guard and no-access pages are
 * never valid.
 */
static inline uint32_t MiProtectToPteMask(uint32_t Protection)
{
    uint32_t operation = Protection & MM_PROTECTION_OPERATION_MASK;
    uint32_t mask = 0;

    if (operation == MM_READWRITE || operation == MM_EXECUTE_READWRITE)
        mask |= MM_PTE_WRITE_MASK;
    else if (operation == MM_WRITECOPY || operation == MM_EXECUTE_WRITECOPY)
        mask |= MM_PTE_COPY_ON_WRITE_MASK;
    if ((Protection >> 3) == 1 || ((Protection >> 3) == 3 && operation != 0))
        mask |= MM_PTE_CACHE_DISABLE_MASK;
    return mask;
}

/* Special PTE values. */
#define MM_ZERO_PTE             0
#define MM_ZERO_KERNEL_PTE      0
#define MM_DEMAND_ZERO_WRITE_PTE (MM_READWRITE << MM_PROTECT_FIELD_SHIFT)   /* 0x80 */
#define MM_KERNEL_DEMAND_ZERO_PTE (MM_READWRITE << MM_PROTECT_FIELD_SHIFT)
#define MM_KERNEL_NOACCESS_PTE  (MM_NOACCESS << MM_PROTECT_FIELD_SHIFT)     /* 0x300 */
#define MM_DECOMMITTED_PTE      (MM_DECOMMIT << MM_PROTECT_FIELD_SHIFT)     /* 0x200 */
#define CLEAR_FOR_PAGE_FILE     0x000003E0u
#define CLEAR_FOR_PROTO_PTE_ADDRESS 0x00000701u
#define MI_PTE_LOOKUP_NEEDED    0xFFFFFu
#define MM_EMPTY_PTE_LIST       0xFFFFFu
#define IS_PTE_NOT_DEMAND_ZERO(pte) ((pte).u.Long & 0xFFFFFC01u)
#define GET_PAGING_FILE_NUMBER(pte) (((pte).u.Long >> 1) & 0xF)
#define GET_PAGING_FILE_OFFSET(pte) (((pte).u.Long >> 12) & 0xFFFFF)

#endif
