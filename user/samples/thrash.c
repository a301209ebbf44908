/*
 * thrash [MB] [THREADS]: touches MB megabytes (default 16) from THREADS threads (default 4),
 * each its own share, writing a pattern that differs per page and per word, then reading it
 * all back. On a machine with less memory than MB the pages go to the paging file and come
 * back; every word must still hold its pattern. The exit status is the number of bad words.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE_BYTES      4096
#define PAGE_WORDS      (PAGE_BYTES / sizeof(ULONG))
#define MAXIMUM_THREADS 16
#define PASSES          2

typedef struct {
    ULONG Index;
    SIZE_T Pages;
    ULONG *Memory;
    ULONG Bad;
} SHARE;

static ULONG Pattern(ULONG Thread, SIZE_T Page, ULONG Word)
{
    return (Thread << 28) ^ ((ULONG)Page * 2654435761u) ^ (Word * 40503u);
}

static DWORD WINAPI Touch(LPVOID Argument)
{
    SHARE *share = Argument;
    SIZE_T page;
    ULONG word, pass;

    for (pass = 0; pass < PASSES; pass++) {
        for (page = 0; page < share->Pages; page++)
            for (word = 0; word < PAGE_WORDS; word++)
                share->Memory[page * PAGE_WORDS + word] = Pattern(share->Index, page, word + pass);
        for (page = 0; page < share->Pages; page++)
            for (word = 0; word < PAGE_WORDS; word++)
                share->Bad += share->Memory[page * PAGE_WORDS + word] !=
                              Pattern(share->Index, page, word + pass);
    }
    return 0;
}

int main(int argc, char **argv)
{
    ULONG megabytes = argc > 1 ? (ULONG)atoi(argv[1]) : 16;
    ULONG count = argc > 2 ? (ULONG)atoi(argv[2]) : 4, index, bad = 0;
    SHARE shares[MAXIMUM_THREADS];
    HANDLE threads[MAXIMUM_THREADS];
    DWORD start = GetTickCount();

    if (count < 1 || count > MAXIMUM_THREADS || megabytes < 1) {
        printf("usage: thrash [MB] [THREADS 1-%d]\n", MAXIMUM_THREADS);
        return 1;
    }
    for (index = 0; index < count; index++) {
        shares[index].Index = index;
        shares[index].Pages = (SIZE_T)megabytes * 256 / count;
        shares[index].Bad = 0;
        shares[index].Memory = VirtualAlloc(NULL, shares[index].Pages * PAGE_BYTES,
                                            MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!shares[index].Memory) {
            printf("thrash: cannot commit %lu KB: error %lu\n", shares[index].Pages * 4,
                   GetLastError());
            return 1;
        }
        threads[index] = CreateThread(NULL, 0, Touch, &shares[index], 0, NULL);
        if (!threads[index]) {
            printf("thrash: CreateThread failed: error %lu\n", GetLastError());
            return 1;
        }
    }
    WaitForMultipleObjects(count, threads, TRUE, INFINITE);
    for (index = 0; index < count; index++) {
        bad += shares[index].Bad;
        CloseHandle(threads[index]);
        VirtualFree(shares[index].Memory, 0, MEM_RELEASE);
    }
    printf("%lu MB, %lu threads, %d passes: %lu page touches in %lu ms, %lu bad words\n",
           megabytes, count, PASSES, (ULONG)(megabytes * 256 * PASSES * 2), GetTickCount() - start,
           bad);
    return (int)bad;
}
