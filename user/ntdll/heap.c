/*
 * user/ntdll/heap.c: the Rtl heap manager (RtlCreateHeap ... RtlDestroyHeap), the process
 * heap under malloc and HeapAlloc. Blocks are multiples of 8 bytes (a granule), each with an
 * 8-byte header, carved out of segments reserved with NtAllocateVirtualMemory and committed
 * page by page as the heap grows; requests above NT's VirtualMemoryThreshold (0x7F000 bytes)
 * get a region of their own.
 *
 *   segment 0 (reserve, 1 MB by default: PEB HeapSegmentReserve)
 *   +------+--------+--------+---------+--------+......................+
 *   | HEAP | block  | block  |  block  | block  |  reserved, not yet   |
 *   |      | (busy) | (free) |  (busy) | (LAST) |  committed           |
 *   +------+--------+--------+---------+--------+......................+
 *          ^FirstEntry                          ^CommittedEnd          ^end of the reserve
 *
 *   block: HEAP_ENTRY { Size, Flags, PreviousSize, SegmentIndex, UnusedBytes } then the
 *   caller's bytes; a free block keeps its LIST_ENTRY in the first 8 of them, so the smallest
 *   block is 2 granules. Size and PreviousSize (in granules) walk the segment both ways;
 *   neighbouring free blocks are always merged. Free lists: FreeLists[n] holds free blocks of
 *   exactly n granules (n < 128, found through a bitmap), FreeLists[0] the bigger ones (first
 *   fit). A growable heap adds segments (each reserve twice the last, up to 16 MB) when its
 *   segments are full.
 */
#include <string.h>
#include "ntdll.h"
#include "rtlp.h"

#define HEAP_GRANULE            8
#define HEAP_GRANULE_SHIFT      3
#define HEAP_MINIMUM_BLOCK      2               /* granules: header + LIST_ENTRY */
#define HEAP_FREE_LISTS         128
#define HEAP_MAXIMUM_SEGMENTS   8
#define HEAP_SIGNATURE          0xEEFFEEFFu
#define HEAP_VIRTUAL_THRESHOLD  0x7F000u        /* NT's VirtualMemoryThreshold */
#define HEAP_DEFAULT_RESERVE    0x100000u
#define HEAP_MAXIMUM_RESERVE    0x1000000u
#define HEAP_COMMIT_STEP        0x10000u        /* commit at least this much as a heap grows */
#define HEAP_PAGE_SIZE          0x1000u
#define HEAP_ALLOCATION_GRANULARITY 0x10000u

#define HEAP_ENTRY_BUSY         0x01
#define HEAP_ENTRY_VIRTUAL      0x08
#define HEAP_ENTRY_LAST         0x10
#define HEAP_ENTRY_LOOKASIDE    0x20            /* busy, but on a lookaside list */
#define HEAP_ENTRY_KNOWN_FLAGS  (HEAP_ENTRY_BUSY | HEAP_ENTRY_VIRTUAL | HEAP_ENTRY_LAST | \
                                 HEAP_ENTRY_LOOKASIDE)

#define HEAP_LOOKASIDE_LISTS    HEAP_FREE_LISTS /* one per block size of 1..127 granules */
#define HEAP_LOOKASIDE_DEPTH    32
#define HEAP_LOOKASIDE_BYTES    ((HEAP_LOOKASIDE_LISTS - 1) * HEAP_GRANULE - sizeof(HEAP_ENTRY))

#define HEAP_CALL_FLAGS         (HEAP_NO_SERIALIZE | HEAP_GENERATE_EXCEPTIONS)

typedef struct _HEAP_ENTRY {
    ULONG Size : 24;                    /* granules, this header included */
    ULONG Flags : 8;
    ULONG PreviousSize : 24;            /* granules of the block below; 0 for the first */
    ULONG SegmentIndex : 3;
    ULONG UnusedBytes : 5;              /* of a busy block: Size * 8 - 8 - the size asked for */
} HEAP_ENTRY;

typedef struct _HEAP_FREE_ENTRY {
    HEAP_ENTRY Entry;
    LIST_ENTRY FreeList;
} HEAP_FREE_ENTRY;

/* A block of its own region: this header, then the caller's bytes. */
typedef struct _HEAP_VIRTUAL_BLOCK {
    LIST_ENTRY Links;
    SIZE_T ReserveSize;
    SIZE_T RequestedSize;
    ULONG Reserved[2];
    HEAP_ENTRY Entry;                   /* Flags BUSY | VIRTUAL, just before the data */
} HEAP_VIRTUAL_BLOCK;

/* A lookaside list: blocks of one size, each linked through its first data dword. */
typedef struct _HEAP_LOOKASIDE {
    HEAP_ENTRY *ListHead;
    ULONG Depth;
} HEAP_LOOKASIDE;

typedef struct _HEAP_SEGMENT {
    PUCHAR Base;                        /* NULL: the slot is unused */
    SIZE_T ReservedSize;
    PUCHAR CommittedEnd;
    HEAP_ENTRY *FirstEntry;
    HEAP_ENTRY *LastEntry;              /* the one flagged HEAP_ENTRY_LAST, ending at CommittedEnd */
} HEAP_SEGMENT;

typedef struct _HEAP {
    ULONG Signature;
    ULONG Flags;                        /* HEAP_GROWABLE, HEAP_NO_SERIALIZE, ... */
    SIZE_T NextSegmentReserve;
    RTL_SPIN_LOCK Lock;
    HEAP_SEGMENT Segments[HEAP_MAXIMUM_SEGMENTS];
    ULONG FreeListsInUse[HEAP_FREE_LISTS / 32];
    LIST_ENTRY FreeLists[HEAP_FREE_LISTS];
    LIST_ENTRY VirtualBlocks;
    HEAP_LOOKASIDE Lookaside[HEAP_LOOKASIDE_LISTS];
} HEAP;

_Static_assert(sizeof(HEAP_ENTRY) == HEAP_GRANULE, "HEAP_ENTRY");
_Static_assert(sizeof(HEAP_FREE_ENTRY) == HEAP_MINIMUM_BLOCK * HEAP_GRANULE, "HEAP_FREE_ENTRY");
_Static_assert(sizeof(HEAP_VIRTUAL_BLOCK) % HEAP_GRANULE == 0, "HEAP_VIRTUAL_BLOCK");
_Static_assert(sizeof(HEAP) % HEAP_GRANULE == 0, "HEAP");

static SIZE_T RoundUp(SIZE_T Value, SIZE_T Alignment)
{
    return (Value + Alignment - 1) & ~(Alignment - 1);
}

static HEAP_ENTRY *NextEntry(HEAP_ENTRY *Entry)
{
    return (HEAP_ENTRY *)((PUCHAR)Entry + ((SIZE_T)Entry->Size << HEAP_GRANULE_SHIFT));
}

static HEAP_ENTRY *PreviousEntry(HEAP_ENTRY *Entry)
{
    return (HEAP_ENTRY *)((PUCHAR)Entry - ((SIZE_T)Entry->PreviousSize << HEAP_GRANULE_SHIFT));
}

static LIST_ENTRY *FreeLinks(HEAP_ENTRY *Entry)
{
    return &((HEAP_FREE_ENTRY *)Entry)->FreeList;
}

static HEAP_ENTRY *EntryOfLinks(LIST_ENTRY *Links)
{
    return &((HEAP_FREE_ENTRY *)((PUCHAR)Links - __builtin_offsetof(HEAP_FREE_ENTRY, FreeList)))->Entry;
}

static void InsertList(LIST_ENTRY *Head, LIST_ENTRY *Links)
{
    Links->Flink = Head->Flink;
    Links->Blink = Head;
    Head->Flink->Blink = Links;
    Head->Flink = Links;
}

static void RemoveList(LIST_ENTRY *Links)
{
    Links->Blink->Flink = Links->Flink;
    Links->Flink->Blink = Links->Blink;
}

/* Put a free block on its list. */
static void InsertFree(HEAP *Heap, HEAP_ENTRY *Entry)
{
    ULONG index = Entry->Size < HEAP_FREE_LISTS ? Entry->Size : 0;

    Entry->Flags &= ~HEAP_ENTRY_BUSY;
    InsertList(&Heap->FreeLists[index], FreeLinks(Entry));
    if (index)
        Heap->FreeListsInUse[index / 32] |= 1u << (index % 32);
}

static void RemoveFree(HEAP *Heap, HEAP_ENTRY *Entry)
{
    ULONG index = Entry->Size < HEAP_FREE_LISTS ? Entry->Size : 0;

    RemoveList(FreeLinks(Entry));
    if (index && Heap->FreeLists[index].Flink == &Heap->FreeLists[index])
        Heap->FreeListsInUse[index / 32] &= ~(1u << (index % 32));
}

/* To takes over From's place at the end of their segment, if From had it. */
static void InheritLast(HEAP *Heap, HEAP_ENTRY *To, HEAP_ENTRY *From)
{
    if (From->Flags & HEAP_ENTRY_LAST) {
        To->Flags |= HEAP_ENTRY_LAST;
        Heap->Segments[To->SegmentIndex].LastEntry = To;
    }
}

/* Set the PreviousSize of the block after Entry, if there is one. */
static void LinkNext(HEAP_ENTRY *Entry)
{
    if (!(Entry->Flags & HEAP_ENTRY_LAST))
        NextEntry(Entry)->PreviousSize = Entry->Size;
}

/* Take a free block of at least Granules off its list, or NULL. */
static HEAP_ENTRY *FindFree(HEAP *Heap, ULONG Granules)
{
    LIST_ENTRY *head, *links;
    ULONG index, word, bits;

    for (index = Granules; index < HEAP_FREE_LISTS; index = (word + 1) * 32) {
        word = index / 32;
        bits = Heap->FreeListsInUse[word] & (~0u << (index % 32));
        if (bits) {
            index = word * 32 + (ULONG)__builtin_ctz(bits);
            return EntryOfLinks(Heap->FreeLists[index].Flink);
        }
    }
    head = &Heap->FreeLists[0];
    for (links = head->Flink; links != head; links = links->Flink)
        if (EntryOfLinks(links)->Size >= Granules)
            return EntryOfLinks(links);
    return NULL;
}

/* Cut a busy block down to Granules when the rest makes a block, freeing (and merging) it. */
static void SplitBlock(HEAP *Heap, HEAP_ENTRY *Entry, ULONG Granules)
{
    HEAP_ENTRY *rest, *next;

    if (Entry->Size - Granules < HEAP_MINIMUM_BLOCK)
        return;
    rest = (HEAP_ENTRY *)((PUCHAR)Entry + ((SIZE_T)Granules << HEAP_GRANULE_SHIFT));
    rest->Size = Entry->Size - Granules;
    rest->PreviousSize = Granules;
    rest->SegmentIndex = Entry->SegmentIndex;
    rest->UnusedBytes = 0;
    rest->Flags = 0;
    InheritLast(Heap, rest, Entry);
    Entry->Size = Granules;
    Entry->Flags &= ~HEAP_ENTRY_LAST;
    if (!(rest->Flags & HEAP_ENTRY_LAST)) {
        next = NextEntry(rest);
        if (!(next->Flags & HEAP_ENTRY_BUSY)) {
            RemoveFree(Heap, next);
            rest->Size += next->Size;
            InheritLast(Heap, rest, next);
        }
    }
    LinkNext(rest);
    InsertFree(Heap, rest);
}

/* Commit more of a segment so that a block of Granules fits at its end; the new space joins
 * the last block if it is free. Returns that free block, or NULL if the segment is full. */
static HEAP_ENTRY *GrowSegment(HEAP *Heap, ULONG Index, ULONG Granules)
{
    HEAP_SEGMENT *segment = &Heap->Segments[Index];
    HEAP_ENTRY *last = segment->LastEntry, *grown;
    PVOID base = segment->CommittedEnd;
    SIZE_T needed, size, room;

    needed = (SIZE_T)Granules << HEAP_GRANULE_SHIFT;
    if (!(last->Flags & HEAP_ENTRY_BUSY))
        needed -= (SIZE_T)last->Size << HEAP_GRANULE_SHIFT;
    room = (SIZE_T)(segment->Base + segment->ReservedSize - segment->CommittedEnd);
    size = RoundUp(needed > HEAP_COMMIT_STEP ? needed : HEAP_COMMIT_STEP, HEAP_PAGE_SIZE);
    if (size > room)
        size = RoundUp(needed, HEAP_PAGE_SIZE);
    if (size > room || size >> HEAP_GRANULE_SHIFT > 0xFFFFFF)
        return NULL;
    if (!NT_SUCCESS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT,
                                            PAGE_READWRITE)))
        return NULL;
    if (last->Flags & HEAP_ENTRY_BUSY) {
        grown = (HEAP_ENTRY *)segment->CommittedEnd;
        grown->Size = 0;
        grown->PreviousSize = last->Size;
        grown->SegmentIndex = Index;
        grown->UnusedBytes = 0;
        grown->Flags = 0;
        InheritLast(Heap, grown, last);
        last->Flags &= ~HEAP_ENTRY_LAST;
    } else {
        grown = last;
        RemoveFree(Heap, grown);
    }
    grown->Size += size >> HEAP_GRANULE_SHIFT;
    segment->CommittedEnd += size;
    InsertFree(Heap, grown);
    return grown;
}

/* Reserve and commit a segment of at least Reserve bytes in slot Index; its first block
 * starts at Offset (segment 0 holds the HEAP itself). */
static NTSTATUS CreateSegment(HEAP *Heap, PVOID *Base, ULONG Index, SIZE_T Reserve,
                              SIZE_T Commit, SIZE_T Offset)
{
    HEAP_SEGMENT *segment;
    HEAP_ENTRY *first;
    PVOID base = NULL;
    SIZE_T size = RoundUp(Reserve, HEAP_ALLOCATION_GRANULARITY);
    NTSTATUS status;

    status = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE,
                                     PAGE_READWRITE);
    if (!NT_SUCCESS(status))
        return status;
    if (Commit < Offset + HEAP_MINIMUM_BLOCK * HEAP_GRANULE)
        Commit = Offset + HEAP_MINIMUM_BLOCK * HEAP_GRANULE;
    Commit = RoundUp(Commit, HEAP_PAGE_SIZE);
    if (Commit > size)
        Commit = size;
    status = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &Commit, MEM_COMMIT,
                                     PAGE_READWRITE);
    if (!NT_SUCCESS(status)) {
        size = 0;
        NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
        return status;
    }
    if (!Heap)
        Heap = base;
    segment = &Heap->Segments[Index];
    segment->Base = base;
    segment->ReservedSize = size;
    segment->CommittedEnd = (PUCHAR)base + Commit;
    first = (HEAP_ENTRY *)((PUCHAR)base + Offset);
    segment->FirstEntry = first;
    segment->LastEntry = first;
    first->Size = (Commit - Offset) >> HEAP_GRANULE_SHIFT;
    first->PreviousSize = 0;
    first->SegmentIndex = Index;
    first->UnusedBytes = 0;
    first->Flags = HEAP_ENTRY_LAST;
    *Base = base;
    return STATUS_SUCCESS;
}

static void FreeLocked(HEAP *Heap, HEAP_ENTRY *Entry);

/* Every lookaside block back to the back end, merged with its free neighbours. */
static BOOLEAN DrainLookasides(HEAP *Heap)
{
    BOOLEAN drained = FALSE;

    for (ULONG index = 0; index < HEAP_LOOKASIDE_LISTS; index++) {
        HEAP_LOOKASIDE *list = &Heap->Lookaside[index];

        while (list->ListHead) {
            HEAP_ENTRY *entry = list->ListHead;

            list->ListHead = *(HEAP_ENTRY **)(entry + 1);
            list->Depth--;
            entry->Flags &= ~HEAP_ENTRY_LOOKASIDE;
            FreeLocked(Heap, entry);
            drained = TRUE;
        }
    }
    return drained;
}

/* Find room for a block of Granules: a free block, a grown segment, or a new segment (the
 * lookaside lists are left alone: their blocks are drained only when this fails). */
static HEAP_ENTRY *FindOrGrow(HEAP *Heap, ULONG Granules)
{
    HEAP_ENTRY *entry = FindFree(Heap, Granules);
    SIZE_T reserve, needed;
    PVOID base;
    ULONG index;

    for (index = 0; !entry && index < HEAP_MAXIMUM_SEGMENTS && Heap->Segments[index].Base; index++)
        entry = GrowSegment(Heap, index, Granules);
    if (entry || !(Heap->Flags & HEAP_GROWABLE) || index == HEAP_MAXIMUM_SEGMENTS)
        return entry;
    needed = (SIZE_T)Granules << HEAP_GRANULE_SHIFT;
    reserve = Heap->NextSegmentReserve;
    if (reserve < needed + HEAP_PAGE_SIZE)
        reserve = needed + HEAP_PAGE_SIZE;
    if (!NT_SUCCESS(CreateSegment(Heap, &base, index, reserve,
                                  needed > HEAP_COMMIT_STEP ? needed : HEAP_COMMIT_STEP, 0)))
        return NULL;
    if (Heap->NextSegmentReserve < HEAP_MAXIMUM_RESERVE)
        Heap->NextSegmentReserve *= 2;
    entry = Heap->Segments[index].FirstEntry;
    InsertFree(Heap, entry);
    return FindFree(Heap, Granules);
}

/* The expected outcome of each test below is marked, so that the common path of the heap's
 * calls is one straight line of code: under QEMU's TCG each branch taken costs a block. */
static inline BOOLEAN IsHeap(HEAP *Heap)
{
    return __builtin_expect(Heap && Heap->Signature == HEAP_SIGNATURE, 1);
}

static inline void Lock(HEAP *Heap, ULONG Flags)
{
    if (__builtin_expect(!(Flags & HEAP_NO_SERIALIZE), 1))
        RtlpAcquireSpinLock(&Heap->Lock);
}

static inline void Unlock(HEAP *Heap, ULONG Flags)
{
    if (__builtin_expect(!(Flags & HEAP_NO_SERIALIZE), 1))
        RtlpReleaseSpinLock(&Heap->Lock);
}

/* The segment Pointer (a block's data, its header just below) lies in, or NULL. */
static HEAP_SEGMENT *SegmentOf(HEAP *Heap, const void *Pointer)
{
    HEAP_SEGMENT *segment;

    for (segment = Heap->Segments; segment < Heap->Segments + HEAP_MAXIMUM_SEGMENTS &&
                                   segment->Base; segment++)
        if ((const HEAP_ENTRY *)Pointer - 1 >= segment->FirstEntry &&
            (PUCHAR)Pointer < segment->CommittedEnd)
            return segment;
    return NULL;
}

/* The big block whose data is at Pointer, or NULL. */
static HEAP_ENTRY *VirtualEntry(HEAP *Heap, const void *Pointer)
{
    for (LIST_ENTRY *links = Heap->VirtualBlocks.Flink; links != &Heap->VirtualBlocks;
         links = links->Flink)
        if (&((HEAP_VIRTUAL_BLOCK *)links)->Entry + 1 == Pointer)
            return &((HEAP_VIRTUAL_BLOCK *)links)->Entry;
    return NULL;
}

/* Entry, if it is a busy block (not on a lookaside list) of Segment, slot Index, that ends
 * within the segment's committed part; NULL otherwise. */
static inline HEAP_ENTRY *CheckBusy(HEAP_ENTRY *Entry, HEAP_SEGMENT *Segment, ULONG Index)
{
    HEAP_ENTRY header = *Entry;

    if ((header.Flags & (HEAP_ENTRY_BUSY | HEAP_ENTRY_LOOKASIDE | HEAP_ENTRY_VIRTUAL |
                         ~HEAP_ENTRY_KNOWN_FLAGS)) != HEAP_ENTRY_BUSY ||
        header.SegmentIndex != Index ||
        (SIZE_T)header.Size << HEAP_GRANULE_SHIFT > (SIZE_T)(Segment->CommittedEnd - (PUCHAR)Entry))
        return NULL;
    return Entry;
}

/*
 * The header of a block this heap handed out, or NULL when Pointer is not one. The first
 * segment, where nearly every block is, is looked at inline; the header is read only once
 * Pointer is known to lie in a segment, or to be a big block of the heap's list.
 */
static inline HEAP_ENTRY *BusyEntry(HEAP *Heap, const void *Pointer)
{
    HEAP_ENTRY *entry = (HEAP_ENTRY *)Pointer - 1;
    HEAP_SEGMENT *segment = Heap->Segments;

    if ((ULONG_PTR)Pointer & (HEAP_GRANULE - 1))
        return NULL;
    /* Pointer above FirstEntry, both aligned: its header at FirstEntry or above (and NULL is
     * never in the first segment). */
    if (__builtin_expect((PUCHAR)Pointer > (PUCHAR)segment->FirstEntry &&
                         (PUCHAR)Pointer < segment->CommittedEnd, 1))
        return CheckBusy(entry, segment, 0);
    if (!Pointer)
        return NULL;
    segment = SegmentOf(Heap, Pointer);
    if (!segment)
        return VirtualEntry(Heap, Pointer);
    return CheckBusy(entry, segment, (ULONG)(segment - Heap->Segments));
}

static HEAP_VIRTUAL_BLOCK *VirtualBlockOf(HEAP_ENTRY *Entry)
{
    return (HEAP_VIRTUAL_BLOCK *)((PUCHAR)Entry - __builtin_offsetof(HEAP_VIRTUAL_BLOCK, Entry));
}

/* The granules a request of Size bytes needs, header included; 0 if it cannot be had. */
static ULONG GranulesFor(SIZE_T Size)
{
    SIZE_T granules;

    if (Size > HEAP_VIRTUAL_THRESHOLD)
        return 0;
    granules = (Size + sizeof(HEAP_ENTRY) + HEAP_GRANULE - 1) >> HEAP_GRANULE_SHIFT;
    return granules < HEAP_MINIMUM_BLOCK ? HEAP_MINIMUM_BLOCK : (ULONG)granules;
}

/* A region of its own for a block above the threshold. */
static PVOID AllocateVirtual(HEAP *Heap, SIZE_T Size)
{
    HEAP_VIRTUAL_BLOCK *block = NULL;
    SIZE_T size = sizeof(*block) + Size;

    if (size < Size || !(Heap->Flags & HEAP_GROWABLE) ||
        !NT_SUCCESS(NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)&block, 0, &size,
                                            MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)))
        return NULL;
    block->ReserveSize = size;
    block->RequestedSize = Size;
    block->Entry.Flags = HEAP_ENTRY_BUSY | HEAP_ENTRY_VIRTUAL;
    InsertList(&Heap->VirtualBlocks, &block->Links);
    return block + 1;
}

static void FreeVirtual(HEAP_VIRTUAL_BLOCK *Block)
{
    PVOID base = Block;
    SIZE_T size = 0;

    RemoveList(&Block->Links);
    NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
}

/* Raise STATUS_NO_MEMORY for a heap that generates exceptions (the handler may continue). */
static __attribute__((noinline, cold)) void RaiseNoMemory(SIZE_T Size)
{
    EXCEPTION_RECORD record = { 0 };

    record.ExceptionCode = (DWORD)STATUS_NO_MEMORY;
    record.NumberParameters = 1;
    record.ExceptionInformation[0] = Size;
    RtlRaiseException(&record);
}

/* A block of Granules off its lookaside list, busy again; NULL when the list is empty. */
static inline HEAP_ENTRY *PopLookaside(HEAP *Heap, ULONG Granules)
{
    HEAP_LOOKASIDE *list;
    HEAP_ENTRY *entry;

    if (Granules >= HEAP_LOOKASIDE_LISTS)
        return NULL;
    list = &Heap->Lookaside[Granules];
    entry = list->ListHead;
    if (!entry)
        return NULL;
    list->ListHead = *(HEAP_ENTRY **)(entry + 1);
    list->Depth--;
    entry->Flags &= ~HEAP_ENTRY_LOOKASIDE;
    return entry;
}

/* Take a block of Size bytes under the lock; NULL if there is no room. */
static PVOID AllocateLocked(HEAP *Heap, ULONG Flags, SIZE_T Size)
{
    ULONG granules = GranulesFor(Size);
    HEAP_ENTRY *entry;

    if (!granules)
        return AllocateVirtual(Heap, Size);     /* fresh pages: zero already */
    entry = PopLookaside(Heap, granules);
    if (!entry) {
        entry = FindOrGrow(Heap, granules);
        if (!entry && DrainLookasides(Heap))
            entry = FindFree(Heap, granules);   /* the lookasides are the last resort */
        if (!entry)
            return NULL;
        RemoveFree(Heap, entry);
        entry->Flags |= HEAP_ENTRY_BUSY;
        SplitBlock(Heap, entry, granules);
    }
    entry->UnusedBytes = ((SIZE_T)entry->Size << HEAP_GRANULE_SHIFT) - sizeof(*entry) - Size;
    if (Flags & HEAP_ZERO_MEMORY)
        memset(entry + 1, 0, Size);
    return entry + 1;
}

/* Free a busy segment block under the lock, merging it with free neighbours. */
static void FreeLocked(HEAP *Heap, HEAP_ENTRY *Entry)
{
    HEAP_ENTRY *next, *previous;

    Entry->Flags &= ~HEAP_ENTRY_BUSY;
    Entry->UnusedBytes = 0;
    if (!(Entry->Flags & HEAP_ENTRY_LAST)) {
        next = NextEntry(Entry);
        if (!(next->Flags & HEAP_ENTRY_BUSY)) {
            RemoveFree(Heap, next);
            Entry->Size += next->Size;
            InheritLast(Heap, Entry, next);
        }
    }
    if (Entry != Heap->Segments[Entry->SegmentIndex].FirstEntry) {
        previous = PreviousEntry(Entry);
        if (!(previous->Flags & HEAP_ENTRY_BUSY)) {
            RemoveFree(Heap, previous);
            previous->Size += Entry->Size;
            InheritLast(Heap, previous, Entry);
            Entry = previous;
        }
    }
    LinkNext(Entry);
    InsertFree(Heap, Entry);
}

/*
 * Create a heap: Flags HEAP_GROWABLE (more segments and big blocks as needed),
 * HEAP_NO_SERIALIZE, HEAP_GENERATE_EXCEPTIONS; ReserveSize 0 is 1 MB (a growable heap) or at
 * least CommitSize. HeapBase, Lock and Parameters must be NULL (mm386 keeps its own lock).
 */
PVOID NTAPI RtlCreateHeap(ULONG Flags, PVOID HeapBase, SIZE_T ReserveSize, SIZE_T CommitSize,
                          PVOID Lock, PRTL_HEAP_PARAMETERS Parameters)
{
    HEAP *heap;
    PVOID base;
    ULONG index;

    if (HeapBase || Lock || Parameters)
        return NULL;
    if (!ReserveSize) {
        ReserveSize = CommitSize > HEAP_DEFAULT_RESERVE ? CommitSize : HEAP_DEFAULT_RESERVE;
        Flags |= HEAP_GROWABLE;
    }
    if (ReserveSize < sizeof(HEAP) + HEAP_PAGE_SIZE)
        ReserveSize = sizeof(HEAP) + HEAP_PAGE_SIZE;
    if (ReserveSize > 0x7FFF0000u || CommitSize > ReserveSize)
        return NULL;
    if (!NT_SUCCESS(CreateSegment(NULL, &base, 0, ReserveSize, CommitSize, sizeof(HEAP))))
        return NULL;
    heap = base;
    heap->Signature = HEAP_SIGNATURE;
    heap->Flags = Flags & (HEAP_GROWABLE | HEAP_NO_SERIALIZE | HEAP_GENERATE_EXCEPTIONS);
    heap->NextSegmentReserve = RoundUp(ReserveSize, HEAP_ALLOCATION_GRANULARITY) * 2;
    if (heap->NextSegmentReserve > HEAP_MAXIMUM_RESERVE)
        heap->NextSegmentReserve = HEAP_MAXIMUM_RESERVE;
    for (index = 0; index < HEAP_FREE_LISTS; index++)
        heap->FreeLists[index].Flink = heap->FreeLists[index].Blink = &heap->FreeLists[index];
    heap->VirtualBlocks.Flink = heap->VirtualBlocks.Blink = &heap->VirtualBlocks;
    InsertFree(heap, heap->Segments[0].FirstEntry);
    return heap;
}

/* Give back every segment and big block: NULL on success, the heap itself on failure.
 * (kernel32's HeapDestroy refuses the process heap before it gets here.) */
PVOID NTAPI RtlDestroyHeap(PVOID HeapHandle)
{
    HEAP *heap = HeapHandle;
    PVOID base;
    SIZE_T size;
    ULONG index;

    if (!IsHeap(heap))
        return HeapHandle;
    while (heap->VirtualBlocks.Flink != &heap->VirtualBlocks)
        FreeVirtual((HEAP_VIRTUAL_BLOCK *)heap->VirtualBlocks.Flink);
    heap->Signature = 0;
    for (index = HEAP_MAXIMUM_SEGMENTS; index-- > 0;) {
        base = heap->Segments[index].Base;
        size = 0;
        if (base)
            NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
    }
    return NULL;
}

/*
 * Size bytes (any, 0 too) aligned to 8, zeroed with HEAP_ZERO_MEMORY; NULL if there is no
 * room, or STATUS_NO_MEMORY raised with HEAP_GENERATE_EXCEPTIONS.
 *
 * The front end first: a block of exactly the size, off its lookaside list, in a straight
 * line of code (under QEMU's TCG every branch taken costs a block of translated code). A
 * request of 0 bytes looks at list 1, which is always empty (no block is smaller than
 * HEAP_MINIMUM_BLOCK), and so goes to the back end; 1 to 8 bytes take list 2, as GranulesFor
 * would.
 */
PVOID NTAPI RtlAllocateHeap(PVOID HeapHandle, ULONG Flags, SIZE_T Size)
{
    HEAP *heap = HeapHandle;
    HEAP_ENTRY *entry;
    PVOID data;

    if (!IsHeap(heap))
        return NULL;
    Flags |= heap->Flags & HEAP_CALL_FLAGS;
    Lock(heap, Flags);
    if (__builtin_expect(!(Flags & HEAP_ZERO_MEMORY) && Size <= HEAP_LOOKASIDE_BYTES, 1) &&
        __builtin_expect((entry = PopLookaside(heap, (Size + sizeof(HEAP_ENTRY) + HEAP_GRANULE - 1)
                                                     >> HEAP_GRANULE_SHIFT)) != NULL, 1)) {
        entry->UnusedBytes = ((SIZE_T)entry->Size << HEAP_GRANULE_SHIFT) - sizeof(*entry) - Size;
        Unlock(heap, Flags);
        return entry + 1;
    }
    data = AllocateLocked(heap, Flags, Size);
    Unlock(heap, Flags);
    if (!data && (Flags & HEAP_GENERATE_EXCEPTIONS))
        RaiseNoMemory(Size);
    return data;
}

/* A freed block of fewer than HEAP_LOOKASIDE_LISTS granules onto its lookaside list. */
static void PushLookaside(HEAP *Heap, HEAP_ENTRY *Entry)
{
    HEAP_LOOKASIDE *list = &Heap->Lookaside[Entry->Size];

    Entry->Flags |= HEAP_ENTRY_LOOKASIDE;
    *(HEAP_ENTRY **)(Entry + 1) = list->ListHead;
    list->ListHead = Entry;
    list->Depth++;
}

/*
 * Free a block; FALSE, with the last error ERROR_INVALID_PARAMETER, when BaseAddress is not a
 * busy block of this heap (NULL is TRUE). kernel32's HeapFree is this function, forwarded
 * (kernel32.def), as on XP: the result is all of EAX, 1 or 0, as a BOOL must be. A block of
 * the first segment goes onto its lookaside list, in a straight line of code, while the list
 * has room.
 */
BOOLEAN NTAPI RtlFreeHeap(PVOID HeapHandle, ULONG Flags, PVOID BaseAddress)
{
    HEAP *heap = HeapHandle;
    HEAP_ENTRY *entry;

    if (!BaseAddress)
        return TRUE;
    if (!IsHeap(heap)) {
        RtlSetLastWin32Error(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    Flags |= heap->Flags & HEAP_CALL_FLAGS;
    Lock(heap, Flags);
    entry = BusyEntry(heap, BaseAddress);
    if (__builtin_expect(entry && entry->Size < HEAP_LOOKASIDE_LISTS &&
                         heap->Lookaside[entry->Size].Depth < HEAP_LOOKASIDE_DEPTH &&
                         !(entry->Flags & HEAP_ENTRY_VIRTUAL), 1)) {
        PushLookaside(heap, entry);
        Unlock(heap, Flags);
        return TRUE;
    }
    if (entry && (entry->Flags & HEAP_ENTRY_VIRTUAL))
        FreeVirtual(VirtualBlockOf(entry));
    else if (entry)
        FreeLocked(heap, entry);
    Unlock(heap, Flags);
    if (!entry)
        RtlSetLastWin32Error(ERROR_INVALID_PARAMETER);
    return entry != NULL;
}

/* The size asked for when the block was allocated or last resized; (SIZE_T)-1 for a pointer
 * that is not a busy block of this heap. */
SIZE_T NTAPI RtlSizeHeap(PVOID HeapHandle, ULONG Flags, const void *BaseAddress)
{
    HEAP *heap = HeapHandle;
    HEAP_ENTRY *entry;
    SIZE_T size = (SIZE_T)-1;

    if (!IsHeap(heap))
        return size;
    Flags |= heap->Flags & HEAP_CALL_FLAGS;
    Lock(heap, Flags);
    entry = BusyEntry(heap, BaseAddress);
    if (entry && (entry->Flags & HEAP_ENTRY_VIRTUAL))
        size = VirtualBlockOf(entry)->RequestedSize;
    else if (entry)
        size = ((SIZE_T)entry->Size << HEAP_GRANULE_SHIFT) - sizeof(*entry) - entry->UnusedBytes;
    Unlock(heap, Flags);
    return size;
}

/* A lookaside block back to the back end (free and merged), off its list. */
static void ReclaimLookaside(HEAP *Heap, HEAP_ENTRY *Entry)
{
    HEAP_LOOKASIDE *list = &Heap->Lookaside[Entry->Size];
    HEAP_ENTRY **link = &list->ListHead;

    while (*link != Entry)
        link = (HEAP_ENTRY **)(*link + 1);
    *link = *(HEAP_ENTRY **)(Entry + 1);
    list->Depth--;
    Entry->Flags &= ~HEAP_ENTRY_LOOKASIDE;
    FreeLocked(Heap, Entry);
}

/* Resize a segment block in place (shrinking, or growing into a free block after it, one on a
 * lookaside list included). */
static BOOLEAN ResizeInPlace(HEAP *Heap, HEAP_ENTRY *Entry, SIZE_T Size)
{
    ULONG granules = GranulesFor(Size);
    HEAP_ENTRY *next;

    if (!granules)
        return FALSE;
    if (granules > Entry->Size) {
        if (Entry->Flags & HEAP_ENTRY_LAST)
            return FALSE;
        next = NextEntry(Entry);
        if (next->Flags & HEAP_ENTRY_LOOKASIDE) {
            ReclaimLookaside(Heap, next);
            next = NextEntry(Entry);
        }
        if ((next->Flags & HEAP_ENTRY_BUSY) || (ULONG)(Entry->Size + next->Size) < granules)
            return FALSE;
        RemoveFree(Heap, next);
        Entry->Size += next->Size;
        InheritLast(Heap, Entry, next);
        LinkNext(Entry);
    }
    SplitBlock(Heap, Entry, granules);
    Entry->UnusedBytes = ((SIZE_T)Entry->Size << HEAP_GRANULE_SHIFT) - sizeof(*Entry) - Size;
    return TRUE;
}

/*
 * Resize a block to Size bytes, keeping its contents up to the smaller size; in place when
 * it can be, moved otherwise (never with HEAP_REALLOC_IN_PLACE_ONLY). Bytes beyond the old
 * size are zero with HEAP_ZERO_MEMORY. NULL on failure, the old block untouched.
 */
PVOID NTAPI RtlReAllocateHeap(PVOID HeapHandle, ULONG Flags, PVOID BaseAddress, SIZE_T Size)
{
    HEAP *heap = HeapHandle;
    HEAP_ENTRY *entry;
    HEAP_VIRTUAL_BLOCK *block;
    PVOID data = NULL;
    SIZE_T old = 0;

    if (!IsHeap(heap) || !BaseAddress)
        return NULL;
    Flags |= heap->Flags & HEAP_CALL_FLAGS;
    Lock(heap, Flags);
    entry = BusyEntry(heap, BaseAddress);
    if (entry && (entry->Flags & HEAP_ENTRY_VIRTUAL)) {
        block = VirtualBlockOf(entry);
        old = block->RequestedSize;
        if (Size > HEAP_VIRTUAL_THRESHOLD && sizeof(*block) + Size <= block->ReserveSize) {
            block->RequestedSize = Size;
            data = BaseAddress;
        }
    } else if (entry) {
        old = ((SIZE_T)entry->Size << HEAP_GRANULE_SHIFT) - sizeof(*entry) - entry->UnusedBytes;
        if (ResizeInPlace(heap, entry, Size))
            data = BaseAddress;
    }
    if (entry && !data && !(Flags & HEAP_REALLOC_IN_PLACE_ONLY)) {
        data = AllocateLocked(heap, Flags & ~HEAP_ZERO_MEMORY, Size);
        if (data) {
            memcpy(data, BaseAddress, old < Size ? old : Size);
            if (entry->Flags & HEAP_ENTRY_VIRTUAL)
                FreeVirtual(VirtualBlockOf(entry));
            else
                FreeLocked(heap, entry);
        }
    }
    if (data && (Flags & HEAP_ZERO_MEMORY) && Size > old)
        memset((PUCHAR)data + old, 0, Size - old);
    Unlock(heap, Flags);
    if (entry && !data && (Flags & HEAP_GENERATE_EXCEPTIONS))
        RaiseNoMemory(Size);
    return data;
}
