/*
 * user/crt/chkstk.S: the stack probes GCC calls for frames and alloca() bigger than a page.
 * Each touches the new stack a page at a time from the top down, so the guard page below
 * the committed stack is hit in order and grows it (a jump past the guard page would be an
 * access violation instead).
 *
 *   ___chkstk_ms:  EAX = bytes; probes [ESP - EAX, ESP); changes no register.
 *   ___chkstk / __alloca: EAX = bytes; probes, then lowers ESP by EAX and returns.
 */
#define PAGE_SIZE 0x1000

	.text
	.globl ___chkstk_ms
	.p2align 4
___chkstk_ms:
	pushl %ecx
	pushl %eax
	leal 12(%esp), %ecx             /* the caller's ESP */
1:	cmpl $PAGE_SIZE, %eax
	jb 2f
	subl $PAGE_SIZE, %ecx
	orl $0, (%ecx)
	subl $PAGE_SIZE, %eax
	jmp 1b
2:	subl %eax, %ecx
	orl $0, (%ecx)
	popl %eax
	popl %ecx
	ret

	.globl ___chkstk
	.globl __alloca
	.p2align 4
___chkstk:
__alloca:
	pushl %ecx
	leal 8(%esp), %ecx              /* the caller's ESP */
1:	cmpl $PAGE_SIZE, %eax
	jb 2f
	subl $PAGE_SIZE, %ecx
	orl $0, (%ecx)
	subl $PAGE_SIZE, %eax
	jmp 1b
2:	subl %eax, %ecx
	orl $0, (%ecx)
	movl %esp, %eax                 /* the old stack: saved ECX, return address */
	movl %ecx, %esp
	movl (%eax), %ecx
	pushl 4(%eax)                   /* the return address, onto the new stack */
	ret
