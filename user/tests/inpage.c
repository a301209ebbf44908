/*
 * inpage [MB]: a user page the paging file cannot give back (tests/inpage.t boots with a disk
 * whose reads all fail once the paging file has been written). The program locks every page
 * it has (image, stack, heap, PEB and TEB: none of them may need the disk again), holds its
 * working set to a hard maximum, writes MB megabytes (48 by default) a word per page so that
 * its first pages go to the paging file, then reads its first page: the fault's read fails,
 * and the thread gets NT's in-page exception, STATUS_IN_PAGE_ERROR with [0] 0 (a read), [1]
 * the address and [2] the disk's status, at the faulting instruction; the page stays in the
 * paging file, so a second read gets the same exception. Writing the page is an in-page error
 * too ([0] 1): the old contents must be read before a word of them changes. The process then
 * ends normally: nothing else was lost.
 */
#include <stdlib.h>
#include <string.h>
#include <ntdll.h>
#include <seh.h>
#include "catch.h"
#include "ktap.h"

#define PAGE                0x1000u
#define WS_MINIMUM          512         /* pages: room for everything locked, and more */
#define WS_MAXIMUM          576         /* a hard maximum: the rest is Memory's */

static PULONG Memory;
static ULONG Pages;
static ULONG Sink;

static void ReadFirst(void)
{
    Sink += Memory[0];
}

static void WriteFirst(void)
{
    Memory[0] = 0x12345678;
}

/* Every committed, readable region but Memory locked in the working set; false on a failure. */
static BOOL LockEverythingElse(void)
{
    MEMORY_BASIC_INFORMATION info;
    PUCHAR at = NULL;

    while (VirtualQuery(at, &info, sizeof(info)) == sizeof(info)) {
        if (info.State == MEM_COMMIT && info.BaseAddress != Memory &&
            (ULONG_PTR)info.BaseAddress != 0x7FFE0000 && !(info.Protect & PAGE_GUARD) &&
            !(info.Protect & PAGE_NOACCESS) &&
            !VirtualLock(info.BaseAddress, info.RegionSize)) {
            printf("# VirtualLock(%p, 0x%lx) failed: error %lu\n", info.BaseAddress,
                   (ULONG)info.RegionSize, GetLastError());
            return FALSE;
        }
        at = (PUCHAR)info.BaseAddress + info.RegionSize;
        if ((ULONG_PTR)at >= 0x7FFF0000)
            break;
    }
    return TRUE;
}

static void Fill(void)
{
    for (ULONG i = 0; i < Pages; i++)
        Memory[i * (PAGE / sizeof(ULONG))] = i * 2654435761u;
}

static void TestReadError(void)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        KT_STATUS(Catch(ReadFirst), STATUS_IN_PAGE_ERROR);
        KT_EQ(Caught.NumberParameters, 3);
        KT_EQ(Caught.ExceptionInformation[0], 0);
        KT_EQ(Caught.ExceptionInformation[1], (ULONG_PTR)Memory);
        KT_STATUS(Caught.ExceptionInformation[2], STATUS_IO_DEVICE_ERROR);
        KT_EQ(CaughtContext.Eip, (ULONG_PTR)Caught.ExceptionAddress);
        KT_EQ(CaughtContext.SegCs, 0x1B);
    }
    printf("# read of %p: 0x%08lX, disk status 0x%08lX\n", (void *)Memory, Caught.ExceptionCode,
           (ULONG)Caught.ExceptionInformation[2]);
}

static void TestWriteError(void)
{
    KT_STATUS(Catch(WriteFirst), STATUS_IN_PAGE_ERROR);
    KT_EQ(Caught.NumberParameters, 3);
    KT_EQ(Caught.ExceptionInformation[0], 1);
    KT_EQ(Caught.ExceptionInformation[1], (ULONG_PTR)Memory);
    KT_STATUS(Caught.ExceptionInformation[2], STATUS_IO_DEVICE_ERROR);
}

static const KTAP_CASE Cases[] = {
    { "inpage.read", TestReadError },
    { "inpage.write", TestWriteError },
};

int main(int argc, char **argv)
{
    ULONG mb = argc > 1 ? (ULONG)strtoul(argv[1], NULL, 10) : 48;

    Pages = mb * (0x100000 / PAGE);
    Memory = VirtualAlloc(NULL, Pages * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!Memory || !SetProcessWorkingSetSizeEx(GetCurrentProcess(), WS_MINIMUM * PAGE,
                                               WS_MAXIMUM * PAGE,
                                               QUOTA_LIMITS_HARDWS_MAX_ENABLE) ||
        !LockEverythingElse()) {
        printf("# could not set up %lu MB (error %lu)\n", mb, GetLastError());
        return 2;
    }
    Fill();
    return KtapRun(Cases, sizeof(Cases) / sizeof(Cases[0]));
}
