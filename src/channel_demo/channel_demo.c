/* channel_demo.c - placeholder demo plugin (replaced by the channel issue). */
#include <unistd.h>
int main(void) { for (;;) pause(); }
