/*
 * user/tests/imports/noexport.c: a program importing NoSuchExport from kernel32.dll, which
 * does not export it: ntdll's loader ends it at start-up with STATUS_ENTRYPOINT_NOT_FOUND
 * (0xC0000139), before main.
 */
#include <windows.h>

__declspec(dllimport) int WINAPI NoSuchExport(int Value);

int main(void)
{
    return NoSuchExport(1);
}
