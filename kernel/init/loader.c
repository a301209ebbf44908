/*
 * kernel/init/loader.c: KeLoaderBlock, what the multiboot loader told us: the physical memory map,
 * the command line and the modules. boot/multiboot.S copied the raw multiboot structures into
 * the image while paging was off; this turns them into memory descriptors sorted by address and
 * a list of LOADER_MODULEs. A command line longer than the loader block holds was not copied: it
 * is reported and none of it used. Modules past KI_MAX_LOADER_MODULES, and module strings past
 * their buffer, are reported and the excess ignored.
 *
 * A module stays in the physical pages the loader put it in: as NT's loader marks the memory
 * of its boot drivers in the descriptors it hands the kernel, each module's pages become a
 * MemoryLoaderModule descriptor carved out of the free ones, so Mm never counts them as free
 * memory (mm/mminit.c) and they stay intact for as long as the system runs. The image moving
 * itself under /3GB (relocate.c) changes virtual addresses only, never where anything is in
 * physical memory, and the loaders put modules above the image's last byte (bss included).
 */
#include "kernel/init/init.h"
#include "boot/boot.h"
#include "mm/i386.h"

#define MBI_FLAG_MEMORY     (1u << 0)
#define MBI_FLAG_CMDLINE    (1u << 2)
#define MBI_FLAG_MODS       (1u << 3)
#define MBI_FLAG_MMAP       (1u << 6)

typedef struct __attribute__((packed)) _MULTIBOOT_INFO {
    uint32_t Flags;
    uint32_t MemLower, MemUpper;        /* KiB below 1 MiB and above 1 MiB */
    uint32_t BootDevice, CommandLine;
    uint32_t ModuleCount, ModuleAddress;
    uint32_t Symbols[4];
    uint32_t MmapLength, MmapAddress;
} MULTIBOOT_INFO;

typedef struct __attribute__((packed)) _MULTIBOOT_MMAP_ENTRY {
    uint32_t Size;                      /* of the rest of the entry */
    uint64_t Base;
    uint64_t Length;
    uint32_t Type;
} MULTIBOOT_MMAP_ENTRY;

/* A module entry as boot/multiboot.S copied it: its string is in KiMultibootModuleStrings. */
typedef struct _MULTIBOOT_MODULE {
    uint32_t Start, End;                /* physical, End one past the last byte */
    uint32_t String;                    /* the loader's copy: not to be read any more */
    uint32_t StringLength;              /* KI_MULTIBOOT_MODULE_STRING_SIZE: truncated */
} MULTIBOOT_MODULE;

extern uint8_t KiMultibootInfo[KI_MULTIBOOT_INFO_SIZE];
extern uint8_t KiMultibootMmap[KI_MULTIBOOT_MMAP_SIZE];
extern uint32_t KiMultibootMmapLength;
extern char KiMultibootCommandLine[KI_MULTIBOOT_CMDLINE_SIZE];
extern uint32_t KiMultibootCommandLineLength;
extern char KiMultibootLoaderName[KI_MULTIBOOT_LOADER_SIZE];
extern uint32_t KiMultibootModuleCount;
extern MULTIBOOT_MODULE KiMultibootModules[KI_MAX_LOADER_MODULES];
extern char KiMultibootModuleStrings[KI_MAX_LOADER_MODULES][KI_MULTIBOOT_MODULE_STRING_SIZE];

LOADER_PARAMETER_BLOCK KeLoaderBlock;

static void KiAddMemoryDescriptor(uint64_t Base, uint64_t Length, uint32_t Type)
{
    uint32_t i;

    if (Length == 0 || KeLoaderBlock.MemoryDescriptorCount == KI_MAX_MEMORY_DESCRIPTORS)
        return;
    i = KeLoaderBlock.MemoryDescriptorCount++;
    while (i > 0 && KeLoaderBlock.MemoryDescriptors[i - 1].Base > Base) {
        KeLoaderBlock.MemoryDescriptors[i] = KeLoaderBlock.MemoryDescriptors[i - 1];
        i--;
    }
    KeLoaderBlock.MemoryDescriptors[i] = (MEMORY_DESCRIPTOR){ Base, Length, Type };
}

/*
 * GRUB's multiboot command joins its words with blanks, and quotes each as it goes: a
 * backslash before every \\, ' and ", and double quotes around a word with a blank in it. So an
 * unescaped " is always GRUB's, and this gives back the words exactly as grub.cfg held them
 * (tools/boot --iso puts the whole command line there as one single-quoted word).
 */
static void KiUndoGrubQuoting(char *Line)
{
    char *out = Line;

    for (const char *in = Line; *in; in++) {
        if (*in == '\\' && in[1])
            *out++ = *++in;
        else if (*in != '"')
            *out++ = *in;
    }
    *out = '\0';
}

/*
 * Mark [Base, Base + Length) of free memory as Type, splitting the free descriptors it
 * overlaps. When the pieces do not all fit in the table the last descriptors are dropped:
 * memory no descriptor names is not RAM to Mm, so that only loses free memory, never hands
 * out what Type protects.
 */
static void KiCarveMemoryDescriptors(uint64_t Base, uint64_t Length, uint32_t Type)
{
    MEMORY_DESCRIPTOR old[KI_MAX_MEMORY_DESCRIPTORS];
    uint32_t count = KeLoaderBlock.MemoryDescriptorCount, kept = 0, dropped = 0;
    uint64_t end = Base + Length;

    RtlCopyMemory(old, KeLoaderBlock.MemoryDescriptors, sizeof(old));
    for (uint32_t i = 0; i < count; i++) {
        const MEMORY_DESCRIPTOR *d = &old[i];
        uint64_t dEnd = d->Base + d->Length;
        MEMORY_DESCRIPTOR pieces[3] = { *d };
        uint32_t n = 1;

        if (d->Type == MemoryFree && d->Base < end && Base < dEnd) {
            uint64_t low = MAX(d->Base, Base), high = MIN(dEnd, end);

            n = 0;
            if (d->Base < low)
                pieces[n++] = (MEMORY_DESCRIPTOR){ d->Base, low - d->Base, MemoryFree };
            pieces[n++] = (MEMORY_DESCRIPTOR){ low, high - low, Type };
            if (high < dEnd)
                pieces[n++] = (MEMORY_DESCRIPTOR){ high, dEnd - high, MemoryFree };
        }
        for (uint32_t j = 0; j < n; j++) {
            if (kept < KI_MAX_MEMORY_DESCRIPTORS)
                KeLoaderBlock.MemoryDescriptors[kept++] = pieces[j];
            else
                dropped++;
        }
    }
    KeLoaderBlock.MemoryDescriptorCount = kept;
    if (dropped)
        DbgPrint("Memory map: more than %u descriptors with the modules: the last %u dropped\n",
                 KI_MAX_MEMORY_DESCRIPTORS, dropped);
}

/* The first word of CommandLine without its directory, into Name (a longer one is cut). */
static bool KiModuleNameFromString(char *Name, const char *CommandLine)
{
    const char *start = CommandLine, *end;
    size_t length;

    while (*start == ' ' || *start == '\t')
        start++;
    for (end = start; *end && *end != ' ' && *end != '\t'; end++) {
        if (*end == '/')
            start = end + 1;
    }
    length = (size_t)(end - start);
    if (length >= LOADER_MODULE_NAME_SIZE) {
        RtlCopyMemory(Name, start, LOADER_MODULE_NAME_SIZE - 1);
        Name[LOADER_MODULE_NAME_SIZE - 1] = '\0';
        return false;
    }
    RtlCopyMemory(Name, start, length);
    Name[length] = '\0';
    return true;
}

/* The modules boot/multiboot.S copied, into KeLoaderBlock.Modules; their memory carved out. */
static void KiCaptureLoaderModules(void)
{
    const MULTIBOOT_INFO *info = (const MULTIBOOT_INFO *)KiMultibootInfo;
    uint32_t count = KiMultibootModuleCount;

    if (!(info->Flags & MBI_FLAG_MODS))
        return;
    if (count > KI_MAX_LOADER_MODULES) {
        DbgPrint("Modules: %u from the loader, only the first %u are kept\n", count,
                 KI_MAX_LOADER_MODULES);
        count = KI_MAX_LOADER_MODULES;
    }
    for (uint32_t i = 0; i < count; i++) {
        const MULTIBOOT_MODULE *raw = &KiMultibootModules[i];
        LOADER_MODULE *module = &KeLoaderBlock.Modules[KeLoaderBlock.ModuleCount];

        if (raw->End < raw->Start) {
            DbgPrint("Module %u: ends (0x%08x) before it starts (0x%08x): ignored\n", i,
                     raw->End, raw->Start);
            continue;
        }
        RtlCopyString(module->CommandLine, KiMultibootModuleStrings[i],
                      sizeof(module->CommandLine));
        if (raw->StringLength >= KI_MULTIBOOT_MODULE_STRING_SIZE)
            DbgPrint("Module %u: its string is longer than %u characters: the rest is ignored\n",
                     i, KI_MULTIBOOT_MODULE_STRING_SIZE - 1);
        if (strncmp(KiMultibootLoaderName, "GRUB", 4) == 0)
            KiUndoGrubQuoting(module->CommandLine);
        if (!KiModuleNameFromString(module->Name, module->CommandLine))
            DbgPrint("Module %u: its name is longer than %u characters: cut to '%s'\n", i,
                     LOADER_MODULE_NAME_SIZE - 1, module->Name);
        module->PhysicalStart = raw->Start;
        module->Size = raw->End - raw->Start;
        KeLoaderBlock.ModuleCount++;
        KiCarveMemoryDescriptors(raw->Start & ~(uint64_t)(PAGE_SIZE - 1),
                                 ROUND_UP((uint64_t)raw->End, PAGE_SIZE) -
                                 (raw->Start & ~(uint64_t)(PAGE_SIZE - 1)), MemoryLoaderModule);
    }
}

/*
 * The command line as the loader was given it (GRUB's quoting undone) into Buffer; empty when
 * there is none or it was too long to keep. Reads only what boot/multiboot.S copied, so it
 * works before the image moves.
 */
void KiCopyLoaderCommandLine(char *Buffer, size_t Size)
{
    const MULTIBOOT_INFO *info = (const MULTIBOOT_INFO *)KiMultibootInfo;

    Buffer[0] = '\0';
    if (!(info->Flags & MBI_FLAG_CMDLINE) || KiMultibootCommandLineLength >= KI_MULTIBOOT_CMDLINE_SIZE)
        return;
    RtlCopyString(Buffer, KiMultibootCommandLine, Size);
    if (strncmp(KiMultibootLoaderName, "GRUB", 4) == 0)
        KiUndoGrubQuoting(Buffer);
}

void KiCaptureLoaderBlock(uint32_t Magic)
{
    const MULTIBOOT_INFO *info = (const MULTIBOOT_INFO *)KiMultibootInfo;

    _Static_assert(sizeof(MULTIBOOT_INFO) <= KI_MULTIBOOT_INFO_SIZE, "multiboot info copy");
    _Static_assert(sizeof(KeLoaderBlock.CommandLine) == KI_MULTIBOOT_CMDLINE_SIZE, "command line");
    if (Magic != MULTIBOOT_LOADER_MAGIC) {
        DbgPrint("mm386: not started by a multiboot loader (eax=0x%08x)\n", Magic);
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, Magic, 0, 0, 0);
    }

    if (info->Flags & MBI_FLAG_MMAP) {
        for (uint32_t offset = 0; offset + sizeof(MULTIBOOT_MMAP_ENTRY) <= KiMultibootMmapLength;) {
            const MULTIBOOT_MMAP_ENTRY *entry = (const void *)&KiMultibootMmap[offset];

            KiAddMemoryDescriptor(entry->Base, entry->Length, entry->Type);
            offset += entry->Size + sizeof(entry->Size);
        }
    } else if (info->Flags & MBI_FLAG_MEMORY) {
        KiAddMemoryDescriptor(0, (uint64_t)info->MemLower * 1024, MemoryFree);
        KiAddMemoryDescriptor(0x100000, (uint64_t)info->MemUpper * 1024, MemoryFree);
    }
    if (KeLoaderBlock.MemoryDescriptorCount == 0)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, Magic, info->Flags, 0, 0);

    if ((info->Flags & MBI_FLAG_CMDLINE) && KiMultibootCommandLineLength >= KI_MULTIBOOT_CMDLINE_SIZE)
        DbgPrint("Command line: %s%u characters, longer than the %u kept: ignored whole, no "
                 "option is used\n", KiMultibootCommandLineLength >= KI_MULTIBOOT_CMDLINE_SCAN - 1 ?
                 "over " : "", KiMultibootCommandLineLength, KI_MULTIBOOT_CMDLINE_SIZE - 1);
    KiCopyLoaderCommandLine(KeLoaderBlock.CommandLine, sizeof(KeLoaderBlock.CommandLine));
    KiCaptureLoaderModules();
}

static const char *KiMemoryTypeName(uint32_t Type)
{
    switch (Type) {
    case MemoryFree: return "available";
    case MemoryReserved: return "reserved";
    case MemoryAcpiReclaimable: return "ACPI reclaimable";
    case MemoryAcpiNvs: return "ACPI NVS";
    case MemoryBad: return "bad";
    case MemoryLoaderModule: return "loader module";
    default: return "unknown";
    }
}

void KiPrintMemoryMap(void)
{
    uint64_t available = 0;

    DbgPrint("Physical memory map from the loader:\n");
    for (uint32_t i = 0; i < KeLoaderBlock.MemoryDescriptorCount; i++) {
        const MEMORY_DESCRIPTOR *d = &KeLoaderBlock.MemoryDescriptors[i];

        DbgPrint("  %016llx - %016llx  %s\n", (unsigned long long)d->Base,
                 (unsigned long long)(d->Base + d->Length - 1), KiMemoryTypeName(d->Type));
        if (d->Type == MemoryFree)
            available += d->Length;
    }
    DbgPrint("  %llu KiB available\n", (unsigned long long)(available / 1024));
}

/* One line per module, after the memory map; nothing when there are none. */
void KiPrintLoaderModules(void)
{
    for (uint32_t i = 0; i < KeLoaderBlock.ModuleCount; i++) {
        const LOADER_MODULE *module = &KeLoaderBlock.Modules[i];

        DbgPrint("Module %-24s %10u bytes at 0x%08x\n", module->Name[0] ? module->Name : "(no name)",
                 module->Size, module->PhysicalStart);
    }
}
