/*
 * user/tests/dll/testdep.dll: the DLL testdll.dll imports (user/tests/ldr.c loads them): a
 * load of testdll.dll loads it first and runs its DllMain first; freeing testdll.dll frees it
 * after, unless the program holds it too. Exports TestDepValue (7); its DllMain logs 'D' for
 * DLL_PROCESS_ATTACH and 'd' for DLL_PROCESS_DETACH in the program's LdrTestDllEvents.
 */
#include "testdll.h"

__declspec(dllexport) int TestDepValue(void)
{
    return 7;
}

BOOL WINAPI DllMain(HINSTANCE Instance, DWORD Reason, LPVOID Context)
{
    LDR_TEST_EVENTS *events = (LDR_TEST_EVENTS *)(void *)GetProcAddress(GetModuleHandleW(NULL),
                                                                       "LdrTestDllEvents");

    (void)Instance;
    (void)Context;
    if (events && (Reason == DLL_PROCESS_ATTACH || Reason == DLL_PROCESS_DETACH))
        LdrTestLog(events, Reason == DLL_PROCESS_ATTACH ? 'D' : 'd');
    return TRUE;
}
