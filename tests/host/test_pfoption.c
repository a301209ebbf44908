/* tests/host/test_pfoption.c: the pagefile= option on its own (KiParsePagingFileOption) and its
 * entries beside each other (KiFindOverlappingEntries). */
#include <stdint.h>
#include <string.h>
#include "tests/host/tap.h"
#include "kernel/init/pfoption.h"

#define MAXIMUM     16

static KPAGING_FILE_ENTRY Entries[MAXIMUM + 1];

static uint32_t Parse(const char *Option)
{
    return KiParsePagingFileOption(Option, Entries, MAXIMUM);
}

/* Parse, then the overlaps, as start-up does once Mm has checked each entry. */
static uint32_t ParseAll(const char *Option)
{
    uint32_t count = Parse(Option);

    KiFindOverlappingEntries(Entries, count);
    return count;
}

static void TestGood(void)
{
    is_int(Parse("0:2048:4096"), 1, "one entry");
    is_int(Entries[0].Status, STATUS_SUCCESS, "... good");
    is_int(Entries[0].Disk, 0, "... disk 0");
    is_int(Entries[0].StartingLba, 2048, "... from 2048");
    is_int(Entries[0].Sectors, 4096, "... 4096 sectors");
    is_int(Entries[0].Length, 11, "... its text is the whole option");

    is_int(Parse("1:0x800:0x1000,0:6144:4096"), 2, "two entries, hex and decimal");
    is_int(Entries[0].StartingLba, 0x800, "... hex start");
    is_int(Entries[0].Sectors, 0x1000, "... hex size");
    is_int(Entries[1].Status, STATUS_SUCCESS, "... the second good");
    is_str(Entries[1].Text, "0:6144:4096", "... its text where it starts");
}

static void TestMalformed(void)
{
    static const char *const cases[] = {
        "0:2048", "0:2048:4096:1", ":2048:4096", "0::4096", "0:2048:", "a:2048:4096",
        "0:2048:4096x", "0:99999999999:4096", "0:0x1ffffffff:4096", "0:-8:4096", "",
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(Parse(cases[i]), 1, "'%s': one entry", cases[i]);
        is_int(Entries[0].Status, STATUS_INVALID_PARAMETER, "... malformed");
    }
    is_int(Parse("0:2048:4096,0:4000:4096"), 2, "a region over the one before ...");
    is_int(Entries[1].Status, STATUS_SUCCESS, "... is not refused by the parse alone");
    is_int(Parse("0:2048:4096,0:bad"), 2, "a malformed entry after a good one");
    is_int(Entries[0].Status, STATUS_SUCCESS, "... the first good");
    is_int(Entries[1].Status, STATUS_INVALID_PARAMETER, "... the second malformed");
    is_int(Entries[1].Length, 5, "... its text is its own");
    is_int(Parse("0:2048:4096,"), 2, "a trailing comma ...");
    is_int(Entries[1].Status, STATUS_INVALID_PARAMETER, "... is an empty, malformed entry");
    is_int(Entries[1].Length, 0, "... of no characters");
}

static void TestSizes(void)
{
    is_int(Parse("0:2048:4100"), 1, "4100 sectors ...");
    is_int(Entries[0].Status, STATUS_INVALID_PARAMETER_2, "... are not whole pages");
    is_int(Parse("0:2048:7"), 1, "7 sectors ...");
    is_int(Entries[0].Status, STATUS_INVALID_PARAMETER_2, "... are not a page");
    is_int(Parse("0:2048:0"), 1, "0 sectors ...");
    is_int(Entries[0].Status, STATUS_SUCCESS, "... are whole pages (too few is Mm's to say)");
}

static void TestOverlaps(void)
{
    is_int(ParseAll("0:2048:4096,0:6144:4096"), 2, "adjacent regions ...");
    is_int(Entries[1].Status, STATUS_SUCCESS, "... do not overlap");
    is_int(ParseAll("0:2048:4096,1:2048:4096"), 2, "the same sectors of two disks ...");
    is_int(Entries[1].Status, STATUS_SUCCESS, "... do not overlap");
    is_int(ParseAll("0:2048:4096,0:4000:4096"), 2, "a region over the one before");
    is_int(Entries[0].Status, STATUS_SUCCESS, "... the first holds");
    is_int(Entries[1].Status, STATUS_CONFLICTING_ADDRESSES, "... the second conflicts");
    is_int(Entries[1].Overlaps, 0, "... with entry 0");
    is_int(ParseAll("0:2048:4096,1:0:8,0:0:2056"), 3, "a region ending in the first one's sector");
    is_int(Entries[2].Status, STATUS_CONFLICTING_ADDRESSES, "... conflicts");
    is_int(Entries[2].Overlaps, 0, "... with entry 0");
    is_int(ParseAll("0:4294967288:8,0:4294967288:16"), 2, "regions at the end of 32 bits");
    is_int(Entries[1].Status, STATUS_CONFLICTING_ADDRESSES, "... overlap without wrapping");
    is_int(ParseAll("0:2048:4096,0:4000:4096,0:5000:4096"), 3, "three over each other");
    is_int(Entries[2].Overlaps, 0, "... the third is named against the first");

    is_int(ParseAll("0:bad:4096,0:2048:4100,0:2048:4096"), 3, "entries refused already ...");
    is_int(Entries[2].Status, STATUS_SUCCESS, "... overlap nothing");
    is_int(Parse("0:2048:4096,0:4000:4096"), 2, "refused by Mm (say) ...");
    Entries[0].Status = STATUS_INVALID_PARAMETER_1;
    KiFindOverlappingEntries(Entries, 2);
    is_int(Entries[1].Status, STATUS_SUCCESS, "... an entry is not in the way of a later one");
}

static void TestTooMany(void)
{
    char option[1024] = "";

    for (int i = 0; i < MAXIMUM + 2; i++)
        snprintf(option + strlen(option), sizeof(option) - strlen(option), "%s0:%d:2048",
                 i ? "," : "", 2048 + i * 2048);
    is_int(Parse(option), MAXIMUM + 1, "eighteen entries: seventeen read");
    is_int(Entries[MAXIMUM - 1].Status, STATUS_SUCCESS, "... the sixteenth good");
    is_int(Entries[MAXIMUM].Status, STATUS_TOO_MANY_PAGING_FILES, "... the seventeenth too many");
    is_int(Entries[MAXIMUM].Length, strlen("0:34816:2048"), "... its text its own");
}

/* X:\path:<megabytes>: a file on a volume. */
static void TestFiles(void)
{
    static const char *const malformed[] = {
        "C:\\pagefile.sys", "C:\\pagefile.sys:", "C:\\pagefile.sys:12x", "C:\\:64",
        "C:\\dir\\:64", "C:\\pagefile.sys:-1",
    };

    is_int(Parse("C:\\pagefile.sys:64"), 1, "a file entry");
    is_int(Entries[0].Status, STATUS_SUCCESS, "... good");
    is_int(Entries[0].IsFile, 1, "... a file");
    is_int(Entries[0].PathLength, 15, "... named by its first 15 characters");
    is_int(Entries[0].SizeMb, 64, "... 64 MB");
    is_int(Parse("d:/swap/page.sys:0x10,0:2048:4096"), 2, "a file with slashes, then a region");
    is_int(Entries[0].IsFile, 1, "... the first a file");
    is_int(Entries[0].SizeMb, 16, "... of 0x10 MB");
    is_int(Entries[1].IsFile, 0, "... the second a region");
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        is_int(Parse(malformed[i]), 1, "'%s': one entry", malformed[i]);
        is_int(Entries[0].Status, STATUS_INVALID_PARAMETER, "... malformed");
        is_int(Entries[0].IsFile, 1, "... said of a file");
    }
    is_int(Parse("C:\\pagefile.sys:0"), 1, "0 MB ...");
    is_int(Entries[0].Status, STATUS_INVALID_PARAMETER_2, "... is too small");
    is_int(Parse("C:\\pagefile.sys:4096"), 1, "4096 MB ...");
    is_int(Entries[0].Status, STATUS_INVALID_PARAMETER_3, "... is more than a PTE can address");
    is_int(ParseAll("C:\\a.sys:8,c:/A.SYS:8,C:\\b.sys:8,0:2048:4096"), 4,
           "one file twice, another file and a region");
    is_int(Entries[1].Status, STATUS_CONFLICTING_ADDRESSES, "... the same file (case, slashes) refused");
    is_int(Entries[1].Overlaps, 0, "... naming the first");
    is_int(Entries[2].Status, STATUS_SUCCESS, "... another file good");
    is_int(Entries[3].Status, STATUS_SUCCESS, "... and the region good");
}

int main(void)
{
    TestGood();
    TestFiles();
    TestMalformed();
    TestSizes();
    TestOverlaps();
    TestTooMany();
    return done_testing();
}
