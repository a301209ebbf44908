/*
 * kernel/ob/obref.c: reference counts and deletion. The last ObDereferenceObject calls the
 * type's DeleteProcedure and frees the block. Deleting needs PASSIVE_LEVEL or APC_LEVEL (the
 * procedure may wait or touch paged pool), so a last reference dropped above APC_LEVEL (the
 * thread reaper runs at DISPATCH_LEVEL) puts the object on ObpRemoveObjectList, chained
 * through its header's NextToFree, and a work item deletes the list at PASSIVE_LEVEL, as
 * NT's ObpDeferObjectDeletion does.
 */
#include "kernel/ob/obp.h"

static KSPIN_LOCK ObpRemoveObjectLock;
static OBJECT_HEADER *ObpRemoveObjectList;
static bool ObpRemoveObjectQueued;          /* the work item is queued or running */
static WORK_QUEUE_ITEM ObpRemoveObjectWorkItem;

static __attribute__((noreturn)) void ObpBadReference(OBJECT_HEADER *Header)
{
    KeBugCheckEx(REFERENCE_BY_POINTER, (uintptr_t)Header->Type, (uintptr_t)&Header->Body,
                 (uint32_t)Header->PointerCount, (uint32_t)Header->HandleCount);
}

OBJECT_HEADER *ObpValidateObject(void *Object)
{
    OBJECT_HEADER *header = OBJECT_TO_OBJECT_HEADER(Object);

    if (MmDeterminePoolType(header) == MaxPoolType)
        KeBugCheckEx(REFERENCE_BY_POINTER, 0, (uintptr_t)Object, 0, 0);
    if (!header->Type || !ObpIsRegisteredType(header->Type))
        ObpBadReference(header);
    return header;
}

OBJECT_TYPE *ObGetObjectType(void *Object)
{
    return ObpValidateObject(Object)->Type;
}

/* One more reference to an object that has one already. Any IRQL. */
void ObReferenceObject(void *Object)
{
    OBJECT_HEADER *header = ObpValidateObject(Object);

    if (__atomic_add_fetch(&header->PointerCount, 1, __ATOMIC_SEQ_CST) <= 1)
        ObpBadReference(header);
}

static void ObpRemoveObject(OBJECT_HEADER *Header)
{
    OBJECT_TYPE *type = Header->Type;
    OBJECT_HEADER_NAME_INFO *nameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);

    if (type->DeleteProcedure)
        type->DeleteProcedure(&Header->Body);
    __atomic_sub_fetch(&type->TotalNumberOfObjects, 1, __ATOMIC_SEQ_CST);
    Header->Type = NULL;                /* a stale pointer to it is now REFERENCE_BY_POINTER */
    ObpFreeCreateInfo(Header);
    if (nameInfo)
        ObpFreeCapturedName(&nameInfo->Name);
    ExFreePoolWithTag((char *)Header - Header->NameInfoOffset, type->PoolTag);
}

/* The work item: delete what was left on the list until it stays empty. */
static void ObpProcessRemoveObjectQueue(void *Parameter)
{
    (void)Parameter;
    for (;;) {
        OBJECT_HEADER *list;
        KIRQL oldIrql;

        KeAcquireSpinLock(&ObpRemoveObjectLock, &oldIrql);
        list = ObpRemoveObjectList;
        ObpRemoveObjectList = NULL;
        if (!list)
            ObpRemoveObjectQueued = false;
        KeReleaseSpinLock(&ObpRemoveObjectLock, oldIrql);
        if (!list)
            return;
        while (list) {
            OBJECT_HEADER *next = list->NextToFree;

            ObpRemoveObject(list);
            list = next;
        }
    }
}

static void ObpDeferObjectDeletion(OBJECT_HEADER *Header)
{
    KIRQL oldIrql;
    bool queue;

    KeAcquireSpinLock(&ObpRemoveObjectLock, &oldIrql);
    Header->NextToFree = ObpRemoveObjectList;
    ObpRemoveObjectList = Header;
    queue = !ObpRemoveObjectQueued;
    ObpRemoveObjectQueued = true;
    KeReleaseSpinLock(&ObpRemoveObjectLock, oldIrql);
    if (queue) {
        ExInitializeWorkItem(&ObpRemoveObjectWorkItem, ObpProcessRemoveObjectQueue, NULL);
        ExQueueWorkItem(&ObpRemoveObjectWorkItem, CriticalWorkQueue);
    }
}

/* Drop a reference; the last one deletes the object (later, above APC_LEVEL). IRQL <= DISPATCH. */
void ObDereferenceObject(void *Object)
{
    OBJECT_HEADER *header = ObpValidateObject(Object);
    int32_t count = __atomic_sub_fetch(&header->PointerCount, 1, __ATOMIC_SEQ_CST);

    if (count > 0)
        return;
    if (count < 0 || header->HandleCount != 0)
        ObpBadReference(header);
    if (KeGetCurrentIrql() > APC_LEVEL)
        ObpDeferObjectDeletion(header);
    else
        ObpRemoveObject(header);
}
