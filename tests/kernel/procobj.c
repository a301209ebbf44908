/*
 * tests/kernel/procobj.c: the address space a system thread runs in (kernel/ke/procobj.c).
 * A system thread keeps the directory that was loaded when it was switched to; attaching to
 * the System process loads the System's own and keeps it loaded across thread switches until
 * the detach, and a process's directory is never left loaded once Mm frees it. Runs nop.exe,
 * so it needs that module (tests/mdl.t's boot).
 */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "kernel/ps/ps.h"
#include "kernel/ob/ob.h"
#include "mm/mi.h"

#define BORROWED_PROGRAM    "nop.exe"
#define REAP_WAITS          500         /* of 10 ms: for the exited thread to let go of it */

/*
 * Run the program to its end. The waiting thread is woken by the exiting one, and nothing
 * between them loads another directory (no other process runs, memory is not short), so it
 * comes back in the process's directory. The process is returned with only the caller's
 * reference left once the exited thread has let go of it.
 */
static EPROCESS *RunToExit(void)
{
    EPROCESS *process;
    ETHREAD *thread;
    int64_t pause = KI_MILLISECONDS(10);

    KT_ASSERT_STATUS(STATUS_SUCCESS, PspCreateProcess(BORROWED_PROGRAM, BORROWED_PROGRAM, NULL,
                                                      &process, &thread));
    PsStartThread(thread);
    ObDereferenceObject(thread);
    KeWaitForSingleObject(&process->Pcb, Executive, KernelMode, false, NULL);
    for (int i = 0; i < REAP_WAITS && OBJECT_TO_OBJECT_HEADER(process)->PointerCount > 1; i++)
        KeDelayExecutionThread(KernelMode, false, &pause);
    return process;
}

KTEST(TestBorrowedDirectory, "ke.process.borrowed_directory")
{
    uint32_t system = KeInitialSystemProcess.DirectoryTableBase[0];
    EPROCESS *process, *other;
    KAPC_STATE apcState;
    uint32_t directory, whileAttached;
    int32_t references;

    if (!MmFindLoaderModule(BORROWED_PROGRAM))
        KtSkip("no module " BORROWED_PROGRAM);
    KtHoldBackgroundThreads();                  /* nothing else attaches meanwhile */

    /* Attaching to the System process from a borrowed directory loads the System's, and
     * keeps it loaded across a switch to another process's thread and back. */
    process = RunToExit();
    directory = process->Pcb.DirectoryTableBase[0];
    KT_ASSERT_NE(system, directory);
    KT_ASSERT_EQ(directory, __readcr3());
    KeStackAttachProcess(&KeInitialSystemProcess, &apcState);
    KT_ASSERT_EQ(system, __readcr3());
    KT_ASSERT(!MiGetPdeAddress(MmHighestUserAddress)->u.Hard.Valid);     /* no user space */
    other = RunToExit();                        /* its thread ran in its own directory */
    whileAttached = __readcr3();
    KeUnstackDetachProcess(&apcState);
    KT_ASSERT_EQ(system, whileAttached);
    KT_ASSERT_EQ(system, __readcr3());
    ObDereferenceObject(other);
    ObDereferenceObject(process);

    /* Freeing the directory this thread is running in loads the System's first. */
    process = RunToExit();
    directory = process->Pcb.DirectoryTableBase[0];
    references = OBJECT_TO_OBJECT_HEADER(process)->PointerCount;
    KT_ASSERT_EQ(directory, __readcr3());
    KT_ASSERT_EQ(1, references);                    /* so the dereference deletes it here */
    ObDereferenceObject(process);
    KT_ASSERT_EQ(system, __readcr3());
    KT_ASSERT_NE(ActiveAndValid, MI_PFN_ELEMENT(directory >> PAGE_SHIFT)->u3.e1.PageLocation);
    /* ... and its self-map is the System's. */
    KT_ASSERT_EQ(KeInitialSystemProcess.DirectoryTableBase[0] >> PAGE_SHIFT,
                 MiGetPdeAddress(PTE_BASE)->u.Hard.PageFrameNumber);
}
