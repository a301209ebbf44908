/*
 * forkhigh: a fork of a large-address-aware process under /3GB (tests/cloning.t patches the
 * LARGE_ADDRESS_AWARE bit into a copy): memory committed above 2 GB and written before the fork
 * must be the child's too. Exit status 0 when the child read it; prints what happened.
 */
#include <windows.h>
#include <stdio.h>
#include <ntdll.h>

#define HIGH        ((PVOID)0xA0000000)
#define PAGES       4
#define PAGE        4096

int main(void)
{
    volatile ULONG *high = VirtualAlloc(HIGH, PAGES * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    DWORD code = 99;
    NTSTATUS status;

    if (!high) {
        printf("forkhigh: no memory at %p: error %lu\n", HIGH, GetLastError());
        return 1;
    }
    for (ULONG i = 0; i < PAGES; i++)
        high[i * PAGE / 4] = 0x41A40000 + i;
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED) {
        ULONG wrong = 0;

        for (ULONG i = 0; i < PAGES; i++)
            wrong += high[i * PAGE / 4] != 0x41A40000 + i;
        ExitProcess(wrong);
    }
    if (!NT_SUCCESS(status)) {
        printf("forkhigh: RtlCloneUserProcess failed: %08lx\n", status);
        return 1;
    }
    WaitForSingleObject(info.Process, INFINITE);
    GetExitCodeProcess(info.Process, &code);
    printf("forkhigh: memory at %p, the child found %lu pages wrong\n", (void *)high, code);
    return code != 0;
}
