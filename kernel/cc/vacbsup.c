/*
 * kernel/cc/vacbsup.c: the VACBs (NT's vacbsup.c). There are as many as the system cache has
 * 256 KB slots, less two (CcNumberVacbs), in one array; each free one is on CcVacbFree, each
 * mapped one that no copy is using on CcVacbLru, oldest first. A map finds the VACB for an
 * offset in its Vacbs array; a miss takes a free VACB, or unmaps the least recently used idle
 * one (whoever's file it was) and maps the new view in its place. Master lock held around
 * all of it; the views' pages are touched only after it is let go.
 */
#include "kernel/cc/ccp.h"

#define CC_VACB_WAIT_MS         10

uint32_t CcNumberVacbs;
VACB *CcVacbs;
static LIST_ENTRY CcVacbFree, CcVacbLru;

void CcInitializeVacbs(void)
{
    CcNumberVacbs = MmSystemCacheViewSlots() - 2;
    CcVacbs = ExAllocatePoolWithTag(NonPagedPool, CcNumberVacbs * sizeof(VACB), CC_VACB_TAG);
    if (!CcVacbs)
        KeBugCheckEx(CACHE_INITIALIZATION_FAILED, CcNumberVacbs, 0, 0, 1);
    InitializeListHead(&CcVacbFree);
    InitializeListHead(&CcVacbLru);
    for (uint32_t i = 0; i < CcNumberVacbs; i++) {
        RtlZeroMemory(&CcVacbs[i], sizeof(VACB));
        InsertTailList(&CcVacbFree, &CcVacbs[i].LruList);
    }
}

/* Unmap an idle VACB's view; it goes on the free list. Master lock held. */
static void CcUnmapVacb(VACB *Vacb)
{
    SHARED_CACHE_MAP *map = Vacb->SharedCacheMap;

    RemoveEntryList(&Vacb->LruList);
    map->Vacbs[Vacb->FileOffset >> VACB_OFFSET_SHIFT] = NULL;
    MmUnmapViewInSystemCache(Vacb->BaseAddress, map->Section);
    Vacb->SharedCacheMap = NULL;
    Vacb->BaseAddress = NULL;
    InsertTailList(&CcVacbFree, &Vacb->LruList);
}

/*
 * NT's CcGetVirtualAddress: the view of Map holding Offset (inside its section), made active
 * for the caller, who gives it back with CcFreeVirtualAddress; *Address is Offset's byte in
 * it and *Available the bytes from there to the view's end. Waits while every VACB is active.
 */
NTSTATUS CcGetVirtualAddress(SHARED_CACHE_MAP *Map, int64_t Offset, VACB **Vacb, uint8_t **Address,
                             uint32_t *Available)
{
    uint32_t index = (uint32_t)(Offset >> VACB_OFFSET_SHIFT);
    uint32_t within = (uint32_t)Offset & (VACB_MAPPING_GRANULARITY - 1);
    int64_t pause = KI_MILLISECONDS(CC_VACB_WAIT_MS);
    VACB *vacb;

    for (;;) {
        ExAcquireFastMutex(&CcMasterLock);
        if (!Map->Section || Offset < 0 || Offset >= Map->SectionSize) {
            ExReleaseFastMutex(&CcMasterLock);
            return STATUS_INVALID_PARAMETER;
        }
        vacb = Map->Vacbs[index];
        if (vacb) {
            if (vacb->ActiveCount++ == 0)
                RemoveEntryList(&vacb->LruList);
            break;
        }
        if (IsListEmpty(&CcVacbFree) && !IsListEmpty(&CcVacbLru)) {
            CcUnmapVacb(CONTAINING_RECORD(CcVacbLru.Flink, VACB, LruList));
            CcStatistics.VacbReuses++;
        }
        if (!IsListEmpty(&CcVacbFree)) {
            uint32_t size;
            void *base;
            NTSTATUS status = MmMapViewInSystemCache(Map->Section, &base,
                                                     (int64_t)index << VACB_OFFSET_SHIFT, &size);

            if (!NT_SUCCESS(status)) {
                ExReleaseFastMutex(&CcMasterLock);
                return status;
            }
            vacb = CONTAINING_RECORD(RemoveHeadList(&CcVacbFree), VACB, LruList);
            vacb->BaseAddress = base;
            vacb->SharedCacheMap = Map;
            vacb->FileOffset = (int64_t)index << VACB_OFFSET_SHIFT;
            vacb->ActiveCount = 1;
            Map->Vacbs[index] = vacb;
            break;
        }
        ExReleaseFastMutex(&CcMasterLock);     /* every view is in use: wait for one */
        KeDelayExecutionThread(KernelMode, false, &pause);
    }
    ExReleaseFastMutex(&CcMasterLock);
    *Vacb = vacb;
    *Address = (uint8_t *)vacb->BaseAddress + within;
    *Available = (uint32_t)MIN((int64_t)(VACB_MAPPING_GRANULARITY - within), Map->SectionSize - Offset);
    return STATUS_SUCCESS;
}

void CcFreeVirtualAddress(VACB *Vacb)
{
    ExAcquireFastMutex(&CcMasterLock);
    if (--Vacb->ActiveCount == 0)
        InsertTailList(&CcVacbLru, &Vacb->LruList);
    ExReleaseFastMutex(&CcMasterLock);
}

/* Unmap Map's idle views that reach past FromOffset; false if an active one does. Master
 * lock held. */
bool CcUnmapVacbs(SHARED_CACHE_MAP *Map, int64_t FromOffset)
{
    bool all = true;

    for (uint32_t i = 0; i < Map->VacbCount; i++) {
        VACB *vacb = Map->Vacbs[i];

        if (!vacb || vacb->FileOffset + VACB_MAPPING_GRANULARITY <= FromOffset)
            continue;
        if (vacb->ActiveCount)
            all = false;
        else
            CcUnmapVacb(vacb);
    }
    return all;
}
