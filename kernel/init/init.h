/*
 * kernel/init/init.h: start-up, at the top of the tree: the loader block and boot options it
 * fills for every layer below, the image's relocation under /3GB, the paging files it asks Mm
 * to make, and the benchmark runner.
 */
#ifndef KERNEL_INIT_INIT_H
#define KERNEL_INIT_INIT_H

#include "kernel/ke/ke.h"

/* The loader's information (loader.c), copied out of the multiboot structures. */
void KiCaptureLoaderBlock(uint32_t Magic);
void KiPrintMemoryMap(void);
void KiPrintLoaderModules(void);
void KiCopyLoaderCommandLine(char *Buffer, size_t Size);     /* also before the image moves */

/* Boot options (options.c), parsed once from KeLoaderBlock.CommandLine. */
void KiParseBootOptions(void);
uint32_t KiPeekUserVaIncrease(const char *CommandLine);

/* The image's place (relocate.c): moves it under /3GB before anything else runs. */
void KiRelocateImageIfRequested(uint32_t Magic);

/* The disks (disks.c): their start-up pages from nonpaged pool, then the paging files. */
void KiInitializeDisks(void);
void KiCreatePagingFiles(void);

/* Self-tests (testrun.c): run the cases matching Globs, print KTAP; true when all passed. */
bool KiRunTests(const char *Globs);

/* Benchmarks (benchrun.c): run those matching Globs; false when none matched. */
bool KiRunBenchmarks(const char *Globs);

NTSTATUS KiRunFirstProcess(const char *CommandLine);     /* run.c */

#endif
