/*
 * kernel/kd/kdeval.c: MASM expressions, WinDbg's default syntax, for the kd> prompt. Pure: it
 * reaches symbols and memory only through KdFindSymbol and KdReadMemory, so the host tests it
 * (tests/host/test_kdeval.c) with its own of both.
 *
 *   expression := product { (+ | -) product }
 *   product    := unary { (* | / | % | mod) unary }
 *   unary      := (- | + | poi | dwo | wo | by) unary  |  primary
 *   primary    := number | symbol | ( expression )
 *
 * Numbers are hex unless prefixed: 0x hex, 0n decimal, 0t octal, 0y binary; ` between digit
 * groups is ignored. A word that reads as a hex number is one (WinDbg's rule: `add` is 0xadd).
 * A symbol may carry the module, nt!; nt alone is the module's base, as in WinDbg. poi and dwo
 * read a dword, wo a word, by a byte. As in WinDbg, the arithmetic is 64-bit and signed, an
 * operand (a number, a symbol, memory) being a 32-bit value zero-extended: 80000000 / 2 is
 * 40000000 and -(10) / 2 is -8; the result is its low 32 bits.
 */
#include "kernel/kd/kd.h"

typedef uint64_t KD_VALUE;         /* two's complement: / and % treat it as signed */

typedef struct _KD_PARSER {
    const char *Cursor;
    uint32_t Depth;                 /* unary operators and parentheses open */
    const char *ErrorAt;            /* where the first error was found */
    KD_EXPRESSION_STATUS Status;
} KD_PARSER;

static bool KdParseSum(KD_PARSER *Parser, KD_VALUE *Value);

static bool KdFail(KD_PARSER *Parser, KD_EXPRESSION_STATUS Status, const char *At)
{
    Parser->Status = Status;
    Parser->ErrorAt = At;
    return false;
}

static void KdSkipBlanks(KD_PARSER *Parser)
{
    while (*Parser->Cursor == ' ' || *Parser->Cursor == '\t')
        Parser->Cursor++;
}

bool KdIsSymbolCharacter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '!' || c == '`';
}

static char KdLower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A number in Token, backquotes dropped: hex, or with a 0x, 0n, 0t or 0y prefix. */
static bool KdParseNumber(const char *Token, uint32_t *Value)
{
    char digits[KD_TOKEN_LENGTH];
    size_t length = 0;
    uint32_t base = 16;

    if (Token[0] == '0' && Token[1] != '\0') {
        switch (KdLower(Token[1])) {
        case 'x': base = 16; Token += 2; break;
        case 'n': base = 10; Token += 2; break;
        case 't': base = 8; Token += 2; break;
        case 'y': base = 2; Token += 2; break;
        }
    }
    for (; *Token; Token++) {
        if (*Token != '`')
            digits[length++] = *Token;
    }
    digits[length] = '\0';
    return length > 0 && RtlStringToUlong(digits, base, Value);
}

/* nt!Name or Name: the module part, when present, must be nt (any case). */
static bool KdResolveSymbol(const char *Token, uint32_t *Value)
{
    const char *bang = strchr(Token, '!');
    uintptr_t address;

    if (bang) {
        if (bang - Token != 2 || KdLower(Token[0]) != 'n' || KdLower(Token[1]) != 't')
            return false;
        Token = bang + 1;
    }
    if (KdLower(Token[0]) == 'n' && KdLower(Token[1]) == 't' && Token[2] == '\0')
        address = KdModuleBase();
    else if (!KdFindSymbol(Token, &address))
        return false;
    *Value = (uint32_t)address;
    return true;
}

/* The operators poi, dwo, wo, by: the bytes each reads, or 0 when Token is none of them. */
static uint32_t KdMemoryOperatorSize(const char *Token)
{
    static const struct { const char *Name; uint32_t Size; } operators[] = {
        { "poi", 4 }, { "dwo", 4 }, { "wo", 2 }, { "by", 1 },
    };

    for (size_t i = 0; i < ARRAYSIZE(operators); i++) {
        const char *a = operators[i].Name, *b = Token;

        while (*a && *a == KdLower(*b)) {
            a++;
            b++;
        }
        if (!*a && !*b)
            return operators[i].Size;
    }
    return 0;
}

static bool KdParseUnaryAt(KD_PARSER *Parser, KD_VALUE *Value);

/* A unary expression, refused past KD_MAXIMUM_NESTING levels rather than overflowing the stack. */
static bool KdParseUnary(KD_PARSER *Parser, KD_VALUE *Value)
{
    bool parsed;

    if (Parser->Depth == KD_MAXIMUM_NESTING)
        return KdFail(Parser, KdExpressionTooDeep, Parser->Cursor);
    Parser->Depth++;
    parsed = KdParseUnaryAt(Parser, Value);
    Parser->Depth--;
    return parsed;
}

static bool KdParseUnaryAt(KD_PARSER *Parser, KD_VALUE *Value)
{
    const char *start;
    char token[KD_TOKEN_LENGTH];
    size_t length = 0;
    uint32_t size, operand;

    KdSkipBlanks(Parser);
    start = Parser->Cursor;
    if (*start == '-' || *start == '+') {
        Parser->Cursor++;
        if (!KdParseUnary(Parser, Value))
            return false;
        if (*start == '-')
            *Value = 0 - *Value;
        return true;
    }
    if (*start == '(') {
        Parser->Cursor++;
        if (!KdParseSum(Parser, Value))
            return false;
        KdSkipBlanks(Parser);
        if (*Parser->Cursor != ')')
            return KdFail(Parser, *Parser->Cursor ? KdExpressionSyntax : KdExpressionEnd,
                          Parser->Cursor);
        Parser->Cursor++;
        return true;
    }
    while (KdIsSymbolCharacter(*Parser->Cursor)) {
        if (length + 1 == sizeof(token))
            return KdFail(Parser, KdExpressionSyntax, start);
        token[length++] = *Parser->Cursor++;
    }
    token[length] = '\0';
    if (length == 0)
        return KdFail(Parser, *start ? KdExpressionSyntax : KdExpressionEnd, start);
    size = KdMemoryOperatorSize(token);
    if (size) {
        KD_VALUE address;

        if (!KdParseUnary(Parser, &address))
            return false;
        operand = 0;
        if (!KdReadMemory((uint32_t)address, &operand, size))
            return KdFail(Parser, KdExpressionMemory, start);
        *Value = operand;
        return true;
    }
    if (KdParseNumber(token, &operand) || KdResolveSymbol(token, &operand)) {
        *Value = operand;
        return true;
    }
    return KdFail(Parser, token[0] >= '0' && token[0] <= '9' ? KdExpressionSyntax
                                                             : KdExpressionUnresolved, start);
}

/* The multiplicative operator at the cursor (mod only as a word of its own), or 0. */
static char KdProductOperator(KD_PARSER *Parser)
{
    const char *c = Parser->Cursor;

    if (*c == '*' || *c == '/' || *c == '%') {
        Parser->Cursor++;
        return *c;
    }
    if (KdLower(c[0]) == 'm' && KdLower(c[1]) == 'o' && KdLower(c[2]) == 'd' &&
        !KdIsSymbolCharacter(c[3])) {
        Parser->Cursor += 3;
        return '%';
    }
    return 0;
}

/* Left / Right or Left % Right, both signed; Right is not 0. */
static KD_VALUE KdSignedDivide(KD_VALUE Left, KD_VALUE Right, bool Remainder)
{
    int64_t left = (int64_t)Left, right = (int64_t)Right;

    if (right == -1)                /* INT64_MIN / -1 would trap */
        return Remainder ? 0 : 0 - Left;
    return (KD_VALUE)(Remainder ? left % right : left / right);
}

static bool KdParseProduct(KD_PARSER *Parser, KD_VALUE *Value)
{
    char op;

    if (!KdParseUnary(Parser, Value))
        return false;
    for (;;) {
        const char *at;
        KD_VALUE right;

        KdSkipBlanks(Parser);
        at = Parser->Cursor;
        op = KdProductOperator(Parser);
        if (!op)
            return true;
        if (!KdParseUnary(Parser, &right))
            return false;
        if (op == '*')
            *Value *= right;
        else if (right == 0)
            return KdFail(Parser, KdExpressionDivide, at);
        else
            *Value = KdSignedDivide(*Value, right, op == '%');
    }
}

static bool KdParseSum(KD_PARSER *Parser, KD_VALUE *Value)
{
    if (!KdParseProduct(Parser, Value))
        return false;
    for (;;) {
        char op;
        KD_VALUE right;

        KdSkipBlanks(Parser);
        op = *Parser->Cursor;
        if (op != '+' && op != '-')
            return true;
        Parser->Cursor++;
        if (!KdParseProduct(Parser, &right))
            return false;
        *Value = op == '+' ? *Value + right : *Value - right;
    }
}

/* Evaluate all of Text. On failure *ErrorAt is where in Text the error was found. */
KD_EXPRESSION_STATUS KdEvaluateExpression(const char *Text, uint32_t *Value, const char **ErrorAt)
{
    KD_PARSER parser = { .Cursor = Text, .Status = KdExpressionOk };
    KD_VALUE value;

    if (KdParseSum(&parser, &value)) {
        KdSkipBlanks(&parser);
        *Value = (uint32_t)value;
        if (*parser.Cursor == '\0')
            return KdExpressionOk;
        KdFail(&parser, KdExpressionSyntax, parser.Cursor);
    }
    *ErrorAt = parser.ErrorAt;
    return parser.Status;
}
