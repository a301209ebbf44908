/*
 * tests/host/test_userheap.c: user mode's heap manager (user/ntdll/heap.c, included here so
 * the test can walk its blocks) over the fake services of fakent.h, under ASan and UBSan:
 * granularity and HeapSize, zeroing, big blocks in their own regions, resizing in place and
 * by moving, bad pointers, fixed-size heaps and HEAP_GENERATE_EXCEPTIONS, growth by commit
 * and by new segments, 10^5 random steps with contents and sizes checked and the block
 * structure verified as they go, four threads at once, and destroy giving everything back.
 */
#include <pthread.h>
#include <stdlib.h>
#include "tests/host/tap.h"
#include "tests/host/fakent.h"
#include "user/ntdll/heap.c"

#define SLOTS                   512
#define RANDOM_STEPS            100000
#define THREADS                 4
#define THREAD_STEPS            20000
#define THREAD_SLOTS            64

typedef struct {
    PUCHAR Data;
    SIZE_T Size;
    UCHAR Seed;
} SLOT;

static uint32_t Random(uint32_t *State)
{
    *State = *State * 1664525u + 1013904223u;
    return *State >> 8;
}

static void Fill(PUCHAR Data, SIZE_T Size, UCHAR Seed)
{
    SIZE_T index;

    for (index = 0; index < Size; index++)
        Data[index] = (UCHAR)(Seed + index * 7);
}

static int Holds(const UCHAR *Data, SIZE_T Size, UCHAR Seed)
{
    SIZE_T index;

    for (index = 0; index < Size; index++)
        if (Data[index] != (UCHAR)(Seed + index * 7))
            return 0;
    return 1;
}

/* Walk every segment and list: links agree, free blocks are listed and never adjacent,
 * the last block ends at the committed end. Returns a description of the first fault. */
static const char *CheckHeap(HEAP *Heap)
{
    ULONG index, listed = 0, free = 0;
    HEAP_SEGMENT *segment;
    HEAP_ENTRY *entry, *previous;
    LIST_ENTRY *links;

    for (index = 0; index < HEAP_MAXIMUM_SEGMENTS; index++) {
        segment = &Heap->Segments[index];
        if (!segment->Base)
            continue;
        previous = NULL;
        for (entry = segment->FirstEntry;; entry = NextEntry(entry)) {
            if (entry->Size < HEAP_MINIMUM_BLOCK || entry->SegmentIndex != index)
                return "a block's size or segment index";
            if (entry->PreviousSize != (previous ? previous->Size : 0u))
                return "a PreviousSize";
            if (previous && !(previous->Flags & HEAP_ENTRY_BUSY) &&
                !(entry->Flags & HEAP_ENTRY_BUSY))
                return "two free blocks side by side";
            free += !(entry->Flags & HEAP_ENTRY_BUSY);
            previous = entry;
            if (entry->Flags & HEAP_ENTRY_LAST)
                break;
            if ((PUCHAR)NextEntry(entry) >= segment->CommittedEnd)
                return "a block past the committed end";
        }
        if ((PUCHAR)NextEntry(entry) != segment->CommittedEnd || segment->LastEntry != entry)
            return "the last block";
    }
    for (index = 0; index < HEAP_FREE_LISTS; index++)
        for (links = Heap->FreeLists[index].Flink; links != &Heap->FreeLists[index];
             links = links->Flink, listed++) {
            entry = EntryOfLinks(links);
            if ((entry->Flags & HEAP_ENTRY_BUSY) ||
                (index ? entry->Size != index : entry->Size < HEAP_FREE_LISTS))
                return "a block on the wrong free list";
            if (index && !(Heap->FreeListsInUse[index / 32] & (1u << (index % 32))))
                return "the free-list bitmap";
        }
    return listed == free ? NULL : "free blocks missing from the lists";
}

static void TestBasics(void)
{
    PVOID heap = RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0, NULL, NULL);
    PUCHAR blocks[300];
    int aligned = 1, sized = 1, index;

    ok(heap != NULL, "RtlCreateHeap makes a growable heap");
    is_int(FakeReservedRegions, 1, "one region reserved for it");
    for (index = 0; index < 300; index++) {
        blocks[index] = RtlAllocateHeap(heap, 0, (SIZE_T)index);
        aligned &= blocks[index] && ((ULONG_PTR)blocks[index] & 7) == 0;
        sized &= RtlSizeHeap(heap, 0, blocks[index]) == (SIZE_T)index;
        memset(blocks[index], 0x5A, (SIZE_T)index);
    }
    ok(aligned, "every block is 8-byte aligned");
    ok(sized, "HeapSize gives each size asked for, 0 to 299");
    is_int((PUCHAR)blocks[2] - (PUCHAR)blocks[1], 16, "a 1-byte block takes 16 bytes (header + 8)");
    is_int((PUCHAR)blocks[9] - (PUCHAR)blocks[8], 16, "an 8-byte block takes 16 bytes");
    is_int((PUCHAR)blocks[10] - (PUCHAR)blocks[9], 24, "a 9-byte block takes 24 bytes");
    ok(CheckHeap(heap) == NULL, "the blocks are consistent");
    for (index = 0; index < 300; index += 2)
        RtlFreeHeap(heap, 0, blocks[index]);
    for (index = 1; index < 300; index += 2)
        RtlFreeHeap(heap, 0, blocks[index]);
    ok(CheckHeap(heap) == NULL, "freed in two passes, consistent");
    ok(RtlSizeHeap(heap, 0, blocks[5]) == (SIZE_T)-1, "HeapSize of a freed block is (SIZE_T)-1");
    FakeLastError = 0;
    ok(!RtlFreeHeap(heap, 0, blocks[5]), "freeing it again fails");
    is_int(FakeLastError, ERROR_INVALID_PARAMETER, "with the last error ERROR_INVALID_PARAMETER");
    ok(!RtlFreeHeap(heap, 0, blocks[5] + 8), "freeing an address inside the heap that is no block fails");
    ok(!RtlFreeHeap(heap, 0, (PVOID)0x1234), "freeing a wild pointer fails");
    ok(RtlFreeHeap(heap, 0, NULL), "freeing NULL succeeds");
    ok(RtlAllocateHeap((PVOID)&index, 0, 8) == NULL, "allocating from something not a heap fails");
    FakeLastError = 0;
    ok(!RtlFreeHeap((PVOID)&index, 0, blocks[7]), "freeing into something not a heap fails");
    is_int(FakeLastError, ERROR_INVALID_PARAMETER, "with the last error ERROR_INVALID_PARAMETER");
    ok(RtlDestroyHeap(heap) == NULL, "RtlDestroyHeap succeeds");
    is_int(FakeReservedRegions, 0, "destroy released the heap's reserve");
    is_int(FakeCommittedPages, 0, "and every committed page");
}

static void TestZeroAndBig(void)
{
    PVOID heap = RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0, NULL, NULL);
    PUCHAR block, big, moved;
    SIZE_T index;
    int zero = 1;

    block = RtlAllocateHeap(heap, 0, 4000);
    memset(block, 0xAA, 4000);
    RtlFreeHeap(heap, 0, block);
    block = RtlAllocateHeap(heap, HEAP_ZERO_MEMORY, 4000);
    for (index = 0; index < 4000; index++)
        zero &= block[index] == 0;
    ok(zero, "HEAP_ZERO_MEMORY zeroes a block over freed, dirty memory");

    big = RtlAllocateHeap(heap, 0, HEAP_VIRTUAL_THRESHOLD + 1);
    ok(big != NULL, "a block over 0x7F000 bytes is allocated");
    is_int(FakeReservedRegions, 2, "in a region of its own");
    is_int(((ULONG_PTR)big & 0xFFFF), sizeof(HEAP_VIRTUAL_BLOCK), "its data follows a %u-byte header",
           (unsigned)sizeof(HEAP_VIRTUAL_BLOCK));
    is_int(RtlSizeHeap(heap, 0, big), HEAP_VIRTUAL_THRESHOLD + 1, "its HeapSize is exact");
    Fill(big, HEAP_VIRTUAL_THRESHOLD + 1, 3);
    moved = RtlReAllocateHeap(heap, 0, big, 100);
    ok(moved && Holds(moved, 100, 3), "shrunk below the threshold it moves into the heap, contents kept");
    is_int(FakeReservedRegions, 1, "and its region is released");
    ok(RtlAllocateHeap(heap, 0, HEAP_VIRTUAL_THRESHOLD) != NULL, "0x7F000 bytes exactly stay in the heap");
    is_int(FakeReservedRegions, 1, "in the heap's segment, not a region of their own");
    ok(CheckHeap(heap) == NULL, "consistent");
    RtlDestroyHeap(heap);
    is_int(FakeReservedRegions + FakeCommittedPages, 0, "destroy gives back every region");
}

static void TestReAllocate(void)
{
    PVOID heap = RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0, NULL, NULL);
    PUCHAR a, b, c, grown;
    SIZE_T index;
    int zero = 1;

    a = RtlAllocateHeap(heap, 0, 100);
    b = RtlAllocateHeap(heap, 0, 100);
    c = RtlAllocateHeap(heap, 0, 100);
    Fill(a, 100, 1);
    ok(RtlReAllocateHeap(heap, 0, a, 40) == a, "shrinking stays in place");
    is_int(RtlSizeHeap(heap, 0, a), 40, "with the new size");
    ok(Holds(a, 40, 1), "and the contents");
    ok(RtlReAllocateHeap(heap, 0, a, 100) == a, "growing back into the space it left stays in place");
    ok(RtlReAllocateHeap(heap, HEAP_REALLOC_IN_PLACE_ONLY, a, 200) == NULL,
       "HEAP_REALLOC_IN_PLACE_ONLY fails when the next block is busy");
    is_int(RtlSizeHeap(heap, 0, a), 100, "and leaves the block as it was");
    RtlFreeHeap(heap, 0, b);
    ok(RtlReAllocateHeap(heap, HEAP_REALLOC_IN_PLACE_ONLY, a, 200) == a,
       "it grows in place into a free block after it");
    ok(Holds(a, 40, 1), "keeping the contents");
    grown = RtlReAllocateHeap(heap, HEAP_ZERO_MEMORY, a, 5000);
    ok(grown && grown != a, "growing past its neighbour moves it");
    ok(Holds(grown, 40, 1), "the contents move with it");
    for (index = 200; index < 5000; index++)
        zero &= grown[index] == 0;
    ok(zero, "HEAP_ZERO_MEMORY zeroes what is beyond the old size");
    ok(RtlSizeHeap(heap, 0, a) == (SIZE_T)-1, "the old block is free");
    ok(RtlReAllocateHeap(heap, 0, c + 8, 10) == NULL, "resizing a non-block fails");
    ok(CheckHeap(heap) == NULL, "consistent");
    RtlDestroyHeap(heap);
}

static void TestFixedAndExceptions(void)
{
    PVOID heap = RtlCreateHeap(0, NULL, 0x10000, 0, NULL, NULL);
    PVOID volatile block;
    int count = 0;

    ok(heap != NULL, "a fixed 64 KB heap is made");
    while (RtlAllocateHeap(heap, 0, 1000))
        count++;
    ok(count > 50 && count < 66, "it holds about 64 blocks of 1000 bytes (%d)", count);
    ok(RtlAllocateHeap(heap, 0, HEAP_VIRTUAL_THRESHOLD + 1) == NULL,
       "a fixed heap has no big blocks");
    is_int(FakeReservedRegions, 1, "and never grows");
    ok(FAKE_RAISES(RtlAllocateHeap(heap, HEAP_GENERATE_EXCEPTIONS, 1000)),
       "HEAP_GENERATE_EXCEPTIONS raises when it is full");
    is_int(FakeRaised.ExceptionCode, 0xC0000017, "STATUS_NO_MEMORY");
    is_int(FakeRaised.ExceptionInformation[0], 1000, "with the size asked for");
    ok(CheckHeap(heap) == NULL, "consistent after the exception");
    RtlDestroyHeap(heap);

    heap = RtlCreateHeap(HEAP_GROWABLE | HEAP_GENERATE_EXCEPTIONS, NULL, 0, 0, NULL, NULL);
    FakeCommitLimitPages = FakeCommittedPages + 4;
    ok(FAKE_RAISES(block = RtlAllocateHeap(heap, 0, 200000)),
       "a heap made with HEAP_GENERATE_EXCEPTIONS raises on every failing call");
    FakeCommitLimitPages = 0;
    block = RtlAllocateHeap(heap, 0, 200000);
    ok(block != NULL, "the same request succeeds below the commit limit");
    RtlDestroyHeap(heap);
    FakeReserveFails = TRUE;
    ok(RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0, NULL, NULL) == NULL,
       "RtlCreateHeap fails when it cannot reserve");
    FakeReserveFails = FALSE;
}

/* Lookaside lists: a freed small block comes back for the next request of its size; freeing
 * it twice fails; and a fixed heap full of freed small blocks still holds one big block, the
 * lookaside blocks merged back when the back end runs out. */
static void TestLookaside(void)
{
    PVOID heap = RtlCreateHeap(0, NULL, 0x10000, 0, NULL, NULL);
    PVOID blocks[400];
    PVOID first, again, big;
    int count = 0;

    ok(heap != NULL, "a fixed 64 KB heap for the lookaside checks");
    first = RtlAllocateHeap(heap, 0, 100);
    ok(RtlFreeHeap(heap, 0, first), "a 100-byte block is freed");
    ok(!RtlFreeHeap(heap, 0, first), "freeing it again fails");
    is_int((long)RtlSizeHeap(heap, 0, first), -1, "its size is gone");
    again = RtlAllocateHeap(heap, 0, 97);
    ok(again == first, "the next request of that size takes the same block back");
    is_int((long)RtlSizeHeap(heap, 0, again), 97, "with the new size");
    RtlFreeHeap(heap, 0, again);
    while (count < 400 && (blocks[count] = RtlAllocateHeap(heap, 0, 24 + 8 * (count % 40))))
        count++;
    ok(count > 100 && count < 400, "small blocks of 40 sizes fill the heap (%d)", count);
    for (int i = 0; i < count; i++)
        RtlFreeHeap(heap, 0, blocks[i]);
    big = RtlAllocateHeap(heap, 0, 0x8000);
    ok(big != NULL, "a 32 KB block fits once the lookaside blocks are merged back");
    ok(CheckHeap(heap) == NULL, "consistent after draining the lookasides");
    RtlDestroyHeap(heap);
}

static void TestGrowth(void)
{
    PVOID heap = RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0x1000, NULL, NULL);
    PVOID blocks[4000];
    ULONG start = FakeCommittedPages, index;

    is_int(start, 1, "a new heap commits one page (HeapSegmentCommit 4 KB)");
    for (index = 0; index < 200; index++)
        blocks[index] = RtlAllocateHeap(heap, 0, 1000);
    ok(FakeCommittedPages >= 50 && FakeCommittedPages <= 65,
       "200 KB of blocks commit 200 KB rounded up to 64 KB steps (%lu pages)", FakeCommittedPages);
    is_int(FakeReservedRegions, 1, "inside the first 1 MB segment");
    for (; index < 4000; index++)
        blocks[index] = RtlAllocateHeap(heap, 0, 1000);
    ok(blocks[3999] != NULL, "4 MB of blocks fit");
    is_int(FakeReservedRegions, 3, "in three segments (1, 2 and 4 MB)");
    ok(CheckHeap(heap) == NULL, "consistent across segments");
    for (index = 0; index < 4000; index++)
        RtlFreeHeap(heap, 0, blocks[index]);
    ok(CheckHeap(heap) == NULL, "all freed, consistent");
    ok(RtlAllocateHeap(heap, 0, 0x7F000 - 0x1000) != NULL,
       "the freed blocks merged: a 504 KB block fits without a new segment");
    is_int(FakeReservedRegions, 3, "no new segment");
    RtlDestroyHeap(heap);
}

static void TestRandom(void)
{
    PVOID heap = RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0, NULL, NULL);
    static SLOT slots[SLOTS];
    uint32_t state = 12345, pick, step;
    SIZE_T size;
    const char *fault = NULL;
    int contents = 1, sizes = 1, failures = 0;
    SLOT *slot;
    PUCHAR data;

    for (step = 0; step < RANDOM_STEPS && !fault; step++) {
        slot = &slots[Random(&state) % SLOTS];
        pick = Random(&state) % 1000;
        size = pick < 700 ? Random(&state) % 64 : pick < 950 ? Random(&state) % 4096
             : pick < 998 ? Random(&state) % 65536 : HEAP_VIRTUAL_THRESHOLD - 512 + Random(&state) % 1024;
        if (slot->Data) {
            contents &= Holds(slot->Data, slot->Size, slot->Seed);
            sizes &= RtlSizeHeap(heap, 0, slot->Data) == slot->Size;
        }
        if (slot->Data && Random(&state) % 3 == 0) {
            data = RtlReAllocateHeap(heap, 0, slot->Data, size);
            failures += !data;
            if (!data)
                printf("# step %u: resizing %lu bytes to %lu failed\n", step, slot->Size, size);
            if (data) {
                contents &= Holds(data, size < slot->Size ? size : slot->Size, slot->Seed);
                slot->Data = data;
                slot->Size = size;
            }
        } else if (slot->Data) {
            failures += !RtlFreeHeap(heap, 0, slot->Data);
            slot->Data = NULL;
            continue;
        } else {
            slot->Data = RtlAllocateHeap(heap, 0, size);
            slot->Size = size;
            failures += !slot->Data;
            if (!slot->Data)
                printf("# step %u: allocating %lu bytes failed\n", step, size);
        }
        if (slot->Data) {
            slot->Seed = (UCHAR)step;
            Fill(slot->Data, slot->Size, slot->Seed);
        }
        if (step % 1000 == 0)
            fault = CheckHeap(heap);
    }
    if (!fault)
        fault = CheckHeap(heap);
    ok(fault == NULL, "10^5 random allocate/free/resize steps keep the blocks consistent");
    if (fault)
        printf("#   at step %u: %s\n", step, fault);
    ok(contents, "every block kept its contents");
    ok(sizes, "every HeapSize was the size last asked for");
    is_int(failures, 0, "no request failed");
    for (pick = 0; pick < SLOTS; pick++)
        RtlFreeHeap(heap, 0, slots[pick].Data);
    ok(CheckHeap(heap) == NULL, "all freed, consistent");
    RtlDestroyHeap(heap);
    is_int(FakeReservedRegions + FakeCommittedPages, 0, "destroy gives everything back");
}

static PVOID SharedHeap;

static void *Worker(void *Argument)
{
    SLOT slots[THREAD_SLOTS] = { { 0 } };
    uint32_t state = (uint32_t)(ULONG_PTR)Argument, step;
    SLOT *slot;
    long bad = 0;

    for (step = 0; step < THREAD_STEPS; step++) {
        slot = &slots[Random(&state) % THREAD_SLOTS];
        if (slot->Data) {
            bad += !Holds(slot->Data, slot->Size, slot->Seed);
            bad += !RtlFreeHeap(SharedHeap, 0, slot->Data);
            slot->Data = NULL;
        } else {
            slot->Size = Random(&state) % 2000;
            slot->Seed = (UCHAR)step;
            slot->Data = RtlAllocateHeap(SharedHeap, 0, slot->Size);
            if (slot->Data)
                Fill(slot->Data, slot->Size, slot->Seed);
            else
                bad++;
        }
    }
    for (step = 0; step < THREAD_SLOTS; step++)
        RtlFreeHeap(SharedHeap, 0, slots[step].Data);
    return (void *)bad;
}

static void TestThreads(void)
{
    pthread_t threads[THREADS];
    void *bad;
    long total = 0;
    int index;

    SharedHeap = RtlCreateHeap(HEAP_GROWABLE, NULL, 0, 0, NULL, NULL);
    for (index = 0; index < THREADS; index++)
        pthread_create(&threads[index], NULL, Worker, (void *)(ULONG_PTR)(index + 1));
    for (index = 0; index < THREADS; index++) {
        pthread_join(threads[index], &bad);
        total += (long)bad;
    }
    is_int(total, 0, "four threads sharing a heap: no lost or damaged block");
    ok(CheckHeap(SharedHeap) == NULL, "consistent after the threads");
    RtlDestroyHeap(SharedHeap);
}

int main(void)
{
    TestBasics();
    TestZeroAndBig();
    TestReAllocate();
    TestFixedAndExceptions();
    TestLookaside();
    TestGrowth();
    TestRandom();
    TestThreads();
    return done_testing();
}
