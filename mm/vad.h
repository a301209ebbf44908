/*
 * mm/vad.h: Virtual Address Descriptors and the AVL table that holds them (NT's mi.h). One VAD
 * describes one reserved region of a process's user space, in virtual page numbers (VA >> 12)
 * with an inclusive end. vadtree.c owns the tree and the free-range searches.
 *
 *   MM_AVL_TABLE                           MMVAD_SHORT (24 bytes, private memory)
 *   +---------------------------+          +--------------------------------------------+
 *   | BalancedRoot (a sentinel) |          | u1: Parent | Balance in bits 0-1           |
 *   |   .RightChild = the root  |          | LeftChild, RightChild                      |
 *   | DepthOfTree:5 ...         |          | StartingVpn, EndingVpn (inclusive)         |
 *   | NumberGenericTableElements|          | u.VadFlags (MMVAD_FLAGS)                   |
 *   | NodeHint, NodeFreeHint    |          +--------------------------------------------+
 *   +---------------------------+          MMVAD (40 bytes, section views) adds ControlArea,
 *                                          FirstPrototypePte, LastContiguousPte, u2.VadFlags2
 *
 * The root's parent is the sentinel and the sentinel's parent is itself, as in NT, so walking
 * up always ends at a node whose parent is the sentinel.
 *
 * Locking: whoever changes or searches a table holds its address space's AddressCreationLock
 * (NT's LOCK_ADDRESS_SPACE); the tree code itself takes no lock, so it also runs on the host.
 */
#ifndef MM_VAD_H
#define MM_VAD_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/ex/ex.h"
#include "kernel/rtl/rtl.h"
#include "mm/i386.h"

#define MM_ALLOCATION_GRANULARITY   0x10000u    /* 64 KB: where reserved regions start */
#define MM_MAXIMUM_ZERO_BITS        21          /* NtAllocateVirtualMemory's ZeroBits, x86 */
#define MM_MAX_COMMIT               0x7FFFFu    /* CommitCharge's sentinel: all of it */

/* The last address a VAD may cover: the top 64 KB of user space below the no-access region
 * holds the shared user data page and is never handed out (NT's MM_HIGHEST_VAD_ADDRESS). */
#define MM_HIGHEST_VAD_ADDRESS      (MmHighestUserAddress - MM_ALLOCATION_GRANULARITY)

typedef struct _MMADDRESS_NODE {
    union {
        int32_t Balance : 2;            /* -1 left subtree higher, 0, +1 right higher */
        struct _MMADDRESS_NODE *Parent; /* nodes are 4-byte aligned: bits 0-1 are Balance */
    } u1;
    struct _MMADDRESS_NODE *LeftChild;
    struct _MMADDRESS_NODE *RightChild;
    uint32_t StartingVpn;
    uint32_t EndingVpn;                 /* inclusive */
} MMADDRESS_NODE;

typedef struct _MM_AVL_TABLE {
    MMADDRESS_NODE BalancedRoot;
    uint32_t DepthOfTree : 5;           /* the tree's height */
    uint32_t Unused : 3;
    uint32_t NumberGenericTableElements : 24;
    MMADDRESS_NODE *NodeHint;           /* the last node looked up or inserted */
    MMADDRESS_NODE *NodeFreeHint;       /* NT's free-range hint; not used yet */
} MM_AVL_TABLE;

/*
 * MMVAD_FLAGS as the WRK (Server 2003 SP1) lays them out. XP had separate PhysicalMapping,
 * ImageMap, UserPhysicalPages, WriteWatch and LargePages bits; the WRK folded them into
 * VadType (MI_VAD_TYPE), keeping CommitCharge, NoChange, MemCommit, Protection and
 * PrivateMemory where XP had them or next to it.
 */
typedef enum _MI_VAD_TYPE {
    VadNone = 0,
    VadDevicePhysicalMemory = 1,        /* XP's PhysicalMapping */
    VadImageMap = 2,                    /* XP's ImageMap */
    VadAwe = 3,                         /* XP's UserPhysicalPages */
    VadWriteWatch = 4,                  /* XP's WriteWatch */
    VadLargePages = 5,                  /* XP's LargePages */
    VadRotatePhysical = 6,
    VadLargePageSection = 7,
} MI_VAD_TYPE;

typedef struct _MMVAD_FLAGS {
    uint32_t CommitCharge : 19;         /* pages charged; MM_MAX_COMMIT = the whole region */
    uint32_t NoChange : 1;              /* secured (SEC_NOCHANGE) */
    uint32_t VadType : 3;               /* MI_VAD_TYPE */
    uint32_t MemCommit : 1;             /* created with MEM_COMMIT: a zero PTE is committed */
    uint32_t Protection : 5;            /* the MM protection code (i386.h's MM_*) */
    uint32_t Spare : 2;
    uint32_t PrivateMemory : 1;         /* 1: private memory, an MMVAD_SHORT */
} MMVAD_FLAGS;

typedef struct _MMVAD_FLAGS2 {
    uint32_t FileOffset : 24;           /* in 64 KB units */
    uint32_t SecNoChange : 1;
    uint32_t OneSecured : 1;
    uint32_t MultipleSecured : 1;
    uint32_t ReadOnly : 1;
    uint32_t LongVad : 1;
    uint32_t ExtendableFile : 1;
    uint32_t Inherit : 1;               /* 1: ViewShare */
    uint32_t CopyOnWrite : 1;
} MMVAD_FLAGS2;

typedef struct _MMVAD_SHORT {
    MMADDRESS_NODE Node;                /* first: a VAD is its node */
    union {
        uint32_t LongFlags;
        MMVAD_FLAGS VadFlags;
    } u;
} MMVAD_SHORT;

typedef struct _MMVAD {
    MMVAD_SHORT Core;
    struct _CONTROL_AREA *ControlArea;  /* the section's (mm/section.h) */
    MMPTE *FirstPrototypePte;
    MMPTE *LastContiguousPte;
    union {
        uint32_t LongFlags2;
        MMVAD_FLAGS2 VadFlags2;
    } u2;
} MMVAD;

/*
 * A write-watch region's entry in the process's PhysicalVadRoot (NT's MI_PHYSICAL_VIEW, Server
 * 2003 layout): the VAD's range as an AVL node of its own, the VAD, and the bitmap of pages
 * written since the last reset, one bit per page of the VAD. NT keeps AWE and large-page
 * views in the same table with u.LongFlags; only write watch is built here.
 */
typedef struct _MI_PHYSICAL_VIEW {
    MMADDRESS_NODE Node;                /* first: StartingVpn, EndingVpn as the VAD's */
    MMVAD_SHORT *Vad;
    union {
        uint32_t LongFlags;
        RTL_BITMAP *BitMap;             /* VadType == VadWriteWatch */
    } u;
} MI_PHYSICAL_VIEW;

_Static_assert(sizeof(MMADDRESS_NODE) == 20, "MMADDRESS_NODE is 20 bytes on x86");
_Static_assert(sizeof(MM_AVL_TABLE) == 32, "MM_AVL_TABLE is 32 bytes on x86");
_Static_assert(sizeof(MMVAD_FLAGS) == 4 && sizeof(MMVAD_FLAGS2) == 4, "VAD flags are a ULONG");
_Static_assert(sizeof(MMVAD_SHORT) == 24, "MMVAD_SHORT is 24 bytes on x86");
_Static_assert(sizeof(MMVAD) == 40, "MMVAD is 40 bytes on x86");
_Static_assert(offsetof(MMVAD_SHORT, Node.StartingVpn) == 12 && offsetof(MMVAD_SHORT, u) == 20,
               "MMVAD_SHORT field offsets are NT's");
_Static_assert(sizeof(MI_PHYSICAL_VIEW) == 28 && offsetof(MI_PHYSICAL_VIEW, Vad) == 20,
               "MI_PHYSICAL_VIEW is NT's 28 bytes on x86");
_Static_assert(offsetof(MMVAD, ControlArea) == 24 && offsetof(MMVAD, u2) == 36,
               "MMVAD field offsets are NT's");

/*
 * The part of a process's address space the VAD code needs. Processes (not built yet) embed it
 * in EPROCESS, where NT keeps AddressCreationLock and VadRoot.
 */
typedef struct _MMADDRESS_SPACE {
    FAST_MUTEX AddressCreationLock;     /* serialises every change to VadRoot */
    MM_AVL_TABLE VadRoot;
} MMADDRESS_SPACE;

/* vadtree.c: the AVL table (NT's addrsup.c), VPN-based; the caller holds the lock above. */
void MiInitializeAvlTable(MM_AVL_TABLE *Table);
void MiInsertNode(MMADDRESS_NODE *Node, MM_AVL_TABLE *Table);  /* bugchecks on an overlap */
void MiRemoveNode(MMADDRESS_NODE *Node, MM_AVL_TABLE *Table);
MMADDRESS_NODE *MiLocateAddressInTree(uint32_t Vpn, MM_AVL_TABLE *Table);
MMADDRESS_NODE *MiCheckForConflictingNode(uint32_t StartVpn, uint32_t EndVpn,
                                          const MM_AVL_TABLE *Table);
MMADDRESS_NODE *MiGetFirstNode(const MM_AVL_TABLE *Table);
MMADDRESS_NODE *MiGetNextNode(const MMADDRESS_NODE *Node);
MMADDRESS_NODE *MiGetPreviousNode(const MMADDRESS_NODE *Node);

static inline MMADDRESS_NODE *MiParentNode(const MMADDRESS_NODE *Node)
{
    return (MMADDRESS_NODE *)((uintptr_t)Node->u1.Parent & ~(uintptr_t)3);
}

/*
 * The free-range searches: a base aligned to Alignment (a power of two, at least a page) for
 * SizeOfRange bytes (rounded up to pages) between MM_LOWEST_USER_ADDRESS and
 * HighestVadAddress, whose top ZeroBits bits are zero. Bottom-up returns the lowest such base
 * (NT's MiFindEmptyAddressRange), top-down the highest (MiFindEmptyAddressRangeDown, for
 * MEM_TOP_DOWN). STATUS_NO_MEMORY when nothing fits; NtAllocateVirtualMemory's statuses for
 * ZeroBits (STATUS_INVALID_PARAMETER_3) and a zero size (STATUS_INVALID_PARAMETER_4).
 */
NTSTATUS MiFindEmptyAddressRange(const MM_AVL_TABLE *Table, uint32_t SizeOfRange,
                                 uint32_t Alignment, uint32_t ZeroBits,
                                 uintptr_t HighestVadAddress, uintptr_t *Base);
NTSTATUS MiFindEmptyAddressRangeDown(const MM_AVL_TABLE *Table, uint32_t SizeOfRange,
                                     uint32_t Alignment, uint32_t ZeroBits,
                                     uintptr_t HighestVadAddress, uintptr_t *Base);

/* The VAD-level names NT's callers use, over one address space's VadRoot. */
static inline void MiInsertVad(MMADDRESS_SPACE *Space, MMVAD_SHORT *Vad)
{
    MiInsertNode(&Vad->Node, &Space->VadRoot);
}

static inline void MiRemoveVad(MMADDRESS_SPACE *Space, MMVAD_SHORT *Vad)
{
    MiRemoveNode(&Vad->Node, &Space->VadRoot);
}

/* The VAD that holds VirtualAddress, or NULL. */
static inline MMVAD_SHORT *MiLocateAddress(MMADDRESS_SPACE *Space, uintptr_t VirtualAddress)
{
    MMADDRESS_NODE *node = MiLocateAddressInTree(VirtualAddress >> PAGE_SHIFT, &Space->VadRoot);

    return node ? CONTAINING_RECORD(node, MMVAD_SHORT, Node) : NULL;
}

/* A VAD that overlaps [StartingAddress, EndingAddress] (inclusive), or NULL. */
static inline MMVAD_SHORT *MiCheckForConflictingVad(const MMADDRESS_SPACE *Space,
                                                    uintptr_t StartingAddress,
                                                    uintptr_t EndingAddress)
{
    MMADDRESS_NODE *node = MiCheckForConflictingNode(StartingAddress >> PAGE_SHIFT,
                                                     EndingAddress >> PAGE_SHIFT, &Space->VadRoot);

    return node ? CONTAINING_RECORD(node, MMVAD_SHORT, Node) : NULL;
}

/* NT's LOCK_ADDRESS_SPACE / UNLOCK_ADDRESS_SPACE. */
static inline void MiInitializeAddressSpace(MMADDRESS_SPACE *Space)
{
    ExInitializeFastMutex(&Space->AddressCreationLock);
    MiInitializeAvlTable(&Space->VadRoot);
}

static inline void MiLockAddressSpace(MMADDRESS_SPACE *Space)
{
    ExAcquireFastMutex(&Space->AddressCreationLock);
}

static inline void MiUnlockAddressSpace(MMADDRESS_SPACE *Space)
{
    ExReleaseFastMutex(&Space->AddressCreationLock);
}

#endif
