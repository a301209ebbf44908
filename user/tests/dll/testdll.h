/*
 * user/tests/dll/testdll.h: what testdll.dll, testdep.dll (which testdll.dll imports) and the
 * program that loads them (user/tests/ldr.c) share: the block the program exports as
 * LdrTestDllEvents, where the DLLs' DllMains count and log their calls, so the counts outlive
 * the DLLs.
 */
#ifndef USER_TESTS_DLL_TESTDLL_H
#define USER_TESTS_DLL_TESTDLL_H

#include <windows.h>

#define TESTDLL_NAME            "testdll.dll"
#define TESTDLL_BASE            0x10000000u     /* its link address (the Makefile's) */
#define TESTDLL_DATA_VALUE      1234            /* TestDllData's value in the image */

typedef struct _LDR_TEST_EVENTS {
    volatile LONG Attaches;             /* DLL_PROCESS_ATTACH calls */
    volatile LONG Detaches;             /* DLL_PROCESS_DETACH calls */
    volatile LONG Others;               /* calls with any other reason */
    volatile LONG FailAttach;           /* set: the next attach returns FALSE */
    volatile LONG Inside;               /* threads in DllMain now */
    volatile LONG Overlaps;             /* calls that found another thread in DllMain */
    PVOID Instance;                     /* the last call's module handle */
    PVOID Context;                      /* and its third argument */
    volatile LONG LogLength;
    char Log[64];                       /* the DllMain calls in order: testdep.dll's 'D' attach,
                                           'd' detach; testdll.dll's 'T', 't' */
} LDR_TEST_EVENTS;

#define TESTDEP_NAME            "testdep.dll"
#define TESTDEP_BASE            0x10100000u

static inline void LdrTestLog(LDR_TEST_EVENTS *Events, char Call)
{
    if (Events->LogLength < (LONG)sizeof(Events->Log) - 1)
        Events->Log[Events->LogLength++] = Call;
}

#endif
