/*
 * kernel/ob/obcreate.c: making objects. An object is one pool block of its type's pool and
 * tag: the OBJECT_HEADER (ob.h draws it), then the body the caller asked for, zeroed. It
 * starts with one reference, the creator's, and no handle.
 */
#include "kernel/ob/obp.h"

NTSTATUS ObCreateObject(OBJECT_TYPE *ObjectType, uint32_t BodySize, void **Object)
{
    OBJECT_HEADER *header;
    size_t bytes = offsetof(OBJECT_HEADER, Body) + (size_t)BodySize;

    if (!ObpIsRegisteredType(ObjectType))
        return STATUS_INVALID_PARAMETER;
    if (BodySize > UINT32_MAX - offsetof(OBJECT_HEADER, Body))
        return STATUS_INSUFFICIENT_RESOURCES;
    header = ExAllocatePoolWithTag(ObjectType->PoolType, bytes, ObjectType->PoolTag);
    if (!header)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(header, bytes);
    header->PointerCount = 1;
    header->Type = ObjectType;
    header->Flags = OB_FLAG_NEW_OBJECT;
    ObpCountUp(&ObjectType->TotalNumberOfObjects, &ObjectType->HighWaterNumberOfObjects);
    *Object = &header->Body;
    return STATUS_SUCCESS;
}
