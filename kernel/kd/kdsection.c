/*
 * kernel/kd/kdsection.c: !ca, sections' control areas, as WinDbg's !ca shows them:
 *
 *   kd> !ca
 *   ControlArea  Segment   Sections  Views  Users      Ptes  Flags
 *   81f4a008     e1004000         1      2      3      4096  Commit
 *   kd> !ca 81f4a008
 *   ControlArea  @ 81f4a008
 *     Segment      e1004000  Flink      81f4a00c  Blink      81f4a00c
 *     Section Ref         1  Pfn Ref           0  Mapped Views        2
 *     User Ref            3  WaitForDel        0  Flush Count         0
 *     File Object  00000000  ModWriteCount     0  System Views        0
 *     Flags (00082000) Commit FilePointerNull
 *   Segment @ e1004000
 *     ControlArea  81f4a008  ExtendInfo    00000000
 *     Total Ptes       4096  NonExtendPtes     4096
 *     Segment Size 01000000  Committed         4096  Template 00000080
 *     Prototype PTEs at e1004038: 4096 valid, 0 transition, 0 paging file,
 *       0 demand zero, 0 not committed
 *
 * A data file's control area (mm/datasec.c) says so after its flags, names the file and
 * lists its subsections (file offsets in 4 KB units, as NT keeps them for data files):
 *
 *   Mapped data file  File Object 80c41008  \BIG.BIN
 *     File size 12582912 bytes when mapped; 3072 pages read, 3072 written to the file
 *     Subsection 1 @ 80c3f040  Starting page        0  Ptes 4096 at e1008038
 *                              Full pages 4096  End offset 0
 *
 * An image file's (mm/imagefile.c) names its file and counts the pages read from it:
 *
 *   Image file  File Object 80c52008  \BIN\IMGFILE.EXE
 *     File size 24064 bytes; 7 pages read from the file
 *
 * Without an address it lists the control areas of every section (section.c keeps them on
 * MiControlAreaList). Everything is read with the probes `dd` uses, so a section
 * deleted meanwhile shows as unreadable rather than stopping the system.
 */
#include "kernel/kd/kd.h"
#include "mm/mi.h"

#define KD_MAXIMUM_CONTROL_AREAS 64

static const char *const KdSectionFlagNames[32] = {
    "BeingDeleted", "BeingCreated", "BeingPurged", "NoModifiedWriting", "FailAllIo", "Image",
    "Based", "File", "Networked", "NoCache", "PhysicalMemory", "CopyOnWrite", "Reserve",
    "Commit", "FloppyMedia", "WasPurged", "UserReference", "GlobalMemory", "DeleteOnClose",
    "FilePointerNull", "DebugSymbolsLoaded", "SetMappedFileIoComplete", "CollidedFlush",
    "NoChange", NULL, "ImageMappedInSystemSpace", "UserWritable", "Accessed",
    "GlobalOnlyPerSession", "Rom", "WriteCombined", NULL,
};

static void KdPrintSectionFlags(uint32_t Flags)
{
    for (uint32_t bit = 0; bit < 32; bit++) {
        if ((Flags & (1u << bit)) && KdSectionFlagNames[bit])
            DbgPrint(" %s", KdSectionFlagNames[bit]);
    }
    DbgPrint("\n");
}

/* The prototype PTEs of a segment counted by state. */
typedef struct _KD_PROTO_COUNTS {
    uint32_t Valid, Transition, PagingFile, DemandZero, Zero, Image;
} KD_PROTO_COUNTS;

static bool KdCountPrototypeRun(uintptr_t First, uint32_t Count, KD_PROTO_COUNTS *Counts)
{
    for (uint32_t i = 0; i < Count; i++) {
        MMPTE pte;

        if (!KdReadMemory(First + i * sizeof(MMPTE), &pte, sizeof(pte))) {
            DbgPrint("    (prototype PTE %u at %08x cannot be read)\n", i,
                     (uint32_t)(First + i * sizeof(MMPTE)));
            return false;
        }
        if (pte.u.Long == MM_ZERO_PTE)
            Counts->Zero++;
        else if (pte.u.Hard.Valid)
            Counts->Valid++;
        else if (pte.u.Soft.Prototype)      /* a subsection PTE: in the file only */
            Counts->Image++;
        else if (pte.u.Soft.Transition)
            Counts->Transition++;
        else if (pte.u.Soft.PageFileHigh != 0)
            Counts->PagingFile++;
        else
            Counts->DemandZero++;
    }
    return true;
}

/* The segment's prototypes: the inline array, and an extended data file's other subsections'
 * arrays (Address: the control area). */
static void KdCountPrototypes(uintptr_t Address, const CONTROL_AREA *Area, const SEGMENT *Segment)
{
    KD_PROTO_COUNTS counts = { 0 };
    bool image = Area->u.Flags.Image;
    uintptr_t next = Address + offsetof(MI_PAGEFILE_CONTROL_AREA, Subsection);

    if (!KdCountPrototypeRun((uintptr_t)Segment->PrototypePte, Segment->NonExtendedPtes, &counts))
        return;
    while (Area->FilePointer && !image && next) {   /* the extensions of a data file's segment */
        SUBSECTION subsection;

        if (!KdReadMemory(next, &subsection, sizeof(subsection)))
            break;
        if (subsection.StartingSector >= Segment->NonExtendedPtes &&
            !KdCountPrototypeRun((uintptr_t)subsection.SubsectionBase,
                                 subsection.PtesInSubsection, &counts))
            return;
        next = (uintptr_t)subsection.NextSubsection;
    }
    DbgPrint("  Prototype PTEs at %08x: %u valid, %u transition, %u paging file,\n"
             "    %u demand zero, %u not committed\n", (uint32_t)(uintptr_t)Segment->PrototypePte,
             counts.Valid, counts.Transition, counts.PagingFile, counts.DemandZero, counts.Zero);
    if (counts.Image)
        DbgPrint("    %u in the %sfile only (subsection PTEs)\n", counts.Image,
                 image ? "image " : "");
}

/* The name of the file object at Address (its path on its volume), if it can be read. */
static void KdPrintFileName(uintptr_t Address)
{
    FILE_OBJECT file;
    uint16_t name[64];

    if (KdReadMemory(Address, &file, sizeof(file)) &&
        KdReadMemory((uintptr_t)file.FileName.Buffer, name,
                     MIN((uint32_t)file.FileName.Length, (uint32_t)sizeof(name)))) {
        for (uint32_t c = 0; c < MIN((uint32_t)file.FileName.Length / 2, 64u); c++)
            DbgPrint("%c", name[c] < 0x80 ? (char)name[c] : '?');
    }
}

/* An image file's control area (mm/imagefile.c): the file, and the pages read from it. */
static void KdDumpImageFile(uintptr_t Address)
{
    MI_IMAGE_CONTROL_AREA image;

    if (!KdReadMemory(Address, &image, sizeof(image)))
        return;
    DbgPrint("Image file  File Object %08x  ", (uint32_t)(uintptr_t)image.Common.ControlArea.FilePointer);
    KdPrintFileName((uintptr_t)image.Common.ControlArea.FilePointer);
    DbgPrint("\n  File size %u bytes; %u pages read from the file\n", image.File.Size,
             image.PagesRead);
}

/* A data file's control area: the file, and each subsection. */
static void KdDumpDataFile(uintptr_t Address)
{
    MI_DATA_CONTROL_AREA data;
    uintptr_t next;

    if (!KdReadMemory(Address, &data, sizeof(data)))
        return;
    DbgPrint("Mapped data file  File Object %08x  ",
             (uint32_t)(uintptr_t)data.Common.ControlArea.FilePointer);
    KdPrintFileName((uintptr_t)data.Common.ControlArea.FilePointer);
    DbgPrint("\n  File size %llu bytes when mapped; %u pages read, %u written to the file\n",
             (unsigned long long)data.FileSize, data.PagesRead, data.PagesWritten);
    next = Address + offsetof(MI_PAGEFILE_CONTROL_AREA, Subsection);
    for (uint32_t i = 1; next && i <= data.NumberOfSubsections; i++) {
        SUBSECTION subsection;

        if (!KdReadMemory(next, &subsection, sizeof(subsection))) {
            DbgPrint("  Subsection %u @ %08x cannot be read\n", i, (uint32_t)next);
            return;
        }
        DbgPrint("  Subsection %u @ %08x  Starting page %8u  Ptes %u at %08x\n"
                 "                           Full pages %u  End offset %u\n", i, (uint32_t)next,
                 subsection.StartingSector, subsection.PtesInSubsection,
                 (uint32_t)(uintptr_t)subsection.SubsectionBase, subsection.NumberOfFullSectors,
                 subsection.u.SubsectionFlags.SectorEndOffset);
        next = (uintptr_t)subsection.NextSubsection;
    }
}

static void KdDumpControlArea(uintptr_t Address)
{
    CONTROL_AREA area;
    SEGMENT segment;

    if (!KdReadMemory(Address, &area, sizeof(area))) {
        DbgPrint("!ca: %08x cannot be read\n", (uint32_t)Address);
        return;
    }
    DbgPrint("ControlArea  @ %08x\n", (uint32_t)Address);
    DbgPrint("  Segment      %08x  Flink      %08x  Blink      %08x\n",
             (uint32_t)(uintptr_t)area.Segment, (uint32_t)(uintptr_t)area.DereferenceList.Flink,
             (uint32_t)(uintptr_t)area.DereferenceList.Blink);
    DbgPrint("  Section Ref  %8u  Pfn Ref    %8u  Mapped Views %8u\n",
             area.NumberOfSectionReferences, area.NumberOfPfnReferences, area.NumberOfMappedViews);
    DbgPrint("  User Ref     %8u  WaitForDel %8u  Flush Count  %8u\n", area.NumberOfUserReferences,
             area.WaitingForDeletion != NULL, area.FlushInProgressCount);
    DbgPrint("  File Object  %08x  ModWriteCount %5u  System Views %8u\n",
             (uint32_t)(uintptr_t)area.FilePointer, area.ModifiedWriteCount,
             area.NumberOfSystemCacheViews);
    DbgPrint("  Flags (%08x)", area.u.LongFlags);
    KdPrintSectionFlags(area.u.LongFlags);
    if (area.FilePointer && !area.u.Flags.Image)
        KdDumpDataFile(Address);
    else if (area.FilePointer)
        KdDumpImageFile(Address);
    if (!KdReadMemory((uintptr_t)area.Segment, &segment, offsetof(SEGMENT, ThePtes))) {
        DbgPrint("Segment @ %08x cannot be read\n", (uint32_t)(uintptr_t)area.Segment);
        return;
    }
    DbgPrint("Segment @ %08x\n", (uint32_t)(uintptr_t)area.Segment);
    DbgPrint("  ControlArea  %08x  ExtendInfo    %08x\n", (uint32_t)(uintptr_t)segment.ControlArea,
             (uint32_t)(uintptr_t)segment.ExtendInfo);
    DbgPrint("  Total Ptes   %8u  NonExtendPtes %8u\n", segment.TotalNumberOfPtes,
             segment.NonExtendedPtes);
    DbgPrint("  Segment Size %08x  Committed     %8u  Template %08x\n",
             (uint32_t)segment.SizeOfSegment, segment.NumberOfCommittedPages,
             segment.SegmentPteTemplate.u.Long);
    KdCountPrototypes(Address, &area, &segment);
}

/* The page-file control areas, copied from MiControlAreaList under its lock. */
static uint32_t KdListControlAreas(uintptr_t *Areas, uint32_t Maximum)
{
    uint32_t count = 0;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiControlAreaListLock, &oldIrql);
    for (LIST_ENTRY *e = MiControlAreaList.Flink; e != &MiControlAreaList && count < Maximum;
         e = e->Flink)
        Areas[count++] = (uintptr_t)&CONTAINING_RECORD(e, MI_PAGEFILE_CONTROL_AREA, Links)->ControlArea;
    KeReleaseSpinLock(&MiControlAreaListLock, oldIrql);
    return count;
}

bool KdFindPrototypePte(uint32_t PteAddress, uint32_t *ControlArea, uint32_t *Segment,
                        uint32_t *Index)
{
    uintptr_t areas[KD_MAXIMUM_CONTROL_AREAS];
    uint32_t count = KdListControlAreas(areas, KD_MAXIMUM_CONTROL_AREAS);

    for (uint32_t i = 0; i < count; i++) {
        CONTROL_AREA area;
        SEGMENT segment;
        uint32_t first;

        if (!KdReadMemory(areas[i], &area, sizeof(area)) ||
            !KdReadMemory((uintptr_t)area.Segment, &segment, offsetof(SEGMENT, ThePtes)))
            continue;
        first = (uint32_t)(uintptr_t)segment.PrototypePte;
        if (PteAddress >= first && (PteAddress - first) / sizeof(MMPTE) < segment.NonExtendedPtes) {
            *ControlArea = (uint32_t)areas[i];
            *Segment = (uint32_t)(uintptr_t)area.Segment;
            *Index = (PteAddress - first) / sizeof(MMPTE);
            return true;
        }
        for (uintptr_t next = areas[i] + offsetof(MI_PAGEFILE_CONTROL_AREA, Subsection);
             area.FilePointer && !area.u.Flags.Image && next;) {  /* an extended segment */
            SUBSECTION s;

            if (!KdReadMemory(next, &s, sizeof(s)))
                break;
            first = (uint32_t)(uintptr_t)s.SubsectionBase;
            if (PteAddress >= first && (PteAddress - first) / sizeof(MMPTE) < s.PtesInSubsection) {
                *ControlArea = (uint32_t)areas[i];
                *Segment = (uint32_t)(uintptr_t)area.Segment;
                *Index = s.StartingSector + (PteAddress - first) / sizeof(MMPTE);
                return true;
            }
            next = (uintptr_t)s.NextSubsection;
        }
    }
    return false;
}

/* !ca [<control area>] */
void KdCommandControlArea(int Argc, char **Argv)
{
    uintptr_t areas[KD_MAXIMUM_CONTROL_AREAS];
    uint32_t count, address;

    if (Argc >= 2) {
        if (KdEvaluateWord(Argv[1], &address))
            KdDumpControlArea(address);
        return;
    }
    count = KdListControlAreas(areas, KD_MAXIMUM_CONTROL_AREAS);
    DbgPrint("ControlArea  Segment   Sections  Views  Users      Ptes  Flags\n");
    for (uint32_t i = 0; i < count; i++) {
        CONTROL_AREA area;
        uint32_t ptes = 0;

        if (!KdReadMemory(areas[i], &area, sizeof(area)))
            continue;
        KdReadMemory((uintptr_t)area.Segment + offsetof(SEGMENT, TotalNumberOfPtes), &ptes,
                     sizeof(ptes));
        DbgPrint("%08x     %08x  %8u  %5u  %5u  %8u ", (uint32_t)areas[i],
                 (uint32_t)(uintptr_t)area.Segment, area.NumberOfSectionReferences,
                 area.NumberOfMappedViews, area.NumberOfUserReferences, ptes);
        /* Image, File (a data file's, an image file's: not a module's), NoCache, CopyOnWrite,
         * Reserve, Commit */
        KdPrintSectionFlags(area.u.LongFlags & ((1u << 5) | (area.FilePointer ? 1u << 7 : 0) |
                                                 (1u << 9) | (1u << 11) | (1u << 12) | (1u << 13)));
    }
    DbgPrint("%u control areas\n", count);
}
