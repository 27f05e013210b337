// The umbrella module: `import Mode` gives the whole library.
@_exported import ModeConsole
@_exported import ModeCore
@_exported import ModeDiagnostics
@_exported import ModeWorker
