/*
 * tests/host/test_kdeval.c: the kd> prompt's MASM expressions (kernel/kd/kdeval.c) over a fake
 * symbol table and a fake memory of 16 bytes at 0x1000.
 */
#include <stdint.h>
#include "tests/host/tap.h"
#include "kernel/kd/kd.h"

static const uint8_t HostMemory[16] = { 0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde,
                                        0x00, 0x10, 0x00, 0x00, 0xff, 0xff, 0xff, 0x7f };
#define HOST_MEMORY_BASE 0x1000u

bool KdFindSymbol(const char *Name, uintptr_t *Address)
{
    if (strcmp(Name, "MmHighestUserAddress") == 0 || strcmp(Name, "mmhighestuseraddress") == 0) {
        *Address = HOST_MEMORY_BASE + 12;
        return true;
    }
    if (strcmp(Name, "Pointer") == 0) {
        *Address = HOST_MEMORY_BASE + 8;
        return true;
    }
    return false;
}

uintptr_t KdModuleBase(void)
{
    return 0x80100000;
}

bool KdReadMemory(uint32_t Address, void *Buffer, uint32_t Length)
{
    if (Address < HOST_MEMORY_BASE || Address + Length > HOST_MEMORY_BASE + sizeof(HostMemory))
        return false;
    memcpy(Buffer, HostMemory + (Address - HOST_MEMORY_BASE), Length);
    return true;
}

static void Value(const char *Text, uint32_t Expected)
{
    uint32_t value = 0xcccccccc;
    const char *at = NULL;
    KD_EXPRESSION_STATUS status = KdEvaluateExpression(Text, &value, &at);

    if (!is_int(status, KdExpressionOk, "'%s' evaluates", Text))
        printf("#   error at '%s'\n", at ? at : "(null)");
    is_int(value, Expected, "'%s' = %08x", Text, Expected);
}

static void Error(const char *Text, KD_EXPRESSION_STATUS Expected, const char *At)
{
    uint32_t value;
    const char *at = NULL;

    is_int(KdEvaluateExpression(Text, &value, &at), Expected, "'%s' is error %d", Text, Expected);
    is_str(at ? at : "(null)", At, "'%s': the error is at '%s'", Text, At);
}

int main(void)
{
    Value("10", 0x10);
    Value("0x10", 0x10);
    Value("0n10", 10);
    Value("0t17", 15);
    Value("0y101", 5);
    Value("8010`0000", 0x80100000);
    Value("1+2*3", 7);
    Value("(1+2)*3", 9);
    Value("10/3", 5);
    Value("10 % 3", 1);
    Value("0n10 mod 0n3", 1);
    Value("-1", 0xffffffff);
    Value("1+-2", 0xffffffff);
    Value("- (4 * 2)", 0xfffffff8);
    Value("80000000 / 2", 0x40000000);
    Value("-0n10 / 2", 0xfffffffb);
    Value("-(7) / 2", 0xfffffffd);
    Value("-7 % 2", 0xffffffff);
    Value("ffffffff * ffffffff", 1);
    Value("(1 - 2) / -1", 1);
    Value(" ( 7fff0000 - 7ffeffff ) / 0n1024 ", 0);
    Value("(80000000 - 7ffeffff) / 0n1024", 0x40);
    Value("(0x80000000 - 0n1024) / 0n1024", 0x1fffff);
    Value("MmHighestUserAddress", HOST_MEMORY_BASE + 12);
    Value("nt!MmHighestUserAddress", HOST_MEMORY_BASE + 12);
    Value("NT!mmhighestuseraddress", HOST_MEMORY_BASE + 12);
    Value("nt", 0x80100000);
    Value("poi(MmHighestUserAddress)", 0x7fffffff);
    Value("poi MmHighestUserAddress + 1", 0x80000000);
    Value("poi(poi(Pointer))", 0x12345678);
    Value("dwo(1004)", 0xdeadbeef);
    Value("wo(1004)", 0xbeef);
    Value("by(1004)", 0xef);
    Value("BY(1005) * 2", 0x17c);
    Value("add", 0xadd);

    Error("1+", KdExpressionEnd, "");
    Error("+", KdExpressionEnd, "");
    Error("(1", KdExpressionEnd, "");
    Error("1)", KdExpressionSyntax, ")");
    Error("1 2", KdExpressionSyntax, "2");
    Error("v", KdExpressionUnresolved, "v");
    Error("1+nosuch*2", KdExpressionUnresolved, "nosuch*2");
    Error("xx!MmHighestUserAddress", KdExpressionUnresolved, "xx!MmHighestUserAddress");
    Error("0n12z", KdExpressionSyntax, "0n12z");
    Error("100000000", KdExpressionSyntax, "100000000");
    Error("poi(0)", KdExpressionMemory, "poi(0)");
    Error("1 + wo 100f", KdExpressionMemory, "wo 100f");
    Error("4/(2-2)", KdExpressionDivide, "/(2-2)");
    Error("4 % 0", KdExpressionDivide, "% 0");
    {
        char deep[3 * KD_MAXIMUM_NESTING + 8], *p = deep;

        for (int i = 0; i < KD_MAXIMUM_NESTING - 2; i++)
            *p++ = '(';
        *p++ = '7';
        for (int i = 0; i < KD_MAXIMUM_NESTING - 2; i++)
            *p++ = ')';
        *p = '\0';
        Value(deep, 7);                         /* as deep as it goes */
        memmove(deep + 1, deep, strlen(deep) + 1);
        deep[0] = '-';
        Value(deep, (uint32_t)-7);
        memmove(deep + 1, deep, strlen(deep) + 1);
        deep[0] = '-';
        Error(deep, KdExpressionTooDeep, deep + KD_MAXIMUM_NESTING);
    }
    return done_testing();
}
