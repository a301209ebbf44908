/*
 * sparse [CELLS]: a sparse array. It reserves room for 16384 cells of 4 KB (64 MB) and
 * commits nothing: a vectored exception handler commits the page of each access violation
 * inside the array and retries the instruction, so only the cells used cost memory. The
 * process's commit charge (GetProcessMemoryInfo's PagefileUsage) grows a page per new cell.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>

#define CELL_SIZE       4096
#define CELLS           16384

static PUCHAR Array;

static LONG CALLBACK CommitOnTouch(EXCEPTION_POINTERS *Pointers)
{
    EXCEPTION_RECORD *record = Pointers->ExceptionRecord;
    PUCHAR address = (PUCHAR)record->ExceptionInformation[1];

    if (record->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || address < Array ||
        address >= Array + (SIZE_T)CELLS * CELL_SIZE)
        return EXCEPTION_CONTINUE_SEARCH;
    if (!VirtualAlloc(address, 1, MEM_COMMIT, PAGE_READWRITE))
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static SIZE_T CommitCharge(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters)))
        return 0;
    return counters.PagefileUsage;
}

int main(int argc, char **argv)
{
    int used = argc > 1 ? atoi(argv[1]) : 64, index, cell, bad = 0;
    SIZE_T before;
    PVOID handler;

    Array = VirtualAlloc(NULL, (SIZE_T)CELLS * CELL_SIZE, MEM_RESERVE, PAGE_NOACCESS);
    if (!Array) {
        printf("sparse: cannot reserve %u KB: error %lu\n", CELLS * CELL_SIZE / 1024,
               GetLastError());
        return 1;
    }
    handler = AddVectoredExceptionHandler(1, CommitOnTouch);
    before = CommitCharge();
    printf("reserved %u KB at %p, commit charge %lu KB\n", CELLS * CELL_SIZE / 1024,
           (void *)Array, before / 1024);
    for (index = 0; index < used; index++) {
        cell = (int)((index * 7919u) % CELLS);
        Array[(SIZE_T)cell * CELL_SIZE + index % CELL_SIZE] = (UCHAR)index;
        if ((index + 1) % (used / 8 ? used / 8 : 1) == 0)
            printf("%5d cells used: commit charge %lu KB (+%lu KB)\n", index + 1,
                   CommitCharge() / 1024, (CommitCharge() - before) / 1024);
    }
    for (index = 0; index < used; index++) {
        cell = (int)((index * 7919u) % CELLS);
        bad += Array[(SIZE_T)cell * CELL_SIZE + index % CELL_SIZE] != (UCHAR)index;
    }
    RemoveVectoredExceptionHandler(handler);
    VirtualFree(Array, 0, MEM_RELEASE);
    printf("released: commit charge %lu KB; %d bad cells\n", CommitCharge() / 1024, bad);
    return bad;
}
