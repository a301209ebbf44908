/*
 * kernel/ob/obclose.c: closing handles. Once an entry has left its table (ObpTakeHandle, under
 * the table's lock) the rest happens without the lock, since the type's close procedure and
 * the object's deletion may call back into Ob: the handle counts go down (the last handle
 * takes a temporary object's name out of its directory), the close procedure learns how many
 * handles the table still holds to the object, and the handle's reference is dropped.
 */
#include "kernel/ob/obp.h"

void ObpCloseEntry(HANDLE_TABLE *Table, const HANDLE_TABLE_ENTRY *Entry)
{
    OBJECT_HEADER *header = ObpEntryObject(Entry);
    OBJECT_TYPE *type = header->Type;

    int32_t left = __atomic_sub_fetch(&header->HandleCount, 1, __ATOMIC_SEQ_CST);

    if (left < 0)
        KeBugCheckEx(REFERENCE_BY_POINTER, (uintptr_t)type, (uintptr_t)&header->Body,
                     (uint32_t)header->PointerCount, (uint32_t)header->HandleCount);
    if (left == 0)
        ObpDeleteNameCheck(header);
    __atomic_sub_fetch(&type->TotalNumberOfHandles, 1, __ATOMIC_SEQ_CST);
    if (type->CloseProcedure)
        type->CloseProcedure(&header->Body, ObpCountHandlesTo(Table, header));
    ObDereferenceObject(&header->Body);
}

NTSTATUS ObCloseHandle(HANDLE Handle, KPROCESSOR_MODE PreviousMode)
{
    HANDLE_TABLE_ENTRY entry;
    HANDLE_TABLE *table;
    uint32_t value;
    NTSTATUS status;

    if (ObpIsPseudoHandle(Handle) || !ObpDecodeHandle(Handle, PreviousMode, &table, &value) ||
        ObpHandleBeyondTable(table, value))
        return STATUS_INVALID_HANDLE;
    status = ObpTakeHandle(table, value, false, &entry);
    if (NT_SUCCESS(status))
        ObpCloseEntry(table, &entry);
    return status;
}

NTSTATUS NtClose(HANDLE Handle)
{
    return ObCloseHandle(Handle, UserMode);
}
