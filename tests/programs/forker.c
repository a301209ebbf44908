/*
 * forker: a fork for tests/kdfork.t to look at. It writes PAGES pages, forks
 * (RtlCloneUserProcess); the child reads all of them and writes the last one (its own copy),
 * the parent writes the one before it (its own copy); both say where the memory is, and
 * sleep. So the first PAGES - 2 pages are one physical page each, mapped by both processes
 * through their clone blocks.
 */
#include <windows.h>
#include <stdio.h>
#include <ntdll.h>

#define PAGES       16
#define PAGE        4096
#define PATTERN     0x46524B00u
#define SLEEP_MS    60000

int main(void)
{
    volatile ULONG *memory = VirtualAlloc(NULL, PAGES * PAGE, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    NTSTATUS status;
    ULONG sum = 0;

    if (!memory)
        return 1;
    for (ULONG i = 0; i < PAGES; i++)
        memory[i * PAGE / sizeof(ULONG)] = PATTERN + i;
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED) {
        for (ULONG i = 0; i < PAGES; i++)
            sum += memory[i * PAGE / sizeof(ULONG)];
        memory[(PAGES - 1) * PAGE / sizeof(ULONG)] = 0xC0C0C0C0u;
        Sleep(500);
        printf("forker: child %lu memory %p pages %u sum %08lx\n", GetCurrentProcessId(),
               (void *)memory, PAGES, sum);
    } else if (NT_SUCCESS(status)) {
        memory[(PAGES - 2) * PAGE / sizeof(ULONG)] = 0xA0A0A0A0u;
        printf("forker: parent %lu memory %p pages %u child %lu\n", GetCurrentProcessId(),
               (void *)memory, PAGES, (ULONG)(ULONG_PTR)info.ClientId.UniqueProcess);
    } else {
        printf("forker: RtlCloneUserProcess failed: %08lx\n", status);
        return 1;
    }
    for (;;)
        Sleep(SLEEP_MS);
}
