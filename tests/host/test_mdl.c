/*
 * tests/host/test_mdl.c: the MDL's pure parts: NT's layout and MmInitializeMdl's fields
 * (kernel/inc/mdl.h), and IoBuildPartialMdl (kernel/io/iomdl.c): which frames and flags a
 * piece of a buffer takes from its source, and TARGET_MDL_TOO_SMALL.
 */
#include <stdint.h>
#include <string.h>
#include "tests/host/tap.h"
#include "tests/host/kestubs.h"
#include "kernel/io/io.h"

typedef struct {
    MDL Mdl;
    uint32_t Frames[8];
} MDL8;

static void TestInitialize(void)
{
    MDL8 m;

    memset(&m, 0xCC, sizeof(m));
    MmInitializeMdl(&m.Mdl, (void *)0x12345678, 0x2000);
    is_int(m.Mdl.Size, 0x1C + 3 * 4, "Size: the header and 3 frames (0x678 + 0x2000 spans 3 pages)");
    is_int(m.Mdl.MdlFlags, 0, "no flags");
    ok(m.Mdl.Next == NULL && m.Mdl.Process == NULL && m.Mdl.MappedSystemVa == NULL,
       "Next, Process and MappedSystemVa clear");
    is_int((uintptr_t)m.Mdl.StartVa, 0x12345000, "StartVa is the first page");
    is_int(m.Mdl.ByteOffset, 0x678, "ByteOffset");
    is_int(m.Mdl.ByteCount, 0x2000, "ByteCount");
    is_int((uintptr_t)MmGetMdlVirtualAddress(&m.Mdl), 0x12345678, "MmGetMdlVirtualAddress");
    ok(MmGetMdlPfnArray(&m.Mdl) == m.Frames, "the frames follow the header");
    is_int(MdlSpanPages((void *)0x1000, 0x1000), 1, "one whole page spans one");
    is_int(MdlSpanPages((void *)0x1FFF, 2), 2, "two bytes across a boundary span two");
    is_int(MdlSpanPages((void *)0x1000, 0), 0, "nothing spans nothing");
}

/* A source of 5 pages from 0x40000100, frames 0x100.. 0x104, locked and mapped at 0xF0000100. */
static void NewSource(MDL8 *Source, bool Mapped)
{
    MmInitializeMdl(&Source->Mdl, (void *)0x40000100, 5 * MDL_PAGE_SIZE - 0x200);
    for (int i = 0; i < 5; i++)
        Source->Frames[i] = 0x100 + i;
    Source->Mdl.MdlFlags = MDL_PAGES_LOCKED | MDL_WRITE_OPERATION | MDL_IO_PAGE_READ |
                           (Mapped ? MDL_MAPPED_TO_SYSTEM_VA : 0);
    Source->Mdl.MappedSystemVa = Mapped ? (void *)0xF0000100 : NULL;
    Source->Mdl.Process = (struct _KPROCESS *)0x81234560;
}

static void TestPartial(void)
{
    MDL8 source, target;

    NewSource(&source, true);
    MmInitializeMdl(&target.Mdl, NULL, 8 * MDL_PAGE_SIZE);
    target.Mdl.MdlFlags = MDL_ALLOCATED_FIXED_SIZE | MDL_PARTIAL_HAS_BEEN_MAPPED;
    IoBuildPartialMdl(&source.Mdl, &target.Mdl, (void *)0x40001800, 0x1000);
    is_int((uintptr_t)target.Mdl.StartVa, 0x40001000, "StartVa: the piece's first page");
    is_int(target.Mdl.ByteOffset, 0x800, "ByteOffset in it");
    is_int(target.Mdl.ByteCount, 0x1000, "ByteCount as asked");
    is_int(target.Frames[0], 0x101, "first frame: the source's second");
    is_int(target.Frames[1], 0x102, "second frame: the source's third");
    is_int(target.Mdl.MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PARTIAL | MDL_MAPPED_TO_SYSTEM_VA |
           MDL_PARENT_MAPPED_SYSTEM_VA | MDL_IO_PAGE_READ,
           "flags: its own allocation kept, the source's mapping and page-read taken, PARTIAL");
    is_int((uintptr_t)target.Mdl.MappedSystemVa, 0xF0001800, "the matching part of the mapping");
    ok(target.Mdl.Process == source.Mdl.Process, "the source's process");

    NewSource(&source, false);
    IoBuildPartialMdl(&source.Mdl, &target.Mdl, (void *)0x40003000, 0);
    is_int(target.Mdl.ByteCount, 0x1F00, "Length 0: to the source's end");
    is_int(target.Frames[0], 0x103, "from the source's fourth frame");
    is_int(target.Frames[1], 0x104, "to its fifth");
    is_int(target.Mdl.MdlFlags, MDL_ALLOCATED_FIXED_SIZE | MDL_PARTIAL | MDL_IO_PAGE_READ,
           "an unmapped source: no mapping to share");
    ok(target.Mdl.MappedSystemVa == NULL, "and no system address");

    MmInitializeMdl(&target.Mdl, NULL, 2 * MDL_PAGE_SIZE);
    ok(HOST_BUGCHECKS(IoBuildPartialMdl(&source.Mdl, &target.Mdl, (void *)0x40000100,
                                        3 * MDL_PAGE_SIZE)),
       "a target sized for 2 frames asked for 4: a bugcheck");
    is_int(HostBugCheckData[0], TARGET_MDL_TOO_SMALL, "TARGET_MDL_TOO_SMALL");
    is_int(HostBugCheckData[3], 4, "the frames needed");
    is_int(HostBugCheckData[4], 2, "the frames it holds");
}

int main(void)
{
    TestInitialize();
    TestPartial();
    return done_testing();
}
