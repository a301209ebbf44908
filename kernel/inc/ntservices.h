/*
 * kernel/inc/ntservices.h: the system services, in service-number order (0, 1, ...), each with
 * the number of argument dwords it takes. One list for both sides: the kernel builds its
 * service table from it (kernel/ps/), ntdll its `_NtName@N` stubs (user/ntdll/), so the numbers
 * always agree. Like NT's services.tab the order is alphabetical, and the numbers are this
 * build's own (NT renumbers between builds too).
 *
 * Use: #define NT_SERVICE(Name, ArgumentDwords) ..., then NT_SERVICES. Pure preprocessor: it is
 * included by the kernel's C and by user mode's C and assembly (mingw-w64).
 *
 * NtCreateUserProcess is Vista's service with a smaller argument list (until image sections
 * exist, issue 12, a program is named rather than mapped from a section):
 *   NtCreateUserProcess(HANDLE *ProcessHandle, HANDLE *ThreadHandle,
 *                       ACCESS_MASK ProcessDesiredAccess, ACCESS_MASK ThreadDesiredAccess,
 *                       const UNICODE_STRING *ImageName,     the module's file name
 *                       const UNICODE_STRING *CommandLine,   NULL: the image name
 *                       uint32_t Flags,                      0
 *                       CLIENT_ID *ClientId)                 optional out
 */
#ifndef KERNEL_INC_NTSERVICES_H
#define KERNEL_INC_NTSERVICES_H

#define NT_SERVICES \
    NT_SERVICE(NtAdjustPrivilegesToken, 6) \
    NT_SERVICE(NtAllocateUserPhysicalPages, 3) \
    NT_SERVICE(NtAllocateVirtualMemory, 6) \
    NT_SERVICE(NtClose, 1) \
    NT_SERVICE(NtContinue, 2) \
    NT_SERVICE(NtCreateFile, 11) \
    NT_SERVICE(NtCreateProcess, 8) \
    NT_SERVICE(NtCreateProcessEx, 9) \
    NT_SERVICE(NtCreateSection, 7) \
    NT_SERVICE(NtCreateThread, 8) \
    NT_SERVICE(NtCreateUserProcess, 8) \
    NT_SERVICE(NtDelayExecution, 2) \
    NT_SERVICE(NtDeleteFile, 1) \
    NT_SERVICE(NtDuplicateObject, 7) \
    NT_SERVICE(NtExtendSection, 2) \
    NT_SERVICE(NtFlushBuffersFile, 2) \
    NT_SERVICE(NtFlushVirtualMemory, 4) \
    NT_SERVICE(NtFreeUserPhysicalPages, 3) \
    NT_SERVICE(NtFreeVirtualMemory, 4) \
    NT_SERVICE(NtGetWriteWatch, 7) \
    NT_SERVICE(NtLockVirtualMemory, 4) \
    NT_SERVICE(NtMapUserPhysicalPages, 3) \
    NT_SERVICE(NtMapUserPhysicalPagesScatter, 3) \
    NT_SERVICE(NtMapViewOfSection, 10) \
    NT_SERVICE(NtOpenFile, 6) \
    NT_SERVICE(NtOpenProcess, 4) \
    NT_SERVICE(NtOpenProcessToken, 3) \
    NT_SERVICE(NtOpenSection, 3) \
    NT_SERVICE(NtProtectVirtualMemory, 5) \
    NT_SERVICE(NtQueryDirectoryFile, 11) \
    NT_SERVICE(NtQueryInformationFile, 5) \
    NT_SERVICE(NtQueryInformationProcess, 5) \
    NT_SERVICE(NtQueryInformationThread, 5) \
    NT_SERVICE(NtQueryPerformanceCounter, 2) \
    NT_SERVICE(NtQuerySection, 5) \
    NT_SERVICE(NtQuerySystemInformation, 4) \
    NT_SERVICE(NtQueryVirtualMemory, 6) \
    NT_SERVICE(NtRaiseException, 3) \
    NT_SERVICE(NtReadFile, 9) \
    NT_SERVICE(NtReadVirtualMemory, 5) \
    NT_SERVICE(NtResetWriteWatch, 3) \
    NT_SERVICE(NtSetInformationFile, 5) \
    NT_SERVICE(NtSetInformationProcess, 4) \
    NT_SERVICE(NtTerminateProcess, 2) \
    NT_SERVICE(NtTerminateThread, 2) \
    NT_SERVICE(NtUnlockVirtualMemory, 4) \
    NT_SERVICE(NtUnmapViewOfSection, 2) \
    NT_SERVICE(NtWaitForMultipleObjects, 5) \
    NT_SERVICE(NtWaitForSingleObject, 3) \
    NT_SERVICE(NtWriteFile, 9) \
    NT_SERVICE(NtWriteVirtualMemory, 5) \
    NT_SERVICE(NtYieldExecution, 0)

#endif
