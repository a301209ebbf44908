/*
 * vmmap [PID]: every region of a process's address space, as Richter's VMMap lists it: base,
 * size, state, protection and type, from VirtualQueryEx, walking from 0 to the top of user
 * space. Without a PID it maps itself.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

static const char *StateName(DWORD State)
{
    return State == MEM_COMMIT ? "Commit" : State == MEM_RESERVE ? "Reserve" : "Free";
}

static const char *TypeName(DWORD Type)
{
    return Type == MEM_PRIVATE ? "Private" : Type == MEM_MAPPED ? "Mapped"
         : Type == MEM_IMAGE ? "Image" : "";
}

static const char *ProtectName(DWORD Protect, char *Text)
{
    static const char *names[] = { "", "NA", "R", "RW", "WC", "X", "XR", "XRW", "XWC" };
    int index = 0;

    while (index < 8 && !(Protect & (1u << index)))
        index++;
    sprintf(Text, "%s%s%s", index < 8 ? names[index + 1] : "-", Protect & PAGE_GUARD ? "+G" : "",
            Protect & PAGE_NOCACHE ? "+NC" : "");
    return Text;
}

int main(int argc, char **argv)
{
    HANDLE process = GetCurrentProcess();
    MEMORY_BASIC_INFORMATION region;
    SIZE_T totals[3] = { 0 };
    char protect[16], allocate[16];
    PUCHAR at = NULL;

    if (argc > 1) {
        process = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                              (DWORD)strtoul(argv[1], NULL, 0));
        if (!process) {
            printf("vmmap: cannot open process %s: error %lu\n", argv[1], GetLastError());
            return 1;
        }
    }
    printf("%-10s %-10s %-8s %-7s %-10s %-8s %s\n", "Address", "Size", "State", "Protect",
           "AllocBase", "AllocPr", "Type");
    while (VirtualQueryEx(process, at, &region, sizeof(region)) == sizeof(region)) {
        printf("%08lX   %08lX   %-8s %-7s %08lX   %-8s %s\n", (ULONG_PTR)region.BaseAddress,
               region.RegionSize, StateName(region.State),
               region.State == MEM_COMMIT ? ProtectName(region.Protect, protect) : "",
               (ULONG_PTR)region.AllocationBase,
               region.State == MEM_FREE ? "" : ProtectName(region.AllocationProtect, allocate),
               TypeName(region.Type));
        totals[region.State == MEM_COMMIT ? 0 : region.State == MEM_RESERVE ? 1 : 2] +=
            region.RegionSize;
        if ((ULONG_PTR)region.BaseAddress + region.RegionSize <= (ULONG_PTR)at)
            break;
        at = (PUCHAR)region.BaseAddress + region.RegionSize;
        if (!at)
            break;
    }
    printf("committed %lu KB, reserved %lu KB, free %lu KB\n", totals[0] / 1024,
           totals[1] / 1024, totals[2] / 1024);
    return 0;
}
