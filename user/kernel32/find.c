/*
 * user/kernel32/find.c: FindFirstFile, FindNextFile and FindClose over NtQueryDirectoryFile
 * (FileBothDirectoryInformation, one entry a call). FindFirstFile("C:\dir\*.txt") opens C:\dir
 * and asks for the names matching "*.txt" (the file system matches * and ?; "*.*" is taken
 * as "*", as Windows takes it); a pattern that matches nothing is ERROR_FILE_NOT_FOUND, the
 * end of the list ERROR_NO_MORE_FILES. The find handle is a small block on the process heap.
 */
#include "k32.h"

#define BASEP_FIND_BUFFER       (sizeof(FILE_BOTH_DIR_INFORMATION) + MAX_PATH * sizeof(WCHAR))

NTSTATUS BasepOpenDirectory(LPCWSTR Path, HANDLE *Handle);

typedef struct _BASEP_FIND {
    HANDLE Directory;
    ULONG_PTR Buffer[BASEP_FIND_BUFFER / sizeof(ULONG_PTR) + 1];
} BASEP_FIND;

static void BasepTime(FILETIME *Time, const LARGE_INTEGER *Value)
{
    Time->dwLowDateTime = Value->LowPart;
    Time->dwHighDateTime = (DWORD)Value->HighPart;
}

/* The next entry into Data; FALSE with the last error set at the end or on failure. */
static BOOL BasepFindNext(BASEP_FIND *Find, UNICODE_STRING *Pattern, LPWIN32_FIND_DATAW Data)
{
    FILE_BOTH_DIR_INFORMATION *entry = (FILE_BOTH_DIR_INFORMATION *)Find->Buffer;
    IO_STATUS_BLOCK io;
    NTSTATUS status = NtQueryDirectoryFile(Find->Directory, NULL, NULL, NULL, &io, entry,
                                           BASEP_FIND_BUFFER, FileBothDirectoryInformation, TRUE,
                                           Pattern, FALSE);
    DWORD length;

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    memset(Data, 0, sizeof(*Data));
    Data->dwFileAttributes = entry->FileAttributes;
    BasepTime(&Data->ftCreationTime, &entry->CreationTime);
    BasepTime(&Data->ftLastAccessTime, &entry->LastAccessTime);
    BasepTime(&Data->ftLastWriteTime, &entry->LastWriteTime);
    Data->nFileSizeHigh = (DWORD)entry->EndOfFile.HighPart;
    Data->nFileSizeLow = entry->EndOfFile.LowPart;
    length = entry->FileNameLength / sizeof(WCHAR);
    if (length >= MAX_PATH)
        length = MAX_PATH - 1;
    memcpy(Data->cFileName, entry->FileName, length * sizeof(WCHAR));
    memcpy(Data->cAlternateFileName, entry->ShortName, (UCHAR)entry->ShortNameLength);
    return TRUE;
}

HANDLE WINAPI FindFirstFileW(LPCWSTR Name, LPWIN32_FIND_DATAW Data)
{
    WCHAR directory[MAX_PATH + 1];
    UNICODE_STRING pattern;
    DWORD length = 0, slash = 0;
    BASEP_FIND *find;
    NTSTATUS status;

    while (Name && Name[length] && length < MAX_PATH) {
        if (Name[length] == '\\' || Name[length] == '/' || Name[length] == ':')
            slash = length + 1;
        length++;
    }
    if (!Name || length == 0 || length >= MAX_PATH || slash == length) {
        SetLastError(length >= MAX_PATH ? ERROR_FILENAME_EXCED_RANGE : ERROR_FILE_NOT_FOUND);
        return INVALID_HANDLE_VALUE;
    }
    memcpy(directory, Name, slash * sizeof(WCHAR));
    directory[slash] = 0;
    if (slash == 0)
        directory[0] = '.', directory[1] = 0;
    pattern.Buffer = (PWSTR)Name + slash;
    pattern.Length = (USHORT)((length - slash) * sizeof(WCHAR));
    if (pattern.Length == 3 * sizeof(WCHAR) && pattern.Buffer[0] == '*' &&
        pattern.Buffer[1] == '.' && pattern.Buffer[2] == '*')
        pattern.Length = sizeof(WCHAR);         /* "*.*" is everything */
    pattern.MaximumLength = pattern.Length;
    find = RtlAllocateHeap(GetProcessHeap(), 0, sizeof(*find));
    if (!find) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return INVALID_HANDLE_VALUE;
    }
    status = BasepOpenDirectory(directory, &find->Directory);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        if (status == STATUS_OBJECT_NAME_NOT_FOUND)     /* the directory is missing */
            SetLastError(ERROR_PATH_NOT_FOUND);
        RtlFreeHeap(GetProcessHeap(), 0, find);
        return INVALID_HANDLE_VALUE;
    }
    if (!BasepFindNext(find, &pattern, Data)) {
        DWORD error = GetLastError();

        NtClose(find->Directory);
        RtlFreeHeap(GetProcessHeap(), 0, find);
        SetLastError(error == ERROR_NO_MORE_FILES ? ERROR_FILE_NOT_FOUND : error);
        return INVALID_HANDLE_VALUE;
    }
    return (HANDLE)find;
}

WINBOOL WINAPI FindNextFileW(HANDLE Find, LPWIN32_FIND_DATAW Data)
{
    if (!Find || Find == INVALID_HANDLE_VALUE) {
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    return BasepFindNext((BASEP_FIND *)Find, NULL, Data);
}

WINBOOL WINAPI FindClose(HANDLE Find)
{
    if (!Find || Find == INVALID_HANDLE_VALUE) {
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    NtClose(((BASEP_FIND *)Find)->Directory);
    RtlFreeHeap(GetProcessHeap(), 0, Find);
    return TRUE;
}

/* The W data as A (UTF-16 beyond Latin-1 becomes '?'). */
static void BasepFindDataToA(const WIN32_FIND_DATAW *Wide, LPWIN32_FIND_DATAA Data)
{
    memset(Data, 0, sizeof(*Data));
    Data->dwFileAttributes = Wide->dwFileAttributes;
    Data->ftCreationTime = Wide->ftCreationTime;
    Data->ftLastAccessTime = Wide->ftLastAccessTime;
    Data->ftLastWriteTime = Wide->ftLastWriteTime;
    Data->nFileSizeHigh = Wide->nFileSizeHigh;
    Data->nFileSizeLow = Wide->nFileSizeLow;
    for (DWORD i = 0; i < MAX_PATH && Wide->cFileName[i]; i++)
        Data->cFileName[i] = Wide->cFileName[i] < 0x100 ? (CHAR)Wide->cFileName[i] : '?';
    for (DWORD i = 0; i < 14 && Wide->cAlternateFileName[i]; i++)
        Data->cAlternateFileName[i] = (CHAR)Wide->cAlternateFileName[i];
}

HANDLE WINAPI FindFirstFileA(LPCSTR Name, LPWIN32_FIND_DATAA Data)
{
    WCHAR wide[MAX_PATH + 1];
    WIN32_FIND_DATAW data;
    HANDLE find;
    DWORD i = 0;

    for (; Name && Name[i] && i < MAX_PATH; i++)
        wide[i] = (UCHAR)Name[i];
    wide[i] = 0;
    find = FindFirstFileW(Name ? wide : NULL, &data);
    if (find != INVALID_HANDLE_VALUE)
        BasepFindDataToA(&data, Data);
    return find;
}

WINBOOL WINAPI FindNextFileA(HANDLE Find, LPWIN32_FIND_DATAA Data)
{
    WIN32_FIND_DATAW data;

    if (!FindNextFileW(Find, &data))
        return FALSE;
    BasepFindDataToA(&data, Data);
    return TRUE;
}
