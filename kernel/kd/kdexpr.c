/*
 * kernel/kd/kdexpr.c: expressions at the kd> prompt, in WinDbg's words (kdeval.c parses them):
 *
 *   kd> ? MmHighestUserAddress                       the variable's address
 *   kd> ? poi(nt!MmHighestUserAddress)               its value
 *   kd> ? (MmSystemRangeStart - MmHighestUserAddress) / 0n1024
 *
 * Memory is read through KeProbeRead32, so an unmapped address is an error, never a fault.
 */
#include "kernel/kd/kd.h"
#include "mm/mm.h"

#define KD_EXPRESSION_LENGTH    256

/* Length bytes from Address, any alignment, a dword probe at a time: false when a byte of
 * it is not mapped. */
bool KdReadMemory(uint32_t Address, void *Buffer, uint32_t Length)
{
    uint8_t *bytes = Buffer;

    for (uint32_t i = 0; i < Length; i++) {
        uint32_t address = Address + i, dword;

        if (!NT_SUCCESS(KeProbeRead32((void *)(uintptr_t)(address & ~3u), &dword)))
            return false;
        bytes[i] = (uint8_t)(dword >> (address & 3) * 8);
    }
    return true;
}

/* Evaluate Text; false, with WinDbg's message saying where, unless all of it is an expression:
 * an operator with nothing after it is a syntax error, never a zero. */
bool KdEvaluateWord(const char *Text, uint32_t *Value)
{
    const char *at;

    switch (KdEvaluateExpression(Text, Value, &at)) {
    case KdExpressionOk:
        return true;
    case KdExpressionEnd:
        DbgPrint("Syntax error: '%s' ends where an operand or ')' is expected\n", Text);
        break;
    case KdExpressionUnresolved:
        DbgPrint("Couldn't resolve error at '%s'\n", at);
        break;
    case KdExpressionMemory:
        DbgPrint("Memory access error at '%s'\n", at);
        break;
    case KdExpressionDivide:
        DbgPrint("Divide by zero error at '%s'\n", at);
        break;
    case KdExpressionTooDeep:
        DbgPrint("Syntax error: nested more than %u deep at '%s'\n", KD_MAXIMUM_NESTING, at);
        break;
    default:
        DbgPrint("Syntax error at '%s'\n", at);
        break;
    }
    return false;
}

/* ? expression: the words after ? are one expression, spaces and all. */
void KdCommandEvaluate(int Argc, char **Argv)
{
    char text[KD_EXPRESSION_LENGTH] = "";
    size_t length = 0;
    uint32_t value;

    if (Argc < 2) {
        DbgPrint("usage: ? <expression>\n");
        return;
    }
    for (int i = 1; i < Argc; i++)
        length += RtlStringPrintf(text + length, sizeof(text) - length, "%s%s", i > 1 ? " " : "",
                                  Argv[i]);
    if (KdEvaluateWord(text, &value))
        DbgPrint("Evaluate expression: %d = %08x\n", (int32_t)value, value);
}

/* ed address value: write one dword at address as given, aligned or not, read-only pages
 * (code) included, as a debugger patches them; a bad address only says so. Nothing is written
 * unless both words are good. */
void KdCommandEnterDword(int Argc, char **Argv)
{
    uint32_t address, value;

    if (Argc != 3) {
        DbgPrint("usage: ed <address> <value>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &address) || !KdEvaluateWord(Argv[2], &value))
        return;
    if (!NT_SUCCESS(MmDbgWriteMemory((void *)(uintptr_t)address, &value, sizeof(value))))
        DbgPrint("Memory access error at '%s'\n", Argv[1]);
}
