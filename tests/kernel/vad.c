/* tests/kernel/vad.c: the VAD tree and its free-range searches in the kernel, VADs from pool. */
#include "kernel/kd/ktest.h"
#include "mm/mi.h"

#define VAD_COUNT       300
#define MM_VAD_TAG      POOL_TAG('V', 'a', 'd', 'S')

static MMADDRESS_SPACE TestSpace;

/* Gives back whatever VADs the test left in its address space. */
static void FreeTestVads(void *Context)
{
    MMADDRESS_SPACE *space = Context;
    MMADDRESS_NODE *node;

    MiLockAddressSpace(space);
    while ((node = MiGetFirstNode(&space->VadRoot)) != NULL) {
        MiRemoveNode(node, &space->VadRoot);
        ExFreePoolWithTag(CONTAINING_RECORD(node, MMVAD_SHORT, Node), MM_VAD_TAG);
    }
    MiUnlockAddressSpace(space);
}

static uint32_t NextRandom(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

/* The table in address order: sorted, apart, as many as it counts, and about log2 deep. */
static void CheckTable(const MM_AVL_TABLE *Table, uint32_t Expected)
{
    uint32_t count = 0, depthLimit = 1;
    MMADDRESS_NODE *previous = NULL;

    for (MMADDRESS_NODE *node = MiGetFirstNode(Table); node; node = MiGetNextNode(node)) {
        KT_ASSERT(previous == NULL || previous->EndingVpn < node->StartingVpn);
        KT_ASSERT(MiGetPreviousNode(node) == previous);
        previous = node;
        count++;
    }
    KT_ASSERT_EQ(Expected, count);
    KT_ASSERT_EQ(Expected, Table->NumberGenericTableElements);
    for (uint32_t n = Expected + 2; n > 1; n >>= 1)
        depthLimit++;
    KT_ASSERT_LE(Table->DepthOfTree, depthLimit * 3 / 2);   /* AVL: below 1.44 log2(n + 2) */
}

/* A reserve as NtAllocateVirtualMemory will make it: search, then insert, under the lock. */
static MMVAD_SHORT *ReserveRange(MMADDRESS_SPACE *Space, uint32_t Size, bool TopDown,
                                 uint32_t ZeroBits)
{
    MMVAD_SHORT *vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MM_VAD_TAG);
    uintptr_t base = 0;
    NTSTATUS status;

    KT_ASSERT(vad != NULL);
    MiLockAddressSpace(Space);
    status = TopDown ? MiFindEmptyAddressRangeDown(&Space->VadRoot, Size, MM_ALLOCATION_GRANULARITY,
                                                   ZeroBits, MM_HIGHEST_VAD_ADDRESS, &base)
                     : MiFindEmptyAddressRange(&Space->VadRoot, Size, MM_ALLOCATION_GRANULARITY,
                                               ZeroBits, MM_HIGHEST_VAD_ADDRESS, &base);
    if (NT_SUCCESS(status)) {
        *vad = (MMVAD_SHORT){ 0 };
        vad->Node.StartingVpn = base >> PAGE_SHIFT;
        vad->Node.EndingVpn = (base + Size - 1) >> PAGE_SHIFT;
        vad->u.VadFlags.PrivateMemory = 1;
        vad->u.VadFlags.Protection = MM_READWRITE;
        MiInsertVad(Space, vad);
    }
    MiUnlockAddressSpace(Space);
    if (!NT_SUCCESS(status))
        ExFreePoolWithTag(vad, MM_VAD_TAG);
    KT_ASSERT_STATUS(status, STATUS_SUCCESS);
    KT_ASSERT_EQ(0, base % MM_ALLOCATION_GRANULARITY);
    KT_ASSERT_GE(base, MM_LOWEST_USER_ADDRESS);
    KT_ASSERT_LE(base + Size - 1, ZeroBits ? 0xFFFFFFFFu >> ZeroBits : MM_HIGHEST_VAD_ADDRESS);
    return vad;
}

KTEST(TestVadTree, "mm.vad.tree")
{
    MMVAD_SHORT *vads[VAD_COUNT];
    uint32_t live = VAD_COUNT, seed = 0x1234;

    MiInitializeAddressSpace(&TestSpace);
    KtDefer(FreeTestVads, &TestSpace);
    for (uint32_t i = 0; i < VAD_COUNT; i++) {
        uint32_t size = (1 + NextRandom(&seed) % 16) * PAGE_SIZE;   /* one 64 KB slot each */
        bool topDown = i % 2;

        vads[i] = ReserveRange(&TestSpace, size, topDown, i % 5 == 0 ? 8 : 0);
        KT_ASSERT_PTR_EQ(vads[i], MiLocateAddress(&TestSpace, (vads[i]->Node.StartingVpn << PAGE_SHIFT) + size - 1));
    }
    /* Bottom-up packs from 64 KB, one VAD per 64 KB; top-down packs below the top. */
    KT_ASSERT_EQ(MM_LOWEST_USER_ADDRESS >> PAGE_SHIFT, vads[0]->Node.StartingVpn);
    KT_ASSERT_EQ((MM_HIGHEST_VAD_ADDRESS + 1 - MM_ALLOCATION_GRANULARITY) >> PAGE_SHIFT,
                 vads[1]->Node.StartingVpn);
    KT_ASSERT_EQ((MM_LOWEST_USER_ADDRESS + MM_ALLOCATION_GRANULARITY) >> PAGE_SHIFT,
                 vads[2]->Node.StartingVpn);
    CheckTable(&TestSpace.VadRoot, VAD_COUNT);

    /* Take out every third, then the space they leave is found again, lowest first. */
    for (uint32_t i = 0; i < VAD_COUNT; i += 3) {
        MiLockAddressSpace(&TestSpace);
        MiRemoveVad(&TestSpace, vads[i]);
        MiUnlockAddressSpace(&TestSpace);
        KT_ASSERT(MiLocateAddress(&TestSpace, vads[i]->Node.StartingVpn << PAGE_SHIFT) == NULL);
        ExFreePoolWithTag(vads[i], MM_VAD_TAG);
        live--;
    }
    CheckTable(&TestSpace.VadRoot, live);
    MMVAD_SHORT *again = ReserveRange(&TestSpace, PAGE_SIZE, false, 0);

    KT_ASSERT_EQ(MM_LOWEST_USER_ADDRESS >> PAGE_SHIFT, again->Node.StartingVpn);
    KT_ASSERT(MiCheckForConflictingVad(&TestSpace, MM_LOWEST_USER_ADDRESS,
                                       MM_LOWEST_USER_ADDRESS + MM_ALLOCATION_GRANULARITY - 1) == again);
    CheckTable(&TestSpace.VadRoot, live + 1);
}
