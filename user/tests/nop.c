/*
 * nop.exe: returns 0 at once. The smallest whole process (image, PEB, heap, stack, first
 * thread), which teardown.exe creates and ends a thousand times.
 */
int main(void)
{
    return 0;
}
