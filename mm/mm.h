/*
 * mm/mm.h: the memory manager's public contract (Mm routines, the executive pool, layout
 * variables), for the kernel and the tests.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "kernel/ke/ke.h"
#include "kernel/ex/ex.h"
#include "kernel/io/io.h"
#include "mm/i386.h"
#include "mm/vad.h"
#include "kernel/inc/mdl.h"

/*
 * Working sets (wslist.c, wsmanage.c): the valid pageable pages of one address space. The
 * system working set holds paged pool; its list (MMWSL, then the MMWSLE array) lives at
 * MmSystemCacheWorkingSetList. A process's lives in its hyperspace at MmWorkingSetList
 * (0xC0502000), as NT puts it. An entry is the page's address with flags; a free entry holds
 * the index of the next free one, shifted left by 4.
 */
typedef struct _MMWSLE {
    union {
        uint32_t Long;
        struct {
            uint32_t Valid : 1;
            uint32_t LockedInWs : 1;
            uint32_t LockedInMemory : 1;
            uint32_t Protection : 5;
            uint32_t Hashed : 1;
            uint32_t Direct : 1;
            uint32_t Age : 2;
            uint32_t VirtualPageNumber : 20;
        } e1;
    } u1;
} MMWSLE;

_Static_assert(sizeof(MMWSLE) == 4, "MMWSLE is one word");

#define MM_FREE_WSLE_SHIFT      4
#define WSLE_NULL_INDEX         0x0FFFFFFFu
#define MI_MAXIMUM_AGE          3
#define MI_IMMEDIATE_REPLACEMENT_AGE 2
#define MM_MINIMUM_WORKING_SET_SIZE 20     /* NT's MmMinimumWorkingSetSize: the least a process keeps */
#define MM_WORKING_SET_LIST_SEARCH 17

typedef struct _MMWSL {
    uint32_t FirstFree;                 /* head of the free entries, or WSLE_NULL_INDEX */
    uint32_t FirstDynamic;              /* entries below are locked: never replaced */
    uint32_t NextNewEntry;              /* entries below this have been handed out before */
    uint32_t NextSlot;                  /* where replacement and trimming scan from */
    MMWSLE *Wsle;
    uint32_t LastInitializedWsle;       /* entries backed by mapped pages: 0 .. this - 1 */
    uint32_t NonDirectCount;
    uintptr_t HighestPermittedHashAddress;  /* the list may grow up to here */
} MMWSL;

typedef struct _MMSUPPORT {
    uint32_t LastTrimTime;
    uint32_t PageFaultCount;
    uint32_t PeakWorkingSetSize;
    uint32_t MinimumWorkingSetSize;
    uint32_t MaximumWorkingSetSize;
    MMWSL *VmWorkingSetList;
    uint32_t NextAgingSlot;
    uint32_t WorkingSetSize;
    uint32_t TrimmedPages;              /* pages taken out by trimming and replacement */
    FAST_MUTEX WorkingSetMutex;
    LIST_ENTRY WorkingSetExpansionLinks;    /* on MmWorkingSetExpansionHead: trimmable */
    bool IsProcess;
    bool MinimumWorkingSetHard;         /* QUOTA_LIMITS_HARDWS_MIN_ENABLE (kept, as ever) */
    bool MaximumWorkingSetHard;         /* QUOTA_LIMITS_HARDWS_MAX_ENABLE: never past it */
    bool BeingTrimmed;                  /* off the list, in the working-set manager's hands */
    bool DeletePending;                 /* the process is leaving: not back on the list */
    uintptr_t NextSequentialFault;      /* the page after the last in-page read (page file or
                                         * file): a fault there continues a sequential run */
    uintptr_t ReadAheadTrigger;         /* the first page of the last read ahead of a run: a
                                         * fault there reads the next ahead */
} MMSUPPORT;


#define MM_WORKING_SET_LIST     0xC0502000u     /* NT's MmWorkingSetList, per process */
#define MM_PROCESS_WSL_END      0xC0800000u     /* this build keeps the list in PDE 0x301 */

/*
 * MMPROCESS: the fields of EPROCESS that Mm keeps (NT's names, ps.h). NT declares them in
 * EPROCESS itself; here Ps lays out EPROCESS as KPROCESS, then this, so Mm (below Ps) owns
 * its part and finds it from the KPROCESS a thread runs in (MiGetProcess).
 */
#define PS_PROCESS_FLAGS_VM_DELETED         0x00000020
#define PS_PROCESS_FLAGS_USING_WRITE_WATCH  0x00008000
#define PS_PROCESS_FLAGS_VM_TOP_DOWN        0x00200000

typedef struct _MMPROCESS {
    uint32_t CommitCharge;              /* pages: private commitment, page tables */
    uint32_t CommitChargePeak;
    uint32_t CommitChargeLimit;         /* 0: none */
    uint32_t VirtualSize, PeakVirtualSize;  /* bytes reserved */
    uint32_t NumberOfPrivatePages;      /* its own pages, resident or in a paging file */
    uint32_t ModifiedPageCount;         /* its pages that left the working set dirty */
    uint32_t NumberOfLockedPages;
    uint32_t Flags;                     /* PS_PROCESS_FLAGS_* */
    uint32_t AddressSpaceInitialized;   /* 0, 1 (directory made), 2 (initialised) */
    uint32_t WorkingSetPage;            /* the first WSL page's frame */
    uint32_t NumberOfCommittedPageTables;
    uint32_t CommittedPageTables[24];   /* bit n: page table n charged (768 of user space) */
    uint16_t UsedPageTableEntries[768]; /* non-zero PTEs per user page table */
    uintptr_t HighestUserAddress;       /* 0x7FFEFFFF, or above under /3GB if the image allows */
    LIST_ENTRY MmProcessLinks;          /* on MmProcessList */
    MMSUPPORT Vm;
    MMADDRESS_SPACE AddressSpace;       /* AddressCreationLock and VadRoot */
    uint32_t PageDirectoryFrame;
    uint32_t HyperSpaceFrame;
    MM_AVL_TABLE *PhysicalVadRoot;      /* write-watch views (wrtwatch.c); NULL until the first */
    struct _AWEINFO *AweInfo;           /* AWE pages and regions (physical.c); NULL until the first */
    MM_AVL_TABLE *CloneRoot;            /* MMCLONE_DESCRIPTORs (forksup.c); NULL until a fork */
    void *ForkInProgress;               /* the KTHREAD cloning this process; others' faults wait */
} MMPROCESS;

/* Mm's part of the process a KPROCESS heads; NULL for the system process (no user space). */
static inline MMPROCESS *MiGetProcess(KPROCESS *Process)
{
    return Process == &KeInitialSystemProcess ? NULL : (MMPROCESS *)(Process + 1);
}

/* The KPROCESS whose Mm part Process is. */
static inline KPROCESS *MiGetKProcess(MMPROCESS *Process)
{
    return (KPROCESS *)Process - 1;
}

/*
 * Process address spaces (procx86.c, procsup.c), in NT's order of calls:
 *   MmCreateProcessAddressSpace    a page directory (system half copied, self-map, hyperspace);
 *                                  DirectoryTableBase for KeInitializeProcess. FALSE: no memory.
 *   MmInitializeProcessAddressSpace  attached: the working-set list, the VAD tree.
 *   MmCleanProcessAddressSpace     in the process, at its last thread's exit: every VAD and
 *                                  page, page table and commitment back.
 *   MmDeleteProcessAddressSpace    from anywhere, at the object's deletion: the directory.
 */
bool MmCreateProcessAddressSpace(MMPROCESS *Process, uint32_t DirectoryTableBase[2]);
NTSTATUS MmInitializeProcessAddressSpace(KPROCESS *Process, bool LargeAddressAware);
void MmCleanProcessAddressSpace(KPROCESS *Process);
/* POSIX fork as NT does it (forksup.c): Child, initialised and empty, gets Parent's address
 * space, private pages shared copy-on-write through clone blocks, views mapped again. */
NTSTATUS MmCloneProcessAddressSpace(KPROCESS *Parent, KPROCESS *Child);
/* Was Process's address space made for a large-address-aware image (its user space past 2 GB
 * under /3GB)? A clone gets what its parent has. */
bool MmIsLargeAddressAware(KPROCESS *Process);
void MmDeleteProcessAddressSpace(KPROCESS *Process);
NTSTATUS MmCreatePebOrTeb(KPROCESS *Process, uint32_t Size, uintptr_t PreferredBase,
                          uintptr_t *Base);
void MmDeleteTeb(KPROCESS *Process, uintptr_t Teb);
/* QUOTA_LIMITS_EX.Flags (Server 2003's hard working-set limits). */
#define QUOTA_LIMITS_HARDWS_MIN_ENABLE  0x00000001
#define QUOTA_LIMITS_HARDWS_MIN_DISABLE 0x00000002
#define QUOTA_LIMITS_HARDWS_MAX_ENABLE  0x00000004
#define QUOTA_LIMITS_HARDWS_MAX_DISABLE 0x00000008
#define QUOTA_LIMITS_HARDWS_FLAGS       0x0000000F
NTSTATUS MmAdjustWorkingSetSize(KPROCESS *Process, uint32_t Minimum, uint32_t Maximum,
                                uint32_t Flags);
uint32_t MmQueryWorkingSetFlags(KPROCESS *Process);
uint32_t MmNumberOfPhysicalPagesForUser(void);
uint32_t MmHighestPhysicalPageForUser(void);
extern LIST_ENTRY MmProcessList;
extern uint32_t MmProcessCommit;

/*
 * The virtual memory services (allocvm.c, freevm.c, queryvm.c, protect.c, ...), NT's system
 * services with NT's checks and statuses in NT's order. A process handle is resolved through
 * the routines Ps registers (Mm is below Ob and Ps): ReferenceProcessByHandle with the access
 * the service needs, and SinglePrivilegeCheck for the privileges some services require.
 */
#define MEM_COMMIT              0x00001000
#define MEM_RESERVE             0x00002000
#define MEM_DECOMMIT            0x00004000
#define MEM_RELEASE             0x00008000
#define MEM_FREE                0x00010000
#define MEM_PRIVATE             0x00020000
#define MEM_MAPPED              0x00040000
#define MEM_RESET               0x00080000
#define MEM_TOP_DOWN            0x00100000
#define MEM_WRITE_WATCH         0x00200000
#define MEM_PHYSICAL            0x00400000
#define MEM_LARGE_PAGES         0x20000000
#define MEM_IMAGE               0x01000000
#define PAGE_NOACCESS           0x01
#define PAGE_READONLY           0x02
#define PAGE_READWRITE          0x04
#define PAGE_WRITECOPY          0x08
#define PAGE_EXECUTE            0x10
#define PAGE_EXECUTE_READ       0x20
#define PAGE_EXECUTE_READWRITE  0x40
#define PAGE_EXECUTE_WRITECOPY  0x80
#define PAGE_GUARD              0x100
#define PAGE_NOCACHE            0x200
#define PAGE_WRITECOMBINE       0x400
#define PROCESS_TERMINATE       0x0001
#define PROCESS_CREATE_THREAD   0x0002
#define PROCESS_VM_OPERATION    0x0008
#define PROCESS_VM_READ         0x0010
#define PROCESS_VM_WRITE        0x0020
#define PROCESS_DUP_HANDLE      0x0040
#define PROCESS_CREATE_PROCESS  0x0080
#define PROCESS_SET_QUOTA       0x0100
#define PROCESS_SET_INFORMATION 0x0200
#define PROCESS_QUERY_INFORMATION 0x0400
#define SE_LOCK_MEMORY_PRIVILEGE 4
#define MM_INVALID_PROTECTION   0xFFFFFFFFu

typedef struct _MM_PROCESS_CALLOUTS {
    NTSTATUS (*ReferenceProcessByHandle)(void *Handle, uint32_t DesiredAccess,
                                         KPROCESS **Process);
    void (*DereferenceProcess)(KPROCESS *Process);
    bool (*SinglePrivilegeCheck)(uint32_t Privilege);
} MM_PROCESS_CALLOUTS;

void MmSetProcessCallouts(const MM_PROCESS_CALLOUTS *Callouts);
uint32_t MiMakeProtectionMask(uint32_t Win32Protect);     /* MM_INVALID_PROTECTION if bad */
uint32_t MiProtectToWin32(uint32_t Protection);

typedef struct _MEMORY_BASIC_INFORMATION {
    uint32_t BaseAddress;
    uint32_t AllocationBase;
    uint32_t AllocationProtect;
    uint32_t RegionSize;
    uint32_t State;
    uint32_t Protect;
    uint32_t Type;
} MEMORY_BASIC_INFORMATION;

_Static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 28, "MEMORY_BASIC_INFORMATION is 28 bytes");

NTSTATUS NtAllocateVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t ZeroBits,
                                 uint32_t *RegionSize, uint32_t AllocationType, uint32_t Protect);
NTSTATUS NtFreeVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                             uint32_t FreeType);
NTSTATUS NtQueryVirtualMemory(void *ProcessHandle, void *BaseAddress, uint32_t InformationClass,
                              void *Information, uint32_t Length, uint32_t *ReturnLength);
NTSTATUS NtProtectVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                                uint32_t NewProtect, uint32_t *OldProtect);
NTSTATUS NtGetWriteWatch(void *ProcessHandle, uint32_t Flags, void *BaseAddress,
                         uint32_t RegionSize, void **UserAddressArray,
                         uint32_t *EntriesInUserAddressArray, uint32_t *Granularity);
NTSTATUS NtResetWriteWatch(void *ProcessHandle, void *BaseAddress, uint32_t RegionSize);
#define WRITE_WATCH_FLAG_RESET  0x01

/* Locking pages in a working set (lockvm.c): MapType MAP_PROCESS, MAP_SYSTEM or both. */
#define MAP_PROCESS             1
#define MAP_SYSTEM              2
#define MM_FLUID_WORKING_SET    8       /* pages a working set keeps unlocked, at least */
NTSTATUS NtLockVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                             uint32_t MapType);
NTSTATUS NtUnlockVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                               uint32_t MapType);

/* Address Windowing Extensions (physical.c): physical pages of a process's own, mapped into its
 * MEM_PHYSICAL regions; needs SeLockMemoryPrivilege. */
NTSTATUS NtAllocateUserPhysicalPages(void *ProcessHandle, uintptr_t *NumberOfPages,
                                     uintptr_t *UserPfnArray);
NTSTATUS NtFreeUserPhysicalPages(void *ProcessHandle, uintptr_t *NumberOfPages,
                                 uintptr_t *UserPfnArray);
NTSTATUS NtMapUserPhysicalPages(void *VirtualAddress, uintptr_t NumberOfPages,
                                uintptr_t *UserPfnArray);
NTSTATUS NtMapUserPhysicalPagesScatter(void **VirtualAddresses, uintptr_t NumberOfPages,
                                       uintptr_t *UserPfnArray);

/* Copying between address spaces (readwrt.c). */
NTSTATUS NtReadVirtualMemory(void *ProcessHandle, const void *BaseAddress, void *Buffer,
                             uint32_t BufferSize, uint32_t *NumberOfBytesRead);
NTSTATUS NtWriteVirtualMemory(void *ProcessHandle, void *BaseAddress, const void *Buffer,
                              uint32_t BufferSize, uint32_t *NumberOfBytesWritten);

/*
 * Sections (section.c, mapview.c, umapview.c): page-file-backed SEC_COMMIT and SEC_RESERVE
 * sections, their views in processes, and the prototype PTEs that let processes share their
 * pages (mm/section.h draws the structures). Mm sits below Ob, so the section objects, their
 * handles and names are made through the calls Ob registers (kernel/ob/obsect.c):
 *   CreateSectionObject    ObCreateNamedObject of the Section type (the attributes read from
 *                          ProbeMode's memory)
 *   InsertSectionObject    ObInsertObject: a handle (STATUS_OBJECT_NAME_EXISTS: to the
 *                          section that already had the name)
 *   OpenSectionByName      ObOpenObjectByName of the Section type
 *   ReferenceSectionByHandle, with the SECTION_* access asked
 *   DereferenceObject
 * MmDeleteSection is the type's delete procedure.
 */
#define SEC_BASED               0x00200000
#define SEC_NO_CHANGE           0x00400000
#define SEC_FILE                0x00800000
#define SEC_IMAGE               0x01000000
#define SEC_RESERVE             0x04000000
#define SEC_COMMIT              0x08000000
#define SEC_NOCACHE             0x10000000
#define SEC_LARGE_PAGES         0x80000000
#define MEM_DOS_LIM             0x40000000
#define SECTION_QUERY           0x0001
#define SECTION_MAP_WRITE       0x0002
#define SECTION_MAP_READ        0x0004
#define SECTION_MAP_EXECUTE     0x0008
#define SECTION_EXTEND_SIZE     0x0010
#define SECTION_ALL_ACCESS      0x000F001F
#define ViewShare               1
#define ViewUnmap               2
#define SectionBasicInformation 0
#define SectionImageInformation 1

typedef struct _MM_SECTION_CALLOUTS {
    NTSTATUS (*CreateSectionObject)(KPROCESSOR_MODE ProbeMode, const void *ObjectAttributes,
                                    uint32_t BodySize, void **Section);
    NTSTATUS (*InsertSectionObject)(void *Section, uint32_t DesiredAccess, void **Handle);
    NTSTATUS (*OpenSectionByName)(const void *ObjectAttributes, KPROCESSOR_MODE AccessMode,
                                  uint32_t DesiredAccess, void **Handle);
    NTSTATUS (*ReferenceSectionByHandle)(void *Handle, uint32_t DesiredAccess,
                                         KPROCESSOR_MODE AccessMode, void **Section);
    void (*DereferenceObject)(void *Object);
} MM_SECTION_CALLOUTS;

void MmSetSectionCallouts(const MM_SECTION_CALLOUTS *Callouts);

/*
 * What Mm asks of a file for a section of it (kernel/iomgr/mmfile.c registers them):
 *   ReferenceFileByHandle  the file object, referenced, if the handle grants DesiredAccess
 *                          (STATUS_ACCESS_DENIED, STATUS_OBJECT_TYPE_MISMATCH, ...)
 *   QueryFileSize          its end of file, and whether it is a directory
 *   SetFileSize            its end of file moved (a writable section larger than the file)
 *   ReferenceFile, DereferenceFile   the control area's reference on the file object
 */
typedef struct _MM_FILE_CALLOUTS {
    NTSTATUS (*ReferenceFileByHandle)(void *Handle, uint32_t DesiredAccess, KPROCESSOR_MODE Mode,
                                      FILE_OBJECT **File);
    NTSTATUS (*QueryFileSize)(FILE_OBJECT *File, int64_t *Size, bool *Directory);
    NTSTATUS (*SetFileSize)(FILE_OBJECT *File, int64_t Size);
    void (*ReferenceFile)(FILE_OBJECT *File);
    void (*DereferenceFile)(FILE_OBJECT *File);
} MM_FILE_CALLOUTS;

void MmSetFileCallouts(const MM_FILE_CALLOUTS *Callouts);
/*
 * The system cache's views of files, for the cache manager (mapcache.c, NT's names). A
 * "cache section" is a file's data control area (the one its views share: coherent), referenced
 * by MmCreateCacheSection for Size bytes (Eof: the file's end now; an existing shorter segment
 * is extended) and let go by MmDeleteCacheSection. MmSetCacheSectionFileSize: the file's end
 * moved, the segment extended past it if need be (false: no pool to extend it). MmMapViewInSystemCache maps 256 KB of it from a
 * 256 KB-aligned offset (STATUS_NO_MEMORY: no slot free); MmSetAddressRangeModified moves
 * a view's dirty bits into the pages; MmFlushSection writes the modified pages of a range to
 * the file; MmPurgeSection throws a range's pages away (false: some were mapped or busy).
 */
#define MM_SYSTEM_CACHE_VIEW_SIZE   0x40000u        /* VACB_MAPPING_GRANULARITY */
NTSTATUS MmCreateCacheSection(FILE_OBJECT *File, int64_t Size, int64_t Eof, void **Section);
void MmDeleteCacheSection(void *Section);
int64_t MmGetCacheSectionSize(void *Section);
bool MmSetCacheSectionFileSize(void *Section, int64_t Eof);
NTSTATUS MmMapViewInSystemCache(void *Section, void **Base, int64_t Offset, uint32_t *ViewSize);
void MmUnmapViewInSystemCache(void *Base, void *Section);
bool MmIsSystemCacheAddress(uintptr_t Va);
bool MmIsCachedPageResident(const void *Va);
/* A file's in-page read for Thread brings ReadAhead pages after the faulting one (pagfault.c). */
#define MM_DEFAULT_READ_AHEAD   UINT32_MAX      /* Mm's own cluster again */
void MmSetPageFaultReadAhead(KTHREAD *Thread, uint32_t ReadAhead);
uint32_t MmSetAddressRangeModified(void *Va, uint32_t Length);
NTSTATUS MmFlushSection(void *Section, int64_t Offset, int64_t Length, uint32_t *Written);
bool MmPurgeSection(void *Section, int64_t Offset, int64_t Length);
uint32_t MmSystemCacheViewSlots(void);
uint32_t MmQueryResidentCachePages(void);
/* A file's modified pages kept from the mapped page writer (the modified-no-write list) until
 * a flush, or until it is enabled again (datasec.c, NT's names). */
bool MmDisableModifiedWriteOfSection(SECTION_OBJECT_POINTERS *SectionObjectPointer);
void MmEnableModifiedWriteOfSection(SECTION_OBJECT_POINTERS *SectionObjectPointer);
/* NT's exported counters, read by the cache manager for its thresholds. */
extern uint32_t MmNumberOfPhysicalPages;
extern volatile uint32_t MmAvailablePages;
/* At shutdown, before the file systems: the data files' modified pages written to them
 * (mm/datasec.c); returns how many. */
uint32_t MmFlushAllDataSections(void);
void MmDeleteSection(void *Section);
/*
 * Image sections for the kernel (imagesec.c, mapview.c), as NT's process creation uses
 * NtCreateSection(SEC_IMAGE) and MmMapViewOfSection. MmCreateImageSection: a section object
 * (referenced, no handle; named when ObjectAttributes, a kernel-mode OBJECT_ATTRIBUTES, say so)
 * over the image Name's one control area: STATUS_OBJECT_NAME_NOT_FOUND,
 * STATUS_INVALID_IMAGE_NOT_MZ or STATUS_INVALID_IMAGE_FORMAT. MmGetSectionImageInfo: its checked
 * headers (struct _MI_IMAGE_INFO, mm/image.h), NULL for a section that is not an image's.
 * MmMapViewOfImageSection: the whole image into Process at its base (STATUS_SUCCESS) or, that
 * being taken, anywhere (STATUS_IMAGE_NOT_AT_BASE: the caller relocates, as NT's loader does)
 * — STATUS_CONFLICTING_ADDRESSES for an image that cannot move.
 */
NTSTATUS MmCreateImageSection(const char *Name, const void *ObjectAttributes, void **Section);
/*
 * Image sections of files (imagefile.c). MmCreateImageSectionFromFile: NtCreateSection
 * (SEC_IMAGE) on a file object the kernel opened (no access check; the caller may close it
 * once this returns): a section object, referenced, no handle, over the file's one image
 * control area; STATUS_INVALID_FILE_FOR_SECTION (a directory, an empty file), the header
 * checks' statuses, the read's. MmGetSectionImageName: an image section's module name or
 * file path (on its volume) as ASCII, empty for other sections. MmFlushImageSection (NT's):
 * may the file of these section object pointers be written or deleted — false while an image
 * section or view of it lives (FAT then refuses the open: STATUS_SHARING_VIOLATION).
 */
typedef enum _MMFLUSH_TYPE { MmFlushForDelete, MmFlushForWrite } MMFLUSH_TYPE;
NTSTATUS MmCreateImageSectionFromFile(FILE_OBJECT *File, void **Section);
void MmGetSectionImageName(void *Section, char *Buffer, uint32_t Size);
bool MmFlushImageSection(SECTION_OBJECT_POINTERS *Pointers, MMFLUSH_TYPE FlushType);
const struct _MI_IMAGE_INFO *MmGetSectionImageInfo(void *Section);
NTSTATUS MmMapViewOfImageSection(void *Section, KPROCESS *Process, uintptr_t *Base);

NTSTATUS NtCreateSection(void **SectionHandle, uint32_t DesiredAccess, const void *ObjectAttributes,
                         const int64_t *MaximumSize, uint32_t SectionPageProtection,
                         uint32_t AllocationAttributes, void *FileHandle);
NTSTATUS NtOpenSection(void **SectionHandle, uint32_t DesiredAccess, const void *ObjectAttributes);
NTSTATUS NtQuerySection(void *SectionHandle, uint32_t InformationClass, void *Information,
                        uint32_t Length, uint32_t *ReturnLength);
NTSTATUS NtExtendSection(void *SectionHandle, int64_t *NewSectionSize);
NTSTATUS NtMapViewOfSection(void *SectionHandle, void *ProcessHandle, void **BaseAddress,
                            uint32_t ZeroBits, uint32_t CommitSize, int64_t *SectionOffset,
                            uint32_t *ViewSize, uint32_t InheritDisposition,
                            uint32_t AllocationType, uint32_t Win32Protect);
NTSTATUS NtUnmapViewOfSection(void *ProcessHandle, void *BaseAddress);
NTSTATUS NtFlushVirtualMemory(void *ProcessHandle, void **BaseAddress, uint32_t *RegionSize,
                              void *IoStatus);

/* What the sections hold now, for the debugger and the tests: segments in existence, pages
 * charged for them (NT's MmSharedCommit), and their prototype pages in memory. */
extern uint32_t MmSharedCommit;
extern volatile uint32_t MiSegmentCount;
uint32_t MmCountPrototypePages(void);

/* KUSER_SHARED_DATA: one page, mapped for the kernel at 0xFFDF0000 (read-write) by phase 0
 * (KeUserSharedData then points there) and for user mode at 0x7FFE0000 (read-only) in every
 * process; its frame. */
extern uint32_t MmSharedUserDataFrame;

/* Start-up (mminit.c): phase 0 builds the address space and the PFN database; phase 1, with
 * threads running, starts the modified page writer and the zero page thread. */
void MmInitSystem(uint32_t Phase);

/* The working-set manager (wsmanage.c), run by the balance set manager thread when
 * MmWorkingSetManagerEvent is signaled (memory just became short) or a second has passed. */
void MmWorkingSetManager(void);
extern KEVENT MmWorkingSetManagerEvent;

/*
 * Emptying memory, as the Sysinternals RAMMap buttons do: the system working set to the
 * standby and modified lists (wsmanage.c), the modified pages to the paging files
 * (modwrite.c), the standby pages back to their slots (pfnlist.c). Each returns how many
 * pages it moved, or for the modified list how many it could not write.
 */
uint32_t MmEmptySystemWorkingSet(void);
uint32_t MmEmptyModifiedPageList(void);
uint32_t MmPurgeStandbyList(void);

/* Wait until the zero page thread has zeroed the free pages, or Milliseconds have passed;
 * returns the free pages left (zeropage.c). */
uint32_t MmWaitForZeroedMemory(uint32_t Milliseconds);

/*
 * The page-fault handler (mmfault.c), called by KiTrap0E exactly as NT calls it: FaultStatus
 * bit 0 set for a write, VirtualAddress from CR2, PreviousMode from the trapped CS, and the
 * trap frame as opaque TrapInformation. Returns a success status when the access can be
 * retried; bugchecks itself for a bad kernel address (PAGE_FAULT_IN_NONPAGED_AREA).
 */
NTSTATUS MmAccessFault(uint32_t FaultStatus, void *VirtualAddress, KPROCESSOR_MODE PreviousMode,
                       void *TrapInformation);

/* True when touching VirtualAddress would not fault (its PDE and PTE are valid). */
bool MmIsAddressValid(const void *VirtualAddress);

/* The physical address VirtualAddress maps to; 0 when it is not valid (mmfault.c). */
uint64_t MmGetPhysicalAddress(const void *VirtualAddress);

/* For the debugger (mmdbg.c): write Size bytes at Address even where the page is read-only
 * (code); STATUS_ACCESS_VIOLATION, with nothing written, when a page cannot be read. */
NTSTATUS MmDbgWriteMemory(void *Address, const void *Buffer, uint32_t Size);

/* The crash-dump area (crashdmp.c): a bugcheck leaves a DUMP_HEADER32 at MM_CRASH_DUMP_VA. */
void MmWriteCrashDumpHeader(const uint32_t BugCheckData[5]);

/* The system address space (mminit.c; init386.c draws it and explains each region). */
extern uintptr_t MmHighestUserAddress, MmUserProbeAddress, MmSystemRangeStart;
extern uint32_t MmBootImageSize;
extern uintptr_t MmSessionBase, MiSessionSpaceEnd, MiSystemViewStart;
extern uintptr_t MmHyperSpaceEnd, MmSystemCacheWorkingSetList;
extern uintptr_t MmSystemCacheStart, MmSystemCacheEnd, MiSystemCacheStartExtra, MiSystemCacheEndExtra;
extern uintptr_t MmPagedPoolStart, MmPagedPoolEnd;
extern uint32_t MmSizeOfPagedPoolInBytes;
extern uintptr_t MmNonPagedSystemStart;
extern uint32_t MmNumberOfSystemPtes;
extern uintptr_t MmNonPagedPoolStart, MmNonPagedPoolEnd0, MmNonPagedPoolExpansionStart;
extern uintptr_t MmNonPagedPoolEnd;
extern uint32_t MmSizeOfNonPagedPoolInBytes, MmMaximumNonPagedPoolInBytes;
void MmPrintSystemLayout(void);

/*
 * One row of the layout table: a region and the NT variables that hold its bounds (NULL when
 * none does). EndVariable holds End, or End + 1 when NT's end is exclusive (EndIsExclusive:
 * MiSessionSpaceEnd, MiSystemCacheEndExtra, MmNonPagedPoolEnd0, MmNonPagedPoolEnd).
 */
typedef struct _MM_SYSTEM_REGION {
    uintptr_t Start;
    uintptr_t End;                      /* inclusive */
    const char *Name;
    const char *StartVariable;
    const char *EndVariable;
    bool EndIsExclusive;
    const char *SizeVariable;           /* holds End - Start + 1 */
} MM_SYSTEM_REGION;

uint32_t MmGetSystemRegions(MM_SYSTEM_REGION *Regions, uint32_t MaximumCount);

/* The executive pool (pool.c) and the pages under it (allocpag.c). */
typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    PagedPool = 1,
    NonPagedPoolMustSucceed = 2,
    NonPagedPoolCacheAligned = 4,
    PagedPoolCacheAligned = 5,
    NonPagedPoolCacheAlignedMustS = 6,
    MaxPoolType = 7,
} POOL_TYPE;

#define BASE_POOL_TYPE_MASK     1
#define POOL_MUST_SUCCEED_MASK  2
#define POOL_CACHE_ALIGNED_MASK 4
#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 8
#define SESSION_POOL_MASK       32

POOL_TYPE MmDeterminePoolType(const void *VirtualAddress);     /* MaxPoolType: not pool */

/* A pool tag from its four characters, the first in the low byte (NT writes 'enoN'). */
#define POOL_TAG(a, b, c, d) \
    ((uint32_t)(uint8_t)(a) | (uint32_t)(uint8_t)(b) << 8 | (uint32_t)(uint8_t)(c) << 16 | \
     (uint32_t)(uint8_t)(d) << 24)

/*
 * The executive pool (pool.c). NumberOfBytes of PoolType's pool, 8-byte aligned (whole pages,
 * page aligned, above 4080 bytes), tagged for the tracker; NULL when the pool is exhausted.
 * Nonpaged pool up to DISPATCH_LEVEL, paged pool up to APC_LEVEL; a bad request bugchecks
 * BAD_POOL_CALLER (pool.c lists them). ExAllocatePool tags with 'None'.
 */
void *ExAllocatePoolWithTag(POOL_TYPE PoolType, size_t NumberOfBytes, uint32_t Tag);
void *ExAllocatePool(POOL_TYPE PoolType, size_t NumberOfBytes);
void ExFreePoolWithTag(void *P, uint32_t Tag);
void ExFreePool(void *P);
void ExInitializePool(void);

/*
 * One tag's use of the pools as NT's SYSTEM_POOLTAG reports it (NtQuerySystemInformation's
 * SystemPoolTagInformation), bytes in use in each pool. ExGetPoolTagInfo (pooltrak.c) copies
 * the tracker's entries, at most Count of them, into Tags (resident memory: the copy is made
 * under the tracker's spin lock) and returns how many there are in all.
 */
typedef struct _SYSTEM_POOLTAG {
    uint32_t TagUlong;
    uint32_t PagedAllocs;
    uint32_t PagedFrees;
    uint32_t PagedUsed;
    uint32_t NonPagedAllocs;
    uint32_t NonPagedFrees;
    uint32_t NonPagedUsed;
} SYSTEM_POOLTAG;

_Static_assert(sizeof(SYSTEM_POOLTAG) == 28, "NT's x86 SYSTEM_POOLTAG");

uint32_t ExGetPoolTagInfo(SYSTEM_POOLTAG *Tags, uint32_t Count);

/* True for an address in special pool (special.c), live or freed. */
bool MmIsSpecialPoolAddress(const void *VirtualAddress);

/* Mapping physical addresses into system space (sysptes.c). */
typedef enum _MEMORY_CACHING_TYPE {
    MmNonCached = 0,
    MmCached = 1,
    MmWriteCombined = 2,
} MEMORY_CACHING_TYPE;

void *MmMapIoSpace(uint64_t PhysicalAddress, size_t NumberOfBytes, MEMORY_CACHING_TYPE CacheType);
void MmUnmapIoSpace(void *BaseAddress, size_t NumberOfBytes);

/*
 * The boot loader's modules (loadmod.c): files the loader left in physical memory, which
 * kernel/init/loader.c lists in KeLoaderBlock.Modules and keeps out of free memory. Mm reads
 * them because Mm owns physical memory and the mappings that reach it.
 * MmFindLoaderModule: the module of that name, any case; NULL when there is none.
 * MmReadLoaderModule: Length bytes from Offset into Buffer, at PASSIVE_LEVEL (Buffer may be
 * pageable). STATUS_END_OF_FILE when the range does not lie inside the module (nothing is
 * copied), STATUS_INVALID_PARAMETER_1 for a module that is not the loader's or whose pages Mm
 * does not hold (beyond the PFN database or 4 GB), STATUS_INSUFFICIENT_RESOURCES when no
 * system PTEs are free.
 */
const LOADER_MODULE *MmFindLoaderModule(const char *Name);
NTSTATUS MmReadLoaderModule(const LOADER_MODULE *Module, uint32_t Offset, void *Buffer,
                            uint32_t Length);
const void *MmMapLoaderModule(const LOADER_MODULE *Module);
void MmUnmapLoaderModule(const LOADER_MODULE *Module, const void *Mapping);

/*
 * Paging files (pagefile.c): a run of SizeInPages pages of an ATA disk from StartingLba, or a
 * file on a volume whose sectors Io found (IoOpenPagingFile): runs of sectors in the order of
 * the file's bytes, a page that does not lie whole in one run being a slot never used.
 * MmCheckPagingFile (pfregion.c) makes MmCreatePagingFile's checks alone, writing nothing.
 * MmIsDiskRegionFree: no paging file and no partition's data lies in those sectors.
 */
#define MAX_PAGE_FILES          16
NTSTATUS MmCreatePagingFile(uint32_t Disk, uint64_t StartingLba, uint32_t SizeInPages);

/* Several paging files, all or none: each is checked and its slot 0 written before any is put
 * in use; each request's Status says how it went, and the first failure is returned. */
typedef struct _MM_PAGING_FILE_REQUEST {
    uint32_t Disk;
    uint64_t StartingLba;               /* a region: where slot 0 starts */
    uint32_t SizeInPages;
    NTSTATUS Status;
    const IO_SECTOR_RUN *Runs;          /* a file: its sectors (StartingLba unused), or NULL */
    uint32_t RunCount;
    const char *FileName;               /* a file: its name, for !vm and start-up's lines */
} MM_PAGING_FILE_REQUEST;

NTSTATUS MmCreatePagingFiles(MM_PAGING_FILE_REQUEST *Requests, uint32_t Count);
NTSTATUS MmCheckPagingFile(uint32_t Disk, uint64_t StartingLba, uint32_t SizeInPages);
NTSTATUS MmCheckPagingFileRuns(uint32_t Disk, const IO_SECTOR_RUN *Runs, uint32_t RunCount,
                               uint32_t SizeInPages);
bool MmIsDiskRegionFree(uint32_t Disk, uint64_t Lba, uint64_t Sectors);
extern uint32_t MmNumberOfPagingFiles;

/*
 * What NtQuerySystemInformation reports of Mm (mminfo.c): its counters at one moment, each
 * read once, for SystemPerformanceInformation; and paging file Index (0 ..
 * MmNumberOfPagingFiles - 1) for SystemPageFileInformation, false past the last.
 */
typedef struct _MM_SYSTEM_COUNTERS {
    uint32_t AvailablePages;
    uint32_t CommittedPages, CommitLimit, PeakCommitment;
    uint32_t PageFaultCount, TransitionCount, DemandZeroCount;
    uint32_t PageReadCount, PageReadIoCount, DirtyPagesWriteCount, DirtyWriteIoCount;
    uint32_t PagedPoolPages, NonPagedPoolPages;
    uint32_t PagedPoolAllocs, PagedPoolFrees, NonPagedPoolAllocs, NonPagedPoolFrees;
    uint32_t FreeSystemPtes, AvailablePagedPoolPages, ResidentPagedPoolPages;
    uint32_t ResidentSystemCachePages;  /* of the system working set, in cache views */
} MM_SYSTEM_COUNTERS;

typedef struct _MM_PAGING_FILE_USAGE {
    uint32_t TotalSize;                 /* pages */
    uint32_t TotalInUse;                /* slots holding a page (slot 0 and bad slots too) */
    uint32_t PeakUsage;
    uint32_t Disk;
    uint64_t StartingLba;               /* of slot 0's run */
} MM_PAGING_FILE_USAGE;

void MmQuerySystemCounters(MM_SYSTEM_COUNTERS *Counters);
bool MmQueryPagingFile(uint32_t Index, MM_PAGING_FILE_USAGE *Usage);

/* Kernel stacks (procsup.c): resident, with a guard PTE below; the top is returned. */
#define KERNEL_STACK_SIZE       12288
#define KERNEL_LARGE_STACK_SIZE 61440
void *MmCreateKernelStack(bool LargeStack);
void MmDeleteKernelStack(void *PointerKernelStack, bool LargeStack);

/*
 * MDLs (mdlsup.c, mdlmap.c, mdlpages.c; kernel/inc/mdl.h has the layout). An MDL lives in
 * nonpaged memory (MmCreateMdl's pool, or a kernel stack): its frames are written under the
 * PFN lock. NT raises the failures of MmProbeAndLockPages; here they are its return value,
 * nothing left locked.
 * MmMapLockedPagesSpecifyCache maps KernelMode into system PTEs (NULL when there are too few,
 * or NO_MORE_SYSTEM_PTES when BugCheckOnFailure and the MDL lacks MDL_MAPPING_CAN_FAIL) or
 * UserMode into the current process (NULL on failure, with MiLastUserMappingStatus holding
 * what NT raises). MmAllocatePagesForMdl may give fewer bytes than asked,
 * or NULL; free its pages with MmFreePagesFromMdl, then the MDL with ExFreePool.
 */
extern volatile uint32_t MmSystemLockPagesCount;
uint32_t MmSizeOfMdl(const void *Base, uint32_t Length);
MDL *MmCreateMdl(MDL *MemoryDescriptorList, void *Base, uint32_t Length);
NTSTATUS MmProbeAndLockPages(MDL *Mdl, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation);
void MmUnlockPages(MDL *Mdl);
void MmBuildMdlForNonPagedPool(MDL *Mdl);
void MmPrepareMdlForReuse(MDL *Mdl);
void *MmMapLockedPagesSpecifyCache(MDL *Mdl, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, void *RequestedAddress,
                                   bool BugCheckOnFailure, MM_PAGE_PRIORITY Priority);
void MmUnmapLockedPages(void *BaseAddress, MDL *Mdl);
void *MmGetSystemAddressForMdlSafe(MDL *Mdl, MM_PAGE_PRIORITY Priority);
MDL *MmAllocatePagesForMdl(uint64_t LowAddress, uint64_t HighAddress, uint64_t SkipBytes,
                           uint32_t TotalBytes);
void MmFreePagesFromMdl(MDL *Mdl);

#endif
