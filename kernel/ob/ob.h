/*
 * kernel/ob/ob.h: the object manager's contract (Ob). Typed, reference-counted objects, each
 * behind an OBJECT_HEADER with NT's x86 layout; handle tables whose entries hold an object and
 * the access the handle was granted; the pseudo-handles; the access masks and their generic
 * mapping. Ob sits above Mm (it allocates objects and tables from pool) and below Ps: it does
 * not know processes. Ps registers two callbacks at start-up (ObSetProcessCallbacks) that give
 * it the current process's handle table and the objects behind NtCurrentProcess() and
 * NtCurrentThread(); until then every thread uses the system's table, ObKernelHandleTable.
 *
 * References: an object lives while its PointerCount is above 0. ObCreateObject returns it
 * with one reference, the creator's; each handle holds one more; ObReferenceObject and
 * ObReferenceObjectByHandle add one that the caller gives back with ObDereferenceObject. The
 * last ObDereferenceObject calls the type's DeleteProcedure and frees the object.
 *
 * Security: mm386 has no security descriptors, so nothing is ever refused for want of a right
 * to the object itself: every right a caller asks for when it opens or duplicates a handle is
 * granted (after the generic mapping, within the type's ValidAccessMask). What is checked, as
 * NT checks it, is each use of a handle from user mode against what the handle was granted.
 */
#ifndef KERNEL_OB_OB_H
#define KERNEL_OB_OB_H

#include "kernel/ke/ke.h"
#include "kernel/ex/ex.h"
#include "kernel/inc/ntpeb.h"
#include "mm/mm.h"

/* Access masks (winnt.h): specific rights in the low 16 bits, then standard and generic. */
typedef uint32_t ACCESS_MASK;

#define DELETE                      0x00010000
#define READ_CONTROL                0x00020000
#define WRITE_DAC                   0x00040000
#define WRITE_OWNER                 0x00080000
#define SYNCHRONIZE                 0x00100000
#define STANDARD_RIGHTS_REQUIRED    0x000F0000
#define STANDARD_RIGHTS_READ        READ_CONTROL
#define STANDARD_RIGHTS_WRITE       READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE     READ_CONTROL
#define STANDARD_RIGHTS_ALL         0x001F0000
#define SPECIFIC_RIGHTS_ALL         0x0000FFFF
#define ACCESS_SYSTEM_SECURITY      0x01000000
#define MAXIMUM_ALLOWED             0x02000000
#define GENERIC_READ                0x80000000
#define GENERIC_WRITE               0x40000000
#define GENERIC_EXECUTE             0x20000000
#define GENERIC_ALL                 0x10000000

/* What each generic right means for one type of object. */
typedef struct _GENERIC_MAPPING {
    ACCESS_MASK GenericRead;
    ACCESS_MASK GenericWrite;
    ACCESS_MASK GenericExecute;
    ACCESS_MASK GenericAll;
} GENERIC_MAPPING;

/* Replace the generic bits of *AccessMask by the specific rights Mapping gives them. */
void RtlMapGenericMask(ACCESS_MASK *AccessMask, const GENERIC_MAPPING *Mapping);

/*
 * Handles. A handle is an index into a handle table times 4: the values are 4, 8, 12 ...
 * (0 is never a handle). As in NT the low two bits are tag bits the system ignores
 * (OBJ_HANDLE_TAGBITS), so 5, 6 and 7 name the same entry as 4. A kernel handle
 * (OBJ_KERNEL_HANDLE) lives in ObKernelHandleTable and has bit 31 set; only kernel mode can
 * use one. The pseudo-handles are not in any table: they always mean the caller's own
 * process and thread.
 */
typedef void *HANDLE;

#define NtCurrentProcess()          ((HANDLE)(intptr_t)-1)
#define NtCurrentThread()           ((HANDLE)(intptr_t)-2)
#define OBJ_HANDLE_TAGBITS          0x00000003
#define KERNEL_HANDLE_MASK          0x80000000

/* Handle attributes (ntdef.h; OBJ_PROTECT_CLOSE is Ob's own). */
#define OBJ_PROTECT_CLOSE           0x00000001      /* NtClose refuses the handle */
#define OBJ_INHERIT                 0x00000002      /* a child process gets a copy */
#define OBJ_AUDIT_OBJECT_CLOSE      0x00000004      /* kept, never acted on: no auditing */
#define OBJ_HANDLE_ATTRIBUTES       0x00000007      /* the attribute bits of an entry */
#define OBJ_KERNEL_HANDLE           0x00000200      /* the handle goes to the kernel's table */

/*
 * Names (obdir.c). An object may be created with a name, "\BaseNamedObjects\Name" (or any
 * path through the directories that exist: "\" holds "BaseNamedObjects"), given in NT's
 * OBJECT_ATTRIBUTES. Names are compared exactly, or with OBJ_CASE_INSENSITIVE ignoring the
 * case of the ASCII letters. A named object is found by name while it has a handle; its name
 * goes with its last handle (NT's ObpDeleteNameCheck), though the object may live on.
 */
#define OBJ_PERMANENT               0x00000010
#define OBJ_EXCLUSIVE               0x00000020
#define OBJ_CASE_INSENSITIVE        0x00000040
#define OBJ_OPENIF                  0x00000080
#define OBJ_OPENLINK                0x00000100
#define OBJ_VALID_ATTRIBUTES        0x000003F2

typedef struct _OBJECT_ATTRIBUTES {
    uint32_t Length;                    /* sizeof(OBJECT_ATTRIBUTES), or STATUS_INVALID_PARAMETER */
    HANDLE RootDirectory;
    NT_UNICODE_STRING *ObjectName;
    uint32_t Attributes;                /* OBJ_* */
    void *SecurityDescriptor;
    void *SecurityQualityOfService;
} OBJECT_ATTRIBUTES;

_Static_assert(sizeof(OBJECT_ATTRIBUTES) == 24, "NT x86's OBJECT_ATTRIBUTES");

/* NtDuplicateObject's options. */
#define DUPLICATE_CLOSE_SOURCE      0x00000001
#define DUPLICATE_SAME_ACCESS       0x00000002
#define DUPLICATE_SAME_ATTRIBUTES   0x00000004

/*
 * Object types. The component that owns a type allocates its OBJECT_TYPE statically, fills
 * the first fields and registers it once with ObCreateObjectType; Ob keeps the counters.
 * DeleteProcedure(Object) runs when the last reference goes (PASSIVE_LEVEL or APC_LEVEL; the
 * body is freed after it returns). CloseProcedure(Object, ProcessHandleCountLeft) runs after
 * each handle to the object is closed, with the number of handles the same table still holds
 * to it (0: that process's last). Either may be NULL.
 */
typedef struct _OBJECT_TYPE {
    const char *Name;
    POOL_TYPE PoolType;
    uint32_t PoolTag;
    GENERIC_MAPPING GenericMapping;
    ACCESS_MASK ValidAccessMask;
    void (*DeleteProcedure)(void *Object);
    void (*CloseProcedure)(void *Object, uint32_t ProcessHandleCountLeft);

    /* Ob's: */
    volatile uint32_t TotalNumberOfObjects;
    volatile uint32_t TotalNumberOfHandles;
    uint32_t HighWaterNumberOfObjects;
    uint32_t HighWaterNumberOfHandles;
    uint32_t Index;                 /* 1 and up once registered */
} OBJECT_TYPE;

#define OB_MAXIMUM_OBJECT_TYPES     32

NTSTATUS ObCreateObjectType(OBJECT_TYPE *ObjectType);   /* STATUS_INVALID_PARAMETER: twice, full */

/*
 * OBJECT_HEADER: NT x86's, immediately before the body. HandleCount doubles as NextToFree
 * (the deferred-deletion list) once the object has no handle and no reference left. A named
 * object has an OBJECT_HEADER_NAME_INFO right before its header (NameInfoOffset 16 bytes
 * back, the start of its pool block), and until its first handle is made ObjectCreateInfo
 * keeps the attributes it was created with. mm386 has no quota or security, so
 * HandleInfoOffset, QuotaInfoOffset and SecurityDescriptor stay 0.
 *
 *   -0x10 OBJECT_HEADER_NAME_INFO: Directory, Name (UNICODE_STRING), QueryReferences
 *   0x00  PointerCount        0x0C  NameInfoOffset, HandleInfoOffset, QuotaInfoOffset, Flags
 *   0x04  HandleCount         0x10  ObjectCreateInfo / QuotaBlockCharged
 *   0x08  Type                0x14  SecurityDescriptor
 *   0x18  Body ...
 */
typedef struct _OBJECT_HEADER {
    volatile int32_t PointerCount;
    union {
        volatile int32_t HandleCount;
        struct _OBJECT_HEADER *NextToFree;
    };
    OBJECT_TYPE *Type;
    uint8_t NameInfoOffset;
    uint8_t HandleInfoOffset;
    uint8_t QuotaInfoOffset;
    uint8_t Flags;
    union {
        void *ObjectCreateInfo;
        void *QuotaBlockCharged;
    };
    void *SecurityDescriptor;
    uint64_t Body;
} OBJECT_HEADER;

_Static_assert(offsetof(OBJECT_HEADER, PointerCount) == 0x00, "NT's OBJECT_HEADER");
_Static_assert(offsetof(OBJECT_HEADER, HandleCount) == 0x04, "NT's OBJECT_HEADER");
_Static_assert(offsetof(OBJECT_HEADER, Type) == 0x08, "NT's OBJECT_HEADER");
_Static_assert(offsetof(OBJECT_HEADER, Flags) == 0x0F, "NT's OBJECT_HEADER");
_Static_assert(offsetof(OBJECT_HEADER, SecurityDescriptor) == 0x14, "NT's OBJECT_HEADER");
_Static_assert(offsetof(OBJECT_HEADER, Body) == 0x18, "NT's OBJECT_HEADER");

#define OB_FLAG_NEW_OBJECT          0x01            /* created, no handle made yet */
#define OB_FLAG_PERMANENT_OBJECT    0x10            /* the name stays without handles */

struct _OBJECT_DIRECTORY;

typedef struct _OBJECT_HEADER_NAME_INFO {
    struct _OBJECT_DIRECTORY *Directory;    /* NULL: not (or no longer) in a directory */
    NT_UNICODE_STRING Name;                 /* Buffer: a kernel address (paged pool) */
    uint32_t QueryReferences;
} OBJECT_HEADER_NAME_INFO;

_Static_assert(sizeof(OBJECT_HEADER_NAME_INFO) == 16, "NT x86's OBJECT_HEADER_NAME_INFO");

static inline OBJECT_HEADER_NAME_INFO *OBJECT_HEADER_TO_NAME_INFO(OBJECT_HEADER *Header)
{
    return Header->NameInfoOffset
        ? (OBJECT_HEADER_NAME_INFO *)((char *)Header - Header->NameInfoOffset) : NULL;
}

#define OBJECT_TO_OBJECT_HEADER(Object) \
    CONTAINING_RECORD((Object), OBJECT_HEADER, Body)

/*
 * A new object of ObjectType with a zeroed body of BodySize bytes from the type's pool, one
 * reference (the caller's) and no handle. STATUS_INSUFFICIENT_RESOURCES when pool is short;
 * STATUS_INVALID_PARAMETER for a type never registered. PASSIVE_LEVEL or APC_LEVEL.
 */
NTSTATUS ObCreateObject(OBJECT_TYPE *ObjectType, uint32_t BodySize, void **Object);

/*
 * ObCreateObject with NT's ObjectAttributes (NULL: none), read from ProbeMode's memory: the
 * name is captured into the object's name information, the attributes kept for
 * ObInsertObject. STATUS_INVALID_PARAMETER for a Length other than 24 or unknown attribute
 * bits, STATUS_OBJECT_NAME_INVALID for a name of odd length or longer than 65532 bytes, or a
 * RootDirectory with no name, STATUS_ACCESS_VIOLATION for memory that cannot be read.
 */
NTSTATUS ObCreateNamedObject(KPROCESSOR_MODE ProbeMode, OBJECT_TYPE *ObjectType,
                             const OBJECT_ATTRIBUTES *ObjectAttributes, uint32_t BodySize,
                             void **Object);

/*
 * References. Both bugcheck REFERENCE_BY_POINTER (type, object, pointer count, handle count)
 * for a pointer that is not an object's body, and for a count that would go below zero or
 * reach it while handles are open. ObDereferenceObject may be called up to DISPATCH_LEVEL:
 * above APC_LEVEL the deletion is left to a system worker thread (as NT does).
 */
void ObReferenceObject(void *Object);
void ObDereferenceObject(void *Object);
OBJECT_TYPE *ObGetObjectType(void *Object);

/*
 * Handle tables. Where NT keeps the table mechanics in ex/handle.c, mm386's Ex sits below
 * Mm's pool, so they live here. An entry is NT x86's HANDLE_TABLE_ENTRY: the object's header
 * with the handle attributes in its low 3 bits, and the granted access (or, on a free entry,
 * the next free handle). Entries come a page (512) at a time; the table grows as handles are
 * made, up to OB_MAXIMUM_HANDLES (then STATUS_INSUFFICIENT_RESOURCES), and a closed handle's
 * entry is the first one reused (a LIFO free list, like NT's). A fast mutex guards a table:
 * its routines run at PASSIVE_LEVEL.
 */
typedef struct _HANDLE_TABLE_ENTRY {
    union {
        void *Object;               /* OBJECT_HEADER *, OBJ_HANDLE_ATTRIBUTES in the low bits */
        uint32_t ObAttributes;
    };
    union {
        ACCESS_MASK GrantedAccess;
        uint32_t NextFreeTableEntry; /* a free entry: the next free handle, 0 ends the list */
    };
} HANDLE_TABLE_ENTRY;

_Static_assert(sizeof(HANDLE_TABLE_ENTRY) == 8, "NT x86's HANDLE_TABLE_ENTRY");

#define OB_HANDLE_ENTRIES_PER_PAGE  (PAGE_SIZE / sizeof(HANDLE_TABLE_ENTRY))
#define OB_MAXIMUM_HANDLES          (1u << 24)

typedef struct _HANDLE_TABLE {
    FAST_MUTEX Lock;
    HANDLE_TABLE_ENTRY **Pages;     /* Pages[i] holds handles i*512*4 up to (i+1)*512*4 - 4 */
    uint32_t PageCount;             /* pages made */
    uint32_t PageSlots;             /* room in Pages */
    uint32_t FirstFree;             /* the next handle to give out, 0: none free */
    uint32_t HandleCount;           /* handles open */
    uint32_t HighWaterHandleCount;
} HANDLE_TABLE;

extern HANDLE_TABLE *ObKernelHandleTable;   /* the system's: kernel threads, kernel handles */

NTSTATUS ObCreateHandleTable(HANDLE_TABLE **HandleTable);
/* A new process's table (empty) gets its parent's OBJ_INHERIT handles at their values (NT's
 * ExDupHandleTable with ObDupHandleProcedure; obhandle.c). */
NTSTATUS ObDuplicateInheritedHandles(HANDLE_TABLE *Source, HANDLE_TABLE *Target);
void ObDestroyHandleTable(HANDLE_TABLE *HandleTable);   /* closes each handle left, then frees */

/*
 * What Ps supplies: the current process's table (NULL: the system's) and the object a
 * pseudo-handle means, referenced, with its type (NULL: none). Called at PASSIVE_LEVEL.
 * Either routine may be NULL. Previous, if not NULL, receives the pair replaced (tests put
 * their own in place for a while and put the old pair back).
 */
typedef struct _OB_PROCESS_CALLBACKS {
    HANDLE_TABLE *(*CurrentHandleTable)(void);
    void *(*ReferencePseudoHandle)(HANDLE Handle, OBJECT_TYPE **ObjectType);
} OB_PROCESS_CALLBACKS;

void ObSetProcessCallbacks(const OB_PROCESS_CALLBACKS *Callbacks, OB_PROCESS_CALLBACKS *Previous);

/*
 * A handle to Object in HandleTable (NULL: the current process's, or with OBJ_KERNEL_HANDLE
 * the kernel's), granted DesiredAccess mapped through the type's GenericMapping (MAXIMUM_ALLOWED
 * = ValidAccessMask) and kept within ValidAccessMask; HandleAttributes are OBJ_INHERIT,
 * OBJ_PROTECT_CLOSE, OBJ_KERNEL_HANDLE. As NT's, it consumes the caller's reference: the
 * handle holds it from then on, and on failure it is dropped (a new object is deleted). A
 * caller that goes on using the object references it first. Failures:
 * STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_PARAMETER (unknown attributes).
 */
NTSTATUS ObInsertObject(void *Object, ACCESS_MASK DesiredAccess, uint32_t HandleAttributes,
                        HANDLE_TABLE *HandleTable, HANDLE *Handle);

/*
 * For a named object ObInsertObject first puts the name in its directory (the handle's
 * attributes then include the OBJ_INHERIT it was created with). If the name is taken:
 * STATUS_OBJECT_NAME_COLLISION; with OBJ_OPENIF, STATUS_OBJECT_TYPE_MISMATCH when the object
 * there is of another type, else the new object is dropped and the handle is to the one
 * found, with the success STATUS_OBJECT_NAME_EXISTS. A path through a directory that does not
 * exist is STATUS_OBJECT_PATH_NOT_FOUND (through an object that is no directory:
 * STATUS_OBJECT_TYPE_MISMATCH), one not starting with a backslash
 * STATUS_OBJECT_PATH_SYNTAX_BAD, an empty last component STATUS_OBJECT_NAME_INVALID; a
 * RootDirectory handle is STATUS_INVALID_HANDLE or STATUS_OBJECT_TYPE_MISMATCH (no directory
 * handles are ever given out). OBJ_PERMANENT keeps the name without handles; from user mode
 * it needs SeCreatePermanentPrivilege, which no token holds: STATUS_PRIVILEGE_NOT_HELD.
 */

/* ObInsertObject for an object the caller keeps its reference to: the handle takes its own. */
NTSTATUS ObOpenObjectByPointer(void *Object, ACCESS_MASK DesiredAccess, uint32_t HandleAttributes,
                               HANDLE_TABLE *HandleTable, HANDLE *Handle);

/*
 * The object behind Handle in the current process's table, referenced for the caller.
 * ObjectType NULL accepts any type. From UserMode every bit of DesiredAccess (specific
 * rights: no generic mapping here) must be in the handle's GrantedAccess; KernelMode callers
 * are trusted, as in NT. GrantedAccess may be NULL. Statuses: STATUS_INVALID_HANDLE (0, never
 * made, closed, a kernel handle from user mode, a pseudo-handle nobody registered),
 * STATUS_OBJECT_TYPE_MISMATCH, STATUS_ACCESS_DENIED. PASSIVE_LEVEL.
 */
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   OBJECT_TYPE *ObjectType, KPROCESSOR_MODE AccessMode,
                                   void **Object, ACCESS_MASK *GrantedAccess);

/*
 * Close Handle in the current process's table (a kernel handle from KernelMode: the
 * kernel's). STATUS_INVALID_HANDLE for anything that is not an open handle, the
 * pseudo-handles included (NT's answer too); STATUS_HANDLE_NOT_CLOSABLE for OBJ_PROTECT_CLOSE.
 * NtClose is the service: the caller's previous mode is UserMode until the system-service
 * dispatch records one; kernel code calls ObCloseHandle(Handle, KernelMode), as ZwClose.
 */
NTSTATUS ObCloseHandle(HANDLE Handle, KPROCESSOR_MODE PreviousMode);
NTSTATUS NtClose(HANDLE Handle);

/*
 * NT's duplication between two tables. SourceHandle may be a pseudo-handle when SourceTable
 * is the current process's. DUPLICATE_SAME_ACCESS copies the source's granted access and
 * ignores DesiredAccess; otherwise DesiredAccess is mapped as ObInsertObject maps it and
 * granted even where it is wider than the source's (NT grants it when the object's security
 * allows it; mm386 has none). DUPLICATE_SAME_ATTRIBUTES copies OBJ_INHERIT and
 * OBJ_PROTECT_CLOSE instead of HandleAttributes. DUPLICATE_CLOSE_SOURCE closes the source
 * handle whatever else happens (NT's rule); TargetTable may then be NULL, to close only.
 * TargetHandle may be NULL when TargetTable is.
 */
NTSTATUS ObDuplicateObject(HANDLE_TABLE *SourceTable, HANDLE SourceHandle,
                           HANDLE_TABLE *TargetTable, HANDLE *TargetHandle,
                           ACCESS_MASK DesiredAccess, uint32_t HandleAttributes, uint32_t Options);

/*
 * A handle to the object ObjectAttributes names, which must be of ObjectType (else
 * STATUS_OBJECT_TYPE_MISMATCH), granted DesiredAccess as ObInsertObject grants it; the
 * attributes read from AccessMode's memory. NULL attributes are STATUS_INVALID_PARAMETER, no
 * name STATUS_OBJECT_PATH_SYNTAX_BAD, a name nobody has STATUS_OBJECT_NAME_NOT_FOUND; the
 * rest as ObCreateNamedObject and ObInsertObject.
 */
NTSTATUS ObOpenObjectByName(const OBJECT_ATTRIBUTES *ObjectAttributes, OBJECT_TYPE *ObjectType,
                            KPROCESSOR_MODE AccessMode, ACCESS_MASK DesiredAccess,
                            HANDLE *Handle);

/* The object directory type and the two directories every system has: "\" and
 * "\BaseNamedObjects" (obdir.c). */
extern OBJECT_TYPE ObDirectoryType;

/* Mm's section objects (obsect.c): the type, and the Ob calls Mm makes through its callouts. */
extern OBJECT_TYPE MmSectionObjectType;

/* For the debugger: objects and handles of each registered type, in registration order. */
typedef struct _OB_TYPE_COUNTS {
    const char *Name;
    uint32_t Objects, Handles, HighWaterObjects, HighWaterHandles;
} OB_TYPE_COUNTS;

uint32_t ObQueryObjectCounts(OB_TYPE_COUNTS *Counts, uint32_t MaximumCount);   /* types filled */

void ObInitSystem(void);            /* the kernel's handle table; after the pool, before threads use Ob */

#endif
