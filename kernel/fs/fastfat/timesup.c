/*
 * kernel/fs/fastfat/timesup.c: times. NT counts 100 ns since 1601-01-01; FAT keeps a date
 * (years from 1980, month, day) and a time to 2 seconds, plus 10 ms units for the creation
 * time, and only the date of the last access. Windows writes local time; mm386's clock has no
 * time zone, so FAT's times are the system time's (UTC).
 */
#include "kernel/fs/fastfat/fatprocs.h"

#define FAT_100NS_PER_SECOND    10000000ll
#define FAT_SECONDS_PER_DAY     86400ll
#define FAT_DAYS_1601_TO_1980   138426      /* 1980-01-01 as days since 1601-01-01 */

static bool FatIsLeapYear(uint32_t Year)
{
    return (Year % 4 == 0 && Year % 100 != 0) || Year % 400 == 0;
}

static uint32_t FatDaysInMonth(uint32_t Year, uint32_t Month)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return days[Month - 1] + (Month == 2 && FatIsLeapYear(Year));
}

int64_t FatQuerySystemTime(void)
{
    return KeQuerySystemTime();
}

int64_t FatTimeToNt(uint16_t Date, uint16_t Time, uint8_t TenMilliseconds)
{
    uint32_t year = FAT_YEAR_BASE + (Date >> 9), month = (Date >> 5) & 15, day = Date & 31;
    int64_t days = FAT_DAYS_1601_TO_1980, seconds;

    if (Date == 0 || month < 1 || month > 12 || day < 1)
        return 0;
    for (uint32_t y = FAT_YEAR_BASE; y < year; y++)
        days += FatIsLeapYear(y) ? 366 : 365;
    for (uint32_t m = 1; m < month; m++)
        days += FatDaysInMonth(year, m);
    days += day - 1;
    seconds = days * FAT_SECONDS_PER_DAY + (Time >> 11) * 3600 + ((Time >> 5) & 63) * 60 +
              (Time & 31) * 2;
    return seconds * FAT_100NS_PER_SECOND + (int64_t)(TenMilliseconds % 200) * 100000;
}

void FatNtToTime(int64_t NtTime, uint16_t *Date, uint16_t *Time, uint8_t *TenMilliseconds)
{
    int64_t seconds = NtTime / FAT_100NS_PER_SECOND;
    int64_t days = seconds / FAT_SECONDS_PER_DAY - FAT_DAYS_1601_TO_1980;
    uint32_t second = (uint32_t)(seconds % FAT_SECONDS_PER_DAY), year = FAT_YEAR_BASE, month = 1;

    if (days < 0) {                         /* before 1980: FAT's first day */
        *Date = (1 << 5) | 1;
        *Time = 0;
        if (TenMilliseconds)
            *TenMilliseconds = 0;
        return;
    }
    while (days >= (FatIsLeapYear(year) ? 366 : 365) && year < FAT_YEAR_BASE + 127)
        days -= FatIsLeapYear(year++) ? 366 : 365;
    while (month < 12 && days >= FatDaysInMonth(year, month))
        days -= FatDaysInMonth(year, month++);
    *Date = (uint16_t)((year - FAT_YEAR_BASE) << 9 | month << 5 | (uint32_t)(days + 1));
    *Time = (uint16_t)((second / 3600) << 11 | ((second / 60) % 60) << 5 | (second % 60) / 2);
    if (TenMilliseconds)
        *TenMilliseconds = (uint8_t)((second % 2) * 100 +
                                     (NtTime % FAT_100NS_PER_SECOND) / 100000);
}
