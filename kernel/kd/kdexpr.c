/*
 * kernel/kd/kdexpr.c: expressions and memory for the kd> prompt, in WinDbg's manner. Numbers
 * are hex (0n prefix for decimal), a symbol stands for its address, poi(x) reads the dword at
 * x, terms join with + and -, and a term may have a sign:
 *
 *   kd> ? MmHighestUserAddress           the variable's address
 *   kd> ? poi(MmHighestUserAddress)      its value
 *   kd> dd MmHighestUserAddress L1       the dwords there
 *
 * Memory is read through KeProbeRead32, so an unmapped address prints ???????? instead of
 * faulting.
 */
#include "kernel/kd/kd.h"
#include "mm/mm.h"

#define KD_DUMP_PER_LINE    4
#define KD_DUMP_DEFAULT     32
#define KD_DUMP_MAXIMUM     0x10000

static bool KdIsSymbolCharacter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '!';
}

/* A number or a symbol: a token that reads as a number (hex, or 0n decimal) is one. On
 * failure the cursor stays at the token. */
static bool KdEvaluateToken(const char **Cursor, uint32_t *Value)
{
    const char *start = *Cursor;
    char token[64];
    size_t length = 0;
    uintptr_t address;

    while (KdIsSymbolCharacter(**Cursor) && length + 1 < sizeof(token))
        token[length++] = *(*Cursor)++;
    token[length] = '\0';
    if (length == 0)
        return false;
    if (length > 2 && token[0] == '0' && token[1] == 'n' && RtlStringToUlong(token + 2, 10, Value))
        return true;
    if (RtlStringToUlong(token, 16, Value))
        return true;
    if (!KiFindSymbol(token, &address)) {
        *Cursor = start;
        return false;
    }
    *Value = (uint32_t)address;
    return true;
}

static bool KdEvaluateTerm(const char **Cursor, uint32_t *Value)
{
    if (**Cursor == '-' || **Cursor == '+') {
        char sign = *(*Cursor)++;

        if (!KdEvaluateTerm(Cursor, Value))
            return false;
        if (sign == '-')
            *Value = 0 - *Value;
        return true;
    }
    if (strncmp(*Cursor, "poi(", 4) == 0) {
        const char *start = *Cursor;
        uint32_t address;

        *Cursor += 4;
        if (!KdEvaluate(Cursor, &address) || **Cursor != ')')
            return false;
        if (!NT_SUCCESS(KeProbeRead32((void *)(uintptr_t)address, Value))) {
            *Cursor = start;        /* KdEvaluateWord names the poi() that failed */
            return false;
        }
        (*Cursor)++;
        return true;
    }
    return KdEvaluateToken(Cursor, Value);
}

bool KdEvaluate(const char **Cursor, uint32_t *Value)
{
    uint32_t term;

    if (!KdEvaluateTerm(Cursor, Value))
        return false;
    while (**Cursor == '+' || **Cursor == '-') {
        char op = *(*Cursor)++;

        if (!KdEvaluateTerm(Cursor, &term))
            return false;
        *Value = op == '+' ? *Value + term : *Value - term;
    }
    return true;
}

/* Evaluate a whole word; false (with a message saying where) unless all of it is an
 * expression: an operator with nothing after it is a syntax error, never a zero. */
bool KdEvaluateWord(const char *Word, uint32_t *Value)
{
    const char *cursor = Word;

    if (KdEvaluate(&cursor, Value) && *cursor == '\0')
        return true;
    if (*cursor == '\0')
        DbgPrint("Syntax error: '%s' ends where an operand or ')' is expected\n", Word);
    else if (strncmp(cursor, "poi(", 4) == 0)
        DbgPrint("Memory access error at '%s'\n", cursor);
    else if (KdIsSymbolCharacter(*cursor))
        DbgPrint("Couldn't resolve error at '%s'\n", cursor);
    else
        DbgPrint("Syntax error at '%s'\n", cursor);
    return false;
}

/* ? expression */
void KdCommandEvaluate(int Argc, char **Argv)
{
    uint32_t value;

    if (Argc != 2) {
        DbgPrint("usage: ? <expression>\n");
        return;
    }
    if (KdEvaluateWord(Argv[1], &value))
        DbgPrint("Evaluate expression: %d = %08x\n", (int32_t)value, value);
}

/* dd address [L count]: count dwords from address as given (aligned or not), four to a line. */
void KdCommandDumpDwords(int Argc, char **Argv)
{
    uint32_t address, count = KD_DUMP_DEFAULT;

    if (Argc < 2)
        goto usage;
    if (!KdEvaluateWord(Argv[1], &address))
        return;
    if (Argc == 4 && (Argv[2][0] == 'L' || Argv[2][0] == 'l') && Argv[2][1] == '\0') {
        if (!KdEvaluateWord(Argv[3], &count))
            return;
    } else if (Argc == 3 && (Argv[2][0] == 'L' || Argv[2][0] == 'l')) {
        if (!KdEvaluateWord(Argv[2] + 1, &count))
            return;
    } else if (Argc != 2) {
        goto usage;
    }
    if (count == 0 || count > KD_DUMP_MAXIMUM) {
        DbgPrint("dd: the count must be 1 to 0x%x\n", KD_DUMP_MAXIMUM);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t value;

        if (i % KD_DUMP_PER_LINE == 0)
            DbgPrint("%s%08x ", i ? "\n" : "", address + i * 4);
        if (NT_SUCCESS(KeProbeRead32((void *)(uintptr_t)(address + i * 4), &value)))
            DbgPrint(" %08x", value);
        else
            DbgPrint(" ????????");
    }
    DbgPrint("\n");
    return;
usage:
    DbgPrint("usage: dd <address> [L <count>]\n");
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
