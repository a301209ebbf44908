/*
 * user/kernel32/section.c: file mappings, Windows' face of sections: of the paging file
 * (hFile INVALID_HANDLE_VALUE) or of a file (its handle goes to NtCreateSection, which checks
 * its access against the protection: ERROR_ACCESS_DENIED; an empty file with no maximum
 * size: ERROR_FILE_INVALID; a maximum past the end of a read-only mapping's file:
 * ERROR_NOT_ENOUGH_MEMORY, of a read/write one's: the file grows to it).
 *
 *   CreateFileMappingA/W   NtCreateSection: the SEC_* bits of flProtect are the attributes
 *                          (SEC_COMMIT when there are none), the rest the protection; a name
 *                          goes into \BaseNamedObjects with OBJ_OPENIF, and an existing
 *                          mapping of that name is opened instead (ERROR_ALREADY_EXISTS; a
 *                          new one sets the last error to 0). Names are case-sensitive, as
 *                          kernel32 asks NT (no OBJ_CASE_INSENSITIVE).
 *   OpenFileMappingA/W     NtOpenSection (FILE_MAP_COPY asks for FILE_MAP_READ)
 *   MapViewOfFile(Ex)      NtMapViewOfSection, ViewShare: FILE_MAP_COPY maps write-copy,
 *                          FILE_MAP_WRITE read/write, FILE_MAP_READ read-only (with
 *                          FILE_MAP_EXECUTE the execute forms), no access otherwise
 *   UnmapViewOfFile        NtUnmapViewOfSection
 *   FlushViewOfFile        NtFlushVirtualMemory: a file's dirty pages written to it now;
 *                          STATUS_NOT_MAPPED_DATA (a view of the paging file: nothing to
 *                          write) is success, as in Windows
 *
 * Failures set the last error from the status (RtlNtStatusToDosError) and return NULL/FALSE.
 */
#include "k32.h"

#define BASE_NAMED_OBJECTS      L"\\BaseNamedObjects\\"
#define BASE_SECTION_FLAGS      (SEC_FILE | SEC_IMAGE | SEC_RESERVE | SEC_NOCACHE | SEC_COMMIT | \
                                 SEC_LARGE_PAGES)
#define BASE_NAME_LENGTH        260

/* "\BaseNamedObjects\Name" in Buffer, for Attributes; FALSE if the name is too long. */
static BOOL BaseFormatObjectName(LPCWSTR Name, WCHAR *Buffer, UNICODE_STRING *String)
{
    static const WCHAR prefix[] = BASE_NAMED_OBJECTS;
    SIZE_T length = 0, prefixLength = sizeof(prefix) / sizeof(WCHAR) - 1;

    while (Name[length])
        length++;
    if (prefixLength + length >= BASE_NAME_LENGTH)
        return FALSE;
    for (SIZE_T i = 0; i < prefixLength; i++)
        Buffer[i] = prefix[i];
    for (SIZE_T i = 0; i <= length; i++)
        Buffer[prefixLength + i] = Name[i];
    RtlInitUnicodeString(String, Buffer);
    return TRUE;
}

/* An ANSI name widened into Buffer (ASCII, as the rest of this kernel32); NULL stays NULL. */
static LPCWSTR BaseWidenName(LPCSTR Name, WCHAR *Buffer)
{
    SIZE_T i = 0;

    if (!Name)
        return NULL;
    for (; Name[i] && i + 1 < BASE_NAME_LENGTH; i++)
        Buffer[i] = (UCHAR)Name[i];
    Buffer[i] = 0;
    return Buffer;
}

HANDLE WINAPI CreateFileMappingW(HANDLE File, LPSECURITY_ATTRIBUTES Attributes, DWORD Protect,
                                 DWORD MaximumSizeHigh, DWORD MaximumSizeLow, LPCWSTR Name)
{
    ULONG sectionFlags = Protect & BASE_SECTION_FLAGS;
    LARGE_INTEGER size;
    OBJECT_ATTRIBUTES objectAttributes;
    UNICODE_STRING name;
    WCHAR buffer[BASE_NAME_LENGTH];
    HANDLE section = NULL;
    NTSTATUS status;

    Protect ^= sectionFlags;
    if (!sectionFlags)
        sectionFlags = SEC_COMMIT;
    if (File == INVALID_HANDLE_VALUE)
        File = NULL;
    InitializeObjectAttributes(&objectAttributes, NULL,
                               (Name ? OBJ_OPENIF : 0) |
                               (Attributes && Attributes->bInheritHandle ? OBJ_INHERIT : 0),
                               NULL, NULL);
    if (Name) {
        if (!BaseFormatObjectName(Name, buffer, &name)) {
            SetLastError(ERROR_FILENAME_EXCED_RANGE);
            return NULL;
        }
        objectAttributes.ObjectName = &name;
    }
    size.u.LowPart = MaximumSizeLow;
    size.u.HighPart = (LONG)MaximumSizeHigh;
    status = NtCreateSection(&section, SECTION_ALL_ACCESS, &objectAttributes,
                             (MaximumSizeLow || MaximumSizeHigh) ? &size : NULL, Protect,
                             sectionFlags, File);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    SetLastError(status == STATUS_OBJECT_NAME_EXISTS ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return section;
}

HANDLE WINAPI CreateFileMappingA(HANDLE File, LPSECURITY_ATTRIBUTES Attributes, DWORD Protect,
                                 DWORD MaximumSizeHigh, DWORD MaximumSizeLow, LPCSTR Name)
{
    WCHAR wide[BASE_NAME_LENGTH];

    return CreateFileMappingW(File, Attributes, Protect, MaximumSizeHigh, MaximumSizeLow,
                              BaseWidenName(Name, wide));
}

HANDLE WINAPI OpenFileMappingW(DWORD DesiredAccess, WINBOOL InheritHandle, LPCWSTR Name)
{
    OBJECT_ATTRIBUTES objectAttributes;
    UNICODE_STRING name;
    WCHAR buffer[BASE_NAME_LENGTH];
    HANDLE section = NULL;
    NTSTATUS status;

    if (!Name) {
        BaseSetLastNtError(STATUS_INVALID_PARAMETER);
        return NULL;
    }
    if (!BaseFormatObjectName(Name, buffer, &name)) {
        SetLastError(ERROR_FILENAME_EXCED_RANGE);
        return NULL;
    }
    if (DesiredAccess == FILE_MAP_COPY)
        DesiredAccess = FILE_MAP_READ;
    InitializeObjectAttributes(&objectAttributes, &name, InheritHandle ? OBJ_INHERIT : 0, NULL,
                               NULL);
    status = NtOpenSection(&section, DesiredAccess, &objectAttributes);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return section;
}

HANDLE WINAPI OpenFileMappingA(DWORD DesiredAccess, WINBOOL InheritHandle, LPCSTR Name)
{
    WCHAR wide[BASE_NAME_LENGTH];

    return OpenFileMappingW(DesiredAccess, InheritHandle, BaseWidenName(Name, wide));
}

LPVOID WINAPI MapViewOfFileEx(HANDLE Mapping, DWORD DesiredAccess, DWORD OffsetHigh,
                              DWORD OffsetLow, SIZE_T NumberOfBytes, LPVOID BaseAddress)
{
    LARGE_INTEGER offset;
    SIZE_T size = NumberOfBytes;
    PVOID base = BaseAddress;
    ULONG protect;
    NTSTATUS status;

    if (DesiredAccess == FILE_MAP_COPY)
        protect = PAGE_WRITECOPY;
    else if (DesiredAccess & FILE_MAP_WRITE)
        protect = (DesiredAccess & FILE_MAP_EXECUTE) ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    else if (DesiredAccess & FILE_MAP_READ)
        protect = (DesiredAccess & FILE_MAP_EXECUTE) ? PAGE_EXECUTE_READ : PAGE_READONLY;
    else
        protect = PAGE_NOACCESS;
    offset.u.LowPart = OffsetLow;
    offset.u.HighPart = (LONG)OffsetHigh;
    status = NtMapViewOfSection(Mapping, GetCurrentProcess(), &base, 0, 0, &offset, &size,
                                ViewShare, 0, protect);
    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return NULL;
    }
    return base;
}

LPVOID WINAPI MapViewOfFile(HANDLE Mapping, DWORD DesiredAccess, DWORD OffsetHigh,
                            DWORD OffsetLow, SIZE_T NumberOfBytes)
{
    return MapViewOfFileEx(Mapping, DesiredAccess, OffsetHigh, OffsetLow, NumberOfBytes, NULL);
}

WINBOOL WINAPI UnmapViewOfFile(LPCVOID BaseAddress)
{
    NTSTATUS status = NtUnmapViewOfSection(GetCurrentProcess(), (PVOID)BaseAddress);

    if (!NT_SUCCESS(status)) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}

WINBOOL WINAPI FlushViewOfFile(LPCVOID BaseAddress, SIZE_T NumberOfBytes)
{
    PVOID base = (PVOID)BaseAddress;
    SIZE_T size = NumberOfBytes;
    IO_STATUS_BLOCK iosb;
    NTSTATUS status = NtFlushVirtualMemory(GetCurrentProcess(), &base, &size, &iosb);

    if (!NT_SUCCESS(status) && status != STATUS_NOT_MAPPED_DATA) {
        BaseSetLastNtError(status);
        return FALSE;
    }
    return TRUE;
}
