/*
 * mm/mm.h: the memory manager's public contract (Mm routines, the executive pool, layout
 * variables), for the kernel and the tests.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include "kernel/ke.h"
#include "mm/i386.h"

/* Start-up: phase 0 builds the address space and the PFN database (mminit.c). */
void MmInitSystem(uint32_t Phase);

/*
 * The page-fault handler (mmfault.c), called by KiTrap0E exactly as NT calls it: FaultStatus
 * bit 0 set for a write, VirtualAddress from CR2, PreviousMode from the trapped CS, and the
 * trap frame as opaque TrapInformation. Returns a success status when the access can be
 * retried; bugchecks itself for a bad kernel address (PAGE_FAULT_IN_NONPAGED_AREA).
 */
NTSTATUS MmAccessFault(uint32_t FaultStatus, void *VirtualAddress, KPROCESSOR_MODE PreviousMode,
                       void *TrapInformation);

/* True when touching VirtualAddress would not fault (its PDE and PTE are valid). */
bool MmIsAddressValid(const void *VirtualAddress);

/* The crash-dump area (crashdmp.c): a bugcheck leaves a DUMP_HEADER32 at MM_CRASH_DUMP_VA. */
void MmWriteCrashDumpHeader(const uint32_t BugCheckData[5]);

/* The system address space (mminit.c). */
extern uintptr_t MmSystemRangeStart;

#endif
