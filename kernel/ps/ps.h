/*
 * kernel/ps/ps.h: processes and threads as objects (NT's Ps): EPROCESS and ETHREAD, their
 * creation from a program, their exit, and the system services that name them.
 *
 *   EPROCESS   KPROCESS Pcb (Ke: address space, threads, dispatcher header)
 *              MMPROCESS Mm (Mm's fields: working set, VADs, commitment; mm/mm.h)
 *              the rest: ids, handle table, image name, PEB, primary token, exit status
 *   ETHREAD    KTHREAD Tcb, client id, exit status, its process
 *
 * A process is made from a program's image section (a multiboot module's, or a file's on a
 * volume): PspCreateProcess maps the image, makes the PEB and the process parameters, and
 * the first thread with its stack and TEB; NtCreateProcess(Ex) with a section stops before the
 * thread (PspCreateImageProcess). The process ends when its last thread does;
 * the object lives on while handles or references remain, and its deletion frees the page
 * directory (MmDeleteProcessAddressSpace).
 */
#ifndef KERNEL_PS_PS_H
#define KERNEL_PS_PS_H

#include "kernel/iomgr/iomgr.h"
#include "kernel/inc/ntxcapi.h"
#include "mm/mm.h"

#define PROCESS_SYNCHRONIZE_ALL     0x001F0FFF      /* PROCESS_ALL_ACCESS (2003) */
#define PROCESS_ALL_ACCESS          0x001F0FFF
#define THREAD_TERMINATE            0x0001
#define THREAD_SUSPEND_RESUME       0x0002
#define THREAD_GET_CONTEXT          0x0008
#define THREAD_SET_CONTEXT          0x0010
#define THREAD_QUERY_INFORMATION    0x0040
#define THREAD_SET_INFORMATION      0x0020
#define THREAD_ALL_ACCESS           0x001F03FF

typedef struct _EPROCESS {
    KPROCESS Pcb;
    MMPROCESS Mm;                       /* right after Pcb: MiGetProcess finds it there */
    uint32_t UniqueProcessId;
    uint32_t InheritedFromUniqueProcessId;
    HANDLE_TABLE *ObjectTable;
    NTSTATUS ExitStatus;                /* STATUS_PENDING while it runs */
    bool ExitRequested;
    bool Exited;
    char ImageFileName[16];
    uintptr_t Peb;
    uintptr_t SectionBaseAddress;       /* where the image is mapped */
    uintptr_t LoaderThunk;              /* made from a section, no thread yet: where the first
                                         * NtCreateThread enters (create.c); else 0 */
    TOKEN *Token;                       /* the primary token (referenced): its privileges */
    uint32_t CreateTime, ExitTime;      /* clock ticks */
    LIST_ENTRY ActiveProcessLinks;      /* on PsActiveProcessHead */
    LIST_ENTRY ThreadListHead;          /* ETHREAD.ThreadListEntry */
    uint32_t ActiveThreads;
} EPROCESS;

_Static_assert(offsetof(EPROCESS, Mm) == sizeof(KPROCESS), "Mm's part follows the KPROCESS");

typedef struct _ETHREAD {
    KTHREAD Tcb;
    NT_CLIENT_ID Cid;
    EPROCESS *ThreadsProcess;
    NTSTATUS ExitStatus;
    uintptr_t StartAddress;
    uintptr_t InitialEsp, InitialEax, InitialEbx;
    CONTEXT *InitialContext;            /* NtCreateThread's, until the thread starts */
    LIST_ENTRY ThreadListEntry;
    bool Exited;
} ETHREAD;

extern OBJECT_TYPE PsProcessType, PsThreadType;
extern LIST_ENTRY PsActiveProcessHead;
extern KSPIN_LOCK PspActiveProcessLock;

void PsInitSystem(void);
/* A program's name: a module's (hello.exe), or a file's path (C:\dir\hello.exe, C:/dir/...,
 * \??\C:\dir\...), at most this long with its terminating zero. */
#define PS_MAXIMUM_IMAGE_NAME       260
NTSTATUS PspCreateProcess(const char *ImageName, const char *CommandLine, EPROCESS *Parent,
                          EPROCESS **Process, ETHREAD **Thread);
NTSTATUS PspCreateImageProcess(void *Section, const char *ImagePath, const char *CommandLine,
                               EPROCESS *Parent, bool InheritHandles, EPROCESS **Process,
                               uintptr_t *LoaderThunk);
void PsStartThread(ETHREAD *Thread);        /* one PspCreateProcess made */
EPROCESS *PsGetCurrentProcess(void);        /* NULL in a system thread */
ETHREAD *PsGetCurrentThread(void);          /* NULL in a system thread */
EPROCESS *PsLookupProcessById(uint32_t ProcessId);   /* referenced, or NULL */
__attribute__((noreturn)) void PspExitThread(NTSTATUS ExitStatus);
void PspTerminateProcess(EPROCESS *Process, NTSTATUS ExitStatus);
/* psdll.c: the known DLLs' sections at start-up; ntdll.dll mapped into a new process. */
void PspInitializeSystemDlls(void);
NTSTATUS PspMapSystemDll(EPROCESS *Process, uintptr_t *LdrThunk, uintptr_t *Dispatcher);
uint32_t PspSystemCallCount(void);          /* services.c */
uint32_t PspAllocateId(void);               /* a process or thread id (create.c) */

/* Calls from kernel code to services written for the previous mode (NT's Zw calls). */
#define PSP_KERNEL_CALL(Call) ({                                         \
        KTHREAD *thread_ = KeGetCurrentThread();                         \
        KPROCESSOR_MODE mode_ = thread_->PreviousMode;                   \
        NTSTATUS status_;                                                \
        thread_->PreviousMode = KernelMode;                              \
        status_ = (Call);                                                \
        thread_->PreviousMode = mode_;                                   \
        status_;                                                         \
    })

/* The system services Ps provides (services.c lists them all). */
NTSTATUS NtCreateUserProcess(HANDLE *ProcessHandle, HANDLE *ThreadHandle, ACCESS_MASK ProcessAccess,
                             ACCESS_MASK ThreadAccess, const NT_UNICODE_STRING *ImageName,
                             const NT_UNICODE_STRING *CommandLine, uint32_t Flags,
                             NT_CLIENT_ID *ClientId);
NTSTATUS NtCreateThread(HANDLE *ThreadHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                        HANDLE ProcessHandle, NT_CLIENT_ID *ClientId, CONTEXT *Context,
                        void *InitialTeb, bool CreateSuspended);
/* fork.c: a process cloned from ParentProcess (POSIX fork as NT does it), or made from an image
 * section (SectionHandle), with no thread. */
NTSTATUS NtCreateProcessEx(HANDLE *ProcessHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                           HANDLE ParentProcess, uint32_t Flags, HANDLE SectionHandle,
                           HANDLE DebugPort, HANDLE ExceptionPort, uint32_t JobMemberLevel);
NTSTATUS NtCreateProcess(HANDLE *ProcessHandle, ACCESS_MASK DesiredAccess, void *ObjectAttributes,
                         HANDLE ParentProcess, bool InheritObjectTable, HANDLE SectionHandle,
                         HANDLE DebugPort, HANDLE ExceptionPort);
NTSTATUS NtTerminateProcess(HANDLE ProcessHandle, NTSTATUS ExitStatus);
NTSTATUS NtTerminateThread(HANDLE ThreadHandle, NTSTATUS ExitStatus);
NTSTATUS NtOpenProcessToken(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, HANDLE *TokenHandle);

#endif
