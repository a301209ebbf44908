/*
 * kernel/cc/ccp.h: what the cache manager's files share (NT's cc.h). One fast mutex, the
 * master lock (CcMasterLock), guards every shared cache map's fields, the VACBs and their
 * lists, the dirty masks and the map lists; no page is touched and no file system called
 * with it held, except the flushes that write a map's pages (paging writes, which take no
 * file system lock that a holder of the master lock may wait for).
 */
#ifndef KERNEL_CC_CCP_H
#define KERNEL_CC_CCP_H

#include "kernel/cc/cc.h"
#include "kernel/ob/ob.h"
#include "mm/mm.h"

#define CC_MAP_TAG              POOL_TAG('C', 'c', 'S', 'c')
#define CC_PRIVATE_TAG          POOL_TAG('C', 'c', 'P', 'c')
#define CC_VACB_TAG             POOL_TAG('C', 'c', 'V', 'a')
#define CC_BCB_TAG              POOL_TAG('C', 'c', 'B', 'c')
#define CC_WORK_TAG             POOL_TAG('C', 'c', 'W', 'k')
#define CC_PAGES(bytes)         ((uint32_t)(((uint64_t)(bytes) + PAGE_SIZE - 1) >> PAGE_SHIFT))

extern FAST_MUTEX CcMasterLock;
extern LIST_ENTRY CcCleanSharedCacheMapList, CcDirtySharedCacheMapList, CcClosedMapList;
extern uint32_t CcClosedMapCount;

/* vacbsup.c */
void CcInitializeVacbs(void);
NTSTATUS CcGetVirtualAddress(SHARED_CACHE_MAP *Map, int64_t Offset, VACB **Vacb, uint8_t **Address,
                             uint32_t *Available);
void CcFreeVirtualAddress(VACB *Vacb);
bool CcUnmapVacbs(SHARED_CACHE_MAP *Map, int64_t FromOffset);

/* cachesub.c: master lock held. */
void CcSetDirtyInMask(SHARED_CACHE_MAP *Map, int64_t Offset, uint32_t Length);
void CcClearDirtyInMask(SHARED_CACHE_MAP *Map, uint32_t FirstPage, uint32_t Pages);
uint32_t CcFindDirtyRun(SHARED_CACHE_MAP *Map, uint32_t FromPage, uint32_t MaximumPages,
                        uint32_t *FirstPage);
NTSTATUS CcFlushMapLocked(SHARED_CACHE_MAP *Map, uint32_t FirstPage, uint32_t Pages,
                          uint32_t *Written);

/* lazyrite.c */
void CcInitializeLazyWriter(void);
void CcWakeLazyWriter(void);
void CcWaitForDirtyPagesBelowThreshold(uint32_t Pages);

/* fssup.c */
bool CcResizeSectionLocked(SHARED_CACHE_MAP *Map, int64_t FileSize);
bool CcDereferenceOpenLocked(SHARED_CACHE_MAP *Map);
void CcDetachSharedCacheMap(SHARED_CACHE_MAP *Map);
void CcDeleteDetachedMap(SHARED_CACHE_MAP *Map);

#endif
