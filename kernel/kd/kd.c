/*
 * kernel/kd/kd.c: the kd> shell on COM1. Lines from the editor (kdline.c) and a table of
 * commands; each command gets its words as argc/argv. A line holds several commands separated
 * by ;, and $$ comments (to the next ;), so a line from the README pastes whole; command names
 * match in any case, as WinDbg's. Unknown commands are reported; a line too long for the
 * buffer or with a command of too many words is refused whole, never run cut short or in part.
 * A command that reads memory runs in the implicit process's address space (.process).
 */
#include "kernel/kd/kd.h"
#include "kernel/io/io.h"
#include "mm/mm.h"
#include "hal/hal.h"

#define KD_MAX_WORDS    16              /* in one command of a line */
#define KD_COMMENT      "$$"            /* to the next ;, as WinDbg's */
#define KD_LINE_COMMENT '*'             /* a line starting with it is a comment, as WinDbg's */

static void KdCommandHelp(int Argc, char **Argv);

static void KdCommandTest(int Argc, char **Argv)
{
    if (Argc != 2) {
        DbgPrint("usage: test <glob>[,<glob>...]   (test all runs every test)\n");
        return;
    }
    KdRunTests(Argv[1]);
}

static void KdCommandCrash(int Argc, char **Argv)
{
    if (Argc != 2 || !KdCrash(Argv[1])) {
        DbgPrint("usage: crash <kind>, where kind is one of:\n");
        KdListCrashKinds();
    }
}

static void KdCommandPowerOff(int Argc, char **Argv)
{
    (void)Argc;
    (void)Argv;
    DbgPrint("Powering off.\n");
    MmFlushAllDataSections();           /* mapped files' modified pages, to their files */
    IoShutdownSystem();                 /* the file systems write what they hold */
    HalExitToHost(HAL_EXIT_SUCCESS);
}

static const KD_COMMAND KdCommands[] = {
    { "help", "", "list the commands", KdCommandHelp, 0 },
    { "test", "<glob>", "run the self-tests whose names match", KdCommandTest, 0 },
    { "db", "[<address>] [L <n>]", "display n bytes (default 0x80) and their ASCII",
      KdCommandDisplayBytes, KD_IN_IMPLICIT_PROCESS },
    { "dw", "[<address>] [L <n>]", "display n words (default 0x40)", KdCommandDisplayWords,
      KD_IN_IMPLICIT_PROCESS },
    { "dd", "[<address>] [L <n>]", "display n dwords (default 0x20)", KdCommandDisplayDwords,
      KD_IN_IMPLICIT_PROCESS },
    { "dq", "[<address>] [L <n>]", "display n quadwords (default 0x10)",
      KdCommandDisplayQuadwords, KD_IN_IMPLICIT_PROCESS },
    { "dc", "[<address>] [L <n>]", "display n dwords and their ASCII",
      KdCommandDisplayCharacters, KD_IN_IMPLICIT_PROCESS },
    { "dps", "[<address>] [L <n>]", "display n dwords and the symbol each names",
      KdCommandDisplayPointers, KD_IN_IMPLICIT_PROCESS },
    { "ed", "<address> <value>", "write one dword", KdCommandEnterDword, KD_IN_IMPLICIT_PROCESS },
    { "?", "<expression>", "evaluate a MASM expression (nt!Sym, poi, * / % ( ), 0n10)",
      KdCommandEvaluate, KD_IN_IMPLICIT_PROCESS },
    { "x", "[nt!]<pattern>", "the image's symbols matching (* and ?), with addresses",
      KdCommandExamineSymbols, 0 },
    { "ln", "<address>", "the symbols nearest an address", KdCommandListNearest, 0 },
    { "lm", "", "the loaded module: the image and its range", KdCommandListModules, 0 },
    { "r", "[<register> ...]", "the registers of the prompt's thread (r cr3: one)",
      KdCommandRegisters, 0 },
    { "k", "", "the prompt's stack, with symbols", KdCommandStack, 0 },
    { "!thread", "[<address>|*]", "the prompt's thread, the one at address, or all",
      KdCommandThread, 0 },
    { "!running", "", "the processor and the thread running on it", KdCommandRunning, 0 },
    { ".cls", "", "clear the screen", KdCommandClearScreen, 0 },
    { "!process", "[<proc> [<flags>]]", "processes as WinDbg's !process (0 0: all, briefly)",
      KdCommandProcess, 0 },
    { ".process", "[<eprocess>]", "the implicit process dd, !pte, !vad ... read (0: System)",
      KdCommandDotProcess, 0 },
    { "!vad", "[<vad>|<address> [1]]", "the implicit process's VAD tree, or one VAD",
      KdCommandVad, KD_IN_IMPLICIT_PROCESS },
    { "!address", "[<address>]", "the implicit process's regions and a summary, or one",
      KdCommandAddress, KD_IN_IMPLICIT_PROCESS },
    { "start", "<program> [<args>]", "run a program (a boot module, or C:\\path) as a new process",
      KdCommandStart, 0 },
    { "!pte", "<address> [<end>]", "the PDE and PTE of an address (or each page to end)",
      KdCommandPte, KD_IN_IMPLICIT_PROCESS },
    { "!pfn", "<page>", "a page's PFN database entry, as WinDbg's !pfn", KdCommandPfn, 0 },
    { "!mdl", "<address>", "an MDL: its fields, flags and pages", KdCommandMdl, 0 },
    { "mdllock", "<address> <bytes> [read|write]",
      "MmProbeAndLockPages and a system mapping, as a driver does (KdLastMdl)",
      KdCommandMdlLock, KD_IN_IMPLICIT_PROCESS },
    { "mdlmap", "<mdl>", "map the MDL mdllock made into the implicit process's user space",
      KdCommandMdlMap, KD_IN_IMPLICIT_PROCESS },
    { "mdlunmap", "<mdl>", "MmUnmapLockedPages of that user mapping", KdCommandMdlUnmap,
      KD_IN_IMPLICIT_PROCESS },
    { "mdlunlock", "<mdl>", "MmUnlockPages the MDL mdllock made, and free it",
      KdCommandMdlUnlock, KD_IN_IMPLICIT_PROCESS },
    { "!memusage", "", "pages per list and state, and per region in use", KdCommandMemUsage, 0 },
    { "!sysptes", "[1]", "system PTEs: totals, free clusters (1: each one)", KdCommandSysPtes, 0 },
    { "!vm", "", "page lists, commitment, working set, paging files, faults", KdCommandVm, 0 },
    { "!ca", "[<control area>]", "sections' control areas (one: its segment and prototypes)",
      KdCommandControlArea, 0 },
    { "!filecache", "", "the system cache: views, resident and dirty pages, cached files",
      KdCommandFileCache, 0 },
    { "!empty", "ws|modified|standby|all", "empty memory to the lists and paging files",
      KdCommandEmpty, 0 },
    { "!pool", "<address>", "list the pool page holding an address, block by block",
      KdCommandPool, 0 },
    { "!poolused", "", "allocations and bytes per pool tag", KdCommandPoolUsed, 0 },
    { "!poolfind", "<tag> [0|1|2]", "every pool block with a tag (* and ? allowed)",
      KdCommandPoolFind, 0 },
    { "poolalloc", "<type> <bytes> <tag>", "ExAllocatePoolWithTag (type: paged or nonpaged)",
      KdCommandPoolAlloc, 0 },
    { "poolfree", "<address>", "ExFreePool", KdCommandPoolFree, 0 },
    { "crash", "<kind>", "bug-check the system on purpose", KdCommandCrash, 0 },
    { "poweroff", "", "leave QEMU (exit status 0)", KdCommandPowerOff, 0 },
};

const KD_COMMAND *KdGetCommands(size_t *Count)
{
    *Count = ARRAYSIZE(KdCommands);
    return KdCommands;
}

static void KdCommandHelp(int Argc, char **Argv)
{
    (void)Argc;
    (void)Argv;
    for (size_t i = 0; i < ARRAYSIZE(KdCommands); i++) {
        char usage[40];

        RtlStringPrintf(usage, sizeof(usage), "%s %s", KdCommands[i].Name, KdCommands[i].Usage);
        DbgPrint("  %-31s %s\n", usage, KdCommands[i].Help);
    }
}

/* Split Command into at most MaximumWords words, ending at a $$ comment; -1 if it has more. */
static int KdSplitWords(char *Command, char **Words, int MaximumWords)
{
    int count = 0;

    for (char *p = Command; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p || strncmp(p, KD_COMMENT, strlen(KD_COMMENT)) == 0)
            break;
        if (count == MaximumWords)
            return -1;
        Words[count++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return count;
}

/* The next command of a line: Command up to the ; (made a NUL), or the rest. */
static char *KdNextCommand(char *Command)
{
    char *separator = strchr(Command, ';');

    if (!separator)
        return NULL;
    *separator = '\0';
    return separator + 1;
}

static bool KdCommandNameEqual(const char *Name, const char *Typed)
{
    for (; *Name; Name++, Typed++) {
        char c = *Typed >= 'A' && *Typed <= 'Z' ? (char)(*Typed - 'A' + 'a') : *Typed;

        if (c != *Name)
            return false;
    }
    return *Typed == '\0';
}

/* The command Argv names, attached to the implicit process when it reads memory. */
static void KdRunCommand(int Argc, char **Argv)
{
    for (size_t i = 0; i < ARRAYSIZE(KdCommands); i++) {
        if (KdCommandNameEqual(KdCommands[i].Name, Argv[0])) {
            KAPC_STATE apcState;
            bool attached = KdCommands[i].Flags & KD_IN_IMPLICIT_PROCESS;

            if (attached)
                KdAttachImplicitProcess(&apcState);
            KdCommands[i].Handler(Argc, Argv);
            if (attached)
                KeUnstackDetachProcess(&apcState);
            return;
        }
    }
    DbgPrint("unknown command '%s' (type help for the commands)\n", Argv[0]);
}

/* Run the commands of Line in order, unless one of them has too many words: then none. */
static void KdExecuteLine(char *Line)
{
    char copy[KD_LINE_LENGTH];
    char *words[KD_MAX_WORDS];
    char *command, *next;

    RtlCopyString(copy, Line, sizeof(copy));
    for (command = copy; command; command = next) {
        next = KdNextCommand(command);
        if (KdSplitWords(command, words, KD_MAX_WORDS) < 0) {
            DbgPrint("kd: more than %u words in a command: nothing done\n", KD_MAX_WORDS);
            return;
        }
    }
    for (command = Line; command; command = next) {
        int count;

        next = KdNextCommand(command);
        count = KdSplitWords(command, words, KD_MAX_WORDS);
        if (count > 0)
            KdRunCommand(count, words);
    }
}

void KdShell(void)
{
    char line[KD_LINE_LENGTH];

    KdInitializeInput();
    DbgPrint("Type help for the commands.\n");
    for (;;) {
        if (!KdReadLine("kd> ", line, sizeof(line))) {
            DbgPrint("kd: line longer than %u characters: nothing done\n", KD_LINE_LENGTH - 1);
            continue;
        }
        if (line[0] != KD_LINE_COMMENT)
            KdExecuteLine(line);
    }
}
