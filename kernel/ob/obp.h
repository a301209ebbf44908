/*
 * kernel/ob/obp.h: what the object manager's files share and nobody else uses: the registered
 * types, the checks on object pointers, the handle-table primitives under the services, and
 * the handle-count bookkeeping that every way of making or closing a handle goes through.
 */
#ifndef KERNEL_OB_OBP_H
#define KERNEL_OB_OBP_H

#include "kernel/ob/ob.h"

#define OB_HANDLE_TABLE_TAG     POOL_TAG('O', 'b', 'h', 't')

/* obtype.c */
bool ObpIsRegisteredType(const OBJECT_TYPE *ObjectType);
void ObpCountUp(volatile uint32_t *Count, uint32_t *HighWater);

/* obref.c: the header of Object, bugchecking REFERENCE_BY_POINTER if it is not an object. */
OBJECT_HEADER *ObpValidateObject(void *Object);

/*
 * obhandle.c: the table mechanics, each under the table's lock. ObpCreateHandle files an
 * entry and returns its handle (0: the table is at OB_MAXIMUM_HANDLES or pool is short);
 * ObpTakeHandle moves the entry of Handle out into *Entry (STATUS_INVALID_HANDLE: no such
 * open handle; STATUS_HANDLE_NOT_CLOSABLE: OBJ_PROTECT_CLOSE and not Force); ObpReferenceHandle
 * copies it and references its object before the lock is let go (false: no such handle);
 * ObpCountHandlesTo counts the table's entries naming Header. Handle is a plain value here:
 * no tag or kernel bits.
 */
uint32_t ObpCreateHandle(HANDLE_TABLE *Table, OBJECT_HEADER *Header, uint32_t Attributes,
                         ACCESS_MASK GrantedAccess);
NTSTATUS ObpTakeHandle(HANDLE_TABLE *Table, uint32_t Handle, bool Force,
                       HANDLE_TABLE_ENTRY *Entry);
bool ObpReferenceHandle(HANDLE_TABLE *Table, uint32_t Handle, HANDLE_TABLE_ENTRY *Entry);
uint32_t ObpCountHandlesTo(HANDLE_TABLE *Table, const OBJECT_HEADER *Header);

static inline OBJECT_HEADER *ObpEntryObject(const HANDLE_TABLE_ENTRY *Entry)
{
    return (OBJECT_HEADER *)(Entry->ObAttributes & ~(uint32_t)OBJ_HANDLE_ATTRIBUTES);
}

/* obinsert.c: a handle with its counts (the caller's reference becomes the handle's). */
ACCESS_MASK ObpMapDesiredAccess(const OBJECT_TYPE *ObjectType, ACCESS_MASK DesiredAccess);
NTSTATUS ObpInsertHandle(HANDLE_TABLE *Table, bool KernelHandle, OBJECT_HEADER *Header,
                         uint32_t Attributes, ACCESS_MASK GrantedAccess, HANDLE *Handle);

/*
 * obdir.c: the namespace. What ObCreateNamedObject captured of the attributes waits in the
 * header's ObjectCreateInfo until ObInsertObject (the name itself is in the name info).
 * ObpInsertObjectName: statuses as ObInsertObject's (ob.h); *Existing the object found for
 * OBJ_OPENIF. ObpDeleteNameCheck: the name leaves its directory with the last handle.
 */
typedef struct _OBP_CREATE_INFO {
    uint32_t Attributes;                /* OBJ_* */
    KPROCESSOR_MODE ProbeMode;          /* whose handles and privileges they are */
    HANDLE RootDirectory;
    NT_UNICODE_STRING Name;             /* while capturing: the name, copied to paged pool */
} OBP_CREATE_INFO;

NTSTATUS ObpCaptureObjectAttributes(KPROCESSOR_MODE Mode, const OBJECT_ATTRIBUTES *ObjectAttributes,
                                    OBP_CREATE_INFO *Info);
void ObpFreeCapturedName(NT_UNICODE_STRING *Name);
void ObpFreeCreateInfo(OBJECT_HEADER *Header);
NTSTATUS ObpInsertObjectName(OBJECT_HEADER *Header, const OBP_CREATE_INFO *Info, void **Existing);
void ObpDeleteNameCheck(OBJECT_HEADER *Header);
void ObpInitializeNamespace(void);
void ObpInitializeSectionType(void);    /* obsect.c */

/* obclose.c: after an entry left Table: the counts, the close procedure, the reference. */
void ObpCloseEntry(HANDLE_TABLE *Table, const HANDLE_TABLE_ENTRY *Entry);

/*
 * The current table and the decoding of handle values (obrefhnd.c keeps the callbacks and the
 * pseudo-handles), inline: every service that takes a handle starts here. ObpDecodeHandle:
 * false for a value that names no entry in any table (0, or a kernel handle from user mode);
 * else *Table and *Value (no tag or kernel bits).
 */
extern OB_PROCESS_CALLBACKS ObpProcessCallbacks;

static inline HANDLE_TABLE *ObpCurrentHandleTable(void)
{
    HANDLE_TABLE *table = NULL;

    if (__builtin_expect(ObpProcessCallbacks.CurrentHandleTable != NULL, 1))
        table = ObpProcessCallbacks.CurrentHandleTable();
    return table ? table : ObKernelHandleTable;
}

static inline bool ObpIsPseudoHandle(HANDLE Handle)
{
    return Handle == NtCurrentProcess() || Handle == NtCurrentThread();
}

static inline bool ObpDecodeHandle(HANDLE Handle, KPROCESSOR_MODE Mode, HANDLE_TABLE **Table,
                                   uint32_t *Value)
{
    uint32_t value = (uint32_t)(uintptr_t)Handle & ~(uint32_t)OBJ_HANDLE_TAGBITS;

    if (value & KERNEL_HANDLE_MASK) {
        if (Mode != KernelMode)
            return false;
        *Table = ObKernelHandleTable;
        value &= ~KERNEL_HANDLE_MASK;
    } else {
        *Table = ObpCurrentHandleTable();
    }
    *Value = value;
    return value != 0;
}

void *ObpReferencePseudoHandle(HANDLE Handle, OBJECT_TYPE **ObjectType);

/*
 * True when Handle lies past every page Table has: invalid whatever the lock would show, since
 * pages are only added while a table lives. Read without the lock, as NT's
 * ExpLookupHandleTableEntry reads its table, so that a wrong handle (NtClose of garbage, the
 * cheapest failing call) costs no lock.
 */
static inline bool ObpHandleBeyondTable(HANDLE_TABLE *Table, uint32_t Handle)
{
    return Handle / sizeof(uint32_t) / OB_HANDLE_ENTRIES_PER_PAGE >=
           __atomic_load_n(&Table->PageCount, __ATOMIC_ACQUIRE);
}

#endif
