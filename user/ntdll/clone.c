/*
 * user/ntdll/clone.c: RtlCloneUserProcess, NT's fork for POSIX (ntdll's rtl/process.c): the
 * calling process is cloned (NtCreateProcessEx with itself as the parent and no section: the
 * kernel shares every private page copy-on-write and maps its views again), and the clone gets
 * one thread that starts where the caller is, returning from this call with
 * STATUS_PROCESS_CLONED; the caller gets STATUS_SUCCESS and the child's handles and ids.
 *
 * Where the child starts: RtlpCaptureClonePoint (a setjmp) records the callee-saved registers,
 * the stack pointer and the return address just before the fork; the child's first thread
 * starts with that context and EAX = 1, so it returns from the capture a second time, on the
 * stack as it was at the fork. Its TEB is a new one: the SEH chain, the last error and the TLS
 * slots are copied from the caller's, which the child has at the same address.
 */
#include "ntdll.h"

#define CLONE_USER_CODE_SELECTOR    0x1B
#define CLONE_USER_DATA_SELECTOR    0x23
#define CLONE_TEB_SELECTOR          0x3B
#define CLONE_INITIAL_EFLAGS        0x202
#define CLONE_TLS_SLOTS_OFFSET      0xE10
#define CLONE_TLS_SLOTS_BYTES       (64 * sizeof(PVOID))

typedef struct _RTLP_CLONE_POINT {
    ULONG Ebx, Esi, Edi, Ebp, Esp, Eip;
    PTEB ParentTeb;
} RTLP_CLONE_POINT;

/* 0 when it records; 1 when the child's thread starts there. */
int RtlpCaptureClonePoint(volatile RTLP_CLONE_POINT *Point) __attribute__((returns_twice));

__asm__(".text\n"
        ".globl _RtlpCaptureClonePoint\n"
        "_RtlpCaptureClonePoint:\n"
        "    movl 4(%esp), %eax\n"
        "    movl %ebx, 0(%eax)\n"
        "    movl %esi, 4(%eax)\n"
        "    movl %edi, 8(%eax)\n"
        "    movl %ebp, 12(%eax)\n"
        "    leal 4(%esp), %ecx\n"          /* the stack pointer after the return */
        "    movl %ecx, 16(%eax)\n"
        "    movl (%esp), %ecx\n"
        "    movl %ecx, 20(%eax)\n"
        "    xorl %eax, %eax\n"
        "    ret\n");

/* In the child, on its new TEB: what the caller's thread had that code may rely on. */
static void RtlpInheritTeb(PTEB Parent)
{
    PTEB teb = NtCurrentTeb();

    teb->NtTib.ExceptionList = Parent->NtTib.ExceptionList;
    teb->LastErrorValue = Parent->LastErrorValue;
    teb->LastStatusValue = Parent->LastStatusValue;
    teb->GuaranteedStackBytes = Parent->GuaranteedStackBytes;
    memcpy((PUCHAR)teb + CLONE_TLS_SLOTS_OFFSET, (PUCHAR)Parent + CLONE_TLS_SLOTS_OFFSET,
           CLONE_TLS_SLOTS_BYTES);
}

NTSTATUS NTAPI RtlCloneUserProcess(ULONG ProcessFlags, PVOID ProcessSecurityDescriptor,
                                   PVOID ThreadSecurityDescriptor, HANDLE DebugPort,
                                   PRTL_USER_PROCESS_INFORMATION ProcessInformation)
{
    volatile RTLP_CLONE_POINT point;
    PTEB teb = NtCurrentTeb();
    HANDLE process = NULL, thread = NULL;
    CONTEXT context;
    INITIAL_TEB initialTeb;
    CLIENT_ID client = { 0 };
    NTSTATUS status;

    (void)ProcessSecurityDescriptor;
    (void)ThreadSecurityDescriptor;
    if (ProcessFlags & ~(RTL_CLONE_PROCESS_FLAGS_CREATE_SUSPENDED |
                         RTL_CLONE_PROCESS_FLAGS_INHERIT_HANDLES |
                         RTL_CLONE_PROCESS_FLAGS_NO_SYNCHRONIZE))
        return STATUS_INVALID_PARAMETER_1;
    point.ParentTeb = teb;
    if (RtlpCaptureClonePoint(&point)) {
        RtlpInheritTeb(point.ParentTeb);
        return STATUS_PROCESS_CLONED;
    }
    status = NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(),
                               (ProcessFlags & RTL_CLONE_PROCESS_FLAGS_INHERIT_HANDLES)
                               ? PROCESS_CREATE_FLAGS_INHERIT_HANDLES : 0,
                               NULL, DebugPort, NULL, 0);
    if (!NT_SUCCESS(status))
        return status;
    memset(&context, 0, sizeof(context));
    context.ContextFlags = CONTEXT_FULL;
    context.SegCs = CLONE_USER_CODE_SELECTOR;
    context.SegDs = context.SegEs = context.SegSs = CLONE_USER_DATA_SELECTOR;
    context.SegFs = CLONE_TEB_SELECTOR;
    context.EFlags = CLONE_INITIAL_EFLAGS;
    context.Ebx = point.Ebx;
    context.Esi = point.Esi;
    context.Edi = point.Edi;
    context.Ebp = point.Ebp;
    context.Esp = point.Esp;
    context.Eip = point.Eip;
    context.Eax = 1;
    memset(&initialTeb, 0, sizeof(initialTeb));
    initialTeb.StackBase = teb->NtTib.StackBase;
    initialTeb.StackLimit = teb->NtTib.StackLimit;
    initialTeb.AllocatedStackBase = teb->DeallocationStack;
    status = NtCreateThread(&thread, THREAD_ALL_ACCESS, NULL, process, &client, &context,
                            &initialTeb, (ProcessFlags & RTL_CLONE_PROCESS_FLAGS_CREATE_SUSPENDED) != 0);
    if (!NT_SUCCESS(status)) {
        NtTerminateProcess(process, status);
        NtClose(process);
        return status;
    }
    if (ProcessInformation) {
        ProcessInformation->Length = sizeof(*ProcessInformation);
        ProcessInformation->Process = process;
        ProcessInformation->Thread = thread;
        ProcessInformation->ClientId = client;
    } else {
        NtClose(thread);
        NtClose(process);
    }
    return STATUS_SUCCESS;
}
