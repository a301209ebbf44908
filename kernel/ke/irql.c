/*
 * kernel/ke/irql.c: the interrupt request level. Uniprocessor, so the current IRQL is one
 * variable. Up to DISPATCH_LEVEL it is only that variable; above it, the PICs also mask every
 * device line whose IRQL is not higher (HalSetIrqlMask), and HIGH_LEVEL masks them all.
 * Interrupts are never disabled to express an IRQL. (NT's HAL owns these routines; here the
 * HAL provides the masks and the kernel keeps the level.)
 *
 * Dropping below DISPATCH_LEVEL is where the dispatcher's deferred work happens: if an
 * interrupt or a readied thread asked for it (KiDispatchPending), KfLowerIrql runs
 * KiDispatchSoftwareInterrupt, at DISPATCH_LEVEL with interrupts enabled, which may switch
 * to another thread before this one continues.
 */
#include "kernel/ke/ki.h"
#include "hal/hal.h"

volatile KIRQL KiCurrentIrql = PASSIVE_LEVEL;

KIRQL KeGetCurrentIrql(void)
{
    return KiCurrentIrql;
}

/* Set the level and, when above DISPATCH_LEVEL is involved, the PIC masks. Interrupts off. */
static void KiSetIrql(KIRQL Irql)
{
    KIRQL old = KiCurrentIrql;

    KiCurrentIrql = Irql;
    if (Irql > DISPATCH_LEVEL || old > DISPATCH_LEVEL)
        HalSetIrqlMask(Irql > DISPATCH_LEVEL ? Irql : PASSIVE_LEVEL);
}

KIRQL KfRaiseIrql(KIRQL NewIrql)
{
    KIRQL oldIrql = KiCurrentIrql;
    uint32_t flags;

    if (NewIrql < oldIrql)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, oldIrql, NewIrql, 0, 0);
    if (NewIrql <= DISPATCH_LEVEL) {
        KiCurrentIrql = NewIrql;
        return oldIrql;
    }
    flags = __readeflags();
    _disable();
    KiSetIrql(NewIrql);
    __writeeflags(flags);
    return oldIrql;
}

/* Run the dispatcher's deferred work that was asked for while the level was high. */
static void KiDeliverDispatchInterrupt(KIRQL NewIrql)
{
    uint32_t flags = __readeflags();

    _disable();
    while (KiDispatchPending) {
        KiDispatchPending = false;
        KiCurrentIrql = DISPATCH_LEVEL;
        _enable();
        KiDispatchSoftwareInterrupt();
        _disable();
    }
    KiCurrentIrql = NewIrql;
    __writeeflags(flags);
}

/*
 * Lowering within PASSIVE..DISPATCH_LEVEL is a store and a test, with interrupts left alone
 * (under emulation, every change of the interrupt flag is costly): the new level is stored
 * first and KiDispatchPending tested after. An interrupt that comes before the store sees
 * the old level and leaves its request pending for the test; one that comes after sees the
 * new level and delivers its request itself on its way out.
 */
void KfLowerIrql(KIRQL NewIrql)
{
    KIRQL oldIrql = KiCurrentIrql;

    if (NewIrql > oldIrql)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, NewIrql, oldIrql, 0,
                     (uintptr_t)__builtin_return_address(0));
    if (oldIrql > DISPATCH_LEVEL) {
        uint32_t flags = __readeflags();

        _disable();
        KiSetIrql(MAX(NewIrql, (KIRQL)DISPATCH_LEVEL));
        __writeeflags(flags);
    }
    KiCurrentIrql = NewIrql;
    if (NewIrql < DISPATCH_LEVEL && KiDispatchPending)
        KiDeliverDispatchInterrupt(NewIrql);
}
