# tools/gdb/mm386.gdb: what `make debug` gives gdb. Load it with
#   gdb -x tools/gdb/mm386.gdb -ex 'target remote :1234' build/mm386.elf
# from the top of the tree. It adds the commands in mm386.py: pte ADDR, bugcheck, ntstatus X,
# process, pfn FRAME, vad [EPROCESS], section [CONTROL-AREA|SEGMENT|SECTION]; NTSTATUS values
# printed with their names (so `finish` names the status a function returned); and, once the
# symbols are loaded, a breakpoint that stops the machine on a STOP.
set pagination off
set confirm off
set disassembly-flavor att
source tools/gdb/mm386.py

# finish loses the NTSTATUS typedef of the value it returns: name the status after it.
define hook-finish
python before_finish()
end
define hookpost-finish
python after_finish()
end
