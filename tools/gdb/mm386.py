"""tools/gdb/mm386.py: gdb commands for mm386, sourced by tools/gdb/mm386.gdb.

  pte ADDR     the PDE and PTE that map ADDR, read through the self-map and decoded as NT's
               !pte decodes them (valid, transition, paging file, demand zero, prototype); for
               a user address, also whose directory that is (the one CR3 holds)
  bugcheck     the last STOP code and parameters (KiBugCheckData), and the crash-dump header
               the bugcheck left at 0xFFBE0000
  ntstatus X   the name of an NTSTATUS value (ntstatus $, ntstatus 0xc0000005, ntstatus status)
  process      every process as the kd> prompt's !process 0 0 lists them: the System process,
               then the EPROCESSes on PsActiveProcessHead
  pfn FRAME    one PFN database entry decoded as the kd> prompt's !pfn decodes it
  vad [EPROCESS]  a process's VAD tree as the prompt's !vad prints it (without an argument, the
               process whose directory is loaded: the current thread's, or for a system thread
               the user process whose directory it borrows, which pte reads too)

A system thread keeps the directory loaded when it was switched to (kernel/ke/procobj.c): its
own process is System, but user addresses read from it are the loaded process's. pte and vad
say so, so that the two never describe different address spaces without a word.

A STOP stops in gdb: once the image's symbols are loaded, a breakpoint on HalExitToHost,
conditional on a STOP having been recorded (KiBugCheckData[0] != 0, so a poweroff passes), holds
the machine after KeBugCheckEx has printed and recorded everything and before QEMU exits, so
`bugcheck` and `bt` read the crash.

Every value of type NTSTATUS prints with its name too (a pretty-printer: `print status`,
`info locals`, arguments in `bt`). `finish` strips the typedef from the value it returns, so
mm386.gdb's hooks on finish add a line naming the status when the function finished was
declared to return NTSTATUS: `NTSTATUS returned: STATUS_PAGE_FAULT_DEMAND_ZERO (0x00000111)`.

Bugcheck and status names are read from kernel/inc/bugcodes.h, kernel/inc/ntstatus.h and
mm/mi.h (mm386's own STATUS_REFAULT values), so this file never disagrees with the kernel.
"""
import os
import re

import gdb

PTE_BASE = 0xC0000000
PDE_BASE = 0xC0300000
CRASH_DUMP_VA = 0xFFBE0000
DUMP_SIGNATURE = 0x45474150  # 'PAGE'
DUMP_VALID_DUMP = 0x504D5544  # 'DUMP'

PROTECTION = ["NO_ACCESS", "ReadOnly", "Execute", "ExecuteRead", "ReadWrite", "WriteCopy",
              "ExecuteReadWrite", "ExecuteWriteCopy"]

SOURCE_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bugcheck_names():
    names = {}
    path = os.path.join(SOURCE_TOP, "kernel", "inc", "bugcodes.h")
    with open(path) as header:
        for line in header:
            match = re.match(r"#define\s+(\w+)\s+(0x[0-9A-Fa-f]+)", line)
            if match:
                names[int(match.group(2), 16)] = match.group(1)
    return names


def ntstatus_names():
    names = {}
    for header in (("kernel", "inc", "ntstatus.h"), ("mm", "mi.h")):
        with open(os.path.join(SOURCE_TOP, *header)) as lines:
            for line in lines:
                match = re.match(r"#define\s+(STATUS_\w+)\s+\(\(NTSTATUS\)(0x[0-9A-Fa-f]+)\)", line)
                if match:
                    names.setdefault(int(match.group(2), 16), match.group(1))
    return names


NTSTATUS_NAMES = ntstatus_names()


def ntstatus_text(value):
    """'STATUS_ACCESS_VIOLATION (0xC0000005)', or the number alone for a value mm386 never uses."""
    value &= 0xFFFFFFFF
    name = NTSTATUS_NAMES.get(value)
    return "%s (0x%08X)" % (name, value) if name else "0x%08X" % value


class NtStatusPrinter:
    def __init__(self, value):
        self.value = value

    def to_string(self):
        return ntstatus_text(int(self.value))


def lookup_ntstatus(value):
    """The printer for a value whose type is the typedef NTSTATUS (not any int32_t)."""
    type_ = value.type
    while type_.code == gdb.TYPE_CODE_TYPEDEF:
        if type_.name == "NTSTATUS":
            return NtStatusPrinter(value)
        type_ = type_.target()
    return None


def parse_address(expression):
    """An address from an expression: a number, a pointer, or a symbol such as KiImageBase
    (linker symbols have no type, so their address is taken instead)."""
    value = gdb.parse_and_eval(expression)
    try:
        if value.type.strip_typedefs().code != gdb.TYPE_CODE_ARRAY:
            return int(value) & 0xFFFFFFFF
    except gdb.error:
        pass
    return int(gdb.parse_and_eval("(unsigned int)&(%s)" % expression)) & 0xFFFFFFFF


def read_u32(address):
    data = gdb.selected_inferior().read_memory(address, 4)
    return int.from_bytes(bytes(data), "little")


def protection_text(protection):
    """'4 - ReadWrite', with the NOCACHE/GUARD/NOACCESS modifiers as NT names them."""
    low, high = protection & 7, protection >> 3
    if high == 3 and low == 0:
        name = "NO_ACCESS"
    elif high == 2 and low == 0:
        name = "Decommitted"
    else:
        name = PROTECTION[low]
        name = {1: "NOCACHE ", 2: "GUARD ", 3: "WRITECOMBINE "}.get(high, "") + name
    return "%x - %s" % (protection, name)


def hardware_flags(pte):
    """WinDbg's order: CopyOnWrite Global Large Dirty Accessed NoCache WriteThrough
    Kernel/User Writable Executable Valid."""
    return "".join([
        "C" if pte & 0x200 else "-",
        "G" if pte & 0x100 else "-",
        "L" if pte & 0x080 else "-",
        "D" if pte & 0x040 else "-",
        "A" if pte & 0x020 else "-",
        "N" if pte & 0x010 else "-",
        "T" if pte & 0x008 else "-",
        "U" if pte & 0x004 else "K",
        "W" if pte & 0x002 else "R",
        "E",
        "V",
    ])


def describe(pte):
    """The lines !pte prints under 'contains' for one entry."""
    if pte & 1:
        return ["pfn %-5x  %s" % (pte >> 12, hardware_flags(pte))]
    if pte == 0:
        return ["not valid"]
    protection = (pte >> 5) & 0x1F
    if pte & 0x400:
        if (pte >> 12) == 0xFFFFF:
            return ["not valid", " Proto: VAD", " Protect: %s" % protection_text(protection)]
        offset = ((pte >> 11) << 9) | ((pte & 0xFE) << 1)
        base = int(gdb.parse_and_eval("MmPagedPoolStart")) & 0xFFFFFFFF
        return ["not valid", " Proto: %08X%s" % ((base + offset) & 0xFFFFFFFF,
                " (read only)" if pte & 0x100 else "")]
    if pte & 0x800:
        return ["not valid", " Transition: %x" % (pte >> 12),
                " Protect: %s" % protection_text(protection)]
    if (pte >> 12) == 0:
        return ["not valid", " DemandZero", " Protect: %s" % protection_text(protection)]
    return ["not valid", " PageFile: %2d" % ((pte >> 1) & 0xF), " Offset: %x" % (pte >> 12),
            " Protect: %s" % protection_text(protection)]


def loaded_directory_owner():
    """(address, name) of the process whose page directory CR3 holds: the System process, a
    process on PsActiveProcessHead, or (None, None) for a directory that is none of theirs."""
    cr3 = int(gdb.parse_and_eval("$cr3")) & 0xFFFFF000
    system = int(gdb.parse_and_eval("KeInitialSystemProcess.DirectoryTableBase[0]"))
    if cr3 == system & 0xFFFFF000:
        return system_process_address(), "System"
    for process in processes():
        if int(process["Pcb"]["DirectoryTableBase"][0]) & 0xFFFFF000 == cr3:
            return int(process), process["ImageFileName"].string()
    return None, None


def current_thread_process():
    return int(gdb.parse_and_eval("(unsigned int)KiCurrentThread->ApcState.Process"))


class PteCommand(gdb.Command):
    """pte ADDR: the PDE and PTE that map ADDR, decoded as NT's !pte does."""

    def __init__(self):
        super().__init__("pte", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        va = parse_address(argument)
        pde_address = PDE_BASE + (va >> 22) * 4
        pte_address = PTE_BASE + (va >> 12) * 4
        pde = read_u32(pde_address)
        left = ["PDE at %08X" % pde_address, "contains %08X" % pde] + describe(pde)
        right = []
        if pde & 1 and not pde & 0x80:
            pte = read_u32(pte_address)
            right = ["PTE at %08X" % pte_address, "contains %08X" % pte] + describe(pte)
        elif pde & 0x80:
            right = ["(a large page: no PTE)"]
        print("%28s %08x" % ("VA", va))
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            print(("%-27s%s" % (a, b)).rstrip())
        if va < int(gdb.parse_and_eval("(unsigned int)MmSystemRangeStart")):
            owner, name = loaded_directory_owner()
            print("user address, in the directory loaded (CR3): %s" % (
                "%s's, EPROCESS %08x" % (name, owner) if owner else "no process's"))


class BugCheckCommand(gdb.Command):
    """bugcheck: the last STOP code and parameters, and the crash-dump header."""

    def __init__(self):
        super().__init__("bugcheck", gdb.COMMAND_STATUS)

    def invoke(self, argument, from_tty):
        data_address = parse_address("&KiBugCheckData")
        code, p1, p2, p3, p4 = [read_u32(data_address + 4 * i) for i in range(5)]
        if code == 0:
            print("No bugcheck has been raised.")
            return
        print("*** STOP: 0x%08X (0x%08X,0x%08X,0x%08X,0x%08X)" % (code, p1, p2, p3, p4))
        print(bugcheck_names().get(code, "UNKNOWN_BUGCHECK_CODE"))
        try:
            header = [read_u32(CRASH_DUMP_VA + 4 * i) for i in range(15)]
        except gdb.MemoryError:
            print("The crash-dump area at %08X is not mapped." % CRASH_DUMP_VA)
            return
        if header[0] != DUMP_SIGNATURE or header[1] != DUMP_VALID_DUMP:
            print("No dump header at %08X yet." % CRASH_DUMP_VA)
        elif header[10:15] == [code, p1, p2, p3, p4]:
            print("The dump header at %08X records the same STOP." % CRASH_DUMP_VA)
        else:
            print("The dump header at %08X records STOP 0x%08X." % (CRASH_DUMP_VA, header[10]))


class NtStatusCommand(gdb.Command):
    """ntstatus VALUE: the name of an NTSTATUS value (an expression; $ is the last value)."""

    def __init__(self):
        super().__init__("ntstatus", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        print(ntstatus_text(int(gdb.parse_and_eval(argument or "$"))))


FINISHING = {}


def returns_ntstatus(function):
    type_ = function.type.target() if function and function.type else None
    while type_ is not None and type_.code == gdb.TYPE_CODE_TYPEDEF:
        if type_.name == "NTSTATUS":
            return True
        type_ = type_.target()
    return False


def before_finish():
    """hook-finish: remember where the frame being finished returns to, if it returns NTSTATUS."""
    FINISHING.clear()
    frame = gdb.selected_frame()
    if returns_ntstatus(frame.function()) and frame.older() is not None:
        FINISHING["return_pc"] = frame.older().pc()


def after_finish():
    """hookpost-finish: name the status, when finish ran to the return (not to a breakpoint)."""
    return_pc = FINISHING.pop("return_pc", None)
    if return_pc is not None and gdb.selected_frame().pc() == return_pc:
        print("NTSTATUS returned: %s" % ntstatus_text(int(gdb.history(0))))


BUGCHECK_BREAKPOINT = []


def stop_on_bugcheck(event):
    """When an objfile that has HalExitToHost arrives (file, symbol-file -o ...), set the
    breakpoint on the bugcheck path, once."""
    if BUGCHECK_BREAKPOINT or not event.new_objfile.lookup_global_symbol("HalExitToHost"):
        return
    breakpoint = gdb.Breakpoint("HalExitToHost", internal=False)
    breakpoint.condition = "KiBugCheckData[0] != 0"
    BUGCHECK_BREAKPOINT.append(breakpoint)
    print("mm386: a STOP stops at breakpoint %d (HalExitToHost after KeBugCheckEx); "
          "then `bugcheck`, `bt`." % breakpoint.number)


def system_process_address():
    return int(gdb.parse_and_eval("(unsigned int)&KeInitialSystemProcess"))


def processes():
    """The EPROCESSes on PsActiveProcessHead, as gdb values."""
    eprocess = gdb.lookup_type("EPROCESS").pointer()
    links = int(gdb.parse_and_eval("(unsigned int)&((EPROCESS *)0)->ActiveProcessLinks"))
    head = int(gdb.parse_and_eval("(unsigned int)&PsActiveProcessHead"))
    entry = int(gdb.parse_and_eval("(unsigned int)PsActiveProcessHead.Flink"))
    found = []
    while entry != head and len(found) < 4096:
        process = gdb.Value(entry - links).cast(eprocess)
        found.append(process)
        entry = int(process["ActiveProcessLinks"]["Flink"]) & 0xFFFFFFFF
    return found


def handle_count(table):
    return int(table["HandleCount"]) if int(table) else 0


class ProcessCommand(gdb.Command):
    """process: every process as the kd> prompt's !process 0 0 lists them."""

    def __init__(self):
        super().__init__("process", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        table = gdb.parse_and_eval("ObKernelHandleTable")
        print("**** NT ACTIVE PROCESS DUMP ****")
        print("PROCESS %08x  SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000"
              % system_process_address())
        print("    DirBase: %08x  ObjectTable: %08x  HandleCount: %d." % (
            int(gdb.parse_and_eval("KeInitialSystemProcess.DirectoryTableBase[0]")),
            int(table), handle_count(table)))
        print("    Image: System")
        print("")
        for process in processes():
            table = process["ObjectTable"]
            print("PROCESS %08x  SessionId: none  Cid: %04x    Peb: %08x  ParentCid: %04x" % (
                int(process), int(process["UniqueProcessId"]), int(process["Peb"]),
                int(process["InheritedFromUniqueProcessId"])))
            print("    DirBase: %08x  ObjectTable: %08x  HandleCount: %d." % (
                int(process["Pcb"]["DirectoryTableBase"][0]), int(table), handle_count(table)))
            print("    Image: %s" % process["ImageFileName"].string())
            print("")


PFN_LOCATIONS = ["Zeroed", "Free", "Standby", "Modified", "ModNoWrt", "Bad", "Active", "Trans"]


class PfnCommand(gdb.Command):
    """pfn FRAME: one PFN database entry, decoded as the kd> prompt's !pfn decodes it."""

    def __init__(self):
        super().__init__("pfn", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        frame = parse_address(argument)
        highest = int(gdb.parse_and_eval("MmHighestPhysicalPage"))
        if frame > highest:
            print("pfn: page %x is past the PFN database (MmHighestPhysicalPage %x)"
                  % (frame, highest))
            return
        entry = gdb.parse_and_eval("MmPfnDatabase[%d]" % frame)
        address = int(gdb.parse_and_eval("(unsigned int)&MmPfnDatabase[%d]" % frame))
        e1 = entry["u3"]["e1"]
        u4 = entry["u4"]
        flags = [("M", "Modified", int(e1["Modified"])),
                 ("R", "ReadInProgress", int(e1["ReadInProgress"])),
                 ("W", "WriteInProgress", int(e1["WriteInProgress"])),
                 ("P", "Prototype", int(e1["PrototypePte"])),
                 ("E", "InPageError", int(u4["InPageError"])),
                 ("D", "Deleted", int(entry["PteAddress"]) & 1)]
        print("    PFN %08X at address %08X" % (frame, address))
        print("    flink       %08X  blink / share count %08X  pteaddress %08X" % (
            int(entry["u1"]["Flink"]), int(entry["u2"]["Blink"]),
            int(entry["PteAddress"]) & 0xFFFFFFFF))
        print("    reference count %04X                                 color %x  Priority %d" % (
            int(entry["u3"]["ReferenceCount"]), int(e1["PageColor"]), int(u4["Priority"])))
        print("    restore pte %08X  containing page        %06X  %-8s%s" % (
            int(entry["OriginalPte"]["u"]["Long"]), int(u4["PteFrame"]),
            PFN_LOCATIONS[int(e1["PageLocation"])],
            "".join(" " + letter for letter, _, on in flags if on)))
        words = [word for _, word, on in flags if on]
        if words:
            print("    " + " ".join(words))


VAD_IMAGE_MAP = 2  # MI_VAD_TYPE's VadImageMap (mm/vad.h)
VAD_PROTECTION = ["NO_ACCESS", "READONLY", "EXECUTE", "EXECUTE_READ", "READWRITE", "WRITECOPY",
                  "EXECUTE_READWRITE", "EXECUTE_WRITECOPY"]


def vad_protection(protection):
    """An MM_* protection as the prompt's !vad names it."""
    low, high = protection & 7, protection & ~7
    if high == 0x08:
        return "NOCACHE " + VAD_PROTECTION[low]
    if high == 0x10:
        return "GUARD " + VAD_PROTECTION[low] if low else "DECOMMIT"
    if high == 0x18:
        return "WRITECOMBINE " + VAD_PROTECTION[low] if low else "NO_ACCESS"
    return VAD_PROTECTION[low]


class VadCommand(gdb.Command):
    """vad [EPROCESS]: a process's VAD tree as the kd> prompt's !vad prints it (without an
    argument, the process the current thread is in, or for a system thread on a user process's
    directory, that process)."""

    def __init__(self):
        super().__init__("vad", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if argument.strip():
            address = parse_address(argument)
        else:
            address = current_thread_process()
            owner, name = loaded_directory_owner()
            if address == system_process_address() and owner and owner != address:
                print("vad: a system thread, on %s's directory (EPROCESS %08x), which it "
                      "borrows: %s's VADs" % (name, owner, name))
                address = owner
        if address == system_process_address():
            print("vad: the System process has no VADs")
            return
        if address not in [int(process) for process in processes()]:
            print("vad: %08x is not a process (process lists them)" % address)
            return
        process = gdb.Value(address).cast(gdb.lookup_type("EPROCESS").pointer())
        root = process["Mm"]["AddressSpace"]["VadRoot"]["BalancedRoot"]["RightChild"]
        vad_type = gdb.lookup_type("MMVAD_SHORT").pointer()
        totals = {"count": 0, "levels": 0, "depth": 0}

        def walk(node, level):
            if not int(node):
                return
            walk(node["LeftChild"], level + 1)
            vad = node.cast(vad_type)
            flags = vad["u"]["VadFlags"]
            print("%08x (%2d) %10x %8x %9d %-7s %-4s %s" % (
                int(node), level, int(node["StartingVpn"]), int(node["EndingVpn"]),
                int(flags["CommitCharge"]),
                "Private" if int(flags["PrivateMemory"]) else "Mapped",
                "Exe" if int(flags["VadType"]) == VAD_IMAGE_MAP else "",
                vad_protection(int(flags["Protection"]))))
            totals["count"] += 1
            totals["levels"] += level + 1
            totals["depth"] = max(totals["depth"], level)
            walk(node["RightChild"], level + 1)

        print("VAD     level      start      end    commit")
        walk(root, 0)
        print("")
        print("Total VADs: %5d  average level: %4d  maximum depth: %d" % (
            totals["count"], totals["levels"] // totals["count"] if totals["count"] else 0,
            totals["depth"]))


SECTION_FLAG_NAMES = [
    "BeingDeleted", "BeingCreated", "BeingPurged", "NoModifiedWriting", "FailAllIo", "Image",
    "Based", "File", "Networked", "NoCache", "PhysicalMemory", "CopyOnWrite", "Reserve",
    "Commit", "FloppyMedia", "WasPurged", "UserReference", "GlobalMemory", "DeleteOnClose",
    "FilePointerNull", "DebugSymbolsLoaded", "SetMappedFileIoComplete", "CollidedFlush",
    "NoChange", None, "ImageMappedInSystemSpace", "UserWritable", "Accessed",
    "GlobalOnlyPerSession", "Rom", "WriteCombined", None,
]
SECTION_PTES_SHOWN = 64  # prototype PTEs listed one by one; the rest only counted


def section_flags(flags):
    return "".join(" " + name for bit, name in enumerate(SECTION_FLAG_NAMES)
                   if name and flags & (1 << bit))


def control_areas():
    """The page-file sections' control areas on MiControlAreaList (mm/section.c), as ints."""
    links = int(gdb.parse_and_eval(
        "(unsigned int)&((MI_PAGEFILE_CONTROL_AREA *)0)->Links"))
    head = int(gdb.parse_and_eval("(unsigned int)&MiControlAreaList"))
    entry = int(gdb.parse_and_eval("(unsigned int)MiControlAreaList.Flink"))
    found = []
    while entry != head and len(found) < 4096:
        found.append(entry - links)
        entry = read_u32(entry)
    return found


def prototype_state(pte):
    if pte == 0:
        return "not committed"
    if pte & 1:
        return "valid"
    if pte & 0x800:
        return "transition"
    if pte >> 12:
        return "paging file"
    return "demand zero"


class SectionCommand(gdb.Command):
    """section [ADDRESS]: without an address, the page-file sections' control areas as the kd>
    prompt's !ca lists them; with the address of a control area, of its segment or of a
    section object, the control area, the segment and its prototype PTEs, each decoded (the
    first 64 one by one, all of them counted by state, as !ca <control area> counts them)."""

    def __init__(self):
        super().__init__("section", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        areas = control_areas()
        if not argument.strip():
            print("ControlArea  Segment   Sections  Views  Users      Ptes  Flags")
            for address in areas:
                area = gdb.Value(address).cast(gdb.lookup_type("CONTROL_AREA").pointer())
                segment = area["Segment"]
                print("%08x     %08x  %8d  %5d  %5d  %8d %s" % (
                    address, int(segment) & 0xFFFFFFFF, int(area["NumberOfSectionReferences"]),
                    int(area["NumberOfMappedViews"]), int(area["NumberOfUserReferences"]),
                    int(segment["TotalNumberOfPtes"]),
                    section_flags(int(area["u"]["LongFlags"]) & 0x3A00).strip()))
            print("%d control areas" % len(areas))
            return
        address = parse_address(argument)
        area_type = gdb.lookup_type("CONTROL_AREA").pointer()
        segments = {int(gdb.Value(a).cast(area_type)["Segment"]) & 0xFFFFFFFF: a for a in areas}
        if address in areas:
            found, what = address, "control area"
        elif address in segments:
            found, what = segments[address], "segment"
        else:
            try:
                section_segment = read_u32(address + 0x14)   # SECTION.Segment
            except gdb.MemoryError:
                section_segment = None
            if section_segment not in segments:
                print("section: %08x is no page-file section's control area, segment or section "
                      "object (section lists them)" % address)
                return
            found, what = segments[section_segment], "section"
            section = gdb.Value(address).cast(gdb.lookup_type("SECTION").pointer())
            print("Section      @ %08x  Size %08x  Flags (%08x)%s  InitialPageProtection %x" % (
                address, int(section["SizeOfSection"]) & 0xFFFFFFFF,
                int(section["u"]["LongFlags"]), section_flags(int(section["u"]["LongFlags"])),
                int(section["InitialPageProtection"])))
        area = gdb.Value(found).cast(area_type)
        segment = area["Segment"]
        print("ControlArea  @ %08x  (from the %s)" % (found, what))
        print("  Segment      %08x  Section Ref %8d  Mapped Views %8d  User Ref %8d" % (
            int(segment) & 0xFFFFFFFF, int(area["NumberOfSectionReferences"]),
            int(area["NumberOfMappedViews"]), int(area["NumberOfUserReferences"])))
        print("  Flags (%08x)%s" % (int(area["u"]["LongFlags"]),
                                    section_flags(int(area["u"]["LongFlags"]))))
        total = int(segment["TotalNumberOfPtes"])
        first = int(segment["PrototypePte"]) & 0xFFFFFFFF
        print("Segment @ %08x" % (int(segment) & 0xFFFFFFFF))
        print("  ControlArea  %08x  Total Ptes %8d  Segment Size %08x  Committed %8d  "
              "Template %08x" % (int(segment["ControlArea"]) & 0xFFFFFFFF, total,
                                 int(segment["SizeOfSegment"]) & 0xFFFFFFFF,
                                 int(segment["NumberOfCommittedPages"]),
                                 int(segment["SegmentPteTemplate"]["u"]["Long"]) & 0xFFFFFFFF))
        counts = {}
        print("  Prototype PTEs at %08x:" % first)
        for index in range(total):
            pte = read_u32(first + 4 * index)
            state = prototype_state(pte)
            counts[state] = counts.get(state, 0) + 1
            if index < SECTION_PTES_SHOWN:
                print("    %4x  %08x  %08x  %s" % (index, first + 4 * index, pte,
                                                   " ".join(l.strip() for l in describe(pte))))
        if total > SECTION_PTES_SHOWN:
            print("    ... %d more" % (total - SECTION_PTES_SHOWN))
        print("  %d valid, %d transition, %d paging file, %d demand zero, %d not committed" % tuple(
            counts.get(state, 0) for state in ("valid", "transition", "paging file",
                                               "demand zero", "not committed")))


PteCommand()
BugCheckCommand()
ProcessCommand()
PfnCommand()
VadCommand()
SectionCommand()
NtStatusCommand()
gdb.pretty_printers.append(lookup_ntstatus)
gdb.events.new_objfile.connect(stop_on_bugcheck)
for objfile in gdb.objfiles():
    stop_on_bugcheck(type("NewObjfile", (), {"new_objfile": objfile})())
