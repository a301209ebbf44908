/*
 * kernel/ob/obdup.c: duplicating handles, NtDuplicateObject's work once Ps has turned its
 * process handles into tables. The source's object is referenced first; the source handle is
 * closed next when DUPLICATE_CLOSE_SOURCE asks (whatever happens after, as NT documents); the
 * reference then becomes the new handle's. Rules: ob.h.
 */
#include "kernel/ob/obp.h"

#define OB_DUPLICATE_OPTIONS    (DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | \
                                 DUPLICATE_SAME_ATTRIBUTES)
#define OB_DUPLICATE_ATTRIBUTES (OBJ_INHERIT | OBJ_PROTECT_CLOSE)

/* The source's object, referenced, with its access and attributes; false: no such handle. */
static bool ObpReferenceSource(HANDLE_TABLE *Table, HANDLE Handle, uint32_t *Value,
                               HANDLE_TABLE_ENTRY *Entry)
{
    OBJECT_TYPE *type;
    void *object;
    uint32_t value = (uint32_t)(uintptr_t)Handle & ~(uint32_t)OBJ_HANDLE_TAGBITS;

    *Value = 0;
    if (ObpIsPseudoHandle(Handle)) {
        if (Table != ObpCurrentHandleTable())
            return false;
        object = ObpReferencePseudoHandle(Handle, &type);
        if (!object)
            return false;
        Entry->Object = OBJECT_TO_OBJECT_HEADER(object);
        Entry->GrantedAccess = type->ValidAccessMask;
        return true;
    }
    if ((value & KERNEL_HANDLE_MASK) && Table == ObKernelHandleTable)
        value &= ~KERNEL_HANDLE_MASK;
    if (value == 0 || (value & KERNEL_HANDLE_MASK))
        return false;
    *Value = value;
    return ObpReferenceHandle(Table, value, Entry);
}

NTSTATUS ObDuplicateObject(HANDLE_TABLE *SourceTable, HANDLE SourceHandle,
                           HANDLE_TABLE *TargetTable, HANDLE *TargetHandle,
                           ACCESS_MASK DesiredAccess, uint32_t HandleAttributes, uint32_t Options)
{
    HANDLE_TABLE_ENTRY source, closed;
    OBJECT_HEADER *header;
    uint32_t value;
    ACCESS_MASK granted;
    NTSTATUS status;

    if (TargetHandle)
        *TargetHandle = NULL;
    if ((Options & ~OB_DUPLICATE_OPTIONS) || (HandleAttributes & ~OB_DUPLICATE_ATTRIBUTES) ||
        (TargetTable && !TargetHandle) || (!TargetTable && !(Options & DUPLICATE_CLOSE_SOURCE)))
        return STATUS_INVALID_PARAMETER;
    if (!ObpReferenceSource(SourceTable, SourceHandle, &value, &source))
        return STATUS_INVALID_HANDLE;
    header = ObpEntryObject(&source);
    if ((Options & DUPLICATE_CLOSE_SOURCE) && value != 0 &&
        NT_SUCCESS(ObpTakeHandle(SourceTable, value, false, &closed)))
        ObpCloseEntry(SourceTable, &closed);
    if (!TargetTable) {
        ObDereferenceObject(&header->Body);
        return STATUS_SUCCESS;
    }
    if (Options & DUPLICATE_SAME_ACCESS)
        granted = source.GrantedAccess;
    else
        granted = ObpMapDesiredAccess(header->Type, DesiredAccess);
    if (Options & DUPLICATE_SAME_ATTRIBUTES)
        HandleAttributes = source.ObAttributes & OB_DUPLICATE_ATTRIBUTES;
    status = ObpInsertHandle(TargetTable, false, header, HandleAttributes, granted, TargetHandle);
    if (!NT_SUCCESS(status))
        ObDereferenceObject(&header->Body);
    return status;
}
