// ModeCore: sources land here.
