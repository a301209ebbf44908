/*
 * kernel/options.c: the boot options. Each option is name or name=value (README lists them).
 * QEMU's -kernel puts the image path first on the multiboot command line and GRUB 2 does not,
 * so a first word that holds a '/' and no '=' is taken for the path and skipped. Parsed once
 * at start-up; anything not understood is reported on the console, never silently dropped.
 */
#include "kernel/ki.h"

#define KI_MAX_OPTIONS 32

typedef struct _KOPTION_DEFINITION {
    const char *Name;
    bool TakesValue;
    const char **Value;             /* where the value (or "" for a flag) goes */
} KOPTION_DEFINITION;

KBOOT_OPTIONS KiBootOptions;
static char KiOptionText[sizeof(KeLoaderBlock.CommandLine)];

static const KOPTION_DEFINITION KiOptionDefinitions[] = {
    { "test", true, &KiBootOptions.Test },
    { "crash", true, &KiBootOptions.Crash },
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

void KiParseBootOptions(void)
{
    RTL_OPTION options[KI_MAX_OPTIONS];
    uint32_t count;
    NTSTATUS status;

    RtlCopyString(KiOptionText, KeLoaderBlock.CommandLine, sizeof(KiOptionText));
    DbgPrint("Command line: %s\n", KiOptionText);
    status = RtlSplitCommandLine(KiOptionText, options, ARRAYSIZE(options), &count);
    if (!NT_SUCCESS(status))
        DbgPrint("Command line: %s; using the first %u words\n",
                 status == STATUS_BUFFER_OVERFLOW ? "too many options" : "malformed", count);

    for (uint32_t i = KiIsImagePath(&options[0], count) ? 1 : 0; i < count; i++) {
        const KOPTION_DEFINITION *definition = KiFindOption(options[i].Name);

        if (!definition) {
            DbgPrint("Command line: unknown option '%s' ignored\n", options[i].Name);
        } else if (definition->TakesValue && !options[i].Value) {
            DbgPrint("Command line: option '%s' needs a value (%s=...); ignored\n",
                     options[i].Name, options[i].Name);
        } else if (!definition->TakesValue && options[i].Value) {
            DbgPrint("Command line: option '%s' takes no value; ignored\n", options[i].Name);
        } else {
            *definition->Value = definition->TakesValue ? options[i].Value : "";
        }
    }
}
