/*
 * tests/kernel/loader.c: the boot loader's modules (kernel/init/loader.c, mm/loadmod.c). Any
 * boot runs these; tests/modules.t boots with two programs as modules and with none, and
 * checks what they print (each module's name, size and a hash of its bytes read back) against
 * the files.
 */
#include "kernel/kd/ktest.h"
#include "kernel/init/init.h"
#include "mm/mi.h"

#define FNV_OFFSET_BASIS    0x811C9DC5u
#define FNV_PRIME           0x01000193u
#define READ_CHUNK          3000            /* not a page multiple: reads straddle pages */
#define LOADER_TEST_TAG     POOL_TAG('T', 'L', 'd', 'r')

static bool InModule(uint32_t Page)
{
    for (uint32_t i = 0; i < KeLoaderBlock.ModuleCount; i++) {
        const LOADER_MODULE *m = &KeLoaderBlock.Modules[i];
        uint32_t first = m->PhysicalStart >> PAGE_SHIFT;
        uint32_t end = (uint32_t)(((uint64_t)m->PhysicalStart + m->Size + PAGE_SIZE - 1) >> PAGE_SHIFT);

        if (Page >= first && Page < end)
            return true;
    }
    return false;
}

static bool IsExeName(const char *Name)
{
    size_t length = strlen(Name);
    const char *tail = Name + length - 4;

    return length > 4 && tail[0] == '.' && (tail[1] | 0x20) == 'e' && (tail[2] | 0x20) == 'x' &&
           (tail[3] | 0x20) == 'e';
}

static uint32_t CountModulePagesOnList(const MMPFNLIST *List)
{
    uint32_t count = 0;

    for (uint32_t page = List->Flink; page != MM_EMPTY_LIST; page = MI_PFN_ELEMENT(page)->u1.Flink)
        count += InModule(page);
    return count;
}

/* Every module is named, lies in pages the PFN database holds off every list, and reads back
 * whole; an .exe starts with MZ. The hash lets tests/modules.t compare the bytes with the file. */
KTEST(TestLoaderModules, "boot.loader.modules")
{
    uint8_t *buffer = KtAllocatePool(PagedPool, READ_CHUNK, LOADER_TEST_TAG);
    uint32_t onLists;
    KIRQL oldIrql;

    KtPrint("%u modules", KeLoaderBlock.ModuleCount);
    KT_ASSERT_LE(KeLoaderBlock.ModuleCount, KI_MAX_LOADER_MODULES);
    for (uint32_t i = 0; i < KeLoaderBlock.ModuleCount; i++) {
        const LOADER_MODULE *m = &KeLoaderBlock.Modules[i];
        size_t length = strlen(m->Name);
        uint32_t hash = FNV_OFFSET_BASIS;

        KT_ASSERT_GT(length, 0);
        KT_ASSERT(strchr(m->Name, '/') == NULL && strchr(m->Name, ' ') == NULL);
        KT_ASSERT(strstr(m->CommandLine, m->Name) != NULL);
        KT_ASSERT_EQ(0, BYTE_OFFSET(m->PhysicalStart));
        KT_ASSERT_PTR_EQ(m, MmFindLoaderModule(m->Name));
        for (uint32_t page = m->PhysicalStart >> PAGE_SHIFT;
             (uint64_t)page << PAGE_SHIFT < (uint64_t)m->PhysicalStart + m->Size; page++) {
            const MMPFN *pfn = MI_PFN_ELEMENT(page);

            KT_ASSERT_LE(page, MmHighestPhysicalPage);
            KT_ASSERT(!MiIsPhysicalMemory(page));
            KT_ASSERT_EQ(ActiveAndValid, pfn->u3.e1.PageLocation);
            KT_ASSERT_NE(0, pfn->u3.e2.ReferenceCount);
        }
        for (uint32_t offset = 0; offset < m->Size; offset += READ_CHUNK) {
            uint32_t chunk = MIN(READ_CHUNK, m->Size - offset);

            KT_ASSERT_STATUS(STATUS_SUCCESS, MmReadLoaderModule(m, offset, buffer, chunk));
            if (offset == 0 && IsExeName(m->Name)) {
                KT_ASSERT_EQ('M', buffer[0]);
                KT_ASSERT_EQ('Z', buffer[1]);
            }
            for (uint32_t j = 0; j < chunk; j++)
                hash = (hash ^ buffer[j]) * FNV_PRIME;
        }
        KtPrint("module %s size %u fnv1a 0x%08x", m->Name, m->Size, hash);
    }

    LOCK_PFN(oldIrql);
    onLists = CountModulePagesOnList(&MmFreePageListHead) +
              CountModulePagesOnList(&MmZeroedPageListHead) +
              CountModulePagesOnList(&MmStandbyPageListHead) +
              CountModulePagesOnList(&MmModifiedPageListHead);
    UNLOCK_PFN(oldIrql);
    KT_ASSERT_EQ(0, onLists);
}

/* Names match in any case; reads outside a module, and modules that are not the loader's,
 * are refused without copying anything. */
KTEST(TestLoaderModuleReads, "boot.loader.module_reads")
{
    LOADER_MODULE fake = { .PhysicalStart = 0x100000, .Size = PAGE_SIZE, .Name = "fake.exe" };
    uint8_t buffer[16];
    char upper[LOADER_MODULE_NAME_SIZE];
    const LOADER_MODULE *m;

    KT_ASSERT(MmFindLoaderModule("no such module.exe") == NULL);
    KT_ASSERT(MmFindLoaderModule("") == NULL);
    memset(buffer, 0xA5, sizeof(buffer));
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER_1, MmReadLoaderModule(&fake, 0, buffer, 2));
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER_1, MmReadLoaderModule(NULL, 0, buffer, 2));
    KT_ASSERT_EQ(0xA5, buffer[0]);
    if (KeLoaderBlock.ModuleCount == 0)
        return;

    m = &KeLoaderBlock.Modules[0];
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = m->Name[i] >= 'a' && m->Name[i] <= 'z' ? (char)(m->Name[i] - 0x20) : m->Name[i];
    KT_ASSERT_PTR_EQ(m, MmFindLoaderModule(upper));
    KT_ASSERT_STATUS(STATUS_END_OF_FILE, MmReadLoaderModule(m, m->Size, buffer, 1));
    KT_ASSERT_STATUS(STATUS_END_OF_FILE, MmReadLoaderModule(m, m->Size - 1, buffer, 2));
    KT_ASSERT_STATUS(STATUS_END_OF_FILE, MmReadLoaderModule(m, 0xFFFFFFFF, buffer, 2));
    KT_ASSERT_STATUS(STATUS_END_OF_FILE, MmReadLoaderModule(m, 1, buffer, 0xFFFFFFFF));
    KT_ASSERT_EQ(0xA5, buffer[0]);
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmReadLoaderModule(m, m->Size - 1, buffer, 1));
    KT_ASSERT_STATUS(STATUS_SUCCESS, MmReadLoaderModule(m, m->Size, buffer, 0));
}

/* run= is stored as given, quotes gone: tests/modules.t compares it with what it passed. */
KTEST(TestRunOption, "boot.loader.run")
{
    KtPrint("run=[%s]", KeBootOptions.Run ? KeBootOptions.Run : "");
    if (KeBootOptions.Run)
        KT_ASSERT(strstr(KeLoaderBlock.CommandLine, "run=") != NULL);
    else
        KT_ASSERT(strstr(KeLoaderBlock.CommandLine, "run=") == NULL);
}
