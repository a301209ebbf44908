/*
 * kernel/init/options.c: the boot options, KeBootOptions. Each option is name or name=value
 * (README lists them). QEMU's -kernel puts the image path first on the multiboot command
 * line and GRUB 2 does not, so a first word that holds a '/' and no '=' is taken for the path
 * and skipped. Parsed once at start-up; anything not understood is reported on the console,
 * never silently dropped. Of an option given twice only the first is read (accepted or not),
 * as NT's loader reads the first of a repeated switch; the repeat is reported and changes
 * nothing.
 */
#include "kernel/init/init.h"

#define KI_MAX_OPTIONS          32
#define KI_USERVA_MINIMUM_MB    2048
#define KI_USERVA_MAXIMUM_MB    3072

typedef struct _KOPTION_DEFINITION {
    const char *Name;
    bool TakesValue;
    bool (*Parse)(KBOOT_OPTIONS *Options, const char *Value);  /* false: reported, ignored */
} KOPTION_DEFINITION;

KBOOT_OPTIONS KeBootOptions;
static char KiOptionText[sizeof(KeLoaderBlock.CommandLine)];

static bool KiParseTest(KBOOT_OPTIONS *Options, const char *Value)
{
    Options->Test = Value;
    return true;
}

static bool KiParseAfterTest(KBOOT_OPTIONS *Options, const char *Value)
{
    Options->AfterTest = Value;
    return true;
}

static bool KiParseCrash(KBOOT_OPTIONS *Options, const char *Value)
{
    Options->Crash = Value;
    return true;
}

static bool KiParseBench(KBOOT_OPTIONS *Options, const char *Value)
{
    Options->Bench = Value;
    return true;
}

static bool KiParse3Gb(KBOOT_OPTIONS *Options, const char *Value)
{
    (void)Value;
    if (!Options->UserVaIncrease)
        Options->UserVaIncrease = (KI_USERVA_MAXIMUM_MB - KI_USERVA_MINIMUM_MB) << 20;
    return true;
}

/* increaseuserva=<MB>: the size of user space, 2048 (no change) to 3072 (as 3gb). */
static bool KiParseIncreaseUserVa(KBOOT_OPTIONS *Options, const char *Value)
{
    uint32_t megabytes;

    if (!RtlStringToUlong(Value, 10, &megabytes) || megabytes < KI_USERVA_MINIMUM_MB ||
        megabytes > KI_USERVA_MAXIMUM_MB)
        return false;
    Options->UserVaIncrease = (megabytes - KI_USERVA_MINIMUM_MB) << 20;
    return true;
}

/* largepageminimum=<MB>: the PFN database and initial nonpaged pool go on 4 MB pages only with
 * more RAM than this (NT's LargePageMinimum; 255 MB when not given, 0 for any size). */
static bool KiParseLargePageMinimum(KBOOT_OPTIONS *Options, const char *Value)
{
    uint32_t megabytes;

    if (!RtlStringToUlong(Value, 10, &megabytes) || megabytes > 4096)
        return false;
    Options->LargePageMinimum = megabytes;
    Options->LargePageMinimumGiven = true;
    return true;
}

/*
 * specialpool=<tag>: the four characters of a pool tag, the first in the low byte as NT keeps
 * tags, or specialpool=* for every tag.
 */
static bool KiParseSpecialPool(KBOOT_OPTIONS *Options, const char *Value)
{
    size_t length = strlen(Value);

    if (strcmp(Value, "*") == 0) {
        Options->SpecialPoolTag = '*';
        return true;
    }
    if (length != sizeof(Options->SpecialPoolTag))
        return false;
    Options->SpecialPoolTag = 0;
    for (size_t i = 0; i < length; i++)
        Options->SpecialPoolTag |= (uint32_t)(uint8_t)Value[i] << (8 * i);
    return true;
}

static bool KiParsePagingFiles(KBOOT_OPTIONS *Options, const char *Value)
{
    if (*Value == '\0')
        return false;               /* reported, and pagefile= is then as if not given */
    Options->PagingFiles = Value;
    return true;
}

/*
 * run="<program> <arguments>": the program (a loader module's name) to start as the first
 * process, with its command line. Quoted, the value keeps its blanks (RtlSplitCommandLine); GRUB's
 * quoting of it is undone in loader.c. Only stored here: starting it is the process code's.
 */
static bool KiParseRun(KBOOT_OPTIONS *Options, const char *Value)
{
    while (*Value == ' ' || *Value == '\t')
        Value++;
    if (*Value == '\0')
        return false;
    Options->Run = Value;
    return true;
}

static const KOPTION_DEFINITION KiOptionDefinitions[] = {
    { "test", true, KiParseTest },
    { "crash", true, KiParseCrash },
    { "bench", true, KiParseBench },
    { "pagefile", true, KiParsePagingFiles },
    { "3gb", false, KiParse3Gb },
    { "increaseuserva", true, KiParseIncreaseUserVa },
    { "specialpool", true, KiParseSpecialPool },
    { "largepageminimum", true, KiParseLargePageMinimum },
    { "run", true, KiParseRun },
    { "aftertest", true, KiParseAfterTest },
};

static const KOPTION_DEFINITION *KiFindOption(const char *Name)
{
    for (size_t i = 0; i < ARRAYSIZE(KiOptionDefinitions); i++) {
        if (strcmp(KiOptionDefinitions[i].Name, Name) == 0)
            return &KiOptionDefinitions[i];
    }
    return NULL;
}

static bool KiIsImagePath(const RTL_OPTION *First, uint32_t Count)
{
    return Count > 0 && !First->Value && strchr(First->Name, '/') != NULL;
}

/* True when Options[Index] names an option given before it, from Options[First] on. */
static bool KiIsRepeated(const RTL_OPTION *Options, uint32_t First, uint32_t Index)
{
    for (uint32_t i = First; i < Index; i++) {
        if (strcmp(Options[i].Name, Options[Index].Name) == 0)
            return true;
    }
    return false;
}

/*
 * Parse Text (modified in place) into Options; a malformed line (an unbalanced quote, say) or
 * one of too many options sets none, since part of a command line may be worse than none.
 * Quiet is for the first look before the image is relocated, when nothing may be printed yet
 * and only the result matters.
 */
static void KiParseOptionText(char *Text, KBOOT_OPTIONS *Options, bool Quiet)
{
    RTL_OPTION options[KI_MAX_OPTIONS];
    uint32_t count, first;
    NTSTATUS status = RtlSplitCommandLine(Text, options, ARRAYSIZE(options), &count);

    if (!NT_SUCCESS(status)) {
        if (Quiet)
            return;
        if (status == STATUS_BUFFER_OVERFLOW)
            DbgPrint("Command line: more than %u options: ignored whole, no option is used\n",
                     KI_MAX_OPTIONS);
        else
            DbgPrint("Command line: malformed at word %u: ignored whole, no option is used\n",
                     count + 1);
        return;
    }

    first = KiIsImagePath(&options[0], count) ? 1 : 0;
    for (uint32_t i = first; i < count; i++) {
        const KOPTION_DEFINITION *definition = KiFindOption(options[i].Name);
        const char *problem = NULL, *note = "";

        if (!definition) {
            problem = "unknown option";
        } else if (definition->TakesValue && !options[i].Value) {
            problem = "needs a value";
        } else if (!definition->TakesValue && options[i].Value) {
            problem = "takes no value";
        } else if (KiIsRepeated(options, first, i)) {
            problem = "repeated option";
            note = "; only the first is read";
        } else if (!definition->Parse(Options, options[i].Value ? options[i].Value : "")) {
            problem = "bad value";
        }
        if (problem && !Quiet)
            DbgPrint("Command line: %s: '%s%s%s' ignored%s\n", problem, options[i].Name,
                     options[i].Value ? "=" : "", options[i].Value ? options[i].Value : "", note);
    }
}

/* How far /3GB or increaseuserva moves the start of system space; nothing is printed. */
uint32_t KiPeekUserVaIncrease(const char *CommandLine)
{
    char text[sizeof(KiOptionText)];
    KBOOT_OPTIONS options = { 0 };

    RtlCopyString(text, CommandLine, sizeof(text));
    KiParseOptionText(text, &options, true);
    return options.UserVaIncrease;
}

void KiParseBootOptions(void)
{
    RtlCopyString(KiOptionText, KeLoaderBlock.CommandLine, sizeof(KiOptionText));
    DbgPrint("Command line: %s\n", KeLoaderBlock.CommandLine);
    KiParseOptionText(KiOptionText, &KeBootOptions, false);
}
