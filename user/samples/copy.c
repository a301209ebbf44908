/*
 * copy SRC DST: copies a file as CopyFile would, by hand: SRC opened for reading
 * (FILE_FLAG_SEQUENTIAL_SCAN, shared for reading), DST created or replaced (CREATE_ALWAYS),
 * then ReadFile / WriteFile in 64 KB chunks until ReadFile returns 0 bytes, FlushFileBuffers,
 * and DST's end of file checked against SRC's size. It prints the bytes copied and the time
 * (QueryPerformanceCounter) and exits 0, or says what failed (the call and GetLastError) and
 * exits 1. Paths are Win32 paths: C:\dir\name, C:/dir/name, or relative to C:\.
 */
#include <windows.h>
#include <stdio.h>

#define CHUNK   (64 * 1024)

static BYTE Buffer[CHUNK];

static int Fail(const char *What, const char *Path)
{
    printf("copy: %s %s failed (error %lu)\n", What, Path, GetLastError());
    return 1;
}

/* SRC to DST in CHUNK pieces; the bytes copied in *Copied. FALSE (and the last error) on a
 * failure, with *Failed naming the call. */
static BOOL CopyByReadWrite(HANDLE Source, HANDLE Target, ULONGLONG *Copied, const char **Failed)
{
    DWORD got, put;

    *Copied = 0;
    for (;;) {
        if (!ReadFile(Source, Buffer, CHUNK, &got, NULL)) {
            *Failed = "ReadFile";
            return FALSE;
        }
        if (got == 0)
            break;
        if (!WriteFile(Target, Buffer, got, &put, NULL) || put != got) {
            *Failed = "WriteFile";
            return FALSE;
        }
        *Copied += got;
    }
    if (!FlushFileBuffers(Target)) {
        *Failed = "FlushFileBuffers";
        return FALSE;
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    HANDLE source, target;
    LARGE_INTEGER frequency, start, end, size, written;
    ULONGLONG copied = 0, us;
    const char *failed = NULL;
    BOOL ok;

    if (argc != 3) {
        printf("usage: copy SRC DST\n");
        return 1;
    }
    QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&start);
    source = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                         FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    if (source == INVALID_HANDLE_VALUE)
        return Fail("CreateFile", argv[1]);
    if (!GetFileSizeEx(source, &size)) {
        CloseHandle(source);
        return Fail("GetFileSizeEx", argv[1]);
    }
    target = CreateFileA(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                         NULL);
    if (target == INVALID_HANDLE_VALUE) {
        CloseHandle(source);
        return Fail("CreateFile", argv[2]);
    }
    ok = CopyByReadWrite(source, target, &copied, &failed);
    if (!ok)
        Fail(failed, argv[2]);
    QueryPerformanceCounter(&end);
    if (ok && (!GetFileSizeEx(target, &written) || written.QuadPart != size.QuadPart)) {
        printf("copy: %s is %lld bytes, %s %lld\n", argv[2], written.QuadPart, argv[1],
               size.QuadPart);
        ok = FALSE;
    }
    CloseHandle(target);
    CloseHandle(source);
    if (!ok)
        return 1;
    us = (ULONGLONG)(end.QuadPart - start.QuadPart) * 1000000 / frequency.QuadPart;
    printf("copy: %llu bytes from %s to %s in %llu.%03llu ms (%llu KB/s)\n", copied, argv[1],
           argv[2], us / 1000, us % 1000, us ? copied * 1000000 / us / 1024 : 0);
    return 0;
}
