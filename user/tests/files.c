/*
 * user/tests/files.c: files on the FAT32 volume C:, as a Windows program sees them, KTAP.
 * tests/fat.t makes the volume with tools/mkdisk, holding (PATTERN(seed, i) is the byte at i):
 *
 *   small.txt                              "hello, mm386\n"
 *   empty.dat                              0 bytes
 *   seq.bin                                100000 bytes, seed 1
 *   big.bin                                1048699 bytes, seed 2
 *   A Long File Name With Spaces.txt       "long names work\n"
 *   sub\deep\nested.bin                    5000 bytes, seed 3
 *   ren_src.txt                            "rename me\n"
 *
 * (the argument, if any, is the volume's cluster size: 512 unless said) and after the program
 * ends reads back with mtools what it wrote (new.txt, seq.bin changed
 * in the middle, ext.bin, trunc.bin, newdir\..., the rename) and what it deleted, then runs
 * fsck.fat on the partition. With the argument "corrupt" it runs against a volume the test
 * damaged instead (chains with loops, cross-links, clusters out of range, sizes past the
 * chain): every damaged file fails with STATUS_FILE_CORRUPT_ERROR, the rest still works.
 */
#include <ntdll.h>
#include <stdlib.h>
#include <string.h>
#include "ktap.h"

#define PATTERN(Seed, I)    ((BYTE)((I) * 31 + (Seed) + ((I) >> 8) * 7))
#define SEQ_SIZE            100000
#define BIG_SIZE            1048699
#define NESTED_SIZE         5000
#define CHUNK               4093            /* reads that never line up with sectors */

static BYTE Buffer[1 << 20];
static DWORD ClusterBytes = 512;                /* the volume's: the argument, or 512 */
#define ROUND_TO_CLUSTER(Bytes)     (((Bytes) + ClusterBytes - 1) / ClusterBytes * ClusterBytes)
static BYTE Aligned[4096] __attribute__((aligned(4096)));

static HANDLE Open(const char *Name, DWORD Access, DWORD Share, DWORD Creation, DWORD Flags)
{
    return CreateFileA(Name, Access, Share, NULL, Creation, Flags, NULL);
}

/* The whole file through ReadFile in CHUNK pieces, compared with PATTERN(Seed). */
static void CheckPatternFile(const char *Name, DWORD Size, int Seed, DWORD Flags)
{
    HANDLE file = Open(Name, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, Flags);
    DWORD total = 0, got, bad = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    if (file == INVALID_HANDLE_VALUE)
        return;
    KT_EQ(GetFileSize(file, NULL), Size);
    while (ReadFile(file, Buffer, CHUNK, &got, NULL) && got) {
        for (DWORD i = 0; i < got; i++)
            bad += Buffer[i] != PATTERN(Seed, total + i);
        total += got;
    }
    KT_EQ(total, Size);
    KT_EQ(bad, 0);
    CloseHandle(file);
}

static DWORD ReadWhole(const char *Name, BYTE *Into, DWORD Maximum)
{
    HANDLE file = Open(Name, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    DWORD got = 0;

    if (file == INVALID_HANDLE_VALUE)
        return 0xFFFFFFFF;
    if (!ReadFile(file, Into, Maximum, &got, NULL))
        got = 0xFFFFFFFF;
    CloseHandle(file);
    return got;
}

static void WriteWhole(const char *Name, const void *Data, DWORD Length)
{
    HANDLE file = Open(Name, GENERIC_WRITE, 0, CREATE_ALWAYS, 0);
    DWORD wrote = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    KT_EXPECT(WriteFile(file, Data, Length, &wrote, NULL));
    KT_EQ(wrote, Length);
    CloseHandle(file);
}

static USHORT WideBytes(const WCHAR *Text)
{
    USHORT length = 0;

    while (Text[length])
        length++;
    return (USHORT)(length * sizeof(WCHAR));
}

/* NtCreateFile on an NT name; *Information gets what it did. */
static NTSTATUS NtOpen(const WCHAR *Name, ACCESS_MASK Access, ULONG Share, ULONG Disposition,
                       ULONG Options, HANDLE *Handle, ULONG_PTR *Information)
{
    UNICODE_STRING name = { WideBytes(Name), WideBytes(Name), (PWSTR)Name };
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, &name, OBJ_CASE_INSENSITIVE, NULL, NULL };
    IO_STATUS_BLOCK io = { { 0 }, 0xDEAD };
    NTSTATUS status;

    *Handle = NULL;
    status = NtCreateFile(Handle, Access | SYNCHRONIZE, &attributes, &io, NULL, 0, Share,
                          Disposition, Options | FILE_SYNCHRONOUS_IO_NONALERT, NULL, 0);
    if (Information)
        *Information = io.Information;
    return status;
}

static NTSTATUS NtOpenStatus(const WCHAR *Name, ACCESS_MASK Access, ULONG Disposition,
                             ULONG Options)
{
    HANDLE handle;
    NTSTATUS status = NtOpen(Name, Access, FILE_SHARE_READ | FILE_SHARE_WRITE, Disposition,
                             Options, &handle, NULL);

    if (NT_SUCCESS(status))
        NtClose(handle);
    return status;
}

static void TestReadSmall(void)
{
    HANDLE file = Open("C:\\small.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    DWORD got = 99;
    char text[100];

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    KT_EQ(GetFileSize(file, NULL), 13);
    KT_EXPECT(ReadFile(file, text, sizeof(text), &got, NULL));
    KT_EQ(got, 13);
    KT_EQ(memcmp(text, "hello, mm386\n", 13), 0);
    KT_EXPECT(ReadFile(file, text, sizeof(text), &got, NULL));      /* at the end: 0 bytes */
    KT_EQ(got, 0);
    CloseHandle(file);
    KT_EQ(ReadWhole("C:\\empty.dat", Buffer, 10), 0);
    KT_EQ(ReadWhole("c:/SMALL.TXT", (BYTE *)text, sizeof(text)), 13);    /* any case, any slash */
}

static void TestReadPatterns(void)
{
    CheckPatternFile("C:\\seq.bin", SEQ_SIZE, 1, 0);
    CheckPatternFile("C:\\big.bin", BIG_SIZE, 2, FILE_FLAG_SEQUENTIAL_SCAN);
    CheckPatternFile("C:\\sub\\deep\\nested.bin", NESTED_SIZE, 3, FILE_FLAG_RANDOM_ACCESS);
    CheckPatternFile("C:\\sub\\..\\sub\\.\\deep\\nested.bin", NESTED_SIZE, 3, 0);
}

/* Reads at OVERLAPPED offsets and after SetFilePointer, all over big.bin. */
static void TestReadOffsets(void)
{
    HANDLE file = Open("C:\\big.bin", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    DWORD got, bad = 0, at = 12345;

    for (int i = 0; i < 40; i++) {
        OVERLAPPED overlapped = { 0 };

        at = (at * 1103515245u + 12345u) % BIG_SIZE;
        overlapped.Offset = at;
        KT_EXPECT(ReadFile(file, Buffer, 700, &got, &overlapped));
        KT_EQ(got, BIG_SIZE - at < 700 ? BIG_SIZE - at : 700);
        for (DWORD j = 0; j < got; j++)
            bad += Buffer[j] != PATTERN(2, at + j);
    }
    KT_EQ(SetFilePointer(file, -10, NULL, FILE_END), BIG_SIZE - 10);
    KT_EXPECT(ReadFile(file, Buffer, 100, &got, NULL));
    KT_EQ(got, 10);
    KT_EQ(Buffer[9], PATTERN(2, BIG_SIZE - 1));
    KT_EQ(SetFilePointer(file, 0, NULL, FILE_CURRENT), BIG_SIZE);
    {
        OVERLAPPED past = { 0 };

        past.Offset = BIG_SIZE + 5;
        KT_EXPECT(!ReadFile(file, Buffer, 10, &got, &past));
        KT_EQ(GetLastError(), ERROR_HANDLE_EOF);
    }
    KT_EQ(SetFilePointer(file, -1, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
    KT_EQ(GetLastError(), ERROR_NEGATIVE_SEEK);
    KT_EQ(bad, 0);
    CloseHandle(file);
}

static void TestLongNames(void)
{
    char text[64];

    KT_EQ(ReadWhole("C:\\A Long File Name With Spaces.txt", (BYTE *)text, sizeof(text)), 16);
    KT_EQ(memcmp(text, "long names work\n", 16), 0);
    KT_EQ(ReadWhole("c:\\a long FILE name with spaces.TXT", (BYTE *)text, sizeof(text)), 16);
    KT_EQ(ReadWhole("C:\\ALONGF~1.TXT", (BYTE *)text, sizeof(text)), 16);    /* its short name */
}

static void TestOpenStatuses(void)
{
    HANDLE handle;
    ULONG_PTR information;

    KT_STATUS(NtOpenStatus(L"\\??\\C:\\nosuch.txt", GENERIC_READ, FILE_OPEN, 0),
              STATUS_OBJECT_NAME_NOT_FOUND);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\nodir\\x.txt", GENERIC_READ, FILE_OPEN, 0),
              STATUS_OBJECT_PATH_NOT_FOUND);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\small.txt\\x", GENERIC_READ, FILE_OPEN, 0),
              STATUS_OBJECT_PATH_NOT_FOUND);
    KT_STATUS(NtOpenStatus(L"\\??\\Q:\\x.txt", GENERIC_READ, FILE_OPEN, 0),
              STATUS_OBJECT_PATH_NOT_FOUND);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\small.txt", GENERIC_READ, FILE_CREATE, 0),
              STATUS_OBJECT_NAME_COLLISION);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\sub", GENERIC_READ, FILE_OPEN, FILE_NON_DIRECTORY_FILE),
              STATUS_FILE_IS_A_DIRECTORY);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\small.txt", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE),
              STATUS_NOT_A_DIRECTORY);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\bad*name", GENERIC_READ, FILE_OPEN_IF, 0),
              STATUS_OBJECT_NAME_INVALID);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\sub", GENERIC_READ, FILE_OPEN,
                           FILE_DIRECTORY_FILE | FILE_NON_DIRECTORY_FILE), STATUS_INVALID_PARAMETER);
    KT_STATUS(NtOpenStatus(L"C:\\small.txt", GENERIC_READ, FILE_OPEN, 0),
              STATUS_OBJECT_PATH_SYNTAX_BAD);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\sub", GENERIC_READ, FILE_OPEN, 0), STATUS_SUCCESS);

    /* What each disposition did. */
    KT_STATUS(NtOpen(L"\\??\\C:\\disp.txt", GENERIC_WRITE, 0, FILE_CREATE, 0, &handle,
                     &information), STATUS_SUCCESS);
    KT_EQ(information, FILE_CREATED);
    NtClose(handle);
    KT_STATUS(NtOpen(L"\\??\\C:\\disp.txt", GENERIC_WRITE, 0, FILE_OPEN_IF, 0, &handle,
                     &information), STATUS_SUCCESS);
    KT_EQ(information, FILE_OPENED);
    NtClose(handle);
    KT_STATUS(NtOpen(L"\\??\\C:\\disp.txt", GENERIC_WRITE, 0, FILE_OVERWRITE_IF, 0, &handle,
                     &information), STATUS_SUCCESS);
    KT_EQ(information, FILE_OVERWRITTEN);
    NtClose(handle);
    KT_STATUS(NtOpen(L"\\??\\C:\\disp.txt", GENERIC_WRITE | DELETE, 0, FILE_SUPERSEDE,
                     FILE_DELETE_ON_CLOSE, &handle, &information), STATUS_SUCCESS);
    KT_EQ(information, FILE_SUPERSEDED);
    NtClose(handle);
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\disp.txt", GENERIC_READ, FILE_OPEN, 0),
              STATUS_OBJECT_NAME_NOT_FOUND);                /* deleted on close */
    KT_STATUS(NtOpenStatus(L"\\??\\C:\\disp.txt", GENERIC_READ, FILE_OVERWRITE, 0),
              STATUS_OBJECT_NAME_NOT_FOUND);

    /* kernel32's errors for the same. */
    KT_EXPECT(Open("C:\\nosuch.txt", GENERIC_READ, 0, OPEN_EXISTING, 0) == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    KT_EXPECT(Open("C:\\nodir\\x.txt", GENERIC_READ, 0, OPEN_EXISTING, 0) == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
    KT_EXPECT(Open("C:\\small.txt", GENERIC_READ, FILE_SHARE_READ, CREATE_NEW, 0) ==
              INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_FILE_EXISTS);
    KT_EXPECT(Open("C:\\sub", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0) ==
              INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    handle = Open("C:\\sub", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING,
                  FILE_FLAG_BACKUP_SEMANTICS);
    KT_EXPECT(handle != INVALID_HANDLE_VALUE);
    CloseHandle(handle);
    KT_EXPECT(Open("", GENERIC_READ, 0, OPEN_EXISTING, 0) == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
}

static void TestSharing(void)
{
    HANDLE a = Open("C:\\small.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0), b, c;

    KT_EXPECT(a != INVALID_HANDLE_VALUE);
    b = Open("C:\\small.txt", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING, 0);
    KT_EXPECT(b == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
    b = Open("C:\\small.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    KT_EXPECT(b != INVALID_HANDLE_VALUE);
    c = Open("C:\\small.txt", GENERIC_READ, 0, OPEN_EXISTING, 0);   /* shares nothing */
    KT_EXPECT(c == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
    CloseHandle(a);
    CloseHandle(b);
    c = Open("C:\\small.txt", GENERIC_READ, 0, OPEN_EXISTING, 0);   /* alone now */
    KT_EXPECT(c != INVALID_HANDLE_VALUE);
    a = Open("C:\\small.txt", FILE_READ_ATTRIBUTES, 0, OPEN_EXISTING, 0);   /* no data access */
    KT_EXPECT(a != INVALID_HANDLE_VALUE);
    CloseHandle(a);
    CloseHandle(c);
}

static void TestWriteNew(void)
{
    static const char text[] = "created by files.exe\n";
    HANDLE file;
    char back[64];

    file = Open("C:\\new.txt", GENERIC_WRITE, 0, CREATE_NEW, 0);
    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_SUCCESS);
    CloseHandle(file);
    WriteWhole("C:\\new.txt", text, sizeof(text) - 1);
    KT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);        /* CREATE_ALWAYS over an existing file */
    KT_EQ(ReadWhole("C:\\new.txt", (BYTE *)back, sizeof(back)), sizeof(text) - 1);
    KT_EQ(memcmp(back, text, sizeof(text) - 1), 0);
    file = Open("C:\\opened.tmp", GENERIC_WRITE, 0, OPEN_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE);
    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_SUCCESS);
    CloseHandle(file);
    KT_EQ(GetFileAttributesA("C:\\opened.tmp"), INVALID_FILE_ATTRIBUTES);
}

static void TestWriteMiddle(void)
{
    HANDLE file = Open("C:\\seq.bin", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    DWORD wrote, got, bad = 0;

    memset(Buffer, 0xAB, 1000);
    KT_EQ(SetFilePointer(file, 5000, NULL, FILE_BEGIN), 5000);
    KT_EXPECT(WriteFile(file, Buffer, 1000, &wrote, NULL));
    KT_EQ(wrote, 1000);
    KT_EQ(GetFileSize(file, NULL), SEQ_SIZE);
    KT_EQ(SetFilePointer(file, 0, NULL, FILE_BEGIN), 0);
    KT_EXPECT(ReadFile(file, Buffer, sizeof(Buffer), &got, NULL));
    KT_EQ(got, SEQ_SIZE);
    for (DWORD i = 0; i < got; i++)
        bad += Buffer[i] != (i >= 5000 && i < 6000 ? 0xAB : PATTERN(1, i));
    KT_EQ(bad, 0);
    CloseHandle(file);
}

static void TestExtendTruncate(void)
{
    HANDLE file = Open("C:\\ext.bin", GENERIC_READ | GENERIC_WRITE, 0, CREATE_NEW, 0);
    DWORD wrote, got, bad = 0;

    for (DWORD i = 0; i < 3000; i++)
        Buffer[i] = PATTERN(5, i);
    KT_EXPECT(WriteFile(file, Buffer, 3000, &wrote, NULL));
    KT_EQ(SetFilePointer(file, 10000, NULL, FILE_BEGIN), 10000);
    KT_EXPECT(SetEndOfFile(file));                      /* 7000 zeros */
    KT_EQ(GetFileSize(file, NULL), 10000);
    for (DWORD i = 0; i < 500; i++)
        Buffer[i] = PATTERN(6, i);
    KT_EXPECT(WriteFile(file, Buffer, 500, &wrote, NULL));
    KT_EQ(GetFileSize(file, NULL), 10500);
    CloseHandle(file);
    KT_EQ(ReadWhole("C:\\ext.bin", Buffer, sizeof(Buffer)), 10500);
    for (DWORD i = 0; i < 10500; i++)
        bad += Buffer[i] != (i < 3000 ? PATTERN(5, i) : i < 10000 ? 0 : PATTERN(6, i - 10000));
    KT_EQ(bad, 0);

    /* A write far past the end leaves zeros behind it. */
    file = Open("C:\\trunc.bin", GENERIC_READ | GENERIC_WRITE, 0, CREATE_ALWAYS, 0);
    for (DWORD i = 0; i < 70000; i++)
        Buffer[i] = PATTERN(7, i);
    KT_EXPECT(WriteFile(file, Buffer, 70000, &wrote, NULL));
    KT_EQ(GetFileSize(file, NULL), 70000);
    KT_EQ(SetFilePointer(file, 1234, NULL, FILE_BEGIN), 1234);
    KT_EXPECT(SetEndOfFile(file));
    KT_EQ(GetFileSize(file, NULL), 1234);
    KT_EQ(SetFilePointer(file, 0, NULL, FILE_BEGIN), 0);
    KT_EXPECT(ReadFile(file, Buffer, sizeof(Buffer), &got, NULL));
    KT_EQ(got, 1234);
    for (DWORD i = 0; i < got; i++)
        bad += Buffer[i] != PATTERN(7, i);
    KT_EQ(bad, 0);
    CloseHandle(file);
}

static void TestDelete(void)
{
    HANDLE file, second;

    WriteWhole("C:\\temp.txt", "temporary", 9);
    KT_EXPECT(DeleteFileA("C:\\temp.txt"));
    KT_EQ(ReadWhole("C:\\temp.txt", Buffer, 10), 0xFFFFFFFF);
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    KT_EXPECT(DeleteFileA("C:\\empty.dat"));
    KT_EXPECT(!DeleteFileA("C:\\temp.txt"));
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    KT_EXPECT(!DeleteFileA("C:\\sub"));
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);

    /* Deleted while open: pending until the last handle goes. */
    WriteWhole("C:\\pending.txt", "pending", 7);
    file = Open("C:\\pending.txt", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, OPEN_EXISTING, 0);
    KT_EXPECT(DeleteFileA("C:\\pending.txt"));
    second = Open("C:\\pending.txt", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, OPEN_EXISTING, 0);
    KT_EXPECT(second == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);         /* STATUS_DELETE_PENDING */
    CloseHandle(file);
    KT_EQ(GetFileAttributesA("C:\\pending.txt"), INVALID_FILE_ATTRIBUTES);
    KT_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);

    /* NtDeleteFile: the file goes at once (no handle holds it), a full directory stays. */
    {
        static WCHAR name[] = L"\\??\\C:\\ntdel.txt", full[] = L"\\??\\C:\\sub";
        UNICODE_STRING string = { sizeof(name) - 2, sizeof(name), name };
        UNICODE_STRING dir = { sizeof(full) - 2, sizeof(full), full };
        OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, &string, OBJ_CASE_INSENSITIVE,
                                         NULL, NULL };

        WriteWhole("C:\\ntdel.txt", "x", 1);
        KT_STATUS(NtDeleteFile(&attributes), STATUS_SUCCESS);
        KT_EQ(GetFileAttributesA("C:\\ntdel.txt"), INVALID_FILE_ATTRIBUTES);
        KT_STATUS(NtDeleteFile(&attributes), STATUS_OBJECT_NAME_NOT_FOUND);
        attributes.ObjectName = &dir;
        KT_STATUS(NtDeleteFile(&attributes), STATUS_DIRECTORY_NOT_EMPTY);
    }

    /* Open without FILE_SHARE_DELETE: DeleteFile is a sharing violation. */
    WriteWhole("C:\\held.txt", "held", 4);
    file = Open("C:\\held.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    KT_EXPECT(!DeleteFileA("C:\\held.txt"));
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
    CloseHandle(file);
    KT_EXPECT(DeleteFileA("C:\\held.txt"));
}

static void TestDirectories(void)
{
    static const char inner[] = "C:\\newdir\\Inner Long Name.dat";
    DWORD bad = 0;

    KT_EXPECT(CreateDirectoryA("C:\\newdir", NULL));
    KT_EXPECT(!CreateDirectoryA("C:\\newdir", NULL));
    KT_EQ(GetLastError(), ERROR_ALREADY_EXISTS);
    KT_EXPECT(!CreateDirectoryA("C:\\nodir\\child", NULL));
    KT_EQ(GetLastError(), ERROR_PATH_NOT_FOUND);
    for (DWORD i = 0; i < 777; i++)
        Buffer[i] = PATTERN(8, i);
    WriteWhole(inner, Buffer, 777);
    memset(Buffer, 0, 777);
    KT_EQ(ReadWhole(inner, Buffer, sizeof(Buffer)), 777);
    for (DWORD i = 0; i < 777; i++)
        bad += Buffer[i] != PATTERN(8, i);
    KT_EQ(bad, 0);
    KT_EXPECT(!RemoveDirectoryA("C:\\newdir"));
    KT_EQ(GetLastError(), ERROR_DIR_NOT_EMPTY);
    KT_EXPECT(CreateDirectoryA("C:\\gone", NULL));
    KT_EXPECT(CreateDirectoryA("C:\\gone\\deeper", NULL));
    KT_EXPECT(RemoveDirectoryA("C:\\gone\\deeper"));
    KT_EXPECT(RemoveDirectoryA("C:\\gone"));
    KT_EQ(GetFileAttributesA("C:\\gone"), INVALID_FILE_ATTRIBUTES);
    KT_EQ(GetFileAttributesA("C:\\newdir") & FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_DIRECTORY);
    KT_EXPECT(!RemoveDirectoryA("C:\\small.txt"));
    KT_EQ(GetLastError(), ERROR_DIRECTORY);
    KT_EXPECT(!RemoveDirectoryA("C:\\"));
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);

    /* Many entries (three each): the directory grows past its first cluster (16 entries in 512
     * bytes, 128 in 4 KB). */
    KT_EXPECT(CreateDirectoryA("C:\\many", NULL));
    for (int i = 0; i < 40; i++) {
        char name[64];

        snprintf(name, sizeof(name), "C:\\many\\file number %d.txt", i);
        WriteWhole(name, name, (DWORD)strlen(name));
    }
    for (int i = 0; i < 40; i++) {
        char name[64], back[64];

        snprintf(name, sizeof(name), "C:\\MANY\\FILE NUMBER %d.TXT", i);
        KT_EQ(ReadWhole(name, (BYTE *)back, sizeof(back)), strlen(name));
    }
}

/* The names FindFirstFile/FindNextFile give for Pattern, each as "|name|" in the order found
 * (mcopy's order for the files tests/fat.t put there); the error that ended the list. */
static DWORD ListNames(const char *Pattern, char *Names, size_t Size)
{
    WIN32_FIND_DATAA data;
    HANDLE find = FindFirstFileA(Pattern, &data);
    DWORD error;

    strcpy(Names, "|");
    if (find == INVALID_HANDLE_VALUE)
        return GetLastError();
    do {
        strncat(Names, data.cFileName, Size - strlen(Names) - 2);
        strcat(Names, "|");
    } while (FindNextFileA(find, &data));
    error = GetLastError();
    KT_EXPECT(FindClose(find));
    return error;
}

static void TestFind(void)
{
    static const char *const listed[] = {
        "|A Long File Name With Spaces.txt|", "|big.bin|", "|seq.bin|", "|small.txt|", "|sub|",
        "|new.txt|", "|ext.bin|", "|trunc.bin|", "|newdir|", "|many|", "|ren_src.txt|", NULL,
    };
    static const char *const unlisted[] = {
        "|empty.dat|", "|temp.txt|", "|gone|", "|pending.txt|", "|held.txt|", "|.|", NULL,
    };
    char names[2048];
    WIN32_FIND_DATAA data;
    HANDLE find;

    KT_EQ(ListNames("C:\\sub\\*", names, sizeof(names)), ERROR_NO_MORE_FILES);
    KT_EQ(strcmp(names, "|.|..|deep|"), 0);
    KT_EQ(ListNames("C:\\*.bin", names, sizeof(names)), ERROR_NO_MORE_FILES);
    KT_EQ(strcmp(names, "|big.bin|seq.bin|ext.bin|trunc.bin|"), 0);
    KT_EQ(ListNames("C:\\a long*", names, sizeof(names)), ERROR_NO_MORE_FILES);
    KT_EQ(strcmp(names, "|A Long File Name With Spaces.txt|"), 0);
    KT_EQ(ListNames("C:\\s?all.*", names, sizeof(names)), ERROR_NO_MORE_FILES);
    KT_EQ(strcmp(names, "|small.txt|"), 0);
    KT_EQ(ListNames("C:\\*.*", names, sizeof(names)), ERROR_NO_MORE_FILES);
    for (const char *const *n = listed; *n; n++)
        KT_EXPECT(strstr(names, *n) != NULL);
    for (const char *const *n = unlisted; *n; n++)
        KT_EXPECT(strstr(names, *n) == NULL);
    KT_EQ(ListNames("C:\\*.none", names, sizeof(names)), ERROR_FILE_NOT_FOUND);
    KT_EQ(ListNames("C:\\nodir\\*", names, sizeof(names)), ERROR_PATH_NOT_FOUND);
    find = FindFirstFileA("C:\\big.bin", &data);
    KT_EXPECT(find != INVALID_HANDLE_VALUE);
    KT_EQ(data.nFileSizeLow, BIG_SIZE);
    KT_EQ(data.dwFileAttributes & FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_ARCHIVE);
    FindClose(find);
    find = FindFirstFileA("C:\\A Long File Name With Spaces.txt", &data);
    KT_EQ(strcmp(data.cAlternateFileName, "ALONGF~1.TXT"), 0);
    FindClose(find);
}

static LONGLONG SystemTime(void)
{
    const volatile KUSER_SHARED_DATA *shared = (const volatile KUSER_SHARED_DATA *)0x7FFE0000;
    LONG high;
    ULONG low;

    do {
        high = shared->SystemTime.High1Time;
        low = shared->SystemTime.LowPart;
    } while (high != shared->SystemTime.High2Time);
    return (LONGLONG)high << 32 | low;
}

static void TestInformation(void)
{
    static WCHAR target[] = L"\\??\\C:\\newdir\\renamed.txt";
    BYTE info[sizeof(FILE_RENAME_INFORMATION) + sizeof(target)];
    FILE_RENAME_INFORMATION *rename = (FILE_RENAME_INFORMATION *)info;
    FILE_BASIC_INFORMATION basic;
    FILE_STANDARD_INFORMATION standard;
    FILE_POSITION_INFORMATION position;
    FILE_NAME_INFORMATION *name = (FILE_NAME_INFORMATION *)Buffer;
    FILE_END_OF_FILE_INFORMATION end;
    FILE_ALLOCATION_INFORMATION allocation;
    IO_STATUS_BLOCK io;
    LONGLONG before = SystemTime();
    HANDLE file;

    WriteWhole("C:\\stamp.txt", "x", 1);
    file = Open("C:\\stamp.txt", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    KT_STATUS(NtQueryInformationFile(file, &io, &basic, sizeof(basic), FileBasicInformation),
              STATUS_SUCCESS);
    KT_EQ(io.Information, sizeof(basic));
    KT_EXPECT(basic.CreationTime.QuadPart >= before - 20000000 &&
              basic.CreationTime.QuadPart <= SystemTime() + 20000000);
    KT_EXPECT(basic.LastWriteTime.QuadPart >= before - 20000000);
    KT_EQ(basic.FileAttributes, FILE_ATTRIBUTE_ARCHIVE);
    KT_STATUS(NtQueryInformationFile(file, &io, &standard, sizeof(standard),
                                     FileStandardInformation), STATUS_SUCCESS);
    KT_EQ(standard.EndOfFile.QuadPart, 1);
    KT_EQ(standard.AllocationSize.QuadPart, ClusterBytes);
    KT_EQ(standard.Directory, FALSE);
    KT_EQ(standard.NumberOfLinks, 1);
    KT_STATUS(NtQueryInformationFile(file, &io, &position, sizeof(position),
                                     FilePositionInformation), STATUS_SUCCESS);
    KT_EQ(position.CurrentByteOffset.QuadPart, 0);
    KT_STATUS(NtQueryInformationFile(file, &io, name, 256, FileNameInformation), STATUS_SUCCESS);
    KT_EQ(name->FileNameLength, 20);
    KT_EQ(memcmp(name->FileName, L"\\stamp.txt", 20), 0);
    KT_STATUS(NtQueryInformationFile(file, &io, name, 8, FileNameInformation),
              STATUS_BUFFER_OVERFLOW);
    KT_STATUS(NtQueryInformationFile(file, &io, &basic, 8, FileBasicInformation),
              STATUS_INFO_LENGTH_MISMATCH);
    KT_STATUS(NtQueryInformationFile(file, &io, &end, sizeof(end), FileEndOfFileInformation),
              STATUS_INVALID_INFO_CLASS);
    KT_STATUS(NtQueryInformationFile(file, &io, &basic, sizeof(basic), 0), STATUS_INVALID_INFO_CLASS);
    allocation.AllocationSize.QuadPart = 0x7FFFFFFF;   /* more than the volume has */
    KT_STATUS(NtSetInformationFile(file, &io, &allocation, sizeof(allocation),
                                   FileAllocationInformation), STATUS_DISK_FULL);
    end.EndOfFile.QuadPart = 0x100000000ll;             /* past FAT's 4 GB - 1 */
    KT_STATUS(NtSetInformationFile(file, &io, &end, sizeof(end), FileEndOfFileInformation),
              STATUS_DISK_FULL);
    allocation.AllocationSize.QuadPart = 5000;          /* room for 5000 bytes, the size kept */
    KT_STATUS(NtSetInformationFile(file, &io, &allocation, sizeof(allocation),
                                   FileAllocationInformation), STATUS_SUCCESS);
    KT_STATUS(NtQueryInformationFile(file, &io, &standard, sizeof(standard),
                                     FileStandardInformation), STATUS_SUCCESS);
    KT_EQ(standard.AllocationSize.QuadPart, ROUND_TO_CLUSTER(5000));
    KT_EQ(standard.EndOfFile.QuadPart, 1);
    allocation.AllocationSize.QuadPart = 0;             /* below the size: the file shrinks */
    KT_STATUS(NtSetInformationFile(file, &io, &allocation, sizeof(allocation),
                                   FileAllocationInformation), STATUS_SUCCESS);
    KT_STATUS(NtQueryInformationFile(file, &io, &standard, sizeof(standard),
                                     FileStandardInformation), STATUS_SUCCESS);
    KT_EQ(standard.AllocationSize.QuadPart, 0);
    KT_EQ(standard.EndOfFile.QuadPart, 0);
    basic.CreationTime.QuadPart = 0;
    basic.LastAccessTime.QuadPart = basic.LastWriteTime.QuadPart = basic.ChangeTime.QuadPart = 0;
    basic.FileAttributes = FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE;
    KT_STATUS(NtSetInformationFile(file, &io, &basic, sizeof(basic), FileBasicInformation),
              STATUS_SUCCESS);
    CloseHandle(file);
    KT_EQ(GetFileAttributesA("C:\\stamp.txt"), FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE);
    KT_EXPECT(DeleteFileA("C:\\stamp.txt"));

    /* A rename into another directory, by its full NT name. */
    file = Open("C:\\ren_src.txt", GENERIC_READ | DELETE, 0, OPEN_EXISTING, 0);
    rename->ReplaceIfExists = FALSE;
    rename->RootDirectory = NULL;
    rename->FileNameLength = sizeof(target) - sizeof(WCHAR);
    memcpy(rename->FileName, target, sizeof(target));
    KT_STATUS(NtSetInformationFile(file, &io, rename, sizeof(info), FileRenameInformation),
              STATUS_SUCCESS);
    KT_STATUS(NtQueryInformationFile(file, &io, name, 256, FileNameInformation), STATUS_SUCCESS);
    KT_EQ(name->FileNameLength, 38);
    KT_EQ(memcmp(name->FileName, L"\\newdir\\renamed.txt", 38), 0);
    CloseHandle(file);
    KT_EQ(GetFileAttributesA("C:\\ren_src.txt"), INVALID_FILE_ATTRIBUTES);
    KT_EQ(ReadWhole("C:\\newdir\\renamed.txt", Buffer, 100), 10);
    KT_EQ(memcmp(Buffer, "rename me\n", 10), 0);
}

static void TestNoBuffering(void)
{
    HANDLE file = Open("C:\\big.bin", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING,
                       FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH);
    DWORD got, bad = 0;

    KT_EXPECT(file != INVALID_HANDLE_VALUE);
    KT_EQ(SetFilePointer(file, 8192, NULL, FILE_BEGIN), 8192);
    KT_EXPECT(ReadFile(file, Aligned, 4096, &got, NULL));
    KT_EQ(got, 4096);
    for (DWORD i = 0; i < got; i++)
        bad += Aligned[i] != PATTERN(2, 8192 + i);
    KT_EQ(bad, 0);
    KT_EXPECT(!ReadFile(file, Aligned, 100, &got, NULL));          /* length not sectors */
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EXPECT(!ReadFile(file, Aligned + 1, 512, &got, NULL));      /* buffer not aligned */
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    KT_EQ(SetFilePointer(file, 100, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
    KT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    CloseHandle(file);
}

/* NtQueryDirectoryFile itself: the classes, several entries a call, restart, the statuses. */
static void TestQueryDirectory(void)
{
    static WCHAR star_bin[] = L"*.bin", nomatch[] = L"nomatch";
    UNICODE_STRING pattern = { 10, 10, star_bin }, none = { 14, 14, nomatch };
    FILE_NAMES_INFORMATION *names = (FILE_NAMES_INFORMATION *)Buffer;
    FILE_DIRECTORY_INFORMATION *entry = (FILE_DIRECTORY_INFORMATION *)Buffer;
    FILE_FULL_DIR_INFORMATION *full = (FILE_FULL_DIR_INFORMATION *)Buffer;
    IO_STATUS_BLOCK io;
    HANDLE dir, file;

    KT_STATUS(NtOpen(L"\\??\\C:\\sub\\deep", FILE_LIST_DIRECTORY, FILE_SHARE_READ, FILE_OPEN,
                     FILE_DIRECTORY_FILE, &dir, NULL), STATUS_SUCCESS);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096, FileNamesInformation,
                                   FALSE, NULL, TRUE), STATUS_SUCCESS);
    KT_EQ(names->FileNameLength, 2);                            /* "." */
    names = (FILE_NAMES_INFORMATION *)((BYTE *)names + names->NextEntryOffset);
    KT_EQ(names->FileNameLength, 4);                            /* ".." */
    KT_EQ(names->NextEntryOffset % 8, 0);
    names = (FILE_NAMES_INFORMATION *)((BYTE *)names + names->NextEntryOffset);
    KT_EQ(names->FileNameLength, 20);
    KT_EQ(memcmp(names->FileName, L"nested.bin", 20), 0);
    KT_EQ(names->NextEntryOffset, 0);
    KT_EQ(io.Information, (ULONG_PTR)((BYTE *)names - Buffer) + 12 + 20);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096, FileNamesInformation,
                                   FALSE, NULL, FALSE), STATUS_NO_MORE_FILES);
    NtClose(dir);

    /* A pattern holds until a restart names another (NTFS's rule); one without keeps it. */
    KT_STATUS(NtOpen(L"\\??\\C:\\sub\\deep", FILE_LIST_DIRECTORY, FILE_SHARE_READ, FILE_OPEN,
                     FILE_DIRECTORY_FILE, &dir, NULL), STATUS_SUCCESS);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileDirectoryInformation, TRUE, &pattern, FALSE), STATUS_SUCCESS);
    KT_EQ(entry->FileNameLength, 20);
    KT_EQ(entry->EndOfFile.QuadPart, 5000);
    KT_EQ(entry->AllocationSize.QuadPart, ROUND_TO_CLUSTER(5000));
    KT_EQ(entry->FileAttributes, FILE_ATTRIBUTE_ARCHIVE);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileFullDirectoryInformation, TRUE, NULL, TRUE), STATUS_SUCCESS);
    KT_EQ(full->FileNameLength, 20);
    KT_EQ(memcmp(full->FileName, L"nested.bin", 20), 0);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer,
                                   sizeof(FILE_FULL_DIR_INFORMATION), FileFullDirectoryInformation,
                                   TRUE, NULL, TRUE), STATUS_BUFFER_OVERFLOW);
    KT_EQ(io.Information, sizeof(FILE_FULL_DIR_INFORMATION));
    KT_EQ(full->FileNameLength, 20);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096, FileBasicInformation,
                                   TRUE, NULL, TRUE), STATUS_INVALID_INFO_CLASS);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 8, FileNamesInformation,
                                   TRUE, NULL, TRUE), STATUS_INFO_LENGTH_MISMATCH);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileNamesInformation, FALSE, &none, TRUE),
              STATUS_NO_MORE_FILES);                    /* not the open's first query */
    NtClose(dir);

    KT_STATUS(NtOpen(L"\\??\\C:\\sub\\deep", FILE_LIST_DIRECTORY, FILE_SHARE_READ, FILE_OPEN,
                     FILE_DIRECTORY_FILE, &dir, NULL), STATUS_SUCCESS);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileBothDirectoryInformation, TRUE, &none, FALSE),
              STATUS_NO_SUCH_FILE);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileBothDirectoryInformation, TRUE, NULL, FALSE),
              STATUS_NO_MORE_FILES);
    NtClose(dir);
    KT_STATUS(NtOpen(L"\\??\\C:\\sub", FILE_READ_ATTRIBUTES, FILE_SHARE_READ, FILE_OPEN,
                     FILE_DIRECTORY_FILE, &dir, NULL), STATUS_SUCCESS);
    KT_STATUS(NtQueryDirectoryFile(dir, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileNamesInformation, TRUE, NULL, TRUE), STATUS_ACCESS_DENIED);
    NtClose(dir);
    KT_STATUS(NtOpen(L"\\??\\C:\\small.txt", FILE_LIST_DIRECTORY, FILE_SHARE_READ, FILE_OPEN, 0,
                     &file, NULL), STATUS_SUCCESS);
    KT_STATUS(NtQueryDirectoryFile(file, NULL, NULL, NULL, &io, Buffer, 4096,
                                   FileNamesInformation, TRUE, NULL, TRUE), STATUS_INVALID_PARAMETER);
    NtClose(file);
}

/* Four threads write a file each, in pieces, at once; every byte lands where it belongs. */
#define WRITERS             4
#define WRITER_BYTES        40000

static DWORD WINAPI Writer(LPVOID Parameter)
{
    DWORD seed = (DWORD)(ULONG_PTR)Parameter, wrote, at;
    char name[32];
    BYTE piece[1000];
    HANDLE file;

    snprintf(name, sizeof(name), "C:\\many\\writer%lu.bin", seed);
    file = Open(name, GENERIC_WRITE, 0, CREATE_ALWAYS, 0);
    if (file == INVALID_HANDLE_VALUE)
        return 1;
    for (at = 0; at < WRITER_BYTES; at += sizeof(piece)) {
        for (DWORD i = 0; i < sizeof(piece); i++)
            piece[i] = PATTERN(20 + seed, at + i);
        if (!WriteFile(file, piece, sizeof(piece), &wrote, NULL) || wrote != sizeof(piece))
            break;
    }
    CloseHandle(file);
    return at == WRITER_BYTES ? 0 : 2;
}

static void TestThreads(void)
{
    HANDLE threads[WRITERS];
    DWORD code;

    for (DWORD i = 0; i < WRITERS; i++)
        threads[i] = CreateThread(NULL, 0, Writer, (LPVOID)(ULONG_PTR)i, 0, NULL);
    KT_EQ(WaitForMultipleObjects(WRITERS, threads, TRUE, 60000), WAIT_OBJECT_0);
    for (DWORD i = 0; i < WRITERS; i++) {
        char name[32];

        KT_EXPECT(GetExitCodeThread(threads[i], &code));
        KT_EQ(code, 0);
        CloseHandle(threads[i]);
        snprintf(name, sizeof(name), "C:\\many\\writer%lu.bin", i);
        CheckPatternFile(name, WRITER_BYTES, 20 + (int)i, 0);
    }
}

static void TestConsole(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD wrote = 0, got;

    KT_EXPECT(WriteFile(out, "# the console still writes\n", 27, &wrote, NULL));
    KT_EQ(wrote, 27);
    KT_EXPECT(!ReadFile(GetStdHandle(STD_INPUT_HANDLE), Buffer, 10, &got, NULL));
    KT_EQ(GetLastError(), ERROR_INVALID_FUNCTION);
}

static const KTAP_CASE Cases[] = {
    { "files.read.small", TestReadSmall },
    { "files.read.patterns", TestReadPatterns },
    { "files.read.offsets", TestReadOffsets },
    { "files.read.long_names", TestLongNames },
    { "files.open.statuses", TestOpenStatuses },
    { "files.open.sharing", TestSharing },
    { "files.write.new", TestWriteNew },
    { "files.write.middle", TestWriteMiddle },
    { "files.write.extend_truncate", TestExtendTruncate },
    { "files.delete", TestDelete },
    { "files.directories", TestDirectories },
    { "files.find", TestFind },
    { "files.information", TestInformation },
    { "files.no_buffering", TestNoBuffering },
    { "files.query_directory", TestQueryDirectory },
    { "files.threads", TestThreads },
    { "files.console", TestConsole },
};

/* The damaged volume: each damaged file refused with STATUS_FILE_CORRUPT_ERROR. */
static void TestCorruptFiles(void)
{
    static const WCHAR *const damaged[] = {
        L"\\??\\C:\\loop.bin", L"\\??\\C:\\crossa.bin", L"\\??\\C:\\crossb.bin",
        L"\\??\\C:\\range.bin", L"\\??\\C:\\past.bin", L"\\??\\C:\\badnext.bin",
        L"\\??\\C:\\baddir\\inner.txt",
    };

    for (DWORD i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++)
        KT_STATUS(NtOpenStatus(damaged[i], GENERIC_READ, FILE_OPEN, 0), STATUS_FILE_CORRUPT_ERROR);
    KT_EXPECT(Open("C:\\loop.bin", GENERIC_READ, 0, OPEN_EXISTING, 0) == INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_FILE_CORRUPT);
    KT_EXPECT(!DeleteFileA("C:\\crossa.bin"));
    KT_EQ(GetLastError(), ERROR_FILE_CORRUPT);
}

static void TestCorruptRest(void)
{
    char names[2048];

    CheckPatternFile("C:\\ok.bin", 20000, 9, 0);
    KT_EQ(ListNames("C:\\*.bin", names, sizeof(names)), ERROR_NO_MORE_FILES);
    KT_EQ(strcmp(names, "|badnext.bin|crossa.bin|crossb.bin|loop.bin|ok.bin|past.bin|range.bin|"), 0);
    WriteWhole("C:\\after.txt", "still writable\n", 15);
    KT_EQ(ReadWhole("C:\\after.txt", Buffer, 100), 15);
}

static const KTAP_CASE CorruptCases[] = {
    { "files.corrupt.refused", TestCorruptFiles },
    { "files.corrupt.rest_works", TestCorruptRest },
};

/* Handles left open for the process's exit to close: tests/fat.t finds exitkeep.txt written
 * and exitdel.tmp (FILE_FLAG_DELETE_ON_CLOSE) gone. */
static void LeaveOpen(void)
{
    HANDLE keep = Open("C:\\exitkeep.txt", GENERIC_WRITE, 0, CREATE_ALWAYS, 0);
    DWORD wrote;

    WriteFile(keep, "left open\n", 10, &wrote, NULL);
    Open("C:\\exitdel.tmp", GENERIC_WRITE, 0, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE);
}

int main(int argc, char **argv)
{
    int result;

    if (argc == 2 && strcmp(argv[1], "corrupt") == 0)
        return KtapRun(CorruptCases, (int)(sizeof(CorruptCases) / sizeof(CorruptCases[0])));
    if (argc == 2)
        ClusterBytes = (DWORD)atoi(argv[1]);
    result = KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
    LeaveOpen();
    return result;
}
