/*
 * kernel/ps/console.c: the console a process writes to: one object, "Console", to which every
 * process gets a handle as its standard input, output and error, and NtWriteFile on it writes to
 * COM1. (In NT the console belongs to csrss and conhost; until files exist — issue 11 — this is
 * the one thing NtWriteFile writes to, so it lives here with the processes.)
 */
#include "kernel/ps/ps.h"

#define FILE_WRITE_DATA         0x0002
#define FILE_GENERIC_WRITE      0x00120116
#define FILE_GENERIC_READ       0x00120089
#define FILE_ALL_ACCESS         0x001F01FF
#define PSP_CONSOLE_CHUNK       256

typedef struct _IO_STATUS_BLOCK {
    NTSTATUS Status;
    uint32_t Information;
} IO_STATUS_BLOCK;

OBJECT_TYPE IoConsoleType;
static void *IoConsole;                 /* the one console object */

void IoInitializeConsole(void)
{
    IoConsoleType = (OBJECT_TYPE){
        .Name = "Console", .PoolType = NonPagedPool, .PoolTag = POOL_TAG('C', 'o', 'n', 's'),
        .GenericMapping = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, 0x001200A0, FILE_ALL_ACCESS },
        .ValidAccessMask = FILE_ALL_ACCESS,
    };
    ObCreateObjectType(&IoConsoleType);
    if (!NT_SUCCESS(ObCreateObject(&IoConsoleType, 4, &IoConsole)))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_INSUFFICIENT_RESOURCES, 0, 0, 3);
}

NTSTATUS IoCreateConsoleHandle(HANDLE_TABLE *Table, HANDLE *Handle)
{
    return ObOpenObjectByPointer(IoConsole, FILE_GENERIC_READ | FILE_GENERIC_WRITE, 0, Table, Handle);
}

NTSTATUS NtWriteFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine, void *ApcContext,
                     IO_STATUS_BLOCK *IoStatusBlock, const void *Buffer, uint32_t Length,
                     int64_t *ByteOffset, uint32_t *Key)
{
    IO_STATUS_BLOCK iosb = { STATUS_SUCCESS, 0 };
    char chunk[PSP_CONSOLE_CHUNK + 1];
    void *console;
    NTSTATUS status;

    (void)ApcRoutine;
    (void)ApcContext;
    (void)ByteOffset;
    (void)Key;
    if (Event)
        return STATUS_INVALID_PARAMETER_2;
    if (ExGetPreviousMode() == UserMode) {
        status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
        if (NT_SUCCESS(status))
            status = ProbeForRead(Buffer, Length, 1);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = ObReferenceObjectByHandle(FileHandle, FILE_WRITE_DATA, &IoConsoleType,
                                       ExGetPreviousMode(), &console, NULL);
    if (!NT_SUCCESS(status))
        return status;
    while (iosb.Information < Length) {
        uint32_t n = MIN(Length - iosb.Information, (uint32_t)PSP_CONSOLE_CHUNK);

        status = ExCaptureFromMode(ExGetPreviousMode(), chunk,
                                   (const char *)Buffer + iosb.Information, n, 1);
        if (!NT_SUCCESS(status))
            break;
        for (uint32_t i = 0; i < n; i++) {
            if (chunk[i] == '\0')
                chunk[i] = ' ';
        }
        chunk[n] = '\0';
        DbgPutString(chunk);
        iosb.Information += n;
    }
    ObDereferenceObject(console);
    if (!NT_SUCCESS(status))
        return status;
    return ExReturn(IoStatusBlock, &iosb);
}
