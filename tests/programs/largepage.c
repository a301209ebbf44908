/*
 * tests/programs/largepage.c: a process holding a large page and an AWE window while the
 * debugger looks at them (tests/kdlarge.t builds it with tools/mkexe).
 *
 *   largepage  allocates one 4 MB MEM_LARGE_PAGES region and writes PATTERN + i at the start
 *              of each of its 1024 pages; reserves a 16-page MEM_PHYSICAL region, allocates
 *              two AWE pages and maps the second at page 3 of the region, writing PATTERN
 *              there; creates a 4 MB page-file section on large pages (SEC_LARGE_PAGES), maps
 *              it whole and writes SECTION_PATTERN + i at the start of each page; prints one
 *              line saying where everything is, then sleeps for ever.
 *
 * The line: `largepage: pid P large A awe W frame F pattern X section S`, the pid decimal, the
 * rest hexadecimal (F is the AWE page's frame, S the section's view). A failure prints
 * `largepage: ... failed: error E`.
 */
#include <windows.h>
#include <stdio.h>

#define PATTERN     0x1A6E0000u
#define SECTION_PATTERN 0x5EC10000u
#define LARGE_PAGE  0x400000u
#define PAGE        4096
#define SLEEP_MS    60000

int main(void)
{
    volatile ULONG *large = VirtualAlloc(NULL, LARGE_PAGE,
                                         MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES,
                                         PAGE_READWRITE);
    volatile ULONG *awe = VirtualAlloc(NULL, 16 * PAGE, MEM_RESERVE | MEM_PHYSICAL,
                                       PAGE_READWRITE);
    ULONG_PTR frames[2], count = 2;
    HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL,
                                        PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES, 0,
                                        LARGE_PAGE, NULL);
    volatile ULONG *view = section ? MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0) : NULL;

    if (!large || !awe) {
        printf("largepage: VirtualAlloc failed: error %lu\n", GetLastError());
        return 1;
    }
    if (!AllocateUserPhysicalPages(GetCurrentProcess(), &count, frames) || count != 2 ||
        !MapUserPhysicalPages((PUCHAR)awe + 3 * PAGE, 1, &frames[1])) {
        printf("largepage: AWE failed: error %lu\n", GetLastError());
        return 1;
    }
    if (!view) {
        printf("largepage: the SEC_LARGE_PAGES section failed: error %lu\n", GetLastError());
        return 1;
    }
    for (ULONG i = 0; i < LARGE_PAGE / PAGE; i++) {
        large[i * (PAGE / 4)] = PATTERN + i;
        view[i * (PAGE / 4)] = SECTION_PATTERN + i;
    }
    awe[3 * (PAGE / 4)] = PATTERN;
    printf("largepage: pid %lu large %lx awe %lx frame %lx pattern %lx section %lx\n",
           GetCurrentProcessId(), (ULONG)(ULONG_PTR)large, (ULONG)(ULONG_PTR)awe,
           (ULONG)frames[1], (ULONG)PATTERN, (ULONG)(ULONG_PTR)view);
    for (;;)
        Sleep(SLEEP_MS);
}
