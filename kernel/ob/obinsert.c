/*
 * kernel/ob/obinsert.c: making handles. Every handle, whoever makes it (ObInsertObject,
 * ObOpenObjectByPointer, ObDuplicateObject), goes through ObpInsertHandle, which counts it in
 * the object's HandleCount and its type's TotalNumberOfHandles before the entry can be seen,
 * and gives the handle the reference its caller brought. A named object's name goes into its
 * directory just before its first handle (obdir.c).
 */
#include "kernel/ob/obp.h"

#define OB_INSERT_ATTRIBUTES    (OBJ_INHERIT | OBJ_PROTECT_CLOSE | OBJ_KERNEL_HANDLE)

NTSTATUS ObpInsertHandle(HANDLE_TABLE *Table, bool KernelHandle, OBJECT_HEADER *Header,
                         uint32_t Attributes, ACCESS_MASK GrantedAccess, HANDLE *Handle)
{
    OBJECT_TYPE *type = Header->Type;
    uint32_t handle;

    __atomic_add_fetch(&Header->HandleCount, 1, __ATOMIC_SEQ_CST);
    ObpCountUp(&type->TotalNumberOfHandles, &type->HighWaterNumberOfHandles);
    handle = ObpCreateHandle(Table, Header, Attributes, GrantedAccess);
    if (!handle) {
        __atomic_sub_fetch(&type->TotalNumberOfHandles, 1, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&Header->HandleCount, 1, __ATOMIC_SEQ_CST);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Header->Flags &= ~OB_FLAG_NEW_OBJECT;
    *Handle = (HANDLE)(uintptr_t)(handle | (KernelHandle ? KERNEL_HANDLE_MASK : 0));
    return STATUS_SUCCESS;
}

/* A named object's name into its directory, before its first handle: STATUS_SUCCESS and
 * nothing in *Existing when it has none. */
static NTSTATUS ObpInsertName(OBJECT_HEADER *Header, void **Existing)
{
    OBP_CREATE_INFO *info = Header->ObjectCreateInfo;

    *Existing = NULL;
    if (!info || !Header->NameInfoOffset)
        return STATUS_SUCCESS;
    return ObpInsertObjectName(Header, info, Existing);
}

NTSTATUS ObInsertObject(void *Object, ACCESS_MASK DesiredAccess, uint32_t HandleAttributes,
                        HANDLE_TABLE *HandleTable, HANDLE *Handle)
{
    OBJECT_HEADER *header = ObpValidateObject(Object);
    bool kernel, named = false;
    NTSTATUS status = STATUS_INVALID_PARAMETER, nameStatus = STATUS_SUCCESS;
    void *existing;

    *Handle = NULL;
    if (header->ObjectCreateInfo)
        HandleAttributes |= ((OBP_CREATE_INFO *)header->ObjectCreateInfo)->Attributes &
                            (OBJ_INHERIT | OBJ_KERNEL_HANDLE);
    kernel = HandleAttributes & OBJ_KERNEL_HANDLE;
    if (!HandleTable)
        HandleTable = kernel ? ObKernelHandleTable : ObpCurrentHandleTable();
    if (!(HandleAttributes & ~OB_INSERT_ATTRIBUTES) && (!kernel || HandleTable == ObKernelHandleTable)) {
        nameStatus = ObpInsertName(header, &existing);
        ObpFreeCreateInfo(header);
        if (existing) {
            ObDereferenceObject(Object);
            header = OBJECT_TO_OBJECT_HEADER(existing);
            Object = existing;
        } else {
            named = nameStatus == STATUS_SUCCESS && header->NameInfoOffset;
        }
        status = NT_SUCCESS(nameStatus)
            ? ObpInsertHandle(HandleTable, kernel, header, HandleAttributes,
                              ObpMapDesiredAccess(header->Type, DesiredAccess), Handle)
            : nameStatus;
    } else {
        ObpFreeCreateInfo(header);
    }
    if (!NT_SUCCESS(status)) {
        if (named)
            ObpDeleteNameCheck(header);
        ObDereferenceObject(Object);
        return status;
    }
    return nameStatus;
}

NTSTATUS ObOpenObjectByPointer(void *Object, ACCESS_MASK DesiredAccess, uint32_t HandleAttributes,
                               HANDLE_TABLE *HandleTable, HANDLE *Handle)
{
    ObReferenceObject(Object);
    return ObInsertObject(Object, DesiredAccess, HandleAttributes, HandleTable, Handle);
}
