/*
 * kernel/ke/event.c: events. A notification event stays signaled, releasing every waiter, until
 * reset; a synchronization event releases one waiter and resets itself. mm386 gives no
 * priority boost to the thread an event releases.
 */
#include "kernel/ke/ki.h"

void KeInitializeEvent(KEVENT *Event, EVENT_TYPE Type, bool State)
{
    Event->Header.Type = Type == NotificationEvent ? EventNotificationObject
                                                   : EventSynchronizationObject;
    Event->Header.SignalState = State;
    InitializeListHead(&Event->Header.WaitListHead);
}

/* Signal Event, readying the waiters it satisfies; returns the previous state. IRQL <= DISPATCH. */
int32_t KeSetEvent(KEVENT *Event)
{
    KIRQL oldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    int32_t previous = Event->Header.SignalState;

    Event->Header.SignalState = 1;
    KiWaitTest(&Event->Header);
    KfLowerIrql(oldIrql);
    return previous;
}

void KeClearEvent(KEVENT *Event)
{
    Event->Header.SignalState = 0;
}

int32_t KeReadStateEvent(const KEVENT *Event)
{
    return Event->Header.SignalState;
}
