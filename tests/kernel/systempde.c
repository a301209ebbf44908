/*
 * tests/kernel/systempde.c: a system page table made after a process's directory was, which
 * the process has not seen yet. Its PDE is in the system's directory only; a fault copies it
 * (MiCheckPdeForPagedPool), also when the fault is on the page table's own address in the
 * self-map (Mm reading the PTE of a system address) and at DISPATCH_LEVEL, as a working-set
 * scan of the system cache's pages does under the PFN lock.
 */
#include "kernel/kd/ktest.h"
#include "kernel/ps/ps.h"
#include "mm/mi.h"

#define SYSTEM_PDE_PROGRAM  "nop.exe"

typedef struct {
    uint32_t Index;                     /* the PDE taken out of the process's directory */
    MMPTE Master;                       /* ... as the system's directory has it */
    uint32_t ExpectedPte;               /* the first PTE of the page table, read before */
    uint32_t DispatchPte, PassivePte;   /* ... and read through the self-map without the PDE */
    MMPTE DispatchPde, PassivePde;      /* the process's PDE after each read */
} SYSTEM_PDE_RESULTS;

/* Take the PDE out of the directory being used, as if the page table were made later. */
static void ForgetPde(uint32_t Index)
{
    ((volatile MMPTE *)PDE_BASE)[Index].u.Long = 0;
    KeFlushEntireTb();
}

static void ReadWithoutPde(SYSTEM_PDE_RESULTS *R)
{
    volatile MMPTE *pte = MiGetPteAddress((uintptr_t)R->Index << 22);
    KIRQL oldIrql;

    R->ExpectedPte = pte->u.Long;
    oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    ForgetPde(R->Index);
    R->DispatchPte = pte->u.Long;                   /* faults on the page table's address */
    R->DispatchPde.u.Long = ((volatile MMPTE *)PDE_BASE)[R->Index].u.Long;
    KfLowerIrql(oldIrql);
    ForgetPde(R->Index);
    R->PassivePte = pte->u.Long;
    R->PassivePde.u.Long = ((volatile MMPTE *)PDE_BASE)[R->Index].u.Long;
}

KTEST(TestSystemPdeCopied, "mm.fault.system_pde")
{
    SYSTEM_PDE_RESULTS r = { .Index = MiGetPdeOffset(MmPagedPoolStart) };
    KAPC_STATE apcState;
    EPROCESS *process;
    ETHREAD *thread;

    if (!MmFindLoaderModule(SYSTEM_PDE_PROGRAM))
        KtSkip("no module " SYSTEM_PDE_PROGRAM);
    r.Master = MmSystemPagePtes[r.Index];
    KT_ASSERT(r.Master.u.Hard.Valid);                /* paged pool's first page table */
    KT_ASSERT_STATUS(STATUS_SUCCESS, PspCreateProcess(SYSTEM_PDE_PROGRAM, SYSTEM_PDE_PROGRAM,
                                                      NULL, &process, &thread));
    KeStackAttachProcess(&process->Pcb, &apcState);
    KT_ASSERT_NE(__readcr3() >> PAGE_SHIFT,
                 MmSystemPagePtes[MM_SELFMAP_PDE_INDEX].u.Hard.PageFrameNumber);
    ReadWithoutPde(&r);
    KeUnstackDetachProcess(&apcState);
    PsStartThread(thread);
    ObDereferenceObject(thread);
    KeWaitForSingleObject(&process->Pcb, Executive, KernelMode, false, NULL);
    ObDereferenceObject(process);

    KT_ASSERT_EQ(r.ExpectedPte, r.DispatchPte);
    KT_ASSERT_EQ(r.Master.u.Long, r.DispatchPde.u.Long);
    KT_ASSERT_EQ(r.ExpectedPte, r.PassivePte);
    KT_ASSERT_EQ(r.Master.u.Long, r.PassivePde.u.Long);
}
