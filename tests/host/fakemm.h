/*
 * tests/host/fakemm.h: the layer under the executive pool, faked so mm/pool.c and
 * mm/pooltrak.c run on the host (tests/host/test_pool.c):
 *
 *   - pages come from two arenas of ARENA_PAGES, one per pool, first fit; paged pool pages
 *     arrive zeroed, nonpaged ones with stale bytes, and freed pages are poisoned for ASan,
 *     so the pool touching a page it gave back is an error;
 *   - KeGetCurrentIrql returns FakeIrql, which the fake fast mutexes raise and restore;
 *     acquiring a held one, or one above APC_LEVEL, aborts;
 *   - spin locks and KeBugCheckEx are the host tests' common ones (kestubs.h): a STOP lands
 *     in HostBugCheckData and goes back to the test that expected it.
 */
#ifndef TESTS_HOST_FAKEMM_H
#define TESTS_HOST_FAKEMM_H

#include "tests/host/kestubs.h"
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

void ResetArenas(void);                 /* every page free, no failures */

#endif
