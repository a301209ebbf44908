/*
 * kernel/ki.h: Ki-internal declarations shared among kernel/ files: the TSS, the handlers the
 * trap stubs reach, boot options, the console shell and the self-test runner.
 */
#ifndef KERNEL_KI_H
#define KERNEL_KI_H

#include "kernel/ke.h"

/* KTSS: the 32-bit task-state segment, as the processor defines it. */
typedef struct _KTSS {
    uint16_t Backlink, Reserved0;
    uint32_t Esp0;
    uint16_t Ss0, Reserved1;
    uint32_t Esp1;
    uint16_t Ss1, Reserved2;
    uint32_t Esp2;
    uint16_t Ss2, Reserved3;
    uint32_t Cr3, Eip, EFlags, Eax, Ecx, Edx, Ebx, Esp, Ebp, Esi, Edi;
    uint16_t Es, Reserved4, Cs, Reserved5, Ss, Reserved6, Ds, Reserved7;
    uint16_t Fs, Reserved8, Gs, Reserved9, LdtSelector, Reserved10;
    uint16_t TraceFlag, IoMapBase;
} KTSS;

_Static_assert(sizeof(KTSS) == 104, "KTSS is the processor's 32-bit TSS");

extern KTSS KiTss;
extern KTSS KiDoubleFaultTss;

/* Boot options (options.c), parsed once from KeLoaderBlock.CommandLine. */
void KiParseBootOptions(void);
uint32_t KiPeekUserVaIncrease(const char *CommandLine);

/* The image's place (relocate.c): moves it under /3GB before anything else runs. */
void KiRelocateImageIfRequested(uint32_t Magic);

/* The kd> shell (kd.c) and deliberate crashes (crash.c). */
__attribute__((noreturn)) void KdShell(void);
bool KdCrash(const char *Kind);     /* false for an unknown kind; otherwise never returns */
void KdListCrashKinds(void);

/* Self-tests (testrun.c): run the cases matching Globs, print KTAP; true when all passed. */
bool KiRunTests(const char *Globs);

/* The dispatcher (sched.c, thread.c, wait.c, dpc.c, ctxswap.S). All at DISPATCH_LEVEL. */
extern KTHREAD *KiIdleThread;
extern volatile bool KiDispatchPending;
void KiInitializeDispatcher(KTHREAD *InitialThread);
void KiReadyThread(KTHREAD *Thread);
void KiRemoveReadyThreadFromQueue(KTHREAD *Thread);
void KiSwapThread(void);
void KiSwapContext(KTHREAD *OldThread, KTHREAD *NewThread);
void KiDispatchSoftwareInterrupt(void);
void KiIdle(void);
void KiStartIdleThread(void);
void KiReapTerminatedThreads(void);
void KiWaitTest(DISPATCHER_HEADER *Object);
void KiCheckTimers(void);
void KiRetireDpcList(void);
void KiStartBalanceSetManager(void);

/* Benchmarks (benchrun.c): run those matching Globs; false when none matched. */
bool KiRunBenchmarks(const char *Globs);

/*
 * Disks (disk.c), until an I/O manager exists: KiInitializeDisks gives the ATA driver its PRD
 * pages, connects IRQ 14 and 15, prints the disks and reads their partition tables.
 * KiDiskTransfer moves PageCount page frames (8 sectors each) to or from Disk at Lba and
 * waits, halting, for the interrupt that ends it; after KI_DISK_TIMEOUT_MS and
 * KI_DISK_TIMEOUT_PER_PAGE_MS for each page (a disk slower than 4 KB/s is taken for one that
 * does not answer) it resets the channel and returns STATUS_IO_TIMEOUT. Other failures are HalAtaStartTransfer's refusals
 * and the decoded device errors (hal/ata.h). One caller at a time, at an IRQL that leaves
 * the disk interrupts open.
 */
#define KI_DISK_TIMEOUT_MS          5000
#define KI_DISK_TIMEOUT_PER_PAGE_MS 1000
#define DISK_SECTOR_SIZE            512
#define DISK_SECTORS_PER_PAGE       8
#define DISK_MBR_PARTITIONS         4
#define PARTITION_ENTRY_UNUSED      0x00
#define PARTITION_PAGING_FILE       0x82    /* mm386's paging-file partitions */

typedef struct _DISK_PARTITION {
    uint32_t Number;                /* 1-4: its entry in the MBR */
    uint8_t Type;
    bool Active;
    uint32_t StartingLba;
    uint32_t SectorCount;
} DISK_PARTITION;

void KiInitializeDisks(void);
NTSTATUS KiDiskTransfer(uint32_t Disk, uint64_t Lba, const uint32_t *PageFrames,
                        uint32_t PageCount, bool Write);
const DISK_PARTITION *KiDiskPartitions(uint32_t Disk, uint32_t *Count);  /* read at start-up */
uint32_t KiDiskInterruptCount(uint32_t Channel);    /* transfers its interrupt has ended */
void KiCreatePagingFiles(void);

/*
 * The MBR in Sector (partition.c): the used entries, in table order, into Partitions.
 * STATUS_BAD_MASTER_BOOT_RECORD without the 0x55AA signature; STATUS_DISK_CORRUPT_ERROR (and
 * no partitions) for an entry that starts at 0, is empty, ends past DiskSectors, overlaps
 * another, or has a boot indicator other than 0x00 or 0x80.
 */
NTSTATUS KiParsePartitionTable(const uint8_t Sector[DISK_SECTOR_SIZE], uint64_t DiskSectors,
                               DISK_PARTITION Partitions[DISK_MBR_PARTITIONS], uint32_t *Count);

/* Bugcheck helpers used by the double-fault handler. */
void KiBugCheckSetContext(KTRAP_FRAME *TrapFrame, uint32_t Esp);  /* a frame not on a stack */
__attribute__((noreturn)) void KiTrap08(void);

#endif
