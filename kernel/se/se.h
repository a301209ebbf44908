/*
 * kernel/se/se.h: the part of NT's security reference monitor (Se) mm386 has: access tokens,
 * and the privileges in them that services check (SeLockMemoryPrivilege for MAP_SYSTEM locks
 * and large pages). No SIDs, groups, security descriptors or access checks: Ob grants every
 * right asked for (ob.h), and a token is its privileges.
 *
 * A token is an object of type "Token" (SeTokenType). Each process holds a primary token
 * (EPROCESS.Token, ps.h): the first process gets SeLockMemoryPrivilege and
 * SeChangeNotifyPrivilege, present and enabled; a child gets a copy of its creator's
 * (SeCreatePrimaryToken). NtOpenProcessToken (Ps, kernel/ps/security.c) opens it;
 * NtAdjustPrivilegesToken (tokenadj.c) enables, disables and removes privileges in it.
 *
 * Se sits above Ob (a token is an object) and below Ps (a process holds one).
 *
 *   SEP_TOKEN_PRIVILEGES (Vista's layout; NT 5.2 kept a LUID_AND_ATTRIBUTES array)
 *   +0   Present           bit n: the privilege of LUID n is in the token
 *   +8   Enabled           bit n: ... and enabled (a subset of Present)
 *   +16  EnabledByDefault  bit n: ... enabled when the token was made
 */
#ifndef KERNEL_SE_SE_H
#define KERNEL_SE_SE_H

#include "kernel/ob/ob.h"

/* Privilege LUIDs (ntseapi.h); SE_LOCK_MEMORY_PRIVILEGE (4) is in mm/mm.h, where Mm checks it. */
#define SE_MIN_WELL_KNOWN_PRIVILEGE         2
#define SE_CHANGE_NOTIFY_PRIVILEGE          23
#define SE_MAX_WELL_KNOWN_PRIVILEGE         35      /* SeCreateSymbolicLinkPrivilege */
/* The most LUID_AND_ATTRIBUTES a caller may pass (NT's IsValidPrivilegeCount). */
#define SEP_MAX_PRIVILEGE_COUNT \
    (SE_MAX_WELL_KNOWN_PRIVILEGE - SE_MIN_WELL_KNOWN_PRIVILEGE + 32)

/* Privilege attributes (winnt.h). */
#define SE_PRIVILEGE_ENABLED_BY_DEFAULT     0x00000001
#define SE_PRIVILEGE_ENABLED                0x00000002
#define SE_PRIVILEGE_REMOVED                0x00000004

/* Token access rights (winnt.h). */
#define TOKEN_ASSIGN_PRIMARY                0x0001
#define TOKEN_DUPLICATE                     0x0002
#define TOKEN_IMPERSONATE                   0x0004
#define TOKEN_QUERY                         0x0008
#define TOKEN_QUERY_SOURCE                  0x0010
#define TOKEN_ADJUST_PRIVILEGES             0x0020
#define TOKEN_ADJUST_GROUPS                 0x0040
#define TOKEN_ADJUST_DEFAULT                0x0080
#define TOKEN_ADJUST_SESSIONID              0x0100
#define TOKEN_ALL_ACCESS                    (STANDARD_RIGHTS_REQUIRED | 0x01FF)
#define TOKEN_READ                          (STANDARD_RIGHTS_READ | TOKEN_QUERY)
#define TOKEN_WRITE                         (STANDARD_RIGHTS_WRITE | TOKEN_ADJUST_PRIVILEGES | \
                                             TOKEN_ADJUST_GROUPS | TOKEN_ADJUST_DEFAULT)
#define TOKEN_EXECUTE                       STANDARD_RIGHTS_EXECUTE

/* What NtAdjustPrivilegesToken takes and gives back (winnt.h's layouts). */
typedef struct _LUID {
    uint32_t LowPart;
    int32_t HighPart;
} LUID;

typedef struct _LUID_AND_ATTRIBUTES {
    LUID Luid;
    uint32_t Attributes;
} LUID_AND_ATTRIBUTES;

typedef struct _TOKEN_PRIVILEGES {
    uint32_t PrivilegeCount;
    LUID_AND_ATTRIBUTES Privileges[1];
} TOKEN_PRIVILEGES;

_Static_assert(sizeof(LUID_AND_ATTRIBUTES) == 12, "winnt.h's LUID_AND_ATTRIBUTES");
_Static_assert(sizeof(TOKEN_PRIVILEGES) == 16, "winnt.h's TOKEN_PRIVILEGES");

typedef struct _SEP_TOKEN_PRIVILEGES {
    uint64_t Present;
    uint64_t Enabled;
    uint64_t EnabledByDefault;
} SEP_TOKEN_PRIVILEGES;

_Static_assert(sizeof(SEP_TOKEN_PRIVILEGES) == 24, "Vista's SEP_TOKEN_PRIVILEGES");

/* The body of a Token object. Lock guards Privileges (held briefly, never across user memory). */
typedef struct _TOKEN {
    KSPIN_LOCK Lock;
    SEP_TOKEN_PRIVILEGES Privileges;
} TOKEN;

extern OBJECT_TYPE SeTokenType;

void SeInitSystem(void);            /* the Token type; before the first process */

/* A new primary token: a copy of Parent's privileges, or (Parent NULL) the first process's.
 * One reference, the caller's. STATUS_INSUFFICIENT_RESOURCES when pool is short. */
NTSTATUS SeCreatePrimaryToken(TOKEN *Parent, TOKEN **Token);

/* NT's SePrivilegeCheck for one privilege: is it present and enabled in Token? Any IRQL up to
 * DISPATCH_LEVEL. */
bool SePrivilegeEnabled(TOKEN *Token, uint32_t Privilege);

NTSTATUS NtAdjustPrivilegesToken(HANDLE TokenHandle, bool DisableAllPrivileges,
                                 const TOKEN_PRIVILEGES *NewState, uint32_t BufferLength,
                                 TOKEN_PRIVILEGES *PreviousState, uint32_t *ReturnLength);

#endif
