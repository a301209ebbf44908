/*
 * mm/loadmod.c: reading the boot loader's modules. The loader left each module (a program to
 * run) in physical memory; kernel/init/loader.c listed them in KeLoaderBlock.Modules and carved
 * their pages out of the free memory descriptors, so the PFN database holds those pages as
 * unusable (referenced, on no list) and nothing ever reuses them. Reading maps a window of the
 * module's pages into system PTEs (MmMapIoSpace) and copies out of it, so the caller's buffer
 * may be pageable: nothing is held while it is touched.
 */
#include "mm/mi.h"

#define MI_LOADER_MODULE_WINDOW_PAGES   16

static char MiLowerCase(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool MiEqualNames(const char *Left, const char *Right)
{
    for (; *Left && MiLowerCase(*Left) == MiLowerCase(*Right); Left++, Right++)
        ;
    return MiLowerCase(*Left) == MiLowerCase(*Right);
}

const LOADER_MODULE *MmFindLoaderModule(const char *Name)
{
    for (uint32_t i = 0; i < KeLoaderBlock.ModuleCount; i++) {
        if (Name[0] && MiEqualNames(KeLoaderBlock.Modules[i].Name, Name))
            return &KeLoaderBlock.Modules[i];
    }
    return NULL;
}

/* True when Module is one of the loader block's and every page of it is held unusable. */
static bool MiIsLoaderModuleHeld(const LOADER_MODULE *Module)
{
    uint64_t end = (uint64_t)Module->PhysicalStart + Module->Size;
    uint32_t first = Module->PhysicalStart >> PAGE_SHIFT;

    if (Module < KeLoaderBlock.Modules || Module >= KeLoaderBlock.Modules + KeLoaderBlock.ModuleCount)
        return false;
    if (end > (1ull << 32) || ((end + PAGE_SIZE - 1) >> PAGE_SHIFT) > (uint64_t)MmHighestPhysicalPage + 1)
        return false;
    for (uint32_t page = first; (uint64_t)page << PAGE_SHIFT < end; page++) {
        if (MiIsPhysicalMemory(page))
            return false;
    }
    return true;
}

NTSTATUS MmReadLoaderModule(const LOADER_MODULE *Module, uint32_t Offset, void *Buffer,
                            uint32_t Length)
{
    uint8_t *out = Buffer;

    if (!Module || !MiIsLoaderModuleHeld(Module))
        return STATUS_INVALID_PARAMETER_1;
    if (Offset > Module->Size || Length > Module->Size - Offset)
        return STATUS_END_OF_FILE;
    while (Length > 0) {
        uint32_t physical = Module->PhysicalStart + Offset;
        uint32_t chunk = MIN(Length, MI_LOADER_MODULE_WINDOW_PAGES * PAGE_SIZE -
                                     BYTE_OFFSET(physical));
        void *window = MmMapIoSpace(physical, chunk, MmCached);

        if (!window)
            return STATUS_INSUFFICIENT_RESOURCES;
        RtlCopyMemory(out, window, chunk);
        MmUnmapIoSpace(window, chunk);
        out += chunk;
        Offset += chunk;
        Length -= chunk;
    }
    return STATUS_SUCCESS;
}

/*
 * The whole of Module mapped into system PTEs (cached), for a reader that parses it in place,
 * as the process loader does; NULL when the module is not the loader's or no PTEs are free.
 * MmUnmapLoaderModule gives the mapping back. The module's pages are Mm's and never change.
 */
const void *MmMapLoaderModule(const LOADER_MODULE *Module)
{
    if (!Module || !MiIsLoaderModuleHeld(Module) || Module->Size == 0)
        return NULL;
    return MmMapIoSpace(Module->PhysicalStart, Module->Size, MmCached);
}

void MmUnmapLoaderModule(const LOADER_MODULE *Module, const void *Mapping)
{
    MmUnmapIoSpace((void *)(uintptr_t)Mapping, Module->Size);
}
