/*
 * user/ntdll/startup.c: the process start-up, the image's entry point (_mainCRTStartup).
 * The kernel enters it with ESP at the top of the first thread's stack (a zero return
 * address there), EBX = the PEB and FS = the TEB (kernel/inc/ntpeb.h), after ntdll's loader
 * (ldrinit.c) made the process heap and loaded the DLLs. It splits the command line into
 * argc/argv as the Microsoft C runtime does, calls main and ends the process with main's
 * return value.
 */
#include <string.h>
#include "ntdll.h"
#include "rtlp.h"

int main(int argc, char **argv, char **envp);

static char *RtlpEmptyEnvironment[] = { NULL };

/* The command line as 8-bit text (characters above 0x7F become '?'), on the process heap. */
static char *RtlpAnsiCommandLine(const UNICODE_STRING *Line)
{
    ULONG count = Line->Length / sizeof(WCHAR), index;
    char *text = RtlAllocateHeap(NtCurrentPeb()->ProcessHeap, 0, count + 1);

    if (!text)
        return NULL;
    for (index = 0; index < count; index++)
        text[index] = Line->Buffer[index] < 0x80 ? (char)Line->Buffer[index] : '?';
    text[count] = 0;
    return text;
}

void mainCRTStartup(void)
{
    PPEB peb = NtCurrentPeb();
    char *line = NULL, *copy, **argv = NULL;
    int argc = 0, status;

    if (peb->ProcessParameters)
        line = RtlpAnsiCommandLine(&peb->ProcessParameters->CommandLine);
    if (line) {
        /* The words are written over a copy; argv points into it. */
        copy = RtlAllocateHeap(peb->ProcessHeap, 0, strlen(line) + 1);
        if (copy) {
            strcpy(copy, line);
            argc = RtlpSplitCommandLine(copy, NULL);
            argv = RtlAllocateHeap(peb->ProcessHeap, 0, (argc + 1) * sizeof(char *));
        }
        if (argv) {
            RtlpSplitCommandLine(line, argv);
            argv[argc] = NULL;
        }
        RtlFreeHeap(peb->ProcessHeap, 0, copy);
    }
    if (!argv) {
        argc = 0;
        argv = RtlpEmptyEnvironment;
    }
    status = main(argc, argv, RtlpEmptyEnvironment);
    NtTerminateProcess(NtCurrentProcess(), status);
}
