/*
 * tools/linuxbench/thrashbench.c: the init of the Linux side of ubench's w2 (W2 and W3, the
 * user-mode thrash and random touches), which tools/linuxbench/run --thrash builds static,
 * -m32, into an initramfs with the ATA and SCSI disk modules and boots with a disk that
 * mkswap made (the primary master, /dev/sda): it loads the modules as filebench.c does, turns
 * the disk on as swap, runs the workloads exactly as user/bench/ubench.c does on memory from a
 * fresh mmap(MAP_PRIVATE | MAP_ANONYMOUS), prints "LINUX name value unit" lines (rates from
 * CLOCK_MONOTONIC; pages swapped in and out from /proc/vmstat's pswpin and pswpout), and
 * powers off.
 *
 *   user_thrash_touches_per_s   W2: 24576 pages (96 MiB); pass 1 writes word 0 (page *
 *                               2654435761) and the last word (~page) of each page, passes 2
 *                               and 3 check both; touches = 3 x 24576 over the three passes
 *   user_random_touches_per_s   W3, on the same memory: 20000 touches of word 1 of pages
 *                               x % 18432 (x = x * 1664525 + 1013904223 from 12345), each
 *                               checked (0 or page + 1) and then set to page + 1
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define INIT_NAME       "thrashbench"
#include "linit.h"

#define PAGE            4096
#define WORDS_PER_PAGE  (PAGE / sizeof(unsigned))
#define W2_PAGES        24576
#define W2_PASSES       3
#define W3_PAGES        18432
#define W3_TOUCHES      20000
#define SWAP_DEVICE     "/dev/sda"

/* A /proc/vmstat counter (pswpin, pswpout: pages). */
static unsigned long VmStat(const char *Name)
{
    FILE *f = fopen("/proc/vmstat", "r");
    char line[128];
    size_t length = strlen(Name);
    unsigned long value = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, Name, length) == 0 && line[length] == ' ')
            value = strtoul(line + length + 1, NULL, 10);
    }
    fclose(f);
    return value;
}

int main(void)
{
    static unsigned char touched[W3_PAGES / 8];
    volatile unsigned *memory;
    unsigned long in, out;
    unsigned bad = 0, x = 12345;
    double start, elapsed;

    mount("proc", "/proc", "proc", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    LoadModules();
    for (int tries = 0; access(SWAP_DEVICE, F_OK) != 0 && tries < 100; tries++)
        usleep(100000);                             /* the disk's probe is asynchronous */
    if (swapon(SWAP_DEVICE, 0) != 0)
        Die("swapon " SWAP_DEVICE);
    memory = mmap(NULL, (size_t)W2_PAGES * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        Die("mmap");

    in = VmStat("pswpin");
    out = VmStat("pswpout");
    start = Now();
    for (unsigned page = 0; page < W2_PAGES; page++) {
        memory[page * WORDS_PER_PAGE] = page * 2654435761u;
        memory[page * WORDS_PER_PAGE + WORDS_PER_PAGE - 1] = ~page;
    }
    for (unsigned pass = 1; pass < W2_PASSES; pass++) {
        for (unsigned page = 0; page < W2_PAGES; page++) {
            bad += memory[page * WORDS_PER_PAGE] != page * 2654435761u;
            bad += memory[page * WORDS_PER_PAGE + WORDS_PER_PAGE - 1] != ~page;
        }
    }
    elapsed = Now() - start;
    Report("user_thrash_touches_per_s", W2_PASSES * W2_PAGES / elapsed, "touches/s");
    Report("user_thrash_bad", bad, "words");
    Report("user_thrash_swap_in", VmStat("pswpin") - in, "pages");
    Report("user_thrash_swap_out", VmStat("pswpout") - out, "pages");
    Report("user_thrash_us", elapsed * 1e6, "us");

    bad = 0;
    in = VmStat("pswpin");
    out = VmStat("pswpout");
    start = Now();
    for (unsigned touch = 0; touch < W3_TOUCHES; touch++) {
        unsigned page, value;

        x = x * 1664525u + 1013904223u;
        page = x % W3_PAGES;
        value = memory[page * WORDS_PER_PAGE + 1];
        bad += value != (touched[page / 8] & (1u << page % 8) ? page + 1 : 0);
        memory[page * WORDS_PER_PAGE + 1] = page + 1;
        touched[page / 8] |= 1u << page % 8;
    }
    Report("user_random_touches_per_s", W3_TOUCHES / (Now() - start), "touches/s");
    Report("user_random_bad", bad, "touches");
    Report("user_random_swap_in", VmStat("pswpin") - in, "pages");
    Report("user_random_swap_out", VmStat("pswpout") - out, "pages");
    PowerOff();
    return 0;
}
