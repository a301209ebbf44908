/*
 * mm/mapview.c: NtMapViewOfSection (NT's mapview.c): a view of a section in a process is a
 * VAD of type mapped (MMVAD, not private) whose pages are the section's prototype PTEs from
 * FirstPrototypePte to LastContiguousPte. Nothing is mapped at once: each page's first touch
 * points its PTE at its prototype, and the fault brings the shared page in (pagfault.c).
 *
 * NT's checks in NT's order (nt-mm-facts-2 §4.4): ZeroBits (_4), the inherit disposition
 * (_8), AllocationType (_9), the protection, the pointers, the base and size against the
 * highest VAD address (_3) and ZeroBits (_4), the handles (the section needs the access the
 * protection asks: NT's MmMakeSectionAccess), the 64 KB grain of base and offset
 * (STATUS_MAPPED_ALIGNMENT); then the protection against the section's
 * (STATUS_SECTION_PROTECTION), the offset and size against its size (STATUS_INVALID_VIEW_SIZE;
 * a size of 0 maps to its end), CommitSize (_5). MEM_RESERVE maps past the end of a file
 * section only: a page-file section refuses it (_9), as Windows does. The base, rounded down
 * to 64 KB, must be free (STATUS_CONFLICTING_ADDRESSES); with none, a based section's view
 * goes to the section's address plus the offset, in every process (taken: again
 * STATUS_CONFLICTING_ADDRESSES; basedsec.c), any other to the lowest free range (the highest
 * with MEM_TOP_DOWN) below 0xFFFFFFFF >> ZeroBits.
 *
 * Charges: the page tables the view spans; a copy-on-write view all its pages, at once, since
 * each may become a private copy (NT charges the view's commitment as VAD CommitCharge);
 * CommitSize commits the first pages of a SEC_RESERVE section for every view.
 *
 * A view of a large-page section whose offset and size are 4 MB multiples goes on large pages
 * when it can (largesec.c): a 4 MB-aligned range is looked for first, and the view is mapped
 * whole by PS PDEs at once.
 */
#include "mm/mi.h"
#include "mm/image.h"

#define MI_VIEW_VAD_TAG         POOL_TAG('V', 'a', 'd', ' ')
#define MM_VALID_MAP_TYPES      (MEM_TOP_DOWN | MEM_LARGE_PAGES | MEM_DOS_LIM | SEC_NO_CHANGE | \
                                 MEM_RESERVE)

/* NT's MmMakeSectionAccess: the right to map with each base protection. */
static const uint32_t MiMakeSectionAccess[8] = {
    SECTION_MAP_READ, SECTION_MAP_READ, SECTION_MAP_EXECUTE,
    SECTION_MAP_EXECUTE | SECTION_MAP_READ, SECTION_MAP_WRITE, SECTION_MAP_READ,
    SECTION_MAP_EXECUTE | SECTION_MAP_WRITE, SECTION_MAP_EXECUTE | SECTION_MAP_READ,
};

/* What a mapping asks, captured and checked. */
typedef struct _MI_MAP_REQUEST {
    uintptr_t Base;
    uint32_t Size;
    uint64_t Offset;
    uint32_t ZeroBits;
    uint32_t CommitSize;
    uint32_t Inherit;
    uint32_t AllocationType;
    uint32_t Protection;                /* MM_* */
    uint32_t Win32Protect;
} MI_MAP_REQUEST;

/* Where the view goes: the requested base rounded down to 64 KB, else a based section's
 * address (Based, 0 for none) plus the offset, else a free range found on Alignment. */
static NTSTATUS MiPlaceView(MMPROCESS *Process, MI_MAP_REQUEST *Request, uint32_t Size,
                            uintptr_t Based, uint32_t Alignment, uintptr_t *Start)
{
    uintptr_t top = MM_HIGHEST_VAD_ADDRESS;
    NTSTATUS status;

    if (Request->Base || Based) {
        *Start = Request->Base ? Request->Base & ~(uintptr_t)(MM_ALLOCATION_GRANULARITY - 1)
                               : Based + (uint32_t)Request->Offset;
        if (MiCheckForConflictingVad(&Process->AddressSpace, *Start, *Start + Size - 1))
            return STATUS_CONFLICTING_ADDRESSES;
        return STATUS_SUCCESS;
    }
    if (Request->ZeroBits && (0xFFFFFFFFu >> Request->ZeroBits) < top)
        top = 0xFFFFFFFFu >> Request->ZeroBits;
    if ((Request->AllocationType & MEM_TOP_DOWN) || (Process->Flags & PS_PROCESS_FLAGS_VM_TOP_DOWN))
        status = MiFindEmptyAddressRangeDown(&Process->AddressSpace.VadRoot, Size, Alignment, 0,
                                             top, Start);
    else
        status = MiFindEmptyAddressRange(&Process->AddressSpace.VadRoot, Size, Alignment, 0, top,
                                         Start);
    return NT_SUCCESS(status) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/*
 * NT's MiMapViewOfDataSection, in the attached process with its address space locked: the
 * view's VAD, its charges, and CommitSize committed. Request->Base and Size come back as the
 * view's.
 */
static NTSTATUS MiMapViewOfDataSection(MMPROCESS *Process, SECTION *Section, MI_MAP_REQUEST *Request)
{
    SEGMENT *segment = Section->Segment;
    uint32_t firstPte = (uint32_t)(Request->Offset >> PAGE_SHIFT);
    uint32_t pages = BYTES_TO_PAGES(Request->Size), charge = 0, committed, contiguous;
    bool large = MiIsLargePageView(segment, Request->Offset, pages * PAGE_SIZE,
                                   Request->AllocationType, Request->Protection);
    uintptr_t start, based = MiGetSectionBasedAddress(Section);
    MMVAD *vad;
    NTSTATUS status = STATUS_NO_MEMORY;

    if (Request->Size == 0 || firstPte >= segment->TotalNumberOfPtes)
        return STATUS_INVALID_VIEW_SIZE;
    if (large)                              /* a 4 MB-aligned place first */
        status = MiPlaceView(Process, Request, pages * PAGE_SIZE, based, MM_VA_MAPPED_BY_PDE,
                             &start);
    if (!NT_SUCCESS(status))
        status = MiPlaceView(Process, Request, pages * PAGE_SIZE, based,
                             MM_ALLOCATION_GRANULARITY, &start);
    if (!NT_SUCCESS(status))
        return status;
    large = large && (start & (MM_VA_MAPPED_BY_PDE - 1)) == 0;
    vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MI_VIEW_VAD_TAG);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(vad, sizeof(*vad));
    vad->Core.Node.StartingVpn = start >> PAGE_SHIFT;
    vad->Core.Node.EndingVpn = (start >> PAGE_SHIFT) + pages - 1;
    vad->Core.u.VadFlags.Protection = Request->Protection;
    vad->Core.u.VadFlags.NoChange = Section->u.Flags.NoChange ||
                                    (Request->AllocationType & SEC_NO_CHANGE);
    vad->ControlArea = segment->ControlArea;
    vad->FirstPrototypePte = MiDataFilePrototype(segment->ControlArea, firstPte, &contiguous);
    vad->LastContiguousPte = vad->FirstPrototypePte + MIN(pages, contiguous) - 1;
    vad->u2.VadFlags2.Inherit = Request->Inherit == ViewShare;
    vad->u2.VadFlags2.CopyOnWrite = Section->u.Flags.CopyOnWrite;
    vad->u2.VadFlags2.SecNoChange = vad->Core.u.VadFlags.NoChange;
    vad->u2.VadFlags2.FileOffset = (uint32_t)(Request->Offset >> 16);
    if (MI_IS_COPY_ON_WRITE(Request->Protection))
        charge = pages;
    status = MiChargePageTableCommitment(Process, start, start + pages * PAGE_SIZE - 1);
    if (NT_SUCCESS(status))
        status = MiChargeProcessCommitment(Process, charge);
    if (NT_SUCCESS(status) && Request->CommitSize && segment->NumberOfCommittedPages <
                                                     segment->TotalNumberOfPtes) {
        uint32_t commitPages = MIN(BYTES_TO_PAGES(Request->CommitSize), pages);

        ExAcquireFastMutex(&MmSectionCommitMutex);
        status = MiCommitSegmentPtes(segment, vad->FirstPrototypePte,
                                     vad->FirstPrototypePte + commitPages - 1, &committed);
        ExReleaseFastMutex(&MmSectionCommitMutex);
        if (!NT_SUCCESS(status))
            MiReturnProcessCommitment(Process, charge);
    }
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(vad, MI_VIEW_VAD_TAG);
        return status;
    }
    vad->Core.u.VadFlags.CommitCharge = charge;
    MiAddMappedView(segment->ControlArea);
    if (large)                              /* mapped whole before any fault can see the VAD */
        MiMapLargePageView(Process, vad);
    MiLockWorkingSet(&Process->Vm);
    MiInsertVad(&Process->AddressSpace, &vad->Core);
    MiUnlockWorkingSet(&Process->Vm);
    Process->VirtualSize += pages * PAGE_SIZE;
    Process->PeakVirtualSize = MAX(Process->PeakVirtualSize, Process->VirtualSize);
    Request->Base = start;
    Request->Size = pages * PAGE_SIZE;
    return STATUS_SUCCESS;
}

/*
 * NT's MiMapViewOfImageSection, attached with the address space locked: the whole image, at
 * Request->Base if one was asked, else at the image's base, else (it being taken or outside
 * the process's space) anywhere if the image can be relocated, with STATUS_IMAGE_NOT_AT_BASE
 * for the caller to relocate it (an image whose relocations were stripped:
 * STATUS_CONFLICTING_ADDRESSES). The VAD is an image map with execute-write-copy protection:
 * each page's own protection is its subsection's (acceschk.c). The view charges its
 * write-copy pages, which may each become a private copy, and its page tables.
 */
static NTSTATUS MiMapViewOfImageSection(MMPROCESS *Process, SECTION *Section,
                                        MI_MAP_REQUEST *Request)
{
    SEGMENT *segment = Section->Segment;
    const MI_IMAGE_INFO *info = MmGetSectionImageInfo(Section);
    uint32_t pages = segment->TotalNumberOfPtes, charge = 0;
    uintptr_t start = Request->Base, based = (uintptr_t)segment->BasedAddress;
    NTSTATUS status = STATUS_SUCCESS, placed;
    MMVAD *vad;

    if (!start && info->ImageFitsAtBase &&
        (uint64_t)based + pages * PAGE_SIZE - 1 <= Process->HighestUserAddress &&
        !MiCheckForConflictingVad(&Process->AddressSpace, based, based + pages * PAGE_SIZE - 1)) {
        start = based;
    } else {
        if (start != based && !info->Relocatable)
            return STATUS_CONFLICTING_ADDRESSES;
        placed = MiPlaceView(Process, Request, pages * PAGE_SIZE, 0, MM_ALLOCATION_GRANULARITY,
                             &start);
        if (!NT_SUCCESS(placed))
            return placed;
        if (start != based)
            status = STATUS_IMAGE_NOT_AT_BASE;
    }
    for (uint32_t i = 0; i < pages; i++) {
        SUBSECTION *subsection = MiLocateSubsection(segment->ControlArea, &segment->ThePtes[i]);

        charge += subsection && MI_IS_COPY_ON_WRITE(subsection->u.SubsectionFlags.Protection);
    }
    vad = ExAllocatePoolWithTag(NonPagedPool, sizeof(*vad), MI_VIEW_VAD_TAG);
    if (!vad)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(vad, sizeof(*vad));
    vad->Core.Node.StartingVpn = start >> PAGE_SHIFT;
    vad->Core.Node.EndingVpn = (start >> PAGE_SHIFT) + pages - 1;
    vad->Core.u.VadFlags.Protection = MM_EXECUTE_WRITECOPY;
    vad->Core.u.VadFlags.VadType = VadImageMap;
    vad->ControlArea = segment->ControlArea;
    vad->FirstPrototypePte = &segment->ThePtes[0];
    vad->LastContiguousPte = &segment->ThePtes[pages - 1];
    vad->u2.VadFlags2.Inherit = Request->Inherit == ViewShare;
    vad->u2.VadFlags2.CopyOnWrite = 1;
    placed = MiChargePageTableCommitment(Process, start, start + pages * PAGE_SIZE - 1);
    if (NT_SUCCESS(placed))
        placed = MiChargeProcessCommitment(Process, charge);
    if (!NT_SUCCESS(placed)) {
        ExFreePoolWithTag(vad, MI_VIEW_VAD_TAG);
        return placed;
    }
    vad->Core.u.VadFlags.CommitCharge = charge;
    MiAddMappedView(segment->ControlArea);
    MiLockWorkingSet(&Process->Vm);
    MiInsertVad(&Process->AddressSpace, &vad->Core);
    MiUnlockWorkingSet(&Process->Vm);
    Process->VirtualSize += pages * PAGE_SIZE;
    Process->PeakVirtualSize = MAX(Process->PeakVirtualSize, Process->VirtualSize);
    Request->Base = start;
    Request->Size = pages * PAGE_SIZE;
    Request->Offset = 0;
    return status;
}

/* Map Section (an image's) into KProcess, attached; see mm.h. */
static NTSTATUS MiMapImageAttached(SECTION *Section, KPROCESS *KProcess, MI_MAP_REQUEST *Request)
{
    MMPROCESS *process = MiGetProcess(KProcess);
    KAPC_STATE apcState;
    NTSTATUS status;

    if (!process)
        return STATUS_INVALID_PARAMETER_2;
    KeStackAttachProcess(KProcess, &apcState);
    MiLockAddressSpace(&process->AddressSpace);
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else
        status = MiMapViewOfImageSection(process, Section, Request);
    MiUnlockAddressSpace(&process->AddressSpace);
    KeUnstackDetachProcess(&apcState);
    return status;
}

NTSTATUS MmMapViewOfImageSection(void *Section, KPROCESS *Process, uintptr_t *Base)
{
    MI_MAP_REQUEST request = { .Inherit = ViewShare, .Protection = MM_EXECUTE_WRITECOPY,
                               .Win32Protect = PAGE_EXECUTE_WRITECOPY };
    NTSTATUS status;

    if (!MmGetSectionImageInfo(Section))
        return STATUS_SECTION_NOT_IMAGE;
    status = MiMapImageAttached(Section, Process, &request);
    if (NT_SUCCESS(status))
        *Base = request.Base;
    return status;
}

/* NT's MmMapViewOfSection, from the section's checks to the attached mapping. */
static NTSTATUS MiMapViewOfSection(SECTION *Section, KPROCESS *KProcess, MI_MAP_REQUEST *Request)
{
    uint64_t sectionSize = (uint64_t)Section->SizeOfSection;
    MMPROCESS *process = MiGetProcess(KProcess);
    KAPC_STATE apcState;
    NTSTATUS status;

    if (Section->u.Flags.Image)             /* the whole image: offset and size do not apply */
        return MiMapImageAttached(Section, KProcess, Request);
    if (!MiIsProtectionCompatible(MiMakeProtectionMask(Section->InitialPageProtection),
                                  Request->Win32Protect))
        return STATUS_SECTION_PROTECTION;
    if (Request->Offset + Request->Size < Request->Offset ||
        (!(Request->AllocationType & MEM_RESERVE) && Request->Offset + Request->Size > sectionSize))
        return STATUS_INVALID_VIEW_SIZE;
    if (Request->Size == 0) {
        if (Request->Offset >= sectionSize || sectionSize - Request->Offset > MM_HIGHEST_VAD_ADDRESS)
            return STATUS_INVALID_VIEW_SIZE;
        Request->Size = (uint32_t)(sectionSize - Request->Offset);
    }
    if (!(Request->AllocationType & MEM_RESERVE) && Request->CommitSize > Request->Size)
        return STATUS_INVALID_PARAMETER_5;
    if ((Request->AllocationType & MEM_RESERVE) &&
        !(Section->InitialPageProtection & (PAGE_READWRITE | PAGE_EXECUTE_READWRITE)))
        return STATUS_SECTION_PROTECTION;
    if (Section->u.Flags.NoCache && (Request->Protection >> 3) == 0 && (Request->Protection & 7))
        Request->Protection |= MM_NOCACHE;
    if (!process)
        return STATUS_INVALID_PARAMETER_2;
    KeStackAttachProcess(KProcess, &apcState);
    MiLockAddressSpace(&process->AddressSpace);
    if (process->Flags & PS_PROCESS_FLAGS_VM_DELETED)
        status = STATUS_PROCESS_IS_TERMINATING;
    else if ((Request->Protection >> 3) == 3 && (Request->Protection & 7))
        status = STATUS_INVALID_PARAMETER_10;        /* write-combined views of data: no */
    else if (Request->AllocationType & MEM_RESERVE)
        status = STATUS_INVALID_PARAMETER_9;         /* extendable views are for files */
    else
        status = MiMapViewOfDataSection(process, Section, Request);
    MiUnlockAddressSpace(&process->AddressSpace);
    KeUnstackDetachProcess(&apcState);
    return status;
}

/* The arguments NtMapViewOfSection checks before it references anything. */
static NTSTATUS MiCaptureMapRequest(MI_MAP_REQUEST *Request, void **BaseAddress,
                                    int64_t *SectionOffset, uint32_t *ViewSize)
{
    NTSTATUS status;

    if (Request->ZeroBits > MM_MAXIMUM_ZERO_BITS)
        return STATUS_INVALID_PARAMETER_4;
    if (Request->Inherit != ViewShare && Request->Inherit != ViewUnmap)
        return STATUS_INVALID_PARAMETER_8;
    if (Request->AllocationType & ~MM_VALID_MAP_TYPES)
        return STATUS_INVALID_PARAMETER_9;
    Request->Protection = MiMakeProtectionMask(Request->Win32Protect);
    if (Request->Protection == MM_INVALID_PROTECTION)
        return STATUS_INVALID_PAGE_PROTECTION;
    status = ExCapture(&Request->Base, (uintptr_t *)BaseAddress);
    if (NT_SUCCESS(status))
        status = ExCapture(&Request->Size, ViewSize);
    if (NT_SUCCESS(status) && SectionOffset)
        status = ExCaptureFromMode(ExGetPreviousMode(), &Request->Offset, SectionOffset,
                                   sizeof(Request->Offset), 4);
    if (!NT_SUCCESS(status))
        return status;
    if (Request->Base > MM_HIGHEST_VAD_ADDRESS || MM_HIGHEST_VAD_ADDRESS - Request->Base < Request->Size)
        return STATUS_INVALID_PARAMETER_3;
    if (Request->ZeroBits && (uint64_t)Request->Base + Request->Size > (0xFFFFFFFFu >> Request->ZeroBits))
        return STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}

NTSTATUS NtMapViewOfSection(void *SectionHandle, void *ProcessHandle, void **BaseAddress,
                            uint32_t ZeroBits, uint32_t CommitSize, int64_t *SectionOffset,
                            uint32_t *ViewSize, uint32_t InheritDisposition,
                            uint32_t AllocationType, uint32_t Win32Protect)
{
    MI_MAP_REQUEST request = { .ZeroBits = ZeroBits, .CommitSize = CommitSize,
                               .Inherit = InheritDisposition, .AllocationType = AllocationType,
                               .Win32Protect = Win32Protect };
    uint32_t alignment = (AllocationType & MEM_DOS_LIM) ? PAGE_SIZE : MM_ALLOCATION_GRANULARITY;
    KPROCESS *process;
    SECTION *section;
    NTSTATUS mapped;
    NTSTATUS status = MiCaptureMapRequest(&request, BaseAddress, SectionOffset, ViewSize);

    if (!NT_SUCCESS(status))
        return status;
    status = MiReferenceProcess(ProcessHandle, PROCESS_VM_OPERATION, &process);
    if (!NT_SUCCESS(status))
        return status;
    status = MiSectionCallouts.ReferenceSectionByHandle(SectionHandle,
                                                        MiMakeSectionAccess[request.Protection & 7],
                                                        ExGetPreviousMode(), (void **)&section);
    if (!NT_SUCCESS(status)) {
        MiDereferenceProcess(process);
        return status;
    }
    if ((AllocationType & MEM_DOS_LIM) && (!request.Base || (AllocationType & MEM_RESERVE)))
        status = STATUS_INVALID_PARAMETER_3;
    else if ((request.Base & (alignment - 1)) || (request.Offset & (alignment - 1)))
        status = STATUS_MAPPED_ALIGNMENT;
    else
        status = MiMapViewOfSection(section, process, &request);
    MiSectionCallouts.DereferenceObject(section);
    MiDereferenceProcess(process);
    if (!NT_SUCCESS(status))
        return status;
    mapped = status;                        /* STATUS_IMAGE_NOT_AT_BASE is a success */
    status = ExReturn((uintptr_t *)BaseAddress, &request.Base);
    if (NT_SUCCESS(status))
        status = ExReturn(ViewSize, &request.Size);
    if (NT_SUCCESS(status) && SectionOffset)
        status = ExReturnToMode(ExGetPreviousMode(), SectionOffset, &request.Offset,
                                sizeof(request.Offset), 4);
    return NT_SUCCESS(status) ? mapped : status;
}
