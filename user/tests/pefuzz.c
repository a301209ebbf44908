/*
 * pefuzz.exe: the kernel given damaged programs. tests/pefuzz.t mutates a real program on the
 * host (tests/lib/PeMutate.pm: header fields set to edge values, bytes flipped, relocations
 * and exports garbled, files cut short) into modules fz0000.exe, fz0001.exe, ... and boots
 * them with this driver, which asks for a process from each by name:
 *
 *   pefuzz.exe FIRST COUNT          fz<FIRST>.exe ... fz<FIRST + COUNT - 1>.exe
 *
 * Each is refused with STATUS_INVALID_IMAGE_FORMAT or STATUS_INVALID_IMAGE_NOT_MZ, refused
 * for the memory it asks (a stack larger than there is room for), or runs; one
 * that runs may do anything in its own process and is ended after RUN_TIMEOUT_MS. One line
 * per image says what happened (`# fz0007.exe: refused 0xC000007B`, `# fz0008.exe: ran,
 * exit 0xC0000005`), which the .t collects. Afterwards the system must have given back every
 * page, commitment and pool byte the attempts took (snapshot.h), and still run a program.
 */
#include <ntdll.h>
#include <stdlib.h>
#include "ktap.h"
#include "snapshot.h"

#define RUN_TIMEOUT_MS      2000
#define EXIT_TIMED_OUT      0x7117E0u       /* what a program still running is ended with */
#define CHILD_STATUS        0x600D

static ULONG First, Count;
static ULONG Refused, Ran, TimedOut;

/* The statuses an image may be refused with: NT's two for a bad image, and the allocation's
 * for the stack its header asks for when that does not fit (as kernel32's BaseCreateStack
 * passes it on): no room, no commitment, or a reserve larger than user space
 * (STATUS_INVALID_PARAMETER_4, NtAllocateVirtualMemory's RegionSize). */
static BOOL Acceptable(NTSTATUS Status)
{
    return Status == STATUS_INVALID_IMAGE_FORMAT || Status == STATUS_INVALID_IMAGE_NOT_MZ ||
           Status == STATUS_NO_MEMORY || Status == STATUS_COMMITMENT_LIMIT ||
           Status == STATUS_CONFLICTING_ADDRESSES || Status == STATUS_INVALID_PARAMETER_4;
}

/* The module by name, created, waited for (ended if it runs too long). FALSE when the
 * outcome is not one of those allowed. */
static BOOL TryImage(ULONG Index)
{
    WCHAR name[16];
    UNICODE_STRING image;
    HANDLE process = NULL, thread = NULL;
    CLIENT_ID client;
    LARGE_INTEGER timeout;
    PROCESS_BASIC_INFORMATION basic;
    NTSTATUS status;
    char text[16];

    snprintf(text, sizeof(text), "fz%04lu.exe", Index);
    for (ULONG i = 0; i <= strlen(text); i++)
        name[i] = (WCHAR)text[i];
    image.Buffer = name;
    image.Length = (USHORT)(strlen(text) * sizeof(WCHAR));
    image.MaximumLength = image.Length + sizeof(WCHAR);
    status = NtCreateUserProcess(&process, &thread, PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS, &image,
                                 NULL, 0, &client);
    if (!NT_SUCCESS(status)) {
        printf("# %s: refused 0x%08lX\n", text, (ULONG)status);
        Refused++;
        return Acceptable(status);
    }
    timeout.QuadPart = -(LONGLONG)RUN_TIMEOUT_MS * 10000;
    if (NtWaitForSingleObject(process, FALSE, &timeout) == STATUS_TIMEOUT) {
        TimedOut++;
        NtTerminateProcess(process, (NTSTATUS)EXIT_TIMED_OUT);
        timeout.QuadPart = -(LONGLONG)RUN_TIMEOUT_MS * 10000;
        status = NtWaitForSingleObject(process, FALSE, &timeout);
        if (status != STATUS_SUCCESS) {
            printf("# %s: still there after termination (0x%08lX)\n", text, (ULONG)status);
            return FALSE;
        }
    }
    status = NtQueryInformationProcess(process, ProcessBasicInformation, &basic, sizeof(basic),
                                       NULL);
    printf("# %s: ran, exit 0x%08lX\n", text, (ULONG)basic.ExitStatus);
    Ran++;
    NtClose(thread);
    NtClose(process);
    return NT_SUCCESS(status);
}

static void TestImages(void)
{
    ULONG wrong = 0;

    SnapshotBegin();
    for (ULONG i = First; i < First + Count; i++)
        wrong += !TryImage(i);
    printf("# %lu images: %lu refused, %lu ran (%lu ended after %u ms)\n", Count, Refused, Ran,
           TimedOut, RUN_TIMEOUT_MS);
    KT_EQ(wrong, 0);
    KT_EQ(Refused + Ran, Count);
}

/* Every attempt, refused halfway or run, gave back all it took. */
static void TestGivenBack(void)
{
    SnapshotSettle(TRUE);
    SnapshotCheck(TRUE);
}

static void TestStillWorks(void)
{
    PROCESS_INFORMATION info;
    char commandLine[] = "pefuzz.exe child";
    DWORD code = 0;

    KT_EXPECT(CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info));
    KT_EQ(WaitForSingleObject(info.hProcess, 30000), WAIT_OBJECT_0);
    KT_EXPECT(GetExitCodeProcess(info.hProcess, &code));
    KT_EQ(code, CHILD_STATUS);
    CloseHandle(info.hThread);
    CloseHandle(info.hProcess);
}

static const KTAP_CASE Cases[] = {
    { "pefuzz.images", TestImages },
    { "pefuzz.given_back", TestGivenBack },
    { "pefuzz.still_works", TestStillWorks },
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return CHILD_STATUS;
    if (argc != 3)
        return 2;
    First = strtoul(argv[1], NULL, 0);
    Count = strtoul(argv[2], NULL, 0);
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
