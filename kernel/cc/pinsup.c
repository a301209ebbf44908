/*
 * kernel/cc/pinsup.c: the pin interface (NT's pinsup.c), how a file system reads and changes
 * its metadata in place in the cache: CcMapData maps a range for reading, CcPinRead maps it
 * and pins it (its pages read in, held until CcUnpinData), CcSetDirtyPinnedData marks a
 * pinned range changed (written by the lazy writer like copied data), CcUnpinData lets it go.
 * The range must lie in one 256 KB view (NT's rule for a BCB) and inside the file's section:
 * STATUS_INVALID_PARAMETER otherwise. A page that cannot be read is the in-page status.
 * Every call that succeeds needs its CcUnpinData.
 */
#include "kernel/cc/ccp.h"

static NTSTATUS CcMapRange(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, bool Pin,
                           BCB **Bcb, void **Buffer)
{
    PRIVATE_CACHE_MAP *private = FileObject->PrivateCacheMap;
    uint32_t available;
    uint8_t *address;
    VACB *vacb;
    BCB *bcb;
    NTSTATUS status;

    if (!private || Length == 0 ||
        (Offset >> VACB_OFFSET_SHIFT) != ((Offset + Length - 1) >> VACB_OFFSET_SHIFT))
        return STATUS_INVALID_PARAMETER;
    status = CcGetVirtualAddress(private->SharedCacheMap, Offset, &vacb, &address, &available);
    if (!NT_SUCCESS(status))
        return status;
    if (available < Length) {
        CcFreeVirtualAddress(vacb);
        return STATUS_INVALID_PARAMETER;
    }
    if (Pin) {
        /* Every page read in now, as NT's CcPinRead with PIN_WAIT. */
        for (uintptr_t va = (uintptr_t)PAGE_ALIGN(address); va < (uintptr_t)address + Length;
             va += PAGE_SIZE) {
            uint8_t byte;

            status = KeCopyMemorySafe(&byte, (const void *)va, 1);
            if (!NT_SUCCESS(status)) {
                CcFreeVirtualAddress(vacb);
                return status;
            }
        }
    }
    bcb = ExAllocatePoolWithTag(NonPagedPool, sizeof(*bcb), CC_BCB_TAG);
    if (!bcb) {
        CcFreeVirtualAddress(vacb);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(bcb, sizeof(*bcb));
    bcb->NodeTypeCode = CACHE_NTC_BCB;
    bcb->Pinned = Pin;
    bcb->ByteLength = Length;
    bcb->FileOffset = Offset;
    bcb->Vacb = vacb;
    bcb->SharedCacheMap = private->SharedCacheMap;
    bcb->Buffer = address;
    *Bcb = bcb;
    *Buffer = address;
    return STATUS_SUCCESS;
}

NTSTATUS CcMapData(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, BCB **Bcb, void **Buffer)
{
    __atomic_add_fetch(&CcStatistics.MapDataWait, 1, __ATOMIC_RELAXED);
    return CcMapRange(FileObject, Offset, Length, false, Bcb, Buffer);
}

NTSTATUS CcPinRead(FILE_OBJECT *FileObject, int64_t Offset, uint32_t Length, BCB **Bcb, void **Buffer)
{
    __atomic_add_fetch(&CcStatistics.PinReadWait, 1, __ATOMIC_RELAXED);
    return CcMapRange(FileObject, Offset, Length, true, Bcb, Buffer);
}

/* The pinned range was changed: dirty, for the lazy writer. A mapped (unpinned) one may not
 * be changed: CACHE_MANAGER. */
void CcSetDirtyPinnedData(BCB *Bcb)
{
    if (Bcb->NodeTypeCode != CACHE_NTC_BCB || !Bcb->Pinned)
        KeBugCheckEx(CACHE_MANAGER, (uintptr_t)Bcb, Bcb->NodeTypeCode, Bcb->Pinned, 2);
    Bcb->Dirty = true;
}

void CcUnpinData(BCB *Bcb)
{
    if (Bcb->NodeTypeCode != CACHE_NTC_BCB)
        KeBugCheckEx(CACHE_MANAGER, (uintptr_t)Bcb, Bcb->NodeTypeCode, 0, 3);
    if (Bcb->Dirty) {
        MmSetAddressRangeModified(Bcb->Buffer, Bcb->ByteLength);
        ExAcquireFastMutex(&CcMasterLock);
        CcSetDirtyInMask(Bcb->SharedCacheMap, Bcb->FileOffset, Bcb->ByteLength);
        ExReleaseFastMutex(&CcMasterLock);
    }
    CcFreeVirtualAddress(Bcb->Vacb);
    Bcb->NodeTypeCode = 0;
    ExFreePoolWithTag(Bcb, CC_BCB_TAG);
}
