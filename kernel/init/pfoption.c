/*
 * kernel/init/pfoption.c: the pagefile= option read into entries, each with what is wrong
 * with it (pfoption.h). Nothing here looks at a disk; start-up checks the rest with Mm and
 * makes no paging file unless every entry passes.
 */
#include "kernel/init/pfoption.h"

#define KI_PAGING_FILE_FIELDS       3
#define KI_MAXIMUM_FILE_MB          4095        /* what a PTE's slot number can address */
#define KI_NUMBER_TEXT_SIZE         12          /* "0xFFFFFFFF" or "4294967295", and a NUL */

/* One number of Length characters at Text; false if it is not one. */
static bool KiReadNumber(const char *Text, size_t Length, uint32_t *Value)
{
    char number[KI_NUMBER_TEXT_SIZE];

    if (Length >= sizeof(number))
        return false;
    RtlCopyMemory(number, Text, Length);
    number[Length] = '\0';
    return RtlStringToUlong(number, 10, Value);
}

/* <disk>:<first sector>:<sectors> in Entry->Text into its numbers; false if malformed. */
static bool KiReadEntry(KPAGING_FILE_ENTRY *Entry)
{
    uint32_t *fields[KI_PAGING_FILE_FIELDS] = { &Entry->Disk, &Entry->StartingLba,
                                                &Entry->Sectors };
    const char *at = Entry->Text, *end = Entry->Text + Entry->Length;

    for (uint32_t f = 0; f < KI_PAGING_FILE_FIELDS; f++) {
        const char *stop = at;

        while (stop < end && *stop != ':')
            stop++;
        if ((stop == end) != (f == KI_PAGING_FILE_FIELDS - 1) ||
            !KiReadNumber(at, (size_t)(stop - at), fields[f]))
            return false;
        at = stop + 1;
    }
    return true;
}

static char KiUpcase(char Character)
{
    return Character >= 'a' && Character <= 'z' ? (char)(Character - 'a' + 'A') : Character;
}

static bool KiIsPathSeparator(char Character)
{
    return Character == '\\' || Character == '/';
}

/* X:\path:<megabytes> in Entry->Text, when it starts with a drive letter; false if not one. */
static bool KiIsFileEntry(const KPAGING_FILE_ENTRY *Entry)
{
    char letter = KiUpcase(Entry->Text[0]);

    return Entry->Length >= 3 && letter >= 'A' && letter <= 'Z' && Entry->Text[1] == ':' &&
           KiIsPathSeparator(Entry->Text[2]);
}

static bool KiReadFileEntry(KPAGING_FILE_ENTRY *Entry)
{
    uint32_t colon = Entry->Length;

    while (colon > 2 && Entry->Text[colon - 1] != ':')
        colon--;
    if (colon <= 3 || colon == Entry->Length || KiIsPathSeparator(Entry->Text[colon - 2]))
        return false;
    Entry->PathLength = colon - 1;
    return KiReadNumber(Entry->Text + colon, Entry->Length - colon, &Entry->SizeMb);
}

static bool KiSamePath(const KPAGING_FILE_ENTRY *First, const KPAGING_FILE_ENTRY *Second)
{
    if (First->PathLength != Second->PathLength)
        return false;
    for (uint32_t c = 0; c < First->PathLength; c++) {
        char a = First->Text[c], b = Second->Text[c];

        if (KiUpcase(a) != KiUpcase(b) && !(KiIsPathSeparator(a) && KiIsPathSeparator(b)))
            return false;
    }
    return true;
}

static bool KiEntriesOverlap(const KPAGING_FILE_ENTRY *First, const KPAGING_FILE_ENTRY *Second)
{
    if (First->IsFile || Second->IsFile)
        return First->IsFile && Second->IsFile && KiSamePath(First, Second);
    return First->Disk == Second->Disk &&
           First->StartingLba < (uint64_t)Second->StartingLba + Second->Sectors &&
           Second->StartingLba < (uint64_t)First->StartingLba + First->Sectors;
}

/* Reads Entry's text and says what is wrong with it on its own. */
static NTSTATUS KiCheckEntry(KPAGING_FILE_ENTRY *Entry)
{
    if (KiIsFileEntry(Entry)) {
        Entry->IsFile = true;
        if (!KiReadFileEntry(Entry))
            return STATUS_INVALID_PARAMETER;
        if (Entry->SizeMb == 0)
            return STATUS_INVALID_PARAMETER_2;
        return Entry->SizeMb > KI_MAXIMUM_FILE_MB ? STATUS_INVALID_PARAMETER_3 : STATUS_SUCCESS;
    }
    if (!KiReadEntry(Entry))
        return STATUS_INVALID_PARAMETER;
    if (Entry->Sectors % HAL_ATA_SECTORS_PER_PAGE != 0)
        return STATUS_INVALID_PARAMETER_2;
    return STATUS_SUCCESS;
}

uint32_t KiParsePagingFileOption(const char *Option, KPAGING_FILE_ENTRY *Entries,
                                 uint32_t Maximum)
{
    const char *at = Option;
    uint32_t count = 0;

    for (;;) {
        const char *comma = strchr(at, ',');
        KPAGING_FILE_ENTRY *entry = &Entries[count];

        RtlZeroMemory(entry, sizeof(*entry));
        entry->Text = at;
        entry->Length = comma ? (uint32_t)(comma - at) : (uint32_t)strlen(at);
        if (count++ == Maximum) {
            entry->Status = STATUS_TOO_MANY_PAGING_FILES;
            return count;
        }
        entry->Status = KiCheckEntry(entry);
        if (!comma)
            return count;
        at = comma + 1;
    }
}

void KiFindOverlappingEntries(KPAGING_FILE_ENTRY *Entries, uint32_t Count)
{
    for (uint32_t i = 0; i < Count; i++) {
        for (uint32_t j = 0; j < i && Entries[i].Status == STATUS_SUCCESS; j++) {
            if (Entries[j].Status == STATUS_SUCCESS && KiEntriesOverlap(&Entries[j], &Entries[i])) {
                Entries[i].Status = STATUS_CONFLICTING_ADDRESSES;
                Entries[i].Overlaps = j;
            }
        }
    }
}
