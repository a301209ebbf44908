/*
 * kernel/se/token.c: the Token object type, primary tokens, and the privilege check (NT's
 * token.c, tokenopn.c's creation part and privileg.c's SePrivilegeCheck).
 */
#include "kernel/se/se.h"

#define SEP_TOKEN_TAG       POOL_TAG('T', 'o', 'k', 'e')

OBJECT_TYPE SeTokenType;

void SeInitSystem(void)
{
    SeTokenType = (OBJECT_TYPE){
        .Name = "Token", .PoolType = NonPagedPool, .PoolTag = SEP_TOKEN_TAG,
        .GenericMapping = { TOKEN_READ, TOKEN_WRITE, TOKEN_EXECUTE, TOKEN_ALL_ACCESS },
        .ValidAccessMask = TOKEN_ALL_ACCESS,
    };
    ObCreateObjectType(&SeTokenType);
}

NTSTATUS SeCreatePrimaryToken(TOKEN *Parent, TOKEN **Token)
{
    static const uint64_t first = (1ull << SE_LOCK_MEMORY_PRIVILEGE) |
                                  (1ull << SE_CHANGE_NOTIFY_PRIVILEGE);
    TOKEN *token;
    KIRQL oldIrql;
    NTSTATUS status = ObCreateObject(&SeTokenType, sizeof(TOKEN), (void **)&token);

    if (!NT_SUCCESS(status))
        return status;
    KeInitializeSpinLock(&token->Lock);
    if (Parent) {
        KeAcquireSpinLock(&Parent->Lock, &oldIrql);
        token->Privileges = Parent->Privileges;
        KeReleaseSpinLock(&Parent->Lock, oldIrql);
    } else {
        token->Privileges = (SEP_TOKEN_PRIVILEGES){ first, first, first };
    }
    *Token = token;
    return STATUS_SUCCESS;
}

bool SePrivilegeEnabled(TOKEN *Token, uint32_t Privilege)
{
    KIRQL oldIrql;
    bool enabled;

    if (Privilege >= 64)
        return false;
    KeAcquireSpinLock(&Token->Lock, &oldIrql);
    enabled = (Token->Privileges.Enabled >> Privilege) & 1;
    KeReleaseSpinLock(&Token->Lock, oldIrql);
    return enabled;
}
