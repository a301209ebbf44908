/*
 * kernel/ob/obrefhnd.c: from a handle to its object. A handle value names an entry of the
 * current process's table (Ps's callback says which; the system's table until Ps registers
 * it or when it has none), or with bit 31 set, of the kernel's table (kernel mode only). The
 * low two bits are ignored, as NT ignores them. The pseudo-handles -1 and -2 are not in any
 * table: Ps's other callback gives the object they mean, with every right its type has.
 */
#include "kernel/ob/obp.h"

HANDLE_TABLE *ObKernelHandleTable;
OB_PROCESS_CALLBACKS ObpProcessCallbacks;

void ObSetProcessCallbacks(const OB_PROCESS_CALLBACKS *Callbacks, OB_PROCESS_CALLBACKS *Previous)
{
    if (Previous)
        *Previous = ObpProcessCallbacks;
    ObpProcessCallbacks = *Callbacks;
}

/* The object a pseudo-handle means, referenced, and its type; NULL when nobody says. */
void *ObpReferencePseudoHandle(HANDLE Handle, OBJECT_TYPE **ObjectType)
{
    void *object;

    if (!ObpProcessCallbacks.ReferencePseudoHandle)
        return NULL;
    object = ObpProcessCallbacks.ReferencePseudoHandle(Handle, ObjectType);
    if (object && ObGetObjectType(object) != *ObjectType)
        KeBugCheckEx(REFERENCE_BY_POINTER, (uintptr_t)*ObjectType, (uintptr_t)object, 0, 0);
    return object;
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   OBJECT_TYPE *ObjectType, KPROCESSOR_MODE AccessMode,
                                   void **Object, ACCESS_MASK *GrantedAccess)
{
    HANDLE_TABLE_ENTRY entry;
    HANDLE_TABLE *table;
    OBJECT_TYPE *type;
    uint32_t value;
    void *object;
    ACCESS_MASK granted;

    *Object = NULL;
    if (ObpIsPseudoHandle(Handle)) {
        object = ObpReferencePseudoHandle(Handle, &type);
        if (!object)
            return STATUS_INVALID_HANDLE;
        granted = type->ValidAccessMask;
    } else {
        if (!ObpDecodeHandle(Handle, AccessMode, &table, &value) ||
            !ObpReferenceHandle(table, value, &entry))
            return STATUS_INVALID_HANDLE;
        object = &ObpEntryObject(&entry)->Body;
        type = ObpEntryObject(&entry)->Type;
        granted = entry.GrantedAccess;
    }
    if (ObjectType && type != ObjectType) {
        ObDereferenceObject(object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    if (AccessMode == UserMode && (DesiredAccess & ~granted)) {
        ObDereferenceObject(object);
        return STATUS_ACCESS_DENIED;
    }
    *Object = object;
    if (GrantedAccess)
        *GrantedAccess = granted;
    return STATUS_SUCCESS;
}
