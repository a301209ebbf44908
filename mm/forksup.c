/*
 * mm/forksup.c: cloning an address space for POSIX fork (NT's forksup.c,
 * MiCloneProcessAddressSpace; nt-mm-facts-2 §4.9). Nothing is copied at the fork: every private
 * page of the parent that holds something becomes a fork prototype PTE, and both processes'
 * PTEs point at it:
 *
 *   parent PTE (before)      clone block (paged pool)           parent and child PTEs (after)
 *   valid, private     -->   { valid PTE, CloneRefCount 2 }     parent: still valid, but
 *                            the PFN's PteAddress is the block,   read-only copy-on-write;
 *                            PrototypePte set, its protection     child: prototype format
 *                            write-copy, PteFrame the pool page
 *   transition         -->   { the transition PTE, 2 }          both: prototype format
 *   paging file        -->   { the paging-file PTE, 2 }         both: prototype format
 *   a fork prototype   -->   its block's count + 1              child: the same pointer
 *   demand zero, no access, decommitted: copied as they are; zero: nothing.
 *
 * A fault on a prototype-format PTE resolves the block like any prototype (pagfault.c: valid,
 * transition, paging file), the PFN's share count counting the processes that map the page.
 * The first write by either process makes a private copy (wrtfault.c, MiCopyOnWrite), charged
 * to nobody: the child was charged the parent's private commitment at the fork, once, as NT
 * charges it; a page whose block no other process refers to any more is taken back instead,
 * in place (MiTakeOverForkPage; MiTakeBackForkPte for one not mapped, for a protection change). Each PTE that stops referring to a block (a copy, a decommit, the process's
 * exit) takes one from its count (MiDecrementCloneBlockReference); the last frees the page or
 * the paging-file slot the block holds. The blocks of one fork share an MMCLONE_HEADER, and
 * each process that refers to them has an MMCLONE_DESCRIPTOR in its CloneRoot counting its
 * references; the last process's descriptor takes the header and the blocks with it.
 *
 * Section views with ViewShare inheritance are mapped again in the child at the same address;
 * the child's PTEs point at the section's prototype PTEs where the parent's do, and a
 * copy-on-write view's private copies become fork prototypes as private pages do. AWE, large-page and rotate-physical VADs are not copied (NT's rule),
 * nor views with ViewUnmap inheritance. While the parent's PTEs change, ForkInProgress makes
 * the parent's other threads' faults wait (MiWaitForForkToComplete).
 */
#include "mm/mi.h"

#define MI_CLONE_BLOCK_TAG      POOL_TAG('M', 'm', 'C', 'l')
#define MI_CLONE_HEADER_TAG     POOL_TAG('M', 'm', 'C', 'h')
#define MI_CLONE_DESCRIPTOR_TAG POOL_TAG('M', 'm', 'C', 'd')
#define MI_CLONE_TABLE_TAG      POOL_TAG('M', 'm', 'C', 't')
#define MI_VAD_TAG              POOL_TAG('V', 'a', 'd', 'S')
#define MI_VIEW_VAD_TAG         POOL_TAG('V', 'a', 'd', ' ')
#define MI_FORK_WAIT_MS         1

/* A header, with mm386's link on the list the debugger reads (NT keeps none). */
typedef struct _MI_CLONE_HEADER {
    MMCLONE_HEADER Header;
    LIST_ENTRY Links;
} MI_CLONE_HEADER;

static LIST_ENTRY MiCloneHeaderList = { &MiCloneHeaderList, &MiCloneHeaderList };
static KSPIN_LOCK MiCloneHeaderLock;

/* The child's PTEs of one page table, written while the parent's are converted: a page of the
 * buffer (paged pool, page-aligned); MI_CLONE.TableInfo says which page table, and the range of
 * its PTEs the clone went through (nothing outside it is written). */
typedef struct _MI_CLONE_TABLE {
    MMPTE Ptes[PAGE_SIZE / sizeof(MMPTE)];
} MI_CLONE_TABLE;

_Static_assert(sizeof(MI_CLONE_TABLE) == PAGE_SIZE, "a child page table's buffer is a page");

typedef struct _MI_CLONE_TABLE_INFO {
    uint32_t PdeIndex;
    uint16_t First, Last;               /* PTE indexes, inclusive */
} MI_CLONE_TABLE_INFO;

/* NT's MI_MAKE_PROTECT_WRITE_COPY: what a writable page shared by a fork becomes. */
static uint32_t MiMakeProtectWriteCopy(uint32_t Protection)
{
    if ((Protection & MM_PROTECTION_OPERATION_MASK) == MM_READWRITE)
        return (Protection & ~MM_PROTECTION_OPERATION_MASK) | MM_WRITECOPY;
    if ((Protection & MM_PROTECTION_OPERATION_MASK) == MM_EXECUTE_READWRITE)
        return (Protection & ~MM_PROTECTION_OPERATION_MASK) | MM_EXECUTE_WRITECOPY;
    return Protection;
}

MMCLONE_DESCRIPTOR *MiLocateCloneDescriptor(MMPROCESS *Process, const MMPTE *Proto)
{
    MMADDRESS_NODE *node;

    if (!Process->CloneRoot || !MiIsPrototypePteAddress(Proto))
        return NULL;
    node = MiLocateAddressInTree((uint32_t)(uintptr_t)Proto, Process->CloneRoot);
    return node ? CONTAINING_RECORD(node, MMCLONE_DESCRIPTOR, Node) : NULL;
}

bool MiIsForkPte(MMPROCESS *Process, MMPTE Pte)
{
    if (!Process->CloneRoot)
        return false;
    if (Pte.u.Hard.Valid) {
        MMPFN *pfn = MI_PFN_ELEMENT(Pte.u.Hard.PageFrameNumber);

        return pfn->u3.e1.PrototypePte && MiLocateCloneDescriptor(Process, pfn->PteAddress);
    }
    return Pte.u.Soft.Prototype && !MiIsLookupNeeded(Pte) &&
           MiLocateCloneDescriptor(Process, MiPteToProto(Pte));
}

MMCLONE_HEADER *MiFindCloneHeader(const MMPTE *Proto)
{
    MMCLONE_HEADER *found = NULL;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiCloneHeaderLock, &oldIrql);
    for (LIST_ENTRY *e = MiCloneHeaderList.Flink; e != &MiCloneHeaderList; e = e->Flink) {
        MMCLONE_HEADER *header = &CONTAINING_RECORD(e, MI_CLONE_HEADER, Links)->Header;

        if ((const MMCLONE_BLOCK *)Proto >= header->ClonePtes &&
            (const MMCLONE_BLOCK *)Proto < header->ClonePtes + header->NumberOfPtes) {
            found = header;
            break;
        }
    }
    KeReleaseSpinLock(&MiCloneHeaderLock, oldIrql);
    return found;
}

void MiDecrementCloneBlockReference(MMCLONE_BLOCK *Block)
{
    MMPTE proto = Block->ProtoPte;

    if (Block->CloneRefCount <= 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE,
                     (uintptr_t)Block, proto.u.Long, (uint32_t)Block->CloneRefCount);
    if (--Block->CloneRefCount != 0)
        return;
    if (proto.u.Hard.Valid)                     /* nobody refers to it, yet it is mapped */
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE,
                     (uintptr_t)Block, proto.u.Long, 0);
    if (proto.u.Soft.Transition)
        MiDeleteTransitionPte(&Block->ProtoPte);
    else if (proto.u.Soft.PageFileHigh != 0)
        MiReleasePageFileSpace(proto);
    Block->ProtoPte.u.Long = MM_ZERO_PTE;
}

bool MiDeleteForkReference(MMPROCESS *Process, MMCLONE_DESCRIPTOR *Descriptor,
                           MMCLONE_BLOCK *Block, KIRQL *OldIrql)
{
    if (!MmIsAddressValid(Block))
        MiMakeSystemAddressValidPfn(Block, OldIrql);
    MiDecrementCloneBlockReference(Block);
    return MiReleaseCloneDescriptorReference(Process, Descriptor, OldIrql);
}

bool MiReleaseCloneDescriptorReference(MMPROCESS *Process, MMCLONE_DESCRIPTOR *Descriptor,
                                       KIRQL *OldIrql)
{
    if (Descriptor->NumberOfReferences > 1) {
        Descriptor->NumberOfReferences--;
        return false;
    }
    UNLOCK_PFN(*OldIrql);
    MiDereferenceCloneDescriptor(Process, Descriptor);
    LOCK_PFN(*OldIrql);
    return true;
}

/* The last process let go of a header: every block is empty by now. */
static void MiDeleteCloneHeader(MI_CLONE_HEADER *Clone)
{
    MMCLONE_HEADER *header = &Clone->Header;
    KIRQL oldIrql;

    for (uint32_t i = 0; i < header->NumberOfPtes; i++) {
        if (header->ClonePtes[i].CloneRefCount != 0 ||
            header->ClonePtes[i].ProtoPte.u.Long != MM_ZERO_PTE)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE,
                         (uintptr_t)&header->ClonePtes[i],
                         header->ClonePtes[i].ProtoPte.u.Long,
                         (uint32_t)header->ClonePtes[i].CloneRefCount);
    }
    KeAcquireSpinLock(&MiCloneHeaderLock, &oldIrql);
    RemoveEntryList(&Clone->Links);
    KeReleaseSpinLock(&MiCloneHeaderLock, oldIrql);
    ExFreePoolWithTag(header->ClonePtes, MI_CLONE_BLOCK_TAG);
    ExFreePoolWithTag(Clone, MI_CLONE_HEADER_TAG);
}

static void MiDereferenceCloneHeader(MMCLONE_HEADER *Header)
{
    if (__atomic_sub_fetch(&Header->NumberOfProcessReferences, 1, __ATOMIC_SEQ_CST) == 0)
        MiDeleteCloneHeader(CONTAINING_RECORD(Header, MI_CLONE_HEADER, Header));
}

void MiDereferenceCloneDescriptor(MMPROCESS *Process, MMCLONE_DESCRIPTOR *Descriptor)
{
    MMCLONE_HEADER *header = Descriptor->CloneHeader;

    if (Descriptor->NumberOfReferences <= 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE,
                     (uintptr_t)Descriptor, (uintptr_t)header, 1);
    if (--Descriptor->NumberOfReferences != 0)
        return;
    MiRemoveNode(&Descriptor->Node, Process->CloneRoot);
    ExFreePoolWithTag(Descriptor, MI_CLONE_DESCRIPTOR_TAG);
    MiDereferenceCloneHeader(header);
}

void MiDeleteCloneRoot(MMPROCESS *Process)
{
    if (!Process->CloneRoot)
        return;
    if (Process->CloneRoot->NumberGenericTableElements != 0)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_PROCESS_COMMIT,
                     (uintptr_t)MiGetKProcess(Process), Process->CloneRoot->NumberGenericTableElements,
                     0xC1);
    ExFreePoolWithTag(Process->CloneRoot, MI_CLONE_DESCRIPTOR_TAG);
    Process->CloneRoot = NULL;
}

bool MiWaitForForkToComplete(MMPROCESS *Process)
{
    if (!Process->ForkInProgress || Process->ForkInProgress == KeGetCurrentThread())
        return false;
    /* NT's way: the fork holds the address-creation lock throughout, so taking it (and letting
     * it go) waits for the fork to end. The faulting thread cannot hold it itself meanwhile. */
    MiUnlockWorkingSet(&Process->Vm);
    MiLockAddressSpace(&Process->AddressSpace);
    MiUnlockAddressSpace(&Process->AddressSpace);
    return true;
}

/*
 * A fork's page not mapped here, whose block this process alone refers to: the PTE takes back
 * what the block holds (the transition page, or the paging-file slot), as a private page's, and
 * the block is emptied — no fault, so a page no access or guard allows to be touched is taken
 * back too. False when another process still refers to the block (or the page is under I/O).
 */
static bool MiTakeBackForkPte(MMPROCESS *Process, MMPTE *PointerPte, MMPTE Contents)
{
    MMCLONE_BLOCK *block = (MMCLONE_BLOCK *)MiPteToProto(Contents);
    MMCLONE_DESCRIPTOR *descriptor = MiLocateCloneDescriptor(Process, &block->ProtoPte);
    MMPTE proto;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    MiMakeSystemAddressValidPfn(block, &oldIrql);
    proto = block->ProtoPte;
    if (!descriptor || PointerPte->u.Long != Contents.u.Long || block->CloneRefCount != 1 ||
        proto.u.Hard.Valid) {
        UNLOCK_PFN(oldIrql);
        return false;
    }
    if (proto.u.Soft.Transition) {
        uint32_t frame = proto.u.Trans.PageFrameNumber;
        MMPFN *pfn = MI_PFN_ELEMENT(frame);
        uint32_t protection = MiMakeProtectNotWriteCopy(proto.u.Trans.Protection);
        uint32_t table = MiGetPteAddress(PointerPte)->u.Hard.PageFrameNumber;

        if (pfn->u3.e2.ReferenceCount != 0) {
            UNLOCK_PFN(oldIrql);
            return false;
        }
        pfn->PteAddress = PointerPte;
        pfn->u3.e1.PrototypePte = 0;
        pfn->OriginalPte.u.Soft.Protection = protection;
        MI_PFN_ELEMENT(table)->u2.ShareCount++;     /* a private transition page's table holds it */
        MiDecrementShareCount(pfn->u4.PteFrame);    /* ... not the block's pool page */
        pfn->u4.PteFrame = table;
        PointerPte->u.Long = MiMakeTransitionPte(frame, protection).u.Long |
                             MiPteOwnerMask(PointerPte);
    } else if (proto.u.Soft.PageFileHigh != 0) {
        proto.u.Soft.Protection = MiMakeProtectNotWriteCopy(proto.u.Soft.Protection);
        *PointerPte = proto;
    } else {
        UNLOCK_PFN(oldIrql);
        return false;
    }
    block->ProtoPte.u.Long = MM_ZERO_PTE;
    block->CloneRefCount = 0;
    Process->NumberOfPrivatePages++;
    MiReleaseCloneDescriptorReference(Process, descriptor, &oldIrql);
    UNLOCK_PFN(oldIrql);
    return true;
}

void MiMakeForkPagePrivate(MMPROCESS *Process, uintptr_t Va)
{
    /* Each round either makes progress or waited for pages or a read: bounded. */
    for (int round = 0; round < 64; round++) {
        MMPTE *pte = MiGetPteAddress(Va);
        MMPTE contents = *pte;

        if (!MiIsForkPte(Process, contents))
            return;
        if (contents.u.Hard.Valid)
            (void)MiCopyOnWrite(Process, Va, pte);
        else if (!MiTakeBackForkPte(Process, pte, contents))
            (void)MiResolveProtoPteFault(&Process->Vm, false, Va, pte, contents, NULL);
    }
}

/* Does the clone copy this VAD? NT's rules: not AWE, large pages or rotate-physical; a view only
 * when it is inherited (ViewShare). Nor the reservation over the shared user data page under
 * /3GB: the child has its own, and that page is the system's. */
static bool MiIsVadCloned(const MMVAD_SHORT *Vad)
{
    if (Vad->Node.StartingVpn <= (MM_SHARED_USER_DATA_VA >> PAGE_SHIFT) &&
        Vad->Node.EndingVpn >= (MM_SHARED_USER_DATA_VA >> PAGE_SHIFT))
        return false;
    switch (Vad->u.VadFlags.VadType) {
    case VadAwe:
    case VadLargePages:
    case VadRotatePhysical:
    case VadLargePageSection:
    case VadDevicePhysicalMemory:
        return false;
    default:
        break;
    }
    return Vad->u.VadFlags.PrivateMemory || ((const MMVAD *)Vad)->u2.VadFlags2.Inherit;
}

/* Does a private PTE hold a page or a slot of its own, which the clone makes a block of? A
 * valid copy-on-write PTE in private memory is a fork's page (private memory is never
 * write-copy otherwise): its PFN need not be read. */
static inline bool MiIsPrivatePagePte(MMPTE Pte)
{
    if (Pte.u.Hard.Valid)
        return !Pte.u.Hard.CopyOnWrite && !MI_PFN_ELEMENT(Pte.u.Hard.PageFrameNumber)->u3.e1.PrototypePte;
    if (Pte.u.Soft.Prototype)
        return false;
    return Pte.u.Soft.Transition || Pte.u.Soft.PageFileHigh != 0;
}

/* What the clone needs, counted in the parent with its working-set mutex. */
typedef struct _MI_CLONE_COUNTS {
    uint32_t Vads;
    uint32_t Tables;
    uint32_t Blocks;
    uint32_t Descriptors;               /* the parent's, before this fork */
    uint32_t SeenTables[24];            /* bit n: page table n counted */
} MI_CLONE_COUNTS;

static void MiCountClone(MMPROCESS *Parent, MI_CLONE_COUNTS *Counts)
{
    for (MMADDRESS_NODE *node = MiGetFirstNode(&Parent->AddressSpace.VadRoot); node;
         node = MiGetNextNode(node)) {
        MMVAD_SHORT *vad = CONTAINING_RECORD(node, MMVAD_SHORT, Node);
        uintptr_t va = (uintptr_t)node->StartingVpn << PAGE_SHIFT;
        uintptr_t end = ((uintptr_t)node->EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);

        if (!MiIsVadCloned(vad))
            continue;
        Counts->Vads++;
        while (va <= end) {
            uintptr_t last = MIN(end, va | (MM_VA_MAPPED_BY_PDE - 1));
            uint32_t pde = MiGetPdeOffset(va);

            if (MiGetPdeAddress(va)->u.Hard.Valid) {
                const MMPTE *pte = MiGetPteAddress(va), *lastPte = MiGetPteAddress(last);

                if (!(Counts->SeenTables[pde / 32] & (1u << (pde % 32)))) {
                    Counts->SeenTables[pde / 32] |= 1u << (pde % 32);
                    Counts->Tables++;
                }
                for (; pte <= lastPte; pte++)
                    Counts->Blocks += pte->u.Long != MM_ZERO_PTE && MiIsPrivatePagePte(*pte);
            }
            if (last == 0xFFFFFFFF)
                break;
            va = last + 1;
        }
    }
    if (Parent->CloneRoot)
        Counts->Descriptors = Parent->CloneRoot->NumberGenericTableElements;
}

/* The clone in progress: what was allocated for it, and the child's side being built. */
typedef struct _MI_CLONE {
    MMPROCESS *Parent, *Child;
    MI_CLONE_COUNTS Counts;
    MMVAD_SHORT **Vads;                 /* the child's copies; NULL: not copied after all */
    MMVAD_SHORT **ParentVads;
    uint32_t VadCount;
    uint32_t VadsInserted;              /* Vads[0 .. VadsInserted-1] are the child's now */
    MI_CLONE_TABLE *Tables;
    MI_CLONE_TABLE_INFO *TableInfo;     /* nonpaged: each buffer's page table and range */
    uint32_t TablesUsed;
    MI_CLONE_HEADER *Header;            /* this fork's blocks, NULL when none are needed */
    uint32_t BlocksMade;
    MMCLONE_DESCRIPTOR *ParentDescriptor;
    MMCLONE_DESCRIPTOR **ChildDescriptors;  /* one per parent descriptor, then the new one */
    uint32_t ChildDescriptorCount;
    MM_AVL_TABLE *ChildRoot;
} MI_CLONE;

/* The child's descriptor for the header Proto (a fork prototype of the parent's) is in. */
static MMCLONE_DESCRIPTOR *MiChildDescriptorFor(MI_CLONE *Clone, const MMPTE *Proto)
{
    MMADDRESS_NODE *node = MiLocateAddressInTree((uint32_t)(uintptr_t)Proto, Clone->ChildRoot);

    if (!node)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE, (uintptr_t)Proto,
                     0, 0xC2);
    return CONTAINING_RECORD(node, MMCLONE_DESCRIPTOR, Node);
}

/* The parent's and the child's descriptors ready, and the new header's blocks allocated. */
static NTSTATUS MiAllocateCloneStructures(MI_CLONE *Clone)
{
    MMPROCESS *parent = Clone->Parent;
    uint32_t blocks = Clone->Counts.Blocks, n = 0;

    Clone->ChildRoot = ExAllocatePoolWithTag(NonPagedPool, sizeof(MM_AVL_TABLE), MI_CLONE_DESCRIPTOR_TAG);
    if (!Clone->ChildRoot)
        return STATUS_INSUFFICIENT_RESOURCES;
    MiInitializeAvlTable(Clone->ChildRoot);
    if (!parent->CloneRoot && blocks) {
        parent->CloneRoot = ExAllocatePoolWithTag(NonPagedPool, sizeof(MM_AVL_TABLE),
                                                  MI_CLONE_DESCRIPTOR_TAG);
        if (!parent->CloneRoot)
            return STATUS_INSUFFICIENT_RESOURCES;
        MiInitializeAvlTable(parent->CloneRoot);
    }
    Clone->ChildDescriptors = ExAllocatePoolWithTag(NonPagedPool,
                                                    (Clone->Counts.Descriptors + 1) * sizeof(void *),
                                                    MI_CLONE_DESCRIPTOR_TAG);
    if (!Clone->ChildDescriptors)
        return STATUS_INSUFFICIENT_RESOURCES;
    /* One child descriptor per parent descriptor, keyed as the parent's. */
    if (parent->CloneRoot) {
        for (MMADDRESS_NODE *node = MiGetFirstNode(parent->CloneRoot); node; node = MiGetNextNode(node)) {
            MMCLONE_DESCRIPTOR *from = CONTAINING_RECORD(node, MMCLONE_DESCRIPTOR, Node);
            MMCLONE_DESCRIPTOR *d = ExAllocatePoolWithTag(NonPagedPool, sizeof(*d),
                                                          MI_CLONE_DESCRIPTOR_TAG);

            if (!d)
                return STATUS_INSUFFICIENT_RESOURCES;
            RtlZeroMemory(d, sizeof(*d));
            d->Node.StartingVpn = from->Node.StartingVpn;
            d->Node.EndingVpn = from->Node.EndingVpn;
            d->NumberOfPtes = from->NumberOfPtes;
            d->CloneHeader = from->CloneHeader;
            Clone->ChildDescriptors[n++] = d;
            Clone->ChildDescriptorCount = n;
            MiInsertNode(&d->Node, Clone->ChildRoot);
        }
    }
    if (blocks == 0)
        return STATUS_SUCCESS;
    Clone->Header = ExAllocatePoolWithTag(NonPagedPool, sizeof(MI_CLONE_HEADER), MI_CLONE_HEADER_TAG);
    if (!Clone->Header)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Clone->Header, sizeof(*Clone->Header));
    InitializeListHead(&Clone->Header->Links);
    Clone->Header->Header.ClonePtes = ExAllocatePoolWithTag(PagedPool, blocks * sizeof(MMCLONE_BLOCK),
                                                            MI_CLONE_BLOCK_TAG);
    if (!Clone->Header->Header.ClonePtes)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Clone->Header->Header.ClonePtes, blocks * sizeof(MMCLONE_BLOCK));
    Clone->Header->Header.NumberOfPtes = blocks;
    for (uint32_t i = 0; i < 2; i++) {
        MMCLONE_DESCRIPTOR *d = ExAllocatePoolWithTag(NonPagedPool, sizeof(*d), MI_CLONE_DESCRIPTOR_TAG);

        if (!d)
            return STATUS_INSUFFICIENT_RESOURCES;
        RtlZeroMemory(d, sizeof(*d));
        d->Node.StartingVpn = (uint32_t)(uintptr_t)Clone->Header->Header.ClonePtes;
        d->Node.EndingVpn = (uint32_t)(uintptr_t)(Clone->Header->Header.ClonePtes + blocks) - 1;
        d->NumberOfPtes = blocks;
        d->CloneHeader = &Clone->Header->Header;
        d->PagedPoolQuotaCharge = blocks * sizeof(MMCLONE_BLOCK);
        if (i == 0) {
            Clone->ParentDescriptor = d;
        } else {
            Clone->ChildDescriptors[n++] = d;
            Clone->ChildDescriptorCount = n;
            MiInsertNode(&d->Node, Clone->ChildRoot);
        }
    }
    return STATUS_SUCCESS;
}

/* The parent's VADs copied for the child (not yet inserted anywhere). */
static NTSTATUS MiCopyVads(MI_CLONE *Clone)
{
    uint32_t n = 0;

    Clone->Vads = ExAllocatePoolWithTag(NonPagedPool, (Clone->Counts.Vads + 1) * sizeof(void *) * 2,
                                        MI_VAD_TAG);
    if (!Clone->Vads)
        return STATUS_INSUFFICIENT_RESOURCES;
    Clone->ParentVads = Clone->Vads + Clone->Counts.Vads + 1;
    for (MMADDRESS_NODE *node = MiGetFirstNode(&Clone->Parent->AddressSpace.VadRoot); node;
         node = MiGetNextNode(node)) {
        MMVAD_SHORT *vad = CONTAINING_RECORD(node, MMVAD_SHORT, Node), *copy;
        bool view;
        uint32_t size;

        if (!MiIsVadCloned(vad))
            continue;
        view = !vad->u.VadFlags.PrivateMemory;
        size = view ? sizeof(MMVAD) : sizeof(MMVAD_SHORT);
        copy = ExAllocatePoolWithTag(NonPagedPool, size, view ? MI_VIEW_VAD_TAG : MI_VAD_TAG);
        if (!copy)
            return STATUS_INSUFFICIENT_RESOURCES;
        RtlCopyMemory(copy, vad, size);
        copy->Node.u1.Parent = NULL;
        copy->Node.LeftChild = copy->Node.RightChild = NULL;
        Clone->ParentVads[n] = vad;
        Clone->Vads[n++] = copy;
        Clone->VadCount = n;
    }
    return STATUS_SUCCESS;
}

/* In the child (attached, its address space locked): the VADs, their charges and views. */
static NTSTATUS MiInsertChildVads(MI_CLONE *Clone)
{
    MMPROCESS *child = Clone->Child;
    NTSTATUS status = STATUS_SUCCESS;

    for (uint32_t i = 0; i < Clone->VadCount; i++) {
        MMVAD_SHORT *vad = Clone->Vads[i];
        bool view = !vad->u.VadFlags.PrivateMemory;
        uintptr_t start = (uintptr_t)vad->Node.StartingVpn << PAGE_SHIFT;
        uintptr_t end = ((uintptr_t)vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
        uint32_t charge = vad->u.VadFlags.CommitCharge;
        MI_PHYSICAL_VIEW *watch = NULL;

        if (MiCheckForConflictingVad(&child->AddressSpace, start, end)) {
            /* Made by the child's own initialisation (the /3GB reservation). */
            ExFreePoolWithTag(vad, view ? MI_VIEW_VAD_TAG : MI_VAD_TAG);
            Clone->Vads[i] = NULL;
            continue;
        }
        if (charge != MM_MAX_COMMIT) {
            /* Page tables charged stay with the child, and go back at its teardown. */
            status = MiChargePageTableCommitment(child, start, end);
            if (NT_SUCCESS(status))
                status = MiChargeProcessCommitment(child, charge);
            if (!NT_SUCCESS(status))
                return status;              /* the copies from i on are freed with the clone */
        }
        if (vad->u.VadFlags.VadType == VadWriteWatch) {
            status = MiCreateWriteWatchView(child, vad->Node.EndingVpn - vad->Node.StartingVpn + 1,
                                            &watch);
            if (!NT_SUCCESS(status)) {
                if (charge != MM_MAX_COMMIT)
                    MiReturnProcessCommitment(child, charge);
                return status;
            }
        }
        if (view)
            MiAddMappedView(((MMVAD *)vad)->ControlArea);
        MiLockWorkingSet(&child->Vm);
        MiInsertVad(&child->AddressSpace, vad);
        if (watch)
            MiInsertWriteWatchView(child, vad, watch);
        MiUnlockWorkingSet(&child->Vm);
        child->VirtualSize += (uint32_t)(end - start + 1);
        child->PeakVirtualSize = MAX(child->PeakVirtualSize, child->VirtualSize);
        Clone->VadsInserted = i + 1;
    }
    return STATUS_SUCCESS;
}

/* The child's PTE buffer for the page table of Va, resident (touched) on return; [Va, Last]
 * (in that table) is added to its range. */
static MMPTE *MiCloneTableFor(MI_CLONE *Clone, uintptr_t Va, uintptr_t Last)
{
    uint32_t pde = MiGetPdeOffset(Va), i;

    for (i = 0; i < Clone->TablesUsed; i++) {
        if (Clone->TableInfo[i].PdeIndex == pde)
            break;
    }
    if (i == Clone->TablesUsed) {
        if (Clone->TablesUsed == Clone->Counts.Tables)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE, Va, Clone->TablesUsed,
                         0xC3);
        Clone->TableInfo[i].PdeIndex = pde;
        Clone->TableInfo[i].First = (uint16_t)MiGetPteOffset(Va);
        Clone->TableInfo[i].Last = (uint16_t)MiGetPteOffset(Last);
        Clone->TablesUsed++;
        RtlZeroMemory(Clone->Tables[i].Ptes, PAGE_SIZE);
        return Clone->Tables[i].Ptes;
    }
    Clone->TableInfo[i].First = (uint16_t)MIN(Clone->TableInfo[i].First, MiGetPteOffset(Va));
    Clone->TableInfo[i].Last = (uint16_t)MAX(Clone->TableInfo[i].Last, MiGetPteOffset(Last));
    (void)*(volatile MMPTE *)Clone->Tables[i].Ptes;
    return Clone->Tables[i].Ptes;
}

/*
 * A parent PTE that holds a page or a slot of its own (valid, transition or paging file): a new
 * block takes it over, as the file's comment says; the child's PTE returned. PFN lock held and
 * working-set mutex too; STATUS_REFAULT when a lock was let go and the PTE must be read again.
 */
static NTSTATUS MiClonePte(MI_CLONE *Clone, uintptr_t Va, MMPTE *Child, KIRQL *OldIrql)
{
    MMPROCESS *parent = Clone->Parent;
    MMPTE *pte = MiGetPteAddress(Va);
    MMCLONE_BLOCK *next = NULL;
    MMPTE contents;
    MMPFN *pfn;
    uint32_t protection, frame;

    if (Clone->Header && Clone->BlocksMade < Clone->Header->Header.NumberOfPtes) {
        next = &Clone->Header->Header.ClonePtes[Clone->BlocksMade];
        if (MiMakeSystemAddressValidPfn(next, OldIrql))
            return STATUS_REFAULT;
    }
    contents = *pte;
    if (!MiIsPrivatePagePte(contents) || !next)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE, (uintptr_t)pte,
                     contents.u.Long, Va);
    frame = MiGetPteAddress(next)->u.Hard.PageFrameNumber;     /* the block's pool page */
    if (contents.u.Hard.Valid) {
        MMWSL *wsl = parent->Vm.VmWorkingSetList;

        pfn = MI_PFN_ELEMENT(contents.u.Hard.PageFrameNumber);
        protection = MiMakeProtectWriteCopy(pfn->OriginalPte.u.Soft.Protection);
        pfn->OriginalPte.u.Soft.Protection = protection;
        if (contents.u.Hard.Dirty) {            /* the dirty bit goes: the PFN and write watch keep it */
            MiSetModified(pfn);
            MiCaptureWriteWatchDirtyBit(parent, Va);
        }
        contents.u.Long = (contents.u.Long & ~(MM_PTE_WRITE_MASK | MM_PTE_COPY_ON_WRITE_MASK |
                                               MM_PTE_CACHE_DISABLE_MASK | MM_PTE_DIRTY_MASK)) |
                          MiProtectToPteMask(protection);
        pte->u.Long = contents.u.Long;
        MI_FLUSH_SINGLE_TB(Va);
        next->ProtoPte.u.Long = contents.u.Long & ~MM_PTE_OWNER_MASK;
        wsl->Wsle[pfn->u1.WsIndex].u1.e1.Direct = 0;     /* WsIndex stays, as a hint */
        wsl->Wsle[pfn->u1.WsIndex].u1.e1.Protection = 0;
    } else if (contents.u.Soft.Transition) {
        pfn = MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber);
        if (pfn->u3.e1.ReadInProgress) {
            /* A fault that began before the fork is reading it: let it finish. */
            int64_t pause = KI_MILLISECONDS(MI_FORK_WAIT_MS);

            UNLOCK_PFN(*OldIrql);
            MiUnlockWorkingSet(&parent->Vm);
            KeDelayExecutionThread(KernelMode, false, &pause);
            MiLockWorkingSet(&parent->Vm);
            LOCK_PFN(*OldIrql);
            return STATUS_REFAULT;
        }
        protection = MiMakeProtectWriteCopy(contents.u.Trans.Protection);
        pfn->OriginalPte.u.Soft.Protection = protection;
        contents.u.Trans.Protection = protection;
        next->ProtoPte.u.Long = contents.u.Long & ~MM_PTE_OWNER_MASK;
        MiDecrementShareCount(pfn->u4.PteFrame);   /* the page table no longer holds it */
        pte->u.Long = MiProtoAddressForPte(&next->ProtoPte).u.Long;
    } else {
        pfn = NULL;
        contents.u.Soft.Protection = MiMakeProtectWriteCopy(contents.u.Soft.Protection);
        next->ProtoPte = contents;
        pte->u.Long = MiProtoAddressForPte(&next->ProtoPte).u.Long;
    }
    if (pfn) {
        pfn->PteAddress = &next->ProtoPte;
        pfn->u3.e1.PrototypePte = 1;
        pfn->u4.PteFrame = frame;
        MI_PFN_ELEMENT(frame)->u2.ShareCount++;
    }
    next->CloneRefCount = 2;
    parent->NumberOfPrivatePages--;             /* the page is the fork's now (NT's count) */
    Clone->BlocksMade++;
    Clone->ParentDescriptor->NumberOfReferences++;
    MiChildDescriptorFor(Clone, &next->ProtoPte)->NumberOfReferences++;
    *Child = MiProtoAddressForPte(&next->ProtoPte);
    return STATUS_SUCCESS;
}

/* A section's page valid in a view of the parent: the child's PTE points at its prototype PTE,
 * in the lookup-needed form when the parent's working set has a protection of its own for it
 * (MiEvictWsle's rule). Working-set mutex held. */
static MMPTE MiChildViewPte(MI_CLONE *Clone, uintptr_t Va, MMPTE Contents)
{
    MMSUPPORT *ws = &Clone->Parent->Vm;
    uint32_t index = MiLocateWsle(ws, Va);
    uint32_t protection = index == WSLE_NULL_INDEX ? 0
                          : ws->VmWorkingSetList->Wsle[index].u1.e1.Protection;

    if (protection)
        return MiMakeLookupNeededPte(protection);
    return MiProtoAddressForPte(MI_PFN_ELEMENT(Contents.u.Hard.PageFrameNumber)->PteAddress);
}

/*
 * Every region of the parent the child gets, a page table at a time under the PFN lock. The common
 * case after a first fork, a PTE referring to a fork prototype already, is done here: one more
 * reference to its block, counted in the child's descriptor for the block's header (the last
 * header met is remembered: neighbouring pages share one); a page of the parent's own (in a
 * view: a private copy) goes to MiClonePte; in a view, a PTE referring to the section's
 * prototype is given to the child as it is. Parent current, its working-set mutex held.
 */
static void MiCloneParentPtes(MI_CLONE *Clone)
{
    MMCLONE_DESCRIPTOR *parentDescriptor = NULL, *childDescriptor = NULL;
    KIRQL oldIrql;

    for (uint32_t i = 0; i < Clone->VadCount; i++) {
        MMVAD_SHORT *vad = Clone->ParentVads[i];
        uintptr_t va = (uintptr_t)vad->Node.StartingVpn << PAGE_SHIFT;
        uintptr_t end = ((uintptr_t)vad->Node.EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);

        bool view = !vad->u.VadFlags.PrivateMemory;

        if (!Clone->Vads[i])
            continue;
        while (va <= end) {
            uintptr_t last = MIN(end, va | (MM_VA_MAPPED_BY_PDE - 1));
            uintptr_t blockPage = 0;        /* a page of blocks known resident */
            bool check = true;              /* is the buffer resident? (after the lock was let go) */
            MMPTE *ptes;

            if (!MiGetPdeAddress(va)->u.Hard.Valid) {
                if (last == 0xFFFFFFFF)
                    break;
                va = last + 1;
                continue;
            }
            ptes = MiCloneTableFor(Clone, va, last);
            LOCK_PFN(oldIrql);
            while (va <= last && va != 0) {
                MMPTE contents = *MiGetPteAddress(va), child;
                MMCLONE_BLOCK *block = NULL;

                /* Pool pages cannot leave while the PFN lock is held: what was resident since
                 * the lock was last taken still is. */
                if (check) {
                    if (!MmIsAddressValid(ptes)) {
                        UNLOCK_PFN(oldIrql);
                        (void)*(volatile MMPTE *)ptes;
                        LOCK_PFN(oldIrql);
                        continue;
                    }
                    check = false;
                    blockPage = 0;
                }
                if (contents.u.Long == MM_ZERO_PTE) {
                    va += PAGE_SIZE;
                    continue;
                }
                if (contents.u.Hard.Valid) {
                    MMPFN *pfn = MI_PFN_ELEMENT(contents.u.Hard.PageFrameNumber);

                    if (pfn->u3.e1.PrototypePte)
                        block = (MMCLONE_BLOCK *)pfn->PteAddress;
                } else if (contents.u.Soft.Prototype && !MiIsLookupNeeded(contents)) {
                    block = (MMCLONE_BLOCK *)MiPteToProto(contents);
                } else if (contents.u.Soft.Prototype ||
                           (!contents.u.Soft.Transition && contents.u.Soft.PageFileHigh == 0)) {
                    /* demand zero, no access; in a view, its prototype with this process's
                     * protection (the lookup-needed form) */
                    ptes[MiGetPteOffset(va)] = contents;
                    va += PAGE_SIZE;
                    continue;
                }
                if (block) {
                    if (!parentDescriptor ||
                        (uintptr_t)block < parentDescriptor->Node.StartingVpn ||
                        (uintptr_t)block > parentDescriptor->Node.EndingVpn) {
                        MMCLONE_DESCRIPTOR *found = MiLocateCloneDescriptor(Clone->Parent,
                                                                            &block->ProtoPte);

                        if (!found && view) {
                            /* The section's own page: the child's PTE points at its
                             * prototype as the parent's would once trimmed. */
                            ptes[MiGetPteOffset(va)] = contents.u.Hard.Valid
                                                       ? MiChildViewPte(Clone, va, contents)
                                                       : contents;
                            va += PAGE_SIZE;
                            continue;
                        }
                        if (!found)
                            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE,
                                         (uintptr_t)MiGetPteAddress(va), contents.u.Long, va);
                        parentDescriptor = found;
                        childDescriptor = MiChildDescriptorFor(Clone, &block->ProtoPte);
                    }
                    if (((uintptr_t)block & ~(uintptr_t)(PAGE_SIZE - 1)) != blockPage) {
                        if (MiMakeSystemAddressValidPfn(block, &oldIrql)) {
                            check = true;
                            continue;               /* the PTE may have changed: again */
                        }
                        blockPage = (uintptr_t)block & ~(uintptr_t)(PAGE_SIZE - 1);
                    }
                    block->CloneRefCount++;
                    childDescriptor->NumberOfReferences++;
                    ptes[MiGetPteOffset(va)] = MiProtoAddressForPte(&block->ProtoPte);
                    va += PAGE_SIZE;
                    /* The run that follows: pages a fork shares, their blocks in the same page
                     * of the same header. */
                    while (va <= last && va != 0) {
                        MMPTE next = *MiGetPteAddress(va);

                        if (next.u.Hard.Valid) {
                            MMPFN *pfn = MI_PFN_ELEMENT(next.u.Hard.PageFrameNumber);

                            if (!pfn->u3.e1.PrototypePte)
                                break;
                            block = (MMCLONE_BLOCK *)pfn->PteAddress;
                        } else if (next.u.Soft.Prototype && !MiIsLookupNeeded(next)) {
                            block = (MMCLONE_BLOCK *)MiPteToProto(next);
                        } else {
                            break;
                        }
                        if (((uintptr_t)block & ~(uintptr_t)(PAGE_SIZE - 1)) != blockPage ||
                            (uintptr_t)block < parentDescriptor->Node.StartingVpn ||
                            (uintptr_t)block > parentDescriptor->Node.EndingVpn)
                            break;
                        block->CloneRefCount++;
                        childDescriptor->NumberOfReferences++;
                        ptes[MiGetPteOffset(va)] = MiProtoAddressForPte(&block->ProtoPte);
                        va += PAGE_SIZE;
                    }
                    continue;
                }
                if (MiClonePte(Clone, va, &child, &oldIrql) == STATUS_REFAULT) {
                    check = true;
                    continue;
                }
                ptes[MiGetPteOffset(va)] = child;
                va += PAGE_SIZE;
            }
            UNLOCK_PFN(oldIrql);
            if (va == 0)
                break;
        }
    }
}

/* In the child (attached): its page tables made and filled from the buffers. */
static void MiWriteChildPtes(MI_CLONE *Clone)
{
    MMPROCESS *child = Clone->Child;

    MiLockWorkingSet(&child->Vm);
    for (uint32_t i = 0; i < Clone->TablesUsed; i++) {
        MI_CLONE_TABLE *table = &Clone->Tables[i];
        uintptr_t base = (uintptr_t)Clone->TableInfo[i].PdeIndex << 22;
        MMPTE *pte = MiGetPteAddress(base);

        while (!MiMakePdeExistAndMakeValid(child, base)) {
            MiUnlockWorkingSet(&child->Vm);
            MiWaitForAvailablePages(MmMinimumFreePages);
            MiLockWorkingSet(&child->Vm);
        }
        uint32_t used = 0;

        for (uint32_t j = Clone->TableInfo[i].First; j <= Clone->TableInfo[i].Last; j++) {
            if (table->Ptes[j].u.Long == MM_ZERO_PTE)
                continue;
            if (pte[j].u.Long != MM_ZERO_PTE)
                KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE,
                             (uintptr_t)&pte[j], pte[j].u.Long, base + j * PAGE_SIZE);
            pte[j] = table->Ptes[j];
            used++;
        }
        child->UsedPageTableEntries[Clone->TableInfo[i].PdeIndex] += used;
    }
    MiUnlockWorkingSet(&child->Vm);
}

/* What the clone allocated and did not hand over. */
static void MiFreeClone(MI_CLONE *Clone)
{
    for (uint32_t i = 0; i < Clone->ChildDescriptorCount; i++) {
        if (Clone->ChildDescriptors[i])
            ExFreePoolWithTag(Clone->ChildDescriptors[i], MI_CLONE_DESCRIPTOR_TAG);
    }
    if (Clone->ChildDescriptors)
        ExFreePoolWithTag(Clone->ChildDescriptors, MI_CLONE_DESCRIPTOR_TAG);
    if (Clone->ChildRoot)
        ExFreePoolWithTag(Clone->ChildRoot, MI_CLONE_DESCRIPTOR_TAG);
    if (Clone->ParentDescriptor)
        ExFreePoolWithTag(Clone->ParentDescriptor, MI_CLONE_DESCRIPTOR_TAG);
    if (Clone->Header) {
        if (Clone->Header->Header.ClonePtes)
            ExFreePoolWithTag(Clone->Header->Header.ClonePtes, MI_CLONE_BLOCK_TAG);
        ExFreePoolWithTag(Clone->Header, MI_CLONE_HEADER_TAG);
    }
    for (uint32_t i = Clone->VadsInserted; i < Clone->VadCount; i++) {
        if (Clone->Vads && Clone->Vads[i])
            ExFreePoolWithTag(Clone->Vads[i], !Clone->Vads[i]->u.VadFlags.PrivateMemory
                                              ? MI_VIEW_VAD_TAG : MI_VAD_TAG);
    }
    if (Clone->Vads)
        ExFreePoolWithTag(Clone->Vads, MI_VAD_TAG);
    if (Clone->Tables)
        ExFreePoolWithTag(Clone->Tables, MI_CLONE_TABLE_TAG);
    if (Clone->TableInfo)
        ExFreePoolWithTag(Clone->TableInfo, MI_CLONE_TABLE_TAG);
}

/*
 * The descriptors hand over once the parent's PTEs are converted: the parent's new one into its
 * CloneRoot, the child's with references into the child's (the others freed), each header
 * counting the processes that refer to it.
 */
static void MiHandOverDescriptors(MI_CLONE *Clone)
{
    MMPROCESS *parent = Clone->Parent;

    if (Clone->Header) {
        if (Clone->BlocksMade) {
            KIRQL oldIrql;

            KeAcquireSpinLock(&MiCloneHeaderLock, &oldIrql);
            InsertTailList(&MiCloneHeaderList, &Clone->Header->Links);
            KeReleaseSpinLock(&MiCloneHeaderLock, oldIrql);
            Clone->Header->Header.NumberOfProcessReferences = 1;
            MiInsertNode(&Clone->ParentDescriptor->Node, parent->CloneRoot);
            Clone->ParentDescriptor = NULL;
        }
    }
    for (uint32_t i = 0; i < Clone->ChildDescriptorCount; i++) {
        MMCLONE_DESCRIPTOR *d = Clone->ChildDescriptors[i];

        if (d->NumberOfReferences == 0) {
            MiRemoveNode(&d->Node, Clone->ChildRoot);
            continue;                           /* freed with the clone */
        }
        __atomic_add_fetch(&d->CloneHeader->NumberOfProcessReferences, 1, __ATOMIC_SEQ_CST);
        Clone->ChildDescriptors[i] = NULL;
    }
    if (Clone->Header && Clone->BlocksMade)
        Clone->Header = NULL;                   /* owned by its descriptors now */
    if (Clone->ChildRoot->NumberGenericTableElements) {
        Clone->Child->CloneRoot = Clone->ChildRoot;
        Clone->ChildRoot = NULL;
    }
}

bool MmIsLargeAddressAware(KPROCESS *KProcess)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    MMVAD_SHORT *vad;
    bool aware;

    /* Under /3GB the reservation MmInitializeProcessAddressSpace made says it: to 2 GB for a
     * large-address-aware image, over all above for any other. */
    if (!process || MmHighestUserAddress <= 0x7FFEFFFF)
        return false;
    MiLockAddressSpace(&process->AddressSpace);
    vad = MiLocateAddress(&process->AddressSpace, MM_SHARED_USER_DATA_VA);
    aware = vad && vad->Node.EndingVpn == (MM_KSEG0_BASE - 1) >> PAGE_SHIFT;
    MiUnlockAddressSpace(&process->AddressSpace);
    return aware;
}

NTSTATUS MmCloneProcessAddressSpace(KPROCESS *KParent, KPROCESS *KChild)
{
    MI_CLONE clone = { .Parent = MiGetProcess(KParent), .Child = MiGetProcess(KChild) };
    MMPROCESS *parent = clone.Parent, *child = clone.Child;
    KAPC_STATE apcState;
    NTSTATUS status = STATUS_SUCCESS;

    if (!parent || !child)
        return STATUS_INVALID_PARAMETER;
    KeStackAttachProcess(KParent, &apcState);
    MiLockAddressSpace(&parent->AddressSpace);
    if (parent->Flags & PS_PROCESS_FLAGS_VM_DELETED) {
        MiUnlockAddressSpace(&parent->AddressSpace);
        KeUnstackDetachProcess(&apcState);
        return STATUS_PROCESS_IS_TERMINATING;
    }
    MiLockWorkingSet(&parent->Vm);
    parent->ForkInProgress = KeGetCurrentThread();
    MiCountClone(parent, &clone.Counts);
    MiUnlockWorkingSet(&parent->Vm);

    status = MiCopyVads(&clone);
    if (NT_SUCCESS(status))
        status = MiAllocateCloneStructures(&clone);
    if (NT_SUCCESS(status) && clone.Counts.Tables) {
        clone.Tables = ExAllocatePoolWithTag(PagedPool, clone.Counts.Tables * sizeof(MI_CLONE_TABLE),
                                             MI_CLONE_TABLE_TAG);
        clone.TableInfo = ExAllocatePoolWithTag(NonPagedPool,
                                                clone.Counts.Tables * sizeof(MI_CLONE_TABLE_INFO),
                                                MI_CLONE_TABLE_TAG);
        if (!clone.Tables || !clone.TableInfo)
            status = STATUS_INSUFFICIENT_RESOURCES;
    }
    if (NT_SUCCESS(status)) {
        /* The child's regions and their charges first: a failure leaves nothing shared. */
        KAPC_STATE childState;

        KeStackAttachProcess(KChild, &childState);
        MiLockAddressSpace(&child->AddressSpace);
        status = MiInsertChildVads(&clone);
        MiUnlockAddressSpace(&child->AddressSpace);
        KeUnstackDetachProcess(&childState);
    }
    if (NT_SUCCESS(status)) {
        MiLockWorkingSet(&parent->Vm);
        MiCloneParentPtes(&clone);
        MiHandOverDescriptors(&clone);
        parent->ForkInProgress = NULL;
        MiUnlockWorkingSet(&parent->Vm);
    } else {
        parent->ForkInProgress = NULL;
    }
    MiUnlockAddressSpace(&parent->AddressSpace);
    KeUnstackDetachProcess(&apcState);

    if (NT_SUCCESS(status)) {
        KAPC_STATE childState;

        KeStackAttachProcess(KChild, &childState);
        MiLockAddressSpace(&child->AddressSpace);
        MiWriteChildPtes(&clone);
        MiUnlockAddressSpace(&child->AddressSpace);
        KeUnstackDetachProcess(&childState);
    }
    MiFreeClone(&clone);
    return status;
}
