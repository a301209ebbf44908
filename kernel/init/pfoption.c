/*
 * kernel/init/pfoption.c: the pagefile= option read into entries, each with what is wrong
 * with it (pfoption.h). Nothing here looks at a disk; start-up checks the rest with Mm and
 * makes no paging file unless every entry passes.
 */
#include "kernel/init/pfoption.h"

#define KI_PAGING_FILE_FIELDS       3
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

static bool KiEntriesOverlap(const KPAGING_FILE_ENTRY *First, const KPAGING_FILE_ENTRY *Second)
{
    return First->Disk == Second->Disk &&
           First->StartingLba < (uint64_t)Second->StartingLba + Second->Sectors &&
           Second->StartingLba < (uint64_t)First->StartingLba + First->Sectors;
}

/* Reads Entry's text and says what is wrong with it on its own. */
static NTSTATUS KiCheckEntry(KPAGING_FILE_ENTRY *Entry)
{
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
