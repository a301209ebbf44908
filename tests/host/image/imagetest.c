/*
 * tests/host/image/imagetest.c: the PE32 image tests/host/test_image.c parses, relocates and
 * looks exports up in. Built by the Makefile with mingw-w64 (-nostdlib, relocations kept); it
 * never runs. It has code, read-only data, writable data with pointers (base relocations),
 * uninitialised data and a few exports, so every kind of section is there.
 */
#define EXPORT __declspec(dllexport)

static const char Greeting[] = "hello from a PE image";
int Counter = 7;
int Scratch[2048];                                  /* .bss: demand zero, 8 KB */
const char *Strings[] = { Greeting, Greeting + 6 }; /* HIGHLOW fixups in .data */
int *Pointers[] = { &Counter, &Scratch[0], &Scratch[2047] };

EXPORT int Add(int a, int b) { return a + b; }
EXPORT int Multiply(int a, int b) { return a * b; }
EXPORT int Zeta(void) { return Counter; }
EXPORT int Beta(void) { return Scratch[3]; }
EXPORT const char *Gamma(void) { return Strings[1]; }

void _start(void)
{
    Counter = Add(Counter, Zeta());
    for (;;)
        ;
}
