/*
 * kernel/kd/kdcache.c: !filecache, the system cache as WinDbg's extension shows it: the views
 * (VACBs) in use, the pages resident in them, the dirty pages waiting for the lazy writer,
 * and a line per cached file (its control area, its size and its section's, views mapped,
 * pages valid in those views, dirty pages, opens, its name). A closed map (no open file
 * object; kept for the next open) says "closed". Read with the system stopped at the prompt.
 */
#include "kernel/kd/kd.h"
#include "kernel/cc/cc.h"
#include "mm/mi.h"

#define KD_CACHE_MAPS   64

/* Valid PTEs in the 256 KB view at Base (its page table may not be in this directory yet). */
static uint32_t KdCountValidInView(const void *Base)
{
    uintptr_t va = (uintptr_t)Base;
    MMPTE pde = MmSystemPagePtes[MiGetPdeOffset(va)];
    uint32_t valid = 0;

    if (!pde.u.Hard.Valid)
        return 0;
    if (!MiGetPdeAddress(va)->u.Hard.Valid)
        *MiGetPdeAddress(va) = pde;
    for (uint32_t i = 0; i < VACB_MAPPING_GRANULARITY / PAGE_SIZE; i++)
        valid += MiGetPteAddress(va + i * PAGE_SIZE)->u.Hard.Valid;
    return valid;
}

static void KdPrintFileObjectName(const FILE_OBJECT *File)
{
    for (uint32_t c = 0; c < File->FileName.Length / 2 && c < 64; c++) {
        uint16_t ch = ((const uint16_t *)File->FileName.Buffer)[c];

        DbgPrint("%c", ch < 0x80 ? (char)ch : '?');
    }
}

void KdCommandFileCache(int Argc, char **Argv)
{
    static SHARED_CACHE_MAP *maps[KD_CACHE_MAPS];
    uint32_t count = CcEnumerateSharedCacheMaps(maps, KD_CACHE_MAPS), active = 0, mapped = 0;
    uint32_t resident = MmQueryResidentCachePages();

    (void)Argc;
    (void)Argv;
    for (uint32_t v = 0; v < CcNumberVacbs; v++) {
        mapped += CcVacbs[v].SharedCacheMap != NULL;
        active += CcVacbs[v].ActiveCount != 0;
    }
    DbgPrint("***** Dump file cache *****\n");
    DbgPrint("File Cache Information\n");
    DbgPrint("  Current size %u kb (pages resident in views)\n", resident * (PAGE_SIZE / 1024));
    DbgPrint("  Views: %u VACBs of 256 KB, %u mapped (%u in use by a copy), %u system cache slots\n",
             CcNumberVacbs, mapped, active, MmSystemCacheViewSlots());
    DbgPrint("  Dirty pages: %u (threshold %u, target %u); %u writes held\n", CcTotalDirtyPages,
             CcDirtyPageThreshold, CcDirtyPageTarget, CcStatistics.ThrottledWrites);
    DbgPrint("  Copy reads %u (%u waited, %u of %u pages missed); read-ahead %u I/Os, %u pages\n",
             CcStatistics.CopyReadWait, CcStatistics.CopyReadWaitMiss,
             CcStatistics.CopyReadMissPages, CcStatistics.CopyReadPages,
             CcStatistics.ReadAheadIos, CcStatistics.ReadAheadPages);
    DbgPrint("  Lazy writer %u I/Os, %u pages; flushes %u, %u pages; %u views reused; "
             "%u closed maps deleted\n", CcStatistics.LazyWriteIos, CcStatistics.LazyWritePages,
             CcStatistics.DataFlushes, CcStatistics.DataPages, CcStatistics.VacbReuses,
             CcStatistics.ClosedMapsDeleted);
    DbgPrint("  %u cached files\n", count);
    DbgPrint("  Usage Summary (in Kb):\n");
    DbgPrint("Control  FileSize   Section   Views Valid Dirty Opens  Name\n");
    for (uint32_t i = 0; i < count; i++) {
        const SHARED_CACHE_MAP *map = maps[i];
        uint32_t views = 0, valid = 0;

        for (uint32_t v = 0; v < map->VacbCount; v++) {
            if (map->Vacbs[v]) {
                views++;
                valid += KdCountValidInView(map->Vacbs[v]->BaseAddress);
            }
        }
        DbgPrint("%08x %9llu %9llu %5u %5u %5u %5u  ", (uint32_t)(uintptr_t)map->Section,
                 (unsigned long long)map->FileSize >> 10, (unsigned long long)map->SectionSize >> 10,
                 views, valid * (PAGE_SIZE / 1024), map->DirtyPages * (PAGE_SIZE / 1024),
                 map->OpenCount);
        KdPrintFileObjectName(map->FileObject);
        DbgPrint("%s\n", map->Closed ? "  (closed)" : "");
    }
}
