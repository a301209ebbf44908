/*
 * kernel/iomgr/console.c: the console a process writes to: one file object on the console
 * device, to which every process gets a handle as its standard input, output and error; a
 * write to it goes to COM1. (In NT the console belongs to csrss and conhost, reached through
 * the condrv driver; here its driver is these few routines.) Reads are not served:
 * STATUS_INVALID_DEVICE_REQUEST.
 */
#include "kernel/iomgr/iop.h"

#define IOP_CONSOLE_CHUNK       256

static DRIVER_OBJECT IopConsoleDriver;
static DEVICE_OBJECT IopConsoleDevice;
static FILE_OBJECT *IopConsole;             /* the one console file object */

/* IRP_MJ_WRITE: the caller's bytes to COM1, a NUL shown as a blank. */
static NTSTATUS IopConsoleWrite(DEVICE_OBJECT *DeviceObject, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);
    uint32_t length = stack->Parameters.Write.Length, done = 0;
    char chunk[IOP_CONSOLE_CHUNK + 1];
    NTSTATUS status = STATUS_SUCCESS;

    (void)DeviceObject;
    while (done < length) {
        uint32_t n = MIN(length - done, (uint32_t)IOP_CONSOLE_CHUNK);

        status = ExCaptureFromMode(Irp->RequestorMode, chunk,
                                   (const char *)Irp->UserBuffer + done, n, 1);
        if (!NT_SUCCESS(status))
            break;
        for (uint32_t i = 0; i < n; i++) {
            if (chunk[i] == '\0')
                chunk[i] = ' ';
        }
        chunk[n] = '\0';
        DbgPutString(chunk);
        done += n;
    }
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = done;
    return status;
}

static NTSTATUS IopConsoleSuccess(DEVICE_OBJECT *DeviceObject, IRP *Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    return STATUS_SUCCESS;
}

void IoInitializeConsole(void)
{
    IoInitializeDriverObject(&IopConsoleDriver, "Console");
    IopConsoleDriver.MajorFunction[IRP_MJ_WRITE] = IopConsoleWrite;
    IopConsoleDriver.MajorFunction[IRP_MJ_CLEANUP] = IopConsoleSuccess;
    IopConsoleDriver.MajorFunction[IRP_MJ_CLOSE] = IopConsoleSuccess;
    IopConsoleDriver.MajorFunction[IRP_MJ_FLUSH_BUFFERS] = IopConsoleSuccess;
    IoInitializeDeviceObject(&IopConsoleDevice, &IopConsoleDriver, FILE_DEVICE_CONSOLE, NULL);
    if (!NT_SUCCESS(ObCreateObject(&IoFileObjectType, sizeof(FILE_OBJECT), (void **)&IopConsole)))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_INSUFFICIENT_RESOURCES, 0, 0, 3);
    IopInitializeFileObject(IopConsole, &IopConsoleDevice);
    IopConsole->Flags = FO_FILE_OPEN | FO_SYNCHRONOUS_IO;
    IopConsole->ReadAccess = IopConsole->WriteAccess = true;
}

NTSTATUS IoCreateConsoleHandle(HANDLE_TABLE *Table, HANDLE *Handle)
{
    return ObOpenObjectByPointer(IopConsole, FILE_GENERIC_READ | FILE_GENERIC_WRITE, 0, Table,
                                 Handle);
}
