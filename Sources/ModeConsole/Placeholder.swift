// ModeConsole: sources land here.
