/*
 * mm/commit.c: commitment. Every page of memory that may have to be held somewhere — a paged
 * pool page, a nonpaged pool expansion page, a kernel stack page, a page table made for
 * paged pool — is charged when it is promised, before it exists. The limit is what can back
 * those promises: the RAM that was available at start-up, less a reserve kept for the
 * system's own use (MM_COMMIT_RESERVE pages, or a quarter of what is available on a machine
 * too small to spare that: at 8 MiB a program must still be able to run), plus the slots of every paging file. A charge that would pass
 * the limit fails: running out shows up as a failed allocation, never as lost data.
 *
 * Within the limit, the committed pages that are not resident always fit in the paging
 * files. A clean resident page may keep its slot too, so the files can fill while modified
 * pages wait; the writer then waits with them, and faults still find memory, because the
 * limit keeps the modified and nonpageable pages below RAM less the reserve: the rest is
 * clean, and trimming turns it into standby pages.
 *
 * Slots that go bad (and files retired with their disk) leave the limit, but never below the
 * commitment already granted: a promise made stays kept. What cannot come off at once is owed
 * (MiCommitLimitOwed) and comes off as commitment is returned, so new charges fail first
 * until the limit is down to what the disks can still hold.
 *
 * Commitment bounds what may exist; it does not say what may be resident. With a paging file
 * the limit is far above RAM, so a second count, NT's MmResidentAvailablePages, bounds the
 * pages that can never be paged: kernel stacks, nonpaged pool expansion, special pool, the
 * page tables and working-set list pages made after start-up. Each is charged before its page
 * is taken and given back when it is freed, and a charge that would leave fewer than
 * MM_RESIDENT_AVAILABLE_MINIMUM fails. What is left is always pageable or available, so a
 * thread that waits for pages waits for something trimming and writing can give it.
 */
#include "mm/mi.h"

#define MM_COMMIT_RESERVE               1024

uint32_t MmTotalCommitLimit;
uint32_t MmTotalCommittedPages;
uint32_t MmPeakCommitment;
uint32_t MiCommitLimitOwed;             /* pages still to come off the limit */
int32_t MmResidentAvailablePages;       /* pages that may still be made nonpageable */
static KSPIN_LOCK MiCommitLock;

void MiInitializeCommitment(void)
{
    MmTotalCommitLimit = MmAvailablePages - MIN(MM_COMMIT_RESERVE, MmAvailablePages / 4);
    MmResidentAvailablePages = (int32_t)MmAvailablePages;
}

/* Pages pages about to become nonpageable; false (nothing charged) if that would leave fewer
 * than MM_RESIDENT_AVAILABLE_MINIMUM. PFN lock held. */
bool MiChargeResidentAvailable(uint32_t Pages)
{
    if (MmResidentAvailablePages - (int32_t)Pages < MM_RESIDENT_AVAILABLE_MINIMUM)
        return false;
    MmResidentAvailablePages -= (int32_t)Pages;
    return true;
}

/* Nonpageable pages freed. PFN lock held. */
void MiReturnResidentAvailable(uint32_t Pages)
{
    MmResidentAvailablePages += (int32_t)Pages;
}

/* Take what the limit owes off it, as far as the commitment allows. Commit lock held. */
static void MiPayCommitLimitOwed(void)
{
    uint32_t pages = MIN(MiCommitLimitOwed, MmTotalCommitLimit - MmTotalCommittedPages);

    MmTotalCommitLimit -= pages;
    MiCommitLimitOwed -= pages;
}

/* Promise Pages pages; false (and nothing charged) if that would pass the limit. Nothing is
 * promised while the limit owes pages: the commitment is then exactly at it. */
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
    MiPayCommitLimitOwed();
    KeReleaseSpinLock(&MiCommitLock, oldIrql);
}

/* A paging file adds its slots (Pages > 0); bad slots and retired files take theirs away
 * (Pages < 0), paying first what the limit owes. The limit never drops below the commitment:
 * the rest is owed. */
void MiAdjustCommitLimit(int32_t Pages)
{
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiCommitLock, &oldIrql);
    if (Pages >= 0) {
        uint32_t paid = MIN(MiCommitLimitOwed, (uint32_t)Pages);

        MiCommitLimitOwed -= paid;
        MmTotalCommitLimit += (uint32_t)Pages - paid;
    } else {
        MiCommitLimitOwed += (uint32_t)-Pages;
        MiPayCommitLimitOwed();
    }
    KeReleaseSpinLock(&MiCommitLock, oldIrql);
}
