/*
 * mm/mminfo.c: what Mm reports about itself to NtQuerySystemInformation (NT's ex/sysinfo.c
 * reads the same variables): the page and commitment counts, the fault and paging I/O
 * counters and the pools' sizes for SystemPerformanceInformation, and each paging file's
 * size and use for SystemPageFileInformation. A snapshot, not a consistent cut: each value
 * is read once, and the counters move while others are read, as NT's do.
 */
#include "mm/pool.h"

void MmQuerySystemCounters(MM_SYSTEM_COUNTERS *Counters)
{
    const MMINFO_COUNTERS *c = &MmInfoCounters;

    *Counters = (MM_SYSTEM_COUNTERS){
        .AvailablePages = MmAvailablePages,
        .CommittedPages = MmTotalCommittedPages,
        .CommitLimit = MmTotalCommitLimit,
        .PeakCommitment = MmPeakCommitment,
        .PageFaultCount = c->PageFaultCount,
        .TransitionCount = c->TransitionCount,
        .DemandZeroCount = c->DemandZeroCount,
        .PageReadCount = c->PageReadCount,
        .PageReadIoCount = c->PageReadIoCount,
        .DirtyPagesWriteCount = c->DirtyPagesWriteCount,
        .DirtyWriteIoCount = c->DirtyWriteIoCount,
        .PagedPoolPages = MmPagedPoolInfo.AllocatedPagedPool,
        .NonPagedPoolPages = MmAllocatedNonPagedPool,
        .PagedPoolAllocs = PagedPoolDescriptor.RunningAllocs,
        .PagedPoolFrees = PagedPoolDescriptor.RunningDeAllocs,
        .NonPagedPoolAllocs = NonPagedPoolDescriptor.RunningAllocs,
        .NonPagedPoolFrees = NonPagedPoolDescriptor.RunningDeAllocs,
        .FreeSystemPtes = MmTotalFreeSystemPtes[SystemPteSpace],
        .AvailablePagedPoolPages = MmSizeOfPagedPoolInBytes / PAGE_SIZE -
                                   MmPagedPoolInfo.AllocatedPagedPool,
    };
    Counters->ResidentSystemCachePages = MmQueryResidentCachePages();
    Counters->ResidentPagedPoolPages = MmSystemCacheWs.WorkingSetSize - Counters->ResidentSystemCachePages;
}

bool MmQueryPagingFile(uint32_t Index, MM_PAGING_FILE_USAGE *Usage)
{
    const MMPAGING_FILE *file;
    KIRQL oldIrql;
    bool found;

    LOCK_PFN(oldIrql);
    found = Index < MmNumberOfPagingFiles;
    if (found) {
        file = MmPagingFile[Index];
        *Usage = (MM_PAGING_FILE_USAGE){
            .TotalSize = file->Size, .TotalInUse = file->CurrentUsage,
            .PeakUsage = file->PeakUsage, .Disk = file->Disk, .StartingLba = file->StartingLba,
        };
    }
    UNLOCK_PFN(oldIrql);
    return found;
}
