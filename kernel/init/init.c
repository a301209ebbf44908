/*
 * kernel/init/init.c: KiSystemStartup, the first C code. boot/multiboot.S calls it on the boot
 * stack with paging on, the image at its link address, the identity map gone and the loader's
 * information copied into the image. Under /3GB it runs twice: the first call moves the image
 * (kernel/init/relocate.c) and calls it again at the new address.
 */
#include "kernel/init/init.h"
#include "kernel/kd/kd.h"
#include "kernel/fs/fastfat/fastfat.h"
#include "kernel/cc/cc.h"
#include "kernel/ob/ob.h"
#include "kernel/ps/ps.h"
#include "mm/mm.h"
#include "hal/hal.h"

void KiSystemStartup(uint32_t Magic)
{
    KiRelocateImageIfRequested(Magic);
    HalInitializeSerial();
    DbgPrint("\nmm386: NT-style virtual memory manager for i386\n");
    KiInitializeGdt();
    KiInitializeIdt();
    KiInitializeThreads();
    KiCaptureLoaderBlock(Magic);
    KiPrintMemoryMap();
    KiPrintLoaderModules();
    KiParseBootOptions();

    HalInitializePic();
    KiInitializeClock();
    _enable();

    MmInitSystem(0);
    KeInitializeSystemCalls();
    KeSetProcessorFeatures();
    KiStartIdleThread();
    KiInitializeDisks();
    MmInitSystem(1);
    KeStartBalanceSetManager(&MmWorkingSetManagerEvent, MmWorkingSetManager);
    ExInitializeWorkerThreads();
    ObInitSystem();
    PsInitSystem();
    CcInitializeCacheManager();         /* its lazy writer, before the file systems */
    FatInitializeFileSystem();
    KiCreatePagingFiles();              /* after C:, where one may be a file */

    if (KeBootOptions.Crash && !KdCrash(KeBootOptions.Crash)) {
        DbgPrint("crash: unknown kind '%s'; the kinds are:\n", KeBootOptions.Crash);
        KdListCrashKinds();
    }
    if (KeBootOptions.Test) {
        bool passed = KdRunTests(KeBootOptions.Test);

        MmFlushAllDataSections();       /* mapped files' modified pages, to their files */
        IoShutdownSystem();             /* the volumes' metadata written, as at poweroff */
        HalExitToHost(passed ? HAL_EXIT_SUCCESS : HAL_EXIT_FAILURE);
    }
    if (KeBootOptions.Bench) {
        bool passed = KiRunBenchmarks(KeBootOptions.Bench);

        MmFlushAllDataSections();
        IoShutdownSystem();
        HalExitToHost(passed ? HAL_EXIT_SUCCESS : HAL_EXIT_FAILURE);
    }
    if (KeBootOptions.Run) {
        bool passed = KiRunFirstProcess(KeBootOptions.Run) == STATUS_SUCCESS;

        MmFlushAllDataSections();       /* mapped files' modified pages, to their files */
        IoShutdownSystem();             /* the volumes' metadata written, as at poweroff */
        if (KeBootOptions.AfterTest) {  /* the system the program left behind, checked */
            passed = KdRunTests(KeBootOptions.AfterTest) && passed;
            MmFlushAllDataSections();   /* ... and what the tests wrote, written */
            IoShutdownSystem();
        }
        HalExitToHost(passed ? HAL_EXIT_SUCCESS : HAL_EXIT_FAILURE);
    }
    KdShell();
}
