/*
 * kernel/kd/kdstart.c: start NAME [ARGS], a program in the background from the prompt.
 *
 *   kd> start waiter.exe 5
 *   process waiter.exe started: pid 8
 *   kd> ...
 *   process waiter.exe exited with status 0x00000005
 *
 * NAME is a multiboot module (tools/boot --exe) or a file's path (C:\dir\prog.exe,
 * C:/dir/prog.exe); the process is made as run= makes the first one (PspCreateProcess, the
 * command line being NAME and its arguments joined by blanks, no parent), and a system thread
 * waits for it and says how it ended, without powering off. A program that cannot start says
 * why: `process NAME not started: status 0xC0000034` (no such module or file),
 * STATUS_INVALID_IMAGE_FORMAT for one that is no program.
 */
#include "kernel/kd/kd.h"
#include "kernel/ps/ps.h"

#define KD_START_TAG            POOL_TAG('K', 'd', 'S', 't')
#define KD_COMMAND_LINE_LENGTH  KD_LINE_LENGTH

typedef struct _KD_STARTED_PROCESS {
    EPROCESS *Process;                  /* referenced until it has ended */
    char Name[PS_MAXIMUM_IMAGE_NAME];
} KD_STARTED_PROCESS;

/* The waiter: a system thread per started process. */
static void KdWaitForStartedProcess(void *Context)
{
    KD_STARTED_PROCESS *started = Context;

    KeWaitForSingleObject(&started->Process->Pcb, Executive, KernelMode, false, NULL);
    DbgPrint("process %s exited with status 0x%08X\n", started->Name,
             (uint32_t)started->Process->ExitStatus);
    ObDereferenceObject(started->Process);
    ExFreePoolWithTag(started, KD_START_TAG);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* start <program> [<args>] */
void KdCommandStart(int Argc, char **Argv)
{
    char commandLine[KD_COMMAND_LINE_LENGTH];
    KD_STARTED_PROCESS *started;
    ETHREAD *thread;
    size_t length = 0;
    NTSTATUS status;

    if (Argc < 2) {
        DbgPrint("usage: start <program> [<arguments>]   (a module given to tools/boot --exe, "
                 "or C:\\dir\\prog.exe)\n");
        return;
    }
    for (int i = 1; i < Argc; i++)
        length += RtlStringPrintf(commandLine + length, sizeof(commandLine) - length, "%s%s",
                                  i > 1 ? " " : "", Argv[i]);
    started = ExAllocatePoolWithTag(NonPagedPool, sizeof(*started), KD_START_TAG);
    if (!started) {
        DbgPrint("process %s not started: status 0x%08X\n", Argv[1],
                 (uint32_t)STATUS_INSUFFICIENT_RESOURCES);
        return;
    }
    RtlCopyString(started->Name, Argv[1], sizeof(started->Name));
    status = PspCreateProcess(started->Name, commandLine, NULL, &started->Process, &thread);
    if (!NT_SUCCESS(status)) {
        DbgPrint("process %s not started: status 0x%08X\n", started->Name, (uint32_t)status);
        ExFreePoolWithTag(started, KD_START_TAG);
        return;
    }
    DbgPrint("process %s started: pid %u\n", started->Name, started->Process->UniqueProcessId);
    status = PsCreateSystemThread(NULL, KdWaitForStartedProcess, started, KI_DEFAULT_PRIORITY,
                                  "KdStartWaiter");
    if (!NT_SUCCESS(status)) {
        DbgPrint("process %s: its end will not be reported (status 0x%08X)\n", started->Name,
                 (uint32_t)status);
        ObDereferenceObject(started->Process);
        ExFreePoolWithTag(started, KD_START_TAG);
    }
    PsStartThread(thread);
    ObDereferenceObject(thread);
}
