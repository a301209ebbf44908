/*
 * kernel/ob/obsect.c: the Section object type and Ob's side of Mm's section services. Mm is
 * below Ob, so NtCreateSection, NtOpenSection and the view services reach the object manager
 * through these calls, registered with Mm at start-up (MmSetSectionCallouts). A section's
 * body is NT's SECTION (mm/section.h), in paged pool; its delete procedure is Mm's.
 *
 * Rights (ntmmapi.h): SECTION_QUERY 1, MAP_WRITE 2, MAP_READ 4, MAP_EXECUTE 8, EXTEND_SIZE
 * 0x10; GENERIC_READ = QUERY | MAP_READ, GENERIC_WRITE = MAP_WRITE, GENERIC_EXECUTE =
 * MAP_EXECUTE (each with the standard read right), GENERIC_ALL = SECTION_ALL_ACCESS.
 */
#include "kernel/ob/obp.h"

OBJECT_TYPE MmSectionObjectType;

static NTSTATUS ObpCreateSectionObject(KPROCESSOR_MODE ProbeMode, const void *ObjectAttributes,
                                       uint32_t BodySize, void **Section)
{
    return ObCreateNamedObject(ProbeMode, &MmSectionObjectType, ObjectAttributes, BodySize,
                               Section);
}

static NTSTATUS ObpInsertSectionObject(void *Section, uint32_t DesiredAccess, void **Handle)
{
    return ObInsertObject(Section, DesiredAccess, 0, NULL, Handle);
}

static NTSTATUS ObpOpenSectionByName(const void *ObjectAttributes, KPROCESSOR_MODE AccessMode,
                                     uint32_t DesiredAccess, void **Handle)
{
    return ObOpenObjectByName(ObjectAttributes, &MmSectionObjectType, AccessMode, DesiredAccess,
                              Handle);
}

static NTSTATUS ObpReferenceSectionByHandle(void *Handle, uint32_t DesiredAccess,
                                            KPROCESSOR_MODE AccessMode, void **Section)
{
    return ObReferenceObjectByHandle(Handle, DesiredAccess, &MmSectionObjectType, AccessMode,
                                     Section, NULL);
}

void ObpInitializeSectionType(void)
{
    static const MM_SECTION_CALLOUTS callouts = {
        .CreateSectionObject = ObpCreateSectionObject,
        .InsertSectionObject = ObpInsertSectionObject,
        .OpenSectionByName = ObpOpenSectionByName,
        .ReferenceSectionByHandle = ObpReferenceSectionByHandle,
        .DereferenceObject = ObDereferenceObject,
    };

    MmSectionObjectType = (OBJECT_TYPE){
        .Name = "Section", .PoolType = PagedPool, .PoolTag = POOL_TAG('S', 'e', 'c', 't'),
        .GenericMapping = { STANDARD_RIGHTS_READ | SECTION_QUERY | SECTION_MAP_READ,
                            STANDARD_RIGHTS_WRITE | SECTION_MAP_WRITE,
                            STANDARD_RIGHTS_EXECUTE | SECTION_MAP_EXECUTE, SECTION_ALL_ACCESS },
        .ValidAccessMask = SECTION_ALL_ACCESS, .DeleteProcedure = MmDeleteSection,
    };
    if (!NT_SUCCESS(ObCreateObjectType(&MmSectionObjectType)))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, STATUS_INVALID_PARAMETER, 7, 0, 0);
    MmSetSectionCallouts(&callouts);
}
