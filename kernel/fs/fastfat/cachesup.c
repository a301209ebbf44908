/*
 * kernel/fs/fastfat/cachesup.c: FAT's side of the cache manager (NT's fastfat cachesup.c).
 * Ordinary reads and writes of a file go through the cache (CcCopyRead, CcCopyWrite) unless
 * its file object asked for no buffering; the first one initializes the file object's cache
 * map. A file grown past its cache section (one that a mapped view holds, so the cache could
 * not make it larger) is read and written around the cache past the section's end.
 */
#include "kernel/fs/fastfat/fatprocs.h"

bool FatInitializeCacheMap(FILE_OBJECT *File, FCB *Fcb)
{
    if (File->PrivateCacheMap)
        return true;
    return NT_SUCCESS(CcInitializeCacheMap(File, Fcb->FileSize, CC_DEFAULT_READ_AHEAD));
}

NTSTATUS FatCachedIo(FILE_OBJECT *File, FCB *Fcb, uint32_t Offset, uint32_t Length, void *Buffer,
                     KPROCESSOR_MODE Mode, FAT_IO Operation)
{
    int64_t section = CcGetSectionSize(File);
    uint32_t cached = Offset >= section ? 0 : (uint32_t)MIN((int64_t)Length, section - Offset);
    NTSTATUS status = STATUS_SUCCESS;

    if (cached) {
        if (Operation == FatIoRead)
            status = CcCopyRead(File, Offset, cached, Buffer, Mode);
        else if (Operation == FatIoWrite)
            status = CcCopyWrite(File, Offset, cached, Buffer, Mode);
        else
            status = CcZeroData(File, Offset, (int64_t)Offset + cached);
    }
    if (NT_SUCCESS(status) && cached < Length) {
        status = FatFileIo(Fcb, Offset + cached, Length - cached,
                           Buffer ? (uint8_t *)Buffer + cached : NULL, Mode, Operation);
        /* On the disk now: valid, with everything before it (written or dirty in the cache). */
        if (NT_SUCCESS(status) && Operation != FatIoRead)
            FatSetValidDataLength(Fcb, Offset + Length);
    }
    return status;
}
