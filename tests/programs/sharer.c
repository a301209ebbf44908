/*
 * tests/programs/sharer.c: a process holding a section's pages while the debugger looks at
 * them (tests/kdsection.t builds it with tools/mkexe).
 *
 *   sharer     creates the page-file section "KdSharer" of PAGES pages, maps it twice
 *              read/write (views one and two) and once copy-on-write (copy); writes
 *              PATTERN + i at the start of pages 0-3 through view one, reads pages 0 and 1
 *              through view two (so two PTEs of this process map each of them) and writes
 *              page 2 through the copy (its own page); prints one line saying where
 *              everything is, then sleeps for ever.
 *
 * The line: `sharer: pid P one A two B copy C pages N pattern X sum S`, the pid and N decimal,
 * the rest hexadecimal (S is what reading pages 0 and 1 through view two gave).
 */
#include <windows.h>
#include <stdio.h>

#define PATTERN     0x5EC70000u
#define PAGES       16
#define PAGE        4096
#define SLEEP_MS    60000

int main(void)
{
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                        PAGES * PAGE, "KdSharer");
    volatile ULONG *one, *two, *copy;
    ULONG sum = 0;

    if (!section) {
        printf("sharer: CreateFileMapping failed: error %lu\n", GetLastError());
        return 1;
    }
    one = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);
    two = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);
    copy = MapViewOfFile(section, FILE_MAP_COPY, 0, 0, 0);
    if (!one || !two || !copy) {
        printf("sharer: MapViewOfFile failed: error %lu\n", GetLastError());
        return 1;
    }
    for (ULONG i = 0; i < 4; i++)
        one[i * PAGE / sizeof(ULONG)] = PATTERN + i;
    sum = two[0] + two[PAGE / sizeof(ULONG)];
    copy[2 * PAGE / sizeof(ULONG)] = PATTERN + 0x100;
    printf("sharer: pid %lu one %p two %p copy %p pages %u pattern %08x sum %08lx\n",
           GetCurrentProcessId(), (void *)one, (void *)two, (void *)copy, PAGES, PATTERN, sum);
    for (;;)
        Sleep(SLEEP_MS);
}
