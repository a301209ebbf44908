/* kernel/ke/debug.c: DbgPrint and friends: formatted output on COM1. */
#include "kernel/ke/ke.h"
#include "hal/hal.h"

#define DBG_PRINT_BUFFER 512

void DbgPutString(const char *String)
{
    while (*String)
        HalSerialPutChar(*String++);
}

void DbgPrintV(const char *Format, va_list Arguments)
{
    char buffer[DBG_PRINT_BUFFER];

    RtlStringVPrintf(buffer, sizeof(buffer), Format, Arguments);
    DbgPutString(buffer);
}

void DbgPrint(const char *Format, ...)
{
    va_list arguments;

    va_start(arguments, Format);
    DbgPrintV(Format, arguments);
    va_end(arguments);
}
