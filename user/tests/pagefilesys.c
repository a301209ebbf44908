/*
 * pagefilesys: C:\pagefile.sys while it is a paging file (tests/pagefilesys.t boots with one):
 * it is listed with its size and the hidden and system attributes, and nothing else can
 * open it to read, write or delete it, whatever sharing the opener offers: the paging file holds
 * it with no sharing at all, as NT's does (ERROR_SHARING_VIOLATION); an open for its
 * attributes alone takes no part in sharing and succeeds, as on Windows. The program's only
 * argument is the size the test made it, in MB.
 */
#include <stdlib.h>
#include "ktap.h"

#define PAGING_FILE     "C:\\pagefile.sys"
#define SHARE_ALL       (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static DWORD ExpectedMb;

static void TestListed(void)
{
    WIN32_FIND_DATAA data;
    HANDLE find = FindFirstFileA(PAGING_FILE, &data);

    KT_EXPECT(find != INVALID_HANDLE_VALUE);
    if (find == INVALID_HANDLE_VALUE)
        return;
    printf("# %s: %lu bytes, attributes 0x%lx\n", data.cFileName, data.nFileSizeLow,
           data.dwFileAttributes);
    KT_EQ(data.nFileSizeHigh, 0);
    KT_EQ(data.nFileSizeLow, ExpectedMb << 20);
    KT_EQ(data.dwFileAttributes & (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM),
          FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
    FindClose(find);
}

static void TestNoOpen(void)
{
    static const DWORD access[] = { GENERIC_READ, GENERIC_WRITE, DELETE };
    HANDLE attributes;

    for (unsigned i = 0; i < sizeof(access) / sizeof(access[0]); i++) {
        HANDLE file = CreateFileA(PAGING_FILE, access[i], SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL);

        KT_EXPECT(file == INVALID_HANDLE_VALUE);
        KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
        if (file != INVALID_HANDLE_VALUE)
            CloseHandle(file);
    }
    /* Replacing it: refused for its attributes first (CreateFile's documented rule for a
     * hidden or system file), then for sharing. */
    KT_EXPECT(CreateFileA(PAGING_FILE, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL) ==
              INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_ACCESS_DENIED);
    KT_EXPECT(CreateFileA(PAGING_FILE, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                          FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM, NULL) ==
              INVALID_HANDLE_VALUE);
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
    /* An open for its attributes alone reads no data: share access does not count it. */
    attributes = CreateFileA(PAGING_FILE, FILE_READ_ATTRIBUTES, 0, NULL, OPEN_EXISTING, 0, NULL);
    KT_EXPECT(attributes != INVALID_HANDLE_VALUE);
    if (attributes != INVALID_HANDLE_VALUE) {
        KT_EQ(GetFileSize(attributes, NULL), ExpectedMb << 20);
        CloseHandle(attributes);
    }
}

static void TestNoDelete(void)
{
    KT_EXPECT(!DeleteFileA(PAGING_FILE));
    KT_EQ(GetLastError(), ERROR_SHARING_VIOLATION);
    KT_EXPECT(GetFileAttributesA(PAGING_FILE) != INVALID_FILE_ATTRIBUTES);
}

static const KTAP_CASE Cases[] = {
    { "pagefilesys.listed", TestListed },
    { "pagefilesys.no_open", TestNoOpen },
    { "pagefilesys.no_delete", TestNoDelete },
};

int main(int argc, char **argv)
{
    ExpectedMb = argc > 1 ? (DWORD)strtoul(argv[1], NULL, 10) : 0;
    return KtapRun(Cases, sizeof(Cases) / sizeof(Cases[0]));
}
