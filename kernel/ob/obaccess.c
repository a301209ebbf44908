/*
 * kernel/ob/obaccess.c: access masks. What a caller asks for is mapped once, when a handle is
 * made: each generic right becomes the specific rights its type's GENERIC_MAPPING names,
 * MAXIMUM_ALLOWED becomes everything the type has (no security descriptor could refuse any
 * of it), and bits the type does not define are dropped, as NT drops them from a handle's
 * GrantedAccess. Uses of the handle are checked against the result (obrefhnd.c).
 */
#include "kernel/ob/obp.h"

#define GENERIC_RIGHTS  (GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL)

void RtlMapGenericMask(ACCESS_MASK *AccessMask, const GENERIC_MAPPING *Mapping)
{
    ACCESS_MASK mask = *AccessMask;

    if (mask & GENERIC_READ)
        mask |= Mapping->GenericRead;
    if (mask & GENERIC_WRITE)
        mask |= Mapping->GenericWrite;
    if (mask & GENERIC_EXECUTE)
        mask |= Mapping->GenericExecute;
    if (mask & GENERIC_ALL)
        mask |= Mapping->GenericAll;
    *AccessMask = mask & ~GENERIC_RIGHTS;
}

ACCESS_MASK ObpMapDesiredAccess(const OBJECT_TYPE *ObjectType, ACCESS_MASK DesiredAccess)
{
    if (DesiredAccess & MAXIMUM_ALLOWED)
        DesiredAccess = (DesiredAccess & ~MAXIMUM_ALLOWED) | ObjectType->ValidAccessMask;
    RtlMapGenericMask(&DesiredAccess, &ObjectType->GenericMapping);
    return DesiredAccess & ObjectType->ValidAccessMask;
}
