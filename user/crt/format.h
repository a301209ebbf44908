/*
 * user/crt/format.h: the printf engine (format.c), shared by every printf-family function.
 * Pure C over <stdarg.h>, so the host tests compile it as it is.
 */
#ifndef USER_CRT_FORMAT_H
#define USER_CRT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format into Buffer (Size bytes, always terminated when Size > 0) as the Microsoft C
 * runtime's printf does: flags - + space # 0; width and precision, also as *; lengths hh h
 * l ll z j t L and I64/I32; conversions d i u o x X c s p f F e E g G %. As msvcrt does, %p
 * prints 8 uppercase hex digits and exponents have three digits (1e+006). Returns the length
 * the whole output would have.
 */
int CrtFormat(char *Buffer, size_t Size, const char *Format, va_list Arguments);

#endif
