/*
 * seqread FILE [FILE2 [FILE3]]: reads files through the cache in 64 KB ReadFile calls and
 * prints what the cache manager did for each read, from NtQuerySystemInformation's
 * SystemPerformanceInformation (CcCopyReadWait: reads copied from the cache; CcCopyReadWaitMiss:
 * those that had to wait for the disk; CcReadAheadIos: reads the read-ahead thread issued):
 *
 *   FILE   front to back, no flags: the cache sees the reads follow one another and reads
 *          ahead of them (64 KB)
 *   FILE2  front to back with FILE_FLAG_SEQUENTIAL_SCAN: read-ahead from the first read, two
 *          256 KB granules ahead
 *   FILE3  its 64 KB blocks in a scattered order, with FILE_FLAG_RANDOM_ACCESS: no read-ahead
 *
 * A file left out is not read. A file read again is in the cache already (warm: nothing to
 * read ahead), so give each its own file. Exit status 1 if a file cannot be opened or read.
 */
#include <windows.h>
#include <stdio.h>
#include <ntdll.h>

#define CHUNK   65536

static BYTE Buffer[CHUNK];

static void Counters(SYSTEM_PERFORMANCE_INFORMATION *Perf)
{
    NtQuerySystemInformation(SystemPerformanceInformation, Perf, sizeof(*Perf), NULL);
}

static int ReadOne(const char *Name, DWORD Flags, const char *How)
{
    SYSTEM_PERFORMANCE_INFORMATION before, after;
    HANDLE file = CreateFileA(Name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, Flags, NULL);
    DWORD size, blocks, got, total = 0;

    if (file == INVALID_HANDLE_VALUE) {
        printf("seqread: %s: error %lu\n", Name, GetLastError());
        return 1;
    }
    size = GetFileSize(file, NULL);
    blocks = (size + CHUNK - 1) / CHUNK;
    Counters(&before);
    for (DWORD i = 0; i < blocks; i++) {
        /* Random: block i * 7919 mod blocks (a prime stride visits each block once when
         * blocks is not a multiple of it). */
        DWORD block = (Flags & FILE_FLAG_RANDOM_ACCESS) && blocks % 7919 ? (i * 7919) % blocks : i;
        OVERLAPPED at = { .Offset = block * CHUNK };

        if (!ReadFile(file, Buffer, CHUNK, &got, &at)) {
            printf("seqread: %s: read at %lu: error %lu\n", Name, block * CHUNK, GetLastError());
            CloseHandle(file);
            return 1;
        }
        total += got;
    }
    Counters(&after);
    CloseHandle(file);
    printf("seqread: %s (%s): %lu bytes in %lu reads, %lu waited for the disk, "
           "%lu read-ahead I/Os\n", Name, How, total, after.CcCopyReadWait - before.CcCopyReadWait,
           after.CcCopyReadWaitMiss - before.CcCopyReadWaitMiss,
           after.CcReadAheadIos - before.CcReadAheadIos);
    return total == size ? 0 : 1;
}

int main(int argc, char **argv)
{
    int failed = 0;

    if (argc < 2) {
        printf("usage: seqread FILE [FILE2 [FILE3]]\n");
        return 2;
    }
    failed |= ReadOne(argv[1], 0, "sequential");
    if (argc > 2)
        failed |= ReadOne(argv[2], FILE_FLAG_SEQUENTIAL_SCAN, "FILE_FLAG_SEQUENTIAL_SCAN");
    if (argc > 3)
        failed |= ReadOne(argv[3], FILE_FLAG_RANDOM_ACCESS, "FILE_FLAG_RANDOM_ACCESS");
    return failed;
}
