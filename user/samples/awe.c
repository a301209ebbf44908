/*
 * awe [PAGES] [WINDOW]: Address Windowing Extensions. It takes PAGES physical pages (default
 * 2048, 8 MB; fewer when memory is short) with AllocateUserPhysicalPages and looks at them through a window of
 * WINDOW pages (default 16) reserved with MEM_RESERVE | MEM_PHYSICAL: it maps the pages a
 * window at a time, stamps each with its number, unmaps them all, then maps them again in
 * another order (MapUserPhysicalPagesScatter, page k of the pages at window slot k % WINDOW)
 * and checks every stamp. The window's address space never holds more than WINDOW pages of
 * the data; the data is PAGES pages. Needs SeLockMemoryPrivilege (the first process has it).
 * Prints what it did and `bad 0` when every page read back what was written.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE            4096
#define STAMP           0xA3E00000u

int main(int argc, char **argv)
{
    ULONG_PTR pages, window, got, *frames;
    PVOID *slots;
    PUCHAR region;
    ULONG bad = 0;

    pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 2048;
    window = argc > 2 ? strtoul(argv[2], NULL, 0) : 16;
    if (pages == 0 || window == 0) {
        printf("awe: usage: awe [PAGES] [WINDOW]\n");
        return 1;
    }
    frames = malloc(pages * sizeof(*frames));
    slots = malloc(window * sizeof(*slots));
    region = VirtualAlloc(NULL, window * PAGE, MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE);
    if (!frames || !slots || !region) {
        printf("awe: no memory for the frame list or the window: error %lu\n", GetLastError());
        return 1;
    }
    got = pages;
    if (!AllocateUserPhysicalPages(GetCurrentProcess(), &got, frames)) {
        printf("awe: AllocateUserPhysicalPages: error %lu\n", GetLastError());
        return 1;
    }
    printf("awe: %lu of %lu physical pages (%lu KB) through a %lu-page window at %p\n",
           (ULONG)got, (ULONG)pages, (ULONG)(got * PAGE / 1024), (ULONG)window, (void *)region);
    for (ULONG_PTR first = 0; first < got; first += window) {
        ULONG_PTR count = got - first < window ? got - first : window;

        MapUserPhysicalPages(region, count, &frames[first]);
        for (ULONG_PTR i = 0; i < count; i++)
            *(volatile ULONG *)(region + i * PAGE) = STAMP + (ULONG)(first + i);
    }
    MapUserPhysicalPages(region, window, NULL);
    /* Again, scattered: the pages whose number is k modulo WINDOW all go through slot k. */
    for (ULONG_PTR k = 0; k < window; k++) {
        for (ULONG_PTR page = k; page < got; page += window) {
            slots[0] = region + k * PAGE;
            if (!MapUserPhysicalPagesScatter(slots, 1, &frames[page]))
                bad++;
            else
                bad += *(volatile ULONG *)(region + k * PAGE) != STAMP + (ULONG)page;
        }
    }
    MapUserPhysicalPages(region, window, NULL);
    FreeUserPhysicalPages(GetCurrentProcess(), &got, frames);
    printf("awe: %lu pages written and read back through %lu addresses: bad %lu\n",
           (ULONG)got, (ULONG)window, bad);
    return bad != 0;
}
