/*
 * user/ntdll/ldrp.h: what the loader's files share (NT's ldrp.h):
 *
 *   ldrinit.c   the process's start: the heap, the lists, the program's imports, DllMains
 *   ldrapi.c    LdrLoadDll, LdrUnloadDll, LdrGetDllHandle, LdrGetProcedureAddress
 *   ldrsnap.c   a known DLL mapped and relocated; exports looked up; imports snapped
 *   ldrutil.c   the lists' entries, lookups by name and by handle, DllMain calls, unloading
 *
 * Every module is an LDR_DATA_TABLE_ENTRY (user/ntdll/ntpeb.h) on PebLdr's lists and on one
 * chain of LdrpHashTable (by its BaseDllName's first letter, as NT's LDRP_COMPUTE_HASH_INDEX).
 * The lists change, and DllMains run, only with LdrpLoaderLock held: a recursive lock, so a
 * DllMain may call the loader again on its own thread; another thread waits (as on NT, a
 * DllMain that waits for a thread that needs the loader never returns).
 */
#ifndef USER_NTDLL_LDRP_H
#define USER_NTDLL_LDRP_H

#include "ntdll.h"
#include "rtlp.h"

#define LDRP_HASH_TABLE_SIZE    32
#define LDRP_HASH_INDEX(Char)   ((ULONG)(LdrpUpcase(Char) - L'A') & (LDRP_HASH_TABLE_SIZE - 1))
#define LDRP_MAXIMUM_NAME       MAX_PATH        /* characters of a DLL's name, with its path */
#define LDRP_KNOWN_DLLS         L"\\KnownDlls\\"
#define LDRP_DLL_EXTENSION      L".dll"

extern PEB_LDR_DATA PebLdr;
extern LIST_ENTRY LdrpHashTable[LDRP_HASH_TABLE_SIZE];
extern RTL_SPIN_LOCK LdrpLoaderLock;

static inline WCHAR LdrpUpcase(WCHAR Char)
{
    return Char >= L'a' && Char <= L'z' ? (WCHAR)(Char - L'a' + L'A') : Char;
}

static inline void InitializeListHead(PLIST_ENTRY Head)
{
    Head->Flink = Head->Blink = Head;
}

static inline void InsertTailList(PLIST_ENTRY Head, PLIST_ENTRY Entry)
{
    Entry->Flink = Head;
    Entry->Blink = Head->Blink;
    Head->Blink->Flink = Entry;
    Head->Blink = Entry;
}

static inline void RemoveEntryList(PLIST_ENTRY Entry)
{
    Entry->Blink->Flink = Entry->Flink;
    Entry->Flink->Blink = Entry->Blink;
    InitializeListHead(Entry);
}

static inline PIMAGE_NT_HEADERS32 LdrpNtHeaders(PVOID Base)
{
    return (PIMAGE_NT_HEADERS32)((PUCHAR)Base + ((PIMAGE_DOS_HEADER)Base)->e_lfanew);
}

/* ldrutil.c: entries and lookups (the loader lock held). */
PLDR_DATA_TABLE_ENTRY LdrpAllocateDataTableEntry(PVOID Base, PCWSTR Prefix,
                                                 const UNICODE_STRING *Name);
void LdrpInsertDataTableEntry(PLDR_DATA_TABLE_ENTRY Entry);
void LdrpUnloadDataTableEntry(PLDR_DATA_TABLE_ENTRY Entry);
BOOLEAN LdrpCheckForLoadedDll(const UNICODE_STRING *Name, PLDR_DATA_TABLE_ENTRY *Entry);
BOOLEAN LdrpCheckForLoadedDllHandle(PVOID Base, PLDR_DATA_TABLE_ENTRY *Entry);
void LdrpReferenceDll(PLDR_DATA_TABLE_ENTRY Entry, BOOLEAN Static);
void LdrpDereferenceDll(PLDR_DATA_TABLE_ENTRY Entry);
NTSTATUS LdrpRunInitializeRoutines(void);

/* ldrsnap.c: mapping, exports and imports (the loader lock held). Static: for the program's
 * imports at start-up, whose DLLs stay (LDRP_PINNED_LOAD_COUNT). */
NTSTATUS LdrpLoadDll(const UNICODE_STRING *Name, BOOLEAN Static, BOOLEAN Resolve,
                     PLDR_DATA_TABLE_ENTRY *Entry);
NTSTATUS LdrpWalkImportDescriptor(PLDR_DATA_TABLE_ENTRY Entry, BOOLEAN Static);
void LdrpDereferenceImports(PLDR_DATA_TABLE_ENTRY Entry, ULONG Count);
NTSTATUS LdrpGetProcedureAddress(PVOID Base, const char *Name, ULONG NameLength, ULONG Ordinal,
                                 BOOLEAN Static, PVOID *Address);

#endif
