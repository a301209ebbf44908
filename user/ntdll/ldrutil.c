/*
 * user/ntdll/ldrutil.c: the loader's module entries (NT's ldrutil.c), the loader lock held.
 *
 *   LdrpAllocateDataTableEntry   an entry from the process heap (ldrinit.c makes the heap
 *                                before the first entry), its FullDllName in the same block
 *                                and its BaseDllName the part of it after the last '\' or '/'
 *   LdrpInsertDataTableEntry     at the tail of the load- and memory-order lists (the same
 *                                order, as on XP) and on its hash chain
 *   LdrpCheckForLoadedDll        by name: one without a directory against BaseDllName (its
 *                                hash chain), one with a directory against FullDllName; ASCII
 *                                letters in any case
 *   LdrpReferenceDll / LdrpDereferenceDll   LoadCount: LDRP_PINNED_LOAD_COUNT stays; at 0 the
 *                                DLL gets DLL_PROCESS_DETACH (when its attach returned TRUE),
 *                                the DLLs it imports are dereferenced in turn, its view is
 *                                unmapped and its entry freed
 *   LdrpRunInitializeRoutines    DLL_PROCESS_ATTACH for the entries loads mapped since the
 *                                last call (LDRP_LOAD_IN_PROGRESS, as XP's), in initialization
 *                                order; they are taken up before the first DllMain runs, so a
 *                                DllMain's own loader calls never initialize its neighbours
 *                                early. FALSE from one is STATUS_DLL_INIT_FAILED after its
 *                                DLL_PROCESS_DETACH (as Windows does for LoadLibrary).
 */
#include <string.h>
#include "ldrp.h"

PEB_LDR_DATA PebLdr;
LIST_ENTRY LdrpHashTable[LDRP_HASH_TABLE_SIZE];
RTL_SPIN_LOCK LdrpLoaderLock;

typedef BOOL (WINAPI *PDLL_INIT_ROUTINE)(PVOID DllHandle, ULONG Reason, PVOID Context);

static BOOLEAN LdrpIsSeparator(WCHAR Char)
{
    return Char == L'\\' || Char == L'/';
}

static BOOLEAN LdrpEqualNames(const UNICODE_STRING *A, const UNICODE_STRING *B)
{
    if (A->Length != B->Length)
        return FALSE;
    for (ULONG i = 0; i < A->Length / sizeof(WCHAR); i++) {
        if (LdrpUpcase(A->Buffer[i]) != LdrpUpcase(B->Buffer[i]))
            return FALSE;
    }
    return TRUE;
}

/* An entry for the image at Base named Prefix + Name; NULL when the heap has no room. */
PLDR_DATA_TABLE_ENTRY LdrpAllocateDataTableEntry(PVOID Base, PCWSTR Prefix,
                                                 const UNICODE_STRING *Name)
{
    PIMAGE_NT_HEADERS32 nt = LdrpNtHeaders(Base);
    ULONG prefix = 0, length = Name->Length / sizeof(WCHAR), last = 0;
    PLDR_DATA_TABLE_ENTRY entry;
    PWSTR text;

    while (Prefix[prefix])
        prefix++;
    entry = RtlAllocateHeap(NtCurrentPeb()->ProcessHeap, HEAP_ZERO_MEMORY,
                            sizeof(*entry) + (prefix + length + 1) * sizeof(WCHAR));
    if (!entry)
        return NULL;
    text = (PWSTR)(entry + 1);
    memcpy(text, Prefix, prefix * sizeof(WCHAR));
    memcpy(text + prefix, Name->Buffer, length * sizeof(WCHAR));
    length += prefix;
    text[length] = 0;
    for (ULONG i = 0; i < length; i++) {
        if (LdrpIsSeparator(text[i]))
            last = i + 1;
    }
    entry->FullDllName.Buffer = text;
    entry->FullDllName.Length = (USHORT)(length * sizeof(WCHAR));
    entry->FullDllName.MaximumLength = (USHORT)(entry->FullDllName.Length + sizeof(WCHAR));
    entry->BaseDllName.Buffer = text + last;
    entry->BaseDllName.Length = (USHORT)((length - last) * sizeof(WCHAR));
    entry->BaseDllName.MaximumLength = (USHORT)(entry->BaseDllName.Length + sizeof(WCHAR));
    entry->DllBase = Base;
    entry->SizeOfImage = nt->OptionalHeader.SizeOfImage;
    entry->TimeDateStamp = nt->FileHeader.TimeDateStamp;
    InitializeListHead(&entry->InInitializationOrderLinks);
    return entry;
}

void LdrpInsertDataTableEntry(PLDR_DATA_TABLE_ENTRY Entry)
{
    WCHAR first = Entry->BaseDllName.Length ? Entry->BaseDllName.Buffer[0] : 0;

    InsertTailList(&PebLdr.InLoadOrderModuleList, &Entry->InLoadOrderLinks);
    InsertTailList(&PebLdr.InMemoryOrderModuleList, &Entry->InMemoryOrderLinks);
    InsertTailList(&LdrpHashTable[LDRP_HASH_INDEX(first)], &Entry->HashLinks);
}

/* Entry off every list, its view unmapped, its memory freed. */
void LdrpUnloadDataTableEntry(PLDR_DATA_TABLE_ENTRY Entry)
{
    RemoveEntryList(&Entry->InLoadOrderLinks);
    RemoveEntryList(&Entry->InMemoryOrderLinks);
    RemoveEntryList(&Entry->InInitializationOrderLinks);
    RemoveEntryList(&Entry->HashLinks);
    NtUnmapViewOfSection(NtCurrentProcess(), Entry->DllBase);
    RtlFreeHeap(NtCurrentPeb()->ProcessHeap, 0, Entry);
}

BOOLEAN LdrpCheckForLoadedDll(const UNICODE_STRING *Name, PLDR_DATA_TABLE_ENTRY *Entry)
{
    BOOLEAN path = FALSE;
    PLIST_ENTRY head, link;

    if (Name->Length == 0)
        return FALSE;
    for (ULONG i = 0; i < Name->Length / sizeof(WCHAR); i++)
        path |= LdrpIsSeparator(Name->Buffer[i]);
    head = path ? &PebLdr.InLoadOrderModuleList : &LdrpHashTable[LDRP_HASH_INDEX(Name->Buffer[0])];
    for (link = head->Flink; link != head; link = link->Flink) {
        PLDR_DATA_TABLE_ENTRY entry = path
            ? CONTAINING_RECORD(link, LDR_DATA_TABLE_ENTRY, InLoadOrderLinks)
            : CONTAINING_RECORD(link, LDR_DATA_TABLE_ENTRY, HashLinks);

        if (LdrpEqualNames(path ? &entry->FullDllName : &entry->BaseDllName, Name)) {
            *Entry = entry;
            return TRUE;
        }
    }
    return FALSE;
}

BOOLEAN LdrpCheckForLoadedDllHandle(PVOID Base, PLDR_DATA_TABLE_ENTRY *Entry)
{
    PLIST_ENTRY head = &PebLdr.InLoadOrderModuleList;

    for (PLIST_ENTRY link = head->Flink; link != head; link = link->Flink) {
        PLDR_DATA_TABLE_ENTRY entry = CONTAINING_RECORD(link, LDR_DATA_TABLE_ENTRY, InLoadOrderLinks);

        if (entry->DllBase == Base) {
            *Entry = entry;
            return TRUE;
        }
    }
    return FALSE;
}

/* One more reference to Entry; a static one pins it. */
void LdrpReferenceDll(PLDR_DATA_TABLE_ENTRY Entry, BOOLEAN Static)
{
    if (Entry->LoadCount == LDRP_PINNED_LOAD_COUNT)
        return;
    if (Static) {
        Entry->LoadCount = LDRP_PINNED_LOAD_COUNT;
        Entry->Flags |= LDRP_STATIC_LINK;
    } else {
        Entry->LoadCount++;
    }
}

/* Entry's DllMain for Reason (Context: non-NULL for a DLL of the program's imports, as NT's
 * attach at start-up); what it returns. */
static BOOL LdrpCallInitRoutine(PLDR_DATA_TABLE_ENTRY Entry, ULONG Reason)
{
    PVOID previous = PebLdr.EntryInProgress;
    BOOL result;

    PebLdr.EntryInProgress = Entry;
    result = ((PDLL_INIT_ROUTINE)Entry->EntryPoint)(Entry->DllBase, Reason,
                                                    (Entry->Flags & LDRP_STATIC_LINK) ? (PVOID)1 : NULL);
    PebLdr.EntryInProgress = previous;
    return result;
}

void LdrpDereferenceDll(PLDR_DATA_TABLE_ENTRY Entry)
{
    if (Entry->LoadCount == LDRP_PINNED_LOAD_COUNT || Entry->LoadCount == 0)
        return;                                 /* 0: being unloaded already (a cycle) */
    if (--Entry->LoadCount)
        return;
    Entry->Flags |= LDRP_UNLOAD_IN_PROGRESS;
    if (Entry->Flags & LDRP_PROCESS_ATTACH_CALLED)
        LdrpCallInitRoutine(Entry, DLL_PROCESS_DETACH);
    if (Entry->Flags & LDRP_IMAGE_DLL)
        LdrpDereferenceImports(Entry, ~0u);
    LdrpUnloadDataTableEntry(Entry);
}

/* The entries on the initialization order list still LDRP_LOAD_IN_PROGRESS, in its order, into
 * Pending (NULL: only counted), the flag cleared; how many. */
static ULONG LdrpTakeLoadsInProgress(PLDR_DATA_TABLE_ENTRY *Pending)
{
    PLIST_ENTRY head = &PebLdr.InInitializationOrderModuleList;
    ULONG count = 0;

    for (PLIST_ENTRY link = head->Flink; link != head; link = link->Flink) {
        PLDR_DATA_TABLE_ENTRY entry = CONTAINING_RECORD(link, LDR_DATA_TABLE_ENTRY,
                                                        InInitializationOrderLinks);

        if (!(entry->Flags & LDRP_LOAD_IN_PROGRESS))
            continue;
        if (Pending) {
            entry->Flags &= ~LDRP_LOAD_IN_PROGRESS;
            Pending[count] = entry;
        }
        count++;
    }
    return count;
}

NTSTATUS LdrpRunInitializeRoutines(void)
{
    ULONG count = LdrpTakeLoadsInProgress(NULL);
    PLDR_DATA_TABLE_ENTRY *pending;
    NTSTATUS status = STATUS_SUCCESS;

    if (count == 0)
        return STATUS_SUCCESS;
    pending = RtlAllocateHeap(NtCurrentPeb()->ProcessHeap, 0, count * sizeof(*pending));
    if (!pending)
        return STATUS_NO_MEMORY;
    LdrpTakeLoadsInProgress(pending);
    for (ULONG i = 0; i < count && NT_SUCCESS(status); i++) {
        PLDR_DATA_TABLE_ENTRY entry = pending[i];

        if (entry->Flags & LDRP_ENTRY_PROCESSED)
            continue;
        entry->Flags |= LDRP_ENTRY_PROCESSED;
        if (!entry->EntryPoint)
            continue;
        if (LdrpCallInitRoutine(entry, DLL_PROCESS_ATTACH)) {
            entry->Flags |= LDRP_PROCESS_ATTACH_CALLED;
        } else {
            LdrpCallInitRoutine(entry, DLL_PROCESS_DETACH);
            status = STATUS_DLL_INIT_FAILED;
        }
    }
    RtlFreeHeap(NtCurrentPeb()->ProcessHeap, 0, pending);
    return status;
}
