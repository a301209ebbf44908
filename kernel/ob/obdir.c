/*
 * kernel/ob/obdir.c: the object namespace, kept as small as NT's shape allows: directory
 * objects holding named objects in 37 hash chains (NT's OBJECT_DIRECTORY), a root "\\" made
 * at start-up with two directories in it: "\\BaseNamedObjects", where kernel32 puts the objects
 * programs name, and "\\KnownDlls", the system DLLs' sections.
 *
 *   \\                             ObpRootDirectoryObject
 *   \\BaseNamedObjects             ObpBaseNamedObjects (permanent)
 *   \\BaseNamedObjects\\Name        a section a program named ...
 *   \\KnownDlls                    the system DLLs' image sections (kernel/ps/psdll.c)
 *
 * A path is split at each backslash and looked up directory by directory; every component
 * but the last must name a directory. Names compare as NT compares them: exactly, or with
 * OBJ_CASE_INSENSITIVE ignoring the case of the ASCII letters (NT folds all of Unicode).
 * An entry holds no reference: a temporary object's name leaves its directory when its last
 * handle is closed (ObpDeleteNameCheck), so a lookup under the directory lock always finds a
 * live object, which it references before letting the lock go.
 */
#include "kernel/ob/obp.h"

#define OB_NUMBER_HASH_BUCKETS  37
#define OB_NAME_TAG             POOL_TAG('O', 'b', 'N', 'm')
#define OB_DIRECTORY_ENTRY_TAG  POOL_TAG('O', 'b', 'D', 'i')
#define OB_CREATE_INFO_TAG      POOL_TAG('O', 'b', 'C', 'i')
#define OB_MAXIMUM_NAME_LENGTH  65532u          /* bytes: NT's limit for a captured name */
#define OB_DIRECTORY_ALL_ACCESS 0x000F000F

typedef struct _OBJECT_DIRECTORY_ENTRY {
    struct _OBJECT_DIRECTORY_ENTRY *ChainLink;
    void *Object;
} OBJECT_DIRECTORY_ENTRY;

typedef struct _OBJECT_DIRECTORY {
    OBJECT_DIRECTORY_ENTRY *HashBuckets[OB_NUMBER_HASH_BUCKETS];
} OBJECT_DIRECTORY;

OBJECT_TYPE ObDirectoryType;
static OBJECT_DIRECTORY *ObpRootDirectoryObject;
static FAST_MUTEX ObpDirectoryLock;         /* every directory's chains and names */

static uint16_t ObpUpcase(uint16_t Character)
{
    return Character >= 'a' && Character <= 'z' ? Character - 'a' + 'A' : Character;
}

/* A name as its characters, Count of them. */
typedef struct _OBP_NAME {
    const uint16_t *Buffer;
    uint32_t Count;
} OBP_NAME;

static uint32_t ObpHashName(OBP_NAME Name)
{
    uint32_t hash = 0;

    for (uint32_t i = 0; i < Name.Count; i++)
        hash = hash * 3 + ObpUpcase(Name.Buffer[i]);
    return hash % OB_NUMBER_HASH_BUCKETS;
}

static bool ObpNamesEqual(OBP_NAME Left, OBP_NAME Right, bool CaseInsensitive)
{
    if (Left.Count != Right.Count)
        return false;
    for (uint32_t i = 0; i < Left.Count; i++) {
        uint16_t l = Left.Buffer[i], r = Right.Buffer[i];

        if (l != r && !(CaseInsensitive && ObpUpcase(l) == ObpUpcase(r)))
            return false;
    }
    return true;
}

static OBP_NAME ObpNameOf(OBJECT_HEADER *Header)
{
    OBJECT_HEADER_NAME_INFO *info = OBJECT_HEADER_TO_NAME_INFO(Header);

    return (OBP_NAME){ (const uint16_t *)(uintptr_t)info->Name.Buffer,
                       info->Name.Length / sizeof(uint16_t) };
}

/* The entry of Directory named Name, or NULL. Directory lock held. */
static OBJECT_DIRECTORY_ENTRY **ObpFindEntry(OBJECT_DIRECTORY *Directory, OBP_NAME Name,
                                             bool CaseInsensitive)
{
    OBJECT_DIRECTORY_ENTRY **link = &Directory->HashBuckets[ObpHashName(Name)];

    for (; *link; link = &(*link)->ChainLink) {
        if (ObpNamesEqual(ObpNameOf(OBJECT_TO_OBJECT_HEADER((*link)->Object)), Name,
                          CaseInsensitive))
            return link;
    }
    return NULL;
}

/*
 * Walk Path (its leading backslash included) from the root to the directory that holds its
 * last component: *Directory and *Last. The last component may name nothing yet; when Path
 * is "\\" alone, *Last is empty and *Directory NULL (the root itself is meant). Directory lock
 * held.
 */
static NTSTATUS ObpWalkPath(OBP_NAME Path, bool CaseInsensitive, OBJECT_DIRECTORY **Directory,
                            OBP_NAME *Last)
{
    OBJECT_DIRECTORY *directory = ObpRootDirectoryObject;
    uint32_t position = 1;

    if (Path.Count == 0 || Path.Buffer[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (Path.Count == 1) {
        *Directory = NULL;
        *Last = (OBP_NAME){ Path.Buffer, 0 };
        return STATUS_SUCCESS;
    }
    for (;;) {
        OBP_NAME component = { Path.Buffer + position, 0 };
        OBJECT_DIRECTORY_ENTRY **entry;

        while (position + component.Count < Path.Count &&
               component.Buffer[component.Count] != '\\')
            component.Count++;
        if (component.Count == 0)
            return STATUS_OBJECT_NAME_INVALID;          /* "\\\\" or a trailing backslash */
        position += component.Count;
        if (position == Path.Count) {
            *Directory = directory;
            *Last = component;
            return STATUS_SUCCESS;
        }
        position++;                                     /* the backslash */
        entry = ObpFindEntry(directory, component, CaseInsensitive);
        if (!entry)
            return STATUS_OBJECT_PATH_NOT_FOUND;
        if (OBJECT_TO_OBJECT_HEADER((*entry)->Object)->Type != &ObDirectoryType)
            return STATUS_OBJECT_TYPE_MISMATCH;
        directory = (*entry)->Object;
    }
}

/*
 * The object Path names, referenced, into *Found (NULL: nothing by that name, with the
 * directory that would hold it in *Directory and the name in *Last). Directory lock held.
 */
static NTSTATUS ObpLookupObjectName(OBP_NAME Path, bool CaseInsensitive,
                                    OBJECT_DIRECTORY **Directory, OBP_NAME *Last, void **Found)
{
    NTSTATUS status = ObpWalkPath(Path, CaseInsensitive, Directory, Last);
    OBJECT_DIRECTORY_ENTRY **entry;

    *Found = NULL;
    if (!NT_SUCCESS(status))
        return status;
    if (!*Directory) {
        *Found = ObpRootDirectoryObject;
    } else {
        entry = ObpFindEntry(*Directory, *Last, CaseInsensitive);
        if (entry)
            *Found = (*entry)->Object;
    }
    if (*Found)
        ObReferenceObject(*Found);
    return STATUS_SUCCESS;
}

/* The RootDirectory handle of some attributes: never a directory, since Ob gives out no
 * directory handles; a bad handle is STATUS_INVALID_HANDLE. */
static NTSTATUS ObpCheckRootDirectory(HANDLE RootDirectory, KPROCESSOR_MODE Mode)
{
    void *object;
    NTSTATUS status = ObReferenceObjectByHandle(RootDirectory, 0, &ObDirectoryType, Mode,
                                                &object, NULL);

    if (NT_SUCCESS(status)) {
        ObDereferenceObject(object);
        status = STATUS_OBJECT_TYPE_MISMATCH;
    }
    return status;
}

/*
 * NT's ObpCaptureObjectCreateInformation and ObpCaptureObjectName: ObjectAttributes, from
 * Mode's memory, into *Info with the name copied to paged pool (Info->Name.Buffer NULL when
 * there is no name). ObpFreeCapturedName gives the copy back.
 */
NTSTATUS ObpCaptureObjectAttributes(KPROCESSOR_MODE Mode, const OBJECT_ATTRIBUTES *ObjectAttributes,
                                    OBP_CREATE_INFO *Info)
{
    OBJECT_ATTRIBUTES attributes;
    NT_UNICODE_STRING name;
    NTSTATUS status;
    void *buffer;

    RtlZeroMemory(Info, sizeof(*Info));
    if (!ObjectAttributes)
        return STATUS_SUCCESS;
    status = ExCaptureFromMode(Mode, &attributes, ObjectAttributes, sizeof(attributes), 4);
    if (!NT_SUCCESS(status))
        return status;
    if (attributes.Length != sizeof(attributes) || (attributes.Attributes & ~OBJ_VALID_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    Info->Attributes = attributes.Attributes & ~(Mode == UserMode ? (uint32_t)OBJ_KERNEL_HANDLE : 0u);
    Info->ProbeMode = Mode;
    Info->RootDirectory = attributes.RootDirectory;
    if (!attributes.ObjectName)
        return attributes.RootDirectory ? STATUS_OBJECT_NAME_INVALID : STATUS_SUCCESS;
    status = ExCaptureFromMode(Mode, &name, attributes.ObjectName, sizeof(name), 4);
    if (!NT_SUCCESS(status))
        return status;
    if ((name.Length & 1) || name.Length > OB_MAXIMUM_NAME_LENGTH)
        return STATUS_OBJECT_NAME_INVALID;
    if (name.Length == 0)
        return STATUS_SUCCESS;
    buffer = ExAllocatePoolWithTag(PagedPool, name.Length, OB_NAME_TAG);
    if (!buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    status = ExCaptureFromMode(Mode, buffer, (const void *)(uintptr_t)name.Buffer, name.Length, 2);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(buffer, OB_NAME_TAG);
        return status;
    }
    Info->Name.Length = Info->Name.MaximumLength = name.Length;
    Info->Name.Buffer = (uint32_t)(uintptr_t)buffer;
    return STATUS_SUCCESS;
}

void ObpFreeCapturedName(NT_UNICODE_STRING *Name)
{
    if (Name->Buffer)
        ExFreePoolWithTag((void *)(uintptr_t)Name->Buffer, OB_NAME_TAG);
    Name->Buffer = 0;
    Name->Length = Name->MaximumLength = 0;
}

static OBP_NAME ObpCapturedName(const NT_UNICODE_STRING *Name)
{
    return (OBP_NAME){ (const uint16_t *)(uintptr_t)Name->Buffer, Name->Length / sizeof(uint16_t) };
}

/*
 * Put the new object Header in the directory its name says. STATUS_SUCCESS: it is there now.
 * Otherwise *Existing may hold the object of that name, referenced, for OBJ_OPENIF
 * (STATUS_OBJECT_NAME_EXISTS, same type), and the status says why the new one was not put.
 */
NTSTATUS ObpInsertObjectName(OBJECT_HEADER *Header, const OBP_CREATE_INFO *Info, void **Existing)
{
    OBJECT_HEADER_NAME_INFO *nameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    bool caseInsensitive = Info->Attributes & OBJ_CASE_INSENSITIVE;
    OBJECT_DIRECTORY_ENTRY *entry;
    OBJECT_DIRECTORY *directory;
    OBP_NAME last;
    NTSTATUS status;
    void *found;

    *Existing = NULL;
    if (Info->RootDirectory)
        return ObpCheckRootDirectory(Info->RootDirectory, Info->ProbeMode);
    /* NT's SeCreatePermanentPrivilege, which no token holds here. */
    if ((Info->Attributes & OBJ_PERMANENT) && Info->ProbeMode == UserMode)
        return STATUS_PRIVILEGE_NOT_HELD;
    entry = ExAllocatePoolWithTag(PagedPool, sizeof(*entry), OB_DIRECTORY_ENTRY_TAG);
    if (!entry)
        return STATUS_INSUFFICIENT_RESOURCES;
    ExAcquireFastMutex(&ObpDirectoryLock);
    status = ObpLookupObjectName(ObpNameOf(Header), caseInsensitive, &directory, &last, &found);
    if (NT_SUCCESS(status) && found) {
        if (!(Info->Attributes & OBJ_OPENIF)) {
            status = STATUS_OBJECT_NAME_COLLISION;
        } else if (OBJECT_TO_OBJECT_HEADER(found)->Type != Header->Type) {
            status = STATUS_OBJECT_TYPE_MISMATCH;
        } else {
            *Existing = found;
            found = NULL;
            status = STATUS_OBJECT_NAME_EXISTS;
        }
        if (found)
            ObDereferenceObject(found);
    } else if (NT_SUCCESS(status)) {
        uint32_t bucket = ObpHashName(last);

        /* The name information keeps the last component only, as NT's does. */
        memmove((void *)(uintptr_t)nameInfo->Name.Buffer, last.Buffer,
                last.Count * sizeof(uint16_t));
        nameInfo->Name.Length = (uint16_t)(last.Count * sizeof(uint16_t));
        entry->Object = &Header->Body;
        entry->ChainLink = directory->HashBuckets[bucket];
        directory->HashBuckets[bucket] = entry;
        nameInfo->Directory = (struct _OBJECT_DIRECTORY *)directory;
        if (Info->Attributes & OBJ_PERMANENT)
            Header->Flags |= OB_FLAG_PERMANENT_OBJECT;
        entry = NULL;
    }
    ExReleaseFastMutex(&ObpDirectoryLock);
    if (entry)
        ExFreePoolWithTag(entry, OB_DIRECTORY_ENTRY_TAG);
    return status;
}

/* Take a temporary object's name out of its directory once it has no handle left (NT's
 * ObpDeleteNameCheck). Any thread, PASSIVE_LEVEL. */
void ObpDeleteNameCheck(OBJECT_HEADER *Header)
{
    OBJECT_HEADER_NAME_INFO *nameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    OBJECT_DIRECTORY_ENTRY **link, *entry = NULL;
    OBJECT_DIRECTORY *directory;

    if (!nameInfo || !nameInfo->Directory || (Header->Flags & OB_FLAG_PERMANENT_OBJECT))
        return;
    ExAcquireFastMutex(&ObpDirectoryLock);
    directory = (OBJECT_DIRECTORY *)nameInfo->Directory;
    if (directory && Header->HandleCount == 0) {
        for (link = &directory->HashBuckets[ObpHashName(ObpNameOf(Header))]; *link;
             link = &(*link)->ChainLink) {
            if ((*link)->Object == &Header->Body) {
                entry = *link;
                *link = entry->ChainLink;
                break;
            }
        }
        nameInfo->Directory = NULL;
    }
    ExReleaseFastMutex(&ObpDirectoryLock);
    if (entry)
        ExFreePoolWithTag(entry, OB_DIRECTORY_ENTRY_TAG);
}

NTSTATUS ObOpenObjectByName(const OBJECT_ATTRIBUTES *ObjectAttributes, OBJECT_TYPE *ObjectType,
                            KPROCESSOR_MODE AccessMode, ACCESS_MASK DesiredAccess,
                            HANDLE *Handle)
{
    OBP_CREATE_INFO info;
    OBJECT_DIRECTORY *directory;
    OBP_NAME last;
    NTSTATUS status;
    void *found = NULL;

    *Handle = NULL;
    if (!ObjectAttributes)
        return STATUS_INVALID_PARAMETER;
    status = ObpCaptureObjectAttributes(AccessMode, ObjectAttributes, &info);
    if (!NT_SUCCESS(status))
        return status;
    if (info.RootDirectory) {
        status = ObpCheckRootDirectory(info.RootDirectory, AccessMode);
    } else if (!info.Name.Buffer) {
        status = STATUS_OBJECT_PATH_SYNTAX_BAD;
    } else {
        ExAcquireFastMutex(&ObpDirectoryLock);
        status = ObpLookupObjectName(ObpCapturedName(&info.Name),
                                     info.Attributes & OBJ_CASE_INSENSITIVE, &directory, &last,
                                     &found);
        ExReleaseFastMutex(&ObpDirectoryLock);
        if (NT_SUCCESS(status) && !found)
            status = STATUS_OBJECT_NAME_NOT_FOUND;
    }
    ObpFreeCapturedName(&info.Name);
    if (!NT_SUCCESS(status))
        return status;
    if (ObjectType && OBJECT_TO_OBJECT_HEADER(found)->Type != ObjectType) {
        ObDereferenceObject(found);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    return ObInsertObject(found, DesiredAccess, info.Attributes & (OBJ_INHERIT | OBJ_KERNEL_HANDLE),
                          NULL, Handle);
}

/* A permanent directory named Name ("" for the root) in Parent (NULL for the root). */
static OBJECT_DIRECTORY *ObpCreateDirectory(OBJECT_DIRECTORY *Parent, const char *Name)
{
    OBJECT_ATTRIBUTES attributes = { sizeof(attributes), NULL, NULL, 0, NULL, NULL };
    NT_UNICODE_STRING name = { 0, 0, 0 };
    uint16_t buffer[32];
    OBJECT_DIRECTORY *directory;
    void *existing;
    NTSTATUS status;
    uint32_t length = 0;

    buffer[length++] = '\\';
    while (*Name && length < 31)
        buffer[length++] = (uint16_t)*Name++;
    name.Length = name.MaximumLength = (uint16_t)(length * sizeof(uint16_t));
    name.Buffer = (uint32_t)(uintptr_t)buffer;
    attributes.ObjectName = Parent ? &name : NULL;
    status = ObCreateNamedObject(KernelMode, &ObDirectoryType, &attributes,
                                 sizeof(OBJECT_DIRECTORY), (void **)&directory);
    if (NT_SUCCESS(status)) {
        OBJECT_TO_OBJECT_HEADER(directory)->Flags |= OB_FLAG_PERMANENT_OBJECT;
        if (Parent) {
            OBP_CREATE_INFO *info = OBJECT_TO_OBJECT_HEADER(directory)->ObjectCreateInfo;

            status = ObpInsertObjectName(OBJECT_TO_OBJECT_HEADER(directory), info, &existing);
            ObpFreeCreateInfo(OBJECT_TO_OBJECT_HEADER(directory));
        }
    }
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 6, 0, 0);
    return directory;
}

void ObpInitializeNamespace(void)
{
    ObDirectoryType = (OBJECT_TYPE){
        .Name = "Directory", .PoolType = PagedPool, .PoolTag = POOL_TAG('D', 'i', 'r', 'e'),
        .GenericMapping = { 0x00020003, 0x0002000C, 0x00020003, OB_DIRECTORY_ALL_ACCESS },
        .ValidAccessMask = OB_DIRECTORY_ALL_ACCESS,
    };
    ExInitializeFastMutex(&ObpDirectoryLock);
    if (!NT_SUCCESS(ObCreateObjectType(&ObDirectoryType)))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_INVALID_PARAMETER, 6, 1, 0);
    ObpRootDirectoryObject = ObpCreateDirectory(NULL, "");
    ObpCreateDirectory(ObpRootDirectoryObject, "BaseNamedObjects");
    ObpCreateDirectory(ObpRootDirectoryObject, "KnownDlls");
}
