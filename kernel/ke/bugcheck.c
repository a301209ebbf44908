/*
 * kernel/ke/bugcheck.c: KeBugCheckEx, the STOP screen.
 *
 *   *** STOP: 0x00000050 (0xFFBFF000,0x00000000,0x8010F2C4,0x00000002)
 *   PAGE_FAULT_IN_NONPAGED_AREA
 *
 * then the registers of the trap that led here (or of the caller), a backtrace with symbols,
 * the record in KiBugCheckData and the crash-dump page, and the exit to the host with the
 * failure status. A fault or a second bugcheck while stopping exits at once: never a hang,
 * never a reboot.
 */
#include "kernel/ke/ki.h"
#include "mm/mm.h"
#include "hal/hal.h"

#define KI_BACKTRACE_DEPTH  24

uint32_t KiBugCheckData[5];
static volatile uint32_t KiBugCheckDepth;
static KTRAP_FRAME *KiBugCheckTrapFrame;
static uint32_t KiBugCheckEsp;

static const struct {
    uint32_t Code;
    const char *Name;
} KiBugCheckNames[] = {
    { APC_INDEX_MISMATCH, "APC_INDEX_MISMATCH" },
    { INVALID_PROCESS_ATTACH_ATTEMPT, "INVALID_PROCESS_ATTACH_ATTEMPT" },
    { INVALID_PROCESS_DETACH_ATTEMPT, "INVALID_PROCESS_DETACH_ATTEMPT" },
    { TARGET_MDL_TOO_SMALL, "TARGET_MDL_TOO_SMALL" },
    { PROCESS_HAS_LOCKED_PAGES, "PROCESS_HAS_LOCKED_PAGES" },
    { DRIVER_UNMAPPING_INVALID_VIEW, "DRIVER_UNMAPPING_INVALID_VIEW" },
    { KERNEL_MODE_EXCEPTION_NOT_HANDLED, "KERNEL_MODE_EXCEPTION_NOT_HANDLED" },
    { INVALID_WORK_QUEUE_ITEM, "INVALID_WORK_QUEUE_ITEM" },
    { IRQL_NOT_GREATER_OR_EQUAL, "IRQL_NOT_GREATER_OR_EQUAL" },
    { IRQL_NOT_LESS_OR_EQUAL, "IRQL_NOT_LESS_OR_EQUAL" },
    { MUTEX_LEVEL_NUMBER_VIOLATION, "MUTEX_LEVEL_NUMBER_VIOLATION" },
    { SPIN_LOCK_ALREADY_OWNED, "SPIN_LOCK_ALREADY_OWNED" },
    { SPIN_LOCK_NOT_OWNED, "SPIN_LOCK_NOT_OWNED" },
    { THREAD_NOT_MUTEX_OWNER, "THREAD_NOT_MUTEX_OWNER" },
    { REFERENCE_BY_POINTER, "REFERENCE_BY_POINTER" },
    { FAT_FILE_SYSTEM, "FAT_FILE_SYSTEM" },
    { KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED" },
    { MANUALLY_INITIATED_CRASH, "MANUALLY_INITIATED_CRASH" },
    { BAD_POOL_HEADER, "BAD_POOL_HEADER" },
    { MEMORY_MANAGEMENT, "MEMORY_MANAGEMENT" },
    { NO_MORE_SYSTEM_PTES, "NO_MORE_SYSTEM_PTES" },
    { MUST_SUCCEED_POOL_EMPTY, "MUST_SUCCEED_POOL_EMPTY" },
    { NO_PAGES_AVAILABLE, "NO_PAGES_AVAILABLE" },
    { PFN_LIST_CORRUPT, "PFN_LIST_CORRUPT" },
    { PAGE_FAULT_IN_NONPAGED_AREA, "PAGE_FAULT_IN_NONPAGED_AREA" },
    { PHASE0_INITIALIZATION_FAILED, "PHASE0_INITIALIZATION_FAILED" },
    { PHASE1_INITIALIZATION_FAILED, "PHASE1_INITIALIZATION_FAILED" },
    { KERNEL_STACK_INPAGE_ERROR, "KERNEL_STACK_INPAGE_ERROR" },
    { KERNEL_DATA_INPAGE_ERROR, "KERNEL_DATA_INPAGE_ERROR" },
    { INSTALL_MORE_MEMORY, "INSTALL_MORE_MEMORY" },
    { UNEXPECTED_KERNEL_MODE_TRAP, "UNEXPECTED_KERNEL_MODE_TRAP" },
    { NMI_HARDWARE_FAILURE, "NMI_HARDWARE_FAILURE" },
    { MACHINE_CHECK_EXCEPTION, "MACHINE_CHECK_EXCEPTION" },
    { ATTEMPTED_WRITE_TO_READONLY_MEMORY, "ATTEMPTED_WRITE_TO_READONLY_MEMORY" },
    { SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION, "SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION" },
    { BAD_POOL_CALLER, "BAD_POOL_CALLER" },
    { DRIVER_CORRUPTED_EXPOOL, "DRIVER_CORRUPTED_EXPOOL" },
    { WORKER_THREAD_RETURNED_AT_BAD_IRQL, "WORKER_THREAD_RETURNED_AT_BAD_IRQL" },
    { WORKER_INVALID, "WORKER_INVALID" },
    { PAGE_FAULT_IN_FREED_SPECIAL_POOL, "PAGE_FAULT_IN_FREED_SPECIAL_POOL" },
    { PAGE_FAULT_BEYOND_END_OF_ALLOCATION, "PAGE_FAULT_BEYOND_END_OF_ALLOCATION" },
};

const char *KiBugCheckName(uint32_t BugCheckCode)
{
    for (size_t i = 0; i < ARRAYSIZE(KiBugCheckNames); i++) {
        if (KiBugCheckNames[i].Code == BugCheckCode)
            return KiBugCheckNames[i].Name;
    }
    return "UNKNOWN_BUGCHECK_CODE";
}

void KiBugCheckSetContext(KTRAP_FRAME *TrapFrame, uint32_t Esp)
{
    KiBugCheckTrapFrame = TrapFrame;
    KiBugCheckEsp = Esp;
}

static void KiPrintRegisters(const KTRAP_FRAME *f, uint32_t Esp)
{
    DbgPrint("eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n",
             f->Eax, f->Ebx, f->Ecx, f->Edx, f->Esi, f->Edi);
    DbgPrint("eip=%08x esp=%08x ebp=%08x efl=%08x\n", f->Eip, Esp, f->Ebp, f->EFlags);
    DbgPrint("cs=%04x  ds=%04x  es=%04x  fs=%04x  gs=%04x\n",
             f->SegCs & 0xFFFF, f->SegDs & 0xFFFF, f->SegEs & 0xFFFF, f->SegFs & 0xFFFF,
             f->SegGs & 0xFFFF);
    DbgPrint("cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n",
             __readcr0(), __readcr2(), __readcr3(), __readcr4());
}

static void KiPrintFrame(uint32_t Index, uint32_t Eip)
{
    uintptr_t offset;
    const char *name = KiLookupSymbol(Eip, &offset);

    if (name)
        DbgPrint(" #%-2u %08x  %s+0x%x\n", Index, Eip, name, (uint32_t)offset);
    else
        DbgPrint(" #%-2u %08x\n", Index, Eip);
}

/* Walk the frame-pointer chain, reading nothing that is not mapped. */
static void KiPrintBacktrace(uint32_t Eip, uint32_t Ebp)
{
    DbgPrint("\nStack trace:\n");
    KiPrintFrame(0, Eip);
    for (uint32_t i = 1; i < KI_BACKTRACE_DEPTH && Ebp; i++) {
        uint32_t next, ret;

        if ((Ebp & 3) || !MmIsAddressValid((void *)(uintptr_t)Ebp) ||
            !MmIsAddressValid((void *)(uintptr_t)(Ebp + 7)))
            break;
        next = ((uint32_t *)(uintptr_t)Ebp)[0];
        ret = ((uint32_t *)(uintptr_t)Ebp)[1];
        if (!ret)
            break;
        KiPrintFrame(i, ret);
        if (next <= Ebp)
            break;
        Ebp = next;
    }
}

void KeBugCheckEx(uint32_t BugCheckCode, uintptr_t P1, uintptr_t P2, uintptr_t P3, uintptr_t P4)
{
    const KTRAP_FRAME *frame;

    _disable();
    if (KiBugCheckDepth++) {
        DbgPrint("\n*** STOP 0x%08X while stopping for 0x%08X: exiting\n", BugCheckCode,
                 KiBugCheckData[0]);
        HalExitToHost(HAL_EXIT_FAILURE);
    }
    KiBugCheckData[0] = BugCheckCode;
    KiBugCheckData[1] = P1;
    KiBugCheckData[2] = P2;
    KiBugCheckData[3] = P3;
    KiBugCheckData[4] = P4;

    DbgPrint("\n*** STOP: 0x%08X (0x%08X,0x%08X,0x%08X,0x%08X)\n%s\n\n", BugCheckCode,
             (uint32_t)P1, (uint32_t)P2, (uint32_t)P3, (uint32_t)P4,
             KiBugCheckName(BugCheckCode));

    if (KiBugCheckTrapFrame) {
        /* A double fault: the faulting code ran on another stack, saved in the TSS. */
        frame = KiBugCheckTrapFrame;
        DbgPrint("Registers saved by the task switch to the double-fault handler:\n");
        KiPrintRegisters(frame, KiBugCheckEsp);
        KiPrintBacktrace(frame->Eip, frame->Ebp);
    } else {
        frame = KeGetCurrentThread() ? KeGetCurrentThread()->TrapFrame : NULL;
        if (frame) {
            DbgPrint("Trap frame at %p (vector 0x%02x, error code 0x%x):\n", (void *)frame,
                     frame->TrapNumber, frame->ErrCode);
        } else {
            DbgPrint("No trap frame; KeBugCheckEx was called from %08x with esp=%08x ebp=%08x\n",
                     (uint32_t)(uintptr_t)__builtin_return_address(0),
                     (uint32_t)(uintptr_t)__builtin_frame_address(0) + 8,
                     ((uint32_t *)__builtin_frame_address(0))[0]);
        }
        if (frame)
            KiPrintRegisters(frame, KiTrapFrameEsp(frame));
        /* From the caller down: through a trap's linked frame into the code that trapped. */
        KiPrintBacktrace((uint32_t)(uintptr_t)__builtin_return_address(0),
                         ((uint32_t *)__builtin_frame_address(0))[0]);
    }
    MmWriteCrashDumpHeader(KiBugCheckData);
    DbgPrint("\nmm386 has stopped.\n");
    HalExitToHost(HAL_EXIT_FAILURE);
}

void KeBugCheck(uint32_t BugCheckCode)
{
    KeBugCheckEx(BugCheckCode, 0, 0, 0, 0);
}
