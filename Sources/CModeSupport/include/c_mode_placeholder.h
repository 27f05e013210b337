#pragma once
int c_mode_placeholder(void);
