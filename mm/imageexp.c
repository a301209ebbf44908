/*
 * mm/imageexp.c: MiLookupImageExport, an export by name. The export directory of a mapped
 * image names three tables (RVAs):
 *
 *   AddressOfNames         NumberOfNames RVAs of names, in ascending strcmp order
 *   AddressOfNameOrdinals  NumberOfNames 16-bit indices into AddressOfFunctions
 *   AddressOfFunctions     NumberOfFunctions RVAs; one inside the export directory itself is a
 *                          forwarder ("DLL.Name"), not code
 *
 * As NT's loader does, the name is found by a binary search of the name table. Every table,
 * name and RVA is checked against the image before it is used.
 */
#include "mm/image.h"
#include "kernel/rtl/rtl.h"

static uint32_t MiRead32(const uint8_t *p)
{
    uint32_t value;

    memcpy(&value, p, sizeof(value));
    return value;
}

static bool MiTableWithin(uint32_t Rva, uint32_t Count, uint32_t EntrySize, uint32_t SizeOfImage)
{
    uint64_t bytes = (uint64_t)Count * EntrySize;

    return Rva <= SizeOfImage && bytes <= SizeOfImage - Rva;
}

/* strcmp of Name with the NUL-terminated string at Rva, which must end inside the image;
 * *Valid false when it does not. */
static int MiCompareName(const uint8_t *Image, uint32_t SizeOfImage, uint32_t Rva, const char *Name,
                         bool *Valid)
{
    for (uint32_t i = 0;; i++) {
        uint8_t c;

        if (Rva >= SizeOfImage || i >= SizeOfImage - Rva) {
            *Valid = false;
            return 0;
        }
        c = Image[Rva + i];
        if ((uint8_t)Name[i] != c)
            return (uint8_t)Name[i] < c ? -1 : 1;
        if (c == '\0')
            return 0;
    }
}

NTSTATUS MiLookupImageExport(const void *MappedImage, const MI_IMAGE_INFO *Info, const char *Name,
                             uint32_t *Rva)
{
    const uint8_t *image = MappedImage;
    IMAGE_EXPORT_DIRECTORY exports;
    uint32_t low = 0, high, size = Info->SizeOfImage;
    bool valid = true;

    if (Info->ExportSize == 0)
        return STATUS_PROCEDURE_NOT_FOUND;
    if (Info->ExportSize < sizeof(exports))
        return STATUS_INVALID_IMAGE_FORMAT;
    memcpy(&exports, image + Info->ExportRva, sizeof(exports));
    if (!MiTableWithin(exports.AddressOfNames, exports.NumberOfNames, sizeof(uint32_t), size) ||
        !MiTableWithin(exports.AddressOfNameOrdinals, exports.NumberOfNames, sizeof(uint16_t), size) ||
        !MiTableWithin(exports.AddressOfFunctions, exports.NumberOfFunctions, sizeof(uint32_t), size))
        return STATUS_INVALID_IMAGE_FORMAT;

    high = exports.NumberOfNames;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        uint32_t nameRva = MiRead32(image + exports.AddressOfNames + middle * sizeof(uint32_t));
        int order = MiCompareName(image, size, nameRva, Name, &valid);
        uint16_t ordinal;
        uint32_t function;

        if (!valid)
            return STATUS_INVALID_IMAGE_FORMAT;
        if (order < 0) {
            high = middle;
        } else if (order > 0) {
            low = middle + 1;
        } else {
            memcpy(&ordinal, image + exports.AddressOfNameOrdinals + middle * sizeof(uint16_t),
                   sizeof(ordinal));
            if (ordinal >= exports.NumberOfFunctions)
                return STATUS_INVALID_IMAGE_FORMAT;
            function = MiRead32(image + exports.AddressOfFunctions + ordinal * sizeof(uint32_t));
            if (function == 0 || function >= size)
                return STATUS_INVALID_IMAGE_FORMAT;
            if (function >= Info->ExportRva && function - Info->ExportRva < Info->ExportSize)
                return STATUS_NOT_SUPPORTED;
            *Rva = function;
            return STATUS_SUCCESS;
        }
    }
    return STATUS_PROCEDURE_NOT_FOUND;
}
