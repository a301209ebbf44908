/*
 * fork [PAGES]: POSIX fork as NT does it. The program writes PAGES pages (default 256) of its
 * own memory, then RtlCloneUserProcess clones it: the call returns twice, STATUS_SUCCESS in the
 * parent and STATUS_PROCESS_CLONED in the child, which has the parent's memory — shared, page
 * by page, until one of them writes (copy-on-write through NT's clone blocks). The child
 * rewrites every other page and checks all of them; the parent waits for it, then checks that
 * its own pages never changed, and prints both processes' commit charge
 * (GetProcessMemoryInfo's PagefileUsage): the child was charged once, at the fork, for every
 * page it may come to copy.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <ntdll.h>

#define PAGE            4096

static SIZE_T CommitCharge(HANDLE Process)
{
    PROCESS_MEMORY_COUNTERS counters;

    if (!GetProcessMemoryInfo(Process, &counters, sizeof(counters)))
        return 0;
    return counters.PagefileUsage;
}

/* Pages whose first word is not what the writer (parent: i, child: i or ~i) left there. */
static ULONG CountWrong(volatile ULONG *Memory, ULONG Pages, BOOL Child)
{
    ULONG wrong = 0;

    for (ULONG i = 0; i < Pages; i++) {
        ULONG expected = Child && (i & 1) ? ~i : i;

        wrong += Memory[i * (PAGE / sizeof(ULONG))] != expected;
    }
    return wrong;
}

int main(int argc, char **argv)
{
    ULONG pages = argc > 1 ? (ULONG)atoi(argv[1]) : 256;
    volatile ULONG *memory = VirtualAlloc(NULL, (SIZE_T)pages * PAGE, MEM_COMMIT, PAGE_READWRITE);
    RTL_USER_PROCESS_INFORMATION info;
    DWORD code = 1;
    NTSTATUS status;

    if (!memory || pages == 0) {
        printf("fork: no memory for %lu pages\n", pages);
        return 1;
    }
    for (ULONG i = 0; i < pages; i++)
        memory[i * (PAGE / sizeof(ULONG))] = i;
    printf("fork: %lu pages written, commit charge %lu KB\n", pages,
           (ULONG)(CommitCharge(GetCurrentProcess()) / 1024));
    status = RtlCloneUserProcess(0, NULL, NULL, NULL, &info);
    if (status == STATUS_PROCESS_CLONED) {
        ULONG wrong;

        for (ULONG i = 1; i < pages; i += 2)
            memory[i * (PAGE / sizeof(ULONG))] = ~i;
        wrong = CountWrong(memory, pages, TRUE);
        printf("fork: child %lu: wrote %lu pages, %lu wrong, commit charge %lu KB\n",
               GetCurrentProcessId(), pages / 2, wrong,
               (ULONG)(CommitCharge(GetCurrentProcess()) / 1024));
        ExitProcess(wrong ? 2 : 0);
    }
    if (!NT_SUCCESS(status)) {
        printf("fork: RtlCloneUserProcess failed: 0x%08lx\n", status);
        return 1;
    }
    WaitForSingleObject(info.Process, INFINITE);
    GetExitCodeProcess(info.Process, &code);
    printf("fork: parent %lu: child %lu exited with %lu; %lu of my pages changed\n",
           GetCurrentProcessId(), (ULONG)(ULONG_PTR)info.ClientId.UniqueProcess, code,
           CountWrong(memory, pages, FALSE));
    CloseHandle(info.Thread);
    CloseHandle(info.Process);
    return code != 0 || CountWrong(memory, pages, FALSE) != 0;
}
