/*
 * kernel/init/loader.c: KeLoaderBlock, what the multiboot loader told us: the physical memory map
 * and the command line. boot/multiboot.S copied the raw multiboot structures into the image
 * while paging was off; this turns them into memory descriptors sorted by address. A command
 * line longer than the loader block holds was not copied: it is reported and none of it used.
 */
#include "kernel/init/init.h"
#include "boot/boot.h"

#define MBI_FLAG_MEMORY     (1u << 0)
#define MBI_FLAG_CMDLINE    (1u << 2)
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

extern uint8_t KiMultibootInfo[KI_MULTIBOOT_INFO_SIZE];
extern uint8_t KiMultibootMmap[KI_MULTIBOOT_MMAP_SIZE];
extern uint32_t KiMultibootMmapLength;
extern char KiMultibootCommandLine[KI_MULTIBOOT_CMDLINE_SIZE];
extern uint32_t KiMultibootCommandLineLength;
extern char KiMultibootLoaderName[KI_MULTIBOOT_LOADER_SIZE];

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
}

static const char *KiMemoryTypeName(uint32_t Type)
{
    switch (Type) {
    case MemoryFree: return "available";
    case MemoryReserved: return "reserved";
    case MemoryAcpiReclaimable: return "ACPI reclaimable";
    case MemoryAcpiNvs: return "ACPI NVS";
    case MemoryBad: return "bad";
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
