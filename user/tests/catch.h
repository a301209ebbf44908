/*
 * user/tests/catch.h: one call under an SEH frame that handles every exception, for the test
 * programs that check what a fault raises (the record and the CONTEXT it was raised with).
 */
#ifndef USER_TESTS_CATCH_H
#define USER_TESTS_CATCH_H

#include <string.h>
#include <seh.h>

static EXCEPTION_RECORD Caught;
static CONTEXT CaughtContext;

/* Run Routine under an SEH frame that handles everything; the code caught (the record and
 * context in Caught and CaughtContext), or 0. The frame is on the stack, as NT requires of
 * every registration record (one elsewhere ends the search as EXCEPTION_STACK_INVALID). */
static DWORD Catch(void (*Routine)(void))
{
    SEH_FRAME frame;

    memset(&Caught, 0, sizeof(Caught));
    if (SEH_TRY(&frame, NULL, NULL) == 0) {
        Routine();
        SehEnd(&frame);
        return 0;
    }
    Caught = frame.Exception;
    CaughtContext = frame.Context;
    return Caught.ExceptionCode;
}

#endif
