/*
 * mm/vadtree.c: the AVL table of VADs (NT's addrsup.c and the free-range searches of
 * vadsup.c). Pure code: no locks, no allocation, so the host tests run it too. Layouts and the
 * locking rule are in mm/vad.h.
 *
 * Balance is height(right) - height(left), kept in bits 0-1 of each node's parent pointer.
 * DepthOfTree is the tree's height, changed when a height change reaches the root.
 */
#include "mm/mi.h"

typedef enum { MiLeft, MiRight } MI_SIDE;

static int32_t MiBalance(const MMADDRESS_NODE *Node)
{
    return Node->u1.Balance;
}

static void MiSetBalance(MMADDRESS_NODE *Node, int32_t Balance)
{
    Node->u1.Balance = Balance;
}

static void MiSetParent(MMADDRESS_NODE *Node, MMADDRESS_NODE *Parent)
{
    Node->u1.Parent = (MMADDRESS_NODE *)((uintptr_t)Parent | ((uintptr_t)Node->u1.Parent & 3));
}

static MI_SIDE MiSideOf(const MMADDRESS_NODE *Node)
{
    return MiParentNode(Node)->LeftChild == Node ? MiLeft : MiRight;
}

static void MiReplaceChild(MMADDRESS_NODE *Parent, MMADDRESS_NODE *Old, MMADDRESS_NODE *New)
{
    if (Parent->LeftChild == Old)
        Parent->LeftChild = New;
    else
        Parent->RightChild = New;
}

/* Rotate Node above its parent, keeping the in-order sequence (balances are the caller's). */
static void MiPromoteNode(MMADDRESS_NODE *Node)
{
    MMADDRESS_NODE *parent = MiParentNode(Node), *grandParent = MiParentNode(parent);

    if (parent->LeftChild == Node) {
        parent->LeftChild = Node->RightChild;
        if (Node->RightChild)
            MiSetParent(Node->RightChild, parent);
        Node->RightChild = parent;
    } else {
        parent->RightChild = Node->LeftChild;
        if (Node->LeftChild)
            MiSetParent(Node->LeftChild, parent);
        Node->LeftChild = parent;
    }
    MiReplaceChild(grandParent, parent, Node);
    MiSetParent(Node, grandParent);
    MiSetParent(parent, Node);
}

/*
 * Node's balance has reached 2 * Sign: rotate it back. Returns the subtree's new root and
 * whether the subtree became lower than it was before the rotation.
 */
static MMADDRESS_NODE *MiRebalanceNode(MMADDRESS_NODE *Node, int32_t Sign, bool *Lower)
{
    MMADDRESS_NODE *child = Sign > 0 ? Node->RightChild : Node->LeftChild;
    int32_t childBalance = MiBalance(child);

    if (childBalance != -Sign) {
        MiPromoteNode(child);
        MiSetBalance(Node, childBalance == 0 ? Sign : 0);
        MiSetBalance(child, childBalance == 0 ? -Sign : 0);
        *Lower = childBalance != 0;
        return child;
    }
    MMADDRESS_NODE *grandChild = Sign > 0 ? child->LeftChild : child->RightChild;
    int32_t grandBalance = MiBalance(grandChild);

    MiPromoteNode(grandChild);
    MiPromoteNode(grandChild);
    MiSetBalance(Node, grandBalance == Sign ? -Sign : 0);
    MiSetBalance(child, grandBalance == -Sign ? Sign : 0);
    MiSetBalance(grandChild, 0);
    *Lower = true;
    return grandChild;
}

void MiInitializeAvlTable(MM_AVL_TABLE *Table)
{
    *Table = (MM_AVL_TABLE){ 0 };
    Table->BalancedRoot.u1.Parent = &Table->BalancedRoot;
}

/* Node's StartingVpn and EndingVpn are set; it must not overlap a node in the table. */
void MiInsertNode(MMADDRESS_NODE *Node, MM_AVL_TABLE *Table)
{
    MMADDRESS_NODE *parent = &Table->BalancedRoot, **link = &parent->RightChild;

    while (*link) {
        parent = *link;
        if (Node->EndingVpn < parent->StartingVpn)
            link = &parent->LeftChild;
        else if (Node->StartingVpn > parent->EndingVpn)
            link = &parent->RightChild;
        else
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_VAD_CONFLICT, (uintptr_t)Node,
                         (uintptr_t)parent, Node->StartingVpn);
    }
    Node->u1.Parent = parent;
    Node->LeftChild = Node->RightChild = NULL;
    *link = Node;
    Table->NumberGenericTableElements++;
    Table->NodeHint = Node;

    /* The subtree under Node's parent grew on Node's side; walk up while heights grow. */
    for (MMADDRESS_NODE *child = Node; (parent = MiParentNode(child)) != &Table->BalancedRoot;
         child = parent) {
        int32_t balance = MiBalance(parent) + (parent->RightChild == child ? 1 : -1);
        bool lower;

        if (balance == 0) {
            MiSetBalance(parent, 0);
            return;
        }
        if (balance == 1 || balance == -1) {
            MiSetBalance(parent, balance);
            continue;
        }
        MiRebalanceNode(parent, balance / 2, &lower);
        return;
    }
    Table->DepthOfTree++;
}

/* Unlink Node, which has at most one child; returns where the tree became lower. */
static MMADDRESS_NODE *MiUnlinkSimpleNode(MMADDRESS_NODE *Node, MI_SIDE *Side)
{
    MMADDRESS_NODE *parent = MiParentNode(Node);
    MMADDRESS_NODE *child = Node->LeftChild ? Node->LeftChild : Node->RightChild;

    *Side = MiSideOf(Node);
    MiReplaceChild(parent, Node, child);
    if (child)
        MiSetParent(child, parent);
    return parent;
}

void MiRemoveNode(MMADDRESS_NODE *Node, MM_AVL_TABLE *Table)
{
    MMADDRESS_NODE *parent;
    MI_SIDE side;

    if (Node->LeftChild == NULL || Node->RightChild == NULL) {
        parent = MiUnlinkSimpleNode(Node, &side);
    } else {
        /* Its successor takes Node's place; the tree becomes lower where the successor was. */
        MMADDRESS_NODE *next = Node->RightChild;

        while (next->LeftChild)
            next = next->LeftChild;
        if (next == Node->RightChild) {
            parent = next;
            side = MiRight;
        } else {
            parent = MiUnlinkSimpleNode(next, &side);
            next->RightChild = Node->RightChild;
            MiSetParent(next->RightChild, next);
        }
        next->LeftChild = Node->LeftChild;
        MiSetParent(next->LeftChild, next);
        MiReplaceChild(MiParentNode(Node), Node, next);
        next->u1.Parent = Node->u1.Parent;      /* Node's parent and balance */
    }
    Table->NumberGenericTableElements--;
    if (Table->NodeHint == Node)
        Table->NodeHint = Table->BalancedRoot.RightChild;

    /* Walk up while subtrees become lower. */
    while (parent != &Table->BalancedRoot) {
        int32_t balance = MiBalance(parent) + (side == MiLeft ? 1 : -1);
        bool lower = true;

        if (balance == 1 || balance == -1) {
            MiSetBalance(parent, balance);
            return;
        }
        if (balance == 0)
            MiSetBalance(parent, 0);
        else
            parent = MiRebalanceNode(parent, balance / 2, &lower);
        if (!lower)
            return;
        side = MiSideOf(parent);
        parent = MiParentNode(parent);
    }
    Table->DepthOfTree--;
}

/* The node holding Vpn, or NULL; the answer becomes the hint, which is tried first. */
MMADDRESS_NODE *MiLocateAddressInTree(uint32_t Vpn, MM_AVL_TABLE *Table)
{
    MMADDRESS_NODE *node = Table->NodeHint;

    if (node && Vpn >= node->StartingVpn && Vpn <= node->EndingVpn)
        return node;
    for (node = Table->BalancedRoot.RightChild; node;) {
        if (Vpn < node->StartingVpn) {
            node = node->LeftChild;
        } else if (Vpn > node->EndingVpn) {
            node = node->RightChild;
        } else {
            Table->NodeHint = node;
            return node;
        }
    }
    return NULL;
}

/* A node that overlaps [StartVpn, EndVpn], or NULL. */
MMADDRESS_NODE *MiCheckForConflictingNode(uint32_t StartVpn, uint32_t EndVpn,
                                          const MM_AVL_TABLE *Table)
{
    for (MMADDRESS_NODE *node = Table->BalancedRoot.RightChild; node;) {
        if (EndVpn < node->StartingVpn)
            node = node->LeftChild;
        else if (StartVpn > node->EndingVpn)
            node = node->RightChild;
        else
            return node;
    }
    return NULL;
}

MMADDRESS_NODE *MiGetFirstNode(const MM_AVL_TABLE *Table)
{
    MMADDRESS_NODE *node = Table->BalancedRoot.RightChild;

    while (node && node->LeftChild)
        node = node->LeftChild;
    return node;
}

/* The next node in address order, or NULL after the last. */
MMADDRESS_NODE *MiGetNextNode(const MMADDRESS_NODE *Node)
{
    if (Node->RightChild) {
        MMADDRESS_NODE *next = Node->RightChild;

        while (next->LeftChild)
            next = next->LeftChild;
        return next;
    }
    for (;;) {
        MMADDRESS_NODE *parent = MiParentNode(Node);

        if (MiParentNode(parent) == parent)     /* Node is the root: parent is the sentinel */
            return NULL;
        if (parent->LeftChild == Node)
            return parent;
        Node = parent;
    }
}

/* The previous node in address order, or NULL before the first. */
MMADDRESS_NODE *MiGetPreviousNode(const MMADDRESS_NODE *Node)
{
    if (Node->LeftChild) {
        MMADDRESS_NODE *previous = Node->LeftChild;

        while (previous->RightChild)
            previous = previous->RightChild;
        return previous;
    }
    for (;;) {
        MMADDRESS_NODE *parent = MiParentNode(Node);

        if (MiParentNode(parent) == parent)
            return NULL;
        if (parent->RightChild == Node)
            return parent;
        Node = parent;
    }
}

/* The highest address a range may end at for ZeroBits, or NtAllocateVirtualMemory's status. */
static NTSTATUS MiZeroBitsTopAddress(uint32_t ZeroBits, uintptr_t HighestVadAddress,
                                     uint64_t *TopAddress)
{
    if (ZeroBits > MM_MAXIMUM_ZERO_BITS)
        return STATUS_INVALID_PARAMETER_3;
    if (ZeroBits == 0) {
        *TopAddress = HighestVadAddress;
        return STATUS_SUCCESS;
    }
    *TopAddress = 0xFFFFFFFFu >> ZeroBits;
    return *TopAddress <= HighestVadAddress ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER_3;
}

static uint64_t MiNodeStart(const MMADDRESS_NODE *Node)
{
    return (uint64_t)Node->StartingVpn << PAGE_SHIFT;
}

static uint64_t MiNodeEnd(const MMADDRESS_NODE *Node)
{
    return ((uint64_t)Node->EndingVpn << PAGE_SHIFT) | (PAGE_SIZE - 1);
}

NTSTATUS MiFindEmptyAddressRange(const MM_AVL_TABLE *Table, uint32_t SizeOfRange,
                                 uint32_t Alignment, uint32_t ZeroBits,
                                 uintptr_t HighestVadAddress, uintptr_t *Base)
{
    uint64_t size = ((uint64_t)SizeOfRange + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    uint64_t top, gapStart = MM_LOWEST_USER_ADDRESS;
    NTSTATUS status = MiZeroBitsTopAddress(ZeroBits, HighestVadAddress, &top);

    if (!NT_SUCCESS(status))
        return status;
    if (size == 0)
        return STATUS_INVALID_PARAMETER_4;
    for (MMADDRESS_NODE *node = MiGetFirstNode(Table);; node = MiGetNextNode(node)) {
        uint64_t base = (gapStart + Alignment - 1) & ~(uint64_t)(Alignment - 1);
        uint64_t gapLimit = top + 1;            /* exclusive */

        if (node && MiNodeEnd(node) < gapStart)
            continue;
        if (node && MiNodeStart(node) < gapLimit)
            gapLimit = MiNodeStart(node);
        if (base + size <= gapLimit) {
            *Base = (uintptr_t)base;
            return STATUS_SUCCESS;
        }
        if (node == NULL || MiNodeStart(node) > top)
            return STATUS_NO_MEMORY;
        gapStart = MiNodeEnd(node) + 1;
    }
}

/* The last node that starts at or below Address, or NULL. */
static MMADDRESS_NODE *MiFindNodeAtOrBelow(const MM_AVL_TABLE *Table, uint64_t Address)
{
    MMADDRESS_NODE *found = NULL;

    for (MMADDRESS_NODE *node = Table->BalancedRoot.RightChild; node;) {
        if (MiNodeStart(node) <= Address) {
            found = node;
            node = node->RightChild;
        } else {
            node = node->LeftChild;
        }
    }
    return found;
}

NTSTATUS MiFindEmptyAddressRangeDown(const MM_AVL_TABLE *Table, uint32_t SizeOfRange,
                                     uint32_t Alignment, uint32_t ZeroBits,
                                     uintptr_t HighestVadAddress, uintptr_t *Base)
{
    uint64_t size = ((uint64_t)SizeOfRange + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    uint64_t top;
    NTSTATUS status = MiZeroBitsTopAddress(ZeroBits, HighestVadAddress, &top);

    if (!NT_SUCCESS(status))
        return status;
    if (size == 0)
        return STATUS_INVALID_PARAMETER_4;
    uint64_t gapLimit = top + 1;                /* exclusive */

    for (MMADDRESS_NODE *node = MiFindNodeAtOrBelow(Table, top);; node = MiGetPreviousNode(node)) {
        uint64_t gapStart = node ? MiNodeEnd(node) + 1 : MM_LOWEST_USER_ADDRESS;

        if (gapStart < MM_LOWEST_USER_ADDRESS)
            gapStart = MM_LOWEST_USER_ADDRESS;
        if (gapLimit >= gapStart + size) {
            uint64_t base = (gapLimit - size) & ~(uint64_t)(Alignment - 1);

            if (base >= gapStart) {
                *Base = (uintptr_t)base;
                return STATUS_SUCCESS;
            }
        }
        if (node == NULL || MiNodeStart(node) < MM_LOWEST_USER_ADDRESS + size)
            return STATUS_NO_MEMORY;
        gapLimit = MiNodeStart(node);
    }
}
