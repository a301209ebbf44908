/*
 * kernel/init/run.c: run="program args": the first process. The program (a multiboot module,
 * named by its file name, or a file on a volume: C:\dir\prog.exe, or C:/dir/prog.exe, which
 * GRUB leaves alone) runs with the whole value as its command line; when it ends,
 * `process NAME exited with status 0x%08X` goes to the console and the machine powers off,
 * with success exactly when the status is 0. A program that cannot start ends the same way,
 * with the status its creation failed with.
 */
#include "kernel/init/init.h"
#include "kernel/ps/ps.h"

NTSTATUS KiRunFirstProcess(const char *CommandLine)
{
    char name[PS_MAXIMUM_IMAGE_NAME];
    EPROCESS *process;
    ETHREAD *thread;
    NTSTATUS status;
    uint32_t i = 0;

    while (CommandLine[i] && CommandLine[i] != ' ' && i + 1 < sizeof(name)) {
        name[i] = CommandLine[i];
        i++;
    }
    name[i] = '\0';
    status = PspCreateProcess(name, CommandLine, NULL, &process, &thread);
    if (NT_SUCCESS(status)) {
        DbgPrint("process %s started: pid %u\n", name, process->UniqueProcessId);
        PsStartThread(thread);
        ObDereferenceObject(thread);
        KeWaitForSingleObject(&process->Pcb, Executive, KernelMode, false, NULL);
        status = process->ExitStatus;
        ObDereferenceObject(process);
    }
    DbgPrint("process %s exited with status 0x%08X\n", name, (uint32_t)status);
    return status;
}
