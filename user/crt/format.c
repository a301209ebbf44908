/*
 * user/crt/format.c: the printf engine. One pass over the format: each conversion is parsed
 * into a FORMAT_SPEC, its digits made right to left in a small buffer, and the output padded
 * into the caller's buffer, truncating but counting what did not fit.
 */
#include <stdint.h>
#include "format.h"

typedef struct {
    char *Buffer;
    size_t Size;
    size_t Length;                      /* the whole output's, even past Size */
} FORMAT_OUTPUT;

typedef struct {
    int LeftAlign, Plus, Space, Alternate, ZeroPad;
    int Width;
    int Precision;                      /* -1: none given */
    int Length;                         /* 'H' hh, 'h', 0, 'l', 'L' ll/I64 */
    char Conversion;
} FORMAT_SPEC;

static void PutChar(FORMAT_OUTPUT *Out, char C)
{
    if (Out->Length + 1 < Out->Size)
        Out->Buffer[Out->Length] = C;
    Out->Length++;
}

static void PutRepeated(FORMAT_OUTPUT *Out, char C, int Count)
{
    while (Count-- > 0)
        PutChar(Out, C);
}

/* Digits of Value in Base, least significant first, into Digits; returns how many. */
static int MakeDigits(char *Digits, uint64_t Value, unsigned Base, int Upper)
{
    const char *set = Upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int count = 0;

    do {
        Digits[count++] = set[Value % Base];
        Value /= Base;
    } while (Value);
    return count;
}

/* A formatted field: Prefix (sign, 0x), then Zeros zeros, then Digits reversed, padded. */
static void PutField(FORMAT_OUTPUT *Out, const FORMAT_SPEC *Spec, const char *Prefix,
                     int Zeros, const char *Digits, int Count, int Reversed)
{
    int prefix = 0, pad, index;

    while (Prefix[prefix])
        prefix++;
    pad = Spec->Width - prefix - Zeros - Count;
    if (!Spec->LeftAlign && !(Spec->ZeroPad && Spec->Precision < 0))
        PutRepeated(Out, ' ', pad);
    for (index = 0; index < prefix; index++)
        PutChar(Out, Prefix[index]);
    if (!Spec->LeftAlign && Spec->ZeroPad && Spec->Precision < 0)
        PutRepeated(Out, '0', pad);
    PutRepeated(Out, '0', Zeros);
    for (index = 0; index < Count; index++)
        PutChar(Out, Reversed ? Digits[Count - 1 - index] : Digits[index]);
    if (Spec->LeftAlign)
        PutRepeated(Out, ' ', pad);
}

static void PutInteger(FORMAT_OUTPUT *Out, const FORMAT_SPEC *Spec, uint64_t Magnitude,
                       int Negative)
{
    char digits[24], prefix[3] = { 0 };
    unsigned base = 10;
    int count, zeros = 0, upper = Spec->Conversion == 'X';

    if (Spec->Conversion == 'o')
        base = 8;
    else if (Spec->Conversion == 'x' || Spec->Conversion == 'X')
        base = 16;
    count = Spec->Precision == 0 && Magnitude == 0 ? 0 : MakeDigits(digits, Magnitude, base, upper);
    if (Spec->Precision > count)
        zeros = Spec->Precision - count;
    if (Negative)
        prefix[0] = '-';
    else if (Spec->Plus && (Spec->Conversion == 'd' || Spec->Conversion == 'i'))
        prefix[0] = '+';
    else if (Spec->Space && (Spec->Conversion == 'd' || Spec->Conversion == 'i'))
        prefix[0] = ' ';
    else if (Spec->Alternate && base == 16 && Magnitude) {
        prefix[0] = '0';
        prefix[1] = upper ? 'X' : 'x';
    } else if (Spec->Alternate && base == 8 && !zeros && (count == 0 || digits[count - 1] != '0'))
        zeros = 1;
    PutField(Out, Spec, prefix, zeros, digits, count, 1);
}

static void PutString(FORMAT_OUTPUT *Out, const FORMAT_SPEC *Spec, const char *S)
{
    int count = 0;

    if (!S)
        S = "(null)";
    while (S[count] && (Spec->Precision < 0 || count < Spec->Precision))
        count++;
    PutField(Out, Spec, "", 0, S, count, 0);
}

/* Value >= 0 as text with Precision decimals, in E notation when Exponential; the decimal
 * exponent is found by scaling, so the last digits of long fractions are approximate. */
static int FloatText(char *Text, double Value, int Precision, int Exponential, int Upper,
                     int Point)
{
    char digits[24];
    int count, index, length = 0, exponent = 0;
    double scale = 1;
    uint64_t whole, part;

    if (Exponential && Value != 0) {
        while (Value >= 10) {
            Value /= 10;
            exponent++;
        }
        while (Value < 1) {
            Value *= 10;
            exponent--;
        }
    }
    for (index = 0; index < Precision; index++)
        scale *= 10;
    whole = (uint64_t)Value;
    part = (uint64_t)((Value - (double)whole) * scale + 0.5);
    if ((double)part >= scale) {
        whole++;
        part = 0;
        if (Exponential && whole == 10) {
            whole = 1;
            exponent++;
        }
    }
    count = MakeDigits(digits, whole, 10, 0);
    for (index = count - 1; index >= 0; index--)
        Text[length++] = digits[index];
    if (Precision || Point)
        Text[length++] = '.';
    for (index = Precision - 1; index >= 0; index--) {
        Text[length + index] = (char)('0' + part % 10);
        part /= 10;
    }
    length += Precision;
    if (Exponential) {
        Text[length++] = Upper ? 'E' : 'e';
        Text[length++] = exponent < 0 ? '-' : '+';
        if (exponent < 0)
            exponent = -exponent;
        Text[length++] = (char)('0' + exponent / 100);
        Text[length++] = (char)('0' + exponent / 10 % 10);
        Text[length++] = (char)('0' + exponent % 10);
    }
    return length;
}

/* The decimal exponent of Value > 0 (as %e would print it). */
static int DecimalExponent(double Value)
{
    int exponent = 0;

    while (Value >= 10) {
        Value /= 10;
        exponent++;
    }
    while (Value < 1) {
        Value *= 10;
        exponent--;
    }
    return exponent;
}

/* %f %e %g: precision 6 by default (at most 17 digits are made); %g picks the notation by
 * the exponent and drops trailing zeros, as C says. Infinities and NaNs print inf and nan. */
static void PutFloat(FORMAT_OUTPUT *Out, const FORMAT_SPEC *Spec, double Value)
{
    char text[64], prefix[2] = { 0 };
    int precision = Spec->Precision < 0 ? 6 : Spec->Precision, length, exponent, cut;
    int upper = Spec->Conversion == 'E' || Spec->Conversion == 'G';
    int exponential = Spec->Conversion == 'e' || Spec->Conversion == 'E';

    if (Value < 0 || (Value == 0 && 1 / Value < 0)) {
        prefix[0] = '-';
        Value = -Value;
    } else if (Spec->Plus) {
        prefix[0] = '+';
    } else if (Spec->Space) {
        prefix[0] = ' ';
    }
    if (Value != Value || Value > 1.7976931348623157e308) {
        PutField(Out, Spec, prefix, 0, Value != Value ? "nan" : "inf", 3, 0);
        return;
    }
    if (precision > 17)
        precision = 17;
    if (Spec->Conversion == 'g' || Spec->Conversion == 'G') {
        if (!precision)
            precision = 1;
        exponent = Value == 0 ? 0 : DecimalExponent(Value);
        exponential = exponent < -4 || exponent >= precision;
        precision = exponential ? precision - 1 : precision - 1 - exponent;
    }
    if (!exponential && Value >= 1e19)
        exponential = 1;            /* beyond 64-bit integers: still a readable figure */
    length = FloatText(text, Value, precision, exponential, upper, Spec->Alternate);
    if ((Spec->Conversion == 'g' || Spec->Conversion == 'G') && !Spec->Alternate) {
        for (cut = 0; cut < length && text[cut] != 'e' && text[cut] != 'E'; cut++)
            ;
        exponent = cut;
        while (cut > 0 && text[cut - 1] == '0' && precision-- > 0)
            cut--;
        if (cut > 0 && text[cut - 1] == '.')
            cut--;
        while (exponent < length)
            text[cut++] = text[exponent++];
        length = cut;
    }
    PutField(Out, Spec, prefix, 0, text, length, 0);
}

/* Parse one conversion after '%' (flags, width, precision, length, conversion). */
static void ParseSpec(const char **Format, FORMAT_SPEC *Spec, va_list *Arguments)
{
    const char *f = *Format;

    *Spec = (FORMAT_SPEC){ .Precision = -1 };
    for (;; f++) {
        if (*f == '-')
            Spec->LeftAlign = 1;
        else if (*f == '+')
            Spec->Plus = 1;
        else if (*f == ' ')
            Spec->Space = 1;
        else if (*f == '#')
            Spec->Alternate = 1;
        else if (*f == '0')
            Spec->ZeroPad = 1;
        else
            break;
    }
    if (*f == '*') {
        Spec->Width = va_arg(*Arguments, int);
        if (Spec->Width < 0) {
            Spec->LeftAlign = 1;
            Spec->Width = -Spec->Width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        Spec->Width = Spec->Width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        Spec->Precision = 0;
        if (*f == '*') {
            Spec->Precision = va_arg(*Arguments, int);
            if (Spec->Precision < 0)
                Spec->Precision = -1;
            f++;
        }
        while (*f >= '0' && *f <= '9')
            Spec->Precision = Spec->Precision * 10 + (*f++ - '0');
    }
    if (f[0] == 'h' && f[1] == 'h') {
        Spec->Length = 'H';
        f += 2;
    } else if (f[0] == 'l' && f[1] == 'l') {
        Spec->Length = 'L';
        f += 2;
    } else if (f[0] == 'I' && f[1] == '6' && f[2] == '4') {
        Spec->Length = 'L';
        f += 3;
    } else if (f[0] == 'I' && f[1] == '3' && f[2] == '2') {
        f += 3;
    } else if (*f == 'j') {
        Spec->Length = 'L';
        f++;
    } else if (*f == 'h' || *f == 'l') {
        Spec->Length = *f++;
    } else if (*f == 'z' || *f == 't' || *f == 'L') {
        f++;                            /* size_t, ptrdiff_t: 32 bits; long double: double */
    }
    Spec->Conversion = *f;
    *Format = *f ? f + 1 : f;
}

static uint64_t UnsignedArgument(const FORMAT_SPEC *Spec, va_list *Arguments)
{
    switch (Spec->Length) {
    case 'L':
        return va_arg(*Arguments, unsigned long long);
    case 'l':
        return va_arg(*Arguments, unsigned long);
    case 'h':
        return (unsigned short)va_arg(*Arguments, unsigned int);
    case 'H':
        return (unsigned char)va_arg(*Arguments, unsigned int);
    }
    return va_arg(*Arguments, unsigned int);
}

static int64_t SignedArgument(const FORMAT_SPEC *Spec, va_list *Arguments)
{
    switch (Spec->Length) {
    case 'L':
        return va_arg(*Arguments, long long);
    case 'l':
        return va_arg(*Arguments, long);
    case 'h':
        return (short)va_arg(*Arguments, int);
    case 'H':
        return (signed char)va_arg(*Arguments, int);
    }
    return va_arg(*Arguments, int);
}

int CrtFormat(char *Buffer, size_t Size, const char *Format, va_list Arguments)
{
    FORMAT_OUTPUT out = { Buffer, Size, 0 };
    FORMAT_SPEC spec;
    va_list arguments;
    int64_t value;
    char c;

    va_copy(arguments, Arguments);
    while (*Format) {
        if (*Format != '%') {
            PutChar(&out, *Format++);
            continue;
        }
        Format++;
        ParseSpec(&Format, &spec, &arguments);
        switch (spec.Conversion) {
        case 'd':
        case 'i':
            value = SignedArgument(&spec, &arguments);
            PutInteger(&out, &spec, value < 0 ? -(uint64_t)value : (uint64_t)value, value < 0);
            break;
        case 'u':
        case 'o':
        case 'x':
        case 'X':
            PutInteger(&out, &spec, UnsignedArgument(&spec, &arguments), 0);
            break;
        case 'p':
            spec.Conversion = 'X';
            spec.Precision = 2 * (int)sizeof(void *);
            PutInteger(&out, &spec, (uintptr_t)va_arg(arguments, void *), 0);
            break;
        case 'c':
            c = (char)va_arg(arguments, int);
            PutField(&out, &spec, "", 0, &c, 1, 0);
            break;
        case 's':
            PutString(&out, &spec, va_arg(arguments, const char *));
            break;
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
            PutFloat(&out, &spec, va_arg(arguments, double));
            break;
        case '%':
            PutChar(&out, '%');
            break;
        default:                        /* unknown or cut short: print it as written */
            PutChar(&out, '%');
            if (spec.Conversion)
                PutChar(&out, spec.Conversion);
            break;
        }
    }
    va_end(arguments);
    if (Size)
        Buffer[out.Length < Size ? out.Length : Size - 1] = 0;
    return (int)out.Length;
}
