// ModeWorker: sources land here.
