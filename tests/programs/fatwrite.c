/*
 * tests/programs/fatwrite.c: writes a file on C: and makes it durable, then stays (tests/
 * fatcrash.t stops the machine under it): C:\flushed.bin, SIZE bytes of a pattern (byte i is
 * (i * 31 + i / 256 * 7 + 5) & 0xFF, FatDisk.pm's pattern with seed 5), written in 64 KB
 * pieces, FlushFileBuffers'd and closed; then `fatwrite: flushed N bytes` and a sleep (or, with
 * the argument `exit`, the end of the process).
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define SIZE            (300 * 1024 + 123)
#define PIECE           65536

static UCHAR Buffer[PIECE];

int main(int argc, char **argv)
{
    HANDLE file = CreateFileA("C:\\flushed.bin", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD done = 0, written;

    if (file == INVALID_HANDLE_VALUE) {
        printf("fatwrite: CreateFile failed: error %lu\n", GetLastError());
        return 1;
    }
    while (done < SIZE) {
        DWORD piece = SIZE - done < PIECE ? SIZE - done : PIECE;

        for (DWORD i = 0; i < piece; i++) {
            DWORD at = done + i;

            Buffer[i] = (UCHAR)((at * 31 + 5 + (at >> 8) * 7) & 0xFF);
        }
        if (!WriteFile(file, Buffer, piece, &written, NULL) || written != piece) {
            printf("fatwrite: WriteFile failed: error %lu\n", GetLastError());
            return 1;
        }
        done += piece;
    }
    if (!FlushFileBuffers(file) || !CloseHandle(file)) {
        printf("fatwrite: flush failed: error %lu\n", GetLastError());
        return 1;
    }
    printf("fatwrite: flushed %lu bytes\n", done);
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return 0;
    Sleep(INFINITE);
    return 0;
}
