/*
 * kernel/iomgr/readwrt.c: NtReadFile and NtWriteFile, synchronous. Io checks the handle's
 * access, resolves where the transfer starts and checks what FO_NO_INTERMEDIATE_BUFFERING
 * demands, then the file's driver moves the bytes straight between the caller's buffer and
 * the file (the file system also moves CurrentByteOffset on for a synchronous open, as NT's
 * do). Opens made for synchronous I/O take turns on the file object's Lock, so their file
 * pointer moves one transfer at a time.
 *
 *   ByteOffset NULL, or -1:FILE_USE_FILE_POINTER_POSITION   the file pointer (synchronous
 *                                                           opens only)
 *   -1:FILE_WRITE_TO_END_OF_FILE (writes)                   the end of the file
 *   any other offset >= 0                                   there
 *
 * Events and APCs are not supported: an Event is STATUS_INVALID_PARAMETER_2 (the call is
 * synchronous anyway and kernel32 passes none).
 */
#include "kernel/iomgr/iop.h"

#define IOP_SECTOR_SIZE         HAL_ATA_SECTOR_SIZE     /* what unbuffered I/O aligns to */

/* Where the transfer starts, as the IRP carries it (-1 for the end of the file). */
static NTSTATUS IopTransferOffset(const FILE_OBJECT *File, const int64_t *ByteOffset,
                                  bool Write, int64_t *Offset)
{
    int64_t offset;
    NTSTATUS status;

    if (!ByteOffset) {
        if (!(File->Flags & FO_SYNCHRONOUS_IO))
            return STATUS_INVALID_PARAMETER;
        *Offset = File->CurrentByteOffset;
        return STATUS_SUCCESS;
    }
    status = ExCapture(&offset, ByteOffset);
    if (!NT_SUCCESS(status))
        return status;
    if ((uint64_t)offset == (0xFFFFFFFF00000000ull | FILE_USE_FILE_POINTER_POSITION) &&
        (File->Flags & FO_SYNCHRONOUS_IO))
        offset = File->CurrentByteOffset;
    else if ((uint64_t)offset == (0xFFFFFFFF00000000ull | FILE_WRITE_TO_END_OF_FILE) && Write)
        offset = -1;
    else if (offset < 0)
        return STATUS_INVALID_PARAMETER;
    *Offset = offset;
    return STATUS_SUCCESS;
}

static NTSTATUS IopReadWrite(HANDLE FileHandle, HANDLE Event, IO_STATUS_BLOCK *IoStatusBlock,
                             void *Buffer, uint32_t Length, int64_t *ByteOffset, uint32_t *Key,
                             bool Write)
{
    KPROCESSOR_MODE mode = ExGetPreviousMode();
    ACCESS_MASK granted;
    FILE_OBJECT *file;
    NTSTATUS status;
    int64_t offset;
    uint32_t key = 0;
    IRP irp;

    if (Event)
        return STATUS_INVALID_PARAMETER_2;
    if (mode == UserMode) {
        status = ProbeForWrite(IoStatusBlock, sizeof(*IoStatusBlock), 4);
        if (NT_SUCCESS(status))
            status = Write ? ProbeForRead(Buffer, Length, 1) : ProbeForWrite(Buffer, Length, 1);
        if (NT_SUCCESS(status) && Key)
            status = ExCapture(&key, Key);
        if (!NT_SUCCESS(status))
            return status;
    }
    status = IopReferenceFile(FileHandle, 0, &file, &granted);
    if (!NT_SUCCESS(status))
        return status;
    if (mode == KernelMode)
        granted = FILE_ALL_ACCESS;
    if (Write ? !(granted & (FILE_WRITE_DATA | FILE_APPEND_DATA)) : !(granted & FILE_READ_DATA)) {
        ObDereferenceObject(file);
        return STATUS_ACCESS_DENIED;
    }
    if (file->Flags & FO_SYNCHRONOUS_IO)
        KeWaitForSingleObject(&file->Lock, Executive, KernelMode, false, NULL);
    status = IopTransferOffset(file, ByteOffset, Write, &offset);
    if (NT_SUCCESS(status) && Write && !(granted & FILE_WRITE_DATA))
        offset = -1;                                /* FILE_APPEND_DATA alone: at the end */
    if (NT_SUCCESS(status) && (file->Flags & FO_NO_INTERMEDIATE_BUFFERING) &&
        ((offset >= 0 && (offset & (IOP_SECTOR_SIZE - 1))) || (Length & (IOP_SECTOR_SIZE - 1)) ||
         ((uintptr_t)Buffer & (IOP_SECTOR_SIZE - 1))))
        status = STATUS_INVALID_PARAMETER;
    if (NT_SUCCESS(status)) {
        IoInitializeIrp(&irp, Write ? IRP_MJ_WRITE : IRP_MJ_READ, file, mode);
        irp.UserBuffer = Buffer;
        irp.Stack.Parameters.Read.Length = Length;
        irp.Stack.Parameters.Read.ByteOffset = offset;
        irp.Stack.Parameters.Read.Key = key;
        status = IopCallAndReturn(file, &irp, IoStatusBlock);
    }
    if (file->Flags & FO_SYNCHRONOUS_IO)
        KeSetEvent(&file->Lock);
    ObDereferenceObject(file);
    return status;
}

NTSTATUS NtReadFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine, void *ApcContext,
                    IO_STATUS_BLOCK *IoStatusBlock, void *Buffer, uint32_t Length,
                    int64_t *ByteOffset, uint32_t *Key)
{
    (void)ApcRoutine;
    (void)ApcContext;
    return IopReadWrite(FileHandle, Event, IoStatusBlock, Buffer, Length, ByteOffset, Key, false);
}

NTSTATUS NtWriteFile(HANDLE FileHandle, HANDLE Event, void *ApcRoutine, void *ApcContext,
                     IO_STATUS_BLOCK *IoStatusBlock, const void *Buffer, uint32_t Length,
                     int64_t *ByteOffset, uint32_t *Key)
{
    (void)ApcRoutine;
    (void)ApcContext;
    return IopReadWrite(FileHandle, Event, IoStatusBlock, (void *)Buffer, Length, ByteOffset, Key,
                        true);
}
