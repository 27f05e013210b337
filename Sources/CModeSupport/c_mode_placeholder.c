// Placeholder so the target builds before its sources land.
#include <stdint.h>
int c_mode_placeholder(void) { return 0; }
