/*
 * kernel/kd/kd.c: the kd> shell on COM1. Lines from the editor (kdline.c) and a table of commands;
 * each command gets its words as argc/argv. Unknown commands are reported; a line too long for
 * the buffer or with too many words is refused whole, never run cut short.
 */
#include "kernel/kd/kd.h"
#include "kernel/kd/kd.h"
#include "hal/hal.h"

#define KD_MAX_WORDS    8

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
    HalExitToHost(HAL_EXIT_SUCCESS);
}

static const KD_COMMAND KdCommands[] = {
    { "help", "", "list the commands", KdCommandHelp },
    { "test", "<glob>", "run the self-tests whose names match", KdCommandTest },
    { "dd", "<address> [L <n>]", "display n dwords (symbols, poi(), + and - allowed)",
      KdCommandDumpDwords },
    { "ed", "<address> <value>", "write one dword", KdCommandEnterDword },
    { "?", "<expression>", "evaluate an expression (a symbol is its address)",
      KdCommandEvaluate },
    { "!pte", "<address> [<end>]", "the PDE and PTE of an address (or each page to end)",
      KdCommandPte },
    { "!pfn", "<page>", "a page's PFN database entry, as WinDbg's !pfn", KdCommandPfn },
    { "!memusage", "", "pages per list and state, and per region in use", KdCommandMemUsage },
    { "!sysptes", "[1]", "system PTEs: totals, free clusters (1: each one)", KdCommandSysPtes },
    { "!vm", "", "page lists, commitment, working set, paging files, faults", KdCommandVm },
    { "!empty", "ws|modified|standby|all", "empty memory to the lists and paging files",
      KdCommandEmpty },
    { "!pool", "<address>", "list the pool page holding an address, block by block",
      KdCommandPool },
    { "!poolused", "", "allocations and bytes per pool tag", KdCommandPoolUsed },
    { "!poolfind", "<tag> [0|1|2]", "every pool block with a tag (* and ? allowed)",
      KdCommandPoolFind },
    { "poolalloc", "<type> <bytes> <tag>", "ExAllocatePoolWithTag (type: paged or nonpaged)",
      KdCommandPoolAlloc },
    { "poolfree", "<address>", "ExFreePool", KdCommandPoolFree },
    { "crash", "<kind>", "bug-check the system on purpose", KdCommandCrash },
    { "poweroff", "", "leave QEMU (exit status 0)", KdCommandPowerOff },
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

/* Split Line into at most MaximumWords words; -1 if it has more. */
static int KdSplitWords(char *Line, char **Words, int MaximumWords)
{
    int count = 0;

    for (char *p = Line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        if (count == MaximumWords)
            return -1;
        Words[count++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return count;
}

void KdShell(void)
{
    char line[KD_LINE_LENGTH];
    char *words[KD_MAX_WORDS];

    KdInitializeInput();
    DbgPrint("Type help for the commands.\n");
    for (;;) {
        int count;
        size_t i;

        if (!KdReadLine("kd> ", line, sizeof(line))) {
            DbgPrint("kd: line longer than %u characters: nothing done\n", KD_LINE_LENGTH - 1);
            continue;
        }
        count = KdSplitWords(line, words, KD_MAX_WORDS);
        if (count < 0) {
            DbgPrint("kd: more than %u words: nothing done\n", KD_MAX_WORDS);
            continue;
        }
        if (count == 0)
            continue;
        for (i = 0; i < ARRAYSIZE(KdCommands); i++) {
            if (strcmp(KdCommands[i].Name, words[0]) == 0) {
                KdCommands[i].Handler(count, words);
                break;
            }
        }
        if (i == ARRAYSIZE(KdCommands))
            DbgPrint("unknown command '%s' (type help for the commands)\n", words[0]);
    }
}
