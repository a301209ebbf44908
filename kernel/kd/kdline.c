/*
 * kernel/kd/kdline.c: the kd> prompt's line editor on COM1. The cursor stays at the end of the
 * line; what each key does:
 *
 *   printable        appended and echoed, so piped input echoes byte for byte as it was sent
 *   BS (08) DEL (7F) erase the last character
 *   Ctrl-U (15)      erase the whole line
 *   Ctrl-W (17)      erase the word before the cursor (and the blanks after it)
 *   Up, Down         the previous and next line of the history: ESC [ A, ESC [ B (or ESC O A,
 *                    ESC O B); down past the newest brings back the line being typed
 *   Tab (09)         complete the first word from the commands, a later one from the image's
 *                    symbols; several matches extend to what they share, or are listed
 *   CR, LF, CR LF    end the line
 *
 * Other escape sequences (ESC [ params final, ESC O final) are read whole and ignored; other
 * control characters are ignored. Erasing echoes "\b \b" per character, which any terminal
 * understands.
 */
#include "kernel/kd/kd.h"
#include "hal/hal.h"

#define ASCII_TAB           0x09
#define ASCII_BACKSPACE     0x08
#define ASCII_CTRL_U        0x15
#define ASCII_CTRL_W        0x17
#define ASCII_ESCAPE        0x1B
#define ASCII_DELETE        0x7F
#define KD_HISTORY_LINES    32
#define KD_COMPLETION_SHOWN 40      /* a longer list of matches ends with how many more */

typedef enum _KD_ESCAPE_STATE {
    KdEscapeNone,
    KdEscapeStarted,                /* ESC read */
    KdEscapeControl,                /* ESC [ read: parameters up to a final byte */
    KdEscapeSingleShift,            /* ESC O read: one final byte */
} KD_ESCAPE_STATE;

typedef struct _KD_LINE {
    const char *Prompt;
    char *Text;
    size_t Length;
    size_t Size;
    bool Overflow;                  /* the line did not fit: the rest is read and dropped */
    uint32_t Back;                  /* history lines back from the one being typed (0) */
    char Typed[KD_LINE_LENGTH];     /* the line being typed, while the history is shown */
} KD_LINE;

/* What Tab found for a prefix: how many names match, the first, what they all share. */
typedef struct _KD_COMPLETION {
    const char *Prefix;
    size_t PrefixLength;
    const char *First;
    size_t Common;
    uint32_t Matches;
    bool Distinct;                  /* some match differs from the first */
    bool List;                      /* the second pass: print each match */
} KD_COMPLETION;

static KEVENT KdInputEvent;
static KDPC KdInputDpc;
static char KdHistory[KD_HISTORY_LINES][KD_LINE_LENGTH];
static uint32_t KdHistoryCount;     /* lines ever kept; the newest is KdHistoryLine(1) */

static void KdInputArrived(KDPC *Dpc, void *Context, void *Argument1, void *Argument2)
{
    (void)Dpc;
    (void)Context;
    (void)Argument1;
    (void)Argument2;
    KeSetEvent(&KdInputEvent);
}

/* Input arrived: KdReadLine reads the bytes itself, once the DPC has woken it. */
static void KdSerialInterrupt(void *Context)
{
    (void)Context;
    KeInsertQueueDpc(&KdInputDpc, NULL, NULL);
}

void KdInitializeInput(void)
{
    KeInitializeEvent(&KdInputEvent, SynchronizationEvent, false);
    KeInitializeDpc(&KdInputDpc, KdInputArrived, NULL);
    KeConnectInterrupt(HAL_IRQ_COM1, KdSerialInterrupt, NULL);
    HalSerialEnableReceiveInterrupt();
}

/* The next byte from COM1; between bytes the thread waits (other threads, such as the zero
 * page thread, run), woken by IRQ4's DPC. */
static char KdGetChar(void)
{
    char c;

    while (!HalSerialGetChar(&c))
        KeWaitForSingleObject(&KdInputEvent, Executive, KernelMode, false, NULL);
    return c;
}

/* Back: 1 is the newest line kept. */
static char *KdHistoryLine(uint32_t Back)
{
    return KdHistory[(KdHistoryCount - Back) % KD_HISTORY_LINES];
}

/* Keep a line that has more than blanks and is not the newest again. */
static void KdRemember(const char *Text)
{
    const char *p = Text;

    while (*p == ' ')
        p++;
    if (!*p || (KdHistoryCount > 0 && strcmp(KdHistoryLine(1), Text) == 0))
        return;
    RtlCopyString(KdHistory[KdHistoryCount % KD_HISTORY_LINES], Text, KD_LINE_LENGTH);
    KdHistoryCount++;
}

static void KdErase(KD_LINE *Line, size_t Count)
{
    for (; Count > 0 && Line->Length > 0; Count--) {
        Line->Length--;
        DbgPutString("\b \b");
    }
}

/* Append Count characters of Text, as far as they fit; false if some did not. */
static bool KdAppend(KD_LINE *Line, const char *Text, size_t Count)
{
    for (size_t i = 0; i < Count; i++) {
        if (Line->Length + 1 >= Line->Size)
            return false;
        Line->Text[Line->Length++] = Text[i];
        HalSerialPutChar(Text[i]);
    }
    return true;
}

static void KdReplace(KD_LINE *Line, const char *Text)
{
    KdErase(Line, Line->Length);
    KdAppend(Line, Text, strlen(Text));
}

static void KdEraseWord(KD_LINE *Line)
{
    size_t count = 0;

    while (count < Line->Length && Line->Text[Line->Length - count - 1] == ' ')
        count++;
    while (count < Line->Length && Line->Text[Line->Length - count - 1] != ' ')
        count++;
    KdErase(Line, count);
}

/* Up (Older) or down the history; the line being typed is kept while it is shown. */
static void KdBrowseHistory(KD_LINE *Line, bool Older)
{
    uint32_t kept = KdHistoryCount < KD_HISTORY_LINES ? KdHistoryCount : KD_HISTORY_LINES;

    if (Older ? Line->Back == kept : Line->Back == 0)
        return;
    if (Line->Back == 0) {
        Line->Text[Line->Length] = '\0';
        RtlCopyString(Line->Typed, Line->Text, sizeof(Line->Typed));
    }
    Line->Back += Older ? 1 : -1;
    KdReplace(Line, Line->Back == 0 ? Line->Typed : KdHistoryLine(Line->Back));
}

static void KdConsider(KD_COMPLETION *Completion, const char *Name)
{
    size_t common = 0;

    if (strncmp(Name, Completion->Prefix, Completion->PrefixLength) != 0)
        return;
    if (Completion->List) {
        if (Completion->Matches < KD_COMPLETION_SHOWN)
            DbgPrint("  %s\n", Name);
        Completion->Matches++;
        return;
    }
    if (Completion->Matches++ == 0) {
        Completion->First = Name;
        Completion->Common = strlen(Name);
        return;
    }
    while (common < Completion->Common && Name[common] == Completion->First[common])
        common++;
    Completion->Common = common;
    if (strcmp(Name, Completion->First) != 0)
        Completion->Distinct = true;
}

static void KdConsiderAll(KD_COMPLETION *Completion, bool Commands)
{
    if (Commands) {
        size_t count;
        const KD_COMMAND *commands = KdGetCommands(&count);

        for (size_t i = 0; i < count; i++)
            KdConsider(Completion, commands[i].Name);
    } else {
        const char *name;
        uintptr_t address;
        bool code;

        for (uint32_t i = 0; (name = KiGetSymbol(i, &address, &code)) != NULL; i++)
            KdConsider(Completion, name);
    }
}

/* A character of the name being completed: an expression's symbol character, less the nt!
 * module separator and the ` digit separator, so nt!MmHigh completes MmHigh. */
static bool KdIsNameCharacter(char c)
{
    return KdIsSymbolCharacter(c) && c != '!' && c != '`';
}

/* Tab: the word being typed is a command when only blanks (since a ';') come before it, and
 * then ends at a blank or ';'; otherwise it is the symbol characters at the end of the line. */
static void KdComplete(KD_LINE *Line)
{
    KD_COMPLETION completion = { 0 };
    size_t start = Line->Length, before;
    bool command;

    while (start > 0 && Line->Text[start - 1] != ' ' && Line->Text[start - 1] != ';')
        start--;
    for (before = start; before > 0 && Line->Text[before - 1] == ' '; before--)
        ;
    command = before == 0 || Line->Text[before - 1] == ';';
    if (!command) {
        start = Line->Length;
        while (start > 0 && KdIsNameCharacter(Line->Text[start - 1]))
            start--;
        if (start == Line->Length)
            return;
    }
    Line->Text[Line->Length] = '\0';
    completion.Prefix = &Line->Text[start];
    completion.PrefixLength = Line->Length - start;
    KdConsiderAll(&completion, command);
    if (completion.Matches == 0)
        return;
    if (completion.Common > completion.PrefixLength) {
        KdAppend(Line, completion.First + completion.PrefixLength,
                 completion.Common - completion.PrefixLength);
        if (!completion.Distinct && command)
            KdAppend(Line, " ", 1);
        return;
    }
    if (!completion.Distinct)
        return;
    completion.List = true;
    completion.Matches = 0;
    DbgPutString("\n");
    KdConsiderAll(&completion, command);
    if (completion.Matches > KD_COMPLETION_SHOWN)
        DbgPrint("  ... and %u more\n", completion.Matches - KD_COMPLETION_SHOWN);
    DbgPutString(Line->Prompt);
    Line->Text[Line->Length] = '\0';
    DbgPutString(Line->Text);
}

/* A byte that is not part of an escape sequence. */
static void KdEditByte(KD_LINE *Line, char c)
{
    if (Line->Overflow)
        return;
    if (c == ASCII_BACKSPACE || c == ASCII_DELETE)
        KdErase(Line, 1);
    else if (c == ASCII_CTRL_U)
        KdErase(Line, Line->Length);
    else if (c == ASCII_CTRL_W)
        KdEraseWord(Line);
    else if (c == ASCII_TAB)
        KdComplete(Line);
    else if (c >= ' ' && !KdAppend(Line, &c, 1))
        Line->Overflow = true;
}

/* Print Prompt and read a line into Line (Size at most KD_LINE_LENGTH), editing it as the
 * header says. Returns false when the line did not fit in Size - 1 characters: the rest of it
 * was read and dropped, and Line is not to be used. */
bool KdReadLine(const char *Prompt, char *Line, size_t Size)
{
    static char previous;
    static KD_LINE line;
    KD_ESCAPE_STATE escape = KdEscapeNone;

    line = (KD_LINE){ .Prompt = Prompt, .Text = Line, .Size = Size };
    DbgPutString(Prompt);
    for (;;) {
        char c = KdGetChar();

        if (c == '\n' && previous == '\r') {
            previous = c;
            continue;
        }
        previous = c;
        if (escape == KdEscapeStarted && (c == '[' || c == 'O')) {
            escape = c == '[' ? KdEscapeControl : KdEscapeSingleShift;
            continue;
        }
        if ((escape == KdEscapeControl || escape == KdEscapeSingleShift) && c >= ' ') {
            if (escape == KdEscapeSingleShift || (c >= '@' && c <= '~')) {
                if ((c == 'A' || c == 'B') && !line.Overflow)
                    KdBrowseHistory(&line, c == 'A');
                escape = KdEscapeNone;
            }
            continue;
        }
        escape = c == ASCII_ESCAPE ? KdEscapeStarted : KdEscapeNone;
        if (c == '\r' || c == '\n') {
            DbgPutString("\n");
            Line[line.Length] = '\0';
            if (!line.Overflow)
                KdRemember(Line);
            return !line.Overflow;
        }
        KdEditByte(&line, c);
    }
}
