/*
 * tests/host/test_userrtl.c: two pure parts of user mode's ntdll. RtlNtStatusToDosError
 * (user/ntdll/status.c, included to see its table) gives the Win32 error Windows gives for
 * each status the VM services and kernel32 produce (the numbers are Windows', written out
 * here, not taken from a header); and the start-up's command-line splitting
 * (user/ntdll/cmdline.c) follows the Microsoft C runtime's rules.
 */
#include "tests/host/tap.h"
#include "user/ntdll/status.c"
#include "user/ntdll/rtlp.h"

static void TestStatuses(void)
{
    static const struct { ULONG Status, Error; const char *Name; } cases[] = {
        { 0x00000000, 0, "STATUS_SUCCESS -> 0" },
        { 0xC0000005, 998, "STATUS_ACCESS_VIOLATION -> ERROR_NOACCESS" },
        { 0xC0000008, 6, "STATUS_INVALID_HANDLE -> ERROR_INVALID_HANDLE" },
        { 0xC000000D, 87, "STATUS_INVALID_PARAMETER -> ERROR_INVALID_PARAMETER" },
        { 0xC00000EF, 87, "STATUS_INVALID_PARAMETER_1 -> ERROR_INVALID_PARAMETER" },
        { 0xC00000F0, 87, "STATUS_INVALID_PARAMETER_2 -> ERROR_INVALID_PARAMETER" },
        { 0xC00000F1, 87, "STATUS_INVALID_PARAMETER_3 -> ERROR_INVALID_PARAMETER" },
        { 0xC00000F2, 87, "STATUS_INVALID_PARAMETER_4 -> ERROR_INVALID_PARAMETER" },
        { 0xC00000F3, 87, "STATUS_INVALID_PARAMETER_5 -> ERROR_INVALID_PARAMETER" },
        { 0xC0000017, 8, "STATUS_NO_MEMORY -> ERROR_NOT_ENOUGH_MEMORY" },
        { 0xC0000018, 487, "STATUS_CONFLICTING_ADDRESSES -> ERROR_INVALID_ADDRESS" },
        { 0xC000001A, 87, "STATUS_UNABLE_TO_FREE_VM -> ERROR_INVALID_PARAMETER" },
        { 0xC000001C, 1, "STATUS_INVALID_SYSTEM_SERVICE -> ERROR_INVALID_FUNCTION" },
        { 0xC0000021, 5, "STATUS_ALREADY_COMMITTED -> ERROR_ACCESS_DENIED" },
        { 0xC0000022, 5, "STATUS_ACCESS_DENIED -> ERROR_ACCESS_DENIED" },
        { 0xC0000024, 6, "STATUS_OBJECT_TYPE_MISMATCH -> ERROR_INVALID_HANDLE" },
        { 0xC000002A, 158, "STATUS_NOT_LOCKED -> ERROR_NOT_LOCKED" },
        { 0xC000002D, 487, "STATUS_NOT_COMMITTED -> ERROR_INVALID_ADDRESS" },
        { 0xC0000045, 87, "STATUS_INVALID_PAGE_PROTECTION -> ERROR_INVALID_PARAMETER" },
        { 0xC0000061, 1314, "STATUS_PRIVILEGE_NOT_HELD -> ERROR_PRIVILEGE_NOT_HELD" },
        { 0xC00000BB, 50, "STATUS_NOT_SUPPORTED -> ERROR_NOT_SUPPORTED" },
        { 0xC000007B, 193, "STATUS_INVALID_IMAGE_FORMAT -> ERROR_BAD_EXE_FORMAT" },
        { 0xC000009F, 487, "STATUS_FREE_VM_NOT_AT_BASE -> ERROR_INVALID_ADDRESS" },
        { 0xC00000A0, 487, "STATUS_MEMORY_NOT_ALLOCATED -> ERROR_INVALID_ADDRESS" },
        { 0xC00000A1, 1453, "STATUS_WORKING_SET_QUOTA -> ERROR_WORKING_SET_QUOTA" },
        { 0xC00000FD, 1001, "STATUS_STACK_OVERFLOW -> ERROR_STACK_OVERFLOW" },
        { 0xC000012D, 1455, "STATUS_COMMITMENT_LIMIT -> ERROR_COMMITMENT_LIMIT" },
        { 0xC0000141, 59, "STATUS_INVALID_ADDRESS -> ERROR_UNEXP_NET_ERR, as Windows" },
        { 0xC0000004, 24, "STATUS_INFO_LENGTH_MISMATCH -> ERROR_BAD_LENGTH" },
        { 0xC0000023, 122, "STATUS_BUFFER_TOO_SMALL -> ERROR_INSUFFICIENT_BUFFER" },
        { 0x8000000D, 299, "STATUS_PARTIAL_COPY -> ERROR_PARTIAL_COPY" },
        { 0x80000002, 998, "STATUS_DATATYPE_MISALIGNMENT -> ERROR_NOACCESS" },
        { 0x00000102, 1460, "STATUS_TIMEOUT -> ERROR_TIMEOUT" },
        { 0x00000106, 1300, "STATUS_NOT_ALL_ASSIGNED -> ERROR_NOT_ALL_ASSIGNED" },
        { 0xC000004C, 87, "STATUS_BAD_WORKING_SET_LIMIT -> ERROR_INVALID_PARAMETER" },
        { 0x80000001, 0x80000001, "STATUS_GUARD_PAGE_VIOLATION -> itself" },
        { 0xC0000094, 0xC0000094, "STATUS_INTEGER_DIVIDE_BY_ZERO -> itself" },
        { 0xD0000017, 8, "a 0xD status maps as its 0xC twin" },
        { 0x80070005, 5, "0x8007xxxx carries its Win32 error" },
        { 0xC0010020, 0x20, "0xC001xxxx carries its Win32 error" },
        { 0xE0000001, 0xE0000001, "a customer status (bit 29) is returned as it is" },
        { 0xC0000001, 31, "STATUS_UNSUCCESSFUL -> ERROR_GEN_FAILURE" },
        { 0xC0009999, 317, "an unknown status -> ERROR_MR_MID_NOT_FOUND" },
        { 0x40000000, 183, "STATUS_OBJECT_NAME_EXISTS -> ERROR_ALREADY_EXISTS" },
        { 0xC0000019, 487, "STATUS_NOT_MAPPED_VIEW -> ERROR_INVALID_ADDRESS" },
        { 0xC000001F, 5, "STATUS_INVALID_VIEW_SIZE -> ERROR_ACCESS_DENIED" },
        { 0xC0000020, 193, "STATUS_INVALID_FILE_FOR_SECTION -> ERROR_BAD_EXE_FORMAT" },
        { 0xC0000033, 123, "STATUS_OBJECT_NAME_INVALID -> ERROR_INVALID_NAME" },
        { 0xC0000034, 2, "STATUS_OBJECT_NAME_NOT_FOUND -> ERROR_FILE_NOT_FOUND" },
        { 0xC0000035, 183, "STATUS_OBJECT_NAME_COLLISION -> ERROR_ALREADY_EXISTS" },
        { 0xC000003A, 3, "STATUS_OBJECT_PATH_NOT_FOUND -> ERROR_PATH_NOT_FOUND" },
        { 0xC000003B, 161, "STATUS_OBJECT_PATH_SYNTAX_BAD -> ERROR_BAD_PATHNAME" },
        { 0xC0000040, 8, "STATUS_SECTION_TOO_BIG -> ERROR_NOT_ENOUGH_MEMORY" },
        { 0xC0000049, 87, "STATUS_SECTION_NOT_IMAGE -> ERROR_INVALID_PARAMETER" },
        { 0xC000004E, 87, "STATUS_SECTION_PROTECTION -> ERROR_INVALID_PARAMETER" },
        { 0xC0000087, 14, "STATUS_SECTION_NOT_EXTENDED -> ERROR_OUTOFMEMORY" },
        { 0xC0000088, 487, "STATUS_NOT_MAPPED_DATA -> ERROR_INVALID_ADDRESS" },
        { 0xC000001B, 87, "STATUS_UNABLE_TO_DELETE_SECTION -> ERROR_INVALID_PARAMETER" },
        { 0xC0000220, 1132, "STATUS_MAPPED_ALIGNMENT -> ERROR_MAPPED_ALIGNMENT" },
        { 0xC00000F7, 87, "STATUS_INVALID_PARAMETER_9 -> ERROR_INVALID_PARAMETER" },
        { 0xC0000135, 126, "STATUS_DLL_NOT_FOUND -> ERROR_MOD_NOT_FOUND" },
        { 0xC0000138, 182, "STATUS_ORDINAL_NOT_FOUND -> ERROR_INVALID_ORDINAL" },
        { 0xC0000139, 127, "STATUS_ENTRYPOINT_NOT_FOUND -> ERROR_PROC_NOT_FOUND" },
        { 0xC0000142, 1114, "STATUS_DLL_INIT_FAILED -> ERROR_DLL_INIT_FAILED" },
    };
    ULONG index;
    int sorted = 1;

    for (index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        is_int(RtlNtStatusToDosError((NTSTATUS)cases[index].Status), cases[index].Error, "%s",
               cases[index].Name);
    }
    for (index = 1; index < sizeof(RtlpStatusMappings) / sizeof(RtlpStatusMappings[0]); index++)
        sorted &= RtlpStatusMappings[index - 1].Status < RtlpStatusMappings[index].Status;
    ok(sorted, "the mapping table is sorted (the search relies on it)");
}

/* Split Line and compare the words with Expected (a NULL-terminated list). */
static void Split(const char *Line, const char *const *Expected, const char *Name)
{
    char copy[128], *argv[16];
    int argc, index, count = 0, same = 1;

    while (Expected[count])
        count++;
    strcpy(copy, Line);
    argc = RtlpSplitCommandLine(copy, NULL);
    strcpy(copy, Line);
    if (argc <= 16)
        RtlpSplitCommandLine(copy, argv);
    same = argc == count;
    for (index = 0; same && index < argc; index++)
        same = strcmp(argv[index], Expected[index]) == 0;
    if (!ok(same, "%s", Name))
        for (index = 0; index < argc && index < 16; index++)
            printf("#   argv[%d] = \"%s\"\n", index, argv[index]);
}

#define WORDS(...)      ((const char *const[]){ __VA_ARGS__, NULL })

static void TestCommandLine(void)
{
    Split("prog.exe", WORDS("prog.exe"), "one word");
    Split("  prog.exe  a\tb   c ", WORDS("prog.exe", "a", "b", "c"), "blanks and tabs separate");
    Split("p \"a b\" c", WORDS("p", "a b", "c"), "quotes keep blanks");
    Split("p a\"b c\"d", WORDS("p", "ab cd"), "quotes inside a word");
    Split("p a\\\\b", WORDS("p", "a\\\\b"), "backslashes not before a quote are literal");
    Split("p a\\\\\\\"b", WORDS("p", "a\\\"b"), "2n+1 backslashes before a quote: n and a quote");
    Split("p \"a\\\\\\\\\" b", WORDS("p", "a\\\\", "b"), "2n backslashes before a quote: n, the quote counts");
    Split("p \"\"", WORDS("p", ""), "an empty quoted word");
    Split("p \"a\"\"b\"", WORDS("p", "a\"b"), "\"\" inside quotes is a quote");
    is_int(RtlpSplitCommandLine((char[]){ "   " }, NULL), 0, "blanks only: no words");
}

int main(void)
{
    TestStatuses();
    TestCommandLine();
    return done_testing();
}
