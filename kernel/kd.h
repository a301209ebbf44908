/* kernel/kd.h: the kd> shell's command table entry. */
#ifndef KERNEL_KD_H
#define KERNEL_KD_H

typedef struct _KD_COMMAND {
    const char *Name;
    const char *Usage;              /* the arguments, as help shows them */
    const char *Help;
    void (*Handler)(int Argc, char **Argv);
} KD_COMMAND;

#endif
