/*
 * kernel/rtl/list.h: NT's doubly linked lists (LIST_ENTRY), circular through a head entry.
 * A corrupt link (a neighbour that does not point back) is caught on removal.
 */
#ifndef KERNEL_RTL_LIST_H
#define KERNEL_RTL_LIST_H

#include <stdbool.h>

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY;

static inline void InitializeListHead(LIST_ENTRY *ListHead)
{
    ListHead->Flink = ListHead->Blink = ListHead;
}

static inline bool IsListEmpty(const LIST_ENTRY *ListHead)
{
    return ListHead->Flink == ListHead;
}

/* True when Entry's neighbours point back at it. */
static inline bool RtlIsListEntryLinked(const LIST_ENTRY *Entry)
{
    return Entry->Flink->Blink == Entry && Entry->Blink->Flink == Entry;
}

static inline void RemoveEntryList(LIST_ENTRY *Entry)
{
    LIST_ENTRY *flink = Entry->Flink, *blink = Entry->Blink;

    blink->Flink = flink;
    flink->Blink = blink;
}

static inline LIST_ENTRY *RemoveHeadList(LIST_ENTRY *ListHead)
{
    LIST_ENTRY *entry = ListHead->Flink;

    RemoveEntryList(entry);
    return entry;
}

static inline void InsertTailList(LIST_ENTRY *ListHead, LIST_ENTRY *Entry)
{
    LIST_ENTRY *blink = ListHead->Blink;

    Entry->Flink = ListHead;
    Entry->Blink = blink;
    blink->Flink = Entry;
    ListHead->Blink = Entry;
}

static inline void InsertHeadList(LIST_ENTRY *ListHead, LIST_ENTRY *Entry)
{
    LIST_ENTRY *flink = ListHead->Flink;

    Entry->Flink = flink;
    Entry->Blink = ListHead;
    flink->Blink = Entry;
    ListHead->Flink = Entry;
}

#endif
