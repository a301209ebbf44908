/*
 * user/tests/dll/testdll.c: testdll.dll, the DLL user/tests/ldr.c loads and unloads
 * (tests/image.t gives it to the kernel with --exe, which makes it a known DLL). Its exports,
 * by testdll.def:
 *
 *   @1 TestDllTwice          2 * x
 *   @2 TestDllData           data: an int, TESTDLL_DATA_VALUE in the image
 *   @3 TestDllForwarded      a forwarder to kernel32.GetCurrentProcessId@0
 *   @4 TestDllDataAddress    &TestDllData, as the code sees it (a relocated load fixes it)
 *   @5 TestDllAttaches       data: DLL_PROCESS_ATTACH calls this mapping has had
 *   @7 (TestDllHidden)       3 * x, by ordinal only; ordinal 6 is a hole
 *   @8 TestDllDepValue       testdep.dll's TestDepValue() + 1 (an import of a DLL that is
 *                            loaded with it, and initialized before it)
 *
 * Its DllMain counts its calls in its own data and in the LDR_TEST_EVENTS block the program
 * exports as LdrTestDllEvents (found through GetModuleHandle(NULL) and GetProcAddress, with
 * the loader lock held), which outlives the DLL; with the block's FailAttach set an attach
 * returns FALSE. Each call gives up the processor once (SwitchToThread), so another thread
 * loading or freeing the DLL runs then, and counts a call that finds another thread inside
 * DllMain (the loader lock should make that impossible).
 */
#include "testdll.h"

int TestDllData = TESTDLL_DATA_VALUE;
volatile LONG TestDllAttaches;

int TestDllTwice(int x)
{
    return 2 * x;
}

int TestDllHidden(int x)
{
    return 3 * x;
}

int *TestDllDataAddress(void)
{
    return &TestDllData;
}

__declspec(dllimport) int TestDepValue(void);

int TestDllDepValue(void)
{
    return TestDepValue() + 1;
}

static BOOL CountCall(LDR_TEST_EVENTS *Events, DWORD Reason)
{
    if (Reason == DLL_PROCESS_ATTACH || Reason == DLL_PROCESS_DETACH)
        LdrTestLog(Events, Reason == DLL_PROCESS_ATTACH ? 'T' : 't');
    if (Reason == DLL_PROCESS_ATTACH) {
        Events->Attaches++;
        return !Events->FailAttach;
    }
    if (Reason == DLL_PROCESS_DETACH)
        Events->Detaches++;
    else
        Events->Others++;
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE Instance, DWORD Reason, LPVOID Context)
{
    LDR_TEST_EVENTS *events = (LDR_TEST_EVENTS *)(void *)GetProcAddress(GetModuleHandleW(NULL),
                                                                       "LdrTestDllEvents");
    BOOL result;

    if (Reason == DLL_PROCESS_ATTACH)
        TestDllAttaches++;
    if (!events)
        return TRUE;
    if (InterlockedIncrement(&events->Inside) > 1)
        InterlockedIncrement(&events->Overlaps);
    SwitchToThread();
    events->Instance = Instance;
    events->Context = Context;
    result = CountCall(events, Reason);
    InterlockedDecrement(&events->Inside);
    return result;
}
