/*
 * kernel/init/pfoption.h: the pagefile= option read into entries (pfoption.c). Pure code,
 * compiled for the host too: what it can say of the option without looking at a disk.
 */
#ifndef KERNEL_INIT_PFOPTION_H
#define KERNEL_INIT_PFOPTION_H

#include "kernel/io/io.h"

typedef struct _KPAGING_FILE_ENTRY {
    const char *Text;           /* the entry as written in the option ... */
    uint32_t Length;            /* ... so many characters (no NUL of its own) */
    uint32_t Disk;
    uint32_t StartingLba;
    uint32_t Sectors;
    bool IsFile;                /* X:\path:<MB>: a file on a volume ... */
    uint32_t PathLength;        /* ... named by the first so many characters of Text ... */
    uint32_t SizeMb;            /* ... made this size */
    void *FileObject;           /* start-up's open of it, once opened */
    NTSTATUS Status;            /* STATUS_SUCCESS so far, or why the entry is refused */
    uint32_t Overlaps;          /* with STATUS_CONFLICTING_ADDRESSES: the earlier entry */
} KPAGING_FILE_ENTRY;

/*
 * pagefile=<entry>[,...] into
 * Entries, which has room for Maximum + 1. An entry is <disk>:<first sector>:<sectors> (numbers
 * decimal, or hex with 0x), or X:\path:<megabytes> for a file on a volume (X:/path too: a GRUB
 * command line eats single backslashes). Each entry's Status says what is wrong with it on its
 * own: STATUS_INVALID_PARAMETER when it is neither, STATUS_INVALID_PARAMETER_2 when the
 * sectors are not whole pages or a file is under 1 MB. An entry past Maximum is STATUS_TOO_MANY_PAGING_FILES
 * and the rest of the option is not read. Returns the number of entries filled. Whether the
 * disks have those sectors, and whether a paging file may be there, is MmCheckPagingFile's to
 * say; then KiFindOverlappingEntries refuses (STATUS_CONFLICTING_ADDRESSES) each entry still
 * good that shares a sector with an earlier good one, or names the same file, naming it in
 * Overlaps.
 */
uint32_t KiParsePagingFileOption(const char *Option, KPAGING_FILE_ENTRY *Entries,
                                 uint32_t Maximum);
void KiFindOverlappingEntries(KPAGING_FILE_ENTRY *Entries, uint32_t Count);

#endif
