/* kernel/kd/kd.h: the kd> shell: its entry, deliberate crashes, and its command table. */
#ifndef KERNEL_KD_KD_H
#define KERNEL_KD_KD_H

#include "kernel/ke/ke.h"

/* The kd> shell (kd.c) and deliberate crashes (crash.c). */
__attribute__((noreturn)) void KdShell(void);
/* KdCrash: false for an unknown kind; true when the kind needs what this boot lacks (it says
 * what, and nothing is done); otherwise it never returns. */
bool KdCrash(const char *Kind);
void KdListCrashKinds(void);

/* Self-tests (testrun.c), for test= and the prompt's test command: run the cases matching
 * Globs, print KTAP; true when all passed. */
bool KdRunTests(const char *Globs);

#define KD_LINE_LENGTH  256         /* a kd> line, its terminating NUL included */

typedef struct _KD_COMMAND {
    const char *Name;
    const char *Usage;              /* the arguments, as help shows them */
    const char *Help;
    void (*Handler)(int Argc, char **Argv);
    uint32_t Flags;                 /* KD_IN_IMPLICIT_PROCESS */
} KD_COMMAND;

/* The command reads memory as WinDbg's do after .process: it runs attached to the implicit
 * process (kdprocess.c), so user addresses and the self-map are that process's. */
#define KD_IN_IMPLICIT_PROCESS  0x1

/* kdeval.c: MASM expressions, pure (host-tested). KdFindSymbol and KdReadMemory are all it
 * reaches: the kernel's are in kdsyms.c and kdexpr.c. */
#define KD_TOKEN_LENGTH 64
#define KD_MAXIMUM_NESTING 32           /* the parser recurses on the prompt's stack */
typedef enum _KD_EXPRESSION_STATUS {
    KdExpressionOk,
    KdExpressionSyntax,             /* something that is no operand or operator */
    KdExpressionEnd,                /* the text ends where an operand or ')' is expected */
    KdExpressionUnresolved,         /* a name that is no symbol */
    KdExpressionMemory,             /* poi, dwo, wo or by of an unmapped address */
    KdExpressionDivide,             /* / or % by zero */
    KdExpressionTooDeep,            /* operators or parentheses nested past KD_MAXIMUM_NESTING */
} KD_EXPRESSION_STATUS;
KD_EXPRESSION_STATUS KdEvaluateExpression(const char *Text, uint32_t *Value, const char **ErrorAt);
bool KdIsSymbolCharacter(char c);
bool KdFindSymbol(const char *Name, uintptr_t *Address);
uintptr_t KdModuleBase(void);
bool KdReadMemory(uint32_t Address, void *Buffer, uint32_t Length);

/* kdexpr.c: expressions at the prompt (a message says what is wrong), ? and ed. */

/* kd.c: the command table, for Tab completion. */
const KD_COMMAND *KdGetCommands(size_t *Count);

/* kdline.c: the line editor. KdInitializeInput connects COM1's receive interrupt; KdReadLine
 * prints Prompt and reads one line (false: it did not fit in Size - 1 characters). */
void KdInitializeInput(void);
bool KdReadLine(const char *Prompt, char *Line, size_t Size);

bool KdEvaluateWord(const char *Word, uint32_t *Value);
void KdCommandEvaluate(int Argc, char **Argv);
void KdCommandEnterDword(int Argc, char **Argv);

/* kddisplay.c: db, dw, dd, dq, dc, dps and .cls. */
void KdCommandDisplayBytes(int Argc, char **Argv);
void KdCommandDisplayWords(int Argc, char **Argv);
void KdCommandDisplayDwords(int Argc, char **Argv);
void KdCommandDisplayQuadwords(int Argc, char **Argv);
void KdCommandDisplayCharacters(int Argc, char **Argv);
void KdCommandDisplayPointers(int Argc, char **Argv);
void KdCommandClearScreen(int Argc, char **Argv);

/* kdsyms.c: the image's symbols: x, ln, lm; KdPrintSymbol prints nt!Name+0x12 (nothing
 * outside the image) and returns whether it printed. */
bool KdPrintSymbol(uint32_t Address);
void KdCommandExamineSymbols(int Argc, char **Argv);
void KdCommandListNearest(int Argc, char **Argv);
void KdCommandListModules(int Argc, char **Argv);

/* kdregs.c: r and k of the thread running the prompt; kdthread.c: !thread and !running.
 * KdPrintStack prints k's lines for a frame chain from Ebp, Eip being where the frame is. */
void KdPrintStack(uint32_t Eip, uint32_t Ebp, uint32_t StackHigh);
void KdCommandRegisters(int Argc, char **Argv);
void KdCommandStack(int Argc, char **Argv);
void KdCommandThread(int Argc, char **Argv);
void KdCommandRunning(int Argc, char **Argv);

/* What WinDbg's THREAD line shows of a thread, copied while it cannot go away (the caller holds
 * the lock of the list it found the thread on), printed later. */
typedef struct _KD_THREAD_SUMMARY {
    uint32_t Thread;                /* the KTHREAD (ETHREAD) address */
    uint32_t ProcessId, ThreadId;
    uint32_t Teb;
    KTHREAD_STATE State;
    KPROCESSOR_MODE WaitMode;
    uint32_t WaitObject;            /* 0: none */
    uint8_t WaitObjectType;         /* its DISPATCHER_HEADER.Type */
    uint32_t UserTime, KernelTime;  /* clock ticks */
} KD_THREAD_SUMMARY;
void KdSummarizeThread(const KTHREAD *Thread, KD_THREAD_SUMMARY *Summary);
void KdPrintThreadSummary(const KD_THREAD_SUMMARY *Summary, const char *Indent);

/*
 * kdprocess.c: processes as WinDbg shows them (!process, .process) and the implicit process:
 * the one .process chose (referenced while it is), NULL for the System process. Commands with
 * KD_IN_IMPLICIT_PROCESS run attached to it: KdAttachImplicitProcess attaches (to the System
 * process too, whose directory a system thread need not have loaded), KeUnstackDetachProcess
 * undoes it.
 */
struct _EPROCESS;
void KdAttachImplicitProcess(KAPC_STATE *ApcState);
struct _EPROCESS *KdGetImplicitProcess(void);
void KdPrintProcessVmLines(void);           /* !vm's lines, one per process */
/* The process whose page directory is the page DirectoryFrame (!pfn): false when none. */
typedef struct _KD_PROCESS_IDENTITY {
    uint32_t Address, ProcessId;
    char ImageFileName[16];
} KD_PROCESS_IDENTITY;
bool KdFindProcessByDirectory(uint32_t DirectoryFrame, KD_PROCESS_IDENTITY *Identity);
void KdCommandProcess(int Argc, char **Argv);
void KdCommandDotProcess(int Argc, char **Argv);

/* kdvad.c: !vad; kdaddress.c: !address; kdstart.c: start. */
void KdCommandVad(int Argc, char **Argv);
void KdCommandAddress(int Argc, char **Argv);
void KdCommandStart(int Argc, char **Argv);

/* kdpool.c: the pool commands, and what !poolfind shares with them: a tag as WinDbg prints it,
 * a pool header read through probes (false: not mapped), the big allocation holding an
 * address (NULL: none). */
#define KD_TAG_LENGTH   4
struct _POOL_HEADER;
struct _POOL_TRACKER_BIG_PAGES;
void KdFormatTag(uint32_t Tag, char Text[KD_TAG_LENGTH + 1]);
bool KdReadPoolHeader(uintptr_t Va, struct _POOL_HEADER *Header);
const struct _POOL_TRACKER_BIG_PAGES *KdFindBigPage(uintptr_t Address);
void KdCommandPool(int Argc, char **Argv);
void KdCommandPoolUsed(int Argc, char **Argv);
void KdCommandPoolAlloc(int Argc, char **Argv);
void KdCommandPoolFree(int Argc, char **Argv);

/* kdmm.c: the memory manager's commands. KdDescribePte writes the lines !pte shows under
 * "contains" for one PDE or PTE (a 32-bit MMPTE) and returns how many (at most KD_PTE_LINES). */
#define KD_PTE_LINES        4
#define KD_PTE_LINE_SIZE    40
uint32_t KdDescribePte(uint32_t Pte, char (*Lines)[KD_PTE_LINE_SIZE]);
void KdCommandPte(int Argc, char **Argv);
void KdCommandVm(int Argc, char **Argv);
void KdCommandFileCache(int Argc, char **Argv);
void KdCommandControlArea(int Argc, char **Argv);          /* kdsection.c: !ca */
/* kdsection.c: the page-file section whose segment holds the prototype PTE at PteAddress: its
 * control area, segment and the PTE's index. */
bool KdFindPrototypePte(uint32_t PteAddress, uint32_t *ControlArea, uint32_t *Segment,
                        uint32_t *Index);
void KdCommandEmpty(int Argc, char **Argv);

/* kdpfn.c: the PFN database (!pfn, !memusage); kdsysptes.c: !sysptes; kdpoolfind.c: !poolfind. */
void KdCommandPfn(int Argc, char **Argv);
void KdCommandMdl(int Argc, char **Argv);
void KdCommandMdlLock(int Argc, char **Argv);
void KdCommandMdlUnlock(int Argc, char **Argv);
void KdCommandMdlMap(int Argc, char **Argv);
void KdCommandMdlUnmap(int Argc, char **Argv);
void KdCommandMemUsage(int Argc, char **Argv);
void KdCommandSysPtes(int Argc, char **Argv);
void KdCommandPoolFind(int Argc, char **Argv);

#endif
