/*
 * user/tests/waits.c: timeouts as NT reads them. Sleep(INFINITE) passes NT's "forever" (the
 * most negative interval) and must sleep until the thread is terminated; a wait with a
 * timeout ends with WAIT_TIMEOUT no sooner than asked; an absolute time already past and a
 * zero interval return at once.
 */
#include "ktap.h"
#include <ntdll.h>

static volatile LONG SleeperWoke;

static DWORD WINAPI Sleeper(LPVOID Argument)
{
    (void)Argument;
    Sleep(INFINITE);
    SleeperWoke = 1;
    return 1;
}

static void TestSleepInfinite(void)
{
    HANDLE thread = CreateThread(NULL, 0, Sleeper, NULL, 0, NULL);
    DWORD code = 0;

    KT_EXPECT(thread != NULL);
    if (!thread)
        return;
    KT_EQ(WaitForSingleObject(thread, 300), WAIT_TIMEOUT);
    KT_EQ(SleeperWoke, 0);
    KT_EQ(TerminateThread(thread, 0x55), TRUE);
    KT_EQ(WaitForSingleObject(thread, 5000), WAIT_OBJECT_0);
    KT_EQ(GetExitCodeThread(thread, &code), TRUE);
    KT_EQ(code, 0x55);
    KT_EQ(SleeperWoke, 0);
    CloseHandle(thread);
}

static void TestTimedWait(void)
{
    HANDLE thread = CreateThread(NULL, 0, Sleeper, NULL, 0, NULL);
    ULONGLONG start, elapsed;

    KT_EXPECT(thread != NULL);
    if (!thread)
        return;
    start = GetTickCount64();
    KT_EQ(WaitForSingleObject(thread, 200), WAIT_TIMEOUT);
    elapsed = GetTickCount64() - start;
    KT_EXPECT(elapsed >= 190);                  /* the tick's granularity, no less */
    KT_EQ(WaitForSingleObject(thread, 0), WAIT_TIMEOUT);
    TerminateThread(thread, 0);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
}

/* GetTickCount follows the clock: NT's multiplier for a 10 ms tick, 0x0A000000. */
static void TestTickCount(void)
{
    const volatile KUSER_SHARED_DATA *shared = (const volatile KUSER_SHARED_DATA *)0x7FFE0000;
    LARGE_INTEGER frequency, before, after;
    ULONGLONG start = GetTickCount64(), ticks, counted;

    KT_EQ(shared->TickCountMultiplier, 0x0A000000);
    QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&before);
    Sleep(500);
    QueryPerformanceCounter(&after);
    ticks = GetTickCount64() - start;
    counted = (after.QuadPart - before.QuadPart) * 1000 / frequency.QuadPart;
    KT_EXPECT(ticks + 30 >= counted && ticks <= counted + 30);
}

static void TestDelayAtOnce(void)
{
    LARGE_INTEGER interval;
    ULONGLONG start = GetTickCount64();

    interval.QuadPart = 0;
    KT_STATUS(NtDelayExecution(FALSE, &interval), STATUS_SUCCESS);
    interval.QuadPart = 1;                      /* absolute: 100 ns after start-up, long past */
    KT_STATUS(NtDelayExecution(FALSE, &interval), STATUS_SUCCESS);
    KT_EXPECT(GetTickCount64() - start < 100);
}

static const KTAP_CASE Cases[] = {
    { "user.wait.sleep_infinite", TestSleepInfinite },
    { "user.wait.timed", TestTimedWait },
    { "user.wait.tick_count", TestTickCount },
    { "user.wait.delay_at_once", TestDelayAtOnce },
};

KTAP_MAIN(Cases)
