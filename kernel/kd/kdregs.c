/*
 * kernel/kd/kdregs.c: r and k, of the thread that runs the kd> prompt, as WinDbg shows them.
 * The registers are those of the command's own frame, taken where r (or k) was called; the
 * control registers are read as they are.
 *
 *   kd> r cr3
 *   cr3=00a39000
 *   kd> k
 *   ChildEBP RetAddr
 *   80a0ffa4 80104b8e nt!KdCommandStack+0x16
 */
#include "kernel/kd/kd.h"
#include "hal/x86.h"

#define KD_STACK_DEPTH      64

#define EFLAGS_CF           0x00000001
#define EFLAGS_PF           0x00000004
#define EFLAGS_AF           0x00000010
#define EFLAGS_ZF           0x00000040
#define EFLAGS_SF           0x00000080
#define EFLAGS_IF           0x00000200
#define EFLAGS_DF           0x00000400
#define EFLAGS_OF           0x00000800
#define EFLAGS_IOPL_SHIFT   12
#define EFLAGS_IOPL_MASK    3

typedef struct _KD_CONTEXT {
    uint32_t Eax, Ebx, Ecx, Edx, Esi, Edi;
    uint32_t Eip, Esp, Ebp, EFlags;
    uint32_t SegCs, SegSs, SegDs, SegEs, SegFs, SegGs;
} KD_CONTEXT;

/* The caller's registers as it called: eip is the return address, esp and ebp the caller's. */
static __attribute__((noinline)) void KdCaptureContext(KD_CONTEXT *Context)
{
    uint32_t *frame = __builtin_frame_address(0);

    __asm__ volatile("movl %%eax, 0(%0)\n\tmovl %%ebx, 4(%0)\n\tmovl %%ecx, 8(%0)\n\t"
                     "movl %%edx, 12(%0)\n\tmovl %%esi, 16(%0)\n\tmovl %%edi, 20(%0)"
                     : : "r"(Context) : "memory");
    Context->Eip = frame[1];
    Context->Ebp = frame[0];
    Context->Esp = (uint32_t)(uintptr_t)(frame + 2);
    Context->EFlags = __readeflags();
    __asm__ volatile("movl %%cs, %0\n\tmovl %%ss, %1\n\tmovl %%ds, %2"
                     : "=r"(Context->SegCs), "=r"(Context->SegSs), "=r"(Context->SegDs));
    __asm__ volatile("movl %%es, %0\n\tmovl %%fs, %1\n\tmovl %%gs, %2"
                     : "=r"(Context->SegEs), "=r"(Context->SegFs), "=r"(Context->SegGs));
}

static void KdPrintFlag(uint32_t EFlags, uint32_t Bit, const char *Set, const char *Clear)
{
    DbgPrint(" %s", EFlags & Bit ? Set : Clear);
}

static void KdPrintContext(const KD_CONTEXT *c)
{
    DbgPrint("eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n", c->Eax, c->Ebx, c->Ecx,
             c->Edx, c->Esi, c->Edi);
    DbgPrint("eip=%08x esp=%08x ebp=%08x iopl=%u        ", c->Eip, c->Esp, c->Ebp,
             (c->EFlags >> EFLAGS_IOPL_SHIFT) & EFLAGS_IOPL_MASK);
    KdPrintFlag(c->EFlags, EFLAGS_OF, "ov", "nv");
    KdPrintFlag(c->EFlags, EFLAGS_DF, "dn", "up");
    KdPrintFlag(c->EFlags, EFLAGS_IF, "ei", "di");
    KdPrintFlag(c->EFlags, EFLAGS_SF, "ng", "pl");
    KdPrintFlag(c->EFlags, EFLAGS_ZF, "zr", "nz");
    KdPrintFlag(c->EFlags, EFLAGS_AF, "ac", "na");
    KdPrintFlag(c->EFlags, EFLAGS_PF, "pe", "po");
    KdPrintFlag(c->EFlags, EFLAGS_CF, "cy", "nc");
    DbgPrint("\ncs=%04x  ss=%04x  ds=%04x  es=%04x  fs=%04x  gs=%04x             efl=%08x\n",
             c->SegCs, c->SegSs, c->SegDs, c->SegEs, c->SegFs, c->SegGs, c->EFlags);
    if (KdPrintSymbol(c->Eip))
        DbgPutString(":\n");
}

/* One register by WinDbg's name (any case): false if there is none by that name. */
static bool KdReadRegister(const KD_CONTEXT *c, const char *Name, uint32_t *Value)
{
    const struct { const char *Name; uint32_t Value; } registers[] = {
        { "eax", c->Eax }, { "ebx", c->Ebx }, { "ecx", c->Ecx }, { "edx", c->Edx },
        { "esi", c->Esi }, { "edi", c->Edi }, { "eip", c->Eip }, { "esp", c->Esp },
        { "ebp", c->Ebp }, { "efl", c->EFlags }, { "cs", c->SegCs }, { "ss", c->SegSs },
        { "ds", c->SegDs }, { "es", c->SegEs }, { "fs", c->SegFs }, { "gs", c->SegGs },
        { "cr0", __readcr0() }, { "cr2", __readcr2() }, { "cr3", __readcr3() },
        { "cr4", __readcr4() },
    };
    char lower[8];
    size_t i;

    for (i = 0; Name[i] && i + 1 < sizeof(lower); i++)
        lower[i] = Name[i] >= 'A' && Name[i] <= 'Z' ? (char)(Name[i] - 'A' + 'a') : Name[i];
    lower[i] = '\0';
    for (i = 0; i < ARRAYSIZE(registers); i++) {
        if (strcmp(registers[i].Name, lower) == 0) {
            *Value = registers[i].Value;
            return true;
        }
    }
    return false;
}

/* r: all the registers; r <name> [<name> ...] (commas allowed): those, name=value. */
void KdCommandRegisters(int Argc, char **Argv)
{
    KD_CONTEXT context;

    KdCaptureContext(&context);
    if (Argc == 1) {
        KdPrintContext(&context);
        return;
    }
    for (int i = 1; i < Argc; i++) {
        size_t length = strlen(Argv[i]);
        uint32_t value;

        if (length > 1 && Argv[i][length - 1] == ',')
            Argv[i][length - 1] = '\0';
        if (!KdReadRegister(&context, Argv[i], &value)) {
            DbgPrint("\nBad register error at '%s'\n", Argv[i]);
            return;
        }
        DbgPrint("%s%s=%08x", i > 1 ? " " : "", Argv[i], value);
    }
    DbgPutString("\n");
}

void KdPrintStack(uint32_t Eip, uint32_t Ebp, uint32_t StackHigh)
{
    DbgPutString("ChildEBP RetAddr  \n");
    for (uint32_t i = 0; i < KD_STACK_DEPTH; i++) {
        uint32_t frame[2];

        if (!Ebp || (Ebp & 3) || Ebp + sizeof(frame) > StackHigh ||
            !KdReadMemory(Ebp, frame, sizeof(frame)))
            return;
        DbgPrint("%08x %08x ", Ebp, frame[1]);
        if (!KdPrintSymbol(Eip))
            DbgPrint("0x%08x", Eip);
        DbgPutString("\n");
        if (frame[0] <= Ebp)
            return;
        Eip = frame[1];
        Ebp = frame[0];
    }
}

/* k: the frames of the thread running the prompt, from this command up, by frame pointers. */
void KdCommandStack(int Argc, char **Argv)
{
    KD_CONTEXT context;

    (void)Argv;
    if (Argc != 1) {
        DbgPrint("usage: k\n");
        return;
    }
    KdCaptureContext(&context);
    KdPrintStack(context.Eip, context.Ebp,
                 (uint32_t)(uintptr_t)KeGetCurrentThread()->InitialStack);
}
