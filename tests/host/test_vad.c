/*
 * tests/host/test_vad.c: mm/vadtree.c against a reference model: a sorted array of ranges.
 * 10^5 random inserts, removes and look-ups with the tree's invariants (ordering, parent
 * links, AVL balance, height, element count) checked as it goes, and the free-range searches
 * (bottom-up and top-down, with ZeroBits) compared with the model's first and last fits.
 */
#include <stdlib.h>
#include "tests/host/tap.h"
#include "tests/host/kestubs.h"
#include "mm/mi.h"

#define OPERATIONS      100000
#define HIGHEST_VAD     0x7FFDFFFFu         /* MmHighestUserAddress 0x7FFEFFFF less 64 KB */
#define HIGHEST_VAD_3GB 0xBFFDFFFFu
#define LOWEST_VPN      (MM_LOWEST_USER_ADDRESS >> PAGE_SHIFT)

typedef struct {
    uint32_t Start, End;                    /* VPNs, inclusive */
    MMVAD_SHORT *Vad;
} RANGE;

static RANGE Model[OPERATIONS];
static uint32_t ModelCount;
static uint32_t Seed = 0x5EED1234u;
static int Broken;                          /* invariant failures, reported once at the end */

static uint32_t Random(void)
{
    Seed ^= Seed << 13;
    Seed ^= Seed >> 17;
    Seed ^= Seed << 5;
    return Seed;
}

/* The index of the first model range that ends at or after Vpn. */
static uint32_t ModelLowerBound(uint32_t Vpn)
{
    uint32_t low = 0, high = ModelCount;

    while (low < high) {
        uint32_t middle = (low + high) / 2;

        if (Model[middle].End < Vpn)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static bool ModelConflicts(uint32_t Start, uint32_t End)
{
    uint32_t i = ModelLowerBound(Start);

    return i < ModelCount && Model[i].Start <= End;
}

/* First fit from the bottom or last fit from the top, over the model's gaps. */
static NTSTATUS ModelFind(uint32_t Size, uint32_t Alignment, uint64_t Top, bool Down,
                          uintptr_t *Base)
{
    uint64_t size = ((uint64_t)Size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    uint64_t found = 0;
    bool any = false;

    for (uint32_t i = 0; i <= ModelCount; i++) {
        uint64_t gapStart = i == 0 ? MM_LOWEST_USER_ADDRESS : ((uint64_t)Model[i - 1].End + 1) << PAGE_SHIFT;
        uint64_t gapLimit = i == ModelCount ? Top + 1 : (uint64_t)Model[i].Start << PAGE_SHIFT;

        if (gapLimit > Top + 1)
            gapLimit = Top + 1;
        if (gapStart < MM_LOWEST_USER_ADDRESS)
            gapStart = MM_LOWEST_USER_ADDRESS;
        if (gapLimit < gapStart + size)
            continue;
        uint64_t up = (gapStart + Alignment - 1) & ~(uint64_t)(Alignment - 1);
        uint64_t down = (gapLimit - size) & ~(uint64_t)(Alignment - 1);

        if (!Down && up + size <= gapLimit) {
            *Base = (uintptr_t)up;
            return STATUS_SUCCESS;
        }
        if (Down && down >= gapStart) {
            found = down;
            any = true;
        }
    }
    if (!any)
        return STATUS_NO_MEMORY;
    *Base = (uintptr_t)found;
    return STATUS_SUCCESS;
}

/* Checks the subtree under Node; returns its height. */
static int CheckSubtree(const MMADDRESS_NODE *Node, const MMADDRESS_NODE *Parent,
                        uint32_t *Count)
{
    if (Node == NULL)
        return 0;
    if (MiParentNode(Node) != Parent || Node->StartingVpn > Node->EndingVpn)
        Broken++;
    if (Node->LeftChild && Node->LeftChild->EndingVpn >= Node->StartingVpn)
        Broken++;
    if (Node->RightChild && Node->RightChild->StartingVpn <= Node->EndingVpn)
        Broken++;
    int left = CheckSubtree(Node->LeftChild, Node, Count);
    int right = CheckSubtree(Node->RightChild, Node, Count);

    if (right - left != Node->u1.Balance)
        Broken++;
    (*Count)++;
    return 1 + (left > right ? left : right);
}

/* The whole tree against the model: shape, balance, height, count and order. */
static void CheckTree(const MM_AVL_TABLE *Table)
{
    uint32_t count = 0, i = 0;
    int height = CheckSubtree(Table->BalancedRoot.RightChild, &Table->BalancedRoot, &count);

    if ((uint32_t)height != Table->DepthOfTree || count != Table->NumberGenericTableElements ||
        count != ModelCount || MiParentNode(&Table->BalancedRoot) != &Table->BalancedRoot)
        Broken++;
    for (MMADDRESS_NODE *node = MiGetFirstNode(Table); node; node = MiGetNextNode(node), i++)
        if (i >= ModelCount || &Model[i].Vad->Node != node)
            Broken++;
    if (i != ModelCount)
        Broken++;
}

static void RandomRange(uint32_t *Start, uint32_t *End)
{
    uint32_t pages = Random() % 8 == 0 ? 1 + Random() % 4096 : 1 + Random() % 48;
    uint32_t span = Random() % 2 ? 0x1000 : (HIGHEST_VAD >> PAGE_SHIFT) - LOWEST_VPN;

    *Start = LOWEST_VPN + Random() % span;
    *End = *Start + pages - 1;
    if (*End > HIGHEST_VAD >> PAGE_SHIFT)
        *End = HIGHEST_VAD >> PAGE_SHIFT;
}

static void RandomInsert(MM_AVL_TABLE *Table, uint32_t *Conflicts)
{
    uint32_t start, end;

    RandomRange(&start, &end);
    if (ModelConflicts(start, end)) {
        MMADDRESS_NODE *other = MiCheckForConflictingNode(start, end, Table);

        if (other == NULL || other->EndingVpn < start || other->StartingVpn > end)
            Broken++;
        (*Conflicts)++;
        return;
    }
    if (MiCheckForConflictingNode(start, end, Table) != NULL)
        Broken++;
    MMVAD_SHORT *vad = calloc(1, sizeof(*vad));
    uint32_t i = ModelLowerBound(start);

    vad->Node.StartingVpn = start;
    vad->Node.EndingVpn = end;
    vad->u.VadFlags.PrivateMemory = 1;
    MiInsertNode(&vad->Node, Table);
    memmove(&Model[i + 1], &Model[i], (ModelCount - i) * sizeof(Model[0]));
    Model[i] = (RANGE){ start, end, vad };
    ModelCount++;
}

static void RandomRemove(MM_AVL_TABLE *Table)
{
    uint32_t i = Random() % ModelCount;
    MMVAD_SHORT *vad = Model[i].Vad;

    MiRemoveNode(&vad->Node, Table);
    memmove(&Model[i], &Model[i + 1], (ModelCount - i - 1) * sizeof(Model[0]));
    ModelCount--;
    free(vad);
}

static void RandomLookup(MM_AVL_TABLE *Table)
{
    uint32_t start, end;

    RandomRange(&start, &end);
    if (ModelCount && Random() % 2) {           /* often inside a range, at its edges */
        RANGE *r = &Model[Random() % ModelCount];
        start = Random() % 2 ? r->Start : r->End;
    }
    uint32_t i = ModelLowerBound(start);
    MMVAD_SHORT *expected = i < ModelCount && Model[i].Start <= start ? Model[i].Vad : NULL;
    MMADDRESS_NODE *node = MiLocateAddressInTree(start, Table);

    if (node != (expected ? &expected->Node : NULL))
        Broken++;
}

/* One bottom-up and one top-down search with random arguments, against the model. */
static void RandomSearch(MM_AVL_TABLE *Table, uint32_t *Found)
{
    static const uint32_t zeroBits[] = { 0, 0, 0, 2, 4, 8, 10, 12, 14, 15 };
    uint32_t size = Random() % 4 ? 1 + Random() % 0x40000 : 1 + Random() % 0x20000000;
    uint32_t alignment = Random() % 4 ? MM_ALLOCATION_GRANULARITY : PAGE_SIZE;
    uint32_t bits = zeroBits[Random() % ARRAYSIZE(zeroBits)];
    uint64_t top = bits ? 0xFFFFFFFFu >> bits : HIGHEST_VAD;

    for (int down = 0; down < 2; down++) {
        uintptr_t base = 1, expected = 2;
        NTSTATUS status = down ? MiFindEmptyAddressRangeDown(Table, size, alignment, bits, HIGHEST_VAD, &base)
                               : MiFindEmptyAddressRange(Table, size, alignment, bits, HIGHEST_VAD, &base);
        NTSTATUS want = ModelFind(size, alignment, top, down, &expected);

        if (status != want || (NT_SUCCESS(status) && base != expected)) {
            Broken++;
            printf("# search %s size 0x%x align 0x%x zerobits %u: 0x%08x at 0x%08x, model 0x%08x at 0x%08x\n",
                   down ? "down" : "up", size, alignment, bits, (uint32_t)status, (uint32_t)base,
                   (uint32_t)want, (uint32_t)expected);
        }
        *Found += NT_SUCCESS(status);
    }
}

static void TestRandom(void)
{
    MM_AVL_TABLE table;
    uint32_t conflicts = 0, found = 0, peak = 0, checks = 0;

    MiInitializeAvlTable(&table);
    for (uint32_t step = 0; step < OPERATIONS; step++) {
        uint32_t choice = Random() % 100;
        uint32_t insertShare = step < OPERATIONS / 2 ? 45 : 25;   /* grow, then shrink */

        if (choice < insertShare || ModelCount == 0)
            RandomInsert(&table, &conflicts);
        else if (choice < 50)
            RandomRemove(&table);
        else if (choice < 95)
            RandomLookup(&table);
        else
            RandomSearch(&table, &found);
        if (ModelCount > peak)
            peak = ModelCount;
        if (step % 250 == 0) {
            CheckTree(&table);
            checks++;
        }
    }
    CheckTree(&table);
    is_int(Broken, 0, "10^5 random operations: tree = model, invariants hold (%u checks, peak %u VADs, %u conflicts refused, %u searches found)",
           checks + 1, peak, conflicts, found);
    ok(peak > 1000 && conflicts > 100 && found > 1000, "the random run reached large trees, conflicts and fits");
    while (ModelCount)
        RandomRemove(&table);
    CheckTree(&table);
    ok(Broken == 0 && table.BalancedRoot.RightChild == NULL && table.DepthOfTree == 0 &&
       table.NumberGenericTableElements == 0, "removing everything leaves an empty table");
}

static MMVAD_SHORT *AddVad(MM_AVL_TABLE *Table, uintptr_t Start, uintptr_t End)
{
    MMVAD_SHORT *vad = calloc(1, sizeof(*vad));
    uint32_t i = ModelLowerBound(Start >> PAGE_SHIFT);

    vad->Node.StartingVpn = Start >> PAGE_SHIFT;
    vad->Node.EndingVpn = End >> PAGE_SHIFT;
    MiInsertNode(&vad->Node, Table);
    memmove(&Model[i + 1], &Model[i], (ModelCount - i) * sizeof(Model[0]));
    Model[i] = (RANGE){ vad->Node.StartingVpn, vad->Node.EndingVpn, vad };
    ModelCount++;
    return vad;
}

static NTSTATUS Up(MM_AVL_TABLE *Table, uint32_t Size, uint32_t ZeroBits, uintptr_t *Base)
{
    return MiFindEmptyAddressRange(Table, Size, MM_ALLOCATION_GRANULARITY, ZeroBits, HIGHEST_VAD, Base);
}

static NTSTATUS Down(MM_AVL_TABLE *Table, uint32_t Size, uint32_t ZeroBits, uintptr_t *Base)
{
    return MiFindEmptyAddressRangeDown(Table, Size, MM_ALLOCATION_GRANULARITY, ZeroBits, HIGHEST_VAD, Base);
}

static void TestEdges(void)
{
    MM_AVL_TABLE table;
    uintptr_t base = 0;

    MiInitializeAvlTable(&table);
    ModelCount = 0;
    ok(MiGetFirstNode(&table) == NULL && MiLocateAddressInTree(0x10, &table) == NULL &&
       MiCheckForConflictingNode(0, 0xFFFFF, &table) == NULL, "empty table: nothing found");
    is_int(Up(&table, 1, 0, &base), STATUS_SUCCESS, "empty: bottom-up finds room");
    is_int(base, 0x10000, "  at 64 KB: the first 64 KB are never handed out");
    is_int(Down(&table, 1, 0, &base), STATUS_SUCCESS, "empty: top-down finds room");
    is_int(base, 0x7FFD0000, "  in the last 64 KB below MM_HIGHEST_VAD_ADDRESS");
    is_int(MiFindEmptyAddressRangeDown(&table, 0x1000, PAGE_SIZE, 0, HIGHEST_VAD, &base), STATUS_SUCCESS,
           "top-down, page alignment");
    is_int(base, 0x7FFDF000, "  the last page below MM_HIGHEST_VAD_ADDRESS");
    is_int(MiFindEmptyAddressRangeDown(&table, 1, MM_ALLOCATION_GRANULARITY, 0, HIGHEST_VAD_3GB, &base),
           STATUS_SUCCESS, "top-down under /3GB");
    is_int(base, 0xBFFD0000, "  below 0xBFFDFFFF");
    is_int(Up(&table, 0x7FFE0000 - 0x10000, 0, &base), STATUS_SUCCESS, "the whole user range fits");
    is_int(base, 0x10000, "  from 64 KB");
    is_int(Up(&table, 0x7FFE0000 - 0x10000 + 1, 0, &base), STATUS_NO_MEMORY, "one byte more: STATUS_NO_MEMORY");
    is_int(Down(&table, 0x7FFE0000 - 0x10000 + 1, 0, &base), STATUS_NO_MEMORY, "  and top-down too");
    is_int(Up(&table, 0xFFFFFFFFu, 0, &base), STATUS_NO_MEMORY, "4 GB: STATUS_NO_MEMORY");
    is_int(Down(&table, 0xFFFFFFFFu, 0, &base), STATUS_NO_MEMORY, "  and top-down too");
    is_int(Up(&table, 0, 0, &base), STATUS_INVALID_PARAMETER_4, "size 0: STATUS_INVALID_PARAMETER_4");
    is_int(Down(&table, 0, 0, &base), STATUS_INVALID_PARAMETER_4, "  and top-down too");
    is_int(Up(&table, 1, 22, &base), STATUS_INVALID_PARAMETER_3, "ZeroBits 22: STATUS_INVALID_PARAMETER_3");
    is_int(Up(&table, 1, 1, &base), STATUS_INVALID_PARAMETER_3,
           "ZeroBits 1 (top 0x7FFFFFFF, above the highest VAD address): STATUS_INVALID_PARAMETER_3");
    is_int(MiFindEmptyAddressRange(&table, 1, MM_ALLOCATION_GRANULARITY, 1, HIGHEST_VAD_3GB, &base),
           STATUS_SUCCESS, "ZeroBits 1 under /3GB is allowed");
    is_int(MiFindEmptyAddressRangeDown(&table, 1, MM_ALLOCATION_GRANULARITY, 1, HIGHEST_VAD_3GB, &base),
           STATUS_SUCCESS, "  and top-down it ends below 2 GB");
    is_int(base, 0x7FFF0000, "  at 0x7FFF0000");
    is_int(Down(&table, 1, 12, &base), STATUS_SUCCESS, "ZeroBits 12 top-down");
    is_int(base, 0x000F0000, "  the highest 64 KB below 0x000FFFFF");
    is_int(Up(&table, 0x10000, 15, &base), STATUS_SUCCESS, "ZeroBits 15 leaves one 64 KB slot");
    is_int(base, 0x10000, "  at 64 KB");
    is_int(Up(&table, 0x10001, 15, &base), STATUS_NO_MEMORY, "  and nothing bigger fits");
    is_int(Down(&table, 1, 16, &base), STATUS_NO_MEMORY, "ZeroBits 16: below 64 KB, nothing");
    is_int(Up(&table, 1, 21, &base), STATUS_NO_MEMORY, "ZeroBits 21: nothing");

    /* VADs at both limits and one in the middle. */
    MMVAD_SHORT *low = AddVad(&table, 0x10000, 0x2FFFF);
    MMVAD_SHORT *high = AddVad(&table, 0x7FFC0000, 0x7FFDFFFF);
    MMVAD_SHORT *middle = AddVad(&table, 0x40000, 0x40FFF);

    is_int(Up(&table, 0x10000, 0, &base), STATUS_SUCCESS, "bottom-up after a VAD at 64 KB");
    is_int(base, 0x30000, "  right after it");
    is_int(Up(&table, 0x10001, 0, &base), STATUS_SUCCESS, "a larger range skips the gap that is too small");
    is_int(base, 0x50000, "  and lands after the middle VAD, aligned to 64 KB");
    is_int(MiFindEmptyAddressRange(&table, 0x1000, PAGE_SIZE, 0, HIGHEST_VAD, &base), STATUS_SUCCESS,
           "page alignment");
    is_int(base, 0x30000, "  the first free page");
    is_int(Down(&table, 0x10000, 0, &base), STATUS_SUCCESS, "top-down below a VAD at the top");
    is_int(base, 0x7FFB0000, "  right below it");
    is_int(Up(&table, 0x10000, 14, &base), STATUS_SUCCESS, "ZeroBits 14 (top 0x3FFFF)");
    is_int(base, 0x30000, "  between the VADs");
    is_int(Up(&table, 0x10001, 14, &base), STATUS_NO_MEMORY, "  nothing larger below 0x3FFFF");
    is_int(Down(&table, 0x10001, 14, &base), STATUS_NO_MEMORY, "  top-down neither");
    ok(MiLocateAddressInTree(0x7FFDF, &table) == &high->Node && table.NodeHint == &high->Node,
       "the last page is found and becomes the hint");
    ok(MiLocateAddressInTree(0x40, &table) == &middle->Node && MiLocateAddressInTree(0x41, &table) == NULL &&
       MiLocateAddressInTree(0x3F, &table) == NULL, "look-ups at and beside a one-page VAD");
    ok(MiCheckForConflictingNode(0x30, 0x40, &table) == &middle->Node &&
       MiCheckForConflictingNode(0x30, 0x3F, &table) == NULL, "conflicts are inclusive at both ends");
    static MMVAD_SHORT overlap = { .Node = { .StartingVpn = 0x2F, .EndingVpn = 0x30 } };

    ok(HOST_BUGCHECKS(MiInsertNode(&overlap.Node, &table)) && HostBugCheckData[0] == MEMORY_MANAGEMENT &&
       HostBugCheckData[1] == MI_MEMORY_MANAGEMENT_VAD_CONFLICT, "inserting over a VAD bugchecks 0x1A");
    ok(table.NumberGenericTableElements == 3, "  and changes nothing");
    ModelCount = 0;
    MiRemoveNode(&high->Node, &table);
    ok(table.NodeHint != &high->Node, "removing the hint's node moves the hint");
    MiRemoveNode(&low->Node, &table);
    MiRemoveNode(&middle->Node, &table);
    ok(table.NumberGenericTableElements == 0 && table.BalancedRoot.RightChild == NULL, "all removed");
    free(low);
    free(middle);
    free(high);
}

/* The flags' bit positions, as NT's debugger decodes them. */
static void TestFlags(void)
{
    MMVAD_SHORT vad = { 0 };
    MMVAD v = { 0 };

    vad.u.VadFlags.CommitCharge = MM_MAX_COMMIT;
    is_int(vad.u.LongFlags, 0x0007FFFF, "CommitCharge is bits 0-18");
    vad.u.LongFlags = 0;
    vad.u.VadFlags.NoChange = 1;
    is_int(vad.u.LongFlags, 1u << 19, "NoChange is bit 19");
    vad.u.LongFlags = 0;
    vad.u.VadFlags.VadType = VadLargePageSection;
    is_int(vad.u.LongFlags, 7u << 20, "VadType is bits 20-22");
    vad.u.LongFlags = 0;
    vad.u.VadFlags.MemCommit = 1;
    is_int(vad.u.LongFlags, 1u << 23, "MemCommit is bit 23");
    vad.u.LongFlags = 0;
    vad.u.VadFlags.Protection = 0x1F;
    is_int(vad.u.LongFlags, 0x1Fu << 24, "Protection is bits 24-28");
    vad.u.LongFlags = 0;
    vad.u.VadFlags.PrivateMemory = 1;
    is_int(vad.u.LongFlags, 1u << 31, "PrivateMemory is bit 31");
    v.u2.VadFlags2.FileOffset = 0xFFFFFF;
    v.u2.VadFlags2.LongVad = 1;
    v.u2.VadFlags2.CopyOnWrite = 1;
    is_int(v.u2.LongFlags2, 0x80FFFFFFu | (1u << 28), "VadFlags2: FileOffset 0-23, LongVad 28, CopyOnWrite 31");
    vad.Node.u1.Parent = &v.Core.Node;
    vad.Node.u1.Balance = -1;
    ok(MiParentNode(&vad.Node) == &v.Core.Node && vad.Node.u1.Balance == -1 &&
       ((uintptr_t)vad.Node.u1.Parent & 3) == 3, "Balance -1 lives in the parent pointer's bits 0-1");
}

int main(void)
{
    TestFlags();
    TestEdges();
    TestRandom();
    return done_testing();
}
