/*
 * kernel/fs/fastfat/mcbsup.c: FAT_MCB, the in-memory map of a file's clusters (fatprocs.h):
 * a sorted array of runs, looked up by binary search, grown by doubling. A cluster appended
 * right after the last run's end extends it. The callers hold what fatprocs.h says.
 */
#include "kernel/fs/fastfat/fatprocs.h"

void FatInitializeMcb(FAT_MCB *Mcb)
{
    memset(Mcb, 0, sizeof(*Mcb));
}

void FatUninitializeMcb(FAT_MCB *Mcb)
{
    if (Mcb->Runs)
        ExFreePoolWithTag(Mcb->Runs, FAT_MCB_TAG);
    memset(Mcb, 0, sizeof(*Mcb));
}

NTSTATUS FatMcbReserve(FAT_MCB *Mcb)
{
    uint32_t maximum = Mcb->MaximumRuns ? Mcb->MaximumRuns * 2 : FAT_MCB_INITIAL_RUNS;
    FAT_MCB_RUN *runs;

    if (Mcb->RunCount < Mcb->MaximumRuns)
        return STATUS_SUCCESS;
    runs = ExAllocatePoolWithTag(NonPagedPool, maximum * sizeof(FAT_MCB_RUN), FAT_MCB_TAG);
    if (!runs)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (Mcb->Runs) {
        memcpy(runs, Mcb->Runs, Mcb->RunCount * sizeof(FAT_MCB_RUN));
        ExFreePoolWithTag(Mcb->Runs, FAT_MCB_TAG);
    }
    Mcb->Runs = runs;
    Mcb->MaximumRuns = maximum;
    return STATUS_SUCCESS;
}

NTSTATUS FatMcbAppend(FAT_MCB *Mcb, uint32_t Lcn)
{
    FAT_MCB_RUN *last = Mcb->RunCount ? &Mcb->Runs[Mcb->RunCount - 1] : NULL;
    NTSTATUS status;

    if (last && last->Lcn + last->Clusters == Lcn) {
        last->Clusters++;
    } else {
        status = FatMcbReserve(Mcb);
        if (!NT_SUCCESS(status))
            return status;
        Mcb->Runs[Mcb->RunCount++] = (FAT_MCB_RUN){ Mcb->Clusters, Lcn, 1 };
    }
    Mcb->Clusters++;
    return STATUS_SUCCESS;
}

void FatMcbTruncate(FAT_MCB *Mcb, uint32_t Clusters)
{
    while (Mcb->RunCount && Mcb->Runs[Mcb->RunCount - 1].Vcn >= Clusters)
        Mcb->RunCount--;
    if (Mcb->RunCount) {
        FAT_MCB_RUN *last = &Mcb->Runs[Mcb->RunCount - 1];

        if (last->Vcn + last->Clusters > Clusters)
            last->Clusters = Clusters - last->Vcn;
    }
    if (Mcb->Clusters > Clusters)
        Mcb->Clusters = Clusters;
}

bool FatMcbLookup(const FAT_MCB *Mcb, uint32_t Vcn, uint32_t *Lcn, uint32_t *RunClusters)
{
    uint32_t low = 0, high = Mcb->RunCount;

    if (Vcn >= Mcb->Clusters)
        return false;
    while (high - low > 1) {                /* the last run starting at or before Vcn */
        uint32_t middle = low + (high - low) / 2;

        if (Mcb->Runs[middle].Vcn <= Vcn)
            low = middle;
        else
            high = middle;
    }
    *Lcn = Mcb->Runs[low].Lcn + (Vcn - Mcb->Runs[low].Vcn);
    *RunClusters = Mcb->Runs[low].Clusters - (Vcn - Mcb->Runs[low].Vcn);
    return true;
}
