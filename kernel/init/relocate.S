/*
 * kernel/init/relocate.S: moving the running image by a virtual bias (/3GB).
 *
 * void KiRelocateAndRestart(const KRELOCATION *Relocation)
 *
 * Adds Delta to every absolute address in the image (each site in the relocation table), then
 * switches to the relocated stack and calls the relocated entry point with Magic; it never
 * returns. The image must be mapped at both its
 * link address and the new one, and this routine uses registers only: the code and data it
 * patches are the code and data it runs on.
 */
#define REL_TABLE       0
#define REL_COUNT       4
#define REL_DELTA       8
#define REL_LINK_BASE   12
#define REL_ENTRY       16
#define REL_STACK_TOP   20
#define REL_MAGIC       24

    .text
    .globl KiRelocateAndRestart
    .type KiRelocateAndRestart, @function
KiRelocateAndRestart:
    movl 4(%esp), %eax
    movl REL_TABLE(%eax), %esi
    movl REL_COUNT(%eax), %ecx
    movl REL_DELTA(%eax), %edx
    movl REL_LINK_BASE(%eax), %ebx
    movl REL_ENTRY(%eax), %ebp
    pushl REL_MAGIC(%eax)
    pushl REL_STACK_TOP(%eax)
    jecxz 3f

1:  movl (%esi), %eax               /* site offset from the image base */
    addl %edx, (%ebx,%eax)          /* patched through the link-address mapping */
    addl $4, %esi
    loop 1b

3:  popl %eax                       /* the relocated stack */
    popl %ecx                       /* Magic */
    movl %eax, %esp
    pushl %ecx
    movl %ebp, %eax
    xorl %ebp, %ebp                 /* a fresh backtrace starts here */
    call *%eax
4:  hlt
    jmp 4b
    .size KiRelocateAndRestart, . - KiRelocateAndRestart
