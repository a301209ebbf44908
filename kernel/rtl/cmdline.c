/* kernel/rtl/cmdline.c: splitting a command line into name[=value] options (see rtl.h). */
#include "kernel/rtl/rtl.h"

static bool IsBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Ends the value at *cursor (quoted or not) in place; returns false on an open quote. */
static bool SplitValue(char **cursor, const char **value)
{
    char *p = *cursor;

    if (*p == '"') {
        *value = ++p;
        while (*p && *p != '"')
            p++;
        if (!*p)
            return false;
        *p++ = '\0';
        if (*p && !IsBlank(*p))
            return false;
    } else {
        *value = p;
        while (*p && !IsBlank(*p))
            p++;
    }
    if (*p)
        *p++ = '\0';
    *cursor = p;
    return true;
}

NTSTATUS RtlSplitCommandLine(char *Line, RTL_OPTION *Options, uint32_t MaximumCount,
                             uint32_t *Count)
{
    char *p = Line;

    *Count = 0;
    for (;;) {
        RTL_OPTION option = { NULL, NULL };

        while (IsBlank(*p))
            p++;
        if (!*p)
            return STATUS_SUCCESS;
        if (*Count == MaximumCount)
            return STATUS_BUFFER_OVERFLOW;

        option.Name = p;
        while (*p && *p != '=' && !IsBlank(*p))
            p++;
        if (p == option.Name)
            return STATUS_INVALID_PARAMETER;
        if (*p == '=') {
            *p++ = '\0';
            if (!SplitValue(&p, &option.Value))
                return STATUS_INVALID_PARAMETER;
        } else if (*p) {
            *p++ = '\0';
        }
        Options[(*Count)++] = option;
    }
}

static int DigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

bool RtlStringToUlong(const char *String, uint32_t Base, uint32_t *Value)
{
    uint64_t value = 0;

    if (String[0] == '0' && (String[1] == 'x' || String[1] == 'X')) {
        Base = 16;
        String += 2;
    }
    if (!*String)
        return false;
    for (; *String; String++) {
        int digit = DigitValue(*String);

        if (digit >= (int)Base)
            return false;
        value = value * Base + (uint64_t)digit;
        if (value > UINT32_MAX)
            return false;
    }
    *Value = (uint32_t)value;
    return true;
}
