/*
 * tools/linuxbench/linit.h: what the Linux side's static inits (filebench.c, membench.c,
 * thrashbench.c) share, included once by each: the clock, the "LINUX name value unit" line,
 * powering off, a fatal error (INIT_NAME says whose), and loading the modules
 * tools/linuxbench/mkinitrd put in the initramfs, in /modules/order's order with
 * finit_module (no modprobe, no udev). Static inline: an init takes what it needs.
 */
#ifndef LINUXBENCH_LINIT_H
#define LINUXBENCH_LINIT_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline double Now(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static inline void Report(const char *Name, double Value, const char *Unit)
{
    printf("LINUX %s %.0f %s\n", Name, Value, Unit);
    fflush(stdout);
}

static inline void PowerOff(void)
{
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

static inline void Die(const char *What)
{
    printf("# %s: %s: %s\n", INIT_NAME, What, strerror(errno));
    PowerOff();
}

static inline void LoadModules(void)
{
    FILE *order = fopen("/modules/order", "r");
    char name[256], path[300];

    if (!order)
        Die("/modules/order");
    while (fgets(name, sizeof(name), order)) {
        int fd;

        name[strcspn(name, "\n")] = 0;
        snprintf(path, sizeof(path), "/modules/%s", name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST))
            Die(path);
        close(fd);
    }
    fclose(order);
}

#endif
