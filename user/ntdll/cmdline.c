/*
 * user/ntdll/cmdline.c: the command line split into argc/argv for the start-up (startup.c),
 * by the Microsoft C runtime's rules, so a program sees the arguments it would on Windows.
 */
#include "ntdll.h"
#include "rtlp.h"

/*
 * Split Line into words in place, the Microsoft C runtime's way: blanks separate words;
 * "..." quotes blanks; 2n backslashes before a quote are n backslashes and the quote counts;
 * 2n+1 are n backslashes and a literal quote; other backslashes are literal. Argv, if not
 * NULL, receives the words; returns how many there are.
 */
int RtlpSplitCommandLine(char *Line, char **Argv)
{
    char *in = Line, *out = Line;
    int argc = 0, quoted, slashes;

    for (;;) {
        while (*in == ' ' || *in == '\t')
            in++;
        if (!*in)
            return argc;
        if (Argv)
            Argv[argc] = out;
        argc++;
        for (quoted = 0; *in && (quoted || (*in != ' ' && *in != '\t'));) {
            for (slashes = 0; *in == '\\'; in++)
                slashes++;
            if (*in == '"') {
                for (; slashes >= 2; slashes -= 2)
                    *out++ = '\\';
                if (slashes) {
                    *out++ = '"';
                } else if (quoted && in[1] == '"') {
                    *out++ = '"';
                    in++;
                } else {
                    quoted = !quoted;
                }
                in++;
            } else {
                for (; slashes; slashes--)
                    *out++ = '\\';
                if (*in && (quoted || (*in != ' ' && *in != '\t')))
                    *out++ = *in++;
            }
        }
        if (*in)
            in++;
        *out++ = 0;
    }
}
