/* tests/host/test_cmdline.c: RtlSplitCommandLine and RtlStringToUlong. */
#include <stdint.h>
#include <stdlib.h>
#include "tests/host/tap.h"
#include "kernel/rtl/rtl.h"

static uint32_t Split(const char *text, RTL_OPTION *options, uint32_t max, NTSTATUS *status,
                      char **copy)
{
    uint32_t count = 0xdead;

    *copy = strdup(text);
    *status = RtlSplitCommandLine(*copy, options, max, &count);
    return count;
}

int main(void)
{
    RTL_OPTION o[8];
    NTSTATUS status;
    char *copy;
    uint32_t value, n;

    n = Split("/boot/mm386.elf test=mm.* 3gb\tx= pagefile=\"disk 1\" increaseuserva=2560", o, 8,
              &status, &copy);
    is_int(status, STATUS_SUCCESS, "a full line splits");
    is_int(n, 6, "six words");
    is_str(o[0].Name, "/boot/mm386.elf", "the image path is a bare word");
    ok(o[0].Value == NULL, "a bare word has no value");
    is_str(o[1].Name, "test", "name before =");
    is_str(o[1].Value, "mm.*", "value after =");
    is_str(o[2].Name, "3gb", "a flag");
    ok(o[2].Value == NULL, "a flag has no value");
    is_str(o[3].Name, "x", "tab separates");
    is_str(o[3].Value, "", "empty value");
    is_str(o[4].Value, "disk 1", "quoted value keeps its blank");
    is_str(o[5].Value, "2560", "last option");
    free(copy);

    n = Split("", o, 8, &status, &copy);
    is_int(status, STATUS_SUCCESS, "empty line");
    is_int(n, 0, "no options");
    free(copy);

    n = Split("   \t  ", o, 8, &status, &copy);
    is_int(n, 0, "blank line has no options");
    free(copy);

    n = Split("a b c d", o, 3, &status, &copy);
    is_int(status, STATUS_BUFFER_OVERFLOW, "too many options");
    is_int(n, 3, "the ones that fit are returned");
    is_str(o[2].Name, "c", "in order");
    free(copy);

    Split("x=\"open", o, 8, &status, &copy);
    is_int(status, STATUS_INVALID_PARAMETER, "unterminated quote");
    free(copy);
    Split("x=\"a\"b", o, 8, &status, &copy);
    is_int(status, STATUS_INVALID_PARAMETER, "text glued after a closing quote");
    free(copy);
    Split("=v", o, 8, &status, &copy);
    is_int(status, STATUS_INVALID_PARAMETER, "empty name");
    free(copy);

    ok(RtlStringToUlong("0", 10, &value) && value == 0, "0");
    ok(RtlStringToUlong("4294967295", 10, &value) && value == 4294967295u, "UINT32_MAX");
    ok(!RtlStringToUlong("4294967296", 10, &value), "UINT32_MAX + 1 overflows");
    ok(RtlStringToUlong("0xffbe0000", 10, &value) && value == 0xffbe0000u, "0x prefix");
    ok(RtlStringToUlong("ffbe0000", 16, &value) && value == 0xffbe0000u, "bare hex in base 16");
    ok(!RtlStringToUlong("ffbe0000", 10, &value), "hex digits in base 10");
    ok(!RtlStringToUlong("0x", 10, &value), "0x alone");
    ok(!RtlStringToUlong("", 10, &value), "empty");
    ok(!RtlStringToUlong("-1", 10, &value), "no sign");
    return done_testing();
}
