/*
 * kernel/kd/kdvad.c: !vad, a process's VAD tree as WinDbg prints it:
 *
 *   kd> !vad
 *   VAD     level      start      end    commit
 *   80c4e4e8 ( 2)         10       1f         1 Private      READWRITE
 *   80c4a3a8 ( 1)        400      40d        14 Private      READWRITE
 *   ...
 *
 *   Total VADs:     8  average level:    3  maximum depth: 3
 *
 *   !vad                the implicit process's tree (.process chooses it), from its root
 *   !vad <vad>          the subtree under one of its VADs
 *   !vad <vad> 1        that VAD alone: its VPNs, commit charge and flags
 *   !vad <address> 1    the VAD holding a user address (1 may be left out)
 *
 * start and end are virtual page numbers (the end inclusive), commit the pages charged
 * (CommitCharge, decimal), then Private or Mapped (and Exe for an image view) and the VAD's
 * protection. !vad <vad> 1 of a private VAD in a process that forked or was forked adds a Fork
 * line: the region's pages that are a fork's (their PTEs refer to clone blocks, mm/forksup.c),
 * how many of those the process maps now, and its clone descriptors. The level is the depth under the root shown, the root being 0; "average level"
 * counts the root as 1 and rounds down, which is how WinDbg's figures come out. The tree is
 * read holding the process's AddressCreationLock, so it cannot change under the walk.
 */
#include "kernel/kd/kd.h"
#include "kernel/ps/ps.h"
#include "mm/mi.h"

typedef struct _KD_VAD_WALK {
    uint32_t Count;
    uint32_t LevelSum;              /* of level + 1 */
    uint32_t MaximumLevel;
} KD_VAD_WALK;

/* An MM_* protection as WinDbg names it in a VAD. */
static void KdVadProtection(uint32_t Protection, char *Text, size_t Size)
{
    static const char *const names[8] = {
        "NO_ACCESS", "READONLY", "EXECUTE", "EXECUTE_READ", "READWRITE", "WRITECOPY",
        "EXECUTE_READWRITE", "EXECUTE_WRITECOPY",
    };
    uint32_t low = Protection & MM_PROTECTION_OPERATION_MASK;

    switch (Protection & ~(uint32_t)MM_PROTECTION_OPERATION_MASK) {
    case MM_NOCACHE:
        RtlStringPrintf(Text, Size, "NOCACHE %s", names[low]);
        break;
    case MM_GUARD_PAGE:
        RtlStringPrintf(Text, Size, low ? "GUARD %s" : "DECOMMIT", names[low]);
        break;
    case MM_WRITECOMBINE:
        RtlStringPrintf(Text, Size, low ? "WRITECOMBINE %s" : "NO_ACCESS", names[low]);
        break;
    default:
        RtlCopyString(Text, names[low], Size);
        break;
    }
}

static void KdPrintVadLine(const MMVAD_SHORT *Vad, uint32_t Level)
{
    const MMVAD_FLAGS *flags = &Vad->u.VadFlags;
    char protection[32];

    KdVadProtection(flags->Protection, protection, sizeof(protection));
    DbgPrint("%08x (%2u) %10x %8x %9u %-7s %-4s %s\n", (uint32_t)(uintptr_t)Vad, Level,
             Vad->Node.StartingVpn, Vad->Node.EndingVpn, flags->CommitCharge,
             flags->PrivateMemory ? "Private" : "Mapped",
             flags->VadType == VadImageMap ? "Exe" : "", protection);
}

/* In order (ascending VPNs), Level deep under the root shown. */
static void KdWalkVads(const MMADDRESS_NODE *Node, uint32_t Level, KD_VAD_WALK *Walk)
{
    if (!Node)
        return;
    KdWalkVads(Node->LeftChild, Level + 1, Walk);
    KdPrintVadLine(CONTAINING_RECORD(Node, MMVAD_SHORT, Node), Level);
    Walk->Count++;
    Walk->LevelSum += Level + 1;
    Walk->MaximumLevel = MAX(Walk->MaximumLevel, Level);
    KdWalkVads(Node->RightChild, Level + 1, Walk);
}

static void KdPrintVadTree(const MMADDRESS_NODE *Root)
{
    KD_VAD_WALK walk = { 0 };

    DbgPrint("VAD     level      start      end    commit\n");
    KdWalkVads(Root, 0, &walk);
    DbgPrint("\nTotal VADs: %5u  average level: %4u  maximum depth: %u\n", walk.Count,
             walk.Count ? walk.LevelSum / walk.Count : 0, walk.MaximumLevel);
}

static const char *const KdVadTypeNames[8] = {
    "", "PhysicalMapping", "ImageMap", "UserPhysicalPages", "WriteWatch", "LargePages",
    "RotatePhysical", "LargePageSection",
};

/*
 * A private VAD of a process that has forked or was forked (a CloneRoot): how many of its
 * pages are a fork's (a PTE referring to a clone block: valid copy-on-write, or in the
 * prototype format) and how many of those this process maps now. Read in the implicit
 * process, which the command runs attached to.
 */
static void KdPrintForkPages(const MMVAD_SHORT *Vad)
{
    EPROCESS *process = KdGetImplicitProcess();
    uint32_t shared = 0, mapped = 0;

    if (!process || !process->Mm.CloneRoot)
        return;
    for (uint32_t vpn = Vad->Node.StartingVpn; vpn <= Vad->Node.EndingVpn; vpn++) {
        uintptr_t va = (uintptr_t)vpn << PAGE_SHIFT;
        MMPTE pte;

        if (!MiGetPdeAddress(va)->u.Hard.Valid) {
            vpn |= (MM_VA_MAPPED_BY_PDE >> PAGE_SHIFT) - 1;
            continue;
        }
        pte = *MiGetPteAddress(va);
        if (pte.u.Hard.Valid && MI_PFN_ELEMENT(pte.u.Hard.PageFrameNumber)->u3.e1.PrototypePte) {
            shared++;
            mapped++;
        } else if (!pte.u.Hard.Valid && pte.u.Soft.Prototype && !MiIsLookupNeeded(pte)) {
            shared++;
        }
    }
    DbgPrint("  Fork: %u pages in clone blocks (%u of them mapped), %u clone descriptors\n",
             shared, mapped, process->Mm.CloneRoot->NumberGenericTableElements);
}

/* One VAD, as !vad <vad> 1 shows it. */
static void KdPrintVadDetails(const MMVAD_SHORT *Vad)
{
    const MMVAD_FLAGS *flags = &Vad->u.VadFlags;
    const MMVAD *vad = flags->PrivateMemory ? NULL : (const MMVAD *)Vad;
    char protection[32];

    KdVadProtection(flags->Protection, protection, sizeof(protection));
    DbgPrint("VAD @ %08x\n", (uint32_t)(uintptr_t)Vad);
    DbgPrint("  Start VPN: %10x  End VPN: %8x  Control Area:  %08x\n", Vad->Node.StartingVpn,
             Vad->Node.EndingVpn, vad ? (uint32_t)(uintptr_t)vad->ControlArea : 0);
    DbgPrint("  First ProtoPte: %08x  Last PTE %08x  Commit Charge %9x (%u.)\n",
             vad ? (uint32_t)(uintptr_t)vad->FirstPrototypePte : 0,
             vad ? (uint32_t)(uintptr_t)vad->LastContiguousPte : 0, flags->CommitCharge,
             flags->CommitCharge);
    DbgPrint("  %s%s%s%s%s %s\n", flags->PrivateMemory ? " PrivateMemory" : "",
             flags->MemCommit ? " MemCommit" : "", flags->NoChange ? " NoChange" : "",
             flags->VadType != VadNone ? " " : "", KdVadTypeNames[flags->VadType], protection);
    if (flags->PrivateMemory)
        KdPrintForkPages(Vad);
}

/* The node Address names in Table, or NULL. */
static const MMADDRESS_NODE *KdFindVad(const MM_AVL_TABLE *Table, uint32_t Address)
{
    for (const MMADDRESS_NODE *node = MiGetFirstNode(Table); node; node = MiGetNextNode(node)) {
        if ((uint32_t)(uintptr_t)node == Address)
            return node;
    }
    return NULL;
}

/* !vad [<vad>|<address> [1]] */
void KdCommandVad(int Argc, char **Argv)
{
    EPROCESS *process = KdGetImplicitProcess();
    uint32_t value = 0, flag = 0;
    const MMADDRESS_NODE *node;
    MMADDRESS_SPACE *space;

    if (Argc > 3) {
        DbgPrint("usage: !vad [<vad> [1]]   !vad <address> 1\n");
        return;
    }
    if ((Argc > 1 && !KdEvaluateWord(Argv[1], &value)) ||
        (Argc > 2 && !KdEvaluateWord(Argv[2], &flag)))
        return;
    if (!process) {
        DbgPrint("!vad: the System process has no VADs (.process <eprocess> chooses a process)\n");
        return;
    }
    space = &process->Mm.AddressSpace;
    MiLockAddressSpace(space);
    if (Argc == 1) {
        KdPrintVadTree(space->VadRoot.BalancedRoot.RightChild);
    } else if (value <= MmHighestUserAddress) {
        MMVAD_SHORT *vad = MiLocateAddress(space, value);

        if (vad)
            KdPrintVadDetails(vad);
        else
            DbgPrint("!vad: no VAD of process %08x holds %08x\n", (uint32_t)(uintptr_t)process,
                     value);
    } else if (!(node = KdFindVad(&space->VadRoot, value))) {
        DbgPrint("!vad: %08x is no VAD of process %08x\n", value, (uint32_t)(uintptr_t)process);
    } else if (flag == 1) {
        KdPrintVadDetails(CONTAINING_RECORD(node, MMVAD_SHORT, Node));
    } else {
        KdPrintVadTree(node);
    }
    MiUnlockAddressSpace(space);
}
