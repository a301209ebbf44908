/*
 * mm/acceschk.c: what a user address may hold before its PTE says (NT's MiCheckVirtualAddress,
 * pagfault.c), and the stack's guard page (MiCheckForUserStackOverflow, acceschk.c).
 *
 * A zero PTE is decided by the VAD that covers the address: none, or reserved only, is no
 * access; private memory committed with the reservation (MemCommit) has the VAD's protection;
 * a view's page is its prototype PTE's business, with the view's protection (an image view's
 * page, its subsection's: the headers read-only, .text execute-read, .data write-copy...).
 *
 * A thread's stack is reserved whole and committed from the top, with a guard page below the
 * committed part. Touching the guard page (its guard bit is already gone) commits the next page
 * down as the new guard, moves the TEB's StackLimit, and the instruction runs again
 * (STATUS_PAGE_FAULT_GUARD_PAGE, a success). When no page is left above the reserve's last one
 * (which is never committed) the rest is committed without a guard and the thread gets
 * STATUS_STACK_OVERFLOW. A guard page anywhere else is the application's own:
 * STATUS_GUARD_PAGE_VIOLATION. So is the stack's, touched by a thread that holds the
 * address-creation lock (NtLockVirtualMemory touching the pages it locks; NT's
 * AddressSpaceOwner): committing the next page would need that lock again.
 */
#include "mm/mi.h"

#define TEB_STACK_BASE              0x04
#define TEB_STACK_LIMIT             0x08
#define TEB_DEALLOCATION_STACK      0xE0C
#define TEB_GUARANTEED_STACK_BYTES  0xF78

_Static_assert(offsetof(NT_TEB, StackBase) == TEB_STACK_BASE &&
               offsetof(NT_TEB, StackLimit) == TEB_STACK_LIMIT &&
               offsetof(NT_TEB, DeallocationStack) == TEB_DEALLOCATION_STACK &&
               offsetof(NT_TEB, GuaranteedStackBytes) == TEB_GUARANTEED_STACK_BYTES,
               "the TEB fields the guard page reads");

/* The protection of an image view's page whose prototype is Proto: its subsection's; no
 * access for a page in no section. */
uint32_t MiImageViewPageProtection(MMVAD *Vad, const MMPTE *Proto)
{
    SUBSECTION *subsection = MiLocateSubsection(Vad->ControlArea, Proto);

    return subsection ? subsection->u.SubsectionFlags.Protection : MM_NOACCESS;
}

/* The protection a zero PTE at Va has; MM_NOACCESS when nothing is committed there. In a
 * view, the view's protection and the page's prototype PTE (past the segment: no access).
 * Working-set mutex held (VADs change only under it too). */
uint32_t MiCheckVirtualAddress(MMPROCESS *Process, uintptr_t Va, MMPTE **ProtoPte)
{
    MMVAD_SHORT *vad = MiLocateAddress(&Process->AddressSpace, Va);

    *ProtoPte = NULL;
    if (vad && !vad->u.VadFlags.PrivateMemory) {
        *ProtoPte = MiGetProtoPteAddress((MMVAD *)vad, Va);
        if (*ProtoPte && vad->u.VadFlags.VadType == VadImageMap)
            return MiImageViewPageProtection((MMVAD *)vad, *ProtoPte);
        return *ProtoPte ? vad->u.VadFlags.Protection : MM_NOACCESS;
    }
    if (!vad || !vad->u.VadFlags.MemCommit)
        return MM_NOACCESS;
    return vad->u.VadFlags.Protection;
}

NTSTATUS MiCheckForUserStackOverflow(MMPROCESS *Process, uintptr_t Va)
{
    KTHREAD *thread = KeGetCurrentThread();
    NT_TEB *teb = (NT_TEB *)thread->Teb;
    uint32_t stackBase, deallocation, guaranteed, region;
    uintptr_t nextPage, limit;
    NTSTATUS status;

    if (!teb || thread->ApcStateIndex != 0 || thread->ApcState.Process != thread->Process ||
        Process->AddressSpace.AddressCreationLock.Owner == thread)
        return STATUS_GUARD_PAGE_VIOLATION;
    if (!NT_SUCCESS(KeCopyMemorySafe(&stackBase, &teb->StackBase, 4)) ||
        !NT_SUCCESS(KeCopyMemorySafe(&deallocation, &teb->DeallocationStack, 4)) ||
        !NT_SUCCESS(KeCopyMemorySafe(&guaranteed, &teb->GuaranteedStackBytes, 4)))
        return STATUS_GUARD_PAGE_VIOLATION;
    if (Va < deallocation || Va >= stackBase)
        return STATUS_GUARD_PAGE_VIOLATION;
    region = ROUND_TO_PAGES(guaranteed);
    region = region ? region + PAGE_SIZE : PAGE_SIZE;
    nextPage = ((uintptr_t)PAGE_ALIGN(Va)) - region;
    if (nextPage < deallocation + PAGE_SIZE || nextPage - deallocation > stackBase) {
        /* No room for another guard: what is left above the last page, without a guard. */
        limit = deallocation + PAGE_SIZE;
        if ((uintptr_t)PAGE_ALIGN(Va) > limit)
            MiCommitUserPages(Process, limit, (uintptr_t)PAGE_ALIGN(Va) - limit, MM_READWRITE);
        KeCopyMemorySafe(&teb->StackLimit, &limit, 4);
        return STATUS_STACK_OVERFLOW;
    }
    status = MiCommitUserPages(Process, nextPage, region, MM_READWRITE | MM_GUARD_PAGE);
    if (!NT_SUCCESS(status) && status != STATUS_ALREADY_COMMITTED)
        return STATUS_STACK_OVERFLOW;
    limit = nextPage + region;
    KeCopyMemorySafe(&teb->StackLimit, &limit, 4);
    return STATUS_PAGE_FAULT_GUARD_PAGE;
}
