/*
 * kernel/io/iosubs.c: drivers, devices and IRPs: a driver's dispatch table, a request handed to
 * the routine its device's driver registered (IoCallDriver), and the shutdown notifications
 * that let each file system write what it holds before the machine stops.
 */
#include "kernel/io/io.h"

static DEVICE_OBJECT *IopShutdownHead;      /* the last registered first */

static NTSTATUS IopInvalidDeviceRequest(DEVICE_OBJECT *DeviceObject, IRP *Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    return STATUS_INVALID_DEVICE_REQUEST;
}

void IoInitializeDriverObject(DRIVER_OBJECT *DriverObject, const char *DriverName)
{
    memset(DriverObject, 0, sizeof(*DriverObject));
    DriverObject->Type = IO_TYPE_DRIVER;
    DriverObject->Size = sizeof(*DriverObject);
    DriverObject->DriverName = DriverName;
    for (uint32_t i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = IopInvalidDeviceRequest;
}

void IoInitializeDeviceObject(DEVICE_OBJECT *DeviceObject, DRIVER_OBJECT *DriverObject,
                              uint32_t DeviceType, void *Extension)
{
    memset(DeviceObject, 0, sizeof(*DeviceObject));
    DeviceObject->Type = IO_TYPE_DEVICE;
    DeviceObject->Size = sizeof(*DeviceObject);
    DeviceObject->DriverObject = DriverObject;
    DeviceObject->DeviceType = DeviceType;
    DeviceObject->DeviceExtension = Extension;
    DeviceObject->NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = DeviceObject;
}

void IoInitializeIrp(IRP *Irp, uint8_t MajorFunction, FILE_OBJECT *FileObject,
                     KPROCESSOR_MODE RequestorMode)
{
    memset(Irp, 0, sizeof(*Irp));
    Irp->RequestorMode = RequestorMode;
    Irp->Flags = IRP_SYNCHRONOUS_API;
    Irp->Stack.MajorFunction = MajorFunction;
    Irp->Stack.FileObject = FileObject;
}

NTSTATUS IoCallDriver(DEVICE_OBJECT *DeviceObject, IRP *Irp)
{
    IO_STACK_LOCATION *stack = IoGetCurrentIrpStackLocation(Irp);

    stack->DeviceObject = DeviceObject;
    return DeviceObject->DriverObject->MajorFunction[stack->MajorFunction](DeviceObject, Irp);
}

void IoRegisterShutdownNotification(DEVICE_OBJECT *DeviceObject)
{
    DeviceObject->NextShutdown = IopShutdownHead;
    IopShutdownHead = DeviceObject;
}

void IoShutdownSystem(void)
{
    for (DEVICE_OBJECT *device = IopShutdownHead; device; device = device->NextShutdown) {
        IRP irp;

        IoInitializeIrp(&irp, IRP_MJ_SHUTDOWN, NULL, KernelMode);
        IoCallDriver(device, &irp);
    }
}
