/*
 * mm/imagerel.c: MiRelocateImage, base relocations (NT's LdrRelocateImage does the same in
 * ntdll and the kernel's loader). The directory is a run of blocks, each for one 4 KB page of
 * the image:
 *
 *   IMAGE_BASE_RELOCATION { VirtualAddress of the page, SizeOfBlock }
 *   uint16_t entries[(SizeOfBlock - 8) / 2]    type << 12 | offset in the page
 *
 * HIGHLOW adds the move (NewBase - ImageBase) to the 32-bit word at the page offset; HIGH and
 * LOW add its high or low half to a 16-bit word; HIGHADJ adds the high half with the carry out
 * of the low half, which the next entry holds; ABSOLUTE pads a block to 4 bytes. The first
 * pass checks every block and fixup, the second applies them, so a bad directory changes
 * nothing.
 */
#include "mm/image.h"
#include "kernel/rtl/rtl.h"

#define MI_RELOCATION_TYPE(entry)       ((entry) >> 12)
#define MI_RELOCATION_OFFSET(entry)     ((entry) & 0xFFF)

static uint16_t MiRead16(const uint8_t *p)
{
    uint16_t value;

    memcpy(&value, p, sizeof(value));
    return value;
}

static uint32_t MiRead32(const uint8_t *p)
{
    uint32_t value;

    memcpy(&value, p, sizeof(value));
    return value;
}

static void MiAdd16(uint8_t *p, uint16_t Delta)
{
    uint16_t value = (uint16_t)(MiRead16(p) + Delta);

    memcpy(p, &value, sizeof(value));
}

/* One fixup at Target (an RVA) of Type; Next is the entry after it (HIGHADJ's low half).
 * Apply false: only check it. Returns false for a fixup that is not valid. */
static bool MiFixup(uint8_t *Image, uint32_t SizeOfImage, uint32_t Type, uint32_t Target,
                    uint16_t Next, uint32_t Delta, bool Apply)
{
    uint32_t width = Type == IMAGE_REL_BASED_HIGHLOW ? 4 : 2;
    uint32_t value;

    if (Type == IMAGE_REL_BASED_ABSOLUTE)
        return true;
    if (Type > IMAGE_REL_BASED_HIGHADJ || Target > SizeOfImage || width > SizeOfImage - Target)
        return false;
    if (!Apply)
        return true;
    switch (Type) {
    case IMAGE_REL_BASED_HIGHLOW:
        value = MiRead32(Image + Target) + Delta;
        memcpy(Image + Target, &value, sizeof(value));
        break;
    case IMAGE_REL_BASED_HIGH:
        MiAdd16(Image + Target, (uint16_t)(Delta >> 16));
        break;
    case IMAGE_REL_BASED_LOW:
        MiAdd16(Image + Target, (uint16_t)Delta);
        break;
    case IMAGE_REL_BASED_HIGHADJ:
        value = ((uint32_t)MiRead16(Image + Target) << 16) + (uint32_t)(int32_t)(int16_t)Next;
        value += Delta + 0x8000;
        value >>= 16;
        memcpy(Image + Target, &(uint16_t){ (uint16_t)value }, sizeof(uint16_t));
        break;
    }
    return true;
}

/* Walk every block; with Apply false only check them. */
static bool MiWalkRelocations(uint8_t *Image, const MI_IMAGE_INFO *Info, uint32_t Delta, bool Apply)
{
    uint32_t at = Info->RelocationRva, end = Info->RelocationRva + Info->RelocationSize;

    while (end - at >= sizeof(IMAGE_BASE_RELOCATION)) {
        IMAGE_BASE_RELOCATION block;
        uint32_t entries;

        memcpy(&block, Image + at, sizeof(block));
        if (block.SizeOfBlock < sizeof(block) || block.SizeOfBlock > end - at || (block.SizeOfBlock & 1))
            return false;
        entries = (block.SizeOfBlock - sizeof(block)) / sizeof(uint16_t);
        for (uint32_t i = 0; i < entries; i++) {
            const uint8_t *p = Image + at + sizeof(block) + i * sizeof(uint16_t);
            uint16_t entry = MiRead16(p);
            uint32_t type = MI_RELOCATION_TYPE(entry);
            uint16_t next = 0;

            if (type == IMAGE_REL_BASED_HIGHADJ) {
                if (++i == entries)
                    return false;
                next = MiRead16(p + sizeof(uint16_t));
            }
            if ((uint64_t)block.VirtualAddress + MI_RELOCATION_OFFSET(entry) > UINT32_MAX ||
                !MiFixup(Image, Info->SizeOfImage, type, block.VirtualAddress + MI_RELOCATION_OFFSET(entry),
                         next, Delta, Apply))
                return false;
        }
        at += block.SizeOfBlock;
    }
    return at == end;
}

NTSTATUS MiRelocateImage(void *MappedImage, const MI_IMAGE_INFO *Info, uint32_t NewBase)
{
    uint32_t delta = NewBase - Info->ImageBase;

    if (delta == 0)
        return STATUS_SUCCESS;
    if (Info->FileCharacteristics & IMAGE_FILE_RELOCS_STRIPPED)
        return STATUS_CONFLICTING_ADDRESSES;
    if (Info->RelocationSize == 0)
        return STATUS_SUCCESS;
    if (!MiWalkRelocations(MappedImage, Info, delta, false))
        return STATUS_INVALID_IMAGE_FORMAT;
    MiWalkRelocations(MappedImage, Info, delta, true);
    return STATUS_SUCCESS;
}
