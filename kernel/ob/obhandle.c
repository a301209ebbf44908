/*
 * kernel/ob/obhandle.c: handle tables. NT keeps these mechanics in ex/handle.c; here Ex sits
 * below Mm's pool, which the tables grow from, so Ob owns them.
 *
 *   HANDLE_TABLE (nonpaged: its fast mutex is waited on)
 *     Pages ──► [0] ──► page of 512 HANDLE_TABLE_ENTRYs: handles 0x0000 .. 0x07FC
 *               [1] ──► page of 512 entries:              handles 0x0800 .. 0x0FFC
 *               ...     (paged pool; Pages doubles when it fills)
 *
 * Handle h is entry h/4. Entry 0 is never used, so 0 is never a handle. A free entry has a NULL
 * Object and the next free handle in NextFreeTableEntry; FirstFree heads that list, so the
 * handle closed last is the next one made. A new page's entries go on the list lowest first.
 */
#include "kernel/ob/obp.h"

#define OB_INITIAL_PAGE_SLOTS   8

static HANDLE_TABLE_ENTRY *ObpLookupEntry(HANDLE_TABLE *Table, uint32_t Handle)
{
    uint32_t index = Handle / sizeof(uint32_t);
    uint32_t page = index / OB_HANDLE_ENTRIES_PER_PAGE;

    if (page >= Table->PageCount)
        return NULL;
    return &Table->Pages[page][index % OB_HANDLE_ENTRIES_PER_PAGE];
}

/* One more page of entries on the free list. The table's lock is held. */
static bool ObpGrowHandleTable(HANDLE_TABLE *Table)
{
    HANDLE_TABLE_ENTRY *page;
    uint32_t first;

    if (Table->PageCount >= OB_MAXIMUM_HANDLES / OB_HANDLE_ENTRIES_PER_PAGE)
        return false;
    if (Table->PageCount == Table->PageSlots) {
        uint32_t slots = Table->PageSlots ? Table->PageSlots * 2 : OB_INITIAL_PAGE_SLOTS;
        HANDLE_TABLE_ENTRY **pages = ExAllocatePoolWithTag(PagedPool, slots * sizeof(*pages),
                                                           OB_HANDLE_TABLE_TAG);

        if (!pages)
            return false;
        if (Table->Pages) {
            RtlCopyMemory(pages, Table->Pages, Table->PageCount * sizeof(*pages));
            ExFreePoolWithTag(Table->Pages, OB_HANDLE_TABLE_TAG);
        }
        Table->Pages = pages;
        Table->PageSlots = slots;
    }
    page = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, OB_HANDLE_TABLE_TAG);
    if (!page)
        return false;
    first = Table->PageCount * OB_HANDLE_ENTRIES_PER_PAGE;
    for (uint32_t i = OB_HANDLE_ENTRIES_PER_PAGE; i-- > 0;) {
        page[i].Object = NULL;
        page[i].NextFreeTableEntry = Table->FirstFree;
        if (first + i != 0)
            Table->FirstFree = (first + i) * sizeof(uint32_t);
    }
    Table->Pages[Table->PageCount++] = page;
    return true;
}

NTSTATUS ObCreateHandleTable(HANDLE_TABLE **HandleTable)
{
    HANDLE_TABLE *table = ExAllocatePoolWithTag(NonPagedPool, sizeof(*table), OB_HANDLE_TABLE_TAG);

    if (!table)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(table, sizeof(*table));
    ExInitializeFastMutex(&table->Lock);
    *HandleTable = table;
    return STATUS_SUCCESS;
}

/* Close every handle left (protected ones too, as process exit does), then free the table. */
void ObDestroyHandleTable(HANDLE_TABLE *HandleTable)
{
    for (uint32_t page = 0; page < HandleTable->PageCount; page++) {
        for (uint32_t i = 0; i < OB_HANDLE_ENTRIES_PER_PAGE; i++) {
            uint32_t handle = (page * OB_HANDLE_ENTRIES_PER_PAGE + i) * sizeof(uint32_t);
            HANDLE_TABLE_ENTRY entry;

            if (ObpTakeHandle(HandleTable, handle, true, &entry) == STATUS_SUCCESS)
                ObpCloseEntry(HandleTable, &entry);
        }
    }
    for (uint32_t page = 0; page < HandleTable->PageCount; page++)
        ExFreePoolWithTag(HandleTable->Pages[page], OB_HANDLE_TABLE_TAG);
    if (HandleTable->Pages)
        ExFreePoolWithTag(HandleTable->Pages, OB_HANDLE_TABLE_TAG);
    ExFreePoolWithTag(HandleTable, OB_HANDLE_TABLE_TAG);
}

uint32_t ObpCreateHandle(HANDLE_TABLE *Table, OBJECT_HEADER *Header, uint32_t Attributes,
                         ACCESS_MASK GrantedAccess)
{
    HANDLE_TABLE_ENTRY *entry;
    uint32_t handle = 0;

    ExAcquireFastMutex(&Table->Lock);
    if (Table->FirstFree != 0 || ObpGrowHandleTable(Table)) {
        handle = Table->FirstFree;
        entry = ObpLookupEntry(Table, handle);
        Table->FirstFree = entry->NextFreeTableEntry;
        entry->ObAttributes = (uint32_t)(uintptr_t)Header | (Attributes & OBJ_HANDLE_ATTRIBUTES);
        entry->GrantedAccess = GrantedAccess;
        if (++Table->HandleCount > Table->HighWaterHandleCount)
            Table->HighWaterHandleCount = Table->HandleCount;
    }
    ExReleaseFastMutex(&Table->Lock);
    return handle;
}

NTSTATUS ObpTakeHandle(HANDLE_TABLE *Table, uint32_t Handle, bool Force, HANDLE_TABLE_ENTRY *Entry)
{
    NTSTATUS status = STATUS_INVALID_HANDLE;
    HANDLE_TABLE_ENTRY *entry;

    if (ObpHandleBeyondTable(Table, Handle))
        return status;
    ExAcquireFastMutex(&Table->Lock);
    entry = ObpLookupEntry(Table, Handle);
    if (entry && entry->Object) {
        *Entry = *entry;
        if (!Force && (entry->ObAttributes & OBJ_PROTECT_CLOSE)) {
            status = STATUS_HANDLE_NOT_CLOSABLE;
        } else {
            entry->Object = NULL;
            entry->NextFreeTableEntry = Table->FirstFree;
            Table->FirstFree = Handle;
            Table->HandleCount--;
            status = STATUS_SUCCESS;
        }
    }
    ExReleaseFastMutex(&Table->Lock);
    return status;
}

bool ObpReferenceHandle(HANDLE_TABLE *Table, uint32_t Handle, HANDLE_TABLE_ENTRY *Entry)
{
    HANDLE_TABLE_ENTRY *entry;
    bool found;

    if (ObpHandleBeyondTable(Table, Handle))
        return false;
    ExAcquireFastMutex(&Table->Lock);
    entry = ObpLookupEntry(Table, Handle);
    found = entry && entry->Object;
    if (found) {
        *Entry = *entry;
        ObReferenceObject(&ObpEntryObject(entry)->Body);
    }
    ExReleaseFastMutex(&Table->Lock);
    return found;
}

uint32_t ObpCountHandlesTo(HANDLE_TABLE *Table, const OBJECT_HEADER *Header)
{
    uint32_t count = 0;

    ExAcquireFastMutex(&Table->Lock);
    for (uint32_t page = 0; page < Table->PageCount; page++)
        for (uint32_t i = 0; i < OB_HANDLE_ENTRIES_PER_PAGE; i++)
            if (Table->Pages[page][i].Object && ObpEntryObject(&Table->Pages[page][i]) == Header)
                count++;
    ExReleaseFastMutex(&Table->Lock);
    return count;
}

/*
 * NT's ExDupHandleTable with ObDupHandleProcedure, for a process created with its parent's
 * inheritable handles (NtCreateProcessEx, PROCESS_CREATE_FLAGS_INHERIT_HANDLES): Target, new
 * and empty, gets each of Source's handles that has OBJ_INHERIT, at the same value, with its
 * access and attributes, counted as a handle of its object and holding a reference; every
 * other entry is free, lowest first. STATUS_INSUFFICIENT_RESOURCES leaves Target empty.
 */
NTSTATUS ObDuplicateInheritedHandles(HANDLE_TABLE *Source, HANDLE_TABLE *Target)
{
    NTSTATUS status = STATUS_SUCCESS;

    ExAcquireFastMutex(&Source->Lock);
    ExAcquireFastMutex(&Target->Lock);
    while (Target->PageCount < Source->PageCount) {
        if (!ObpGrowHandleTable(Target)) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
    }
    if (NT_SUCCESS(status)) {
        for (uint32_t page = 0; page < Source->PageCount; page++) {
            for (uint32_t i = 0; i < OB_HANDLE_ENTRIES_PER_PAGE; i++) {
                const HANDLE_TABLE_ENTRY *from = &Source->Pages[page][i];
                HANDLE_TABLE_ENTRY *to = &Target->Pages[page][i];
                OBJECT_HEADER *header;

                to->Object = NULL;
                if (!from->Object || !(from->ObAttributes & OBJ_INHERIT))
                    continue;
                header = ObpEntryObject(from);
                ObReferenceObject(&header->Body);
                __atomic_add_fetch(&header->HandleCount, 1, __ATOMIC_SEQ_CST);
                ObpCountUp(&header->Type->TotalNumberOfHandles,
                           &header->Type->HighWaterNumberOfHandles);
                *to = *from;
                if (++Target->HandleCount > Target->HighWaterHandleCount)
                    Target->HighWaterHandleCount = Target->HandleCount;
            }
        }
        /* The free list again, lowest first, round the copies. */
        Target->FirstFree = 0;
        for (uint32_t index = Target->PageCount * OB_HANDLE_ENTRIES_PER_PAGE; index-- > 1;) {
            HANDLE_TABLE_ENTRY *entry = ObpLookupEntry(Target, index * sizeof(uint32_t));

            if (entry->Object)
                continue;
            entry->NextFreeTableEntry = Target->FirstFree;
            Target->FirstFree = index * sizeof(uint32_t);
        }
    }
    ExReleaseFastMutex(&Target->Lock);
    ExReleaseFastMutex(&Source->Lock);
    return status;
}
