/*
 * user/tests/laa.c high|low|secured: where a process's user space ends. Under /3GB (the `3gb`
 * boot option) an image with IMAGE_FILE_LARGE_ADDRESS_AWARE gets user space up to 0xBFFEFFFF
 * ("high"); any other image, or any image without /3GB, ends at 0x7FFEFFFF, as NT decides it:
 * without /3GB an address above is not user space at all ("low": ERROR_INVALID_PARAMETER),
 * under /3GB it is reserved for good over a process that cannot use it ("secured":
 * ERROR_INVALID_ADDRESS). tests/laa.t boots it those three ways, flipping the LAA bit in a copy.
 */
#include "ktap.h"
#include <string.h>
#include <ntdll.h>

static int ExpectHigh, ExpectSecured;

static BOOL ImageIsLargeAddressAware(void)
{
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)NtCurrentPeb()->ImageBaseAddress;
    const IMAGE_NT_HEADERS32 *nt = (const IMAGE_NT_HEADERS32 *)((const BYTE *)dos + dos->e_lfanew);

    return (nt->FileHeader.Characteristics & IMAGE_FILE_LARGE_ADDRESS_AWARE) != 0;
}

/* A 64 KB reservation at 0x90000000 (above 2 GB, below 3 GB): there only in a high space. */
static void TestFixedAboveTwoGb(void)
{
    void *region = VirtualAlloc((void *)0x90000000, 0x10000, MEM_RESERVE, PAGE_READWRITE);

    if (ExpectHigh) {
        KT_EQ(region, 0x90000000);
        KT_EQ(VirtualFree(region, 0, MEM_RELEASE), TRUE);
    } else {
        KT_EQ(region, NULL);
        KT_EQ(GetLastError(), ExpectSecured ? ERROR_INVALID_ADDRESS : ERROR_INVALID_PARAMETER);
    }
}

/* Top-down placement starts from the end of the space. */
static void TestTopDown(void)
{
    char *region = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);

    KT_EXPECT(region != NULL);
    if (!region)
        return;
    if (ExpectHigh)
        KT_EXPECT((ULONG_PTR)region >= 0xBFF00000 && (ULONG_PTR)region < 0xBFFF0000);
    else
        KT_EXPECT((ULONG_PTR)region >= 0x7FF00000 && (ULONG_PTR)region < 0x7FFE0000);
    KT_EQ(VirtualFree(region, 0, MEM_RELEASE), TRUE);
}

/* Memory committed high is ordinary memory: written, read back, released. */
static void TestUseHighMemory(void)
{
    volatile ULONG *memory;

    if (!ExpectHigh) {
        KT_SKIP("user space ends at 2 GB here");
        return;
    }
    memory = VirtualAlloc((void *)0xA0000000, 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    KT_EQ(memory, 0xA0000000);
    if (!memory)
        return;
    for (ULONG i = 0; i < 0x20000 / 4; i += 1024)
        memory[i] = i * 3 + 1;
    for (ULONG i = 0; i < 0x20000 / 4; i += 1024)
        KT_EQ(memory[i], i * 3 + 1);
    KT_EQ(VirtualFree((void *)memory, 0, MEM_RELEASE), TRUE);
}

static const KTAP_CASE Cases[] = {
    { "user.laa.fixed_above_2gb", TestFixedAboveTwoGb },
    { "user.laa.top_down", TestTopDown },
    { "user.laa.use_high_memory", TestUseHighMemory },
};

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "high") && strcmp(argv[1], "low") &&
                      strcmp(argv[1], "secured"))) {
        printf("usage: laa high|low|secured\n");
        return 2;
    }
    ExpectHigh = !strcmp(argv[1], "high");
    ExpectSecured = !strcmp(argv[1], "secured");
    printf("# image %s large-address-aware; expecting a %s user space\n",
           ImageIsLargeAddressAware() ? "is" : "is not", argv[1]);
    return KtapRun(Cases, sizeof(Cases) / sizeof(Cases[0]));
}
