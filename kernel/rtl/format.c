/* kernel/rtl/format.c: printf-style formatting into a bounded buffer (see rtl.h). */
#include "kernel/rtl/rtl.h"

typedef struct _FORMAT_OUTPUT {
    char *Buffer;
    size_t Size;
    size_t Length;                  /* what the whole output needs, even past Size */
} FORMAT_OUTPUT;

typedef struct _FORMAT_SPEC {
    bool LeftAlign, ZeroPad, Plus, Space, Alternate;
    int Width;
    int Precision;                  /* -1: none given */
} FORMAT_SPEC;

static void FmtPutChar(FORMAT_OUTPUT *out, char c)
{
    if (out->Length + 1 < out->Size)
        out->Buffer[out->Length] = c;
    out->Length++;
}

static void FmtPad(FORMAT_OUTPUT *out, char c, int count)
{
    while (count-- > 0)
        FmtPutChar(out, c);
}

static void FmtString(FORMAT_OUTPUT *out, const FORMAT_SPEC *spec, const char *s)
{
    int length = 0;

    if (!s)
        s = "(null)";
    while (s[length] && (spec->Precision < 0 || length < spec->Precision))
        length++;
    if (!spec->LeftAlign)
        FmtPad(out, ' ', spec->Width - length);
    for (int i = 0; i < length; i++)
        FmtPutChar(out, s[i]);
    if (spec->LeftAlign)
        FmtPad(out, ' ', spec->Width - length);
}

/* Digits of Value in Base, most significant first, into digits[]; returns how many. */
static int FmtDigits(char *digits, uint64_t value, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char reversed[24];
    int count = 0;

    do {
        reversed[count++] = set[value % base];
        value /= base;
    } while (value);
    for (int i = 0; i < count; i++)
        digits[i] = reversed[count - 1 - i];
    return count;
}

static void FmtNumber(FORMAT_OUTPUT *out, const FORMAT_SPEC *spec, uint64_t magnitude,
                      bool negative, unsigned base, bool upper)
{
    char digits[24];
    char prefix[3];
    int prefixLength = 0;
    int count, zeros, total;

    if (negative)
        prefix[prefixLength++] = '-';
    else if (spec->Plus)
        prefix[prefixLength++] = '+';
    else if (spec->Space)
        prefix[prefixLength++] = ' ';
    if (spec->Alternate && base == 16 && magnitude) {
        prefix[prefixLength++] = '0';
        prefix[prefixLength++] = upper ? 'X' : 'x';
    } else if (spec->Alternate && base == 8 && magnitude) {
        prefix[prefixLength++] = '0';
    }

    count = (spec->Precision == 0 && magnitude == 0) ? 0 : FmtDigits(digits, magnitude, base, upper);
    zeros = spec->Precision > count ? spec->Precision - count : 0;
    if (spec->ZeroPad && !spec->LeftAlign && spec->Precision < 0) {
        int fill = spec->Width - prefixLength - count;
        zeros = fill > zeros ? fill : zeros;
    }
    total = prefixLength + zeros + count;

    if (!spec->LeftAlign)
        FmtPad(out, ' ', spec->Width - total);
    for (int i = 0; i < prefixLength; i++)
        FmtPutChar(out, prefix[i]);
    FmtPad(out, '0', zeros);
    for (int i = 0; i < count; i++)
        FmtPutChar(out, digits[i]);
    if (spec->LeftAlign)
        FmtPad(out, ' ', spec->Width - total);
}

/* Parses flags, width and precision at *format; returns the length modifier count of 'l'
 * (2 = ll), or -1 for h, -2 for hh, 3 for z. */
static int FmtParseSpec(const char **format, FORMAT_SPEC *spec, va_list *arguments)
{
    const char *f = *format;
    int length = 0;

    *spec = (FORMAT_SPEC){ .Precision = -1 };
    for (;; f++) {
        if (*f == '-') spec->LeftAlign = true;
        else if (*f == '0') spec->ZeroPad = true;
        else if (*f == '+') spec->Plus = true;
        else if (*f == ' ') spec->Space = true;
        else if (*f == '#') spec->Alternate = true;
        else break;
    }
    if (*f == '*') {
        spec->Width = va_arg(*arguments, int);
        if (spec->Width < 0) {
            spec->LeftAlign = true;
            spec->Width = -spec->Width;
        }
        f++;
    } else {
        while (*f >= '0' && *f <= '9')
            spec->Width = spec->Width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
        f++;
        spec->Precision = 0;
        if (*f == '*') {
            spec->Precision = va_arg(*arguments, int);
            if (spec->Precision < 0)
                spec->Precision = -1;
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                spec->Precision = spec->Precision * 10 + (*f++ - '0');
        }
    }
    if (*f == 'h') {
        length = -1;
        if (*++f == 'h') {
            length = -2;
            f++;
        }
    } else if (*f == 'l') {
        length = 1;
        if (*++f == 'l') {
            length = 2;
            f++;
        }
    } else if (*f == 'z') {
        length = 3;
        f++;
    }
    *format = f;
    return length;
}

static uint64_t FmtUnsignedArgument(int length, va_list *arguments)
{
    switch (length) {
    case -2: return (unsigned char)va_arg(*arguments, unsigned);
    case -1: return (unsigned short)va_arg(*arguments, unsigned);
    case 1: return va_arg(*arguments, unsigned long);
    case 2: return va_arg(*arguments, unsigned long long);
    case 3: return va_arg(*arguments, size_t);
    default: return va_arg(*arguments, unsigned);
    }
}

static int64_t FmtSignedArgument(int length, va_list *arguments)
{
    switch (length) {
    case -2: return (signed char)va_arg(*arguments, int);
    case -1: return (short)va_arg(*arguments, int);
    case 1: return va_arg(*arguments, long);
    case 2: return va_arg(*arguments, long long);
    case 3: return (int64_t)va_arg(*arguments, size_t);
    default: return va_arg(*arguments, int);
    }
}

int RtlStringVPrintf(char *Buffer, size_t Size, const char *Format, va_list Arguments)
{
    FORMAT_OUTPUT out = { Buffer, Size, 0 };
    FORMAT_SPEC spec;
    va_list arguments;

    va_copy(arguments, Arguments);
    for (const char *f = Format; *f; f++) {
        int length;

        if (*f != '%') {
            FmtPutChar(&out, *f);
            continue;
        }
        f++;
        length = FmtParseSpec(&f, &spec, &arguments);
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t value = FmtSignedArgument(length, &arguments);
            uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
            FmtNumber(&out, &spec, magnitude, value < 0, 10, false);
            break;
        }
        case 'u':
            FmtNumber(&out, &spec, FmtUnsignedArgument(length, &arguments), false, 10, false);
            break;
        case 'o':
            FmtNumber(&out, &spec, FmtUnsignedArgument(length, &arguments), false, 8, false);
            break;
        case 'x':
        case 'X':
            FmtNumber(&out, &spec, FmtUnsignedArgument(length, &arguments), false, 16, *f == 'X');
            break;
        case 'p':
            spec.ZeroPad = true;
            spec.Width = (int)(2 * sizeof(void *));
            FmtNumber(&out, &spec, (uintptr_t)va_arg(arguments, void *), false, 16, false);
            break;
        case 'c':
            spec.Precision = -1;
            FmtPad(&out, ' ', spec.LeftAlign ? 0 : spec.Width - 1);
            FmtPutChar(&out, (char)va_arg(arguments, int));
            FmtPad(&out, ' ', spec.LeftAlign ? spec.Width - 1 : 0);
            break;
        case 's':
            FmtString(&out, &spec, va_arg(arguments, const char *));
            break;
        case '%':
            FmtPutChar(&out, '%');
            break;
        case '\0':
            f--;
            break;
        default:
            FmtPutChar(&out, '%');
            FmtPutChar(&out, *f);
            break;
        }
    }
    va_end(arguments);
    if (Size)
        Buffer[out.Length < Size ? out.Length : Size - 1] = '\0';
    return (int)out.Length;
}

int RtlStringPrintf(char *Buffer, size_t Size, const char *Format, ...)
{
    va_list arguments;
    int length;

    va_start(arguments, Format);
    length = RtlStringVPrintf(Buffer, Size, Format, arguments);
    va_end(arguments);
    return length;
}
