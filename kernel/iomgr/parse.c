/*
 * kernel/iomgr/parse.c: names to volumes. NT resolves \??\C: through the object namespace
 * (a symbolic link in \GLOBAL?? to \Device\HarddiskVolumeN, whose VPB names the mounted file
 * system's volume device); mm386 has no namespace, so the drive letters are a table of 26
 * volume devices and the only names a file can have are \??\X:\path, which is what kernel32
 * builds from X:\path.
 */
#include "kernel/iomgr/iop.h"

static DEVICE_OBJECT *IopDriveLetters[26];

static int IopDriveIndex(uint16_t Letter)
{
    if (Letter >= 'a' && Letter <= 'z')
        return Letter - 'a';
    if (Letter >= 'A' && Letter <= 'Z')
        return Letter - 'A';
    return -1;
}

NTSTATUS IoAssignDriveLetter(char Letter, DEVICE_OBJECT *VolumeDevice)
{
    int index = IopDriveIndex((uint8_t)Letter);

    if (index < 0)
        return STATUS_OBJECT_NAME_INVALID;
    if (IopDriveLetters[index])
        return STATUS_OBJECT_NAME_COLLISION;
    IopDriveLetters[index] = VolumeDevice;
    return STATUS_SUCCESS;
}

NTSTATUS IopParseDosName(const uint16_t *Name, uint32_t Length, DEVICE_OBJECT **VolumeDevice,
                         uint32_t *RestOffset)
{
    static const uint16_t prefix[4] = { '\\', '?', '?', '\\' };
    int index;

    if (Length == 0 || Name[0] != '\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (Length < 4 || memcmp(Name, prefix, sizeof(prefix)) != 0)
        return STATUS_OBJECT_PATH_NOT_FOUND;
    if (Length < 6 || Name[5] != ':' || (index = IopDriveIndex(Name[4])) < 0 ||
        (Length > 6 && Name[6] != '\\'))
        return Length == 4 ? STATUS_OBJECT_NAME_INVALID : STATUS_OBJECT_NAME_NOT_FOUND;
    if (!IopDriveLetters[index])
        return STATUS_OBJECT_PATH_NOT_FOUND;
    *VolumeDevice = IopDriveLetters[index];
    *RestOffset = 6;
    return STATUS_SUCCESS;
}
