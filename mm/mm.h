/*
 * mm/mm.h: the memory manager's public contract (Mm routines, the executive pool, layout
 * variables), for the kernel and the tests.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "kernel/ke/ke.h"
#include "kernel/ex/ex.h"
#include "mm/i386.h"

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

/*
 * Paging files (pagefile.c): a run of SizeInPages pages of an ATA disk from StartingLba.
 * MmCheckPagingFile (pfregion.c) makes MmCreatePagingFile's checks alone, writing nothing.
 * MmIsDiskRegionFree: no paging file and no partition's data lies in those sectors.
 */
#define MAX_PAGE_FILES          16
NTSTATUS MmCreatePagingFile(uint32_t Disk, uint64_t StartingLba, uint32_t SizeInPages);

/* Several paging files, all or none: each is checked and its slot 0 written before any is put
 * in use; each request's Status says how it went, and the first failure is returned. */
typedef struct _MM_PAGING_FILE_REQUEST {
    uint32_t Disk;
    uint64_t StartingLba;
    uint32_t SizeInPages;
    NTSTATUS Status;
} MM_PAGING_FILE_REQUEST;

NTSTATUS MmCreatePagingFiles(MM_PAGING_FILE_REQUEST *Requests, uint32_t Count);
NTSTATUS MmCheckPagingFile(uint32_t Disk, uint64_t StartingLba, uint32_t SizeInPages);
bool MmIsDiskRegionFree(uint32_t Disk, uint64_t Lba, uint64_t Sectors);
extern uint32_t MmNumberOfPagingFiles;

/* Kernel stacks (procsup.c): resident, with a guard PTE below; the top is returned. */
#define KERNEL_STACK_SIZE       12288
#define KERNEL_LARGE_STACK_SIZE 61440
void *MmCreateKernelStack(bool LargeStack);
void MmDeleteKernelStack(void *PointerKernelStack, bool LargeStack);

#endif
