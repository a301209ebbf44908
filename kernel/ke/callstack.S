/*
 * kernel/ke/callstack.S: run a function on another stack.
 *
 * uint32_t KeCallOnStack(void *StackTop, uint32_t (*Function)(void *), void *Context)
 *
 * Switches esp to StackTop, calls Function(Context) there and comes back to the caller's
 * stack with its result. The frame pointer chain is kept, so backtraces taken on the other
 * stack continue into the caller.
 */
    .text
    .globl KeCallOnStack
    .type KeCallOnStack, @function
KeCallOnStack:
    pushl %ebp
    movl %esp, %ebp
    movl 8(%ebp), %eax                  /* StackTop */
    movl 12(%ebp), %ecx                 /* Function */
    movl 16(%ebp), %edx                 /* Context */
    movl %eax, %esp
    pushl %ebp                          /* where to come back to */
    pushl %edx
    call *%ecx
    addl $4, %esp
    popl %esp                           /* the caller's frame */
    popl %ebp
    ret
    .size KeCallOnStack, . - KeCallOnStack
