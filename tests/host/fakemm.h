/*
 * tests/host/fakemm.h: the layer under the executive pool, faked so mm/pool.c and
 * mm/pooltrak.c run on the host (tests/host/test_pool.c):
 *
 *   - pages come from two arenas of ARENA_PAGES, one per pool, first fit; paged pool pages
 *     arrive zeroed, nonpaged ones with stale bytes, and freed pages are poisoned for ASan,
 *     so the pool touching a page it gave back is an error;
 *   - KeGetCurrentIrql returns FakeIrql, which the fake spin locks and fast mutexes raise and
 *     restore; acquiring a held lock, or a lock at too high an IRQL, aborts;
 *   - KeBugCheckEx records the STOP in StopData and long-jumps to StopJump; with no StopJump
 *     set, an unexpected STOP aborts the run.
 */
#ifndef TESTS_HOST_FAKEMM_H
#define TESTS_HOST_FAKEMM_H

#include <setjmp.h>
#include "mm/pool.h"

#define ARENA_PAGES     1024

/* The fake page supply: ARENA_PAGES per pool, first fit, each run's length at its start. */
typedef struct {
    uint8_t *Base;
    uint32_t RunPages[ARENA_PAGES];     /* at a run's first page: its length; 0 elsewhere */
    bool InUse[ARENA_PAGES];
} ARENA;

extern ARENA Arenas[PagedPool + 1];
extern uint32_t FailRequestsOfPages;    /* nonzero: requests of this many pages or more fail */
extern uint32_t PagesInUse;
extern KIRQL FakeIrql;
extern jmp_buf *StopJump;
extern uint32_t StopData[5];            /* the last STOP: code and four parameters */

void ResetArenas(void);                 /* every page free, no failures */

#endif
