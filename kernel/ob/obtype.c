/*
 * kernel/ob/obtype.c: object types. A type is an OBJECT_TYPE its component allocates
 * statically and registers once; Ob numbers it (Index) and keeps the counts of its objects
 * and handles, with their high-water marks, for the debugger (ObQueryObjectCounts).
 */
#include "kernel/ob/obp.h"

static OBJECT_TYPE *ObpObjectTypes[OB_MAXIMUM_OBJECT_TYPES + 1];   /* [Index]; [0] unused */
static uint32_t ObpObjectTypeCount;
static KSPIN_LOCK ObpTypeLock;

NTSTATUS ObCreateObjectType(OBJECT_TYPE *ObjectType)
{
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL oldIrql;

    if (!ObjectType->Name || (ObjectType->PoolType & BASE_POOL_TYPE_MASK) != ObjectType->PoolType)
        return STATUS_INVALID_PARAMETER;
    KeAcquireSpinLock(&ObpTypeLock, &oldIrql);
    if (ObpIsRegisteredType(ObjectType) || ObpObjectTypeCount == OB_MAXIMUM_OBJECT_TYPES) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        ObjectType->TotalNumberOfObjects = 0;
        ObjectType->TotalNumberOfHandles = 0;
        ObjectType->HighWaterNumberOfObjects = 0;
        ObjectType->HighWaterNumberOfHandles = 0;
        ObjectType->Index = ++ObpObjectTypeCount;
        ObpObjectTypes[ObjectType->Index] = ObjectType;
    }
    KeReleaseSpinLock(&ObpTypeLock, oldIrql);
    return status;
}

/* Types are static, so a pointer outside the image is no type (and is not read). */
bool ObpIsRegisteredType(const OBJECT_TYPE *ObjectType)
{
    uint32_t index;

    if ((const char *)ObjectType < KiImageBase ||
        (const char *)(ObjectType + 1) > KiImageEnd)
        return false;
    index = ObjectType->Index;
    return index >= 1 && index <= OB_MAXIMUM_OBJECT_TYPES && ObpObjectTypes[index] == ObjectType;
}

/* One more in *Count, and *HighWater raised to it if it passed it. Any IRQL. */
void ObpCountUp(volatile uint32_t *Count, uint32_t *HighWater)
{
    uint32_t now = __atomic_add_fetch(Count, 1, __ATOMIC_SEQ_CST);
    uint32_t high = __atomic_load_n(HighWater, __ATOMIC_RELAXED);

    while (now > high && !__atomic_compare_exchange_n(HighWater, &high, now, false,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        ;
}

uint32_t ObQueryObjectCounts(OB_TYPE_COUNTS *Counts, uint32_t MaximumCount)
{
    uint32_t n = 0;

    for (uint32_t i = 1; i <= ObpObjectTypeCount && n < MaximumCount; i++, n++) {
        const OBJECT_TYPE *type = ObpObjectTypes[i];

        Counts[n].Name = type->Name;
        Counts[n].Objects = type->TotalNumberOfObjects;
        Counts[n].Handles = type->TotalNumberOfHandles;
        Counts[n].HighWaterObjects = type->HighWaterNumberOfObjects;
        Counts[n].HighWaterHandles = type->HighWaterNumberOfHandles;
    }
    return n;
}

void ObInitSystem(void)
{
    NTSTATUS status;

    KeInitializeSpinLock(&ObpTypeLock);
    status = ObCreateHandleTable(&ObKernelHandleTable);
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 5, 0, 0);
    ObpInitializeNamespace();
    ObpInitializeSectionType();
}
