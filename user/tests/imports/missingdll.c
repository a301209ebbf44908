/*
 * user/tests/imports/missingdll.c: a program importing from missing.dll, which no one has:
 * ntdll's loader ends it at start-up with STATUS_DLL_NOT_FOUND (0xC0000135), before main.
 */
#include <windows.h>

__declspec(dllimport) int WINAPI MissingFunction(int Value);

int main(void)
{
    return MissingFunction(1);
}
