# tools/gdb/mm386.gdb: what `make debug` gives gdb. Load it with
#   gdb -x tools/gdb/mm386.gdb -ex 'target remote :1234' build/mm386.elf
# from the top of the tree. It adds the commands in mm386.py: pte ADDR, bugcheck.
set pagination off
set confirm off
set disassembly-flavor att
source tools/gdb/mm386.py
