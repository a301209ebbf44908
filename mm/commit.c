/*
 * mm/commit.c: commitment. Every page of memory that may have to be held somewhere — a paged
 * pool page, a nonpaged pool expansion page, a kernel stack page, a page table made for
 * paged pool — is charged when it is promised, before it exists. The limit is what can back
 * those promises: the RAM that was available at start-up, less MM_COMMIT_RESERVE pages kept
 * for the system's own use, plus the slots of every paging file. A charge that would pass
 * the limit fails: running out shows up as a failed allocation, never as lost data.
 *
 * Within the limit, the committed pages that are not resident always fit in the paging
 * files. A clean resident page may keep its slot too, so the files can fill while modified
 * pages wait; the writer then waits with them, and faults still find memory, because the
 * limit keeps the modified and nonpageable pages below RAM less the reserve: the rest is
 * clean, and trimming turns it into standby pages. Slots that go bad leave the limit; the
 * commitment already granted against them comes out of the reserve (beyond MM_COMMIT_RESERVE
 * bad slots, that promise is no longer kept: a disk that bad needs replacing).
 */
#include "mm/mi.h"

#define MM_COMMIT_RESERVE   1024

uint32_t MmTotalCommitLimit;
uint32_t MmTotalCommittedPages;
uint32_t MmPeakCommitment;
static KSPIN_LOCK MiCommitLock;

void MiInitializeCommitment(void)
{
    MmTotalCommitLimit = MmAvailablePages > MM_COMMIT_RESERVE ? MmAvailablePages - MM_COMMIT_RESERVE : 0;
}

/* Promise Pages pages; false (and nothing charged) if that would pass the limit. */
bool MiChargeCommitment(uint32_t Pages)
{
    KIRQL oldIrql;
    bool charged = false;

    KeAcquireSpinLock(&MiCommitLock, &oldIrql);
    if (MmTotalCommittedPages + Pages <= MmTotalCommitLimit) {
        MmTotalCommittedPages += Pages;
        MmPeakCommitment = MAX(MmPeakCommitment, MmTotalCommittedPages);
        charged = true;
    }
    KeReleaseSpinLock(&MiCommitLock, oldIrql);
    return charged;
}

void MiReturnCommitment(uint32_t Pages)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiCommitLock, &oldIrql);
    if (Pages > MmTotalCommittedPages)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_COMMIT_UNDERFLOW, Pages,
                     MmTotalCommittedPages, 0);
    MmTotalCommittedPages -= Pages;
    KeReleaseSpinLock(&MiCommitLock, oldIrql);
}

/* A paging file adds its slots (Pages > 0); bad slots take theirs away (Pages < 0). */
void MiAdjustCommitLimit(int32_t Pages)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiCommitLock, &oldIrql);
    MmTotalCommitLimit += (uint32_t)Pages;
    KeReleaseSpinLock(&MiCommitLock, oldIrql);
}
