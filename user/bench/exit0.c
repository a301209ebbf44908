/* exit0: returns 0 at once; what process_create_exit_per_s creates (user/bench/ubench.c). */
int main(void)
{
    return 0;
}
