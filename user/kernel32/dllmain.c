/*
 * user/kernel32/dllmain.c: kernel32.dll's entry point (NT's BaseDllInitialize), called by
 * ntdll's loader with DLL_PROCESS_ATTACH before the program starts. Nothing needs setting up
 * yet: the process heap is made by the program's start-up (ntdll/startup.c).
 */
#include <windows.h>

BOOL WINAPI BaseDllInitialize(PVOID Base, ULONG Reason, PVOID Context)
{
    (void)Base;
    (void)Reason;
    (void)Context;
    return TRUE;
}
