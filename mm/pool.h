/*
 * mm/pool.h: the executive pool's structures, laid out as NT lays them out (pool.h): the
 * POOL_HEADER in front of every small block, a POOL_DESCRIPTOR per pool, the tag tracker
 * (PoolTrackTable) and the big-page table (PoolBigPageTable). pool.c and pooltrak.c own them;
 * special.c, the kd> pool commands and the tests read them.
 *
 * POOL_HEADER, 8 bytes on x86. Sizes are in 8-byte units and include the header:
 *
 *    31        25 24          16 15       9 8            0
 *   +------------+--------------+----------+--------------+
 *   |  PoolType  |  BlockSize   | PoolIndex| PreviousSize |   Ulong1
 *   +------------+--------------+----------+--------------+
 *   |                   PoolTag (4 characters)            |
 *   +-----------------------------------------------------+
 *
 * PoolType is 0 for a free block, otherwise the pool's type + 1. A free block keeps its links
 * (a LIST_ENTRY on its descriptor's ListHeads[BlockSize - 1]) right after its header; a free
 * block of one unit has no room for them and sits on no list.
 *
 * A pool page is a chain of blocks from its first byte to its last. Each header's
 * PreviousSize is the BlockSize of the block before it (0 for the first), so the chain can
 * be walked both ways:
 *
 *   page + 0x000  +--------------------+ PreviousSize 0,   BlockSize 4,  'Tst1'
 *                 | header | 24 bytes  |
 *   page + 0x020  +--------------------+ PreviousSize 4,   BlockSize 500, free
 *                 | header | Flink     |
 *                 |        | Blink     |   on ListHeads[499]
 *                 |   ...              |
 *   page + 0xfc0  +--------------------+ PreviousSize 500, BlockSize 8,  'Tst2'
 *                 | header | 56 bytes  |
 *   page + 0x1000 +--------------------+
 *
 * Requests above POOL_BUDDY_MAX get whole pages with no header at all; the big-page table
 * remembers their tag and length.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include "mm/mi.h"

#define POOL_BLOCK_SHIFT        3
#define POOL_SMALLEST_BLOCK     (1u << POOL_BLOCK_SHIFT)
#define POOL_OVERHEAD           ((uint32_t)sizeof(POOL_HEADER))
#define POOL_PAGE_UNITS         (PAGE_SIZE >> POOL_BLOCK_SHIFT)     /* 512 */
#define POOL_LIST_HEADS         POOL_PAGE_UNITS
#define POOL_BUDDY_MAX          (PAGE_SIZE - (POOL_OVERHEAD + POOL_SMALLEST_BLOCK))  /* 4080 */
#define PROTECTED_POOL          0x80000000u     /* tag bit: only the owner's tag may free it */

/* Ulong1's fields, low bits first, NT's widths. */
#define POOL_PREVIOUS_SIZE_BITS 9
#define POOL_INDEX_BITS         7
#define POOL_BLOCK_SIZE_BITS    9
#define POOL_TYPE_BITS          7

typedef struct _POOL_HEADER {
    union {
        struct {
            uint32_t PreviousSize : POOL_PREVIOUS_SIZE_BITS;    /* bits 0-8 */
            uint32_t PoolIndex : POOL_INDEX_BITS;               /* bits 9-15 */
            uint32_t BlockSize : POOL_BLOCK_SIZE_BITS;          /* bits 16-24 */
            uint32_t PoolType : POOL_TYPE_BITS;                 /* bits 25-31 */
        };
        uint32_t Ulong1;
    };
    uint32_t PoolTag;
} POOL_HEADER;

_Static_assert(sizeof(POOL_HEADER) == 8, "POOL_HEADER is NT's 8 bytes");
_Static_assert(offsetof(POOL_HEADER, PoolTag) == 4, "PoolTag is the second dword");
_Static_assert(POOL_PREVIOUS_SIZE_BITS + POOL_INDEX_BITS + POOL_BLOCK_SIZE_BITS +
               POOL_TYPE_BITS == 32, "the four fields fill Ulong1, so BlockSize starts at "
               "bit 16 and PoolType at bit 25");
_Static_assert(POOL_PAGE_UNITS - 1 < (1u << POOL_BLOCK_SIZE_BITS),
               "any block smaller than a page fits in BlockSize and PreviousSize");
_Static_assert(POOL_BUDDY_MAX == 4080, "NT's largest small allocation");

#define POOL_BLOCK_AT(entry, units) \
    ((POOL_HEADER *)((uintptr_t)(entry) + ((uintptr_t)(units) << POOL_BLOCK_SHIFT)))
#define POOL_NEXT_BLOCK(entry)  POOL_BLOCK_AT((entry), (entry)->BlockSize)
#define POOL_PREV_BLOCK(entry) \
    ((POOL_HEADER *)((uintptr_t)(entry) - ((uintptr_t)(entry)->PreviousSize << POOL_BLOCK_SHIFT)))
#define PAGE_END(va)            (BYTE_OFFSET(va) == 0)

/* Units a request of NumberOfBytes takes, header included (2 to 511 for a small block). */
#define POOL_UNITS_FOR_BYTES(bytes) \
    ((uint32_t)((bytes) + POOL_OVERHEAD + POOL_SMALLEST_BLOCK - 1) >> POOL_BLOCK_SHIFT)

/*
 * POOL_DESCRIPTOR: one per pool. NT's, less the fields of its deferred frees (Threshold,
 * PendingFrees, PendingFreeDepth), which mm386 does not have. NT gives a multiprocessor
 * several paged pools, told apart by PoolIndex; mm386 has one of each, both index 0.
 * TotalBytes counts whole blocks (headers included) and whole pages of big allocations.
 */
typedef struct _POOL_DESCRIPTOR {
    POOL_TYPE PoolType;
    uint32_t PoolIndex;
    uint32_t RunningAllocs;
    uint32_t RunningDeAllocs;
    uint32_t TotalPages;                /* pages carved into small blocks */
    uint32_t TotalBigPages;             /* pages of big allocations */
    void *LockAddress;                  /* KSPIN_LOCK (nonpaged) or FAST_MUTEX (paged) */
    uint32_t TotalBytes;
    LIST_ENTRY ListHeads[POOL_LIST_HEADS];  /* [n - 1]: free blocks of n units */
} POOL_DESCRIPTOR;

extern POOL_DESCRIPTOR NonPagedPoolDescriptor, PagedPoolDescriptor;
extern POOL_DESCRIPTOR *const PoolVector[PagedPool + 1];

/* POOL_TRACKER_TABLE: allocations, frees and bytes in use for one tag, in each pool. */
typedef struct _POOL_TRACKER_TABLE {
    uint32_t Key;                       /* the tag, PROTECTED_POOL clear; 0: unused entry */
    uint32_t NonPagedAllocs;
    uint32_t NonPagedFrees;
    uint32_t NonPagedBytes;
    uint32_t PagedAllocs;
    uint32_t PagedFrees;
    uint32_t PagedBytes;
} POOL_TRACKER_TABLE;

_Static_assert(sizeof(POOL_TRACKER_TABLE) == 28, "NT's x86 POOL_TRACKER_TABLE");

/* POOL_TRACKER_BIG_PAGES: one big allocation (NT's, without quota's QuotaObject). */
typedef struct _POOL_TRACKER_BIG_PAGES {
    void *Va;                           /* NULL: unused entry */
    uint32_t Key;
    uint32_t NumberOfPages;
} POOL_TRACKER_BIG_PAGES;

#define POOL_TRACK_TABLE_SIZE       512     /* the last entry takes what does not fit */
#define POOL_TRACK_OVERFLOW_TAG     POOL_TAG('O', 'v', 'f', 'l')
#define POOL_BIG_TABLE_INITIAL_SIZE 512     /* entries; doubles when half full */

extern POOL_TRACKER_TABLE PoolTrackTable[POOL_TRACK_TABLE_SIZE];
extern POOL_TRACKER_BIG_PAGES *PoolBigPageTable;
extern uint32_t PoolBigPageTableSize;

/* pooltrak.c: the tables. The tracker counts bytes; the big-page table may grow. */
void ExpInitializePoolTracking(void);
void ExpInsertPoolTracker(uint32_t Key, uint32_t NumberOfBytes, POOL_TYPE PoolType);
void ExpRemovePoolTracker(uint32_t Key, uint32_t NumberOfBytes, POOL_TYPE PoolType);
bool ExpQueryPoolTracker(uint32_t Key, POOL_TRACKER_TABLE *Entry);   /* false: never seen */
bool ExpAddTagForBigPages(void *Va, uint32_t Key, uint32_t NumberOfPages);  /* false: full */
bool ExpFindAndRemoveTagBigPages(void *Va, uint32_t *Key, uint32_t *NumberOfPages);

/* BAD_POOL_CALLER (0xC2) first parameters raised by the executive pool, NT's numbers. */
#define EX_BAD_POOL_CALLER_ZERO_BYTES       0x00    /* (0, type, tag) */
#define EX_BAD_POOL_CALLER_HEADER_TYPE      0x01    /* (header, Ulong1, 0): the other pool's */
#define EX_BAD_POOL_CALLER_ALREADY_FREE     0x07    /* (0, Ulong1 or 0 if unmapped, address) */
#define EX_BAD_POOL_CALLER_ALLOCATE_IRQL    0x08    /* (IRQL, type, bytes) */
#define EX_BAD_POOL_CALLER_FREE_IRQL        0x09    /* (IRQL, type, address) */
#define EX_BAD_POOL_CALLER_WRONG_TAG        0x0A    /* (address, allocator's tag, tag given) */
#define EX_BAD_POOL_CALLER_USER_ADDRESS     0x40    /* (address, MmSystemRangeStart, 0) */
#define EX_BAD_POOL_CALLER_BAD_ADDRESS      0x99    /* (address, 0, 0): no allocation there */
#define EX_BAD_POOL_CALLER_MUST_SUCCEED     0x9A    /* (type, bytes, tag) */
#define EX_BAD_POOL_CALLER_ZERO_TAG         0x9B    /* (type, bytes, caller) */

/* BAD_POOL_HEADER (0x19) first parameters, NT's numbers; the third parameter is 0. */
#define EX_BAD_POOL_HEADER_LIST_LINKS       0x03    /* (links, Flink->Blink, Blink->Flink) */
#define EX_BAD_POOL_HEADER_NEIGHBOURS       0x05    /* (entry, 0, the entry it contradicts) */
#define EX_BAD_POOL_HEADER_PREVIOUS_SIZE    0x06    /* (where it points, 0, entry) */
#define EX_BAD_POOL_HEADER_NOT_PAGE_START   0x07    /* (0, 0, entry): PreviousSize 0 */
#define EX_BAD_POOL_HEADER_ZERO_SIZE        0x08    /* (0, 0, entry) */
#define EX_BAD_POOL_HEADER_BLOCK_SIZE       0x09    /* (where it ends, 0, entry) */
#define EX_BAD_POOL_HEADER_NOT_IN_PAGE      0x0A    /* (entry, 0, page) */

/*
 * Special pool (special.c). Its page starts with a POOL_HEADER whose Ulong1 is the byte count
 * and flags (NT's MI_SPECIAL_POOL_*), then the pattern up to the allocation, which ends at
 * the page's end.
 */
#define MI_SPECIAL_POOL_PAGEABLE    0x8000u
#define MI_SPECIAL_POOL_SIZE_MASK   0x1FFFu
#define MI_SPECIAL_POOL_ALL_TAGS    '*'
#define MI_SPECIAL_POOL_MAXIMUM     (PAGE_SIZE - POOL_OVERHEAD)

extern uint32_t MmSpecialPoolTag;
extern uintptr_t MmSpecialPoolStart, MmSpecialPoolEnd;
extern uint32_t MmSpecialPagesInUse;
bool MmUseSpecialPool(size_t NumberOfBytes, uint32_t Tag);
void *MmAllocateSpecialPool(size_t NumberOfBytes, uint32_t Tag, POOL_TYPE PoolType);
void MmFreeSpecialPool(void *P);
uint8_t MiSpecialPoolPattern(const void *P);
uintptr_t MiSpecialPoolDataPage(uintptr_t Va);

#endif
