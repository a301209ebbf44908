/*
 * tools/linuxbench/filebench.c: the init of the Linux side of `make bench`'s file benchmarks
 * (tools/linuxbench/run builds it static, -m32, into an initramfs with the modules it needs).
 *
 *   /init read     file_read_cold_mb_per_s, file_read_warm_mb_per_s, file_write_flush_mb_per_s
 *   /init map      mapped_read_cold_mb_per_s
 *
 * (the word after "--" on the kernel command line). It loads the kernel modules listed in
 * /modules/order, in that order, with finit_module (no modprobe, no udev), mounts devtmpfs,
 * waits for /dev/sda2 (the FAT32 partition of tools/benchdisk's image, on the primary master
 * of QEMU's PIIX IDE as mm386's `make bench` has it), mounts it vfat with the defaults, runs
 * the workloads of user/bench/ubench.c on its bench.bin and write.bin, prints a
 * "LINUX name value unit" line each (MB/s are MiB per second, from CLOCK_MONOTONIC), unmounts
 * and powers off. The same workloads: 64 KB read() calls over the 64 MiB file, word 0 of each
 * page checked against p * 2654435761, twice (cold: the first read after boot; warm: again,
 * no cache dropped); write.bin created (O_TRUNC), 64 MiB in 64 KB write() calls, fsync(),
 * timed from the open to fsync's return; mmap(PROT_READ, MAP_SHARED) of the whole file and
 * word 0 of each page read and checked, timed from the mmap to the last touch.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define INIT_NAME       "filebench"
#include "linit.h"

#define PAGE            4096u
#define WORDS_PER_PAGE  (PAGE / 4)
#define FILE_BYTES      (64u << 20)
#define FILE_CHUNK      (64u * 1024)
#define FILE_FILL       0x5A5A5A5Au
#define READ_PATH       "/mnt/bench.bin"
#define WRITE_PATH      "/mnt/write.bin"

static unsigned buffer[FILE_CHUNK / 4] __attribute__((aligned(4096)));

static unsigned FileWord(unsigned Page)
{
    return Page * 2654435761u;
}

static void ReportRate(const char *Name, double Start, int Failed)
{
    double seconds = Now() - Start;

    printf("# %s: %.3f s\n", Name, seconds);
    Report(Name, Failed ? 0.0 : FILE_BYTES / seconds / (1u << 20), "MB/s");
}

static void ReadWhole(const char *Name)
{
    int fd = open(READ_PATH, O_RDONLY);
    unsigned offset, bad = 0;
    double start = Now();

    if (fd < 0)
        Die(READ_PATH);
    for (offset = 0; offset < FILE_BYTES; offset += FILE_CHUNK) {
        if (read(fd, buffer, FILE_CHUNK) != FILE_CHUNK)
            break;
        for (unsigned page = 0; page < FILE_CHUNK / PAGE; page++)
            bad += buffer[page * WORDS_PER_PAGE] != FileWord(offset / PAGE + page);
    }
    if (offset != FILE_BYTES || bad)
        printf("# %s: stopped at %u, %u wrong words\n", READ_PATH, offset, bad);
    ReportRate(Name, start, offset != FILE_BYTES || bad);
    close(fd);
}

static void WriteFlush(void)
{
    double start;
    unsigned offset;
    int fd, failed;

    for (unsigned word = 0; word < FILE_CHUNK / 4; word++)
        buffer[word] = FILE_FILL;
    start = Now();
    fd = open(WRITE_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        Die(WRITE_PATH);
    for (offset = 0; offset < FILE_BYTES; offset += FILE_CHUNK) {
        for (unsigned page = 0; page < FILE_CHUNK / PAGE; page++)
            buffer[page * WORDS_PER_PAGE] = ~FileWord(offset / PAGE + page);
        if (write(fd, buffer, FILE_CHUNK) != FILE_CHUNK)
            break;
    }
    failed = offset != FILE_BYTES || fsync(fd) != 0;
    if (failed)
        printf("# %s: stopped at %u (%s)\n", WRITE_PATH, offset, strerror(errno));
    ReportRate("file_write_flush_mb_per_s", start, failed);
    close(fd);
}

static void MappedRead(void)
{
    int fd = open(READ_PATH, O_RDONLY);
    volatile unsigned *view;
    unsigned bad = 0;
    double start;

    if (fd < 0)
        Die(READ_PATH);
    start = Now();
    view = mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
    if (view == MAP_FAILED)
        Die("mmap");
    for (unsigned page = 0; page < FILE_BYTES / PAGE; page++)
        bad += view[page * WORDS_PER_PAGE] != FileWord(page);
    if (bad)
        printf("# %s: %u wrong words through the mapping\n", READ_PATH, bad);
    ReportRate("mapped_read_cold_mb_per_s", start, bad != 0);
    munmap((void *)view, FILE_BYTES);
    close(fd);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";

    mount("proc", "/proc", "proc", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    LoadModules();
    for (int waited = 0; access("/dev/sda2", F_OK) != 0; waited++) {
        if (waited == 1000)
            Die("/dev/sda2 did not appear in 10 s");
        usleep(10000);
    }
    if (mount("/dev/sda2", "/mnt", "vfat", 0, "") != 0)
        Die("mount /dev/sda2 on /mnt");
    printf("# filebench %s: /dev/sda2 mounted on /mnt (vfat)\n", mode);
    if (!strcmp(mode, "map")) {
        MappedRead();
    } else {
        ReadWhole("file_read_cold_mb_per_s");
        ReadWhole("file_read_warm_mb_per_s");
        WriteFlush();
    }
    if (umount("/mnt") != 0)
        printf("# umount /mnt: %s\n", strerror(errno));
    PowerOff();
    return 0;
}
