/*
 * mm/section.h: sections, NT's layouts (mi.h, Server 2003 x86). A section object points at a
 * segment, the segment at its control area; a page-file-backed segment carries its prototype
 * PTEs inline, one per page of the section, in paged pool:
 *
 *   SECTION (the object body, paged pool)    SEGMENT (paged pool, 0x38 + 4 * pages bytes)
 *   +----------------------------+           +--------------------------------------+
 *   | Address (MMADDRESS_NODE)   |           | ControlArea -------------------------+--+
 *   | Segment -------------------+---------> | TotalNumberOfPtes, NonExtendedPtes   |  |
 *   | SizeOfSection              |           | SizeOfSegment                        |  |
 *   | u.Flags (MMSECTION_FLAGS)  |           | SegmentPteTemplate (what commit puts)|  |
 *   | InitialPageProtection      |           | NumberOfCommittedPages ...           |  |
 *   +----------------------------+           | PrototypePte -> ThePtes[0]           |  |
 *                                            | ThePtes[0 .. TotalNumberOfPtes-1]    |  |
 *   CONTROL_AREA (nonpaged pool)             +--------------------------------------+  |
 *   +----------------------------+ <--------------------------------------------------+
 *   | Segment                    |
 *   | NumberOfSectionReferences  |  section objects
 *   | NumberOfMappedViews        |  views in any process
 *   | NumberOfUserReferences     |  both, from user mode
 *   | u.Flags, FilePointer NULL  |
 *   +----------------------------+
 *   | SUBSECTION (one, covering every prototype PTE)
 *   +----------------------------+
 *
 * A prototype PTE is 0 (not committed: SEC_RESERVE), demand zero with the section's
 * protection, a paging-file PTE, a transition PTE (the page is on the standby or modified list
 * or under I/O) or valid (mapped by at least one process; its PFN's ShareCount counts the
 * process PTEs that map it). Prototype PTEs change only under the PFN lock.
 */
#ifndef MM_SECTION_H
#define MM_SECTION_H

#include "mm/mm.h"

typedef struct _MMSECTION_FLAGS {
    uint32_t BeingDeleted : 1;
    uint32_t BeingCreated : 1;
    uint32_t BeingPurged : 1;
    uint32_t NoModifiedWriting : 1;
    uint32_t FailAllIo : 1;
    uint32_t Image : 1;
    uint32_t Based : 1;
    uint32_t File : 1;
    uint32_t Networked : 1;
    uint32_t NoCache : 1;
    uint32_t PhysicalMemory : 1;
    uint32_t CopyOnWrite : 1;
    uint32_t Reserve : 1;
    uint32_t Commit : 1;
    uint32_t FloppyMedia : 1;
    uint32_t WasPurged : 1;
    uint32_t UserReference : 1;
    uint32_t GlobalMemory : 1;
    uint32_t DeleteOnClose : 1;
    uint32_t FilePointerNull : 1;
    uint32_t DebugSymbolsLoaded : 1;
    uint32_t SetMappedFileIoComplete : 1;
    uint32_t CollidedFlush : 1;
    uint32_t NoChange : 1;
    uint32_t filler0 : 1;
    uint32_t ImageMappedInSystemSpace : 1;
    uint32_t UserWritable : 1;
    uint32_t Accessed : 1;
    uint32_t GlobalOnlyPerSession : 1;
    uint32_t Rom : 1;
    uint32_t WriteCombined : 1;
    uint32_t filler : 1;
} MMSECTION_FLAGS;

typedef struct _CONTROL_AREA {
    struct _SEGMENT *Segment;
    LIST_ENTRY DereferenceList;
    uint32_t NumberOfSectionReferences;
    uint32_t NumberOfPfnReferences;         /* counted for mapped files only, as NT does */
    uint32_t NumberOfMappedViews;
    uint32_t NumberOfSystemCacheViews;
    uint32_t NumberOfUserReferences;
    union {
        uint32_t LongFlags;
        MMSECTION_FLAGS Flags;
    } u;
    void *FilePointer;                      /* NULL: backed by the paging files */
    void *WaitingForDeletion;
    uint16_t ModifiedWriteCount;
    uint16_t FlushInProgressCount;
    uint32_t WritableUserReferences;
    uint32_t QuadwordPad;
} CONTROL_AREA;

typedef struct _MMSUBSECTION_FLAGS {
    uint32_t ReadOnly : 1;
    uint32_t ReadWrite : 1;
    uint32_t SubsectionStatic : 1;
    uint32_t GlobalMemory : 1;
    uint32_t Protection : 5;
    uint32_t Spare : 1;
    uint32_t StartingSector4132 : 10;
    uint32_t SectorEndOffset : 12;
} MMSUBSECTION_FLAGS;

typedef struct _SUBSECTION {
    CONTROL_AREA *ControlArea;
    union {
        uint32_t LongFlags;
        MMSUBSECTION_FLAGS SubsectionFlags;
    } u;
    uint32_t StartingSector;
    uint32_t NumberOfFullSectors;
    MMPTE *SubsectionBase;
    uint32_t UnusedPtes;
    uint32_t PtesInSubsection;
    struct _SUBSECTION *NextSubsection;
} SUBSECTION;

/* 64-bit members are 8-aligned, as Microsoft's compiler lays them out (gcc's i386 ABI would
 * align them to 4). */
typedef struct _MMEXTEND_INFO {
    uint64_t CommittedSize __attribute__((aligned(8)));
    uint32_t ReferenceCount;
} MMEXTEND_INFO;

typedef struct _SEGMENT_FLAGS {
    uint32_t TotalNumberOfPtes4132 : 10;
    uint32_t ExtraSharedWowSubsections : 1;
    uint32_t LargePages : 1;
    uint32_t Spare : 20;
} SEGMENT_FLAGS;

typedef struct _SEGMENT {
    CONTROL_AREA *ControlArea;
    uint32_t TotalNumberOfPtes;
    uint32_t NonExtendedPtes;
    uint32_t Spare0;
    uint64_t SizeOfSegment __attribute__((aligned(8)));
    MMPTE SegmentPteTemplate;               /* what committing writes into a zero prototype */
    uint32_t NumberOfCommittedPages;
    MMEXTEND_INFO *ExtendInfo;
    SEGMENT_FLAGS SegmentFlags;
    void *BasedAddress;
    union {
        uint32_t ImageCommitment;
        void *CreatingProcess;
    } u1;
    union {
        void *ImageInformation;
        void *FirstMappedVa;
    } u2;
    MMPTE *PrototypePte;
    MMPTE ThePtes[1];                       /* TotalNumberOfPtes of them, in one allocation */
} SEGMENT;

typedef struct _SECTION {
    MMADDRESS_NODE Address;
    SEGMENT *Segment;
    int64_t SizeOfSection __attribute__((aligned(8)));
    union {
        uint32_t LongFlags;
        MMSECTION_FLAGS Flags;
    } u;
    uint32_t InitialPageProtection;         /* the PAGE_* value it was created with */
} SECTION;

_Static_assert(sizeof(MMSECTION_FLAGS) == 4 && sizeof(MMSUBSECTION_FLAGS) == 4,
               "section flags are a ULONG");
_Static_assert(sizeof(CONTROL_AREA) == 0x38 && offsetof(CONTROL_AREA, NumberOfMappedViews) == 0x14 &&
               offsetof(CONTROL_AREA, u) == 0x20 && offsetof(CONTROL_AREA, FilePointer) == 0x24,
               "NT x86's CONTROL_AREA");
_Static_assert(sizeof(SUBSECTION) == 0x20 && offsetof(SUBSECTION, SubsectionBase) == 0x10,
               "NT x86's SUBSECTION");
_Static_assert(sizeof(MMEXTEND_INFO) == 16, "NT x86's MMEXTEND_INFO");

_Static_assert(sizeof(SEGMENT) == 0x40 && offsetof(SEGMENT, SizeOfSegment) == 0x10 &&
               offsetof(SEGMENT, SegmentPteTemplate) == 0x18 &&
               offsetof(SEGMENT, ExtendInfo) == 0x20 && offsetof(SEGMENT, PrototypePte) == 0x34 &&
               offsetof(SEGMENT, ThePtes) == 0x38, "NT x86's SEGMENT");
_Static_assert(sizeof(SECTION) == 0x28 && offsetof(SECTION, Segment) == 0x14 &&
               offsetof(SECTION, SizeOfSection) == 0x18 && offsetof(SECTION, u) == 0x20,
               "NT x86's SECTION");

/* SectionBasicInformation's answer (ntmmapi.h). */
typedef struct _SECTION_BASIC_INFORMATION {
    uint32_t BaseAddress;
    uint32_t Attributes;                    /* SEC_* */
    int64_t Size __attribute__((aligned(8)));
} SECTION_BASIC_INFORMATION;

#define SECTION_IMAGE_INFORMATION_SIZE  0x30    /* SectionImageInformation's, on x86 */

_Static_assert(sizeof(SECTION_BASIC_INFORMATION) == 16, "SECTION_BASIC_INFORMATION");

/* A page-file segment's control area, its one subsection right after it as NT has them, and
 * mm386's link on MiControlAreaList (section.c), where the debugger's !ca finds them. An
 * image's control area (MI_IMAGE_CONTROL_AREA) starts the same way. */
typedef struct _MI_PAGEFILE_CONTROL_AREA {
    CONTROL_AREA ControlArea;
    SUBSECTION Subsection;
    LIST_ENTRY Links;
} MI_PAGEFILE_CONTROL_AREA;

/* SectionImageInformation's answer (ntmmapi.h, x86). */
typedef struct _SECTION_IMAGE_INFORMATION {
    uint32_t TransferAddress;               /* ImageBase + AddressOfEntryPoint */
    uint32_t ZeroBits;
    uint32_t MaximumStackSize;
    uint32_t CommittedStackSize;
    uint32_t SubSystemType;
    uint16_t SubSystemMinorVersion;
    uint16_t SubSystemMajorVersion;
    uint32_t GpValue;
    uint16_t ImageCharacteristics;
    uint16_t DllCharacteristics;
    uint16_t Machine;
    uint8_t ImageContainsCode;
    uint8_t Spare1;
    uint32_t LoaderFlags;
    uint32_t ImageFileSize;
    uint32_t Reserved[1];
} SECTION_IMAGE_INFORMATION;

_Static_assert(sizeof(SECTION_IMAGE_INFORMATION) == SECTION_IMAGE_INFORMATION_SIZE &&
               offsetof(SECTION_IMAGE_INFORMATION, SubSystemType) == 0x10 &&
               offsetof(SECTION_IMAGE_INFORMATION, ImageCharacteristics) == 0x1C &&
               offsetof(SECTION_IMAGE_INFORMATION, ImageContainsCode) == 0x22,
               "NT x86's SECTION_IMAGE_INFORMATION");

/*
 * Where an image section's bytes come from: the one interface between image sections and
 * their backing store. A multiboot module (Module, mapped once for as long as the control
 * area lives, since modules stay in memory for the system's life: a page is copied from
 * Mapping at its fault), or a file (FileObject: a page is read through the file system's
 * paging read at its fault, imagefile.c; the control area's FilePointer is the same file
 * object, referenced while it lives, as NT's). Size is the file's size in bytes.
 */
typedef struct _MI_IMAGE_FILE {
    const LOADER_MODULE *Module;
    const uint8_t *Mapping;
    FILE_OBJECT *FileObject;
    uint32_t Size;
} MI_IMAGE_FILE;

/*
 * An image's control area (imagesec.c): NT's control area with one subsection per PE
 * section after it (the first, in Common, maps the headers), chained through NextSubsection.
 * The image's prototype PTEs start as subsection PTEs (read from the file at the first fault,
 * and again each time a clean page left memory) or, past a section's raw data, demand zero.
 * An image of a file hangs on the file's SECTION_OBJECT_POINTERS->ImageSectionObject while it
 * lives (imagefile.c), so every process running the file shares it.
 */
typedef struct _MI_IMAGE_CONTROL_AREA {
    MI_PAGEFILE_CONTROL_AREA Common;
    MI_IMAGE_FILE File;
    SECTION_IMAGE_INFORMATION ImageInformation;
    struct _MI_IMAGE_INFO *Info;            /* the checked headers (paged pool) */
    uint32_t PagesRead;                     /* from a file, by faults (for !ca) */
    uint32_t NumberOfSubsections;
    SUBSECTION Subsections[] __attribute__((aligned(8)));   /* NumberOfSubsections - 1 */
} MI_IMAGE_CONTROL_AREA;

/*
 * A data file's control area (datasec.c): NT's control area, then its subsections, one per
 * MI_DATA_SUBSECTION_PTES pages of the file (NT's MmAllocationFragment), chained through
 * NextSubsection; the first is Common.Subsection. FilePointer is the file object (referenced
 * while the control area lives); the file's SECTION_OBJECT_POINTERS->DataSectionObject points
 * here, so every section of the file shares it. The prototype PTEs are the segment's inline
 * array (the first NonExtendedPtes), every one a subsection PTE until read. A segment that
 * grows (MiExtendDataFileMap: the file grew, or a larger section was asked for) gets more
 * subsections, each with its own array of prototype PTEs in paged pool, as NT's extended
 * segments do (MI_DATA_EXTENSION): the segment's prototypes are then contiguous only within a
 * subsection. TotalPtes (nonpaged: read under the PFN lock) counts them all.
 */
#define MI_DATA_SUBSECTION_PTES 4096u   /* 16 KB of prototypes: NT's fragment below 256 MB */

/* A subsection added to a data file's segment, with its prototype PTEs (paged pool). */
typedef struct _MI_DATA_EXTENSION {
    SUBSECTION Subsection;                  /* first: the subsection PTEs name it */
} MI_DATA_EXTENSION;

typedef struct _MI_DATA_CONTROL_AREA {
    MI_PAGEFILE_CONTROL_AREA Common;
    SECTION_OBJECT_POINTERS *SectionObjectPointers;
    int64_t FileSize __attribute__((aligned(8)));   /* the file's size the segment was made for */
    uint32_t NumberOfSubsections;
    uint32_t PagesWritten;                  /* to the file, by flushes and the mapped writer */
    uint32_t PagesRead;                     /* from the file, by faults */
    uint32_t TotalPtes;                     /* the segment's prototypes, extensions included */
    SUBSECTION *LastSubsection;             /* where an extension is chained */
    SUBSECTION Subsections[] __attribute__((aligned(8)));   /* NumberOfSubsections - 1 */
} MI_DATA_CONTROL_AREA;

/* A segment of Pages prototype PTEs (paged pool) and AreaBytes of control area and subsections
 * (nonpaged pool), neither initialised: both, or false and neither (section.c). */
#define MI_SEGMENT_TAG          POOL_TAG('M', 'm', 'S', 't')
#define MI_CONTROL_AREA_TAG     POOL_TAG('M', 'm', 'C', 'a')
bool MiAllocateSegment(uint32_t Pages, uint32_t AreaBytes, SEGMENT **Segment, void **Area);

#endif
