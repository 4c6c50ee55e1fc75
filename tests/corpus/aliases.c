// corpus: function and variable aliases (__attribute__((alias))) called and read while tiering
#include <stdio.h>
int real_impl(int x) { return x * 3; }
int aliased(int x) __attribute__((alias("real_impl")));
static int counter_real = 5;
extern int counter_alias __attribute__((alias("counter_real")));
int main(void) { int s = 0; for (int i = 0; i < 1000; i++) s += aliased(i) + counter_alias; printf("%d\n", s); return 0; }
