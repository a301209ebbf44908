/*
 * user/ntdll/ldrinit.c: a process's start (NT's ldrinit.c). Every process's first thread
 * starts here, at LdrInitializeThunk, with the program's entry point in eax (the kernel maps
 * the program and ntdll.dll, PspMapSystemDll). LdrpInitializeProcess, as NT's:
 *
 *   the process heap        from the PEB's HeapSegmentReserve/Commit, before the first entry
 *   PEB.Ldr = &PebLdr       the program's entry first in load order (FullDllName its
 *                           ImagePathName), then ntdll.dll's; both pinned (LoadCount 0xFFFF);
 *                           ntdll.dll first in initialization order, its entry point not
 *                           called
 *   the program's imports   and each DLL's in turn, loaded and snapped (ldrsnap.c), pinned
 *   DLL_PROCESS_ATTACH      each DLL's DllMain, in initialization order (ldrutil.c)
 *
 * then the program's entry point. A failure ends the process with its status, as NT's
 * LdrpInitializeProcess does. Only the first thread comes here: kernel32's CreateThread starts
 * its threads in its own thunk, so DLLs get no DLL_THREAD_ATTACH or DLL_THREAD_DETACH, and
 * none gets DLL_PROCESS_DETACH when the process ends (only from FreeLibrary).
 */
#include "ldrp.h"

extern UCHAR __ImageBase[];                     /* ntdll.dll's own headers (the linker's) */

/* The program's entry or ntdll.dll's, pinned and on the load-order lists. */
static PLDR_DATA_TABLE_ENTRY LdrpAddStartupModule(PVOID Base, PCWSTR Prefix,
                                                  const UNICODE_STRING *Name, ULONG Flags)
{
    PLDR_DATA_TABLE_ENTRY entry = LdrpAllocateDataTableEntry(Base, Prefix, Name);
    ULONG start;

    if (!entry)
        return NULL;
    start = LdrpNtHeaders(Base)->OptionalHeader.AddressOfEntryPoint;
    entry->EntryPoint = start ? (PUCHAR)Base + start : NULL;
    entry->Flags = Flags | LDRP_ENTRY_PROCESSED;
    entry->LoadCount = LDRP_PINNED_LOAD_COUNT;
    LdrpInsertDataTableEntry(entry);
    return entry;
}

static NTSTATUS LdrpInitializeProcess(void)
{
    PPEB peb = NtCurrentPeb();
    UNICODE_STRING name = { 0, 0, NULL };
    PLDR_DATA_TABLE_ENTRY program, ntdll;
    NTSTATUS status;

    peb->ProcessHeap = RtlCreateHeap(HEAP_GROWABLE, NULL, peb->HeapSegmentReserve,
                                     peb->HeapSegmentCommit, NULL, NULL);
    if (!peb->ProcessHeap)
        return STATUS_NO_MEMORY;
    PebLdr.Length = sizeof(PebLdr);
    InitializeListHead(&PebLdr.InLoadOrderModuleList);
    InitializeListHead(&PebLdr.InMemoryOrderModuleList);
    InitializeListHead(&PebLdr.InInitializationOrderModuleList);
    for (ULONG i = 0; i < LDRP_HASH_TABLE_SIZE; i++)
        InitializeListHead(&LdrpHashTable[i]);
    peb->Ldr = &PebLdr;
    if (peb->ProcessParameters)
        name = peb->ProcessParameters->ImagePathName;
    program = LdrpAddStartupModule(peb->ImageBaseAddress, L"", &name, 0);
    RtlInitUnicodeString(&name, L"ntdll.dll");
    ntdll = LdrpAddStartupModule(__ImageBase, LDRP_KNOWN_DLLS, &name,
                                 LDRP_IMAGE_DLL | LDRP_STATIC_LINK);
    if (!program || !ntdll)
        return STATUS_NO_MEMORY;
    InsertTailList(&PebLdr.InInitializationOrderModuleList, &ntdll->InInitializationOrderLinks);
    status = LdrpWalkImportDescriptor(program, TRUE);
    if (!NT_SUCCESS(status))
        return status;
    PebLdr.Initialized = TRUE;
    return LdrpRunInitializeRoutines();
}

/* The process's start (LdrInitializeThunk's C half): returns the program's entry point. */
__attribute__((used)) ULONG_PTR LdrpInitialize(ULONG_PTR Entry)
{
    NTSTATUS status;

    RtlpAcquireRecursiveLock(&LdrpLoaderLock);
    status = LdrpInitializeProcess();
    RtlpReleaseRecursiveLock(&LdrpLoaderLock);
    if (!NT_SUCCESS(status))
        NtTerminateProcess(NtCurrentProcess(), status);
    return Entry;
}

/* The kernel starts every process's first thread here, the program's entry point in eax. */
__asm__(".text\n"
        ".globl _LdrInitializeThunk\n"
        "_LdrInitializeThunk:\n"
        "    pushl %eax\n"
        "    call _LdrpInitialize\n"
        "    addl $4, %esp\n"
        "    jmp *%eax\n");

/* ntdll.dll's own entry point: nothing to do (the loader never calls it). */
BOOL WINAPI LdrpNtdllEntry(PVOID Base, ULONG Reason, PVOID Context)
{
    (void)Base;
    (void)Reason;
    (void)Context;
    return TRUE;
}
