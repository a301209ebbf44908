/*
 * user/kernel32/thunk.S: where every thread made by CreateThread starts (thread.c gives it
 * this EIP): EAX = the start routine, EBX = its parameter. The routine's return value is the
 * thread's exit code.
 */
	.text
	.globl _BaseThreadStartThunk
	.p2align 4
_BaseThreadStartThunk:
	xorl %ebp, %ebp
	pushl %ebx
	call *%eax
	pushl %eax
	call _ExitThread@4
	int3
