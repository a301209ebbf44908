/*
 * tests/host/test_image.c: the PE32 image parser (mm/imagehdr.c), relocation (mm/imagerel.c)
 * and export lookup (mm/imageexp.c) over a real image: build/host/imagetest.exe, which mingw-w64
 * built from tests/host/image/imagetest.c, checked field by field against what objdump -p -h
 * printed of the same file (build/host/imagetest.objdump). Then malformed images made on
 * purpose, and thousands of mutants from a fixed seed: each is refused with NT's status or
 * accepted with an Info that holds together, and relocating and looking exports up in every
 * accepted one stays inside its buffers (ASan and UBSan watch).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/tap.h"
#include "mm/image.h"

#define MUTANTS             20000
#define MAXIMUM_MAPPED      (64u << 20)     /* mutants claiming more are parsed, not mapped */
#define MAXIMUM_FIXUPS      256
#define NEW_BASE            0x10000000u

typedef struct _OBJDUMP_SECTION {
    char Name[16];
    uint32_t Size, Vma, FileOffset;
} OBJDUMP_SECTION;

/* What objdump said about the image. */
static struct {
    uint32_t ImageBase, SectionAlignment, FileAlignment, SizeOfImage, SizeOfHeaders, EntryPoint;
    uint32_t StackReserve, StackCommit, HeapReserve, HeapCommit, Subsystem, DllCharacteristics;
    uint32_t Characteristics, MajorSubsystemVersion, MinorSubsystemVersion;
    uint32_t ExportRva, ExportSize, RelocationRva, RelocationSize;
    uint32_t SectionCount;
    OBJDUMP_SECTION Sections[16];
    uint32_t ExportRvas[16], ExportCount;
    char ExportNames[16][32];
    uint32_t ExportOrdinals[16], NameCount;
    uint32_t Fixups[MAXIMUM_FIXUPS], FixupCount;
} Dump;

static uint8_t *Original;
static uint32_t OriginalSize;
static uint32_t TableAt[2], TableSize[2];       /* .edata and .reloc in the file */

static uint8_t *ReadFile(const char *Path, uint32_t *Size)
{
    FILE *f = fopen(Path, "rb");
    uint8_t *data;
    long length;

    if (!f) {
        perror(Path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    length = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)length + 1);
    if (fread(data, 1, (size_t)length, f) != (size_t)length)
        exit(2);
    fclose(f);
    data[length] = 0;
    *Size = (uint32_t)length;
    return data;
}

/* The value after Key at the start of a line of objdump -p, in hex (or decimal for versions). */
static uint32_t DumpField(const char *Text, const char *Key, int Base)
{
    char pattern[64];
    const char *at;

    snprintf(pattern, sizeof(pattern), "\n%s\t", Key);
    at = strstr(Text, pattern);
    if (!at) {
        printf("# objdump: no %s\n", Key);
        exit(2);
    }
    return (uint32_t)strtoul(at + strlen(pattern) + strspn(at + strlen(pattern), "\t "), NULL, Base);
}

static void ReadObjdump(const char *Text)
{
    const char *line;

    Dump.Characteristics = (uint32_t)strtoul(strstr(Text, "Characteristics 0x") + 16, NULL, 16);
    Dump.ImageBase = DumpField(Text, "ImageBase", 16);
    Dump.SectionAlignment = DumpField(Text, "SectionAlignment", 16);
    Dump.FileAlignment = DumpField(Text, "FileAlignment", 16);
    Dump.SizeOfImage = DumpField(Text, "SizeOfImage", 16);
    Dump.SizeOfHeaders = DumpField(Text, "SizeOfHeaders", 16);
    Dump.EntryPoint = DumpField(Text, "AddressOfEntryPoint", 16);
    Dump.StackReserve = DumpField(Text, "SizeOfStackReserve", 16);
    Dump.StackCommit = DumpField(Text, "SizeOfStackCommit", 16);
    Dump.HeapReserve = DumpField(Text, "SizeOfHeapReserve", 16);
    Dump.HeapCommit = DumpField(Text, "SizeOfHeapCommit", 16);
    Dump.Subsystem = DumpField(Text, "Subsystem", 16);
    Dump.DllCharacteristics = DumpField(Text, "DllCharacteristics", 16);
    Dump.MajorSubsystemVersion = DumpField(Text, "MajorSubsystemVersion", 10);
    Dump.MinorSubsystemVersion = DumpField(Text, "MinorSubsystemVersion", 10);
    sscanf(strstr(Text, "Entry 0 "), "Entry 0 %x %x", &Dump.ExportRva, &Dump.ExportSize);
    sscanf(strstr(Text, "Entry 5 "), "Entry 5 %x %x", &Dump.RelocationRva, &Dump.RelocationSize);

    /* "  0 .text  00000040  00401000  00401000  00000400  2**2" */
    for (line = strstr(Text, "Idx Name"); line && (line = strchr(line, '\n')); line++) {
        OBJDUMP_SECTION *s = &Dump.Sections[Dump.SectionCount];
        unsigned index, lma;

        if (sscanf(line + 1, " %u %15s %x %x %x %x", &index, s->Name, &s->Size, &s->Vma, &lma,
                   &s->FileOffset) == 6 && Dump.SectionCount < 16)
            Dump.SectionCount++;
    }
    /* "\t[   0] +base[   1] 1000 Export RVA" and "\t[   0] Add" */
    for (line = strstr(Text, "Export Address Table --"); line && (line = strchr(line, '\n')); line++) {
        unsigned index, biased, rva;

        if (sscanf(line + 1, "\t[ %u] +base[ %u] %x Export RVA", &index, &biased, &rva) != 3)
            break;
        Dump.ExportRvas[Dump.ExportCount++] = rva;
    }
    for (line = strstr(Text, "[Ordinal/Name Pointer] Table"); line && (line = strchr(line, '\n')); line++) {
        if (Dump.NameCount == 16 || sscanf(line + 1, "\t[ %u] %31s", &Dump.ExportOrdinals[Dump.NameCount],
                                           Dump.ExportNames[Dump.NameCount]) != 2)
            break;
        Dump.NameCount++;
    }
    /* "\treloc    0 offset   14 [1014] HIGHLOW" */
    for (line = strstr(Text, "PE File Base Relocations"); line && (line = strstr(line, "] HIGHLOW")); line++) {
        const char *open = line;

        while (*open != '[')
            open--;
        if (Dump.FixupCount < MAXIMUM_FIXUPS)
            Dump.Fixups[Dump.FixupCount++] = (uint32_t)strtoul(open + 1, NULL, 16);
    }
}

/* The image laid out at its RVAs, as a loader maps it: headers, then each section's raw data,
 * the rest zero. NULL when it is too large to bother with. */
static uint8_t *MapImage(const uint8_t *File, const MI_IMAGE_INFO *Info)
{
    uint8_t *image;

    if (Info->SizeOfImage > MAXIMUM_MAPPED)
        return NULL;
    image = calloc(1, Info->SizeOfImage);
    memcpy(image, File, Info->SizeOfHeaders);
    for (uint32_t i = 0; i < Info->NumberOfSections; i++) {
        const MI_IMAGE_SECTION *s = &Info->Sections[i];

        memcpy(image + s->VirtualAddress, File + s->RawOffset, s->RawSize);
    }
    return image;
}

static const MI_IMAGE_SECTION *FindSection(const MI_IMAGE_INFO *Info, const char *Name)
{
    for (uint32_t i = 0; i < Info->NumberOfSections; i++) {
        if (strcmp(Info->Sections[i].Name, Name) == 0)
            return &Info->Sections[i];
    }
    return NULL;
}

static void TestHeaders(MI_IMAGE_INFO *Info)
{
    is_int(MiParseImageHeaders(Original, OriginalSize, OriginalSize, Info), STATUS_SUCCESS, "the mingw image parses");
    is_int(Info->ImageBase, Dump.ImageBase, "ImageBase 0x%x as objdump says", Dump.ImageBase);
    is_int(Info->SizeOfImage, Dump.SizeOfImage, "SizeOfImage");
    is_int(Info->SizeOfHeaders, Dump.SizeOfHeaders, "SizeOfHeaders");
    is_int(Info->EntryPoint, Dump.EntryPoint, "entry point RVA");
    is_int(Info->SectionAlignment, Dump.SectionAlignment, "SectionAlignment");
    is_int(Info->FileAlignment, Dump.FileAlignment, "FileAlignment");
    is_int(Info->SizeOfStackReserve, Dump.StackReserve, "stack reserve");
    is_int(Info->SizeOfStackCommit, Dump.StackCommit, "stack commit");
    is_int(Info->SizeOfHeapReserve, Dump.HeapReserve, "heap reserve");
    is_int(Info->SizeOfHeapCommit, Dump.HeapCommit, "heap commit");
    is_int(Info->Subsystem, Dump.Subsystem, "subsystem (3, the console)");
    is_int(Info->MajorSubsystemVersion, Dump.MajorSubsystemVersion, "subsystem major version");
    is_int(Info->MinorSubsystemVersion, Dump.MinorSubsystemVersion, "subsystem minor version");
    is_int(Info->DllCharacteristics, Dump.DllCharacteristics, "DllCharacteristics (dynamic base)");
    is_int(Info->FileCharacteristics, Dump.Characteristics, "file characteristics");
    ok(!Info->Dll && !Info->LargeAddressAware, "an .exe, not large-address aware");
    ok(Info->Relocatable && Info->ImageFitsAtBase, "relocatable, and fits at its base");
    is_int(Info->ExportRva, Dump.ExportRva, "export directory RVA");
    is_int(Info->ExportSize, Dump.ExportSize, "export directory size");
    is_int(Info->RelocationRva, Dump.RelocationRva, "relocation directory RVA");
    is_int(Info->RelocationSize, Dump.RelocationSize, "relocation directory size");

    is_int(Info->NumberOfSections, Dump.SectionCount, "%u sections", Dump.SectionCount);
    for (uint32_t i = 0; i < Dump.SectionCount && i < Info->NumberOfSections; i++) {
        const MI_IMAGE_SECTION *s = &Info->Sections[i];
        const OBJDUMP_SECTION *d = &Dump.Sections[i];

        ok(strncmp(s->Name, d->Name, 8) == 0 && s->VirtualAddress == d->Vma - Dump.ImageBase &&
           s->VirtualSize == ((d->Size + Dump.SectionAlignment - 1) & ~(Dump.SectionAlignment - 1)) &&
           s->RawOffset == d->FileOffset && s->RawSize <= s->VirtualSize,
           "section %s: RVA 0x%x, %u bytes rounded to 0x%x, raw at 0x%x", d->Name, s->VirtualAddress,
           d->Size, s->VirtualSize, s->RawOffset);
    }
    is_int(FindSection(Info, ".text")->Protection, MM_EXECUTE_READ, ".text is execute-read");
    is_int(FindSection(Info, ".rdata")->Protection, MM_READONLY, ".rdata is read-only");
    is_int(FindSection(Info, ".data")->Protection, MM_WRITECOPY, ".data is copy-on-write, as NT maps it");
    is_int(MI_IMAGE_PRIVATE_PROTECTION(FindSection(Info, ".data")->Protection), MM_READWRITE,
           "... read-write in a private copy");
    is_int(FindSection(Info, ".bss")->Protection, MM_WRITECOPY, ".bss is writable too");
    is_int(FindSection(Info, ".bss")->RawSize, 0, "... and all demand zero (no raw data)");
    is_int(FindSection(Info, ".bss")->VirtualSize, 0x2000, "... 8 KB");
}

static bool IsFixup(uint32_t Rva, uint32_t Byte)
{
    for (uint32_t i = 0; i < Dump.FixupCount; i++) {
        if (Rva >= Dump.Fixups[i] && Rva < Dump.Fixups[i] + 4 && (Byte == 4 || Rva - Dump.Fixups[i] == Byte))
            return true;
    }
    return false;
}

static void TestRelocation(const MI_IMAGE_INFO *Info)
{
    uint8_t *mapped = MapImage(Original, Info), *moved = MapImage(Original, Info);
    uint32_t delta = NEW_BASE - Info->ImageBase, fixed = 0, others = 0;
    MI_IMAGE_INFO stripped = *Info;

    ok(Dump.FixupCount >= 9, "objdump lists %u HIGHLOW fixups", Dump.FixupCount);
    is_int(MiRelocateImage(moved, Info, NEW_BASE), STATUS_SUCCESS, "relocated to 0x%x", NEW_BASE);
    for (uint32_t i = 0; i < Dump.FixupCount; i++) {
        uint32_t before, after;

        memcpy(&before, mapped + Dump.Fixups[i], 4);
        memcpy(&after, moved + Dump.Fixups[i], 4);
        fixed += after == before + delta && before >= Info->ImageBase &&
                 before < Info->ImageBase + Info->SizeOfImage;
    }
    is_int(fixed, Dump.FixupCount, "every HIGHLOW word moved by 0x%x, and pointed into the image", delta);
    for (uint32_t rva = 0; rva < Info->SizeOfImage; rva++)
        others += !IsFixup(rva, 4) && mapped[rva] != moved[rva];
    is_int(others, 0, "no other byte changed");
    stripped.ImageBase = NEW_BASE;              /* where it now is, as a loader records it */
    is_int(MiRelocateImage(moved, &stripped, Info->ImageBase), STATUS_SUCCESS, "moved back");
    ok(memcmp(mapped, moved, Info->SizeOfImage) == 0, "... and identical to the original");
    is_int(MiRelocateImage(moved, Info, Info->ImageBase), STATUS_SUCCESS, "no move: nothing to do");
    ok(memcmp(mapped, moved, Info->SizeOfImage) == 0, "... and nothing done");

    stripped = *Info;
    stripped.FileCharacteristics |= IMAGE_FILE_RELOCS_STRIPPED;
    is_int(MiRelocateImage(moved, &stripped, NEW_BASE), STATUS_CONFLICTING_ADDRESSES,
           "relocations stripped: a move is STATUS_CONFLICTING_ADDRESSES");
    is_int(MiRelocateImage(moved, &stripped, stripped.ImageBase), STATUS_SUCCESS, "... staying is fine");
    stripped = *Info;
    stripped.RelocationSize = 0;
    is_int(MiRelocateImage(moved, &stripped, NEW_BASE), STATUS_SUCCESS,
           "no relocations, not stripped: moves as it is");

    /* A bad block changes nothing: the first block moved to the last bytes of the image, so
     * its first HIGHLOW runs past the end while the blocks after it are fine. */
    memcpy(moved + Info->RelocationRva, &(uint32_t){ Info->SizeOfImage - 0x10 }, 4);
    memcpy(mapped, moved, Info->SizeOfImage);
    is_int(MiRelocateImage(moved, Info, NEW_BASE), STATUS_INVALID_IMAGE_FORMAT,
           "a fixup beyond the image is refused");
    ok(memcmp(mapped, moved, Info->SizeOfImage) == 0, "... before any fixup is applied");
    free(mapped);
    free(moved);
}

static void TestExports(const MI_IMAGE_INFO *Info)
{
    uint8_t *mapped = MapImage(Original, Info);
    uint32_t rva = 0, found = 0;

    is_int(Dump.NameCount, 5, "objdump lists 5 exported names");
    for (uint32_t i = 0; i < Dump.NameCount; i++) {
        NTSTATUS status = MiLookupImageExport(mapped, Info, Dump.ExportNames[i], &rva);

        found += status == STATUS_SUCCESS && Dump.ExportOrdinals[i] < Dump.ExportCount &&
                 rva == Dump.ExportRvas[Dump.ExportOrdinals[i]];
    }
    is_int(found, Dump.NameCount, "every export found at objdump's RVA");
    is_int(MiLookupImageExport(mapped, Info, "Multiply", &rva), STATUS_SUCCESS, "Multiply");
    ok(rva >= FindSection(Info, ".text")->VirtualAddress &&
       rva < FindSection(Info, ".text")->VirtualAddress + FindSection(Info, ".text")->VirtualSize,
       "... is in .text (0x%x)", rva);
    is_int(MiLookupImageExport(mapped, Info, "multiply", &rva), STATUS_PROCEDURE_NOT_FOUND,
           "names match case and all");
    is_int(MiLookupImageExport(mapped, Info, "Ad", &rva), STATUS_PROCEDURE_NOT_FOUND, "a prefix is not a name");
    is_int(MiLookupImageExport(mapped, Info, "", &rva), STATUS_PROCEDURE_NOT_FOUND, "nor is the empty name");
    is_int(MiLookupImageExport(mapped, Info, "Zzz", &rva), STATUS_PROCEDURE_NOT_FOUND, "past the last name");
    free(mapped);
}

/* Offsets in the file of the headers' fields, for the deliberate corruptions. */
static uint32_t NtAt(void)
{
    uint32_t at;

    memcpy(&at, Original + 0x3C, 4);
    return at;
}
#define FILE_AT(field)      (NtAt() + 4 + offsetof(IMAGE_FILE_HEADER, field))
#define OPTIONAL_AT(field)  (NtAt() + 24 + offsetof(IMAGE_OPTIONAL_HEADER32, field))
#define SECTION_AT(i, field) (NtAt() + 24 + sizeof(IMAGE_OPTIONAL_HEADER32) + \
                              (i) * sizeof(IMAGE_SECTION_HEADER) + offsetof(IMAGE_SECTION_HEADER, field))

static NTSTATUS ParseWith(uint32_t Offset, uint32_t Width, uint32_t Value, uint32_t Size)
{
    static MI_IMAGE_INFO info;
    uint8_t *copy = malloc(OriginalSize);
    NTSTATUS status;

    memcpy(copy, Original, OriginalSize);
    if (Width)
        memcpy(copy + Offset, &Value, Width);
    status = MiParseImageHeaders(copy, Size, Size, &info);
    free(copy);
    return status;
}

#define REFUSED(offset, width, value, ...) \
    is_int(ParseWith(offset, width, value, OriginalSize), STATUS_INVALID_IMAGE_FORMAT, __VA_ARGS__)

static void TestMalformed(const MI_IMAGE_INFO *Info)
{
    uint32_t end = Info->Sections[Info->NumberOfSections - 1].VirtualAddress;

    is_int(ParseWith(0, 2, 0x5A4E, OriginalSize), STATUS_INVALID_IMAGE_NOT_MZ, "no MZ: NT's INVALID_IMAGE_NOT_MZ");
    is_int(ParseWith(0, 0, 0, 1), STATUS_INVALID_IMAGE_NOT_MZ, "a 1-byte file");
    is_int(ParseWith(0, 0, 0, 63), STATUS_INVALID_IMAGE_FORMAT, "MZ, but shorter than a DOS header");
    is_int(ParseWith(0, 0, 0, OriginalSize / 2), STATUS_INVALID_IMAGE_FORMAT, "truncated to half");
    is_int(ParseWith(0, 0, 0, Info->SizeOfHeaders - 1), STATUS_INVALID_IMAGE_FORMAT, "truncated in the headers");
    REFUSED(0x3C, 4, OriginalSize, "e_lfanew at the end of the file");
    REFUSED(0x3C, 4, 0xFFFFFFF0, "e_lfanew negative");
    REFUSED(0x3C, 4, NtAt() + 2, "e_lfanew misaligned");
    REFUSED(NtAt(), 4, 0x00004550 + 1, "no PE signature");
    REFUSED(FILE_AT(Machine), 2, 0x8664, "an x64 image");
    REFUSED(FILE_AT(NumberOfSections), 2, 0, "no sections");
    REFUSED(FILE_AT(NumberOfSections), 2, 97, "97 sections");
    REFUSED(FILE_AT(NumberOfSections), 2, 0xFFFF, "65535 sections");
    REFUSED(FILE_AT(SizeOfOptionalHeader), 2, 0x60, "an optional header too short for its directories");
    REFUSED(FILE_AT(SizeOfOptionalHeader), 2, 0xF0, "an optional header longer than PE32's");
    REFUSED(FILE_AT(Characteristics), 2, 0x0100, "not IMAGE_FILE_EXECUTABLE_IMAGE");
    REFUSED(OPTIONAL_AT(Magic), 2, 0x20B, "a PE32+ optional header");
    REFUSED(OPTIONAL_AT(ImageBase), 4, 0x00401000, "ImageBase not 64 KB aligned");
    REFUSED(OPTIONAL_AT(SectionAlignment), 4, 0x100, "section alignment below the file's");
    REFUSED(OPTIONAL_AT(SectionAlignment), 4, 0x1800, "section alignment not a power of two");
    REFUSED(OPTIONAL_AT(FileAlignment), 4, 0x100, "file alignment 256 with page sections");
    REFUSED(OPTIONAL_AT(FileAlignment), 4, 0x300, "file alignment not a power of two");
    REFUSED(OPTIONAL_AT(SizeOfImage), 4, 0xFFFFFFFF, "SizeOfImage 0xFFFFFFFF");
    REFUSED(OPTIONAL_AT(SizeOfImage), 4, 0, "SizeOfImage 0");
    REFUSED(OPTIONAL_AT(SizeOfImage), 4, end, "SizeOfImage short of the last section");
    REFUSED(OPTIONAL_AT(SizeOfImage), 4, Info->SizeOfImage + 0x1000, "SizeOfImage a page past it");
    REFUSED(OPTIONAL_AT(SizeOfHeaders), 4, 0x100, "SizeOfHeaders short of the section table");
    REFUSED(OPTIONAL_AT(SizeOfHeaders), 4, 0x1400, "SizeOfHeaders past the first section");
    REFUSED(OPTIONAL_AT(AddressOfEntryPoint), 4, Info->SizeOfImage, "entry point past the image");
    REFUSED(OPTIONAL_AT(AddressOfEntryPoint), 4, 0, "no entry point in an .exe");
    REFUSED(OPTIONAL_AT(NumberOfRvaAndSizes), 4, 17, "17 directories");
    REFUSED(OPTIONAL_AT(SizeOfStackCommit), 4, Info->SizeOfStackReserve + 1, "stack commit above reserve");
    REFUSED(OPTIONAL_AT(SizeOfHeapCommit), 4, Info->SizeOfHeapReserve + 1, "heap commit above reserve");
    REFUSED(OPTIONAL_AT(DataDirectory[0].VirtualAddress), 4, Info->SizeOfImage - 8, "exports past the image");
    REFUSED(OPTIONAL_AT(DataDirectory[5].Size), 4, 0xFFFFFFFF, "relocations past the image");
    REFUSED(SECTION_AT(1, VirtualAddress), 4, Info->Sections[0].VirtualAddress, "two sections at one RVA");
    REFUSED(SECTION_AT(1, VirtualAddress), 4, Info->Sections[1].VirtualAddress + 0x800, "a section misaligned");
    REFUSED(SECTION_AT(0, VirtualSize), 4, 0x1800, "a section overlapping the next");
    REFUSED(SECTION_AT(0, VirtualSize), 4, 0xFFFFFFFF, "a section of 4 GB");
    REFUSED(SECTION_AT(0, PointerToRawData), 4, OriginalSize - 0x100, "raw data past the end of the file");
    REFUSED(SECTION_AT(0, SizeOfRawData), 4, 0x80000000, "raw data of 2 GB");
}

/* An image outside user space: accepted when it can be relocated, refused when it cannot. */
static void TestPlacement(void)
{
    static MI_IMAGE_INFO info;
    uint8_t *copy = malloc(OriginalSize);
    uint16_t characteristics;

    memcpy(copy, Original, OriginalSize);
    memcpy(copy + OPTIONAL_AT(ImageBase), &(uint32_t){ 0x7FFF0000 }, 4);
    is_int(MiParseImageHeaders(copy, OriginalSize, OriginalSize, &info), STATUS_SUCCESS,
           "an image above user space but relocatable is accepted");
    ok(!info.ImageFitsAtBase && info.Relocatable, "... to be relocated");
    memcpy(&characteristics, copy + FILE_AT(Characteristics), 2);
    characteristics |= IMAGE_FILE_RELOCS_STRIPPED;
    memcpy(copy + FILE_AT(Characteristics), &characteristics, 2);
    is_int(MiParseImageHeaders(copy, OriginalSize, OriginalSize, &info), STATUS_INVALID_IMAGE_FORMAT,
           "... and refused with its relocations stripped");
    memcpy(copy + OPTIONAL_AT(ImageBase), &(uint32_t){ 0 }, 4);
    is_int(MiParseImageHeaders(copy, OriginalSize, OriginalSize, &info), STATUS_INVALID_IMAGE_FORMAT,
           "... as at 0 (the first 64 KB are never mapped)");
    free(copy);
}

/* The headers parsed from the file's first bytes only, as a file on a disk is: the bytes
 * through the section table are enough (the raw data is checked against the file's size),
 * fewer are not, and nothing past MI_IMAGE_MAXIMUM_HEADER is ever read. */
static void TestHeaderWindow(const MI_IMAGE_INFO *Whole)
{
    static MI_IMAGE_INFO info;
    uint8_t *window;
    uint32_t tableEnd = NtAt() + 24 + sizeof(IMAGE_OPTIONAL_HEADER32) +
                        Whole->NumberOfSections * sizeof(IMAGE_SECTION_HEADER);

    is_int(MiParseImageHeaders(Original, Whole->SizeOfHeaders, OriginalSize, &info), STATUS_SUCCESS,
           "the headers alone (SizeOfHeaders bytes read) parse");
    ok(memcmp(&info, Whole, sizeof(info)) == 0, "... to what the whole file gives");
    is_int(MiParseImageHeaders(Original, tableEnd, OriginalSize, &info), STATUS_SUCCESS,
           "the bytes through the section table are enough");
    is_int(MiParseImageHeaders(Original, tableEnd - 1, OriginalSize, &info),
           STATUS_INVALID_IMAGE_FORMAT, "one byte fewer: the section table past what was read");
    is_int(MiParseImageHeaders(Original, 1, OriginalSize, &info), STATUS_INVALID_IMAGE_NOT_MZ,
           "one byte read: not MZ");
    /* A buffer of exactly MI_IMAGE_MAXIMUM_HEADER bytes said to hold a 1 MB file's first
     * megabyte: ASan sees any read past the window. */
    window = calloc(1, MI_IMAGE_MAXIMUM_HEADER);
    memcpy(window, Original, OriginalSize < MI_IMAGE_MAXIMUM_HEADER ? OriginalSize : MI_IMAGE_MAXIMUM_HEADER);
    is_int(MiParseImageHeaders(window, 1u << 20, 1u << 20, &info), STATUS_SUCCESS,
           "a 1 MB file parses from its first %u bytes alone", MI_IMAGE_MAXIMUM_HEADER);
    free(window);
}

/* xorshift32 from a fixed seed: the same mutants every run. */
static uint32_t Seed = 0x9E3779B9;
static uint32_t Random(void)
{
    Seed ^= Seed << 13;
    Seed ^= Seed >> 17;
    Seed ^= Seed << 5;
    return Seed;
}

static const uint32_t Boundaries[] = {
    0, 1, 2, 3, 4, 0x10, 0x3F, 0x40, 0x1FF, 0x200, 0xFFF, 0x1000, 0x1001, 0xFFFF, 0x10000,
    0x7FFE0000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF, 0x40000000, 0x3FFFFFFF,
};

/* One mutant of the original into Mutant; returns its size. */
static uint32_t Mutate(uint8_t *Mutant)
{
    uint32_t size = OriginalSize, headers = 0x400, kind = Random() % 8, at, table;
    uint32_t value = Boundaries[Random() % (sizeof(Boundaries) / sizeof(Boundaries[0]))];

    memcpy(Mutant, Original, OriginalSize);
    switch (kind) {
    case 0:                                     /* flip bits in the headers */
        for (uint32_t n = 1 + Random() % 8; n > 0; n--)
            Mutant[Random() % headers] ^= (uint8_t)(1u << (Random() % 8));
        break;
    case 1:                                     /* random bytes anywhere */
        for (uint32_t n = 1 + Random() % 16; n > 0; n--)
            Mutant[Random() % size] = (uint8_t)Random();
        break;
    case 2:                                     /* truncate */
        size = Random() % size;
        break;
    case 3:                                     /* a 32-bit field of the headers to a boundary */
        at = (NtAt() + 4 * (Random() % ((headers - NtAt()) / 4))) & ~3u;
        memcpy(Mutant + at, &value, 4);
        break;
    case 4:                                     /* a 16-bit field of the headers to a boundary */
        at = (NtAt() + 2 * (Random() % ((headers - NtAt()) / 2))) & ~1u;
        memcpy(Mutant + at, &(uint16_t){ (uint16_t)value }, 2);
        break;
    case 5:                                     /* e_lfanew, a section's place or size */
        at = Random() % 2 ? 0x3C : SECTION_AT(Random() % 8, VirtualAddress) + 4 * (Random() % 4) - 4;
        memcpy(Mutant + at, &value, 4);
        break;
    case 6:                                     /* the export or relocation tables */
        table = Random() % 2;
        for (uint32_t n = 1 + Random() % 4; n > 0; n--) {
            at = TableAt[table] + Random() % TableSize[table];
            if (Random() % 2)
                Mutant[at] = (uint8_t)Random();
            else if (at + 4 <= size)
                memcpy(Mutant + at, &value, 4);
        }
        break;
    default:                                    /* two sections overlap */
        at = 1 + Random() % 7;
        memcpy(Mutant + SECTION_AT(at, VirtualAddress), Original + SECTION_AT(at - 1, VirtualAddress)
               + (Random() % 2 ? 0 : 4), 4);
        break;
    }
    return size;
}

/* What an accepted image promises (mm/image.h). */
static bool Consistent(const MI_IMAGE_INFO *Info, uint32_t FileSize)
{
    uint64_t previous = Info->SizeOfHeaders;

    if (Info->NumberOfSections == 0 || Info->NumberOfSections > MI_IMAGE_MAXIMUM_SECTIONS ||
        Info->SizeOfImage == 0 || Info->SizeOfImage > MI_IMAGE_MAXIMUM_SIZE ||
        Info->SizeOfHeaders > FileSize || Info->EntryPoint >= Info->SizeOfImage ||
        (uint64_t)Info->ExportRva + Info->ExportSize > Info->SizeOfImage ||
        (uint64_t)Info->RelocationRva + Info->RelocationSize > Info->SizeOfImage ||
        (!Info->ImageFitsAtBase && !Info->Relocatable))
        return false;
    for (uint32_t i = 0; i < Info->NumberOfSections; i++) {
        const MI_IMAGE_SECTION *s = &Info->Sections[i];

        if (s->VirtualAddress < previous || s->VirtualSize == 0 ||
            (uint64_t)s->VirtualAddress + s->VirtualSize > Info->SizeOfImage ||
            s->RawSize > s->VirtualSize || (uint64_t)s->RawOffset + s->RawSize > FileSize)
            return false;
        previous = (uint64_t)s->VirtualAddress + s->VirtualSize;
    }
    return true;
}

static void TestMutants(void)
{
    static MI_IMAGE_INFO info;
    uint8_t *mutant = malloc(OriginalSize);
    uint32_t accepted = 0, refused = 0, notMz = 0, wrong = 0, inconsistent = 0, mapped = 0;
    uint32_t relocated = 0, exported = 0, badOther = 0;
    static const char *const names[] = { "Add", "Beta", "Gamma", "Multiply", "Zeta", "Nope", "" };

    for (uint32_t n = 0; n < MUTANTS; n++) {
        uint32_t size = Mutate(mutant);
        /* a copy of exactly the mutant's size, so ASan sees a read past its end */
        uint8_t *file = malloc(size ? size : 1);
        NTSTATUS status;
        uint8_t *image;

        memcpy(file, mutant, size);
        status = MiParseImageHeaders(file, size, size, &info);
        if (status == STATUS_INVALID_IMAGE_FORMAT) {
            refused++;
        } else if (status == STATUS_INVALID_IMAGE_NOT_MZ) {
            notMz++;
        } else if (status != STATUS_SUCCESS) {
            wrong++;
        } else if (!Consistent(&info, size)) {
            inconsistent++;
        } else {
            accepted++;
            image = MapImage(file, &info);
            if (image) {
                uint32_t rva;

                mapped++;
                status = MiRelocateImage(image, &info, NEW_BASE + (Random() & 0x0FFF0000));
                relocated += status == STATUS_SUCCESS;
                badOther += status != STATUS_SUCCESS && status != STATUS_INVALID_IMAGE_FORMAT &&
                            status != STATUS_CONFLICTING_ADDRESSES;
                for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                    status = MiLookupImageExport(image, &info, names[i], &rva);
                    exported += status == STATUS_SUCCESS;
                    badOther += status != STATUS_SUCCESS && status != STATUS_INVALID_IMAGE_FORMAT &&
                                status != STATUS_PROCEDURE_NOT_FOUND && status != STATUS_NOT_SUPPORTED;
                    if (status == STATUS_SUCCESS && rva >= info.SizeOfImage)
                        badOther++;
                }
                free(image);
            }
        }
        free(file);
    }
    printf("# %u mutants: %u accepted (%u mapped, %u relocated, %u exports found), %u refused, %u not MZ\n",
           MUTANTS, accepted, mapped, relocated, exported, refused, notMz);
    is_int(wrong, 0, "every mutant refused with INVALID_IMAGE_FORMAT or NOT_MZ, or accepted");
    is_int(inconsistent, 0, "every accepted mutant's sections lie in the image and its raw data in the file");
    ok(accepted >= MUTANTS / 10 && refused >= MUTANTS / 4,
       "the mutants reach both sides (%u accepted, %u refused)", accepted, refused);
    ok(mapped > 0 && relocated > 0 && exported > 0, "relocation and exports ran over the accepted ones");
    is_int(badOther, 0, "relocation and export lookups return only their documented statuses");
    free(mutant);
}

int main(void)
{
    static MI_IMAGE_INFO info;
    uint32_t dumpSize;
    char *dump = (char *)ReadFile(IMAGETEST_OBJDUMP, &dumpSize);

    Original = ReadFile(IMAGETEST_EXE, &OriginalSize);
    ReadObjdump(dump);
    TestHeaders(&info);
    TableAt[0] = FindSection(&info, ".edata")->RawOffset;
    TableSize[0] = FindSection(&info, ".edata")->RawSize;
    TableAt[1] = FindSection(&info, ".reloc")->RawOffset;
    TableSize[1] = FindSection(&info, ".reloc")->RawSize;
    TestRelocation(&info);
    TestExports(&info);
    TestMalformed(&info);
    TestPlacement();
    TestHeaderWindow(&info);
    TestMutants();
    free(dump);
    free(Original);
    return done_testing();
}
