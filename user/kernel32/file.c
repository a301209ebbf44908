/*
 * user/kernel32/file.c: files: CreateFile, ReadFile, the file pointer, sizes, attributes,
 * FlushFileBuffers, DeleteFile, CreateDirectory and RemoveDirectory, over the NtXxxFile
 * services. A Win32 path becomes an NT one as Windows' RtlDosPathNameToNtPathName_U makes it:
 * C:\dir\name (or C:/dir/name) is \??\C:\dir\name; a path without a drive is taken from the
 * current directory (C:\ when the process has none); "." and ".." are resolved, and blanks and
 * dots at the end of the last name dropped. (WriteFile is in misc.c, with the console.)
 */
#include "k32.h"

#define BASEP_ATTRIBUTE_FLAGS   0x00007FA7      /* FILE_ATTRIBUTE_VALID_FLAGS less DIRECTORY */

/* The NT name of a Win32 path into Buffer (BASEP_MAXIMUM_PATH + 8 characters); false when it
 * is empty or too long (the last error then: ERROR_PATH_NOT_FOUND, ERROR_FILENAME_EXCED_RANGE). */
BOOL BasepNtPath(LPCWSTR Path, WCHAR *Buffer, UNICODE_STRING *Name)
{
    const UNICODE_STRING *current = &NtCurrentPeb()->ProcessParameters->CurrentDirectoryPath;
    WCHAR full[BASEP_MAXIMUM_PATH];
    DWORD length = 0, at, out = 4, input = 0;

    if (!Path || !Path[0]) {
        SetLastError(ERROR_PATH_NOT_FOUND);
        return FALSE;
    }
    while (Path[input])
        input++;
    if (input + 4 >= BASEP_MAXIMUM_PATH) {
        SetLastError(ERROR_FILENAME_EXCED_RANGE);
        return FALSE;
    }
    /* The drive and the directory the path starts from. */
    if (Path[1] == ':') {
        full[length++] = Path[0];
        full[length++] = ':';
        Path += 2;
    } else if (current->Length >= 4 && current->Buffer[1] == ':') {
        full[length++] = current->Buffer[0];
        full[length++] = ':';
    } else {
        full[length++] = 'C';
        full[length++] = ':';
    }
    if (Path[0] != '\\' && Path[0] != '/' && current->Length >= 6 && current->Buffer[1] == ':' &&
        (current->Buffer[0] | 0x20) == (full[0] | 0x20)) {
        for (at = 2; at < current->Length / sizeof(WCHAR) && length < BASEP_MAXIMUM_PATH - 1; at++)
            full[length++] = current->Buffer[at];
    }
    full[length++] = '\\';
    for (; *Path && length < BASEP_MAXIMUM_PATH - 1; Path++)
        full[length++] = *Path == '/' ? '\\' : *Path;
    full[length] = 0;

    /* \??\ then the names one by one: "." dropped, ".." takes one back. */
    memcpy(Buffer, L"\\??\\", 4 * sizeof(WCHAR));
    Buffer[out++] = full[0];
    Buffer[out++] = ':';
    for (at = 2; at < length;) {
        DWORD start, end;

        while (at < length && full[at] == '\\')
            at++;
        start = at;
        while (at < length && full[at] != '\\')
            at++;
        end = at;
        if (end == start || (end - start == 1 && full[start] == '.'))
            continue;
        if (end - start == 2 && full[start] == '.' && full[start + 1] == '.') {
            while (out > 6 && Buffer[out - 1] != '\\')
                out--;
            if (out > 6)
                out--;
            continue;
        }
        if (at >= length)                       /* the last name: no trailing blanks or dots */
            while (end > start && (full[end - 1] == ' ' || full[end - 1] == '.'))
                end--;
        Buffer[out++] = '\\';
        memcpy(Buffer + out, full + start, (end - start) * sizeof(WCHAR));
        out += end - start;
    }
    if (out == 6 || (length > 3 && full[length - 1] == '\\'))
        Buffer[out++] = '\\';                   /* the root, or a name that ends with one */
    Name->Buffer = Buffer;
    Name->Length = (USHORT)(out * sizeof(WCHAR));
    Name->MaximumLength = Name->Length;
    return TRUE;
}

/* An ANSI path as UTF-16 (the ANSI code page taken as Latin-1) into Wide. */
static LPCWSTR BasepWidePath(LPCSTR Path, WCHAR *Wide)
{
    DWORD i = 0;

    if (!Path)
        return NULL;
    for (; Path[i] && i < BASEP_MAXIMUM_PATH - 1; i++)
        Wide[i] = (UCHAR)Path[i];
    Wide[i] = 0;
    return Wide;
}

/* NtOpenFile/NtCreateFile on a Win32 path; the NT status. */
static NTSTATUS BasepOpen(LPCWSTR Path, ACCESS_MASK Access, ULONG Share, ULONG Disposition,
                          ULONG Options, ULONG Attributes, BOOL Inherit, HANDLE *Handle,
                          ULONG_PTR *Information)
{
    WCHAR buffer[BASEP_MAXIMUM_PATH + 8];
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    IO_STATUS_BLOCK io = { { 0 }, 0 };
    NTSTATUS status;

    if (!BasepNtPath(Path, buffer, &name))
        return GetLastError() == ERROR_PATH_NOT_FOUND ? STATUS_OBJECT_PATH_NOT_FOUND
                                                      : STATUS_NAME_TOO_LONG;
    attributes = (OBJECT_ATTRIBUTES){ sizeof(attributes), NULL, &name,
                                      OBJ_CASE_INSENSITIVE | (Inherit ? OBJ_INHERIT : 0),
                                      NULL, NULL };
    status = NtCreateFile(Handle, Access, &attributes, &io, NULL, Attributes, Share, Disposition,
                          Options, NULL, 0);
    if (Information)
        *Information = io.Information;
    return status;
}

HANDLE WINAPI CreateFileW(LPCWSTR Name, DWORD Access, DWORD Share, LPSECURITY_ATTRIBUTES Security,
                          DWORD Creation, DWORD FlagsAndAttributes, HANDLE Template)
{
    static const ULONG dispositions[] = { 0, FILE_CREATE, FILE_OVERWRITE_IF, FILE_OPEN,
                                          FILE_OPEN_IF, FILE_OVERWRITE };
    ULONG options = 0, disposition;
    ULONG_PTR information = 0;
    HANDLE handle;
    NTSTATUS status;

    (void)Template;
    if (Creation < CREATE_NEW || Creation > TRUNCATE_EXISTING ||
        (Creation == TRUNCATE_EXISTING && !(Access & (GENERIC_WRITE | FILE_WRITE_DATA)))) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    }
    disposition = dispositions[Creation];
    if (!(FlagsAndAttributes & FILE_FLAG_OVERLAPPED))
        options |= FILE_SYNCHRONOUS_IO_NONALERT;
    if (!(FlagsAndAttributes & FILE_FLAG_BACKUP_SEMANTICS))
        options |= FILE_NON_DIRECTORY_FILE;
    if (FlagsAndAttributes & FILE_FLAG_WRITE_THROUGH)
        options |= FILE_WRITE_THROUGH;
    if (FlagsAndAttributes & FILE_FLAG_NO_BUFFERING)
        options |= FILE_NO_INTERMEDIATE_BUFFERING;
    if (FlagsAndAttributes & FILE_FLAG_SEQUENTIAL_SCAN)
        options |= FILE_SEQUENTIAL_ONLY;
    if (FlagsAndAttributes & FILE_FLAG_RANDOM_ACCESS)
        options |= FILE_RANDOM_ACCESS;
    if (FlagsAndAttributes & FILE_FLAG_DELETE_ON_CLOSE) {
        options |= FILE_DELETE_ON_CLOSE;
        Access |= DELETE;
    }
    status = BasepOpen(Name, Access | SYNCHRONIZE | FILE_READ_ATTRIBUTES, Share, disposition,
                       options, FlagsAndAttributes & BASEP_ATTRIBUTE_FLAGS,
                       Security && Security->bInheritHandle, &handle, &information);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        if (status == STATUS_OBJECT_NAME_COLLISION && Creation == CREATE_NEW)
            SetLastError(ERROR_FILE_EXISTS);
        return INVALID_HANDLE_VALUE;
    }
    SetLastError(((Creation == CREATE_ALWAYS && information == FILE_OVERWRITTEN) ||
                  (Creation == OPEN_ALWAYS && information == FILE_OPENED)) ? ERROR_ALREADY_EXISTS
                                                                          : ERROR_SUCCESS);
    return handle;
}

HANDLE WINAPI CreateFileA(LPCSTR Name, DWORD Access, DWORD Share, LPSECURITY_ATTRIBUTES Security,
                          DWORD Creation, DWORD FlagsAndAttributes, HANDLE Template)
{
    WCHAR wide[BASEP_MAXIMUM_PATH];

    return CreateFileW(BasepWidePath(Name, wide), Access, Share, Security, Creation,
                       FlagsAndAttributes, Template);
}

/* Synchronous reads only: an OVERLAPPED's offset is used, its event is not. At the end of the
 * file a synchronous read succeeds with 0 bytes; one at an OVERLAPPED offset fails with
 * ERROR_HANDLE_EOF, as Windows'. */
WINBOOL WINAPI ReadFile(HANDLE File, LPVOID Buffer, DWORD Length, LPDWORD Read,
                        LPOVERLAPPED Overlapped)
{
    IO_STATUS_BLOCK io = { { 0 }, 0 };
    LARGE_INTEGER offset, *at = BaseOverlappedOffset(&offset, Overlapped);
    NTSTATUS status;

    if (Read)
        *Read = 0;
    status = NtReadFile(File, NULL, NULL, NULL, &io, Buffer, Length, at, NULL);
    if (status == STATUS_END_OF_FILE && !Overlapped)
        return TRUE;
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    if (Read)
        *Read = (DWORD)io.Information;
    if (Overlapped)
        Overlapped->InternalHigh = io.Information;
    return TRUE;
}

static BOOL BasepQuery(HANDLE File, PVOID Information, ULONG Length, FILE_INFORMATION_CLASS Class)
{
    IO_STATUS_BLOCK io;
    NTSTATUS status = NtQueryInformationFile(File, &io, Information, Length, Class);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

static BOOL BasepSet(HANDLE File, PVOID Information, ULONG Length, FILE_INFORMATION_CLASS Class)
{
    IO_STATUS_BLOCK io;
    NTSTATUS status = NtSetInformationFile(File, &io, Information, Length, Class);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI SetFilePointerEx(HANDLE File, LARGE_INTEGER Distance, PLARGE_INTEGER NewPosition,
                                DWORD Method)
{
    FILE_POSITION_INFORMATION position;
    FILE_STANDARD_INFORMATION standard;

    switch (Method) {
    case FILE_BEGIN:
        position.CurrentByteOffset.QuadPart = 0;
        break;
    case FILE_CURRENT:
        if (!BasepQuery(File, &position, sizeof(position), FilePositionInformation))
            return FALSE;
        break;
    case FILE_END:
        if (!BasepQuery(File, &standard, sizeof(standard), FileStandardInformation))
            return FALSE;
        position.CurrentByteOffset = standard.EndOfFile;
        break;
    default:
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    position.CurrentByteOffset.QuadPart += Distance.QuadPart;
    if (position.CurrentByteOffset.QuadPart < 0) {
        SetLastError(ERROR_NEGATIVE_SEEK);
        return FALSE;
    }
    if (!BasepSet(File, &position, sizeof(position), FilePositionInformation))
        return FALSE;
    if (NewPosition)
        *NewPosition = position.CurrentByteOffset;
    return TRUE;
}

DWORD WINAPI SetFilePointer(HANDLE File, LONG Distance, PLONG DistanceHigh, DWORD Method)
{
    LARGE_INTEGER distance, position;

    distance.QuadPart = DistanceHigh ? ((LONGLONG)*DistanceHigh << 32 | (ULONG)Distance)
                                     : (LONGLONG)Distance;
    if (!SetFilePointerEx(File, distance, &position, Method))
        return INVALID_SET_FILE_POINTER;
    if (DistanceHigh)
        *DistanceHigh = position.HighPart;
    else if (position.HighPart) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return INVALID_SET_FILE_POINTER;
    }
    SetLastError(ERROR_SUCCESS);
    return position.LowPart;
}

WINBOOL WINAPI SetEndOfFile(HANDLE File)
{
    FILE_POSITION_INFORMATION position;
    FILE_END_OF_FILE_INFORMATION end;

    if (!BasepQuery(File, &position, sizeof(position), FilePositionInformation))
        return FALSE;
    end.EndOfFile = position.CurrentByteOffset;
    return BasepSet(File, &end, sizeof(end), FileEndOfFileInformation);
}

WINBOOL WINAPI GetFileSizeEx(HANDLE File, PLARGE_INTEGER Size)
{
    FILE_STANDARD_INFORMATION standard;

    if (!BasepQuery(File, &standard, sizeof(standard), FileStandardInformation))
        return FALSE;
    *Size = standard.EndOfFile;
    return TRUE;
}

DWORD WINAPI GetFileSize(HANDLE File, LPDWORD High)
{
    LARGE_INTEGER size;

    if (!GetFileSizeEx(File, &size))
        return INVALID_FILE_SIZE;
    if (High)
        *High = (DWORD)size.HighPart;
    SetLastError(ERROR_SUCCESS);
    return size.LowPart;
}

WINBOOL WINAPI FlushFileBuffers(HANDLE File)
{
    IO_STATUS_BLOCK io;
    NTSTATUS status = NtFlushBuffersFile(File, &io);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI GetFileAttributesExW(LPCWSTR Name, GET_FILEEX_INFO_LEVELS Level, LPVOID Information)
{
    WIN32_FILE_ATTRIBUTE_DATA *data = Information;
    FILE_BASIC_INFORMATION basic;
    FILE_STANDARD_INFORMATION standard;
    HANDLE handle;
    NTSTATUS status;
    BOOL ok;

    if (Level != GetFileExInfoStandard || !data) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    status = BasepOpen(Name, FILE_READ_ATTRIBUTES | SYNCHRONIZE,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
                       FILE_SYNCHRONOUS_IO_NONALERT, 0, FALSE, &handle, NULL);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    ok = BasepQuery(handle, &basic, sizeof(basic), FileBasicInformation) &&
         BasepQuery(handle, &standard, sizeof(standard), FileStandardInformation);
    NtClose(handle);
    if (!ok)
        return FALSE;
    data->dwFileAttributes = basic.FileAttributes;
    data->ftCreationTime.dwLowDateTime = basic.CreationTime.LowPart;
    data->ftCreationTime.dwHighDateTime = (DWORD)basic.CreationTime.HighPart;
    data->ftLastAccessTime.dwLowDateTime = basic.LastAccessTime.LowPart;
    data->ftLastAccessTime.dwHighDateTime = (DWORD)basic.LastAccessTime.HighPart;
    data->ftLastWriteTime.dwLowDateTime = basic.LastWriteTime.LowPart;
    data->ftLastWriteTime.dwHighDateTime = (DWORD)basic.LastWriteTime.HighPart;
    data->nFileSizeHigh = standard.Directory ? 0 : (DWORD)standard.EndOfFile.HighPart;
    data->nFileSizeLow = standard.Directory ? 0 : standard.EndOfFile.LowPart;
    return TRUE;
}

WINBOOL WINAPI GetFileAttributesExA(LPCSTR Name, GET_FILEEX_INFO_LEVELS Level, LPVOID Information)
{
    WCHAR wide[BASEP_MAXIMUM_PATH];

    return GetFileAttributesExW(BasepWidePath(Name, wide), Level, Information);
}

DWORD WINAPI GetFileAttributesW(LPCWSTR Name)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    return GetFileAttributesExW(Name, GetFileExInfoStandard, &data) ? data.dwFileAttributes
                                                                     : INVALID_FILE_ATTRIBUTES;
}

DWORD WINAPI GetFileAttributesA(LPCSTR Name)
{
    WCHAR wide[BASEP_MAXIMUM_PATH];

    return GetFileAttributesW(BasepWidePath(Name, wide));
}

/* Open for DELETE and mark for deletion: it goes when the last handle to it is closed. */
static BOOL BasepDelete(LPCWSTR Name, ULONG Options)
{
    FILE_DISPOSITION_INFORMATION disposition = { TRUE };
    HANDLE handle;
    NTSTATUS status = BasepOpen(Name, DELETE | SYNCHRONIZE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
                                Options | FILE_SYNCHRONOUS_IO_NONALERT, 0, FALSE, &handle, NULL);
    BOOL ok;

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    ok = BasepSet(handle, &disposition, sizeof(disposition), FileDispositionInformation);
    NtClose(handle);
    return ok;
}

WINBOOL WINAPI DeleteFileW(LPCWSTR Name)
{
    return BasepDelete(Name, FILE_NON_DIRECTORY_FILE);
}

WINBOOL WINAPI DeleteFileA(LPCSTR Name)
{
    WCHAR wide[BASEP_MAXIMUM_PATH];

    return DeleteFileW(BasepWidePath(Name, wide));
}

WINBOOL WINAPI RemoveDirectoryW(LPCWSTR Name)
{
    return BasepDelete(Name, FILE_DIRECTORY_FILE);
}

WINBOOL WINAPI RemoveDirectoryA(LPCSTR Name)
{
    WCHAR wide[BASEP_MAXIMUM_PATH];

    return RemoveDirectoryW(BasepWidePath(Name, wide));
}

WINBOOL WINAPI CreateDirectoryW(LPCWSTR Name, LPSECURITY_ATTRIBUTES Security)
{
    HANDLE handle;
    NTSTATUS status = BasepOpen(Name, FILE_LIST_DIRECTORY | SYNCHRONIZE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_CREATE,
                                FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
                                FILE_ATTRIBUTE_NORMAL, Security && Security->bInheritHandle,
                                &handle, NULL);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    NtClose(handle);
    return TRUE;
}

WINBOOL WINAPI CreateDirectoryA(LPCSTR Name, LPSECURITY_ATTRIBUTES Security)
{
    WCHAR wide[BASEP_MAXIMUM_PATH];

    return CreateDirectoryW(BasepWidePath(Name, wide), Security);
}

/* For find.c: a directory opened by its Win32 path for listing. */
NTSTATUS BasepOpenDirectory(LPCWSTR Path, HANDLE *Handle)
{
    return BasepOpen(Path, FILE_LIST_DIRECTORY | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                     FILE_OPEN, FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT, 0, FALSE,
                     Handle, NULL);
}
