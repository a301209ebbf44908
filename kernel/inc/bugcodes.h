/* kernel/inc/bugcodes.h: the bugcheck codes mm386 raises, with NT's numbers (bugcodes.h). */
#ifndef KERNEL_BUGCODES_H
#define KERNEL_BUGCODES_H

#define APC_INDEX_MISMATCH                          0x00000001
#define INVALID_PROCESS_ATTACH_ATTEMPT              0x00000005
#define INVALID_PROCESS_DETACH_ATTEMPT              0x00000006
#define IRQL_NOT_GREATER_OR_EQUAL                   0x00000009
#define IRQL_NOT_LESS_OR_EQUAL                      0x0000000A
#define MUTEX_LEVEL_NUMBER_VIOLATION                0x0000000D
#define SPIN_LOCK_ALREADY_OWNED                     0x0000000F
#define SPIN_LOCK_NOT_OWNED                         0x00000010
#define THREAD_NOT_MUTEX_OWNER                      0x00000011
#define REFERENCE_BY_POINTER                        0x00000018
#define FAT_FILE_SYSTEM                             0x00000023
#define CACHE_INITIALIZATION_FAILED                 0x0000002F
#define CACHE_MANAGER                               0x00000034
#define KMODE_EXCEPTION_NOT_HANDLED                 0x0000001E
#define MANUALLY_INITIATED_CRASH                    0x000000E2
#define BAD_POOL_HEADER                             0x00000019
#define MEMORY_MANAGEMENT                           0x0000001A
#define NO_MORE_SYSTEM_PTES                         0x0000003F
#define MUST_SUCCEED_POOL_EMPTY                     0x00000041
#define NO_PAGES_AVAILABLE                          0x0000004D
#define PFN_LIST_CORRUPT                            0x0000004E
#define PAGE_FAULT_IN_NONPAGED_AREA                 0x00000050
#define PHASE0_INITIALIZATION_FAILED                0x00000078
#define PHASE1_INITIALIZATION_FAILED                0x00000032
#define KERNEL_STACK_INPAGE_ERROR                   0x00000077
#define KERNEL_DATA_INPAGE_ERROR                    0x0000007A
#define INSTALL_MORE_MEMORY                         0x0000007D
#define UNEXPECTED_KERNEL_MODE_TRAP                 0x0000007F
#define NMI_HARDWARE_FAILURE                        0x00000080
#define MACHINE_CHECK_EXCEPTION                     0x0000009C
#define ATTEMPTED_WRITE_TO_READONLY_MEMORY          0x000000BE
#define SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION     0x000000C1
#define BAD_POOL_CALLER                             0x000000C2
#define WORKER_THREAD_RETURNED_AT_BAD_IRQL          0x000000E1
#define WORKER_INVALID                              0x000000E4
#define DRIVER_CORRUPTED_EXPOOL                     0x000000C5
#define PAGE_FAULT_IN_FREED_SPECIAL_POOL            0x000000CC
#define TARGET_MDL_TOO_SMALL                        0x00000040
#define PROCESS_HAS_LOCKED_PAGES                    0x00000076
#define DRIVER_UNMAPPING_INVALID_VIEW               0x000000D7
#define KERNEL_MODE_EXCEPTION_NOT_HANDLED           0x0000008E
#define INVALID_WORK_QUEUE_ITEM                     0x00000096
#define PAGE_FAULT_BEYOND_END_OF_ALLOCATION         0x000000CD

#endif
