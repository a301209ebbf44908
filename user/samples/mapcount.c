/*
 * mapcount FILE: counts the lines, words and bytes of a file, as wc does, through a view of
 * it: CreateFile, CreateFileMapping(PAGE_READONLY), MapViewOfFile(FILE_MAP_READ) and a walk
 * over the bytes — every page read by a page fault through the file system, never ReadFile. A
 * word is a run of bytes that are not space, tab, carriage return or line feed. An empty file
 * cannot be mapped (ERROR_FILE_INVALID): its counts are 0.
 */
#include <windows.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    HANDLE file, mapping;
    const unsigned char *view;
    DWORD size, lines = 0, words = 0;
    BOOL inWord = FALSE;

    if (argc < 2) {
        printf("usage: mapcount FILE\n");
        return 2;
    }
    file = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        printf("mapcount: %s: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    size = GetFileSize(file, NULL);
    if (size == 0) {
        printf("mapcount: %s: 0 lines, 0 words, 0 bytes\n", argv[1]);
        return 0;
    }
    mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL);
    view = mapping ? MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0) : NULL;
    if (!view) {
        printf("mapcount: %s: cannot map: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    CloseHandle(mapping);                       /* the view keeps the section */
    CloseHandle(file);                          /* ... and the section the file */
    for (DWORD i = 0; i < size; i++) {
        unsigned char c = view[i];
        BOOL space = c == ' ' || c == '\t' || c == '\r' || c == '\n';

        lines += c == '\n';
        words += !space && !inWord;
        inWord = !space;
    }
    UnmapViewOfFile(view);
    printf("mapcount: %s: %lu lines, %lu words, %lu bytes\n", argv[1], lines, words, size);
    return 0;
}
