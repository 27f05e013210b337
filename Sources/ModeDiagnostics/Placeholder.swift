// ModeDiagnostics: sources land here.
