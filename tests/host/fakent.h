/*
 * tests/host/fakent.h: the system services under user mode's heap (user/ntdll/heap.c), faked
 * over mmap so the heap runs on the host (tests/host/test_userheap.c):
 *
 *   - NtAllocateVirtualMemory reserves (an mmap of PROT_NONE at a 64 KB boundary, system-chosen
 *     only) and commits pages in a reservation (PROT_READ|WRITE); NtFreeVirtualMemory
 *     decommits (the pages are dropped, so they read zero when committed again, and become
 *     inaccessible) and releases (base and size 0 only). Touching memory that is not committed
 *     faults, as it would under mm386.
 *   - FakeCommitLimitPages, when nonzero, makes commits past that many pages fail with
 *     STATUS_COMMITMENT_LIMIT; FakeReserveFails makes reservations fail with STATUS_NO_MEMORY.
 *   - RtlSetLastWin32Error keeps the error in FakeLastError.
 *   - RtlRaiseException records the exception in FakeRaised and long-jumps back to the test
 *     that expected it (FAKE_RAISES).
 */
#ifndef TESTS_HOST_FAKENT_H
#define TESTS_HOST_FAKENT_H

#include <setjmp.h>
#include "user/ntdll/ntdll.h"

extern ULONG FakeCommittedPages;        /* now */
extern ULONG FakeReservedRegions;       /* now */
extern ULONG FakeCommitLimitPages;
extern BOOLEAN FakeReserveFails;
extern EXCEPTION_RECORD FakeRaised;
extern jmp_buf *FakeRaiseTarget;
extern ULONG FakeLastError;           /* RtlSetLastWin32Error's */

/* Run Statement; an exception it raises lands in FakeRaised. Evaluates to 1 if one did. */
#define FAKE_RAISES(Statement)                                  \
    ({                                                          \
        jmp_buf target_;                                        \
        volatile int raised_ = 0;                               \
        memset(&FakeRaised, 0, sizeof(FakeRaised));             \
        FakeRaiseTarget = &target_;                             \
        if (setjmp(target_) == 0) {                             \
            Statement;                                          \
        } else {                                                \
            raised_ = 1;                                        \
        }                                                       \
        FakeRaiseTarget = NULL;                                 \
        raised_;                                                \
    })

/* The state of one page of the fake address space. */
typedef enum { FakeFree, FakeReserved, FakeCommitted } FAKE_PAGE_STATE;
FAKE_PAGE_STATE FakePageState(const void *Address);

#endif
