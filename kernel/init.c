/*
 * kernel/init.c: KiSystemStartup, the first C code. boot/multiboot.S calls it on the boot
 * stack with paging on, the image at its link address, the identity map gone and the loader's
 * information copied into the image.
 */
#include "kernel/ki.h"
#include "mm/mm.h"
#include "hal/hal.h"

void KiSystemStartup(uint32_t Magic)
{
    HalInitializeSerial();
    DbgPrint("\nmm386: NT-style virtual memory manager for i386\n");
    KiInitializeGdt();
    KiInitializeIdt();
    KiCaptureLoaderBlock(Magic);
    KiPrintMemoryMap();
    KiParseBootOptions();

    HalInitializePic();
    KiInitializeClock();
    _enable();

    MmInitSystem(0);

    if (KiBootOptions.Crash && !KdCrash(KiBootOptions.Crash)) {
        DbgPrint("crash: unknown kind '%s'; the kinds are:\n", KiBootOptions.Crash);
        KdListCrashKinds();
    }
    if (KiBootOptions.Test)
        HalExitToHost(KiRunTests(KiBootOptions.Test) ? HAL_EXIT_SUCCESS : HAL_EXIT_FAILURE);
    KdShell();
}
