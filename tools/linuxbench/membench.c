/*
 * tools/linuxbench/membench.c: the init of the Linux side of `make bench`'s user-mode
 * benchmarks (user/bench/ubench.c's w1, create, close, heap, valloc and fork), which
 * tools/linuxbench/run --memory builds static, -m32, into an initramfs of its own and boots
 * with no disk. Each prints a "LINUX name value unit" line (rates from CLOCK_MONOTONIC), then
 * it powers off. The same workloads, in Linux's terms:
 *
 *   user_demand_zero_pages_per_s   2048 pages of a fresh mmap(MAP_PRIVATE | MAP_ANONYMOUS),
 *                                  one word written in each; the best of 5, unmapped between;
 *                                  `_settled` the same after two seconds of idling
 *   process_create_exit_per_s      vfork + execve of a static program that exits at once (this
 *                                  one, as "exit0": argv[0] says so), waitpid; 200 times
 *   syscall_close_invalid_per_s    close(-1), 10^5 times
 *   heap_alloc_free_per_s          ubench's 10^5 steps over 64 slots with glibc's free/malloc
 *   virtualalloc_commit_touch_free_per_s
 *                                  mmap 64 KB, one byte in each of its 16 pages, munmap; 10^4
 *   fork_exit_per_s                a process with 16 MiB mapped and one byte written in each
 *                                  page forks, the child _exits at once, waitpid; 100 times
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INIT_NAME       "membench"
#include "linit.h"

#define PAGE            4096
#define W1_PAGES        2048
#define W1_ROUNDS       5
#define CREATE_COUNT    200
#define CLOSE_COUNT     100000
#define HEAP_STEPS      100000
#define HEAP_SLOTS      64
#define VALLOC_COUNT    10000
#define VALLOC_BYTES    65536
#define FORK_COUNT      100
#define FORK_BYTES      (16u << 20)

static void *MapAnonymous(size_t Bytes)
{
    void *p = mmap(NULL, Bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

static double DemandZero(void)
{
    double best = 0;

    for (int round = 0; round < W1_ROUNDS; round++) {
        double start = Now(), rate;
        volatile unsigned *memory = MapAnonymous(W1_PAGES * PAGE);

        if (!memory)
            return 0;
        for (unsigned page = 0; page < W1_PAGES; page++)
            memory[page * (PAGE / sizeof(unsigned))] = page;
        rate = W1_PAGES / (Now() - start);
        best = rate > best ? rate : best;
        munmap((void *)memory, W1_PAGES * PAGE);
    }
    return best;
}

/* Waits for Child and tells whether it exited with 0. */
static int ExitedWithZero(pid_t Child)
{
    int status;

    return Child > 0 && waitpid(Child, &status, 0) == Child && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

/* CREATE_COUNT times vfork + execve of this program as "exit0", waited for; the rate, 0 if
 * any failed. */
static double CreateExit(void)
{
    double start = Now();
    int ok = 0;

    for (int i = 0; i < CREATE_COUNT; i++) {
        pid_t pid = vfork();

        if (pid == 0) {
            char *argv[] = { "exit0", NULL };

            execve("/init", argv, NULL);
            _exit(127);
        }
        ok += ExitedWithZero(pid);
    }
    return ok == CREATE_COUNT ? CREATE_COUNT / (Now() - start) : 0;
}

static double CloseInvalid(void)
{
    double start = Now();
    int wrong = 0;

    for (int i = 0; i < CLOSE_COUNT; i++)
        wrong += close(-1) != -1;
    return wrong ? 0 : CLOSE_COUNT / (Now() - start);
}

static double Heap(void)
{
    char *slots[HEAP_SLOTS] = { 0 };
    unsigned y = 12345;
    double start = Now();

    for (int step = 0; step < HEAP_STEPS; step++) {
        unsigned slot, size;

        y = y * 1664525u + 1013904223u;
        slot = (y >> 8) & (HEAP_SLOTS - 1);
        size = 16 + (y >> 16) % 1009;
        free(slots[slot]);
        slots[slot] = malloc(size);
        if (!slots[slot])
            return 0;
        slots[slot][0] = (char)step;
    }
    return HEAP_STEPS / (Now() - start);
}

static double CommitTouchFree(void)
{
    double start = Now();

    for (int i = 0; i < VALLOC_COUNT; i++) {
        volatile char *region = MapAnonymous(VALLOC_BYTES);

        if (!region)
            return 0;
        for (int page = 0; page < VALLOC_BYTES / PAGE; page++)
            region[page * PAGE] = 1;
        munmap((void *)region, VALLOC_BYTES);
    }
    return VALLOC_COUNT / (Now() - start);
}

static double ForkExit(void)
{
    volatile char *memory = MapAnonymous(FORK_BYTES);
    double start;
    int ok = 0;

    if (!memory)
        return 0;
    for (unsigned offset = 0; offset < FORK_BYTES; offset += PAGE)
        memory[offset] = (char)offset;
    start = Now();
    for (int i = 0; i < FORK_COUNT; i++) {
        pid_t pid = fork();

        if (pid == 0)
            _exit(0);
        ok += ExitedWithZero(pid);
    }
    munmap((void *)memory, FORK_BYTES);
    return ok == FORK_COUNT ? FORK_COUNT / (Now() - start) : 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    if (strcmp(argv[0], "exit0") == 0)
        return 0;
    mount("proc", "/proc", "proc", 0, NULL);
    Report("user_demand_zero_pages_per_s", DemandZero(), "pages/s");
    sleep(2);
    Report("user_demand_zero_pages_per_s_settled", DemandZero(), "pages/s");
    Report("process_create_exit_per_s", CreateExit(), "processes/s");
    Report("syscall_close_invalid_per_s", CloseInvalid(), "calls/s");
    Report("heap_alloc_free_per_s", Heap(), "steps/s");
    Report("virtualalloc_commit_touch_free_per_s", CommitTouchFree(), "regions/s");
    Report("fork_exit_per_s", ForkExit(), "forks/s");
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
