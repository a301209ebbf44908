/*
 * mm/image.h: PE32 images as Mm reads them, before a process maps one. Pure code (no locks,
 * no pool, nothing below it but memcpy), so the host tests run it under ASan and UBSan:
 *
 *   imagehdr.c   MiParseImageHeaders: the DOS, file, optional and section headers of an
 *                image file, every field checked, into an MI_IMAGE_INFO
 *   imagerel.c   MiRelocateImage: base relocations over an image laid out at its RVAs
 *   imageexp.c   MiLookupImageExport: an export by name, as NT's loader finds one
 *
 * The layouts are NT's published ones (winnt.h), with offsets checked. The image file is
 * read with memcpy, field by field, so neither its alignment nor its contents can fault.
 *
 * A malformed image is STATUS_INVALID_IMAGE_FORMAT whatever is wrong with it, except a file
 * that does not start with "MZ", which NT refuses with STATUS_INVALID_IMAGE_NOT_MZ.
 */
#ifndef MM_IMAGE_H
#define MM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/inc/ntstatus.h"
#include "mm/i386.h"

#define IMAGE_DOS_SIGNATURE                 0x5A4D      /* MZ */
#define IMAGE_NT_SIGNATURE                  0x00004550  /* PE\0\0 */
#define IMAGE_FILE_MACHINE_I386             0x014C
#define IMAGE_NT_OPTIONAL_HDR32_MAGIC       0x010B
#define IMAGE_NUMBEROF_DIRECTORY_ENTRIES    16
#define IMAGE_SIZEOF_SHORT_NAME             8

/* IMAGE_FILE_HEADER.Characteristics */
#define IMAGE_FILE_RELOCS_STRIPPED          0x0001
#define IMAGE_FILE_EXECUTABLE_IMAGE         0x0002
#define IMAGE_FILE_LARGE_ADDRESS_AWARE      0x0020
#define IMAGE_FILE_DLL                      0x2000

/* IMAGE_OPTIONAL_HEADER32.DataDirectory[] */
#define IMAGE_DIRECTORY_ENTRY_EXPORT        0
#define IMAGE_DIRECTORY_ENTRY_IMPORT        1
#define IMAGE_DIRECTORY_ENTRY_SECURITY      4   /* a file offset, not an RVA */
#define IMAGE_DIRECTORY_ENTRY_BASERELOC     5

/* IMAGE_SECTION_HEADER.Characteristics */
#define IMAGE_SCN_CNT_CODE                  0x00000020
#define IMAGE_SCN_CNT_INITIALIZED_DATA      0x00000040
#define IMAGE_SCN_CNT_UNINITIALIZED_DATA    0x00000080
#define IMAGE_SCN_MEM_SHARED                0x10000000
#define IMAGE_SCN_MEM_EXECUTE               0x20000000
#define IMAGE_SCN_MEM_READ                  0x40000000
#define IMAGE_SCN_MEM_WRITE                 0x80000000

/* IMAGE_BASE_RELOCATION entries: the type in the top 4 bits, the page offset below. */
#define IMAGE_REL_BASED_ABSOLUTE            0
#define IMAGE_REL_BASED_HIGH                1
#define IMAGE_REL_BASED_LOW                 2
#define IMAGE_REL_BASED_HIGHLOW             3
#define IMAGE_REL_BASED_HIGHADJ             4

typedef struct _IMAGE_DOS_HEADER {
    uint16_t e_magic, e_cblp, e_cp, e_crlc, e_cparhdr, e_minalloc, e_maxalloc, e_ss, e_sp;
    uint16_t e_csum, e_ip, e_cs, e_lfarlc, e_ovno, e_res[4], e_oemid, e_oeminfo, e_res2[10];
    int32_t e_lfanew;
} IMAGE_DOS_HEADER;

typedef struct _IMAGE_FILE_HEADER {
    uint16_t Machine;
    uint16_t NumberOfSections;
    uint32_t TimeDateStamp;
    uint32_t PointerToSymbolTable;
    uint32_t NumberOfSymbols;
    uint16_t SizeOfOptionalHeader;
    uint16_t Characteristics;
} IMAGE_FILE_HEADER;

typedef struct _IMAGE_DATA_DIRECTORY {
    uint32_t VirtualAddress;
    uint32_t Size;
} IMAGE_DATA_DIRECTORY;

typedef struct _IMAGE_OPTIONAL_HEADER32 {
    uint16_t Magic;
    uint8_t MajorLinkerVersion, MinorLinkerVersion;
    uint32_t SizeOfCode, SizeOfInitializedData, SizeOfUninitializedData;
    uint32_t AddressOfEntryPoint, BaseOfCode, BaseOfData;
    uint32_t ImageBase, SectionAlignment, FileAlignment;
    uint16_t MajorOperatingSystemVersion, MinorOperatingSystemVersion;
    uint16_t MajorImageVersion, MinorImageVersion;
    uint16_t MajorSubsystemVersion, MinorSubsystemVersion;
    uint32_t Win32VersionValue, SizeOfImage, SizeOfHeaders, CheckSum;
    uint16_t Subsystem, DllCharacteristics;
    uint32_t SizeOfStackReserve, SizeOfStackCommit, SizeOfHeapReserve, SizeOfHeapCommit;
    uint32_t LoaderFlags, NumberOfRvaAndSizes;
    IMAGE_DATA_DIRECTORY DataDirectory[IMAGE_NUMBEROF_DIRECTORY_ENTRIES];
} IMAGE_OPTIONAL_HEADER32;

typedef struct _IMAGE_SECTION_HEADER {
    uint8_t Name[IMAGE_SIZEOF_SHORT_NAME];
    uint32_t VirtualSize;
    uint32_t VirtualAddress;
    uint32_t SizeOfRawData;
    uint32_t PointerToRawData;
    uint32_t PointerToRelocations, PointerToLinenumbers;
    uint16_t NumberOfRelocations, NumberOfLinenumbers;
    uint32_t Characteristics;
} IMAGE_SECTION_HEADER;

typedef struct _IMAGE_EXPORT_DIRECTORY {
    uint32_t Characteristics, TimeDateStamp;
    uint16_t MajorVersion, MinorVersion;
    uint32_t Name, Base, NumberOfFunctions, NumberOfNames;
    uint32_t AddressOfFunctions, AddressOfNames, AddressOfNameOrdinals;
} IMAGE_EXPORT_DIRECTORY;

typedef struct _IMAGE_BASE_RELOCATION {
    uint32_t VirtualAddress;            /* of the 4 KB page the block's entries fix */
    uint32_t SizeOfBlock;               /* this header included */
} IMAGE_BASE_RELOCATION;

_Static_assert(sizeof(IMAGE_DOS_HEADER) == 64 && offsetof(IMAGE_DOS_HEADER, e_lfanew) == 0x3C,
               "IMAGE_DOS_HEADER layout");
_Static_assert(sizeof(IMAGE_FILE_HEADER) == 20, "IMAGE_FILE_HEADER layout");
_Static_assert(sizeof(IMAGE_OPTIONAL_HEADER32) == 224 &&
               offsetof(IMAGE_OPTIONAL_HEADER32, ImageBase) == 28 &&
               offsetof(IMAGE_OPTIONAL_HEADER32, SizeOfStackReserve) == 72 &&
               offsetof(IMAGE_OPTIONAL_HEADER32, DataDirectory) == 96, "IMAGE_OPTIONAL_HEADER32 layout");
_Static_assert(sizeof(IMAGE_SECTION_HEADER) == 40, "IMAGE_SECTION_HEADER layout");
_Static_assert(sizeof(IMAGE_EXPORT_DIRECTORY) == 40, "IMAGE_EXPORT_DIRECTORY layout");

/* What MiParseImageHeaders accepts. */
#define MI_IMAGE_MAXIMUM_SECTIONS       96          /* NT's limit for an x86 image */
#define MI_IMAGE_MAXIMUM_SIZE           0x40000000u /* 1 GB of image: anything larger is absurd */
#define MI_IMAGE_LOWEST_ADDRESS         0x00010000u /* the first 64 KB are never mapped */
#define MI_IMAGE_HIGHEST_ADDRESS        0x7FFE0000u /* an image ends below KUSER_SHARED_DATA */
#define MI_IMAGE_BASE_ALIGNMENT         0x00010000u /* the allocation granularity */
#define MI_IMAGE_PAGE_SIZE              0x1000u
#define MI_IMAGE_MAXIMUM_HEADER         0x2000u     /* NT's MM_MAXIMUM_IMAGE_HEADER: 2 pages */

/*
 * One section. VirtualSize is the section's size in the image rounded up to the section
 * alignment (SizeOfRawData when the header's VirtualSize is 0, as NT takes it); RawSize is
 * the number of bytes that come from the file at RawOffset (SizeOfRawData, at most
 * VirtualSize): the rest of the section, an uninitialised-data section entirely, is demand
 * zero. Protection is the MM_* code (mm/i386.h) NT's MiGetImageProtection derives from the
 * characteristics: read, write, execute and shared index MmImageProtectionArray, where a
 * writable section that is not shared is copy-on-write (MM_WRITECOPY, or MM_EXECUTE_WRITECOPY
 * with execute): a page of .data stays shared with the file until the process writes it. A
 * loader that maps a private copy of the image gives those pages read-write instead, which is
 * what a write turns copy-on-write into (MI_IMAGE_PRIVATE_PROTECTION).
 */
typedef struct _MI_IMAGE_SECTION {
    char Name[IMAGE_SIZEOF_SHORT_NAME + 1];
    uint32_t VirtualAddress;            /* RVA, section aligned */
    uint32_t VirtualSize;
    uint32_t RawOffset;
    uint32_t RawSize;
    uint32_t Characteristics;
    uint32_t Protection;
} MI_IMAGE_SECTION;

/* MM_WRITECOPY becomes MM_READWRITE and MM_EXECUTE_WRITECOPY MM_EXECUTE_READWRITE (NT's
 * MmMakeProtectNotWriteCopy); everything else stays. */
#define MI_IMAGE_PRIVATE_PROTECTION(p)  ((p) == MM_WRITECOPY ? MM_READWRITE :                 \
                                         (p) == MM_EXECUTE_WRITECOPY ? MM_EXECUTE_READWRITE : (p))

/*
 * What an image file says about itself, checked. Every section lies inside SizeOfImage, after
 * the headers, in ascending order without overlap; every section's raw data lies inside the
 * file; the entry point and the directories lie inside the image. About 4 KB: allocate it,
 * do not put it on a kernel stack.
 */
typedef struct _MI_IMAGE_INFO {
    uint32_t ImageBase;                 /* 64 KB aligned */
    uint32_t SizeOfImage;               /* rounded up to the section alignment */
    uint32_t SizeOfHeaders;             /* bytes of file mapped at RVA 0 */
    uint32_t EntryPoint;                /* RVA; 0 only for a DLL without one */
    uint32_t SectionAlignment;
    uint32_t FileAlignment;
    uint32_t SizeOfStackReserve, SizeOfStackCommit;
    uint32_t SizeOfHeapReserve, SizeOfHeapCommit;
    uint16_t Subsystem;
    uint16_t MajorSubsystemVersion, MinorSubsystemVersion;
    uint16_t FileCharacteristics;       /* IMAGE_FILE_* */
    uint16_t DllCharacteristics;
    bool LargeAddressAware;             /* IMAGE_FILE_LARGE_ADDRESS_AWARE */
    bool Dll;                           /* IMAGE_FILE_DLL */
    bool Relocatable;                   /* relocations not stripped, and a directory of them */
    bool ImageFitsAtBase;               /* ImageBase .. + SizeOfImage is user space */
    uint32_t ExportRva, ExportSize;     /* 0, 0 when there are none */
    uint32_t RelocationRva, RelocationSize;
    uint32_t NumberOfSections;
    MI_IMAGE_SECTION Sections[MI_IMAGE_MAXIMUM_SECTIONS];
} MI_IMAGE_INFO;

/*
 * Check the headers of an image file of FileSize bytes, whose first HeadersSize bytes are at
 * Headers (any alignment), and describe it in *Info. Only the first MI_IMAGE_MAXIMUM_HEADER
 * bytes are ever read: headers that go past them (or past HeadersSize) are
 * STATUS_INVALID_IMAGE_FORMAT, as NT reads only MM_MAXIMUM_IMAGE_HEADER of a file; FileSize
 * bounds the sections' raw data. STATUS_SUCCESS, STATUS_INVALID_IMAGE_NOT_MZ or
 * STATUS_INVALID_IMAGE_FORMAT; *Info is meaningful only on success. An image whose range is
 * not user space is accepted only when it can be relocated (ImageFitsAtBase says which).
 */
NTSTATUS MiParseImageHeaders(const void *Headers, uint32_t HeadersSize, uint32_t FileSize,
                             MI_IMAGE_INFO *Info);

/*
 * Apply the base relocations of an image laid out at its section RVAs in MappedImage
 * (SizeOfImage bytes, Info from MiParseImageHeaders on its file) for running at NewBase.
 * Every block and fixup is checked before any is applied, so a bad one leaves the image as it
 * was: STATUS_INVALID_IMAGE_FORMAT. A move of an image whose relocations were stripped is
 * STATUS_CONFLICTING_ADDRESSES, as NT refuses to map one anywhere but at its base; an image
 * without relocations that were not stripped moves as it is (NT's LdrRelocateImage too).
 */
NTSTATUS MiRelocateImage(void *MappedImage, const MI_IMAGE_INFO *Info, uint32_t NewBase);

/*
 * The RVA of the export Name of a mapped image (as for MiRelocateImage), by a binary search
 * of its sorted name table as NT's loader does. STATUS_PROCEDURE_NOT_FOUND when it has no
 * such export (or no exports), STATUS_NOT_SUPPORTED for a forwarded export (mm386 has no
 * forwarding), STATUS_INVALID_IMAGE_FORMAT when a table or name leaves the image.
 */
NTSTATUS MiLookupImageExport(const void *MappedImage, const MI_IMAGE_INFO *Info, const char *Name,
                             uint32_t *Rva);

#endif
