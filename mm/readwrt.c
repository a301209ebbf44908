/*
 * mm/readwrt.c: NtReadVirtualMemory and NtWriteVirtualMemory (NT's readwrt.c): copying between
 * the caller's address space and another process's, which kernel32's ReadProcessMemory and
 * WriteProcessMemory (and debuggers) use.
 *
 * The copy goes through a kernel buffer a chunk at a time, as NT's pool copy (MiDoPoolCopy)
 * does: up to 64 KB of nonpaged pool (half as much, and again, when pool is short; a 512-byte
 * buffer on the stack for small copies and as the last resort). For each chunk the thread
 * attaches to the source process and copies into the buffer, then attaches to the destination
 * and copies out. The other process's address-creation lock is held while its pages are
 * touched, so it cannot be emptied meanwhile (NT holds its rundown protection instead).
 *
 * Checks, in NT's order: from user mode, both ranges must lie in user space without wrapping,
 * their ends at most MmHighestUserAddress (STATUS_ACCESS_VIOLATION), and the byte count
 * pointer must be writable; a zero size succeeds without looking at the handle; then the
 * handle needs PROCESS_VM_READ or PROCESS_VM_WRITE (STATUS_ACCESS_DENIED), and the other
 * process must not be ending (STATUS_PROCESS_IS_TERMINATING).
 *
 * A page that cannot be read at the source or written at the destination ends the copy with
 * STATUS_PARTIAL_COPY, and *NumberOfBytes says exactly how many bytes reached the destination:
 * the part of a chunk read before a source fault is still written out. NT 5.2 answers the same
 * status but counts only the whole chunks done before the failing one; Windows documents the
 * count as the bytes transferred, which is what mm386 gives. (NT 5.2's ProbeForWrite also
 * touched each page of a user destination first, so a bad destination there was
 * STATUS_ACCESS_VIOLATION; Vista's and mm386's probes check the range only.)
 */
#include "mm/mi.h"

#define MI_MAX_MOVE_SIZE        0x10000u        /* NT's MAX_MOVE_SIZE: 64 KB a chunk */
#define MI_COPY_STACK_SIZE      512u            /* NT's COPY_STACK_SIZE LONGLONGs */
#define MI_COPY_TAG             POOL_TAG('M', 'm', 'R', 'w')

/* NT's MiValidateUserTransfer: both ranges inside user space, neither wrapping. */
static NTSTATUS MiValidateUserTransfer(uintptr_t BaseAddress, uintptr_t Buffer, uint32_t Size)
{
    if (BaseAddress + Size < BaseAddress || BaseAddress + Size > MmHighestUserAddress ||
        Buffer + Size < Buffer || Buffer + Size > MmHighestUserAddress)
        return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

/*
 * Copy Length bytes from Source to Destination attached to Process, one side of a chunk. The
 * process's address space is locked unless it is the caller's own (Own), and a process whose
 * address space is gone gives nothing. Returns the bytes copied before any fault.
 */
static uint32_t MiCopyAttached(KPROCESS *Process, bool Own, void *Destination, const void *Source,
                               uint32_t Length)
{
    MMPROCESS *process = MiGetProcess(Process);
    bool lock = !Own && process;
    uint32_t copied = 0;
    KAPC_STATE apcState;

    KeStackAttachProcess(Process, &apcState);
    if (lock)
        MiLockAddressSpace(&process->AddressSpace);
    if (!process || !(process->Flags & PS_PROCESS_FLAGS_VM_DELETED))
        KeCopyMemorySafePartial(Destination, Source, Length, &copied);
    if (lock)
        MiUnlockAddressSpace(&process->AddressSpace);
    KeUnstackDetachProcess(&apcState);
    return copied;
}

/*
 * NT's MmCopyVirtualMemory: BufferSize (not 0) bytes from FromAddress in FromProcess to
 * ToAddress in ToProcess, one of them the caller's own. *NumberOfBytesCopied gets the bytes
 * that arrived. PASSIVE_LEVEL.
 */
static NTSTATUS MiCopyVirtualMemory(KPROCESS *FromProcess, const void *FromAddress,
                                    KPROCESS *ToProcess, void *ToAddress, uint32_t BufferSize,
                                    uint32_t *NumberOfBytesCopied)
{
    KPROCESS *current = KeGetCurrentProcess();
    MMPROCESS *other = MiGetProcess(FromProcess == current ? ToProcess : FromProcess);
    uint8_t stackBuffer[MI_COPY_STACK_SIZE];
    uint32_t chunk = MIN(BufferSize, MI_MAX_MOVE_SIZE), done = 0;
    uint8_t *buffer = stackBuffer;
    NTSTATUS status = STATUS_SUCCESS;

    if (other && (other->Flags & PS_PROCESS_FLAGS_VM_DELETED))
        return STATUS_PROCESS_IS_TERMINATING;
    while (chunk > sizeof(stackBuffer)) {
        buffer = ExAllocatePoolWithTag(NonPagedPool, chunk, MI_COPY_TAG);
        if (buffer)
            break;
        chunk /= 2;
        buffer = stackBuffer;
    }
    while (done < BufferSize) {
        uint32_t amount = MIN(chunk, BufferSize - done), read, written;

        read = MiCopyAttached(FromProcess, FromProcess == current, buffer,
                              (const uint8_t *)FromAddress + done, amount);
        written = MiCopyAttached(ToProcess, ToProcess == current, (uint8_t *)ToAddress + done,
                                 buffer, read);
        done += written;
        if (read < amount || written < read) {
            status = STATUS_PARTIAL_COPY;
            break;
        }
    }
    if (buffer != stackBuffer)
        ExFreePoolWithTag(buffer, MI_COPY_TAG);
    *NumberOfBytesCopied = done;
    return status;
}

/* What both services share; Read tells which way the bytes go. */
static NTSTATUS MiReadOrWrite(void *ProcessHandle, uintptr_t BaseAddress, uintptr_t Buffer,
                              uint32_t BufferSize, uint32_t *NumberOfBytes, bool Read)
{
    uint32_t copied = 0;
    KPROCESS *process;
    NTSTATUS status;

    if (ExGetPreviousMode() != KernelMode) {
        status = MiValidateUserTransfer(BaseAddress, Buffer, BufferSize);
        /* NT's ProbeForWriteUlong_ptr writes the count back: a read-only one fails here. */
        if (NT_SUCCESS(status) && NumberOfBytes)
            status = ExCapture(&copied, NumberOfBytes);
        if (NT_SUCCESS(status) && NumberOfBytes)
            status = ExReturn(NumberOfBytes, &copied);
        if (!NT_SUCCESS(status))
            return status;
        copied = 0;
    }
    status = STATUS_SUCCESS;
    if (BufferSize != 0) {
        status = MiReferenceProcess(ProcessHandle, Read ? PROCESS_VM_READ : PROCESS_VM_WRITE,
                                    &process);
        if (NT_SUCCESS(status)) {
            if (Read)
                status = MiCopyVirtualMemory(process, (const void *)BaseAddress,
                                             KeGetCurrentProcess(), (void *)Buffer, BufferSize,
                                             &copied);
            else
                status = MiCopyVirtualMemory(KeGetCurrentProcess(), (const void *)Buffer, process,
                                             (void *)BaseAddress, BufferSize, &copied);
            MiDereferenceProcess(process);
        }
    }
    if (NumberOfBytes)
        ExReturn(NumberOfBytes, &copied);       /* NT ignores a failure here */
    return status;
}

NTSTATUS NtReadVirtualMemory(void *ProcessHandle, const void *BaseAddress, void *Buffer,
                             uint32_t BufferSize, uint32_t *NumberOfBytesRead)
{
    return MiReadOrWrite(ProcessHandle, (uintptr_t)BaseAddress, (uintptr_t)Buffer, BufferSize,
                         NumberOfBytesRead, true);
}

NTSTATUS NtWriteVirtualMemory(void *ProcessHandle, void *BaseAddress, const void *Buffer,
                              uint32_t BufferSize, uint32_t *NumberOfBytesWritten)
{
    return MiReadOrWrite(ProcessHandle, (uintptr_t)BaseAddress, (uintptr_t)Buffer, BufferSize,
                         NumberOfBytesWritten, false);
}
