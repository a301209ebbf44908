/*
 * kernel/ob/obcreate.c: making objects. An object is one pool block of its type's pool and
 * tag: for a named one first its OBJECT_HEADER_NAME_INFO, then the OBJECT_HEADER (ob.h draws
 * both), then the body the caller asked for, zeroed. It starts with one reference, the
 * creator's, and no handle.
 */
#include "kernel/ob/obp.h"

#define OB_CREATE_INFO_TAG  POOL_TAG('O', 'b', 'C', 'i')

/* The block for a header (with name information if Named) and BodySize bytes of body. */
static NTSTATUS ObpAllocateObject(OBJECT_TYPE *ObjectType, uint32_t BodySize, bool Named,
                                  OBJECT_HEADER **Header)
{
    uint32_t prefix = Named ? sizeof(OBJECT_HEADER_NAME_INFO) : 0;
    size_t bytes = prefix + offsetof(OBJECT_HEADER, Body) + (size_t)BodySize;
    char *block;

    if (!ObpIsRegisteredType(ObjectType))
        return STATUS_INVALID_PARAMETER;
    if (BodySize > UINT32_MAX - offsetof(OBJECT_HEADER, Body) - prefix)
        return STATUS_INSUFFICIENT_RESOURCES;
    block = ExAllocatePoolWithTag(ObjectType->PoolType, bytes, ObjectType->PoolTag);
    if (!block)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(block, bytes);
    *Header = (OBJECT_HEADER *)(block + prefix);
    (*Header)->NameInfoOffset = (uint8_t)prefix;
    (*Header)->PointerCount = 1;
    (*Header)->Type = ObjectType;
    (*Header)->Flags = OB_FLAG_NEW_OBJECT;
    ObpCountUp(&ObjectType->TotalNumberOfObjects, &ObjectType->HighWaterNumberOfObjects);
    return STATUS_SUCCESS;
}

NTSTATUS ObCreateObject(OBJECT_TYPE *ObjectType, uint32_t BodySize, void **Object)
{
    OBJECT_HEADER *header;
    NTSTATUS status = ObpAllocateObject(ObjectType, BodySize, false, &header);

    if (NT_SUCCESS(status))
        *Object = &header->Body;
    return status;
}

NTSTATUS ObCreateNamedObject(KPROCESSOR_MODE ProbeMode, OBJECT_TYPE *ObjectType,
                             const OBJECT_ATTRIBUTES *ObjectAttributes, uint32_t BodySize,
                             void **Object)
{
    OBP_CREATE_INFO info, *kept = NULL;
    OBJECT_HEADER *header;
    NTSTATUS status = ObpCaptureObjectAttributes(ProbeMode, ObjectAttributes, &info);

    if (!NT_SUCCESS(status))
        return status;
    if (ObjectAttributes) {
        kept = ExAllocatePoolWithTag(NonPagedPool, sizeof(*kept), OB_CREATE_INFO_TAG);
        if (!kept) {
            ObpFreeCapturedName(&info.Name);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    status = ObpAllocateObject(ObjectType, BodySize, info.Name.Buffer != 0, &header);
    if (!NT_SUCCESS(status)) {
        ObpFreeCapturedName(&info.Name);
        if (kept)
            ExFreePoolWithTag(kept, OB_CREATE_INFO_TAG);
        return status;
    }
    if (info.Name.Buffer) {
        OBJECT_HEADER_TO_NAME_INFO(header)->Name = info.Name;
        info.Name = (NT_UNICODE_STRING){ 0, 0, 0 };
    }
    if (kept) {
        *kept = info;
        header->ObjectCreateInfo = kept;
    }
    *Object = &header->Body;
    return STATUS_SUCCESS;
}

/* The attributes kept for ObInsertObject are no longer needed. */
void ObpFreeCreateInfo(OBJECT_HEADER *Header)
{
    if (Header->ObjectCreateInfo)
        ExFreePoolWithTag(Header->ObjectCreateInfo, OB_CREATE_INFO_TAG);
    Header->ObjectCreateInfo = NULL;
}
