/*
 * tests/host/kestubs.h: what host tests put in place of the kernel for Mm code that runs on
 * the host. Spin locks and TB flushes do nothing; a bugcheck is recorded and, when a test has
 * armed HostBugCheckJump, jumps back to it (so a test can check which bugcheck was raised),
 * otherwise it fails the run.
 */
#ifndef TESTS_HOST_KESTUBS_H
#define TESTS_HOST_KESTUBS_H

#include <setjmp.h>
#include <stdint.h>

extern jmp_buf *HostBugCheckJump;
extern uint32_t HostBugCheckData[5];

/* Run Statement; true if it bugchecked (code in HostBugCheckData[0]). */
#define HOST_BUGCHECKS(Statement)                                                         \
    ({                                                                                    \
        jmp_buf jump_;                                                                    \
        int raised_ = 0;                                                                  \
        HostBugCheckJump = &jump_;                                                        \
        if (setjmp(jump_) == 0) {                                                         \
            Statement;                                                                    \
        } else {                                                                          \
            raised_ = 1;                                                                  \
        }                                                                                 \
        HostBugCheckJump = NULL;                                                          \
        raised_;                                                                          \
    })

#endif
