/*
 * kernel/inc/ntxcapi.h: what an exception is, to the kernel: EXCEPTION_RECORD and the x86
 * CONTEXT, at NT's layouts (ntxcapi.h, nti386.h). KiDispatchException copies both to the user
 * stack for ntdll's KiUserExceptionDispatcher, and NtContinue / NtRaiseException read them
 * back; user mode uses mingw-w64's own declarations of the same layouts.
 */
#ifndef KERNEL_INC_NTXCAPI_H
#define KERNEL_INC_NTXCAPI_H

#include <stdint.h>

#define EXCEPTION_MAXIMUM_PARAMETERS    15
#define EXCEPTION_NONCONTINUABLE        0x01
#define EXCEPTION_UNWINDING             0x02
#define EXCEPTION_EXIT_UNWIND           0x04
#define EXCEPTION_STACK_INVALID         0x08
#define EXCEPTION_NESTED_CALL           0x10

typedef struct _EXCEPTION_RECORD {
    int32_t ExceptionCode;
    uint32_t ExceptionFlags;
    uint32_t ExceptionRecord;           /* a chained record's user address */
    uint32_t ExceptionAddress;
    uint32_t NumberParameters;
    uint32_t ExceptionInformation[EXCEPTION_MAXIMUM_PARAMETERS];
} EXCEPTION_RECORD;

#define SIZE_OF_80387_REGISTERS         80
#define MAXIMUM_SUPPORTED_EXTENSION     512

/* The x87 state as fnsave writes it (108 bytes), then Cr0NpxState. */
typedef struct _FLOATING_SAVE_AREA {
    uint32_t ControlWord;
    uint32_t StatusWord;
    uint32_t TagWord;
    uint32_t ErrorOffset;
    uint32_t ErrorSelector;
    uint32_t DataOffset;
    uint32_t DataSelector;
    uint8_t RegisterArea[SIZE_OF_80387_REGISTERS];
    uint32_t Cr0NpxState;
} FLOATING_SAVE_AREA;

#define CONTEXT_i386                0x00010000
#define CONTEXT_CONTROL             (CONTEXT_i386 | 0x01)
#define CONTEXT_INTEGER             (CONTEXT_i386 | 0x02)
#define CONTEXT_SEGMENTS            (CONTEXT_i386 | 0x04)
#define CONTEXT_FLOATING_POINT      (CONTEXT_i386 | 0x08)
#define CONTEXT_DEBUG_REGISTERS     (CONTEXT_i386 | 0x10)
#define CONTEXT_EXTENDED_REGISTERS  (CONTEXT_i386 | 0x20)
#define CONTEXT_FULL                (CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_SEGMENTS)

typedef struct _CONTEXT {
    uint32_t ContextFlags;
    uint32_t Dr0, Dr1, Dr2, Dr3, Dr6, Dr7;
    FLOATING_SAVE_AREA FloatSave;
    uint32_t SegGs, SegFs, SegEs, SegDs;
    uint32_t Edi, Esi, Ebx, Edx, Ecx, Eax;
    uint32_t Ebp, Eip, SegCs, EFlags, Esp, SegSs;
    uint8_t ExtendedRegisters[MAXIMUM_SUPPORTED_EXTENSION];
} CONTEXT;

_Static_assert(sizeof(EXCEPTION_RECORD) == 80, "EXCEPTION_RECORD is 80 bytes");
_Static_assert(sizeof(FLOATING_SAVE_AREA) == 112, "FLOATING_SAVE_AREA is 112 bytes");
_Static_assert(sizeof(CONTEXT) == 0x2CC, "CONTEXT is 0x2CC bytes");
_Static_assert(__builtin_offsetof(CONTEXT, FloatSave) == 0x1C &&
               __builtin_offsetof(CONTEXT, SegGs) == 0x8C &&
               __builtin_offsetof(CONTEXT, Edi) == 0x9C &&
               __builtin_offsetof(CONTEXT, Ebp) == 0xB4 &&
               __builtin_offsetof(CONTEXT, ExtendedRegisters) == 0xCC, "CONTEXT offsets");

#endif
