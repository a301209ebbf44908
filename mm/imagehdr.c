/*
 * mm/imagehdr.c: MiParseImageHeaders, the checks an image file passes before Mm maps it (NT
 * makes them in MiCreateImageFileMap and MiVerifyImageHeader). The file:
 *
 *   0                 IMAGE_DOS_HEADER, "MZ" ... e_lfanew
 *   e_lfanew          "PE\0\0", IMAGE_FILE_HEADER, IMAGE_OPTIONAL_HEADER32 (SizeOfOptionalHeader
 *                     bytes, NumberOfRvaAndSizes directories), then NumberOfSections
 *                     IMAGE_SECTION_HEADERs; all of it inside SizeOfHeaders
 *   PointerToRawData  each section's SizeOfRawData bytes
 *
 * and the image it becomes, SizeOfImage bytes from ImageBase:
 *
 *   0                 the headers (SizeOfHeaders bytes of the file)
 *   VirtualAddress    each section, section aligned, in ascending order, none overlapping
 *
 * The headers are read from the file's first bytes only (HeadersSize of them: at most
 * MI_IMAGE_MAXIMUM_HEADER, NT's MM_MAXIMUM_IMAGE_HEADER), so a file on a disk is parsed from
 * what one read brought in, and a module exactly the same way. All arithmetic on what the file
 * says is done in 64 bits or checked before it can wrap.
 */
#include "mm/image.h"
#include "kernel/rtl/rtl.h"

#define MI_FILE_ALIGNMENT_MINIMUM   512u
#define MI_FILE_ALIGNMENT_MAXIMUM   0x10000u
#define MI_NT_HEADERS_FIXED_SIZE    (sizeof(uint32_t) + sizeof(IMAGE_FILE_HEADER))

#define INVALID                     STATUS_INVALID_IMAGE_FORMAT

static bool MiIsPowerOfTwo(uint32_t Value)
{
    return Value != 0 && (Value & (Value - 1)) == 0;
}

static uint64_t MiRoundUp(uint64_t Value, uint32_t Alignment)
{
    return (Value + Alignment - 1) & ~(uint64_t)(Alignment - 1);
}

/* True when [Offset, Offset + Length) lies within [0, Limit). */
static bool MiRangeWithin(uint64_t Offset, uint64_t Length, uint64_t Limit)
{
    return Offset <= Limit && Length <= Limit - Offset;
}

/*
 * NT's MmImageProtectionArray, indexed by execute (bit 0), read (bit 1), write (bit 2) and
 * shared (bit 3): a writable section is copy-on-write unless it is shared.
 */
static uint32_t MiGetImageProtection(uint32_t Characteristics)
{
    static const uint8_t protection[16] = {
        MM_NOACCESS, MM_EXECUTE, MM_READONLY, MM_EXECUTE_READ,
        MM_WRITECOPY, MM_EXECUTE_WRITECOPY, MM_WRITECOPY, MM_EXECUTE_WRITECOPY,
        MM_NOACCESS, MM_EXECUTE, MM_READONLY, MM_EXECUTE_READ,
        MM_READWRITE, MM_EXECUTE_READWRITE, MM_READWRITE, MM_EXECUTE_READWRITE,
    };
    uint32_t index = ((Characteristics >> 29) & 7) | (((Characteristics >> 28) & 1) << 3);

    return protection[index];
}

/* The alignments: powers of two, the file's no larger than the sections'. An image whose
 * sections are aligned below a page must have them where they are in the file (NT maps such
 * an image as the file is); otherwise file alignment is 512 bytes to 64 KB. */
static bool MiCheckAlignments(const IMAGE_OPTIONAL_HEADER32 *Optional)
{
    uint32_t section = Optional->SectionAlignment, file = Optional->FileAlignment;

    if (!MiIsPowerOfTwo(section) || !MiIsPowerOfTwo(file) || file > section ||
        section > MI_IMAGE_MAXIMUM_SIZE)
        return false;
    if (section < MI_IMAGE_PAGE_SIZE)
        return file == section;
    return file >= MI_FILE_ALIGNMENT_MINIMUM && file <= MI_FILE_ALIGNMENT_MAXIMUM;
}

/* One section header into Section; NextRva is where the previous section ended (aligned). */
static NTSTATUS MiParseSection(const IMAGE_SECTION_HEADER *Header, const IMAGE_OPTIONAL_HEADER32 *Optional,
                               uint32_t FileSize, uint64_t *NextRva, MI_IMAGE_SECTION *Section)
{
    uint32_t alignment = Optional->SectionAlignment;
    uint32_t size = Header->VirtualSize ? Header->VirtualSize : Header->SizeOfRawData;
    uint64_t rounded = MiRoundUp(size, alignment);

    if (Header->VirtualAddress & (alignment - 1) || Header->VirtualAddress < *NextRva ||
        size == 0 || size > MI_IMAGE_MAXIMUM_SIZE || Header->SizeOfRawData > MI_IMAGE_MAXIMUM_SIZE ||
        !MiRangeWithin(Header->VirtualAddress, rounded, MI_IMAGE_MAXIMUM_SIZE))
        return INVALID;
    if (Header->SizeOfRawData && !MiRangeWithin(Header->PointerToRawData, Header->SizeOfRawData, FileSize))
        return INVALID;
    if (alignment < MI_IMAGE_PAGE_SIZE && Header->SizeOfRawData &&
        Header->PointerToRawData != Header->VirtualAddress)
        return INVALID;

    memcpy(Section->Name, Header->Name, IMAGE_SIZEOF_SHORT_NAME);
    Section->Name[IMAGE_SIZEOF_SHORT_NAME] = '\0';
    Section->VirtualAddress = Header->VirtualAddress;
    Section->VirtualSize = (uint32_t)rounded;
    Section->RawOffset = Header->SizeOfRawData ? Header->PointerToRawData : 0;
    Section->RawSize = Header->SizeOfRawData < rounded ? Header->SizeOfRawData : (uint32_t)rounded;
    Section->Characteristics = Header->Characteristics;
    Section->Protection = alignment < MI_IMAGE_PAGE_SIZE ? MM_EXECUTE_WRITECOPY
                                                        : MiGetImageProtection(Header->Characteristics);
    *NextRva = Header->VirtualAddress + rounded;
    return STATUS_SUCCESS;
}

/* The fields of the optional header that stand alone: magic, alignments, counts, sizes. */
static bool MiCheckOptionalHeader(const IMAGE_OPTIONAL_HEADER32 *Optional, uint32_t OptionalSize)
{
    return Optional->Magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC &&
           Optional->NumberOfRvaAndSizes <= IMAGE_NUMBEROF_DIRECTORY_ENTRIES &&
           OptionalSize >= offsetof(IMAGE_OPTIONAL_HEADER32, DataDirectory) +
                               Optional->NumberOfRvaAndSizes * sizeof(IMAGE_DATA_DIRECTORY) &&
           MiCheckAlignments(Optional) && (Optional->ImageBase & (MI_IMAGE_BASE_ALIGNMENT - 1)) == 0 &&
           Optional->SizeOfImage != 0 && Optional->SizeOfImage <= MI_IMAGE_MAXIMUM_SIZE &&
           Optional->SizeOfStackReserve >= Optional->SizeOfStackCommit &&
           Optional->SizeOfHeapReserve >= Optional->SizeOfHeapCommit;
}

/* The directories that hold RVAs lie inside the image (the security directory is a file
 * offset, and is not mapped). */
static bool MiCheckDirectories(const IMAGE_OPTIONAL_HEADER32 *Optional, MI_IMAGE_INFO *Info)
{
    for (uint32_t i = 0; i < Optional->NumberOfRvaAndSizes; i++) {
        const IMAGE_DATA_DIRECTORY *d = &Optional->DataDirectory[i];

        if (i == IMAGE_DIRECTORY_ENTRY_SECURITY || (d->VirtualAddress == 0 && d->Size == 0))
            continue;
        if (d->VirtualAddress == 0 || !MiRangeWithin(d->VirtualAddress, d->Size, Info->SizeOfImage))
            return false;
        if (i == IMAGE_DIRECTORY_ENTRY_EXPORT) {
            Info->ExportRva = d->VirtualAddress;
            Info->ExportSize = d->Size;
        } else if (i == IMAGE_DIRECTORY_ENTRY_BASERELOC) {
            Info->RelocationRva = d->VirtualAddress;
            Info->RelocationSize = d->Size;
        }
    }
    return true;
}

static void MiCopyOptionalFields(const IMAGE_OPTIONAL_HEADER32 *Optional, uint16_t FileCharacteristics,
                                 MI_IMAGE_INFO *Info)
{
    Info->ImageBase = Optional->ImageBase;
    Info->SizeOfHeaders = Optional->SizeOfHeaders;
    Info->EntryPoint = Optional->AddressOfEntryPoint;
    Info->SectionAlignment = Optional->SectionAlignment;
    Info->FileAlignment = Optional->FileAlignment;
    Info->SizeOfStackReserve = Optional->SizeOfStackReserve;
    Info->SizeOfStackCommit = Optional->SizeOfStackCommit;
    Info->SizeOfHeapReserve = Optional->SizeOfHeapReserve;
    Info->SizeOfHeapCommit = Optional->SizeOfHeapCommit;
    Info->Subsystem = Optional->Subsystem;
    Info->MajorSubsystemVersion = Optional->MajorSubsystemVersion;
    Info->MinorSubsystemVersion = Optional->MinorSubsystemVersion;
    Info->DllCharacteristics = Optional->DllCharacteristics;
    Info->FileCharacteristics = FileCharacteristics;
    Info->LargeAddressAware = (FileCharacteristics & IMAGE_FILE_LARGE_ADDRESS_AWARE) != 0;
    Info->Dll = (FileCharacteristics & IMAGE_FILE_DLL) != 0;
}

/* The sections, then what depends on all of them: the image size, the headers' place, the
 * entry point. Sections is the table in the file, already known to lie inside it. */
static NTSTATUS MiParseSections(const uint8_t *Sections, uint32_t Count, const IMAGE_OPTIONAL_HEADER32 *Optional,
                                uint32_t FileSize, MI_IMAGE_INFO *Info)
{
    uint64_t next = MiRoundUp(Optional->SizeOfHeaders, Optional->SectionAlignment);

    for (uint32_t i = 0; i < Count; i++) {
        IMAGE_SECTION_HEADER header;
        NTSTATUS status;

        memcpy(&header, Sections + i * sizeof(header), sizeof(header));
        status = MiParseSection(&header, Optional, FileSize, &next, &Info->Sections[i]);
        if (!NT_SUCCESS(status))
            return status;
    }
    Info->NumberOfSections = Count;
    if (MiRoundUp(Optional->SizeOfImage, Optional->SectionAlignment) != next)
        return INVALID;
    Info->SizeOfImage = (uint32_t)next;
    if (Optional->AddressOfEntryPoint >= next || (Optional->AddressOfEntryPoint == 0 && !Info->Dll))
        return INVALID;
    return STATUS_SUCCESS;
}

NTSTATUS MiParseImageHeaders(const void *Headers, uint32_t HeadersSize, uint32_t FileSize,
                             MI_IMAGE_INFO *Info)
{
    const uint8_t *file = Headers;
    IMAGE_DOS_HEADER dos;
    IMAGE_FILE_HEADER header;
    IMAGE_OPTIONAL_HEADER32 optional;
    uint32_t signature, optionalAt, sectionsAt;
    uint64_t headersEnd;
    NTSTATUS status;

    memset(Info, 0, sizeof(*Info));
    if (HeadersSize > FileSize)
        HeadersSize = FileSize;
    if (HeadersSize > MI_IMAGE_MAXIMUM_HEADER)
        HeadersSize = MI_IMAGE_MAXIMUM_HEADER;
    if (HeadersSize < sizeof(uint16_t) || file[0] != 'M' || file[1] != 'Z')
        return STATUS_INVALID_IMAGE_NOT_MZ;
    if (HeadersSize < sizeof(dos))
        return INVALID;
    memcpy(&dos, file, sizeof(dos));
    if (dos.e_lfanew < 0 || (dos.e_lfanew & 3) ||
        !MiRangeWithin((uint32_t)dos.e_lfanew, MI_NT_HEADERS_FIXED_SIZE, HeadersSize))
        return INVALID;
    memcpy(&signature, file + dos.e_lfanew, sizeof(signature));
    memcpy(&header, file + dos.e_lfanew + sizeof(signature), sizeof(header));
    if (signature != IMAGE_NT_SIGNATURE || header.Machine != IMAGE_FILE_MACHINE_I386 ||
        header.NumberOfSections == 0 || header.NumberOfSections > MI_IMAGE_MAXIMUM_SECTIONS ||
        header.SizeOfOptionalHeader > sizeof(optional) ||
        !(header.Characteristics & IMAGE_FILE_EXECUTABLE_IMAGE))
        return INVALID;

    /* The optional header, and the section table after it, inside the bytes read and the
     * headers. */
    optionalAt = (uint32_t)dos.e_lfanew + MI_NT_HEADERS_FIXED_SIZE;
    sectionsAt = optionalAt + header.SizeOfOptionalHeader;
    headersEnd = (uint64_t)sectionsAt + (uint64_t)header.NumberOfSections * sizeof(IMAGE_SECTION_HEADER);
    if (headersEnd > HeadersSize)
        return INVALID;
    memset(&optional, 0, sizeof(optional));
    memcpy(&optional, file + optionalAt, header.SizeOfOptionalHeader);
    if (!MiCheckOptionalHeader(&optional, header.SizeOfOptionalHeader) ||
        optional.SizeOfHeaders < headersEnd || optional.SizeOfHeaders > FileSize)
        return INVALID;

    MiCopyOptionalFields(&optional, header.Characteristics, Info);
    status = MiParseSections(file + sectionsAt, header.NumberOfSections, &optional, FileSize, Info);
    if (!NT_SUCCESS(status))
        return status;
    if (!MiCheckDirectories(&optional, Info))
        return INVALID;

    Info->Relocatable = !(header.Characteristics & IMAGE_FILE_RELOCS_STRIPPED) && Info->RelocationSize;
    Info->ImageFitsAtBase = Info->ImageBase >= MI_IMAGE_LOWEST_ADDRESS &&
                            (uint64_t)Info->ImageBase + Info->SizeOfImage <= MI_IMAGE_HIGHEST_ADDRESS;
    if (!Info->ImageFitsAtBase && !Info->Relocatable)
        return INVALID;
    return STATUS_SUCCESS;
}
