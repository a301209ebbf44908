/*
 * tests/kernel/ob.c: the object manager with two test types of object. Most tests put their
 * own process callbacks in place for their duration (a private handle table as the current
 * one, a "process" object behind the pseudo-handles) and put the old ones back at the end;
 * destroying the private table closes whatever a failed test left in it.
 */
#include "kernel/kd/ktest.h"
#include "kernel/ob/ob.h"
#include "mm/pool.h"

#define OBT_TAG             POOL_TAG('O', 'b', 'T', 'n')
#define OBT_PAGED_TAG       POOL_TAG('O', 'b', 'T', 'p')
#define OBT_TABLE_TAG       POOL_TAG('O', 'b', 'h', 't')
#define OBT_QUERY           0x0001
#define OBT_MODIFY          0x0002
#define OBT_EXECUTE         0x0004
#define OBT_EXTRA           0x0008
#define OBT_ALL_ACCESS      (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x000F)
#define OBT_MANY            10000
#define OBT_THREADS         4
#define OBT_THREAD_ROUNDS   20000
#define OBT_NAP_ROUNDS      256

typedef struct _OBT_BODY {
    uint32_t Words[5];
} OBT_BODY;

static volatile uint32_t ObtDeletes;
static void *volatile ObtLastDeleted;
static volatile KIRQL ObtDeleteIrql;
static KTHREAD *volatile ObtDeleteThread;
static volatile uint32_t ObtCloses;
static volatile uint32_t ObtLastHandlesLeft;

static void ObtDelete(void *Object)
{
    __atomic_add_fetch(&ObtDeletes, 1, __ATOMIC_SEQ_CST);
    ObtLastDeleted = Object;
    ObtDeleteIrql = KeGetCurrentIrql();
    ObtDeleteThread = KeGetCurrentThread();
}

static void ObtClose(void *Object, uint32_t ProcessHandleCountLeft)
{
    (void)Object;
    __atomic_add_fetch(&ObtCloses, 1, __ATOMIC_SEQ_CST);
    ObtLastHandlesLeft = ProcessHandleCountLeft;
}

static OBJECT_TYPE ObtType = {
    .Name = "ObTest",
    .PoolType = NonPagedPool,
    .PoolTag = OBT_TAG,
    .GenericMapping = { STANDARD_RIGHTS_READ | OBT_QUERY, STANDARD_RIGHTS_WRITE | OBT_MODIFY,
                        STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | OBT_EXECUTE, OBT_ALL_ACCESS },
    .ValidAccessMask = OBT_ALL_ACCESS,
    .DeleteProcedure = ObtDelete,
    .CloseProcedure = ObtClose,
};

static OBJECT_TYPE ObtPagedType = {
    .Name = "ObTestPaged",
    .PoolType = PagedPool,
    .PoolTag = OBT_PAGED_TAG,
    .GenericMapping = { OBT_QUERY, OBT_MODIFY, OBT_EXECUTE, OBT_ALL_ACCESS },
    .ValidAccessMask = OBT_ALL_ACCESS,
};

/* The test's "process": its table is the current one, its object is NtCurrentProcess(). */
static HANDLE_TABLE *ObtTable;
static void *ObtProcess;
static OB_PROCESS_CALLBACKS ObtSavedCallbacks;

static void RegisterTypes(void)
{
    if (!ObtType.Index) {
        KT_ASSERT_STATUS(STATUS_SUCCESS, ObCreateObjectType(&ObtType));
        KT_ASSERT_STATUS(STATUS_SUCCESS, ObCreateObjectType(&ObtPagedType));
    }
}

static uint32_t TagBytes(uint32_t Tag)
{
    POOL_TRACKER_TABLE entry = { 0 };

    ExpQueryPoolTracker(Tag, &entry);
    return entry.NonPagedBytes + entry.PagedBytes;
}

static void *Create(OBJECT_TYPE *Type)
{
    void *object;

    KT_ASSERT_STATUS(STATUS_SUCCESS, ObCreateObject(Type, sizeof(OBT_BODY), &object));
    return object;
}

static void DereferenceCleanup(void *Object)
{
    ObDereferenceObject(Object);
}

/* An object the runner dereferences if the test does not (KtRelease does it early). */
static void *CreateHeld(OBJECT_TYPE *Type)
{
    void *object = Create(Type);

    KtDefer(DereferenceCleanup, object);
    return object;
}

static HANDLE_TABLE *CurrentTable(void)
{
    return ObtTable;
}

static void *ReferencePseudo(HANDLE Handle, OBJECT_TYPE **ObjectType)
{
    if (Handle != NtCurrentProcess() || !ObtProcess)
        return NULL;
    ObReferenceObject(ObtProcess);
    *ObjectType = &ObtType;
    return ObtProcess;
}

static void EndProcess(void *Context)
{
    (void)Context;
    ObSetProcessCallbacks(&ObtSavedCallbacks, NULL);
    ObDestroyHandleTable(ObtTable);
    ObDereferenceObject(ObtProcess);
    ObtTable = NULL;
    ObtProcess = NULL;
}

/* Become a test process with an empty handle table until the test ends. */
static void BeginProcess(void)
{
    static const OB_PROCESS_CALLBACKS callbacks = { CurrentTable, ReferencePseudo };

    RegisterTypes();
    ObtProcess = Create(&ObtType);
    if (!NT_SUCCESS(ObCreateHandleTable(&ObtTable))) {
        ObDereferenceObject(ObtProcess);
        KtFail(__FILE__, __LINE__, "no handle table");
    }
    ObSetProcessCallbacks(&callbacks, &ObtSavedCallbacks);
    KtDefer(EndProcess, NULL);
}

/* A handle in the current table to a new object; the handle holds its only reference. */
static HANDLE Open(OBJECT_TYPE *Type, ACCESS_MASK Access)
{
    HANDLE handle;

    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(Type), Access, 0, NULL, &handle));
    return handle;
}

static HANDLE_TABLE_ENTRY *EntryOf(HANDLE_TABLE *Table, HANDLE Handle)
{
    uint32_t index = ((uint32_t)(uintptr_t)Handle & ~KERNEL_HANDLE_MASK) / 4;

    return &Table->Pages[index / OB_HANDLE_ENTRIES_PER_PAGE][index % OB_HANDLE_ENTRIES_PER_PAGE];
}

static uint32_t Status(NTSTATUS Status)
{
    return (uint32_t)Status;
}

/* The header before the body, as NT x86 lays it out; a type registers once. */
KTEST(TestObCreate, "ob.create")
{
    OBJECT_TYPE unregistered = ObtPagedType;
    void *object;

    RegisterTypes();
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, ObCreateObjectType(&ObtType));
    unregistered.Index = 0;
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER, ObCreateObject(&unregistered, 8, &object));

    uint32_t objects = ObtType.TotalNumberOfObjects;
    uint8_t *body = CreateHeld(&ObtType);
    OBJECT_HEADER *header = OBJECT_TO_OBJECT_HEADER(body);

    KT_ASSERT_PTR_EQ(body - 0x18, header);
    KT_ASSERT_EQ(1, *(int32_t *)(body - 0x18));
    KT_ASSERT_EQ(0, *(int32_t *)(body - 0x14));
    KT_ASSERT_PTR_EQ(&ObtType, *(OBJECT_TYPE **)(body - 0x10));
    KT_ASSERT_EQ(OB_FLAG_NEW_OBJECT, header->Flags);
    KT_ASSERT_PTR_EQ(&ObtType, ObGetObjectType(body));
    for (uint32_t i = 0; i < sizeof(OBT_BODY); i++)
        KT_ASSERT_EQ(0, body[i]);
    KT_ASSERT_EQ(objects + 1, ObtType.TotalNumberOfObjects);
    KT_ASSERT_LE(objects + 1, ObtType.HighWaterNumberOfObjects);
}

/* References keep an object; the last one deletes it once, and its pool goes back. */
KTEST(TestObReferences, "ob.ref.delete")
{
    RegisterTypes();
    uint32_t bytes = TagBytes(OBT_TAG), objects = ObtType.TotalNumberOfObjects;
    void *object = Create(&ObtType);

    ObtDeletes = 0;
    KT_ASSERT_LT(bytes, TagBytes(OBT_TAG));
    ObReferenceObject(object);
    ObReferenceObject(object);
    KT_ASSERT_EQ(3, OBJECT_TO_OBJECT_HEADER(object)->PointerCount);
    ObDereferenceObject(object);
    ObDereferenceObject(object);
    KT_ASSERT_EQ(0, ObtDeletes);
    ObDereferenceObject(object);
    KT_ASSERT_EQ(1, ObtDeletes);
    KT_ASSERT_PTR_EQ(object, ObtLastDeleted);
    KT_ASSERT_EQ(PASSIVE_LEVEL, ObtDeleteIrql);
    KT_ASSERT_EQ(bytes, TagBytes(OBT_TAG));
    KT_ASSERT_EQ(objects, ObtType.TotalNumberOfObjects);
}

/* Above APC_LEVEL the last reference leaves the deletion to the worker, at PASSIVE_LEVEL. */
KTEST(TestObDeferred, "ob.ref.deferred")
{
    RegisterTypes();
    uint32_t bytes = TagBytes(OBT_TAG);
    void *object = Create(&ObtType);
    int64_t tick = KI_MILLISECONDS(10);
    KIRQL oldIrql;
    uint32_t deletesAtDispatch;

    ObtDeletes = 0;
    ObtDeleteThread = NULL;
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    ObDereferenceObject(object);
    deletesAtDispatch = ObtDeletes;
    KfLowerIrql(oldIrql);
    KT_ASSERT_EQ(0, deletesAtDispatch);
    for (int i = 0; i < 100 && ObtDeletes == 0; i++)
        KeDelayExecutionThread(KernelMode, false, &tick);
    KT_ASSERT_EQ(1, ObtDeletes);
    KT_ASSERT_PTR_EQ(object, ObtLastDeleted);
    KT_ASSERT_EQ(PASSIVE_LEVEL, ObtDeleteIrql);
    KT_ASSERT(ObtDeleteThread != KeGetCurrentThread());
    KT_ASSERT_STREQ("Worker", ObtDeleteThread->Name);
    KT_ASSERT_EQ(bytes, TagBytes(OBT_TAG));
}

/* Handles are 4, 8, 12 ...; the one closed last is made next; destroying closes the rest. */
KTEST(TestObHandleValues, "ob.handle.values")
{
    RegisterTypes();
    uint32_t tableBytes = TagBytes(OBT_TABLE_TAG), bytes = TagBytes(OBT_TAG);
    HANDLE_TABLE *table;
    HANDLE h[4];

    ObtDeletes = 0;
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObCreateHandleTable(&table));
    for (int i = 0; i < 3; i++) {
        KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), 0, 0, table, &h[i]));
        KT_ASSERT_EQ(4 * (i + 1), (uintptr_t)h[i]);
    }
    KT_ASSERT_EQ(3, table->HandleCount);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(table, h[1], NULL, NULL, 0, 0,
                                                       DUPLICATE_CLOSE_SOURCE));
    KT_ASSERT_EQ(1, ObtDeletes);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), 0, 0, table, &h[3]));
    KT_ASSERT_EQ(8, (uintptr_t)h[3]);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(table, h[0], NULL, NULL, 0, 0,
                                                       DUPLICATE_CLOSE_SOURCE));
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(table, h[2], NULL, NULL, 0, 0,
                                                       DUPLICATE_CLOSE_SOURCE));
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), 0, 0, table, &h[0]));
    KT_ASSERT_EQ(12, (uintptr_t)h[0]);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), 0, 0, table, &h[1]));
    KT_ASSERT_EQ(4, (uintptr_t)h[1]);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), 0, 0, table, &h[2]));
    KT_ASSERT_EQ(16, (uintptr_t)h[2]);
    KT_ASSERT_EQ(3, ObtDeletes);
    ObDestroyHandleTable(table);
    KT_ASSERT_EQ(7, ObtDeletes);
    KT_ASSERT_EQ(bytes, TagBytes(OBT_TAG));
    KT_ASSERT_EQ(tableBytes, TagBytes(OBT_TABLE_TAG));
}

/* Each wrong handle gets NT's status. */
KTEST(TestObHandleStatus, "ob.handle.status")
{
    BeginProcess();
    HANDLE h = Open(&ObtType, OBT_ALL_ACCESS), kernel;
    void *object, *again;

    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObReferenceObjectByHandle(NULL, 0, NULL, KernelMode, &object, NULL)));
    KT_ASSERT_PTR_EQ(NULL, object);
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObReferenceObjectByHandle((HANDLE)0x8, 0, NULL, UserMode, &object, NULL)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObReferenceObjectByHandle((HANDLE)0x7FFFFFFC, 0, NULL, KernelMode,
                                                  &object, NULL)));

    /* The tag bits are ignored, as NT ignores them. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle(h, 0, &ObtType, UserMode, &object,
                                                              NULL));
    for (uintptr_t tag = 1; tag <= 3; tag++) {
        KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle((HANDLE)((uintptr_t)h | tag), 0,
                                                                  NULL, UserMode, &again, NULL));
        KT_ASSERT_PTR_EQ(object, again);
        ObDereferenceObject(again);
    }
    KT_ASSERT_EQ(2, OBJECT_TO_OBJECT_HEADER(object)->PointerCount);
    KT_ASSERT_EQ(1, OBJECT_TO_OBJECT_HEADER(object)->HandleCount);
    ObDereferenceObject(object);

    KT_ASSERT_EQ(Status(STATUS_OBJECT_TYPE_MISMATCH),
                 Status(ObReferenceObjectByHandle(h, 0, &ObtPagedType, KernelMode, &object, NULL)));
    KT_ASSERT_PTR_EQ(NULL, object);

    KT_ASSERT_STATUS(STATUS_SUCCESS, NtClose(h));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(NtClose(h)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObReferenceObjectByHandle(h, 0, NULL, KernelMode, &object, NULL)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(NtClose(NULL)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(NtClose(NtCurrentProcess())));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(NtClose(NtCurrentThread())));

    /* A kernel handle: bit 31, the kernel's table, kernel mode only. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), SYNCHRONIZE,
                                                    OBJ_KERNEL_HANDLE, NULL, &kernel));
    KT_ASSERT_EQ(KERNEL_HANDLE_MASK, (uintptr_t)kernel & KERNEL_HANDLE_MASK);
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObReferenceObjectByHandle(kernel, 0, NULL, UserMode, &object, NULL)));
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle(kernel, 0, NULL, KernelMode,
                                                              &object, NULL));
    ObDereferenceObject(object);
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(NtClose(kernel)));
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObCloseHandle(kernel, KernelMode));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(ObCloseHandle(kernel, KernelMode)));

    KT_ASSERT_EQ(Status(STATUS_INVALID_PARAMETER),
                 Status(ObInsertObject(Create(&ObtType), 0, OBJ_KERNEL_HANDLE, ObtTable, &h)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_PARAMETER),
                 Status(ObInsertObject(Create(&ObtType), 0, 0x40, NULL, &h)));
    KT_ASSERT_PTR_EQ(NULL, h);
}

/* The pseudo-handles mean the current process (through the callback) with full access. */
KTEST(TestObPseudoHandles, "ob.handle.pseudo")
{
    BeginProcess();
    void *object;
    ACCESS_MASK granted;

    KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle(NtCurrentProcess(), OBT_MODIFY,
                                                              &ObtType, UserMode, &object,
                                                              &granted));
    KT_ASSERT_PTR_EQ(ObtProcess, object);
    KT_ASSERT_EQ(OBT_ALL_ACCESS, granted);
    KT_ASSERT_EQ(2, OBJECT_TO_OBJECT_HEADER(object)->PointerCount);
    ObDereferenceObject(object);
    KT_ASSERT_EQ(Status(STATUS_OBJECT_TYPE_MISMATCH),
                 Status(ObReferenceObjectByHandle(NtCurrentProcess(), 0, &ObtPagedType,
                                                  KernelMode, &object, NULL)));
    KT_ASSERT_EQ(1, OBJECT_TO_OBJECT_HEADER(ObtProcess)->PointerCount);
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObReferenceObjectByHandle(NtCurrentThread(), 0, NULL, KernelMode,
                                                  &object, NULL)));
}

/* Generic rights become the type's specific ones; MAXIMUM_ALLOWED is all it has. */
KTEST(TestObGenericMapping, "ob.access.generic")
{
    static const struct {
        ACCESS_MASK Desired, Granted;
    } cases[] = {
        { GENERIC_READ, READ_CONTROL | OBT_QUERY },
        { GENERIC_WRITE, READ_CONTROL | OBT_MODIFY },
        { GENERIC_EXECUTE, READ_CONTROL | SYNCHRONIZE | OBT_EXECUTE },
        { GENERIC_ALL, OBT_ALL_ACCESS },
        { GENERIC_READ | OBT_MODIFY | DELETE, READ_CONTROL | OBT_QUERY | OBT_MODIFY | DELETE },
        { MAXIMUM_ALLOWED, OBT_ALL_ACCESS },
        { OBT_QUERY | 0x0100 | ACCESS_SYSTEM_SECURITY, OBT_QUERY },
        { 0, 0 },
    };

    BeginProcess();
    for (uint32_t i = 0; i < ARRAYSIZE(cases); i++) {
        HANDLE h = Open(&ObtType, cases[i].Desired);
        void *object;
        ACCESS_MASK granted;

        KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle(h, 0, NULL, UserMode, &object,
                                                                  &granted));
        ObDereferenceObject(object);
        KT_ASSERT_EQ(cases[i].Granted, granted);
        KT_ASSERT_EQ(cases[i].Granted, EntryOf(ObtTable, h)->GrantedAccess);
        KT_ASSERT_STATUS(STATUS_SUCCESS, NtClose(h));
    }
    ACCESS_MASK mask = GENERIC_READ | GENERIC_WRITE | 0x20;
    RtlMapGenericMask(&mask, &ObtType.GenericMapping);
    KT_ASSERT_EQ(READ_CONTROL | OBT_QUERY | OBT_MODIFY | 0x20, mask);
}

/* From user mode every use of a handle is checked against what it was granted. */
KTEST(TestObAccessCheck, "ob.access.check")
{
    BeginProcess();
    HANDLE h = Open(&ObtType, SYNCHRONIZE);
    void *object;
    ACCESS_MASK granted;

    for (int use = 0; use < 3; use++) {
        KT_ASSERT_EQ(Status(STATUS_ACCESS_DENIED),
                     Status(ObReferenceObjectByHandle(h, OBT_QUERY, &ObtType, UserMode, &object,
                                                      NULL)));
        KT_ASSERT_PTR_EQ(NULL, object);
        KT_ASSERT_EQ(Status(STATUS_ACCESS_DENIED),
                     Status(ObReferenceObjectByHandle(h, SYNCHRONIZE | DELETE, NULL, UserMode,
                                                      &object, NULL)));
        KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle(h, SYNCHRONIZE, &ObtType,
                                                                  UserMode, &object, &granted));
        KT_ASSERT_EQ(SYNCHRONIZE, granted);
        ObDereferenceObject(object);
    }
    /* Kernel mode is trusted, as in NT; the type is still checked before the access. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle(h, OBT_MODIFY, &ObtType,
                                                              KernelMode, &object, &granted));
    KT_ASSERT_EQ(SYNCHRONIZE, granted);
    ObDereferenceObject(object);
    KT_ASSERT_EQ(Status(STATUS_OBJECT_TYPE_MISMATCH),
                 Status(ObReferenceObjectByHandle(h, OBT_QUERY, &ObtPagedType, UserMode, &object,
                                                  NULL)));
    KT_ASSERT_EQ(1, ((OBJECT_HEADER *)EntryOf(ObtTable, h)->Object)->PointerCount);
}

static void DestroyTable(void *Table)
{
    ObDestroyHandleTable(Table);
}

/* Duplication: each option, the access and attributes it gives, the counts it moves. */
KTEST(TestObDuplicate, "ob.handle.duplicate")
{
    BeginProcess();
    HANDLE_TABLE *other;
    HANDLE source, copy, narrow, wide, same, plain, moved, self;
    OBJECT_HEADER *header;
    uint32_t handles = ObtType.TotalNumberOfHandles;

    KT_ASSERT_STATUS(STATUS_SUCCESS, ObCreateHandleTable(&other));
    KtDefer(DestroyTable, other);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObInsertObject(Create(&ObtType), OBT_QUERY | SYNCHRONIZE,
                                                    OBJ_INHERIT, NULL, &source));
    header = EntryOf(ObtTable, source)->Object;
    header = (OBJECT_HEADER *)((uintptr_t)header & ~(uintptr_t)OBJ_HANDLE_ATTRIBUTES);

    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, source, other, &copy, OBT_MODIFY,
                                                       0, DUPLICATE_SAME_ACCESS));
    KT_ASSERT_EQ(4, (uintptr_t)copy);
    KT_ASSERT_EQ(OBT_QUERY | SYNCHRONIZE, EntryOf(other, copy)->GrantedAccess);
    KT_ASSERT_EQ(0, EntryOf(other, copy)->ObAttributes & OBJ_HANDLE_ATTRIBUTES);
    KT_ASSERT_EQ(2, header->HandleCount);
    KT_ASSERT_EQ(2, header->PointerCount);

    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, source, ObtTable, &narrow,
                                                       SYNCHRONIZE, 0, 0));
    KT_ASSERT_EQ(SYNCHRONIZE, EntryOf(ObtTable, narrow)->GrantedAccess);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, source, ObtTable, &wide,
                                                       GENERIC_WRITE | OBT_EXTRA, 0, 0));
    KT_ASSERT_EQ(READ_CONTROL | OBT_MODIFY | OBT_EXTRA, EntryOf(ObtTable, wide)->GrantedAccess);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, source, ObtTable, &same, 0,
                                                       OBJ_PROTECT_CLOSE,
                                                       DUPLICATE_SAME_ATTRIBUTES));
    KT_ASSERT_EQ(OBJ_INHERIT, EntryOf(ObtTable, same)->ObAttributes & OBJ_HANDLE_ATTRIBUTES);
    KT_ASSERT_EQ(0, EntryOf(ObtTable, same)->GrantedAccess);
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, source, ObtTable, &plain,
                                                       SYNCHRONIZE, OBJ_PROTECT_CLOSE, 0));
    KT_ASSERT_EQ(OBJ_PROTECT_CLOSE, EntryOf(ObtTable, plain)->ObAttributes & OBJ_HANDLE_ATTRIBUTES);
    KT_ASSERT_EQ(6, header->HandleCount);
    KT_ASSERT_EQ(handles + 6, ObtType.TotalNumberOfHandles);

    /* A protected handle is not closable; destroying its table closes it all the same. */
    KT_ASSERT_EQ(Status(STATUS_HANDLE_NOT_CLOSABLE), Status(NtClose(plain)));
    KT_ASSERT_EQ(6, header->HandleCount);

    /* DUPLICATE_CLOSE_SOURCE moves the handle. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, narrow, other, &moved, 0, 0,
                                                       DUPLICATE_CLOSE_SOURCE |
                                                       DUPLICATE_SAME_ACCESS));
    KT_ASSERT_EQ(8, (uintptr_t)moved);
    KT_ASSERT_EQ(SYNCHRONIZE, EntryOf(other, moved)->GrantedAccess);
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE), Status(NtClose(narrow)));
    KT_ASSERT_EQ(6, header->HandleCount);

    /* What fails. */
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObDuplicateObject(ObtTable, narrow, other, &copy, 0, 0, 0)));
    KT_ASSERT_PTR_EQ(NULL, copy);
    KT_ASSERT_EQ(Status(STATUS_INVALID_PARAMETER),
                 Status(ObDuplicateObject(ObtTable, source, other, &copy, 0, 0, 8)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_PARAMETER),
                 Status(ObDuplicateObject(ObtTable, source, other, &copy, 0, OBJ_KERNEL_HANDLE, 0)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_PARAMETER),
                 Status(ObDuplicateObject(ObtTable, source, NULL, NULL, 0, 0, 0)));
    KT_ASSERT_EQ(Status(STATUS_INVALID_HANDLE),
                 Status(ObDuplicateObject(other, NtCurrentProcess(), other, &copy, 0, 0,
                                          DUPLICATE_SAME_ACCESS)));

    /* The current process's pseudo-handle becomes a real handle with full access. */
    KT_ASSERT_STATUS(STATUS_SUCCESS, ObDuplicateObject(ObtTable, NtCurrentProcess(), other, &self,
                                                       0, 0, DUPLICATE_SAME_ACCESS));
    KT_ASSERT_EQ(OBT_ALL_ACCESS, EntryOf(other, self)->GrantedAccess);
    KT_ASSERT_PTR_EQ(OBJECT_TO_OBJECT_HEADER(ObtProcess),
                     (uintptr_t)EntryOf(other, self)->Object & ~(uintptr_t)OBJ_HANDLE_ATTRIBUTES);
    KT_ASSERT_EQ(1, OBJECT_TO_OBJECT_HEADER(ObtProcess)->HandleCount);
    KtRelease(DestroyTable, other);
    KT_ASSERT_EQ(0, OBJECT_TO_OBJECT_HEADER(ObtProcess)->HandleCount);
    KT_ASSERT_EQ(4, header->HandleCount);
}

/* The close procedure hears how many handles the table still has to the object. */
KTEST(TestObCloseProcedure, "ob.handle.close")
{
    BeginProcess();
    HANDLE h[3];
    void *object = CreateHeld(&ObtType);
    OBJECT_HEADER *header = OBJECT_TO_OBJECT_HEADER(object);
    uint32_t handles = ObtType.TotalNumberOfHandles;

    for (int i = 0; i < 3; i++)
        KT_ASSERT_STATUS(STATUS_SUCCESS, ObOpenObjectByPointer(object, SYNCHRONIZE, 0, NULL, &h[i]));
    KT_ASSERT_EQ(3, header->HandleCount);
    KT_ASSERT_EQ(4, header->PointerCount);
    KT_ASSERT_EQ(handles + 3, ObtType.TotalNumberOfHandles);
    ObtCloses = 0;
    ObtDeletes = 0;
    for (int i = 0; i < 3; i++) {
        KT_ASSERT_STATUS(STATUS_SUCCESS, NtClose(h[i]));
        KT_ASSERT_EQ(i + 1, ObtCloses);
        KT_ASSERT_EQ(2 - i, ObtLastHandlesLeft);
        KT_ASSERT_EQ(2 - i, header->HandleCount);
    }
    KT_ASSERT_EQ(1, header->PointerCount);
    KT_ASSERT_EQ(handles, ObtType.TotalNumberOfHandles);
    KtRelease(DereferenceCleanup, object);
    KT_ASSERT_EQ(1, ObtDeletes);
}

/* Ten thousand handles, all closed: the pool is where it was. */
KTEST(TestObManyHandles, "ob.handle.many")
{
    uint32_t tableBytes = TagBytes(OBT_TABLE_TAG);

    BeginProcess();
    uint32_t bytes = TagBytes(OBT_PAGED_TAG);
    uint32_t objects = ObtPagedType.TotalNumberOfObjects;
    OB_TYPE_COUNTS counts[OB_MAXIMUM_OBJECT_TYPES];
    uint32_t n;

    for (uint32_t i = 1; i <= OBT_MANY; i++)
        KT_ASSERT_EQ(4 * i, (uintptr_t)Open(&ObtPagedType, OBT_QUERY));
    KT_ASSERT_EQ(OBT_MANY, ObtTable->HandleCount);
    KT_ASSERT_EQ(objects + OBT_MANY, ObtPagedType.TotalNumberOfObjects);
    n = ObQueryObjectCounts(counts, ARRAYSIZE(counts));
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(counts[i].Name, "ObTestPaged") == 0) {
            KT_ASSERT_EQ(objects + OBT_MANY, counts[i].Objects);
            KT_ASSERT_LE(OBT_MANY, counts[i].Handles);
            n = 0;
        }
    }
    KT_ASSERT_EQ(0, n);
    for (uint32_t i = 1; i <= OBT_MANY; i++) {
        void *object;

        KT_ASSERT_STATUS(STATUS_SUCCESS, ObReferenceObjectByHandle((HANDLE)(uintptr_t)(4 * i),
                                                                  OBT_QUERY, &ObtPagedType,
                                                                  UserMode, &object, NULL));
        ObDereferenceObject(object);
        KT_ASSERT_STATUS(STATUS_SUCCESS, NtClose((HANDLE)(uintptr_t)(4 * i)));
    }
    KT_ASSERT_EQ(0, ObtTable->HandleCount);
    KT_ASSERT_EQ(OBT_MANY, ObtTable->HighWaterHandleCount);
    KT_ASSERT_EQ(objects, ObtPagedType.TotalNumberOfObjects);
    KT_ASSERT_EQ(bytes, TagBytes(OBT_PAGED_TAG));
    KtRelease(EndProcess, NULL);
    KT_ASSERT_EQ(tableBytes, TagBytes(OBT_TABLE_TAG));
}

typedef struct _OBT_WORKER {
    KEVENT Done;
    uint32_t Failures;
    uint32_t Seed;
} OBT_WORKER;

/* Make, check, close handles against the shared table, up to 8 held at a time, napping now
 * and then holding some so that the other workers' handles mix with them. */
static void HandleChurn(void *Context)
{
    OBT_WORKER *worker = Context;
    HANDLE held[8] = { 0 };
    void *bodies[8] = { 0 };
    int64_t nap = KI_MILLISECONDS(1);

    for (uint32_t round = 0; round < OBT_THREAD_ROUNDS; round++) {
        if (round % OBT_NAP_ROUNDS == 0)
            KeDelayExecutionThread(KernelMode, false, &nap);    /* let the others in */
        uint32_t slot = (worker->Seed = worker->Seed * 1103515245 + 12345) >> 16 & 7;
        void *object;

        if (held[slot]) {
            if (!NT_SUCCESS(ObReferenceObjectByHandle(held[slot], OBT_QUERY, &ObtType, UserMode,
                                                      &object, NULL)) || object != bodies[slot])
                worker->Failures++;
            else
                ObDereferenceObject(object);
            if (!NT_SUCCESS(NtClose(held[slot])))
                worker->Failures++;
            held[slot] = NULL;
        } else if (NT_SUCCESS(ObCreateObject(&ObtType, sizeof(OBT_BODY), &object))) {
            bodies[slot] = object;
            if (!NT_SUCCESS(ObInsertObject(object, GENERIC_READ, 0, NULL, &held[slot])))
                worker->Failures++;
        } else {
            worker->Failures++;
        }
    }
    for (int i = 0; i < 8; i++)
        if (held[i] && !NT_SUCCESS(NtClose(held[i])))
            worker->Failures++;
    KeSetEvent(&worker->Done);
}

static void WaitForWorker(void *Context)
{
    KeWaitForSingleObject(&((OBT_WORKER *)Context)->Done, Executive, KernelMode, false, NULL);
}

/* Threads making and closing handles in one table at once lose nothing and mix nothing up. */
KTEST(TestObThreads, "ob.handle.threads")
{
    BeginProcess();
    uint32_t bytes = TagBytes(OBT_TAG), objects = ObtType.TotalNumberOfObjects;
    uint32_t handles = ObtType.TotalNumberOfHandles;
    OBT_WORKER *workers = KtAllocatePool(NonPagedPool, OBT_THREADS * sizeof(OBT_WORKER),
                                         POOL_TAG('O', 'b', 'T', 'w'));

    for (uint32_t i = 0; i < OBT_THREADS; i++) {
        workers[i].Failures = 0;
        workers[i].Seed = i * 7919 + 1;
        KeInitializeEvent(&workers[i].Done, NotificationEvent, false);
        KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(NULL, HandleChurn, &workers[i],
                                                              KI_DEFAULT_PRIORITY, "ObChurn"));
        KtDefer(WaitForWorker, &workers[i]);
    }
    for (uint32_t i = 0; i < OBT_THREADS; i++) {
        KtRelease(WaitForWorker, &workers[i]);
        KT_ASSERT_EQ(0, workers[i].Failures);
    }
    KT_ASSERT_EQ(0, ObtTable->HandleCount);
    KT_ASSERT_GT(ObtTable->HighWaterHandleCount, 8);   /* more than one thread's at once */
    KT_ASSERT_EQ(objects, ObtType.TotalNumberOfObjects);
    KT_ASSERT_EQ(handles, ObtType.TotalNumberOfHandles);
    KT_ASSERT_EQ(bytes, TagBytes(OBT_TAG));
}

/* Ex's work items run in order per queue, at PASSIVE_LEVEL, on the critical and the delayed
 * worker threads, queued from DISPATCH. */
typedef struct _OBT_WORK {
    WORK_QUEUE_ITEM Item;
    uint32_t Sequence;
    KIRQL Irql;
    KTHREAD *Thread;
} OBT_WORK;

static uint32_t ObtWorkSequence;

static void RecordWork(void *Parameter)
{
    OBT_WORK *work = Parameter;

    work->Irql = KeGetCurrentIrql();
    work->Thread = KeGetCurrentThread();
    work->Sequence = ++ObtWorkSequence;
}

KTEST(TestExWorkItems, "ob.ex.workitem")
{
    OBT_WORK work[3] = { 0 };
    int64_t tick = KI_MILLISECONDS(10);
    KIRQL oldIrql;

    ObtWorkSequence = 0;
    for (int i = 0; i < 3; i++)
        ExInitializeWorkItem(&work[i].Item, RecordWork, &work[i]);
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    for (int i = 0; i < 3; i++)
        ExQueueWorkItem(&work[i].Item, i == 1 ? DelayedWorkQueue : CriticalWorkQueue);
    KfLowerIrql(oldIrql);
    for (int i = 0; i < 100 && (!work[0].Sequence || !work[1].Sequence || !work[2].Sequence); i++)
        KeDelayExecutionThread(KernelMode, false, &tick);
    /* Each queue in order, on its own thread (the delayed one's may run before or after). */
    KT_ASSERT(work[0].Sequence != 0 && work[1].Sequence != 0 && work[2].Sequence != 0);
    KT_ASSERT(work[0].Sequence < work[2].Sequence);
    for (int i = 0; i < 3; i++) {
        KT_ASSERT_EQ(PASSIVE_LEVEL, work[i].Irql);
        KT_ASSERT_STREQ(i == 1 ? "DelayedWorker" : "Worker", work[i].Thread->Name);
        KT_ASSERT_PTR_EQ(NULL, work[i].Item.List.Flink);
    }
}
