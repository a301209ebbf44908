/*
 * kernel/kd/kdmdl.c: MDLs at the prompt. !mdl shows one, field by field, with the names of its
 * flags and the pages it holds; mdllock and mdlunlock do what a driver does around a transfer
 * into a buffer (MmProbeAndLockPages, a system mapping, MmUnlockPages), so there is an MDL to
 * look at and locked pages to see in !pfn:
 *
 *   kd> poolalloc paged 3000 Tmdl
 *   kd> mdllock poi(KdLastPoolAllocation)+100 2e00 write
 *   MmProbeAndLockPages(80625a80, KernelMode, IoWriteAccess) = 00000000, mapped at ff26f100
 *   kd> !mdl poi(KdLastMdl)
 *   MDL 80625a80
 *     Next 00000000  Size 0028  MdlFlags 0083 (MAPPED_TO_SYSTEM_VA PAGES_LOCKED WRITE_OPERATION)
 *     Process 00000000  MappedSystemVa ff26f100  StartVa e1001000  ByteCount 2e00  ByteOffset 100
 *     Pages: 1fbc 1fb9 1fba
 *   kd> mdlunlock poi(KdLastMdl)
 *
 * mdllock runs in the implicit process (.process), so it locks that process's user pages as a
 * driver called in its context would: leave them locked and let the process end, and the
 * system stops with PROCESS_HAS_LOCKED_PAGES (0x76). mdlmap maps the MDL's pages into the
 * implicit process's user space too (UserMode: a VAD of type PhysicalMapping), mdlunmap
 * takes that mapping away; mdlunlock unlocks (the system mapping goes with it, a user mapping
 * does not, as in NT) and frees the MDL.
 */
#include "kernel/kd/kd.h"
#include "mm/mi.h"

#define KD_MDL_TAG      POOL_TAG('K', 'd', 'M', 'd')
#define KD_MDL_PAGES    32              /* the pages !mdl lists at most */

MDL *KdLastMdl;
void *KdLastMdlUserMapping;

static const char *const KdMdlFlagNames[] = {
    "MAPPED_TO_SYSTEM_VA", "PAGES_LOCKED", "SOURCE_IS_NONPAGED_POOL", "ALLOCATED_FIXED_SIZE",
    "PARTIAL", "PARTIAL_HAS_BEEN_MAPPED", "IO_PAGE_READ", "WRITE_OPERATION",
    "PARENT_MAPPED_SYSTEM_VA", "FREE_EXTRA_PTES", "DESCRIBES_AWE", "IO_SPACE",
    "NETWORK_HEADER", "MAPPING_CAN_FAIL", "ALLOCATED_MUST_SUCCEED",
};

/* The MDL mdllock made last, from the argument; NULL (and said) for anything else. */
static MDL *KdMdlArgument(int Argc, char **Argv, const char *Command)
{
    uint32_t address;

    if (Argc != 2) {
        DbgPrint("usage: %s <mdl>   (the one mdllock made)\n", Command);
        return NULL;
    }
    if (!KdEvaluateWord(Argv[1], &address))
        return NULL;
    if (!KdLastMdl || (MDL *)(uintptr_t)address != KdLastMdl) {
        DbgPrint("%s: %08x is not the MDL mdllock made last\n", Command, address);
        return NULL;
    }
    return KdLastMdl;
}

/* !mdl <address> */
void KdCommandMdl(int Argc, char **Argv)
{
    uint32_t address, frames[KD_MDL_PAGES], pages;
    MDL mdl;

    if (Argc != 2) {
        DbgPrint("usage: !mdl <address>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &address))
        return;
    if (!KdReadMemory(address, &mdl, sizeof(mdl))) {
        DbgPrint("%08x: cannot be read\n", address);
        return;
    }
    DbgPrint("MDL %08x\n  Next %08x  Size %04x  MdlFlags %04x (", address,
             (uint32_t)(uintptr_t)mdl.Next, (uint16_t)mdl.Size, (uint16_t)mdl.MdlFlags);
    for (uint32_t bit = 0, first = 1; bit < (uint32_t)ARRAYSIZE(KdMdlFlagNames); bit++) {
        if ((uint16_t)mdl.MdlFlags & (1u << bit)) {
            DbgPrint("%s%s", first ? "" : " ", KdMdlFlagNames[bit]);
            first = 0;
        }
    }
    DbgPrint(")\n  Process %08x  MappedSystemVa %08x  StartVa %08x  ByteCount %x  ByteOffset %x\n",
             (uint32_t)(uintptr_t)mdl.Process, (uint32_t)(uintptr_t)mdl.MappedSystemVa,
             (uint32_t)(uintptr_t)mdl.StartVa, mdl.ByteCount, mdl.ByteOffset);
    pages = MIN(MmGetMdlPageCount(&mdl), (uint32_t)KD_MDL_PAGES);
    if ((uint32_t)mdl.Size < sizeof(MDL) + pages * sizeof(uint32_t) ||
        !KdReadMemory(address + sizeof(MDL), frames, pages * sizeof(uint32_t))) {
        DbgPrint("  Pages: cannot be read\n");
        return;
    }
    DbgPrint("  Pages:");
    for (uint32_t i = 0; i < pages; i++) {
        if (frames[i] == MDL_EMPTY_PFN) {
            DbgPrint(" (empty)");
            break;
        }
        DbgPrint(" %x", frames[i]);
    }
    DbgPrint("%s\n", MmGetMdlPageCount(&mdl) > pages ? " ..." : "");
}

/* mdllock <address> <bytes> [read|write] */
void KdCommandMdlLock(int Argc, char **Argv)
{
    LOCK_OPERATION operation = IoReadAccess;
    uint32_t address, bytes;
    NTSTATUS status;
    void *mapped = NULL;
    MDL *mdl;

    if (Argc == 4 && strcmp(Argv[3], "write") == 0)
        operation = IoWriteAccess;
    if (Argc < 3 || Argc > 4 || (Argc == 4 && operation == IoReadAccess &&
                                 strcmp(Argv[3], "read") != 0)) {
        DbgPrint("usage: mdllock <address> <bytes> [read|write]\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &address) || !KdEvaluateWord(Argv[2], &bytes))
        return;
    if (bytes == 0 || !(mdl = MmCreateMdl(NULL, (void *)(uintptr_t)address, bytes))) {
        DbgPrint("mdllock: no MDL for %x bytes\n", bytes);
        return;
    }
    status = MmProbeAndLockPages(mdl, KernelMode, operation);
    if (NT_SUCCESS(status))
        mapped = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    DbgPrint("MmProbeAndLockPages(%08x, KernelMode, %s) = %08x", (uint32_t)(uintptr_t)mdl,
             operation == IoReadAccess ? "IoReadAccess" : "IoWriteAccess", (uint32_t)status);
    if (!NT_SUCCESS(status)) {
        DbgPrint("\n");
        ExFreePool(mdl);
        return;
    }
    DbgPrint(", mapped at %08x\n", (uint32_t)(uintptr_t)mapped);
    KdLastMdl = mdl;
}

/* mdlunlock <mdl> */
void KdCommandMdlUnlock(int Argc, char **Argv)
{
    MDL *mdl = KdMdlArgument(Argc, Argv, "mdlunlock");

    if (!mdl)
        return;
    MmUnlockPages(mdl);
    ExFreePool(mdl);
    KdLastMdl = NULL;
    KdLastMdlUserMapping = NULL;        /* a user mapping stays, for the process's end to take */
    DbgPrint("MmUnlockPages(%08x); the MDL is freed\n", (uint32_t)(uintptr_t)mdl);
}

/* mdlmap <mdl> */
void KdCommandMdlMap(int Argc, char **Argv)
{
    MDL *mdl = KdMdlArgument(Argc, Argv, "mdlmap");
    void *mapped;

    if (!mdl)
        return;
    if (KdLastMdlUserMapping) {
        DbgPrint("mdlmap: already mapped at %08x\n", (uint32_t)(uintptr_t)KdLastMdlUserMapping);
        return;
    }
    mapped = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, false,
                                          NormalPagePriority);
    DbgPrint("MmMapLockedPagesSpecifyCache(%08x, UserMode) = %08x", (uint32_t)(uintptr_t)mdl,
             (uint32_t)(uintptr_t)mapped);
    if (mapped)
        DbgPrint("\n");
    else
        DbgPrint(" (status %08x)\n", (uint32_t)MiLastUserMappingStatus);
    KdLastMdlUserMapping = mapped;
}

/* mdlunmap <mdl> */
void KdCommandMdlUnmap(int Argc, char **Argv)
{
    MDL *mdl = KdMdlArgument(Argc, Argv, "mdlunmap");

    if (!mdl)
        return;
    if (!KdLastMdlUserMapping) {
        DbgPrint("mdlunmap: not mapped in user space\n");
        return;
    }
    MmUnmapLockedPages(KdLastMdlUserMapping, mdl);
    DbgPrint("MmUnmapLockedPages(%08x, %08x)\n", (uint32_t)(uintptr_t)KdLastMdlUserMapping,
             (uint32_t)(uintptr_t)mdl);
    KdLastMdlUserMapping = NULL;
}
