/*
 * mm/mi.h: Mm-internal declarations shared among mm/ files.
 */
#ifndef MM_MI_H
#define MM_MI_H

#include "mm/mm.h"
#include "kernel/io/io.h"
#include "hal/x86.h"
#include "mm/vad.h"
#include "mm/section.h"

/*
 * The PFN database: one MMPFN per physical page, 24 bytes, NT's layout (mi.h). The unions
 * hold different things in different states: u1 is the list Flink while the page is on a
 * list and the working-set index while it is valid; u2 the Blink or the share count.
 */
typedef enum _MMLISTS {
    ZeroedPageList = 0,
    FreePageList = 1,
    StandbyPageList = 2,                /* 0-2 are the available pages */
    ModifiedPageList = 3,
    ModifiedNoWritePageList = 4,
    BadPageList = 5,
    ActiveAndValid = 6,                 /* a state, not a list */
    TransitionPage = 7,                 /* a state: I/O in progress, or about to be freed */
} MMLISTS;

#define NUMBER_OF_PAGE_LISTS    8
#define MM_EMPTY_LIST           0xFFFFFFFFu

/* Available-page thresholds (mi.h). */
#define MM_LOW_LIMIT            2
#define MM_HIGH_LIMIT           128
#define MM_TIGHT_LIMIT          256
#define MM_PLENTY_FREE_LIMIT    1024
#define MM_MAXIMUM_WRITE_CLUSTER 16     /* 64 KB: the largest paging write */
/* NT's MmMinimumFreePages: the pages kept back for the system; below it a fault waits for pages
 * and pool expansion, kernel stacks and special pool are refused. NT's MmPlentyFreePages: below
 * it the working-set manager trims, and it is woken when it is crossed. Variables, as NT's, so
 * the debugger shows them. */
extern uint32_t MmMinimumFreePages, MmPlentyFreePages;

extern uint32_t MmModifiedPageMaximum, MmModifiedWriteClusterSize;

typedef struct _MMPFNENTRY {
    uint16_t Modified : 1;
    uint16_t ReadInProgress : 1;        /* also StartOfAllocation, for pool pages */
    uint16_t WriteInProgress : 1;       /* also EndOfAllocation, for pool pages */
    uint16_t PrototypePte : 1;
    uint16_t PageColor : 4;
    uint16_t PageLocation : 3;          /* an MMLISTS value */
    uint16_t RemovalRequested : 1;
    uint16_t CacheAttribute : 2;
    uint16_t Rom : 1;
    uint16_t ParityError : 1;
} MMPFNENTRY;

typedef struct _MMPFN {
    union {
        uint32_t Flink;
        uint32_t WsIndex;
        struct _KEVENT *Event;
        NTSTATUS ReadStatus;
    } u1;
    MMPTE *PteAddress;                  /* bit 0 set: the page is deleted (MI_SET_PFN_DELETED) */
    union {
        uint32_t Blink;
        uint32_t ShareCount;
    } u2;
    union {
        struct {
            uint16_t ReferenceCount;
            MMPFNENTRY e1;
        };
        struct {
            uint16_t ReferenceCount;
            uint16_t ShortFlags;
        } e2;
    } u3;
    MMPTE OriginalPte;
    union {
        struct {
            uint32_t PteFrame : 25;
            uint32_t InPageError : 1;
            uint32_t VerifierAllocation : 1;
            uint32_t AweAllocation : 1;
            uint32_t Priority : 3;
            uint32_t MustBeCached : 1;
        };
        uint32_t EntireFrame;
    } u4;
} MMPFN;

_Static_assert(sizeof(MMPFNENTRY) == 2, "MMPFNENTRY is 16 bits");
_Static_assert(sizeof(MMPFN) == 24, "MMPFN is NT's 24 bytes");
_Static_assert(offsetof(MMPFN, PteAddress) == 4 && offsetof(MMPFN, u2) == 8 &&
               offsetof(MMPFN, u3) == 12 && offsetof(MMPFN, OriginalPte) == 16 &&
               offsetof(MMPFN, u4) == 20, "MMPFN field offsets");

typedef struct _MMPFNLIST {
    uint32_t Total;
    MMLISTS ListName;
    uint32_t Flink;
    uint32_t Blink;
} MMPFNLIST;

#define StartOfAllocation       ReadInProgress
#define EndOfAllocation         WriteInProgress

extern MMPFN *MmPfnDatabase;
extern uint32_t MmLowestPhysicalPage;   /* the first page of RAM the memory manager owns */
extern uint32_t MmHighestPhysicalPage;  /* the last page the PFN database describes */
extern uint32_t MmNumberOfPhysicalPages;/* RAM pages the memory manager owns */
extern volatile uint32_t MmAvailablePages;
extern MMPFNLIST MmZeroedPageListHead, MmFreePageListHead, MmStandbyPageListHead,
    MmModifiedPageListHead, MmModifiedNoWritePageListHead, MmBadPageListHead;
extern MMPFNLIST *const MmPageLocationList[NUMBER_OF_PAGE_LISTS];
extern KSPIN_LOCK MmPfnLock;

#define MI_PFN_ELEMENT(index)           (&MmPfnDatabase[index])
#define MI_PFN_INDEX(pfn)               ((uint32_t)((pfn) - MmPfnDatabase))
#define MI_SET_PFN_DELETED(pfn)         ((pfn)->PteAddress = (MMPTE *)((uintptr_t)(pfn)->PteAddress | 1))
#define MI_IS_PFN_DELETED(pfn)          (((uintptr_t)(pfn)->PteAddress & 1) != 0)
#define LOCK_PFN(OldIrql)               KeAcquireSpinLock(&MmPfnLock, &(OldIrql))
#define UNLOCK_PFN(OldIrql)             KeReleaseSpinLock(&MmPfnLock, (OldIrql))

/* pfnlist.c: the page lists. All of these expect the PFN lock held. */
void MiInsertPageInList(MMPFNLIST *ListHead, uint32_t PageFrameIndex);
void MiUnlinkPageFromList(MMPFN *Pfn);
uint32_t MiRemoveAnyPage(void);
uint32_t MiRemoveZeroPage(void);
uint32_t MiRemoveKernelPage(void);      /* kernel stacks: see pfnlist.c */
uint32_t MiRemoveZeroPageIfAny(void);   /* 0 when the zeroed list is empty */
void MiInitializePfn(uint32_t PageFrameIndex, MMPTE *PointerPte, bool Modified);
void MiDecrementShareCount(uint32_t PageFrameIndex);
volatile MMPTE *MiMapPfnPte(const MMPFN *Pfn, void **Mapped, KIRQL *HyperIrql);
void MiUnmapPfnPte(void *Mapped, KIRQL HyperIrql);
void MiDecrementReferenceCount(uint32_t PageFrameIndex);
bool MiIsPhysicalMemory(uint32_t PageFrameIndex);
void MiDeleteSystemPte(MMPTE *PointerPte);
void MiSetModified(MMPFN *Pfn);
void MiWaitForAvailablePages(uint32_t Pages);
void MiNoteAvailablePagesFound(void);
extern KEVENT MmAvailablePagesEvent, MmModifiedPageWriterEvent, MmZeroingPageEvent;
void MiInitializePageListEvents(void);

void MiRestoreTransitionPte(uint32_t PageFrameIndex);

/* hypermap.c: brief mappings of any physical page; the hyperspace lock is held meanwhile. */
void MiInitializeHyperSpace(void);
void *MiMapPageInHyperSpace(uint32_t PageFrameIndex, KIRQL *OldIrql);
void MiUnmapPageInHyperSpace(void *VirtualAddress, KIRQL OldIrql);
void MiZeroPhysicalPage(uint32_t PageFrameIndex);

/* pagefile.c: paging files (sizes in pages). MAX_PAGE_FILES is in mm.h. */

/* Slots FirstSlot .. FirstSlot + Slots - 1 of a paging file lie one after another from Lba. */
typedef struct _MMPAGING_FILE_RUN {
    uint32_t FirstSlot;
    uint32_t Slots;
    uint64_t Lba;
} MMPAGING_FILE_RUN;

#define MI_PAGING_FILE_NAME     64      /* characters kept of a paging file's file name */

typedef struct _MMPAGING_FILE {
    uint32_t Size;
    uint32_t MaximumSize;
    uint32_t MinimumSize;
    uint32_t FreeSpace;
    uint32_t CurrentUsage;
    uint32_t PeakUsage;
    RTL_BITMAP Bitmap;                  /* 1 = the slot holds a page (or is bad); bit 0 set */
    uint32_t PageFileNumber : 4;
    uint32_t Disk;                      /* where it lives: an IoDiskCount() index ... */
    uint64_t StartingLba;               /* ... and the sector slot 0 starts at */
    uint32_t RunCount;                  /* where its slots are: one run for a region, ... */
    MMPAGING_FILE_RUN *Runs;            /* ... a file's in the order of its bytes */
    char FileName[MI_PAGING_FILE_NAME]; /* a file on a volume (C:\pagefile.sys); "" otherwise */
    uint32_t WriteHint;                 /* where the next write looks for free slots */
    uint32_t BadSlots;                  /* slots a write failed on, and a file's slots whose
                                           sectors are not one run: never used */
    uint32_t BadSlotsInARow;            /* ... since the last write that succeeded */
    bool Retired;                       /* its disk is gone: nothing more is written to it */
} MMPAGING_FILE;

extern MMPAGING_FILE *MmPagingFile[MAX_PAGE_FILES];
bool MiOverlapsPagingFile(uint32_t Disk, uint64_t StartingLba, uint64_t Sectors);
extern NTSTATUS MiLastModifiedWriteError;
uint32_t MiRescuePagesOfFile(const MMPAGING_FILE *File);      /* PFN lock held */
bool MiReleasePageFileSpace(MMPTE PteContents);
uint32_t MiReservePageFileSlots(MMPAGING_FILE *File, uint32_t Wanted, uint32_t *StartSlot);
/* A failure that a smaller transfer, tried again, may not meet: bad sectors, or a timeout on
 * a slow disk (the smaller transfer has its own, and the disk has caught up meanwhile). Not a
 * lost device or a refused request. */
static inline bool MiIsRetryableIoError(NTSTATUS Status)
{
    return Status != STATUS_NO_SUCH_DEVICE && Status != STATUS_NOT_SUPPORTED;
}

/* Paging I/O to and from File's slots from Slot: the pages Mdl describes (IoPageRead and
 * IoPageWrite take MDLs, as NT's do). */
NTSTATUS MiReadPagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl);
NTSTATUS MiWritePagingFile(const MMPAGING_FILE *File, uint32_t Slot, MDL *Mdl);

/* MEMORY_MANAGEMENT (0x1A) first parameters raised by mm386 (NT has its own set). */
/* PFN_LIST_CORRUPT's first parameter (NT's). */
#define PFN_LIST_CORRUPT_LINKS          0x01
#define PFN_LIST_CORRUPT_SHARE_COUNT    0x07
#define PFN_LIST_CORRUPT_LOCATION       0x8F
#define PFN_LIST_CORRUPT_SHARE_STATE    0x99    /* a share count where the state forbids it */

#define MI_MEMORY_MANAGEMENT_BAD_TRANSITION_PTE 0x41284  /* a standby page's PTE is not its transition PTE */
#define MI_MEMORY_MANAGEMENT_BAD_PAGEFILE_SLOT  0x41285  /* a PTE names a slot no paging file holds */
#define MI_MEMORY_MANAGEMENT_SYSTEM_PTES_FREED_TWICE 0x41286 /* released PTEs overlap free ones */
#define MI_MEMORY_MANAGEMENT_BAD_PAGEABLE_PTE   0x41287  /* a freed pageable PTE is in no known state */
#define MI_MEMORY_MANAGEMENT_COMMIT_UNDERFLOW   0x41288  /* more commitment returned than charged */
#define MI_MEMORY_MANAGEMENT_VAD_CONFLICT       0x41289  /* a VAD inserted over another */
#define MI_MEMORY_MANAGEMENT_PROCESS_COMMIT     0x4128A  /* a deleted process still holds commitment or page tables */
#define MI_MEMORY_MANAGEMENT_BAD_USER_PTE       0x4128B  /* a user PTE in no known state */
#define MI_MEMORY_MANAGEMENT_WRITE_WATCH_VIEW   0x4128C  /* a write-watch VAD without its view, or views left */
#define MI_MEMORY_MANAGEMENT_BAD_WSLE           0x4128D  /* a working-set entry not where its list says, or left behind */
#define MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE  0x4128E  /* a prototype PTE in a state it cannot be in */
#define MI_MEMORY_MANAGEMENT_CONTROL_AREA       0x4128F  /* a control area's counts went below zero */
#define MI_MEMORY_MANAGEMENT_PRIVATE_PAGES      0x41290  /* a process ended with private pages counted (process, count) */
#define MI_MEMORY_MANAGEMENT_MDL_MISUSE         0x412A0  /* an MDL locked twice, empty, or not nonpaged (MDL, flags, byte count or address) */

/* mdlmap.c: MDLs mapped into the current process's user space (a VadDevicePhysicalMemory VAD).
 * MiDeletePhysicalMappingVad: its PTEs and VAD gone; address-creation lock and working-set
 * mutex held. */
void *MiMapLockedPagesInUserSpace(MDL *Mdl, MEMORY_CACHING_TYPE CacheType, void *RequestedAddress);
void MiUnmapLockedPagesInUserSpace(void *BaseAddress, MDL *Mdl);
void MiDeletePhysicalMappingVad(MMPROCESS *Process, MMVAD_SHORT *Vad);
extern NTSTATUS MiLastUserMappingStatus;

#define MI_FLUSH_ENTIRE_TB()            KeFlushEntireTb()
#define MI_FLUSH_SINGLE_TB(va)          KeFlushSingleTb((const void *)(uintptr_t)(va))

/* init386.c: where the system regions go, from the memory size and the user-space setting. */
typedef struct _MI_LAYOUT_INPUT {
    uint32_t PhysicalPages;             /* RAM pages the memory manager owns */
    uint32_t FreePages;                 /* of those, free when the kernel starts */
    uint32_t HighestPhysicalPage;
    uint32_t UserVaIncrease;            /* bytes added to the 2 GB of user space */
    uint32_t ImageEnd;                  /* where the image ends, at its link address */
    bool SpecialPool;                   /* special pool asked for: more system PTEs */
    bool LargePages;                    /* PFN database and initial pool on 4 MB pages */
} MI_LAYOUT_INPUT;

/*
 * Addresses, each End inclusive or exclusive as NT's variable of that name is: SessionSpaceEnd
 * and SystemCacheEndExtra exclusive (c0000000), SystemCacheEnd and PagedPoolEnd inclusive.
 */
typedef struct _MI_SYSTEM_LAYOUT {
    uint32_t HighestUserAddress, UserProbeAddress, SystemRangeStart;
    uint32_t BootImageSize;
    uint32_t PfnDatabase, PfnDatabaseBytes;
    uint32_t NonPagedPoolStart, SizeOfNonPagedPool;
    uint32_t NonPagedPoolExpansionStart, MaximumNonPagedPool;
    uint32_t NonPagedSystemStart, NumberOfSystemPtes;
    uint32_t SessionBase, SessionSpaceEnd, SystemViewStart;
    uint32_t SystemCacheEnd, SystemCacheStartExtra, SystemCacheEndExtra;
    uint32_t PagedPoolStart, PagedPoolEnd, SizeOfPagedPool;
} MI_SYSTEM_LAYOUT;

void MiComputeSystemLayout(const MI_LAYOUT_INPUT *In, MI_SYSTEM_LAYOUT *Out);

/* The PFN database and the initial nonpaged pool on 4 MB pages (mminit.c): how many, from
 * which frame; 0 when they are on 4 KB pages. MmLargePageMinimum is NT's threshold (pages). */
extern uint32_t MmLargePageMinimum, MiLargeSystemPages, MiLargeSystemFrame;

/* The RAM the memory manager owns, from the loader's memory map (NT's MmPhysicalMemoryBlock). */
typedef struct _PHYSICAL_MEMORY_RUN {
    uint32_t BasePage;
    uint32_t PageCount;
} PHYSICAL_MEMORY_RUN;

typedef struct _PHYSICAL_MEMORY_DESCRIPTOR {
    uint32_t NumberOfRuns;
    uint32_t NumberOfPages;
    PHYSICAL_MEMORY_RUN Run[KI_MAX_MEMORY_DESCRIPTORS];
} PHYSICAL_MEMORY_DESCRIPTOR;

extern PHYSICAL_MEMORY_DESCRIPTOR MmPhysicalMemoryBlock;

/* sysptes.c: system PTEs (see the file for the cluster list). */
typedef enum _MMSYSTEM_PTE_POOL_TYPE {
    SystemPteSpace,
    NonPagedPoolExpansion,
    MaximumPtePoolTypes
} MMSYSTEM_PTE_POOL_TYPE;

extern MMPTE *MmSystemPteBase;
extern MMPTE MmFirstFreeSystemPte[MaximumPtePoolTypes];
extern uint32_t MmTotalFreeSystemPtes[MaximumPtePoolTypes];
extern uint32_t MmTotalSystemPtes[MaximumPtePoolTypes];
extern MMPTE *MmSystemPtesStart[MaximumPtePoolTypes], *MmSystemPtesEnd[MaximumPtePoolTypes];
void MiInitializeSystemPtes(MMPTE *StartingPte, uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type);
MMPTE *MiReserveSystemPtes(uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type);
MMPTE *MiReserveSystemPtesMustSucceed(uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type);
void MiReleaseSystemPtes(MMPTE *StartingPte, uint32_t NumberOfPtes, MMSYSTEM_PTE_POOL_TYPE Type);
bool MiNextFreeSystemPteCluster(MMSYSTEM_PTE_POOL_TYPE Type, MMPTE **Cluster, uint32_t *Size);

/* allocpag.c: pool in whole pages. */
typedef struct _MM_PAGED_POOL_INFO {
    RTL_BITMAP *PagedPoolAllocationMap;     /* 1 bit per paged pool page in use */
    RTL_BITMAP *EndOfPagedPoolBitmap;       /* 1 bit on each allocation's last page */
    MMPTE *FirstPteForPagedPool;
    MMPTE *LastPteForPagedPool;
    uint32_t PagedPoolHint;
    uint32_t PagedPoolCommit;
    uint32_t AllocatedPagedPool;
    uint32_t PageTablePages;
} MM_PAGED_POOL_INFO;

extern MM_PAGED_POOL_INFO MmPagedPoolInfo;
extern uint32_t MmAllocatedNonPagedPool, MmNumberOfFreeNonPagedPool;
void MiInitializeNonPagedPool(void);
void MiInitializePagedPool(void);
RTL_BITMAP *MiAllocatePoolBitmap(uint32_t Bits);
bool MiMakeSystemPageTables(uintptr_t Va, uint32_t Pages, uint32_t *Made);
/* mapcache.c: the system cache's view slots. */
void MiInitializeSystemCache(void);
extern uint32_t MiSystemCachePageTables, MiSystemCacheViewsMapped;
void *MiAllocatePoolPages(POOL_TYPE PoolType, size_t SizeInBytes);
uint32_t MiFreePoolPages(void *StartingAddress);
bool MiIsPoolPageAllocated(const void *VirtualAddress);

/* BAD_POOL_CALLER (0xC2) first parameters from the page allocator, NT's where it has one. */
#define MI_BAD_POOL_CALLER_NOT_ALLOCATED_NONPAGED   0x41    /* (address, frame, highest frame) */
#define MI_BAD_POOL_CALLER_NOT_POOL                 0x42    /* (address, 0, 0) */
#define MI_BAD_POOL_CALLER_FREE_RUN_CORRUPT         0x47    /* (run, signature, size) */
#define MI_BAD_POOL_CALLER_NOT_ALLOCATED_PAGED      0x50    /* (address, page, paged pool pages) */

/* special.c: special pool, in MM_SPECIAL_POOL_PTES system PTEs the layout adds for it. */
#define MM_SPECIAL_POOL_PTES            25000u
void MiInitializeSpecialPool(void);
NTSTATUS MiCheckSpecialPoolFault(uint32_t FaultStatus, uintptr_t VirtualAddress,
                                 void *TrapInformation);

/*
 * pagfault.c: resolving a fault from the state in the PTE, and the fault counters (NT's, then
 * mm386's). Every fault that returns is counted once more by how it ended, so PageFaultCount
 * is the sum of DemandZeroCount, TransitionCount, CopyOnWriteCount, HardFaultCount, CollidedFaultCount,
 * RetriedFaultCount, SpuriousFaultCount, ProbeFaultCount and FailedFaultCount (mmfault.c).
 */
#define MM_MAXIMUM_READ_CLUSTER 16
#define MM_MAXIMUM_READ_AHEAD_CLUSTER 64    /* MmSetPageFaultReadAhead's most (256 KB) */
/* A fault that continues a sequential run (the page right after the working set's last in-page
 * read, from the page file or a file) reads this many (128 KB): W2's sweeps
 * take 0.72 - 0.89 s instead of 1.06 - 1.14 s, and W3's random touches that come after them
 * keep their rate (64 pages made W2 faster still but left W3 a third slower: 14:40 UTC). */
#define MM_SEQUENTIAL_READ_CLUSTER 32
/* A sweep's read ahead (MiReadAheadPageFile) reads this many (256 KB), on its own thread, so
 * the pages of a random fault are not at stake: each transfer's fixed cost (the interrupt,
 * the thread that issues the next, the port writes) comes half as often. */
#define MM_READ_AHEAD_CLUSTER   MM_MAXIMUM_READ_AHEAD_CLUSTER
#define STATUS_REFAULT          ((NTSTATUS)0x20000001)  /* mm386's: retry the instruction */
#define STATUS_REFAULT_COLLIDED ((NTSTATUS)0x20000002)  /* the same, after another fault's read */
#define STATUS_ISSUE_PAGING_IO  ((NTSTATUS)0xC0033333)  /* NT Mm's own: a resolver set up a read */

typedef struct _MMINFO_COUNTERS {
    uint32_t PageFaultCount;
    uint32_t TransitionCount;
    uint32_t DemandZeroCount;
    uint32_t CopyOnWriteCount;          /* private copies made of shared pages (wrtfault.c) */
    uint32_t PageReadCount;             /* pages read from paging files */
    uint32_t PageReadIoCount;           /* reads issued */
    uint32_t PageReadAheadIoCount;      /* ... of them, reads ahead of a sequential run
                                           (MiReadAheadPageFile), counted when done */
    uint32_t DirtyPagesWriteCount;      /* pages written to paging files */
    uint32_t DirtyWriteIoCount;         /* writes issued */
    uint32_t CollidedFaultCount;        /* faults that waited for another's read */
    uint32_t PageWaitCount;             /* faults that waited for free pages */
    uint32_t WriteErrorCount;           /* writes that failed (their slots are now bad) */
    uint32_t HardFaultCount;            /* faults resolved by reading a paging file */
    uint32_t RetriedFaultCount;         /* faults sent round again: the PTE changed, or they
                                           waited for pages or an in-page block */
    uint32_t SpuriousFaultCount;        /* the PTE was valid by the time it was looked at */
    uint32_t ProbeFaultCount;           /* failures returned to a probe (KeProbeRead32) */
    uint32_t FailedFaultCount;          /* failures outside a probe: each becomes a STOP */
} MMINFO_COUNTERS;

extern MMINFO_COUNTERS MmInfoCounters;
NTSTATUS MiAccessCheck(MMSUPPORT *Ws, MMPTE *PointerPte, bool StoreInstruction, MMPTE Contents);
NTSTATUS MiDispatchFault(MMSUPPORT *Ws, bool StoreInstruction, uintptr_t VirtualAddress,
                         MMPTE *PointerPte, void *TrapInformation);

/* The system process's page directory (the boot one): the master copy of system space's
 * PDEs. A process's directory gets them at creation, and later ones on a fault
 * (MiCheckPdeForPagedPool, mmfault.c). */
extern MMPTE *const MmSystemPagePtes;

/* A PTE of user space: it is in the page tables of one process, perhaps not the current one. */
static inline bool MiIsUserPteAddress(const MMPTE *PointerPte)
{
    return (uintptr_t)PointerPte >= PTE_BASE &&
           (uintptr_t)PointerPte < (uintptr_t)MiGetPteAddress(MmSystemRangeStart);
}

/* The Owner bit a valid PTE at PointerPte needs: user-accessible for user space (NT's
 * MI_DETERMINE_OWNER), and for the PDEs of user page tables. */
static inline uint32_t MiPteOwnerMask(const MMPTE *PointerPte)
{
    uintptr_t pte = (uintptr_t)PointerPte;

    if (pte < (uintptr_t)MiGetPteAddress(MmSystemRangeStart))
        return MM_PTE_OWNER_MASK;
    if (pte >= PDE_BASE && pte < (uintptr_t)MiGetPdeAddress(MmSystemRangeStart))
        return MM_PTE_OWNER_MASK;
    return 0;
}

/*
 * Working sets (wslist.c, wsmanage.c). The system working set holds the valid pageable system
 * pages (paged pool); its list (MMWSL, then the MMWSLE array) lives at
 * MmSystemCacheWorkingSetList, growing a page at a time. An entry is the page's address with
 * flags; a free entry holds the index of the next free one, shifted left by 4.
 */
extern MMSUPPORT MmSystemCacheWs;
extern LIST_ENTRY MmWorkingSetExpansionHead;    /* processes' MMSUPPORTs the trimmer visits */
extern KSPIN_LOCK MmExpansionLock;
void MiInitializeWorkingSetManager(void);
void MiUnlinkWorkingSet(MMPROCESS *Process);
void MiInitializeSystemWorkingSet(void);
void MiLockSystemWorkingSet(void);
void MiUnlockSystemWorkingSet(void);
bool MiOwnsSystemWorkingSet(void);
void MiInsertSystemWorkingSet(uintptr_t VirtualAddress, uint32_t PageFrameIndex);
void MiRemoveSystemWorkingSetEntry(uint32_t WorkingSetIndex);
/* The same for any working set: the system's, or a process's (then the process is current). */
void MiLockWorkingSet(MMSUPPORT *Ws);
void MiUnlockWorkingSet(MMSUPPORT *Ws);
/* Returns the entry's index. A shared page (PFN PrototypePte) gets an entry that is not
 * Direct: its PFN's WsIndex is not this working set's to use. */
uint32_t MiInsertWorkingSetEntry(MMSUPPORT *Ws, uintptr_t VirtualAddress, uint32_t PageFrameIndex);
uint32_t MiLocateWsle(MMSUPPORT *Ws, uintptr_t VirtualAddress);
void MiRemoveSharedWsles(MMSUPPORT *Ws, uintptr_t Start, uintptr_t End);
void MiRemoveWorkingSetEntry(MMSUPPORT *Ws, uint32_t WorkingSetIndex);
void MiInitializeProcessWorkingSetList(MMSUPPORT *Ws);      /* in the process's hyperspace */
uint32_t MiWorkingSetListPages(const MMSUPPORT *Ws);        /* pages the list has grown to */
/* The MMSUPPORT a virtual address's pages belong to: the current process's for user space,
 * the system's for paged pool. */
MMSUPPORT *MiWorkingSetOf(uintptr_t VirtualAddress);
uint32_t MiTrimWorkingSet(MMSUPPORT *Ws, uint32_t Reduction, uint32_t TrimAge);
void MiAgeWorkingSet(MMSUPPORT *Ws, uint32_t Sample);
uint32_t MiFindReplacementEntry(MMSUPPORT *Ws);
bool MiReplaceWorkingSetEntry(MMSUPPORT *Ws);
/* Entry Index's page out of the set: a transition PTE (a shared page's: its prototype form),
 * the page to standby or modified once nothing maps it. False: a pinned system page stays. */
bool MiEvictWsle(MMSUPPORT *Ws, uint32_t Index);
/*
 * Locked entries (lockvm.c): [0, FirstDynamic) of the list, each with LockedInWs (MAP_PROCESS)
 * or LockedInMemory (MAP_SYSTEM) or both. MiLockWsle returns the entry's new index. Working-set
 * mutex held.
 */
#define MI_WSLE_LOCKED_IN_WS        0x2
#define MI_WSLE_LOCKED_IN_MEMORY    0x4
#define MI_WSLE_LOCKED              (MI_WSLE_LOCKED_IN_WS | MI_WSLE_LOCKED_IN_MEMORY)
uint32_t MiLockWsle(MMSUPPORT *Ws, uint32_t Index, uint32_t Flags);
void MiUnlockWsle(MMSUPPORT *Ws, uint32_t Index, uint32_t Flags);

/* commit.c: commitment, in pages. */
extern uint32_t MmTotalCommitLimit, MmTotalCommittedPages, MmPeakCommitment, MiCommitLimitOwed;
void MiInitializeCommitment(void);
bool MiChargeCommitment(uint32_t Pages);
void MiReturnCommitment(uint32_t Pages);
#define MM_RESIDENT_AVAILABLE_MINIMUM   MM_HIGH_LIMIT   /* never made nonpageable */
extern int32_t MmResidentAvailablePages;
bool MiChargeResidentAvailable(uint32_t Pages);
void MiReturnResidentAvailable(uint32_t Pages);
void MiAdjustCommitLimit(int32_t Pages);

/* The system threads of Mm (modwrite.c, zeropage.c). */
void MiStartModifiedPageWriter(void);
void MiStartReadAheadThread(void);          /* pagfault.c: reads ahead of sequential runs */
extern uint32_t MiReadAheadsPending;        /* ... queued or being read (PFN lock) */
extern uint32_t MiFaultAroundPages;         /* pages made valid beside soft faults (pagfault.c) */
void MiStartZeroPageThread(void);
/* Pages the zero page thread has taken off the free list and is zeroing (0 or 1): on no list,
 * in TransitionPage with no references. Changed under the PFN lock. */
extern volatile uint32_t MiPagesBeingZeroed;

/* acceschk.c and allocvm.c: user faults' VAD lookups, the stack guard, committing pages. */
/* The protection a zero PTE at Va has (MM_NOACCESS: none); in a view *ProtoPte gets its
 * prototype PTE (NULL otherwise). */
uint32_t MiCheckVirtualAddress(MMPROCESS *Process, uintptr_t Va, MMPTE **ProtoPte);
NTSTATUS MiCheckForUserStackOverflow(MMPROCESS *Process, uintptr_t Va);
/* Commit [Start, Start + Size) inside one private VAD of the current process with the MM_*
 * Protection: commitment charged, PTEs written; STATUS_ALREADY_COMMITTED is not an error for
 * the caller that only needs the pages committed. Takes the address space's locks. */
NTSTATUS MiCommitUserPages(MMPROCESS *Process, uintptr_t Start, uint32_t Size, uint32_t Protection);
bool MiIsPageCommitted(const MMVAD_SHORT *Vad, uintptr_t Va);      /* working-set mutex held */
/* protect.c: Protection on the committed pages [Start, End] of Vad; *OldProtection (may be NULL)
 * gets the first page's. Address-creation lock held; takes the working-set mutex. */
NTSTATUS MiSetProtectionOnPages(MMPROCESS *Process, MMVAD_SHORT *Vad, uintptr_t Start,
                                uintptr_t End, uint32_t Protection, uint32_t *OldProtection);
uint32_t MiQueryPageProtection(const MMVAD_SHORT *Vad, uintptr_t Va);  /* MM_*, 0: not committed */
/*
 * wrtwatch.c: write watch. A MEM_WRITE_WATCH region's VAD (VadWriteWatch) has a view in
 * Process->PhysicalVadRoot whose bitmap holds the pages written since the last reset that no
 * longer have a dirty valid PTE to say so. Whoever takes the dirty bit off a valid user PTE
 * without deleting the page calls MiCaptureWriteWatchDirtyBit first; the fault resolvers never
 * set the dirty bit ahead of a write where MiIsWriteWatchAddress. Working-set mutex held for
 * all but MiCreateWriteWatchView and MiFreeWriteWatchView (address-creation lock).
 */
NTSTATUS MiCreateWriteWatchView(MMPROCESS *Process, uint32_t Pages, MI_PHYSICAL_VIEW **View);
void MiFreeWriteWatchView(MI_PHYSICAL_VIEW *View);
void MiInsertWriteWatchView(MMPROCESS *Process, MMVAD_SHORT *Vad, MI_PHYSICAL_VIEW *View);
void MiRemoveWriteWatchView(MMPROCESS *Process, MMVAD_SHORT *Vad);
void MiDeletePhysicalVadRoot(MMPROCESS *Process);
void MiCaptureWriteWatchDirtyBit(MMPROCESS *Process, uintptr_t VirtualAddress);
bool MiIsWriteWatchAddress(MMSUPPORT *Ws, uintptr_t VirtualAddress);
/*
 * physical.c: AWE regions (VadAwe: each with a view in Process->AweInfo) and large-page regions
 * (VadLargePages: PS PDEs, no page tables). A VAD of either kind is deleted whole through
 * MiRemoveAweVad / MiRemoveLargePageVad (address-creation lock and working-set mutex held);
 * MiCleanPhysicalProcessPages frees the AWE pages left at the process's end.
 */
extern bool MiLargePagesSupported;
void MiInitializeLargePages(volatile NT_KUSER_SHARED_DATA *SharedData);
NTSTATUS MiCreateAweView(MMPROCESS *Process, MI_PHYSICAL_VIEW **View);
void MiFreeAweView(MI_PHYSICAL_VIEW *View);
void MiInsertAweView(MMPROCESS *Process, MMVAD_SHORT *Vad, MI_PHYSICAL_VIEW *View);
void MiRemoveAweVad(MMPROCESS *Process, MMVAD_SHORT *Vad);
void MiCleanPhysicalProcessPages(MMPROCESS *Process);
NTSTATUS MiAllocateLargePages(MMPROCESS *Process, uintptr_t *Base, uint32_t *Size,
                              uint32_t ZeroBits, uint32_t AllocationType, uint32_t Protection);
void MiRemoveLargePageVad(MMPROCESS *Process, MMVAD_SHORT *Vad);
void MiFreeAwePage(uint32_t Frame);
uint32_t MiAllocateLargeZeroPage(void);
void MiFreeLargeZeroPage(uint32_t Base);
MMPTE MiMakeLargeUserPde(uint32_t Base, uint32_t Protection);
void MiPrepareLargePde(MMPROCESS *Process, uintptr_t Va);
uint32_t MiQueryAwePageProtection(uintptr_t Va);    /* a mapped AWE page's, from its PTE */
NTSTATUS MiProtectAweRegion(MMPROCESS *Process, uintptr_t Start, uintptr_t End,
                            uint32_t Protection, uint32_t *OldProtection);
static inline bool MiIsPhysicalVad(const MMVAD_SHORT *Vad)
{
    return Vad->u.VadFlags.VadType == VadAwe || Vad->u.VadFlags.VadType == VadLargePages;
}
NTSTATUS MiReferenceProcess(void *ProcessHandle, uint32_t DesiredAccess, KPROCESS **Process);
/* A VM service's process: referenced, attached, its address space locked (allocvm.c). */
typedef struct _MI_VM_CALL {
    KPROCESS *KProcess;
    MMPROCESS *Process;
    KAPC_STATE ApcState;
} MI_VM_CALL;
NTSTATUS MiAttachVmProcess(void *ProcessHandle, uint32_t DesiredAccess, MI_VM_CALL *Call);
void MiDetachVmProcess(MI_VM_CALL *Call);
MMVAD_SHORT *MiLocateVadForRange(MMADDRESS_SPACE *Space, uintptr_t Start, uintptr_t End);
void MiDereferenceProcess(KPROCESS *Process);
bool MiSinglePrivilegeCheck(uint32_t Privilege);

/* deleteva.c: freeing the pages behind pageable system PTEs, and behind user addresses.
 * MiDeleteTransitionPte: the page a transition PTE (or prototype PTE) names is freed, now or
 * when its I/O ends, with its slot; the PTE itself is the caller's to rewrite. PFN lock held. */
void MiDeleteTransitionPte(MMPTE *PointerPte);
void MiDeleteSharedPte(MMPTE *PointerPte);
void MiDeleteSystemPageableVm(MMPTE *PointerPte, uint32_t NumberOfPtes);
uint32_t MiDeleteVirtualAddresses(MMPROCESS *Process, uintptr_t StartingAddress,
                                  uintptr_t EndingAddress, bool VadMemCommit, bool Decommit);

/*
 * mmsup.c: user page tables and their counts, for the current process (NT's
 * MiMakePdeExistAndMakeValid, the UsedPageTableEntries handles, page-table commitment).
 * MiMakePdeExistAndMakeValid: the page table for Va, made (zeroed, resident) if it was not;
 * false when no page can be had. Working-set mutex held.
 */
bool MiMakePdeExistAndMakeValid(MMPROCESS *Process, uintptr_t Va);
void MiDeletePageTableIfUnused(MMPROCESS *Process, uintptr_t Va);
static inline void MiIncrementUsedPtes(MMPROCESS *Process, uintptr_t Va)
{
    Process->UsedPageTableEntries[MiGetPdeOffset(Va)]++;
}
static inline uint32_t MiDecrementUsedPtes(MMPROCESS *Process, uintptr_t Va)
{
    return --Process->UsedPageTableEntries[MiGetPdeOffset(Va)];
}
/* Page-table commitment for [Start, End] (the tables not yet charged); STATUS_COMMITMENT_LIMIT
 * leaves nothing charged. MiReturnPageTableCommitment gives all of it back (process exit). */
NTSTATUS MiChargePageTableCommitment(MMPROCESS *Process, uintptr_t Start, uintptr_t End);
void MiReturnPageTableCommitment(MMPROCESS *Process);
/* Charge or return a process's commitment: the system's and the process's own, with its peak
 * and its limit (STATUS_COMMITMENT_LIMIT). */
NTSTATUS MiChargeProcessCommitment(MMPROCESS *Process, uint32_t Pages);
void MiReturnProcessCommitment(MMPROCESS *Process, uint32_t Pages);

/* Boot-time physical pages, before the PFN database exists (mminit.c). */
uint32_t MxGetNextPage(void);
void MiMapBootPage(uintptr_t VirtualAddress, uint32_t PageFrameIndex);
void MiInitializeCrashDumpArea(void);

/* NT's MI_MAKE_VALID_PTE_TRANSITION: the same PTE, invalid and in transition, bits 1-4 and the
 * frame kept, the protection where Accessed..CopyOnWrite were. */
static inline MMPTE MiMakeTransitionFromValidPte(MMPTE Valid, uint32_t Protection)
{
    MMPTE pte;

    pte.u.Long = (Valid.u.Long & ~0x7E1u) | MM_PTE_TRANSITION_MASK |
                 (Protection << MM_PROTECT_FIELD_SHIFT);
    return pte;
}

/* A transition PTE for a page being read in: the frame, the protection, nothing else. */
static inline MMPTE MiMakeTransitionPte(uint32_t PageFrameIndex, uint32_t Protection)
{
    MMPTE pte;

    pte.u.Long = (PageFrameIndex << PAGE_SHIFT) | MM_PTE_TRANSITION_MASK |
                 (Protection << MM_PROTECT_FIELD_SHIFT);
    return pte;
}

/* NT's MI_MAKE_TRANSITION_PTE_VALID: the frame kept, the protection's hardware bits set, and
 * the Owner bit that the PTE's place calls for (MiPteOwnerMask: user space is user-accessible). */
static inline MMPTE MiMakeValidFromTransitionPte(const MMPTE *PointerPte, MMPTE Transition, bool Dirty)
{
    MMPTE pte;

    pte.u.Long = (Transition.u.Long & ~(PAGE_SIZE - 1)) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                 MiProtectToPteMask(Transition.u.Trans.Protection) | MiPteOwnerMask(PointerPte) |
                 (Dirty ? MM_PTE_DIRTY_MASK : 0);
    return pte;
}

/*
 * Prototype PTEs live in paged pool (NT's MmProtopte_Base is MmPagedPoolStart). A PTE that
 * points at one (MMPTE_PROTOTYPE) holds its offset from there: offset bits 2-8 in PTE bits
 * 1-7, bits 9-29 in bits 11-31 — a 4-byte aligned address within 1 GB. MiProtoAddressForPte
 * makes that PTE (ReadOnly clear: the protection is the prototype's), MiPteToProto reads it.
 */
static inline MMPTE MiProtoAddressForPte(const MMPTE *ProtoPte)
{
    uint32_t offset = (uint32_t)((uintptr_t)ProtoPte - MmPagedPoolStart);
    MMPTE pte;

    pte.u.Long = ((offset >> 1) & 0xFEu) | ((offset << 2) & 0xFFFFF800u) | MM_PTE_PROTOTYPE_MASK;
    return pte;
}

static inline MMPTE *MiPteToProto(MMPTE Pte)
{
    return (MMPTE *)(MmPagedPoolStart + ((Pte.u.Long >> 11) << 9) + ((Pte.u.Long & 0xFEu) << 1));
}

/* The other form of a process PTE that refers to a prototype: Prototype set, PageFileHigh
 * MI_PTE_LOOKUP_NEEDED (the prototype is found through the VAD) and the protection this
 * process has for the page, used where it differs from the prototype's. */
static inline MMPTE MiMakeLookupNeededPte(uint32_t Protection)
{
    MMPTE pte;

    pte.u.Long = (MI_PTE_LOOKUP_NEEDED << PAGE_SHIFT) | MM_PTE_PROTOTYPE_MASK |
                 (Protection << MM_PROTECT_FIELD_SHIFT);
    return pte;
}

static inline bool MiIsLookupNeeded(MMPTE Pte)
{
    return !Pte.u.Hard.Valid && Pte.u.Soft.Prototype && Pte.u.Soft.PageFileHigh == MI_PTE_LOOKUP_NEEDED;
}

/* Prototype PTEs live in paged pool (and only they: paged pool's own PTEs are in the page
 * tables): a PFN whose PteAddress is there is a prototype page. */
static inline bool MiIsPrototypePteAddress(const MMPTE *PointerPte)
{
    return (uintptr_t)PointerPte >= MmPagedPoolStart && (uintptr_t)PointerPte <= MmPagedPoolEnd;
}

/* The prototype PTE of Va in a view (NT's MiGetProtoPteAddress), NULL past its segment: the
 * first run of prototypes is contiguous (FirstPrototypePte to LastContiguousPte); past it, in
 * an extended segment, the subsections say (datasec.c). */
MMPTE *MiGetProtoPteAddressExtended(const MMVAD *Vad, uintptr_t Va);

static inline MMPTE *MiGetProtoPteAddress(const MMVAD *Vad, uintptr_t Va)
{
    MMPTE *proto = Vad->FirstPrototypePte + ((Va >> PAGE_SHIFT) - Vad->Core.Node.StartingVpn);

    return proto <= Vad->LastContiguousPte ? proto : MiGetProtoPteAddressExtended(Vad, Va);
}

/*
 * Sections (section.c, mapview.c, umapview.c). The control area's counts change under the
 * PFN lock; the segment goes when no section object and no view is left. Committing a
 * SEC_RESERVE segment's pages (and reading which are committed, to charge for the rest) is
 * serialised by MmSectionCommitMutex.
 */
extern MM_SECTION_CALLOUTS MiSectionCallouts;
extern LIST_ENTRY MiControlAreaList;        /* MI_PAGEFILE_CONTROL_AREA.Links */
extern KSPIN_LOCK MiControlAreaListLock;
NTSTATUS MiProbeForWriteHandle(void **Handle);
extern FAST_MUTEX MmSectionCommitMutex;
void MiAddMappedView(CONTROL_AREA *ControlArea);
void MiRemoveMappedViewReference(CONTROL_AREA *ControlArea);
/* Drop one of Count's references to ControlArea (&NumberOfSectionReferences or
 * &NumberOfMappedViews): the segment goes with the last reference of either kind. */
void MiDereferenceControlArea(CONTROL_AREA *ControlArea, uint32_t *Count);
/* Based sections (basedsec.c): SEC_BASED's system-wide ranges below MmHighSectionBase. */
extern const uintptr_t MmHighSectionBase;
void MiInitializeBasedSections(void);
NTSTATUS MiInsertBasedSection(SECTION *Section);
void MiRemoveBasedSection(SECTION *Section);
uintptr_t MiGetSectionBasedAddress(const SECTION *Section);
/* Visit each prototype PTE of [First, Last] under the PFN lock, its page resident (section.c). */
void MiForEachPrototypePte(MMPTE *First, MMPTE *Last, void (*Visit)(MMPTE *Proto, void *),
                           void *Context);
/* Large-page sections (largesec.c): SEC_LARGE_PAGES's segments and their large-page views. */
NTSTATUS MiCheckLargePageSection(uint32_t Pages);
NTSTATUS MiCreateLargePageSegment(SEGMENT *Segment);
void MiDeleteLargePagePrototype(MMPTE *Proto);
bool MiIsLargePageView(const SEGMENT *Segment, uint64_t Offset, uint32_t Size,
                       uint32_t AllocationType, uint32_t Protection);
void MiMapLargePageView(MMPROCESS *Process, MMVAD *Vad);
void MiUnmapLargePageView(MMVAD *Vad);
/*
 * Image sections (imagesec.c). MiMakeSubsectionPte / MiGetSubsectionAddress: NT's x86
 * subsection PTE (a prototype PTE with Prototype set: read the page from the subsection's
 * file). MiLocateSubsection: the subsection holding a prototype PTE of ControlArea's segment,
 * NULL for none. MiReadImagePage: the file's page for Proto (holding SubsectionPte) into a
 * frame, zero-filled past the raw data; any IRQL to DISPATCH_LEVEL.
 */
/* Where an image's bytes come from (MI_IMAGE_FILE, section.h): opened by name
 * (STATUS_OBJECT_NAME_NOT_FOUND, STATUS_INVALID_IMAGE_FORMAT for an empty or huge one), read
 * at any IRQL to DISPATCH_LEVEL (the range inside the file), closed with its control area. */
NTSTATUS MiOpenImageFile(const char *Name, MI_IMAGE_FILE *File);
void MiReadImageFile(const MI_IMAGE_FILE *File, uint32_t Offset, void *Buffer, uint32_t Length);
void MiCloseImageFile(MI_IMAGE_FILE *File);
MMPTE MiMakeSubsectionPte(const SUBSECTION *Subsection, uint32_t Protection);
SUBSECTION *MiGetSubsectionAddress(MMPTE Pte);
SUBSECTION *MiLocateSubsection(CONTROL_AREA *ControlArea, const MMPTE *Proto);
void MiReadImagePage(MMPTE SubsectionPte, const MMPTE *Proto, uint32_t PageFrameIndex);
void MiDeleteImageControlArea(CONTROL_AREA *ControlArea);
/* An image's checked headers from its first bytes (MiCaptureImageHeaders: paged pool, freed
 * with MiFreeImageHeaders unless a control area took them over); its control area and segment
 * (MiCreateImageFileMap); a kernel section object over the segment (MiCreateImageSectionObject:
 * the segment's reference goes to it, or is dropped on failure). imagesec.c. */
NTSTATUS MiCaptureImageHeaders(const void *Headers, uint32_t HeadersSize, uint32_t FileSize,
                               struct _MI_IMAGE_INFO **Info);
void MiFreeImageHeaders(struct _MI_IMAGE_INFO *Info);
NTSTATUS MiCreateImageFileMap(MI_IMAGE_FILE *File, struct _MI_IMAGE_INFO *Info, SEGMENT **Segment);
NTSTATUS MiCreateImageSectionObject(SEGMENT *Segment, const void *ObjectAttributes,
                                    void **Section);
/*
 * Image sections of files (imagefile.c). MiCreateImageFileSection: NtCreateSection's
 * SEC_IMAGE part with a FileHandle (the segment referenced for one more section).
 * MiUnlinkImageControlArea: a dying file image leaves its file (PFN lock held).
 * MiIsFileSubsectionPte: a subsection PTE read through a file system (a data file's or an
 * image file's), not copied from a module. MiGetImageFileOffset: where an image subsection
 * PTE's page is in its file and how many of the file's bytes it and the subsection's pages
 * after it hold (false: no bytes of the file there). MiNoteImageFileRead: pages read (!ca).
 */
NTSTATUS MiCreateImageFileSection(void *FileHandle, uint32_t Protection, SEGMENT **Segment);
void MiUnlinkImageControlArea(CONTROL_AREA *ControlArea);
bool MiIsFileSubsectionPte(MMPTE Pte);
bool MiGetImageFileOffset(MMPTE SubsectionPte, const MMPTE *Proto, FILE_OBJECT **File,
                          int64_t *Offset, uint32_t *PtesLeft, uint32_t *FileBytes);
void MiNoteImageFileRead(MMPTE SubsectionPte, uint32_t Count);
/*
 * Data file sections (datasec.c): MiCreateDataFileSection is NtCreateSection's file part
 * (*MaximumSize 0: the end of file; back: the section's size), MiReferenceDataFileMap the
 * part the cache shares (the file's control area, found or made); MiUnlinkDataControlArea takes
 * a dying control area out of its file (PFN lock held); MiFlushDataControlArea writes its
 * modified pages before MiSegmentDelete frees them, MiDeleteDataControlArea lets the file go.
 * MiGetMappedFileOffset: where a subsection PTE's page is in its file (false: past its
 * subsection). MiFlushDataSection: the modified pages of [First, Last] written to the file
 * (NT's MiFlushSectionInternal). The mapped page writer (MiStartMappedPageWriter) writes data
 * files' modified pages; MiWakeMappedPageWriter wakes it. MiIsMappedFilePage: the PFN's page
 * belongs to a data file (the paging-file writer leaves it alone).
 */
extern MM_FILE_CALLOUTS MiFileCallouts;
extern const uint32_t MiMakeFileAccess[8];  /* NT's MmMakeFileAccess, by MM_* protection */
extern uint32_t MiMappedPagesWritten;
NTSTATUS MiCreateDataFileSection(void *FileHandle, uint32_t Protection, int64_t *MaximumSize,
                                 SEGMENT **Segment);
NTSTATUS MiReferenceDataFileMap(FILE_OBJECT *File, int64_t Size, int64_t Eof, SEGMENT **Segment);
NTSTATUS MiReferenceSectionFile(void *FileHandle, uint32_t Protection, FILE_OBJECT **File);
bool MiSetDataFileMapSize(CONTROL_AREA *ControlArea, int64_t Eof);
/* Extended segments (datasec.c): a page's prototype and the run of them contiguous from it;
 * a prototype's page; the view's prototype past its first run; a range of pages flushed; the
 * extensions deleted with the segment. MiDeletePrototypePtes (section.c): what prototypes of
 * a dying segment hold, freed. */
MMPTE *MiDataFilePrototype(CONTROL_AREA *ControlArea, uint32_t Page, uint32_t *Contiguous);
uint32_t MiDataFilePageOfProto(CONTROL_AREA *ControlArea, const MMPTE *Proto);
MMPTE *MiGetProtoPteAddressExtended(const MMVAD *Vad, uintptr_t Va);
NTSTATUS MiFlushDataFilePages(CONTROL_AREA *ControlArea, uint32_t FirstPage, uint32_t LastPage,
                              uint32_t *Written);
void MiDeleteDataFileExtensions(CONTROL_AREA *ControlArea);
void MiDeletePrototypePtes(SEGMENT *Segment, MMPTE *First, MMPTE *Last);
bool MiIsDataControlArea(const CONTROL_AREA *ControlArea);
bool MiIsDataFileSubsectionPte(MMPTE Pte);
bool MiIsMappedFilePage(const MMPFN *Pfn);
bool MiIsModifiedWriteDisabled(const MMPFN *Pfn);
bool MiGetMappedFileOffset(MMPTE SubsectionPte, const MMPTE *Proto, FILE_OBJECT **File,
                           int64_t *Offset, uint32_t *PtesLeft);
void MiNoteMappedFileRead(MMPTE SubsectionPte, uint32_t Count);
void MiUnlinkDataControlArea(CONTROL_AREA *ControlArea);
void MiFlushDataControlArea(CONTROL_AREA *ControlArea);
void MiDeleteDataControlArea(CONTROL_AREA *ControlArea);
NTSTATUS MiFlushDataSection(CONTROL_AREA *ControlArea, MMPTE *First, MMPTE *Last,
                            uint32_t *Written);
uint32_t MiWriteMappedModifiedPages(void);
void MiWakeMappedPageWriter(void);
void MiStartMappedPageWriter(void);
/* The MM_* protection of the page of an image view (VadImageMap) whose prototype is Proto:
 * its subsection's, MM_NOACCESS between sections (acceschk.c). */
uint32_t MiImageViewPageProtection(MMVAD *Vad, const MMPTE *Proto);
/* Commit the prototype PTEs [First, Last] of Segment that are not yet: the system commitment
 * charged (STATUS_COMMITMENT_LIMIT: nothing done), the segment's template written into them.
 * Returns how many were committed through *Committed. MmSectionCommitMutex held. */
NTSTATUS MiCommitSegmentPtes(SEGMENT *Segment, MMPTE *First, MMPTE *Last, uint32_t *Committed);
/* The protection a prototype PTE gives its page (a valid one: its PFN's original PTE's).
 * PFN lock held, the prototype resident. */
uint32_t MiProtoPteProtection(MMPTE Proto);
/* May a view, or a page of one, whose protection is the MM_* Protection become Win32Protect
 * (NT's MiIsProtectionCompatible and MiIsPteProtectionCompatible share this table)? */
bool MiIsProtectionCompatible(uint32_t Protection, uint32_t Win32Protect);
/* NT's MI_MAKE_PROTECT_NOT_WRITE_COPY: what a private copy of a write-copy page becomes. */
static inline uint32_t MiMakeProtectNotWriteCopy(uint32_t Protection)
{
    if ((Protection & MM_PROTECTION_OPERATION_MASK) == MM_WRITECOPY)
        return (Protection & ~MM_PROTECTION_OPERATION_MASK) | MM_READWRITE;
    if ((Protection & MM_PROTECTION_OPERATION_MASK) == MM_EXECUTE_WRITECOPY)
        return (Protection & ~MM_PROTECTION_OPERATION_MASK) | MM_EXECUTE_READWRITE;
    return Protection;
}
/* umapview.c: a view's pages, PTEs, working-set entries, charges and VAD gone, and the control
 * area's view reference dropped. Address-creation lock held, the process current. */
void MiRemoveMappedView(MMPROCESS *Process, MMVAD *Vad);

/*
 * The prototype PTE fault (pagfault.c) and copy-on-write (wrtfault.c), from MmAccessFault's
 * user path with the working-set mutex held. UserPte holds UserContents, a prototype-format
 * PTE (encoded, or lookup-needed with Vad the view). MiCopyOnWrite: a write to a valid
 * copy-on-write PTE gets a private copy of the page.
 */
NTSTATUS MiResolveProtoPteFault(MMSUPPORT *Ws, bool StoreInstruction, uintptr_t VirtualAddress,
                                MMPTE *UserPte, MMPTE UserContents, void *TrapInformation);
NTSTATUS MiCopyOnWrite(MMPROCESS *Process, uintptr_t VirtualAddress, MMPTE *PointerPte);
/* The page holding VirtualAddress (paged pool) made valid, the PFN lock held on entry and
 * return (let go meanwhile if the page had to be brought in: true). NT's
 * MiMakeSystemAddressValidPfn. */
bool MiMakeSystemAddressValidPfn(const void *VirtualAddress, KIRQL *OldIrql);

/*
 * forksup.c: address-space cloning (NT's forksup.c, mi.h). A private page shared by a fork is
 * a fork prototype PTE: an MMCLONE_BLOCK in paged pool (so process PTEs point at it in the
 * prototype format, and MiResolveProtoPteFault resolves it) with the count of process PTEs
 * referring to it. The blocks one fork made share an MMCLONE_HEADER; each process refers to a
 * header through an MMCLONE_DESCRIPTOR in its CloneRoot, keyed by the blocks' addresses, which
 * counts its PTEs that refer to the header's blocks.
 */
typedef struct _MMCLONE_BLOCK {
    MMPTE ProtoPte;
    int32_t CloneRefCount;
} MMCLONE_BLOCK;

typedef struct _MMCLONE_HEADER {
    uint32_t NumberOfPtes;
    int32_t NumberOfProcessReferences;
    MMCLONE_BLOCK *ClonePtes;
} MMCLONE_HEADER;

typedef struct _MMCLONE_DESCRIPTOR {
    MMADDRESS_NODE Node;                /* StartingVpn/EndingVpn: the blocks' addresses */
    uint32_t NumberOfPtes;
    MMCLONE_HEADER *CloneHeader;
    int32_t NumberOfReferences;
    int32_t FinalNumberOfReferences;
    uint32_t PagedPoolQuotaCharge;
} MMCLONE_DESCRIPTOR;

_Static_assert(sizeof(MMCLONE_BLOCK) == 8 && sizeof(MMCLONE_HEADER) == 12, "NT x86's clone blocks");
_Static_assert(sizeof(MMCLONE_DESCRIPTOR) == 0x28 && offsetof(MMCLONE_DESCRIPTOR, CloneHeader) == 0x18,
               "NT x86's MMCLONE_DESCRIPTOR");

/* The descriptor of Process whose header holds the prototype PTE Proto, or NULL when Proto is
 * not a fork prototype of Process (a section's). Working-set mutex held. */
MMCLONE_DESCRIPTOR *MiLocateCloneDescriptor(MMPROCESS *Process, const MMPTE *Proto);
/* One PTE of Process stops referring to Block (of Descriptor): the block's count drops, and at
 * zero the page or slot its prototype holds goes. PFN lock held, the block resident. */
void MiDecrementCloneBlockReference(MMCLONE_BLOCK *Block);
/* ... and then, without the PFN lock, the descriptor's count: at zero it leaves the process,
 * and the header (with its blocks) goes with the last process's. Working-set mutex held. */
void MiDereferenceCloneDescriptor(MMPROCESS *Process, MMCLONE_DESCRIPTOR *Descriptor);
/* Both, for a PTE of Process that stops referring to Block: PFN lock held on entry and return
 * (let go meanwhile when the descriptor goes: then true, and Descriptor is no more).
 * Working-set mutex held. */
bool MiDeleteForkReference(MMPROCESS *Process, MMCLONE_DESCRIPTOR *Descriptor,
                           MMCLONE_BLOCK *Block, KIRQL *OldIrql);
/* Its second half alone: the descriptor's count (the block was dealt with otherwise). */
bool MiReleaseCloneDescriptorReference(MMPROCESS *Process, MMCLONE_DESCRIPTOR *Descriptor,
                                       KIRQL *OldIrql);
/* Another thread is cloning Process: release the working-set mutex, wait for the fork to end
 * (by taking the address-creation lock it holds, as NT does) and return true: the fault is
 * retried. False: no fork to wait for. */
bool MiWaitForForkToComplete(MMPROCESS *Process);
/* The page at Va, a fork prototype's, made the process's own (to change its protection): taken
 * back in place when no other process refers to its block, else copied (the page brought in
 * first). Working-set mutex held (released meanwhile if the page must be read in). A page still
 * shared whose protection allows no access stays a fork's. */
void MiMakeForkPagePrivate(MMPROCESS *Process, uintptr_t Va);
/* Whether the PTE contents at Va refer to a fork prototype of Process. */
bool MiIsForkPte(MMPROCESS *Process, MMPTE Pte);
/* What is left of a process's clone descriptors at its exit (none: else a bugcheck). */
void MiDeleteCloneRoot(MMPROCESS *Process);
/* For the debugger: the header whose blocks hold Proto, from every live header; NULL if none. */
MMCLONE_HEADER *MiFindCloneHeader(const MMPTE *Proto);

/* A valid kernel PTE for PageFrameIndex, read/write. */
static inline MMPTE MiMakeValidKernelPte(uint32_t PageFrameIndex)
{
    MMPTE pte;

    pte.u.Long = (PageFrameIndex << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_WRITE_MASK |
                 MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK;
    return pte;
}

#endif
