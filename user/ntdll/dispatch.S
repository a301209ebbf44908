/*
 * user/ntdll/dispatch.S: where the kernel enters user mode with an exception, and the two
 * small pieces of exception handling that need exact control of the stack.
 *
 * KiUserExceptionDispatcher is entered (not called) by the kernel's KiDispatchException with
 *     [esp]   = &EXCEPTION_RECORD
 *     [esp+4] = &CONTEXT              both copied onto the thread's stack
 * It asks RtlDispatchException for a handler; handled, NtContinue resumes at the CONTEXT; not
 * handled, NtRaiseException(FirstChance = FALSE) gives the kernel its second chance (which
 * ends the process). Neither returns; if one does, its status is raised as a noncontinuable
 * exception with the original record chained. The image exports it by name so the kernel can
 * find it (.drectve below).
 */
#define EXCEPTION_NONCONTINUABLE        1
#define EXCEPTION_RECORD_SIZE           80

	.text
	.globl _KiUserExceptionDispatcher
	.def _KiUserExceptionDispatcher; .scl 2; .type 32; .endef
	.p2align 4
_KiUserExceptionDispatcher:
	cld
	movl (%esp), %ebx               /* the record */
	movl 4(%esp), %esi              /* the context */
	pushl %esi
	pushl %ebx
	call _RtlDispatchException@8
	testb %al, %al
	jz 1f
	pushl $0
	pushl %esi
	call _NtContinue@8
	jmp 2f
1:	pushl $0
	pushl %esi
	pushl %ebx
	call _NtRaiseException@12
2:	subl $EXCEPTION_RECORD_SIZE, %esp
	movl %eax, 0(%esp)              /* ExceptionCode: what the failed call returned */
	movl $EXCEPTION_NONCONTINUABLE, 4(%esp)
	movl %ebx, 8(%esp)              /* ExceptionRecord: the original */
	movl $0, 16(%esp)               /* NumberParameters */
	pushl %esp
	call _RtlRaiseException@4
	jmp 2b

/*
 * EXCEPTION_DISPOSITION RtlpCallHandler(Record, EstablisherFrame, Context, DispatcherContext,
 *                                       Handler)                                     (cdecl)
 * Calls an SEH handler. Handlers are declared __stdcall in winnt.h but __cdecl by the C
 * compilers that write them (_except_handler); keeping ESP in EBP makes either work.
 */
	.globl _RtlpCallHandler
	.def _RtlpCallHandler; .scl 2; .type 32; .endef
	.p2align 4
_RtlpCallHandler:
	pushl %ebp
	movl %esp, %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	pushl 20(%ebp)
	pushl 16(%ebp)
	pushl 12(%ebp)
	pushl 8(%ebp)
	call *24(%ebp)
	leal -12(%ebp), %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

/*
 * int SehTry(SEH_FRAME *Frame)                                                        (cdecl)
 * seh.h's setjmp: records the caller's callee-saved registers, stack and return address in
 * Frame->Resume, links Frame->Record at the head of fs:[0] and returns 0. SehHandler (seh.c)
 * later resumes there with EAX = 1 when it handles an exception.
 */
	.globl _SehTry
	.def _SehTry; .scl 2; .type 32; .endef
	.p2align 4
_SehTry:
	movl 4(%esp), %eax
	movl (%esp), %ecx
	movl %ebx, 8(%eax)              /* Resume.Ebx */
	movl %esi, 12(%eax)             /* Resume.Esi */
	movl %edi, 16(%eax)             /* Resume.Edi */
	movl %ebp, 20(%eax)             /* Resume.Ebp */
	leal 4(%esp), %edx
	movl %edx, 24(%eax)             /* Resume.Esp: as after the return */
	movl %ecx, 28(%eax)             /* Resume.Eip: the return address */
	movl %fs:0, %edx
	movl %edx, 0(%eax)              /* Record.Next */
	movl $_SehHandler, 4(%eax)      /* Record.Handler */
	movl %eax, %fs:0
	xorl %eax, %eax
	ret

	.section .drectve
	.ascii " -export:KiUserExceptionDispatcher"

	.text
/*
 * VOID RtlRaiseException(EXCEPTION_RECORD *Record)                                 (stdcall)
 * Captures the caller's context as it will be after this call returns (EIP the return
 * address, ESP past the argument), sets the record's ExceptionAddress to that EIP and hands
 * both to RtlpRaiseException (except.c), which dispatches and never returns here: a handled
 * exception resumes through NtContinue at the captured context.
 */
#define CONTEXT_SIZE            0x2CC
#define CONTEXT_FULL            0x10007
	.globl _RtlRaiseException@4
	.def _RtlRaiseException@4; .scl 2; .type 32; .endef
	.p2align 4
_RtlRaiseException@4:
	pushl %ebp
	movl %esp, %ebp
	subl $((CONTEXT_SIZE + 3) & ~3), %esp
	pushfl
	movl %eax, 4+0xB0(%esp)
	popl 0xC0(%esp)                 /* EFlags */
	movl $CONTEXT_FULL, 0x00(%esp)
	movl %edi, 0x9C(%esp)
	movl %esi, 0xA0(%esp)
	movl %ebx, 0xA4(%esp)
	movl %edx, 0xA8(%esp)
	movl %ecx, 0xAC(%esp)
	movl 0(%ebp), %eax
	movl %eax, 0xB4(%esp)           /* Ebp: the caller's */
	movl 4(%ebp), %eax
	movl %eax, 0xB8(%esp)           /* Eip: the return address */
	leal 12(%ebp), %eax
	movl %eax, 0xC4(%esp)           /* Esp: after `ret $4` */
	xorl %eax, %eax
	movw %gs, %ax
	movl %eax, 0x8C(%esp)
	movw %fs, %ax
	movl %eax, 0x90(%esp)
	movw %es, %ax
	movl %eax, 0x94(%esp)
	movw %ds, %ax
	movl %eax, 0x98(%esp)
	movw %cs, %ax
	movl %eax, 0xBC(%esp)
	movw %ss, %ax
	movl %eax, 0xC8(%esp)
	movl 8(%ebp), %ecx              /* the record */
	movl 0xB8(%esp), %eax
	movl %eax, 12(%ecx)             /* ExceptionAddress */
	movl %esp, %eax
	pushl %eax
	pushl %ecx
	call _RtlpRaiseException
	int3                            /* not reached */
