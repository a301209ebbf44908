/*
 * tests/programs/waiter.c: a process that stays while the debugger looks at it (tests/kdprocess.t
 * and tests/gdb.t build it with tools/mkexe).
 *
 *   waiter             reserves 256 KB, commits its first two pages and writes PATTERN at its
 *                      start, starts a second thread (which waits for its own process to end),
 *                      prints one line saying where everything is, then sleeps for ever
 *   waiter exit N [MS] ends with status N, at once or after MS milliseconds
 *
 * The line: `waiter: pid P tid T thread2 U region R pattern X image I stack S teb B peb Q
 * heap H`, each a hexadecimal number but the ids, which are decimal (as GetCurrentProcessId
 * gives them to printf's %lu).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN         0x5A17C0DEu
#define REGION_RESERVE  0x40000
#define REGION_COMMIT   0x2000
#define SLEEP_MS        60000

static DWORD WINAPI WaitForTheEnd(LPVOID Process)
{
    WaitForSingleObject((HANDLE)Process, INFINITE);
    return 0;
}

int main(int argc, char **argv)
{
    MEMORY_BASIC_INFORMATION stack;
    ULONG *region, *peb;
    DWORD second;
    HANDLE self;
    NT_TIB *tib = (NT_TIB *)NtCurrentTeb();

    if (argc > 2 && strcmp(argv[1], "exit") == 0) {
        if (argc > 3)
            Sleep((DWORD)atoi(argv[3]));
        return atoi(argv[2]);
    }
    region = VirtualAlloc(NULL, REGION_RESERVE, MEM_RESERVE, PAGE_READWRITE);
    if (!region || !VirtualAlloc(region, REGION_COMMIT, MEM_COMMIT, PAGE_READWRITE)) {
        printf("waiter: VirtualAlloc failed: error %lu\n", GetLastError());
        return 1;
    }
    region[0] = PATTERN;
    self = OpenProcess(PROCESS_QUERY_INFORMATION | SYNCHRONIZE, FALSE, GetCurrentProcessId());
    if (!self || !CreateThread(NULL, 0, WaitForTheEnd, self, 0, &second)) {
        printf("waiter: cannot start the second thread: error %lu\n", GetLastError());
        return 1;
    }
    VirtualQuery(&stack, &stack, sizeof(stack));
    peb = (ULONG *)((ULONG *)tib)[12];                  /* TEB 0x30: the PEB */
    printf("waiter: pid %lu tid %lu thread2 %lu region %p pattern %08x image %p stack %p "
           "teb %p peb %p heap %p\n", GetCurrentProcessId(), GetCurrentThreadId(), second,
           (void *)region, PATTERN, (void *)peb[2], stack.AllocationBase, (void *)tib->Self,
           (void *)peb, (void *)GetProcessHeap());
    for (;;)
        Sleep(SLEEP_MS);
}
