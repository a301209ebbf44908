/*
 * stack [DEPTH]: the first thread's stack growing. Each call takes 1 KB of stack; every 64
 * calls the program prints how much of the stack is committed and reserved (VirtualQuery of
 * the stack's regions). Touching the guard page below the committed part commits it and moves
 * the guard down; at the end of the reserve comes STATUS_STACK_OVERFLOW, which an SEH frame
 * (seh.h) catches. Without DEPTH it recurses until that happens.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <seh.h>

#define FRAME_BYTES     1024

static int Limit;
static volatile int Deepest;

/* Committed and reserved bytes of the stack holding Address: its allocation's regions. */
static void StackSizes(PVOID Address, SIZE_T *Committed, SIZE_T *Reserved)
{
    MEMORY_BASIC_INFORMATION region;
    PUCHAR base, at;

    *Committed = *Reserved = 0;
    if (!VirtualQuery(Address, &region, sizeof(region)))
        return;
    base = region.AllocationBase;
    for (at = base; VirtualQuery(at, &region, sizeof(region)) && region.AllocationBase == base;
         at += region.RegionSize) {
        *Reserved += region.RegionSize;
        if (region.State == MEM_COMMIT)
            *Committed += region.RegionSize;
    }
}

static int Recurse(int Depth)
{
    volatile char frame[FRAME_BYTES];
    SIZE_T committed, reserved;

    frame[0] = (char)Depth;
    frame[FRAME_BYTES - 1] = (char)Depth;
    Deepest = Depth;
    if (Depth % 64 == 0) {
        StackSizes((PVOID)frame, &committed, &reserved);
        printf("depth %5d: esp %p, committed %4lu KB of %lu KB reserved\n", Depth,
               (void *)frame, committed / 1024, reserved / 1024);
    }
    if (Limit && Depth >= Limit)
        return Depth;
    return Recurse(Depth + 1) + frame[0] - frame[FRAME_BYTES - 1];
}

int main(int argc, char **argv)
{
    SEH_FRAME frame;

    Limit = argc > 1 ? atoi(argv[1]) : 0;
    if (SEH_TRY(&frame, NULL, NULL) == 0) {
        printf("reached depth %d\n", Recurse(1));
        SehEnd(&frame);
        return 0;
    }
    printf("caught exception 0x%08lX at depth %d\n", frame.Exception.ExceptionCode, Deepest);
    return frame.Exception.ExceptionCode == (DWORD)STATUS_STACK_OVERFLOW ? 0 : 1;
}
