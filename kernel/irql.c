/*
 * kernel/irql.c: the interrupt request level. Uniprocessor, so the current IRQL is one
 * variable. Raising it above DISPATCH_LEVEL masks, at the PICs, every device line whose IRQL
 * is not higher (HalSetIrqlMask); HIGH_LEVEL masks them all. Interrupts are never disabled to
 * express an IRQL, so exceptions and the IF flag stay independent of it. (NT's HAL owns these
 * routines; here the HAL provides the masks and the kernel keeps the level.)
 */
#include "kernel/ki.h"
#include "hal/hal.h"

static volatile KIRQL KiCurrentIrql = PASSIVE_LEVEL;

KIRQL KeGetCurrentIrql(void)
{
    return KiCurrentIrql;
}

/* Set the level and the masks that go with it, with interrupts off so no blocked line slips
 * through between the two. */
static void KiSetIrql(KIRQL Irql)
{
    uint32_t flags = __readeflags();

    _disable();
    KiCurrentIrql = Irql;
    HalSetIrqlMask(Irql > DISPATCH_LEVEL ? Irql : PASSIVE_LEVEL);
    __writeeflags(flags);
}

KIRQL KfRaiseIrql(KIRQL NewIrql)
{
    KIRQL oldIrql = KiCurrentIrql;

    if (NewIrql < oldIrql)
        KeBugCheckEx(IRQL_NOT_GREATER_OR_EQUAL, oldIrql, NewIrql, 0, 0);
    if (NewIrql != oldIrql)
        KiSetIrql(NewIrql);
    return oldIrql;
}

void KfLowerIrql(KIRQL NewIrql)
{
    KIRQL oldIrql = KiCurrentIrql;

    if (NewIrql > oldIrql)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, NewIrql, oldIrql, 0,
                     (uintptr_t)__builtin_return_address(0));
    if (NewIrql != oldIrql)
        KiSetIrql(NewIrql);
}
